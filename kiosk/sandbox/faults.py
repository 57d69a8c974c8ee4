"""Fault injection for the sandbox portal, so the kiosk's retries can be seen to work.

A SPEC is a comma-separated list, e.g. `latency=0.2,error500=0.1,rate429=0.05:2,timeout=0.02,drop=0.02,
malformed=0.02,token_ttl=5,seed=42`:

- `latency=S`      every affected request waits S seconds first;
- `rate429=P[:S]`  with probability P answer 429 with `Retry-After: S` (default 1) before processing;
- `error503=P[:S]` with probability P answer 503 with `Retry-After: S` (default 1) before processing;
- `error500=P`     with probability P process the request, then answer 500 instead;
- `timeout=P[:S]`  with probability P process the request, then wait S seconds (default 15) before answering;
- `drop=P`         with probability P process the request, then close the connection without answering;
- `malformed=P`    with probability P process the request, then answer a truncated, invalid JSON body;
- `token_ttl=N`    issued tokens expire after N seconds;
- `seed=N`         seed of the fault dice, for repeatable runs.

Faults that strike after processing are the interesting ones: the portal stored the dossier but the kiosk
never learned the code, and only idempotent retries keep it from being stored twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from http import HTTPStatus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class Fault(StrEnum):
    RATE_LIMIT = "rate429"
    UNAVAILABLE = "error503"
    SERVER_ERROR = "error500"
    TIMEOUT = "timeout"
    DROP = "drop"
    MALFORMED = "malformed"


BEFORE_PROCESSING = frozenset({Fault.RATE_LIMIT, Fault.UNAVAILABLE})

_DEFAULT_SECONDS = {Fault.RATE_LIMIT: 1.0, Fault.UNAVAILABLE: 1.0, Fault.TIMEOUT: 15.0}


@dataclass(frozen=True)
class FaultPlan:
    """Probabilities of each fault per affected request, and the other knobs of a SPEC."""

    latency: float = 0.0
    probabilities: dict[Fault, float] = field(default_factory=dict)
    seconds: dict[Fault, float] = field(default_factory=dict)
    token_ttl: int | None = None
    seed: int | None = None

    @classmethod
    def parse(cls, spec: str | None) -> FaultPlan:  # noqa: C901 (one branch per fault kind of the spec)
        """Parse a SPEC; raises ValueError naming the offending item."""
        if not spec or not spec.strip():
            return cls()
        latency = 0.0
        probabilities: dict[Fault, float] = {}
        seconds: dict[Fault, float] = {}
        token_ttl: int | None = None
        seed: int | None = None
        for raw_item in spec.split(","):
            item = raw_item.strip()
            if not item:
                continue
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep:
                raise ValueError(f"fault item {item!r} is not name=value")
            try:
                if name == "latency":
                    latency = _non_negative(float(value))
                elif name == "token_ttl":
                    token_ttl = int(value)
                    if token_ttl < 1:
                        raise ValueError("must be at least 1")
                elif name == "seed":
                    seed = int(value)
                elif name in Fault.__members__.values():
                    fault = Fault(name)
                    probability, _, extra = value.partition(":")
                    chance = float(probability)
                    if not 0.0 <= chance <= 1.0:
                        raise ValueError("probability must be between 0 and 1")
                    probabilities[fault] = chance
                    if extra:
                        if fault not in _DEFAULT_SECONDS:
                            raise ValueError("takes no seconds")
                        seconds[fault] = _non_negative(float(extra))
                else:
                    raise ValueError("unknown fault")
            except ValueError as exc:
                raise ValueError(f"fault item {item!r}: {exc}") from None
        if sum(probabilities.values()) > 1.0 + 1e-9:
            raise ValueError("fault probabilities add up to more than 1")
        return cls(latency, probabilities, seconds, token_ttl, seed)

    def seconds_for(self, fault: Fault) -> float:
        return self.seconds.get(fault, _DEFAULT_SECONDS.get(fault, 0.0))

    @property
    def active(self) -> bool:
        return self.latency > 0 or any(p > 0 for p in self.probabilities.values())


class FaultDice:
    """Draws at most one fault per request, repeatably for a given seed. Thread-safe."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()
        self.counts: dict[Fault, int] = dict.fromkeys(Fault, 0)

    def roll(self) -> Fault | None:
        with self._lock:
            draw = self._random.random()
            cumulative = 0.0
            for fault in Fault:
                cumulative += self.plan.probabilities.get(fault, 0.0)
                if draw < cumulative:
                    self.counts[fault] += 1
                    return fault
            return None


def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError("must not be negative")
    return value


# --- applying faults to requests -----------------------------------------------------------------

_AFFECTED_PREFIXES = ("/api/v1/dossiers", "/api/v1/feedback", "/api/v1/catalog", "/api/v1/attachments")


class FaultLayer:
    """ASGI wrapper that applies a FaultPlan to the dossier, status, feedback and catalog routes.

    It must be the outermost layer under uvicorn: dropping a connection needs the server's own `send`.
    """

    def __init__(self, app: ASGIApp, dice: FaultDice, stopping: threading.Event) -> None:
        self.app = app
        self.dice = dice
        self._stopping = stopping

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        affected = scope["type"] == "http" and scope["path"].startswith(_AFFECTED_PREFIXES)
        if not affected or not self.dice.plan.active:
            await self.app(scope, receive, send)
            return
        plan = self.dice.plan
        if plan.latency:
            await self._pause(plan.latency)
        fault = self.dice.roll()
        if fault is None:
            await self.app(scope, receive, send)
            return
        log.info("sandbox fault %s on %s %s", fault.value, scope["method"], scope["path"])
        if fault in BEFORE_PROCESSING:
            status = 429 if fault is Fault.RATE_LIMIT else 503
            await _send_problem(send, status, {"Retry-After": str(math.ceil(plan.seconds_for(fault)))})
            return
        answer: list[Message] = []

        async def capture(message: Message) -> None:
            answer.append(message)

        await self.app(scope, receive, capture)
        if fault is Fault.DROP:
            await _drop_connection(send)
        elif fault is Fault.SERVER_ERROR:
            await _send_problem(send, 500, {})
        elif fault is Fault.TIMEOUT:
            await self._pause(plan.seconds_for(fault))
            for message in answer:
                await send(message)
        elif fault is Fault.MALFORMED:
            await _send_malformed(send, answer)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but give up early when the server is stopping so shutdown is never held up."""
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.05))


async def _send_problem(send: Send, status: int, headers: dict[str, str]) -> None:
    body = json.dumps({"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
                       "detail": "injected fault"}).encode()
    raw_headers = [(b"content-type", b"application/problem+json"),
                   (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def _send_malformed(send: Send, answer: list[Message]) -> None:
    start = next((m for m in answer if m["type"] == "http.response.start"), None)
    if start is None:
        return
    body = b"".join(m.get("body", b"") for m in answer if m["type"] == "http.response.body")
    garbled = body[: max(1, len(body) // 2)] + b"\x00<oops"
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(garbled)).encode()))
    await send({"type": "http.response.start", "status": start["status"], "headers": headers})
    await send({"type": "http.response.body", "body": garbled})


async def _drop_connection(send: Send) -> None:
    """Close the TCP connection without a single byte of answer."""
    # uvicorn hands the app the bound `send` of its request cycle, which owns the transport.
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise RuntimeError("drop fault needs uvicorn's h11 or httptools protocol")
    transport.abort()
    await asyncio.sleep(0)  # let the server notice the disconnect before the app returns
