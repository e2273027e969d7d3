"""Who may see a case's records, and the log of every look (R7, REC-05: 调阅监督).

- the case team (承办人员 not recused) sees its own case;
- supervisors (监督人员) see every case of the agencies in their region at once (REC-05: 可实时调阅);
- the head (机关负责人) and the archivist (档案管理员) of the case's agency see it (they approve requests);
- anyone else asks for access with a reason (`access_request`), and sees the records only inside the
  time window an approval gives. Until then: refused, and the refusal is logged too. A state-secret
  item (confidentiality level, PEN-22) is never shown through such a grant.

Every view, download and listing goes through `access_check`, which appends an `AccessLog` row.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from zhifa.cases.models import CaseOfficer
from zhifa.core.errors import PermissionDeniedError
from zhifa.org import roles

from .models import AccessDecision, AccessLog, Confidentiality


@dataclass(frozen=True)
class Access:
    basis: str  # AccessLog.Basis
    grant: AccessDecision | None = None

    @property
    def label(self) -> str:
        return AccessLog.Basis(self.basis).label


def is_team_member(case, user) -> bool:
    officer_id = getattr(user, "officer_id", None)
    if not officer_id:
        return False
    return CaseOfficer.objects.filter(case=case, officer_id=officer_id, recused=False).exists()


def may_decide_requests(case, user) -> bool:
    """The archivist or the head of the case's agency approves access requests."""
    if not (user and user.is_authenticated):
        return False
    user_roles = roles.user_roles(user)
    return bool(user_roles & {roles.HEAD, roles.ARCHIVIST}) and user.agency_id == case.agency_id


def active_grant(case, user) -> AccessDecision | None:
    now = timezone.now()
    return (AccessDecision.objects
            .filter(request__case=case, request__requester=user, approved=True, valid_from__lte=now,
                    valid_until__gte=now)
            .order_by("-valid_until").first())


def access_for(case, user) -> Access | None:
    """The basis on which `user` may see `case`'s records now, or None."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if is_team_member(case, user):
        return Access(AccessLog.Basis.TEAM)
    if roles.has_role(user, roles.SUPERVISOR) and roles.agencies_visible_to(user).filter(pk=case.agency_id).exists():
        return Access(AccessLog.Basis.SUPERVISOR)
    if may_decide_requests(case, user):
        return Access(AccessLog.Basis.AGENCY_ROLE)
    grant = active_grant(case, user)
    if grant is not None:
        return Access(AccessLog.Basis.GRANT, grant)
    return None


def access_check(*, case, user, action: str, evidence=None, package=None, reason: str = "") -> Access:
    """Log the look and return its basis; refuse (and log the refusal) without one."""
    access = access_for(case, user)
    secret = (access is not None and access.basis == AccessLog.Basis.GRANT and evidence is not None
              and evidence.confidentiality == Confidentiality.STATE_SECRET)
    if secret:  # PEN-22: a state secret is not lent out through 调阅; the team and supervisors only
        access = None
    with transaction.atomic():
        AccessLog.objects.create(
            user=user if getattr(user, "pk", None) else None, case=case, evidence=evidence, package=package,
            action=action, basis=access.basis if access else AccessLog.Basis.REFUSED,
            grant=access.grant if access else None, reason=(reason or "")[:300],
        )
    if secret:
        raise PermissionDeniedError("该证据涉及国家秘密，不通过调阅提供（规则 PEN-22、REC-04）。",
                                    code="state_secret", rule="PEN-22")
    if access is None:
        raise PermissionDeniedError(
            "您不是本案承办人员，查看本案记录须先提出调阅申请，经档案管理员或机关负责人批准后在有效期内调阅（规则 REC-05）。",
            code="access_not_approved", rule="REC-05")
    return access


def require_team(case, user, *, what: str = "操作") -> None:
    """Writing to a case's records (upload, annotate, withdraw) is for its team only."""
    if not is_team_member(case, user):
        raise PermissionDeniedError(f"只有本案承办人员可以{what}（规则 REC-05）。", code="not_case_team", rule="REC-05")
