"""The working-day calendar (TIME-07, TIME-08, TIME-10).

A date is a working day iff it is Monday–Friday and not a day off, or it is a 调休 working
Saturday/Sunday (TIME-08). Days off and 调休 working days live in `WorkCalendarDay`, seeded from
`chinesecalendar` (2004–2026) and edited by admins when the 国务院办公厅 notice appears
(`calendar_day_set`, `calendar_year_announce`). Years without an announced notice are computed
provisionally from weekends plus `holidays.China` (statutory holidays and 补假, no 调休
workdays) and every result touching them is flagged provisional.

Reads go through an in-process cache: sorted ordinals of working days, so "n working days after
d" is one bisect. The cache is dropped when a calendar row changes in this process and rebuilt at
most `CACHE_SECONDS` later in the others.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left, bisect_right
from datetime import date, timedelta

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from .errors import DomainError

FIRST_YEAR = 2004  # the first year chinesecalendar knows
LAST_YEAR = 2100
PROVISIONAL_YEARS_AHEAD = 5  # provisional years kept in the cache beyond the last announced one
CACHE_SECONDS = 300

# Sent after commit when a year's notice is announced (kwargs: year). Apps that store due dates
# flagged provisional (cases) recompute them on it (ecosystem.md §6).
year_announced = Signal()

OFFICIAL = "official"
ALT = "alt"  # TIME-10: 调休 working Saturdays/Sundays are NOT working days


class _Calendar:
    """An immutable snapshot of the calendar for FIRST_YEAR..last_year."""

    def __init__(self, *, last_year: int, off: set[date], makeup: set[date], provisional: frozenset[int]):
        self.last_year = last_year
        self.provisional = provisional
        self.first_provisional = min(provisional, default=LAST_YEAR + 1)
        self.built_at = time.monotonic()
        official: list[int] = []
        alt: list[int] = []
        d = date(FIRST_YEAR, 1, 1)
        end = date(last_year, 12, 31)
        one = timedelta(days=1)
        while d <= end:
            if d.weekday() < 5 and d not in off:
                official.append(d.toordinal())
                alt.append(d.toordinal())
            elif d in makeup:
                official.append(d.toordinal())
            d += one
        self.days = {OFFICIAL: official, ALT: alt}
        self.sets = {OFFICIAL: frozenset(official), ALT: frozenset(alt)}
        self.makeup = frozenset(makeup)


_lock = threading.Lock()
_current: _Calendar | None = None


def invalidate(**_kwargs) -> None:
    """Drop the cache (called on every calendar row change, and on commit)."""
    global _current
    _current = None


def _load(last_year: int) -> _Calendar:
    from .models import CalendarYear, WorkCalendarDay

    announced = set(CalendarYear.objects.filter(status=CalendarYear.Status.ANNOUNCED).values_list("year", flat=True))
    last_year = max(last_year, max(announced, default=FIRST_YEAR) + PROVISIONAL_YEARS_AHEAD)
    last_year = min(last_year, LAST_YEAR)
    provisional = frozenset(y for y in range(FIRST_YEAR, last_year + 1) if y not in announced)
    off: set[date] = set()
    makeup: set[date] = set()
    for y in sorted(provisional):
        off.update(provisional_days_off(y))
    # Rows in the table win over the provisional rule (an admin may enter a year before announcing it).
    for d, kind in WorkCalendarDay.objects.values_list("date", "kind"):
        if kind == WorkCalendarDay.Kind.MAKEUP_WORKDAY:
            makeup.add(d)
            off.discard(d)
        else:
            off.add(d)
            makeup.discard(d)
    return _Calendar(last_year=last_year, off=off, makeup=makeup, provisional=provisional)


def _calendar(need: int = FIRST_YEAR) -> _Calendar:
    """The cached calendar, covering at least year `need`."""
    global _current
    cal = _current
    if cal is not None and cal.last_year >= min(need, LAST_YEAR) and time.monotonic() - cal.built_at < CACHE_SECONDS:
        return cal
    with _lock:
        cal = _load(max(need, cal.last_year if cal else FIRST_YEAR))
        _current = cal
    return cal


def _check_range(d: date, field: str = "日期") -> None:
    if not (FIRST_YEAR <= d.year <= LAST_YEAR):
        raise DomainError(
            f"{field}超出工作日历范围（{FIRST_YEAR}—{LAST_YEAR}年）（TIME-08）。",
            code="calendar_out_of_range", rule="TIME-08", fields={"date": f"{field}超出工作日历范围"},
        )


def provisional_days_off(year: int) -> dict[date, str]:
    """Days off for a year without a notice: statutory holidays and 补假 per `holidays.China`.
    No 调休 working days: they are unknowable before the notice (ecosystem.md §6)."""
    import holidays

    return dict(holidays.China(years=year))


# --- reads ------------------------------------------------------------------------------------


def is_working_day(d: date, *, reading: str = OFFICIAL) -> bool:
    _check_range(d)
    return d.toordinal() in _calendar(d.year).sets[reading]


def is_provisional(year: int) -> bool:
    return year in _calendar(year).provisional


def touches_provisional(first: date, last: date) -> bool:
    """True when any year from `first` to `last` has no announced notice (TIME-08)."""
    c = _calendar(last.year)
    if last.year < c.first_provisional:
        return False
    prov = c.provisional
    return any(y in prov for y in range(first.year, last.year + 1))


def is_makeup_workday(d: date) -> bool:
    return d in _calendar(d.year).makeup


def add_working_days(d: date, n: int, *, reading: str = OFFICIAL) -> date:
    """The n-th working day after `d`; `d` itself is not counted (TIME-02). n=0 returns `d`."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return d
    _check_range(d)
    # A year holds at least ~240 working days; ask the cache to cover far enough ahead.
    cal = _calendar(d.year + n // 200 + 1)
    days = cal.days[reading]
    i = bisect_right(days, d.toordinal()) + n - 1
    if i >= len(days):
        raise DomainError(f"期限超出工作日历范围（{LAST_YEAR}年以后）（TIME-08）。", code="calendar_out_of_range",
                          rule="TIME-08")
    return date.fromordinal(days[i])


def next_working_day(d: date, *, reading: str = OFFICIAL) -> date:
    """The first working day strictly after `d`."""
    return add_working_days(d, 1, reading=reading)


def roll_forward(d: date, *, reading: str = OFFICIAL) -> date:
    """TIME-03: a period ending on a day off ends on the first working day after it."""
    return d if is_working_day(d, reading=reading) else next_working_day(d, reading=reading)


def roll_back(d: date, *, reading: str = OFFICIAL) -> date:
    """The last working day on or before `d` (the agency acts by then: TIME-03)."""
    _check_range(d)
    days = _calendar(d.year).days[reading]
    i = bisect_left(days, d.toordinal() + 1) - 1
    if i < 0:
        raise DomainError("日期早于工作日历范围（TIME-08）。", code="calendar_out_of_range", rule="TIME-08")
    return date.fromordinal(days[i])


def working_days_between(first: date, last: date, *, reading: str = OFFICIAL) -> int:
    """Number of working days in [first, last] (0 when last < first)."""
    if last < first:
        return 0
    days = _calendar(last.year).days[reading]
    return bisect_right(days, last.toordinal()) - bisect_left(days, first.toordinal())


# --- seeding ----------------------------------------------------------------------------------

SEED_SOURCE = "chinesecalendar"
_HOLIDAY_NAMES = {
    "new_years_day": "元旦", "spring_festival": "春节", "tomb_sweeping_day": "清明节", "labour_day": "劳动节",
    "dragon_boat_festival": "端午节", "national_day": "国庆节", "mid_autumn_festival": "中秋节",
    "anti_fascist_70th_day": "抗战胜利70周年纪念日",
}


def _is_statutory(d: date, china: dict) -> bool:
    """TIME-07: a statutory holiday proper, as opposed to a swapped rest day or a weekend in a break.
    `holidays.China` without observed days follows the 放假办法 version in force that year."""
    name = china.get(d)
    return bool(name) and "休息日" not in name and "补假" not in name


def seed_rows() -> tuple[list[dict], list[dict]]:
    """(days, years) from chinesecalendar, for every year it knows."""
    import chinese_calendar
    import holidays
    from chinese_calendar import constants

    name_of = {h.value: _HOLIDAY_NAMES.get(h.name, h.value) for h in chinese_calendar.Holiday}
    years = sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})
    china = {y: holidays.China(years=y, observed=False) for y in years}
    days = []
    for d, holiday in sorted(constants.holidays.items()):
        days.append({"date": d, "kind": "holiday", "name": name_of.get(holiday, holiday),
                     "statutory": _is_statutory(d, china[d.year]), "source": SEED_SOURCE})
    for d, holiday in sorted(constants.workdays.items()):
        days.append({"date": d, "kind": "makeup_workday", "name": f"{name_of.get(holiday, holiday)}调休上班",
                     "statutory": False, "source": SEED_SOURCE})
    version = getattr(chinese_calendar, "__version__", "")
    year_rows = [{"year": y, "status": "announced", "source": f"{SEED_SOURCE} {version}".strip()} for y in years]
    return days, year_rows


