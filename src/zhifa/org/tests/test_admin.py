"""The admin refuses bad input with the services' Chinese messages, writes through the services
(ledger entries), and has no hard delete."""

import datetime as dt

import pytest

from zhifa.ledger.models import Entry
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from zhifa.org.models import Agency, Certificate, Officer

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(world["actor"])
    return client


def officer_form(world, **kw):
    data = {"name": "孙丽", "id_number": make_resident_id("369102", dt.date(1992, 2, 2), 42),
            "agency": world["agency"].pk, "department": "", "post": "", "phone": "", "legal_qualification_number": "",
            "first_review_date": "", "certificates-TOTAL_FORMS": 0, "certificates-INITIAL_FORMS": 0}
    data.update(kw)
    return data


def cert_form(world, **kw):
    data = {"kind": "enforcement", "number": "JC0777", "holder": world["officer"].pk, "issuer": "江川市人民政府",
            "categories": [world["market"].pk], "regions": [world["city"].pk], "issued_on": TODAY.isoformat(),
            "expires_on": (TODAY + dt.timedelta(days=365)).isoformat()}
    data.update(kw)
    return data


def errors_of(resp) -> str:
    assert resp.status_code == 200, "the form is shown again, not saved"
    return str(resp.context["adminform"].form.errors)


def test_admin_add_officer_refuses_malformed_id_and_saves_a_good_one(admin_client, world):
    before = (Officer.objects.count(), Entry.objects.count())
    resp = admin_client.post("/admin/org/officer/add/", officer_form(world, id_number="11010519491231002Y"))
    assert "校验位错误" in errors_of(resp) or "公民身份号码" in errors_of(resp)
    assert (Officer.objects.count(), Entry.objects.count()) == before
    resp = admin_client.post("/admin/org/officer/add/", officer_form(world))
    assert resp.status_code == 302
    assert Officer.objects.filter(name="孙丽").exists()
    assert Entry.objects.order_by("-seq").first().kind == "officer_registered"


def test_admin_add_agency_refuses_bad_credit_code(admin_client, world):
    data = {"name": "某局", "credit_code": make_credit_code("369100", 12)[:17] + "Y", "kind": "organ",
            "region": world["city"].pk}
    resp = admin_client.post("/admin/org/agency/add/", {**data, "departments-TOTAL_FORMS": 0,
                                                        "departments-INITIAL_FORMS": 0})
    assert "ID-04" in errors_of(resp) or "ID-03" in errors_of(resp)
    assert not Agency.objects.filter(name="某局").exists()


def test_admin_add_entrusted_body_without_entrustment_is_refused(admin_client, world):
    data = {"name": "某执法队", "credit_code": make_credit_code("369100", 13), "kind": "entrusted",
            "region": world["city"].pk, "departments-TOTAL_FORMS": 0, "departments-INITIAL_FORMS": 0}
    assert "PEN-04" in errors_of(admin_client.post("/admin/org/agency/add/", data))


@pytest.mark.parametrize("kw, field_words", [
    ({"number": "JC0001"}, "JC0001 已存在"),
    ({"expires_on": TODAY.isoformat()}, "有效期至必须晚于发证日期"),
    ({"expires_on": (TODAY - dt.timedelta(days=3)).isoformat()}, "有效期至必须晚于发证日期"),
])
def test_admin_add_certificate_refuses_duplicate_number_and_bad_expiry(admin_client, world, kw, field_words):
    before = (Certificate.objects.count(), Entry.objects.count())
    resp = admin_client.post("/admin/org/certificate/add/", cert_form(world, **kw))
    assert field_words in errors_of(resp)
    assert (Certificate.objects.count(), Entry.objects.count()) == before


