from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhifa.core"
    label = "core"
    verbose_name = "基础服务"

    def ready(self) -> None:
        from .calendar import connect_signals

        connect_signals()
