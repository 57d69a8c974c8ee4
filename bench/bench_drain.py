"""Outbox drain rate: dossiers per second from the kiosk's outbox to the sandbox portal on 127.0.0.1.

DOSSIERS dossiers built as the kiosk builds them (random bundled procedure, random valid answers,
kiosk.journey.dossier.build_payload) are stored in a fresh outbox; the real SyncEngine and PortalClient then drain
them to the sandbox portal (no faults), which runs in its own process as a real portal would, in one
`drain_once`. The time covers the whole path of each dossier: claim and decrypt, validate against the
contract, one HTTP request (keep-alive), the portal's own validation and storage, and marking it accepted.
Median of RUNS runs, each on a new outbox and a new portal. The kiosk's own processor time per dossier
(the portal runs in another process) shows how much of the rate is the kiosk's and how much the portal's.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench import load

DOSSIERS = 500
RUNS = 3


def drain_once(seed: int) -> tuple[float, float]:
    """Dossiers per second for one run, and the kiosk's processor time per dossier (ms)."""
    from kiosk.answers.sample import sample_answers
    from kiosk.catalog import load_catalog
    from kiosk.files.paths import procedures_dir
    from kiosk.journey.dossier import build_payload
    from kiosk.outbox.store import Outbox
    from kiosk.portal.client import PortalClient
    from kiosk.portal.sync import SyncEngine
    from kiosk.sandbox.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
    from kiosk.security.crypto import Sealer

    rng = random.Random(seed)
    catalog = load_catalog(procedures_dir())
    now = datetime.now().astimezone()
    with tempfile.TemporaryDirectory(prefix="bench-drain-") as tmp:
        work = Path(tmp)
        outbox = Outbox(work / "outbox.sqlite3", Sealer(rng.randbytes(32)))
        for _ in range(DOSSIERS):
            proc = rng.choice(catalog.procedures)
            answers = sample_answers(proc, now.date(), seed=rng.randrange(1 << 30))
            payload = build_payload(proc, answers, now - timedelta(minutes=3), "demo", "K01", now, "vi")
            outbox.enqueue(proc.code, payload, "BENCH", "K01")
        portal = subprocess.Popen(
            [sys.executable, "-c", "import sys; from kiosk.sandbox.server import main; sys.exit(main(sys.argv[1:]))",
             "--port", "0", "--db", str(work / "portal.sqlite3"), "--advance-every", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert portal.stdout is not None
            banner = portal.stdout.readline()  # "Sandbox portal on http://127.0.0.1:PORT (…)", once bound
            url = banner.split(" on ", 1)[1].split()[0]
            client = PortalClient(url, DEFAULT_CLIENT_ID, lambda: DEFAULT_CLIENT_SECRET)
            client.fetch_token()  # the token is fetched once per hour or so, not per dossier
            engine = SyncEngine(outbox, client)
            started, cpu = time.perf_counter(), time.process_time()
            settled = engine.drain_once()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            client.close()
        finally:
            portal.terminate()
            portal.wait(timeout=10)
        accepted = outbox.counts().get("accepted", 0)
        outbox.close()
    if settled != DOSSIERS or accepted != DOSSIERS:
        raise RuntimeError(f"only {accepted} of {DOSSIERS} dossiers were accepted")
    return DOSSIERS / elapsed, cpu / DOSSIERS * 1000


def measure() -> dict[str, float | str]:
    runs = [drain_once(seed) for seed in range(RUNS)]
    rates = [rate for rate, _ in runs]
    return {
        "dossiers_per_run": DOSSIERS,
        "runs": RUNS,
        "drain_dossiers_per_s": round(statistics.median(rates), 1),
        "drain_min_dossiers_per_s": round(min(rates), 1),
        "kiosk_cpu_ms_per_dossier": round(statistics.median(cpu for _, cpu in runs), 2),
    }


def run() -> dict[str, float | str]:
    with load.watch() as machine:
        figures = measure()
    figures["verdict_drain"] = machine.verdict(float(figures["drain_dossiers_per_s"]), ">=", 200.0, "/s")
    figures.update(machine.figures())
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<40} {value}")
