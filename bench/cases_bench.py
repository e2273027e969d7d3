"""Cases benchmark (issue 5, Performance): an officer's case list and a case page under concurrent
clients, then sustained transitions/s with an integrity check. Needs a database filled by
bench/cases_gen.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cases PYTHONPATH=src \
        python bench/cases_bench.py --port 8190
    DATABASE_URL=sqlite:////tmp/bench_cases.sqlite3 PYTHONPATH=src python bench/cases_bench.py --port 8191

It starts granian on 127.0.0.1 (2 WSGI workers of 2 threads each, as in docs/operations.md; DEBUG
off) and talks to it over loopback with keep-alive HTTP connections, one per client thread. Clients
are officers of the sampled agencies, signed in with a Django session (the officer UI's way in;
`--auth token` uses agency API tokens instead), so the list is scoped to the officer's agency.

1. Reads: each client alternates GET /api/v1/cases/?limit=50 (the officer's list) and
   GET /api/v1/cases/{id} (a random case of the agency, any state), bounded by --read-seconds and
   --read-requests. Prints p50/p95/p99 per endpoint.
2. Transitions: each client POSTs, for --tx-seconds, a mix of record_interview on `filed` cases
   (in-state act), record_payment on `executing` cases (in-state act) and file on `registered` cases
   (a state move that issues a case number under the sequence lock). The pools are small so clients
   often hit the same case at once. Prints the rate overall and per second.
3. Checks, from the database: every accepted transition left exactly one status row, the new seqs of
   each case are contiguous after its previous last seq (none lost, none duplicated), the ledger
   grew by one entry per transition, case numbers are unique per agency, and the serials issued in
   the run are contiguous per agency and year with the NumberSequence at the last one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.conf.dev")
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
sys.path.insert(0, SRC)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max  # noqa: E402

from zhifa.cases.models import Case, NumberSequence, StatusEntry  # noqa: E402
from zhifa.ledger.models import LedgerHead  # noqa: E402
from zhifa.org.models import Agency  # noqa: E402

SERIAL = re.compile(r"〔(\d{4})〕(\d+)号$")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


# --- who the clients are ---------------------------------------------------------------------------


def officer_session(agency: Agency) -> dict[str, str]:
    """An officer (执法人员) of `agency`, signed in: the cookies and headers a browser would send."""
    from importlib import import_module

    User = get_user_model()
    user, _ = User.objects.get_or_create(username=f"bench-officer-{agency.pk}",
                                         defaults={"agency": agency, "is_staff": False})
    user.groups.add(Group.objects.get_or_create(name="执法人员")[0])
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    csrf = secrets.token_hex(16)  # a 32-character unmasked secret, as the csrftoken cookie holds
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}",
            "X-CSRFToken": csrf}


def agency_token(agency: Agency, admin) -> dict[str, str]:
    from zhifa.org.services import api_token_create

    _, plaintext = api_token_create(name=f"bench {agency.pk}", agency=agency, scopes=["cases:read", "cases:write"],
                                    actor=admin)
    return {"Authorization": f"Bearer {plaintext}"}


# --- the server --------------------------------------------------------------------------------------


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    # Connections kept for the whole run, so the database's CPU can be read from its backends
    # (production's default of 60 s reconnects once a minute; a backend that exits takes its CPU time).
    env = {"DATABASE_CONN_MAX_AGE": "3600", **os.environ, "DJANGO_DEBUG": "0",
           "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    granian = os.path.join(os.path.dirname(sys.executable), "granian")
    proc = subprocess.Popen(
        [granian, "--interface", "wsgi", "--workers", str(workers), "--blocking-threads", str(threads),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "zhifa.wsgi:application"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(f"/tmp/cases_bench_granian_{port}.log", "w"))
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/api/v1/cases/?limit=1")
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"granian did not answer on port {port}; see /tmp/cases_bench_granian_{port}.log")


def _processes():
    """(pid, command name, the fields after it) of each process /proc still shows (Linux)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    head, rest = f.read().rsplit(")", 1)
            except (OSError, ValueError):
                continue
            yield int(entry), head.split(" (", 1)[1], rest.split()


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def server_cpu(proc: subprocess.Popen) -> float:
    """CPU seconds (user + system) used so far by the server and its worker processes (Linux
    /proc). Per request it is the cost of the code, whatever else the machine is busy with."""
    return sum(_cpu_seconds(fields) for pid, _, fields in _processes()
               if pid == proc.pid or int(fields[1]) == proc.pid)  # the server, or its child (ppid)


