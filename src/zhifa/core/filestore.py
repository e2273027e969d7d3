"""The content-addressed, write-once file store (REC-03): every file is kept once under the name
`cas/<aa>/<bb>/<sha256>` in Django's default storage (the filesystem by default; S3 through
django-storages in production). The SHA-256 and SM3 digests are computed in one pass while the
file is written, so a file is never held in memory whole. A stored file is never overwritten or
deleted; `zhifa ledger verify` re-derives the digests the ledger recorded.

`filestore_put` returns the dict `ledger_append(files=[...])` expects.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import default_storage

CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    name: str  # storage name, content-addressed
    sha256: str
    sm3: str
    size: int

    def cover(self) -> dict:
        """The ledger's file cover (ledger_append(files=[...]))."""
        return asdict(self)


def storage_name(sha256: str) -> str:
    return f"cas/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _chunks(source: BinaryIO | bytes | Iterable[bytes]) -> Iterable[bytes]:
    if isinstance(source, (bytes, bytearray)):
        yield bytes(source)
    elif hasattr(source, "read"):
        yield from iter(lambda: source.read(CHUNK), b"")
    else:
        yield from source


def filestore_put(source: BinaryIO | bytes | Iterable[bytes], *, max_size: int | None = None) -> StoredFile:
    """Stream `source` into the store. Digests are taken in one pass while spooling to a temporary
    file; the file is then saved once under its hash (an identical file already stored is reused,
    never rewritten). Raises ValueError when the size exceeds `max_size` (nothing is kept)."""
    sha, sm3, size = hashlib.sha256(), hashlib.new("sm3"), 0
    fd, tmp_path = tempfile.mkstemp(prefix="zhifa-upload-")
    try:
        with os.fdopen(fd, "wb") as tmp:
            for chunk in _chunks(source):
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise ValueError("file too large")
                sha.update(chunk)
                sm3.update(chunk)
                tmp.write(chunk)
        stored = StoredFile(name=storage_name(sha.hexdigest()), sha256=sha.hexdigest(), sm3=sm3.hexdigest(),
                            size=size)
        if not default_storage.exists(stored.name):
            with open(tmp_path, "rb") as f:
                saved = default_storage.save(stored.name, File(f))
            if saved != stored.name:  # a concurrent writer stored the same content first
                default_storage.delete(saved)
            _make_read_only(stored.name)
        return stored
    finally:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)


def _make_read_only(name: str) -> None:
    try:
        path = default_storage.path(name)
    except NotImplementedError:  # object storage: write-once by convention and bucket policy
        return
    os.chmod(path, 0o444)


def filestore_open(name: str):
    return default_storage.open(name, "rb")
