"""Every text the kiosk shows, in Vietnamese and English, behind one lookup.

`tr(key, lang, **params)` is the only way a screen gets a text. The texts live in gettext catalogs,
`kiosk/locale/<lang>/LC_MESSAGES/kiosk.po`, whose message ids are the keys the code asks for ("home.do") and
whose strings are the texts; `make messages` compiles them into the `.mo` files read here (both are committed,
and a test fails when a `.mo` is not the compilation of its `.po`). docs/CONTENT.md says how to add or change a
text. A key missing from the catalogs is a programming error: `tr` logs it and returns a visible marker so
tests catch it on any screen.
"""

from __future__ import annotations

import functools
import gettext
import logging
from pathlib import Path

log = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("vi", "en")
DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
MISSING_MARK = "⟦"


@functools.cache
def _catalog(lang: str) -> gettext.GNUTranslations:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as file:
        return gettext.GNUTranslations(file)


def has_text(key: str) -> bool:
    """Whether the catalogs have a text for `key`."""
    return _catalog(LANGUAGES[0]).gettext(key) != key


def tr(key: str, lang: str = "vi", **params: object) -> str:
    """The text for `key` in `lang` (Vietnamese for any language but English), with `{name}` parameters
    filled in."""
    text = _catalog("en" if lang == "en" else "vi").gettext(key)
    if text == key:
        log.error("missing translation key %r", key)
        return f"{MISSING_MARK}{key}⟧"
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            log.error("bad parameters for translation key %r", key)
            return f"{MISSING_MARK}{key}⟧"
    return text


def format_vnd(amount: int, lang: str = "vi") -> str:
    """An amount with the language's thousands separator: 200000 → 200.000 (vi), 200,000 (en)."""
    return f"{amount:,}" if lang == "en" else f"{amount:,}".replace(",", ".")
