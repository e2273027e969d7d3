"""Redaction (PUB-08, ID-06): no resident ID number or phone number survives the free-text
scanner, whatever surrounds it, however it is written (full-width, with separators), and
whether or not its checksum holds."""

import datetime as dt
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.core.identifiers import resident_id_check_char
from zhifa.core.redaction import (
    ID_TOKEN,
    mask_address,
    mask_person_name,
    redact_party,
    scan_text,
    surviving_identifiers,
)

FILLER = st.text(
    alphabet=st.sampled_from(list("执法当事人于年月日在经营销售食品未取得许可证罚款没收，。；：、（）() abcXYZ\n")),
    max_size=12,
)


@st.composite
def resident_ids(draw):
    area = draw(st.integers(110000, 659999))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)))
    seq = draw(st.integers(0, 999))
    body = f"{area}{born:%Y%m%d}{seq:03d}"
    valid = draw(st.booleans())
    check = resident_id_check_char(body) if valid else draw(st.sampled_from("0123456789X"))
    number = body + check
    if draw(st.booleans()):
        sep = draw(st.sampled_from([" ", "-"]))
        number = f"{number[:6]}{sep}{number[6:14]}{sep}{number[14:]}"
    return number


@st.composite
def legacy_ids(draw):
    area = draw(st.integers(110000, 659999))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)))
    return f"{area}{born:%y%m%d}{draw(st.integers(0, 999)):03d}"


@st.composite
def mobiles(draw):
    number = f"1{draw(st.integers(3, 9))}{draw(st.integers(0, 999_999_999)):09d}"
    style = draw(st.sampled_from(["plain", "dash", "space", "+86"]))
    if style == "dash":
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == "space":
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    return ("+86 " + number) if style == "+86" else number


def full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def digits_of(s: str) -> str:
    return re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", s).upper())


NUMBERS = st.one_of(resident_ids(), legacy_ids(), mobiles())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.tuples(FILLER, NUMBERS, st.booleans()), min_size=1, max_size=4), tail=FILLER)
def test_no_id_or_phone_number_survives(parts, tail):
    text = "".join(f + (full_width(n) if wide else n) for f, n, wide in parts) + tail
    out = scan_text(text, find_names=False).text
    flat = digits_of(out)
    for _, number, _ in parts:
        assert digits_of(number).removeprefix("86") not in flat
    assert surviving_identifiers(out) == []


@settings(max_examples=60, deadline=None)
@given(number=resident_ids(), before=FILLER, after=FILLER)
def test_every_id_number_is_reported_as_a_hit_with_its_checksum(number, before, after):
    scan = scan_text(before + number + after, find_names=False)
    ids = [h for h in scan.hits if h.kind == "id_number"]
    assert len(ids) == 1 and ids[0].text == number and ids[0].replacement == ID_TOKEN
    plain = number.replace(" ", "").replace("-", "")
    assert ids[0].checksum_ok == (resident_id_check_char(plain[:17]) == plain[17])


def test_an_id_number_in_free_text_is_masked_whole():
    scan = scan_text("经查，当事人（公民身份号码110105194912310021）销售过期食品。", find_names=False)
    assert scan.text == f"经查，当事人（公民身份号码{ID_TOKEN}）销售过期食品。"
    assert scan.hits[0].checksum_ok is False  # a mistyped number is still personal data (ID-06)


def test_person_names_are_found_by_jieba_and_the_clerk_can_keep_a_false_hit():
    text = "证人王建国称，当事人张三在店内销售过期食品。"
    scan = scan_text(text)
    names = {h.text for h in scan.hits if h.kind == "person_name"}
    assert {"王建国", "张三"} <= names
    assert "王建国" not in scan.text and "王某某" in scan.text
    kept = scan_text(text, keep=["王建国"])
    assert "王建国" in kept.text and "张某某" in kept.text
    more = scan_text(text, mask=["过期食品"])
    assert "过期食品" not in more.text


def test_bank_cards_mail_and_landlines():
    out = scan_text("请将罚款汇入，勿汇入个人卡号6222021234567890128；联系 0791-88886666 或 a.b@example.cn",
                    find_names=False).text
    assert "6222021234567890128" not in out and "88886666" not in out and "example.cn" not in out


def test_credit_codes_are_shown_unless_configured_or_individual_business():
    assert "91110108MA01234P76" in scan_text("代码91110108MA01234P76。", find_names=False).text
    assert "91110108MA01234P76" not in scan_text("代码91110108MA01234P76。", find_names=False,
                                                 mask_credit_codes=True).text


def test_structured_party_redaction():
    person = redact_party({"kind": "person", "name": "欧阳小明", "id_number": "11010519491231002X",
                           "address": "江川市清河区人民路88号3栋", "phone": "13812345678"})
    assert person.name == "欧阳某某"
    assert person.address == "江川市清河区（详细地址已隐去）"
    assert "13812345678" not in str(person) and "11010519491231002X" not in str(person)
    org = redact_party({"kind": "organisation", "name": "江川市某食品有限公司", "credit_code": "91110108ma01234p76",
                        "legal_rep": "李四"})
    assert (org.name, org.credit_code, org.legal_rep) == ("江川市某食品有限公司", "91110108MA01234P76", "李四")
    shop = redact_party({"kind": "individual_business", "name": "清河区老王小吃店", "credit_code": "92110108MA01234P76",
                         "legal_rep": "王五"})
    assert shop.credit_code.startswith("92110108") and "*" in shop.credit_code and shop.legal_rep == "王某某"


def test_name_styles_and_addresses():
    assert mask_person_name("张三") == "张某某"
    assert mask_person_name("张三", style="surname_mou") == "张某"
    assert mask_person_name("司马相如") == "司马某某"
    assert mask_person_name("张三", style="hidden") == "某某"
    assert mask_address("北京市朝阳区建国路1号") == "北京市朝阳区（详细地址已隐去）"
    assert mask_address("人民路1号") == "【住址已隐去】"


def test_valid_credit_codes_are_not_taken_for_hidden_numbers():
    code = "91369100000005012G"  # 17 digits containing 13691000000, a mobile-shaped stretch
    assert surviving_identifiers(code) == []
    assert code in scan_text(f"代码{code}。", find_names=False).text
    assert surviving_identifiers("91369100000005012H")  # a bad checksum is no credit code: masked
