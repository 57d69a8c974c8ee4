"""`kiosk tour`: one complete resident session, offscreen, with a PNG of every screen."""

from __future__ import annotations

import json
import logging
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QPushButton

from kiosk.answers.sample import SAMPLE_ID_CARD, sample_answers
from kiosk.journey.machine import Rate, ScanIdCard, Screen
from kiosk.runtime import Runtime
from kiosk.settings.config import Settings, site_profiles
from ui.printing.slip_render import paper_dots, render_slip
from ui.screens.form import StepScreen
from ui.shell.app import ensure_app, install_qt_logging
from ui.shell.window import KioskWindow

log = logging.getLogger(__name__)


class TourError(Exception):
    pass


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TourError("timed out waiting for the kiosk")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.005)


def pick_procedure(runtime: Runtime) -> str:
    """A procedure with a fee when there is one (so the slip shows payment), else the first popular one."""
    from kiosk.payment.fees import assess

    for proc in runtime.catalog.procedures:
        if assess(proc, sample_answers(proc)).payable_vnd > 0:
            return proc.code
    return (runtime.catalog.popular() or runtime.catalog.procedures)[0].code


DEMO_SITE = "demo"


def with_demo_site(settings: Settings) -> Settings:
    """Without a chosen site profile, the tour shows the demo site (its fee account puts a VietQR code on
    the slip). Keys set by the machine file or the environment still win."""
    profile = site_profiles().get(DEMO_SITE)
    if settings.site.profile is not None or profile is None:
        return settings
    merged = settings.model_dump()
    with profile.open("rb") as fh:
        for section, values in tomllib.load(fh).items():
            explicit = getattr(settings, section).model_fields_set
            merged[section].update({key: value for key, value in values.items() if key not in explicit})
    merged["site"]["profile"] = DEMO_SITE
    return Settings.model_validate(merged)


def run_tour(runtime: Runtime, out: Path, procedure_code: str | None = None,
             size: tuple[int, int] = (1366, 768)) -> dict[str, Any]:
    """Drive the journey through every screen; write PNGs, receipt.png and summary.json into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    runtime.settings = with_demo_site(runtime.settings)
    install_qt_logging()
    app = ensure_app()
    window = KioskWindow(runtime)
    window.resize(*size)
    window.show()
    journey = runtime.journey
    screens: list[dict[str, str]] = []

    def shot(name: str) -> None:
        app.processEvents()
        file = f"{len(screens) + 1:02d}-{name}.png"
        if not window.grab().save(str(out / file)):
            raise TourError(f"could not write {file}")
        screens.append({"name": name, "file": file})

    def click(name: str) -> None:
        widget = window.findChild(QPushButton, name)
        if widget is None or not widget.isVisible():
            raise TourError(f"button {name} is not on screen {journey.screen.value}")
        widget.click()
        app.processEvents()

    def expect(screen: Screen) -> None:
        if journey.screen is not screen:
            raise TourError(f"expected screen {screen.value}, got {journey.screen.value}")

    try:
        code = procedure_code or pick_procedure(runtime)
        proc = runtime.catalog.get(code)
        answers = sample_answers(proc, runtime.clock.now().date())
        shot("attract")
        click("attract.start")
        expect(Screen.HOME)
        shot("home")
        click("home.do")
        expect(Screen.PROCEDURES)
        shot("procedures")
        click(f"procedure.{code}")
        expect(Screen.OVERVIEW)
        shot("overview")
        click("overview.start")
        expect(Screen.CONSENT)
        shot("consent")
        click("consent.agree")
        expect(Screen.STEP)
        visited: list[str] = []
        while journey.screen is Screen.STEP:
            step = journey.current_step()
            if step is None or step.id in visited:
                raise TourError("the form did not move on")
            visited.append(step.id)
            if step.identity:
                window.send(ScanIdCard(SAMPLE_ID_CARD))
            view = window.screens[Screen.STEP]
            assert isinstance(view, StepScreen)
            for field_id, editor in view.editors.items():
                if field_id in answers and not editor.value():
                    editor.set_value(answers[field_id])
            app.processEvents()
            shot(f"step-{step.id}")
            click("step.next")
            if journey.session.errors:
                raise TourError(f"step {step.id} rejected the sample answers: {sorted(journey.session.errors)}")
        expect(Screen.REVIEW)
        shot("review")
        click("review.submit")
        _wait_for(lambda: journey.screen is not Screen.SUBMITTING)
        expect(Screen.RECEIPT)
        stored = journey.session.stored
        slip = window.current_slip
        if stored is None or slip is None:
            raise TourError("no receipt after submission")
        shot("receipt")
        printer = runtime.settings.printer
        if not render_slip(slip, paper_dots(printer.paper_width_mm), printer.qr_level).save(
                str(out / "receipt.png")):
            raise TourError("could not write receipt.png")
        click("receipt.finish")
        expect(Screen.RATING)
        shot("rating")
        window.send(Rate(5))
        expect(Screen.ATTRACT)
        shot("attract-after-reset")
        summary: dict[str, Any] = {
            "screens": screens,
            "procedure": {"code": proc.code, "name": proc.name.vi},
            "dossier": {"reference": stored.local_ref, "uuid": stored.uuid},
            "receipt": {"image": "receipt.png", "lookup_url": slip.lookup_url,
                        "vietqr": slip.vietqr_payload},
        }
        (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
        return summary
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()
        app.processEvents()
