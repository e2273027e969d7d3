"""Demo equipment (R4): body cameras and recording rooms for the demo agencies, one agency left
short of the one-per-five ratio so the equipment page shows a shortfall, and for the first agency an
automated monitoring device with its 法制和技术审核 and published location (PEN-15). On a demo case under
investigation of that agency (cases.demo runs first), two records of the device (PEN-15): one reviewed,
told to the party by SMS and answered with a statement from the query page; one reviewed and not yet
told, so its notice deadline shows on the case page. Through the services, so the ledger covers each
row. Skips agencies that already have cameras."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from zhifa.org.models import Agency, Officer

from . import services
from .models import BodyCamera, Evidence
from .selectors import officers_per_camera


def load(*, stdout=None) -> None:
    actor = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    per = officers_per_camera()
    made = 0
    with transaction.atomic():
        device_shown = BodyCamera.objects.filter(kind=BodyCamera.Kind.MONITORING).exists()
        for i, agency in enumerate(Agency.objects.order_by("pk")[:20]):
            if BodyCamera.objects.filter(agency=agency).exists():
                continue
            officers = Officer.objects.filter(agency=agency, active=True).count()
            needed = -(-officers // per)
            count = max(0, needed - 1) if i == 1 else needed  # the second agency is one camera short
            for n in range(1, count + 1):
                services.body_camera_register(agency=agency, number=f"DSJ-{agency.pk:03d}-{n:02d}", actor=actor,
                                              model_name="DSJ-V9 执法记录仪")
                made += 1
            if officers:
                services.recording_room_register(agency=agency, name="询问室", kind="interview", actor=actor)
                if i == 0:
                    services.recording_room_register(agency=agency, name="听证室", kind="hearing", actor=actor)
                if not device_shown and "司法局" not in agency.name:  # an enforcement body, not the supervisor
                    device_shown = True
                    today = timezone.localdate()
                    services.monitoring_device_register(
                        agency=agency, number=f"JK-{agency.pk:03d}-01", actor=actor, model_name="电子技术监控设备",
                        location="人民路与解放路交叉口", approval_ref=f"{agency.short_name or agency.name}法审〔{today.year}〕1号",
                        approved_on=today - dt.timedelta(days=200), location_published_on=today - dt.timedelta(days=190),
                        location_published_where="本机关门户网站“电子技术监控设备设置地点”栏目")
        device = BodyCamera.objects.filter(kind=BodyCamera.Kind.MONITORING).order_by("pk").first()
        told = _monitoring_records(device) if device is not None else ""
    if stdout is not None:
        stdout.write(f"records: {made} 台执法记录仪\n")
        if told:
            stdout.write(f"records: 电子技术监控记录已告知（{told}）\n")


def _png(color) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buf, format="PNG")
    return buf.getvalue()


def _monitoring_records(device) -> str:
    """PEN-15 on a case under investigation: a told record with the party's statement, and a record
    still to be told. Returns the case number and query code, or "" when no case fits."""
    from zhifa.cases.models import Case

    if Evidence.objects.filter(monitoring_device=device).exists():
        return ""
    user_model = get_user_model()
    for case in Case.objects.filter(agency=device.agency, procedure="penalty_general", state="filed").order_by("pk"):
        party = case.parties.exclude(id_number="", credit_code="").order_by("pk").first()
        user = (user_model.objects.filter(officer__case_roles__case=case, officer__case_roles__recused=False)
                .select_related("officer").order_by("pk").first())
        if party and user:
            break
    else:
        return ""
    now = timezone.now()
    common = {"act": "record_inspection", "kind": "photo", "evidence_type": "electronic",
              "monitoring_device": device.number, "place": device.location}
    first = services.evidence_add(
        case=case, actor=user, source=_png((90, 110, 130)), file_name="JK-snapshot-1.png", declared_type="image/png",
        title="监控抓拍：当事人店外占道堆放货物", started_at=now - dt.timedelta(days=3, hours=2),
        annotation="画面显示当事人在店外人行道上堆放纸箱货物，占用人行道约三米。", **common)
    services.evidence_device_review(evidence=first, actor=user, conforms=True,
                                    opinion="核对原始数据与设备时钟，记录真实、清晰、完整、准确。")
    notice = services.device_record_notify(
        evidence=first, actor=user, party=party, method="sms", method_detail=party.phone or "当事人登记的手机号码",
        notified_on=timezone.localdate(), officer=user.officer)
    services.device_statement_add(notice=notice, contact="13507990104",
                                  text="当天上午到货较多，临时放在门口约二十分钟，随后已搬入仓库，请求从轻处理。")
    second = services.evidence_add(
        case=case, actor=user, source=_png((130, 110, 90)), file_name="JK-snapshot-2.png", declared_type="image/png",
        title="监控抓拍：次日同一位置再次堆放货物", started_at=now - dt.timedelta(days=2, hours=3), **common)
    services.evidence_device_review(evidence=second, actor=user, conforms=True, opinion="记录清晰完整，时间戳准确。")
    return f"{case.number or case.title}，查询码 {notice.query_code_display}"
