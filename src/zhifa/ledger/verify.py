"""`zhifa ledger verify`: recompute everything the ledger claims, from the database and the file
store, and name each discrepancy (entry number, kind, row or file, expected vs found).

An entry is its canonical text (`Entry.data`; the other columns are generated from it), so checking
an entry is hashing one column. The log is checked in ranges that are perfect subtrees
(ledger.leafcheck), in worker processes, one per core, when the log is committed and large enough;
the main process joins the ranges' subtrees, checks each stored tree node (ledger.nodes) and the
root at the signed size against the latest signed tree head, and re-derives the rows and files
the entries cover. If a range finds an entry out of place or not matching, the log is gone through
again in order, the careful way, which names each discrepancy. Memory stays flat as the log grows:
everything is streamed, and a range's result is small (REC-03)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from zhifa.core.canonical import hash_name, row_digest

from . import keys, leafcheck
from .models import Entry, Node, VerificationRun
from .nodes import Builder, fold, hasher
from .services import latest_tree_head

log = logging.getLogger(__name__)


@dataclass
class Report:
    entries: int = 0
    head_size: int | None = None
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, *, seq, kind, what, expected, found, message) -> None:
        self.problems.append({"entry": seq, "kind": kind, "what": what, "expected": expected, "found": found,
                              "message": message})


def _file_digests(name: str, wanted: set[str]) -> dict[str, str] | None:
    if not default_storage.exists(name):
        return None
    hashers = {h: hashlib.new(h) for h in wanted}
    with default_storage.open(name, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            for h in hashers.values():
                h.update(chunk)
    return {k: h.hexdigest() for k, h in hashers.items()}


@functools.cache
def _fields_added() -> dict[str, list[tuple[str, object]]]:
    """{model label: [(field name, when its AddField migration was applied)]}, from the migration
    graph and django_migrations. A row covered before a column existed was hashed without it, so
    verify leaves such columns out for entries recorded before they were added: adding a field to
    a covered model does not make the ledger report every older row as altered. (A removed or
    renamed column cannot be recovered and is still reported.)"""
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import AddField

    loader = MigrationLoader(connection)
    applied = {key: row.applied for key, row in loader.applied_migrations.items()}
    added: dict[str, list[tuple[str, object]]] = {}
    for key, migration in loader.disk_migrations.items():
        if key not in applied:
            continue
        for op in migration.operations:
            if isinstance(op, AddField):
                added.setdefault(f"{key[0]}.{op.model_name_lower}", []).append((op.name, applied[key]))
    return added


def _left_out(label: str, recorded_at) -> frozenset[str]:
    return frozenset(name for name, when in _fields_added().get(label, ()) if recorded_at and recorded_at < when)


def _stored_nodes(size: int) -> Iterator[tuple[int, int, str]]:
    """Stored tree nodes within the first `size` leaves, in the order a rebuild completes them (by
    their last leaf, lower level first)."""
    with connection.chunked_cursor() as cur:
        cur.execute(f'SELECT level, "index", hash FROM "{Node._meta.db_table}" '
                    f'WHERE ("index" + 1) << level <= %s ORDER BY ("index" + 1) << level, level', [size])
        while rows := cur.fetchmany(5000):
            yield from rows


def _check_covers(report: Report, seq: int, kind: str, covers: list, recorded_at) -> None:
    for cover in covers:
        if "row" in cover:
            found = row_digest(cover["row"], cover["pk"], leave_out=_left_out(cover["row"], recorded_at))
            if found != cover["hash"]:
                what = f"{cover['row']}:{cover['pk']}"
                report.add(seq=seq, kind=kind, what=what, expected=cover["hash"], found=found,
                           message=f"条目 #{seq}（{kind}）所覆盖的数据行 {what} "
                                   + ("已被删除。" if found is None else "已被改动。"))
        elif "file" in cover:
            wanted = {h for h in ("sha256", "sm3") if h in cover}
            found = _file_digests(cover["file"], wanted)
            for h in wanted:
                if found is None or found[h] != cover[h]:
                    report.add(seq=seq, kind=kind, what=f"file:{cover['file']}", expected=cover[h],
                               found=None if found is None else found[h],
                               message=f"条目 #{seq}（{kind}）所覆盖的文件 {cover['file']} "
                                       + ("已缺失。" if found is None else f"已被改动（{h}）。"))
                    break


class _TreeCheck:
    """The tree rebuilt from the leaf hashes, against the stored nodes and the signed tree head."""

    def __init__(self, report: Report, head, size: int, name: str) -> None:
        self.report, self.head, self.name = report, head, name
        self.stored = _stored_nodes(size)
        self.root_at_head = hashlib.new(name, b"").digest() if head is not None and head.size == 0 else None

    def nodes(self, made) -> None:
        for level, index, h in made:
            row = next(self.stored, None)
            if row is None or (row[0], row[1], row[2]) != (level, index, h.hex()):
                self.report.add(seq=None, kind="tree_node", what=f"node:{level}/{index}", expected=h.hex(),
                                found=None if row is None else f"{row[0]}/{row[1]}:{row[2]}",
                                message=f"账本树节点（第 {level} 层第 {index} 个）与由条目重建的不符：节点表被改动。")

    def finish(self) -> None:
        report, head = self.report, self.head
        for level, index, h in self.stored:
            report.add(seq=None, kind="tree_node", what=f"node:{level}/{index}", expected=None, found=h,
                       message=f"账本树节点（第 {level} 层第 {index} 个）超出条目所能组成的树：节点表被改动。")
        if head is None:
            return
        report.head_size = head.size
        if not keys.verify_signature(head.public_key, head.signature, head.signed_message.encode()):
            report.add(seq=None, kind="tree_head", what=f"tree_head:{head.pk}", expected="valid signature",
                       found="invalid", message=f"签名树头（大小 {head.size}）的签名无效。")
        if self.root_at_head is None:
            report.add(seq=None, kind="tree_head", what="size", expected=head.size, found=report.entries,
                       message=f"账本只有 {report.entries} 条，少于签名树头的 {head.size} 条：条目被删除。")
        elif self.root_at_head.hex() != head.root_hash:
            report.add(seq=None, kind="tree_head", what="root", expected=head.root_hash,
                       found=self.root_at_head.hex(),
                       message=f"重建的前 {head.size} 条的 Merkle 根与签名树头不符：已签名的条目被改动或调换。")


def _entry_facts(seqs: list[int]) -> Iterator[dict]:
    for start in range(0, len(seqs), 500):
        yield from Entry.objects.filter(seq__in=seqs[start:start + 500]).order_by("seq").values(
            "seq", "kind", "covers", "recorded_at")


def _check_covered(report: Report, seqs: list[int]) -> None:
    for e in _entry_facts(seqs):
        _check_covers(report, e["seq"], e["kind"], e["covers"], e["recorded_at"])


# --- the range pass --------------------------------------------------------------------------------


class WorkerFailed(RuntimeError):
    pass


def _worker_count(n: int, range_size: int, workers: int | None, name: str) -> int:
    """Worker processes for a log of n entries: none (this process) for a log inside an open
    transaction (workers would not see it), an in-memory database, or a single range; none either
    where the database hashes the entries (`leafcheck.server_checks`): its process is then the
    second core, and this one only builds the tree (measured: faster than workers, docs/performance.md)."""
    if leafcheck.server_checks(connection.vendor, name):
        return 0
    if workers is None:
        workers = settings.ZHIFA_LEDGER_VERIFY_WORKERS or os.cpu_count() or 1
    if workers < 2 or n <= range_size or connection.in_atomic_block:
        return 0
    if connection.vendor == "sqlite" and _sqlite_file() is None:
        return 0
    return min(workers, -(-n // range_size))


def _sqlite_file() -> str | None:
    """The SQLite database's file, which workers open read-only; None for an in-memory database
    (the test suite's), which only this process can see."""
    return None if connection.is_in_memory_db() else str(connection.settings_dict["NAME"])


def _job(sql: str, head_size: int, name: str) -> dict:
    job = {"vendor": connection.vendor, "sql": sql, "head_size": head_size, "hash_name": name}
    if connection.vendor == "sqlite":
        job["path"] = _sqlite_file()
    else:
        params = connection.get_connection_params()
        job["params"] = {k: v for k, v in params.items()
                         if k in ("dbname", "user", "password", "host", "port", "sslmode", "sslrootcert", "sslcert",
                                  "sslkey", "options", "passfile", "service")}
    return job


def _spawn(job: dict) -> subprocess.Popen:
    src = str(Path(__file__).resolve().parents[2])  # the directory holding the zhifa package
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)}
    proc = subprocess.Popen([sys.executable, "-m", "zhifa.ledger.leafcheck"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=tempfile.TemporaryFile(), env=env)
    pickle.dump(job, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
    proc.stdin.close()
    return proc


def _range_results(ranges: list[tuple[int, int]], workers: int, sql: str, head_size: int,
                   name: str) -> Iterator[dict]:
    """Each range's `leafcheck.check_range` result, in order: from worker processes (ranges dealt
    round-robin, read back in turn, so a worker waits for the reader and memory stays flat), or in
    this process."""
    if not workers:
        with connection.cursor() as cur:
            raw = cur.cursor if connection.vendor == "postgresql" else connection.connection.cursor()
            for lo, hi in ranges:
                yield leafcheck.check_range(raw, sql, lo, hi, head_size=head_size, hash_name=name)
        return
    job = _job(sql, head_size, name)
    procs = [_spawn({**job, "ranges": ranges[w::workers]}) for w in range(workers)]
    try:
        for i in range(len(ranges)):
            proc = procs[i % workers]
            try:
                yield pickle.load(proc.stdout)
            except EOFError:
                proc.wait()
                proc.stderr.seek(0)
                raise WorkerFailed(f"账本核验工作进程异常退出：{proc.stderr.read().decode(errors='replace')[-2000:]}")
    finally:
        for proc in procs:
            proc.kill() if proc.poll() is None else None
            proc.wait()
            proc.stdout.close()


def _range_pass(report: Report, tree: _TreeCheck, n: int, head_size: int, name: str, progress,
                workers: int | None, range_size: int) -> bool:
    """Check the log by ranges and join their subtrees. False when an entry is missing, out of
    place or does not match: the caller then goes through the log the careful way."""
    ranges = [(lo, min(lo + range_size, n)) for lo in range(0, n, range_size)]
    sql = leafcheck.query_for(connection.vendor, name, Entry._meta.db_table)
    joined = Builder(name)  # the ranges' subtrees, paired as they come
    covered: list[int] = []
    count = _worker_count(n, range_size, workers, name)
    server = (_ServerCheck(n, background=not connection.in_atomic_block)
              if leafcheck.server_checks(connection.vendor, name) else None)
    results = _range_results(ranges, count, sql, head_size, name)
    for r in results:
        if not r["ok"]:
            results.close()
            return False
        tree.nodes(r["nodes"])
        if r["at_head"] is not None:
            tree.root_at_head = fold([x[2] for x in joined.parts() + r["at_head"]], name)
        tree.nodes(joined.push_parts(r["parts"]))
        covered += r["covered"]
        if progress:
            progress(r["hi"] - r["lo"])
    if server is not None and server.mismatches():
        return False
    report.entries = n
    _check_covered(report, covered)
    return True


class _ServerCheck:
    """PostgreSQL hashes every entry's text and compares it with the leaf hash (leafcheck.SERVER_CHECK)
    in its own process while this one reads the ranges: from a thread with its own connection when
    the log is committed; inside an open transaction (which another connection cannot see) here, at
    the end."""

    def __init__(self, n: int, *, background: bool) -> None:
        self.sql = leafcheck.SERVER_CHECK.format(table=Entry._meta.db_table)
        self.n, self.found, self.error = n, None, None
        self.thread = threading.Thread(target=self._run_in_thread, daemon=True) if background else None
        if self.thread:
            self.thread.start()

    def _query(self) -> list[int]:
        with connection.cursor() as cur:
            cur.execute(self.sql, [self.n])
            return [seq for (seq,) in cur.fetchall()]

    def _run_in_thread(self) -> None:
        try:
            self.found = self._query()  # `connection` is this thread's own
        except Exception as e:  # noqa: BLE001 -- reported by mismatches() in the caller's thread
            self.error = e
        finally:
            connection.close()

    def mismatches(self) -> list[int]:
        if self.thread is None:
            return self._query()
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.found


# --- the careful pass ------------------------------------------------------------------------------


def _careful_pass(report: Report, tree: _TreeCheck, n: int, head_size: int, name: str) -> None:
    """Every entry in order: name each gap, each entry whose text does not match its leaf hash, each
    covered row or file that changed; rebuild the tree from the stored leaf hashes as they stand."""
    h = hasher(name)
    builder = Builder(name)
    sql = leafcheck.CAREFUL[connection.vendor].format(table=Entry._meta.db_table)
    expected_seq = 1
    covered: list[int] = []
    # Streamed: a server-side cursor on PostgreSQL (its SQL has %s placeholders, which Django's
    # cursor takes); SQLite's own cursor, which steps as it goes (its SQL has ? placeholders).
    with connection.chunked_cursor() if connection.vendor == "postgresql" else contextlib.nullcontext() as cur:
        raw = cur if cur is not None else connection.connection.cursor()
        raw.execute(sql, (0, n))
        while rows := raw.fetchmany(leafcheck.FETCH):
            leaves = []
            for seq, stored, data, covers in rows:
                if seq != expected_seq:
                    report.add(seq=seq, kind=_kind(seq), what="sequence", expected=expected_seq, found=seq,
                               message=f"条目序号不连续：应为 #{expected_seq}，实为 #{seq}（条目被删除或移动）。")
                expected_seq = seq + 1
                computed = h(bytes(data)).hexdigest()
                if computed != stored:
                    report.add(seq=seq, kind=_kind(seq), what="entry", expected=stored, found=computed,
                               message=f"条目 #{seq}（{_kind(seq)}）的内容与其叶子哈希不符：条目被改动。")
                if covers:
                    covered.append(seq)
                leaves.append(bytes.fromhex(stored))
            made, at_head = builder.push_through(leaves, head_size)
            tree.nodes(made)
            if at_head is not None:
                tree.root_at_head = fold([x[2] for x in at_head], name)
    report.entries = builder.size
    _check_covered(report, covered)


def _kind(seq: int) -> str | None:
    return Entry.objects.filter(seq=seq).values_list("kind", flat=True).first()


def ledger_verify(*, progress=None, workers: int | None = None, range_size: int = leafcheck.RANGE) -> Report:
    """progress: an optional callable(n), called with the number of entries done as ranges finish
    (the command's progress bar). workers: processes for the range pass (default: the setting
    ZHIFA_LEDGER_VERIFY_WORKERS, else one per CPU); range_size: a power of two, at least the node
    block (tests make it small)."""
    name = hash_name()
    head = latest_tree_head()
    head_size = head.size if head is not None else -1
    extent = Entry.objects.aggregate(count=Count("id"), n=Max("seq"))
    count, n = extent["count"], extent["n"] or 0

    def fresh() -> tuple[Report, _TreeCheck]:
        report = Report()
        return report, _TreeCheck(report, head, n, name)

    report, tree = fresh()
    ok = False
    if count == n:  # no gap: check by ranges, the careful pass only if something is wrong
        try:
            ok = _range_pass(report, tree, n, head_size, name, progress, workers, range_size)
        except WorkerFailed as e:
            log.warning("ledger verify: %s; checking in this process instead", e)
            report, tree = fresh()
            ok = _range_pass(report, tree, n, head_size, name, None, 1, range_size)
    if not ok:
        report, tree = fresh()
        _careful_pass(report, tree, n, head_size, name)
    tree.finish()
    return report


def ledger_verify_and_record(*, progress=None) -> tuple[Report, VerificationRun]:
    started = timezone.now()
    report = ledger_verify(progress=progress)
    with transaction.atomic():
        run = VerificationRun.objects.create(started_at=started, finished_at=timezone.now(), ok=report.ok,
                                             entries=report.entries, head_size=report.head_size,
                                             discrepancies=report.problems[:1000])
    return report, run


def ledger_alerts_open():
    """Failed verification runs with no successful run after them: shown to admins and supervisors."""
    last_ok = VerificationRun.objects.filter(ok=True).order_by("-started_at").values_list("started_at", flat=True).first()
    failed = VerificationRun.objects.filter(ok=False)
    if last_ok is not None:
        failed = failed.filter(started_at__gt=last_ok)
    return failed.order_by("-started_at")
