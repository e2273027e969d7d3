import pytest

from zhifa.catalog import selectors
from zhifa.core.search import query_terms, search_text_for

from .conftest import make_penalty_matter, publish

pytestmark = pytest.mark.django_db


def test_search_text_has_bigrams_and_jieba_tokens():
    text = search_text_for("未取得食品经营许可处以罚款", "SJ-001")
    tokens = text.split()
    assert "罚款" in tokens and "食品" in tokens and "许可" in tokens and "sj" in tokens and "001" in tokens
    assert query_terms("食品罚款 sj")[0] == ["食品", "品罚", "罚款"]


def test_two_character_terms_found(agency, other_agency, admin_user, food_basis):
    m1 = publish(make_penalty_matter(agency, admin_user, food_basis, code="SJ-1"), admin_user)
    from zhifa.catalog import services

    import datetime as dt

    basis = services.legal_basis_create(level="admin_regulation", name="排污许可管理条例", article="第三条",
                                        version_date=dt.date(2021, 1, 24), text="实行排污许可管理的企业事业单位……",
                                        actor=admin_user)
    lic = services.matter_create(agency=other_agency, code="HB-XK-1", actor=admin_user, legal_bases=[basis],
                                 name="排污许可证核发", kind="licensing", materials="排污许可申请表")
    publish(lic, admin_user)
    draft = make_penalty_matter(agency, admin_user, food_basis, code="SJ-2", name="草稿里的罚款事项")

    assert set(selectors.published_matters(q="罚款")) == {m1}  # 罚款 appears in the basis text / violation
    assert set(selectors.published_matters(q="排污")) == {lic}
    assert set(selectors.published_matters(q="排污许可")) == {lic}
    assert set(selectors.published_matters(q="许可")) == {m1, lic}
    assert set(selectors.search_bases(q="排污")) == {basis}
    assert set(selectors.published_matters(q="hb-xk")) == {lic}  # codes by prefix
    assert set(selectors.published_matters(q="罚款", agency=other_agency)) == set()
    assert set(selectors.published_matters(q="污")) == {lic}  # a single character
    assert list(selectors.published_matters(q="不存在的词语")) == []
    assert draft not in selectors.published_matters(q="草稿")
    assert set(selectors.published_matters(q="许可", kind="licensing")) == {lic}


def test_search_follows_new_versions(agency, admin_user, food_basis):
    from zhifa.catalog import services

    m1 = publish(make_penalty_matter(agency, admin_user, food_basis, code="SJ-9"), admin_user)
    m2 = services.matter_new_version(matter=m1, actor=admin_user, reason="改名", name="无证经营食品")
    publish(m2, admin_user)
    assert list(selectors.published_matters(q="无证")) == [m2]
