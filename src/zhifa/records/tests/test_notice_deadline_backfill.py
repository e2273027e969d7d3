"""Migration records 0005: device records reviewed as conforming before the PEN-15 notice deadline
existed, and not told, get their deadline (from the review that began the current run of conforming
reviews, the agency's working days), so the deadline alerts reach someone. Idempotent."""

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from zhifa.cases.models import CaseDeadline
from zhifa.cases.services import case_register, party_add
from zhifa.catalog.services import setting_set
from zhifa.core.calendar import add_working_days
from zhifa.records.archive import archive_build
from zhifa.records.models import DeviceRecordReview
from zhifa.records.services import evidence_device_review, evidence_withdraw

from .test_device_notices import PERSON_ID, notify
from .test_device_records import add_device_record, register_device

backfill = importlib.import_module("zhifa.records.migrations.0005_open_missing_notice_deadlines")
TODAY = timezone.localdate()


@pytest.fixture
def apps(db):
    """The models as the migration sees them (historical, at records 0005)."""
    return MigrationLoader(connection).project_state(("records", backfill.__name__.rsplit(".", 1)[1])).apps


def reviewed_before(world, record, *verdicts):
    """Review rows as an install before the notice deadline left them: no deadline opened. `verdicts`
    are (days ago, conforms); saved as loaded data, since `at` is otherwise always now."""
    for days_ago, conforms in verdicts:
        at = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(10)))
        DeviceRecordReview(evidence=record, conforms=conforms, opinion="审核", reviewer=world["lead"],
                           at=at).save_base(raw=True)


def deadlines(record):
    return list(CaseDeadline.objects.filter(case=record.case, key=f"PEN-15:e{record.number}"))


def test_missing_notice_deadlines_are_opened_once(world, apps):
    from zhifa.supervision.models import DeadlineAlert
    from zhifa.supervision.services import deadline_alerts_refresh

    register_device(world)
    setting_set(key="device_notice_working_days", value=2, agency=world["agency"], actor=world["root"])
    again = add_device_record(world, title="两次审核均符合")
    reviewed_before(world, again, (9, True), (3, True))
    back = add_device_record(world, title="先不符合后符合")
    reviewed_before(world, back, (12, True), (8, False), (4, True))
    rejected = add_device_record(world, title="最后审核不符合")
    reviewed_before(world, rejected, (6, True), (5, False))
    told = add_device_record(world, title="已告知")
    reviewed_before(world, told, (7, True))
    party = party_add(case=world["case"], actor=world["lead"], kind="person", name="陈小满", id_number=PERSON_ID)
    notify(world, told, party)
    withdrawn = add_device_record(world, title="已撤回")
    reviewed_before(world, withdrawn, (7, True))
    evidence_withdraw(evidence=withdrawn, actor=world["lead"], reason="重复上传")
    current = add_device_record(world, title="新功能上线后审核")
    evidence_device_review(evidence=current, actor=world["lead"], conforms=True, opinion="清晰")
    assert len(deadlines(current)) == 1 and not deadlines(again)

    assert backfill.open_missing_notice_deadlines(apps) == 2
    (d,) = deadlines(again)  # from the first of the conforming reviews, the agency's 2 working days
    start = TODAY - dt.timedelta(days=9)
    assert d.start == start and d.act_by == add_working_days(start, 2) and d.closed_at is None
    assert d.rule_id == "PEN-15" and d.bearer == "agency" and "第41条" in d.basis
    assert f"证据{again.number}" in d.label and "2 个工作日" in d.explanation and "补开" in d.explanation
    (d,) = deadlines(back)  # a non-conforming review ended the earlier run
    assert d.start == TODAY - dt.timedelta(days=4)
    assert not deadlines(rejected) and not deadlines(told) and not deadlines(withdrawn)
    assert len(deadlines(current)) == 1
    # Run again: nothing more.
    assert backfill.open_missing_notice_deadlines(apps) == 0
    assert CaseDeadline.objects.filter(key__startswith="PEN-15:").count() == 3
    # Now someone is alerted: the period of `again` ran out days ago.
    deadline_alerts_refresh()
    alert = DeadlineAlert.objects.get(deadline__key=f"PEN-15:e{again.number}")
    assert alert.level == "overdue" and alert.officer_id == world["case"].lead_officer_id
    # The notice closes a backfilled deadline as it closes any other.
    notify(world, again, party)
    assert deadlines(again)[0].closed_at is not None


def test_records_of_an_archived_case_and_a_regional_setting(world, apps):
    register_device(world)
    setting_set(key="device_notice_working_days", value=3, region=world["city"], actor=world["root"])
    old = add_device_record(world)
    reviewed_before(world, old, (3, True))
    archived_case = case_register(
        procedure="records_test", agency=world["agency"], lead_officer=world["officers"][0], actor=world["lead"],
        discovered_on=TODAY, co_officers=[world["officers"][1]], title="已归档案件", source="inspection")
    other = add_device_record({**world, "case": archived_case})
    reviewed_before(world, other, (3, True))
    archive_build(case=archived_case, actor=world["lead"])
    assert backfill.open_missing_notice_deadlines(apps) == 1
    (d,) = deadlines(old)
    assert d.act_by == add_working_days(TODAY - dt.timedelta(days=3), 3)  # the city's value
    assert not deadlines(other)
