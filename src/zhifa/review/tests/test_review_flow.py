"""Submission, reviewers (REV-02), findings and rounds (L5), disagreement (L6, REV-07), time limits
(REV-06), collective discussion (REV-08) and responsibility (L7)."""

from __future__ import annotations

import datetime as dt

import pytest

from zhifa.cases.engine import TransitionRefused, case_transition
from zhifa.core.append_only import AppendOnlyError
from zhifa.core.errors import Conflict, DomainError, PermissionDeniedError
from zhifa.ledger.models import Entry
from zhifa.review import selectors, services
from zhifa.review.models import Meeting, Review, ReviewAlert, ReviewOpinion, ReviewRound
from zhifa.review.requirements import auto_checks, discussion_required

from .conftest import AGREE, make_case, with_finding


def _submit(world, case):
    services.review_submit(case=case, actor=world["u_zhang"], investigation_report="调查终结报告：事实清楚。")
    return Review.objects.get(case=case)


def test_submission_freezes_snapshot_and_sets_the_time_limit(world):
    case = make_case(world)
    rnd = services.review_submit(case=case, actor=world["u_zhang"], on_date=dt.date(2026, 9, 28))
    review = rnd.review
    assert review.body == world["legal"] and review.status == "pending"
    # REV-06: 10 working days from 28 Sep 2026 skip the National Day holiday.
    assert rnd.due_on == dt.date(2026, 10, 19) or rnd.due_on > dt.date(2026, 10, 9)
    assert rnd.snapshot["case"]["data"]["propose"]["fine_amount"] == "60000.00"
    assert any("目录" in r for r in rnd.reasons)
    with pytest.raises(AppendOnlyError):
        ReviewRound.objects.filter(pk=rnd.pk).update(note="改")
    with pytest.raises(Conflict):
        services.review_submit(case=case, actor=world["u_zhang"])


def test_incomplete_materials_are_refused_and_nothing_written(world):
    case = make_case(world, reasons_evidence="")
    before = Entry.objects.count()
    with pytest.raises(DomainError) as exc:
        services.review_submit(case=case, actor=world["u_zhang"])
    assert "investigation_report" in exc.value.fields
    assert not Review.objects.exists() and Entry.objects.count() == before


def test_only_the_case_team_or_head_submits(world):
    case = make_case(world)
    with pytest.raises(PermissionDeniedError):
        services.review_submit(case=case, actor=world["u_wang"])


def test_handler_cannot_review_their_own_case(world):
    case = make_case(world)
    review = _submit(world, case)
    with pytest.raises(DomainError) as exc:
        services.review_assign(review=review, reviewer=world["li"], actor=world["u_head"])
    assert exc.value.rule == "REV-02"
    # Even placed in the review body, a team member stays barred.
    from zhifa.org.services import officer_update

    officer_update(officer=world["zhang"], changes={"department": world["legal"],
                                                    "legal_qualification_number": "A1"}, actor=world["root"])
    world["zhang"].refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.review_assign(review=review, reviewer=world["zhang"], actor=world["u_head"])
    assert "承办人员" in exc.value.message


def test_first_time_reviewer_needs_the_qualification(world):
    case = make_case(world)
    review = _submit(world, case)
    with pytest.raises(DomainError) as exc:
        services.review_assign(review=review, reviewer=world["zhao"], actor=world["u_head"])
    assert exc.value.rule == "REV-02" and "法律职业资格" in exc.value.message
    # A reviewer who started before 15 July 2021 is not a first-time reviewer under the 2021 law.
    from zhifa.org.services import officer_update

    officer_update(officer=world["zhao"], changes={"first_review_date": dt.date(2019, 5, 1)}, actor=world["root"])
    world["zhao"].refresh_from_db()
    services.review_assign(review=review, reviewer=world["zhao"], actor=world["u_head"])


def test_only_the_assigned_reviewer_signs_and_the_checklist_is_complete(world):
    case = make_case(world)
    review = _submit(world, case)
    services.review_assign(review=review, reviewer=world["wang"], actor=world["u_wang"])
    with pytest.raises(PermissionDeniedError):
        services.review_opinion_sign(review=review, actor=world["u_zhao"], conclusion="agree", checklist=AGREE,
                                     summary="同意")
    partial = dict(AGREE)
    partial.pop("crime_referral")
    with pytest.raises(DomainError) as exc:
        services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="agree", checklist=partial,
                                     summary="同意")
    assert "crime_referral" in exc.value.fields
    with pytest.raises(DomainError):
        services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="agree",
                                     checklist=with_finding(), summary="同意")
    with pytest.raises(DomainError):
        services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="problems", checklist=AGREE,
                                     summary="有问题")


