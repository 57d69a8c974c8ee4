"""One receipt slip: QPainter rendering plus ESC/POS encoding (1-bit raster in strips), per paper width
(target: median and p95 ≤ 100 ms for render + encode)."""

from __future__ import annotations

import os
import statistics
import time
from datetime import datetime

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is loaded

from bench import load
from kiosk.answers.sample import sample_answers
from kiosk.catalog import load_catalog
from kiosk.files.paths import procedures_dir
from kiosk.payment.fees import assess
from kiosk.printing.receipt import Slip, build_slip
from kiosk.settings.config import PaymentSettings, Settings
from kiosk.workdays.clock import VN_TZ
from ui.printing.service import escpos_job
from ui.printing.slip_render import render_slip
from ui.shell.app import ensure_app

ROUNDS = 20  # kept small: PySide6 6.12 on Python 3.11 loses a reference to None per void call
PROCEDURE = "2.000815.000.00.00.H26"  # has a fee: the slip carries both QR codes


def sample_slip(sequence: int = 1) -> Slip:
    proc = load_catalog(procedures_dir()).get(PROCEDURE)
    submitted = datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)
    answers = sample_answers(proc, submitted.date())
    settings = Settings(payment=PaymentSettings(bank_bin="970436", account="0011001234567"))
    return build_slip(proc, answers, f"DEMO-K01-261126-{sequence:04d}", True, submitted,
                      assess(proc, answers, submitted.date()),
                      settings)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def measure() -> dict[str, float | str]:
    ensure_app()
    figures: dict[str, float | str] = {}
    sequence = 0
    for paper_mm, dots in ((80, 576), (58, 384)):
        for _ in range(3):  # warm up fonts and glyph caches
            sequence += 1
            escpos_job(render_slip(sample_slip(sequence), dots), paper_mm)
        first: list[float] = []
        again: list[float] = []
        size = 0
        for _ in range(ROUNDS):
            sequence += 1
            slip = sample_slip(sequence)  # a new dossier code: its QR codes are encoded afresh
            t0 = time.perf_counter()
            size = len(escpos_job(render_slip(slip, dots), paper_mm))
            t1 = time.perf_counter()
            escpos_job(render_slip(slip, dots), paper_mm)  # the print job after the screen preview
            t2 = time.perf_counter()
            first.append((t1 - t0) * 1000)
            again.append((t2 - t1) * 1000)
        figures[f"{paper_mm}mm_new_slip_p50_ms"] = round(statistics.median(first), 1)
        figures[f"{paper_mm}mm_new_slip_p95_ms"] = round(_p95(first), 1)
        figures[f"{paper_mm}mm_same_slip_again_p50_ms"] = round(statistics.median(again), 1)
        figures[f"{paper_mm}mm_job_kb"] = round(size / 1024, 1)
    return figures


def run() -> dict[str, float | str]:
    with load.watch() as machine:
        figures = measure()
    for paper_mm in (80, 58):  # render + ESC/POS encode of a new slip
        figures[f"verdict_{paper_mm}mm_new_slip_p95"] = machine.verdict(
            float(figures[f"{paper_mm}mm_new_slip_p95_ms"]), "<=", 100.0, " ms")
    figures.update(machine.figures())
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<32} {value}")
