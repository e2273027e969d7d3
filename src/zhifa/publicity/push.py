"""Delivering the outbox (P10, P13): each endpoint gets its messages in id order, each once.

A message is POSTed as JSON with `X-Zhifa-Delivery` (the message id, for the receiver to drop a
duplicate), `X-Zhifa-Event` and `X-Zhifa-Signature: sha256=<HMAC-SHA256 of the body with the
endpoint's shared secret>`. A failure (no answer, or not 2xx) stops that endpoint's queue — later
messages never overtake an earlier one — and the message is retried after an exponential backoff
(ZHIFA_PUSH_BACKOFF_SECONDS × 2^(attempts−1), at most ZHIFA_PUSH_BACKOFF_MAX_SECONDS).

The endpoint row is locked while one of its messages is sent, so two workers never send the same
endpoint's messages at once (PostgreSQL; SQLite has one writer anyway).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage, PushEndpoint


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> dt.timedelta:
    base = getattr(settings, "ZHIFA_PUSH_BACKOFF_SECONDS", 30)
    cap = getattr(settings, "ZHIFA_PUSH_BACKOFF_MAX_SECONDS", 3600)
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def _post(endpoint: PushEndpoint, message: OutboxMessage, timeout: float) -> tuple[int | None, str]:
    body = json.dumps({"delivery": message.pk, **message.payload}, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "zhifa-push/1",
        "X-Zhifa-Delivery": str(message.pk),
        "X-Zhifa-Event": str(message.payload.get("event", "")),
        "X-Zhifa-Signature": sign(endpoint.secret, body),
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured http(s) URL)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]


def _deliver_one(endpoint_id: int, now: dt.datetime, timeout: float) -> str:
    """Send the endpoint's oldest pending message if it is due. Returns delivered / failed / idle."""
    with transaction.atomic():
        endpoint = PushEndpoint.objects.select_for_update(skip_locked=True).filter(pk=endpoint_id, active=True).first()
        if endpoint is None:
            return "idle"
        message = OutboxMessage.objects.filter(endpoint=endpoint, delivered_at=None).order_by("id").first()
        if message is None or (message.next_attempt_at and message.next_attempt_at > now):
            return "idle"
        status, error = _post(endpoint, message, timeout)
        message.attempts += 1
        message.last_status = status
        if status is not None and 200 <= status < 300:
            message.delivered_at = timezone.now()
            message.last_error = ""
            result = "delivered"
        else:
            message.last_error = error or f"HTTP {status}"
            message.next_attempt_at = now + backoff(message.attempts)
            result = "failed"
        message.save(update_fields=["attempts", "last_status", "delivered_at", "last_error", "next_attempt_at"])
        return result


def push_deliver_due(*, now: dt.datetime | None = None, timeout: float = 10.0, limit: int = 500) -> dict:
    """Deliver what is due on every active endpoint; returns counts."""
    now = now or timezone.now()
    counts = {"delivered": 0, "failed": 0}
    for endpoint_id in PushEndpoint.objects.filter(active=True).values_list("pk", flat=True):
        for _ in range(limit):
            result = _deliver_one(endpoint_id, now, timeout)
            if result == "idle":
                break
            counts[result] += 1
            if result == "failed":
                break  # in order: nothing overtakes the failed message
    return counts