def database_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL processes that serve this benchmark: the backends
    connected to its database and the server's own helpers (WAL writer, checkpointer, …), not the
    backends of other databases on the machine. 0 on SQLite, whose work is in the server's workers.
    Backends that exit take their time with them, so it is read around a phase in which the workers
    keep their connections (CONN_MAX_AGE)."""
    if connection.vendor != "postgresql":
        return 0.0
    ours = f" {connection.settings_dict['NAME']} "
    total = 0.0
    for pid, name, fields in _processes():
        if name != "postgres":
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                title = f.read().decode(errors="replace")
        except OSError:
            continue
        is_backend = "(" in title.split(":", 2)[-1]  # "postgres: 15/main: user db 127.0.0.1(port) idle"
        if is_backend and ours not in title:
            continue
        total += _cpu_seconds(fields)
    return total


class Client:
    def __init__(self, port: int, headers: dict[str, str]):
        self.port, self.headers = port, headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes, float]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            t = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                payload = r.read()
                return r.status, payload, (time.perf_counter() - t) * 1000
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2 or method != "GET":
                    raise
        raise AssertionError


# --- phases ------------------------------------------------------------------------------------------


def run_threads(n: int, target) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def read_phase(args, clients_auth, cases_by_agency) -> dict:
    agencies = list(cases_by_agency)
    lat: dict[str, list[float]] = {"list": [], "page": []}
    errors: Counter = Counter()
    lock = threading.Lock()
    budget = [args.read_requests]
    stop_at = time.time() + args.read_seconds

    def client(i: int) -> None:
        rng = random.Random(i)
        agency = agencies[i % len(agencies)]
        c = Client(args.port, clients_auth[agency])
        mine: dict[str, list[float]] = {"list": [], "page": []}
        k = 0
        while time.time() < stop_at:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            if k % 2 == 0:
                kind, path = "list", "/api/v1/cases/?limit=50"
            else:
                kind, path = "page", f"/api/v1/cases/{rng.choice(cases_by_agency[agency])}"
            status, _, ms = c.call("GET", path)
            if status == 200:
                mine[kind].append(ms)
            else:
                errors[(kind, status)] += 1
            k += 1
        with lock:
            for kind in mine:
                lat[kind].extend(mine[kind])

    # warm-up: every client connection and both workers' caches
    warm = args.read_requests
    args.read_requests = min(200, warm)
    budget[0] = args.read_requests
    run_threads(args.clients, client)
    warmed = args.read_requests - budget[0]
    lat = {"list": [], "page": []}
    args.read_requests = warm
    budget[0] = warm
    stop_at = time.time() + args.read_seconds
    t0 = time.time()
    run_threads(args.clients, client)
    return {"lat": lat, "errors": errors, "seconds": time.time() - t0, "warm": warmed}


def interview_body(rng: random.Random) -> dict:
    return {"data": {"certificates_shown": True, "interviewee": "被询问人" + str(rng.randint(1, 999)),
                     "content": "询问进货来源及查验记录情况（基准测试）。", "party_signed": True}}


def payment_body(rng: random.Random) -> dict:
    return {"data": {"amount": "1.00", "paid_on": dt.date.today().isoformat(), "method": "bank"}}


def file_body(rng: random.Random) -> dict:
    return {"data": {"head_approved": True, "opinion": "符合立案条件（基准测试）。"}}


def tx_phase(args, clients_auth, pools, on_start) -> dict:
    """pools: agency -> {"filed": [...], "executing": [...], "registered": [...]}. Each client first
    makes --tx-warmup transitions (the workers' threads started, their connections opened, the
    database's caches warm), then all start together; `on_start()` is called at that moment (the CPU
    counters are read there). The warm-up transitions are in `ok` (the integrity check counts them),
    dated before `t0`."""
    agencies = list(pools)
    lock = threading.Lock()
    ok: list[tuple[int, str, int, float, float]] = []  # case, action, seq, finished at, ms
    errors: Counter = Counter()
    samples: list[str] = []
    clock: dict[str, float] = {}

    def start() -> None:
        on_start()
        clock["t0"] = time.time()
        clock["stop"] = clock["t0"] + args.tx_seconds

    barrier = threading.Barrier(args.tx_clients, action=start)

    def client(i: int) -> None:
        rng = random.Random(1000 + i)
        agency = agencies[i % len(agencies)]
        c = Client(args.port, clients_auth[agency])
        p = pools[agency]
        mine = []

        def one() -> None:
            r = rng.random()
            case_id = None
            if r < 0.25:
                with lock:
                    case_id = p["registered"].pop() if p["registered"] else None
                action, body = "file", file_body(rng)
            if case_id is None and r < 0.5 and p["executing"]:
                case_id, action, body = rng.choice(p["executing"]), "record_payment", payment_body(rng)
            if case_id is None:
                case_id, action, body = rng.choice(p["filed"]), "record_interview", interview_body(rng)
            status, payload, ms = c.call("POST", f"/api/v1/cases/{case_id}/transitions/{action}", body)
            if status == 200:
                mine.append((case_id, action, json.loads(payload)["seq"], time.time(), ms))
                if action == "file":
                    with lock:
                        p["filed"].append(case_id)
            else:
                with lock:
                    errors[(action, status)] += 1
                    if len(samples) < 5:
                        samples.append(f"{action} {case_id}: {status} {payload[:300].decode(errors='replace')}")

        for _ in range(args.tx_warmup):
            one()
        barrier.wait()
        while time.time() < clock["stop"]:
            one()
        with lock:
            ok.extend(mine)

    run_threads(args.tx_clients, client)
    return {"ok": ok, "errors": errors, "samples": samples, "t0": clock["t0"],
            "seconds": time.time() - clock["t0"]}


# --- integrity ------------------------------------------------------------------------------------------


def check_integrity(ok, before_seq: dict[int, int], ledger_before: int, seq_before: dict, agency_ids) -> list[str]:
    problems = []
    by_case: dict[int, list[int]] = defaultdict(list)
    for case_id, _, seq, _, _ in ok:
        by_case[case_id].append(seq)
    rows: dict[int, list[int]] = defaultdict(list)
    ids = list(by_case)
    for i in range(0, len(ids), 5000):
        for case_id, seq in StatusEntry.objects.filter(case_id__in=ids[i:i + 5000]).values_list("case_id", "seq"):
            if seq > before_seq.get(case_id, 0):
                rows[case_id].append(seq)
    for case_id, seqs in by_case.items():
        prev = before_seq.get(case_id, 0)
        if len(set(seqs)) != len(seqs):
            problems.append(f"case {case_id}: the API returned a seq twice: {sorted(seqs)}")
        stored = sorted(rows.get(case_id, []))
        if stored != list(range(prev + 1, prev + 1 + len(seqs))):
            problems.append(f"case {case_id}: {len(seqs)} accepted, stored seqs {stored} after {prev}")
        if sorted(seqs) != stored:
            problems.append(f"case {case_id}: API seqs {sorted(seqs)} != stored {stored}")
    extra = set(rows) - set(by_case)
    if extra:
        problems.append(f"status rows on cases no client moved: {sorted(extra)[:5]}")
    ledger_after = LedgerHead.objects.get(pk=1).size
    if ledger_after - ledger_before != len(ok):
        problems.append(f"ledger grew by {ledger_after - ledger_before}, transitions accepted {len(ok)}")
    dup = (Case.objects.filter(agency_id__in=agency_ids).exclude(number="").values("agency_id", "number")
           .annotate(n=Count("id")).filter(n__gt=1))
    for d in dup[:5]:
        problems.append(f"duplicated case number {d}")
    filed = [case_id for case_id, action, *_ in ok if action == "file"]
    issued: dict[tuple[int, int], list[int]] = defaultdict(list)
    for agency_id, number in Case.objects.filter(pk__in=filed).values_list("agency_id", "number"):
        m = SERIAL.search(number or "")
        if not m:
            problems.append(f"filed case without a number: {number!r}")
            continue
        issued[(agency_id, int(m.group(1)))].append(int(m.group(2)))
    for (agency_id, year), serials in issued.items():
        start = seq_before.get((agency_id, year), 0)
        last = NumberSequence.objects.get(agency_id=agency_id, series="case", year=year).last
        if sorted(serials) != list(range(start + 1, start + 1 + len(serials))) or last != start + len(serials):
            problems.append(f"agency {agency_id} {year}: serials {sorted(serials)[:5]}… after {start}, sequence at {last}")
    return problems


# --- main ----------------------------------------------------------------------------------------------


def service_times(agency: Agency, states: dict[str, list[int]], n: int = 20) -> list[tuple]:
    """In-process cost per request (Django test client, no HTTP): CPU time and queries. CPU time
    hardly depends on how busy the machine is, so it shows what 2 workers could do on idle cores."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    User = get_user_model()
    c = Client()
    c.force_login(User.objects.get(username=f"bench-officer-{agency.pk}"))
    pages = (states["filed"] + states["executing"] + states["archived"])[:n]
    filed = states["filed"][n:2 * n]
    # taken off the list, so the transition pools do not meet them again
    registered = [states["registered"].pop() for _ in range(min(n, len(states["registered"])))]
    executing = states["executing"][-n:]
    jobs = [("list", [("get", "/api/v1/cases/?limit=50", None)] * n),
            ("page", [("get", f"/api/v1/cases/{i}", None) for i in pages]),
            ("record_interview", [("post", f"/api/v1/cases/{i}/transitions/record_interview",
                                   interview_body(random.Random(i))) for i in filed]),
            ("file", [("post", f"/api/v1/cases/{i}/transitions/file", file_body(None)) for i in registered]),
            ("record_payment", [("post", f"/api/v1/cases/{i}/transitions/record_payment", payment_body(None))
                                for i in executing])]
    out = []
    for name, calls in jobs:
        if not calls:
            continue
        cpu, queries = [], []
        for method, path, body in calls:
            with CaptureQueriesContext(connection) as q:
                t = time.process_time()
                r = (c.get(path) if method == "get" else
                     c.post(path, json.dumps(body), content_type="application/json"))
                cpu.append((time.process_time() - t) * 1000)
            assert r.status_code == 200, (path, r.status_code, r.content[:200])
            queries.append(len(q.captured_queries))
        out.append((name, statistics.median(cpu), statistics.median(queries)))
    return out


