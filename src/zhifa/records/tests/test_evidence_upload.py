"""Evidence upload (issue 6 items 1–3; PEN-21, REC-03): streamed, hashed, type-checked, numbered,
on the ledger; refusals leave nothing."""

import hashlib
import os

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from zhifa.cases.snapshot import case_snapshot_digest
from zhifa.core.append_only import AppendOnlyError
from zhifa.core.errors import Conflict, DomainError, PermissionDeniedError
from zhifa.ledger.models import Entry
from zhifa.records.models import Evidence, EvidenceAnnotation
from zhifa.records.services import evidence_add, evidence_annotate, evidence_withdraw

from .conftest import VIDEO_META, jpeg_bytes, mp4_bytes, pdf_bytes, png_bytes, wav_bytes


def stored_files() -> set[str]:
    root = default_storage.path("cas")
    out = set()
    for dirpath, _, files in os.walk(root):
        out |= {os.path.join(dirpath, f) for f in files}
    return out


def add_photo(world, data=None, **kw):
    meta = {"act": "record_inspection", "kind": "photo", "title": "现场照片", "evidence_type": "inspection_record"}
    meta.update(kw)
    return evidence_add(case=world["case"], actor=world["lead"], source=data or png_bytes(), file_name="scene.png",
                        declared_type="image/png", **meta)


def test_photo_is_stored_hashed_numbered_and_on_the_ledger(world):
    data = png_bytes()
    ev = add_photo(world, data, recorder=world["officers"][0].pk, place="某路 1 号", confidentiality="personal")
    assert ev.number == 1
    assert ev.sha256 == hashlib.sha256(data).hexdigest()
    assert ev.sm3 == hashlib.new("sm3", data).hexdigest()
    assert ev.size == len(data) and ev.detected_type == "image/png"
    assert ev.media["tracks"][0]["width"] == 64
    path = default_storage.path(ev.file)
    assert open(path, "rb").read() == data
    assert not os.stat(path).st_mode & 0o222  # read-only on disk
    entry = Entry.objects.get(kind="evidence_added")
    assert {"file": ev.file, "sha256": ev.sha256, "sm3": ev.sm3, "size": ev.size} in entry.covers
    assert entry.payload["number"] == 1 and entry.payload["confidentiality"] == "personal"
    second = add_photo(world, jpeg_bytes(), title="第二张")
    assert second.number == 2


def test_same_content_twice_is_stored_once(world):
    data = png_bytes()
    a, b = add_photo(world, data), add_photo(world, data)
    assert (a.number, b.number) == (1, 2) and a.file == b.file
    assert len(stored_files()) == 1


def test_audio_gets_duration_and_speakers(world):
    ev = evidence_add(case=world["case"], actor=world["co"], source=wav_bytes(2.0), file_name="询问.wav",
                      declared_type="audio/wav", act="record_interview", kind="audio", title="询问录音",
                      device="DSJ-002", started_at="2026-11-30T09:00:00",
                      speakers=[{"speaker": "张伟（执法人员）", "says": "请说明经营情况。", "at": "00:00:05"},
                                {"speaker": "当事人", "says": "我没有办许可证。", "at": "00:00:12"}])
    assert ev.evidence_type == "audiovisual"
    assert 1900 <= ev.duration_ms <= 2100
    assert ev.ended_at is not None and (ev.ended_at - ev.started_at).total_seconds() == pytest.approx(2, abs=0.2)
    note = ev.annotations.get()
    assert note.speakers[1]["speaker"] == "当事人"


@pytest.mark.parametrize("declared,name,data", [
    ("image/jpeg", "photo.jpg", pdf_bytes()),  # content is a PDF
    ("video/mp4", "seize.mp4", png_bytes()),  # content is an image
    ("image/png", "scene.png", b"MZ\x90\x00" + b"\x00" * 200),  # an executable
])
def test_content_type_mismatch_is_refused_and_nothing_kept(world, declared, name, data):
    kind = "video" if declared.startswith("video") else "photo"
    before_entries = Entry.objects.count()
    with pytest.raises(DomainError) as exc:
        evidence_add(case=world["case"], actor=world["lead"], source=data, file_name=name, declared_type=declared,
                     act="seize", kind=kind, title="x", device="DSJ-001", evidence_type="physical")
    assert exc.value.code == "type_mismatch" and "不符" in exc.value.message
    assert Evidence.objects.count() == 0
    assert Entry.objects.count() == before_entries
    assert stored_files() == set()
    assert not os.listdir(default_storage.path("tmp"))  # no spool left behind


