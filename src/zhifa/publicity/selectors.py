"""Reads of publications. The portal, the feeds and the public API see only what is published
(and, for withdrawn or ended items, that fact and its date, never the content)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zhifa.core.identifiers import normalize_identifier
from zhifa.core.search import search_filter

from .models import FEED_KINDS, Publication, PublicationEvent, Status

PUBLIC_LIST_FIELDS = ("id", "decision_number", "decided_on", "category", "party_name", "credit_code", "agency__name",
                      "published_at", "corrected")


def published_publications(*, q: str = "", party: str = "", credit_code: str = "", decision_number: str = "",
                           agency=None, category: str = "", date_from: dt.date | None = None,
                           date_to: dt.date | None = None) -> QuerySet:
    """Search the published decisions (P6): each field narrows the result; newest decision first."""
    return _text_filtered(_published_where(agency=agency, category=category, date_from=date_from, date_to=date_to,
                                           credit_code=credit_code, decision_number=decision_number),
                          q=q, party=party).order_by("-decided_on", "-id")


class NewestFirstSearch:
    """A text search of published decisions, newest first, for the portal's pages (PostgreSQL).

    PostgreSQL estimates an AND of several bigrams (a longer term, a party name) as if they were
    independent, so it takes a phrase matched by 10 % of a million rows for a rare one and reads every
    match through the text index before sorting (0.6 s at 1,000,000). A page of newest matches,
    though, usually lies among the newest rows: this first looks for it among the newest
    `ZHIFA_PORTAL_PROBE_ROWS` rows that pass the other fields (an index walk), and only if that
    finds too few asks the text index for all matches. Either way the rows are exactly the page of
    `published_publications`. Quacks like the queryset as far as the paginator needs."""

    def __init__(self, params: dict, probe_rows: int):
        self.params, self.probe_rows = params, probe_rows
        # The rows passing every field but the text ones, newest first; the search narrows them.
        self.newest = _published_where(**{k: v for k, v in params.items() if k not in ("q", "party")}
                                       ).order_by("-decided_on", "-id")
        self.searched = (_text_filtered(self.newest, q=params["q"], party=params["party"])
                         .only(*PUBLIC_LIST_FIELDS))

    ordered = True  # for the paginator

    def order_by(self, *fields):  # the paginator's capped count
        return self.searched.order_by(*fields)

    def count(self) -> int:
        return self.searched.count()

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.stop is None or item.stop > self.probe_rows:
            return self.searched[item]
        ids = self._probe(item.stop)
        if len(ids) < item.stop:  # too few among the newest rows: a rare term, ask the text index
            ids = self._all_matches(item.stop)
        # (Else all of the first `stop` matches are among the newest rows.)
        rows = {r.pk: r for r in self.searched.filter(pk__in=ids[item.start or 0:])}
        return [rows[pk] for pk in ids[item.start or 0:]]

    def _all_matches(self, stop: int) -> list[int]:
        """Ids of the first `stop` matches, newest first, found through the text index. The matches
        are gathered in a subquery fenced by OFFSET 0, so the planner cannot trade the index for a
        walk down the date index looking for a rare term (a term matching nothing walked all
        1,000,000 rows: 4.5 s); they are few, so sorting them is cheap."""
        from django.db import connection

        inner_sql, inner_params = self.searched.order_by().values_list("id", "decided_on").query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute(f'SELECT "m"."id" FROM ({inner_sql} OFFSET 0) AS "m" '
                        f'ORDER BY "m"."decided_on" DESC, "m"."id" DESC LIMIT %s', [*inner_params, stop])
            return [r[0] for r in cur.fetchall()]

    def _probe(self, stop: int) -> list[int]:
        """Ids of the first `stop` matches among the newest rows. The text conditions are applied
        outside a LIMITed subquery (aliased as the table, so they read the same), which PostgreSQL
        cannot push into it: it walks the date index and stops."""
        from django.db import connection

        table = Publication._meta.db_table
        inner = (self.newest.select_related(None).extra(select={"search_vector": f'"{table}".search_vector'})
                 .values_list("id", "decided_on", "party_name", "search_vector")[: self.probe_rows])
        inner_sql, inner_params = inner.query.sql_with_params()
        text = _text_filtered(Publication.objects.all(), q=self.params["q"], party=self.params["party"])
        where_sql, where_params = text.query.get_compiler(connection=connection).compile(text.query.where)
        with connection.cursor() as cur:
            cur.execute(f'SELECT "{table}"."id" FROM ({inner_sql}) AS "{table}" WHERE {where_sql} '
                        f'ORDER BY "{table}"."decided_on" DESC, "{table}"."id" DESC LIMIT %s',
                        [*inner_params, *where_params, stop])
            return [r[0] for r in cur.fetchall()]


def portal_search(params: dict):
    """What the portal pages through: the queryset, or on PostgreSQL with a text term the
    newest-first probe above."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql" and (params.get("q") or params.get("party")):
        return NewestFirstSearch(params, settings.ZHIFA_PORTAL_PROBE_ROWS)
    return published_publications(**params).only(*PUBLIC_LIST_FIELDS)


