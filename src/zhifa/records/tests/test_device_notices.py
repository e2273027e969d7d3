"""Telling the party of a monitoring-device record, and the party's query and statement (PEN-15,
行政处罚法 Art. 41 para. 3: 及时告知当事人违法事实，并……为当事人查询、陈述和申辩提供便利).

A conforming review opens a notice deadline from the calendar (working days, a catalog setting);
the notice (append-only, on the ledger) closes it and gives the party a random query code. On the
public page the code and the party's identity number open the record; a wrong pair gets one answer
whether or not the code exists, counts towards the code's lock and the client's hourly limit.
Statements are append-only and on the ledger; bad input writes none."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.test import override_settings
from django.utils import timezone

from zhifa.cases.models import CaseDeadline
from zhifa.cases.services import party_add
from zhifa.cases.snapshot import case_snapshot
from zhifa.catalog.services import setting_set, setting_value
from zhifa.core.append_only import AppendOnlyError
from zhifa.core.calendar import add_working_days
from zhifa.core.errors import Conflict, DomainError, PermissionDeniedError
from zhifa.core.filestore import filestore_open
from zhifa.ledger.models import Entry
from zhifa.core.canonical import row_digest
from zhifa.org.identity_fixtures import make_credit_code, make_resident_id
from zhifa.records.archive import archive_build
from zhifa.records.models import DeviceNoticeQuery, DeviceRecordNotice, DeviceRecordStatement
from zhifa.records.services import (
    QUERY_CODE_ALPHABET,
    QUERY_CODE_LENGTH,
    device_record_notify,
    evidence_add,
    evidence_device_review,
    evidence_withdraw,
)

from .conftest import png_bytes
from .test_device_records import add_device_record, register_device

TODAY = timezone.localdate()
PERSON_ID = make_resident_id("369102", dt.date(1990, 7, 1), 55)
OTHER_ID = make_resident_id("369102", dt.date(1991, 8, 2), 56)
PAGE = "/records/device-notice/"
STATEMENT = "/records/device-notice/statement/"


@pytest.fixture
def told(world):
    """A reviewed device record on the world's case, a person party, and the notice to them."""
    world["agency"].phone, world["agency"].address = "0791-12345678", "江川市人民路1号"
    world["agency"].save()
    register_device(world)
    party = party_add(case=world["case"], actor=world["lead"], kind="person", name="陈小满", id_number=PERSON_ID)
    record = add_device_record(world, place="人民路与解放路交叉口北侧", annotation="小型汽车在禁停区域停放")
    evidence_device_review(evidence=record, actor=world["lead"], conforms=True, opinion="记录真实、清晰、完整、准确")
    notice = notify(world, record, party)
    return {**world, "party": party, "record": record, "notice": notice}


def notify(world, record, party, **kw):
    data = {"method": "sms", "method_detail": "13800138000", "notified_on": TODAY, "officer": world["officers"][0]}
    data.update(kw)
    return device_record_notify(evidence=record, actor=world["lead"], party=party, **data)


def open_deadline(record):
    return CaseDeadline.objects.filter(case=record.case, key=f"PEN-15:e{record.number}", closed_at__isnull=True).first()


def test_a_conforming_review_opens_the_notice_deadline_from_the_calendar(world):
    register_device(world)
    party = party_add(case=world["case"], actor=world["lead"], kind="person", name="陈小满", id_number=PERSON_ID)
    record = add_device_record(world)
    evidence_device_review(evidence=record, actor=world["lead"], conforms=False, opinion="画面模糊")
    assert open_deadline(record) is None  # not evidence: nothing to tell
    evidence_device_review(evidence=record, actor=world["co"], conforms=True, opinion="复核原始数据，记录清晰")
    due = open_deadline(record)
    days = setting_value("device_notice_working_days", agency=world["agency"])
    assert due.rule_id == "PEN-15" and due.bearer == "agency" and due.start == TODAY
    assert due.act_by == add_working_days(TODAY, days) and "第41条" in due.basis
    assert f"证据{record.number}" in due.label
    assert Entry.objects.filter(kind="device_record_reviewed").last().payload["notice_due"] == due.act_by.isoformat()
    # A second conforming review keeps the period running from the first.
    evidence_device_review(evidence=record, actor=world["lead"], conforms=True, opinion="再次核对")
    assert CaseDeadline.objects.filter(key=due.key).count() == 1
    # The agency's own setting, and a record found non-conforming or withdrawn closes its period.
    setting_set(key="device_notice_working_days", value=2, agency=world["agency"], actor=world["root"])
    second = add_device_record(world, title="第二张抓拍照片")
    evidence_device_review(evidence=second, actor=world["lead"], conforms=True, opinion="清晰")
    assert open_deadline(second).act_by == add_working_days(TODAY, 2)
    evidence_withdraw(evidence=second, actor=world["lead"], reason="重复上传")
    assert open_deadline(second) is None
    evidence_device_review(evidence=record, actor=world["lead"], conforms=False, opinion="发现时间戳有误")
    assert open_deadline(record) is None
    evidence_device_review(evidence=record, actor=world["lead"], conforms=True, opinion="已核实时间戳")
    assert open_deadline(record) is not None
    # The notice closes it.
    notify(world, record, party)
    assert open_deadline(record) is None
    entry = Entry.objects.get(kind="device_record_notified")
    assert entry.payload["late"] is False and entry.payload["method"] == "sms"


