"""The case file (R6, REC-04): closing builds a self-contained package that passes the four checks
of electronic archives; tampering fails them; the command reports them."""

import io
import json
import os
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from zhifa.cases.engine import case_transition
from zhifa.core.errors import Conflict
from zhifa.core.filestore import filestore_open, filestore_put
from zhifa.ledger import keys
from zhifa.records import archive
from zhifa.records.models import ArchivePackage
from zhifa.records.services import custodian_set, evidence_add, evidence_annotate, evidence_withdraw

from .conftest import VIDEO_META, mp4_bytes, pdf_bytes, png_bytes, wav_bytes


@pytest.fixture(autouse=True)
def ledger_key():
    if not keys.key_path().exists():
        keys.generate()


@pytest.fixture
def decision_pdf():
    stored = filestore_put(pdf_bytes())

    def provider(case):
        return [archive.ArchiveDocument(order=30, title="行政处罚决定书", number="江川市监罚决〔2026〕1号",
                                        file=stored.name, sha256=stored.sha256, sm3=stored.sm3, size=stored.size),
                archive.ArchiveDocument(order=10, title="立案审批表", number="江川市监立〔2026〕1号",
                                        file=stored.name, sha256=stored.sha256, sm3=stored.sm3, size=stored.size)]

    archive.register_archive_documents(provider)
    yield stored
    archive._PROVIDERS.remove(provider)


def _evidence(world):
    case, lead = world["case"], world["lead"]
    v = evidence_add(case=case, actor=lead, source=mp4_bytes(), file_name="seize.mp4", declared_type="video/mp4",
                     **VIDEO_META)
    evidence_annotate(evidence=v, actor=lead, text="00:00–03:10 张贴封条，清点货物 12 箱")
    p = evidence_add(case=case, actor=lead, source=png_bytes(), file_name="p.png", declared_type="image/png",
                     act="seize", kind="photo", title="封条照片", evidence_type="physical")
    evidence_withdraw(evidence=p, actor=lead, reason="拍摄对象有误")
    evidence_add(case=case, actor=lead, source=wav_bytes(0.3), file_name="a.wav", declared_type="audio/wav",
                 act="record_interview", kind="audio", title="询问录音", device="DSJ-002", confidentiality="personal")
    evidence_add(case=case, actor=lead, source=png_bytes(color=(1, 2, 3)), file_name="s.png",
                 declared_type="image/png", act="seize", kind="photo", title="涉密图纸", evidence_type="documentary",
                 confidentiality="state_secret")


def _archive(world, django_capture_on_commit_callbacks):
    case, lead = world["case"], world["lead"]
    case_transition(case=case, action="file", actor=lead)
    _evidence(world)
    case_transition(case=case, action="close", actor=lead)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=case, action="archive", actor=world["archivist"])
    return ArchivePackage.objects.get(case=case)


def test_closing_builds_a_package_that_passes_the_four_checks(world, decision_pdf,
                                                               django_capture_on_commit_callbacks):
    custodian_set(agency=world["agency"], user=world["archivist"], actor=world["root"], location="档案室 A")
    pkg = _archive(world, django_capture_on_commit_callbacks)
    assert all(pkg.checks[k]["ok"] for k, _ in archive.CHECKS), pkg.checks
    assert pkg.custodian == world["archivist"] and pkg.retention_years == 30
    assert pkg.retain_until.year == pkg.built_at.year + 30
    assert not os.stat(default_storage.path(pkg.file)).st_mode & 0o222
    with filestore_open(pkg.file) as f, zipfile.ZipFile(io.BytesIO(f.read())) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        toc = zf.read("目录.html").decode()
        evidence = json.loads(zf.read("evidence.json"))
    assert {"目录.html", "case.json", "evidence.json", "status_history.json", "ledger/entries.json",
            "ledger/proofs.json", "ledger/verify_proof.py"} <= names
    # Documents in standard order (立案审批表 before 决定书), each listed in the table of contents.
    docs = sorted(n for n in names if n.startswith("documents/"))
    assert docs == ["documents/01-立案审批表.pdf", "documents/02-行政处罚决定书.pdf"]
    assert toc.index("立案审批表") < toc.index("行政处罚决定书")
    # Every evidence item is listed; the withdrawn one is marked; the state secret is not packed.
    by_no = {x["number"]: x for x in evidence}
    assert sorted(by_no) == [1, 2, 3, 4]
    assert by_no[1]["annotation"].startswith("00:00") and by_no[2]["withdrawn"]
    assert by_no[4]["path"] == "" and not any(n.startswith("evidence/0004") for n in names)
    assert "按保密规定另行保管" in toc
    assert set(manifest["files"]) == names - {"manifest.json"}
    # The retention of AV material follows the catalog setting when longer (REC-04).
    assert pkg.manifest["retention_years"] == 30


def test_tampered_package_fails_and_the_command_says_so(world, django_capture_on_commit_callbacks, capsys):
    custodian_set(agency=world["agency"], user=world["archivist"], actor=world["root"])
    pkg = _archive(world, django_capture_on_commit_callbacks)
    call_command("archive", "check", str(world["case"].pk))
    out = capsys.readouterr().out
    assert "真实性" in out and "完整性" in out and "可用性" in out and "安全性" in out and "四性检测通过" in out
    path = default_storage.path(pkg.file)
    os.chmod(path, 0o644)
    data = bytearray(open(path, "rb").read())
    data[200:203] = b"XYZ"
    open(path, "wb").write(bytes(data))
    result = archive.archive_check(pkg)
    assert not result["authenticity"]["ok"] and not result["security"]["ok"]
    with pytest.raises(CommandError):
        call_command("archive", "check", world["case"].number or str(world["case"].pk))


def test_no_evidence_changes_after_archiving(world, django_capture_on_commit_callbacks):
    pkg = _archive(world, django_capture_on_commit_callbacks)
    assert not pkg.checks["security"]["ok"]  # no custodian named for the agency
    assert any("未指定本机关档案保管人" in i["message"] for i in pkg.checks["security"]["items"])
    with pytest.raises(Conflict) as exc:
        evidence_add(case=world["case"], actor=world["lead"], source=png_bytes(), file_name="late.png",
                     declared_type="image/png", act="x", kind="photo", title="补充", evidence_type="physical")
    assert exc.value.rule == "REC-04"


def test_retention_setting(world, settings, django_capture_on_commit_callbacks):
    settings.ZHIFA_ARCHIVE_RETENTION_YEARS = 0  # permanent
    pkg = _archive(world, django_capture_on_commit_callbacks)
    assert pkg.retention_years is None and pkg.retain_until is None
