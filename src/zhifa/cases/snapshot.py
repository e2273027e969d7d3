"""A case's snapshot: the canonical form of everything a legal reviewer reviews. Apps to the
right of `cases` (records: evidence; documents: generated documents) add their part with
`register_snapshot_part`, so this app needs no import of them. Legal review (REV-*) freezes the
digest at submission; any later change to a part changes the digest and voids a passed review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zhifa.core.canonical import canonical_json, digest

from .models import Case

_PARTS: dict[str, Callable[[Case], Any]] = {}


def register_snapshot_part(name: str, provider: Callable[[Case], Any]) -> None:
    _PARTS[name] = provider


def _case_part(case: Case) -> dict:
    return {
        "id": case.pk, "number": case.number, "procedure": case.procedure, "state": case.state,
        "agency": case.agency_id, "matter": case.matter_id, "title": case.title, "facts": case.facts,
        "place": case.place, "occurred_on": case.occurred_on, "act_ended_on": case.act_ended_on,
        "lead_officer": case.lead_officer_id,
        "officers": sorted(case.case_officers.filter(recused=False).values_list("officer_id", flat=True)),
        "parties": list(case.parties.order_by("pk").values(
            "pk", "kind", "name", "id_number", "credit_code", "legal_representative", "address")),
        # What each step recorded, without the step's own bookkeeping (entry numbers, dates of
        # review steps), so that submitting for review does not itself change the snapshot.
        "data": {k: v for k, v in sorted(case.data.items()) if k not in SNAPSHOT_EXCLUDED_STEPS},
    }


# Steps that belong to the review itself or come after the decision; they do not change what was reviewed.
SNAPSHOT_EXCLUDED_STEPS: set[str] = set()


def case_snapshot(case: Case) -> dict:
    out = {"case": _case_part(case)}
    for name in sorted(_PARTS):
        out[name] = _PARTS[name](case)
    return out


def case_snapshot_digest(case: Case, snapshot: dict | None = None) -> str:
    return digest(canonical_json(snapshot if snapshot is not None else case_snapshot(case)))