def random_cases(agency_ids: list[int], sample: int, rng: random.Random) -> list[tuple[int, int, str]]:
    """(id, agency_id, state) of cases picked uniformly by id, without scanning the table."""
    top = Case.objects.aggregate(m=Max("id"))["m"] or 0
    ids = rng.sample(range(1, top + 1), min(sample, top))
    out = []
    for i in range(0, len(ids), 10000):
        out += list(Case.objects.filter(pk__in=ids[i:i + 10000], agency_id__in=agency_ids)
                    .values_list("id", "agency_id", "state"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8190)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="granian blocking threads per worker")
    ap.add_argument("--agencies", type=int, default=20, help="agencies whose officers are the clients")
    ap.add_argument("--clients", type=int, default=8, help="concurrent reading clients")
    ap.add_argument("--read-seconds", type=float, default=60)
    ap.add_argument("--read-requests", type=int, default=4000)
    ap.add_argument("--tx-clients", type=int, default=8)
    ap.add_argument("--tx-seconds", type=float, default=30)
    ap.add_argument("--tx-warmup", type=int, default=5, help="transitions per client before the clock starts")
    ap.add_argument("--pool", type=int, default=20, help="filed / executing cases per agency in the transition pool")
    ap.add_argument("--auth", choices=["session", "token"], default="session")
    ap.add_argument("--skip-reads", action="store_true")
    ap.add_argument("--skip-tx", action="store_true")
    ap.add_argument("--service-times", action="store_true",
                    help="also measure CPU time and queries per request in-process (writes a few status rows)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    total = Case.objects.count() if connection.vendor == "sqlite" else None
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'cases_case'")
            total = cur.fetchone()[0]
    if not total:
        print("no cases: run bench/cases_gen.py first", file=sys.stderr)
        return 2
    agencies = list(Agency.objects.filter(cases__isnull=False).distinct().order_by("pk")[:1000])
    agencies = rng.sample(agencies, min(args.agencies, len(agencies)))
    agency_ids = [a.pk for a in agencies]
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    auth = {a.pk: (officer_session(a) if args.auth == "session" else agency_token(a, admin)) for a in agencies}
    picked = random_cases(agency_ids, 200_000 if total > 200_000 else total, rng)
    cases_by_agency: dict[int, list[int]] = defaultdict(list)
    states: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for case_id, agency_id, state in picked:
        cases_by_agency[agency_id].append(case_id)
        states[agency_id][state].append(case_id)
    print(f"database: {connection.vendor}; ~{total:,} cases; {len(agencies)} agencies sampled, "
          f"{len(picked):,} of their cases picked at random; auth: {args.auth}; server: granian, "
          f"{args.workers} WSGI workers x {args.threads} threads on 127.0.0.1:{args.port}", flush=True)

    if args.service_times:
        for name, cpu, queries in service_times(agencies[0], states[agencies[0].pk]):
            print(f"service time in-process, {name}: CPU median {cpu:.1f} ms, {queries:.0f} queries", flush=True)
    server = start_server(args.port, args.workers, args.threads)
    results = []
    try:
        if not args.skip_reads:
            cpu0 = server_cpu(server)
            r = read_phase(args, auth, cases_by_agency)  # includes its warm-up requests
            read_cpu = server_cpu(server) - cpu0
            for kind, label in (("list", "officer's case list  GET /api/v1/cases/?limit=50"),
                                ("page", "case page            GET /api/v1/cases/{id}")):
                v = r["lat"][kind]
                results.append((label, f"{len(v):,} req", f"p50 {pct(v, 50):.1f} ms", f"p95 {pct(v, 95):.1f} ms",
                                f"p99 {pct(v, 99):.1f} ms", "PASS" if pct(v, 95) < 100 else "MISS (target p95 < 100 ms)"))
            n = len(r["lat"]["list"]) + len(r["lat"]["page"])
            print(f"reads: {args.clients} clients, {n:,} requests in {r['seconds']:.1f} s "
                  f"({n / r['seconds']:.0f} req/s); errors: {dict(r['errors']) or 'none'}; server CPU "
                  f"{1000 * read_cpu / (n + r['warm']):.1f} ms per request", flush=True)
        if not args.skip_tx:
            pools = {}
            for a in agency_ids:
                s = states[a]
                pools[a] = {"filed": s["filed"][:args.pool], "executing": s["executing"][:args.pool],
                            "registered": list(s["registered"])}
            touched = [c for p in pools.values() for k in p for c in p[k]]
            before_seq = dict(StatusEntry.objects.filter(case_id__in=touched).values("case_id")
                              .annotate(m=Max("seq")).values_list("case_id", "m"))
            seq_before = {(s.agency_id, s.year): s.last
                          for s in NumberSequence.objects.filter(series="case", agency_id__in=agency_ids)}
            ledger_before = LedgerHead.objects.get(pk=1).size
            cpu0: dict[str, float] = {}

            def read_counters() -> None:
                cpu0.update(server=server_cpu(server), db=database_cpu(), me=time.process_time())

            r = tx_phase(args, auth, pools, read_counters)
            tx_cpu, db_cpu = server_cpu(server) - cpu0["server"], database_cpu() - cpu0["db"]
            me_cpu = time.process_time() - cpu0["me"]
            ok = r["ok"]  # with the warm-up: all of them are checked below
            timed = [x for x in ok if x[3] >= r["t0"]]
            per_second = Counter(int(t - r["t0"]) for *_, t, _ in timed)
            secs = [per_second.get(s, 0) for s in range(int(r["seconds"]))]
            mix = Counter(a for _, a, *_ in timed)
            rate = len(timed) / r["seconds"]
            tms = [x[-1] for x in timed]
            results.append(("transitions (POST …/transitions/{action})", f"{len(timed):,} ok",
                            f"{rate:.0f}/s sustained", f"per-second min {min(secs) if secs else 0}",
                            f"latency p95 {pct(tms, 95):.0f} ms", "PASS" if rate >= 200 else "MISS (target ≥ 200/s)"))
            n_tx = max(1, len(timed) + sum(r["errors"].values()))
            warm = len(ok) - len(timed)
            print(f"transitions: {args.tx_clients} clients, {r['seconds']:.1f} s after {warm} warm-up "
                  f"transitions; accepted {dict(mix)}; "
                  f"refused/failed {dict(r['errors']) or 'none'}; CPU per transition: server workers "
                  f"{1000 * tx_cpu / n_tx:.1f} ms, database {1000 * db_cpu / n_tx:.1f} ms, clients "
                  f"{1000 * me_cpu / n_tx:.1f} ms (user + system; {os.cpu_count()} cores give "
                  f"{1000 * (os.cpu_count() or 1)} ms per second)", flush=True)
            print(f"  per second: {secs}")
            for s in r["samples"]:
                print(f"  sample refusal: {s}")
            problems = check_integrity(ok, before_seq, ledger_before, seq_before, agency_ids)
            results.append(("integrity (status rows, seqs, ledger, numbers)", f"{len(ok):,} checked", "", "", "",
                            "PASS" if not problems else f"FAIL ({len(problems)})"))
            for p in problems[:20]:
                print(f"  PROBLEM: {p}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print()
    width = max(len(r[0]) for r in results) if results else 0
    for row in results:
        print(f"{row[0]:<{width}}  " + "  ".join(f"{c:<18}" for c in row[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
