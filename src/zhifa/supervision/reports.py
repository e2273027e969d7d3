"""The annual enforcement statistics (行政执法统计年报; REQUIREMENTS P11, RULES PUB-13).

Figures per agency and kind of decision for a calendar year, counted from the publication
records (every decision of every procedure goes through them, issue 8 point 8): licences,
penalties (with the amounts), coercive measures, inspections, other decisions; how many were
published late, withdrawn, or withheld. Case-based figures (hearings, reviews, reconsideration
and litigation outcomes) join when the cases engine records them.

Due: P11 asks for publication by 20 January, PUB-13 (118号 (六)) by 31 January; the earlier wins.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from zhifa.publicity.models import Category, Publication, Status

REPORT_DUE = (1, 20)  # month, day of the following year (P11; PUB-13 allows 31 January)


def report_due(year: int) -> dt.date:
    return dt.date(year + 1, *REPORT_DUE)


@dataclass
class AgencyFigures:
    agency: str
    counts: dict[str, int] = field(default_factory=dict)  # by category
    penalty_amount: Decimal = Decimal(0)
    published: int = 0
    late: int = 0
    withdrawn: int = 0
    withheld: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def annual_figures(*, year: int, agencies=None) -> list[AgencyFigures]:
    qs = Publication.objects.filter(decided_on__year=year)
    if agencies is not None:
        qs = qs.filter(agency__in=agencies)
    out: dict[int, AgencyFigures] = {}
    rows = qs.values("agency_id", "agency__name", "category").annotate(
        n=Count("id"),
        published=Count("id", filter=Q(first_published_on__isnull=False)),
        late=Count("id", filter=Q(late=True)),
        withdrawn=Count("id", filter=Q(status=Status.WITHDRAWN)),
        withheld=Count("id", filter=Q(status=Status.WITHHELD)),
        amount=Sum("latest_version__amount", filter=Q(category=Category.PENALTY) & ~Q(status=Status.WITHDRAWN)),
    ).order_by("agency__name", "category")
    for r in rows:
        f = out.setdefault(r["agency_id"], AgencyFigures(agency=r["agency__name"]))
        f.counts[r["category"]] = r["n"]
        f.penalty_amount += r["amount"] or 0
        f.published += r["published"]
        f.late += r["late"]
        f.withdrawn += r["withdrawn"]
        f.withheld += r["withheld"]
    return list(out.values())


CSV_HEADER = ["执法主体", *[label for _, label in Category.choices], "合计", "罚没金额（元）", "已公示", "逾期公示",
              "撤回", "依法不予公开"]


def annual_csv(figures: list[AgencyFigures]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_HEADER)
    totals = AgencyFigures(agency="合计")
    for f in figures:
        w.writerow([f.agency, *[f.counts.get(c, 0) for c in Category.values], f.total, f"{f.penalty_amount:.2f}",
                    f.published, f.late, f.withdrawn, f.withheld])
        for c, n in f.counts.items():
            totals.counts[c] = totals.counts.get(c, 0) + n
        totals.penalty_amount += f.penalty_amount
        totals.published += f.published
        totals.late += f.late
        totals.withdrawn += f.withdrawn
        totals.withheld += f.withheld
    w.writerow([totals.agency, *[totals.counts.get(c, 0) for c in Category.values], totals.total,
                f"{totals.penalty_amount:.2f}", totals.published, totals.late, totals.withdrawn, totals.withheld])
    return buf.getvalue()
