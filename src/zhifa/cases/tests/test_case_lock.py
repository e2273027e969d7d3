"""The case lock's read (core.joined.get_with_related): the same instances, values and types as the
ORM's select_related, the related rows cached (no query to reach them), the scope filter and a
missing row answered as None."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from zhifa.cases.engine import CASE_RELATED
from zhifa.cases.models import Case
from zhifa.cases.testing import register_case
from zhifa.core.joined import get_with_related

pytestmark = pytest.mark.django_db


def _values(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _chain(case):
    region = case.agency.region
    return [case, case.agency, region, region.parent if region else None,
            region.parent.parent if region and region.parent else None,
            case.matter, case.matter.category if case.matter else None]


def test_the_lock_reads_what_select_related_reads(penalty_world):
    case = register_case(penalty_world)
    Case.objects.filter(pk=case.pk).update(data={"note": "数据", "n": [1, 2]})
    orm = Case.objects.select_related(*CASE_RELATED).get(pk=case.pk)
    with transaction.atomic():
        ours = get_with_related(Case, case.pk, paths=CASE_RELATED, lock=True)
        with CaptureQueriesContext(connection) as q:
            chain = _chain(ours)  # every related row is cached: reaching it costs no query
        assert len(q.captured_queries) == 0
    expected = _chain(orm)
    assert [type(o) for o in chain] == [type(o) for o in expected]
    assert sum(o is not None for o in chain) >= 5  # case, agency, region, matter, category at least
    for mine, theirs in zip(chain, expected, strict=True):
        if theirs is None:
            assert mine is None
            continue
        assert _values(mine) == _values(theirs)
        assert [type(v) for v in _values(mine).values()] == [type(v) for v in _values(theirs).values()]
        assert mine._state.adding is False and mine._state.db == theirs._state.db


def test_a_case_without_a_matter_has_none_cached(penalty_world):
    case = register_case(penalty_world)
    Case.objects.filter(pk=case.pk).update(matter=None)
    with transaction.atomic():
        ours = get_with_related(Case, case.pk, paths=CASE_RELATED, lock=True)
    with CaptureQueriesContext(connection) as q:
        assert ours.matter is None
    assert len(q.captured_queries) == 0


def test_outside_the_scope_or_missing_is_none(penalty_world):
    case = register_case(penalty_world)
    with transaction.atomic():
        assert get_with_related(Case, case.pk, paths=CASE_RELATED, in_field="agency",
                                in_values=[case.agency_id + 1000]) is None
        assert get_with_related(Case, case.pk, paths=CASE_RELATED, in_field="agency", in_values=[]) is None
        assert get_with_related(Case, 10**9, paths=CASE_RELATED) is None
        found = get_with_related(Case, case.pk, paths=CASE_RELATED, in_field="agency",
                                 in_values=[case.agency_id + 1000, case.agency_id])
    assert found.pk == case.pk


def test_a_path_that_is_not_a_foreign_key_is_refused(penalty_world):
    case = register_case(penalty_world)
    with pytest.raises(ValueError, match="not a foreign key"):
        get_with_related(Case, case.pk, paths=("agency__name",))
