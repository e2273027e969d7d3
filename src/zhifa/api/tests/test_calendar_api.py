import datetime as dt

import pytest
from django.contrib.auth.models import Group

from zhifa.core.models import WorkCalendarDay
from zhifa.ledger.models import Entry
from zhifa.org.models import User

pytestmark = pytest.mark.django_db


def test_deadline_for_appendix_b1_gives_the_party_the_later_date(client):
    r = client.get("/api/v1/public/deadlines", {"rule": "PEN-31", "start": "2026-02-12"})
    assert r.status_code == 200
    body = r.json()
    assert body["rule_id"] == "PEN-31"
    assert (body["date"], body["alt_date"], body["enforced_date"]) == ("2026-02-26", "2026-02-27", "2026-02-27")
    assert body["provisional"] is False


def test_publication_deadline_b2(client):
    body = client.get("/api/v1/public/deadlines", {"rule": "PUB-03", "start": "2026-09-29"}).json()
    assert body["date"] == "2026-10-14"


def test_unknown_rule_and_bad_date_are_refused_in_chinese(client):
    r = client.get("/api/v1/public/deadlines", {"rule": "PEN-99", "start": "2026-01-01"})
    assert r.status_code == 400 and "rule" in r.json()["fields"]
    r = client.get("/api/v1/public/deadlines", {"rule": "PEN-31", "start": "2026-02-30"})
    assert r.status_code == 422 and "start" in r.json()["fields"]


def test_rule_table_lists_every_period(client):
    rules = client.get("/api/v1/public/deadlines/rules").json()
    keys = {r["key"] for r in rules}
    assert {"PEN-31", "PUB-03", "PEN-37", "PEN-34"} <= keys


def test_calendar_year_announced_and_provisional(client):
    y2026 = client.get("/api/v1/public/calendar/2026").json()
    assert y2026["status"] == "announced"
    days = {d["date"]: d["kind"] for d in y2026["days"]}
    assert days["2026-10-10"] == "makeup_workday" and days["2026-10-01"] == "holiday"
    y2027 = client.get("/api/v1/public/calendar/2027").json()
    assert y2027["status"] == "provisional"
    assert "2027-10-01" in {d["date"] for d in y2027["days"]}
    assert client.get("/api/v1/public/calendar/1999").status_code == 400


def _admin(client):
    user = User.objects.create_user("caladmin", password="x-pass-12345", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="系统管理员")[0])
    client.force_login(user)
    return user


def test_admin_sets_a_day_with_a_ledger_entry(client):
    _admin(client)
    before = Entry.objects.count()
    r = client.put("/api/v1/calendar/days/2027-10-09", {"kind": "makeup_workday", "name": "国庆节调休上班"},
                   content_type="application/json")
    assert r.status_code == 200, r.content
    assert WorkCalendarDay.objects.get(date=dt.date(2027, 10, 9)).kind == "makeup_workday"
    assert Entry.objects.count() == before + 1
    assert Entry.objects.last().kind == "calendar_day_set"


def test_weekday_makeup_day_is_refused_and_nothing_written(client):
    _admin(client)
    before = Entry.objects.count()
    r = client.put("/api/v1/calendar/days/2027-10-13", {"kind": "makeup_workday", "name": "x"},
                   content_type="application/json")
    assert r.status_code == 400 and r.json()["rule"] == "TIME-08"
    assert not WorkCalendarDay.objects.filter(date=dt.date(2027, 10, 13)).exists()
    assert Entry.objects.count() == before


def test_writes_need_credentials(client):
    r = client.put("/api/v1/calendar/days/2027-10-09", {"kind": "holiday"}, content_type="application/json")
    assert r.status_code == 401
