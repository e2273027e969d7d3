"""Demo equipment (R4): body cameras and recording rooms for the demo agencies, one agency left
short of the one-per-five ratio so the equipment page shows a shortfall, and for the first agency an
automated monitoring device with its 法制和技术审核 and published location (PEN-15). Through the services, so the
ledger covers each row. Skips agencies that already have cameras."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from zhifa.org.models import Agency, Officer

from . import services
from .models import BodyCamera
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
    if stdout is not None:
        stdout.write(f"records: {made} 台执法记录仪\n")
