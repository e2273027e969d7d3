"""Every procedure, every state, every action: moves the table allows get past the state check,
every other move is refused with `invalid_transition` and writes nothing."""

import pytest

from zhifa.cases.engine import TransitionRefused, case_transition, get_procedure
from zhifa.cases.models import Case, StatusEntry
from zhifa.cases.testing import register_case
from zhifa.core.errors import DomainError
from zhifa.ledger.models import Entry


@pytest.mark.parametrize("procedure", ["penalty_general", "penalty_simple"])
def test_transition_matrix(penalty_world, procedure):
    proc = get_procedure(procedure)
    case = register_case(penalty_world, procedure=procedure)
    tried_allowed = tried_forbidden = 0
    for state in proc.states:
        Case.objects.filter(pk=case.pk).update(state=state)  # test setup: put the case in each state
        for t in proc.transitions:
            entries, rows = Entry.objects.count(), StatusEntry.objects.filter(case=case).count()
            try:
                case_transition(case=case, action=t.action, actor=penalty_world.actor, data={})
                moved = True
            except TransitionRefused as exc:
                moved = False
                code = exc.code
            except DomainError:  # bad or missing input: the state check came first and passed
                moved, code = False, "invalid"
            if state in t.sources:
                tried_allowed += 1
                assert moved or code != "invalid_transition", (state, t.action)
            else:
                tried_forbidden += 1
                assert not moved and code == "invalid_transition", (state, t.action)
                assert Entry.objects.count() == entries
                assert StatusEntry.objects.filter(case=case).count() == rows
            Case.objects.filter(pk=case.pk).update(state=state)
            case.refresh_from_db()
    assert tried_allowed > 0 and tried_forbidden > tried_allowed


def test_step_back_from_the_notice_matrix(penalty_world):
    """补充调查（重新告知） (PEN-19), with valid input: open after the notice and before the decision
    (notified, hearing, heard) and going back to investigation; refused in every other state."""
    proc = get_procedure("penalty_general")
    assert proc.transition("reinvestigate").target == "filed"
    case = register_case(penalty_world)
    data = {"new_facts": "告知后查实新的违法事实", "not_due_to_defence": True}
    moved_from = set()
    for state in proc.states:
        Case.objects.filter(pk=case.pk).update(state=state)
        case.refresh_from_db()
        entries = Entry.objects.count()
        try:
            case_transition(case=case, action="reinvestigate", actor=penalty_world.actor, data=data)
        except TransitionRefused as exc:
            assert exc.code == "invalid_transition", (state, exc.message)
            assert Entry.objects.count() == entries
        else:
            case.refresh_from_db()
            assert case.state == "filed", state
            moved_from.add(state)
    assert moved_from == {"notified", "hearing", "heard"}
