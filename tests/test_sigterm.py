"""`kiosk run` stops cleanly on SIGTERM: exit status 0, the sync round in progress cut and its dossier back in
the queue, the outbox closed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import portal_fixtures
import pytest

from kiosk.runtime import open_outbox
from kiosk.security.secrets import PORTAL_SECRET, set_secret
from kiosk.settings.config import Settings
from tests.test_sync import enqueue
from tests.test_sync_deadlines import DripProxy, proxy

sandbox = portal_fixtures.sandbox
sandbox_factory = portal_fixtures.sandbox_factory
__all__ = ["proxy"]

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_sigterm_during_a_stuck_sync_round_exits_0_and_keeps_the_dossier_queued(proxy: DripProxy) -> None:
    set_secret(PORTAL_SECRET, portal_fixtures.TEST_CLIENT_SECRET)
    outbox = open_outbox(Settings())
    dossier = enqueue(outbox, 1)
    outbox.close()
    proxy.drip.set()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO),
               KIOSK__PORTAL__BASE_URL=proxy.url, KIOSK__PORTAL__CLIENT_ID=portal_fixtures.TEST_CLIENT_ID,
               KIOSK__PORTAL__READ_TIMEOUT="10")
    kiosk = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--windowed"], env=env, cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while proxy.dripped_requests == 0 and kiosk.poll() is None:
            proxy.stopping.wait(0.1)  # until the kiosk's sync round is stuck on the dripping answer
        assert kiosk.poll() is None, kiosk.communicate()[1]
        kiosk.send_signal(signal.SIGTERM)
        _, stderr = kiosk.communicate(timeout=60)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.communicate()
    assert kiosk.returncode == 0, stderr
    assert proxy.dripped_requests == 1
    outbox_path = Settings().outbox_path()
    assert not outbox_path.with_name(outbox_path.name + "-wal").exists()  # closed: the log was folded back
    outbox = open_outbox(Settings())
    try:
        record = outbox.get(dossier)
        assert record is not None and record.status == "queued" and record.reject_reason is None
    finally:
        outbox.close()