def test_an_untold_record_becomes_overdue_through_the_deadline_alerts(world):
    from zhifa.supervision.models import DeadlineAlert
    from zhifa.supervision.services import deadline_alerts_refresh

    register_device(world)
    record = add_device_record(world)
    evidence_device_review(evidence=record, actor=world["lead"], conforms=True, opinion="清晰")
    due = open_deadline(record)
    deadline_alerts_refresh(today=due.act_by + dt.timedelta(days=1))
    alert = DeadlineAlert.objects.get(deadline=due)
    assert alert.level == "overdue" and alert.rule_id == "PEN-15" and "已逾期" in alert.message


def test_the_notice_carries_a_random_query_code_in_its_content(told):
    notice, record = told["notice"], told["record"]
    assert len(notice.query_code) == QUERY_CODE_LENGTH and set(notice.query_code) <= set(QUERY_CODE_ALPHABET)
    assert notice.query_code_display in notice.content and PAGE in notice.content
    assert "JK-001" in notice.content and "人民路与解放路交叉口" in notice.content and "公民身份号码" in notice.content
    assert told["agency"].name in notice.content and "0791-12345678" in notice.content
    again = notify(told, record, told["party"], method="in_person", method_detail="", note="请携带身份证件")
    assert again.query_code != notice.query_code and again.content.endswith("请携带身份证件")
    entry = Entry.objects.filter(kind="device_record_notified").last()
    assert entry.covers[0]["row"] == "records.devicerecordnotice" and entry.covers[0]["pk"] == again.pk
    assert entry.covers[0]["hash"] == row_digest("records.devicerecordnotice", again.pk)
    assert notice.query_code not in json.dumps(entry.payload, ensure_ascii=False)
    with pytest.raises(AppendOnlyError):
        DeviceRecordNotice.objects.filter(pk=notice.pk).update(method="mail")


def test_notice_refusals_name_the_field_and_write_nothing(world):
    register_device(world)
    case = world["case"]
    person = party_add(case=case, actor=world["lead"], kind="person", name="陈小满", id_number=PERSON_ID)
    shop = party_add(case=case, actor=world["lead"], kind="individual_business", name="清河小吃店")
    record = add_device_record(world)
    plain = evidence_add(case=case, actor=world["lead"], source=png_bytes(), file_name="p.png",
                         declared_type="image/png", act="record_inspection", kind="photo", title="现场照片",
                         evidence_type="physical")
    entries = Entry.objects.count()
    with pytest.raises(Conflict) as exc:  # not reviewed yet
        notify(world, record, person)
    assert exc.value.rule == "PEN-15" and "尚未经审核" in exc.value.message
    evidence_device_review(evidence=record, actor=world["lead"], conforms=True, opinion="清晰")
    entries = Entry.objects.count()
    bad = (
        ({"evidence": plain}, "evidence", "不是电子技术监控设备"),
        ({"party": shop}, "party", "未登记公民身份号码或统一社会信用代码"),
        ({"party": "999999"}, "party", "本案的当事人"),
        ({"method": "fax"}, "method", "短信"),
        ({"method": "other", "method_detail": " "}, "method_detail", "其他"),
        ({"notified_on": TODAY + dt.timedelta(days=1)}, "notified_on", "不能晚于今天"),
        ({"notified_on": "昨天"}, "notified_on", "YYYY-MM-DD"),
        ({"notified_on": TODAY - dt.timedelta(days=1)}, "notified_on", "不能早于审核"),
        ({"officer": world["officers"][2]}, "officer", "本案承办人员"),
        ({"officer": "x" * 30}, "officer", "本案承办人员"),
    )
    for kw, field, words in bad:
        evidence = kw.pop("evidence", record)
        with pytest.raises(DomainError) as exc:
            device_record_notify(evidence=evidence, actor=world["lead"], **{
                "party": person, "method": "sms", "notified_on": TODAY, "officer": world["officers"][0], **kw})
        assert exc.value.rule == "PEN-15" and field in exc.value.fields, (kw, exc.value.fields)
        assert words in exc.value.message, (kw, exc.value.message)
    with pytest.raises(PermissionDeniedError):
        notify({**world, "lead": world["outsider"]}, record, person)
    evidence_withdraw(evidence=record, actor=world["lead"], reason="误传")
    entries = Entry.objects.count()
    with pytest.raises(Conflict):
        notify(world, record, person)
    assert not DeviceRecordNotice.objects.exists() and Entry.objects.count() == entries