def calendar_seed(*, day_model=None, year_model=None) -> int:
    """Insert the chinesecalendar data where rows are missing (idempotent; rows an admin entered
    are kept). Migrations pass their historical models; returns the number of day rows inserted.
    Run `zhifa calendar seed` after upgrading chinesecalendar (each Nov/Dec) to load a new year."""
    if day_model is None:
        from .models import CalendarYear, WorkCalendarDay

        day_model, year_model = WorkCalendarDay, CalendarYear
    days, years = seed_rows()
    have_days = set(day_model.objects.values_list("date", flat=True))
    have_years = set(year_model.objects.values_list("year", flat=True))
    new_days = [day_model(**row) for row in days if row["date"] not in have_days]
    day_model.objects.bulk_create(new_days)
    year_model.objects.bulk_create([year_model(**row) for row in years if row["year"] not in have_years])
    # A newer chinesecalendar knows a year we held as provisional: it is announced now.
    for row in years:
        year_model.objects.filter(year=row["year"]).exclude(status="announced").update(
            status="announced", source=row["source"])
    invalidate()
    return len(new_days)


# --- services (admin edits when the State Council notice appears) ---------------------------


def calendar_differences(first_year: int = FIRST_YEAR, last_year: int | None = None) -> list[date]:
    """Days where the table's working-day answer differs from chinesecalendar (for `zhifa calendar check`)."""
    import chinese_calendar
    from chinese_calendar import constants

    last_year = last_year or max(d.year for d in constants.holidays)
    d, end, out = date(first_year, 1, 1), date(last_year, 12, 31), []
    while d <= end:
        if is_working_day(d) != chinese_calendar.is_workday(d):
            out.append(d)
        d += timedelta(days=1)
    return out


