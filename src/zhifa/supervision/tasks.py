"""Periodic supervision jobs."""

from django.tasks import task

from zhifa.core.scheduler import periodic

from .services import deadline_alerts_refresh


@periodic("case-deadline-alerts", "15 0 * * *")
@task
def case_deadline_alerts() -> dict:
    """Each morning (Asia/Shanghai): flag case steps due soon or overdue, clear met ones (issue 5 item 8)."""
    return deadline_alerts_refresh()
