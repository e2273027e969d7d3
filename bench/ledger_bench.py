"""Ledger benchmark (issue 3). Uses a throw-away SQLite file unless DATABASE_URL names PostgreSQL.

    ./dev bench ledger_bench [--entries 1000000]

Prints: batch append rate (`ledger_append_many`, and single calls for comparison), single-append
latency inside a transaction, then at N/10 and N entries: verify time against plain hashlib over the
same leaf bytes (measured in the same run, with the ratio), verify's peak traced memory, inclusion-
and consistency-proof times via the public API, and the time to sign a tree head."""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.conf.dev")
os.environ.setdefault("ZHIFA_LOG_LEVEL", "WARNING")  # no console line per API request in the timings
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='zhifa-ledger-bench-')}/bench.sqlite3"

import django  # noqa: E402

django.setup()

import hashlib  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from zhifa.core.append_only import purge_allowed  # noqa: E402
from zhifa.ledger import keys  # noqa: E402
from zhifa.core.canonical import hash_name  # noqa: E402
from zhifa.ledger.models import Entry, Node  # noqa: E402
from zhifa.ledger.services import (  # noqa: E402
    entry_leaf_data,
    ledger_append,
    ledger_append_many,
    tree_head_sign,
)
from zhifa.ledger.verify import ledger_verify  # noqa: E402


def reset():
    with purge_allowed(connection), connection.cursor() as cur:
        cur.execute("DELETE FROM ledger_entry")
        cur.execute("DELETE FROM ledger_node")
        cur.execute("DELETE FROM ledger_ledgerhead")
        cur.execute("DELETE FROM ledger_treehead")


