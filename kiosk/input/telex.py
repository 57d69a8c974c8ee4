"""Vietnamese Telex typing for the on-screen and physical keyboards.

Every operation is pure: it takes the field's text and cursor and returns the new text and
cursor, so the Qt keyboard, tests and any other front end share one implementation. Results are
always NFC; inputs may be NFD.

Telex keys, applied to the word that ends at the cursor:

- ``aa``→â, ``aw``→ă, ``ee``→ê, ``oo``→ô, ``ow``→ơ, ``uw``→ư, ``uow``→ươ, ``dd``→đ. The mark key may
  also come later in the word (``tana``→tân, ``nguoiw``→người), as common Telex engines allow.
- ``s f r x j`` put sắc, huyền, hỏi, ngã, nặng; ``z`` removes the tone. The tone is placed on the
  correct vowel and moves when the word grows (``hoas`` then ``n`` → hoán).
- Typing the same tone or mark key again removes it and inserts the letter (``ass``→as, ``aaa``→aa,
  ``ddd``→dd). For ươ with no final consonant a second ``w`` gives uơ (thuở), a third the letters ``uow``.
- Keys that cannot make a Vietnamese syllable are inserted as typed (``wifi``, ``ass``), so tone
  keys only act on words that contain a vowel.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Mark",
    "TelexEngine",
    "ToneStyle",
    "normalize_tone_placement",
    "telex_spelling",
    "type_keys",
]


class ToneStyle(StrEnum):
    """Where the tone goes in open syllables with oa, oe, uy (the only place the styles differ)."""

    TRADITIONAL = "traditional"  # hòa, thủy, khỏe: as on civil-status papers
    MODERN = "modern"  # hoà, thuỷ, khoẻ


class Mark(StrEnum):
    """Marks offered by the on-screen keyboard's mark keys."""

    ACUTE = "acute"  # sắc
    GRAVE = "grave"  # huyền
    HOOK = "hook"  # hỏi
    TILDE = "tilde"  # ngã
    DOT = "dot"  # nặng
    NONE = "none"  # remove the tone
    CIRCUMFLEX = "circumflex"  # â ê ô
    BREVE = "breve"  # ă
    HORN = "horn"  # ơ ư ươ
    STROKE = "stroke"  # đ


_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_TONES = frozenset({_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT})
_TONE_BY_KEY = {"s": _ACUTE, "f": _GRAVE, "r": _HOOK, "x": _TILDE, "j": _DOT}
_KEY_BY_TONE = {tone: key for key, tone in _TONE_BY_KEY.items()}
_TONE_BY_MARK = {Mark.ACUTE: _ACUTE, Mark.GRAVE: _GRAVE, Mark.HOOK: _HOOK, Mark.TILDE: _TILDE, Mark.DOT: _DOT}

_VOWELS = frozenset("aăâeêioôơuưy")
_MARKED_VOWELS = frozenset("ăâêôơư")
_TO_PLAIN = str.maketrans("ăâêôơư", "aaeoou")
_WITH_CIRCUMFLEX = {"a": "â", "ă": "â", "e": "ê", "o": "ô", "ơ": "ô"}
_WITH_W = {"u": "ư", "o": "ơ", "ô": "ơ", "a": "ă", "â": "ă"}  # Telex "w": horn or breve
_WITH_HORN = {"u": "ư", "o": "ơ", "ô": "ơ"}
_WITH_BREVE = {"a": "ă", "â": "ă"}
_MARK_KEY = {"â": "aa", "ă": "aw", "ê": "ee", "ô": "oo", "ơ": "ow", "ư": "uw", "đ": "dd"}

# Longest first, so "ngh" wins over "ng" and "n".
_INITIALS = (
    "ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
)  # fmt: skip
# "k" only for place names such as Đắk Lắk.
_FINALS = frozenset({"", "c", "ch", "k", "m", "n", "ng", "nh", "p", "t"})
# Vowel groups that may be followed by a final consonant.
_NUCLEI_BEFORE_FINAL = frozenset(
    {
        "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
        "iê", "yê", "oa", "oă", "oe", "oo", "uâ", "uê", "uô", "uy", "ươ", "uyê",
    }
)  # fmt: skip
# Vowel groups that end the syllable.
_NUCLEI_OPEN_ONLY = frozenset(
    {
        "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui",
        "ưa", "ưi", "ưu", "uơ", "iêu", "yêu", "oai", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyu",
    }
)  # fmt: skip
_NUCLEI = _NUCLEI_BEFORE_FINAL | _NUCLEI_OPEN_ONLY
_PLAIN_NUCLEI_BEFORE_FINAL = frozenset(n.translate(_TO_PLAIN) for n in _NUCLEI_BEFORE_FINAL)
_PLAIN_NUCLEI = frozenset(n.translate(_TO_PLAIN) for n in _NUCLEI)
_TONE_ON_FIRST_IN_TRADITIONAL = frozenset({"oa", "oe", "uy"})


