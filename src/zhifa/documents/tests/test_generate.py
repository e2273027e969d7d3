"""Generating a document: a real PDF/A with the Chinese text in it, a DOCX with the same fields,
numbered, stored by hash and on the ledger."""

import hashlib

import pytest
from django.core.files.storage import default_storage

from zhifa.cases.engine import case_transition
from zhifa.core.errors import DomainError
from zhifa.documents.models import Document, DocumentRequest
from zhifa.documents.services import document_generate
from zhifa.ledger.models import Entry

from .helpers import docx_text, generate, pdf_text, pdf_xmp, squash, stored_files


def test_penalty_decision_pdf_and_docx(decided_case, actor, django_capture_on_commit_callbacks):
    req = generate(decided_case, "penalty_decision", actor, django_capture_on_commit_callbacks)
    assert req.status == DocumentRequest.Status.DONE, req.error
    doc = req.document
    assert doc.number == "江川市监罚决〔%d〕1号" % doc.generated_at.year
    assert doc.template_version and doc.version == 1

    text = squash(pdf_text(doc))
    for expected in ["江川市市场监督管理局", "行政处罚决定书", doc.number, "江川市鲜味餐饮有限公司", "江川市清河区河滨路18号",
                     "人民币伍万贰仟元整", "52,000.00", "《中华人民共和国食品安全法》",
                     # R2: the three reasoning parts
                     "证据及采信理由", "相互印证，来源合法，予以采信", "适用依据的理由", "符合该条规定的情形",
                     "裁量权行使理由", "适用一般档次", "偏离裁量基准的理由",
                     # PEN-33 (5) remedies, PEN-38 surcharge, SAMR S7 Art. 62 statement
                     "六十日内", "江川市人民政府", "六个月内", "百分之三加处罚款", "部分采纳", "十五日内"]:
        assert squash(expected) in text, expected
    xmp = pdf_xmp(doc)
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp

    dtext = docx_text(doc)
    for expected in ["江川市市场监督管理局", "行政处罚决定书", doc.number, "江川市鲜味餐饮有限公司", "人民币伍万贰仟元整",
                     "证据采信理由", "适用依据的理由", "裁量权行使理由", "百分之三加处罚款"]:
        assert expected in dtext, expected


def test_ledger_entry_covers_row_and_both_files(decided_case, actor, django_capture_on_commit_callbacks):
    doc = generate(decided_case, "pre_decision_notice", actor, django_capture_on_commit_callbacks).document
    entry = Entry.objects.filter(kind="document_generated").get()
    assert entry.payload["document"] == doc.pk and entry.payload["number"] == doc.number
    files = {c["file"]: c for c in entry.covers if "file" in c}
    rows = [c for c in entry.covers if "row" in c]
    assert rows == [{"row": "documents.document", "pk": doc.pk, "hash": rows[0]["hash"]}]
    assert set(files) == {doc.pdf_name, doc.docx_name}
    for name, cover in files.items():
        with default_storage.open(name, "rb") as fh:
            data = fh.read()
        assert hashlib.sha256(data).hexdigest() == cover["sha256"]
        assert hashlib.new("sm3", data).hexdigest() == cover["sm3"]
        assert len(data) == cover["size"]
    assert files[doc.pdf_name]["sha256"] == doc.pdf_sha256


def test_notice_states_hearing_right_only_when_pen30_applies(decided_case, actor, django_capture_on_commit_callbacks):
    with_hearing = generate(decided_case, "pre_decision_notice", actor, django_capture_on_commit_callbacks).document
    text = squash(pdf_text(with_hearing))
    for expected in ["行政处罚事先告知书", "陈述、申辩的权利", "要求听证的权利", "五个工作日内", "人民币伍万贰仟元整"]:
        assert expected in text, expected
    data = dict(decided_case.data)
    data["propose"] = {**data["propose"], "hearing_right": [], "fine_amount": "3000.00"}
    type(decided_case).objects.filter(pk=decided_case.pk).update(data=data)
    decided_case.refresh_from_db()
    without = generate(decided_case, "pre_decision_notice", actor, django_capture_on_commit_callbacks).document
    text = squash(pdf_text(without))
    assert "陈述、申辩的权利" in text and "要求听证的权利" not in text
    assert without.number != with_hearing.number  # two notices, two numbers


def test_incomplete_decision_fails_and_leaves_nothing(case, actor, django_capture_on_commit_callbacks):
    """No proposal recorded: the decision lacks PEN-33 contents. The request fails with the rule;
    no document row, no ledger entry, no file, and no number is used up."""
    entries_before, files_before = Entry.objects.count(), stored_files()
    req = generate(case, "penalty_decision", actor, django_capture_on_commit_callbacks)
    assert req.status == DocumentRequest.Status.FAILED
    assert "PEN-33" in req.error and "处罚种类" in req.error
    assert Document.objects.count() == 0
    assert Entry.objects.count() == entries_before
    assert stored_files() == files_before
    from zhifa.cases.models import NumberSequence

    assert not NumberSequence.objects.filter(series="penalty_decision", last__gt=0).exists()


def test_unknown_template_is_refused_before_anything(case, actor):
    with pytest.raises(DomainError) as exc:
        document_generate(case=case, template="no_such", actor=actor)
    assert exc.value.rule == "REC-10"
    assert DocumentRequest.objects.count() == 0


def test_after_commit_hook_generates_for_the_step(case, actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=case, action="file", actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        entry = case_transition(case=case, action="record_inspection", actor=actor,
                                data={"place": "河滨路18号店堂", "findings": "店内冷柜存放熟食二十公斤，未见食品经营许可证。"})
    docs = {d.template: d for d in Document.objects.filter(case=case)}
    assert set(docs) == {"filing_approval", "inspection_record"}
    record = docs["inspection_record"]
    assert record.entry_id == entry.pk and record.generated_by == actor
    text = squash(pdf_text(record))
    assert "现场检查（勘验）笔录" in text and "未见食品经营许可证" in text and "JC0001" in text
    assert "未取得食品经营许可从事食品经营活动案" in squash(pdf_text(docs["filing_approval"]))
