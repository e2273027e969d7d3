"""Reads of the case engine for the officer UI and the API: the case list of a user and the
case page. Writes go through `services` and `engine.case_transition` only.

Scope (DESIGN.md "Who uses it"): a user sees the cases of the agencies in
`org.roles.agencies_visible_to(user)`; an officer who holds no other role sees the cases they
are on (承办). The list pages by keyset (`before=<id>`) and counts at most COUNT_CAP rows, so it
stays fast with a million cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from zhifa.core.sql import columns
from zhifa.org import roles
from zhifa.org.models import Officer

from zhifa.core.errors import DomainError

from .engine import Guard, Procedure, Transition, TransitionContext, get_procedure
from .models import Case, CaseDeadline, CaseOfficer, Party, StatusEntry

PAGE_SIZE = 20
COUNT_CAP = 1000

# The main line of each procedure, drawn as the progress line on the case page; side states
# (hearing, court enforcement, referral ...) are shown beside it when the case is in one.
MAIN_LINE = {
    "penalty_general": ("registered", "filed", "investigated", "notified", "decided", "executing", "closed",
                        "archived"),
    "penalty_simple": ("on_spot", "decided", "filed", "closed", "archived"),
}

# Roles that look at a whole agency's cases rather than only their own.
WIDE_ROLES = {roles.REVIEWER, roles.HEAD, roles.ARCHIVIST, roles.SUPERVISOR, roles.ADMIN, roles.PUBLICITY}


def case_team(case_id: int, *, undeclared: bool = False) -> list[Officer]:
    """The officers on a case who have not recused themselves (PEN-16, PEN-17), in the order they
    were added; `undeclared`: just those who have not declared that no ground for recusal applies
    (PEN-17). Plain SQL through `Officer.objects.raw`: PEN-16 reads the team on nearly every step,
    and the ORM's join cost more to compile than to run."""
    qn = connection.ops.quote_name
    link = CaseOfficer._meta
    sql = (f"SELECT {columns(Officer, 'o')} FROM {qn(Officer._meta.db_table)} o JOIN {qn(link.db_table)} l"
           f" ON l.{qn(link.get_field('officer').column)} = o.id"
           f" WHERE l.{qn(link.get_field('case').column)} = %s AND l.recused = %s")
    params: list = [case_id, False]
    if undeclared:
        sql += " AND l.no_conflict_declared = %s"
        params.append(False)
    return list(Officer.objects.raw(sql + " ORDER BY l.id", params))


def visible_cases(user) -> QuerySet[Case]:
    """Every case of the agencies the user may see (the case page's permission check)."""
    ids = roles.agency_ids_visible_to(user)
    return Case.objects.all() if ids is None else Case.objects.filter(agency_id__in=ids)


def sees_only_own_cases(user) -> bool:
    """An officer with no wider role sees the cases they are on; everyone else the whole scope."""
    if roles.is_admin(user):
        return False
    return bool(getattr(user, "officer_id", None)) and not (roles.user_roles(user) & WIDE_ROLES)


def may_act(user, case: Case) -> bool:
    """Act on a case: the case's agency is in the user's remit, and not only through
    supervision — a justice-bureau supervisor (监督人员) reads, the agency acts."""
    visible = roles.agency_ids_visible_to(user)
    if visible is None:  # administrators
        return True
    if case.agency_id not in visible:
        return False
    return not (roles.has_role(user, roles.SUPERVISOR) and user.agency_id != case.agency_id)


def cases_for_user(user, state: str | None = None, q: str | None = None, *, mine: bool | None = None) -> QuerySet[Case]:
    """The user's case list, newest first: scoped by agency (and for officers by their cases),
    filtered by state and by a search over the case number, the title and the parties' names
    and identifiers."""
    qs = visible_cases(user)
    if mine is None:
        mine = sees_only_own_cases(user)
    if mine:
        if not getattr(user, "officer_id", None):
            return Case.objects.none()
        qs = qs.filter(Exists(CaseOfficer.objects.filter(case=OuterRef("pk"), officer_id=user.officer_id)))
    if state:
        qs = qs.filter(state=state)
    q = (q or "").strip()
    if q:
        party = Party.objects.filter(case=OuterRef("pk")).filter(
            Q(name__icontains=q) | Q(id_number=q.upper()) | Q(credit_code=q.upper()))
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Exists(party))
    return qs.select_related("agency", "lead_officer", "matter").order_by("-pk")


