"""`zhifa report annual --year Y` (P11, PUB-13): figures per agency and kind, from publications."""

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhifa.publicity import services
from zhifa.publicity.tests.conftest import agency, clerk, open_penalty, other_agency, publish, region, seeded_calendar  # noqa: F401

pytestmark = pytest.mark.django_db


def test_annual_report_counts_per_agency_and_kind(agency, other_agency, clerk, tmp_path):  # noqa: F811
    publish(open_penalty(agency, clerk, source_pk=1), clerk)
    publish(open_penalty(agency, clerk, source_pk=2, amount=Decimal("20000")), clerk)
    open_penalty(agency, clerk, source_pk=3, category="licensing", penalty="", amount=None)
    gone = publish(open_penalty(other_agency, clerk, source_pk=4), clerk)
    services.publication_withdraw(publication=gone, reason="决定已撤销。", actor=clerk)
    open_penalty(agency, clerk, source_pk=5, decided=dt.date(2025, 5, 5))  # another year
    out = tmp_path / "annual.csv"
    err = io.StringIO()
    call_command("report", "annual", "--year", "2026", "--out", str(out), stderr=err)
    rows = {r[0]: r for r in csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")))}
    header = rows["执法主体"]
    mine = dict(zip(header, rows[agency.name], strict=True))
    assert (mine["行政处罚"], mine["行政许可"], mine["合计"], mine["罚没金额（元）"]) == ("2", "1", "3", "70000.00")
    theirs = dict(zip(header, rows[other_agency.name], strict=True))
    assert (theirs["行政处罚"], theirs["撤回"], theirs["罚没金额（元）"]) == ("1", "1", "0.00")
    assert dict(zip(header, rows["合计"], strict=True))["合计"] == "4"
    assert "2027年01月20日" in err.getvalue()


# --- PDF with charts, publication, page, tile ---------------------------------------------------

import pypdf  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402

from zhifa.core.errors import Conflict, DomainError  # noqa: E402
from zhifa.core.filestore import filestore_open  # noqa: E402
from zhifa.ledger.models import Entry  # noqa: E402
from zhifa.org import roles  # noqa: E402
from zhifa.supervision import charts, reports, selectors  # noqa: E402
from zhifa.supervision.models import AnnualReport  # noqa: E402
from zhifa.supervision.services import annual_report_publish  # noqa: E402


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def _staff(username, agency, role):
    user = get_user_model().objects.create_user(username, password="zhifa-test-pass-9", agency=agency, is_staff=True)
    user.groups.add(roles.ensure_groups()[role])
    return user


def test_penalty_kinds_follow_article_9():
    assert reports.penalty_kinds("警告并处罚款人民币二千元") == ["warning", "fine"]
    assert reports.penalty_kinds("吊销食品经营许可证") == ["licence"]
    assert reports.penalty_kinds("") == ["other"]


def test_command_writes_pdf_with_figures_and_charts(agency, other_agency, clerk, tmp_path, caplog):  # noqa: F811
    publish(open_penalty(agency, clerk, source_pk=1, penalty="警告，并处罚款人民币贰万元", amount=Decimal("20000")), clerk)
    publish(open_penalty(agency, clerk, source_pk=2, amount=Decimal("1234.50")), clerk)
    open_penalty(other_agency, clerk, source_pk=3, category="licensing", penalty="", amount=None)
    out = tmp_path / "annual.pdf"
    caplog.set_level("WARNING", logger="weasyprint")
    call_command("report", "annual", "--year", "2026", "--format", "pdf", "--out", str(out), stderr=io.StringIO())
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")]  # charts drawn as SVG images
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert b"pdfaid" in reader.xmp_metadata.stream.get_data()  # PDF/A, like the documents
    text = _pdf_text(data)
    assert "2026年度行政执法统计年报" in text and "全部执法主体" in text
    assert agency.name in text and other_agency.name in text
    assert "21,234.50" in text  # the agency's penalty amount, and the total
    assert "警告、通报批评" in text and "罚款、没收" in text
    # The charts are in the PDF as vector drawings (text as paths): decisions, amounts, kinds.
    figures = reports.annual_figures(year=2026)
    assert len(reports.annual_charts(figures)) == 3
    assert figures[0].penalty_kinds == {"warning": 1, "fine": 2}
    csv_out = tmp_path / "annual.csv"
    call_command("report", "annual", "--year", "2026", "--format", "csv", "--out", str(csv_out), stderr=io.StringIO())
    rows = {r[0]: r for r in csv.reader(io.StringIO(csv_out.read_text(encoding="utf-8-sig")))}
    mine = dict(zip(rows["执法主体"], rows[agency.name], strict=True))
    assert (mine["处罚种类：警告、通报批评"], mine["处罚种类：罚款、没收"], mine["罚没金额（元）"]) == ("1", "2", "21234.50")


def test_chart_labels_use_the_cjk_font():
    """No tofu: the font matplotlib draws the labels with is Noto CJK, never a Latin fallback."""
    assert "NotoSansCJK" in charts._font().get_file().replace(" ", "")
    svg = charts.bar_chart(title="行政处罚种类", labels=["江川市市场监督管理局"], series=[("件数", [3])])
    assert svg.startswith("<svg") and "<path" in svg


def test_publish_stores_hashes_and_ledgers_the_report(agency, clerk):  # noqa: F811
    publish(open_penalty(agency, clerk, source_pk=1, decided=dt.date(2025, 6, 1)), clerk)
    with pytest.raises(DomainError) as refused:
        annual_report_publish(year=timezone.localdate().year, actor=clerk)
    assert refused.value.rule == "PUB-13" and not AnnualReport.objects.exists()
    report = annual_report_publish(year=2025, actor=clerk, on=dt.date(2026, 1, 15))
    assert (report.due_on, report.late, report.scope) == (dt.date(2026, 1, 20), False, "全部执法主体")
    with filestore_open(report.pdf_name) as f:
        pdf = f.read()
    assert hashlib.sha256(pdf).hexdigest() == report.pdf_sha256 and agency.name in _pdf_text(pdf)
    entry = Entry.objects.get(kind="annual_report_published")
    assert {c["sha256"] for c in entry.covers if "file" in c} == {report.pdf_sha256, report.csv_sha256}
    assert any("row" in c for c in entry.covers)
    with pytest.raises(Conflict):
        annual_report_publish(year=2025, actor=clerk)
    assert AnnualReport.objects.count() == 1
    again = annual_report_publish(year=2025, actor=clerk, reason="补录一件处罚决定。", on=dt.date(2026, 2, 1))
    assert again.supersedes == report and again.late
    assert selectors.annual_report_published(year=2025) == again


def test_tile_counts_days_to_20_january(agency, clerk):  # noqa: F811
    status = selectors.annual_report_status(on_date=dt.date(2026, 11, 30))
    assert (status["year"], status["due"], status["days_left"]) == (2026, dt.date(2027, 1, 20), 51)
    assert status["published"] is None
    status = selectors.annual_report_status(on_date=dt.date(2027, 1, 20))  # last day for 2026
    assert (status["year"], status["days_left"]) == (2026, 0)
    assert status["overdue"] is None  # nothing was decided in 2025 on the platform: no report to be late with
    open_penalty(agency, clerk, source_pk=7, decided=dt.date(2025, 6, 3))
    open_penalty(agency, clerk, source_pk=8, decided=dt.date(2026, 6, 3))
    status = selectors.annual_report_status(on_date=dt.date(2027, 1, 20))
    assert status["overdue"] == {"year": 2025, "days_overdue": 365}  # never published
    status = selectors.annual_report_status(on_date=dt.date(2027, 1, 23))
    assert status["year"] == 2027 and status["overdue"] == {"year": 2026, "days_overdue": 3}


def test_tile_says_published(agency, clerk, client, monkeypatch):  # noqa: F811
    head = _staff("head", agency, roles.HEAD)
    client.force_login(head)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 1, 10))  # a fixed local date
    body = client.get("/workbench/").content.decode()
    assert "2025 年度行政执法统计年报" in body and "还剩 10 天" in body and "/reports/annual/?year=2025" in body
    annual_report_publish(year=2025, actor=clerk, on=dt.date(2026, 1, 9))
    body = client.get("/workbench/").content.decode()
    assert "已于 1月9日公布" in body and "还剩" not in body
    client.force_login(_staff("officer", agency, roles.OFFICER))
    assert "annual-report-tile" not in client.get("/workbench/").content.decode()


