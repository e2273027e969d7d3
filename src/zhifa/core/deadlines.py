"""The deadline service (TIME-01..TIME-12).

`PERIOD_RULES` is the declarative table: each period has its unit (TIME-01: never inferred from
the number), its length (a number, or the name of a ZHIFA_* setting for RULES CONFIG items), who
bears it, whether the end rolls forward off holidays (TIME-03: the party's deadlines only) and
whether both readings of 调休 days are computed (TIME-10). `compute_due` applies them:

- TIME-02: the trigger day is not counted; day 1 is the next day.
- TIME-03: a party's deadline ending on a day off ends on the next working day. An agency's
  deadline does not roll forward; `act_by` is the last working day on or before it.
- TIME-04: months and years end on the corresponding date, or the month-end (民法典 Art. 202).
- TIME-08: a working-day period crossing a year without an announced notice is BLOCKed in RULES;
  issue 4 asks instead to compute it from the provisional calendar and flag it (`provisional`).
- TIME-10: the "alt" reading does not count 调休 working Saturdays/Sundays. The party gets the
  later date, the agency is alerted at the earlier one (`enforced_date`), and `reason` says why.
- TIME-11: pauses (testing, hearing, 复议 …) are not counted; each names the document behind it.
- TIME-05 `end_of_day`, TIME-06 `filed_in_time` (postmark), TIME-12 `service_date` (公告送达 +30).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from . import calendar as cal
from .errors import DomainError

CALENDAR_DAY = "calendar_day"
WORKING_DAY = "working_day"
MONTH = "month"
YEAR = "year"

PARTY = "party"
AGENCY = "agency"


@dataclass(frozen=True, slots=True)
class PeriodRule:
    rule_id: str  # the RULES id the result carries
    legal_basis: str  # the clause that fixes the period and decides its unit (TIME-01)
    unit: str  # calendar_day | working_day | month | year
    length: int | str  # an int, or the name of a ZHIFA_* setting (RULES CONFIG)
    holiday_rollforward: str  # "party": roll forward (TIME-03) | "none"
    dual_compute: bool  # TIME-10: compute the alt reading of 调休 days too
    bearer: str  # party | agency: who must act by the date
    extension: int = 0  # the one extension allowed with approval, same unit (0: none)
    label: str = ""

    def resolved_length(self) -> int:
        return getattr(settings, self.length) if isinstance(self.length, str) else self.length


def _r(key, rule_id, basis, unit, length, roll, dual, bearer, label, extension=0):
    return key, PeriodRule(rule_id=rule_id, legal_basis=basis, unit=unit, length=length, holiday_rollforward=roll,
                           dual_compute=dual, bearer=bearer, extension=extension, label=label)


# key → rule. Keys are the RULES id, with a suffix where one rule has several periods.
PERIOD_RULES: dict[str, PeriodRule] = dict([
    _r("PEN-11", "PEN-11", "行政处罚法第36条第1款", YEAR, 2, "none", False, AGENCY, "追责时效（二年）"),
    _r("PEN-11:5y", "PEN-11", "行政处罚法第36条第1款（生命健康安全、金融安全且有危害后果）", YEAR, 5, "none", False,
       AGENCY, "追责时效（五年）"),
    # PEN-15: "及时告知" has no number in the law; the agency's value is the catalog setting
    # `device_notice_working_days` (passed as `length`), 5 working days by default.
    _r("PEN-15", "PEN-15", "行政处罚法第41条第3款（及时告知，期限按本机关设置）", WORKING_DAY, 5, "none", True, AGENCY,
       "告知电子技术监控记录期限"),
    _r("PEN-20", "PEN-20", "市场监督管理行政处罚程序规定第57条（期限按行业或地方规定设置）", WORKING_DAY, "ZHIFA_PEN20_RESPONSE_WORKING_DAYS",
       "party", True, PARTY, "陈述申辩期限"),
    _r("PEN-25", "PEN-25", "行政处罚法第71条、第85条", WORKING_DAY, 2, "none", True, AGENCY, "当场收缴罚款交纳期限"),
    _r("PEN-26", "PEN-26", "市场监督管理行政处罚程序规定第18条（期限按行业或地方规定设置）", WORKING_DAY, "ZHIFA_PEN26_FILING_WORKING_DAYS",
       "none", True, AGENCY, "立案核查期限", extension=15),
    _r("PEN-28", "PEN-28", "行政处罚法第56条、第85条", WORKING_DAY, 7, "none", True, AGENCY, "先行登记保存处理期限"),
    _r("PEN-31", "PEN-31", "行政处罚法第64条第1项、第85条", WORKING_DAY, 5, "party", True, PARTY, "听证申请期限"),
    _r("PEN-34", "PEN-34", "行政处罚法第60条", CALENDAR_DAY, 90, "none", False, AGENCY, "作出处罚决定期限",
       extension=30),
    _r("PEN-35", "PEN-35", "行政处罚法第61条、第85条", WORKING_DAY, 7, "none", True, AGENCY, "决定书送达期限"),
    _r("PEN-37", "PEN-37", "行政处罚法第67条第3款", CALENDAR_DAY, 15, "party", False, PARTY, "缴纳罚款期限"),
    _r("LIC-05", "LIC-05", "行政许可法第42条、第82条", WORKING_DAY, 20, "none", True, AGENCY, "许可决定期限",
       extension=10),
    _r("COE-09", "COE-09", "行政强制法第25条", CALENDAR_DAY, 30, "none", False, AGENCY, "查封、扣押期限", extension=30),
    _r("COE-23", "COE-23", "行政强制法第54条、第69条", WORKING_DAY, 10, "none", True, PARTY, "催告履行期限"),
    _r("PUB-03", "PUB-03", "国办发〔2018〕118号（六）", WORKING_DAY, 7, "none", True, AGENCY, "许可、处罚决定公开期限"),
    _r("PUB-03:other", "PUB-03", "国办发〔2018〕118号（六）", WORKING_DAY, 20, "none", True, AGENCY, "其他执法决定公开期限"),
    _r("PUB-05", "PUB-05", "行政处罚法第48条第2款、第85条", WORKING_DAY, 3, "none", True, AGENCY, "撤回公开信息期限"),
    _r("REV-06", "REV-06", "市场监督管理行政处罚程序规定第55条（期限按行业或地方规定设置）", WORKING_DAY, "ZHIFA_REV06_REVIEW_WORKING_DAYS",
       "none", True, AGENCY, "法制审核期限"),
    _r("REC-09", "REC-09", "市场监督管理行政处罚程序规定第70条（期限按行业或地方规定设置）", WORKING_DAY, "ZHIFA_REC09_FILING_WORKING_DAYS",
       "none", True, AGENCY, "简易程序案卷报送期限"),
])


@dataclass(frozen=True, slots=True)
class Pause:
    """TIME-11: [start, end] (both inclusive) is not counted; `document_id` names the written
    notice or record that caused it (e.g. the 检测 notice, the 复议 decision)."""

    start: date
    end: date
    document_id: str


@dataclass(slots=True)  # not frozen: frozen dataclasses are slow to build (the benchmark)
class Due:
    date: date  # the official reading (after roll-forward for a party's deadline)
    alt_date: date  # TIME-10 alt reading (== date when the rule is not dual-computed)
    enforced_date: date  # party: the later of the two; agency: the earlier
    act_by: date  # agency: last working day on or before enforced_date; party: enforced_date
    raw_date: date  # the end before any roll-forward
    rule_id: str
    unit: str
    legal_basis: str
    provisional: bool  # touches a year whose holiday notice is not announced (TIME-08)
    reason: str  # why the readings differ / why the date moved (Chinese, shown to users)
    extended: bool = False


def add_months(d: date, months: int) -> date:
    """TIME-04 (民法典 Art. 202): the corresponding date of the final month, or its last day."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, _stdlib_calendar.monthrange(y, m)[1]))


