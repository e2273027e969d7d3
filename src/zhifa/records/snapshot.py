"""The records part of a case's snapshot (cases.snapshot): new, withdrawn or re-annotated evidence
changes the digest, so a legal review passed before it is void (REV-*)."""

from __future__ import annotations

from .models import Evidence


def evidence_part(case) -> list[dict]:
    rows = (Evidence.objects.filter(case=case).order_by("number")
            .values("number", "sha256", "act", "evidence_type", "lawful_acquisition", "withdrawal__id"))
    return [{"number": r["number"], "sha256": r["sha256"], "act": r["act"], "evidence_type": r["evidence_type"],
             "lawful_acquisition": r["lawful_acquisition"], "withdrawn": r["withdrawal__id"] is not None}
            for r in rows]
