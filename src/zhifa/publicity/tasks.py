from django.tasks import task

from zhifa.core.scheduler import periodic


@periodic("publicity-push", "* * * * *")
@task
def publicity_push():
    """Deliver the outbox to the configured endpoints (retries with backoff, in order)."""
    from .push import push_deliver_due

    return push_deliver_due()


@periodic("publicity-daily", "10 0 * * *")
@task
def publicity_daily():
    """Flag overdue drafts (P12) and take down publications whose period has ended (CRD-02)."""
    from .services import publications_expire_due, publications_flag_overdue

    return {"overdue": publications_flag_overdue(), "expired": publications_expire_due()}
