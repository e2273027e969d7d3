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


def annual_report_current(*, year: int, agency_id: int | None):
    """The standing (not superseded) report of `year` for exactly that agency (None: for all)."""
    from .models import AnnualReport

    return AnnualReport.objects.filter(year=year, agency_id=agency_id, superseded_by__isnull=True).first()


def annual_report_published(*, year: int, agency_id: int | None = None):
    """The standing published report of `year` covering `agency_id` (its own, or the one for all
    agencies), or None."""
    from .models import AnnualReport

    qs = AnnualReport.objects.filter(year=year, superseded_by__isnull=True)
    qs = qs.filter(Q(agency__isnull=True) | Q(agency_id=agency_id)) if agency_id else qs.filter(agency__isnull=True)
    return qs.order_by("-published_at", "-id").first()


def _year_has_decisions(year: int, agency_id: int | None) -> bool:
    """Whether the platform holds any decision of `year` to report (a year before the platform was
    in use has no report to be late with)."""
    from zhifa.publicity.models import Publication

    qs = Publication.objects.filter(decided_on__year=year)
    return (qs.filter(agency_id=agency_id) if agency_id else qs).exists()


def annual_report_status(*, on_date, agency_id: int | None = None) -> dict:
    """The workbench tile (P11, PUB-13): the year being reported on `on_date` (a local date), its
    due date (20 January of the next year), the days left, the published report if there is one,
    and whether the year before is past its due date without a published report."""
    from .reports import report_due, report_year_for

    year = report_year_for(on_date)
    due = report_due(year)
    previous = None  # last year's report, past its due date and still unpublished (P12)
    if ((on_date - report_due(year - 1)).days > 0 and _year_has_decisions(year - 1, agency_id)
            and not annual_report_published(year=year - 1, agency_id=agency_id)):
        previous = {"year": year - 1, "days_overdue": (on_date - report_due(year - 1)).days}
    return {"year": year, "due": due, "days_left": (due - on_date).days,
            "published": annual_report_published(year=year, agency_id=agency_id), "overdue": previous}