@dataclass
class CaseRow:
    case: Case
    state_label: str
    next_deadline: CaseDeadline | None
    overdue: list[CaseDeadline]
    parties: list[str]


@dataclass
class CasePage:
    rows: list[CaseRow]
    count: int
    capped: bool
    next_before: int | None  # keyset: pass as before= for the next page
    first: bool


def case_list_page(qs: QuerySet[Case], *, before: int | None = None, size: int = PAGE_SIZE,
                   today: dt.date | None = None) -> CasePage:
    """One page of a case list (keyset on the id) with, for each case, the next open deadline and
    any overdue ones — two extra queries per page, whatever the number of cases."""
    today = today or timezone.localdate()
    count = qs.order_by()[: COUNT_CAP + 1].count()
    page_qs = qs.filter(pk__lt=before) if before else qs
    cases = list(page_qs[: size + 1])
    more = len(cases) > size
    cases = cases[:size]
    ids = [c.pk for c in cases]
    deadlines: dict[int, list[CaseDeadline]] = {}
    # Sorted here, not in SQL: an ORDER BY act_by tempts the planner onto the (closed_at, act_by)
    # index, which walks every open deadline of every case instead of this page's few.
    for d in sorted(CaseDeadline.objects.filter(case_id__in=ids, closed_at__isnull=True), key=lambda d: d.act_by):
        deadlines.setdefault(d.case_id, []).append(d)
    parties: dict[int, list[str]] = {}
    for case_id, name in Party.objects.filter(case_id__in=ids).order_by("pk").values_list("case_id", "name"):
        parties.setdefault(case_id, []).append(name)
    rows = []
    for c in cases:
        open_ = deadlines.get(c.pk, [])
        rows.append(CaseRow(case=c, state_label=_state_label(c), next_deadline=open_[0] if open_ else None,
                            overdue=[d for d in open_ if d.act_by < today], parties=parties.get(c.pk, [])))
    return CasePage(rows=rows, count=min(count, COUNT_CAP), capped=count > COUNT_CAP,
                    next_before=cases[-1].pk if more and cases else None, first=before is None)


def _state_label(case: Case) -> str:
    try:
        return get_procedure(case.procedure).state_label(case.state)
    except Exception:  # a procedure module not loaded: show the raw state
        return case.state


# --- the case page ---------------------------------------------------------------------------------


@dataclass
class Step:
    transition: Transition
    blockers: list[dict]
    fields: tuple
    secondary: bool = False  # recusal, extension, side exits: listed under 其他操作

    @property
    def blocked(self) -> bool:
        return any(b["level"] == "block" for b in self.blockers)

    @property
    def warnings(self) -> list[dict]:
        return [b for b in self.blockers if b["level"] == "warn"]


@dataclass
class CaseDetail:
    case: Case
    procedure: Procedure
    state_label: str
    progress: list[dict]
    side_state: str
    parties: list[Party]
    officers: list[CaseOfficer]
    deadlines: list[dict]
    history: list[StatusEntry]
    steps: list[Step] = field(default_factory=list)


