"""The cases API: register, move, refuse with 409 and the rule id, scope by agency."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model

from zhifa.cases.models import Case, StatusEntry
from zhifa.cases.testing import org_party
from zhifa.ledger.models import Entry
from zhifa.org import roles
from django.utils import timezone

TODAY = timezone.localdate()


@pytest.fixture
def officer_client(client, penalty_world):
    w = penalty_world
    user = get_user_model().objects.create_user("li-ming", password="pw-123456-x", agency=w.agency)
    user.groups.add(roles.ensure_groups()[roles.OFFICER])
    client.force_login(user)
    return client


def _payload(w, **kw):
    body = {"procedure": "penalty_general", "agency_id": w.agency.pk, "lead_officer_id": w.officers[0].pk,
            "matter_id": w.matter.pk, "title": "未建立进货查验记录", "source": "complaint",
            "discovered_on": (TODAY - dt.timedelta(days=10)).isoformat(),
            "occurred_on": (TODAY - dt.timedelta(days=12)).isoformat(), "place": "清河区和平街8号",
            "parties": [org_party()], "co_officer_ids": [w.officers[1].pk]}
    body.update(kw)
    return body


def test_register_and_move_through_the_api(officer_client, penalty_world):
    w = penalty_world
    r = officer_client.post("/api/v1/cases/", _payload(w), content_type="application/json")
    assert r.status_code == 201, r.content
    case_id = r.json()["id"]
    assert r.json()["state"] == "registered"
    assert any(s["action"] == "file" for s in r.json()["next_steps"])
    r = officer_client.post(f"/api/v1/cases/{case_id}/transitions/file",
                            {"data": {"head_approved": True, "opinion": "立案"}}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["to_state"] == "filed"
    detail = officer_client.get(f"/api/v1/cases/{case_id}").json()
    assert detail["number"].startswith("江川市监立〔")
    assert [d["rule_id"] for d in detail["deadlines"] if d["open"]] == ["PEN-34"]


def test_refused_move_is_409_with_rule_and_writes_nothing(officer_client, penalty_world):
    w = penalty_world
    # Only one officer, and one without a certificate: PEN-16 refuses filing.
    body = _payload(w, co_officer_ids=[w.uncertified.pk])
    case_id = officer_client.post("/api/v1/cases/", body, content_type="application/json").json()["id"]
    entries_before = Entry.objects.count()
    r = officer_client.post(f"/api/v1/cases/{case_id}/transitions/file",
                            {"data": {"head_approved": True, "opinion": "立案"}}, content_type="application/json")
    assert r.status_code == 409
    body = r.json()
    assert body["rule"] == "PEN-16" and "孙新" in body["message"]
    assert Entry.objects.count() == entries_before
    assert StatusEntry.objects.filter(case_id=case_id).count() == 1
    assert Case.objects.get(pk=case_id).state == "registered"


def test_bad_input_is_400_naming_the_field(officer_client, penalty_world):
    w = penalty_world
    bad = _payload(w, parties=[{"kind": "person", "name": "陈某", "id_number": "110101199003071235"}])
    count = Case.objects.count()
    r = officer_client.post("/api/v1/cases/", bad, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["rule"] == "ID-02" and "id_number" in r.json()["fields"]
    assert Case.objects.count() == count
    case_id = officer_client.post("/api/v1/cases/", _payload(w), content_type="application/json").json()["id"]
    r = officer_client.post(f"/api/v1/cases/{case_id}/transitions/file", {"data": {"opinion": "立案"}},
                            content_type="application/json")
    assert r.status_code == 400 and "head_approved" in r.json()["fields"]


def test_other_agencies_cases_are_invisible(client, penalty_world):
    from zhifa.org import services as org
    from zhifa.org.identity_fixtures import make_credit_code

    w = penalty_world
    other = org.agency_register(name="江川市生态环境局", credit_code=make_credit_code("369100", 8), region=w.city,
                                actor=w.actor)
    user = get_user_model().objects.create_user("outsider", password="pw-123456-x", agency=other)
    user.groups.add(roles.ensure_groups()[roles.OFFICER])
    from zhifa.cases.testing import register_case

    case = register_case(w)
    client.force_login(user)
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404
    assert client.get("/api/v1/cases/").json() == []
    # a step on it is not found either (the engine's lock query checks the scope), and writes nothing
    rows = case.status_entries.count()
    r = client.post(f"/api/v1/cases/{case.pk}/transitions/file",
                    {"data": {"head_approved": True, "opinion": "符合立案条件"}}, content_type="application/json")
    assert r.status_code == 404 and "不在您的职责范围内" in r.json()["message"]
    assert case.status_entries.count() == rows
    r = client.post("/api/v1/cases/", _payload(w), content_type="application/json")
    assert r.status_code == 403


def test_procedure_tables_are_published(officer_client):
    tables = {p["name"]: p for p in officer_client.get("/api/v1/cases/procedures").json()}
    assert {"penalty_general", "penalty_simple"} <= set(tables)
    file_step = next(t for t in tables["penalty_general"]["transitions"] if t["action"] == "file")
    assert "PEN-16" in {g["rule"] for g in file_step["guards"]}


def test_a_body_that_is_not_unicode_or_not_json_is_400_in_chinese(officer_client, penalty_world):
    w = penalty_world
    count, entries = Case.objects.count(), Entry.objects.count()
    raw = json.dumps(_payload(w, title="未建立进货查验记录\ud800"))  # ASCII escapes: "\ud800" reaches json.loads
    r = officer_client.post("/api/v1/cases/", raw, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_body" and "Unicode" in r.json()["message"]
    r = officer_client.post("/api/v1/cases/", raw[:-5], content_type="application/json")
    assert r.status_code == 400 and r.json()["message"].startswith("请求正文不是有效的 JSON")
    assert (Case.objects.count(), Entry.objects.count()) == (count, entries)
