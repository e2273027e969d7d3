"""Portal search over 10,000 published matters: p95 must stay under 50 ms (issue 4, Performance).

    SQLite:      /work/main/.venv/bin/python bench/catalog_search_bench.py
    PostgreSQL:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhifa_bench /work/main/.venv/bin/python bench/catalog_search_bench.py

It builds a throw-away test database (never the one DATABASE_URL names), fills it with 10,000
matters whose search_text is made by the same core.search function the services use (FTS5
triggers / GIN index as in the migrations), then times what the portal page does for each query:
the count (capped at 1,000, as the portal shows it) and the first page of 50 (selector), and the whole /catalog/?q= page through the test
client (selector + template).
"""

from __future__ import annotations

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

N_MATTERS = int(os.environ.get("BENCH_MATTERS", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
QUERIES = ["罚款", "食品", "排污许可", "油烟", "许可", "违法建设", "水土保持", "卫生", "超标排放", "健康证明",
           "吊销许可证", "饮用水", "jc-sj", "污", "广告"]


def build() -> None:
    from zhifa.catalog.demo_data import BASES, MATTERS
    from zhifa.catalog.models import Matter, PublicationStatus
    from zhifa.core.search import search_text_for
    from zhifa.org.models import Agency, Region

    rnd = random.Random(4)
    region = Region.objects.create(code="360100", name="基准市", level=Region.Level.CITY)
    agencies = [Agency.objects.create(name=f"基准市第{i}执法局", credit_code=f"11360100BENCH{i:04d}X", region=region)
                for i in range(20)]
    templates = [row for rows in MATTERS.values() for row in rows]
    rows = []
    for i in range(N_MATTERS):
        code, kind, name, keys, violation, ptypes = templates[i % len(templates)][:6]
        agency = agencies[rnd.randrange(len(agencies))]
        texts = [BASES[k][1] + BASES[k][4] + BASES[k][6] for k in keys]
        m = Matter(code=f"{code}-{i:05d}", version=1, name=f"{name}（{i}）", kind=kind, agency=agency,
                   violation=violation, penalty_types=ptypes, status=PublicationStatus.PUBLISHED)
        m.search_text = search_text_for(m.code, m.name, m.get_kind_display(), agency.name, violation, *texts)
        rows.append(m)
    Matter.objects.bulk_create(rows, batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE catalog_matter")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    from zhifa.catalog import selectors

    setup_test_environment()
    if connection.vendor == "sqlite":
        tmp = tempfile.mkdtemp(prefix="zhifa-bench-")
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(Path(tmp) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        build()
        print(f"database: {connection.vendor}; {N_MATTERS} matters built in {time.perf_counter() - t0:.1f} s")
        client = Client()
        selector_ms, page_ms = [], []
        hits = {}
        for q in QUERIES:  # warm-up
            client.get("/catalog/", {"q": q})
        for _ in range(RUNS):
            for q in QUERIES:
                t = time.perf_counter()
                page = selectors.CappedPaginator(selectors.published_matters(q=q), 50).get_page(1)
                hits[q] = page.paginator.count
                list(page.object_list)
                selector_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                r = client.get("/catalog/", {"q": q})
                page_ms.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
        print("hits per query:", ", ".join(f"{q}={n}" for q, n in hits.items()))
        for label, xs in (("selector (count + first 50)", selector_ms), ("portal page /catalog/?q=", page_ms)):
            print(f"{label}: n={len(xs)} p50={statistics.median(xs):.1f} ms p95={pct(xs, 95):.1f} ms "
                  f"max={max(xs):.1f} ms")
        ok = pct(page_ms, 95) < 50
        print("PASS: p95 < 50 ms" if ok else "FAIL: p95 >= 50 ms")
        if not ok:
            sys.exit(1)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