def bulk_fill(n: int, chunk: int = 10_000) -> list[bytes]:
    """Fill an empty log with n entries through `ledger_append_many` in batches of `chunk` (which also
    times batch appends at scale); returns each entry's leaf data for the hashlib baseline."""
    reset()
    datas = []
    took = took_cpu = 0.0
    for start in range(1, n + 1, chunk):
        items = [{"kind": "case_filed", "subject": f"cases.case:{seq}",
                  "payload": {"number": f"江市监罚〔2026〕{seq}号", "amount": seq % 50000}}
                 for seq in range(start, min(start + chunk, n + 1))]
        t, c = time.perf_counter(), time.process_time()
        with transaction.atomic():
            made = ledger_append_many(entries=items, actor=None)
        took += time.perf_counter() - t
        took_cpu += time.process_time() - c
        datas.extend(entry_leaf_data(seq=e.seq, recorded_at=e.recorded_at, actor_id=e.actor_id, actor=e.actor,
                                     kind=e.kind, subject=e.subject, payload=e.payload, covers=e.covers)
                     for e in made)
    print(f"\nfilled {n:,} entries with ledger_append_many in batches of {chunk:,}: {n / took:,.0f} entries/s "
          f"(per CPU second {n / took_cpu:,.0f}; {took:.1f} s in the appends)")
    return datas


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    args = ap.parse_args()
    call_command("migrate", verbosity=0)
    if not keys.key_path().exists():
        keys.generate()
    print(f"database: {connection.vendor}; hash: {hash_name()}; {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at start")

    reset()
    n = 20_000
    # Wall time, and this process's CPU time (SQLite runs in-process), which a busy machine inflates less.
    for batch in (100, 1000, 10_000):
        t, c = time.perf_counter(), time.process_time()
        for start in range(0, n, batch):
            with transaction.atomic():
                ledger_append_many(entries=[{"kind": "case_filed", "subject": f"cases.case:{i}", "payload": {"i": i}}
                                            for i in range(start, start + batch)], actor=None)
        rate, rate_cpu = n / (time.perf_counter() - t), n / (time.process_time() - c)
        print(f"batch append, ledger_append_many in batches of {batch:,} ({n:,} entries): {rate:,.0f} entries/s "
              f"(per CPU second {rate_cpu:,.0f})  [target ≥ 5,000/s]")
    t, c = time.perf_counter(), time.process_time()
    with transaction.atomic():
        for i in range(n):
            ledger_append(kind="case_filed", actor=None, subject=f"cases.case:{i}", payload={"i": i})
    rate, rate_cpu = n / (time.perf_counter() - t), n / (time.process_time() - c)
    print(f"for comparison: {n:,} single ledger_append calls in one transaction: {rate:,.0f} entries/s "
          f"(per CPU second {rate_cpu:,.0f})")

    lat, cpu = [], []
    for i in range(640):  # ten blocks of 64: every 64th append also writes tree nodes
        with transaction.atomic():
            t, c = time.perf_counter(), time.process_time()
            ledger_append(kind="case_filed", actor=None, subject=f"cases.case:{i}", payload={"i": i})
            lat.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    lat.sort()
    print(f"single append inside a service transaction: mean {statistics.mean(lat):.2f} ms, "
          f"p95 {lat[int(len(lat) * 0.95)]:.2f} ms, max {lat[-1]:.2f} ms; CPU mean {statistics.mean(cpu):.2f} ms  "
          f"[target < 2 ms]")

    for size in (args.entries // 10, args.entries):
        datas = bulk_fill(size)
        print(f"{Entry.objects.count():,} entries and {Node.objects.count():,} stored tree nodes")
        t = time.perf_counter()
        sign = tree_head_sign(force=True)
        print(f"sign a tree head at {size:,}: {(time.perf_counter() - t) * 1000:.1f} ms")
        assert sign.size == size
        if connection.vendor == "postgresql":
            # Right after a bulk fill the pages are not yet marked all-visible, so the leaf hashes
            # come from the table rather than the index alone; autovacuum marks them for an
            # append-only table (its insert threshold) shortly after. One run as filled, then VACUUM.
            t = time.perf_counter()
            assert ledger_verify().ok
            print(f"verify {size:,} entries right after the fill, before VACUUM: {time.perf_counter() - t:.2f} s")
            with connection.cursor() as cur:
                cur.execute("VACUUM (ANALYZE) ledger_entry")
                cur.execute("CHECKPOINT")  # the fill's dirty pages written now, not during the timed runs
        for attempt in range(3):  # the machine may be shared: three runs of the pair
            t, c = time.perf_counter(), time.process_time()
            for d in datas:
                hashlib.sha256(b"\x00" + d).digest()
            base, base_cpu = time.perf_counter() - t, time.process_time() - c
            t, c = time.perf_counter(), time.process_time()
            report = ledger_verify()
            took, took_cpu = time.perf_counter() - t, time.process_time() - c
            assert report.ok, report.problems[:3]
            print(f"verify {size:,} entries: {took:.2f} s (CPU {took_cpu:.2f} s); plain hashlib over the same "
                  f"leaves: {base:.2f} s (CPU {base_cpu:.2f} s); ratio {took / base:.1f}× (CPU {took_cpu / base_cpu:.1f}×)"
                  f"  [targets < 10 s at 1M, ≤ 3×]")
        if connection.vendor == "sqlite":
            # What verify's ranges read, in one process, doing nothing with it.
            t, c = time.perf_counter(), time.process_time()
            with connection.chunked_cursor() as cur:
                cur.execute("SELECT leaf_hash, CAST(X'00' || data AS BLOB) FROM ledger_entry ORDER BY seq")
                while cur.fetchmany(4096):
                    pass
            took, took_cpu = time.perf_counter() - t, time.process_time() - c
            print(f"read floor at {size:,}: fetching the leaf hashes and texts alone takes {took:.2f} s "
                  f"(CPU {took_cpu:.2f} s) in one process, {took / base:.1f}× the last plain hashlib run")
        del datas
        tracemalloc.start()  # a separate pass: tracing slows verify, so it is not timed
        ledger_verify()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"verify peak traced memory at {size:,}: {peak:.1f} MiB")
        from django.test import Client

        c = Client()
        c.get("/api/v1/public/ledger/head")  # warm up URL resolving and the API
        rng = random.Random(size)
        picks = [1, size // 2, size] + [rng.randint(1, size) for _ in range(97)]
        times, cpu = [], []
        for seq in picks:
            t, cp = time.perf_counter(), time.process_time()
            r = c.get("/api/v1/public/ledger/proof", {"entry": seq})
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - cp) * 1000)
            assert r.status_code == 200
        times_sorted = sorted(times)
        print(f"inclusion proof via the API at {size:,}: first/middle/last {', '.join(f'{x:.1f}' for x in times[:3])} ms; "
              f"100 entries: mean {statistics.mean(times):.1f} ms, median {times_sorted[50]:.1f} ms, "
              f"p95 {times_sorted[94]:.1f} ms, max {max(times):.1f} ms; CPU mean {statistics.mean(cpu):.1f} ms  "
              f"[target < 5 ms]")
        times = []
        for _ in range(20):
            a = rng.randint(1, size)
            t = time.perf_counter()
            r = c.get("/api/v1/public/ledger/consistency", {"from": a, "to": size})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        print(f"consistency proof via the API at {size:,}: mean {statistics.mean(times):.1f} ms, "
              f"max {max(times):.1f} ms")
        print(f"load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    sys.exit(main())
