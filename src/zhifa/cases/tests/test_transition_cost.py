"""What a transition no longer does twice (docs/performance.md, "Third round (transition CPU)"), and
that what it writes is unchanged: the ledger covers the historical row just written, the covered rows
are hashed from what the database holds (read with SQL compiled once per model, converted as the ORM
converts), the document request after commit names the step, the case and the step's actor."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhifa.cases.engine import case_transition
from zhifa.cases.models import Case, CaseDeadline, StatusEntry
from zhifa.cases.testing import register_case
from zhifa.core.canonical import row_digest, row_values
from zhifa.core.errors import NotFound
from zhifa.documents.models import DocumentRequest
from zhifa.ledger.models import Entry
from zhifa.org import roles

FILE = {"head_approved": True, "opinion": "符合立案条件"}
INTERVIEW = {"certificates_shown": True, "interviewee": "被询问人", "content": "询问进货来源。", "party_signed": True}


@pytest.fixture
def officer(penalty_world):
    user = get_user_model().objects.create_user("cost-li", password="pw-123456-x", agency=penalty_world.agency)
    user.groups.add(roles.ensure_groups()[roles.OFFICER])
    return user


def _orm_values(model, pk, leave_out=frozenset()):
    names = [f.attname for f in model._meta.concrete_fields if f.name not in leave_out]
    return model._base_manager.filter(pk=pk).values(*names).first()


def test_row_values_are_what_the_orm_reads(penalty_world, officer, django_capture_on_commit_callbacks):
    """Dates, datetimes, JSON, booleans, decimals, generated columns, on SQLite and PostgreSQL:
    the same values of the same types as `.values()`, so the hashes are those verify finds."""
    case = register_case(penalty_world)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=case, action="file", actor=officer, data=FILE)
    history = Case.history.model
    rows = [(StatusEntry, StatusEntry.objects.filter(case=case).last().pk),
            (history, history.objects.filter(id=case.pk).latest().pk),
            (Case, case.pk),
            (CaseDeadline, CaseDeadline.objects.filter(case=case).last().pk),
            (Entry, Entry.objects.order_by("-seq").first().pk),
            (DocumentRequest, DocumentRequest.objects.filter(case=case).get().pk)]
    for model, pk in rows:
        ours, orm = row_values(model, pk), _orm_values(model, pk)
        assert ours == orm, model
        assert [type(v) for v in ours.values()] == [type(v) for v in orm.values()], model
    leave_out = frozenset({"reason", "warnings"})
    pk = rows[0][1]
    assert row_values(StatusEntry, pk, leave_out=leave_out) == _orm_values(StatusEntry, pk, leave_out)
    assert row_values(StatusEntry, 10**9) is None


def test_the_step_entry_covers_the_history_row_just_written(penalty_world, officer):
    case = register_case(penalty_world)
    entry = case_transition(case=case, action="file", actor=officer, data=FILE)
    ledger = Entry.objects.order_by("-seq").first()
    latest = Case.history.model.objects.filter(id=case.pk).latest()
    assert [(c["row"], c["pk"]) for c in ledger.covers] == [("cases.statusentry", entry.pk),
                                                             ("cases.historicalcase", latest.pk)]
    assert latest.state == "filed" and latest.history_change_reason == "立案"
    assert [c["hash"] for c in ledger.covers] == [row_digest("cases.statusentry", entry.pk),
                                                  row_digest("cases.historicalcase", latest.pk)]


def test_a_case_given_by_id_is_not_read_back_and_the_scope_is_checked_by_the_lock(penalty_world, officer):
    case = register_case(penalty_world)
    case_transition(case=case, action="file", actor=officer, data=FILE)
    assert case.state == "filed" and case.number  # a Case instance is refreshed, as before
    with CaptureQueriesContext(connection) as q:
        entry = case_transition(case=case.pk, action="record_interview", actor=officer, data=INTERVIEW,
                                within={penalty_world.agency.pk})
    case_reads = [x["sql"] for x in q.captured_queries
                  if x["sql"].startswith("SELECT") and 'FROM "cases_case"' in x["sql"]]
    # one read of the case: the lock (SQLite locks the database instead), scoped to the agencies given
    assert len(case_reads) == 1 and '"agency_id" IN' in case_reads[0]
    assert "FOR UPDATE" in case_reads[0] or not connection.features.has_select_for_update
    assert entry.case_id == case.pk
    assert Case.objects.get(pk=case.pk).data["record_interview"]["interviewee"] == "被询问人"
    before = StatusEntry.objects.filter(case=case).count()
    for within in (set(), {penalty_world.agency.pk + 1000}):
        with pytest.raises(NotFound, match="不在您的职责范围内"):
            case_transition(case=case.pk, action="record_interview", actor=officer, data=INTERVIEW, within=within)
    with pytest.raises(NotFound):
        case_transition(case=10**9, action="record_interview", actor=officer, data=INTERVIEW)
    assert StatusEntry.objects.filter(case=case).count() == before


def test_document_request_after_commit_names_the_step_and_its_actor(penalty_world, officer,
                                                                      django_capture_on_commit_callbacks):
    case = register_case(penalty_world)
    with (mock.patch("zhifa.documents.services._enqueue") as enqueue, CaptureQueriesContext(connection) as q,
          django_capture_on_commit_callbacks(execute=True)):
        entry = case_transition(case=case, action="file", actor=officer, data=FILE)
        before_hooks = len(q.captured_queries)
    req = DocumentRequest.objects.get(case=case)
    assert (req.template, req.entry_id, req.requested_by_id, req.status) == \
        ("filing_approval", entry.pk, officer.pk, DocumentRequest.Status.PENDING)
    enqueue.assert_called_once_with(req.pk)
    # the request row only: the hook is handed the committed status row (its case and actor), so
    # nothing is read back (was 4 with a re-read of the case and the actor and BEGIN/COMMIT, then 2)
    assert len(q.captured_queries) - before_hooks == 1
