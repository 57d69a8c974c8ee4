"""A portal that drips its answer a byte at a time cannot hold the kiosk's sync: every exchange and every
round has an overall deadline, the dossier in flight goes back to the queue, and the next round delivers."""

from __future__ import annotations

import http.client
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kiosk.outbox.store import Outbox
from kiosk.portal.client import PortalClient
from kiosk.portal.errors import PortalUnavailable
from kiosk.portal.link import PortalLink
from kiosk.sandbox.server import SandboxServer
from kiosk.security.crypto import Sealer
from kiosk.settings.config import Settings
from tests import portal_fixtures
from tests.test_sync import enqueue, portal_dossiers

sandbox = portal_fixtures.sandbox
sandbox_factory = portal_fixtures.sandbox_factory

KEY = bytes(range(32))
DRIP_EVERY_S = 2.0


class DripProxy(ThreadingHTTPServer):
    """Forwards to the sandbox; while `drip` is set, answers a dossier with its headers and then one byte
    every two seconds, never finishing."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _DripHandler)
        self.upstream = urlsplit(upstream)
        self.drip = threading.Event()
        self.stopping = threading.Event()
        self.dripped_requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _DripHandler(BaseHTTPRequestHandler):
    server: DripProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.drip.is_set() and self.path == "/api/v1/dossiers":
            self.server.dripped_requests += 1
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4096")
            self.end_headers()
            self.wfile.flush()
            try:
                while not self.server.stopping.wait(DRIP_EVERY_S):
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except OSError:
                pass  # the kiosk cut the exchange
            self.close_connection = True
            return
        upstream = http.client.HTTPConnection(self.server.upstream.hostname or "127.0.0.1", self.server.upstream.port,
                                              timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        content = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)
        upstream.close()


@pytest.fixture
def proxy(sandbox: SandboxServer) -> Iterator[DripProxy]:
    server = DripProxy(sandbox.url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3", Sealer(KEY))
    yield box
    box.close()


def link_to(url: str, outbox: Outbox, tmp_path: Path) -> PortalLink:
    settings = Settings()
    settings.portal.base_url = url
    settings.portal.read_timeout = 10  # longer than the drip interval: the per-read timeout never trips
    return PortalLink(settings, outbox, lambda: portal_fixtures.TEST_CLIENT_SECRET, cache_dir=tmp_path)


def test_a_dripping_answer_ends_the_round_and_the_next_round_delivers(
        proxy: DripProxy, sandbox: SandboxServer, outbox: Outbox, tmp_path: Path) -> None:
    first = enqueue(outbox, 1)
    link = link_to(proxy.url, outbox, tmp_path)
    try:
        proxy.drip.set()
        stuck = link.sync_round(deadline_s=5)
        assert proxy.dripped_requests >= 1
        assert not stuck.online and stuck.settled == 0
        record = outbox.get(first)
        assert record is not None and record.status == "queued" and record.reject_reason is None
        assert portal_dossiers(sandbox) == []  # the dripping proxy never passed it on

        proxy.drip.clear()
        second = enqueue(outbox, 2)
        outbox.retry_now()  # the released dossier is due again (as after staff press "send now")
        delivered = link.sync_round(deadline_s=30)
        assert delivered.online and delivered.settled == 2
        keys = [d["idempotency_key"] for d in portal_dossiers(sandbox)]
        assert sorted(keys) == sorted([first, second])
        for dossier_id in (first, second):
            record = outbox.get(dossier_id)
            assert record is not None and record.status == "accepted"
    finally:
        link.close()


def test_one_exchange_has_an_overall_deadline(proxy: DripProxy) -> None:
    proxy.drip.set()
    client = PortalClient(proxy.url, portal_fixtures.TEST_CLIENT_ID, lambda: portal_fixtures.TEST_CLIENT_SECRET,
                          read_timeout=10, max_retries=0, request_deadline=5)
    submission = portal_fixtures.make_submission(1)
    with client, pytest.raises(PortalUnavailable, match="no complete answer within"):
        client.submit_dossier(uuid.uuid4(), submission)
    assert proxy.dripped_requests == 1


def test_abort_from_another_thread_releases_the_dossier(proxy: DripProxy, outbox: Outbox, tmp_path: Path) -> None:
    first = enqueue(outbox, 1)
    link = link_to(proxy.url, outbox, tmp_path)
    proxy.drip.set()
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(link.sync_round()))
    worker.start()
    while proxy.dripped_requests == 0 and worker.is_alive():
        proxy.stopping.wait(0.05)
    link.abort()  # what the kiosk does when it stops (SIGTERM, shutdown)
    worker.join()
    link.close()
    record = outbox.get(first)
    assert record is not None and record.status == "queued"
    assert result and getattr(result[0], "error", None) == "PortalUnavailable"
