"""Who may see and who may issue a case's documents (staff only, scoped by org.roles)."""

from __future__ import annotations

from zhifa.cases.models import Case
from zhifa.core.errors import NotFound, PermissionDeniedError
from zhifa.org.roles import agencies_visible_to, is_admin

from .models import Document


def visible_case(user, case_id: int) -> Case:
    """The case if `user` may see its agency; otherwise NotFound (its existence is not revealed)."""
    case = (Case.objects.select_related("agency", "matter")
            .filter(pk=case_id, agency__in=agencies_visible_to(user)).first())
    if case is None:
        raise NotFound("未找到该案件，或您无权查看。")
    return case


def visible_document(user, document_id: int) -> Document:
    doc = (Document.objects.select_related("case", "generated_by")
           .filter(pk=document_id, case__agency__in=agencies_visible_to(user)).first())
    if doc is None:
        raise NotFound("未找到该文书，或您无权查看。")
    return doc


def check_can_issue(user, case: Case) -> None:
    """Issuing and correcting are for the case's own agency (and admins); supervisors only read."""
    if is_admin(user) or (getattr(user, "agency_id", None) == case.agency_id):
        return
    raise PermissionDeniedError("只有本案执法主体的工作人员可以生成或更正文书。")
