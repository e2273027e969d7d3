"""Shared fixture: the seeded calendar (transactional tests elsewhere may have flushed it)."""

import pytest

from zhifa.core import calendar


@pytest.fixture
def seeded_calendar(db):
    calendar.calendar_seed()
    calendar.invalidate()
    yield
    calendar.invalidate()