def _add(start: date, unit: str, n: int, reading: str) -> date:
    if unit == WORKING_DAY:
        return cal.add_working_days(start, n, reading=reading)
    if unit == CALENDAR_DAY:
        return start + timedelta(days=n)
    if unit == MONTH:
        return add_months(start, n)
    return add_months(start, 12 * n)


def _units_in(first: date, last: date, unit: str, reading: str) -> int:
    if unit == WORKING_DAY:
        return cal.working_days_between(first, last, reading=reading)
    return max((last - first).days + 1, 0)


def _apply_pauses(start: date, due: date, pauses: list[Pause], unit: str, reading: str) -> date:
    """TIME-11: units falling inside a pause are not counted, so the end moves past them."""
    step = WORKING_DAY if unit == WORKING_DAY else CALENDAR_DAY  # month/year periods pause by calendar days
    first_counted = start + timedelta(days=1)
    for p in pauses:
        lo = max(p.start, first_counted)
        if lo > due:
            break
        lost = _units_in(lo, min(p.end, due), step, reading)
        if lost:
            due = _add(max(due, p.end), step, lost, reading)
    return due


def _check_pauses(pauses) -> list[Pause]:
    if not pauses:
        return []
    out = []
    for i, p in enumerate(pauses or ()):
        if not isinstance(p, Pause):
            if len(p) != 3:
                raise DomainError(f"第{i + 1}个中止期间应为（开始日期, 结束日期, 文书编号）（TIME-11）。", rule="TIME-11",
                                  fields={"pauses": "每个中止期间须注明文书编号"})
            p = Pause(*p)
        if not p.document_id:
            raise DomainError(f"第{i + 1}个中止期间未注明依据文书（TIME-11）。", rule="TIME-11",
                              fields={"pauses": "每个中止期间须注明文书编号"})
        if p.end < p.start:
            raise DomainError(f"第{i + 1}个中止期间的结束日期早于开始日期（TIME-11）。", rule="TIME-11",
                              fields={"pauses": "结束日期早于开始日期"})
        out.append(p)
    # Overlapping pauses are merged so no day is excluded twice.
    merged: list[Pause] = []
    for p in sorted(out, key=lambda p: p.start):
        if merged and p.start <= merged[-1].end + timedelta(days=1):
            last = merged[-1]
            merged[-1] = Pause(last.start, max(last.end, p.end), f"{last.document_id},{p.document_id}")
        else:
            merged.append(p)
    return merged


