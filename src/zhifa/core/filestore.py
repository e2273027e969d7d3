"""The content-addressed, write-once file store (REC-03): every file is kept once under the name
`cas/<aa>/<bb>/<sha256>` in Django's default storage (the filesystem by default; S3 through
django-storages in production). The SHA-256 and SM3 digests are computed in one pass while the
file is written, so a file is never held in memory whole. A stored file is never overwritten or
deleted; `zhifa ledger verify` re-derives the digests the ledger recorded.

- Filesystem: the file is spooled next to the store (same file system) and moved into place with a
  rename, then made read-only (0444) — one write, no second copy.
- Object storage: the spooled file is uploaded once under its hash; an object already present is
  never written again (write-once by convention and bucket policy).

`filestore_put` returns the dict `ledger_append(files=[...])` expects (`StoredFile.cover()`).
`filestore_ingest` is the same with two hooks for callers that must refuse content before it is
kept (a type check on the first bytes, a media inspection of the complete spooled file).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO

from django.core.files import File
from django.core.files.storage import default_storage

CHUNK = 1 << 20
HEAD_SIZE = 8192  # bytes given to `check_head` (enough for libmagic to recognise any container)


class FileRefused(ValueError):
    """A file the store will not keep. Nothing of it remains when this is raised."""


class FileTooLarge(FileRefused):
    pass


class EmptyFile(FileRefused):
    pass


@dataclass(frozen=True)
class StoredFile:
    name: str  # storage name, content-addressed
    sha256: str
    sm3: str
    size: int

    def cover(self) -> dict:
        """The ledger's file cover (ledger_append(files=[...]))."""
        return asdict(self)


@dataclass
class Ingested:
    stored: StoredFile
    created: bool  # False when the same content was already in the store
    head: bytes = b""
    info: Any = None  # what `inspect` returned
    extra: dict = field(default_factory=dict)


class DualHasher:
    """SHA-256 and SM3 of one stream in one pass. For large chunks the SHA-256 runs in a helper thread
    while SM3 (and the caller's write) run in this one — hashlib releases the GIL, so two cores are
    used; small chunks are hashed inline (a thread costs more than it saves)."""

    PARALLEL_FROM = 256 << 10

    def __init__(self) -> None:
        self.sha256, self.sm3, self.size = hashlib.sha256(), hashlib.new("sm3"), 0
        self._pool: ThreadPoolExecutor | None = None
        self._pending = None

    def update(self, chunk: bytes) -> None:
        """Start hashing `chunk`; it is finished by the next update() or by digests()."""
        self.wait()
        self.size += len(chunk)
        if len(chunk) >= self.PARALLEL_FROM:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1)
            self._pending = self._pool.submit(self.sha256.update, chunk)
        else:
            self.sha256.update(chunk)
        self.sm3.update(chunk)

    def wait(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None

    def digests(self) -> dict:
        self.wait()
        return {"sha256": self.sha256.hexdigest(), "sm3": self.sm3.hexdigest(), "size": self.size}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def storage_name(sha256: str) -> str:
    return f"cas/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _chunks(source: BinaryIO | bytes | Iterable[bytes]) -> Iterable[bytes]:
    if isinstance(source, (bytes, bytearray)):
        yield bytes(source)
    elif hasattr(source, "read"):
        yield from iter(lambda: source.read(CHUNK), b"")
    else:
        yield from source


def _local_root() -> str | None:
    """The store's directory when it is a filesystem store, else None."""
    try:
        return default_storage.path("")
    except NotImplementedError:
        return None


def _spool_dir() -> str | None:
    root = _local_root()
    if root is None:
        return None
    path = os.path.join(root, "tmp")
    os.makedirs(path, exist_ok=True)
    return path


def filestore_ingest(source: BinaryIO | bytes | Iterable[bytes], *, max_size: int | None = None,
                     allow_empty: bool = True, check_head: Callable[[bytes], None] | None = None,
                     inspect: Callable[[str], Any] | None = None) -> Ingested:
    """Stream `source` into the store, hashing (SHA-256 and SM3, the two in parallel threads, since
    hashlib releases the GIL) while spooling to a temporary file. `check_head(first_bytes)` runs
    before the rest is read and `inspect(spool_path)` after the whole file is spooled; either may
    raise to refuse the file. Raises FileTooLarge / EmptyFile (FileRefused, a ValueError). On any
    exception nothing is kept."""
    hasher = DualHasher()
    fd, tmp_path = tempfile.mkstemp(prefix="zhifa-upload-", dir=_spool_dir())
    head = b""
    checked = check_head is None
    try:
        with os.fdopen(fd, "wb") as tmp:
            for chunk in _chunks(source):
                if not chunk:
                    continue
                if max_size is not None and hasher.size + len(chunk) > max_size:
                    raise FileTooLarge("file too large")
                if not checked:
                    head += chunk[: HEAD_SIZE - len(head)]
                    if len(head) >= HEAD_SIZE:
                        check_head(head)
                        checked = True
                hasher.update(chunk)  # SHA-256 in the helper thread, SM3 here, then the write
                tmp.write(chunk)
        sums = hasher.digests()
        if sums["size"] == 0 and not allow_empty:
            raise EmptyFile("empty file")
        if not checked:
            check_head(head)
        info = inspect(tmp_path) if inspect is not None else None
        stored = StoredFile(name=storage_name(sums["sha256"]), sha256=sums["sha256"], sm3=sums["sm3"],
                            size=sums["size"])
        created = _commit(tmp_path, stored.name)
        return Ingested(stored=stored, created=created, head=head, info=info)
    finally:
        hasher.close()
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)


def _commit(tmp_path: str, name: str) -> bool:
    """Keep the spooled file under `name` unless that content is already stored. True if written."""
    if default_storage.exists(name):
        return False
    root = _local_root()
    if root is not None:
        final = default_storage.path(name)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.chmod(tmp_path, 0o444)
        try:
            os.link(tmp_path, final)  # atomic and never replaces: a concurrent writer's file wins
        except FileExistsError:
            return False
        return True
    with open(tmp_path, "rb") as f:
        saved = default_storage.save(name, File(f))
    if saved != name:  # a concurrent writer stored the same content first
        default_storage.delete(saved)
        return False
    return True


def filestore_put(source: BinaryIO | bytes | Iterable[bytes], *, max_size: int | None = None) -> StoredFile:
    """Stream `source` into the store (see `filestore_ingest`). Raises ValueError (FileTooLarge)
    when the size exceeds `max_size`; nothing is kept."""
    return filestore_ingest(source, max_size=max_size).stored


def filestore_discard(ingested: Ingested) -> None:
    """Undo a put whose transaction failed: only a file this very call created is removed, so a
    refused upload leaves nothing (DESIGN.md "Bad input"). Content that was already stored stays."""
    if not ingested.created:
        return
    name = ingested.stored.name
    root = _local_root()
    if root is not None:
        path = default_storage.path(name)
        if os.path.exists(path):
            os.chmod(path, 0o644)
            os.unlink(path)
        return
    default_storage.delete(name)


def filestore_open(name: str):
    return default_storage.open(name, "rb")


def filestore_exists(name: str) -> bool:
    return default_storage.exists(name)
