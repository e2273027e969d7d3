"""The status history is append-only in three layers, and the ledger names a tampered step."""

import pytest
from django.db import DatabaseError, connection, transaction

from zhifa.cases.models import StatusEntry
from zhifa.cases.testing import register_case
from zhifa.core.append_only import AppendOnlyError
from zhifa.ledger.verify import ledger_verify


def test_status_rows_cannot_be_changed_or_deleted(penalty_world):
    case = register_case(penalty_world)
    entry = StatusEntry.objects.get(case=case, seq=1)
    with pytest.raises(AppendOnlyError):
        StatusEntry.objects.filter(pk=entry.pk).update(reason="改写")
    with pytest.raises(AppendOnlyError):
        entry.delete()
    for sql in (f"UPDATE cases_statusentry SET reason = 'x' WHERE id = {entry.pk}",
                f"DELETE FROM cases_statusentry WHERE id = {entry.pk}"):
        with pytest.raises(DatabaseError, match="zhifa: (UPDATE|DELETE) on "), transaction.atomic(), \
                connection.cursor() as cur:
            cur.execute(sql)
    assert StatusEntry.objects.get(pk=entry.pk).reason == ""


def test_verify_names_a_case_row_changed_behind_the_ledger(penalty_world):
    case = register_case(penalty_world)
    assert ledger_verify().ok
    # Rewrite the historical case row the registration entry covers (history tables are not
    # append-only by trigger; the ledger is what catches this).
    hist = case.history.latest()
    type(hist).objects.filter(pk=hist.pk).update(title="篡改后的案由")
    problems = ledger_verify().problems
    assert any(p["kind"] == "case_registered" and "cases.historicalcase" in p["what"] for p in problems)
