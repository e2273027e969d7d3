"""Versions and events of publications may only be appended (three-layer rule, DESIGN.md); the
header may be updated by the services (it is the projection the portal searches) but never
deleted; the portal's token index over the header's search_text (core.search)."""

from django.db import migrations

from zhifa.core.append_only import _PG_FUNCTION, AppendOnlyTriggers
from zhifa.core.migration_ops import VendorSQLOperation
from zhifa.core.search import SearchIndex


class NoDeleteTriggers(VendorSQLOperation):
    """Refuse DELETE (and TRUNCATE on PostgreSQL) but allow UPDATE; the test suite's purge works."""

    def forwards_sql(self, vendor, table):
        if vendor == "postgresql":
            return [_PG_FUNCTION,
                    f'CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" '
                    f"FOR EACH ROW EXECUTE FUNCTION zhifa_append_only();",
                    f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
                    f"FOR EACH STATEMENT EXECUTE FUNCTION zhifa_append_only();"]
        return [f'CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" WHEN zhifa_purge_allowed() = 0 '
                f"BEGIN SELECT RAISE(ABORT, 'zhifa: DELETE on {table} is forbidden'); END;"]

    def backwards_sql(self, vendor, table):
        if vendor == "postgresql":
            return [f'DROP TRIGGER IF EXISTS "{table}_no_delete" ON "{table}";',
                    f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}";']
        return [f'DROP TRIGGER IF EXISTS "{table}_no_delete";']

    def describe(self):
        return f"No-delete triggers on {self.model_name}"


class Migration(migrations.Migration):
    dependencies = [("publicity", "0001_initial")]

    operations = [
        AppendOnlyTriggers("publicationversion"),
        AppendOnlyTriggers("publicationevent"),
        NoDeleteTriggers("publication"),
        SearchIndex("publication"),
    ]
