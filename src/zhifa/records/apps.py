from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "zhifa.records"
    label = "records"
    verbose_name = "全过程记录"

    def ready(self) -> None:
        from zhifa.cases.snapshot import register_snapshot_part

        from .snapshot import evidence_part

        register_snapshot_part("evidence", evidence_part)
