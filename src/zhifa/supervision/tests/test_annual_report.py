"""`zhifa report annual --year Y` (P11, PUB-13): figures per agency and kind, from publications."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

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
