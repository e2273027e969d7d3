"""Register services: each refusal writes nothing; each success writes one ledger entry of the
right kind covering the simple-history snapshot."""

import datetime as dt

import pytest

from zhifa.core.canonical import row_digest
from zhifa.core.errors import DomainError
from zhifa.ledger.models import Entry
from zhifa.org import services
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from zhifa.org.models import Agency, Certificate, Officer, TrainingRecord

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def counts():
    return (Entry.objects.count(), Agency.objects.count(), Agency.history.count(), Officer.objects.count(),
            Officer.history.count(), Certificate.objects.count(), Certificate.history.count())


def refused(call, field: str) -> DomainError:
    before = counts()
    with pytest.raises(DomainError) as info:
        call()
    assert field in info.value.fields, info.value.as_dict()
    assert info.value.message  # Chinese, shown to the user
    assert counts() == before, "a refused call must write nothing"
    return info.value


def last_entry() -> Entry:
    return Entry.objects.order_by("-seq").first()


def test_agency_register_writes_one_entry_covering_the_history_row(world):
    before = Entry.objects.count()
    code = make_credit_code("369100", 77)
    agency = services.agency_register(name="江川市水利局", credit_code=code.lower(), region=world["city"],
                                      actor=world["actor"])
    assert agency.credit_code == code  # normalised
    assert Entry.objects.count() == before + 1
    entry = last_entry()
    assert entry.kind == "agency_registered"
    assert entry.subject == f"org.agency:{agency.pk}"
    snapshot = agency.history.latest()
    assert entry.covers == [{"row": "org.historicalagency", "pk": snapshot.pk,
                             "hash": row_digest("org.historicalagency", snapshot.pk)}]
    assert snapshot.history_user_id == world["actor"].pk


