from datetime import date

import pytest

from zhifa.core import calendar
from zhifa.core.models import WorkCalendarDay
from zhifa.ledger.models import Entry

from .calendar_fixtures import seeded_calendar  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_calendar")]


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("calendar-admin", "a@example.cn", "correct-horse-9")
    client.force_login(user)
    return client


def test_admin_add_goes_through_the_service(admin_client):
    r = admin_client.post("/admin/core/workcalendarday/add/", {
        "date": "2027-02-11", "kind": "holiday", "name": "春节", "source": "https://www.gov.cn/n", "published_at": "",
    })
    assert r.status_code == 302, r.content.decode()[:2000]
    assert WorkCalendarDay.objects.get(date=date(2027, 2, 11)).name == "春节"
    assert Entry.objects.filter(kind="calendar_day_set").count() == 1
    assert not calendar.is_working_day(date(2027, 2, 11))


def test_admin_refuses_a_weekday_makeup_day_in_chinese(admin_client):
    r = admin_client.post("/admin/core/workcalendarday/add/", {
        "date": "2027-02-11", "kind": "makeup_workday", "name": "x", "source": "", "published_at": "",
    })
    assert r.status_code == 200
    assert "调休上班日须为周六或周日" in r.content.decode()
    assert not WorkCalendarDay.objects.filter(date=date(2027, 2, 11)).exists()
