"""Redaction of what the public sees (RULES PUB-08, PUB-09, ID-06; REQUIREMENTS P7).

Two tools, never hand-editing:

- `redact_party(...)`: the party as published, built from the structured fields. A natural
  person's name becomes 张某某 (or by style), ID numbers and phone numbers are dropped, the
  address is cut after the district; an organisation is shown by name and credit code (a
  个体工商户 code, category 92, is masked by setting, ID-06).
- `scan_text(text, ...)`: the free-text scanner for facts and reasons. It finds resident ID
  numbers (18 and 15 digits, checksum-valid or not: a mistyped number is still personal data,
  ID-06), mobile and landline phone numbers, e-mail addresses, bank card and account numbers
  (Luhn, or after 账号/卡号), credit codes, and person names (jieba part-of-speech `nr`), and
  replaces each hit whole with a fixed token. It returns the masked text and the hits, so the
  publicity clerk reviews them before anything goes out.

Detection runs after NFKC normalisation (full-width digits) and again on a copy with spaces and
hyphens removed, as ID-06 asks. `surviving_identifiers(text)` is the last check before
publication: any ID-number or phone pattern left BLOCKs it (PUB-08).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

from .identifiers import USCC_CHARSET, normalize_identifier, resident_id_check_char, uscc_check_char

ID_TOKEN = "【身份证号码已隐去】"
PHONE_TOKEN = "【电话号码已隐去】"
EMAIL_TOKEN = "【电子邮箱已隐去】"
BANK_TOKEN = "【银行账号已隐去】"
CREDIT_TOKEN = "【统一社会信用代码已隐去】"
ADDRESS_TOKEN = "【住址已隐去】"

NAME_STYLES = ("surname_mouxx", "surname_mou", "hidden")  # 张某某 / 张某 / 某某

# ID-06 detectors. Boundaries exclude digits on either side (not letters): an ID number glued to
# a letter (“ID110105…”) is still an ID number.
_ID18 = re.compile(
    r"(?<!\d)[1-9]\d{5}[ \-]?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ \-]?\d{3}[0-9Xx](?!\d)"
)
_ID15 = re.compile(r"(?<!\d)[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ \-]?)?1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[ \-]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<!\d)\d{4}(?:[ \-]?\d{4}){2,3}(?:[ \-]?\d{1,3})?(?!\d)|(?<!\d)\d{13,19}(?!\d)")
_ACCOUNT_CUE = re.compile(r"(?:账号|帐号|账户|帐户|卡号)[：:\s为是]*(\d[\d \-]{6,34}\d)")
# A run of digits in which an ID or mobile number hides, glued to other digits: masked whole.
_DIGIT_RUN = re.compile(r"\d{11,}[Xx]?")
_HIDDEN = re.compile(r"1[3-9]\d{9}|[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
                     r"|[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}")
NUMBER_TOKEN = "【号码已隐去】"
_USCC = re.compile(rf"(?<![0-9A-Z])[{USCC_CHARSET}]{{2}}\d{{6}}[{USCC_CHARSET}]{{10}}(?![0-9A-Z])")

_COMPOUND_SURNAMES = {
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐",
    "端木", "澹台", "轩辕", "呼延", "独孤", "南宫", "西门", "百里", "万俟", "钟离", "闻人", "赫连", "申屠",
}


@dataclass(frozen=True)
class Hit:
    kind: str  # id_number | phone | email | bank_account | credit_code | number | person_name | known
    start: int  # span in the original text
    end: int
    text: str
    replacement: str
    checksum_ok: bool | None = None  # ID-06: logged for QA, never decides whether to mask

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Scan:
    text: str  # masked
    hits: list[Hit] = field(default_factory=list)

    def hits_as_dicts(self) -> list[dict]:
        return [h.as_dict() for h in self.hits]


# --- structured fields ------------------------------------------------------------------------


def mask_person_name(name: str, *, style: str = "surname_mouxx") -> str:
    """张三 → 张某某 (default), 张某, or 某某 (PUB-08: the party's name, by setting)."""
    name = (name or "").strip()
    if not name:
        return ""
    if style == "hidden":
        return "某某"
    surname = name[:2] if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    return surname + ("某" if style == "surname_mou" else "某某")


_ADDRESS_HEAD = re.compile(
    r"^(?P<head>"
    r"(?:[^省]{1,8}?(?:省|自治区|特别行政区)|北京市|天津市|上海市|重庆市)?"
    r"(?:[^市州盟]{1,8}?(?:市|自治州|州|盟|地区))?"
    r"(?:[^区县旗市]{1,8}?(?:区|县|自治县|旗|市))?"
    r")"
)


def mask_address(address: str) -> str:
    """Keep the address down to the district (county) and hide the rest (PUB-08: 家庭住址)."""
    address = unicodedata.normalize("NFKC", (address or "").strip())
    if not address:
        return ""
    head = _ADDRESS_HEAD.match(address).group("head")
    if not head:
        return ADDRESS_TOKEN
    return head if head == address else head + "（详细地址已隐去）"


def mask_phone(phone: str) -> str:
    return PHONE_TOKEN if (phone or "").strip() else ""


def mask_credit_code(code: str) -> str:
    code = normalize_identifier(code)
    return code[:8] + "*" * 9 + code[17:] if len(code) == 18 else ("*" * len(code))


@dataclass(frozen=True)
class PartyDisplay:
    kind: str
    name: str  # as published
    credit_code: str  # as published ("" for persons)
    address: str  # as published
    legal_rep: str  # as published

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        parts = [self.name]
        if self.credit_code:
            parts.append(f"统一社会信用代码：{self.credit_code}")
        if self.legal_rep:
            parts.append(f"法定代表人（负责人）：{self.legal_rep}")
        return "；".join(parts)


PARTY_KINDS = {"person": "自然人", "organisation": "法人或其他组织", "individual_business": "个体工商户"}


def redact_party(party: dict, *, name_style: str = "surname_mouxx", mask_individual_code: bool = True,
                 show_legal_rep: bool = True) -> PartyDisplay:
    """The party as the public sees it, from the structured fields only (PUB-08)."""
    kind = party.get("kind") or "person"
    name = (party.get("name") or "").strip()
    code = normalize_identifier(party.get("credit_code") or "")
    if kind == "person":
        # ID number, phone and home address of a natural person are never shown; the district is.
        return PartyDisplay(kind=kind, name=mask_person_name(name, style=name_style), credit_code="",
                            address=mask_address(party.get("address") or ""), legal_rep="")
    if kind == "individual_business":
        # A 个体工商户 is one natural person trading: the operator's name is masked, and so is the
        # code when CONFIG says so (ID-06: category 92 codes).
        shown = mask_credit_code(code) if (code and mask_individual_code) else code
        operator = mask_person_name(party.get("legal_rep") or "", style=name_style)
        return PartyDisplay(kind=kind, name=name, credit_code=shown, address="", legal_rep=operator)
    rep = (party.get("legal_rep") or "").strip() if show_legal_rep else ""
    return PartyDisplay(kind=kind, name=name, credit_code=code, address=(party.get("address") or "").strip(),
                        legal_rep=rep)


# --- free text ----------------------------------------------------------------------------------


def _normalised_with_map(text: str, *, drop_separators: bool) -> tuple[str, list[int]]:
    """NFKC text (optionally without spaces and hyphens) and, for each of its characters, the
    index of the original character it came from."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch)
        for c in norm:
            if drop_separators and c in " -\u00a0\t":
                continue
            out.append(c)
            index.append(i)
    return "".join(out), index


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _id_checksum_ok(number: str) -> bool | None:
    number = re.sub(r"[ \-]", "", number).upper()
    if len(number) != 18:
        return None
    return resident_id_check_char(number[:17]) == number[17]


def _uscc_ok(code: str) -> bool:
    return uscc_check_char(code[:17]) == code[17]


def _detect(norm: str, *, mask_credit_codes: bool, known: list[tuple[str, str, str]]):
    """(start, end, kind, replacement, checksum_ok) spans in the normalised text."""
    spans = []
    for value, kind, replacement in known:
        for m in re.finditer(re.escape(value), norm):
            spans.append((m.start(), m.end(), kind, replacement, None))
    for m in _USCC.finditer(norm):
        code = m.group()
        if code.isdigit() and _ID18.fullmatch(code) and not _uscc_ok(code):
            continue  # an all-digit string in ID form: the ID detector takes it
        if code.isdigit() and _ID18.fullmatch(code) and _id_checksum_ok(code):
            continue  # valid as a resident ID: masking it as one is the safe reading
        if _uscc_ok(code) or not code.isdigit():
            if mask_credit_codes or code[:2] == "92":
                spans.append((m.start(), m.end(), "credit_code", CREDIT_TOKEN, _uscc_ok(code)))
            else:
                spans.append((m.start(), m.end(), "credit_code", code, _uscc_ok(code)))
    for m in _ID18.finditer(norm):
        spans.append((m.start(), m.end(), "id_number", ID_TOKEN, _id_checksum_ok(m.group())))
    for m in _ID15.finditer(norm):
        spans.append((m.start(), m.end(), "id_number", ID_TOKEN, None))
    for m in _MOBILE.finditer(norm):
        spans.append((m.start(), m.end(), "phone", PHONE_TOKEN, None))
    for m in _LANDLINE.finditer(norm):
        spans.append((m.start(), m.end(), "phone", PHONE_TOKEN, None))
    for m in _EMAIL.finditer(norm):
        spans.append((m.start(), m.end(), "email", EMAIL_TOKEN, None))
    for m in _ACCOUNT_CUE.finditer(norm):
        spans.append((m.start(1), m.end(1), "bank_account", BANK_TOKEN, None))
    for m in _CARD.finditer(norm):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            spans.append((m.start(), m.end(), "bank_account", BANK_TOKEN, True))
    for start, end in _hidden_runs(norm):
        spans.append((start, end, "number", NUMBER_TOKEN, None))
    return spans


def _hidden_runs(norm: str) -> list[tuple[int, int]]:
    """Digit runs hiding an ID or mobile number, outside checksum-valid credit codes (whose 17
    digits often contain a mobile-like stretch)."""
    codes = [(m.start(), m.end()) for m in _USCC.finditer(norm) if _uscc_ok(m.group())]
    out = []
    for m in _DIGIT_RUN.finditer(norm):
        if any(s <= m.start() and m.end() <= e for s, e in codes):
            continue
        if _HIDDEN.search(m.group()):
            out.append((m.start(), m.end()))
    return out


_PRIORITY = {"known": 0, "id_number": 1, "bank_account": 2, "credit_code": 3, "phone": 4, "email": 5,
             "number": 6, "person_name": 7}


def _names(text: str, *, style: str, keep: set[str]) -> list[tuple[int, int, str, str, None]]:
    import jieba.posseg as pseg

    spans = []
    pos = 0
    for word, flag in pseg.cut(text):
        start = pos
        pos += len(word)
        if flag == "nr" and len(word) >= 2 and word not in keep and "某" not in word:
            spans.append((start, pos, "person_name", mask_person_name(word, style=style), None))
    return spans


def scan_text(text: str, *, name_style: str = "surname_mouxx", find_names: bool = True,
              mask_credit_codes: bool = False, keep: list[str] | tuple[str, ...] = (),
              mask: list[str] | tuple[str, ...] = (), known: dict[str, str] | None = None) -> Scan:
    """Mask every personal identifier in `text` (ID-06) and return the masked text and the hits.

    keep: words the clerk has judged not to be personal data (a place name jieba took for a name);
      they are not masked as names. Identifiers are masked whatever `keep` says.
    mask: further words the clerk wants hidden (masked with 【已隐去】).
    known: {value: replacement} from the structured party fields (the party's real name, ID
      number, phone, address), masked wherever they occur.
    """
    text = text or ""
    if not text:
        return Scan(text="", hits=[])
    keep_set = {k.strip() for k in keep if k and k.strip()}
    known_list = [(unicodedata.normalize("NFKC", v), "known", r) for v, r in (known or {}).items() if v and v.strip()]
    known_list += [(unicodedata.normalize("NFKC", w.strip()), "known", "【已隐去】") for w in mask if w and w.strip()]
    known_list.sort(key=lambda t: -len(t[0]))

    found: list[tuple[int, int, str, str, bool | None]] = []  # in original indices
    for drop in (False, True):
        norm, index = _normalised_with_map(text, drop_separators=drop)
        for s, e, kind, rep, ok in _detect(norm, mask_credit_codes=mask_credit_codes, known=known_list):
            found.append((index[s], index[e - 1] + 1, kind, rep, ok))
    if find_names:
        found += _names(text, style=name_style, keep=keep_set)

    # Overlaps: the earliest start wins, then the stronger kind, then the longer span; a span
    # inside a chosen one is dropped.
    found.sort(key=lambda t: (t[0], _PRIORITY[t[2]], -(t[1] - t[0])))
    chosen: list[tuple[int, int, str, str, bool | None]] = []
    for span in found:
        if chosen and span[0] < chosen[-1][1]:
            last = chosen[-1]
            if span[2] != "person_name" and span[1] > last[1]:
                chosen[-1] = (last[0], span[1], last[2], last[3], last[4])  # widen: nothing may leak
            continue
        chosen.append(span)

    out, hits, pos = [], [], 0
    for s, e, kind, rep, ok in chosen:
        out.append(text[pos:s])
        out.append(rep)
        hits.append(Hit(kind=kind, start=s, end=e, text=text[s:e], replacement=rep, checksum_ok=ok))
        pos = e
    out.append(text[pos:])
    return Scan(text="".join(out), hits=hits)


def surviving_identifiers(text: str) -> list[str]:
    """ID-number and mobile-number patterns still present (PUB-08: BLOCK publication if any)."""
    left = []
    for drop in (False, True):
        norm, _ = _normalised_with_map(text or "", drop_separators=drop)
        for rx in (_ID18, _ID15, _MOBILE):
            left += [m.group() for m in rx.finditer(norm)]
        left += [norm[a:b] for a, b in _hidden_runs(norm)]
    return left
