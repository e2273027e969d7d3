"""Staff login: lockout after repeated failures (django-axes) and the TOTP gate (django-otp)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.org import roles
from zhifa.org.models import AuthEvent

pytestmark = pytest.mark.django_db
PASSWORD = "zhifa-test-pass-9"


def make_user(username, *groups, superuser=False):
    roles.ensure_groups()
    User = get_user_model()
    user = (User.objects.create_superuser(username, f"{username}@example.cn", PASSWORD) if superuser
            else User.objects.create_user(username, f"{username}@example.cn", PASSWORD, is_staff=True))
    for g in groups:
        user.groups.add(roles.ensure_groups()[g])
    return user


def login(client, username, password=PASSWORD):
    return client.post(reverse("web:login"), {"username": username, "password": password})


def test_login_success_goes_to_workbench(client):
    make_user("clerk", roles.OFFICER)
    resp = login(client, "clerk")
    assert resp.status_code == 302 and resp["Location"] == reverse("web:workbench")


def test_wrong_password_shows_chinese_error(client):
    make_user("clerk", roles.OFFICER)
    resp = login(client, "clerk", "wrong-password")
    assert resp.status_code == 200
    assert "用户名" in resp.content.decode() and "密码" in resp.content.decode()


def test_lockout_after_failure_limit(client, settings):
    make_user("clerk", roles.OFFICER)
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _ in range(limit - 1):
        assert login(client, "clerk", "wrong-password").status_code == 200
    locked = login(client, "clerk", "wrong-password")
    assert locked.status_code == 429
    assert "账户已暂时锁定" in locked.content.decode()
    # Even the right password is refused while locked out.
    again = login(client, "clerk")
    assert again.status_code == 429 and "账户已暂时锁定" in again.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOCKED_OUT, username="clerk").exists()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_FAILED, username="clerk").count() >= limit


def _token(device):
    return format(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0),
                  f"0{device.digits}d")


def test_2fa_off_reviewer_reaches_workbench(client, settings):
    settings.ZHIFA_REQUIRE_2FA = False
    make_user("rev", roles.REVIEWER)
    login(client, "rev")
    assert client.get(reverse("web:workbench")).status_code == 200


def test_2fa_officer_not_required(client, settings):
    settings.ZHIFA_REQUIRE_2FA = True
    make_user("clerk", roles.OFFICER)
    login(client, "clerk")
    assert client.get(reverse("web:workbench")).status_code == 200


@pytest.mark.parametrize("group,superuser", [(roles.REVIEWER, False), (roles.HEAD, False), (roles.ADMIN, False),
                                             (None, True)])
def test_2fa_enrolment_then_access(client, settings, group, superuser):
    settings.ZHIFA_REQUIRE_2FA = True
    user = make_user("boss", *([group] if group else []), superuser=superuser)
    login(client, "boss")
    for page in (reverse("web:workbench"), "/admin/"):
        resp = client.get(page)
        assert resp.status_code == 302 and resp["Location"].startswith("/accounts/otp/")
    # Public pages stay open.
    assert client.get("/officers/").status_code == 200
    enrol = client.get("/accounts/otp/?next=/workbench/")
    body = enrol.content.decode()
    assert enrol.status_code == 200 and "<svg" in body and "otp-secret" in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    import base64
    assert base64.b32encode(device.bin_key).decode().rstrip("=") in body
    bad = client.post("/accounts/otp/", {"token": "000000" if _token(device) != "000000" else "111111",
                                         "next": "/workbench/"})
    assert bad.status_code == 400 and "验证码不正确" in bad.content.decode()
    assert client.get(reverse("web:workbench")).status_code == 302
    # django-otp throttles after a failure: even the right token waits; then (time passing) it works.
    throttled = client.post("/accounts/otp/", {"token": _token(device), "next": "/workbench/"})
    assert throttled.status_code == 400 and "请等待片刻" in throttled.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post("/accounts/otp/", {"token": _token(device), "next": "/workbench/"})
    assert ok.status_code == 302 and ok["Location"] == "/workbench/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("web:workbench")).status_code == 200
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.OTP_ENROLLED, user=user).exists()


def test_2fa_confirmed_device_verify_in_new_session(client, settings):
    settings.ZHIFA_REQUIRE_2FA = True
    user = make_user("head", roles.HEAD)
    device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    login(client, "head")
    page = client.get("/accounts/otp/")
    assert "otp-secret" not in page.content.decode()  # no re-enrolment, key not shown again
    assert client.post("/accounts/otp/", {"token": "12ab"}).status_code == 400
    resp = client.post("/accounts/otp/", {"token": _token(device), "next": "https://evil.example/"})
    assert resp.status_code == 302 and resp["Location"] == reverse("web:workbench")
    assert client.get("/admin/").status_code == 200
