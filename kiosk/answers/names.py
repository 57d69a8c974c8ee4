"""The one rule for a person's name, used by manual entry and by the ID-card QR parser alike."""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 100

_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, huyền, sắc, hỏi, ngã, nặng
# The letters of Vietnamese names: the 17 consonants plus f, j, w, z (names of ethnic minorities and
# foreign names), and every vowel with every tone, in both cases.
_LOWER = "".join(unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES) + "bcdđghklmnpqrstvxfjwz"
VIETNAMESE_LETTERS = frozenset(_LOWER + _LOWER.upper())
NAME_APOSTROPHES = "'’"  # Ê Đê and Jrai names: H'Hen Niê


def is_vietnamese_name(value: str) -> bool:
    """Vietnamese letters and single spaces; an apostrophe only inside a word (H'Hen).

    `value` is NFC with single spaces and no spaces at either end (as `kiosk.answers.validation.normalise` gives).
    """
    if not value or len(value) > MAX_NAME_LENGTH:
        return False
    for word in value.split(" "):
        if not word or word[0] in NAME_APOSTROPHES or word[-1] in NAME_APOSTROPHES:
            return False
        if not all(ch in VIETNAMESE_LETTERS or ch in NAME_APOSTROPHES for ch in word):
            return False
    return True
