"""Periodic jobs of the registers."""

from django.tasks import task
from django.utils import timezone

from zhifa.core.scheduler import periodic

from .services import certificates_expire_due


@periodic("certificates-expire", "5 0 * * *")
@task
def certificates_expire() -> list[str]:
    """Just after midnight (Asia/Shanghai): certificates past their expiry date become 过期 (A2)."""
    return certificates_expire_due(today=timezone.localdate(), actor=None)
