"""The kiosk's texts as the gettext catalogs hold them (`kiosk/locale/<lang>/LC_MESSAGES/kiosk.po`), read with
Babel: key → (Vietnamese, English). For tests that look at every text at once; screens get theirs by `tr`."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from kiosk.i18n import DOMAIN, LANGUAGES, LOCALE_DIR


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str) -> Catalog:
    with po_path(lang).open("rb") as file:
        return read_po(file, locale=lang, domain=DOMAIN)


def _texts(lang: str) -> dict[str, str]:
    return {str(message.id): str(message.string) for message in read_catalog(lang) if message.id}


def _pairs() -> dict[str, tuple[str, str]]:
    vi, en = (_texts(lang) for lang in LANGUAGES)
    return {key: (text, en.get(key, "")) for key, text in vi.items()}


TRANSLATIONS: dict[str, tuple[str, str]] = _pairs()
