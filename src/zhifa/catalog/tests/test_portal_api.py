import pytest

from zhifa.catalog import services
from zhifa.catalog.models import AvRecordingItem, RandomInspectionItem

from .conftest import make_penalty_matter, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(agency, admin_user, food_basis):
    m = publish(make_penalty_matter(agency, admin_user, food_basis), admin_user)
    av = services.list_item_create(model=AvRecordingItem, agency=agency, actor=admin_user, act_code="COE-SEAL",
                                   name="查封扣押财物", requirement="mandatory", retention="长期")
    insp = services.list_item_create(model=RandomInspectionItem, agency=agency, actor=admin_user,
                                     name="食品销售者检查", basis="食品安全法第一百一十条", body="市场监管局",
                                     targets="食品销售者", content="许可证、进货查验", ratio="5%", method="双随机",
                                     frequency="每年一次")
    for item in (av, insp):
        for action in ("submit", "pass", "publish"):
            services.list_item_transition(item=item, action=action, actor=admin_user)
    draft = make_penalty_matter(agency, admin_user, food_basis, code="DRAFT-1", name="未公布的罚款事项")
    return m, draft


def test_portal_pages(client, published):
    m, draft = published
    r = client.get("/catalog/")
    assert r.status_code == 200 and "测试市市场监督管理局" in r.content.decode()
    r = client.get("/catalog/", {"q": "罚款"})
    body = r.content.decode()
    assert m.name in body and "未公布的罚款事项" not in body
    r = client.get(f"/catalog/matters/{m.code}/")
    body = r.content.decode()
    assert r.status_code == 200
    for text in ("第一百二十二条", "裁量基准", "从重处罚", "法制审核", "流程图"):
        assert text in body, text
    assert "85,000" in body or "85000" in body
    assert client.get(f"/catalog/matters/{draft.code}/").status_code == 404
    assert "查封扣押财物" in client.get("/catalog/av-recording/", {"q": "查封"}).content.decode()
    assert "查封扣押财物" not in client.get("/catalog/av-recording/", {"q": "听证"}).content.decode()
    assert "食品销售者检查" in client.get("/catalog/random-inspections/").content.decode()
    assert client.get("/catalog/major-decisions/").status_code == 200


def test_public_api(client, published):
    m, draft = published
    r = client.get("/api/v1/public/matters", {"q": "罚款"})
    assert r.status_code == 200
    assert [x["code"] for x in r.json()["results"]] == [m.code]
    r = client.get(f"/api/v1/public/matters/{m.code}")
    data = r.json()
    assert data["legal_bases"][0]["article"] == "第一百二十二条"
    assert {t["tier"] for t in data["benchmark"]} == {"no_penalty", "lighter", "general", "heavier"}
    r = client.get(f"/api/v1/public/matters/{draft.code}")
    assert r.status_code == 404 and set(r.json()) == {"code", "message", "rule", "fields"}
    r = client.get("/api/v1/public/matters", {"kind": "bogus"})
    assert r.status_code == 400 and "kind" in r.json()["fields"]
    assert client.get("/api/v1/public/av-items").json()["count"] == 1


def test_admin_api_requires_staff(client, django_user_model, agency, food_basis):
    payload = {"agency_id": agency.id, "code": "API-1", "legal_basis_ids": [food_basis.id],
               "fields": {"name": "接口新建", "kind": "licensing"}}
    assert client.post("/api/v1/catalog/matters", payload, content_type="application/json").status_code == 401
    user = django_user_model.objects.create_user(username="clerk", password="pw-123456")
    client.force_login(user)
    r = client.post("/api/v1/catalog/matters", payload, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_admin_api_workflow(client, admin_user, agency, food_basis):
    client.force_login(admin_user)
    r = client.post("/api/v1/catalog/matters", {
        "agency_id": agency.id, "code": "API-1", "legal_basis_ids": [food_basis.id],
        "fields": {"name": "食品经营许可", "kind": "licensing", "flowchart": ["申请", "受理", "审查", "决定"]}},
        content_type="application/json")
    assert r.status_code == 200, r.content
    mid = r.json()["id"]
    for action in ("submit", "pass", "publish"):
        r = client.post(f"/api/v1/catalog/matters/{mid}/{action}", {}, content_type="application/json")
        assert r.status_code == 200, r.content
    assert client.get("/api/v1/public/matters/API-1").json()["flowchart"][1]["step"] == "受理"
    r = client.post(f"/api/v1/catalog/matters/{mid}/publish", {}, content_type="application/json")
    assert r.status_code == 409 and r.json()["rule"] == "PUB-01"
    r = client.post("/api/v1/catalog/matters", {"agency_id": agency.id, "code": "API-2",
                                                "fields": {"name": "x", "kind": "penalty", "penalty_types": ["坐牢"]}},
                    content_type="application/json")
    assert r.status_code == 400 and r.json()["rule"] == "PEN-01" and "penalty_types" in r.json()["fields"]
    r = client.put("/api/v1/catalog/settings", {"key": "hearing_fine_org", "value": 50000, "agency_id": agency.id},
                   content_type="application/json")
    assert r.status_code == 200
    values = {s["key"]: s["value"] for s in client.get("/api/v1/catalog/settings", {"agency": agency.id}).json()}
    assert values["hearing_fine_org"] == 50000 and values["hearing_fine_person"] == 10000


def test_benchmark_api(client, admin_user, agency, food_basis):
    m = make_penalty_matter(agency, admin_user, food_basis)
    client.force_login(admin_user)
    r = client.post(f"/api/v1/catalog/benchmark/{m.id}", {"circumstances": {"mitigating": ["eliminated_harm"]},
                                                         "proposed_amount": "90000"}, content_type="application/json")
    data = r.json()
    assert data["tier"] == "lighter" and data["deviation"]["collective_discussion_required"] is True


def test_openapi_lists_catalog_routes(client, db):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/public/matters" in paths and "/api/v1/public/matters/{code}" in paths
    assert "/api/v1/catalog/import" in paths
