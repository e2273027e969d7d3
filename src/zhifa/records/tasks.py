"""Periodic jobs of whole-process records."""

from django.tasks import task

from zhifa.core.scheduler import periodic

from .services import upload_sessions_purge


@periodic("records-upload-purge", "20 * * * *")
@task
def upload_purge() -> int:
    """Hourly: chunked uploads idle longer than ZHIFA_UPLOAD_SESSION_HOURS are abandoned and their
    spool files removed (nothing of them was ever in the store)."""
    return upload_sessions_purge()
