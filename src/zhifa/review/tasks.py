"""Periodic jobs of legal review."""

from django.tasks import task
from django.utils import timezone

from zhifa.core.scheduler import periodic

from .services import review_alerts_send


@periodic("review-deadline-alerts", "0 8 * * *")
@task
def review_deadline_alerts() -> int:
    """Each morning (Asia/Shanghai): alert reviewers and heads of reviews near or past their
    time limit (REV-06)."""
    return review_alerts_send(today=timezone.localdate())
