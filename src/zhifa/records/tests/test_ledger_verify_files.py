"""`zhifa ledger verify` names an evidence file that was changed or removed (issue 6 item 3)."""

import os

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from zhifa.ledger.verify import ledger_verify
from zhifa.records.services import evidence_add

from .conftest import VIDEO_META, mp4_bytes, png_bytes


def _add(world, data, **meta):
    return evidence_add(case=world["case"], actor=world["lead"], source=data, **meta)


def test_verify_names_a_changed_and_a_missing_file(world, capsys):
    video = _add(world, mp4_bytes(), file_name="seize.mp4", declared_type="video/mp4", **VIDEO_META)
    photo = _add(world, png_bytes(), file_name="p.png", declared_type="image/png", act="seize", kind="photo",
                 title="封条照片", evidence_type="physical")
    assert ledger_verify().ok
    path = default_storage.path(video.file)
    os.chmod(path, 0o644)  # an intruder with shell access
    with open(path, "r+b") as f:
        f.seek(100)
        f.write(b"CUT")
    missing = default_storage.path(photo.file)
    os.chmod(missing, 0o644)
    os.unlink(missing)
    report = ledger_verify()
    messages = [p["message"] for p in report.problems]
    assert any(video.file in m and "已被改动" in m for m in messages)
    assert any(photo.file in m and "已缺失" in m for m in messages)
    with pytest.raises(CommandError):
        call_command("ledger", "verify")
    out = capsys.readouterr().out
    assert video.file in out and photo.file in out
