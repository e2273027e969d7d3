"""Guards the procedures compose (cases.engine.Guard): audio-video recording (REC-02, R3) and the
evidence a proposal relies on (PEN-14, PEN-15, PEN-21; see the end of this module): a monitoring-device
record needs a conforming review and a notice to the party (PEN-15).

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
from zhifa.cases.inputs import Field
from zhifa.catalog.models import AvRecordingItem, PublicationStatus

from .models import Evidence
from .selectors import device_review, withdrawn
from .services import notice_deadline


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


# --- the evidence a proposal relies on (PEN-14, PEN-15, PEN-21) ---------------------------------------

RELIED_EVIDENCE = Field("evidence", "认定事实所依据的证据", "evidence",
                        help="本案证据编号；非法取得、已撤回或未经审核的电子技术监控记录不得采用（规则 PEN-14、PEN-15、PEN-21）")


def _evidence_items(case, numbers) -> dict[int, Evidence]:
    return {e.number: e for e in Evidence.objects.filter(case=case, number__in=numbers)
            .select_related("withdrawal", "monitoring_device").prefetch_related("device_reviews", "notices")}


def relied_evidence(ctx: TransitionContext) -> list[Evidence]:
    """The items named in the step's `evidence` input, refusing numbers the case does not have."""
    numbers = ctx.data.get(RELIED_EVIDENCE.name) or []
    items = _evidence_items(ctx.case, numbers)
    missing = [str(n) for n in numbers if n not in items]
    if missing:
        ctx.refuse("PEN-21", f"{RELIED_EVIDENCE.label}：本案没有编号为{'、'.join(missing)}的证据（规则 PEN-21）。",
                   field=RELIED_EVIDENCE.name)
    return [items[n] for n in numbers]


@guard("PEN-21", "定案证据合法有效", needs_input=True)
def relied_evidence_admissible(ctx: TransitionContext) -> None:
    """PEN-21 (Art. 46): evidence obtained by unlawful means may not found the facts; a withdrawn
    item is no longer evidence of the case."""
    for e in relied_evidence(ctx):
        if not e.lawful_acquisition:
            ctx.refuse("PEN-21", f"{RELIED_EVIDENCE.label}：证据{e.number}“{e.title}”标记为非法取得，以非法手段取得的证据"
                                 "不得作为认定案件事实的根据（规则 PEN-21）。", field=RELIED_EVIDENCE.name)
        if withdrawn(e):
            ctx.refuse("PEN-21", f"{RELIED_EVIDENCE.label}：证据{e.number}“{e.title}”已撤回，不得作为认定案件事实的根据"
                                 "（规则 PEN-21）。", field=RELIED_EVIDENCE.name)


@guard("PEN-15", "电子技术监控记录经审核", needs_input=True)
def device_records_reviewed(ctx: TransitionContext) -> None:
    """PEN-15 (Art. 41): a record of an automated monitoring device is evidence only after a person
    reviewed it and found it conforming (records.services.evidence_device_review)."""
    for e in relied_evidence(ctx):
        if not e.is_device_record:
            continue
        review = device_review(e)
        what = f"{RELIED_EVIDENCE.label}：证据{e.number}“{e.title}”是电子技术监控设备（{e.monitoring_device.number}）的记录，"
        if review is None:
            ctx.refuse("PEN-15", what + "尚未经审核，不得作为行政处罚的证据（规则 PEN-15）。", field=RELIED_EVIDENCE.name)
        if not review.conforms:
            ctx.refuse("PEN-15", what + "经审核不符合要求，不得作为行政处罚的证据（规则 PEN-15）。",
                       field=RELIED_EVIDENCE.name)


@guard("PEN-15", "电子技术监控记录已告知当事人", needs_input=True)
def device_records_notified(ctx: TransitionContext) -> None:
    """PEN-15 (Art. 41 para. 3): the party must be told of a monitoring-device record, with a way to
    query it and make a statement, before a proposal to penalise relies on it. A notice recorded
    (records.services.device_record_notify) on or before the date of the proposal is needed."""
    for e in relied_evidence(ctx):
        if not e.is_device_record:
            continue
        if any(n.notified_on <= ctx.on_date for n in e.notices.all()):
            continue
        due = notice_deadline(e)
        ctx.refuse("PEN-15", f"{RELIED_EVIDENCE.label}：证据{e.number}“{e.title}”是电子技术监控设备（{e.monitoring_device.number}）"
                             "的记录，尚未告知当事人" + (f"（应于{due.act_by:%Y年%m月%d日}前告知）" if due else "")
                   + "；请先在案件页面登记告知（方式、日期、告知人），当事人可凭查询码查询记录并陈述、申辩（规则 PEN-15）。",
                   field=RELIED_EVIDENCE.name)


@guard("PEN-14", "认定事实有证据", needs_input=True)
def facts_have_evidence(ctx: TransitionContext) -> None:
    """PEN-14 (Art. 40), a WARN-level heuristic: a proposal to penalise or to refer names no evidence.
    A proposal not to penalise (which may be because the facts are not established) is not warned."""
    if ctx.data.get("outcome") != "no_penalty" and not ctx.data.get(RELIED_EVIDENCE.name):
        ctx.warn("PEN-14", "拟处理意见未列明认定事实所依据的证据；违法事实不清、证据不足的，不得给予行政处罚（规则 PEN-14）。")


RELIED_EVIDENCE_GUARDS = (relied_evidence_admissible, device_records_reviewed, device_records_notified,
                          facts_have_evidence)


@guard("PEN-21", "决定所依据的证据仍然有效")
def proposal_evidence_still_admissible(ctx: TransitionContext) -> None:
    """At the decision (PEN-21, PEN-15; BLOCK): the evidence the proposal relied on must still be
    evidence. An item withdrawn, or a monitoring-device record found non-conforming on a later
    review, after the proposal refuses the decision: the officer makes a new proposal without it —
    after a served notice through 补充调查（重新告知）, which supersedes the notice, and a new notice
    (PEN-19). (A passed legal review is voided by the same change; not every case needs one.)"""
    numbers = (ctx.case.data.get("propose") or {}).get(RELIED_EVIDENCE.name) or []
    if "serve_notice" in ctx.case.data:
        remedy = "请办理“补充调查（重新告知）”，重新提出不依据该证据的拟处理意见，并向当事人送达新的告知书后再作出决定"
    else:
        remedy = "请重新提出不依据该证据的拟处理意见后再作出决定"
    for e in _evidence_items(ctx.case, numbers).values():
        if withdrawn(e):
            ctx.refuse("PEN-21", f"拟处理意见所依据的证据{e.number}“{e.title}”已于提出意见后撤回，不得作为认定事实的根据；"
                                 f"{remedy}（规则 PEN-21）。")
        if e.is_device_record and not getattr(device_review(e), "conforms", False):
            ctx.refuse("PEN-15", f"拟处理意见所依据的证据{e.number}“{e.title}”是电子技术监控设备的记录，其最新审核结论为"
                                 f"不符合要求，不得作为行政处罚的证据；{remedy}（规则 PEN-15）。")
