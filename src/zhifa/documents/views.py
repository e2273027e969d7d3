"""Staff pages: a case's documents, generating and correcting them, downloading the files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhifa.core.errors import DomainError, NotFound

from . import selectors, services
from .access import check_can_issue, visible_case, visible_document
from .registry import template_choices

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# Signed-in users of the agencies (officers, reviewers, heads) and supervisors (`login_required`;
# a deactivated user's session is no longer signed in): the agency scope is checked per case
# (`visible_case`: a case outside it is 404). Not Django's is_staff, which is the admin site's flag:
# an officer who is no admin must still see and issue the documents of his cases.


def _or_404(fn, *args):
    try:
        return fn(*args)
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_required
def case_documents(request, case_id: int):
    case = _or_404(visible_case, request.user, case_id)
    open_requests = list(selectors.case_document_requests(case, open_only=True)[:20])
    return render(request, "documents/case_documents.html", {
        "case": case,
        "documents": selectors.case_documents(case),
        "requests": open_requests,
        "pending": any(r.status == "pending" for r in open_requests),  # reload until they are rendered
        "templates": template_choices(),
    })


@login_required
@require_POST
def document_request(request, case_id: int):
    case = _or_404(visible_case, request.user, case_id)
    try:
        check_can_issue(request.user, case)
        services.document_generate(case=case, template=request.POST.get("template", ""), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已提交生成，文书生成后显示在列表中。")
    return redirect("documents:case", case_id=case.pk)


@login_required
@require_POST
def document_correct(request, document_id: int):
    doc = _or_404(visible_document, request.user, document_id)
    try:
        check_can_issue(request.user, doc.case)
        services.document_supersede(document=doc, actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已提交更正：{doc.title} {doc.number}。新版本生成后，原文书标记为已更正。")
    return redirect("documents:case", case_id=doc.case_id)


def file_response(doc, kind: str) -> FileResponse:
    name = doc.pdf_name if kind == "pdf" else doc.docx_name
    handle = default_storage.open(name, "rb")
    filename = f"{doc.title}-{doc.number}" + (f"-第{doc.version}版" if doc.version > 1 else "") + f".{kind}"
    response = FileResponse(handle, as_attachment=kind == "docx", filename=filename, content_type=CONTENT_TYPES[kind])
    response["X-Content-SHA256"] = doc.pdf_sha256 if kind == "pdf" else doc.docx_sha256
    return response


@login_required
def document_download(request, document_id: int, kind: str):
    if kind not in CONTENT_TYPES:
        raise Http404("不支持的文件格式。")
    doc = _or_404(visible_document, request.user, document_id)
    return file_response(doc, kind)