def _end(rule: PeriodRule, start: date, n: int, pauses: list[Pause], reading: str, *, extra: int = 0) -> date:
    raw = _add(start, rule.unit, n, reading)
    if pauses:
        raw = _apply_pauses(start, raw, pauses, rule.unit, reading)
    if extra:
        raw = _add(raw, rule.unit, extra, reading)
    return raw


def compute_due(*, rule_id: str, start: date, pauses=(), extended: bool = False, length: int | None = None) -> Due:
    """The due date of period `rule_id` triggered on `start` (TIME-01..TIME-11).

    rule_id: a key of PERIOD_RULES — the RULES id, with a suffix where one rule has several periods
      ("PEN-11:5y", "PUB-03:other"); the result carries the plain RULES id.
    pauses: Pause objects or (from, to, document_id) tuples (TIME-11).
    extended: add the rule's one approved extension (PEN-26, PEN-34, LIC-05, COE-09).
    length: a per-agency CONFIG value overriding the rule's length (e.g. REV-06 from the agency's
      `legal_review_days` setting); same unit as the rule.
    """
    rule = PERIOD_RULES.get(rule_id)
    if rule is None:
        raise DomainError(f"未知的期限规则：{rule_id}。", code="unknown_rule", fields={"rule_id": "未知的期限规则"})
    if extended and not rule.extension:
        raise DomainError(f"{rule.rule_id}{rule.label}不允许延长。", rule=rule.rule_id, fields={"extended": "不允许延长"})
    cal._check_range(start, "起算日期")
    pauses = _check_pauses(pauses)
    n = rule.resolved_length() if length is None else int(length)
    if length is not None and n <= 0:
        raise DomainError(f"{rule.rule_id}{rule.label}的期限长度应为正数。", rule=rule.rule_id, fields={"length": "应为正数"})
    extra = rule.extension if extended else 0
    party_rolls = rule.holiday_rollforward == PARTY

    raw = _end(rule, start, n, pauses, cal.OFFICIAL, extra=extra)
    official = cal.roll_forward(raw) if party_rolls else raw
    reasons = []
    if official != raw:
        reasons.append(f"期限届满日{raw}为非工作日，顺延至{official}（TIME-03）")

    if rule.dual_compute:
        alt_raw = _end(rule, start, n, pauses, cal.ALT, extra=extra)
        alt = cal.roll_forward(alt_raw, reading=cal.ALT) if party_rolls else alt_raw
    else:
        alt = official
    if alt != official:
        reasons.append(
            f"调休上班的周六、周日是否计为工作日，法无明文：计入为{official}，不计入为{alt}（TIME-10）；"
            + ("当事人期限取较晚日期" if rule.bearer == PARTY else "机关期限按较早日期提醒")
        )
    enforced = max(official, alt) if rule.bearer == PARTY else min(official, alt)
    act_by = enforced
    # A working-day end is already a working day in both readings (alt working days are a subset).
    if rule.bearer == AGENCY and rule.unit != WORKING_DAY:
        act_by = cal.roll_back(enforced)
        if act_by != enforced:
            reasons.append(f"届满日{enforced}为非工作日，机关期限不顺延，应于{act_by}前完成（TIME-03）")
    last = max(official, alt)
    provisional = cal.touches_provisional(start, last)
    if provisional:
        reasons.append("涉及尚未公布放假安排的年度，日期为预计（TIME-08）")
    return Due(date=official, alt_date=alt, enforced_date=enforced, act_by=act_by, raw_date=raw, rule_id=rule.rule_id,
               unit=rule.unit, legal_basis=rule.legal_basis, provisional=provisional, reason="；".join(reasons),
               extended=extended)


