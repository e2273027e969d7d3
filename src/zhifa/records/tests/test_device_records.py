"""Records of automated monitoring devices (PEN-15, 行政处罚法 Art. 41): the device is registered in
the equipment register with its 法制和技术审核 and its published location before its records can be
evidence; each record is reviewed by a person (append-only, on the ledger). Refusals name the field
and the rule and leave nothing behind."""

import datetime as dt
import io
import json
import os
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from zhifa.cases.snapshot import case_snapshot
from zhifa.core.append_only import AppendOnlyError
from zhifa.core.errors import Conflict, DomainError, PermissionDeniedError
from zhifa.core.filestore import filestore_open
from zhifa.ledger.models import Entry
from zhifa.records import selectors
from zhifa.records.archive import archive_build
from zhifa.records.models import BodyCamera, DeviceRecordReview, Evidence
from zhifa.records.services import (
    body_camera_register,
    evidence_add,
    evidence_device_review,
    evidence_withdraw,
    monitoring_device_register,
)

from .conftest import png_bytes

TODAY = timezone.localdate()
DEVICE = {"number": "JK-001", "location": "人民路与解放路交叉口", "approval_ref": "江川市监法审〔2026〕3号",
          "approved_on": TODAY - dt.timedelta(days=30), "location_published_on": TODAY - dt.timedelta(days=20),
          "location_published_where": "江川市市场监督管理局门户网站“电子技术监控设备设置地点”栏目"}


def stored_files() -> list[str]:
    root = default_storage.path("cas")
    return [f for _, _, files in os.walk(root) for f in files]


def register_device(world, **kw):
    return monitoring_device_register(agency=world["agency"], actor=world["root"], **{**DEVICE, **kw})


def add_device_record(world, device="JK-001", **kw):
    meta = {"act": "record_inspection", "kind": "photo", "title": "监控抓拍照片", "evidence_type": "electronic",
            "monitoring_device": device, "started_at": timezone.now() - dt.timedelta(hours=2)}
    meta.update(kw)
    return evidence_add(case=world["case"], actor=world["lead"], source=png_bytes(), file_name="snap.png",
                        declared_type="image/png", **meta)


def test_device_is_registered_with_approval_and_published_location(world):
    entries = Entry.objects.count()
    with pytest.raises(DomainError) as exc:
        monitoring_device_register(agency=world["agency"], actor=world["root"], number="JK-001", location="",
                                   approval_ref="", approved_on=None, location_published_on=TODAY + dt.timedelta(1),
                                   location_published_where="")
    assert exc.value.rule == "PEN-15"
    assert set(exc.value.fields) == {"location", "approval_ref", "approved_on", "location_published_on",
                                     "location_published_where"}
    assert "法制和技术审核" in exc.value.fields["approval_ref"]
    assert not BodyCamera.objects.exists() and Entry.objects.count() == entries
    device = register_device(world)
    assert device.kind == BodyCamera.Kind.MONITORING and device.location == DEVICE["location"]
    entry = Entry.objects.get(kind="monitoring_device_registered")
    assert entry.payload["approval_ref"] == DEVICE["approval_ref"]
    with pytest.raises(Conflict):
        register_device(world)
    # The body-camera ratio (R4) counts body cameras only; monitoring devices are counted apart.
    body_camera_register(agency=world["agency"], number="DSJ-001", actor=world["root"])
    row = selectors.equipment_summary([world["agency"]])[0]
    assert (row.cameras, row.monitors) == (1, 1)


def test_records_of_unregistered_or_unapproved_devices_are_refused_leaving_nothing(world):
    body_camera_register(agency=world["agency"], number="DSJ-001", actor=world["root"])
    entries = Entry.objects.count()
    cases = (
        ({"device": "JK-404"}, "monitoring_device", "未在本机关登记"),
        ({"device": "DSJ-001"}, "monitoring_device", "未在本机关登记"),  # a body camera is not such a device
        ({"started_at": ""}, "started_at", "记录时间"),
        ({"started_at": timezone.now() - dt.timedelta(days=25)}, "monitoring_device", "早于"),  # before publication
    )
    register_device(world)
    entries = Entry.objects.count()
    for kw, field, words in cases:
        with pytest.raises(DomainError) as exc:
            add_device_record(world, **kw)
        assert exc.value.rule == "PEN-15", kw
        assert field in exc.value.fields and words in exc.value.fields[field], exc.value.fields
    assert not Evidence.objects.exists() and Entry.objects.count() == entries and stored_files() == []


