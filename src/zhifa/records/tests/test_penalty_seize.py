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
