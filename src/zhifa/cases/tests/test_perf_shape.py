"""Query shape behind the issue 5 performance targets: the case page runs each input-free guard
once for all next steps (same blockers as step by step), and the case list is a fixed number of
queries that does not load the cases' `data`."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhifa.cases import engine
from zhifa.cases.api import next_steps
from zhifa.cases.engine import (
    Procedure,
    Transition,
    get_procedure,
    guard,
    register_procedure,
    transition_blockers,
    transitions_blockers,
)
from zhifa.cases.testing import register_case
from zhifa.org import roles


@pytest.fixture
def officer_client(client, penalty_world):
    user = get_user_model().objects.create_user("perf-li", password="pw-123456-x", agency=penalty_world.agency)
    user.groups.add(roles.ensure_groups()[roles.OFFICER])
    client.force_login(user)
    return client


def test_shared_guard_runs_once_and_blockers_match_step_by_step():
    calls = []

    @guard("PEN-16", "共用检查")
    def shared(ctx):
        calls.append(ctx.transition.action)
        ctx.refuse("PEN-16", "共用检查未通过")

    @guard("PEN-17", "提示")
    def warns(ctx):
        ctx.warn("PEN-17", "请说明")

    @guard("PEN-27", "需输入", needs_input=True)
    def needs_input(ctx):
        raise AssertionError("input guards are not run when listing blockers")

    proc = register_procedure(Procedure(
        name="perf_shape_test", label="测试程序", kind="penalty", states={"a": "甲", "b": "乙"}, initial_action="x",
        transitions=(Transition("x", "一", ("a",), "b", "e1", guards=(shared, warns, needs_input)),
                     Transition("y", "二", ("a",), None, "e2", guards=(warns, shared)),
                     Transition("z", "三", ("b",), None, "e3", guards=(shared,)))))

    class FakeCase:
        procedure = proc.name
        state = "a"

    try:
        _check_blockers(FakeCase, calls)
    finally:
        engine._PROCEDURES.pop(proc.name, None)  # keep the registry as the other tests know it


def _check_blockers(FakeCase, calls):
    together = transitions_blockers(case=FakeCase(), actions=["x", "y", "z"], on_date=dt.date(2026, 1, 5))
    assert calls == ["x"]  # once, for the first step that has it
    calls.clear()
    one_by_one = {a: transition_blockers(case=FakeCase(), action=a, on_date=dt.date(2026, 1, 5))
                  for a in ["x", "y", "z"]}
    assert together == one_by_one
    assert [b["level"] for b in together["x"]] == ["block", "warn"]
    assert [b["level"] for b in together["y"]] == ["block", "warn"]  # refusals first, then warnings
    assert together["z"][0]["rule"] is None  # not available in this state


def test_case_page_next_steps_agree_with_single_step_blockers(penalty_world):
    case = register_case(penalty_world)
    steps = next_steps(case, penalty_world.actor)
    assert steps
    for s in steps:
        assert s["blockers"] == transition_blockers(case=case, action=s["action"], actor=penalty_world.actor)
    assert get_procedure(case.procedure).available(case.state)


def test_case_list_query_count_is_flat_and_skips_data(officer_client, penalty_world):
    register_case(penalty_world)
    with CaptureQueriesContext(connection) as one:
        assert officer_client.get("/api/v1/cases/?limit=50").status_code == 200
    for _ in range(4):
        register_case(penalty_world)
    with CaptureQueriesContext(connection) as five:
        r = officer_client.get("/api/v1/cases/?limit=50")
    assert len(r.json()) == 5
    assert len(five.captured_queries) == len(one.captured_queries)  # no query per case
    case_sql = [q["sql"] for q in five.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert case_sql and all('"cases_case"."data"' not in sql for sql in case_sql)
    assert all("COUNT(" not in q["sql"].upper() for q in five.captured_queries)
