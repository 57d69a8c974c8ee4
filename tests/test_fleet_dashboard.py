"""The dashboard in a real browser (Playwright with Debian's Chromium) showing `kiosk demo --fleet` live."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_escpos import PAPER_OUT, FakePrinter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
WAIT_MS = 60_000  # a bound on waiting for the kiosk, not a speed requirement


def chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing (Debian: chromium); .ci/run installs it")
        pytest.skip("Chromium is not installed (Debian: chromium)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, FakePrinter]]:
    """`kiosk demo --fleet` as a technician starts it (offscreen), with a network printer that can run out."""
    port = free_port()
    with FakePrinter() as printer:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KIOSK__PRINTER__KIND="network",
                   KIOSK__PRINTER__ADDRESS=f"127.0.0.1:{printer.port}", KIOSK__FLEET__HEARTBEAT_SECONDS="1",
                   PYTHON_KEYRING_BACKEND="kiosk.keystore.LocalFileKeyring")
        log = (tmp_path / "demo.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "kiosk", "demo", "--windowed", "--fleet",
                                    "--fleet-port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield f"http://127.0.0.1:{port}", printer
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        if process.returncode not in (0, -signal.SIGTERM):
            print((tmp_path / "demo.log").read_text("utf-8", "replace")[-3000:])


def wait_for_service(url: str) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("the demo's fleet service never started")


def test_the_dashboard_shows_paper_out_and_a_sync_now_done(demo: tuple[str, FakePrinter]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, printer = demo
    executable = chromium()
    wait_for_service(url)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/")
            expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
            page.get_by_label("Tên đăng nhập").fill("thanhpho")
            page.get_by_label("Mật khẩu").fill("demo")
            page.get_by_role("button", name="Đăng nhập").click()

            row = page.locator('tr[data-kiosk="demo-kiosk"]')
            expect(row).to_contain_text("ready", timeout=WAIT_MS)  # the demo kiosk reports, printer ready
            expect(row).to_have_attribute("data-level", "green")

            printer.answers[4] = PAPER_OUT  # the roll runs out
            expect(row).to_have_attribute("data-level", "amber", timeout=WAIT_MS)
            expect(row.locator(".reasons")).to_have_text("Máy in hết giấy")
            expect(page.locator("#alerts")).to_contain_text("demo-kiosk")

            row.get_by_role("button", name="Đồng bộ ngay").click()
            command = page.locator('#commands tr[data-command="sync_now"]')
            expect(command.locator(".status")).to_have_text("Đã xong", timeout=WAIT_MS)
            expect(command).to_contain_text("portal reached")
            expect(page.locator("#audit")).to_contain_text("command:sync_now")
        finally:
            browser.close()
