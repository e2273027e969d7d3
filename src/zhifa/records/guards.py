"""Guards the procedures compose (cases.engine.Guard): audio-video recording (REC-02, R3).

`av_recording_guard("seize")` looks up the agency's published 音像记录事项清单 (catalog
AvRecordingItem) for the act:
- mandatory (全过程音像记录: 查封扣押, 强制拆除, acts touching personal liberty, life, health or major
  property, case-handling rooms) → the move is refused until a non-withdrawn audio or video item of
  that act is attached to the case;
- as needed (现场执法, 调查取证, 听证, 留置送达, 公告送达) → a warning: attach the recording or say
  why the text record covers the act fully (118号 (八): 文字记录能够全面有效记录执法行为的，可以不进行音像记录).
- not on the list → nothing.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from zhifa.cases.engine import Guard, TransitionContext, guard
from zhifa.catalog.models import AvRecordingItem, PublicationStatus

from .models import Evidence


def av_list_item(*, agency, act_code: str, on_date=None) -> AvRecordingItem | None:
    """The agency's published, effective AV-list row for the procedure act `act_code` — a row names
    the acts it covers in `procedure_acts` (its own `act_code` is the agency's list number, which a
    list may also set to the act code itself). Mandatory wins over as-needed."""
    on_date = on_date or timezone.localdate()
    rows = (AvRecordingItem.objects
            .filter(agency=agency, status=PublicationStatus.PUBLISHED)
            .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=on_date))
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on_date)))
    # JSON containment is not available on SQLite: the list is short, filter here.
    rows = [r for r in rows if r.act_code == act_code or act_code in (r.procedure_acts or [])]
    for row in rows:
        if row.requirement == AvRecordingItem.Requirement.MANDATORY:
            return row
    return rows[0] if rows else None


def av_recordings(case, act_code: str):
    """Audio and video items of `act_code` attached to the case and not withdrawn."""
    return (Evidence.objects.filter(case=case, act=act_code, kind__in=Evidence.AV_KINDS)
            .filter(withdrawal__isnull=True))


def av_recording_guard(act_code: str) -> Guard:
    @guard("REC-02", "音像记录")
    def check(ctx: TransitionContext) -> None:
        item = av_list_item(agency=ctx.case.agency, act_code=act_code, on_date=ctx.on_date)
        if item is None or av_recordings(ctx.case, act_code).exists():
            return
        if item.requirement == AvRecordingItem.Requirement.MANDATORY:
            ctx.refuse("REC-02", f"“{item.name}”须全过程音像记录：请先在本案上传该环节的录像或录音"
                                 f"（执法记录仪记录），再办理“{ctx.transition.label}”（规则 REC-02）。",
                       code="av_recording_required")
        else:
            ctx.warn("REC-02", f"“{item.name}”应根据实际情况音像记录：请上传该环节的录像或录音，"
                               f"或说明文字记录已能全面有效记录执法行为的理由（规则 REC-02）。")

    return check
