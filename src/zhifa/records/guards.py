"""TEMPORARY version until feat/records is merged: REC-02 from the AV list, without evidence."""

from zhifa.cases.engine import guard
from zhifa.catalog.models import AvRecordingItem


def av_recording_guard(act_code: str):
    @guard("REC-02", "音像记录")
    def check(ctx):
        item = next((i for i in AvRecordingItem.objects.filter(agency=ctx.case.agency, status="published")
                     if act_code in (i.procedure_acts or [])), None)
        if item is None:
            return
        if item.requirement == AvRecordingItem.Requirement.MANDATORY:
            ctx.refuse("REC-02", f"“{item.name}”应当进行全过程音像记录，请先上传音像记录（规则 REC-02）。")
        else:
            ctx.warn("REC-02", f"“{item.name}”应根据实际情况进行音像记录，未记录的请说明理由（规则 REC-02）。")
    return check
