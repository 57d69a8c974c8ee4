"""Crash consistency: kill the kiosk's submission and sync path with SIGKILL, again and again, and count.

A *victim* process does what the kiosk does between the resident's "Submit" and the portal's receipt: it
stores dossiers in the real outbox (SQLite, sealed with the kiosk's key from the keyring) — the kiosk then
shows the receipt, which the victim records by appending the reference to `receipts.log` — while a sync
thread drains the outbox to the sandbox portal with the real PortalClient and SyncEngine. The harness
kills the victim with SIGKILL at random moments, three ways, one way per life in turn (so that a short run
exercises all three):

- at a random time after it is up (during a write, a request, a receipt…), three such lives in ten during
  its start;
- from inside the portal, after the portal has stored a dossier and before its answer leaves (the kiosk
  never learns the dossier's code: only the Idempotency-Key keeps a retry from storing it twice);
- by the victim itself in the middle of an outbox transaction (after the INSERT, before or after COMMIT).

Then it starts a new victim on the same files, as the kiosk restarts after a crash. After the last kill a
final victim only drains. The verdict:

- every dossier whose receipt was shown is in the outbox, accepted, and on the portal exactly once;
- no dossier is on the portal twice, and nothing is on the portal that the outbox does not hold;
- nothing is left queued or sending.

`python tests/crash_harness.py --kills 200` (docs/RELIABILITY.md); tests/test_crash.py runs 20 kills.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

CLIENT_ID = "kiosk-crash"
CLIENT_SECRET = "crash-secret"  # a throwaway credential of the local sandbox, not a real one
SUBMIT_PATH = "/api/v1/dossiers"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


# --- the victim -----------------------------------------------------------------------------------


def _env_for(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "KIOSK_DATA_DIR": str(work / "data"),
        "KIOSK_KEYRING_DIR": str(work / "keyring"),
        "PYTHON_KEYRING_BACKEND": "kiosk.keystore.LocalFileKeyring",
    })
    return env


class _KillingConnection:
    """The outbox's SQLite connection, which SIGKILLs its own process in the middle of a transaction that
    writes (storing a dossier, claiming one for sending, marking it accepted, releasing it)."""

    def __init__(self, inner: Any, rng: random.Random, chance: float) -> None:
        self._inner = inner
        self._rng = rng
        self._chance = chance
        self._writes = False

    def _maybe_die(self, where: str) -> None:
        if self._writes and self._rng.random() < self._chance:
            print(f"kill sqlite-{where}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.startswith("BEGIN"):
            self._writes = False
        elif sql.startswith(("INSERT", "UPDATE", "DELETE")):
            self._writes = True
        if sql == "COMMIT":
            self._maybe_die("before-commit")
        result = self._inner.execute(sql, *args)
        if sql.startswith("INSERT INTO dossiers"):
            self._maybe_die("after-insert")
        elif sql == "COMMIT":
            self._maybe_die("after-commit")
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def victim(work: Path, url: str, seed: int, sql_kill_chance: float, drain_only: bool) -> int:
    """One life of the kiosk's submission and sync path; runs until killed (or, drain_only, until done)."""
    from kiosk.answers.sample import sample_answers
    from kiosk.catalog import load_catalog
    from kiosk.files.paths import procedures_dir
    from kiosk.journey.dossier import build_payload
    from kiosk.outbox.store import Attachment
    from kiosk.portal.client import PortalClient
    from kiosk.portal.sync import SyncEngine
    from kiosk.runtime import open_outbox
    from kiosk.settings.config import Settings
    from tests.fault_soak import scanned_pdf

    rng = random.Random(seed)
    settings = Settings()
    outbox = open_outbox(settings)
    if sql_kill_chance:
        outbox._db = _KillingConnection(outbox._db, rng, sql_kill_chance)  # type: ignore[assignment]
    recovered = outbox.recover()
    print(f"started recovered={recovered}", flush=True)
    catalog = load_catalog(procedures_dir())
    client = PortalClient(url, CLIENT_ID, lambda: CLIENT_SECRET, read_timeout=2, max_retries=1,
                          backoff_base=0.01, max_backoff=0.05)
    engine = SyncEngine(outbox, client, retry_base_s=0.02, retry_max_s=0.2)
    stop = threading.Event()

    def sync_loop() -> None:
        while not stop.is_set():
            if engine.drain_once() == 0:
                time.sleep(0.01)

    if drain_only:
        deadline = time.monotonic() + 120
        counts = outbox.counts()
        while time.monotonic() < deadline and (counts.get("queued", 0) or counts.get("sending", 0)):
            if engine.drain_once() == 0:
                time.sleep(0.05)
            counts = outbox.counts()
        # What the kiosk holds, for the verdict (references and states only, no personal data).
        records = [[r.local_ref, r.uuid, r.status] for r in outbox.records(limit=1_000_000)]
        print("records " + json.dumps(records), flush=True)
        return 0

    threading.Thread(target=sync_loop, name="sync", daemon=True).start()
    receipts = (work / "receipts.log").open("a", encoding="utf-8")
    procedures = catalog.procedures
    now = datetime.now().astimezone()
    while True:
        proc = rng.choice(procedures)
        answers = sample_answers(proc, now.date(), seed=rng.randrange(1 << 30))
        payload = build_payload(proc, answers, now - timedelta(minutes=3), settings.site.id, settings.kiosk.id,
                                now, "vi")
        attachments = []
        if rng.random() < 0.3:  # a scanned paper, sealed in the same transaction as its dossier
            pdf = scanned_pdf(rng.randrange(256))
            attachments = [Attachment("giay_to", 1, pdf)]
            payload["attachments"] = [{"paper_id": "giay_to", "pages": 1, "bytes": len(pdf),
                                       "sha256": hashlib.sha256(pdf).hexdigest()}]
        stored = outbox.enqueue(proc.code, payload, settings.site.ref_prefix, settings.kiosk.id,
                                attachments=attachments)
        # The receipt is on the screen from here on: what the resident takes home.
        receipts.write(f"{stored.local_ref} {stored.uuid}\n")
        receipts.flush()
        os.fsync(receipts.fileno())
        time.sleep(rng.uniform(0, 0.03))


