"""Telex typing: what a resident sees in the field after each key or mark press."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.input.telex import Mark, TelexEngine, ToneStyle, normalize_tone_placement, telex_spelling, type_keys

TRAD = ToneStyle.TRADITIONAL
MODERN = ToneStyle.MODERN
WORDS_FILE = Path(__file__).parent / "data" / "vietnamese_words.txt"
WORDS = [
    line.strip()
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# (keys, style, expected text)
EXAMPLES = [
    # Names on civil-status papers
    ("Nguyeenx", TRAD, "Nguyễn"),
    ("Traafn", TRAD, "Trần"),
    ("Phamj", TRAD, "Phạm"),
    ("Hoangf", TRAD, "Hoàng"),
    ("Huyfnh", TRAD, "Huỳnh"),
    ("Vox", TRAD, "Võ"),
    ("DDawngj", TRAD, "Đặng"),
    ("Bufi", TRAD, "Bùi"),
    ("DDoox", TRAD, "Đỗ"),
    ("Hoof", TRAD, "Hồ"),
    ("Ngoo", TRAD, "Ngô"),
    ("Duwowng", TRAD, "Dương"),
    ("Lys", TRAD, "Lý"),
    ("Thuyr", TRAD, "Thủy"),
    ("Thuyr", MODERN, "Thuỷ"),
    ("Hoaf", TRAD, "Hòa"),
    ("Hoaf", MODERN, "Hoà"),
    ("Khuee", TRAD, "Khuê"),
    ("Quyfnh", TRAD, "Quỳnh"),
    ("Giang", TRAD, "Giang"),
    ("Thuyeenf", TRAD, "Thuyền"),
    ("Nghieeng", TRAD, "Nghiêng"),
    ("Khuyeens", TRAD, "Khuyến"),
    ("Ngoawnf", TRAD, "Ngoằn"),
    ("Truwowngf", TRAD, "Trường"),
    ("Xuaan", TRAD, "Xuân"),
    ("Huwowngr", TRAD, "Hưởng"),
    ("Uwowcs", TRAD, "Ước"),
    ("Uyeen", TRAD, "Uyên"),
    # Tone placement rules
    ("khoer", TRAD, "khỏe"),
    ("khoer", MODERN, "khoẻ"),
    ("hoangf", MODERN, "hoàng"),
    ("thuyeenf", MODERN, "thuyền"),
    ("khoawns", TRAD, "khoắn"),
    ("khoawns", MODERN, "khoắn"),
    ("nguwowif", TRAD, "người"),
    ("dduwowcj", TRAD, "được"),
    ("quys", TRAD, "quý"),
    ("quys", MODERN, "quý"),
    ("quar", TRAD, "quả"),
    ("giuwx", TRAD, "giữ"),
    ("giaays", TRAD, "giấy"),
    ("gif", TRAD, "gì"),
    ("muwa", TRAD, "mưa"),
    ("cuwus", TRAD, "cứu"),
    ("ruwowuj", TRAD, "rượu"),
    ("ngoaif", TRAD, "ngoài"),
    ("khuyur", TRAD, "khuỷu"),
    ("muaf", MODERN, "mùa"),
    # The tone moves when the word grows, and may be typed before the marks
    ("hoasn", TRAD, "hoán"),
    ("hofa", TRAD, "hòa"),
    ("hofa", MODERN, "hoà"),  # the tone typed first moves to the style's place as the word grows
    ("thury", MODERN, "thuỷ"),
    ("muosno", TRAD, "muốn"),
    ("vietej", TRAD, "việt"),
    ("nguoiwf", TRAD, "người"),
    ("tana", TRAD, "tân"),
    ("uow", TRAD, "ươ"),
    ("dduwowngf", TRAD, "đường"),
    ("thuowwr", TRAD, "thuở"),
    ("xooong", TRAD, "xoong"),
    ("muwownso", TRAD, "muốn"),  # o after ươ: uô (the horn was a slip)
    ("uwowo", TRAD, "uô"),
    # Upper case is kept
    ("DD", TRAD, "Đ"),
    ("Dd", TRAD, "Đ"),
    ("Aa", TRAD, "Â"),
    ("aA", TRAD, "â"),
    ("NGUYEENX", TRAD, "NGUYỄN"),
    ("HOAF", TRAD, "HÒA"),
    ("HOAF", MODERN, "HOÀ"),
    ("DDUWOWNGF", TRAD, "ĐƯỜNG"),
    # Undo: the same key again removes the change and types the letter
    ("ass", TRAD, "as"),
    ("asss", TRAD, "ass"),
    ("aaa", TRAD, "aa"),
    ("hoofo", TRAD, "hòo"),  # the circumflex off, the tone kept
    ("baaoia", TRAD, "baoia"),  # no syllable, but the circumflex comes off where it was
    ("aww", TRAD, "aw"),
    ("ddd", TRAD, "dd"),
    ("ddc", TRAD, "đc"),  # "đc", short for địa chỉ
    ("dcd", TRAD, "dcd"),  # but "dc" is no syllable: a later d is a letter
    ("duoaid", TRAD, "duoaid"),  # nor are four vowels
    ("DDD", TRAD, "DD"),
    ("uoww", TRAD, "uơ"),
    ("uowww", TRAD, "uow"),
    ("nguwowiw", TRAD, "nguoiw"),  # ươi has no uơi: the second w takes the horn off
    ("duwowngw", TRAD, "duongw"),  # nor has ương
    ("hoafz", TRAD, "hoa"),
    ("hoafs", TRAD, "hóa"),
    ("hoz", TRAD, "hoz"),
    # Words that cannot be Vietnamese stay as typed
    ("wifi", TRAD, "wifi"),
    ("sss", TRAD, "sss"),
    ("www", TRAD, "www"),
    ("tuyw", TRAD, "tuyw"),  # uy takes no horn
    ("chaow", TRAD, "chaow"),  # ao takes neither a breve nor a horn
    ("nguoaw", TRAD, "nguoaw"),  # nor uoa
    ("Leas", TRAD, "Leas"),  # ea is no Vietnamese vowel group: the tone key is a letter
    ("ruins", TRAD, "ruins"),  # ui takes no final consonant: no tone either
    ("hoee", TRAD, "hoee"),  # oê is no vowel group: the second e stays a letter
    ("xin chaof", TRAD, "xin chào"),
    ("mua giaays", TRAD, "mua giấy"),  # the word after a space, from its first letter (gi, not i)
    ("12 Hangf Baif, Hoaf Binhf", TRAD, "12 Hàng Bài, Hòa Bình"),
]


@pytest.mark.parametrize(("keys", "style", "expected"), EXAMPLES)
def test_typing_keys_gives_the_expected_text(keys: str, style: ToneStyle, expected: str) -> None:
    assert type_keys(keys, style) == expected


def test_engine_defaults_to_the_traditional_style() -> None:
    engine = TelexEngine()
    assert engine.style is TRAD
    assert engine.apply_key("hoa", 3, "f") == ("hòa", 3)


def test_typing_in_the_middle_of_the_text_only_changes_the_word_before_the_cursor() -> None:
    engine = TelexEngine()
    assert engine.apply_key("xin chao ban", 8, "f") == ("xin chào ban", 8)
    assert engine.apply_key("ab", 1, "x") == ("ãb", 1)
    assert engine.apply_key("ab", 1, "1") == ("a1b", 2)


def test_nfd_input_is_normalised_and_the_cursor_follows() -> None:
    engine = TelexEngine()
    text = nfd("Việt Nam")
    assert engine.apply_key(text, len(nfd("Việt")), "s") == ("Viết Nam", 4)
    assert engine.apply_key(text, len(nfd("Việt")), "j") == ("Viêtj Nam", 5)
    assert engine.apply_key(nfd("Nguy"), 4, nfd("ễ")) == ("Nguyễ", 5)
    assert engine.apply_key(nfd("hoa"), 3, "s") == ("hóa", 3)


def test_backspace_removes_a_whole_accented_letter() -> None:
    engine = TelexEngine()
    assert engine.backspace(nfd("Vít"), 2) == ("Vt", 1)  # a cursor between a letter and its mark is after both
    assert engine.backspace("Nguyễn", 6) == ("Nguyễ", 5)
    assert engine.backspace("Nguyễ", 5) == ("Nguy", 4)
    assert engine.backspace(nfd("Nguyễ"), len(nfd("Nguyễ"))) == ("Nguy", 4)
    assert engine.backspace("ab\u0301c", 3) == ("ac", 1)
    assert engine.backspace("đi", 1) == ("i", 0)
    assert engine.backspace("", 0) == ("", 0)


@pytest.mark.parametrize(
    ("text", "cursor", "mark", "style", "expected"),
    [
        ("hoa", 3, Mark.GRAVE, TRAD, ("hòa", 3)),
        ("hoa", 3, Mark.GRAVE, MODERN, ("hoà", 3)),
        ("thuy", 4, "hook", TRAD, ("thủy", 4)),
        ("thuy", 4, "hook", MODERN, ("thuỷ", 4)),
        ("khoe", 4, Mark.HOOK, MODERN, ("khoẻ", 4)),
        ("hoa binh", 1, Mark.ACUTE, TRAD, ("hóa binh", 1)),  # the word around the cursor
        ("hóa", 3, Mark.ACUTE, TRAD, ("hóa", 3)),  # setting the same tone again changes nothing
        ("hóa", 3, Mark.DOT, TRAD, ("họa", 3)),
        ("hóa", 3, Mark.NONE, TRAD, ("hoa", 3)),
        ("tuyen", 5, Mark.CIRCUMFLEX, TRAD, ("tuyên", 5)),
        ("tuyên", 5, Mark.CIRCUMFLEX, TRAD, ("tuyen", 5)),
        ("can", 3, Mark.CIRCUMFLEX, TRAD, ("cân", 3)),
        ("khoan", 5, Mark.BREVE, TRAD, ("khoăn", 5)),
        ("duong", 5, Mark.HORN, TRAD, ("dương", 5)),
        ("mua", 3, Mark.HORN, TRAD, ("mưa", 3)),
        ("thươ", 4, Mark.HORN, TRAD, ("thuơ", 4)),
        ("duong", 5, Mark.STROKE, TRAD, ("đuong", 5)),
        ("Đi", 2, Mark.STROKE, TRAD, ("Di", 2)),
        ("nguoi", 5, Mark.HORN, TRAD, ("ngươi", 5)),
        ("nguời", 5, Mark.HORN, TRAD, ("người", 5)),
        ("mướn", 4, Mark.CIRCUMFLEX, TRAD, ("muốn", 4)),  # ươ → uô
        ("xyz", 3, Mark.ACUTE, TRAD, ("xyz", 3)),  # not applicable: unchanged
        ("hoa", 3, Mark.STROKE, TRAD, ("hoa", 3)),
        ("bi", 2, Mark.HORN, TRAD, ("bi", 2)),
        ("bi ", 3, Mark.ACUTE, TRAD, ("bi ", 3)),
        ("", 0, Mark.ACUTE, TRAD, ("", 0)),
        (nfd("Nguyễn"), 2, Mark.NONE, TRAD, ("Nguyên", 2)),
        ("hoa binh", 2, Mark.GRAVE, TRAD, ("hòa binh", 2)),
        ("hoa binh", 3, Mark.GRAVE, TRAD, ("hòa binh", 3)),  # the cursor right after the word: not the next one
        ("Léa", 3, Mark.GRAVE, TRAD, ("Léa", 3)),  # no Vietnamese syllable: unchanged, its accent kept
        ("đường", 5, Mark.STROKE, TRAD, ("dường", 5)),  # the stroke taken off, lower case, the tone kept
        ("ăn", 2, Mark.BREVE, TRAD, ("an", 2)),  # the breve key again takes the breve off
        ("mưa", 3, Mark.HORN, TRAD, ("mua", 3)),  # the horn key again takes the horn off
        ("hoằ", 3, Mark.BREVE, TRAD, ("hòa", 3)),  # typed "hoawf": without the breve, the style's tone place
        ("hoằ", 3, Mark.BREVE, MODERN, ("hoà", 3)),
        ("bệi", 3, Mark.CIRCUMFLEX, TRAD, ("bẹi", 3)),  # no syllable: the tone stays on its letter
    ],
)
def test_mark_keys_put_the_mark_where_vietnamese_spelling_wants_it(
    text: str, cursor: int, mark: Mark | str, style: ToneStyle, expected: tuple[str, int]
) -> None:
    assert TelexEngine(style).apply_mark(text, cursor, mark) == expected


def test_invalid_arguments_are_refused() -> None:
    engine = TelexEngine()
    with pytest.raises(ValueError, match=r"^cursor 4 outside text of length 3$"):
        engine.apply_key("abc", 4, "a")
    with pytest.raises(ValueError, match=r"^a key is one character, got 2$"):
        engine.apply_key("abc", 3, "ab")
    with pytest.raises(ValueError):
        engine.apply_key("abc", 3, "")
    with pytest.raises(ValueError):
        engine.apply_mark("abc", 3, "umlaut")
    with pytest.raises(ValueError):
        engine.backspace("abc", -1)


def test_spelling_examples() -> None:
    assert telex_spelling("Nguyễn") == "Nguyeenx"
    assert telex_spelling("đường") == "dduwowngf"
    assert telex_spelling("Hòa Bình, 12") == "Hoaf Binhf, 12"
    assert telex_spelling("Hòa ΅") == "Hoaf ΅"  # outside words, even an accent of its own is typed as itself
    with pytest.raises(ValueError):
        telex_spelling("áá")


def test_the_tone_key_is_spelled_in_the_case_of_the_last_letter() -> None:
    assert telex_spelling("ĐỖ") == "DDOOX"
    assert telex_spelling("Ý") == "YS"
    assert telex_spelling("nguyễN") == "nguyeeNX"  # shift pressed for the last letter only


def test_a_word_telex_cannot_type_is_refused_with_the_word_and_the_reason() -> None:
    with pytest.raises(ValueError, match=r"^'áá' carries more than one tone$"):
        telex_spelling("áá")
    with pytest.raises(ValueError, match=r"^'âa' cannot be typed in Telex$"):
        telex_spelling("âa")  # a third "a" after "aa" is no â followed by a
    with pytest.raises(ValueError, match=r"^'Léa' cannot be typed in Telex$"):
        telex_spelling("Léa")  # "ea" is no Vietnamese vowel group: the tone key stays a letter


def test_normalize_tone_placement_moves_only_the_style_dependent_tones() -> None:
    assert normalize_tone_placement("Hoà Thuỷ khoẻ người", TRAD) == "Hòa Thủy khỏe người"
    assert normalize_tone_placement("Hòa Thủy khỏe hoàng", MODERN) == "Hoà Thuỷ khoẻ hoàng"
    assert normalize_tone_placement("Léa Hòa", MODERN) == "Léa Hoà"  # no syllable: its accent stays


def test_word_list_is_large_nfc_and_covers_every_vowel_and_tone() -> None:
    assert len(set(WORDS)) >= 400
    assert all(unicodedata.is_normalized("NFC", word) for word in WORDS)
    letters = set(nfd("".join(WORDS).lower()))
    assert set("aeiouyđ\u0302\u0306\u031b\u0301\u0300\u0309\u0303\u0323") <= letters
    composed = set("".join(WORDS).lower())
    assert set("aăâeêioôơuưyđ") <= composed


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(WORDS))
def test_every_word_round_trips_through_its_telex_spelling(word: str) -> None:
    assert type_keys(telex_spelling(word)) == word
    modern = normalize_tone_placement(word, MODERN)
    assert type_keys(telex_spelling(modern, MODERN), MODERN) == modern


# Open syllables with oa/oe/uy (the style decides) and closed ones (always the second vowel).
OPEN = [("h", "oa"), ("Th", "uy"), ("kh", "oe"), ("x", "oe"), ("t", "oa"), ("l", "uy"), ("", "oa")]
CLOSED = [("h", "oa", "ng"), ("t", "oa", "n"), ("h", "uy", "nh"), ("t", "uy", "t"), ("kh", "oe", "t")]
TONE_KEYS = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}


def _with_tone(vowel: str, key: str) -> str:
    return unicodedata.normalize("NFC", vowel + TONE_KEYS[key])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(OPEN), st.sampled_from(sorted(TONE_KEYS)))
def test_open_syllable_tone_follows_the_style(syllable: tuple[str, str], key: str) -> None:
    initial, vowels = syllable
    first, second = vowels[0], vowels[1]
    keys = initial + first + second + key
    assert type_keys(keys, TRAD) == initial + _with_tone(first, key) + second
    assert type_keys(keys, MODERN) == initial + first + _with_tone(second, key)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CLOSED), st.sampled_from(sorted(TONE_KEYS)), st.booleans())
def test_closed_syllable_tone_is_on_the_second_vowel_in_both_styles(
    syllable: tuple[str, str, str], key: str, tone_first: bool
) -> None:
    initial, vowels, final = syllable
    first, second = vowels[0], vowels[1]
    # The tone key may come before or after the final consonant.
    keys = initial + first + second + (key + final if tone_first else final + key)
    expected = initial + first + _with_tone(second, key) + final
    assert type_keys(keys, TRAD) == expected
    assert type_keys(keys, MODERN) == expected


KEYS = st.sampled_from(
    [*"aeouiydwsfrxjzAEODWSFqgnhtc ,1", "ư", "ơ", "đ", "Đ", "ấ", "e\u0302", "\u0301", "\u0323", "ß"]
)
OPERATIONS = st.one_of(
    st.tuples(st.just("key"), KEYS),
    st.tuples(st.just("mark"), st.sampled_from([m.value for m in Mark])),
    st.tuples(st.just("backspace"), st.just("")),
    st.tuples(st.just("move"), st.integers(min_value=0, max_value=40).map(str)),
)
START_TEXT = st.text(alphabet="aoeuđươ Ngyễ\u0301\u0302\u0323\u031b", max_size=12)


@settings(max_examples=300, deadline=None)
@given(START_TEXT, st.sampled_from(list(ToneStyle)), st.lists(OPERATIONS, max_size=30))
def test_any_sequence_of_presses_gives_nfc_text_and_a_valid_cursor(
    start: str, style: ToneStyle, operations: list[tuple[str, str]]
) -> None:
    engine = TelexEngine(style)
    text, cursor = start, len(start)
    for kind, value in operations:
        if kind == "key":
            text, cursor = engine.apply_key(text, cursor, value)
        elif kind == "mark":
            text, cursor = engine.apply_mark(text, cursor, value)
        elif kind == "backspace":
            text, cursor = engine.backspace(text, cursor)
        else:
            cursor = min(int(value), len(text))
            continue
        assert unicodedata.is_normalized("NFC", text)
        assert 0 <= cursor <= len(text)


@pytest.mark.parametrize(
    ("text", "key", "style", "expected"),
    [
        ("do", "d", TRAD, "đo"),  # the stroke goes on the first letter, after the vowels
        ("đo", "d", TRAD, "dod"),  # again: undone, and the letter typed
        ("dó", "d", TRAD, "đó"),
        ("đó", "d", TRAD, "dód"),  # undone: the tone stays
        ("doà", "d", MODERN, "đoà"),  # the style's tone place is kept
        ("dếa", "d", TRAD, "đếa"),  # no syllable: the tone stays on its letter
    ],
)
def test_the_d_key_strokes_or_unstrokes_the_first_letter_and_keeps_the_tone(
    text: str, key: str, style: ToneStyle, expected: str
) -> None:
    assert TelexEngine(style).apply_key(text, len(text), key) == (expected, len(expected))


def test_every_listed_word_round_trips_through_its_telex_spelling_in_both_styles() -> None:
    for word in WORDS:
        assert type_keys(telex_spelling(word)) == word, word
        modern = normalize_tone_placement(word, MODERN)
        assert type_keys(telex_spelling(modern, MODERN), MODERN) == modern, word
