"""What supervisors, heads and officers see of deadline alerts."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import DeadlineAlert


def open_alerts(*, agency_ids=None, officer=None) -> QuerySet[DeadlineAlert]:
    qs = DeadlineAlert.objects.filter(cleared_at__isnull=True, deadline__closed_at__isnull=True).select_related(
        "case", "agency", "officer")
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    if officer is not None:
        qs = qs.filter(officer=officer)
    return qs.order_by("act_by")


def alert_counts_by_agency(*, agency_ids=None) -> list[dict]:
    """Per agency: due-soon and overdue counts (P12/SUP dashboards)."""
    qs = open_alerts(agency_ids=agency_ids)
    return list(qs.values("agency_id", "agency__name").annotate(
        due_soon=Count("id", filter=Q(level=DeadlineAlert.Level.DUE_SOON)),
        overdue=Count("id", filter=Q(level=DeadlineAlert.Level.OVERDUE))).order_by("-overdue", "agency__name"))


def alert_counts_by_officer(*, agency_ids=None) -> list[dict]:
    qs = open_alerts(agency_ids=agency_ids)
    return list(qs.values("officer_id", "officer__name", "agency__name").annotate(
        due_soon=Count("id", filter=Q(level=DeadlineAlert.Level.DUE_SOON)),
        overdue=Count("id", filter=Q(level=DeadlineAlert.Level.OVERDUE))).order_by("-overdue", "officer__name"))
