"""Cases over HTTP (/api/v1/cases/): register, read, add parties and officers, and move a case with
`POST /cases/{id}/transitions/{action}`. A refused move answers 409 with the rule id and the reason
(and the warnings that need a reason, code `reason_required`). The procedure tables are readable
at /api/v1/cases/procedures so a client can build its forms from the same declarations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from ninja import Router, Schema, Status

from zhifa.catalog.models import Matter
from zhifa.core.errors import DomainError, NotFound, PermissionDeniedError
from zhifa.core.joined import get_with_related
from zhifa.org.auth import api_auth, request_actor, visible_agency_ids
from zhifa.org.models import Agency, Officer

from . import services
from .engine import CASE_RELATED, case_transition, get_procedure, procedures, transitions_blockers
from .models import Case

router = Router(tags=["案件"])
READ = api_auth("cases:read")
WRITE = api_auth("cases:write")


class ErrorOut(Schema):
    code: str
    message: str
    rule: str | None = None
    fields: dict[str, str] = {}
    blockers: list[dict] = []


class PartyIn(Schema):
    kind: str
    name: str
    id_number: str = ""
    credit_code: str = ""
    legal_representative: str = ""
    address: str = ""
    phone: str = ""


class PartyOut(PartyIn):
    id: int


class CaseIn(Schema):
    procedure: str
    agency_id: int
    lead_officer_id: int
    matter_id: int | None = None
    title: str
    source: str
    source_detail: str = ""
    facts: str = ""
    place: str = ""
    occurred_on: dt.date | None = None
    act_ended_on: dt.date | None = None
    discovered_on: dt.date
    parties: list[PartyIn] = []
    co_officer_ids: list[int] = []
    data: dict[str, Any] = {}


class CaseSummary(Schema):
    id: int
    number: str
    title: str
    procedure: str
    state: str
    state_label: str
    agency_id: int
    lead_officer_id: int
    discovered_on: dt.date
    filed_on: dt.date | None
    decided_on: dt.date | None
    closed_on: dt.date | None
    version: int


class DeadlineOut(Schema):
    key: str
    rule_id: str
    label: str
    bearer: str
    start: dt.date
    due_on: dt.date
    act_by: dt.date
    provisional: bool
    basis: str
    open: bool


class EntryOut(Schema):
    seq: int
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor: str | None
    at: dt.datetime
    on_date: dt.date
    data: dict
    warnings: list


class CaseOut(CaseSummary):
    matter_id: int | None
    facts: str
    place: str
    occurred_on: dt.date | None
    data: dict
    parties: list[PartyOut]
    officers: list[dict]
    deadlines: list[DeadlineOut]
    history: list[EntryOut]
    next_steps: list[dict]


class TransitionIn(Schema):
    data: dict[str, Any] = {}
    warn_reason: str = ""


class OfficerIn(Schema):
    officer_id: int
    no_conflict_declared: bool = False


# --- helpers -----------------------------------------------------------------------------------


def _scoped(request):
    qs = Case.objects.all()
    visible = visible_agency_ids(request)
    if visible is not None:
        qs = qs.filter(agency_id__in=visible)
    return qs


def _case(request, case_id: int) -> Case:
    """The case if the caller may see it: with the agency, its region chain (settings and PEN-16
    walk it), matter and category."""
    visible = visible_agency_ids(request)
    case = get_with_related(Case, case_id, paths=CASE_RELATED, in_field="agency", in_values=visible)
    if case is None:
        raise NotFound(f"未找到案件（编号 {case_id}），或不在您的职责范围内。")
    return case


SUMMARY_FIELDS = ("id", "number", "title", "procedure", "state", "agency_id", "lead_officer_id", "discovered_on",
                  "filed_on", "decided_on", "closed_on", "version")


def _summary(case: Case) -> dict:
    proc = get_procedure(case.procedure)
    return {"id": case.pk, "number": case.number, "title": case.title, "procedure": case.procedure,
            "state": case.state, "state_label": proc.state_label(case.state), "agency_id": case.agency_id,
            "lead_officer_id": case.lead_officer_id, "discovered_on": case.discovered_on, "filed_on": case.filed_on,
            "decided_on": case.decided_on, "closed_on": case.closed_on, "version": case.version}


def _inputs(t) -> list[dict]:
    return [{"name": f.name, "label": f.label, "type": f.type, "required": f.required,
             "choices": [list(c) for c in f.choices], "help": f.help} for f in t.inputs]


def next_steps(case: Case, actor=None) -> list[dict]:
    proc = get_procedure(case.procedure)
    available = proc.available(case.state)
    blockers = transitions_blockers(case=case, actions=[t.action for t in available], actor=actor)
    return [{"action": t.action, "label": t.label, "rule": t.rule, "target": t.target,
             "blockers": blockers[t.action], "inputs": _inputs(t)} for t in available]


def case_out(case: Case, actor=None) -> dict:
    out = _summary(case)
    out.update(
        matter_id=case.matter_id, facts=case.facts, place=case.place, occurred_on=case.occurred_on, data=case.data,
        parties=[{"id": p.pk, "kind": p.kind, "name": p.name, "id_number": p.id_number, "credit_code": p.credit_code,
                  "legal_representative": p.legal_representative, "address": p.address, "phone": p.phone}
                 for p in case.parties.order_by("pk")],
        officers=[{"officer_id": link.officer_id, "name": link.officer.name, "role": link.role,
                   "no_conflict_declared": link.no_conflict_declared, "recused": link.recused}
                  for link in case.case_officers.select_related("officer").order_by("pk")],
        deadlines=[{"key": d.key, "rule_id": d.rule_id, "label": d.label, "bearer": d.bearer, "start": d.start,
                    "due_on": d.due_on, "act_by": d.act_by, "provisional": d.provisional, "basis": d.basis,
                    "open": d.open} for d in case.deadlines.order_by("due_on", "pk")],
        history=[{"seq": e.seq, "action": e.action, "action_label": e.action_label, "from_state": e.from_state,
                  "to_state": e.to_state, "actor": str(e.actor) if e.actor else None, "at": e.at,
                  "on_date": e.on_date, "data": e.data, "warnings": e.warnings}
                 for e in case.status_entries.select_related("actor").order_by("seq")],
        next_steps=next_steps(case, actor),
    )
    return out


def _ref(model, pk, field: str, *, agency_id: int | None = None):
    if pk is None:
        return None
    qs = model.objects.filter(pk=pk)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    obj = qs.first()
    if obj is None:
        raise DomainError(f"{model._meta.verbose_name}（编号 {pk}）不存在或不属于该执法主体。", code="not_found_ref",
                          fields={field: f"所选{model._meta.verbose_name}不存在。"}, status=422)
    return obj


# --- routes ------------------------------------------------------------------------------------


@router.get("/procedures", auth=READ, summary="执法程序及其环节（状态、操作、输入、规则）")
def procedure_tables(request):
    return [{"name": p.name, "label": p.label, "kind": p.kind, "states": p.states,
             "transitions": [{"action": t.action, "label": t.label, "sources": list(t.sources), "target": t.target,
                              "rule": t.rule, "guards": [{"rule": g.rule, "label": g.label} for g in t.guards],
                              "inputs": _inputs(t)} for t in p.transitions]}
            for p in procedures().values()]


@router.get("/", response=list[CaseSummary], auth=READ, summary="案件列表")
def case_list(request, state: str = "", q: str = "", agency_id: int | None = None, limit: int = 50,
              before_id: int | None = None):
    """Newest first; page with `before_id` (the last id of the previous page). No count: the
    index (agency, -id) serves the page without touching the rest of the table."""
    qs = _scoped(request).order_by("-id").only(*SUMMARY_FIELDS)  # not `data`: its JSON is the bulk of a row
    if state:
        qs = qs.filter(state=state)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(parties__name__icontains=q)).distinct()
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return [_summary(c) for c in qs[: max(1, min(limit, 200))]]


@router.post("/", response={201: CaseOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}, auth=WRITE,
             summary="登记案件（案源登记或当场处罚登记）")
def case_create(request, payload: CaseIn):
    visible = visible_agency_ids(request)
    if visible is not None and payload.agency_id not in visible:
        raise PermissionDeniedError("只能为职责范围内的执法主体登记案件。")
    agency = _ref(Agency, payload.agency_id, "agency_id")
    lead = _ref(Officer, payload.lead_officer_id, "lead_officer_id", agency_id=agency.pk)
    matter = _ref(Matter, payload.matter_id, "matter_id", agency_id=agency.pk)
    co = [_ref(Officer, pk, "co_officer_ids", agency_id=agency.pk) for pk in payload.co_officer_ids]
    case = services.case_register(
        procedure=payload.procedure, agency=agency, lead_officer=lead, actor=request_actor(request),
        discovered_on=payload.discovered_on, parties=[p.dict() for p in payload.parties], co_officers=co,
        data=payload.data, matter=matter, title=payload.title, source=payload.source,
        source_detail=payload.source_detail, facts=payload.facts, place=payload.place,
        occurred_on=payload.occurred_on, act_ended_on=payload.act_ended_on)
    return Status(201, case_out(case, request_actor(request)))


@router.get("/{case_id}", response={200: CaseOut, 404: ErrorOut}, auth=READ, summary="案件详情")
def case_get(request, case_id: int):
    return case_out(_case(request, case_id), request_actor(request))


@router.post("/{case_id}/parties", response={201: PartyOut, 400: ErrorOut, 404: ErrorOut}, auth=WRITE,
             summary="添加当事人")
def case_party_add(request, case_id: int, payload: PartyIn):
    party = services.party_add(case=_case(request, case_id), actor=request_actor(request), **payload.dict())
    return Status(201, {"id": party.pk, **payload.dict(), "id_number": party.id_number,
                        "credit_code": party.credit_code})


@router.post("/{case_id}/officers", response={201: dict, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             auth=WRITE, summary="添加承办人员")
def case_officer_add(request, case_id: int, payload: OfficerIn):
    case = _case(request, case_id)
    officer = _ref(Officer, payload.officer_id, "officer_id")
    link = services.case_officer_add(case=case, officer=officer, actor=request_actor(request),
                                     no_conflict_declared=payload.no_conflict_declared)
    return Status(201, {"officer_id": link.officer_id, "role": link.role,
                        "no_conflict_declared": link.no_conflict_declared})


@router.get("/{case_id}/transitions", response={200: list[dict], 404: ErrorOut}, auth=READ,
            summary="可进行的下一步及其阻却事由")
def case_next_steps(request, case_id: int):
    return next_steps(_case(request, case_id), request_actor(request))


@router.post("/{case_id}/transitions/{action}",
             response={200: EntryOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=WRITE,
             summary="办理环节（被拒绝时返回 409 及规则编号）")
def case_move(request, case_id: int, action: str, payload: TransitionIn):
    # case_transition looks the case up within the caller's scope as it locks the row (404 outside it)
    entry = case_transition(case=case_id, action=action, actor=request_actor(request), data=payload.data,
                            warn_reason=payload.warn_reason, within=visible_agency_ids(request))
    return {"seq": entry.seq, "action": entry.action, "action_label": entry.action_label,
            "from_state": entry.from_state, "to_state": entry.to_state,
            "actor": str(entry.actor) if entry.actor else None, "at": entry.at, "on_date": entry.on_date,
            "data": entry.data, "warnings": entry.warnings}


ROUTES = [("cases", router)]