def test_admin_add_certificate_goes_through_the_service(admin_client, world):
    resp = admin_client.post("/admin/org/certificate/add/", cert_form(world))
    assert resp.status_code == 302, resp.context and resp.context["adminform"].form.errors
    cert = Certificate.objects.get(number="JC0777")
    assert list(cert.categories.all()) == [world["market"]]
    assert Entry.objects.order_by("-seq").first().kind == "certificate_issued"
    assert cert.history.count() == 1
    page = admin_client.get(f"/admin/org/certificate/{cert.pk}/change/").content.decode()
    assert cert.verification_token in page  # shown read-only
    assert "data:image/svg+xml" in page  # with the QR code for the card


def test_admin_change_certificate_refuses_duplicate_number(admin_client, world):
    admin_client.post("/admin/org/certificate/add/", cert_form(world))
    cert = Certificate.objects.get(number="JC0777")
    data = cert_form(world, number="JC0001")
    resp = admin_client.post(f"/admin/org/certificate/{cert.pk}/change/", data)
    assert "JC0001 已存在" in errors_of(resp)


def test_admin_suspend_action_asks_for_reason_then_calls_the_service(admin_client, world):
    cert = world["cert"]
    base = {"action": "action_certificate_suspend", "_selected_action": [cert.pk]}
    resp = admin_client.post("/admin/org/certificate/", base)
    assert resp.status_code == 200 and "理由" in resp.content.decode()
    resp = admin_client.post("/admin/org/certificate/", {**base, "apply": "1", "reason": "涉嫌违纪接受调查"})
    assert resp.status_code == 302
    cert.refresh_from_db()
    assert cert.status == "suspended" and cert.status_reason == "涉嫌违纪接受调查"
    assert Entry.objects.order_by("-seq").first().kind == "certificate_suspended"


def test_admin_has_no_delete_and_history_pages_render(admin_client, world):
    assert admin_client.get(f"/admin/org/officer/{world['officer'].pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/org/certificate/{world['cert'].pk}/history/").status_code == 200
    for model in ("region", "agency", "department", "post", "officer", "certificate", "trainingrecord",
                  "enforcementcategory", "apitoken"):
        assert admin_client.get(f"/admin/org/{model}/").status_code == 200, model
    for model in ("region", "agency", "department", "post", "officer", "certificate", "trainingrecord"):
        assert admin_client.get(f"/admin/org/{model}/add/").status_code == 200, model


def test_plain_django_form_refuses_the_same_bad_input(world):
    """The ServiceForm classes are ordinary Django forms: portal pages can reuse them."""
    from zhifa.org.admin import CertificateForm, OfficerForm

    form = OfficerForm(data=officer_form(world, id_number="110105194912310021"))
    assert not form.is_valid() and "id_number" in form.errors
    form = CertificateForm(data=cert_form(world, number="JC0001"))
    assert not form.is_valid() and "number" in form.errors
    form = CertificateForm(data=cert_form(world, expires_on=(TODAY - dt.timedelta(days=1)).isoformat()))
    assert not form.is_valid() and "expires_on" in form.errors


def test_admin_region_and_training_refusals_are_form_errors(admin_client, world):
    resp = admin_client.post("/admin/org/region/add/", {"code": "12AB", "name": "某区", "level": "county"})
    assert "GB/T 2260" in errors_of(resp)
    resp = admin_client.post("/admin/org/trainingrecord/add/", {
        "officer": world["officer"].pk, "title": "培训", "held_on": TODAY.isoformat(), "hours": "8",
        "exam_score": "120", "passed": "unknown"})
    assert "0到100" in errors_of(resp)
    resp = admin_client.post("/admin/org/region/add/", {"code": "369103", "name": "东湖区", "level": "county",
                                                       "parent": world["city"].pk})
    assert resp.status_code == 302


def test_service_refusal_after_form_validation_is_a_message_not_a_500(admin_client, world):
    from zhifa.org import services

    # The form does not know the holder left; the service does (no certificate for an inactive officer).
    services.officer_deactivate(officer=world["officer"], reason="调离", actor=world["actor"])
    resp = admin_client.post("/admin/org/certificate/add/", cert_form(world), follow=True)
    assert resp.status_code == 200
    assert "不在岗" in resp.content.decode()
    assert not Certificate.objects.filter(number="JC0777").exists()
