"""The browser reference: Debian's Chromium, headless, loading bench/chromium/form.html from 127.0.0.1.

Method (the same clock as the kiosk's and the floor's): the time runs from just before Chromium is started
to the arrival, at a local HTTP server, of the page's report of its first contentful paint (a
PerformanceObserver entry, sent with fetch; the page is small enough that its first contentful paint is
the whole form). The memory is the sum over all of Chromium's processes (it runs about nine), after one
idle second. `measure_once` takes a profile directory to reuse (a kiosk's browser keeps its profile from
one start to the next: the warm start of bench_startup) or, without one, makes a fresh --user-data-dir
(the first start of a new browser: the cold start, and this module's own figures below).
Where Chromium is not installed the bench says so and reports no figures.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench import load, paint_probe

PAGE = Path(__file__).resolve().parent / "chromium" / "form.html"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--window-size=1366,768"]
RUNS = 7
WARMUPS = 1


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


class _PageServer:
    """Serves the form page and receives its paint report."""

    def __init__(self) -> None:
        self.painted = threading.Event()
        page = PAGE.read_bytes()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                if self.path.startswith("/painted"):
                    server.painted.set()
                    body, kind = b"", "text/plain"
                elif self.path in ("/", "/form.html"):
                    body, kind = page, "text/html; charset=utf-8"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/form.html"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@contextmanager
def page_server() -> Iterator[_PageServer]:
    server = _PageServer()
    try:
        yield server
    finally:
        server.close()


def measure_once(binary: str, server: _PageServer, profile: Path | None = None) -> paint_probe.Sample:
    """One start of Chromium on the form page, with `profile` as its user data directory (kept as it is
    left) or, without one, a fresh directory removed afterwards."""
    server.painted.clear()

    def painted(process: subprocess.Popen[bytes]) -> bool:
        while not server.painted.wait(0.01):
            if process.poll() is not None:
                return False
        return True

    if profile is not None:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", server.url]
        return paint_probe.measure(command, os.environ, painted)
    with tempfile.TemporaryDirectory(prefix="bench-chromium-") as fresh:
        command = [binary, *FLAGS, f"--user-data-dir={fresh}", server.url]
        return paint_probe.measure(command, os.environ, painted)


def run() -> dict[str, float | str]:
    binary = chromium_binary()
    if binary is None:
        return {"chromium": "absent: no chromium binary on PATH (apt-get install chromium); row skipped"}
    with load.watch() as machine, page_server() as server:
        samples = paint_probe.repeat(RUNS, WARMUPS, lambda: measure_once(binary, server))
    figures: dict[str, float | str] = {"chromium": chromium_version(binary), "flags": " ".join(FLAGS),
                                       "profile": "fresh each run", "runs": RUNS}
    figures.update(paint_probe.medians(samples, "chromium"))
    figures.update(machine.figures())  # reference figures: no target, no verdict
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<40} {value}")
