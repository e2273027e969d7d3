"""Issue 5 item 8: the scheduler flags case steps due soon and overdue, per officer and agency,
and clears the flag when the step is done."""

import datetime as dt

from zhifa.cases.engine import case_transition
from zhifa.cases.testing import register_case
from zhifa.core.calendar import add_working_days
from zhifa.supervision.models import DeadlineAlert
from zhifa.supervision.selectors import alert_counts_by_agency, alert_counts_by_officer, open_alerts
from zhifa.supervision.services import deadline_alerts_refresh

TODAY = dt.date.today()


def test_overdue_and_due_soon_flags_and_clearing(penalty_world):
    w = penalty_world
    # Registered 60 days ago: the 15-working-day filing check (PEN-26) is overdue.
    late = register_case(w, discovered_on=TODAY - dt.timedelta(days=60))
    # Registered so that the filing check falls due within the alert window (3 working days).
    d = late.deadlines.get(key="PEN-26")
    fresh = register_case(w, discovered_on=TODAY, title="新线索")
    fresh_due = fresh.deadlines.get(key="PEN-26")
    result = deadline_alerts_refresh(today=TODAY)
    assert result["raised"] >= 1
    alert = DeadlineAlert.objects.get(deadline=d)
    assert alert.level == "overdue" and alert.rule_id == "PEN-26" and alert.officer == w.officers[0]
    assert "已逾期" in alert.message
    soon_day = fresh_due.act_by - dt.timedelta(days=1)
    while add_working_days(soon_day, 3) < fresh_due.act_by:
        soon_day += dt.timedelta(days=1)
    deadline_alerts_refresh(today=soon_day)
    assert DeadlineAlert.objects.filter(deadline=fresh_due, level="due_soon").exists()
    # Idempotent.
    assert deadline_alerts_refresh(today=TODAY)["raised"] == 0
    by_agency = alert_counts_by_agency(agency_ids=[w.agency.pk])
    assert by_agency[0]["overdue"] == 1
    assert alert_counts_by_officer()[0]["officer__name"] == w.officers[0].name
    # Filing meets the deadline: the flag is cleared, not deleted.
    case_transition(case=late, action="file", actor=w.actor, data={"head_approved": True, "opinion": "立案"})
    assert deadline_alerts_refresh(today=TODAY)["cleared"] == 1
    alert.refresh_from_db()
    assert alert.cleared_at is not None
    assert not open_alerts(agency_ids=[w.agency.pk]).filter(deadline=d).exists()
