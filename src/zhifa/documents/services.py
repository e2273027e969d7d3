"""Services of the documents app: request a document (rendered by a background task), issue it when
its files are ready, and correct it by a superseding version. A document is never edited (REC-03).

The procedure modules call `document_generate(...)` or put `generate_after_commit("<code>")` in a
transition's `after_commit`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhifa.cases.models import Case, StatusEntry
from zhifa.cases.services import number_issue
from zhifa.core.errors import Conflict, DomainError
from zhifa.core.filestore import filestore_put
from zhifa.ledger.services import ledger_append

from .models import Document, DocumentRequest
from .registry import build_content, get_template
from .render import render_docx, render_pdf

log = logging.getLogger(__name__)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _check_extra(extra) -> dict:
    if extra is None:
        return {}
    if not isinstance(extra, dict):
        raise DomainError("附加内容应为对象。", code="invalid", fields={"extra": "应为对象"})
    try:
        json.dumps(extra, ensure_ascii=False)
    except (TypeError, ValueError):
        raise DomainError("附加内容只能包含文字、数字、列表和对象。", code="invalid", fields={"extra": "无法保存"}) from None
    return extra


def _enqueue(request_id: int) -> None:
    from .tasks import document_render

    document_render.enqueue(request_id)


def _request(*, case_id: int, template: str, entry_id: int | None, extra: dict, requested_by_id: int | None,
             ) -> DocumentRequest:
    """The request row, and its rendering enqueued once it is committed: at once outside a
    transaction, at the caller's commit inside one (one INSERT needs no transaction of its own)."""
    req = DocumentRequest.objects.create(case_id=case_id, template=template, entry_id=entry_id, extra=extra,
                                         requested_by_id=requested_by_id)
    transaction.on_commit(lambda: _enqueue(req.pk))
    return req


def document_generate(*, case: Case, template: str, actor, entry: StatusEntry | None = None,
                      extra: dict | None = None) -> DocumentRequest:
    """Ask for `template` to be generated for `case` (optionally for one status entry). The
    rendering runs in a background task after commit; the request row tells how it went."""
    tpl = get_template(template)
    extra = _check_extra(extra)
    if entry is not None and entry.case_id != case.pk:
        raise DomainError("所属环节不属于该案件。", code="invalid", fields={"entry": "不属于该案件"})
    user = _user(actor)
    return _request(case_id=case.pk, template=tpl.code, entry_id=entry.pk if entry is not None else None,
                    extra=extra, requested_by_id=user.pk if user is not None else None)


def generate_after_commit(template: str, *, only_if: Callable[[Case], bool] | None = None
                          ) -> Callable[[StatusEntry], None]:
    """A Transition.after_commit hook: generate `template` for the case and the step just recorded,
    in the name of the step's actor. `only_if(case)`, when given, picks the cases the template is for
    (e.g. the 不予行政处罚决定书 when the decision is not to penalise); it is kept on the hook as
    `applies` so the documents a case should have can be listed (review.requirements)."""
    code = get_template(template).code  # fail at import time for a misspelt code

    def hook(entry: StatusEntry) -> None:
        # The committed status row names the case, the step and its actor; the case itself is read
        # only when `only_if` asks.
        if only_if is not None and not only_if(Case.objects.get(pk=entry.case_id)):
            return
        _request(case_id=entry.case_id, template=code, entry_id=entry.pk, extra={},
                 requested_by_id=entry.actor_id)

    hook.__name__ = f"generate_{template}"
    hook.template = template
    hook.applies = only_if
    return hook


def document_supersede(*, document: Document, actor, reason: str, extra: dict | None = None) -> DocumentRequest:
    """更正: a new version of `document` from the case as it stands now, keeping its number; the old
    version stays, marked as superseded by the new one once that is issued."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("更正文书须说明理由（规则 REC-03）。", code="invalid", rule="REC-03",
                          fields={"reason": "必须填写"})
    extra = _check_extra(extra)
    if Document.objects.filter(supersedes=document).exists():
        raise Conflict("该文书已被更正，请更正其最新版本。", code="already_superseded", rule="REC-03")
    previous = getattr(document, "request", None)
    merged = {**(previous.extra if previous is not None else {}), **extra}
    with transaction.atomic():
        req = DocumentRequest.objects.create(case=document.case, template=document.template, entry=document.entry,
                                             extra=merged, supersedes=document, reason=reason,
                                             requested_by=_user(actor))
        transaction.on_commit(lambda: _enqueue(req.pk))
    return req


def document_issue(*, request: DocumentRequest) -> Document:
    """Render and issue the document of `request`, all or nothing: the number, both files, the
    document row and its ledger entry. Raises on failure (nothing is kept but the rendered-to-memory
    bytes, which are dropped)."""
    tpl = get_template(request.template)
    case = Case.objects.select_related("agency__region", "matter").get(pk=request.case_id)
    old = request.supersedes
    with transaction.atomic():
        content, number = build_content(
            tpl, case=case, entry=request.entry, extra=request.extra,
            version=old.version + 1 if old else 1,
            corrects=(f"本文书更正{old.title}{old.number}（第{old.version}版），原文书作废。更正理由：{request.reason}"
                      if old else ""),
        )
        if old is not None:
            number = old.number
        elif not number:
            number = number_issue(agency=case.agency, series=tpl.series, on_date=timezone.localdate())
        content["number"] = number
        pdf = render_pdf(content, html_template=tpl.html_template)
        docx = render_docx(content)
        pdf_file, docx_file = filestore_put(pdf), filestore_put(docx)
        document = Document.objects.create(
            case=case, template=tpl.code, template_version=tpl.version, title=tpl.title, number=number,
            version=content["version"], supersedes=old, reason=request.reason if old else "", entry=request.entry,
            content=content, generated_at=timezone.now(), generated_by=request.requested_by,
            pdf_name=pdf_file.name, pdf_sha256=pdf_file.sha256, pdf_sm3=pdf_file.sm3, pdf_size=pdf_file.size,
            docx_name=docx_file.name, docx_sha256=docx_file.sha256, docx_sm3=docx_file.sm3, docx_size=docx_file.size,
        )
        ledger_append(
            kind="document_generated", actor=request.requested_by, subject=case,
            payload={"document": document.pk, "template": tpl.code, "template_version": tpl.version,
                     "title": tpl.title, "number": number, "version": document.version,
                     "supersedes": old.pk if old else None, "reason": document.reason,
                     "entry": request.entry.seq if request.entry else None},
            rows=[document], files=[pdf_file.cover(), docx_file.cover()],
        )
        DocumentRequest.objects.filter(pk=request.pk).update(
            status=DocumentRequest.Status.DONE, document=document, error="", finished_at=timezone.now())
    return document


def document_request_run(*, request_id: int) -> Document | None:
    """The background task's body: issue the document, or record why it failed."""
    request = DocumentRequest.objects.select_related("entry", "supersedes", "requested_by").get(pk=request_id)
    if request.status != DocumentRequest.Status.PENDING:
        return request.document
    try:
        return document_issue(request=request)
    except DomainError as exc:
        error = exc.message + (f"（规则 {exc.rule}）" if exc.rule and exc.rule not in exc.message else "")
    except IntegrityError:
        error = "该文书已被更正，请更正其最新版本。"
    except Exception as exc:  # a rendering failure must not leave the request pending forever
        log.exception("document render failed", extra={"request": request_id})
        error = f"生成失败：{type(exc).__name__}: {exc}"
    DocumentRequest.objects.filter(pk=request_id).update(
        status=DocumentRequest.Status.FAILED, error=error[:2000], finished_at=timezone.now())
    return None
