"""The org API: public endpoints' exact shape, admin CRUD with token scopes, 401/403, bad input."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from zhifa.ledger.models import Entry
from zhifa.org import services
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from zhifa.org.models import Agency, Certificate, Officer, User

from .conftest import TODAY

pytestmark = pytest.mark.django_db

PUBLIC_KEYS = {"number", "holder", "agency", "categories", "regions", "expires", "status", "valid_today"}


def bearer(world, scopes, agency=None):
    _, plaintext = services.api_token_create(name="测试系统", agency=agency, scopes=scopes, actor=world["actor"])
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


@pytest.fixture
def rw(world):
    return bearer(world, ["org:read", "org:write"])


@pytest.fixture
def ro(world):
    return bearer(world, ["org:read"])


def post(client, url, data, **headers):
    return client.post(url, data, content_type="application/json", **headers)


def patch(client, url, data, **headers):
    return client.patch(url, data, content_type="application/json", **headers)


# --- public --------------------------------------------------------------------------------------


def test_public_certificate_has_exactly_the_promised_fields(world, client):
    resp = client.get("/api/v1/public/certificates/JC0001")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == PUBLIC_KEYS
    assert body == {"number": "JC0001", "holder": "张伟", "agency": "江川市市场监督管理局", "categories": ["市场监管"],
                    "regions": ["江川市"], "expires": world["cert"].expires_on.isoformat(), "status": "有效",
                    "valid_today": True}
    services.certificate_suspend(certificate=world["cert"], reason="接受调查", actor=world["actor"])
    body = client.get("/api/v1/public/certificates/jc0001").json()
    assert body["status"] == "暂扣" and body["valid_today"] is False


def test_public_certificate_unknown_number_is_404_in_error_shape(world, client):
    resp = client.get("/api/v1/public/certificates/NOPE")
    assert resp.status_code == 404
    assert set(resp.json()) == {"code", "message", "rule", "fields"}


def test_public_officer_search_by_name_number_and_agency_never_shows_id_number(world, client):
    for q in ("张", "JC0001", "市场监督"):
        rows = client.get("/api/v1/public/officers", {"q": q}).json()
        assert [r["certificate_number"] for r in rows] == ["JC0001"], q
    assert client.get("/api/v1/public/officers", {"q": "不存在的人"}).json() == []
    text = client.get("/api/v1/public/officers").content.decode()
    assert world["officer"].id_number not in text and world["officer"].id_number[:14] not in text
    row = client.get("/api/v1/public/officers").json()[0]
    assert {"name", "agency", "post", "certificate_number", "categories", "regions", "expires", "status"} <= set(row)


# --- authentication --------------------------------------------------------------------------------


def test_admin_routes_need_credentials(world, client):
    assert client.get("/api/v1/org/agencies").status_code == 401
    assert client.get("/api/v1/org/agencies", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    resp = post(client, "/api/v1/org/agencies", {"name": "x"})
    assert resp.status_code == 401 and resp.json()["code"] == "unauthenticated"


def test_read_scope_cannot_write(world, client, ro):
    assert client.get("/api/v1/org/agencies", **ro).status_code == 200
    resp = post(client, f"/api/v1/org/certificates/{world['cert'].pk}/suspend", {"reason": "x"}, **ro)
    assert resp.status_code == 403 and "org:write" in resp.json()["message"]
    world["cert"].refresh_from_db()
    assert world["cert"].status == "valid"


def test_revoked_token_is_refused(world, client):
    token, plaintext = services.api_token_create(name="旧系统", agency=None, scopes=["org:read"], actor=world["actor"])
    services.api_token_revoke(token=token, actor=world["actor"])
    assert client.get("/api/v1/org/agencies", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401


def test_agency_scoped_token_sees_only_its_agency(world, client):
    other = services.agency_register(name="江川市水利局", credit_code=make_credit_code("369100", 9),
                                     region=world["city"], actor=world["actor"])
    headers = bearer(world, ["org:read"], agency=other)
    ids = [a["id"] for a in client.get("/api/v1/org/agencies", **headers).json()]
    assert ids == [other.pk]
    assert client.get(f"/api/v1/org/officers/{world['officer'].pk}", **headers).status_code == 403


def test_session_staff_read_and_admin_group_write_with_csrf(world):
    staff = User.objects.create_user("clerk", password="zhifa-test-pass-1", is_staff=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.get("/api/v1/org/officers").status_code == 200
    url = f"/api/v1/org/certificates/{world['cert'].pk}/suspend"
    assert post(client, url, {"reason": "x"}).status_code == 403  # no CSRF token
    csrf = "k" * 32  # a CSRF secret the browser would hold in its cookie
    client.cookies["csrftoken"] = csrf
    assert post(client, url, {"reason": "x"}, HTTP_X_CSRFTOKEN=csrf).status_code == 403  # staff, not admin
    staff.groups.add(Group.objects.get_or_create(name="系统管理员")[0])
    resp = post(client, url, {"reason": "接受调查"}, HTTP_X_CSRFTOKEN=csrf)
    assert resp.status_code == 200 and resp.json()["status"] == "suspended"
    entry = Entry.objects.order_by("-seq").first()
    assert entry.kind == "certificate_suspended" and entry.actor == "clerk"


# --- CRUD ------------------------------------------------------------------------------------------


def test_agency_officer_certificate_crud(world, client, rw):
    resp = post(client, "/api/v1/org/agencies", {"name": "江川市卫生健康委员会", "credit_code": make_credit_code("369100", 4),
                                                 "region": "369100"}, **rw)
    assert resp.status_code == 201, resp.content
    agency_id = resp.json()["id"]
    resp = patch(client, f"/api/v1/org/agencies/{agency_id}", {"phone": "0799-1"}, **rw)
    assert resp.status_code == 200 and resp.json()["phone"] == "0799-1"

    number = make_resident_id("369102", dt.date(1988, 8, 8), 31)
    resp = post(client, "/api/v1/org/officers", {"name": "赵敏", "id_number": number, "agency": agency_id}, **rw)
    assert resp.status_code == 201, resp.content
    officer = resp.json()
    assert number not in resp.content.decode() and officer["id_number_masked"].endswith(number[-4:])

    resp = post(client, "/api/v1/org/certificates", {
        "holder": officer["id"], "number": "JC0500", "categories": ["SC"], "regions": ["369100"],
        "issued_on": str(TODAY), "expires_on": str(TODAY + dt.timedelta(days=365))}, **rw)
    assert resp.status_code == 201, resp.content
    cert_id = resp.json()["id"]
    assert client.get(f"/api/v1/org/certificates/{cert_id}", **rw).json()["number"] == "JC0500"
    resp = post(client, f"/api/v1/org/certificates/{cert_id}/renew",
                {"expires_on": str(TODAY + dt.timedelta(days=900)), "reason": "续期"}, **rw)
    assert resp.status_code == 200 and resp.json()["expires_on"] == str(TODAY + dt.timedelta(days=900))
    assert post(client, f"/api/v1/org/certificates/{cert_id}/revoke", {"reason": "调离"}, **rw).json()["status"] == "revoked"

    resp = post(client, f"/api/v1/org/officers/{officer['id']}/deactivate", {"reason": "调离"}, **rw)
    assert resp.status_code == 200 and resp.json()["active"] is False
    assert client.delete(f"/api/v1/org/officers/{officer['id']}", **rw).status_code == 405
    assert Officer.objects.filter(pk=officer["id"]).exists()


# --- bad input -------------------------------------------------------------------------------------


def assert_refused(resp, field):
    assert resp.status_code in (400, 422), resp.content
    body = resp.json()
    assert set(body) == {"code", "message", "rule", "fields"}
    assert field in body["fields"], body
    return body


def test_bad_input_is_refused_with_the_field_named(world, client, rw):
    before = (Entry.objects.count(), Agency.objects.count(), Officer.objects.count(), Certificate.objects.count())
    body = assert_refused(post(client, "/api/v1/org/officers", {
        "name": "钱七", "id_number": "11010519491231002Y", "agency": world["agency"].pk}, **rw), "id_number")
    assert body["rule"] == "ID-02" and "公民身份号码" in body["message"]
    bad_code = make_credit_code("369100", 6)[:17] + "Y"
    body = assert_refused(post(client, "/api/v1/org/agencies", {"name": "某局", "credit_code": bad_code,
                                                                "region": "369100"}, **rw), "credit_code")
    assert body["rule"] in ("ID-03", "ID-04") and "统一社会信用代码" in body["message"]
    cert = {"holder": world["officer"].pk, "number": "JC0001", "categories": ["SC"], "regions": ["369100"],
            "issued_on": str(TODAY), "expires_on": str(TODAY + dt.timedelta(days=30))}
    body = assert_refused(post(client, "/api/v1/org/certificates", cert, **rw), "number")
    assert "证件编号" in body["message"]
    body = assert_refused(post(client, "/api/v1/org/certificates", {**cert, "number": "JC0009",
                                                                    "expires_on": str(TODAY)}, **rw), "expires_on")
    assert "有效期" in body["message"]
    assert_refused(post(client, "/api/v1/org/certificates", {**cert, "number": "JC0009", "issued_on": "2026-02-30"},
                        **rw), "issued_on")
    assert_refused(post(client, "/api/v1/org/certificates", {**cert, "number": "JC0009", "regions": ["000000"]},
                        **rw), "regions")
    assert_refused(post(client, "/api/v1/org/agencies", {"name": "缺信用代码"}, **rw), "credit_code")
    assert (Entry.objects.count(), Agency.objects.count(), Officer.objects.count(),
            Certificate.objects.count()) == before


def test_public_verify_by_token(world, client):
    cert = world["cert"]
    body = client.get(f"/api/v1/public/verify/{cert.verification_token}").json()
    assert set(body) == PUBLIC_KEYS and body["number"] == cert.number and body["valid_today"] is True
    services.certificate_revoke(certificate=cert, reason="调离", actor=world["actor"])
    body = client.get(f"/api/v1/public/verify/{cert.verification_token}").json()
    assert body["status"] == "注销" and body["valid_today"] is False
    assert client.get("/api/v1/public/verify/not-a-token").status_code == 404


def test_session_write_needs_two_factor_when_required(world, client, settings):
    settings.ZHIFA_REQUIRE_2FA = True
    client.force_login(world["actor"])  # a superuser, but not OTP-verified in this session
    client.cookies["csrftoken"] = "k" * 32
    resp = post(client, f"/api/v1/org/certificates/{world['cert'].pk}/suspend", {"reason": "x"},
                HTTP_X_CSRFTOKEN="k" * 32)
    assert resp.status_code == 403 and "双因素" in resp.json()["message"]
    assert client.get("/api/v1/org/certificates").status_code == 200  # reading is allowed


@pytest.mark.parametrize("url, body", [
    ("/api/v1/org/certificates", "{not json"),
    ("/api/v1/org/certificates", '{"holder": "abc", "number": "X1", "regions": ["369100"], '
                                 '"issued_on": "2026-01-01", "expires_on": "2027-01-01"}'),
    ("/api/v1/org/officers", '{"name": "李四"}'),
    ("/api/v1/org/agencies/abc/deactivate", '{"reason": "x"}'),
    ("/api/v1/org/certificates/1/renew", '{"expires_on": "tomorrow", "reason": "x"}'),
])
def test_malformed_requests_are_4xx_in_error_shape(world, client, rw, url, body):
    resp = client.post(url, body, content_type="application/json", **rw)
    assert 400 <= resp.status_code < 500, resp.content
    assert set(resp.json()) == {"code", "message", "rule", "fields"}