def test_device_record_is_added_and_reviewed_append_only_on_the_ledger(world):
    device = register_device(world)
    ev = add_device_record(world)
    assert ev.monitoring_device == device and ev.device == "JK-001"
    assert Entry.objects.get(kind="evidence_added").payload["monitoring_device"] == "JK-001"
    assert selectors.device_review_state(ev) == "unreviewed"
    assert case_snapshot(world["case"])["evidence"][0]["device_review"] is None

    first = evidence_device_review(evidence=ev, actor=world["lead"], conforms=False, opinion="画面模糊，车牌无法辨认")
    second = evidence_device_review(evidence=ev, actor=world["co"], conforms=True, opinion="复核原始数据，记录清晰完整")
    assert second.supersedes == first and second.reviewer == world["co"]
    ev = selectors.evidence_by_number(world["case"], ev.number)
    assert selectors.device_review_state(ev) == "conforms"
    assert case_snapshot(world["case"])["evidence"][0]["device_review"] is True
    assert list(Entry.objects.filter(kind="device_record_reviewed").values_list("payload__conforms", flat=True)) \
        == [False, True]
    with pytest.raises(AppendOnlyError):
        DeviceRecordReview.objects.filter(pk=first.pk).update(conforms=True)
    # The case file keeps the device and both reviews.
    pkg = archive_build(case=world["case"], actor=world["lead"])
    with filestore_open(pkg.file) as f, zipfile.ZipFile(io.BytesIO(f.read())) as zf:
        item = json.loads(zf.read("evidence.json"))[0]
    assert item["monitoring_device"] == "JK-001"
    assert [r["conforms"] for r in item["device_reviews"]] == [False, True]


def test_device_review_refusals_write_nothing(world):
    register_device(world)
    ev = add_device_record(world)
    plain = evidence_add(case=world["case"], actor=world["lead"], source=png_bytes(), file_name="p.png",
                         declared_type="image/png", act="record_inspection", kind="photo", title="现场照片",
                         evidence_type="physical")
    entries = Entry.objects.count()
    with pytest.raises(DomainError) as exc:
        evidence_device_review(evidence=plain, actor=world["lead"], conforms=True, opinion="清晰")
    assert exc.value.rule == "PEN-15" and "evidence" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        evidence_device_review(evidence=ev, actor=world["lead"], conforms=True, opinion="  ")
    assert exc.value.rule == "PEN-15" and "opinion" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        evidence_device_review(evidence=ev, actor=world["lead"], conforms="yes", opinion="清晰")
    assert "conforms" in exc.value.fields
    with pytest.raises(PermissionDeniedError):
        evidence_device_review(evidence=ev, actor=world["outsider"], conforms=True, opinion="清晰")
    evidence_withdraw(evidence=ev, actor=world["lead"], reason="误传")
    entries = Entry.objects.count()
    with pytest.raises(Conflict):
        evidence_device_review(evidence=ev, actor=world["lead"], conforms=True, opinion="清晰")
    assert not DeviceRecordReview.objects.exists() and Entry.objects.count() == entries


