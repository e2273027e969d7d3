"""Services of the case engine: registering a case and its parties and officers, and issuing
serial numbers. State changes go through `engine.case_transition` only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from zhifa.core.errors import DomainError
from zhifa.core.identifiers import parse_credit_code, parse_resident_id
from zhifa.ledger.services import ledger_append

from .engine import case_transition, get_procedure
from .models import Case, CaseOfficer, NumberSequence, Party, StatusEntry

# --- serial numbers --------------------------------------------------------------------------------

SERIES_WORDS = {
    "case": "立",  # 立案编号
    "penalty_decision": "罚决",
    "no_penalty_decision": "不罚",
    "on_spot": "当罚",
    "document": "文",
}


def number_next(*, agency, series: str, year: int) -> int:
    """The next serial number of (agency, series, year), under a row lock: concurrent callers
    queue, and a rolled-back caller gives its number back (no gaps, no duplicates)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("number_next must run inside the caller's transaction")
    # One statement takes the number and locks the row until the caller's transaction ends.
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f'UPDATE {table} SET "last" = "last" + 1'
                    ' WHERE agency_id = %s AND series = %s AND "year" = %s RETURNING "last"',
                    [agency.pk, series, year])
        row = cur.fetchone()
    if row is None:  # the year's first number: make the row (a concurrent maker wins the unique constraint)
        NumberSequence.objects.get_or_create(agency=agency, series=series, year=year)
        return number_next(agency=agency, series=series, year=year)
    return row[0]


def format_number(*, agency, series: str, year: int, serial: int) -> str:
    """文号 style: 〈机关简称〉〈类别字〉〔年度〕序号号, e.g. 江川市监立〔2026〕12号."""
    short = agency.short_name or agency.name
    return f"{short}{SERIES_WORDS.get(series, series)}〔{year}〕{serial}号"


def number_issue(*, agency, series: str, on_date: dt.date) -> str:
    serial = number_next(agency=agency, series=series, year=on_date.year)
    return format_number(agency=agency, series=series, year=on_date.year, serial=serial)


# --- parties --------------------------------------------------------------------------------------

PARTY_FIELDS = {"kind", "name", "id_number", "credit_code", "legal_representative", "address", "phone"}


def validate_party(data: dict) -> dict:
    """ID-02 / ID-03: identifiers checked with their check characters; the name is required."""
    unknown = set(data) - PARTY_FIELDS
    if unknown:
        raise DomainError(f"当事人信息含未知字段：{'、'.join(sorted(unknown))}", code="invalid",
                          fields={k: "未知字段" for k in unknown})
    out = {k: (str(v).strip() if v is not None else "") for k, v in data.items()}
    kind = out.get("kind", "")
    if kind not in Party.Kind.values:
        raise DomainError("当事人类型无效：应为自然人、个体工商户或法人或其他组织。", code="invalid",
                          fields={"kind": "当事人类型无效"})
    if not out.get("name"):
        raise DomainError("当事人姓名或名称：必须填写。", code="invalid", fields={"name": "必须填写"})
    if kind == Party.Kind.PERSON:
        if not out.get("id_number"):
            raise DomainError("自然人当事人须填写公民身份号码（规则 ID-02）。", code="invalid", rule="ID-02",
                              fields={"id_number": "必须填写"})
        out["id_number"] = parse_resident_id(out["id_number"]).number
        out["credit_code"] = ""
    else:
        if out.get("credit_code"):
            out["credit_code"] = parse_credit_code(out["credit_code"]).code
        elif kind == Party.Kind.ORGANISATION:
            raise DomainError("法人或其他组织当事人须填写统一社会信用代码（规则 ID-03）。", code="invalid",
                              rule="ID-03", fields={"credit_code": "必须填写"})
        if out.get("id_number"):
            out["id_number"] = parse_resident_id(out["id_number"]).number
    return out


def _party_rows(party: Party) -> list:
    return [party.history.latest()]


def party_add(*, case: Case, actor, **data) -> Party:
    cleaned = validate_party(data)
    with transaction.atomic():
        party = Party(case=case, **cleaned)
        party._history_user = actor if getattr(actor, "pk", None) else None
        party.save()
        Case.objects.filter(pk=case.pk).update(version=case.version + 1)
        ledger_append(kind="case_party_added", actor=actor, subject=case,
                      payload={"party": party.pk, "kind": party.kind}, rows=_party_rows(party))
    case.refresh_from_db()
    return party