@dataclass(frozen=True, slots=True)
class Surcharge:
    days_late: int
    amount: Decimal
    capped: bool
    rule_id: str = "PEN-38"


def late_surcharge(*, fine, due: date, paid_on: date, paused_days: int = 0) -> Surcharge:
    """PEN-38 (行政处罚法 Art. 72): 3% of the fine per calendar day from the day after `due`, never
    more than the fine; days under 复议 or 诉讼 (`paused_days`, Art. 73 para 3) do not accrue."""
    fine = Decimal(str(fine))
    if fine < 0:
        raise DomainError("罚款数额不能为负数（PEN-38）。", rule="PEN-38", fields={"fine": "不能为负数"})
    if paused_days < 0:
        raise DomainError("中止天数不能为负数（PEN-38）。", rule="PEN-38", fields={"paused_days": "不能为负数"})
    days = max((paid_on - due).days - paused_days, 0)
    amount = (fine * Decimal("0.03") * days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    capped = amount >= fine and days > 0
    return Surcharge(days_late=days, amount=min(amount, fine), capped=capped)


# --- TIME-05, TIME-06, TIME-12 ------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def end_of_day(d: date, *, closing: time | None = None) -> datetime:
    """TIME-05 (民法典 Art. 203 para 2): the last day ends at 24:00 Asia/Shanghai (we use
    23:59:59), or when business stops for in-person filings (`closing`, CONFIG)."""
    return datetime.combine(d, closing or time(23, 59, 59), tzinfo=SHANGHAI)


def filed_in_time(*, due: date, received_on: date, postmarked_on: date | None = None) -> bool:
    """TIME-06 (民事诉讼法 Art. 85 para 4): a party's filing posted before the period ends is in
    time, whatever the day it arrives; otherwise the receipt date decides."""
    return (postmarked_on or received_on) <= due


SERVICE_METHODS = {"direct", "left", "electronic", "mail", "public_notice"}


def service_date(*, method: str, on: date) -> date:
    """TIME-12 (民事诉讼法 Arts. 87–95): the date a document counts as served.

    `on` is the date signed on the 送达回证 (direct), the leaving date (留置, Art. 89), the date it
    reached the recipient's system (electronic, Art. 90), the date on the return receipt (mail,
    Art. 91), or the publication date (公告送达: served 30 days later, Art. 95)."""
    if method not in SERVICE_METHODS:
        raise DomainError("送达方式无效（TIME-12）。", rule="TIME-12", fields={"method": "送达方式无效"})
    return on + timedelta(days=30) if method == "public_notice" else on
