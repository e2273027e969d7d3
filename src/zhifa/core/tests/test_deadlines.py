"""RULES.md Appendix B (B1–B9) exactly as written, plus TIME-* behaviours and properties."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.core.deadlines import PERIOD_RULES, Pause, add_months, compute_due, late_surcharge
from zhifa.core.errors import DomainError

from .calendar_fixtures import seeded_calendar  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]


def test_b1_hearing_request_party_gets_the_later_reading():
    due = compute_due(rule_id="PEN-31", start=date(2026, 2, 12))
    assert (due.date, due.alt_date, due.enforced_date) == (date(2026, 2, 26), date(2026, 2, 27), date(2026, 2, 27))
    assert due.rule_id == "PEN-31" and due.unit == "working_day" and not due.provisional
    assert "TIME-10" in due.reason and "较晚" in due.reason


def test_b2_publication_agency_alerts_at_the_earlier_reading():
    due = compute_due(rule_id="PUB-03", start=date(2026, 9, 29))
    assert (due.date, due.alt_date, due.enforced_date) == (date(2026, 10, 14), date(2026, 10, 15), date(2026, 10, 14))
    assert "较早" in due.reason


def test_b3_payment_rolls_forward_off_national_day():
    due = compute_due(rule_id="PEN-37", start=date(2026, 9, 16))
    assert due.raw_date == date(2026, 10, 1)
    assert due.date == due.enforced_date == date(2026, 10, 8)
    assert "TIME-03" in due.reason
    # Surcharge starts the day after due.
    assert late_surcharge(fine=100, due=due.date, paid_on=date(2026, 10, 8)).amount == 0
    assert late_surcharge(fine=100, due=due.date, paid_on=date(2026, 10, 9)).amount == Decimal("3.00")


def test_b4_surcharge_is_capped_at_the_fine_from_day_34():
    due = date(2026, 10, 8)
    day33 = late_surcharge(fine=10000, due=due, paid_on=due + timedelta(days=33))
    day34 = late_surcharge(fine=10000, due=due, paid_on=due + timedelta(days=34))
    assert (day33.amount, day33.capped) == (Decimal("9900.00"), False)
    assert (day34.amount, day34.capped) == (Decimal("10000"), True)
    assert 10000 + day34.amount == 20000 and day34.rule_id == "PEN-38"
    # 复议/诉讼 time does not accrue (PEN-38, 行政处罚法 Art. 73 para 3).
    assert late_surcharge(fine=10000, due=due, paid_on=due + timedelta(days=34), paused_days=4).amount == 9000


def test_b5_ninety_day_limit_does_not_roll_forward():
    due = compute_due(rule_id="PEN-34", start=date(2026, 1, 5))
    assert due.date == due.enforced_date == date(2026, 4, 5)
    assert due.act_by == date(2026, 4, 3)
    assert due.unit == "calendar_day"


def test_b6_seal_thirty_plus_thirty_days_no_roll_forward():
    assert compute_due(rule_id="COE-09", start=date(2026, 3, 2)).date == date(2026, 4, 1)
    ext = compute_due(rule_id="COE-09", start=date(2026, 3, 2), extended=True)
    assert ext.date == ext.enforced_date == date(2026, 5, 1)  # a holiday, and still the limit
    assert ext.act_by == date(2026, 4, 30)


def test_b7_licence_twenty_plus_ten_working_days():
    assert compute_due(rule_id="LIC-05", start=date(2026, 4, 28)).date == date(2026, 5, 28)
    assert compute_due(rule_id="LIC-05", start=date(2026, 4, 28), extended=True).date == date(2026, 6, 11)


def test_b8_court_application_demand_notice():
    due = compute_due(rule_id="COE-23", start=date(2026, 6, 1))
    assert due.date == due.alt_date == date(2026, 6, 15)


def test_b9_limitation_two_years_by_the_civil_code():
    due = compute_due(rule_id="PEN-11", start=date(2024, 3, 15))
    assert due.date == date(2026, 3, 15) and due.unit == "year"
    assert compute_due(rule_id="PEN-11:5y", start=date(2024, 3, 15)).date == date(2029, 3, 15)


def test_time04_month_end_rule():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert compute_due(rule_id="PEN-11", start=date(2024, 2, 29)).date == date(2026, 2, 28)


def test_time02_start_day_is_not_counted():
    assert compute_due(rule_id="PEN-37", start=date(2026, 3, 2)).date == date(2026, 3, 17)
    assert compute_due(rule_id="PEN-31", start=date(2026, 3, 2)).date == date(2026, 3, 9)


def test_time11_pauses_are_skipped_and_need_a_document():
    plain = compute_due(rule_id="COE-09", start=date(2026, 3, 2))
    paused = compute_due(rule_id="COE-09", start=date(2026, 3, 2),
                         pauses=[(date(2026, 3, 10), date(2026, 3, 14), "检测告知书-2026-001")])
    assert paused.date == plain.date + timedelta(days=5)
    wd = compute_due(rule_id="LIC-05", start=date(2026, 4, 28),
                     pauses=[Pause(date(2026, 5, 11), date(2026, 5, 15), "听证通知-7")])
    assert wd.date == date(2026, 6, 4)  # five working days later than 05-28
    with pytest.raises(DomainError) as exc:
        compute_due(rule_id="COE-09", start=date(2026, 3, 2), pauses=[(date(2026, 3, 10), date(2026, 3, 14), "")])
    assert exc.value.rule == "TIME-11"


def test_pause_after_the_due_date_changes_nothing():
    plain = compute_due(rule_id="PEN-34", start=date(2026, 1, 5))
    assert compute_due(rule_id="PEN-34", start=date(2026, 1, 5),
                       pauses=[(date(2026, 5, 1), date(2026, 5, 9), "x")]).date == plain.date


def test_2027_results_are_provisional():
    due = compute_due(rule_id="PEN-31", start=date(2026, 12, 28))
    assert due.provisional and "TIME-08" in due.reason
    assert not compute_due(rule_id="PEN-31", start=date(2026, 12, 1)).provisional


@override_settings(ZHIFA_PEN20_RESPONSE_WORKING_DAYS=3, ZHIFA_REV06_REVIEW_WORKING_DAYS=15)
def test_config_periods_come_from_settings():
    assert compute_due(rule_id="PEN-20", start=date(2026, 3, 2)).date == date(2026, 3, 5)
    assert compute_due(rule_id="REV-06", start=date(2026, 3, 2)).date == date(2026, 3, 23)


def test_national_defaults_for_config_periods():
    assert compute_due(rule_id="PEN-20", start=date(2026, 3, 2)).date == date(2026, 3, 9)
    assert compute_due(rule_id="REC-09", start=date(2026, 3, 2)).date == date(2026, 3, 11)
    assert compute_due(rule_id="PEN-26", start=date(2026, 3, 2)).date == date(2026, 3, 23)


def test_unknown_rule_and_forbidden_extension_are_refused():
    with pytest.raises(DomainError):
        compute_due(rule_id="PEN-99", start=date(2026, 3, 2))
    with pytest.raises(DomainError) as exc:
        compute_due(rule_id="PEN-31", start=date(2026, 3, 2), extended=True)
    assert exc.value.rule == "PEN-31"


def test_every_rule_in_the_table_computes_with_its_rule_id():
    for key, rule in PERIOD_RULES.items():
        due = compute_due(rule_id=key, start=date(2026, 9, 29))
        assert due.rule_id == rule.rule_id and due.legal_basis and due.date > date(2026, 9, 29)


@settings(max_examples=200, deadline=None)
@given(start=st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 6, 30)),
       key=st.sampled_from(sorted(PERIOD_RULES)))
def test_party_gets_the_later_date_agency_the_earlier(start, key):
    due = compute_due(rule_id=key, start=start)
    if PERIOD_RULES[key].bearer == "party":
        assert due.enforced_date == max(due.date, due.alt_date)
    else:
        assert due.enforced_date == min(due.date, due.alt_date) and due.act_by <= due.enforced_date
    assert due.alt_date >= due.date  # dropping 调休 workdays never makes a period shorter


def test_time05_time06_time12_helpers():
    from zhifa.core.deadlines import end_of_day, filed_in_time, service_date

    eod = end_of_day(date(2026, 10, 8))
    assert (eod.hour, eod.minute, eod.second, str(eod.tzinfo)) == (23, 59, 59, "Asia/Shanghai")
    due = compute_due(rule_id="PEN-31", start=date(2026, 2, 12)).enforced_date
    assert filed_in_time(due=due, received_on=date(2026, 3, 2), postmarked_on=date(2026, 2, 27))
    assert not filed_in_time(due=due, received_on=date(2026, 3, 2))
    assert service_date(method="public_notice", on=date(2026, 3, 1)) == date(2026, 3, 31)
    assert service_date(method="mail", on=date(2026, 3, 1)) == date(2026, 3, 1)
    with pytest.raises(DomainError) as exc:
        service_date(method="pigeon", on=date(2026, 3, 1))
    assert exc.value.rule == "TIME-12"


def test_pause_without_a_document_column_is_refused():
    with pytest.raises(DomainError) as exc:
        compute_due(rule_id="COE-09", start=date(2026, 3, 2), pauses=[(date(2026, 3, 10), date(2026, 3, 14))])
    assert exc.value.rule == "TIME-11" and "pauses" in exc.value.fields


def test_ledger_entry_covers_the_calendar_history_row():
    from zhifa.core import calendar
    from zhifa.core.canonical import row_digest

    calendar.calendar_day_set(date=date(2027, 2, 12), kind="holiday", name="春节", actor=None)
    from zhifa.ledger.models import Entry

    cover = Entry.objects.get(kind="calendar_day_set").covers[0]
    assert cover["row"] == "core.historicalworkcalendarday"
    assert cover["hash"] == row_digest(cover["row"], cover["pk"])


@settings(max_examples=150, deadline=None)
@given(start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 6, 30)),
       offsets=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 10)), max_size=3),
       key=st.sampled_from(["COE-09", "LIC-05", "PEN-31"]))
def test_pauses_exclude_exactly_the_paused_units(start, offsets, key):
    from zhifa.core import calendar

    pauses = [(start + timedelta(days=a), start + timedelta(days=a + b), f"doc-{i}") for i, (a, b) in enumerate(offsets)]
    rule = PERIOD_RULES[key]
    due = compute_due(rule_id=key, start=start, pauses=pauses)

    def paused(d):
        return any(p0 <= d <= p1 for p0, p1, _ in pauses)

    def counts(d):
        return not paused(d) and (rule.unit == "calendar_day" or calendar.is_working_day(d))

    raw = due.raw_date
    assert not paused(raw) and counts(raw)
    days = [start + timedelta(days=i) for i in range(1, (raw - start).days + 1)]
    assert sum(counts(d) for d in days) == rule.length
