"""Public portal pages: home, directory (P1), officer register (P2), verification (A2)."""

import pytest
from django.urls import reverse

from zhifa.org import services
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_home_is_public_and_chinese(client, portal):
    resp = client.get("/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "行政执法公示平台" in body and 'lang="zh-CN"' in body
    assert 'name="viewport"' in body


def test_directory_shows_contacts_and_entrustment(client, portal):
    actor, agency = portal["actor"], portal["agency"]
    services.agency_update(agency=agency, changes={"duties": "负责市场综合监督管理", "phone": "0791-12345",
                                                   "supervision_channel": "12345热线", "remedies": "可申请行政复议"},
                           actor=actor)
    resp = client.get(reverse("web:agencies"))
    body = resp.content.decode()
    for text in ("江川市市场监督管理局", "负责市场综合监督管理", "0791-12345", "12345热线", "可申请行政复议", "行政机关"):
        assert text in body
    assert client.get(reverse("web:agencies"), {"q": "不存在的机关"}).content.decode().count("agency-card") == 0


def test_directory_entrusted_body_shows_entrusting_agency_scope_and_term(client, portal):
    import datetime as dt
    from zhifa.org.identity_fixtures import make_credit_code
    from zhifa.org.models import Agency
    body_obj = services.agency_register(
        name="江川市清河水政监察站", credit_code=make_credit_code("369102", 20001, dept="1", kind="2"),
        region=portal["district"], kind=Agency.Kind.ENTRUSTED_ORG, entrusting_agency=portal["agency"],
        entrustment_scope="受委托实施河道采砂管理的监督检查。", entrustment_document="江水政委〔2025〕3号",
        entrustment_start=dt.date(2025, 1, 1), entrustment_end=dt.date(2027, 12, 31), actor=portal["actor"])
    body = client.get(reverse("web:agencies")).content.decode()
    assert body_obj.name in body
    assert "委托机关" in body and body_obj.entrusting_agency.name in body
    assert "受委托实施河道采砂管理的监督检查。" in body and "江水政委〔2025〕3号" in body
    assert "2025年1月1日 至 2027年12月31日" in body


def test_register_lists_certificates_without_id_numbers(client, portal):
    resp = client.get(reverse("web:officers"))
    body = resp.content.decode()
    for name in ("张伟", "李娜", "王强"):
        assert name in body
    for number in ("JC0001", "JC0002", "JC0003"):
        assert number in body
    assert "综合执法岗" in body and "市场监管" in body and "江川市" in body
    for officer in (portal["officer"], portal["old"], portal["held"]):
        assert officer.id_number not in body
        assert officer.id_number[-8:] not in body


@pytest.mark.parametrize("query,expected,absent", [
    ({"q": "李娜"}, "JC0002", "JC0001"),
    ({"q": "jc0003"}, "王强", "张伟"),
])
def test_register_search(client, portal, query, expected, absent):
    body = client.get(reverse("web:officers"), query).content.decode()
    assert expected in body and absent not in body


def test_register_filter_by_agency_select(client, portal):
    from zhifa.org.identity_fixtures import make_credit_code
    other = services.agency_register(name="江川市水务局", credit_code=make_credit_code("369100", 2),
                                     region=portal["city"], actor=portal["actor"])
    body = client.get(reverse("web:officers"), {"agency": other.pk}).content.decode()
    assert "张伟" not in body and "没有符合条件" in body
    body = client.get(reverse("web:officers"), {"agency": portal["agency"].pk}).content.decode()
    assert "张伟" in body and f'<option value="{portal["agency"].pk}" selected>' in body
    assert client.get(reverse("web:officers"), {"agency": "abc"}).status_code == 200


def test_register_paginates(client, portal):
    from zhifa.web.views import REGISTER_PAGE_SIZE
    import datetime as dt
    from zhifa.org.identity_fixtures import make_resident_id
    for i in range(REGISTER_PAGE_SIZE):
        o = services.officer_register(name=f"测试{i:02d}", id_number=make_resident_id("369102", dt.date(1980, 1, 1), 100 + i),
                                      agency=portal["agency"], actor=portal["actor"])
        services.certificate_issue(holder=o, number=f"JT{i:04d}", issued_on=timezone.localdate() - dt.timedelta(days=5),
                                   expires_on=timezone.localdate() + dt.timedelta(days=50), categories=[portal["market"]],
                                   regions=[portal["city"]], actor=portal["actor"])
    first = client.get(reverse("web:officers")).content.decode()
    second = client.get(reverse("web:officers"), {"page": 2}).content.decode()
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second
    assert "下一页" in first and "上一页" in second


def test_verify_valid_certificate(client, portal):
    cert = portal["cert"]
    resp = client.get(f"/verify/{cert.verification_token}")
    body = resp.content.decode()
    assert resp.status_code == 200
    assert 'data-valid="true"' in body and "有效" in body and "无效" not in body
    assert "张伟" in body and "江川市市场监督管理局" in body and "市场监管" in body and "江川市" in body
    assert cert.expires_on.strftime("%Y年") in body
    assert portal["officer"].id_number not in body


@pytest.mark.parametrize("key,reason", [("expired", "已过期"), ("suspended", "已暂扣")])
def test_verify_invalid_certificate_states_reason(client, portal, key, reason):
    resp = client.get(f"/verify/{portal[key].verification_token}")
    body = resp.content.decode()
    assert resp.status_code == 200
    assert 'data-valid="false"' in body and "无效" in body and reason in body


def test_verify_revoked(client, portal):
    cert = services.certificate_revoke(certificate=portal["cert"], reason="调离执法岗位", actor=portal["actor"])
    body = client.get(f"/verify/{cert.verification_token}").content.decode()
    assert 'data-valid="false"' in body and "已注销" in body


def test_verify_unknown_token_is_chinese_404(client, portal):
    resp = client.get("/verify/not-a-real-token")
    assert resp.status_code == 404
    assert "未找到" in resp.content.decode()
    assert client.get("/verify/not-a-real-token/qr.svg").status_code == 404


def test_qr_svg_encodes_verification_url(client, portal):
    token = portal["cert"].verification_token
    resp = client.get(f"/verify/{token}/qr.svg")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("image/svg+xml")
    svg = resp.content.decode()
    assert svg.lstrip().startswith("<svg") and "<path" in svg
    # Decode would need a QR reader; instead check segno produces the same symbol for the URL.
    import segno
    expected = segno.make(f"http://testserver/verify/{token}", error="m").svg_inline(scale=6, border=2,
                                                                                   title="执法证件核验二维码")
    assert svg == expected


def test_no_id_number_anywhere_on_public_pages_with_demo_data(client):
    from zhifa.org.demo import load
    from zhifa.org.models import Certificate, Officer

    load(stdout=None)
    ids = list(Officer.objects.values_list("id_number", flat=True))
    assert len(ids) >= 50
    pages = ["/", "/agencies/"]
    first = client.get("/officers/")
    pages += [f"/officers/?page={n}" for n in first.context["page"].paginator.page_range]
    pages += [f"/verify/{t}" for t in Certificate.objects.values_list("verification_token", flat=True)[:20]]
    for url in pages:
        resp = client.get(url)
        assert resp.status_code == 200, url
        body = resp.content.decode()
        leaked = [i for i in ids if i in body]
        assert not leaked, (url, leaked[:1])
