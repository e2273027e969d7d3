"""Test-suite wiring shared by every app."""

import pytest
from django.db.backends.base.operations import BaseDatabaseOperations

from zhifa.core.append_only import purge_allowed

_flush = BaseDatabaseOperations.execute_sql_flush


def _flush_through_triggers(self, sql_list):
    # Transactional tests empty the database between tests; append-only triggers would refuse.
    with purge_allowed(self.connection):
        return _flush(self, sql_list)


BaseDatabaseOperations.execute_sql_flush = _flush_through_triggers


def pytest_collection_modifyitems(config, items):
    import os

    is_pg = os.environ.get("DATABASE_URL", "").startswith("postgres")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
    for item in items:
        if "pg" in item.keywords and not is_pg:
            item.add_marker(skip_pg)


@pytest.fixture
def penalty_world(db):
    """A city market regulator with certified officers and published penalty matters
    (zhifa.cases.testing.make_world)."""
    from zhifa.cases.testing import make_world

    return make_world()