def test_finding_then_resubmit_then_pass(world):
    case = make_case(world)
    review = _submit(world, case)
    services.review_assign(review=review, reviewer=world["wang"], actor=world["u_wang"])
    op = services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="problems",
                                      checklist=with_finding(), summary="存在问题：证据不足。")
    assert op.findings == 1
    review.refresh_from_db()
    assert review.status == "returned"
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="decide", actor=world["u_head"], data={})
    assert exc.value.code == "legal_review_not_passed"
    with pytest.raises(DomainError):  # the resubmission must say how the findings were dealt with
        services.review_submit(case=case, actor=world["u_zhang"])
    services.review_submit(case=case, actor=world["u_zhang"], note="已补充货值金额证据。")
    review.refresh_from_db()
    assert review.rounds == 2 and review.status == "assigned"
    services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="agree", checklist=AGREE,
                                 summary="同意。")
    case_transition(case=case, action="decide", actor=world["u_head"], data={})
    assert ReviewOpinion.objects.filter(round__review=review).count() == 2
    report = selectors.reviewer_report(agencies=type(world["agency"]).objects.all())
    assert report[0]["opinions"] == 2 and report[0]["findings"] == 1 and report[0]["cases"] == 1
    units = selectors.unit_report(agencies=type(world["agency"]).objects.all())
    assert units[0]["rounds"] == 2 and units[0]["passed"] == 1


def test_disagreement_reaches_the_head_and_the_outcome_is_recorded(world):
    case = make_case(world)
    review = _submit(world, case)
    services.review_assign(review=review, reviewer=world["wang"], actor=world["u_wang"])
    services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="problems",
                                 checklist=with_finding("discretion", "应适用一般处罚阶次"), summary="裁量不当。")
    with pytest.raises(PermissionDeniedError):
        services.review_dispute(review=review, actor=world["u_wang"], objection="x")
    co = services.review_dispute(review=review, actor=world["u_zhang"],
                                 objection="当事人主动消除危害后果，有证据，适用从轻阶次正确。")
    review.refresh_from_db()
    assert review.status == "coordination"
    assert ReviewAlert.objects.filter(recipient=world["u_head"], kind="coordination").exists()
    with pytest.raises(Conflict):  # no resubmission while the head decides
        services.review_submit(case=case, actor=world["u_zhang"], note="x")
    with pytest.raises(PermissionDeniedError):
        services.coordination_decide(coordination=co, actor=world["u_wang"], outcome="overrule", note="x")
    outcome = services.coordination_decide(coordination=co, actor=world["u_head"], outcome="overrule",
                                           note="经研究，采纳承办机构意见。")
    assert Entry.objects.filter(kind="legal_review_coordinated").get().payload["outcome"] == "overrule"
    review.refresh_from_db()
    assert review.status == "passed"
    standing = selectors.review_standing(case)
    assert standing.satisfied and standing.how == "coordination"
    who = selectors.review_responsibility(case)
    roles_seen = [r["role"] for r in who]
    assert "协调决定（机关负责人）" in roles_seen and any("采纳" in r["what"] for r in who)
    case_transition(case=case, action="decide", actor=world["u_head"], data={})
    assert outcome.decided_by == world["u_head"]
    assert selectors.review_responsibility(case)[-1]["role"].startswith("作出决定")


def test_head_upholding_the_opinion_returns_the_case(world):
    case = make_case(world)
    review = _submit(world, case)
    services.review_assign(review=review, reviewer=world["wang"], actor=world["u_wang"])
    services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="problems",
                                 checklist=with_finding(), summary="证据不足。")
    co = services.review_dispute(review=review, actor=world["u_zhang"], objection="证据已足够。")
    services.coordination_decide(coordination=co, actor=world["u_head"], outcome="uphold", note="维持审核意见。")
    review.refresh_from_db()
    assert review.status == "returned"
    with pytest.raises(TransitionRefused):
        case_transition(case=case, action="decide", actor=world["u_head"], data={})


def _meeting(world, case, **kw):
    args = {"case": case, "actor": world["u_head"], "held_on": dt.date.today(), "chair": world["u_head"],
            "participants": [{"user": world["u_head"].pk, "opinion": "同意拟处理意见。"},
                             {"user": world["u_head2"].pk, "opinion": "同意，偏离基准理由充分。"}],
            "conclusion": "approve", "decision": "按拟处理意见作出处罚决定。"}
    args.update(kw)
    return services.meeting_record(**args)


def test_deviation_from_the_benchmark_without_collective_discussion_is_refused(world):
    # Eliminated harm points to 从轻 (50,000–65,000); 70,000 deviates (REV-10).
    case = make_case(world, fine="70000")
    assert any("偏离裁量基准" in r for r in discussion_required(case))
    review = _submit(world, case)
    services.review_assign(review=review, reviewer=world["wang"], actor=world["u_wang"])
    checks = auto_checks(case)
    assert checks["discretion"]["ok"] is False
    services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="agree", checklist=AGREE,
                                 summary="同意，偏离基准需集体讨论。")
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, action="decide", actor=world["u_head"], data={})
    assert exc.value.rule == "REV-08" and exc.value.code == "collective_discussion_required"
    with pytest.raises(DomainError) as err:  # one head is not a quorum
        _meeting(world, case, participants=[{"user": world["u_head"].pk, "opinion": "同意"}])
    assert err.value.rule == "REV-08"
    m = _meeting(world, case)
    assert m.reasons and selectors.discussion_standing(case)["satisfied"]
    with pytest.raises(AppendOnlyError):
        Meeting.objects.filter(pk=m.pk).update(decision="改")
    case_transition(case=case, action="decide", actor=world["u_head"], data={})


