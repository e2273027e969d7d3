"""A small world for records tests: one agency, a case team, people outside it, and a tiny
procedure whose seizure and inspection steps carry the REC-02 guard and whose archive step builds
the case file."""

import datetime as dt
import io
import struct
import wave

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from zhifa.cases.engine import Procedure, Transition, register_procedure
from zhifa.cases.services import case_register
from zhifa.catalog import services as catalog_services
from zhifa.catalog.models import AvRecordingItem
from zhifa.org import roles
from zhifa.org import services as org
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from zhifa.records.archive import archive_after_commit
from zhifa.records.guards import av_recording_guard
from django.utils import timezone

TODAY = timezone.localdate()

TEST_PROCEDURE = register_procedure(Procedure(
    name="records_test", label="记录测试程序", kind="penalty",
    states={"registered": "已登记", "filed": "已立案", "closed": "已结案", "archived": "已归档"},
    initial_action="register",
    transitions=(
        Transition("register", "登记", ("",), "registered", "case_registered"),
        Transition("file", "立案", ("registered",), "filed", "case_filed"),
        Transition("seize", "查封扣押", ("filed",), None, "property_seized", guards=(av_recording_guard("seize"),)),
        Transition("record_inspection", "现场检查", ("filed",), None, "inspection_recorded",
                   guards=(av_recording_guard("record_inspection"),)),
        Transition("close", "结案", ("filed",), "closed", "case_closed"),
        Transition("archive", "归档", ("closed",), "archived", "case_archived",
                   after_commit=(archive_after_commit,)),
    ),
))


def _user(username, *, officer=None, agency=None, groups=(), region=None):
    user = get_user_model().objects.create_user(username, password="pw-records-1", is_staff=True,
                                                officer=officer, agency=agency, supervised_region=region,
                                                display_name=username)
    all_groups = roles.ensure_groups()
    for g in groups:
        user.groups.add(all_groups[g])
    return user


@pytest.fixture(autouse=True)
def fresh_store(settings, tmp_path):
    """Each test gets an empty file store and spool, so "nothing kept" can be checked."""
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.ZHIFA_UPLOAD_SPOOL_DIR = tmp_path / "uploads"
    return tmp_path


@pytest.fixture
def world(db):
    return make_world()


def make_world() -> dict:
    root = get_user_model().objects.create_superuser("root", "root@example.cn", "zhifa-test-pass-1")
    province = org.region_create(code="369000", name="江南省", level="province", actor=root)
    city = org.region_create(code="369100", name="江川市", level="city", parent=province, actor=root)
    agency = org.agency_register(name="江川市市场监督管理局", credit_code=make_credit_code("369100", 1), region=city,
                                 actor=root, short_name="江川市监")
    officers = [org.officer_register(name=name, id_number=make_resident_id("369102", dt.date(1985, 3, 4), i + 11),
                                     agency=agency, actor=root)
                for i, name in enumerate(["张伟", "李娜", "王强", "赵敏", "陈刚", "刘洋"])]
    lead = _user("lead", officer=officers[0], agency=agency, groups=[roles.OFFICER])
    co = _user("co", officer=officers[1], agency=agency, groups=[roles.OFFICER])
    outsider = _user("outsider", officer=officers[2], agency=agency, groups=[roles.OFFICER])
    head = _user("head", agency=agency, groups=[roles.HEAD])
    archivist = _user("archivist", agency=agency, groups=[roles.ARCHIVIST])
    supervisor = _user("supervisor", groups=[roles.SUPERVISOR], region=city)
    case = case_register(procedure="records_test", agency=agency, lead_officer=officers[0], actor=lead,
                         discovered_on=TODAY, co_officers=[officers[1]], title="未取得食品经营许可从事食品经营活动",
                         source="inspection")
    return {"root": root, "city": city, "agency": agency, "officers": officers, "lead": lead, "co": co,
            "outsider": outsider, "head": head, "archivist": archivist, "supervisor": supervisor, "case": case}


def publish_av_item(agency, actor, *, act_code, requirement, name):
    item = catalog_services.list_item_create(model=AvRecordingItem, agency=agency, actor=actor, act_code=act_code,
                                             name=name, requirement=requirement, retention="30年",
                                             basis="国办发〔2018〕118号（八）")
    for action in ("submit", "pass", "publish"):
        catalog_services.list_item_transition(item=item, action=action, actor=actor)
    return item


# --- real small media files -----------------------------------------------------------------------------

def png_bytes(size=(64, 48), color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buf, format="JPEG")
    return buf.getvalue()


def wav_bytes(seconds=1.0, rate=8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", (i * 37) % 2000) for i in range(int(seconds * rate))))
    return buf.getvalue()


def mp4_bytes(payload: int = 4096) -> bytes:
    """An ISO base media file header (ftyp + free + mdat) that libmagic recognises as video/mp4."""
    ftyp = struct.pack(">I4s4sI", 24, b"ftyp", b"isom", 0x200) + b"isomiso2"
    free = struct.pack(">I4s", 8, b"free")
    mdat = struct.pack(">I4s", 8 + payload, b"mdat") + bytes(range(256)) * (payload // 256)
    return ftyp + free + mdat


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


VIDEO_META = {"act": "seize", "kind": "video", "title": "查封现场录像", "device": "DSJ-001",
              "place": "江川市清河区某路 1 号"}
