"""Draft → review → published → corrected / withdrawn / expired (P6–P9, PUB-03..PUB-12, CRD-*)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from zhifa.catalog.services import setting_set
from zhifa.core.append_only import AppendOnlyError
from zhifa.core.errors import Conflict, DomainError
from zhifa.core.redaction import ID_TOKEN
from zhifa.ledger.models import Entry
from zhifa.org.identity_fixtures import make_resident_id
from zhifa.publicity import selectors, services
from zhifa.publicity.models import Publication, PublicationEvent, PublicationVersion, Severity, Status

from .conftest import PERSON, open_penalty, publish

pytestmark = pytest.mark.django_db


def test_penalty_effective_2026_09_29_is_due_2026_10_14(agency, clerk):
    """RULES Appendix B2: 7 working days across the National Day holiday and a 调休 Saturday."""
    pub = open_penalty(agency, clerk)
    assert pub.due_on == dt.date(2026, 10, 14)
    assert pub.due_rule == "PUB-03"
    assert pub.status == Status.DRAFT


def test_other_decisions_get_twenty_working_days(agency, clerk):
    pub = open_penalty(agency, clerk, category="coercion", penalty="", amount=None,
                       decided=dt.date(2026, 6, 1))
    assert pub.due_on == dt.date(2026, 6, 30)  # 20 working days from Mon 06-01; 端午 Fri 06-19 is off
    assert pub.due_rule == "PUB-03"


def test_scope_warnings_and_simple_procedure_on_persons_by_setting(agency, clerk):
    assert open_penalty(agency, clerk, penalty="警告", amount=None) is None
    assert open_penalty(agency, clerk, source_pk=2, party=PERSON, simple_procedure=True, penalty="罚款200元",
                        amount=Decimal(200)) is None
    setting_set(key="publication_include_warnings", value=True, agency=agency, actor=clerk)
    setting_set(key="publication_include_simple_individual", value=True, agency=agency, actor=clerk)
    assert open_penalty(agency, clerk, source_pk=3, penalty="警告", amount=None).severity == Severity.MINOR
    assert open_penalty(agency, clerk, source_pk=4, party=PERSON, simple_procedure=True, penalty="罚款200元",
                        amount=Decimal(200)) is not None


def test_an_id_number_in_free_text_is_masked_and_the_party_redacted(agency, clerk):
    pub = open_penalty(agency, clerk, party=PERSON,
                       facts="当事人张三（身份证号11010519491231002X，电话13812345678）在人民路销售过期食品；"
                             "证人王建国在场，其身份证号为440524188001010014。")
    v = pub.latest_version
    assert v.party_display["name"] == "张某某"
    assert "人民路88号" not in v.party_display["address"]
    for secret in ("11010519491231002X", "440524188001010014", "13812345678", "张三", "王建国"):
        assert secret not in v.facts
    assert ID_TOKEN in v.facts
    kinds = {h["kind"] for h in v.hits}
    assert {"known", "id_number", "person_name"} <= kinds
    assert v.source["party"]["id_number"] == "11010519491231002X"  # kept for staff, never shown


def test_publish_needs_review_and_goes_on_the_ledger_with_the_content_hash(agency, clerk):
    pub = open_penalty(agency, clerk)
    with pytest.raises(Conflict):
        services.publication_publish(publication=pub, actor=clerk)
    pub = publish(pub, clerk, on=dt.date(2026, 10, 15))
    assert pub.status == Status.PUBLISHED and pub.late  # due 10-14, published 10-15
    entry = Entry.objects.filter(kind="publication_published").get()
    assert entry.payload["content_hash"] == pub.published_version.content_hash
    assert {c.get("row") for c in entry.covers} == {"publicity.publicationversion", "publicity.publicationevent"}
    assert list(selectors.published_publications(q="过期食品")) == [pub]
    assert list(selectors.published_publications(credit_code="91110108ma01234p76")) == [pub]
    assert list(selectors.published_publications(party="好味食品")) == [pub]
    assert list(selectors.published_publications(decision_number=pub.decision_number)) == [pub]


def test_the_clerk_keeps_a_false_hit_or_masks_more_without_editing_text(agency, clerk):
    pub = open_penalty(agency, clerk, facts="证人王建国称当事人在店内销售过期食品。")
    assert "王建国" not in pub.latest_version.facts
    pub = services.publication_review(publication=pub, actor=clerk, keep=["王建国"], mask=["店内"])
    v = pub.latest_version
    assert v.number == 2 and "王建国" in v.facts and "店内" not in v.facts
    assert PublicationVersion.objects.filter(publication=pub).count() == 2


def test_correction_is_a_new_version_and_the_old_is_kept(agency, clerk):
    pub = publish(open_penalty(agency, clerk), clerk)
    first = pub.published_version
    pub = services.publication_correct(publication=pub, actor=clerk, reason="罚款金额录入错误",
                                       changes={"penalty": "罚款人民币肆万元", "amount": "40000"})
    assert pub.published_version_id == first.pk  # still the old one until the correction is reviewed
    pub = publish(pub, clerk)
    assert pub.published_version.amount == Decimal(40000) and pub.corrected == 1
    assert PublicationVersion.objects.get(pk=first.pk).amount == Decimal(50000)
    assert pub.events.filter(kind=PublicationEvent.Kind.CORRECTED).exists()
    assert Entry.objects.filter(kind="publication_corrected").count() == 1


def test_a_revoked_decision_is_withdrawn_within_three_working_days_and_leaves_search(agency, clerk):
    publish(open_penalty(agency, clerk), clerk)
    assert selectors.published_publications(q="过期食品").count() == 1
    out = services.publication_withdraw_for_source(source_label="cases.decision", source_pk=1,
                                                   reason="该处罚决定已被行政复议机关撤销。", actor=clerk,
                                                   on=dt.date(2026, 10, 30))
    assert out.status == Status.WITHDRAWN
    assert out.withdraw_due_on == dt.date(2026, 11, 4)  # Fri 10-30 + 3 working days
    assert selectors.published_publications(q="过期食品").count() == 0
    assert selectors.published_publications(credit_code="91110108MA01234P76").count() == 0
    assert selectors.feed_events().first().kind == PublicationEvent.Kind.WITHDRAWN
    with pytest.raises(Conflict):  # PUB-05: the old version is never published again
        services.publication_publish(publication=out, actor=clerk)
    assert services.publication_withdraw_for_source(source_label="cases.decision", source_pk=1, reason="x",
                                                    actor=clerk, on=dt.date(2026, 10, 30)) is None


def test_withdrawal_needs_a_public_reason(agency, clerk):
    pub = publish(open_penalty(agency, clerk), clerk)
    with pytest.raises(DomainError) as err:
        services.publication_withdraw(publication=pub, reason=" ", actor=clerk)
    assert err.value.rule == "PUB-05"
    assert Publication.objects.get(pk=pub.pk).status == Status.PUBLISHED


def test_secrets_and_minors_are_withheld_without_content(agency, clerk):
    pub = open_penalty(agency, clerk, confidentiality="state_secret")
    assert pub.status == Status.WITHHELD and pub.latest_version is None
    with pytest.raises(DomainError):
        services.publication_publish(publication=pub, actor=clerk)
    minor = dict(PERSON, id_number=make_resident_id("110105", dt.date(2012, 1, 1), 1))
    minor_pub = open_penalty(agency, clerk, source_pk=2, party=minor)
    assert minor_pub.status == Status.WITHHELD and "未成年人" in minor_pub.status_reason


def test_personal_information_needs_a_recorded_disclosure_reason(agency, clerk):
    pub = open_penalty(agency, clerk, confidentiality="personal")
    with pytest.raises(DomainError) as err:
        services.publication_review(publication=pub, actor=clerk)
    assert err.value.rule == "PUB-09"
    services.publication_review(publication=pub, actor=clerk, disclosure_reason="不公开将严重影响公共利益（食品安全）")


def test_credit_periods_expiry_and_early_removal(agency, clerk):
    pub = publish(open_penalty(agency, clerk), clerk)
    assert pub.severity == Severity.GENERAL
    assert (pub.min_until, pub.expires_on) == (dt.date(2026, 12, 29), dt.date(2027, 9, 29))
    with pytest.raises(DomainError):
        services.publication_remove_after_repair(publication=pub, actor=clerk, on=dt.date(2026, 12, 1))
    assert services.publications_expire_due(on=dt.date(2027, 9, 28)) == 0
    assert services.publications_expire_due(on=dt.date(2027, 9, 29)) == 1
    assert Publication.objects.get(pk=pub.pk).status == Status.EXPIRED
    serious = publish(open_penalty(agency, clerk, source_pk=2, penalty="吊销食品经营许可证"), clerk)
    assert serious.severity == Severity.SERIOUS
    with pytest.raises(DomainError) as err:
        services.publication_remove_after_repair(publication=serious, actor=clerk, on=dt.date(2028, 1, 1))
    assert err.value.rule == "PUB-06"


def test_overdue_is_flagged_per_agency(agency, other_agency, clerk):
    open_penalty(agency, clerk)
    publish(open_penalty(agency, clerk, source_pk=2), clerk, on=dt.date(2026, 10, 20))
    open_penalty(other_agency, clerk, source_pk=3)
    assert services.publications_flag_overdue(on=dt.date(2026, 10, 15)) == 2
    rows = {r["agency__name"]: r for r in selectors.timeliness_by_agency(
        agencies=type(agency).objects.all(), today=dt.date(2026, 10, 15))}
    assert rows[agency.name]["overdue"] == 1 and rows[agency.name]["late"] == 1
    assert rows[other_agency.name]["overdue"] == 1


def test_versions_and_events_are_append_only_in_three_layers(agency, clerk):
    pub = open_penalty(agency, clerk)
    v = pub.latest_version
    with pytest.raises(AppendOnlyError):
        PublicationVersion.objects.filter(pk=v.pk).update(facts="x")
    with pytest.raises(AppendOnlyError):
        v.delete()
    with pytest.raises(AppendOnlyError):
        pub.delete()
    for sql in ("UPDATE publicity_publicationversion SET facts = 'x'", "DELETE FROM publicity_publicationevent",
                "DELETE FROM publicity_publication"):
        with pytest.raises(DatabaseError, match="zhifa: (UPDATE|DELETE) on "), transaction.atomic(), \
                connection.cursor() as cur:
            cur.execute(sql)


def test_open_is_idempotent_per_source_and_refuses_bad_input(agency, clerk):
    a = open_penalty(agency, clerk)
    assert open_penalty(agency, clerk).pk == a.pk
    with pytest.raises(Conflict):
        open_penalty(agency, clerk, decision_number="另一个文号")
    before = (Publication.objects.count(), Entry.objects.count())
    with pytest.raises(DomainError):
        open_penalty(agency, clerk, source_pk=9, party={"kind": "alien", "name": "x"})
    with pytest.raises(DomainError):
        open_penalty(agency, clerk, source_pk=9, conclusion="")
    assert (Publication.objects.count(), Entry.objects.count()) == before