def test_public_page_opens_the_record_with_code_and_identity_number(told, client):
    notice = told["notice"]
    page = client.get("/publicity/").content.decode()
    assert PAGE in page  # linked from the portal, next to the device list
    assert PAGE in client.get("/records/monitoring-devices/").content.decode()
    r = client.get(PAGE)
    assert r.status_code == 200 and 'name="code"' in r.content.decode()
    # Typed as read out: lower case, dashes, spaces.
    r = client.post(PAGE, {"code": " " + notice.query_code_display.lower() + " ", "id_number": PERSON_ID.lower()})
    body = r.content.decode()
    assert r.status_code == 200, body
    for text in ("陈小满", "小型汽车在禁停区域停放", "人民路与解放路交叉口北侧", "JK-001", "江川市监法审〔2026〕3号",
                 "记录符合要求", "记录真实、清晰、完整、准确", told["agency"].name, "0791-12345678", 'name="text"'):
        assert text in body, text
    assert DeviceNoticeQuery.objects.get().succeeded is True
    api = client.post("/api/v1/public/device-notices/query", {"code": notice.query_code, "id_number": PERSON_ID},
                      content_type="application/json")
    assert api.status_code == 200 and api.json()["device"]["location"] == "人民路与解放路交叉口"
    assert api.json()["review"]["conforms"] is True and api.json()["agency"]["phone"] == "0791-12345678"


def test_wrong_number_or_unknown_code_get_one_answer_and_the_code_locks(told, client):
    notice, agency = told["notice"], told["agency"]
    setting_set(key="device_notice_wrong_tries", value=3, agency=agency, actor=told["root"])
    unknown = "".join(reversed(notice.query_code))
    wrong_id = client.post(PAGE, {"code": notice.query_code, "id_number": OTHER_ID})
    no_code = client.post(PAGE, {"code": unknown, "id_number": OTHER_ID})
    assert wrong_id.status_code == no_code.status_code == 400

    def alert(r):
        body = r.content.decode()
        return body[body.index('class="alert'):body.index("</div>", body.index('class="alert'))]

    assert alert(wrong_id) == alert(no_code) and "查询码或证件号码不正确" in alert(wrong_id)
    assert "小型汽车" not in wrong_id.content.decode()
    # A good try resets the count; three wrong ones in a row lock the code.
    assert client.post(PAGE, {"code": notice.query_code, "id_number": PERSON_ID}).status_code == 200
    for _ in range(3):
        client.post(PAGE, {"code": notice.query_code, "id_number": OTHER_ID})
    locked = client.post(PAGE, {"code": notice.query_code, "id_number": PERSON_ID})
    assert locked.status_code == 403 and "已锁定" in locked.content.decode() and "0791-12345678" in locked.content.decode()
    assert "小型汽车" not in locked.content.decode()
    # To a wrong number the lock is not revealed either.
    assert "已锁定" not in client.post(PAGE, {"code": notice.query_code, "id_number": OTHER_ID}).content.decode()
    assert client.post("/api/v1/public/device-notices/query", {"code": notice.query_code, "id_number": PERSON_ID},
                       content_type="application/json").json()["code"] == "locked"
    # Told again: a new code works.
    again = notify(told, told["record"], told["party"])
    assert client.post(PAGE, {"code": again.query_code, "id_number": PERSON_ID}).status_code == 200


