"""Officer case pages: scoping, registration with party checks, the step forms with refusals
(rule id shown, nothing written), warnings that need a reason, and the case list."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from zhifa.cases.engine import case_transition
from zhifa.cases.models import Case, CaseOfficer, Party, StatusEntry
from zhifa.cases.selectors import case_list_page, cases_for_user
from zhifa.cases.testing import org_party, register_case
from zhifa.ledger.models import Entry
from zhifa.org import roles
from zhifa.org import services as org
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id

TODAY = dt.date.today()
GOOD_ID = make_resident_id("369102", dt.date(1990, 7, 1), 55)
BAD_ID = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")  # wrong check character (ID-02)
HX = {"HTTP_HX_REQUEST": "true"}


def _user(username, *, officer=None, agency=None, role=roles.OFFICER):
    u = get_user_model().objects.create_user(username, password="zhifa-test-pass-9", officer=officer,
                                             agency=agency or (officer.agency if officer else None))
    u.groups.add(roles.ensure_groups()[role])
    return u


@pytest.fixture
def w(penalty_world):
    penalty_world.extra["user"] = _user("li", officer=penalty_world.officers[0])
    return penalty_world


@pytest.fixture
def logged(client, w):
    client.force_login(w.extra["user"])
    return client


def _other_agency(w):
    return org.agency_register(name="江川市生态环境局", short_name="江川环境", credit_code=make_credit_code("369100", 8),
                               region=w.city, actor=w.actor)


def _ledger_count():
    return Entry.objects.count()


# --- scoping --------------------------------------------------------------------------------------


def test_case_of_another_agency_is_404(client, w):
    case = register_case(w)
    other = _other_agency(w)
    stranger = _user("stranger", agency=other)
    client.force_login(stranger)
    assert client.get(f"/work/cases/{case.pk}/").status_code == 404
    before = StatusEntry.objects.count()
    resp = client.post(f"/work/cases/{case.pk}/steps/file/", {"head_approved": "1", "opinion": "立案"})
    assert resp.status_code == 404
    assert StatusEntry.objects.count() == before
    assert client.get("/work/cases/").context["page"].rows == []


def test_officer_list_shows_own_cases_head_sees_agency(client, w):
    mine = register_case(w, title="我的案子")
    theirs = register_case(w, title="别人的案子", co_officers=[w.officers[2]])
    CaseOfficer.objects.filter(case=theirs, officer=w.officers[0]).delete()
    Case.objects.filter(pk=theirs.pk).update(lead_officer=w.officers[1])
    client.force_login(w.extra["user"])
    titles = [r.case.title for r in client.get("/work/cases/").context["page"].rows]
    assert titles == ["我的案子"]
    head = _user("boss", agency=w.agency, role=roles.HEAD)
    assert {c.title for c in cases_for_user(head)} == {"我的案子", "别人的案子"}
    # A supervisor of the region reads the case page but may not act.
    sup = _user("sup", agency=_other_agency(w), role=roles.SUPERVISOR)
    sup.supervised_region = w.city
    sup.save()
    client.force_login(sup)
    resp = client.get(f"/work/cases/{mine.pk}/")
    assert resp.status_code == 200 and "无权办理" in resp.content.decode()
    assert client.post(f"/work/cases/{mine.pk}/steps/file/", {"head_approved": "1"}).status_code == 404


def test_list_search_filter_overdue_and_keyset(logged, w):
    old = register_case(w, title="超期未立案", discovered_on=TODAY - dt.timedelta(days=60))
    fresh = register_case(w, title="新线索", discovered_on=TODAY, parties=[org_party("江川市鲜果超市有限公司", 21)])
    resp = logged.get("/work/cases/")
    rows = {r.case.pk: r for r in resp.context["page"].rows}
    assert rows[old.pk].overdue and rows[old.pk].overdue[0].rule_id == "PEN-26"
    assert not rows[fresh.pk].overdue
    html = resp.content.decode()
    assert "已逾期" in html and "case-overdue" in html
    assert [r.case.pk for r in logged.get("/work/cases/?q=鲜果").context["page"].rows] == [fresh.pk]
    assert [r.case.pk for r in logged.get("/work/cases/?q=超期").context["page"].rows] == [old.pk]
    assert logged.get("/work/cases/?state=filed").context["page"].rows == []
    page = case_list_page(cases_for_user(w.extra["user"]), size=1)
    assert [r.case.pk for r in page.rows] == [fresh.pk] and page.next_before == fresh.pk
    second = case_list_page(cases_for_user(w.extra["user"]), size=1, before=page.next_before)
    assert [r.case.pk for r in second.rows] == [old.pk] and second.next_before is None
    assert page.count == 2


# --- registering --------------------------------------------------------------------------------------


def _register_post(w, **over):
    data = {"procedure": "penalty_general", "matter": w.matter.pk, "title": "未建立进货查验记录", "source": "inspection",
            "facts": "检查发现未建立进货查验记录", "place": "清河区和平街8号",
            "occurred_on": (TODAY - dt.timedelta(days=10)).isoformat(), "discovered_on": TODAY.isoformat(),
            "party_kind": "organisation", "party_name": "江川市好味餐饮有限公司",
            "party_credit_code": make_credit_code("369102", 9, dept="9"), "party_legal_representative": "刘大海",
            "co_officers": [w.officers[1].pk], "conflicts_declared": "on"}
    data.update(over)
    return data


def test_register_case_from_the_form(logged, w):
    resp = logged.post("/work/cases/new/", _register_post(w))
    assert resp.status_code == 302
    case = Case.objects.get()
    assert resp["Location"] == f"/work/cases/{case.pk}/"
    assert case.state == "registered" and case.lead_officer == w.officers[0]
    assert set(case.officers.all()) == {w.officers[0], w.officers[1]}
    assert case.parties.get().kind == "organisation"
    page = logged.get(resp["Location"]).content.decode()
    assert "案源登记" in page and "PEN-26" in page


@pytest.mark.parametrize("over,field,words", [
    ({"party_kind": "person", "party_name": "陈小满", "party_id_number": BAD_ID,
      "party_credit_code": ""}, "party_id_number", "ID-02"),
    ({"party_credit_code": "91369102MA0000000X"}, "party_credit_code", "ID-0"),
    ({"party_credit_code": ""}, "party_credit_code", "必须填写"),
])
def test_bad_party_identifier_refused_next_to_field(logged, w, over, field, words):
    ledger = _ledger_count()
    resp = logged.post("/work/cases/new/", _register_post(w, **over))
    assert resp.status_code == 400
    form = resp.context["form"]
    assert field in form.errors and words in "".join(form.errors[field])
    html = resp.content.decode()
    assert f'data-field="{field}"' in html
    assert not Case.objects.exists() and not Party.objects.exists()
    assert _ledger_count() == ledger


def test_register_requires_conflict_declaration_and_published_matter(logged, w):
    resp = logged.post("/work/cases/new/", _register_post(w, conflicts_declared="", matter="999999"))
    assert resp.status_code == 400
    assert {"conflicts_declared", "matter"} <= set(resp.context["form"].errors)
    assert not Case.objects.exists()


# --- steps --------------------------------------------------------------------------------------------


def test_case_page_lists_blockers_with_rule_ids(logged, w):
    case = register_case(w, co_officers=[])
    html = logged.get(f"/work/cases/{case.pk}/").content.decode()
    # Only one officer on the case: filing is blocked by PEN-16, and the page says why.
    assert 'id="step-file"' in html and "PEN-16" in html and "暂不能办理" in html
    assert 'class="d-flex flex-wrap gap-2 mt-2 case-links"' in html
    assert f"/documents/cases/{case.pk}/" in html or f"/documents/case/{case.pk}/" in html
    assert f"/review/case/{case.pk}/" in html or f"/review/cases/{case.pk}/" in html


def test_refused_step_shows_rule_and_writes_nothing(logged, w):
    case = register_case(w, co_officers=[])
    entries, ledger, version = StatusEntry.objects.count(), _ledger_count(), case.version
    resp = logged.post(f"/work/cases/{case.pk}/steps/file/", {"head_approved": "1", "opinion": "符合立案条件"}, **HX)
    assert resp.status_code == 409
    html = resp.content.decode()
    assert 'id="step-file"' in html and 'data-rule="PEN-16"' in html and "执法人员不得少于" in html
    assert "符合立案条件" in html  # what was typed is kept
    case.refresh_from_db()
    assert case.state == "registered" and case.version == version
    assert StatusEntry.objects.count() == entries and _ledger_count() == ledger


def test_missing_required_input_named(logged, w):
    case = register_case(w)
    resp = logged.post(f"/work/cases/{case.pk}/steps/file/", {"opinion": ""}, **HX)
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'data-field="head_approved"' in html and 'data-field="opinion"' in html and "必须填写" in html
    case.refresh_from_db()
    assert case.state == "registered"


def test_step_success_redraws_main_part(logged, w):
    case = register_case(w)
    resp = logged.post(f"/work/cases/{case.pk}/steps/file/", {"head_approved": "1", "opinion": "符合立案条件"}, **HX)
    assert resp.status_code == 200
    assert resp["HX-Retarget"] == "#case-main"
    html = resp.content.decode()
    assert 'id="case-main"' in html and "已办理：立案" in html and 'data-state="filed"' in html
    case.refresh_from_db()
    assert case.state == "filed" and case.number
    # Without htmx: post/redirect/get.
    resp = logged.post(f"/work/cases/{case.pk}/steps/record_interview/",
                       {"certificates_shown": "1", "interviewee": "刘大海", "content": "询问情况"})
    assert resp.status_code == 302


def test_warning_needs_a_reason(logged, w):
    """PEN-14 WARN: concluding an investigation with no 笔录 asks for a reason, kept on the row."""
    case = register_case(w)
    case_transition(case=case, action="file", actor=w.actor, data={"head_approved": True, "opinion": "立案"})
    url = f"/work/cases/{case.pk}/steps/conclude_investigation/"
    page = logged.get(f"/work/cases/{case.pk}/").content.decode()
    assert "需说明理由" in page and "PEN-14" in page
    entries = StatusEntry.objects.count()
    resp = logged.post(url, {"report": "调查终结报告"}, **HX)
    assert resp.status_code == 409
    html = resp.content.decode()
    assert 'name="warn_reason"' in html and 'data-code="reason_required"' in html and "PEN-14" in html
    assert StatusEntry.objects.count() == entries
    resp = logged.post(url, {"report": "调查终结报告", "warn_reason": "当事人自认并提交书证，无需另作笔录"}, **HX)
    assert resp.status_code == 200
    entry = StatusEntry.objects.filter(case=case).latest("seq")
    assert entry.action == "conclude_investigation"
    assert entry.warnings[0]["rule"] == "PEN-14" and entry.warnings[0]["reason"].startswith("当事人自认")
    html = logged.get(f"/work/cases/{case.pk}/").content.decode()
    assert "当事人自认并提交书证" in html


def test_add_party_and_officer(logged, w):
    case = register_case(w, co_officers=[])
    url = f"/work/cases/{case.pk}/parties/"
    resp = logged.post(url, {"kind": "person", "name": "陈小满", "id_number": BAD_ID}, **HX)
    assert resp.status_code == 400 and "id_number" in resp.context["party_form"].errors
    assert case.parties.count() == 1
    resp = logged.post(url, {"kind": "person", "name": "陈小满", "id_number": GOOD_ID}, **HX)
    assert resp.status_code == 200 and case.parties.count() == 2
    url = f"/work/cases/{case.pk}/officers/"
    resp = logged.post(url, {"officer": w.officers[2].pk}, **HX)
    assert resp.status_code == 400 and "no_conflict_declared" in resp.context["officer_form"].errors
    resp = logged.post(url, {"officer": w.officers[2].pk, "no_conflict_declared": "on"}, **HX)
    assert resp.status_code == 200
    assert case.case_officers.get(officer=w.officers[2]).no_conflict_declared


def test_simple_procedure_on_the_spot_from_the_forms(logged, w):
    """PEN-23: the on-the-spot form refuses a fine above the person threshold, naming the rule."""
    resp = logged.post("/work/cases/new/", _register_post(
        w, procedure="penalty_simple", matter=w.simple_matter.pk, party_kind="person", party_name="陈小满",
        party_id_number=GOOD_ID, party_credit_code="", occurred_on=TODAY.isoformat()))
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.state == "on_spot"
    page = logged.get(resp["Location"]).content.decode()
    assert 'id="step-decide_on_spot"' in page and 'name="officers"' in page
    url = f"/work/cases/{case.pk}/steps/decide_on_spot/"
    form = {"officers": [w.officers[0].pk, w.officers[1].pk], "certificates_shown": "1", "facts_certain": "1",
            "penalty_types": ["fine"], "fine_amount": "500", "violation": "未公示营业执照", "basis": "依据……",
            "remedies": "复议或诉讼", "party_signed": "1"}
    resp = logged.post(url, form, **HX)
    assert resp.status_code == 409 and 'data-rule="PEN-23"' in resp.content.decode()
    resp = logged.post(url, {**form, "fine_amount": "50"}, **HX)
    assert resp.status_code == 200
    case.refresh_from_db()
    assert case.state == "decided" and "当罚" in case.number


def test_page_blockers_match_transition_blockers(w):
    """The case page runs each shared guard once; what it lists must equal transition_blockers."""
    from zhifa.cases.engine import get_procedure, transition_blockers
    from zhifa.cases.selectors import page_blockers

    alone = register_case(w, co_officers=[])
    filed = register_case(w)
    case_transition(case=filed, action="file", actor=w.actor, data={"head_approved": True, "opinion": "立案"})
    procedure = get_procedure("penalty_general")
    seen = set()
    for case in (alone, filed):
        moves = procedure.available(case.state)
        page = page_blockers(case=case, procedure=procedure, transitions=moves, on_date=TODAY)
        for t in moves:
            assert page[t.action] == transition_blockers(case=case, action=t.action, on_date=TODAY)
            seen |= {(b["rule"], b["level"]) for b in page[t.action]}
    assert {("PEN-16", "block"), ("PEN-14", "warn")} <= seen


def test_stale_or_unknown_step(logged, w):
    case = register_case(w)
    assert logged.post(f"/work/cases/{case.pk}/steps/no_such_step/", {}, **HX).status_code == 404
    # The page still offered 立案 but the case has moved on (a colleague filed it): refused, redrawn.
    case_transition(case=case, action="file", actor=w.actor, data={"head_approved": True, "opinion": "立案"})
    resp = logged.post(f"/work/cases/{case.pk}/steps/file/", {"head_approved": "1", "opinion": "立案"}, **HX)
    assert resp.status_code == 409 and resp["HX-Retarget"] == "#case-main"
    assert "不能进行“立案”" in resp.content.decode()
    assert StatusEntry.objects.filter(case=case, action="file").count() == 1
