"""Outbound push (P10, P13): signed, retried with backoff, delivered once and in order per
endpoint — against a real HTTP server on 127.0.0.1."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from zhifa.publicity import services
from zhifa.publicity.models import OutboxMessage, PushEndpoint
from zhifa.publicity.push import push_deliver_due, sign

from .conftest import open_penalty, publish

pytestmark = pytest.mark.django_db
SECRET = "s3cret-shared-with-the-city-platform"


class Receiver:
    """A platform that refuses the first `fail` requests with 503, then accepts; it records what
    it accepted, dropping repeats of a delivery id it already has."""

    def __init__(self, fail: int = 0):
        self.fail = fail
        self.requests = 0
        self.accepted: list[dict] = []
        self.signatures_ok = True
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests += 1
                if self.headers["X-Zhifa-Signature"] != sign(SECRET, body):
                    receiver.signatures_ok = False
                if receiver.fail > 0:
                    receiver.fail -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                data = json.loads(body)
                if data["delivery"] not in {a["delivery"] for a in receiver.accepted}:
                    receiver.accepted.append(data)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/push"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _endpoint(url, clerk):
    return services.push_endpoint_save(endpoint=PushEndpoint(name="市执法监督平台", url=url, secret=SECRET),
                                       actor=clerk)


def test_a_failed_push_is_retried_with_backoff_and_delivered_once_in_order(agency, clerk, settings):
    settings.ZHIFA_PUSH_BACKOFF_SECONDS = 60
    with Receiver(fail=2) as platform:
        _endpoint(platform.url, clerk)
        pub = publish(open_penalty(agency, clerk), clerk)
        services.publication_withdraw(publication=pub, reason="决定已被撤销。", actor=clerk)
        assert OutboxMessage.objects.count() == 2
        t0 = timezone.now()

        assert push_deliver_due(now=t0) == {"delivered": 0, "failed": 1}
        first = OutboxMessage.objects.order_by("id").first()
        assert first.attempts == 1 and first.last_status == 503
        assert first.next_attempt_at == t0 + dt.timedelta(seconds=60)
        # Not due yet: nothing is sent, and the later message does not overtake the first.
        assert push_deliver_due(now=t0 + dt.timedelta(seconds=30)) == {"delivered": 0, "failed": 0}
        assert push_deliver_due(now=t0 + dt.timedelta(seconds=61)) == {"delivered": 0, "failed": 1}
        assert OutboxMessage.objects.order_by("id").first().next_attempt_at == t0 + dt.timedelta(seconds=181)
        assert push_deliver_due(now=t0 + dt.timedelta(seconds=200)) == {"delivered": 2, "failed": 0}
        assert push_deliver_due(now=t0 + dt.timedelta(hours=5)) == {"delivered": 0, "failed": 0}

    assert platform.requests == 4  # 2 refused + 2 accepted, nothing sent twice after success
    assert [a["event"] for a in platform.accepted] == ["published", "withdrawn"]
    assert platform.accepted[0]["content"]["party"]["name"] == "江川市好味食品有限公司"
    assert "content" not in platform.accepted[1]  # a withdrawal carries no content (PUB-05)
    assert platform.signatures_ok
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0


def test_an_unreachable_endpoint_is_retried_and_blocks_nothing_else(agency, clerk):
    with Receiver() as good:
        _endpoint("http://127.0.0.1:9/nothing-listens-here", clerk)
        _endpoint(good.url, clerk)
        publish(open_penalty(agency, clerk), clerk)
        counts = push_deliver_due(timeout=2)
    assert counts == {"delivered": 1, "failed": 1}
    assert len(good.accepted) == 1
    dead = OutboxMessage.objects.get(delivered_at__isnull=True)
    assert dead.attempts == 1 and dead.last_error


def test_endpoint_secret_and_url_are_checked(clerk):
    from zhifa.core.errors import DomainError

    with pytest.raises(DomainError):
        services.push_endpoint_save(endpoint=PushEndpoint(name="x", url="ftp://x", secret=SECRET), actor=clerk)
    with pytest.raises(DomainError):
        services.push_endpoint_save(endpoint=PushEndpoint(name="x", url="http://x", secret="short"), actor=clerk)
