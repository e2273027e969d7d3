"""The client's address (core.clientip), as django-axes computes it, configured by ZHIFA_PROXY_COUNT."""

import json
import os
import subprocess
import sys

import pytest
from django.test import RequestFactory

from zhifa.core.clientip import client_ip

IPWARE_SETTINGS = ("AXES_IPWARE_META_PRECEDENCE_ORDER", "AXES_IPWARE_PROXY_COUNT", "IPWARE_STRICT")


def proxy_settings(count: int | str) -> dict:
    """The ipware settings conf/base.py derives from ZHIFA_PROXY_COUNT=<count>, read from a fresh
    interpreter (the settings module reads the environment once, at import)."""
    code = ("import json, zhifa.conf.base as s; "
            f"print(json.dumps({{k: getattr(s, k) for k in {IPWARE_SETTINGS!r} if hasattr(s, k)}}))")
    env = {**os.environ, "ZHIFA_PROXY_COUNT": str(count)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return {k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(done.stdout).items()}


def req(remote="10.0.0.1", xff=None):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


def test_by_default_only_the_connecting_address_counts():
    assert proxy_settings(0)["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ("REMOTE_ADDR",)
    assert client_ip(req("203.0.113.9")) == "203.0.113.9"
    assert client_ip(req("203.0.113.9", xff="198.51.100.7")) == "203.0.113.9"  # a forged header is ignored
    assert client_ip(None) is None


@pytest.mark.parametrize("proxies", [1, 2])
def test_behind_proxies_the_address_the_outermost_proxy_saw(settings, proxies):
    for key, value in proxy_settings(proxies).items():
        setattr(settings, key, value)
    # Each proxy appends the address it received from; REMOTE_ADDR is the innermost proxy.
    inner = ["10.0.0.2", "10.0.0.3"][: proxies - 1]
    chain = lambda *client: ", ".join([*client, *inner])  # noqa: E731
    assert client_ip(req(xff=chain("203.0.113.5"))) == "203.0.113.5"
    assert client_ip(req(xff=chain("198.51.100.20"))) == "198.51.100.20"
    # What the client wrote itself (left of what the outermost proxy appended) is ignored.
    assert client_ip(req(xff=chain("192.0.2.66", "203.0.113.5"))) == "203.0.113.5"
    # A request that reached the server without passing the proxies: its own address.
    assert client_ip(req("198.51.100.44")) == "198.51.100.44"


def test_a_negative_proxy_count_is_refused():
    with pytest.raises(RuntimeError, match="ZHIFA_PROXY_COUNT"):
        proxy_settings(-1)
