from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """执法文书: generated documents (PDF/A and DOCX), numbered, hashed and on the ledger."""

    name = "zhifa.documents"
    label = "documents"
    verbose_name = "执法文书"