def test_page_shows_only_visible_agencies(agency, other_agency, clerk, client):  # noqa: F811
    publish(open_penalty(agency, clerk, source_pk=1), clerk)
    publish(open_penalty(other_agency, clerk, source_pk=2, amount=Decimal("777")), clerk)
    head = _staff("head", agency, roles.HEAD)
    client.force_login(head)
    resp = client.get("/reports/annual/?year=2026")
    body = resp.content.decode()
    assert resp.status_code == 200 and agency.name in body and other_agency.name not in body
    assert "50,000.00" in body and "777" not in body and "<svg" in body
    csv_body = client.get("/reports/annual/2026.csv").content.decode("utf-8-sig")
    assert agency.name in csv_body and other_agency.name not in csv_body
    pdf = client.get("/reports/annual/2026.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    assert agency.name in text and other_agency.name not in text
    assert client.get("/reports/annual/99999.pdf").status_code == 404
    assert client.get("/reports/annual/?year=abc").status_code == 200
    client.force_login(_staff("officer", agency, roles.OFFICER))
    assert client.get("/reports/annual/").status_code == 403


def test_head_publishes_own_agency_report_from_the_page(agency, other_agency, clerk, client):  # noqa: F811
    publish(open_penalty(agency, clerk, source_pk=1, decided=dt.date(2025, 6, 1)), clerk)
    publish(open_penalty(other_agency, clerk, source_pk=2, decided=dt.date(2025, 6, 1)), clerk)
    client.force_login(_staff("officer", agency, roles.OFFICER))
    assert client.post("/reports/annual/publish/", {"year": "2025"}).status_code == 403
    client.force_login(_staff("head", agency, roles.HEAD))
    assert 'id="annual-publish"' in client.get("/reports/annual/?year=2025").content.decode()
    resp = client.post("/reports/annual/publish/", {"year": "2025"}, follow=True)
    report = AnnualReport.objects.get()
    assert (report.agency, report.scope) == (agency, agency.name)
    with filestore_open(report.csv_name) as f:
        published_csv = f.read().decode("utf-8-sig")
    assert agency.name in published_csv and other_agency.name not in published_csv
    body = resp.content.decode()
    assert "已公布" in body and f"/reports/published/{report.pk}.pdf" in body
    again = client.post("/reports/annual/publish/", {"year": "2025"}, follow=True).content.decode()
    assert "须说明理由" in again and AnnualReport.objects.count() == 1
    # The published file is public and is exactly the stored bytes.
    client.logout()
    pdf = client.get(f"/reports/published/{report.pk}.pdf")
    assert pdf["X-Content-SHA256"] == report.pdf_sha256
    assert hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest() == report.pdf_sha256