def test_device_records_on_the_pages_and_in_the_api(world, client):
    register_device(world)
    case = world["case"]
    client.force_login(world["lead"])
    page = client.get(reverse("records:evidence", args=[case.pk])).content.decode()
    assert 'name="monitoring_device"' in page and "JK-001" in page
    ev = add_device_record(world)
    page = client.get(reverse("records:evidence", args=[case.pk])).content.decode()
    assert 'data-state="unreviewed"' in page
    r = client.post(reverse("records:evidence_device_review", args=[case.pk, ev.number]),
                    {"conforms": "1", "opinion": ""}, follow=True)
    assert "审核意见" in r.content.decode() and not DeviceRecordReview.objects.exists()
    client.post(reverse("records:evidence_device_review", args=[case.pk, ev.number]),
                {"conforms": "0", "opinion": "时间戳缺失"})
    detail = client.get(reverse("records:evidence_detail", args=[case.pk, ev.number])).content.decode()
    assert 'data-state="nonconforming"' in detail and "时间戳缺失" in detail

    r = client.post(f"/api/v1/records/evidence/{ev.pk}/device-reviews",
                    data={"conforms": True, "opinion": "核对原始数据，记录真实、清晰、完整、准确"},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["conforms"] is True and r.json()["supersedes"] is not None
    r = client.post(f"/api/v1/records/evidence/{ev.pk}/device-reviews", data={"conforms": True, "opinion": ""},
                    content_type="application/json")
    assert r.status_code == 400 and r.json()["rule"] == "PEN-15"
    items = client.get(f"/api/v1/records/cases/{case.pk}/evidence").json()
    assert items[0]["monitoring_device"] == "JK-001"
    assert items[0]["device_review"]["state"] == "conforms" and items[0]["relied_on"] is False
    equipment = client.get("/api/v1/records/equipment").json()
    assert equipment[0]["monitoring_devices"] == 1


def test_admin_registers_a_monitoring_device_or_shows_the_refusal(world, client):
    client.force_login(world["root"])
    url = reverse("admin:records_bodycamera_add")
    assert client.get(url).status_code == 200
    base = {"agency": world["agency"].pk, "kind": "monitoring", "number": "JK-009", "model_name": "",
            "acquired_on": "", "location": "东湖路口", "approval_ref": "", "approved_on": "",
            "location_published_on": "", "location_published_where": ""}
    r = client.post(url, base)
    assert r.status_code == 200 and "法制和技术审核" in r.content.decode()
    assert not BodyCamera.objects.exists()
    r = client.post(url, {**base, "approval_ref": "法审〔2026〕9号", "approved_on": (TODAY - dt.timedelta(10)).isoformat(),
                          "location_published_on": (TODAY - dt.timedelta(5)).isoformat(),
                          "location_published_where": "门户网站"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert BodyCamera.objects.get().kind == "monitoring"
    assert Entry.objects.filter(kind="monitoring_device_registered").count() == 1
    r = client.post(url, {**base, "kind": "body_camera"})
    assert r.status_code == 200 and "已登记" in r.content.decode()


def test_api_upload_of_a_device_record(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world["lead"])
    url = f"/api/v1/records/cases/{world['case'].pk}/evidence"
    started = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    def post(device):
        return client.post(url, {"file": SimpleUploadedFile("snap.png", png_bytes(), content_type="image/png"),
                                 "act": "record_inspection", "kind": "photo", "title": "监控抓拍",
                                 "evidence_type": "electronic", "monitoring_device": device, "started_at": started})

    r = post("JK-001")
    assert r.status_code == 400 and r.json()["rule"] == "PEN-15" and "monitoring_device" in r.json()["fields"]
    assert not Evidence.objects.exists() and stored_files() == []
    register_device(world)
    r = post("JK-001")
    assert r.status_code == 201, r.content
    assert r.json()["monitoring_device"] == "JK-001" and r.json()["device_review"]["state"] == "unreviewed"


def test_public_list_of_monitoring_device_locations(world, client):
    """PEN-15: the locations of approved devices are public (no login); body cameras, devices taken
    out of service and devices of other agencies when filtering are not listed."""
    from zhifa.records.models import BodyCamera

    register_device(world)
    register_device(world, number="JK-002", location="解放路与建设路交叉口")
    BodyCamera.objects.filter(number="JK-002").update(in_service=False)
    BodyCamera.objects.create(agency=world["agency"], number="ZF-CAM-9", kind=BodyCamera.Kind.BODY_CAMERA)
    client.logout()
    page = client.get("/records/monitoring-devices/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "人民路与解放路交叉口" in body and "江川市监法审〔2026〕3号" in body and "JK-001" in body
    assert "JK-002" not in body and "ZF-CAM-9" not in body
    other = client.get("/records/monitoring-devices/", {"agency": world["agency"].pk + 1000}).content.decode()
    assert "JK-001" not in other and "暂无公布" in other
    assert "/records/monitoring-devices/" in client.get("/publicity/").content.decode()