def _published_where(*, agency=None, category: str = "", date_from=None, date_to=None, credit_code: str = "",
                     decision_number: str = "") -> QuerySet:
    qs = Publication.objects.filter(status=Status.PUBLISHED).select_related("agency")
    if agency:
        qs = qs.filter(agency=agency)
    if category:
        qs = qs.filter(category=category)
    if date_from:
        qs = qs.filter(decided_on__gte=date_from)
    if date_to:
        qs = qs.filter(decided_on__lte=date_to)
    if credit_code:
        qs = qs.filter(credit_code=normalize_identifier(credit_code))
    if decision_number:
        qs = qs.filter(decision_number=decision_number.strip())
    return qs


def _text_filtered(qs: QuerySet, *, q: str = "", party: str = "") -> QuerySet:
    if party:
        # The token index narrows; the name check keeps only parties whose shown name contains it.
        qs = search_filter(qs, party).filter(party_name__contains=party.strip())
    return search_filter(qs, q)


def public_publication(pk: int) -> Publication | None:
    """A publication the public may open: published, or taken down after publication (shown as such)."""
    return (Publication.objects.select_related("agency", "published_version")
            .filter(pk=pk).filter(Q(status=Status.PUBLISHED) | Q(status__in=(Status.WITHDRAWN, Status.EXPIRED),
                                                                   published_version__isnull=False)).first())


def public_history(publication: Publication) -> QuerySet:
    """The public events of a publication (published, corrected, withdrawn, ended)."""
    return publication.events.filter(kind__in=FEED_KINDS).select_related("version").order_by("id")


def feed_events(*, agency=None, since_id: int = 0) -> QuerySet:
    """New, corrected and withdrawn items (the Atom feed), newest first."""
    qs = PublicationEvent.objects.filter(kind__in=FEED_KINDS).select_related(
        "publication", "publication__agency", "version")
    if agency:
        qs = qs.filter(publication__agency=agency)
    if since_id:
        qs = qs.filter(id__gt=since_id)
    return qs.order_by("-id")


def ledger_entries_for(publication: Publication):
    from zhifa.ledger.models import Entry

    return Entry.objects.filter(subject=f"publicity.publication:{publication.pk}").order_by("seq")


# --- staff -----------------------------------------------------------------------------------------


def clerk_queue(*, agencies: QuerySet, status: str = "", q: str = "") -> QuerySet:
    qs = Publication.objects.filter(agency__in=agencies).select_related("agency", "latest_version")
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(decision_number__icontains=q) | Q(party_name__icontains=q))
    return qs.order_by("due_on", "id")


def needs_review(publication: Publication) -> bool:
    return (publication.status in (Status.DRAFT, Status.REVIEWED, Status.PUBLISHED)
            and publication.latest_version_id != publication.reviewed_version_id)


def timeliness_by_agency(*, agencies: QuerySet, today: dt.date | None = None, warn_days: int = 2) -> list[dict]:
    """P12 / PUB-03: per agency, how many were published on time or late, how many are overdue
    now, how many fall due within `warn_days` (T-2 warning), and late withdrawals."""
    today = today or timezone.localdate()
    open_ = (Status.DRAFT, Status.REVIEWED)
    rows = (Publication.objects.filter(agency__in=agencies).values("agency_id", "agency__name").annotate(
        total=Count("id"),
        published=Count("id", filter=Q(first_published_on__isnull=False)),
        late=Count("id", filter=Q(late=True)),
        overdue=Count("id", filter=Q(status__in=open_, due_on__lt=today)),
        due_soon=Count("id", filter=Q(status__in=open_, due_on__gte=today,
                                      due_on__lte=today + dt.timedelta(days=warn_days))),
        withdraw_late=Count("id", filter=Q(withdraw_late=True)),
        withheld=Count("id", filter=Q(status=Status.WITHHELD)),
    ).order_by("agency__name"))
    return list(rows)


def overdue_publications(*, agencies: QuerySet, today: dt.date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    return (Publication.objects.filter(agency__in=agencies, status__in=(Status.DRAFT, Status.REVIEWED),
                                       due_on__lt=today).select_related("agency").order_by("due_on"))