def case_detail(case: Case, *, actor=None, today: dt.date | None = None, with_steps: bool = True) -> CaseDetail:
    """Everything the case page shows: where the case stands on its procedure's main line, the
    open deadlines (rule id, basis, act-by date), parties and officers, the status history, and
    each move available now with what blocks it (`transition_blockers`: rule id + message, and
    the warnings that will need a reason)."""
    today = today or timezone.localdate()
    procedure = get_procedure(case.procedure)
    history = list(StatusEntry.objects.filter(case=case).select_related("actor").order_by("seq"))
    for e in history:
        e.to_label = procedure.state_label(e.to_state)
        e.shown_data = entry_data_display(procedure, e)
    visited = {e.to_state for e in history}
    line = MAIN_LINE.get(procedure.name) or tuple(procedure.states)
    if case.state in line:  # after a step back, the states ahead are to be done again
        visited &= set(line[:line.index(case.state)])
    progress = [{"state": s, "label": procedure.state_label(s), "done": s in visited and s != case.state,
                 "current": s == case.state} for s in line]
    deadlines = []
    for d in sorted(CaseDeadline.objects.filter(case=case, closed_at__isnull=True), key=lambda d: d.act_by):
        deadlines.append({"deadline": d, "overdue": d.act_by < today, "days_left": (d.act_by - today).days,
                          "days_over": (today - d.act_by).days})
    steps = []
    if with_steps:
        moves = procedure.available(case.state)
        blockers = page_blockers(case=case, procedure=procedure, transitions=moves, actor=actor, on_date=today)
        steps = [Step(transition=t, blockers=blockers[t.action], fields=t.inputs,
                      secondary=_secondary(procedure, t, line)) for t in moves]
    return CaseDetail(
        case=case, procedure=procedure, state_label=procedure.state_label(case.state), progress=progress,
        side_state="" if case.state in line else procedure.state_label(case.state),
        parties=list(case.parties.order_by("pk")),
        officers=list(case.case_officers.select_related("officer", "officer__post").order_by("-role", "pk")),
        deadlines=deadlines, history=history, steps=steps,
    )


def page_blockers(*, case: Case, procedure: Procedure, transitions: list[Transition], actor=None,
                  on_date: dt.date) -> dict[str, list[dict]]:
    """`engine.transition_blockers` for every move on the page at once. A guard that takes no
    input depends only on the case, the date and the actor (none reads the transition), so a
    guard shared by several moves (PEN-16 on most of them) runs once per page, not once per move."""
    results: dict[Guard, list[dict]] = {}
    out = {}
    for t in transitions:
        found = []
        for g in t.guards:
            if g.needs_input:
                continue
            if g not in results:
                ctx = TransitionContext(case=case, procedure=procedure, transition=t, actor=actor, data={},
                                        on_date=on_date, dry_run=True)
                items = []
                try:
                    g.check(ctx)
                except DomainError as exc:  # TransitionRefused included
                    items.append({"rule": exc.rule, "message": exc.message, "level": "block"})
                items.extend({**w, "level": "warn"} for w in ctx.warnings)
                results[g] = items
            found.extend(results[g])
        out[t.action] = ([b for b in found if b["level"] == "block"] + [b for b in found if b["level"] == "warn"])
    return out


def _dead_end(procedure: Procedure, state: str) -> bool:
    """A side exit (不予立案, 移送司法机关): from there every move goes to a terminal state."""
    moves = procedure.available(state)
    return bool(moves) and all(t.target in procedure.terminal for t in moves)


def _backward(t: Transition, line: tuple[str, ...]) -> bool:
    """A step back along the main line (e.g. 补充调查（重新告知）: from the notice back to investigation)."""
    return t.target in line and any(s in line and line.index(s) > line.index(t.target) for s in t.sources)


def _secondary(procedure: Procedure, t: Transition, line: tuple[str, ...]) -> bool:
    """Recusal, extension, revocation (acts open in many states), side exits and steps back; a
    move forward onto the main line is never secondary."""
    if t.target in line:
        return _backward(t, line)
    return len(t.sources) >= 4 or (t.target is not None and _dead_end(procedure, t.target))


def entry_data_display(procedure: Procedure, entry: StatusEntry) -> list[tuple[str, str]]:
    """What a step recorded, as (label, text) pairs in the order its inputs are declared."""
    try:
        fields = procedure.transition(entry.action).inputs
    except Exception:
        return []
    out = []
    for f in fields:
        value = (entry.data or {}).get(f.name)
        if value in (None, "", [], False) or f.type == "officers":
            continue
        if f.type == "bool":
            text = "是"
        elif f.type == "choice":
            text = dict(f.choices).get(value, str(value))
        elif f.type == "evidence":
            text = "、".join(f"证据{n}" for n in value)
        elif f.type == "multichoice":
            labels = dict(f.choices)
            text = "、".join(labels.get(v, str(v)) for v in value)
        else:
            text = str(value)
        out.append((f.label, text))
    return out
