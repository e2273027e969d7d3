"""Archive package benchmark (issue 6): build the case file of a case with 200 evidence items
(photos, audio, video) — zip with manifest, evidence list, status history, ledger proofs — and run
the four checks on it. Target: build under 10 s.

    ./dev bench archive_bench [--items 200]

Uses a throw-away SQLite database and file store unless DATABASE_URL names PostgreSQL (then a
throw-away test database is created beside it)."""

import argparse
import os
import sys
import tempfile
import time

os.environ["DJANGO_SETTINGS_MODULE"] = "zhifa.conf.test"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=200)
    args = ap.parse_args()
    setup_test_environment()
    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.items)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(items: int) -> None:
    from zhifa.cases.engine import case_transition
    from zhifa.ledger import keys
    from zhifa.records.archive import archive_build, archive_check
    from zhifa.records.services import custodian_set, evidence_add
    from zhifa.records.tests import conftest as fx

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="zhifa-archive-bench-")
    if not keys.key_path().exists():
        keys.generate()
    world = fx.make_world()
    case, lead = world["case"], world["lead"]
    custodian_set(agency=world["agency"], user=world["archivist"], actor=world["root"])
    case_transition(case=case, action="file", actor=lead)
    t = time.perf_counter()
    total = 0
    for i in range(items):
        if i % 10 == 0:
            data, name, typ, meta = (fx.mp4_bytes(1 << 20) + os.urandom(16), "v.mp4", "video/mp4",
                                     {**fx.VIDEO_META, "title": f"录像{i}"})
        elif i % 5 == 0:
            data, name, typ, meta = (fx.wav_bytes(3.0), "a.wav", "audio/wav",
                                     {"act": "record_interview", "kind": "audio", "title": f"录音{i}",
                                      "device": "DSJ-002"})
        else:
            data, name, typ, meta = (fx.png_bytes((400, 300), (i % 255, 40, 90)), "p.png", "image/png",
                                     {"act": "record_inspection", "kind": "photo", "title": f"照片{i}",
                                      "evidence_type": "inspection_record", "annotation": f"现场第{i}张"})
        total += len(data)
        evidence_add(case=case, actor=lead, source=data, file_name=name, declared_type=typ, **meta)
    print(f"{items} evidence items ({total / 1e6:.1f} MB) added in {time.perf_counter() - t:.1f} s")
    case_transition(case=case, action="close", actor=lead)
    case_transition(case=case, action="archive", actor=world["archivist"])  # no after-commit outside a test
    t = time.perf_counter()
    if os.environ.get("PROFILE"):
        import cProfile
        import pstats

        prof = cProfile.Profile()
        pkg = prof.runcall(archive_build, case=case, actor=world["archivist"])
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    else:
        pkg = archive_build(case=case, actor=world["archivist"])
    build = time.perf_counter() - t
    t = time.perf_counter()
    checks = archive_check(pkg)
    check = time.perf_counter() - t
    ok = all(c["ok"] for c in checks.values())
    print(f"archive build: {build:.2f} s (target < 10 s), package {pkg.size / 1e6:.1f} MB; "
          f"four checks: {check:.2f} s, {'all passed' if ok else 'FAILED'}")


if __name__ == "__main__":
    main()