def test_a_client_with_too_many_wrong_tries_is_turned_away(told, client, settings):
    settings.ZHIFA_DEVICE_NOTICE_TRIES_PER_HOUR = 4
    code = told["notice"].query_code
    for i in range(4):  # four different codes: no single code locks
        wrong = code[:-1] + QUERY_CODE_ALPHABET[i] if code[-1] != QUERY_CODE_ALPHABET[i] else code[:-1] + "Z"
        client.post(PAGE, {"code": wrong, "id_number": PERSON_ID}, REMOTE_ADDR="203.0.113.9")
    r = client.post(PAGE, {"code": code, "id_number": PERSON_ID}, REMOTE_ADDR="203.0.113.9")
    assert r.status_code == 429 and "尝试次数过多" in r.content.decode()
    assert client.post(PAGE, {"code": code, "id_number": PERSON_ID}, REMOTE_ADDR="198.51.100.20").status_code == 200
    assert "203.0.113.9" not in "".join(DeviceNoticeQuery.objects.values_list("client", flat=True))


def wrong_codes(code, n):
    """n query codes that differ from the real one (and from each other) in the last character."""
    return [code[:-1] + c for c in QUERY_CODE_ALPHABET if c != code[-1]][:n]


def test_a_forged_forwarded_header_does_not_escape_the_client_limit(told, client):
    """Without ZHIFA_PROXY_COUNT only the connecting address counts: one client writing a new
    X-Forwarded-For on every try is still one client."""
    from django.conf import settings as live

    assert live.ZHIFA_PROXY_COUNT == 0
    code = told["notice"].query_code
    with override_settings(ZHIFA_DEVICE_NOTICE_TRIES_PER_HOUR=4):
        for i, wrong in enumerate(wrong_codes(code, 4)):
            client.post(PAGE, {"code": wrong, "id_number": PERSON_ID},
                        REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}")
        r = client.post(PAGE, {"code": code, "id_number": PERSON_ID},
                        REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.99")
        assert r.status_code == 429
        api = client.post("/api/v1/public/device-notices/query", {"code": code, "id_number": PERSON_ID},
                          content_type="application/json", REMOTE_ADDR="203.0.113.9",
                          HTTP_X_FORWARDED_FOR="198.51.100.98")
        assert api.status_code == 429


def test_behind_a_reverse_proxy_citizens_are_limited_separately(told, client):
    """With ZHIFA_PROXY_COUNT=1 every citizen arrives from the proxy's address; the limit counts the
    address the proxy appended to X-Forwarded-For, so one citizen's wrong tries lock out only them."""
    from zhifa.core.tests.test_clientip import proxy_settings

    code, proxy = told["notice"].query_code, "10.0.0.1"
    with override_settings(ZHIFA_DEVICE_NOTICE_TRIES_PER_HOUR=4, **proxy_settings(1)):
        for wrong in wrong_codes(code, 4):
            client.post(PAGE, {"code": wrong, "id_number": PERSON_ID}, REMOTE_ADDR=proxy,
                        HTTP_X_FORWARDED_FOR="203.0.113.9")
        first = client.post(PAGE, {"code": code, "id_number": PERSON_ID}, REMOTE_ADDR=proxy,
                            HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert first.status_code == 429 and "尝试次数过多" in first.content.decode()
        # A prefix the first citizen writes themselves does not make them someone else.
        forged = client.post(PAGE, {"code": code, "id_number": PERSON_ID}, REMOTE_ADDR=proxy,
                             HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9")
        assert forged.status_code == 429
        # Another citizen behind the same proxy is not turned away, on the page or the API.
        other = client.post(PAGE, {"code": code, "id_number": PERSON_ID}, REMOTE_ADDR=proxy,
                            HTTP_X_FORWARDED_FOR="198.51.100.20")
        assert other.status_code == 200 and "小型汽车" in other.content.decode()
        api = client.post("/api/v1/public/device-notices/query", {"code": code, "id_number": PERSON_ID},
                          content_type="application/json", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
        assert api.status_code == 200
        api = client.post("/api/v1/public/device-notices/query", {"code": code, "id_number": PERSON_ID},
                          content_type="application/json", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert api.status_code == 429


def test_format_errors_name_the_field_and_write_nothing(told, client):
    for data, field in (({"code": "", "id_number": PERSON_ID}, "code"), ({"code": "ABC", "id_number": PERSON_ID}, "code"),
                        ({"code": "O0O0-1111-IIII", "id_number": PERSON_ID}, "code"),
                        ({"code": told["notice"].query_code, "id_number": "12345"}, "id_number"),
                        ({"code": told["notice"].query_code, "id_number": "３" * 18}, "id_number")):
        r = client.post(PAGE, data)
        assert r.status_code == 400 and f'data-field="{field}"' in r.content.decode(), data
    r = client.post("/api/v1/public/device-notices/query", {"code": "ABC"}, content_type="application/json")
    assert r.status_code in (400, 422)
    assert not DeviceNoticeQuery.objects.exists()


def test_statement_is_saved_on_the_ledger_and_bad_input_writes_nothing(told, client):
    notice, record = told["notice"], told["record"]
    good = {"code": notice.query_code, "id_number": PERSON_ID}
    entries = Entry.objects.count()
    for data, field in (({**good, "text": "   "}, "text"), ({**good, "text": "字" * 5001}, "text"),
                        ({**good, "text": "有\x00字符"}, "text"), ({**good, "text": "说明", "contact": "1" * 101}, "contact")):
        r = client.post(STATEMENT, data)
        body = r.content.decode()
        assert r.status_code == 400 and f'data-field="{field}"' in body, data
        assert "小型汽车在禁停区域停放" in body  # the record stays on the page with the error
    r = client.post(STATEMENT, {**good, "id_number": OTHER_ID, "text": "冒名陈述"})
    assert r.status_code == 400 and "查询码或证件号码不正确" in r.content.decode()
    assert client.get(STATEMENT).status_code == 405
    assert not DeviceRecordStatement.objects.exists() and Entry.objects.count() == entries

    r = client.post(STATEMENT, {**good, "text": "当时车辆故障，已开启双闪并放置警示牌。", "contact": "13900139000"})
    body = r.content.decode()
    assert r.status_code == 200 and "已收到您的陈述、申辩" in body and "已开启双闪" in body
    statement = DeviceRecordStatement.objects.get()
    assert statement.notice == notice and statement.contact == "13900139000"
    entry = Entry.objects.get(kind="device_record_statement_received")
    assert entry.actor == "system" and entry.payload["number"] == record.number
    assert entry.covers[0] == {"row": "records.devicerecordstatement", "pk": statement.pk,
                               "hash": row_digest("records.devicerecordstatement", statement.pk)}
    with pytest.raises(AppendOnlyError):
        DeviceRecordStatement.objects.filter(pk=statement.pk).update(text="改写")
    entries = Entry.objects.count()  # the page sent again (a refresh after sending): kept once
    again = client.post(STATEMENT, {**good, "text": "当时车辆故障，已开启双闪并放置警示牌。", "contact": "13900139000"})
    assert again.status_code == 200 and "已收到您的陈述、申辩" in again.content.decode()
    assert DeviceRecordStatement.objects.count() == 1 and Entry.objects.count() == entries
    api = client.post("/api/v1/public/device-notices/statements", {**good, "text": "补充：附维修单", "contact": ""},
                      content_type="application/json")
    assert api.status_code == 201 and DeviceRecordStatement.objects.count() == 2
    bad = client.post("/api/v1/public/device-notices/statements", {**good, "text": ""}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["fields"] == {"text": "陈述、申辩内容：必须填写"}
    assert DeviceRecordStatement.objects.count() == 2

    # The reviewer's snapshot carries the statements (not the notices); the case file both.
    item = case_snapshot(told["case"])["evidence"][0]
    assert "notified_on" not in item
    assert [s["text"] for s in item["party_statements"]] == ["当时车辆故障，已开启双闪并放置警示牌。", "补充：附维修单"]
    pkg = archive_build(case=told["case"], actor=told["lead"])
    with filestore_open(pkg.file) as f, zipfile.ZipFile(io.BytesIO(f.read())) as zf:
        archived = json.loads(zf.read("evidence.json"))[0]
    assert archived["notices"][0]["party"] == "陈小满" and len(archived["notices"][0]["statements"]) == 2
    # Archived: no more statements online, and nothing written.
    r = client.post(STATEMENT, {**good, "text": "再补充"})
    assert r.status_code == 409 and "已办结归档" in r.content.decode()
    assert DeviceRecordStatement.objects.count() == 2


def test_an_organisation_is_checked_by_its_credit_code(world, client):
    register_device(world)
    code = make_credit_code("369102", 9, dept="9")
    party = party_add(case=world["case"], actor=world["lead"], kind="organisation", name="江川市好味餐饮有限公司",
                      credit_code=code)
    record = add_device_record(world)
    evidence_device_review(evidence=record, actor=world["lead"], conforms=True, opinion="清晰")
    notice = notify(world, record, party)
    assert "统一社会信用代码" in notice.content
    assert client.post(PAGE, {"code": notice.query_code, "id_number": code}).status_code == 200
