"""The public portal, feeds and API (P6, P10) and the clerk's pages (P9)."""

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Group

from zhifa.catalog import services as catalog
from zhifa.catalog.models import LegalBasis
from zhifa.org import roles
from zhifa.publicity import services
from zhifa.publicity.models import Publication, Status

from .conftest import PERSON, open_penalty, publish

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _atom(client, **params):
    response = client.get("/publicity/feed.atom", params)
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(b"".join(response.streaming_content))


def test_portal_search_and_decision_page(client, agency, clerk):
    pub = publish(open_penalty(agency, clerk, party=PERSON, facts="当事人张三（身份证号11010519491231002X）销售过期食品。"),
                  clerk)
    page = client.get("/publicity/", {"q": "过期食品"}).content.decode()
    assert pub.decision_number in page and "张某某" in page
    assert "共 1 条" in client.get("/publicity/count/", {"q": "过期食品"}).content.decode()
    for params in ({"party": "张某某"}, {"decision_number": pub.decision_number}, {"agency": agency.pk},
                   {"category": "penalty"}, {"date_from": "2026-09-01", "date_to": "2026-09-30"}):
        assert pub.decision_number in client.get("/publicity/", params).content.decode(), params
    assert pub.decision_number not in client.get("/publicity/", {"date_from": "2026-10-01"}).content.decode()
    detail = client.get(f"/publicity/d/{pub.pk}/").content.decode()
    assert "张某某" in detail and "过期食品" in detail and pub.published_version.content_hash in detail
    assert "11010519491231002X" not in detail and "张三" not in detail


def test_portal_keeps_the_count_but_always_lists_live_rows(client, agency, clerk, settings):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.ZHIFA_PORTAL_CACHE_SECONDS = 60
    cache.clear()
    pub = publish(open_penalty(agency, clerk), clerk)
    page = client.get("/publicity/", {"q": "过期食品"}).content.decode()
    assert pub.decision_number in page and "/publicity/count/?q=" in page  # the count is loaded after the rows
    with CaptureQueriesContext(connection) as first:
        assert "共 1 条" in client.get("/publicity/count/", {"q": "过期食品"}).content.decode()
    with CaptureQueriesContext(connection) as second:
        assert "共 1 条" in client.get("/publicity/count/", {"q": "过期食品"}).content.decode()
    assert len(first) >= 1 and len(second) == 0  # kept
    with CaptureQueriesContext(connection) as again:
        client.get("/publicity/", {"q": "过期食品"})
    assert not any("org_agency" in q["sql"] and "EXISTS" in q["sql"] for q in again.captured_queries)  # agency list kept
    services.publication_withdraw_for_source(source_label="cases.decision", source_pk=1,
                                             reason="该决定已被依法撤销。", actor=clerk, on=dt.date(2026, 11, 2))
    assert pub.decision_number not in client.get("/publicity/", {"q": "过期食品"}).content.decode()
    cache.clear()


def test_portal_pages_without_counting(client, agency, clerk):
    for i in range(1, 26):
        publish(open_penalty(agency, clerk, source_pk=i, decided=dt.date(2026, 9, 1) + dt.timedelta(days=i)), clerk)
    first = client.get("/publicity/").content.decode()
    assert first.count('class="list-group-item list-group-item-action"') == 20
    assert "第 1 页" in first and "page=2" in first and "上一页" not in first
    second = client.get("/publicity/", {"page": 2}).content.decode()
    assert second.count('class="list-group-item list-group-item-action"') == 5
    assert "第 2 页" in second and "page=3" not in second and "上一页" in second
    assert "江市监处罚〔2026〕1号" in second and "江市监处罚〔2026〕25号" in first  # newest first
    assert "共 25 条" in client.get("/publicity/count/").content.decode()
    for bad in ("x", "-3", "999999"):  # a page number out of range is clamped, not an error
        assert client.get("/publicity/", {"page": bad}).status_code == 200


def test_drafts_are_not_public(client, agency, clerk):
    pub = open_penalty(agency, clerk)
    assert client.get(f"/publicity/d/{pub.pk}/").status_code == 404
    assert client.get(f"/api/v1/public/publications/{pub.pk}").status_code == 404
    assert pub.decision_number not in client.get("/publicity/").content.decode()


