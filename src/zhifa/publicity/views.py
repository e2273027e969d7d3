"""Pages: the public portal of published decisions (P6), the feeds (P10), post signs (P4), and the
publicity clerk's review pages (P9). Views read through selectors and change state only through
services."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from zhifa.catalog.selectors import CappedPaginator
from zhifa.core.errors import DomainError
from zhifa.org import roles
from zhifa.org.models import Agency

from . import selectors, services
from .models import Category, Publication, PublicationEvent, Status

E = PublicationEvent.Kind


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def search_params(get) -> dict:
    agency = get.get("agency", "")
    category = get.get("category", "")
    return {
        "q": get.get("q", "").strip()[:100],
        "party": get.get("party", "").strip()[:100],
        "credit_code": get.get("credit_code", "").strip()[:18],
        "decision_number": get.get("decision_number", "").strip()[:100],
        "agency": int(agency) if agency.isdigit() else None,
        "category": category if category in Category.values else "",
        "date_from": _date(get.get("date_from")),
        "date_to": _date(get.get("date_to")),
    }


def _agencies_with_publications() -> list[dict]:
    """The agency drop-down: agencies with something published. It changes only when an agency
    publishes its first decision, so it is kept for ZHIFA_PORTAL_CACHE_SECONDS."""
    from django.db.models import Exists, OuterRef

    def read():
        published = Publication.objects.filter(agency=OuterRef("pk"), status=Status.PUBLISHED)
        return list(Agency.objects.filter(Exists(published), active=True).order_by("name").values("id", "name"))

    return cache.get_or_set("publicity:portal:agencies", read, settings.ZHIFA_PORTAL_CACHE_SECONDS)


class PortalPaginator(CappedPaginator):
    """The capped count of a portal search is kept for ZHIFA_PORTAL_CACHE_SECONDS per search: a
    common term (罚款) otherwise costs a second pass over every match on every page view. Only the
    count may lag (by at most that long); the listed rows are always read live, so a withdrawn
    decision leaves the results at once (PUB-05)."""

    def __init__(self, object_list, per_page, *, key: str):
        super().__init__(object_list, per_page)
        self.key = "publicity:portal:count:" + hashlib.sha256(key.encode()).hexdigest()

    @cached_property
    def count(self) -> int:
        return cache.get_or_set(self.key, lambda: CappedPaginator.count.func(self), settings.ZHIFA_PORTAL_CACHE_SECONDS)


PORTAL_PER_PAGE = 20


class PortalPage:
    """One page of portal results, read without counting them: per_page + 1 rows tell whether
    there is a next page. The count (`portal_count`) is fetched by the page after it has shown the
    rows, so a search for a long phrase over a million decisions does not wait ~40 ms for it. Pages
    go as deep as the capped count (CappedPaginator.CAP rows); past that, the reader narrows."""

    MAX_PAGE = CappedPaginator.CAP // PORTAL_PER_PAGE

    def __init__(self, results, number_text):
        try:
            self.number = min(max(int(number_text or 1), 1), self.MAX_PAGE)
        except (TypeError, ValueError):
            self.number = 1
        start = (self.number - 1) * PORTAL_PER_PAGE
        rows = list(results[start:start + PORTAL_PER_PAGE + 1])
        self.object_list = rows[:PORTAL_PER_PAGE]
        self.has_next = len(rows) > PORTAL_PER_PAGE and self.number < self.MAX_PAGE
        self.has_previous = self.number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.next_page_number, self.previous_page_number = self.number + 1, self.number - 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def portal(request):
    params = search_params(request.GET)
    query = request.GET.copy()
    query.pop("page", None)
    page = PortalPage(selectors.portal_search(params), request.GET.get("page"))
    return render(request, "publicity/portal.html", {
        "p": params, "page": page, "query": query.urlencode(),
        "agencies": _agencies_with_publications(),
        "categories": Category.choices, "searched": any(params.values()),
        "detail_prefix": reverse("publicity:portal") + "d/",
    })


def portal_count(request):
    """How many decisions match a portal search (capped, cached): loaded by the portal page after
    its rows (htmx), or opened directly."""
    params = search_params(request.GET)
    paginator = PortalPaginator(selectors.portal_search(params), PORTAL_PER_PAGE, key=repr(sorted(params.items())))
    return render(request, "publicity/_count.html", {"paginator": paginator})


def decision(request, pk: int):
    pub = selectors.public_publication(pk)
    if pub is None:
        raise Http404("未找到该执法决定公示")
    entries = list(selectors.ledger_entries_for(pub).filter(
        kind__in=("publication_published", "publication_corrected", "publication_withdrawn",
                  "publication_expired", "publication_removed_after_repair")))
    from zhifa.ledger.services import latest_tree_head

    head = latest_tree_head()
    history = list(selectors.public_history(pub))
    return render(request, "publicity/decision.html", {
        "pub": pub, "v": pub.published_version if pub.is_public else None, "history": history,
        "entries": entries, "head": head, "ended": history[-1] if pub.taken_down and history else None,
    })


# --- feeds ---------------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


CSV_HEADER = ["编号", "执法主体", "执法类别", "决定文号", "决定日期", "当事人", "统一社会信用代码", "执法结论",
              "执法依据", "处罚内容", "罚没金额（元）", "公示日期", "更正次数", "内容哈希", "网址"]


def export_csv(request):
    """All published decisions matching the search, streamed (constant memory)."""
    params = search_params(request.GET)
    rows = (selectors.published_publications(**params)
            .values_list("id", "agency__name", "category", "decision_number", "decided_on", "party_name",
                         "credit_code", "published_version__conclusion", "published_version__basis",
                         "published_version__penalty", "published_version__amount", "first_published_on",
                         "corrected", "published_version__content_hash"))
    labels = dict(Category.choices)
    base = request.build_absolute_uri("/")[:-1]
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(CSV_HEADER)  # BOM: Excel opens it as UTF-8
        for r in rows.iterator(chunk_size=2000):
            yield writer.writerow([r[0], r[1], labels.get(r[2], r[2]), r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                                   "" if r[10] is None else r[10], r[11], r[12], r[13],
                                   base + reverse("publicity:decision", args=[r[0]])])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="publications.csv"'
    return response


def _atom_entry(ev: PublicationEvent, base: str) -> str:
    pub = ev.publication
    url = base + reverse("publicity:decision", args=[pub.pk])
    verb = {E.PUBLISHED: "公示", E.CORRECTED: "更正", E.WITHDRAWN: "撤回", E.EXPIRED: "公示期满撤下",
            E.REPAIRED: "信用修复撤下"}[ev.kind]
    if ev.kind in (E.PUBLISHED, E.CORRECTED) and ev.version_id:
        v = ev.version
        summary = f"{pub.agency.name}对{v.party_display.get('name', '')}：{v.conclusion}"
    else:
        summary = f"{pub.agency.name}于{ev.on:%Y年%m月%d日}{verb}该决定信息。{ev.note}"
    return (
        "<entry>"
        f"<id>urn:zhifa:publication-event:{ev.pk}</id>"
        f"<title>【{verb}】{escape(pub.decision_number)}</title>"
        f'<link rel="alternate" href="{escape(url)}"/>'
        f"<updated>{ev.at.isoformat()}</updated>"
        f'<category term="{ev.kind}" label="{verb}"/>'
        f"<author><name>{escape(pub.agency.name)}</name></author>"
        f"<summary>{escape(summary)}</summary>"
        "</entry>\n"
    )


def feed_atom(request):
    """New, corrected and withdrawn items, newest first, streamed. ?agency=ID, ?since=<event id>,
    ?limit=N (default 200, at most 10000)."""
    agency = request.GET.get("agency", "")
    since = request.GET.get("since", "")
    limit = request.GET.get("limit", "")
    limit = min(int(limit), 10000) if limit.isdigit() and int(limit) > 0 else 200
    events = selectors.feed_events(agency=int(agency) if agency.isdigit() else None,
                                   since_id=int(since) if since.isdigit() else 0)[:limit]
    base = request.build_absolute_uri("/")[:-1]
    latest = selectors.feed_events().values_list("at", flat=True).first() or timezone.now()

    def lines():
        yield ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
               f"<id>{escape(base)}/publicity/feed.atom</id><title>行政执法决定公示</title>"
               f'<link rel="self" href="{escape(base)}/publicity/feed.atom"/>'
               f"<updated>{latest.isoformat()}</updated>\n")
        for ev in events.iterator(chunk_size=500):
            yield _atom_entry(ev, base)
        yield "</feed>\n"

    return StreamingHttpResponse(lines(), content_type="application/atom+xml; charset=utf-8")


# --- post signs (P4) -------------------------------------------------------------------------------


def signs(request):
    from zhifa.catalog.selectors import published_matters

    windows: dict[tuple, dict] = {}
    for m in published_matters().exclude(office="").only("agency__name", "office", "code", "name"):
        w = windows.setdefault((m.agency_id, m.office), {"agency": m.agency, "office": m.office, "n": 0})
        w["n"] += 1
    return render(request, "publicity/signs.html", {"windows": sorted(windows.values(),
                                                                       key=lambda w: (w["agency"].name, w["office"]))})


def sign(request, agency_id: int):
    """岗位信息公示牌: the printable sign of one service window."""
    from zhifa.catalog.selectors import published_matters

    office = request.GET.get("office", "")
    agency = Agency.objects.filter(pk=agency_id).first()
    matters = list(published_matters(agency=agency_id).filter(office=office).select_related("post", "department")
                   .prefetch_related("legal_bases")) if agency and office else []
    if not matters:
        raise Http404("未找到该服务窗口")
    posts = {m.post for m in matters if m.post_id}
    return render(request, "publicity/sign.html", {
        "agency": agency, "office": office, "matters": matters, "posts": posts,
        "first": matters[0], "progress_url": request.build_absolute_uri("/publicity/"),
    })


# --- the publicity clerk -------------------------------------------------------------------------


def _scope(request):
    user = request.user
    if not (roles.has_role(user, roles.PUBLICITY) or roles.has_role(user, roles.SUPERVISOR) or roles.is_admin(user)):
        raise PermissionDenied("只有公示管理员、监督人员和系统管理员可以查看。")
    return roles.agencies_visible_to(user)


def _may_act(request) -> None:
    if not (roles.has_role(request.user, roles.PUBLICITY) or roles.is_admin(request.user)):
        raise PermissionDenied("只有公示管理员可以审核、发布、更正或撤回公示。")


def _own(request, pk: int) -> Publication:
    pub = Publication.objects.select_related("agency", "latest_version", "published_version").filter(
        pk=pk, agency__in=_scope(request)).first()
    if pub is None:
        raise Http404("未找到该公示或无权查看")
    return pub


@login_required
def clerk(request):
    agencies = _scope(request)
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    q = request.GET.get("q", "").strip()[:100]
    page = CappedPaginator(selectors.clerk_queue(agencies=agencies, status=status, q=q), 50).get_page(
        request.GET.get("page"))
    return render(request, "publicity/clerk.html", {
        "page": page, "status": status, "statuses": Status.choices, "q": q,
        "timeliness": selectors.timeliness_by_agency(agencies=agencies),
        "today": timezone.localdate(),
    })


@login_required
def clerk_detail(request, pk: int):
    pub = _own(request, pk)
    return render(request, "publicity/clerk_detail.html", {
        "pub": pub, "v": pub.latest_version, "needs_review": selectors.needs_review(pub),
        "events": pub.events.select_related("actor", "version").order_by("id"),
        "versions": pub.versions.order_by("-number"),
        "may_act": roles.has_role(request.user, roles.PUBLICITY) or roles.is_admin(request.user),
    })


def _lines(value: str) -> list[str]:
    return [s.strip() for s in (value or "").replace("，", "\n").replace(",", "\n").splitlines() if s.strip()]


@login_required
@require_POST
def clerk_action(request, pk: int, action: str):
    _may_act(request)
    pub = _own(request, pk)
    post = request.POST
    try:
        if action == "review":
            services.publication_review(publication=pub, actor=request.user, keep=_lines(post.get("keep")),
                                        mask=_lines(post.get("mask")), note=post.get("note", ""),
                                        disclosure_reason=post.get("disclosure_reason", ""))
            messages.success(request, "已审核。")
        elif action == "publish":
            services.publication_publish(publication=pub, actor=request.user)
            messages.success(request, "已发布。")
        elif action == "correct":
            changes = {k: post[k] for k in ("conclusion", "basis", "penalty", "facts", "reasons") if k in post
                       and post[k].strip() != (pub.latest_version.source.get(k) or "")}
            if post.get("amount", "").strip() != (pub.latest_version.source.get("amount") or ""):
                changes["amount"] = post.get("amount", "").strip() or None
            services.publication_correct(publication=pub, actor=request.user, reason=post.get("reason", ""),
                                         changes=changes)
            messages.success(request, "已生成更正版本，请审核后发布。")
        elif action == "withdraw":
            services.publication_withdraw(publication=pub, reason=post.get("reason", ""), actor=request.user,
                                          requested_on=_date(post.get("requested_on")))
            messages.success(request, "已撤回。")
        else:
            raise Http404()
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("publicity:clerk_detail", pk=pub.pk)