def test_rejecting_meeting_or_later_change_needs_a_new_discussion(world):
    case = make_case(world, fine="60000", serious=True)
    _meeting(world, case, conclusion="reject", decision="退回补充调查。")
    assert not selectors.discussion_standing(case)["satisfied"]
    _meeting(world, case)
    assert selectors.discussion_standing(case)["satisfied"]
    case_transition(case=case, action="propose", actor=world["u_zhang"],
                    data={"outcome": "penalty", "penalty_types": ["fine"], "fine_amount": "62000",
                          "circumstances": ["eliminated_harm"], "serious": True, "reasons_evidence": "同上"})
    assert not selectors.discussion_standing(case)["satisfied"]


def test_alerts_to_reviewer_and_head_and_overdue_for_supervisors(world):
    case = make_case(world)
    rnd = services.review_submit(case=case, actor=world["u_zhang"], on_date=dt.date.today() - dt.timedelta(days=30))
    review = rnd.review
    services.review_assign(review=review, reviewer=world["wang"], actor=world["u_wang"])
    sent = services.review_alerts_send(today=dt.date.today())
    assert sent == 3  # the reviewer and both heads
    assert services.review_alerts_send(today=dt.date.today()) == 0  # once only
    assert ReviewAlert.objects.filter(recipient=world["u_wang"], kind="overdue").exists()
    assert list(selectors.overdue_reviews(user=world["root"])) == [review]


def test_staffing_ratio(world):
    rows = selectors.staffing(agencies=type(world["agency"]).objects.all())
    row = rows[0]
    assert row["officers"] == 4 and row["reviewers"] == 2 and row["ratio"] == 50.0 and row["ok"]
    assert row["minimum"] == 5


def test_automatic_checks_name_officers_and_procedure(world):
    case = make_case(world)
    checks = auto_checks(case)
    assert checks["body_officers"]["ok"] is True
    assert any("现场检查笔录" in n for n in checks["procedure"]["notes"])
    assert checks["discretion"]["ok"] is True
    # An officer whose certificate is suspended fails item (1); 同意 is then refused.
    from zhifa.org.services import certificate_suspend

    certificate_suspend(certificate=world["li"].certificates.get(), reason="违纪", actor=world["root"])
    assert auto_checks(case)["body_officers"]["ok"] is False
    review = _submit(world, case)
    services.review_assign(review=review, reviewer=world["wang"], actor=world["u_wang"])
    with pytest.raises(DomainError) as exc:
        services.review_opinion_sign(review=review, actor=world["u_wang"], conclusion="agree", checklist=AGREE,
                                     summary="同意")
    assert "自动核验" in exc.value.message


def test_review_body_per_act_kind_and_agency_time_limit(world):
    from zhifa.catalog.services import setting_set
    from zhifa.org.services import department_create

    second = department_create(agency=world["agency"], name="公职律师室", is_legal_review_body=True,
                               actor=world["root"])
    services.review_route_set(agency=world["agency"], case_kind="penalty", body=second, actor=world["root"])
    with pytest.raises(DomainError):  # only a legal review body may be named (L2)
        services.review_route_set(agency=world["agency"], case_kind="", body=world["unit"], actor=world["root"])
    setting_set(key="legal_review_days", value=3, agency=world["agency"], actor=world["root"])
    case = make_case(world)
    rnd = services.review_submit(case=case, actor=world["u_zhang"], on_date=dt.date(2026, 11, 2))  # a Monday
    assert rnd.review.body == second
    assert rnd.due_on == dt.date(2026, 11, 5)  # three working days (REV-06, agency setting)
    # 王芳 is in 法规科, not the body named for penalties.
    with pytest.raises(DomainError) as exc:
        services.review_assign(review=rnd.review, reviewer=world["wang"], actor=world["u_head"])
    assert "公职律师室" in exc.value.message


def test_supervisor_sees_overdue_reviews_of_the_region(world, django_user_model):
    from zhifa.org import roles

    case = make_case(world)
    services.review_submit(case=case, actor=world["u_zhang"], on_date=dt.date.today() - dt.timedelta(days=40))
    sup = django_user_model.objects.create_user("jiandu", password="x", supervised_region=world["city"])
    sup.groups.add(roles.ensure_groups()[roles.SUPERVISOR])
    assert [r.case for r in selectors.overdue_reviews(user=sup)] == [case]
    other = django_user_model.objects.create_user("other", password="x")
    other.groups.add(roles.ensure_groups()[roles.SUPERVISOR])
    assert not selectors.overdue_reviews(user=other).exists()