@dataclass(frozen=True)
class _Word:
    """A word split into its letters without tone (case kept) and its one tone mark."""

    letters: str
    tone: str  # a combining tone mark, or "" for thanh ngang
    tone_at: int  # index of the letter carrying the tone, -1 without tone


@dataclass(frozen=True)
class _Syllable:
    """initial + nucleus + final of a lower-case word without tone."""

    initial: str
    nucleus: str
    final: str

    def plausible(self) -> bool:
        """True if marks still to be typed can make this a syllable (tone keys accept it)."""
        allowed = _PLAIN_NUCLEI_BEFORE_FINAL if self.final else _PLAIN_NUCLEI
        return self.nucleus.translate(_TO_PLAIN) in allowed

    def with_nucleus(self, nucleus: str) -> _Syllable | None:
        """The syllable with another nucleus, or None if that is not Vietnamese."""
        allowed = _NUCLEI_BEFORE_FINAL if self.final else _NUCLEI
        return _Syllable(self.initial, nucleus, self.final) if nucleus in allowed else None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _is_word_char(char: str) -> bool:
    return char.isalpha() or unicodedata.combining(char) != 0


def _split_word(word: str) -> _Word | None:
    """Separate letters and tone; None if the word carries more than one tone."""
    letters: list[str] = []
    tone, tone_at = "", -1
    for index, char in enumerate(word):
        kept = []
        for part in unicodedata.normalize("NFD", char):
            if part in _TONES:
                if tone:
                    return None
                tone, tone_at = part, index
            else:
                kept.append(part)
        letter = _nfc("".join(kept))
        if len(letter) != 1:
            return None  # a lone tone mark, or a letter with no precomposed form: not Vietnamese
        letters.append(letter)
    return _Word("".join(letters), tone, tone_at)


def _parse(letters: str) -> _Syllable | None:
    """Split a lower-case word without tone into initial, vowels and final, if it has that shape."""
    initial = next((i for i in _INITIALS if letters.startswith(i)), "")
    rest = letters[len(initial) :]
    if initial == "gi" and not (rest and rest[0] in _VOWELS):
        initial, rest = "g", letters[1:]  # "gì", "gìn": the i is the vowel
    end = 0
    while end < len(rest) and rest[end] in _VOWELS:
        end += 1
    nucleus, final = rest[:end], rest[end:]
    if final not in _FINALS or (final and not nucleus) or len(nucleus) > 3:
        return None
    return _Syllable(initial, nucleus, final)


def _tone_index(syllable: _Syllable, style: ToneStyle) -> int:
    """Index (in the word) of the vowel that carries the tone; the syllable has a nucleus."""
    nucleus = syllable.nucleus
    marked = [i for i, char in enumerate(nucleus) if char in _MARKED_VOWELS]
    if marked:
        offset = marked[-1]  # ươ: on ơ (người, được)
    elif len(nucleus) == 1:
        offset = 0
    elif len(nucleus) == 3:
        offset = 1  # ngoài, khuỷu, ngoẹo
    elif syllable.final:
        offset = 1  # hoàng, huỳnh
    elif nucleus in _TONE_ON_FIRST_IN_TRADITIONAL and style is ToneStyle.MODERN:
        offset = 1  # hoà, thuỷ, khoẻ
    else:
        offset = 0  # hòa, mùa, mía, cái
    return len(syllable.initial) + offset


def _same_case(template: str, char: str) -> str:
    return char.upper() if template.isupper() else char


def _compose(letters: str, tone: str, tone_at: int) -> str:
    if not tone or not 0 <= tone_at < len(letters):
        return letters
    return _nfc(letters[:tone_at] + letters[tone_at] + tone) + letters[tone_at + 1 :]


