"""Tokenising, folding, lemmatising and stop words (cleaners.lang.tokens)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.lang.tokens import (
    content_tokens,
    fold,
    is_number,
    lemmatize,
    normalize_for_hash,
    stopwords,
    word_set,
    words,
)
from tests.support.data import ROOT


def test_words_split_on_punctuation_and_elision() -> None:
    assert words("L'homme d’État a dit: « non »!") == ["L", "homme", "d", "État", "a", "dit", "non"]


def test_thousands_separators_collapse_across_locales() -> None:
    en = words("It cost 3,000,000 dollars")
    fr = words("Cela a coûté 3\u202f000\u202f000 dollars")
    de = words("Es kostete 3.000.000 Dollar")
    assert "3000000" in en and "3000000" in fr and "3000000" in de


def test_decimals_and_dates_are_not_merged() -> None:
    assert words("2,5 % le 12.05.2020") == ["2", "5", "le", "12", "05", "2020"]


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="aZé_Ǆǅ²½Ⅻ٣0123456789 ,.'’-\u00a0\u202fжΩ\n", max_size=30))
def test_word_set_is_the_set_of_words(text: str) -> None:
    """Letters, digits of several kinds, '_' and the thousands separators, run together."""
    assert word_set(text) == set(words(text))


def test_word_set_splits_mixed_runs_as_words_does() -> None:
    text = "c3po a_b 2² m² x1 000 000y 3'000 and 12345,678"
    assert word_set(text) == set(words(text)) == {
        "c", "3", "po", "a", "b", "2", "²", "m²", "x", "1000000", "y", "3000", "and", "12345", "678"}


def test_fold_removes_case_and_diacritics() -> None:
    assert fold("Élection") == "election"
    assert fold("Straße") == "strasse"
    assert fold(fold("Ñandú")) == fold("Ñandú") == "nandu"


def test_is_number() -> None:
    assert is_number("2020") and not is_number("2020s") and not is_number("")


def test_lemmatize_real_languages() -> None:
    assert lemmatize(["élections", "présidentielles"], "fr") == ["élection", "présidentiel"]
    assert lemmatize(["Wahlen"], "de") == ["wahl"]
    assert lemmatize(["elecciones"], "es") == ["elección"]
    assert lemmatize(["elections", "2012"], "en") == ["election", "2012"]


def test_lemmatize_unsupported_language_lowercases() -> None:
    assert lemmatize(["Tokyo", "Abc"], "ja") == ["tokyo", "abc"]


def test_stopwords_lists() -> None:
    assert {"the", "and", "of"} <= stopwords("en")
    assert {"le", "et", "voilà", "voila"} <= stopwords("fr")
    assert stopwords("xx") == frozenset()


def test_content_tokens_keeps_numbers_and_drops_stopwords() -> None:
    toks = ["the", "president", "of", "france", "a", "2", "le"]
    assert content_tokens(toks, ("en", "fr")) == ["president", "france", "2"]


def test_normalize_for_hash() -> None:
    a = "  La  Chine\u00a0est PRÊTE\n"
    assert normalize_for_hash(a) == "la chine est prête"
    assert normalize_for_hash(normalize_for_hash(a)) == normalize_for_hash(a)
    assert normalize_for_hash("prête.") != normalize_for_hash("prête")


def test_american_spelling_table() -> None:
    from cleaners.lang.tokens import american_spelling

    toks = ["organisation", "labour", "centre", "analyse", "four", "president", "2012"]
    out = american_spelling(toks)
    assert out == ["organization", "labor", "center", "analyze", "four", "president", "2012"]
    assert american_spelling(out) == out


def test_common_english_is_ranked_content_words() -> None:
    from cleaners.lang.tokens import american_spelling, common_english

    top, more = common_english(300), common_english(1000)
    assert len(top) == 300 and len(more) == 1000 and top < more
    assert common_english(0) == frozenset()
    assert {"people", "government", "company"} <= top
    stop = stopwords("en")
    assert not (more & stop)
    assert not any(w.isdigit() or len(w) < 2 for w in more)
    # folded lemmas in American spelling, as the fingerprint sees them
    assert all(w == fold(w) for w in more)
    assert american_spelling(sorted(more)) == sorted(more)
    # names and rarer content words are not common
    assert not {"obama", "merkel", "nato", "parliament", "cancer"} & top


def test_shipped_common_list_is_what_the_build_script_writes() -> None:
    """The shipped ranked list is reproducible from wordfreq (build-time extra)."""
    import importlib.util

    import pytest

    pytest.importorskip("wordfreq", reason="wordfreq (the lexicon extra) is not installed")
    from cleaners.lang.tokens import _common_ranked

    path = ROOT / "scripts" / "build_lexicon.py"
    spec = importlib.util.spec_from_file_location("build_lexicon", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert list(_common_ranked()) == mod.common_english()
