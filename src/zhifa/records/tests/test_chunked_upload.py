"""Resumable chunked upload for large video over poor connections (issue 6 item 1): interrupted
uploads leave nothing in the store, resumed ones complete."""

import datetime as dt
import hashlib
import io
import os

import pytest
from django.core.files.storage import default_storage

from zhifa.core.errors import Conflict, DomainError
from zhifa.ledger.models import Entry
from zhifa.records.models import Evidence, UploadSession
from zhifa.records.services import (
    spool_dir,
    upload_session_complete,
    upload_session_create,
    upload_session_put,
    upload_sessions_purge,
)

from .conftest import VIDEO_META, mp4_bytes, png_bytes


def _store_empty() -> bool:
    root = default_storage.path("cas")
    return not os.path.exists(root) or not any(files for _, _, files in os.walk(root))


def _start(world, data, name="seize.mp4", declared="video/mp4"):
    return upload_session_create(case=world["case"], actor=world["lead"], file_name=name, declared_type=declared,
                                 total_size=len(data), **VIDEO_META)


def test_interrupted_then_resumed_upload_completes(world):
    data = mp4_bytes(300_000)
    session = _start(world, data)
    upload_session_put(session=session, actor=world["lead"], offset=0, chunk=io.BytesIO(data[:100_000]))
    # The connection drops mid-chunk: the client asks where to resume.
    session.refresh_from_db()
    assert session.received == 100_000
    with pytest.raises(Conflict) as exc:  # a retry from a wrong position is refused, naming the right one
        upload_session_put(session=session, actor=world["lead"], offset=50_000, chunk=data[50_000:150_000])
    assert exc.value.code == "offset_mismatch" and "100000" in exc.value.message
    with pytest.raises(Conflict):  # completing early is refused
        upload_session_complete(session=session, actor=world["lead"])
    assert _store_empty() and Evidence.objects.count() == 0
    upload_session_put(session=session, actor=world["lead"], offset=100_000, chunk=data[100_000:250_000])
    upload_session_put(session=session, actor=world["lead"], offset=250_000, chunk=io.BytesIO(data[250_000:]))
    ev = upload_session_complete(session=session, actor=world["lead"])
    assert ev.sha256 == hashlib.sha256(data).hexdigest() and ev.size == len(data)
    assert ev.act == "seize" and ev.kind == "video" and ev.device == "DSJ-001"
    session.refresh_from_db()
    assert session.status == "completed" and session.evidence == ev
    assert os.listdir(spool_dir()) == []


def test_abandoned_upload_leaves_nothing(world):
    data = mp4_bytes(100_000)
    session = _start(world, data)
    upload_session_put(session=session, actor=world["lead"], offset=0, chunk=data[:40_000])
    entries = Entry.objects.count()
    UploadSession.objects.filter(pk=session.pk).update(updated_at=session.updated_at - dt.timedelta(days=3))
    assert upload_sessions_purge() == 1
    session.refresh_from_db()
    assert session.status == "abandoned"
    assert os.listdir(spool_dir()) == []
    assert _store_empty() and Evidence.objects.count() == 0 and Entry.objects.count() == entries
    with pytest.raises(Conflict):
        upload_session_put(session=session, actor=world["lead"], offset=40_000, chunk=data[40_000:])


def test_completed_upload_with_wrong_content_is_refused(world):
    data = png_bytes()
    session = _start(world, data)  # declared as video, bytes are a PNG
    upload_session_put(session=session, actor=world["lead"], offset=0, chunk=data)
    with pytest.raises(DomainError) as exc:
        upload_session_complete(session=session, actor=world["lead"])
    assert exc.value.code == "type_mismatch"
    assert _store_empty() and Evidence.objects.count() == 0 and os.listdir(spool_dir()) == []


def test_session_refuses_what_it_can_before_bytes_arrive(world):
    with pytest.raises(DomainError) as exc:
        upload_session_create(case=world["case"], actor=world["lead"], file_name="a.mp4", declared_type="video/mp4",
                              total_size=0, **VIDEO_META)
    assert exc.value.code == "file_empty"
    with pytest.raises(DomainError) as exc:
        upload_session_create(case=world["case"], actor=world["lead"], file_name="a.mp4", declared_type="video/mp4",
                              total_size=10 << 40, **VIDEO_META)
    assert exc.value.code == "file_too_large"
    session = _start(world, b"x" * 10)
    with pytest.raises(DomainError) as exc:
        upload_session_put(session=session, actor=world["lead"], offset=0, chunk=b"x" * 11)
    assert exc.value.code == "upload_overflow"
    session.refresh_from_db()
    assert session.received == 0 and os.path.getsize(os.path.join(spool_dir(), f"{session.token}.part")) == 0
