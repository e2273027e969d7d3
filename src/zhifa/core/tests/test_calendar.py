from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.core import calendar
from zhifa.core.errors import DomainError
from zhifa.core.models import CalendarYear, WorkCalendarDay
from zhifa.ledger.models import Entry

from .calendar_fixtures import seeded_calendar  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]


def test_is_working_day_agrees_with_chinesecalendar_on_every_day_it_knows():
    d, end, mismatches = date(2004, 1, 1), date(2026, 12, 31), []
    while d <= end:
        if calendar.is_working_day(d) != chinese_calendar.is_workday(d):
            mismatches.append(d)
        d += timedelta(days=1)
    assert mismatches == []


def test_seed_covers_every_known_year_and_marks_them_announced():
    years = set(CalendarYear.objects.filter(status="announced").values_list("year", flat=True))
    assert years == set(range(2004, 2027))
    assert not calendar.is_provisional(2026)
    assert calendar.is_provisional(2027)


def test_statutory_flag_separates_holidays_proper_from_swapped_rest_days():
    # TIME-07 / Appendix A: 2026 国庆 10/1–10/3 are statutory, 10/4–10/7 are 调休 or weekend.
    days = {d.date: d for d in WorkCalendarDay.objects.filter(date__range=(date(2026, 10, 1), date(2026, 10, 7)))}
    assert [days[date(2026, 10, i)].statutory for i in range(1, 8)] == [True] * 3 + [False] * 4
    assert days[date(2026, 10, 1)].name == "国庆节"
    assert WorkCalendarDay.objects.get(date=date(2026, 2, 14)).kind == "makeup_workday"


def test_alt_reading_does_not_count_makeup_saturdays():
    assert calendar.is_working_day(date(2026, 2, 14))
    assert not calendar.is_working_day(date(2026, 2, 14), reading="alt")
    assert calendar.is_working_day(date(2026, 2, 13), reading="alt")


def test_2027_is_provisional_from_holidays_china():
    # National Day 2027 and its 补假 are off; no 调休 workday is known yet.
    assert not calendar.is_working_day(date(2027, 10, 1))
    assert not calendar.is_working_day(date(2027, 10, 4))  # 补假 (Mon)
    assert calendar.is_working_day(date(2027, 10, 8))
    assert calendar.touches_provisional(date(2026, 12, 20), date(2027, 1, 5))
    assert not calendar.touches_provisional(date(2026, 1, 1), date(2026, 12, 31))


def test_roll_forward_and_back():
    assert calendar.roll_forward(date(2026, 10, 1)) == date(2026, 10, 8)
    assert calendar.roll_forward(date(2026, 10, 9)) == date(2026, 10, 9)
    assert calendar.roll_back(date(2026, 4, 5)) == date(2026, 4, 3)
    assert calendar.next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)
    assert calendar.next_working_day(date(2026, 2, 13), reading="alt") == date(2026, 2, 24)


def test_dates_outside_the_calendar_are_refused_in_chinese():
    with pytest.raises(DomainError) as exc:
        calendar.is_working_day(date(2003, 12, 31))
    assert exc.value.rule == "TIME-08" and "工作日历" in exc.value.message


working_dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(d=working_dates, n=st.integers(min_value=1, max_value=60), reading=st.sampled_from(["official", "alt"]))
def test_n_working_days_later_is_a_working_day_after_d(d, n, reading):
    r = calendar.add_working_days(d, n, reading=reading)
    assert r > d and calendar.is_working_day(r, reading=reading)
    assert calendar.working_days_between(d + timedelta(days=1), r, reading=reading) == n


@settings(max_examples=300, deadline=None)
@given(d=working_dates)
def test_adding_zero_is_identity_for_working_days(d):
    w = calendar.roll_forward(d)
    assert calendar.add_working_days(w, 0) == w


@settings(max_examples=300, deadline=None)
@given(d=working_dates, n=st.integers(min_value=0, max_value=40))
def test_monotonic_in_n(d, n):
    assert calendar.add_working_days(d, n) < calendar.add_working_days(d, n + 1)


# --- services ---------------------------------------------------------------------------------


