"""Resident ID numbers (GB 11643, RULES ID-01/ID-02) and unified social credit codes
(GB 32100 with the embedded GB 11714 organisation code, RULES ID-03..ID-05)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from .errors import DomainError

# --- ID-02: resident ID number, ISO 7064 MOD 11-2 ------------------------------------------
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]  # 2^(18-i) mod 11
_ID_CHECK = "10X98765432"
_ID18 = re.compile(r"^[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[0-9X]$")


def normalize_identifier(value: str) -> str:
    """ID-02 step 1: NFKC (full-width to ASCII), drop spaces and hyphens, upper-case."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-]", "", value).upper()


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "male" | "female" (ID-01: 17th digit odd = male)


def parse_resident_id(value: str, *, today: dt.date | None = None, field: str = "id_number") -> ResidentId:
    """Validate an 18-character resident ID number (ID-02) or raise DomainError naming `field`."""
    number = normalize_identifier(value)
    if not _ID18.match(number):
        raise DomainError(
            "公民身份号码格式不正确：应为18位，前17位为数字，末位为数字或X（规则 ID-02）。",
            code="resident_id_format", rule="ID-02", fields={field: "公民身份号码格式不正确（ID-02）。"},
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise DomainError(
            "公民身份号码中的出生日期不存在（规则 ID-02）。",
            code="resident_id_date", rule="ID-02", fields={field: "出生日期不存在（ID-02）。"},
        ) from None
    if birth > (today or dt.date.today()):
        raise DomainError(
            "公民身份号码中的出生日期晚于今天（规则 ID-02）。",
            code="resident_id_date", rule="ID-02", fields={field: "出生日期晚于今天（ID-02）。"},
        )
    if resident_id_check_char(number[:17]) != number[17]:
        raise DomainError(
            "公民身份号码校验位错误，请核对是否录入有误（规则 ID-02）。",
            code="resident_id_checksum", rule="ID-02", fields={field: "校验位错误（ID-02）。"},
        )
    return ResidentId(number=number, birth_date=birth, sex="male" if int(number[16]) % 2 else "female")


def is_valid_resident_id(value: str) -> bool:
    try:
        parse_resident_id(value)
    except DomainError:
        return False
    return True


# --- ID-03..ID-05: unified social credit code ----------------------------------------------
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]  # 3^(i-1) mod 31
_USCC = re.compile(rf"^[{USCC_CHARSET}]{{2}}\d{{6}}[{USCC_CHARSET}]{{10}}$")
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # ID-05: the full 36-character map


def uscc_check_char(first17: str) -> str:
    """ID-04."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """ID-05 (GB 11714): note M=22, P=25 here, unlike the USCC map."""
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


@dataclass(frozen=True)
class CreditCode:
    code: str
    org_code_ok: bool  # ID-07: a failed embedded check is a warning only


def parse_credit_code(value: str, *, field: str = "credit_code") -> CreditCode:
    """Validate a unified social credit code (ID-03/ID-04) or raise DomainError naming `field`.

    The embedded organisation-code check (ID-05) only warns (ID-07): the result says whether it held.
    """
    code = normalize_identifier(value)
    if not _USCC.match(code):
        raise DomainError(
            "统一社会信用代码格式不正确：应为18位，由数字和除I、O、Z、S、V以外的大写字母组成，"
            "第3至8位为行政区划代码（规则 ID-03）。",
            code="uscc_format", rule="ID-03", fields={field: "统一社会信用代码格式不正确（ID-03）。"},
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise DomainError(
            "统一社会信用代码校验位错误，请核对是否录入有误（规则 ID-04）。",
            code="uscc_checksum", rule="ID-04", fields={field: "校验位错误（ID-04）。"},
        )
    body = code[8:16]
    org_ok = all(c in _ORG_ALPHABET for c in body) and org_code_check_char(body) == code[16]
    return CreditCode(code=code, org_code_ok=org_ok)


def is_valid_credit_code(value: str) -> bool:
    try:
        parse_credit_code(value)
    except DomainError:
        return False
    return True
