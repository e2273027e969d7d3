import datetime as dt

import pytest

from zhifa.catalog import selectors, services
from zhifa.catalog.models import LegalBasis, Matter, PublicationStatus
from zhifa.core.errors import Conflict, DomainError
from zhifa.ledger.models import Entry

from .conftest import make_penalty_matter, publish

pytestmark = pytest.mark.django_db


def test_draft_review_publish_and_new_version(agency, admin_user, food_basis):
    m1 = make_penalty_matter(agency, admin_user, food_basis)
    assert m1.status == PublicationStatus.DRAFT
    assert selectors.published_matter(m1.code) is None  # drafts never show (P3)
    with pytest.raises(Conflict):
        services.matter_publish(matter=m1, actor=admin_user)  # must be reviewed first
    m1 = publish(m1, admin_user)
    assert selectors.published_matter(m1.code).pk == m1.pk
    kinds = list(Entry.objects.filter(subject=f"catalog.matter:{m1.pk}").values_list("kind", flat=True))
    assert kinds == ["matter_drafted", "matter_submitted_for_review", "matter_review_passed", "matter_published"]

    with pytest.raises(Conflict):
        services.matter_update(matter=m1, actor=admin_user, name="改名")  # published: never edited

    new_basis = services.legal_basis_new_version(basis=food_basis, version_date=dt.date(2025, 1, 1),
                                                 text="修正后的条文：并处五万元以上十万元以下罚款。", actor=admin_user)
    m2 = services.matter_new_version(matter=m1, actor=admin_user, reason="食品安全法修正", legal_bases=[new_basis])
    assert (m2.version, m2.status) == (2, PublicationStatus.DRAFT)
    assert m2.tiers.count() == m1.tiers.count()
    assert selectors.published_matter(m1.code).pk == m1.pk  # old version stays public until the new one is
    m2 = publish(m2, admin_user)
    m1.refresh_from_db()
    assert m1.status == PublicationStatus.SUPERSEDED and m1.effective_to == m2.effective_from
    assert m1.name == "未取得食品经营许可从事食品经营活动"
    assert list(m1.legal_bases.all()) == [food_basis]  # the old version keeps the old law text
    assert selectors.published_matter(m1.code).pk == m2.pk
    food_basis.refresh_from_db()
    assert "货值金额十倍" in food_basis.text
    assert selectors.current_basis(name=food_basis.name, article=food_basis.article, paragraph="第一款",
                                   on=dt.date(2023, 1, 1)).pk == food_basis.pk


def test_penalty_needs_statutory_basis_pen02(agency, admin_user):
    doc = services.legal_basis_create(level=LegalBasis.Level.NORMATIVE_DOCUMENT, name="某市通知", version_date=dt.date(2024, 1, 1),
                                      article="第三条", text="对违规者处以罚款。", actor=admin_user)
    m = services.matter_create(agency=agency, code="X-1", actor=admin_user, legal_bases=[doc], name="某处罚",
                               kind=Matter.Kind.PENALTY, violation="某行为", penalty_types=["fine"])
    with pytest.raises(DomainError) as exc:
        services.matter_submit_review(matter=m, actor=admin_user)
    assert exc.value.rule == "PEN-02"
    m.refresh_from_db()
    assert m.status == PublicationStatus.DRAFT  # nothing half-written


def test_closed_penalty_list_and_detention(agency, admin_user, food_basis):
    with pytest.raises(DomainError) as exc:
        make_penalty_matter(agency, admin_user, food_basis, penalty_types=["fine", "责令改正"])
    assert exc.value.rule == "PEN-01"
    assert not Matter.objects.exists()
    m = make_penalty_matter(agency, admin_user, food_basis, code="D-1", penalty_types=["detention"])
    with pytest.raises(DomainError) as exc:
        services.matter_submit_review(matter=m, actor=admin_user)
    assert exc.value.code == "detention_forbidden"
    services.setting_set(key="detention_allowed", value=True, agency=agency, actor=admin_user)
    assert services.matter_submit_review(matter=m, actor=admin_user).status == PublicationStatus.SUBMITTED


def test_tier_outside_statutory_range_refused_rev09(agency, admin_user, food_basis):
    from .conftest import TIERS

    bad = [dict(t) for t in TIERS]
    bad[2]["fine_max"] = "150000"
    with pytest.raises(DomainError) as exc:
        services.matter_create(agency=agency, code="B-1", actor=admin_user, legal_bases=[food_basis], tiers=bad,
                               name="x", kind="penalty", violation="v", penalty_types=["fine"],
                               fine_min="50000", fine_max="100000")
    assert exc.value.rule == "REV-09" and "第3行" in exc.value.message
    assert not Matter.objects.exists()


def test_settings_defaults_and_overrides(agency, other_agency, region, admin_user):
    assert services.setting_value("hearing_fine_person") == 10000
    services.setting_set(key="hearing_fine_person", value="5000", region=region, actor=admin_user)
    services.setting_set(key="hearing_fine_person", value=2000, agency=agency, actor=admin_user)
    assert services.setting_value("hearing_fine_person", agency=agency) == 2000
    assert services.setting_value("hearing_fine_person", agency=other_agency) == 5000
    assert services.setting_value("hearing_fine_org", agency=agency) == 100000
    with pytest.raises(DomainError):
        services.setting_set(key="hearing_fine_person", value="很多", agency=agency, actor=admin_user)


def test_setting_is_the_nearest_override_in_one_query(admin_user, django_assert_num_queries):
    """setting_value: the agency's own value, else the nearest region above it, else the default —
    one query once the agency's region chain is loaded."""
    from zhifa.org.models import Agency, Region

    province = Region.objects.create(code="370000", name="甲省", level=Region.Level.PROVINCE)
    city = Region.objects.create(code="370100", name="乙市", level=Region.Level.CITY, parent=province)
    county = Region.objects.create(code="370102", name="丙区", level=Region.Level.COUNTY, parent=city)
    agency = Agency.objects.create(name="丙区市场监督管理局", credit_code="11370102MB0000001X", region=county)
    key = "min_officers"

    def value():
        a = Agency.objects.select_related("region__parent__parent").get(pk=agency.pk)
        with django_assert_num_queries(1):
            return services.setting_value(key, agency=a)

    assert value() == 2
    services.setting_set(key=key, value=4, region=province, actor=admin_user)
    assert value() == 4
    services.setting_set(key=key, value=3, region=city, actor=admin_user)
    assert value() == 3
    services.setting_set(key=key, value=5, agency=agency, actor=admin_user)
    assert value() == 5
