"""Reads for the records pages and API (no writes; access is logged by the callers through
`access.access_check`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Prefetch, Q

from zhifa.org.models import Agency, Officer

from .models import (
    AccessDecision,
    AccessLog,
    AccessRequest,
    BodyCamera,
    DeviceRecordNotice,
    DeviceRecordReview,
    DeviceRecordStatement,
    Evidence,
    EvidenceAnnotation,
    RecordingRoom,
)


def case_evidence(case):
    notes = EvidenceAnnotation.objects.order_by("id")
    reviews = DeviceRecordReview.objects.select_related("reviewer").order_by("id")
    return (Evidence.objects.filter(case=case)
            .select_related("recorder", "withdrawal", "created_by", "monitoring_device")
            .prefetch_related(Prefetch("annotations", queryset=notes),
                              Prefetch("device_reviews", queryset=reviews),
                              Prefetch("notices", queryset=DeviceRecordNotice.objects.order_by("id")))
            .order_by("number"))


def device_review(evidence: Evidence) -> DeviceRecordReview | None:
    """The review in force of a monitoring-device record (PEN-15): the latest one."""
    reviews = list(evidence.device_reviews.all())
    return reviews[-1] if reviews else None


def device_review_state(evidence: Evidence) -> str:
    """"" for an item not made by a monitoring device; else unreviewed, conforms or nonconforming."""
    if not evidence.is_device_record:
        return ""
    review = device_review(evidence)
    return "unreviewed" if review is None else "conforms" if review.conforms else "nonconforming"


DEVICE_REVIEW_LABELS = {"unreviewed": "监控记录待审核", "conforms": "监控记录经审核符合要求",
                        "nonconforming": "监控记录经审核不符合要求"}


def relied_numbers(case) -> set[int]:
    """The evidence numbers the case's current proposal relies on for its findings of fact (PEN-21)."""
    return {int(n) for n in ((case.data or {}).get("propose") or {}).get("evidence") or []}


def monitoring_devices(agency_id: int):
    return BodyCamera.objects.filter(agency_id=agency_id, kind=BodyCamera.Kind.MONITORING).order_by("number")


def published_monitoring_devices(*, agency_id: int | None = None):
    """PEN-15 (Art. 41): the automated monitoring devices in service whose 法制和技术审核 is done and
    whose location is published -- the ones whose records may become evidence -- for the public list."""
    qs = (BodyCamera.objects.filter(kind=BodyCamera.Kind.MONITORING, in_service=True, approved_on__isnull=False,
                                    location_published_on__isnull=False, agency__active=True)
          .exclude(approval_ref="").exclude(location="").select_related("agency"))
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    return qs.order_by("agency__name", "number")


def case_device_records(case) -> list[dict]:
    """PEN-15 on the case page: each monitoring-device record of the case with its review state, its
    notices to the party (newest last) and the party's statements, and whether it may be told now."""
    notices = (DeviceRecordNotice.objects.select_related("party", "officer", "created_by").order_by("id")
               .prefetch_related(Prefetch("statements", queryset=DeviceRecordStatement.objects.order_by("id"))))
    items = (Evidence.objects.filter(case=case, monitoring_device__isnull=False)
             .select_related("withdrawal", "monitoring_device")
             .prefetch_related(Prefetch("device_reviews", queryset=DeviceRecordReview.objects.order_by("id")),
                               Prefetch("notices", queryset=notices)).order_by("number"))
    rows = []
    for e in items:
        state = device_review_state(e)
        gone = withdrawn(e)
        told = list(e.notices.all())
        rows.append({"e": e, "review": state, "review_label": DEVICE_REVIEW_LABELS.get(state, ""), "withdrawn": gone,
                     "notices": told, "statements": [s for n in told for s in n.statements.all()],
                     "may_notify": state == "conforms" and not gone})
    return rows