def calendar_day_check(*, date: date, kind: str) -> None:
    """TIME-08: a 调休 working day is a Saturday or Sunday; a day off is any day."""
    from .models import WorkCalendarDay

    _check_range(date)
    if kind not in WorkCalendarDay.Kind.values:
        raise DomainError("日期类型无效：应为“法定节假日/休息日”或“调休上班”（TIME-08）。", code="invalid", rule="TIME-08",
                          fields={"kind": "日期类型无效"})
    if kind == WorkCalendarDay.Kind.MAKEUP_WORKDAY and date.weekday() < 5:
        raise DomainError(f"{date}不是周六或周日，不能设为调休上班日（TIME-08）。", code="invalid", rule="TIME-08",
                          fields={"kind": "调休上班日须为周六或周日"})


def calendar_day_set(*, date: date, kind: str, name: str, actor, statutory: bool = False, source: str = "admin",
                     published_at: date | None = None):
    """Create or change one calendar day, with a ledger entry covering its history row."""
    # The ledger sits above core in the dependency order; the import is local so core stays
    # importable without it (the only place core reaches up).
    from zhifa.ledger.services import ledger_append

    from .models import WorkCalendarDay

    calendar_day_check(date=date, kind=kind)
    with transaction.atomic():
        day, created = WorkCalendarDay.objects.update_or_create(
            date=date,
            defaults={"kind": kind, "name": name, "statutory": statutory, "source": source or "admin",
                      "published_at": published_at},
        )
        ledger_append(kind="calendar_day_set", actor=actor, subject=day, rows=[day.history.latest()],
                      payload={"date": date.isoformat(), "kind": kind, "name": name, "statutory": statutory,
                               "created": created})
        transaction.on_commit(invalidate)
    return day


def calendar_day_clear(*, date: date, actor) -> None:
    """Remove a row: the day falls back to the Mon–Fri rule."""
    from zhifa.ledger.services import ledger_append

    from .models import WorkCalendarDay

    with transaction.atomic():
        day = WorkCalendarDay.objects.filter(date=date).first()
        if day is None:
            from .errors import NotFound

            raise NotFound(f"工作日历中没有{date}的记录。", fields={"date": "无此日期"})
        pk = day.pk
        day.delete()
        hist = WorkCalendarDay.history.filter(id=pk).latest()
        ledger_append(kind="calendar_day_cleared", actor=actor, subject=f"core.workcalendarday:{pk}", rows=[hist],
                      payload={"date": date.isoformat()})
        transaction.on_commit(invalidate)


def calendar_year_announce(*, year: int, source: str, actor, notice_date: date | None = None):
    """Mark a year's schedule as announced by the 国务院办公厅 notice (TIME-08): from now on its
    deadlines are no longer provisional, and the provisional `holidays.China` days are not used."""
    from zhifa.ledger.services import ledger_append

    from .models import CalendarYear, WorkCalendarDay

    if not (FIRST_YEAR <= year <= LAST_YEAR):
        raise DomainError(f"年度{year}超出工作日历范围（TIME-08）。", rule="TIME-08", fields={"year": "年度超出范围"})
    if not source:
        raise DomainError("请填写通知来源（国务院办公厅通知网址）（TIME-08）。", rule="TIME-08", fields={"source": "必填"})
    if not WorkCalendarDay.objects.filter(date__year=year, kind=WorkCalendarDay.Kind.HOLIDAY).exists():
        raise DomainError(f"请先录入{year}年的放假安排，再标记为已公布（TIME-08）。", rule="TIME-08",
                          fields={"year": "该年度尚无放假日期"})
    with transaction.atomic():
        row, _ = CalendarYear.objects.update_or_create(
            year=year, defaults={"status": CalendarYear.Status.ANNOUNCED, "source": source, "notice_date": notice_date}
        )
        ledger_append(kind="calendar_year_announced", actor=actor, subject=row, rows=[row.history.latest()],
                      payload={"year": year, "source": source,
                               "notice_date": notice_date.isoformat() if notice_date else None})

        def _announced():
            invalidate()
            year_announced.send(sender=CalendarYear, year=year)

        transaction.on_commit(_announced)
    return row


def connect_signals() -> None:
    from .models import CalendarYear, WorkCalendarDay

    for model in (WorkCalendarDay, CalendarYear):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"calendar_invalidate_save_{model.__name__}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"calendar_invalidate_delete_{model.__name__}")
