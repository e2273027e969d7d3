"""Benchmark: 100,000 due-date computations (issue 4: under 1 s).

    PYTHONPATH=src DJANGO_SETTINGS_MODULE=zhifa.conf.dev python bench/deadlines_bench.py

Mixed rules from the period table, random start dates over 2025–2026, a fixed seed. Needs a
migrated database (the calendar is seeded by the core migrations). The calendar cache is warmed
first; the figure is the steady state a running process sees.
"""

import random
import statistics
import time
from datetime import date, timedelta

import django

django.setup()

from zhifa.core import calendar  # noqa: E402
from zhifa.core.deadlines import PERIOD_RULES, compute_due  # noqa: E402

N = 100_000


def main() -> None:
    rng = random.Random(4)
    keys = sorted(PERIOD_RULES)
    first, span = date(2025, 1, 1), (date(2026, 12, 31) - date(2025, 1, 1)).days
    jobs = [(rng.choice(keys), first + timedelta(days=rng.randrange(span + 1))) for _ in range(N)]
    t0 = time.perf_counter()
    calendar.invalidate()
    calendar.is_working_day(date(2026, 1, 1))
    warm = time.perf_counter() - t0
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        provisional = 0
        for key, start in jobs:
            provisional += compute_due(rule_id=key, start=start).provisional
        runs.append(time.perf_counter() - t0)
    best, median = min(runs), statistics.median(runs)
    print(f"rules: {len(keys)}; starts: 2025-01-01..2026-12-31; computations per run: {N:,}")
    print(f"calendar cache build: {warm * 1000:.0f} ms")
    print(f"runs: {', '.join(f'{r:.3f} s' for r in runs)}; best {best:.3f} s; median {median:.3f} s; "
          f"{N / median:,.0f} per second; {median / N * 1e6:.2f} µs each")
    print(f"provisional results (touching 2027): {provisional:,}")
    print("PASS" if median < 1.0 else "FAIL", "(target: 100,000 in under 1 s)")


if __name__ == "__main__":
    main()
