"""Documents over HTTP under /api/v1/documents/: a case's documents, one document's metadata, the
files, and (write scope) requesting and correcting documents. No update or delete routes: a
document is corrected by a superseding version (REC-03)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status

from zhifa.cases.models import Case
from zhifa.core.errors import NotFound
from zhifa.org.auth import api_auth, request_actor
from zhifa.org.roles import agencies_visible_to

from . import selectors, services
from .access import check_can_issue
from .models import Document, DocumentRequest
from .views import CONTENT_TYPES, file_response

router = Router(tags=["执法文书"])

READ = api_auth("documents:read")
WRITE = api_auth("documents:write")


def _agencies(request):
    token = getattr(request, "api_token", None)
    if token is not None and token.agency_id:
        from zhifa.org.models import Agency

        return Agency.objects.filter(pk=token.agency_id)
    return agencies_visible_to(request_actor(request))


def _case(request, case_id: int) -> Case:
    case = Case.objects.filter(pk=case_id, agency__in=_agencies(request)).select_related("agency").first()
    if case is None:
        raise NotFound("未找到该案件，或您无权查看。")
    return case


def _document(request, document_id: int) -> Document:
    doc = Document.objects.filter(pk=document_id, case__agency__in=_agencies(request)).first()
    if doc is None:
        raise NotFound("未找到该文书，或您无权查看。")
    return doc


class FileOut(Schema):
    sha256: str
    sm3: str
    size: int
    url: str


class DocumentOut(Schema):
    id: int
    case: int
    template: str
    template_version: str
    title: str
    number: str
    version: int
    supersedes: int | None
    superseded_by: int | None
    is_superseded: bool
    reason: str
    entry_seq: int | None
    generated_at: dt.datetime
    generated_by: str | None
    pdf: FileOut
    docx: FileOut


class RequestOut(Schema):
    id: int
    case: int
    template: str
    status: str
    error: str
    document: int | None
    supersedes: int | None
    requested_at: dt.datetime
    finished_at: dt.datetime | None


class RequestIn(Schema):
    template: str
    extra: dict | None = None


class SupersedeIn(Schema):
    reason: str
    extra: dict | None = None


def _document_out(doc: Document) -> DocumentOut:
    later = Document.objects.filter(supersedes=doc).values_list("pk", flat=True).first()
    base = f"/api/v1/documents/{doc.pk}"
    return DocumentOut(
        id=doc.pk, case=doc.case_id, template=doc.template, template_version=doc.template_version, title=doc.title,
        number=doc.number, version=doc.version, supersedes=doc.supersedes_id, superseded_by=later,
        is_superseded=later is not None, reason=doc.reason, entry_seq=doc.entry.seq if doc.entry_id else None,
        generated_at=doc.generated_at, generated_by=doc.generated_by.get_username() if doc.generated_by_id else None,
        pdf=FileOut(sha256=doc.pdf_sha256, sm3=doc.pdf_sm3, size=doc.pdf_size, url=f"{base}/pdf"),
        docx=FileOut(sha256=doc.docx_sha256, sm3=doc.docx_sm3, size=doc.docx_size, url=f"{base}/docx"),
    )


def _request_out(req: DocumentRequest) -> RequestOut:
    return RequestOut(id=req.pk, case=req.case_id, template=req.template, status=req.status, error=req.error,
                      document=req.document_id, supersedes=req.supersedes_id, requested_at=req.requested_at,
                      finished_at=req.finished_at)


@router.get("/cases/{case_id}", response=list[DocumentOut], auth=READ, summary="案件的文书（含已更正的版本）")
def case_documents(request, case_id: int):
    case = _case(request, case_id)
    return [_document_out(d) for d in selectors.case_documents(case)]


@router.get("/cases/{case_id}/requests", response=list[RequestOut], auth=READ, summary="案件的文书生成请求")
def case_requests(request, case_id: int):
    case = _case(request, case_id)
    return [_request_out(r) for r in selectors.case_document_requests(case)[:100]]


@router.post("/cases/{case_id}/requests", response={202: RequestOut}, auth=WRITE, summary="申请生成文书（后台生成）")
def request_document(request, case_id: int, body: RequestIn):
    case = _case(request, case_id)
    actor = request_actor(request)
    if getattr(request, "api_token", None) is None:
        check_can_issue(actor, case)
    req = services.document_generate(case=case, template=body.template, actor=actor, extra=body.extra)
    return Status(202, _request_out(req))


@router.get("/requests/{request_id}", response=RequestOut, auth=READ, summary="文书生成请求的状态")
def request_status(request, request_id: int):
    req = DocumentRequest.objects.filter(pk=request_id, case__agency__in=_agencies(request)).first()
    if req is None:
        raise NotFound("未找到该生成请求，或您无权查看。")
    return _request_out(req)


@router.get("/{document_id}", response=DocumentOut, auth=READ, summary="文书元数据与哈希")
def document_detail(request, document_id: int):
    return _document_out(_document(request, document_id))


@router.post("/{document_id}/supersede", response={202: RequestOut}, auth=WRITE, summary="更正文书（生成新版本）")
def supersede(request, document_id: int, body: SupersedeIn):
    doc = _document(request, document_id)
    actor = request_actor(request)
    if getattr(request, "api_token", None) is None:
        check_can_issue(actor, doc.case)
    req = services.document_supersede(document=doc, actor=actor, reason=body.reason, extra=body.extra)
    return Status(202, _request_out(req))


@router.get("/{document_id}/{kind}", auth=READ, summary="下载文书文件（pdf 或 docx）",
            openapi_extra={"responses": {200: {"description": "文件", "content": {
                v: {"schema": {"type": "string", "format": "binary"}} for v in CONTENT_TYPES.values()}}}})
def document_file(request, document_id: int, kind: str):
    if kind not in CONTENT_TYPES:
        raise NotFound("不支持的文件格式，应为 pdf 或 docx。")
    return file_response(_document(request, document_id), kind)


ROUTES = [("documents/", router)]