def test_extension_and_kind_must_agree_before_reading(world):
    with pytest.raises(DomainError) as exc:
        evidence_add(case=world["case"], actor=world["lead"], source=png_bytes(), file_name="scene.pdf",
                     declared_type="image/png", act="x", kind="photo", title="x", evidence_type="physical")
    assert exc.value.fields == {"file": "扩展名与申报类型不符"}
    with pytest.raises(DomainError) as exc:
        evidence_add(case=world["case"], actor=world["lead"], source=pdf_bytes(), file_name="a.pdf",
                     declared_type="application/pdf", act="x", kind="video", title="x", device="D",
                     evidence_type="audiovisual")
    assert "kind" in exc.value.fields


def test_empty_and_oversize_files_are_refused(world):
    with pytest.raises(DomainError) as exc:
        evidence_add(case=world["case"], actor=world["lead"], source=b"", file_name="e.png",
                     declared_type="image/png", act="x", kind="photo", title="空", evidence_type="physical")
    assert exc.value.code == "file_empty" and "空文件" in exc.value.message
    with pytest.raises(DomainError) as exc:
        evidence_add(case=world["case"], actor=world["lead"], source=iter([]), file_name="e.png",
                     declared_type="image/png", act="x", kind="photo", title="空", evidence_type="physical")
    assert exc.value.code == "file_empty"
    with override_settings(ZHIFA_EVIDENCE_MAX_BYTES=1000):
        with pytest.raises(DomainError) as exc:
            evidence_add(case=world["case"], actor=world["lead"], source=mp4_bytes(8192), file_name="big.mp4",
                         declared_type="video/mp4", **VIDEO_META)
    assert exc.value.code == "file_too_large" and "超过上传上限" in exc.value.message
    assert Evidence.objects.count() == 0 and stored_files() == set()


def test_bad_metadata_names_the_fields(world):
    with pytest.raises(DomainError) as exc:
        evidence_add(case=world["case"], actor=world["lead"], source=mp4_bytes(), file_name="v.mp4",
                     declared_type="video/mp4", act="", kind="video", title="", evidence_type="rumour",
                     started_at="2026-11-30T10:00", ended_at="2026-11-30T09:00")
    assert {"act", "title", "evidence_type", "ended_at", "device"} <= set(exc.value.fields)
    assert stored_files() == set()


def test_only_the_case_team_uploads(world):
    with pytest.raises(PermissionDeniedError):
        evidence_add(case=world["case"], actor=world["outsider"], source=png_bytes(), file_name="a.png",
                     declared_type="image/png", act="x", kind="photo", title="x", evidence_type="physical")


def test_annotations_supersede_and_withdrawal_keeps_the_item(world):
    ev = add_photo(world, annotation="货架上的预包装食品")
    first = ev.annotations.get()
    second = evidence_annotate(evidence=ev, actor=world["co"], text="货架上无标签的预包装食品 12 箱")
    assert second.supersedes == first
    assert list(EvidenceAnnotation.objects.filter(evidence=ev).values_list("text", flat=True)) == [
        "货架上的预包装食品", "货架上无标签的预包装食品 12 箱"]
    with pytest.raises(DomainError):
        evidence_withdraw(evidence=ev, actor=world["lead"], reason=" ")
    w = evidence_withdraw(evidence=ev, actor=world["lead"], reason="误传了其他案件的照片")
    assert Evidence.objects.filter(pk=ev.pk).exists() and w.evidence_id == ev.pk
    assert default_storage.exists(ev.file)
    with pytest.raises(Conflict):
        evidence_withdraw(evidence=ev, actor=world["lead"], reason="再次")
    with pytest.raises(AppendOnlyError):
        Evidence.objects.filter(pk=ev.pk).update(title="改")
    with pytest.raises(AppendOnlyError):
        ev.delete()


def test_new_or_withdrawn_evidence_changes_the_case_snapshot(world):
    case = world["case"]
    d0 = case_snapshot_digest(case)
    ev = add_photo(world)
    d1 = case_snapshot_digest(case)
    evidence_withdraw(evidence=ev, actor=world["lead"], reason="误传")
    d2 = case_snapshot_digest(case)
    assert len({d0, d1, d2}) == 3
