"""Serial numbers (文号) per agency, series and year: taken under the sequence row's lock, so
concurrent takers get each number once and a rolled-back taker gives its number back."""

import pytest
from django.db import transaction

from zhifa.cases.models import NumberSequence
from zhifa.cases.services import number_issue, number_next
from zhifa.core.testing import concurrent_writes, needs_waiting_writers


@pytest.mark.django_db
def test_numbers_start_at_one_per_series_and_year(penalty_world):
    agency = penalty_world.agency
    with transaction.atomic():
        assert [number_next(agency=agency, series="case", year=2026) for _ in range(3)] == [1, 2, 3]
        assert number_next(agency=agency, series="case", year=2027) == 1
        assert number_next(agency=agency, series="penalty_decision", year=2026) == 1
    assert NumberSequence.objects.get(agency=agency, series="case", year=2026).last == 3


@pytest.mark.django_db(transaction=True)
def test_a_number_is_only_taken_inside_the_callers_transaction(penalty_world):
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        number_next(agency=penalty_world.agency, series="case", year=2026)
    assert not NumberSequence.objects.filter(agency=penalty_world.agency, series="case", year=2026).exists()


@pytest.mark.django_db
def test_a_rolled_back_number_is_given_back(penalty_world):
    import datetime as dt

    agency = penalty_world.agency
    with pytest.raises(RuntimeError), transaction.atomic():
        number_issue(agency=agency, series="case", on_date=dt.date(2026, 3, 1))
        raise RuntimeError("the service failed")
    with transaction.atomic():
        assert number_issue(agency=agency, series="case", on_date=dt.date(2026, 3, 1)).endswith("〔2026〕1号")


@needs_waiting_writers
@pytest.mark.django_db(transaction=True)
def test_concurrent_takers_get_each_number_once(penalty_world):
    agency = penalty_world.agency
    taken = concurrent_writes(lambda i, j: number_next(agency=agency, series="case", year=2031),
                              threads=4, rounds=6, rollback_round=3)
    assert sorted(taken) == list(range(1, 4 * 5 + 1))  # 4 takers x 5 committed, none twice, no gap
    assert NumberSequence.objects.get(agency=agency, series="case", year=2031).last == 20
