"""officer_may_act (RULES PEN-16): a table of cases, then properties over random dates."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.org import services
from zhifa.org.selectors import officer_may_act

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def ask(world, *, category="SC", region="369102", on=TODAY, officer=None):
    return officer_may_act(officer=officer or world["officer"], category_code=category, region_code=region,
                           on_date=on)


def test_valid_certificate_covers_descendant_region(world):
    result = ask(world)
    assert result.ok and result.reason == "" and result.certificate == world["cert"]
    assert ask(world, region="369100").ok  # the city itself


@pytest.mark.parametrize("case, expected_code, words", [
    ("other_category", "category_not_covered", "生态环境"),
    ("other_region", "region_not_covered", "云岭市"),
    ("parent_region", "region_not_covered", "江南省"),
    ("before_issue", "not_yet_valid", "尚未生效"),
    ("after_expiry", "expired", "已过期"),
    ("suspended", "suspended", "暂扣"),
    ("revoked", "revoked", "注销"),
    ("inactive", "officer_inactive", "不在执法岗位"),
    ("no_certificate", "no_certificate", "未持有"),
])
def test_refusals_say_why(world, case, expected_code, words):
    cert, actor, kw = world["cert"], world["actor"], {}
    if case == "other_category":
        kw["category"] = "HJ"
    elif case == "other_region":
        kw["region"] = "369200"
    elif case == "parent_region":
        kw["region"] = "369000"
    elif case == "before_issue":
        kw["on"] = cert.issued_on - dt.timedelta(days=1)
    elif case == "after_expiry":
        kw["on"] = cert.expires_on + dt.timedelta(days=1)
    elif case == "suspended":
        services.certificate_suspend(certificate=cert, reason="接受调查", actor=actor)
    elif case == "revoked":
        services.certificate_revoke(certificate=cert, reason="调离", actor=actor)
    elif case == "inactive":
        services.officer_deactivate(officer=world["officer"], reason="退休", actor=actor)
    elif case == "no_certificate":
        from zhifa.org.identity_fixtures import make_resident_id
        kw["officer"] = services.officer_register(name="新人", id_number=make_resident_id("369102", dt.date(1999, 9, 9), 8),
                                                  agency=world["agency"], actor=actor)
    result = ask(world, **kw)
    assert not result.ok
    assert result.code == expected_code
    assert words in result.reason and "PEN-16" in result.reason


def test_expired_status_certificate_still_answers_for_dates_it_covered(world):
    cert = world["cert"]
    services.certificates_expire_due(today=cert.expires_on + dt.timedelta(days=1), actor=None)
    assert ask(world, on=cert.expires_on).ok
    assert ask(world, on=cert.expires_on + dt.timedelta(days=1)).code == "expired"


def test_a_valid_second_certificate_wins_over_an_expired_one(world):
    old = world["cert"]
    services.certificate_issue(holder=world["officer"], number="JC0100", issued_on=old.expires_on,
                               expires_on=old.expires_on + dt.timedelta(days=1000), categories=[world["market"]],
                               regions=[world["city"]], actor=world["actor"])
    later = old.expires_on + dt.timedelta(days=10)
    result = ask(world, on=later)
    assert result.ok and result.certificate.number == "JC0100"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(min_value=-2000, max_value=2000))
def test_property_ok_iff_date_within_validity(world, offset):
    # The fixture is only read here, so sharing it across examples is sound.
    cert = world["cert"]
    day = TODAY + dt.timedelta(days=offset)
    result = ask(world, on=day)
    assert result.ok == (cert.issued_on <= day <= cert.expires_on)
    assert result.ok or result.reason



def test_suspension_does_not_reach_back_before_it_was_recorded(world):
    cert = world["cert"]
    services.certificate_suspend(certificate=cert, reason="接受调查", actor=world["actor"])
    # Pretend the register learned of the certificate (issue snapshot) a week ago.
    first = cert.history.order_by("history_id").first()
    type(first).objects.filter(pk=first.pk).update(history_date=first.history_date - dt.timedelta(days=7))
    assert ask(world).code == "suspended"
    assert ask(world, on=TODAY - dt.timedelta(days=3)).ok


def test_team_answer_matches_one_by_one_in_fixed_queries(world, django_assert_max_num_queries):
    """officers_may_act (the PEN-16 guard's batch form) gives each officer exactly what
    officer_may_act gives, in two queries for the whole team (and one for the category's name in
    the refusal that names it): refusals, a suspension, an inactive officer and a good one side by side."""
    from zhifa.org.identity_fixtures import make_resident_id
    from zhifa.org.models import Region
    from zhifa.org.selectors import officers_may_act

    actor = world["actor"]
    team = [world["officer"]]
    for i, (name, regions, cats) in enumerate([("李四", [world["other_city"]], [world["market"]]),
                                               ("王五", [world["province"]], [world["market"]]),
                                               ("赵六", [world["city"]], [world["env"]]),
                                               ("钱七", [world["city"]], [world["market"]])]):
        id_number = make_resident_id("369102", dt.date(1980 + i, 1, 2), 30 + i)
        o = services.officer_register(name=name, id_number=id_number, agency=world["agency"], actor=actor)
        c = services.certificate_issue(holder=o, number=f"JC09{i:02d}", issued_on=TODAY - dt.timedelta(days=10),
                                       expires_on=TODAY + dt.timedelta(days=10), categories=cats,
                                       regions=regions, actor=actor)
        team.append(o)
    services.certificate_suspend(certificate=c, reason="接受调查", actor=actor)
    services.officer_deactivate(officer=team[2], reason="调离", actor=actor)  # team[2] keeps its stale instance
    district = Region.objects.select_related("parent__parent__parent").get(code="369102")
    with django_assert_max_num_queries(3):
        together = officers_may_act(officers=team, category_code="SC", region=district, on_date=TODAY)
    one_by_one = {o.pk: ask(world, officer=o) for o in team}
    assert together == one_by_one
    assert [together[o.pk].code for o in team] == ["ok", "region_not_covered", "officer_inactive",
                                                   "category_not_covered", "suspended"]