def device_notice_public(notice: DeviceRecordNotice) -> dict:
    """What the party sees on the public query page (PEN-15): the record (time, place, what it shows),
    the device and its published location, the review result, the agency and how to reach it, and the
    statements this party already made about this record. Nothing of other parties or other evidence."""
    e = (Evidence.objects.select_related("case__agency", "monitoring_device")
         .prefetch_related(Prefetch("device_reviews", queryset=DeviceRecordReview.objects.order_by("id")),
                           Prefetch("annotations", queryset=EvidenceAnnotation.objects.order_by("id")))
         .get(pk=notice.evidence_id))
    return {"notice": notice, "e": e, "device": e.monitoring_device, "review": device_review(e),
            "annotation": current_annotation(e), "agency": e.case.agency, "case": e.case,
            "statements": list(DeviceRecordStatement.objects.filter(notice__evidence=e, notice__party_id=notice.party_id)
                               .order_by("id"))}


def current_annotation(evidence: Evidence) -> EvidenceAnnotation | None:
    notes = list(evidence.annotations.all())
    return notes[-1] if notes else None


def evidence_by_number(case, number: int) -> Evidence | None:
    return case_evidence(case).filter(number=number).first()


def withdrawn(evidence: Evidence) -> bool:
    try:
        return evidence.withdrawal is not None
    except Evidence.withdrawal.RelatedObjectDoesNotExist:
        return False


def access_log(case, limit: int = 200):
    return AccessLog.objects.filter(case=case).select_related("user", "evidence").order_by("-at", "-id")[:limit]


def access_requests(case):
    return AccessRequest.objects.filter(case=case).select_related("requester", "decision").order_by("-at")


def pending_requests(agency_ids):
    return (AccessRequest.objects.filter(case__agency_id__in=agency_ids, decision__isnull=True)
            .select_related("requester", "case").order_by("at"))


def decision_of(req: AccessRequest) -> AccessDecision | None:
    try:
        return req.decision
    except AccessRequest.decision.RelatedObjectDoesNotExist:
        return None


@dataclass
class EquipmentRow:
    agency: Agency
    officers: int
    cameras: int
    rooms: int
    av_rooms: int
    required: int  # cameras needed for one per N officers (R4)
    monitors: int = 0  # automated monitoring devices in service (PEN-15)

    @property
    def ratio(self) -> str:
        return f"1 : {self.officers / self.cameras:.1f}" if self.cameras else "—"

    @property
    def meets(self) -> bool:
        return self.cameras >= self.required

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.cameras)


def officers_per_camera() -> int:
    return int(getattr(settings, "ZHIFA_OFFICERS_PER_BODY_CAMERA", 5))


def equipment_summary(agencies) -> list[EquipmentRow]:
    """R4: at least one body camera for every five officers (setting), and rooms with AV."""
    per = officers_per_camera()
    ids = [a.pk for a in agencies]
    officers = dict(Officer.objects.filter(agency_id__in=ids, active=True).values("agency_id")
                    .annotate(n=Count("pk")).values_list("agency_id", "n"))
    cameras = dict(BodyCamera.objects.filter(agency_id__in=ids, in_service=True, kind=BodyCamera.Kind.BODY_CAMERA)
                   .values("agency_id")
                   .annotate(n=Count("pk")).values_list("agency_id", "n"))
    monitors = dict(BodyCamera.objects.filter(agency_id__in=ids, in_service=True, kind=BodyCamera.Kind.MONITORING)
                    .values("agency_id").annotate(n=Count("pk")).values_list("agency_id", "n"))
    rooms = {r["agency_id"]: r for r in RecordingRoom.objects.filter(agency_id__in=ids, in_service=True)
             .values("agency_id").annotate(n=Count("pk"), av=Count("pk", filter=Q(has_av=True)))}
    out = []
    for a in agencies:
        n = officers.get(a.pk, 0)
        out.append(EquipmentRow(agency=a, officers=n, cameras=cameras.get(a.pk, 0),
                                rooms=rooms.get(a.pk, {}).get("n", 0), av_rooms=rooms.get(a.pk, {}).get("av", 0),
                                required=-(-n // per), monitors=monitors.get(a.pk, 0)))
    return out