def _place(letters: str, tone: str, style: ToneStyle, fallback_at: int = -1) -> str:
    """The word with the tone on its proper vowel (or at fallback_at if the word is not a syllable)."""
    syllable = _parse(letters.lower())
    if tone and syllable is not None and syllable.nucleus and syllable.plausible():
        return _compose(letters, tone, _tone_index(syllable, style))
    return _compose(letters, tone, fallback_at)


def _replace_nucleus(letters: str, syllable: _Syllable, nucleus: str) -> str:
    start = len(syllable.initial)
    old = letters[start : start + len(nucleus)]
    new = "".join(_same_case(o, n) for o, n in zip(old, nucleus, strict=True))
    return letters[:start] + new + letters[start + len(nucleus) :]


def _uo_pair(nucleus: str) -> int | None:
    """Index of a u-o pair (uo, uô, ưo, ươ, uơ), the vowels that take the horn together."""
    plain = nucleus.translate(_TO_PLAIN)
    index = plain.find("uo")
    return index if index >= 0 else None


# Each mark change returns the new nucleus and whether it removed a mark (Telex then adds the letter).
_Change = tuple[str, bool]


def _circumflex(syllable: _Syllable, family: str | None) -> _Change | None:
    """Put or remove the circumflex on the last a/e/o (only of `family` if given)."""
    nucleus = syllable.nucleus
    targets = [
        i
        for i, char in enumerate(nucleus)
        if char.translate(_TO_PLAIN) in "aeo" and (family is None or char.translate(_TO_PLAIN) == family)
    ]
    if not targets:
        return None
    index = targets[-1]
    char = nucleus[index]
    if char in "âêô":
        return nucleus[:index] + char.translate(_TO_PLAIN) + nucleus[index + 1 :], True
    chars = list(nucleus)
    chars[index] = _WITH_CIRCUMFLEX[char]
    if index > 0 and chars[index - 1] == "ư" and chars[index] == "ô":
        chars[index - 1] = "u"  # ươ → uô
    candidate = "".join(chars)
    return (candidate, False) if syllable.with_nucleus(candidate) else None


def _horn_pair(syllable: _Syllable, index: int) -> _Change | None:
    """uo → ươ → uơ (open syllables only, thuở) → uo."""
    nucleus = syllable.nucleus

    def with_pair(pair: str) -> str:
        return nucleus[:index] + pair + nucleus[index + 2 :]

    pair = nucleus[index : index + 2]
    if pair == "ươ" and syllable.with_nucleus(with_pair("uơ")):
        return with_pair("uơ"), False
    if pair == "ươ" or (pair == "uơ" and syllable.with_nucleus(nucleus)):
        return with_pair("uo"), True
    # uo, uô, ưo, or a uơ that is no syllable (nguơi): complete the horn.
    return (with_pair("ươ"), False) if syllable.with_nucleus(with_pair("ươ")) else None


def _hook_mark(syllable: _Syllable, table: dict[str, str], removed: str) -> _Change | None:
    """Remove an existing horn/breve, else put one on the last vowel where it makes a syllable."""
    nucleus = syllable.nucleus
    if any(char in removed for char in nucleus):
        return nucleus.translate(str.maketrans(removed, removed.translate(_TO_PLAIN))), True
    for index in reversed(range(len(nucleus))):
        new = table.get(nucleus[index])
        if new is None:
            continue
        candidate = nucleus[:index] + new + nucleus[index + 1 :]
        if syllable.with_nucleus(candidate):
            return candidate, False
    return None


def _horn_or_breve(syllable: _Syllable, table: dict[str, str], removed: str) -> _Change | None:
    pair = _uo_pair(syllable.nucleus) if "u" in table else None
    if pair is not None:
        return _horn_pair(syllable, pair)
    return _hook_mark(syllable, table, removed)


