"""The record rules (cleaners/record.py) and the one language-tag parser (cleaners/lang/tags.py)."""

from __future__ import annotations

import pytest

from cleaners.lang.tags import primary_language
from cleaners.record import as_text, make_doc_id, text_problem


@pytest.mark.parametrize(("tag", "code"), [
    ("fr", "fr"), ("fr-FR", "fr"), ("fr_fr", "fr"), (" FR ", "fr"), ("pt_BR", "pt"),
    ("zh-Hant-TW", "zh"), ("fil", "fil"), ("en-US-x-twain", "en"), ("en_US.UTF-8", "en"),
    ("fr-", "fr"), ("de@euro", "de"),
    ("french", None), ("12", None), ("", None), ("f", None), ("x-klingon", None), ("1fr", None),
    (None, None), (42, None), (["fr"], None),
])
def test_primary_language(tag: object, code: str | None) -> None:
    assert primary_language(tag) == code


def test_promo_rules_and_vocabulary_agree_on_a_regional_tag() -> None:
    """pt_BR once selected the Portuguese promo rules but no Portuguese vocabulary."""
    from cleaners.text.promos import load_promo_rules

    assert load_promo_rules("pt_BR") == load_promo_rules("pt") == load_promo_rules("pt-PT")


@pytest.mark.parametrize(("text", "reason"), [
    (None, "missing text"), ("", "empty text"), (3, "text is a int"), ("  \n ", "blank text"),
    ("x" * 11, "text too large: 11 characters (limit 10"),
])
def test_text_problem_names_the_reason(text: object, reason: str) -> None:
    problem = text_problem(text, 10)
    assert problem is not None and problem.startswith(reason)


def test_text_problem_accepts_usable_text() -> None:
    assert text_problem("x" * 10, 10) is None


def test_doc_id_is_stable_and_depends_on_file_and_key() -> None:
    a = make_doc_id("abc", "k1")
    assert a == make_doc_id("abc", "k1") and len(a) == 32
    assert len({a, make_doc_id("abd", "k1"), make_doc_id("abc", "k2")}) == 3


def test_as_text() -> None:
    assert as_text(None) is None and as_text("t") == "t" and as_text(5) == "5"