# --- the harness ----------------------------------------------------------------------------------


@dataclass
class Verdict:
    kills: Counter[str] = field(default_factory=Counter)
    receipts_shown: int = 0
    stored: int = 0
    stored_without_receipt: int = 0
    on_portal: int = 0
    scanned_on_portal: int = 0  # scanned papers the portal holds, each with the dossier that lists it
    accepted: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def report(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "kills"}
        out["kills"] = dict(self.kills)
        out["kills_total"] = sum(self.kills.values())
        out["problems"] = self.problems[:20]
        out["problem_count"] = len(self.problems)
        return out


class _KillAfterStoring:
    """ASGI layer in front of the sandbox: sometimes kills the victim after a dossier was stored, before the
    answer goes out — the kiosk's request was processed, but the kiosk dies without hearing of it."""

    def __init__(self, app: App, harness: Harness) -> None:
        self.app = app
        self.harness = harness

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("path") != SUBMIT_PATH or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return

        async def answer(message: Message) -> None:
            if message.get("type") == "http.response.start" and int(message.get("status", 0)) in (200, 201):
                self.harness.maybe_kill_from_portal()
            await send(message)

        await self.app(scope, receive, answer)


WAYS = ("timer", "portal", "sqlite")  # the ways to die, one per life in turn


class Harness:
    def __init__(self, work: Path, seed: int, faults: str | None = None, portal_kill_chance: float = 0.04,
                 sql_kill_chance: float = 0.02, life_s: tuple[float, float] = (0.05, 1.5)) -> None:
        from kiosk.sandbox.server import SandboxServer

        self.work = work
        self.rng = random.Random(seed)
        self.portal_kill_chance = portal_kill_chance
        self.sql_kill_chance = sql_kill_chance
        self.life_s = life_s  # the timer's kill comes this long after the start, at the latest
        self.verdict = Verdict()
        self._lock = threading.Lock()
        self._victim: subprocess.Popen[str] | None = None
        self._killed_by: str | None = None
        self._lives = 0
        self._way = WAYS[0]
        self.server = SandboxServer(faults=faults, db_path=work / "portal.sqlite3", client_id=CLIENT_ID,
                                    client_secret=CLIENT_SECRET)
        self.server.app = _KillAfterStoring(self.server.app, self)  # type: ignore[assignment]

    # --- killing ---

    def _kill(self, why: str) -> None:
        with self._lock:
            victim = self._victim
            if victim is None or victim.poll() is not None or self._killed_by is not None:
                return
            self._killed_by = why
            os.kill(victim.pid, signal.SIGKILL)

    def maybe_kill_from_portal(self) -> None:
        if self._victim is not None and self._way == "portal" and self.rng.random() < self.portal_kill_chance:
            self._kill("portal-after-storing")

    # --- lives ---

    def _start(self, seed: int, drain_only: bool) -> subprocess.Popen[str]:
        sql_kill_chance = self.sql_kill_chance if self._way == "sqlite" and not drain_only else 0
        command = [sys.executable, str(Path(__file__).resolve()), "--victim", "--dir", str(self.work),
                   "--url", self.server.url, "--seed", str(seed), "--sql-kill-chance", str(sql_kill_chance)]
        if drain_only:
            command.append("--drain-only")
        # stderr goes to a file: a pipe nobody reads while the harness follows stdout could fill and stall it.
        with (self.work / "victims.log").open("a", encoding="utf-8") as log_file:
            return subprocess.Popen(command, env=_env_for(self.work), stdout=subprocess.PIPE, stderr=log_file,
                                    text=True, cwd=REPO)

    def one_life(self) -> str:
        """Start a victim, kill it this life's way (the timer, the portal or the outbox), and say how it died.

        The timer runs from the victim's "started" line (its imports done, the outbox recovered), so a slow
        or busy machine still gets dossiers written between kills; three of its lives in ten are cut short
        during the start itself, recovery included. In the other lives the timer stays off: the victim keeps
        storing and sending until the portal or its own outbox kills it.
        """
        self._killed_by = None
        self._way = WAYS[self._lives % len(WAYS)]
        self._lives += 1
        by_timer = self._way == "timer"
        victim = self._start(self.rng.randrange(1 << 30), drain_only=False)
        with self._lock:
            self._victim = victim
        during_start = by_timer and self.rng.random() < 0.3
        delay = self.rng.uniform(0.0, 0.5) if during_start else self.rng.uniform(*self.life_s)
        timer = threading.Timer(delay, self._kill, args=("timer-start" if during_start else "timer",))
        if during_start:
            timer.start()
        deadline = threading.Timer(60, self._kill, args=("hung",))  # a victim that never gets up
        deadline.start()
        lines: list[str] = []
        try:
            assert victim.stdout is not None
            for line in victim.stdout:
                lines.append(line)
                if line.startswith("started") and by_timer and not during_start:
                    timer.start()
            victim.wait(timeout=10)
        finally:
            timer.cancel()
            deadline.cancel()
            with self._lock:
                self._victim = None
            if victim.stdout is not None:
                victim.stdout.close()
        if victim.returncode != -signal.SIGKILL or self._killed_by == "hung":
            raise RuntimeError(f"the victim ended by itself or hung (code {victim.returncode}): {self._victim_log()}")
        own = [line.split()[1] for line in lines if line.startswith("kill ")]
        return self._killed_by or (own[-1] if own else "unknown")

    def _victim_log(self) -> str:
        path = self.work / "victims.log"
        return path.read_text("utf-8", errors="replace")[-1500:] if path.exists() else ""

    def drain(self) -> list[tuple[str, str, str]]:
        """The last start: sync until nothing is queued; returns the outbox's (reference, uuid, state)."""
        victim = self._start(0, drain_only=True)
        out, _ = victim.communicate(timeout=180)
        for line in out.splitlines():
            if line.startswith("records "):
                return [(str(a), str(b), str(c)) for a, b, c in json.loads(line.removeprefix("records "))]
        raise RuntimeError(f"the final drain failed (code {victim.returncode}): {self._victim_log()}")

    # --- the verdict ---

    def check(self, records: list[tuple[str, str, str]]) -> None:  # noqa: C901 (one check per stage a crash can land in)
        verdict = self.verdict
        shown: dict[str, str] = {}
        receipts = self.work / "receipts.log"
        lines = receipts.read_text("utf-8").splitlines(keepends=True) if receipts.exists() else []
        for line in lines:
            parts = line.split()
            if line.endswith("\n") and len(parts) == 2:  # a line cut by the kill was never on the screen
                shown[parts[0]] = parts[1]
        verdict.receipts_shown = len(shown)
        portal = self.server.store.list_dossiers()
        verdict.on_portal = len(portal)
        by_reference = Counter(str(d.get("local_reference")) for d in portal)
        by_key = Counter(str(d.get("idempotency_key")) for d in portal)
        for reference, count in by_reference.items():
            if count > 1:
                verdict.problems.append(f"{reference} is on the portal {count} times")
        for key, count in by_key.items():
            if count > 1:
                verdict.problems.append(f"idempotency key {key} used by {count} portal dossiers")
        stored = {reference: (dossier_uuid, status) for reference, dossier_uuid, status in records}
        verdict.stored = len(stored)
        verdict.accepted = sum(1 for _, status in stored.values() if status == "accepted")
        verdict.rejected = sum(1 for _, status in stored.values() if status == "rejected")
        verdict.stored_without_receipt = len(set(stored) - set(shown))
        for reference, dossier_uuid in shown.items():
            held = stored.get(reference)
            on_portal = by_reference.get(reference, 0)
            if held is None:
                verdict.problems.append(f"receipt {reference} was shown but the outbox does not hold it")
            elif held[0] != dossier_uuid:
                verdict.problems.append(f"receipt {reference} names another dossier than the outbox holds")
            elif held[1] != "accepted":
                verdict.problems.append(f"receipt {reference} was shown but the dossier is {held[1]}")
            elif on_portal != 1:
                verdict.problems.append(f"receipt {reference} is on the portal {on_portal} times")
        files = {(str(f["idempotency_key"]), str(f["paper_id"])): f["sha256"]
                 for f in self.server.store.list_attachments()}
        for dossier in portal:
            listed = (self.server.store.dossier_payload(str(dossier["code"])) or {}).get("attachments", [])
            for ref in listed:
                if files.get((str(dossier["idempotency_key"]), ref["paper_id"])) != ref["sha256"]:
                    verdict.problems.append(f"{dossier['local_reference']} lists a scanned paper the portal lacks")
                else:
                    verdict.scanned_on_portal += 1
        for reference in by_reference:
            if reference not in stored:
                verdict.problems.append(f"{reference} is on the portal but not in the outbox")
        for reference, (_, status) in stored.items():
            if status in ("queued", "sending"):
                verdict.problems.append(f"{reference} is still {status}")

    def run(self, kills: int, progress: Callable[[int, str], None] | None = None) -> Verdict:
        started = time.monotonic()
        with self.server:
            while sum(self.verdict.kills.values()) < kills:
                how = self.one_life()
                self.verdict.kills[how] += 1
                if progress is not None:
                    progress(sum(self.verdict.kills.values()), how)
            self.check(self.drain())
        self.verdict.seconds = round(time.monotonic() - started, 1)
        return self.verdict


