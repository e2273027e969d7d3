"""REC-02 (R3): a seizure cannot be recorded without its video; acts recorded as needed warn."""

import pytest

from zhifa.cases.engine import TransitionRefused, case_transition, transition_blockers
from zhifa.catalog.models import AvRecordingItem
from zhifa.records.services import evidence_add, evidence_withdraw

from .conftest import VIDEO_META, mp4_bytes, png_bytes, publish_av_item, wav_bytes


@pytest.fixture
def filed(world):
    publish_av_item(world["agency"], world["root"], act_code="seize", name="查封、扣押财物",
                    requirement=AvRecordingItem.Requirement.MANDATORY)
    publish_av_item(world["agency"], world["root"], act_code="record_inspection", name="现场检查",
                    requirement=AvRecordingItem.Requirement.AS_NEEDED)
    case_transition(case=world["case"], action="file", actor=world["lead"])
    return world


def test_seizure_cannot_be_recorded_without_its_video(filed):
    case, lead = filed["case"], filed["lead"]
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="seize", actor=lead)
    assert exc.value.rule == "REC-02" and exc.value.code == "av_recording_required"
    assert "查封、扣押财物" in exc.value.message
    assert transition_blockers(case=case, action="seize")[0]["rule"] == "REC-02"
    # A photo is not an audio-video recording; a video of another act does not count either.
    evidence_add(case=case, actor=lead, source=png_bytes(), file_name="p.png", declared_type="image/png", act="seize",
                 kind="photo", title="封条", evidence_type="physical")
    evidence_add(case=case, actor=lead, source=mp4_bytes(), file_name="i.mp4", declared_type="video/mp4",
                 **{**VIDEO_META, "act": "record_inspection"})
    with pytest.raises(TransitionRefused):
        case_transition(case=case, action="seize", actor=lead)
    video = evidence_add(case=case, actor=lead, source=mp4_bytes(), file_name="s.mp4", declared_type="video/mp4",
                         **VIDEO_META)
    entry = case_transition(case=case, action="seize", actor=lead)
    assert entry.action == "seize" and entry.warnings == []
    # A withdrawn recording no longer counts.
    evidence_withdraw(evidence=video, actor=lead, reason="误传")
    with pytest.raises(TransitionRefused):
        case_transition(case=case, action="seize", actor=lead)


def test_as_needed_act_warns_until_recording_or_reason(filed):
    case, lead = filed["case"], filed["lead"]
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="record_inspection", actor=lead)
    assert exc.value.code == "reason_required" and exc.value.rule == "REC-02"
    entry = case_transition(case=case, action="record_inspection", actor=lead,
                            warn_reason="现场笔录已全面记录检查过程，当事人签字确认")
    assert entry.warnings[0]["rule"] == "REC-02" and entry.reason.startswith("现场笔录")
    evidence_add(case=case, actor=lead, source=wav_bytes(0.5), file_name="a.wav", declared_type="audio/wav",
                 act="record_inspection", kind="audio", title="检查录音", device="DSJ-003")
    assert case_transition(case=case, action="record_inspection", actor=lead).warnings == []


def test_acts_not_on_the_published_list_pass(world):
    # A draft (unpublished) list row does not bind.
    from zhifa.catalog import services

    services.list_item_create(model=AvRecordingItem, agency=world["agency"], actor=world["root"], act_code="seize",
                              name="查封", requirement="mandatory", retention="30年")
    case_transition(case=world["case"], action="file", actor=world["lead"])
    assert case_transition(case=world["case"], action="seize", actor=world["lead"]).action == "seize"
