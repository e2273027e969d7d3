"""The annual enforcement statistics (行政执法统计年报; REQUIREMENTS P11, RULES PUB-13).

Figures per agency and kind of decision for a calendar year, counted from the publication
records (every decision of every procedure goes through them, issue 8 point 8): licences,
penalties (with the amounts and the kinds of penalty, 行政处罚法 Art. 9), coercive measures,
inspections, other decisions; how many were published late, withdrawn, or withheld. From the
case records: hearings held (cases entering 听证程序), legal reviews (法制审核) opened, and
decisions revoked, changed, confirmed illegal or void by reconsideration, a court or the agency
itself (the `revoke_decision` step, by its recorded kind).

Output: CSV (`annual_csv`) and a PDF/A with SVG charts (`annual_pdf`, rendered like the
documents app's 执法文书). Due: P11 asks for publication by 20 January, PUB-13 (118号 (六)) by
31 January; the earlier wins.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from zhifa.cases.models import StatusEntry
from zhifa.org.models import Agency
from zhifa.procedures.publish import REVOCATION_KINDS
from zhifa.publicity.models import Category, Publication, Status
from zhifa.review.models import Review

REPORT_DUE = (1, 20)  # month, day of the following year (P11; PUB-13 allows 31 January)

# 行政处罚法 Art. 9, grouped as the statistics forms group them; a decision naming several kinds
# (警告并处罚款) counts under each. Withheld decisions have no published text: "other".
PENALTY_KINDS = (
    ("warning", "警告、通报批评", ("警告", "通报批评")),
    ("fine", "罚款、没收", ("罚款", "没收")),
    ("licence", "暂扣、降级、吊销许可", ("暂扣", "降低资质", "吊销")),
    ("business", "限制经营、停产停业、责令关闭、限制从业", ("限制开展", "停产停业", "责令关闭", "限制从业")),
    ("detention", "行政拘留", ("拘留",)),
)
PENALTY_OTHER = ("other", "其他或未载明")
OUTCOME_LABELS = dict(REVOCATION_KINDS)


def report_due(year: int) -> dt.date:
    return dt.date(year + 1, *REPORT_DUE)


def report_year_for(on_date: dt.date) -> int:
    """The year whose report is being prepared on `on_date`: the previous year until its due date
    (1-20 January), then the current one."""
    return on_date.year - 1 if on_date <= report_due(on_date.year - 1) else on_date.year


def penalty_kinds(text: str) -> list[str]:
    kinds = [code for code, _, words in PENALTY_KINDS if any(w in (text or "") for w in words)]
    return kinds or [PENALTY_OTHER[0]]


@dataclass
class AgencyFigures:
    agency: str
    agency_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)  # by category
    penalty_amount: Decimal = Decimal(0)
    penalty_kinds: dict[str, int] = field(default_factory=dict)
    published: int = 0
    late: int = 0
    withdrawn: int = 0
    withheld: int = 0
    hearings: int = 0
    reviews: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # by REVOCATION_KINDS code

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, other: AgencyFigures) -> None:
        for mine, theirs in ((self.counts, other.counts), (self.penalty_kinds, other.penalty_kinds),
                             (self.outcomes, other.outcomes)):
            for k, n in theirs.items():
                mine[k] = mine.get(k, 0) + n
        for name in ("penalty_amount", "published", "late", "withdrawn", "withheld", "hearings", "reviews"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def annual_figures(*, year: int, agencies=None) -> list[AgencyFigures]:
    """Per agency (by name), for the calendar year; `agencies`: None for all, or agencies / ids."""
    pubs = Publication.objects.filter(decided_on__year=year)
    hearings = StatusEntry.objects.filter(to_state="hearing", on_date__year=year).exclude(from_state="hearing")
    revoked = StatusEntry.objects.filter(action="revoke_decision", on_date__year=year)
    reviews = Review.objects.filter(created_at__year=year)
    if agencies is not None:
        pubs, reviews = pubs.filter(agency__in=agencies), reviews.filter(agency__in=agencies)
        hearings, revoked = hearings.filter(case__agency__in=agencies), revoked.filter(case__agency__in=agencies)
    out: dict[int, AgencyFigures] = {}

    def of(agency_id: int) -> AgencyFigures:
        return out.setdefault(agency_id, AgencyFigures(agency="", agency_id=agency_id))

    rows = pubs.values("agency_id", "category").annotate(
        n=Count("id"),
        published=Count("id", filter=Q(first_published_on__isnull=False)),
        late=Count("id", filter=Q(late=True)),
        withdrawn=Count("id", filter=Q(status=Status.WITHDRAWN)),
        withheld=Count("id", filter=Q(status=Status.WITHHELD)),
        amount=Sum("latest_version__amount", filter=Q(category=Category.PENALTY) & ~Q(status=Status.WITHDRAWN)),
    ).order_by()
    for r in rows:
        f = of(r["agency_id"])
        f.counts[r["category"]] = r["n"]
        f.penalty_amount += r["amount"] or 0
        f.published += r["published"]
        f.late += r["late"]
        f.withdrawn += r["withdrawn"]
        f.withheld += r["withheld"]
    # Kinds of penalty, like the amount: decisions still standing (not withdrawn).
    for agency_id, text in pubs.filter(category=Category.PENALTY).exclude(status=Status.WITHDRAWN).values_list(
            "agency_id", "latest_version__penalty"):
        kinds = of(agency_id).penalty_kinds
        for code in penalty_kinds(text):
            kinds[code] = kinds.get(code, 0) + 1
    for r in hearings.values("case__agency_id").annotate(n=Count("case", distinct=True)).order_by():
        of(r["case__agency_id"]).hearings = r["n"]
    for r in reviews.values("agency_id").annotate(n=Count("id")).order_by():
        of(r["agency_id"]).reviews = r["n"]
    for agency_id, data in revoked.values_list("case__agency_id", "data"):
        kind = (data or {}).get("kind", "")
        outcomes = of(agency_id).outcomes
        outcomes[kind] = outcomes.get(kind, 0) + 1
    for agency in Agency.objects.filter(pk__in=out):
        out[agency.pk].agency = agency.name
    return sorted(out.values(), key=lambda f: f.agency)


def figures_total(figures: list[AgencyFigures]) -> AgencyFigures:
    total = AgencyFigures(agency="合计")
    for f in figures:
        total.add(f)
    return total


CSV_HEADER = ["执法主体", *[label for _, label in Category.choices], "合计", "罚没金额（元）", "已公示", "逾期公示",
              "撤回", "依法不予公开",
              *[f"处罚种类：{label}" for _, label, _ in PENALTY_KINDS], f"处罚种类：{PENALTY_OTHER[1]}",
              "听证", "法制审核", *[f"复议诉讼等：{label}" for _, label in REVOCATION_KINDS]]


def _csv_row(f: AgencyFigures) -> list:
    return [f.agency, *[f.counts.get(c, 0) for c in Category.values], f.total, f"{f.penalty_amount:.2f}",
            f.published, f.late, f.withdrawn, f.withheld,
            *[f.penalty_kinds.get(code, 0) for code, _, _ in PENALTY_KINDS], f.penalty_kinds.get(PENALTY_OTHER[0], 0),
            f.hearings, f.reviews, *[f.outcomes.get(code, 0) for code, _ in REVOCATION_KINDS]]


def annual_csv(figures: list[AgencyFigures]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_HEADER)
    for f in figures:
        w.writerow(_csv_row(f))
    w.writerow(_csv_row(figures_total(figures)))
    return buf.getvalue()


# --- charts and PDF ---------------------------------------------------------------------------


def annual_charts(figures: list[AgencyFigures]) -> list[str]:
    """The report's SVG charts: decisions by kind per agency, penalty amounts per agency, and the
    kinds of penalty, hearings, reviews and outcomes in total. No chart without data."""
    from .charts import bar_chart

    if not figures:
        return []
    labels = [f.agency for f in figures]
    charts = [bar_chart(key="decisions", title="各执法主体执法决定数（按执法类别）", labels=labels,
                        series=[(label, [f.counts.get(code, 0) for f in figures]) for code, label in Category.choices])]
    if any(f.penalty_amount for f in figures):
        charts.append(bar_chart(key="amounts", title="各执法主体罚没金额", labels=labels, unit="元",
                                series=[("罚没金额", [float(f.penalty_amount) for f in figures])]))
    total = figures_total(figures)
    kinds = [(label, total.penalty_kinds.get(code, 0)) for code, label, _ in PENALTY_KINDS]
    kinds.append((PENALTY_OTHER[1], total.penalty_kinds.get(PENALTY_OTHER[0], 0)))
    if any(n for _, n in kinds):
        charts.append(bar_chart(key="kinds", title="行政处罚种类（件）", labels=[k for k, _ in kinds],
                                series=[("件数", [n for _, n in kinds])]))
    cases = [("听证", total.hearings), ("法制审核", total.reviews),
             *[(label, total.outcomes.get(code, 0)) for code, label in REVOCATION_KINDS]]
    if any(n for _, n in cases):
        charts.append(bar_chart(key="cases", title="听证、法制审核与复议诉讼等结果（件）", labels=[k for k, _ in cases],
                                series=[("件数", [n for _, n in cases])]))
    return charts


def annual_content(*, year: int, figures: list[AgencyFigures], scope: str) -> dict:
    """What the page and the PDF show: tables as rows of strings, charts as SVG."""
    total = figures_total(figures)
    rows = [*figures, total] if figures else []
    return {
        "year": year,
        "scope": scope,
        "title": f"{year}年度行政执法统计年报",
        "due": report_due(year),
        "generated": timezone.localdate(),
        "category_labels": [label for _, label in Category.choices],
        "decisions": [[f.agency, *[f.counts.get(c, 0) for c in Category.values], f.total, f"{f.penalty_amount:,.2f}",
                       f.published, f.late, f.withdrawn, f.withheld] for f in rows],
        "kind_labels": [label for _, label, _ in PENALTY_KINDS] + [PENALTY_OTHER[1]],
        "kinds": [[f.agency, *[f.penalty_kinds.get(code, 0) for code, _, _ in PENALTY_KINDS],
                   f.penalty_kinds.get(PENALTY_OTHER[0], 0)] for f in rows],
        "outcome_labels": [label for _, label in REVOCATION_KINDS],
        "cases": [[f.agency, f.hearings, f.reviews, *[f.outcomes.get(code, 0) for code, _ in REVOCATION_KINDS]]
                  for f in rows],
        "charts": annual_charts(figures),
    }


def annual_pdf(content: dict) -> bytes:
    """PDF/A (the documents app's renderer, fonts and variant) with the charts as SVG images.
    Images, not inline SVG: WeasyPrint draws them with its SVG renderer instead of taking each
    element's style attribute for CSS (hundreds of "unknown property" warnings per report)."""
    import base64

    from zhifa.documents.render import render_pdf

    images = ["data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode() for svg in content["charts"]]
    return render_pdf({**content, "chart_images": images}, html_template="supervision/annual_report_pdf.html")
