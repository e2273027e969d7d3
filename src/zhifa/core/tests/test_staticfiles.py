"""Production static files: collectstatic with the manifest storage must succeed (the vendored
minified files name source maps that are not shipped) and hash every file the pages use."""

import json
import os

import pytest
from django.core.management import call_command

from zhifa.core.staticfiles import StaticStorage


# No database involved, and compressing every file takes ~25 s: run it in the SQLite pass only.
@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="runs in the SQLite pass")
def test_collectstatic_with_the_production_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "zhifa.core.staticfiles.StaticStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/bootstrap/5.3.8/bootstrap.min.css", "vendor/bootstrap/5.3.8/bootstrap.bundle.min.js",
                 "vendor/echarts/6.1.0/echarts.min.js"):
        assert (tmp_path / manifest[name]).exists()
    # The comment stays as shipped; only the rewrite of its (missing) target is left out.
    js = (tmp_path / manifest["vendor/bootstrap/5.3.8/bootstrap.bundle.min.js"]).read_text()
    assert "sourceMappingURL=bootstrap.bundle.min.js.map" in js
    assert all("sourceMappingURL" not in str(rules) for _, rules in StaticStorage.patterns)
