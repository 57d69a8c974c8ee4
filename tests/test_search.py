"""Procedure search: what a resident typing a few words (with or without accents) finds first."""

from __future__ import annotations

import pytest

from kiosk.catalog import Catalog, Procedure, Text, load_catalog
from kiosk.catalog.search import SearchIndex, fold
from kiosk.files.paths import procedures_dir
from tests.synthetic_catalog import synthetic_catalog

MARRIAGE = "Đăng ký kết hôn"


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog(procedures_dir())


@pytest.fixture
def catalog(bundled: Catalog) -> Catalog:
    # A fresh catalog for each test, so that each builds its own search index.
    return Catalog(bundled.procedures)


def made_up(bundled: Catalog, *names: tuple[str, str, str], keywords: dict[str, list[str]] | None = None) -> Catalog:
    """A catalog of made-up procedures, each (code, Vietnamese name, English name), to rank against each other."""
    base = bundled.procedures[0]
    return Catalog([
        base.model_copy(update={"code": code, "name": Text(vi=vi, en=en),
                                "keywords": (keywords or {}).get(vi, []), "summary": Text(vi="…", en="…")})
        for code, vi, en in names
    ])


def names(found: list[Procedure]) -> list[str]:
    return [p.name.vi for p in found]


def first(catalog: Catalog, query: str) -> str:
    found = catalog.search(query)
    assert found, query
    return found[0].name.vi


@pytest.mark.parametrize("query", ["dang ky ket hon", "Đăng ký KẾT HÔN", "ket hon", "  KET   HON ", "kết hôn", "ket"])
def test_marriage_comes_first_whatever_the_accents_and_case(catalog: Catalog, query: str) -> None:
    assert first(catalog, query) == MARRIAGE


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("khai sinh", "Đăng ký khai sinh"),
        ("KHAI TU", "Đăng ký khai tử"),
        ("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân"),
        ("1.004873.000.00.00.H26", "Cấp Giấy xác nhận tình trạng hôn nhân"),
        ("chung thuc chu ky", "Chứng thực chữ ký"),
        ("ban sao tu ban chinh", "Chứng thực bản sao từ bản chính"),
        ("giam ho", "Đăng ký giám hộ"),
        ("marriage registration", MARRIAGE),
        ("dang ky lai ket hon", "Đăng ký lại kết hôn"),
    ],
)
def test_ranking_of_typical_queries(catalog: Catalog, query: str, expected: str) -> None:
    assert first(catalog, query) == expected


def test_a_phrase_in_the_name_ranks_above_scattered_words(catalog: Catalog) -> None:
    names = [p.name.vi for p in catalog.search("ket hon")]
    assert names.index(MARRIAGE) < names.index("Đăng ký lại kết hôn")
    assert names.index("Đăng ký lại kết hôn") < names.index("Cấp Giấy xác nhận tình trạng hôn nhân")


def test_every_procedure_is_found_by_its_own_name_and_code(catalog: Catalog) -> None:
    for proc in catalog.procedures:
        assert catalog.search(proc.name.vi)[0].code == proc.code
        assert catalog.search(fold(proc.name.vi).upper())[0].code == proc.code
        assert catalog.search(proc.code)[0].code == proc.code


@pytest.mark.parametrize("query", ["xyzzy", "<script>", "\u202eabc", "." * 300, "ket" * 500])
def test_queries_that_match_nothing_return_nothing_and_never_raise(catalog: Catalog, query: str) -> None:
    assert catalog.search(query) == []


@pytest.mark.parametrize("query", ["😀😀", "\x00\x07", "  ", "!?"])
def test_queries_without_letters_or_digits_list_everything(catalog: Catalog, query: str) -> None:
    assert len(catalog.search(query)) == len(catalog)


def test_empty_query_lists_the_catalog_in_order(catalog: Catalog) -> None:
    assert [p.code for p in catalog.search("   ")] == [p.code for p in catalog.procedures][:50]


def test_fold_removes_accents_case_and_punctuation() -> None:
    assert fold("Đăng ký KẾT HÔN!") == "dang ky ket hon"
    assert fold("  Chứng   thực,\tbản sao ") == "chung thuc ban sao"
    assert fold("1.004873") == "1.004873"


def test_limit_and_ranking_hold_on_the_synthetic_two_thousand() -> None:
    procedures = synthetic_catalog(2000)
    assert len({p.code for p in procedures}) == 2000
    index = SearchIndex(procedures)
    for query in ("dang ky ket hon", "Đăng ký KẾT HÔN", "ket hon"):
        found = index.search(query, limit=10)
        assert len(found) == 10
        assert procedures[found[0]].name.vi == MARRIAGE