class TelexEngine:
    """Applies Telex keys and on-screen mark keys to (text, cursor) pairs; holds no typing state."""

    __slots__ = ("_style",)

    def __init__(self, style: ToneStyle = ToneStyle.TRADITIONAL) -> None:
        self._style = ToneStyle(style)

    @property
    def style(self) -> ToneStyle:
        return self._style

    def apply_key(self, text: str, cursor: int, key: str) -> tuple[str, int]:
        """Type one character at the cursor, applying Telex to the word that ends there.

        Returns the new NFC text and cursor. Raises ValueError if `key` is not one character
        (after NFC) or the cursor is outside the text.
        """
        key = _nfc(key)
        if len(key) != 1:
            raise ValueError(f"a key is one character, got {len(key)}")
        before, after = _split_at(text, cursor)
        end = len(before)
        start = _word_start(before, end)
        head, word = before[:start], before[start:]
        new_word = self._type_letter(word, key) if key.isalpha() else word + key
        return _assemble(head + new_word, after)

    def apply_mark(self, text: str, cursor: int, mark: Mark | str) -> tuple[str, int]:
        """Apply an on-screen mark key to the word at the cursor.

        Tone marks set the tone (again: no change), ``none`` removes it. Letter marks toggle:
        circumflex on the last a/e/o, breve on a, horn on u/o (uo → ươ → uơ → uo), stroke on a
        leading d. If the mark cannot apply, the text comes back unchanged (NFC).
        Raises ValueError for an unknown mark or a cursor outside the text.
        """
        mark = Mark(mark)
        before, after = _split_at(text, cursor)
        start = _word_start(before, len(before))
        end = 0
        while end < len(after) and _is_word_char(after[end]):
            end += 1
        left, right = before[start:], after[:end]
        new_word = self._mark_word(left + right, mark)
        if new_word is None or len(new_word) != len(left + right):
            return _assemble(before, after)
        return _assemble(before[:start] + new_word[: len(left)], new_word[len(left) :] + after[end:])

    def backspace(self, text: str, cursor: int) -> tuple[str, int]:
        """Delete the user-perceived character before the cursor (a whole letter with its marks)."""
        before, after = _split_at(text, cursor)
        index = len(before)
        while index > 0 and unicodedata.combining(before[index - 1]):
            index -= 1
        return _assemble(before[: max(index - 1, 0)], after)

    def _type_letter(self, word: str, key: str) -> str:
        split = _split_word(word)
        if split is None:
            return word + key
        syllable = _parse(split.letters.lower())
        lower = key.lower()
        result: str | None = None
        if syllable is not None:
            if lower in _TONE_BY_KEY:
                result = self._tone_key(split, syllable, _TONE_BY_KEY[lower], key)
            elif lower == "z":
                result = _place(split.letters, "", self._style) if split.tone and syllable.nucleus else None
            elif lower in "aeo":
                result = self._mark_key(split, syllable, _circumflex(syllable, lower), key)
            elif lower == "w":
                change = _horn_or_breve(syllable, _WITH_W, "ươă")
                result = self._mark_key(split, syllable, change, key)
            elif lower == "d":
                result = self._stroke(split, key)
        return result if result is not None else self._append(word, key)

    def _tone_key(self, word: _Word, syllable: _Syllable, tone: str, key: str) -> str | None:
        if not syllable.nucleus or not syllable.plausible():
            return None
        if word.tone == tone:
            return word.letters + key  # same tone again: undo and type the letter
        return _place(word.letters, tone, self._style)

    def _mark_key(self, word: _Word, syllable: _Syllable, change: _Change | None, key: str) -> str | None:
        if change is None:
            return None
        nucleus, removed = change
        letters = _replace_nucleus(word.letters, syllable, nucleus)
        if removed:
            return self._append(_compose(letters, word.tone, word.tone_at), key)
        return _place(letters, word.tone, self._style, word.tone_at)

    def _stroke(self, word: _Word, key: str) -> str | None:
        first = word.letters[:1]
        if first.lower() == "d":
            return _place(_same_case(first, "đ") + word.letters[1:], word.tone, self._style, word.tone_at)
        if first.lower() == "đ":
            undone = _same_case(first, "d") + word.letters[1:]
            return self._append(_compose(undone, word.tone, word.tone_at), key)
        return None

    def _append(self, word: str, key: str) -> str:
        """Add a letter literally, moving the tone if the longer word needs it elsewhere."""
        grown = word + key
        split = _split_word(grown)
        if split is None or not split.tone:
            return grown
        return _place(split.letters, split.tone, self._style, split.tone_at)

    def _mark_word(self, word: str, mark: Mark) -> str | None:
        split = _split_word(word)
        if split is None or not word:
            return None
        if mark is Mark.NONE:
            return split.letters
        syllable = _parse(split.letters.lower())
        if syllable is None:
            return None
        if mark in _TONE_BY_MARK:
            if not syllable.nucleus or not syllable.plausible():
                return None
            return _place(split.letters, _TONE_BY_MARK[mark], self._style)
        if mark is Mark.STROKE:
            first = split.letters[0]
            swapped = {"d": "đ", "đ": "d"}.get(first.lower())
            if swapped is None:
                return None
            return _compose(_same_case(first, swapped) + split.letters[1:], split.tone, split.tone_at)
        if not syllable.nucleus:
            return None
        if mark is Mark.CIRCUMFLEX:
            change = _circumflex(syllable, None)
        elif mark is Mark.BREVE:
            change = _hook_mark(syllable, _WITH_BREVE, "ă")
        else:
            change = _horn_or_breve(syllable, _WITH_HORN, "ươ")
        if change is None:
            return None
        letters = _replace_nucleus(split.letters, syllable, change[0])
        return _place(letters, split.tone, self._style, split.tone_at)


