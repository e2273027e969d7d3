"""The client's address, one answer for the whole project: the login lockouts (django-axes), the
login audit (`org.AuthEvent`) and the per-client limits of the public PEN-15 query page all see the
same address.

It is the address django-axes computes (django-ipware, configured by the AXES_IPWARE_* settings that
conf/base.py derives from ``ZHIFA_PROXY_COUNT``). With the default (0) only ``REMOTE_ADDR`` counts and
an ``X-Forwarded-For`` a client sends is ignored, since anyone can write one. Behind N reverse
proxies, the address the outermost proxy saw is taken from ``X-Forwarded-For`` (the N-th from the
right), so citizens behind one proxy are told apart and what a client wrote further left is ignored."""

from __future__ import annotations

from axes.helpers import get_client_ip_address


def client_ip(request) -> str | None:
    """The client's IP address as django-axes sees it; ``REMOTE_ADDR`` when the configured proxy
    chain is missing (a request that bypassed the proxies); None without a request."""
    if request is None:
        return None
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or None
