"""Officer case list and case page at scale (issue 5, Performance: p95 under 100 ms with 1,000,000
cases in PostgreSQL; SQLite reported at 100,000).

    SQLite:      /work/main/.venv/bin/python bench/case_list_bench.py
    PostgreSQL:  BENCH_CASES=1000000 DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhifa_bench \\
                 /work/main/.venv/bin/python bench/case_list_bench.py

It builds a throw-away test database (never the one DATABASE_URL names): the test world of
zhifa.cases.testing (one market regulator with certified officers), BENCH_AGENCIES more agencies,
and BENCH_CASES cases spread over them (each with a lead and a co-officer, a party and, for most,
an open deadline), written with bulk inserts. One case is walked through the real services so its
page has history and steps. Then it times, through the Django test client (middleware, selector,
template): an officer's list (first page, a state filter, a party search, the second page by keyset),
an agency head's list of the whole agency, and the case page.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.conf.test")
os.environ.setdefault("AXES_ENABLED", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

N_CASES = int(os.environ.get("BENCH_CASES", "100000"))
N_AGENCIES = int(os.environ.get("BENCH_AGENCIES", "50"))
RUNS = int(os.environ.get("BENCH_RUNS", "40"))
BATCH = 5000
STATES = ["registered", "filed", "investigated", "notified", "decided", "executing", "closed", "archived"]
NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def build():
    from django.contrib.auth import get_user_model

    from zhifa.cases.engine import case_transition
    from zhifa.cases.models import Case, CaseDeadline, CaseOfficer, Party
    from zhifa.cases.testing import make_world, register_case
    from zhifa.org import roles
    from zhifa.org.identity_fixtures import make_credit_code
    from zhifa.org.models import Agency, Officer

    rnd = random.Random(5)
    today = dt.date.today()
    w = make_world()
    User = get_user_model()
    groups = roles.ensure_groups()
    officer_user = User.objects.create_user("bench-officer", password="x", officer=w.officers[0], agency=w.agency)
    officer_user.groups.add(groups[roles.OFFICER])
    head_user = User.objects.create_user("bench-head", password="x", agency=w.agency)
    head_user.groups.add(groups[roles.HEAD])
    agencies = [w.agency] + [Agency.objects.create(name=f"基准执法局{i}", short_name=f"基准{i}",
                                                   credit_code=make_credit_code("369100", 100 + i), region=w.city)
                             for i in range(N_AGENCIES - 1)]
    officers = {w.agency.pk: list(w.officers)}
    for a in agencies[1:]:
        officers[a.pk] = Officer.objects.bulk_create([
            Officer(name=f"基准{a.pk}-{j}", id_number=f"X{a.pk:05d}{j:03d}", agency=a) for j in range(10)])
    made = 0
    serial: dict[int, int] = {}
    while made < N_CASES:
        n = min(BATCH, N_CASES - made)
        cases = []
        for _ in range(n):
            a = agencies[rnd.randrange(len(agencies))]
            team = rnd.sample(officers[a.pk], 2)
            state = rnd.choice(STATES)
            number = ""
            if state != "registered":
                serial[a.pk] = serial.get(a.pk, 0) + 1
                number = f"{a.short_name}立〔{today.year - 1}〕{serial[a.pk]}号"
            c = Case(procedure="penalty_general", kind="penalty", agency=a, lead_officer=team[0], number=number,
                     title=f"案件{made}{rnd.choice(['未建立进货查验记录', '超范围经营', '虚假宣传', '无证经营'])}",
                     source="inspection", discovered_on=today - dt.timedelta(days=rnd.randrange(400)), state=state)
            c._team = team
            cases.append(c)
            made += 1
        Case.objects.bulk_create(cases, batch_size=BATCH)
        CaseOfficer.objects.bulk_create(
            [CaseOfficer(case=c, officer=o, role="lead" if i == 0 else "co", no_conflict_declared=True)
             for c in cases for i, o in enumerate(c._team)], batch_size=BATCH)
        Party.objects.bulk_create(
            [Party(case=c, kind="organisation", name=f"江川市{rnd.choice(NAMES)}{c.pk % 9973}商贸有限公司",
                   credit_code="") for c in cases], batch_size=BATCH)
        CaseDeadline.objects.bulk_create(
            [CaseDeadline(case=c, key="PEN-34", rule_id="PEN-34", label="作出处罚决定期限", bearer="agency",
                          start=c.discovered_on, due_on=c.discovered_on + dt.timedelta(days=90),
                          act_by=c.discovered_on + dt.timedelta(days=90), basis="行政处罚法第60条")
             for c in cases if c.state not in ("closed", "archived")], batch_size=BATCH)
    case = register_case(w)
    case_transition(case=case, action="file", actor=w.actor, data={"head_approved": True, "opinion": "立案"})
    case_transition(case=case, action="record_inspection", actor=w.actor,
                    data={"certificates_shown": True, "place": "现场", "findings": "检查情况"})
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    return officer_user, head_user, case


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    setup_test_environment()
    if connection.vendor == "sqlite":
        tmp = tempfile.mkdtemp(prefix="zhifa-bench-")
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(Path(tmp) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        officer_user, head_user, case = build()
        print(f"database: {connection.vendor}; {N_CASES} cases over {N_AGENCIES} agencies built in "
              f"{time.perf_counter() - t0:.1f} s")
        officer, head = Client(), Client()
        officer.force_login(officer_user)
        head.force_login(head_user)
        first = officer.get("/work/cases/").context["page"]
        print(f"officer's cases: {first.count}{'+' if first.capped else ''}; "
              f"agency's cases: {head.get('/work/cases/').context['page'].count}+")
        pages = {
            "officer list, first page": (officer, "/work/cases/", {}),
            "officer list, state filter": (officer, "/work/cases/", {"state": "filed"}),
            "officer list, party search": (officer, "/work/cases/", {"q": "商贸"}),
            "officer list, next page (keyset)": (officer, "/work/cases/", {"before": first.next_before}),
            "head list, whole agency": (head, "/work/cases/", {}),
            "head list, title search": (head, "/work/cases/", {"q": "虚假宣传"}),
            "case page": (officer, f"/work/cases/{case.pk}/", {}),
        }
        worst = 0.0
        for label, (client, url, params) in pages.items():
            client.get(url, params)  # warm-up
            xs = []
            for _ in range(RUNS):
                t = time.perf_counter()
                r = client.get(url, params)
                xs.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, (label, r.status_code)
            worst = max(worst, pct(xs, 95))
            print(f"{label}: n={len(xs)} p50={statistics.median(xs):.1f} ms p95={pct(xs, 95):.1f} ms "
                  f"max={max(xs):.1f} ms")
        print("PASS: p95 < 100 ms" if worst < 100 else "FAIL: p95 >= 100 ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
