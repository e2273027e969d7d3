"""REC-02 on the real penalty procedure: a seizure (查封、扣押) cannot be recorded without its video."""

import pytest
from django.contrib.auth import get_user_model

from zhifa.cases.engine import TransitionRefused, case_transition
from zhifa.cases.testing import make_world, register_case
from zhifa.catalog.models import AvRecordingItem
from zhifa.records.services import evidence_add

from .conftest import VIDEO_META, mp4_bytes, publish_av_item

SEIZE = {"certificates_shown": True, "items": "预包装食品 12 箱", "head_approved": True}


def test_seizure_needs_its_video_in_penalty_general(db):
    w = make_world()
    publish_av_item(w.agency, w.actor, act_code="seize", name="查封、扣押财物",
                    requirement=AvRecordingItem.Requirement.MANDATORY)
    officer_user = get_user_model().objects.create_user("li-ming", password="pw-records-1", officer=w.officers[0],
                                                        agency=w.agency, is_staff=True)
    case = register_case(w)
    case_transition(case=case, action="file", actor=w.actor, data={"head_approved": True, "opinion": "立案"})
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="seize", actor=w.actor, data=SEIZE)
    assert exc.value.rule == "REC-02"
    evidence_add(case=case, actor=officer_user, source=mp4_bytes(), file_name="seize.mp4", declared_type="video/mp4",
                 **VIDEO_META)
    entry = case_transition(case=case, action="seize", actor=w.actor, data=SEIZE)
    assert entry.action == "seize"


def test_case_file_includes_the_generated_documents(db, django_capture_on_commit_callbacks):
    import io
    import zipfile

    from zhifa.core.filestore import filestore_open
    from zhifa.ledger import keys
    from zhifa.records.archive import archive_build

    if not keys.key_path().exists():
        keys.generate()
    w = make_world()
    case = register_case(w)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=case, action="file", actor=w.actor, data={"head_approved": True, "opinion": "立案"})
    pkg = archive_build(case=case, actor=None)
    with filestore_open(pkg.file) as f, zipfile.ZipFile(io.BytesIO(f.read())) as zf:
        docs = [n for n in zf.namelist() if n.startswith("documents/")]
        toc = zf.read("目录.html").decode()
    assert docs == ["documents/01-立案审批表.pdf"] and "立案审批表" in toc
    assert pkg.checks["usability"]["ok"], pkg.checks["usability"]
