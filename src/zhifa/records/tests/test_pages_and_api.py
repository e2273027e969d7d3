"""Officer pages and the API (issue 6 item 7): upload from the case page, list, annotate, withdraw,
access refused then approved, chunked upload over HTTP, equipment ratio."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhifa.records.models import AccessLog, Evidence
from zhifa.records.services import body_camera_register, evidence_add, recording_room_register

from .conftest import VIDEO_META, mp4_bytes, pdf_bytes, png_bytes


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client
    return login


def test_officer_uploads_from_the_case_page_and_sees_the_list(world, as_user):
    c = as_user(world["lead"])
    url = reverse("records:evidence", args=[world["case"].pk])
    page = c.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'accept="image/*,video/*"' in html and "capture" in html
    r = c.post(reverse("records:evidence_upload", args=[world["case"].pk]), {
        "camera": SimpleUploadedFile("IMG_0001.png", png_bytes(), content_type="image/png"),
        "title": "现场照片", "act": "record_inspection", "kind": "photo", "evidence_type": "inspection_record",
        "confidentiality": "internal", "lawful_acquisition": "on"})
    assert r.status_code == 302
    ev = Evidence.objects.get()
    assert ev.title == "现场照片" and ev.created_by == world["lead"]
    assert "现场照片" in c.get(url).content.decode()
    # A PDF sent as a photo is refused with the Chinese reason, nothing kept.
    r = c.post(reverse("records:evidence_upload", args=[world["case"].pk]), {
        "camera": SimpleUploadedFile("IMG_0002.jpg", pdf_bytes(), content_type="image/jpeg"),
        "title": "x", "act": "x", "kind": "photo", "evidence_type": "physical"}, follow=True)
    assert "不符" in r.content.decode() and Evidence.objects.count() == 1
    # Annotate and withdraw from the detail page.
    c.post(reverse("records:evidence_annotate", args=[world["case"].pk, 1]),
           {"text": "货架", "speaker": ["", ""], "says": ["", ""], "at": ["", ""]})
    c.post(reverse("records:evidence_withdraw", args=[world["case"].pk, 1]), {"reason": "误传"})
    detail = c.get(reverse("records:evidence_detail", args=[world["case"].pk, 1])).content.decode()
    assert "货架" in detail and "已撤回" in detail
    f = c.get(reverse("records:evidence_file", args=[world["case"].pk, 1]))
    assert f.status_code == 200 and b"".join(f.streaming_content) == png_bytes()
    actions = list(AccessLog.objects.filter(user=world["lead"]).values_list("action", flat=True))
    assert {"list", "view", "download"} <= set(actions)


def test_outsider_page_refused_then_approved(world, as_user, client):
    evidence_add(case=world["case"], actor=world["lead"], source=png_bytes(), file_name="p.png",
                 declared_type="image/png", act="x", kind="photo", title="照片", evidence_type="physical")
    c = as_user(world["outsider"])
    url = reverse("records:evidence_detail", args=[world["case"].pk, 1])
    r = c.get(url)
    assert r.status_code == 403 and "调阅申请" in r.content.decode()
    c.post(reverse("records:access_request", args=[world["case"].pk]), {"reason": "案卷评查"})
    assert c.get(url).status_code == 403
    c.force_login(world["archivist"])
    inbox = c.get(reverse("records:access_inbox")).content.decode()
    assert "案卷评查" in inbox
    from zhifa.records.models import AccessRequest

    req = AccessRequest.objects.get()
    c.post(reverse("records:access_decide", args=[req.pk]), {"approved": "1", "valid_until": ""})
    c.force_login(world["outsider"])
    assert c.get(url).status_code == 200
    c.force_login(world["supervisor"])
    log = c.get(reverse("records:access", args=[world["case"].pk])).content.decode()
    assert "拒绝（未经批准）" in log and "经批准调阅" in log


def test_api_chunked_upload_and_list(world, as_user):
    c = as_user(world["lead"])
    data = mp4_bytes(50_000)
    r = c.post("/api/v1/records/uploads", json.dumps({"case": world["case"].pk, "file_name": "seize.mp4",
                                                       "declared_type": "video/mp4", "total_size": len(data),
                                                       "metadata": VIDEO_META}), content_type="application/json")
    assert r.status_code == 201, r.content
    token = r.json()["token"]
    r = c.put(f"/api/v1/records/uploads/{token}?offset=0", data[:20_000], content_type="application/octet-stream")
    assert r.json()["offset"] == 20_000
    r = c.put(f"/api/v1/records/uploads/{token}?offset=0", data[:20_000], content_type="application/octet-stream")
    assert r.status_code == 409 and r.json()["code"] == "offset_mismatch"
    assert c.get(f"/api/v1/records/uploads/{token}").json()["offset"] == 20_000
    c.put(f"/api/v1/records/uploads/{token}?offset=20000", data[20_000:], content_type="application/octet-stream")
    r = c.post(f"/api/v1/records/uploads/{token}/complete")
    assert r.status_code == 201 and r.json()["number"] == 1 and r.json()["kind"] == "video"
    listed = c.get(f"/api/v1/records/cases/{world['case'].pk}/evidence").json()
    assert [e["number"] for e in listed] == [1]
    r = c.post(f"/api/v1/records/cases/{world['case'].pk}/evidence",
               {"file": SimpleUploadedFile("a.png", pdf_bytes(), content_type="image/png"), "act": "x",
                "kind": "photo", "title": "t", "evidence_type": "physical"})
    assert r.status_code == 400 and r.json()["code"] == "type_mismatch" and r.json()["rule"] == "REC-03"


def test_api_refuses_outsider(world, as_user):
    c = as_user(world["outsider"])
    r = c.get(f"/api/v1/records/cases/{world['case'].pk}/evidence")
    assert r.status_code == 403 and r.json()["rule"] == "REC-05"


def test_equipment_ratio_against_one_per_five(world, as_user):
    agency = world["agency"]  # six officers: two cameras needed
    body_camera_register(agency=agency, number="DSJ-001", actor=world["root"])
    recording_room_register(agency=agency, name="询问室一", kind="interview", actor=world["root"])
    c = as_user(world["head"])
    html = c.get(reverse("records:equipment")).content.decode()
    assert "缺 1 台" in html
    body_camera_register(agency=agency, number="DSJ-002", actor=world["root"])
    html = c.get(reverse("records:equipment")).content.decode()
    assert "达标" in html and "1 : 3.0" in html
    rows = c.get("/api/v1/records/equipment").json()
    assert rows[0]["cameras"] == 2 and rows[0]["required"] == 2 and rows[0]["meets"]


def test_demo_equipment_loads_once(world):
    import io

    from zhifa.records import demo
    from zhifa.records.models import BodyCamera, RecordingRoom

    out = io.StringIO()
    demo.load(stdout=out)
    demo.load(stdout=out)  # idempotent
    assert BodyCamera.objects.filter(agency=world["agency"], kind="body_camera").count() == 2  # six officers, one per five
    device = BodyCamera.objects.get(agency=world["agency"], kind="monitoring")  # PEN-15: approved and published
    assert device.approval_ref and device.approved_on and device.location_published_on
    assert RecordingRoom.objects.filter(agency=world["agency"]).count() == 2
