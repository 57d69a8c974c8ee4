"""Load test (`make fleet-load`): simulated kiosks heartbeating against the service on PostgreSQL, 127.0.0.1.

Starts a temporary PostgreSQL server (durable writes, as in production) and the service in its own worker
processes, registers the kiosks, then has each one send a heartbeat every `--interval` seconds (phases
spread evenly) and its usage figures with every `--usage-every`th heartbeat, for `--duration` seconds. A
kiosk's printer or outbox changes in one heartbeat of a hundred. Prints the latency of the exchanges (p50, p95,
p99), the errors, the load average, and the database's growth per month, from the measured size of a stored
row and the rows a month brings (the history keeps changes and one heartbeat per kiosk and hour). First,
every kiosk asks for its token at once, as a fleet does after the nightly restart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import insert

from fleet.postgres import TempPostgres
from fleet.schema import kiosks
from fleet.security import hash_kiosk_secret
from fleet.store import FleetStore, migrate, open_engine

SECRET = "load-test-kiosk-secret"
MONTH_S = 30 * 86400
CHANGE = 0.01  # a printer or outbox change in one heartbeat of a hundred: a few state changes per kiosk and hour


def _beat(uptime: int, state: dict[str, Any]) -> dict[str, Any]:
    """A kiosk's heartbeat; its printer and outbox change now and then (`CHANGE` of the heartbeats)."""
    if random.random() < CHANGE:
        state["printer"] = random.choice(["ready", "ready", "paper_low", "paper_out"])
    if random.random() < CHANGE:
        state["outbox_depth"] = random.choice([0, 0, 1, 2])
    return {"version": "1.4.0", "uptime_s": uptime, "screen": random.choice(["attract", "home", "step"]),
            "outbox_depth": state["outbox_depth"], "outbox_oldest_age_s": 40 if state["outbox_depth"] else None,
            "printer": state["printer"], "scanner": "ready", "disk_free_pct": 60.0,
            "last_sync": datetime.now(UTC).isoformat(), "catalog_version": "2026.11"}


def _usage(kiosk_id: str) -> dict[str, Any]:
    return {"kiosk_id": kiosk_id, "site_id": f"site-{kiosk_id[-3:]}", "date": date.today().isoformat(),
            "sessions": random.randint(5, 60), "median_duration_s": 210.0,
            "procedures": {"1.001193": {"started": 8, "completed": 5, "abandoned": 3,
                                        "abandoned_at_step": {"applicant": 2, "review": 1}},
                           "2.000815": {"started": 4, "completed": 4, "abandoned": 0}},
            "ratings": {"4": 3, "5": 6}}


def _report(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": kind, "created_at": datetime.now(UTC).isoformat(), "body": body}


async def _kiosk(client: httpx.AsyncClient, kiosk_id: str, token: str, index: int, args: argparse.Namespace,
                 stop_at: float, beats: list[float], others: list[float], errors: list[str]) -> None:
    await asyncio.sleep(args.interval * index / args.kiosks)  # phases spread evenly over the interval
    n = 0
    headers = {"Authorization": f"Bearer {token}"}
    state: dict[str, Any] = {"printer": "ready", "outbox_depth": 0}
    while time.monotonic() < stop_at:
        started = time.monotonic()
        reports = [_report("heartbeat", _beat(int(n * args.interval), state))]
        with_usage = (n + index) % args.usage_every == 0  # each kiosk's figures on its own beat
        if with_usage:
            reports.append(_report("usage", _usage(kiosk_id)))
        try:
            answer = await client.post("/fleet/v1/reports", json={"reports": reports}, headers=headers)
            elapsed = time.monotonic() - started
            if answer.status_code != 200 or len(answer.json()["accepted"]) != len(reports):
                errors.append(f"status {answer.status_code}")
            else:
                (others if with_usage else beats).append(elapsed)
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
        n += 1
        await asyncio.sleep(max(0.0, started + args.interval - time.monotonic()))


def _quantile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


async def _token(client: httpx.AsyncClient, kiosk_id: str, tokens: dict[str, str], times: list[float],
                 errors: list[str]) -> None:
    started = time.monotonic()
    try:
        answer = await client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": kiosk_id,
                                                          "client_secret": SECRET})
    except httpx.HTTPError as exc:
        errors.append(f"token {type(exc).__name__}")
        return
    times.append(time.monotonic() - started)
    if answer.status_code == 200:
        tokens[kiosk_id] = answer.json()["access_token"]
    else:
        errors.append(f"token {answer.status_code}")


