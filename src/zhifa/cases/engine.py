"""The case engine: procedures as declarative tables and `case_transition`, the only code that
changes a case's state (DESIGN.md "One way to move a case").

A procedure module (`zhifa.procedures.<name>`) builds a `Procedure` of `Transition`s and registers
it. Each transition names its guards (each citing the RULES id it enforces), the inputs it takes,
the effects it has inside the transaction (deadlines, numbers, data) and the side effects it
schedules after commit (documents, publication). This module knows nothing of the apps that supply
guards and effects.

Guards:
- refuse with `ctx.refuse(rule, message)` — a BLOCK or an unmet REQUIRE; the move is refused
  (409 with the rule id through the API);
- warn with `ctx.warn(rule, message)` — a WARN; the move goes on only with a reason from the user,
  which is kept on the status row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from simple_history.signals import post_create_historical_record

from zhifa.core.deadlines import PERIOD_RULES, compute_due
from zhifa.core.errors import Conflict, DomainError, NotFound
from zhifa.core.joined import get_with_related
from zhifa.ledger.services import ledger_append

from .inputs import Field, clean_input
from .models import Case, CaseDeadline, StatusEntry

# --- declarations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """A named check before a move. `rule` is the RULES id it enforces (e.g. "PEN-16")."""

    rule: str
    label: str
    check: Callable[[TransitionContext], None]
    needs_input: bool = False  # depends on the step's input: skipped when listing blockers


def guard(rule: str, label: str, *, needs_input: bool = False):
    def wrap(fn: Callable[[TransitionContext], None]) -> Guard:
        return Guard(rule=rule, label=label, check=fn, needs_input=needs_input)
    return wrap


@dataclass(frozen=True)
class Transition:
    action: str
    label: str  # Chinese, shown on buttons and in the history
    sources: tuple[str, ...]
    target: str | None  # None: an act inside the current state (a 笔录, a payment)
    event: str  # ledger kind, past tense: "case_filed"
    guards: tuple[Guard, ...] = ()
    inputs: tuple[Field, ...] = ()
    effects: tuple[Callable[[TransitionContext], None], ...] = ()  # inside the transaction
    after_commit: tuple[Callable[[StatusEntry], None], ...] = ()  # given the step's committed status row
    roles: tuple[str, ...] = ()  # informational: who normally does it
    rule: str = ""  # the main rule of the step itself, shown in the UI


@dataclass(frozen=True)
class Procedure:
    name: str
    label: str
    kind: str
    states: dict[str, str]
    initial_action: str
    transitions: tuple[Transition, ...]
    terminal: tuple[str, ...] = ()

    def transition(self, action: str) -> Transition:
        for t in self.transitions:
            if t.action == action:
                return t
        raise NotFound(f"程序“{self.label}”没有“{action}”这一操作。", code="unknown_action")

    def available(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def state_label(self, state: str) -> str:
        return self.states.get(state, state)


_PROCEDURES: dict[str, Procedure] = {}


def register_procedure(procedure: Procedure) -> Procedure:
    _PROCEDURES[procedure.name] = procedure
    return procedure


def get_procedure(name: str) -> Procedure:
    try:
        return _PROCEDURES[name]
    except KeyError:
        raise DomainError(f"未知的执法程序：{name}", code="unknown_procedure", fields={"procedure": "未知的执法程序"}) \
            from None


def procedures() -> dict[str, Procedure]:
    return dict(_PROCEDURES)


# --- the context a guard and an effect see ---------------------------------------------------------


class TransitionRefused(Conflict):
    """A refused move: stable code, the RULES id and the Chinese reason (API: 409)."""

    def __init__(self, message: str, *, rule: str | None, code: str = "transition_refused",
                 fields: dict[str, str] | None = None, blockers: list[dict] | None = None) -> None:
        super().__init__(message, code=code, rule=rule, fields=fields)
        self.blockers = blockers or []

    def as_dict(self) -> dict:
        out = super().as_dict()
        if self.blockers:
            out["blockers"] = self.blockers
        return out


@dataclass
class TransitionContext:
    case: Case
    procedure: Procedure
    transition: Transition
    actor: Any
    data: dict
    on_date: dt.date
    warn_reason: str = ""
    dry_run: bool = False
    warnings: list[dict] = field(default_factory=list)
    entry: StatusEntry | None = None

    def refuse(self, rule: str, message: str, *, field: str | None = None, code: str = "transition_refused"):
        raise TransitionRefused(message, rule=rule, code=code, fields={field: message} if field else None)

    def warn(self, rule: str, message: str) -> None:
        self.warnings.append({"rule": rule, "message": message})

    # Effects -----------------------------------------------------------------------------------
    def set_data(self, key: str, value: Any) -> None:
        self.case.data[key] = value

    def open_deadline(self, key: str, *, start: dt.date, extended: bool = False, pauses=()) -> CaseDeadline:
        """A due date from the calendar service (TIME-*), kept with its rule and basis."""
        due = compute_due(rule_id=key, start=start, extended=extended, pauses=pauses)
        CaseDeadline.objects.filter(case=self.case, key=key, closed_at__isnull=True).update(
            closed_at=timezone.now(), closed_by=self.entry)
        rule = PERIOD_RULES[key]
        return CaseDeadline.objects.create(
            case=self.case, key=key, rule_id=due.rule_id, label=rule.label, bearer=rule.bearer, start=start,
            due_on=due.enforced_date, act_by=due.act_by, provisional=due.provisional, basis=due.legal_basis,
            explanation=due.reason, opened_by=self.entry,
        )

    def close_deadline(self, *keys: str) -> None:
        CaseDeadline.objects.filter(case=self.case, key__in=keys, closed_at__isnull=True).update(
            closed_at=timezone.now(), closed_by=self.entry)

    def deadline(self, key: str) -> CaseDeadline | None:
        return CaseDeadline.objects.filter(case=self.case, key=key).order_by("-id").first()


# --- the one way to move a case --------------------------------------------------------------------


def _check_source(case: Case, procedure: Procedure, t: Transition) -> None:
    if case.state not in t.sources:
        raise TransitionRefused(
            f"案件当前状态为“{procedure.state_label(case.state)}”，不能进行“{t.label}”。",
            rule=None, code="invalid_transition",
        )


def _check_date(last: dt.date | None, on_date: dt.date) -> None:
    """The record of a case runs forward (REC-01): a step is not dated before the step before it
    (`last`, the date of the case's last status row), nor after today."""
    if on_date > timezone.localdate():
        raise DomainError("办理日期不能晚于今天。", code="invalid", rule="REC-01", fields={"on_date": "不能晚于今天"})
    if last is not None and on_date < last:
        raise DomainError(f"办理日期不能早于上一环节的日期（{last:%Y年%m月%d日}）（规则 REC-01）。", code="invalid",
                          rule="REC-01", fields={"on_date": "早于上一环节的日期"})


def _reuse_plans() -> None:
    """PostgreSQL with prepared statements (conf/base.py): within this transaction, a prepared
    statement may keep a generic plan instead of being planned for each call. The transition's
    statements are short lookups by key whose best plan does not depend on the values, and planning
    them was most of the database's CPU per transition (docs/performance.md)."""
    if connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get("prepare_threshold"):
        with connection.cursor() as cur:
            cur.execute("SET LOCAL plan_cache_mode = auto")


def _last_status(case_id: int) -> tuple[int, dt.date | None]:
    """(seq, on_date) of the case's last status row, (0, None) before the first. Plain SQL: every
    step asks, and the ORM took five times the database's time to compile it."""
    table = connection.ops.quote_name(StatusEntry._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT seq, on_date FROM {table} WHERE case_id = %s ORDER BY seq DESC LIMIT 1",
                    [case_id])
        row = cur.fetchone()
    return (row[0], row[1]) if row else (0, None)


def _run_guards(ctx: TransitionContext) -> None:
    for g in ctx.transition.guards:
        g.check(ctx)


# What case_transition loads with the locked case, and the API with a case it shows (core.joined:
# select_related, its SQL built once).
CASE_RELATED = ("agency__region__parent__parent", "matter__category")


def case_transition(*, case: Case | int, action: str, actor, data: dict | None = None, warn_reason: str = "",
                    on_date: dt.date | None = None, within: Collection[int] | None = None) -> StatusEntry:
    """Move `case` (a Case, or a case's id) by `action` (or record an act within its state). Locks
    the case row, cleans the input, runs the guards, appends the status row, applies the effects,
    writes the ledger entry, and schedules side effects after commit. Refusals raise
    TransitionRefused (409) with the rule. within: the ids of the agencies whose cases the caller
    may see (the API's scope); a case outside them is NotFound (404), like a case that does not
    exist, and the lock query itself checks it."""
    case_id = case if isinstance(case, int) else case.pk
    with transaction.atomic():
        _reuse_plans()
        # Lock the case row only; the agency with its region chain (settings are looked up along
        # it), the matter and its category come along because nearly every guard reads them.
        locked = get_with_related(Case, case_id, paths=CASE_RELATED, in_field="agency", in_values=within,
                                  lock=True)
        if locked is None:
            raise NotFound(f"未找到案件（编号 {case_id}），或不在您的职责范围内。")
        procedure = get_procedure(locked.procedure)
        t = procedure.transition(action)
        _check_source(locked, procedure, t)
        cleaned = clean_input(t.inputs, data, rule=t.rule or None)
        today = on_date or timezone.localdate()
        # The case's last status row (its seq and date): nobody else can add one while we hold the lock.
        last_seq, last_on = _last_status(locked.pk)
        _check_date(last_on, today)
        ctx = TransitionContext(case=locked, procedure=procedure, transition=t, actor=actor, data=cleaned,
                                on_date=today, warn_reason=(warn_reason or "").strip())
        _run_guards(ctx)
        if ctx.warnings and not ctx.warn_reason:
            listed = "；".join(f"{w['message']}" for w in ctx.warnings)
            raise TransitionRefused(
                f"请填写继续办理的理由：{listed}", rule=ctx.warnings[0]["rule"], code="reason_required",
                fields={"warn_reason": "存在需要说明理由的提示，请填写理由。"}, blockers=ctx.warnings,
            )
        from_state = locked.state
        ctx.entry = StatusEntry.objects.create(
            case=locked, seq=last_seq + 1, action=t.action, action_label=t.label, from_state=from_state,
            to_state=t.target or from_state, actor=actor if getattr(actor, "pk", None) else None,
            at=timezone.now(), on_date=today, data=cleaned,
            warnings=[{**w, "reason": ctx.warn_reason} for w in ctx.warnings], reason=ctx.warn_reason,
        )
        locked.data[t.action] = {**cleaned, "on_date": today.isoformat(), "entry": ctx.entry.seq}
        if t.target:
            locked.state = t.target
        for effect in t.effects:
            effect(ctx)
        locked.version += 1
        locked._history_user = ctx.entry.actor
        locked._change_reason = t.label
        locked._history_row = None
        locked.save()
        ledger_append(
            kind=t.event, actor=actor, subject=locked,
            payload={"number": locked.number, "action": t.action, "from": from_state, "to": locked.state,
                     "seq": ctx.entry.seq, "warnings": ctx.entry.warnings},
            rows=[ctx.entry, locked._history_row or locked.history.latest()],
        )
        entry = ctx.entry
        for hook in t.after_commit:
            transaction.on_commit(lambda hook=hook: hook(entry))
    if isinstance(case, Case) and case is not locked:
        case.refresh_from_db()  # the caller's instance, up to date with the move
    return ctx.entry


def _remember_history_row(sender, instance, history_instance, **kwargs) -> None:
    """The historical row simple-history has just written for a case (the ledger entry of the step
    covers it): kept on the instance so the engine need not ask the database for `history.latest()`,
    which under the case lock is this same row."""
    if isinstance(instance, Case):
        instance._history_row = history_instance


post_create_historical_record.connect(_remember_history_row, dispatch_uid="cases.engine.history_row")


def _guard_outcome(g: Guard, ctx: TransitionContext) -> tuple[list[dict], list[dict]]:
    """(refusals, warnings) of one guard run without input."""
    before = len(ctx.warnings)
    refusals = []
    try:
        g.check(ctx)
    except TransitionRefused as exc:
        refusals.append({"rule": exc.rule, "message": exc.message, "level": "block"})
    except DomainError as exc:
        refusals.append({"rule": exc.rule, "message": exc.message, "level": "block"})
    return refusals, [{**w, "level": "warn"} for w in ctx.warnings[before:]]


def transitions_blockers(*, case: Case, actions: list[str], actor=None,
                         on_date: dt.date | None = None) -> dict[str, list[dict]]:
    """`transition_blockers` for several actions of one case at once (the case page's next steps).
    A guard that does not depend on the step's input answers the same for the same case, actor
    and date, so each such guard runs once even when several steps share it (e.g. PEN-16's
    certificate check, which costs a dozen queries)."""
    procedure = get_procedure(case.procedure)
    today = on_date or timezone.localdate()
    seen: dict[int, tuple[list[dict], list[dict]]] = {}
    result: dict[str, list[dict]] = {}
    for action in actions:
        t = procedure.transition(action)
        if case.state not in t.sources:
            result[action] = [{"rule": None, "message": f"当前状态不能进行“{t.label}”", "level": "block"}]
            continue
        ctx = TransitionContext(case=case, procedure=procedure, transition=t, actor=actor, data={}, on_date=today,
                                dry_run=True)
        refusals: list[dict] = []
        warnings: list[dict] = []
        for g in t.guards:
            if g.needs_input:
                continue
            if id(g) not in seen:
                seen[id(g)] = _guard_outcome(g, ctx)
            r, w = seen[id(g)]
            refusals += r
            warnings += w
        result[action] = refusals + warnings
    return result


def transition_blockers(*, case: Case, action: str, actor=None, on_date: dt.date | None = None) -> list[dict]:
    """What stops `action` now, without writing anything: every failing guard that does not
    depend on the step's input, and the warnings that will need a reason. For the case page."""
    return transitions_blockers(case=case, actions=[action], actor=actor, on_date=on_date)[action]
