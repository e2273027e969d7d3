"""Test settings: the database comes from DATABASE_URL (./dev test runs SQLite, then PostgreSQL)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; Argon2 is tested apart
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
_TMP = Path(tempfile.mkdtemp(prefix="zhifa-test-"))
VAR_DIR = _TMP
STATIC_ROOT = _TMP / "static"
STATIC_ROOT.mkdir()
ZHIFA_FILES_DIR = _TMP / "files"
MEDIA_ROOT = ZHIFA_FILES_DIR
ZHIFA_UPLOAD_SPOOL_DIR = _TMP / "uploads"
ZHIFA_LEDGER_KEY = _TMP / "keys" / "ledger_ed25519.pem"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not env("DATABASE_URL", default=""):
    DATABASES["default"]["NAME"] = str(_TMP / "test.sqlite3")
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Portal counts and the agency list are cached in production; tests see every change at once
# unless a test turns the cache on (publicity/tests/test_portal.py).
ZHIFA_PORTAL_CACHE_SECONDS = env.int("ZHIFA_PORTAL_CACHE_SECONDS", default=0)
