"""Pages and API: staff only, scoped to the agencies a user may see; downloads are the stored files."""

import hashlib

import pytest

from zhifa.documents.models import Document, DocumentRequest
from zhifa.org import services as org
from zhifa.org.identity_fixtures import make_credit_code
from zhifa.org.models import User

from .helpers import generate


@pytest.fixture
def issued(decided_case, actor, django_capture_on_commit_callbacks):
    return generate(decided_case, "penalty_decision", actor, django_capture_on_commit_callbacks).document


@pytest.fixture
def other_agency(world, actor):
    return org.agency_register(name="云岭市市场监督管理局", credit_code=make_credit_code("369200", 3),
                               region=world["city"], actor=actor)


def staff(client, username, agency, **kw):  # an agency user (no admin-site flag)
    user = User.objects.create_user(username, password="zhifa-test-pass-3", agency=agency, **kw)  # not an admin
    from zhifa.org import roles

    user.groups.add(roles.ensure_groups()[roles.OFFICER])
    client.force_login(user)
    return user


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_case_page_lists_documents_and_downloads(client, issued, world):
    staff(client, "clerk", world["agency"])
    page = client.get(f"/documents/cases/{issued.case_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "行政处罚决定书" in html and issued.number in html
    pdf = client.get(f"/documents/{issued.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(body(pdf)).hexdigest() == issued.pdf_sha256
    docx = client.get(f"/documents/{issued.pk}.docx")
    assert "attachment" in docx["Content-Disposition"]
    assert hashlib.sha256(body(docx)).hexdigest() == issued.docx_sha256
    assert 'http-equiv="refresh"' not in html


def test_case_page_reloads_while_a_document_is_being_rendered(client, case, world, actor):
    from zhifa.documents.services import document_generate

    staff(client, "clerk", world["agency"])
    document_generate(case=case, template="filing_approval", actor=actor)  # the task runs after commit: pending
    html = client.get(f"/documents/cases/{case.pk}/").content.decode()
    assert "生成中" in html and 'http-equiv="refresh"' in html


def test_other_agencies_and_the_public_cannot_see(client, issued, other_agency):
    assert client.get(f"/documents/cases/{issued.case_id}/").status_code == 302  # to the login page
    assert client.get(f"/documents/{issued.pk}.pdf").status_code == 302
    staff(client, "stranger", other_agency)
    assert client.get(f"/documents/cases/{issued.case_id}/").status_code == 404
    assert client.get(f"/documents/{issued.pk}.pdf").status_code == 404
    assert client.get(f"/api/v1/documents/{issued.pk}").status_code == 404
    assert client.get(f"/api/v1/documents/{issued.pk}/pdf").status_code == 404
    client.logout()
    assert client.get(f"/api/v1/documents/{issued.pk}").status_code == 401


def test_page_generates_and_corrects(client, decided_case, world, django_capture_on_commit_callbacks):
    staff(client, "officer", world["agency"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/documents/cases/{decided_case.pk}/generate/", {"template": "pre_decision_notice"})
    assert r.status_code == 302
    doc = Document.objects.get(case=decided_case)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/documents/{doc.pk}/correct/", {"reason": "告知书联系人有误"})
    html = client.get(f"/documents/cases/{decided_case.pk}/").content.decode()
    assert "已更正" in html and "告知书联系人有误" in html and "第2版" in html


def test_a_supervisor_reads_but_does_not_issue(client, issued, world):
    from django.contrib.auth.models import Group

    user = staff(client, "sup", None, supervised_region=world["city"])
    user.groups.add(Group.objects.get_or_create(name="监督人员")[0])
    assert client.get(f"/documents/cases/{issued.case_id}/").status_code == 200
    assert client.get(f"/documents/{issued.pk}.pdf").status_code == 200
    r = client.post(f"/documents/cases/{issued.case_id}/generate/", {"template": "pre_decision_notice"}, follow=True)
    assert "只有本案执法主体的工作人员" in r.content.decode()
    assert DocumentRequest.objects.filter(template="pre_decision_notice").count() == 0


def test_api_lists_metadata_and_files(client, issued, actor):
    client.force_login(actor)
    listed = client.get(f"/api/v1/documents/cases/{issued.case_id}").json()
    assert [d["number"] for d in listed] == [issued.number]
    meta = client.get(f"/api/v1/documents/{issued.pk}").json()
    assert meta["pdf"]["sha256"] == issued.pdf_sha256 and meta["is_superseded"] is False
    assert meta["template_version"] == issued.template_version
    pdf = client.get(meta["pdf"]["url"])
    assert hashlib.sha256(body(pdf)).hexdigest() == issued.pdf_sha256
    assert client.get(f"/api/v1/documents/{issued.pk}/exe").status_code == 404


def test_api_request_and_supersede_with_a_token(client, issued, world, actor, django_capture_on_commit_callbacks):
    token, plaintext = org.api_token_create(name="案件系统", agency=world["agency"], scopes=["documents:write"],
                                            actor=actor)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/api/v1/documents/cases/{issued.case_id}/requests", {"template": "pre_decision_notice"},
                        content_type="application/json", **auth)
    assert r.status_code == 202, r.content
    req = client.get(f"/api/v1/documents/requests/{r.json()['id']}", **auth).json()
    assert req["status"] == "done" and req["document"]
    bad = client.post(f"/api/v1/documents/cases/{issued.case_id}/requests", {"template": "nope"},
                      content_type="application/json", **auth)
    assert bad.status_code == 400 and bad.json()["rule"] == "REC-10"
    missing_reason = client.post(f"/api/v1/documents/{issued.pk}/supersede", {"reason": ""},
                                 content_type="application/json", **auth)
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(f"/api/v1/documents/{issued.pk}/supersede", {"reason": "当事人地址更正"},
                         content_type="application/json", **auth)
    assert ok.status_code == 202
    meta = client.get(f"/api/v1/documents/{issued.pk}", **auth).json()
    assert meta["is_superseded"] is True and meta["superseded_by"]
    read_only, plain_ro = org.api_token_create(name="只读", agency=world["agency"], scopes=["documents:read"],
                                               actor=actor)
    denied = client.post(f"/api/v1/documents/{issued.pk}/supersede", {"reason": "x"},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {plain_ro}")
    assert denied.status_code == 403
