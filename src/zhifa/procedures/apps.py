from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "zhifa.procedures"
    label = "procedures"
    verbose_name = "执法程序"

    def ready(self) -> None:
        # Each procedure module registers its table with the case engine on import.
        from . import penalty_general, penalty_simple  # noqa: F401