def _wrong_check(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


@pytest.mark.parametrize("bad", ["91350100M000100Y4", _wrong_check(make_credit_code("369100", 3)),
                                 "I1350100M000100Y43", "123"])
def test_agency_with_bad_credit_code_is_refused(world, bad):
    err = refused(lambda: services.agency_register(name="某局", credit_code=bad, region=world["city"],
                                                   actor=world["actor"]), "credit_code")
    assert err.rule in ("ID-03", "ID-04")


def test_agency_duplicate_credit_code_is_refused(world):
    refused(lambda: services.agency_register(name="重复局", credit_code=world["agency"].credit_code,
                                             region=world["city"], actor=world["actor"]), "credit_code")


def test_entrusted_body_must_name_entrusting_agency_scope_term_and_letter(world):
    base = {"name": "某执法队", "credit_code": make_credit_code("369100", 88, kind="2"), "region": world["city"],
            "kind": Agency.Kind.ENTRUSTED_ORG, "actor": world["actor"]}
    err = refused(lambda: services.agency_register(**base), "entrusting_agency")
    assert err.rule == "PEN-04"
    assert {"entrustment_scope", "entrustment_document", "entrustment_start", "entrustment_end"} <= set(err.fields)
    full = {**base, "entrusting_agency": world["agency"], "entrustment_scope": "食品摊贩监督检查",
            "entrustment_document": "江市监委〔2026〕1号", "entrustment_start": TODAY,
            "entrustment_end": TODAY - dt.timedelta(days=1)}
    refused(lambda: services.agency_register(**full), "entrustment_end")
    full["entrustment_end"] = TODAY + dt.timedelta(days=365)
    body = services.agency_register(**full)
    assert last_entry().kind == "agency_registered"
    # No sub-delegation (PEN-04).
    refused(lambda: services.agency_register(**{**full, "credit_code": make_credit_code("369100", 89),
                                                "entrusting_agency": body}), "entrusting_agency")


def test_agency_update_and_deactivate(world):
    agency = services.agency_update(agency=world["agency"], changes={"phone": "0799-1234567"}, actor=world["actor"])
    assert agency.phone == "0799-1234567" and last_entry().kind == "agency_updated"
    refused(lambda: services.agency_update(agency=agency, changes={"credit_code": "bad"}, actor=world["actor"]),
            "credit_code")
    agency.refresh_from_db()
    assert agency.credit_code == world["agency"].credit_code
    services.agency_deactivate(agency=agency, reason="机构改革撤并", actor=world["actor"])
    agency.refresh_from_db()
    assert not agency.active and last_entry().kind == "agency_deactivated"


@pytest.mark.parametrize("bad", ["11010519491231002", "110105194912310021", "110105194902300020",
                                 "11010519491231002Y", ""])
def test_officer_with_malformed_resident_id_is_refused(world, bad):
    err = refused(lambda: services.officer_register(name="李娜", id_number=bad, agency=world["agency"],
                                                    actor=world["actor"]), "id_number")
    assert err.rule == "ID-02"


def test_officer_register_keeps_the_id_number_out_of_the_ledger(world):
    number = make_resident_id("369102", dt.date(1990, 1, 2), 22)
    officer = services.officer_register(name="李娜", id_number=number, agency=world["agency"], actor=world["actor"])
    entry = last_entry()
    assert entry.kind == "officer_registered"
    assert number not in str(entry.payload) and number[:17] not in str(entry.payload)
    assert entry.covers[0]["row"] == "org.historicalofficer"
    assert officer.history.latest().id_number == number  # but the snapshot (hashed) has it
    refused(lambda: services.officer_register(name="重名", id_number=number, agency=world["agency"],
                                              actor=world["actor"]), "id_number")


def test_officer_department_must_belong_to_agency(world):
    other = services.agency_register(name="江川市生态环境局", credit_code=make_credit_code("369100", 5),
                                     region=world["city"], actor=world["actor"])
    dept = services.department_create(agency=other, name="法制科", is_legal_review_body=True, actor=world["actor"])
    refused(lambda: services.officer_register(name="王芳", id_number=make_resident_id("369102", dt.date(1991, 1, 1), 2),
                                              agency=world["agency"], department=dept, actor=world["actor"]),
            "department")


def test_officer_deactivate(world):
    services.officer_deactivate(officer=world["officer"], reason="调离执法岗位", actor=world["actor"])
    assert last_entry().kind == "officer_deactivated"
    with pytest.raises(DomainError):
        services.officer_deactivate(officer=world["officer"], reason="再次", actor=world["actor"])


def issue(world, **kw):
    args = {"holder": world["officer"], "number": "JC0002", "issued_on": TODAY, "expires_on": TODAY + dt.timedelta(days=5),
            "categories": [world["market"]], "regions": [world["city"]], "actor": world["actor"]}
    args.update(kw)
    return services.certificate_issue(**args)


def test_certificate_issue_covers_history_and_m2m_snapshot(world):
    cert = issue(world)
    entry = last_entry()
    assert entry.kind == "certificate_issued"
    assert [c["row"] for c in entry.covers] == ["org.historicalcertificate", "org.historicalcertificate_categories",
                                                "org.historicalcertificate_regions"]
    assert cert.history.count() == 1
    assert entry.payload["categories"] == ["SC"] and entry.payload["regions"] == ["369100"]


def test_duplicate_certificate_number_is_refused(world):
    err = refused(lambda: issue(world, number="jc0001"), "number")
    assert "JC0001" in err.message


@pytest.mark.parametrize("days", [0, -1, -400])
def test_expiry_on_or_before_issue_is_refused(world, days):
    refused(lambda: issue(world, expires_on=TODAY + dt.timedelta(days=days)), "expires_on")


def test_enforcement_certificate_needs_category_and_region(world):
    refused(lambda: issue(world, categories=[]), "categories")
    refused(lambda: issue(world, regions=[]), "regions")


def test_suspend_reinstate_revoke(world):
    cert = world["cert"]
    refused(lambda: services.certificate_suspend(certificate=cert, reason=" ", actor=world["actor"]), "reason")
    services.certificate_suspend(certificate=cert, reason="涉嫌违纪接受调查", actor=world["actor"])
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.SUSPENDED and last_entry().kind == "certificate_suspended"
    assert last_entry().payload["reason"] == "涉嫌违纪接受调查"
    with pytest.raises(DomainError) as info:
        services.certificate_suspend(certificate=cert, reason="重复", actor=world["actor"])
    assert info.value.status == 409
    services.certificate_reinstate(certificate=cert, reason="调查结束，未发现问题", actor=world["actor"])
    assert last_entry().kind == "certificate_reinstated"
    services.certificate_revoke(certificate=cert, reason="调离执法岗位", actor=world["actor"])
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.REVOKED and last_entry().kind == "certificate_revoked"
    with pytest.raises(DomainError):
        services.certificate_reinstate(certificate=cert, reason="误操作", actor=world["actor"])


def test_renew_needs_later_expiry_and_reason(world):
    cert = world["cert"]
    refused(lambda: services.certificate_renew(certificate=cert, expires_on=cert.expires_on, reason="续期",
                                               actor=world["actor"]), "expires_on")
    new = cert.expires_on + dt.timedelta(days=365 * 5)
    services.certificate_renew(certificate=cert, expires_on=new, reason="年度审验合格", actor=world["actor"])
    cert.refresh_from_db()
    assert cert.expires_on == new
    assert last_entry().kind == "certificate_renewed"
    assert last_entry().payload["previous_expires_on"] == (new - dt.timedelta(days=365 * 5)).isoformat()


def test_update_cannot_move_expiry_or_status(world):
    refused(lambda: services.certificate_update(certificate=world["cert"], changes={"expires_on": TODAY},
                                                actor=world["actor"]), "expires_on")
    refused(lambda: services.certificate_update(certificate=world["cert"], changes={"issued_on": TODAY + dt.timedelta(days=400)},
                                                actor=world["actor"]), "expires_on")
    cert = services.certificate_update(certificate=world["cert"], changes={"regions": [world["district"]]},
                                       actor=world["actor"])
    assert list(cert.regions.all()) == [world["district"]]
    assert last_entry().kind == "certificate_updated" and last_entry().payload["changed"] == ["regions"]


def test_expire_job_marks_past_expiry_and_writes_entries(world):
    old = issue(world, number="JC0003", issued_on=TODAY - dt.timedelta(days=800),
                expires_on=TODAY - dt.timedelta(days=1))
    from zhifa.org.tasks import certificates_expire

    result = certificates_expire.enqueue()  # ImmediateBackend in tests
    assert result.return_value == ["JC0003"]
    old.refresh_from_db()
    assert old.status == Certificate.Status.EXPIRED
    assert last_entry().kind == "certificate_expired"
    assert services.certificates_expire_due(today=TODAY, actor=None) == []  # idempotent
    from zhifa.core.scheduler import load_jobs
    assert "certificates-expire" in load_jobs()


def test_training_record(world):
    rec = services.training_record_add(officer=world["officer"], title="行政处罚法专题培训", held_on=TODAY,
                                       hours="16", exam_score=88, passed=True, actor=world["actor"])
    assert last_entry().kind == "training_recorded"
    assert TrainingRecord.objects.get(pk=rec.pk).hours == 16
    refused(lambda: services.training_record_add(officer=world["officer"], title="x", held_on=TODAY, hours=2,
                                                 exam_score=101, actor=world["actor"]), "exam_score")
    refused(lambda: services.training_record_add(officer=world["officer"], title="x", held_on=TODAY, hours="abc",
                                                 actor=world["actor"]), "hours")


def test_api_token_stores_only_the_hash(world):
    import hashlib

    token, plaintext = services.api_token_create(name="省监督平台", agency=None, scopes=["org:read"],
                                                 actor=world["actor"])
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in str(last_entry().payload)
    with pytest.raises(DomainError):
        services.api_token_create(name="x", agency=None, scopes=["root"], actor=world["actor"])


def test_covered_snapshots_still_hash_the_same_after_later_changes(world):
    """What `zhifa ledger verify` relies on: a covered history row never changes."""
    cert = world["cert"]
    services.certificate_suspend(certificate=cert, reason="接受调查", actor=world["actor"])
    services.certificate_reinstate(certificate=cert, reason="调查结束", actor=world["actor"])
    services.certificate_update(certificate=cert, changes={"categories": [world["market"], world["env"]]},
                                actor=world["actor"])
    services.officer_update(officer=world["officer"], changes={"phone": "13900000000"}, actor=world["actor"])
    for entry in Entry.objects.all():
        for cover in entry.covers:
            assert row_digest(cover["row"], cover["pk"]) == cover["hash"], (entry.kind, cover)
