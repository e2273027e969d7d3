"""Database connection settings (conf/base.py): persistent connections on both databases, and on
PostgreSQL prepared statements (server-side binding; DATABASE_PREPARE_THRESHOLD, 0 turns it off)."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection


def database_settings(url: str, **env) -> dict:
    """settings.DATABASES["default"] for DATABASE_URL=<url>, from a fresh interpreter (the settings
    module reads the environment once, at import)."""
    code = "import json, zhifa.conf.base as s; print(json.dumps(s.DATABASES['default'], default=str))"
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "DATABASE_URL": url, **env},
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_connections_are_kept_and_postgresql_prepares_repeated_statements():
    pg = database_settings("postgres://u@127.0.0.1:5432/x")
    assert pg["CONN_MAX_AGE"] == 60 and pg["OPTIONS"] == {
        "server_side_binding": True, "prepare_threshold": 5, "options": "-c plan_cache_mode=force_custom_plan"}
    off = database_settings("postgres://u@127.0.0.1:5432/x", DATABASE_PREPARE_THRESHOLD="0")
    assert "server_side_binding" not in off.get("OPTIONS", {})
    lite = database_settings("sqlite:////tmp/x.sqlite3")
    assert lite["CONN_MAX_AGE"] == 60 and "prepare_threshold" not in lite["OPTIONS"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.django_db
def test_a_statement_run_often_is_prepared_on_the_server():
    from zhifa.org.models import Agency

    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    for _ in range(threshold + 1):
        list(Agency.objects.filter(pk=-7).values_list("pk"))
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cur.fetchall()]
    assert any('FROM "org_agency"' in s and "$1" in s for s in prepared), prepared


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plan_cache_mode is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_plans_are_made_for_the_values_except_inside_a_transition():
    """Outside a transition every statement is planned for its own values (the portal searches
    depend on it); case_transition lets its statements keep a generic plan, for its transaction only."""
    from django.db import transaction

    from zhifa.cases.engine import _reuse_plans

    def mode():
        with connection.cursor() as cur:
            cur.execute("SHOW plan_cache_mode")
            return cur.fetchone()[0]

    assert mode() == "force_custom_plan"
    with transaction.atomic():
        _reuse_plans()
        assert mode() == "auto"
    assert mode() == "force_custom_plan"
