"""A document is never edited: a correction is a new version that supersedes it (REC-03)."""

import pytest
from django.db import DatabaseError, connection

from zhifa.cases.models import Case
from zhifa.cases.snapshot import case_snapshot, case_snapshot_digest
from zhifa.core.append_only import AppendOnlyError
from zhifa.core.errors import Conflict, DomainError
from zhifa.documents.models import Document, DocumentRequest
from zhifa.documents.selectors import case_documents
from zhifa.documents.services import document_supersede
from zhifa.ledger.models import Entry

from .helpers import generate, pdf_text, squash


def test_correction_supersedes_and_the_old_stays(decided_case, actor, django_capture_on_commit_callbacks):
    old = generate(decided_case, "penalty_decision", actor, django_capture_on_commit_callbacks).document
    old_hash = old.pdf_sha256
    data = dict(decided_case.data)
    data["propose"] = {**data["propose"], "fine_amount": "50000.00"}
    Case.objects.filter(pk=decided_case.pk).update(data=data)

    with django_capture_on_commit_callbacks(execute=True):
        req = document_supersede(document=old, actor=actor, reason="罚款金额计算有误，依裁量基准更正为五万元。")
    req.refresh_from_db()
    assert req.status == DocumentRequest.Status.DONE, req.error
    new = req.document
    assert (new.supersedes_id, new.version, new.number) == (old.pk, 2, old.number)
    assert new.reason.startswith("罚款金额计算有误")
    text = squash(pdf_text(new))
    assert "人民币伍万元整" in text and "伍万贰仟" not in text
    assert "原文书作废" in text and "第2版" in text

    old.refresh_from_db()
    assert old.pdf_sha256 == old_hash and old.version == 1  # the old one is untouched
    listed = case_documents(decided_case)
    assert [(d.pk, d.is_superseded) for d in listed] == [(new.pk, False), (old.pk, True)]
    assert Entry.objects.filter(kind="document_generated").count() == 2
    assert Entry.objects.filter(kind="document_generated").last().payload["supersedes"] == old.pk

    with pytest.raises(Conflict):
        document_supersede(document=old, actor=actor, reason="再次更正")


def test_correction_needs_a_reason(decided_case, actor, django_capture_on_commit_callbacks):
    doc = generate(decided_case, "pre_decision_notice", actor, django_capture_on_commit_callbacks).document
    with pytest.raises(DomainError) as exc:
        document_supersede(document=doc, actor=actor, reason="  ")
    assert exc.value.fields == {"reason": "必须填写"}
    assert DocumentRequest.objects.filter(supersedes=doc).count() == 0


def test_document_rows_cannot_be_changed(decided_case, actor, django_capture_on_commit_callbacks):
    doc = generate(decided_case, "pre_decision_notice", actor, django_capture_on_commit_callbacks).document
    doc.number = "篡改"
    with pytest.raises(AppendOnlyError):
        doc.save()
    with pytest.raises(AppendOnlyError):
        Document.objects.filter(pk=doc.pk).delete()
    with pytest.raises(DatabaseError, match="zhifa: (UPDATE|DELETE) on "), connection.cursor() as cur:  # the trigger
        cur.execute("UPDATE documents_document SET number = %s WHERE id = %s", ["篡改", doc.pk])


def test_snapshot_part_lists_current_documents(decided_case, actor, django_capture_on_commit_callbacks):
    before = case_snapshot_digest(decided_case)
    assert case_snapshot(decided_case)["documents"] == []
    doc = generate(decided_case, "pre_decision_notice", actor, django_capture_on_commit_callbacks).document
    assert case_snapshot(decided_case)["documents"] == [
        {"template": "pre_decision_notice", "number": doc.number, "version": 1, "sha256": doc.pdf_sha256}]
    assert case_snapshot_digest(decided_case) != before
