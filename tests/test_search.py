"""Procedure search: what a resident typing a few words (with or without accents) finds first."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from kiosk.catalog import Catalog, load_catalog
from kiosk.catalog.search import SearchIndex, fold
from kiosk.files.paths import procedures_dir

MARRIAGE = "Đăng ký kết hôn"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(procedures_dir())


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
    path = Path(__file__).resolve().parent.parent / "bench" / "bench_search.py"
    spec = importlib.util.spec_from_file_location("bench_search_for_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    procedures = module.synthetic_catalog(2000)
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
