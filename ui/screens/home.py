"""The home screen: do a procedure, follow a dossier, learn, give feedback."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from kiosk.journey import (
    ChooseMode,
    Mode,
    OpenFeedback,
    OpenLookup,
    Screen,
)
from ui.screens.base import ScreenContext, ScreenView
from ui.widgets import button, label, set_button_text


class HomeScreen(ScreenView):
    kind = Screen.HOME

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "home.title", "title")
        self.outer.addWidget(self.title)
        self.tiles: dict[str, QPushButton] = {}
        actions = {
            "do": lambda: ctx.send(ChooseMode(Mode.DO)),
            "lookup": lambda: ctx.send(OpenLookup()),
            "learn": lambda: ctx.send(ChooseMode(Mode.LEARN)),
            "feedback": lambda: ctx.send(OpenFeedback()),
        }
        for key, action in actions.items():
            tile = button("", f"home.{key}", "tile")
            tile.clicked.connect(action)
            self.tiles[key] = tile
            self.outer.addWidget(tile)
        self.outer.addStretch(1)

    def enter(self) -> None:
        t = self.ctx.t
        self.title.setText(t("home.title"))
        for key, tile in self.tiles.items():
            set_button_text(tile, f"{t('home.' + key)}\n{t('home.' + key + '.help')}", t(f"home.{key}.help"))