def test_withdrawn_item_says_so_without_content_and_the_feed_announces_it(client, agency, clerk):
    pub = publish(open_penalty(agency, clerk), clerk)
    entries = _atom(client).findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}category").get("term") for e in entries] == ["published"]
    services.publication_withdraw_for_source(source_label="cases.decision", source_pk=1,
                                             reason="该决定已被依法撤销。", actor=clerk, on=dt.date(2026, 11, 2))
    assert pub.decision_number not in client.get("/publicity/", {"q": "过期食品"}).content.decode()
    detail = client.get(f"/publicity/d/{pub.pk}/").content.decode()
    assert "已于" in detail and "撤回" in detail and "该决定已被依法撤销" in detail
    assert "好味食品" not in detail and "过期食品" not in detail
    entries = _atom(client).findall(f"{ATOM}entry")
    assert entries[0].find(f"{ATOM}category").get("term") == "withdrawn"
    assert pub.decision_number in entries[0].find(f"{ATOM}title").text
    api = client.get(f"/api/v1/public/publications/{pub.pk}").json()
    assert api["status"] == "withdrawn" and api["party"] is None and "conclusion" not in api


def test_csv_export_streams_the_published_rows(client, agency, clerk):
    a = publish(open_penalty(agency, clerk), clerk)
    open_penalty(agency, clerk, source_pk=2)  # a draft: not exported
    response = client.get("/publicity/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "编号" and len(rows) == 2
    assert rows[1][3] == a.decision_number and rows[1][6] == "91110108MA01234P76"


def test_public_api_search(client, agency, clerk):
    pub = publish(open_penalty(agency, clerk), clerk)
    body = client.get("/api/v1/public/publications", {"credit_code": "91110108MA01234P76"}).json()
    assert [r["id"] for r in body["results"]] == [pub.pk]
    one = client.get(f"/api/v1/public/publications/{pub.pk}").json()
    assert one["content_hash"] == pub.published_version.content_hash
    assert one["ledger_entries"][0]["kind"] == "publication_published"
    assert client.get("/api/v1/public/publications", {"category": "bogus"}).status_code == 400


@pytest.fixture
def publicity_user(agency, django_user_model):
    roles.ensure_groups()
    user = django_user_model.objects.create_user(username="pubclerk", password="pw-123456", agency=agency)
    user.groups.add(Group.objects.get(name=roles.PUBLICITY))
    return user


def test_clerk_reviews_and_publishes_through_the_pages(client, agency, other_agency, clerk, publicity_user):
    pub = open_penalty(agency, clerk, facts="证人王建国在场。")
    theirs = open_penalty(other_agency, clerk, source_pk=2)
    client.force_login(publicity_user)
    page = client.get(f"/publicity/clerk/{pub.pk}/").content.decode()
    assert "王建国" in page and "王某某" in page  # the hit is shown for review
    assert client.get(f"/publicity/clerk/{theirs.pk}/").status_code == 404  # outside the clerk's remit
    client.post(f"/publicity/clerk/{pub.pk}/review/", {"keep": "", "mask": ""})
    client.post(f"/publicity/clerk/{pub.pk}/publish/")
    assert Publication.objects.get(pk=pub.pk).status == Status.PUBLISHED
    listing = client.get("/publicity/clerk/").content.decode()
    assert pub.decision_number in listing and theirs.decision_number not in listing


def test_officers_may_not_use_the_clerk_pages(client, agency, clerk, django_user_model):
    roles.ensure_groups()
    officer = django_user_model.objects.create_user(username="off", password="pw-123456", agency=agency)
    officer.groups.add(Group.objects.get(name=roles.OFFICER))
    client.force_login(officer)
    assert client.get("/publicity/clerk/").status_code == 403


def test_post_sign_of_a_service_window(client, agency, clerk):
    basis = catalog.legal_basis_create(level=LegalBasis.Level.LAW, name="中华人民共和国食品安全法",
                                       version_date=dt.date(2021, 4, 29), article="第三十五条", text="从事食品生产经营应当依法取得许可。",
                                       actor=clerk)
    matter = catalog.matter_create(agency=agency, code="SJ-XK-001", actor=clerk, legal_bases=[basis],
                                   name="食品经营许可", kind="licensing", office="市政务服务中心市场监管窗口",
                                   materials="申请书；营业执照复印件", flowchart=["申请", "受理", "审查", "决定"],
                                   hours="工作日9:00—17:00", address="江川市人民路88号", phone="0791-12315",
                                   time_limit="20个工作日")
    catalog.matter_submit_review(matter=matter, actor=clerk)
    catalog.matter_review_pass(matter=matter, actor=clerk, opinion="同意")
    catalog.matter_publish(matter=matter, actor=clerk)
    assert "市政务服务中心市场监管窗口" in client.get("/publicity/signs/").content.decode()
    page = client.get(f"/publicity/signs/{agency.pk}/", {"office": "市政务服务中心市场监管窗口"}).content.decode()
    for text in ("岗位信息公示牌", "食品经营许可", "营业执照复印件", "受理", "进度查询", "投诉监督", "0791-12315"):
        assert text in page
    assert client.get(f"/publicity/signs/{agency.pk}/", {"office": "不存在"}).status_code == 404