@pytest.mark.parametrize(
    ("typed", "first_letters", "expected"),
    [("ket hon", 2, MARRIAGE), ("khai sinh", 6, "Đăng ký khai sinh"), ("marriage", 3, MARRIAGE),
     ("giam ho", 3, "Đăng ký giám hộ")],
)
def test_type_ahead_finds_the_procedure_while_the_word_is_half_typed(
    catalog: Catalog, typed: str, first_letters: int, expected: str
) -> None:
    # The list follows every key press: once the typed letters tell it apart, the procedure comes first.
    for end in range(first_letters, len(typed) + 1):
        assert first(catalog, typed[:end]) == expected, typed[:end]


def test_a_half_typed_word_lists_only_procedures_with_a_word_starting_so(catalog: Catalog) -> None:
    assert sorted(p.name.vi for p in catalog.search("giam")) == ["Đăng ký chấm dứt giám hộ", "Đăng ký giám hộ"]
    assert {p.name.vi for p in catalog.search("ban sao t")} == {
        "Cấp bản sao trích lục hộ tịch", "Chứng thực bản sao từ bản chính"}


def test_a_single_letter_lists_the_procedures_with_a_word_starting_so_first(catalog: Catalog) -> None:
    found = names(catalog.search("g"))
    assert set(found[:5]) == {"Đăng ký giám hộ", "Đăng ký chấm dứt giám hộ", "Chứng thực hợp đồng, giao dịch",
                              "Cấp Giấy xác nhận tình trạng hôn nhân",
                              "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch"}


def test_every_word_of_the_keywords_and_the_summary_finds_the_procedure(catalog: Catalog) -> None:
    for proc in catalog.procedures:
        words = fold(" ".join([*proc.keywords, proc.summary.vi, proc.summary.en])).split()
        for word in words:
            assert proc in catalog.search(word, limit=len(catalog)), (proc.code, word)


@pytest.mark.parametrize("typed", ["cưới", "cuoi", "lấy chồng", "lay vo"])
def test_a_word_found_only_in_the_keywords_finds_the_procedure(catalog: Catalog, typed: str) -> None:
    assert names(catalog.search(typed)) == [MARRIAGE]


def test_a_code_typed_from_its_middle_finds_only_that_procedure(catalog: Catalog) -> None:
    assert names(catalog.search("004873")) == ["Cấp Giấy xác nhận tình trạng hôn nhân"]
    assert names(catalog.search("000894")) == [MARRIAGE]


def test_without_a_limit_the_index_lists_fifty(bundled: Catalog) -> None:
    index = SearchIndex(synthetic_catalog(120))
    assert len(index.search("")) == 50
    assert len(index.search("dang ky")) == 50


def test_a_phrase_in_the_middle_of_a_name_beats_a_shorter_name_with_the_words_apart(bundled: Catalog) -> None:
    catalog = made_up(bundled, ("9.000001", "Bản trích sao", "Extract copy"),
                      ("9.000002", "Cấp bản sao trích lục hộ tịch", "Copy of an extract"))
    assert names(catalog.search("sao trich")) == ["Cấp bản sao trích lục hộ tịch", "Bản trích sao"]


def test_whole_words_rank_above_half_typed_ones_and_keywords_below_both(bundled: Catalog) -> None:
    catalog = made_up(bundled, ("9.000001", "Giấy nhàn", "Leisure paper"),
                      ("9.000002", "Giấy tờ nhà ở cũ", "Old house papers"),
                      ("9.000003", "Thủ tục khác", "Other"), keywords={"Thủ tục khác": ["giấy nhà"]})
    # The query's words in another order than the names: no phrase, only words.
    assert names(catalog.search("nhà giấy")) == ["Giấy tờ nhà ở cũ", "Giấy nhàn", "Thủ tục khác"]
    # Words typed half-way count for each of them.
    assert names(catalog.search("nh gi")) == ["Giấy nhàn", "Giấy tờ nhà ở cũ", "Thủ tục khác"]


def test_half_the_words_are_enough(bundled: Catalog) -> None:
    catalog = made_up(bundled, ("9.000001", "Giấy nhàn", "Leisure paper"), ("9.000002", "Thủ tục khác", "Other"))
    assert names(catalog.search("giấy nhàn xyz abc")) == ["Giấy nhàn"]
    assert names(catalog.search("giấy xyz abc")) == []


def test_a_code_beats_a_name_that_starts_with_the_same_digits(bundled: Catalog) -> None:
    catalog = made_up(bundled, ("2.000002", "01 bản sao", "Copy"), ("01.000001", "Tờ khai mẫu 01", "Declaration form"))
    assert names(catalog.search("01")) == ["Tờ khai mẫu 01", "01 bản sao"]


def test_the_name_typed_in_full_beats_names_starting_with_it_and_the_same_words_reordered(bundled: Catalog) -> None:
    catalog = made_up(bundled, ("9.000001", "Phép giấy", "Paper permit"), ("9.000002", "Giấy phép", "Permit"),
                      ("9.000003", "Giấy phép con", "Sub-permit"))
    assert names(catalog.search("giấy phép")) == ["Giấy phép", "Giấy phép con", "Phép giấy"]
