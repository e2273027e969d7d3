"""Reads of the catalog. The portal and the public API see only published versions (P3)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from zhifa.core.search import search_filter
from zhifa.org.models import Agency

from .models import (
    AvRecordingItem,
    LegalBasis,
    MajorDecisionCriterion,
    Matter,
    PublicationStatus,
    RandomInspectionItem,
)

PUBLISHED = PublicationStatus.PUBLISHED


def published_matters(*, q: str = "", agency: Agency | int | str | None = None, kind: str = "") -> QuerySet:
    qs = Matter.objects.filter(status=PUBLISHED).select_related("agency").defer("search_text")
    if agency:
        qs = qs.filter(agency=agency)
    if kind:
        qs = qs.filter(kind=kind)
    return search_filter(qs, q).order_by("agency_id", "kind", "code")


class CappedPaginator(Paginator):
    """Counts at most CAP matches: a portal search for a common term (罚款) would otherwise count
    thousands of rows on every page view; past CAP the page says "1000 项以上" and the reader
    narrows the search (docs/performance.md "Catalog search")."""

    CAP = 1000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.CAP


def published_matter(code: str) -> Matter | None:
    return (Matter.objects.filter(code=code, status=PUBLISHED)
            .select_related("agency", "department", "post", "category")
            .prefetch_related("legal_bases", "tiers").first())


def matter_versions(code: str) -> QuerySet:
    return Matter.objects.filter(code=code).order_by("-version")


def published_list(model, *, q: str = "", agency=None) -> QuerySet:
    qs = model.objects.filter(status=PUBLISHED).select_related("agency")
    if agency:
        qs = qs.filter(agency=agency)
    return search_filter(qs, q)


def published_major_criteria(**kw) -> QuerySet:
    return published_list(MajorDecisionCriterion, **kw)


def published_av_items(**kw) -> QuerySet:
    return published_list(AvRecordingItem, **kw)


def published_inspection_items(**kw) -> QuerySet:
    return published_list(RandomInspectionItem, **kw)


def search_bases(q: str = "") -> QuerySet:
    return search_filter(LegalBasis.objects.all(), q)


def current_basis(*, name: str, article: str, paragraph: str = "", on=None) -> LegalBasis | None:
    """The version of an article in force on a date (PEN-12), else the latest."""
    qs = LegalBasis.objects.filter(name=name, article=article, paragraph=paragraph).order_by("-version_date")
    if on is not None:
        qs = qs.filter(version_date__lte=on)
    return qs.first()


def agencies_with_matters() -> QuerySet:
    return Agency.objects.filter(matters__status=PUBLISHED).distinct().order_by("name")


def power_list_summary() -> list[dict]:
    """Per agency, the number of published matters of each kind (the power list overview)."""
    from django.db.models import Count

    rows = (Matter.objects.filter(status=PUBLISHED).values("agency_id", "agency__name", "kind")
            .annotate(n=Count("id")).order_by("agency__name", "kind"))
    out: dict[int, dict] = {}
    labels = dict(Matter.Kind.choices)
    for r in rows:
        a = out.setdefault(r["agency_id"], {"id": r["agency_id"], "name": r["agency__name"], "kinds": [], "total": 0})
        a["kinds"].append({"kind": r["kind"], "label": labels.get(r["kind"], r["kind"]), "n": r["n"]})
        a["total"] += r["n"]
    return list(out.values())
