"""Public portal views: read through selectors only (published versions, P3)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from zhifa.org.models import Agency

from . import selectors
from .models import BenchmarkTier, Matter


def _agency_filter(request):
    value = request.GET.get("agency", "")
    return int(value) if value.isdigit() else None


def _common(request) -> dict:
    return {
        "q": request.GET.get("q", "").strip()[:100],
        "agency_id": _agency_filter(request),
        "agencies": Agency.objects.filter(active=True).order_by("name"),
    }


def matter_list(request):
    ctx = _common(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Matter.Kind.values else ""
    qs = selectors.published_matters(q=ctx["q"], agency=ctx["agency_id"], kind=kind)
    page = selectors.CappedPaginator(qs.only("code", "name", "kind", "agency__name", "version", "effective_from"), 50)
    ctx.update(kind=kind, kinds=Matter.Kind.choices, page=page.get_page(request.GET.get("page")))
    if not (ctx["q"] or ctx["agency_id"] or kind):
        ctx["summary"] = selectors.power_list_summary()
    return render(request, "catalog/matter_list.html", ctx)


def matter_detail(request, code: str):
    matter = selectors.published_matter(code)
    if matter is None:
        raise Http404("未找到该执法事项")
    tiers = sorted(matter.tiers.all(), key=lambda t: [BenchmarkTier.Tier.NO_PENALTY, BenchmarkTier.Tier.MITIGATED,
                                                      BenchmarkTier.Tier.LIGHTER, BenchmarkTier.Tier.GENERAL,
                                                      BenchmarkTier.Tier.HEAVIER].index(t.tier))
    return render(request, "catalog/matter_detail.html", {
        "m": matter, "tiers": tiers, "bases": matter.legal_bases.all(),
        "has_other": any(t.other_penalties for t in tiers),
    })


def _list(request, template: str, selector, title: str):
    ctx = _common(request)
    ctx.update(title=title, items=selector(q=ctx["q"], agency=ctx["agency_id"])[:500])
    return render(request, template, ctx)


def major_list(request):
    return _list(request, "catalog/major_list.html", selectors.published_major_criteria, "重大执法决定法制审核目录清单")


def av_list(request):
    return _list(request, "catalog/av_list.html", selectors.published_av_items, "音像记录事项清单")


def inspection_list(request):
    return _list(request, "catalog/inspection_list.html", selectors.published_inspection_items, "随机抽查事项清单")