def run_harness(kills: int, seed: int = 1, faults: str | None = None, work: Path | None = None,
                progress: Callable[[int, str], None] | None = None,
                life_s: tuple[float, float] = (0.05, 1.5)) -> Verdict:
    if work is not None:
        return Harness(work, seed, faults, life_s=life_s).run(kills, progress)
    with tempfile.TemporaryDirectory(prefix="kiosk-crash-") as tmp:
        return Harness(Path(tmp), seed, faults, life_s=life_s).run(kills, progress)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SIGKILL the kiosk's submission and sync path; check nothing "
                                                 "is lost or duplicated")
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", help="sandbox fault SPEC mixed in (see kiosk/sandbox/faults.py)")
    parser.add_argument("--victim", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--drain-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--sql-kill-chance", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.victim:
        return victim(Path(args.dir), args.url, args.seed, args.sql_kill_chance, args.drain_only)

    def progress(done: int, how: str) -> None:
        if done % 20 == 0:
            print(f"crash harness: {done}/{args.kills} kills (last: {how})", file=sys.stderr, flush=True)

    verdict = run_harness(args.kills, args.seed, args.faults, progress=progress)
    print(json.dumps(verdict.report(), indent=2, ensure_ascii=False))
    return 1 if verdict.problems else 0


if __name__ == "__main__":
    sys.exit(main())
