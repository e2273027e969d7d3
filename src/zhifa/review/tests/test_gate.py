"""The decision gate (REV-01, REV-03; L1): no major decision without a passed review on the
current snapshot; any change after the pass voids it."""

from __future__ import annotations

import pytest

from zhifa.cases.engine import TransitionRefused, case_transition, transition_blockers
from zhifa.cases.services import party_add
from zhifa.catalog.services import setting_set
from zhifa.ledger.models import Entry
from zhifa.review import services
from zhifa.review.models import Review
from zhifa.review.requirements import review_required

from .conftest import AGREE, make_case


def _pass(world, case):
    services.review_submit(case=case, actor=world["u_zhang"])
    review = Review.objects.get(case=case)
    services.review_assign(review=review, reviewer=world["wang"], actor=world["u_wang"])
    return services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="agree", checklist=AGREE,
                                        summary="事实清楚，证据充分，同意。")


def test_catalog_major_decision_without_review_is_refused(world):
    case = make_case(world)
    reasons = review_required(case)
    assert any("目录" in r and "REV-03" in r for r in reasons)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="decide", actor=world["u_head"], data={})
    assert exc.value.rule == "REV-03"
    assert exc.value.code == "legal_review_required"
    case.refresh_from_db()
    assert case.state == "investigated"
    blockers = transition_blockers(case=case, action="decide")
    assert [b["rule"] for b in blockers] == ["REV-03"]


def test_statutory_ground_cites_rev01(world):
    case = make_case(world, fine="20000", circumstances=(), public_interest=True)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="decide", actor=world["u_head"], data={})
    assert exc.value.rule == "REV-01"


def test_below_catalogue_no_review_needed(world):
    case = make_case(world, fine="20000", circumstances=())
    assert review_required(case) == []
    # 20,000 is below the statutory minimum: not a review question but the discretion gate's.
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="decide", actor=world["u_head"], data={})
    assert exc.value.rule == "REV-08"


def test_review_all_ordinary_setting(world):
    case = make_case(world, fine="60000")
    setting_set(key="review_all_ordinary", value=True, agency=world["agency"], actor=world["root"])
    assert any("一律" in r for r in review_required(case))


def test_passed_review_lets_the_decision_through(world):
    case = make_case(world)
    opinion = _pass(world, case)
    assert opinion.conclusion == "agree" and len(opinion.signature) == 64
    entry = case_transition(case=case, action="decide", actor=world["u_head"], data={"fine_amount": "60000"})
    assert entry.to_state == "decided"
    assert Entry.objects.filter(kind="legal_review_opinion_signed").count() == 1
    submitted = Entry.objects.get(kind="legal_review_submitted")
    assert submitted.payload["snapshot_digest"] == Review.objects.get(case=case).round_rows.get().digest


def test_evidence_added_after_pass_voids_it(world):
    case = make_case(world)
    _pass(world, case)
    from zhifa.cases.models import Case

    Case.objects.filter(pk=case.pk).update(state="registered")
    case.refresh_from_db()
    case_transition(case=case, action="record_inspection", actor=world["u_zhang"], data={"note": "补充检查：发现库存"})
    Case.objects.filter(pk=case.pk).update(state="investigated")
    case.refresh_from_db()
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="decide", actor=world["u_head"], data={})
    assert exc.value.code == "legal_review_void"
    assert "现场检查笔录" in exc.value.message


def test_changed_proposal_after_pass_voids_it(world):
    case = make_case(world)
    _pass(world, case)
    case_transition(case=case, action="propose", actor=world["u_zhang"],
                    data={"outcome": "penalty", "penalty_types": ["fine"], "fine_amount": "64000",
                          "circumstances": ["eliminated_harm"], "reasons_evidence": "同上"})
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="decide", actor=world["u_head"], data={})
    assert exc.value.code == "legal_review_void"
    # Resubmitting and passing again opens the gate; the first round is kept.
    review = Review.objects.get(case=case)
    services.review_submit(case=case, actor=world["u_zhang"], note="调整罚款数额")
    review.refresh_from_db()
    assert review.status == "assigned" and review.reviewer == world["wang"]  # same reviewer continues
    services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="agree", checklist=AGREE,
                                 summary="同意。")
    assert review.round_rows.count() == 2
    case_transition(case=case, action="decide", actor=world["u_head"], data={})


def test_new_party_after_pass_voids_it(world):
    case = make_case(world)
    _pass(world, case)
    party_add(case=case, actor=world["u_zhang"], kind="person", name="王某",
              id_number=_rid())
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="decide", actor=world["u_head"], data={})
    assert exc.value.code == "legal_review_void"


def _rid():
    import datetime as dt

    from zhifa.org.identity_fixtures import make_resident_id

    return make_resident_id("369100", dt.date(1990, 1, 2), 21)


def test_decision_differing_from_the_reviewed_penalty_is_refused(world):
    case = make_case(world)
    _pass(world, case)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="decide", actor=world["u_head"], data={"fine_amount": "90000"})
    assert exc.value.code == "legal_review_void" and exc.value.fields == {"fine_amount": exc.value.message}
