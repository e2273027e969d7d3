from decimal import Decimal

import pytest

from zhifa.catalog import services
from zhifa.catalog.discretion import statutory_fine_max
from zhifa.catalog.models import AvRecordingItem, MajorDecisionCriterion

from .conftest import make_penalty_matter

pytestmark = pytest.mark.django_db


@pytest.fixture
def matter(agency, admin_user, food_basis):
    return make_penalty_matter(agency, admin_user, food_basis)


def test_general_tier_by_default(matter):
    r = services.benchmark_apply(matter=matter, circumstances={})
    assert r.tier == "general"
    assert (r.range.minimum, r.range.maximum) == (Decimal("65000"), Decimal("85000"))
    assert any("食品安全法" in b for b in r.basis)


def test_first_offence_may_be_no_penalty(matter):
    r = services.benchmark_apply(matter=matter, circumstances={
        "first_offence": True, "harm_minor": True, "corrected_promptly": True})
    assert r.tier == "no_penalty" and r.mandatory is False and r.range is None


def test_no_fault_is_mandatory_no_penalty(matter):
    r = services.benchmark_apply(matter=matter, circumstances={"no_fault": True, "serious_harm": True})
    assert r.tier == "no_penalty" and r.mandatory and "PEN-10" in r.rules


def test_aggravating_gives_heavier(matter):
    r = services.benchmark_apply(matter=matter, circumstances={"aggravating": ["serious_harm"]})
    assert r.tier == "heavier" and r.range.maximum == Decimal("100000")


def test_pen09_ground_overrides_heavier(matter):
    r = services.benchmark_apply(matter=matter, circumstances={"aggravating": ["serious_harm"],
                                                               "mitigating": ["confessed"]})
    assert r.tier == "lighter" and "PEN-09" in r.rules


def test_deviation_needs_reason_and_collective_discussion(matter):
    r = services.benchmark_apply(matter=matter, circumstances={})
    inside = services.deviation_requires(result=r, proposed_amount=70000)
    assert not inside.deviates and not inside.collective_discussion_required
    out = services.deviation_requires(result=r, proposed_amount=90000)
    assert out.deviates and out.allowed and out.reason_required and out.collective_discussion_required
    assert out.rule == "REV-10"
    beyond = services.deviation_requires(result=r, proposed_amount=120000)
    assert not beyond.allowed and beyond.rule == "REV-09"


def test_multiples_of_goods_value(agency, admin_user, food_basis):
    m = make_penalty_matter(agency, admin_user, food_basis, code="M-2", fine_min=None, fine_max=None,
                            multiple_min="10", multiple_max="20", multiple_of="goods_value")
    m.tiers.all()  # tiers carry fine ranges; add a multiple tier via update
    services.matter_update(matter=m, actor=admin_user, tiers=[
        {"tier": "general", "conditions": "一般", "multiple_min": "12", "multiple_max": "16"}])
    r = services.benchmark_apply(matter=m, circumstances={"goods_value": "20000"})
    assert (r.range.minimum, r.range.maximum) == (Decimal("240000.00"), Decimal("320000.00"))


def test_the_statutory_range_is_the_multiples_when_they_apply(agency, admin_user, food_basis):
    """食品安全法 Art. 124 style: 五万元以上十万元以下 below 一万元 of goods, 十倍以上二十倍以下 from
    there up. A fine above the fixed maximum is lawful once the multiples apply (REV-09)."""
    m = make_penalty_matter(agency, admin_user, food_basis, code="M-3", fine_min="50000", fine_max="100000",
                            multiple_min="10", multiple_max="20", multiple_of="goods_value",
                            multiple_threshold="10000")
    services.matter_update(matter=m, actor=admin_user, tiers=[
        {"tier": "general", "conditions": "一般", "fine_min": "60000", "fine_max": "80000",
         "multiple_min": "12", "multiple_max": "16"}])
    big = services.benchmark_apply(matter=m, circumstances={"goods_value": "30000"})
    assert (big.statutory.minimum, big.statutory.maximum) == (Decimal("300000.00"), Decimal("600000.00"))
    assert services.deviation_requires(result=big, proposed_amount=400000).allowed
    assert not services.deviation_requires(result=big, proposed_amount=600001).allowed
    assert statutory_fine_max(m, goods_value="30000")[0] == Decimal("600000.00")
    small = services.benchmark_apply(matter=m, circumstances={"goods_value": "5000"})
    assert (small.statutory.minimum, small.statutory.maximum) == (Decimal("50000"), Decimal("100000"))
    assert not services.deviation_requires(result=small, proposed_amount=400000).allowed


def test_major_decision_match(agency, other_agency, admin_user, matter):
    assert services.major_decision_match(agency=agency, matter=matter, penalty_types=["fine"], amount=1000) == []
    row = services.list_item_create(model=MajorDecisionCriterion, agency=agency, actor=admin_user,
                                    title="罚款金额五万元以上的行政处罚", matter_kind="penalty", penalty_type="fine",
                                    amount_threshold="50000")
    assert services.major_decision_match(agency=agency, matter=matter, penalty_types=["fine"], amount=60000) == []
    for action in ("submit", "pass", "publish"):
        services.list_item_transition(item=row, action=action, actor=admin_user)
    reasons = services.major_decision_match(agency=agency, matter=matter, penalty_types=["fine"], amount=60000)
    assert len(reasons) == 1 and "REV-03" in reasons[0]
    assert services.major_decision_match(agency=agency, matter=matter, penalty_types=["fine"], amount=40000) == []
    assert services.major_decision_match(agency=other_agency, matter=matter, penalty_types=["fine"], amount=60000) == []
    both = services.major_decision_match(agency=agency, matter=matter, penalty_types=["fine"], amount=60000,
                                         hearing_held=True, public_interest=True)
    assert len(both) == 3


def test_list_item_bad_requirement_refused(agency, admin_user):
    from zhifa.core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        services.list_item_create(model=AvRecordingItem, agency=agency, actor=admin_user, act_code="A1",
                                  name="查封", requirement="sometimes", retention="30年")
    assert "requirement" in exc.value.fields
    assert not AvRecordingItem.objects.exists()
