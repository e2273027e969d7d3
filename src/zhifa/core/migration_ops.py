"""A base for migration operations that run vendor-specific SQL on one model's table
(append-only triggers, search indexes): SQLite and PostgreSQL each get their own statements."""

from django.db.migrations.operations.base import Operation


class VendorSQLOperation(Operation):
    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self):
        return (self.__class__.__name__, [self.model_name], {})

    def state_forwards(self, app_label, state):
        pass

    def forwards_sql(self, vendor: str, table: str) -> list[str]:
        raise NotImplementedError

    def backwards_sql(self, vendor: str, table: str) -> list[str]:
        raise NotImplementedError

    @staticmethod
    def _table(app_label, state, model_name):
        return state.apps.get_model(app_label, model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        table = self._table(app_label, to_state, self.model_name)
        for sql in self.forwards_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        table = self._table(app_label, from_state, self.model_name)
        for sql in self.backwards_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql, params=None)
