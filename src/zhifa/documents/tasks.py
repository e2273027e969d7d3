"""Background work of the documents app: rendering runs in a task (django.tasks; the database
backend in production, the immediate backend in tests)."""

from django.tasks import task


@task
def document_render(request_id: int) -> dict:
    """Render and issue the document of one DocumentRequest."""
    from .services import document_request_run

    document = document_request_run(request_id=request_id)
    return {"request": request_id, "document": document.pk if document else None}
