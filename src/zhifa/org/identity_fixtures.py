"""Valid identifiers for demo data and tests, built with the real check characters (ID-02, ID-04, ID-05)."""

from __future__ import annotations

import datetime as dt

from zhifa.core.identifiers import org_code_check_char, resident_id_check_char, uscc_check_char


def make_resident_id(region_code: str, birth: dt.date, seq: int) -> str:
    """An 18-character resident ID number; odd `seq` is male (ID-01)."""
    first17 = f"{region_code}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def make_credit_code(region_code: str, serial: int, *, dept: str = "1", kind: str = "1") -> str:
    """A unified social credit code for an organ (登记管理部门 1 = 机构编制, 类别 1 = 机关)."""
    body8 = f"{serial % 10**8:08d}"  # digits only: the same value under both alphabets
    org_code = body8 + org_code_check_char(body8)
    first17 = f"{dept}{kind}{region_code}{org_code}"
    return first17 + uscc_check_char(first17)
