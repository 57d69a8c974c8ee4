"""Fault soak: a long sync run against the sandbox portal with every fault class mixed in.

Dossiers built the way the kiosk builds them (a random procedure, random valid answers, kiosk.journey.dossier
.build_payload) are stored in a real outbox while the real SyncEngine and PortalClient drain it to the
sandbox, whose fault layer adds latency, 429 and 503 answers with Retry-After, 500 after storing, answers
that come too late (after storing), dropped connections (after storing), truncated JSON (after storing) and
tokens that expire every few seconds. Afterwards the portal must hold each dossier exactly once and the
outbox must hold nothing that is not accepted.

`python tests/fault_soak.py --dossiers 2000` (docs/RELIABILITY.md); tests/test_crash.py runs a short one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

CLIENT_ID = "kiosk-faults"
CLIENT_SECRET = "faults-secret"  # a throwaway credential of the local sandbox, not a real one
# Every fault class of kiosk/sandbox/faults.py; about a third of all requests meet one.
ALL_FAULTS = ("latency=0.002,rate429=0.05:0.05,error503=0.05:0.05,error500=0.06,timeout=0.04:1.2,drop=0.05,"
              "malformed=0.05,token_ttl=3")


def soak(dossiers: int, seed: int, faults: str = ALL_FAULTS, work: Path | None = None) -> dict[str, Any]:
    if work is None:
        with tempfile.TemporaryDirectory(prefix="kiosk-fault-soak-") as tmp:
            return soak(dossiers, seed, faults, Path(tmp))
    from kiosk.answers.sample import sample_answers
    from kiosk.catalog import load_catalog
    from kiosk.files.paths import procedures_dir
    from kiosk.journey.dossier import build_payload
    from kiosk.outbox.store import Attachment, Outbox
    from kiosk.portal.client import PortalClient
    from kiosk.portal.sync import SyncEngine
    from kiosk.sandbox.server import SandboxServer
    from kiosk.security.crypto import Sealer

    rng = random.Random(seed)
    catalog = load_catalog(procedures_dir())
    outbox = Outbox(work / "outbox.sqlite3", Sealer(random.Random(seed).randbytes(32)))
    plan = f"{faults},seed={seed}" if faults else f"seed={seed}"
    started = time.monotonic()
    references: list[str] = []
    scanned: dict[str, str] = {}  # outbox uuid -> SHA-256 of the scanned paper sent with it
    with SandboxServer(faults=plan, db_path=work / "portal.sqlite3", client_id=CLIENT_ID,
                       client_secret=CLIENT_SECRET) as server:
        client = PortalClient(server.url, CLIENT_ID, lambda: CLIENT_SECRET, read_timeout=0.6, max_retries=2,
                              backoff_base=0.01, max_backoff=0.1)
        engine = SyncEngine(outbox, client, retry_base_s=0.01, retry_max_s=0.1)
        producing = threading.Event()
        producing.set()

        def pending() -> int:
            counts = outbox.counts()
            return counts.get("queued", 0) + counts.get("sending", 0)

        def sync() -> None:
            while producing.is_set() or pending():
                if engine.drain_once() == 0:
                    time.sleep(0.005)

        worker = threading.Thread(target=sync, name="sync")
        worker.start()
        now = datetime.now().astimezone()
        try:
            for _ in range(dossiers):
                proc = rng.choice(catalog.procedures)
                answers = sample_answers(proc, now.date(), seed=rng.randrange(1 << 30))
                payload = build_payload(proc, answers, now - timedelta(minutes=3), "demo", "K01", now, "vi")
                attachments = []
                if rng.random() < 0.3:  # a scanned paper goes with it, uploaded before the dossier
                    pdf = scanned_pdf(rng.randrange(256))
                    attachments = [Attachment("giay_to", 1, pdf)]
                    payload["attachments"] = [{"paper_id": "giay_to", "pages": 1, "bytes": len(pdf),
                                               "sha256": hashlib.sha256(pdf).hexdigest()}]
                stored = outbox.enqueue(proc.code, payload, "SOAK", "K01", attachments=attachments)
                references.append(stored.local_ref)
                if attachments:
                    scanned[stored.uuid] = payload["attachments"][0]["sha256"]
                if rng.random() < 0.2:
                    time.sleep(0.002)
        finally:
            producing.clear()
            worker.join(timeout=1800)
        client.close()
        portal = server.store.list_dossiers()
        files = server.store.list_attachments()
        fault_counts = server.dice.counts
    records = {r.local_ref: r for r in outbox.records(limit=1_000_000)}
    outbox.close()
    on_portal = Counter(str(d["local_reference"]) for d in portal)
    problems = [f"{ref} is on the portal {n} times" for ref, n in on_portal.items() if n != 1]
    problems += [f"{ref} never reached the portal" for ref in references if ref not in on_portal]
    problems += [f"{ref} is {r.status} in the outbox" for ref, r in records.items() if r.status != "accepted"]
    problems += [f"{ref} is on the portal but not in the outbox" for ref in on_portal if ref not in records]
    files_by_key = Counter(str(f["idempotency_key"]) for f in files)
    problems += [f"{key} has {n} files on the portal" for key, n in files_by_key.items() if n != 1]
    problems += [f"the scanned paper of {key} never reached the portal" for key in scanned if key not in files_by_key]
    problems += [f"the scanned paper of {f['idempotency_key']} arrived changed" for f in files
                 if scanned.get(str(f["idempotency_key"])) != f["sha256"]]
    submissions = sum(int(d.get("attempts") or 1) for d in portal)
    return {
        "dossiers": dossiers,
        "on_portal": len(on_portal),
        "accepted": sum(1 for r in records.values() if r.status == "accepted"),
        "submissions_received": submissions,
        "repeat_submissions": submissions - len(portal),
        "scanned_papers": len(scanned),
        "papers_on_portal": len(files),
        "repeat_uploads": sum(int(f["attempts"]) for f in files) - len(files),
        "faults_injected": {str(k): v for k, v in fault_counts.items()},
        "seconds": round(time.monotonic() - started, 1),
        "problems": problems[:20],
        "problem_count": len(problems),
    }


def scanned_pdf(shade: int) -> bytes:
    """A one-page PDF as the kiosk makes of a scanned paper (kiosk.scanning), small."""
    from PIL import Image

    from kiosk.scanning.images import Page, to_pdf

    return to_pdf([Page(Image.new("L", (120, 170), shade), 200)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", default=ALL_FAULTS, help="sandbox fault SPEC (kiosk/sandbox/faults.py)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the retries' warnings are the point of the run, not news
    report = soak(args.dossiers, args.seed, args.faults)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if report["problem_count"] else 0


if __name__ == "__main__":
    sys.exit(main())
