import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhifa.core.errors import DomainError
from zhifa.core.identifiers import (
    USCC_CHARSET, is_valid_credit_code, is_valid_resident_id, org_code_check_char, parse_credit_code,
    parse_resident_id, resident_id_check_char, uscc_check_char,
)


def test_worked_example_1_female_1949():  # RULES ID-02 worked example 1
    rid = parse_resident_id("11010519491231002X")
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sex == "female"


def test_worked_example_2_male_1880():  # RULES ID-02 worked example 2
    rid = parse_resident_id("440524188001010014")
    assert rid.sex == "male"
    assert rid.birth_date.year == 1880


def test_negative_example_names_checksum_and_field():
    with pytest.raises(DomainError) as e:
        parse_resident_id("110105194912310021", field="id_number")
    assert e.value.rule == "ID-02"
    assert e.value.code == "resident_id_checksum"
    assert "id_number" in e.value.fields


def test_full_width_and_lowercase_x_are_normalised():
    assert parse_resident_id("１１０１０５１９４９１２３１００２x").number == "11010519491231002X"


@pytest.mark.parametrize("bad", ["", "1101051949123100", "110105194902301234", "010105194912310021"])
def test_malformed_resident_ids_refused(bad):
    assert not is_valid_resident_id(bad)


def test_future_birth_date_refused():
    with pytest.raises(DomainError):
        parse_resident_id("110105209901010010", today=dt.date(2026, 11, 23))


def test_uscc_worked_example():  # RULES ID-04/ID-05 worked example
    assert org_code_check_char("MA01234P") == "7"
    assert uscc_check_char("91110108MA01234P7") == "6"
    cc = parse_credit_code("91110108MA01234P76")
    assert cc.org_code_ok


def test_uscc_extra_vectors():
    assert parse_credit_code("914403001922038216").org_code_ok
    with pytest.raises(DomainError) as e:
        parse_credit_code("91350100M0001TGQXM")
    assert e.value.rule == "ID-04"


def test_uscc_format_refused_with_field():
    with pytest.raises(DomainError) as e:
        parse_credit_code("91110108MA01234PI6", field="credit_code")  # I is not in the charset
    assert e.value.rule == "ID-03" and "credit_code" in e.value.fields


birth = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))


@given(area=st.integers(110000, 659999), born=birth, seq=st.integers(0, 999))
def test_any_well_formed_id_with_its_check_char_validates(area, born, seq):
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    number = first17 + resident_id_check_char(first17)
    assert parse_resident_id(number).birth_date == born
    wrong = next(c for c in "0123456789X" if c != number[17])
    assert not is_valid_resident_id(first17 + wrong)


@given(body=st.text(alphabet=USCC_CHARSET, min_size=10, max_size=10), area=st.integers(110000, 659999))
def test_any_uscc_with_its_check_char_validates_and_one_change_is_caught(body, area):
    first17 = f"91{area}{body[:9]}"
    code = first17 + uscc_check_char(first17)
    assert is_valid_credit_code(code)
    wrong = next(c for c in USCC_CHARSET if c != code[17])
    assert not is_valid_credit_code(first17 + wrong)