async def _run(url: str, ids: list[str], args: argparse.Namespace) -> dict[str, Any]:
    beats: list[float] = []
    others: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
        tokens: dict[str, str] = {}
        token_times: list[float] = []
        started = time.monotonic()
        await asyncio.gather(*(_token(client, kiosk_id, tokens, token_times, errors) for kiosk_id in ids))
        all_tokens_s = time.monotonic() - started
        stop_at = time.monotonic() + args.duration
        await asyncio.gather(*(
            _kiosk(client, kiosk_id, token, i, args, stop_at, beats, others, errors)
            for i, (kiosk_id, token) in enumerate(tokens.items())))
    return {"heartbeats": len(beats), "with_usage": len(others), "errors": len(errors),
            "error_kinds": sorted(set(errors))[:5],
            "heartbeat_ms": {f"p{q}": round(1000 * _quantile(beats, q), 1) for q in (50, 95, 99)},
            "with_usage_ms": {f"p{q}": round(1000 * _quantile(others, q), 1) for q in (50, 95)},
            "token_ms": {"p50": round(1000 * _quantile(token_times, 50), 1),
                         "p95": round(1000 * _quantile(token_times, 95), 1)},
            "all_tokens_s": round(all_tokens_s, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fleet service load test (127.0.0.1 only)")
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between a kiosk's heartbeats")
    parser.add_argument("--usage-every", type=int, default=20, help="usage figures with every Nth heartbeat")
    parser.add_argument("--duration", type=float, default=150.0, help="seconds of load (bounded)")
    parser.add_argument("--workers", type=int, default=2, help="service processes")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with TempPostgres(durable=True) as pg:
        engine = open_engine(pg.url)
        migrate(engine)
        ids = [f"HBT-{i:04d}" for i in range(args.kiosks)]
        with engine.begin() as conn:
            conn.execute(insert(kiosks), [{"id": k, "site_id": f"site-{k[-3:]}", "ward": f"ward-{int(k[-4:]) % 20}",
                                           "name": k, "secret_hash": hash_kiosk_secret(SECRET)} for k in ids])
        size_before = pg.sizes()["database"]
        port = args.port or pg.port + 1
        env = dict(os.environ, FLEET_DATABASE_URL=pg.url)
        server = subprocess.Popen([sys.executable, "-m", "fleet.cli", "serve", "--port", str(port),
                                   "--workers", str(args.workers)], env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/fleet/v1/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the service did not start")
                time.sleep(0.2)
            load_before = os.getloadavg()
            result = asyncio.run(_run(url, ids, args))
            load_after = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
        engine.dispose()
        sizes = pg.sizes("heartbeats", "usage")
        counted = FleetStore(open_engine(pg.url))
        counts = counted.counts()
        counted.engine.dispose()
    sent = result["heartbeats"] + result["with_usage"]
    per_beat_row = sizes["heartbeats"] / max(1, counts["heartbeats"])
    per_usage_row = sizes["usage"] / max(1, counts["usage"])
    # The history keeps one row per kiosk and hour plus one per change of state (two kinds of change, each in
    # CHANGE of the heartbeats); usage is one row per kiosk and day.
    history_rows = args.kiosks * (1 + 2 * CHANGE * 3600 / args.interval) * MONTH_S / 3600
    usage_rows = args.kiosks * MONTH_S / 86400
    result.update({
        "kiosks": args.kiosks, "interval_s": args.interval, "duration_s": args.duration, "workers": args.workers,
        "rate_per_s": round(args.kiosks / args.interval, 1), "heartbeats_sent": sent,
        "history_rows_stored": counts["heartbeats"], "usage_rows": counts["usage"],
        "loadavg_before": [round(x, 2) for x in load_before], "loadavg_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(), "db_growth_bytes": sizes["database"] - size_before,
        "bytes_per_history_row": round(per_beat_row), "bytes_per_usage_row": round(per_usage_row),
        "history_rows_per_month": round(history_rows),
        "db_growth_per_month_gb": round((per_beat_row * history_rows + per_usage_row * usage_rows) / 1e9, 2),
        "db_per_month_gb_if_every_heartbeat_were_kept": round(per_beat_row * args.kiosks * MONTH_S / args.interval
                                                              / 1e9, 1),
    })
    print(json.dumps(result, indent=2))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
