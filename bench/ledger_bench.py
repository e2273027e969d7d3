"""Ledger benchmark (issue 3). Uses a throw-away SQLite file unless DATABASE_URL names PostgreSQL.

    ./dev bench ledger_bench [--entries 1000000]

Prints: batch append rate, single-append latency inside a transaction, verify time over N entries
against plain hashlib over the same leaf bytes (measured in the same run), inclusion-proof time at
N, and verify's peak traced memory at N/10 and N."""

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.conf.dev")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='zhifa-ledger-bench-')}/bench.sqlite3"

import django  # noqa: E402

django.setup()

import hashlib  # noqa: E402
import json  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from zhifa.core.append_only import purge_allowed  # noqa: E402
from zhifa.core.canonical import canonical_json  # noqa: E402
from zhifa.ledger import keys  # noqa: E402
from zhifa.ledger.models import Entry, LedgerHead  # noqa: E402
from zhifa.ledger.services import entry_leaf_data, leaf_hash, ledger_append, tree_head_sign  # noqa: E402
from zhifa.ledger.verify import ledger_verify  # noqa: E402


def reset():
    with purge_allowed(connection), connection.cursor() as cur:
        cur.execute("DELETE FROM ledger_entry")
        cur.execute("DELETE FROM ledger_ledgerhead")
        cur.execute("DELETE FROM ledger_treehead")


def bulk_fill(n: int, chunk: int = 20000) -> list[bytes]:
    """Insert n entries directly (a benchmark fixture); returns the leaf data for the baseline."""
    reset()
    now = timezone.now()
    datas = []
    for start in range(1, n + 1, chunk):
        rows = []
        for seq in range(start, min(start + chunk, n + 1)):
            payload = {"number": f"江市监罚〔2026〕{seq}号", "amount": seq % 50000}
            data = entry_leaf_data(seq=seq, recorded_at=now, actor_id=1, actor="bench", kind="case_filed",
                                   subject=f"cases.case:{seq}", payload=payload, covers=[])
            datas.append(data)
            rows.append(Entry(seq=seq, recorded_at=now, actor_id=1, actor="bench", kind="case_filed",
                              subject=f"cases.case:{seq}", payload=json.loads(canonical_json(payload)), covers=[],
                              leaf_hash=leaf_hash(data)))
        with transaction.atomic():
            Entry.objects.bulk_create(rows)
    LedgerHead.objects.update_or_create(pk=1, defaults={"size": n})
    return datas


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    args = ap.parse_args()
    call_command("migrate", verbosity=0)
    if not keys.key_path().exists():
        keys.generate()
    print(f"database: {connection.vendor}")

    reset()
    n = 20_000
    t = time.perf_counter()
    with transaction.atomic():
        for i in range(n):
            ledger_append(kind="case_filed", actor=None, subject=f"cases.case:{i}", payload={"i": i})
    rate = n / (time.perf_counter() - t)
    print(f"batch append (one transaction, {n:,} entries): {rate:,.0f} entries/s  [target ≥ 5,000/s]")

    lat = []
    for i in range(500):
        with transaction.atomic():
            t = time.perf_counter()
            ledger_append(kind="case_filed", actor=None, subject=f"cases.case:{i}", payload={"i": i})
            lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    print(f"single append inside a service transaction: mean {statistics.mean(lat):.2f} ms, "
          f"p95 {lat[int(len(lat) * 0.95)]:.2f} ms  [target < 2 ms]")

    for size in (args.entries // 10, args.entries):
        t = time.perf_counter()
        datas = bulk_fill(size)
        print(f"\nfilled {size:,} entries in {time.perf_counter() - t:.1f} s (bench fixture)")
        t = time.perf_counter()
        for d in datas:
            hashlib.sha256(b"\x00" + d).digest()
        base = time.perf_counter() - t
        del datas
        tree_head_sign(force=True)
        t = time.perf_counter()
        report = ledger_verify()
        took = time.perf_counter() - t
        assert report.ok, report.problems[:3]
        tracemalloc.start()  # a second pass: tracing slows verify, so it is not timed
        ledger_verify()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"verify {size:,} entries: {took:.2f} s; plain hashlib over the same leaves: {base:.2f} s; "
              f"ratio {took / base:.1f}×  [targets < 10 s at 1M, ≤ 3×]")
        print(f"verify peak traced memory at {size:,}: {peak:.1f} MiB")
        from django.test import Client

        c = Client()
        times = []
        for seq in (1, size // 2, size):
            t = time.perf_counter()
            r = c.get("/api/v1/public/ledger/proof", {"entry": seq})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        print(f"inclusion proof via the API at {size:,}: {', '.join(f'{x:.0f}' for x in times)} ms  [target < 5 ms]")


if __name__ == "__main__":
    sys.exit(main())
