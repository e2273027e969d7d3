"""Production settings pass `zhifa check --deploy` with the variables docs/operations.md lists."""

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[3]


def _check(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update({
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "zhifa.conf.production",
        "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "zhifa.example.gov.cn",
        "DJANGO_SECURE_HSTS_PRELOAD": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "ZHIFA_VAR_DIR": str(tmp_path),
        **extra,
    })
    return subprocess.run([sys.executable, "-m", "zhifa", "check", "--deploy", "--fail-level", "WARNING"],
                          env=env, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_missing_secret_key_is_refused(tmp_path):
    result = _check(tmp_path, DJANGO_SECRET_KEY="")
    assert result.returncode != 0