# --- officers -------------------------------------------------------------------------------------


def case_officer_add(*, case: Case, officer, actor, no_conflict_declared: bool = False,
                     role: str = CaseOfficer.Role.CO) -> CaseOfficer:
    """Adds an officer of the case's own agency. Eligibility (PEN-16 certificates) is checked by
    the procedure's guards at each act, on that act's date."""
    if officer.agency_id != case.agency_id:
        raise DomainError(f"{officer.name}不属于本案执法主体，不能承办本案（规则 PEN-16）。", code="invalid",
                          rule="PEN-16", fields={"officer": "不属于本案执法主体"})
    with transaction.atomic():
        link, created = CaseOfficer.objects.get_or_create(
            case=case, officer=officer, defaults={"role": role, "no_conflict_declared": no_conflict_declared})
        if not created and no_conflict_declared and not link.no_conflict_declared:
            link.no_conflict_declared = True
            link.save(update_fields=["no_conflict_declared"])
        Case.objects.filter(pk=case.pk).update(version=case.version + 1)
        # The link row changes later (a recusal), so the fact is kept in the payload, not as a row cover.
        ledger_append(kind="case_officer_assigned", actor=actor, subject=case,
                      payload={"officer": officer.pk, "role": link.role,
                               "no_conflict_declared": link.no_conflict_declared})
    case.refresh_from_db()
    return link


# --- registering a case --------------------------------------------------------------------------

CASE_FIELDS = {"title", "source", "source_detail", "facts", "place", "occurred_on", "act_ended_on", "matter"}


def case_register(*, procedure: str, agency, lead_officer, actor, discovered_on: dt.date,
                  parties: Iterable[dict] = (), co_officers: Iterable = (), data: dict | None = None,
                  **fields) -> Case:
    """案源登记 (or, for the simple procedure, the on-the-spot record): the case row, its parties
    and officers, and the procedure's initial step — all or nothing."""
    proc = get_procedure(procedure)
    unknown = set(fields) - CASE_FIELDS
    if unknown:
        raise DomainError(f"案件信息含未知字段：{'、'.join(sorted(unknown))}", code="invalid",
                          fields={k: "未知字段" for k in unknown})
    errors = {}
    if not (fields.get("title") or "").strip():
        errors["title"] = "案由：必须填写"
    if fields.get("source") not in Case.Source.values:
        errors["source"] = "案件来源：不是可选的值"
    if lead_officer.agency_id != agency.id:
        errors["lead_officer"] = "主办人员不属于该执法主体"
    matter = fields.get("matter")
    if matter is not None and matter.agency_id != agency.id:
        errors["matter"] = "执法事项不属于该执法主体的权责清单"
    if discovered_on > timezone.localdate():
        errors["discovered_on"] = "发现日期不能晚于今天"
    if errors:
        raise DomainError("输入有误：" + "；".join(errors.values()), code="invalid", fields=errors)
    parties = [validate_party(p) for p in parties]
    with transaction.atomic():
        case = Case(procedure=proc.name, kind=proc.kind, agency=agency, lead_officer=lead_officer,
                    discovered_on=discovered_on, state="", created_by=actor if getattr(actor, "pk", None) else None,
                    **fields)
        case._history_user = case.created_by
        case.save()
        CaseOfficer.objects.create(case=case, officer=lead_officer, role=CaseOfficer.Role.LEAD,
                                   no_conflict_declared=True)
        for officer in co_officers:
            if officer.agency_id != agency.id:
                raise DomainError(f"{officer.name}不属于该执法主体（规则 PEN-16）。", code="invalid", rule="PEN-16",
                                  fields={"co_officers": "协办人员不属于该执法主体"})
            CaseOfficer.objects.get_or_create(case=case, officer=officer,
                                              defaults={"role": CaseOfficer.Role.CO, "no_conflict_declared": True})
        for p in parties:
            party = Party(case=case, **p)
            party._history_user = case.created_by
            party.save()
        case_transition(case=case, action=proc.initial_action, actor=actor, data=data or {},
                        on_date=discovered_on if proc.initial_action == "register" else None)
    case.refresh_from_db()
    return case


def status_history(case: Case):
    return StatusEntry.objects.filter(case=case).select_related("actor").order_by("seq")