def test_admin_enters_and_announces_a_new_year_with_ledger_entries():
    assert calendar.is_working_day(date(2027, 2, 12))  # provisional: a plain Friday
    calendar.calendar_day_set(date=date(2027, 2, 12), kind="holiday", name="春节", actor=None)
    calendar.calendar_day_set(date=date(2027, 2, 20), kind="makeup_workday", name="春节调休上班", actor=None)
    assert not calendar.is_working_day(date(2027, 2, 12))
    assert calendar.is_working_day(date(2027, 2, 20))
    assert calendar.is_provisional(2027)
    calendar.calendar_year_announce(year=2027, source="https://www.gov.cn/zhengce/content/2027-notice.htm",
                                    notice_date=date(2026, 11, 20), actor=None)
    assert not calendar.is_provisional(2027)
    # Announced: only the table counts; the holidays.China guess for 2027-10-04 is gone.
    assert calendar.is_working_day(date(2027, 10, 4))
    kinds = list(Entry.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds == ["calendar_day_set", "calendar_day_set", "calendar_year_announced"]


def test_makeup_workday_on_a_weekday_is_refused_and_nothing_written():
    before = Entry.objects.count()
    with pytest.raises(DomainError) as exc:
        calendar.calendar_day_set(date=date(2027, 3, 3), kind="makeup_workday", name="x", actor=None)
    assert exc.value.rule == "TIME-08" and "kind" in exc.value.fields
    assert not WorkCalendarDay.objects.filter(date=date(2027, 3, 3)).exists()
    assert Entry.objects.count() == before


def test_announcing_a_year_without_holidays_is_refused():
    with pytest.raises(DomainError) as exc:
        calendar.calendar_year_announce(year=2028, source="https://www.gov.cn/x", actor=None)
    assert "year" in exc.value.fields
    assert calendar.is_provisional(2028)


def test_clearing_a_day_restores_the_weekday_rule():
    calendar.calendar_day_set(date=date(2027, 3, 3), kind="holiday", name="测试", actor=None)
    assert not calendar.is_working_day(date(2027, 3, 3))
    calendar.calendar_day_clear(date=date(2027, 3, 3), actor=None)
    assert calendar.is_working_day(date(2027, 3, 3))
    assert Entry.objects.filter(kind="calendar_day_cleared").count() == 1


def test_statutory_flag_follows_the_holiday_law_in_force_that_year():
    # TIME-07: 劳动节 is 1 statutory day before 2025 and 2 from 2025; 春节 gains 除夕 in 2025.
    assert not WorkCalendarDay.objects.get(date=date(2024, 5, 2)).statutory
    assert WorkCalendarDay.objects.get(date=date(2025, 5, 2)).statutory
    assert WorkCalendarDay.objects.get(date=date(2025, 1, 28)).statutory  # 除夕 2025
    assert WorkCalendarDay.objects.get(date=date(2024, 2, 12)).statutory  # 初三 2024
    assert not WorkCalendarDay.objects.get(date=date(2024, 2, 13)).statutory  # 初四 2024: 调休


def test_calendar_command_seeds_missing_rows_and_checks_against_chinesecalendar():
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    WorkCalendarDay.objects.filter(date__year=2026).delete()
    CalendarYear.objects.filter(year=2026).update(status="provisional")
    calendar.invalidate()
    with pytest.raises(CommandError):
        call_command("calendar", "check", stdout=StringIO())
    out = StringIO()
    call_command("calendar", "seed", stdout=out)
    assert "已补录" in out.getvalue()
    assert not calendar.is_provisional(2026)
    out = StringIO()
    call_command("calendar", "check", stdout=out)
    assert "逐日一致" in out.getvalue()


def _span(a, b):
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


APPENDIX_A = {  # RULES.md Appendix A: (days off, 调休上班 days)
    2025: ([*_span(date(2025, 1, 1), date(2025, 1, 1)), *_span(date(2025, 1, 28), date(2025, 2, 4)),
            *_span(date(2025, 4, 4), date(2025, 4, 6)), *_span(date(2025, 5, 1), date(2025, 5, 5)),
            *_span(date(2025, 5, 31), date(2025, 6, 2)), *_span(date(2025, 10, 1), date(2025, 10, 8))],
           [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)]),
    2026: ([*_span(date(2026, 1, 1), date(2026, 1, 3)), *_span(date(2026, 2, 15), date(2026, 2, 23)),
            *_span(date(2026, 4, 4), date(2026, 4, 6)), *_span(date(2026, 5, 1), date(2026, 5, 5)),
            *_span(date(2026, 6, 19), date(2026, 6, 21)), *_span(date(2026, 9, 25), date(2026, 9, 27)),
            *_span(date(2026, 10, 1), date(2026, 10, 7))],
           [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
            date(2026, 10, 10)]),
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_calendar_matches_rules_appendix_a(year):
    off, makeup = APPENDIX_A[year]
    for d in _span(date(year, 1, 1), date(year, 12, 31)):
        expected = d in makeup or (d.weekday() < 5 and d not in off)
        assert calendar.is_working_day(d) == expected, d


def test_announcing_a_year_tells_listeners_after_commit(django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, year, **kw):
        heard.append((year, calendar.is_provisional(year)))

    calendar.year_announced.connect(listener)
    try:
        calendar.calendar_day_set(date=date(2027, 1, 1), kind="holiday", name="元旦", actor=None)
        with django_capture_on_commit_callbacks(execute=True):
            calendar.calendar_year_announce(year=2027, source="https://www.gov.cn/n", actor=None)
    finally:
        calendar.year_announced.disconnect(listener)
    assert heard == [(2027, False)]