def _split_at(text: str, cursor: int) -> tuple[str, str]:
    """NFC text before and after the cursor; a cursor inside a combining sequence moves past it."""
    if not 0 <= cursor <= len(text):
        raise ValueError(f"cursor {cursor} outside text of length {len(text)}")
    while cursor < len(text) and unicodedata.combining(text[cursor]):
        cursor += 1
    return _nfc(text[:cursor]), _nfc(text[cursor:])


def _word_start(text: str, end: int) -> int:
    start = end
    while start > 0 and _is_word_char(text[start - 1]):
        start -= 1
    return start


def _assemble(before: str, after: str) -> tuple[str, int]:
    text = _nfc(before + after)
    return text, min(len(_nfc(before)), len(text))


def _words(text: str) -> list[tuple[bool, str]]:
    """Split text into runs of word characters (True) and other characters (False)."""
    runs: list[tuple[bool, str]] = []
    for char in text:
        is_word = _is_word_char(char)
        if runs and runs[-1][0] == is_word:
            runs[-1] = (is_word, runs[-1][1] + char)
        else:
            runs.append((is_word, char))
    return runs


def normalize_tone_placement(text: str, style: ToneStyle = ToneStyle.TRADITIONAL) -> str:
    """`text` (NFC) with the tone of every Vietnamese word moved to where `style` puts it."""
    out = []
    for is_word, run in _words(_nfc(text)):
        split = _split_word(run) if is_word else None
        out.append(_place(split.letters, split.tone, style, split.tone_at) if split else run)
    return _nfc("".join(out))


def type_keys(keys: str, style: ToneStyle = ToneStyle.TRADITIONAL) -> str:
    """The text produced by typing `keys` one by one into an empty field."""
    engine = TelexEngine(style)
    text, cursor = "", 0
    for key in _nfc(keys):
        text, cursor = engine.apply_key(text, cursor, key)
    return text


def _key_options(letter: str) -> list[str]:
    """Key sequences to try for one letter, the usual one first; doubling undoes an unwanted change."""
    lower = letter.lower()
    keys = _MARK_KEY.get(lower)
    options = [keys] if keys else [lower, lower * 2]
    if lower == "ơ":
        options.append("oww")  # uơ: past ươ (thuở)
    return [o.upper() if letter.isupper() else o for o in options]


def _spell_word(word: str, style: ToneStyle) -> str:
    split = _split_word(word)
    if split is None:
        raise ValueError(f"{word!r} carries more than one tone")
    engine = TelexEngine(style)
    typed, keys = "", []
    for index, letter in enumerate(split.letters):
        wanted = split.letters[: index + 1]
        for option in _key_options(letter):
            attempt = typed
            for key in option:
                attempt, _ = engine.apply_key(attempt, len(attempt), key)
            if attempt == wanted:
                typed = attempt
                keys.append(option)
                break
        else:
            raise ValueError(f"{word!r} cannot be typed in Telex")
    if split.tone:
        key = _KEY_BY_TONE[split.tone]
        key = key.upper() if split.letters[-1:].isupper() else key
        typed, _ = engine.apply_key(typed, len(typed), key)
        keys.append(key)
        if typed != normalize_tone_placement(word, style):
            raise ValueError(f"{word!r} cannot be typed in Telex")
    return "".join(keys)


def telex_spelling(word: str, style: ToneStyle = ToneStyle.TRADITIONAL) -> str:
    """Telex keys that type `word` (tone placed as `style` places it), e.g. Nguyễn → "Nguyeenx".

    Works on whole texts: characters outside words are typed as themselves.
    Raises ValueError for a word Telex cannot produce (such as one with two tones).
    """
    return "".join(_spell_word(run, style) if is_word else run for is_word, run in _words(_nfc(word)))
