"""Reads of the documents app."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from .models import Document, DocumentRequest


def documents_of_case(case) -> QuerySet[Document]:
    """Every version of every document of `case`, each marked `is_superseded`."""
    later = Document.objects.filter(supersedes=OuterRef("pk"))
    return (Document.objects.filter(case=case).annotate(is_superseded=Exists(later))
            .select_related("generated_by", "supersedes", "entry").order_by("id"))


def case_documents(case, *, include_superseded: bool = True) -> list[Document]:
    """The documents of `case`: the latest version of each first in issue order, then (if asked)
    the superseded versions, each marked `is_superseded`. A document a later step of the procedure
    made void without correcting it (a 告知书 after 补充调查，重新告知, PEN-19) carries the step's
    reason as `void_reason`, from `case.data["superseded_steps"]` {step seq: reason}: the documents
    that step made."""
    docs = list(documents_of_case(case))
    void = (case.data or {}).get("superseded_steps") or {}
    for d in docs:
        d.void_reason = void.get(str(d.entry.seq), "") if d.entry_id else ""
    current = [d for d in docs if not d.is_superseded]
    if not include_superseded:
        return current
    return current + [d for d in docs if d.is_superseded]


def case_document_requests(case, *, open_only: bool = False) -> QuerySet[DocumentRequest]:
    qs = DocumentRequest.objects.filter(case=case).select_related("document")
    if open_only:
        qs = qs.exclude(status=DocumentRequest.Status.DONE)
    return qs


def document_snapshot(case) -> list[dict]:
    """The "documents" part of a case's snapshot (legal review): every current document with its
    number and the SHA-256 of its PDF."""
    return [{"template": d.template, "number": d.number, "version": d.version, "sha256": d.pdf_sha256}
            for d in documents_of_case(case) if not d.is_superseded]
