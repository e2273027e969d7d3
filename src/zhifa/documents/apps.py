from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """执法文书: generated documents (PDF/A and DOCX), numbered, hashed and on the ledger."""

    name = "zhifa.documents"
    label = "documents"
    verbose_name = "执法文书"

    def ready(self) -> None:
        from zhifa.cases.snapshot import register_snapshot_part

        from .selectors import document_snapshot

        register_snapshot_part("documents", document_snapshot)
