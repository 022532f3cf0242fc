"""Primes after a digit: a closing quote wptexturize made a prime (``“Top 10″``) is a quote;
a measure (``5′ 10″ tall``, a ``12″ pizza``) stays a prime.

The real inputs are WordPress core's wptexturize test cases
(../shared/eval/wordpress/wptexturize_cases.jsonl): every prime of WordPress's expected output
is a measure and must stay; and the quotations closed after a digit in those outputs, as older
wptexturize versions wrote them (with a prime: the bug this rule repairs), must come out as
WordPress's current output does.
"""

from __future__ import annotations

import json
import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.edits import Edit
from cleaners.text.clean import clean_text
from cleaners.text.typography import (
    DEFAULT_POLICY,
    TypographyPolicy,
    normalize_typography,
    quote_primes,
)
from tests.support.data import eval_path

CURLY = TypographyPolicy(apostrophe="curly", double_quotes="curly")
POLICIES = [DEFAULT_POLICY, CURLY]


@cache
def wordpress_cases() -> list[dict]:
    path = eval_path("wordpress", "wptexturize_cases.jsonl")
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r for r in rows if not r["uses_translation_markers"]]


@pytest.mark.parametrize(
    ("text", "straight", "curly"),
    [
        ("“Top 10″ tips", '"Top 10" tips', "“Top 10” tips"),
        ('"Top 10″ tips', '"Top 10" tips', "“Top 10” tips"),
        ("He named it “Top 10″.", 'He named it "Top 10".', "He named it “Top 10”."),
        ("“Top 10″ and “Top 20″", '"Top 10" and "Top 20"', "“Top 10” and “Top 20”"),
        ("‘Top 5′ list", "'Top 5' list", "‘Top 5’ list"),
        ("She sang ‘Class of ’99′.", "She sang 'Class of '99'.", "She sang ‘Class of ’99’."),
        # a paragraph ends the quotation: the 12″ of the next one is a measure
        ("“Top 10″\n\nA 12″ pizza.", '"Top 10"\n\nA 12″ pizza.', "“Top 10”\n\nA 12″ pizza."),
    ],
)
def test_a_prime_closing_a_quotation_is_a_quote(text: str, straight: str, curly: str) -> None:
    assert normalize_typography(text)[0] == straight
    assert normalize_typography(text, CURLY)[0] == curly


@pytest.mark.parametrize(
    "text",
    [
        "He is 5′ 10″ tall.",
        "A 12″ pizza for two.",
        "45° 30′ 15″ north",
        "“He is 5′ 10″ tall,” she said.",  # the quotation is closed by a real quote
        "“A 12″ pizza,” he said.",
        "‘An average height is between 5′ and 6′ in study group 7’. A 6′ chart.",
        "According to our source, ’33 students scored less than 50′ on the test.",  # ’33: elision
        "“a 9′ plus a ‘9’, maybe a 9′ ‘9’”",
    ],
)
def test_measures_keep_their_primes(text: str) -> None:
    primes = [(i, c) for i, c in enumerate(text) if c in "′″"]
    for policy in POLICIES:
        out = normalize_typography(text, policy)[0]
        assert [(i, c) for i, c in enumerate(out) if c in "′″"] == primes
        assert quote_primes(text, policy)[0] == text


def test_only_the_prime_that_closes_changes() -> None:
    text = "“Top 10″ and a 12″ pizza; he is 5′ 10″."
    out, edits = normalize_typography(text)
    assert out == '"Top 10" and a 12″ pizza; he is 5′ 10″.'
    assert edits == [
        Edit("typography", 'primes closing a quotation ″→" x1'),
        Edit("typography", 'double quotes “→" x1'),
    ]
    assert quote_primes(text, CURLY)[0] == "“Top 10” and a 12″ pizza; he is 5′ 10″."


def test_the_closing_prime_is_the_one_before_punctuation() -> None:
    # an older wptexturize wrote every closing quote after a digit as a prime
    text = "Doctor: ‘An average height is between 5′ and 6′ in group 7′. A 6′ chart."
    out = normalize_typography(text)[0]
    assert out == "Doctor: 'An average height is between 5′ and 6′ in group 7'. A 6′ chart."


def test_clean_text_repairs_a_title_like_line() -> None:
    out = clean_text("Our “Top 10″ tips for a 12″ pizza").text
    assert out == 'Our "Top 10" tips for a 12″ pizza'


# --------------------------------------------------------------------------- WordPress's cases


def test_wordpress_measures_keep_their_primes() -> None:
    """Every prime in WordPress's expected wptexturize output is a measure: all are kept."""
    with_primes = [r["expected_unicode"] for r in wordpress_cases()
                   if "′" in r["expected_unicode"] or "″" in r["expected_unicode"]]
    assert len(with_primes) == 18
    for text in with_primes:
        for policy in POLICIES:
            out = normalize_typography(text, policy)[0]
            assert (out.count("′"), out.count("″")) == (text.count("′"), text.count("″")), text


# A quotation closed right after a digit, opened by an opening quote not before a digit.
_CLOSED_AFTER_DIGIT = re.compile(r"“(?!\d)[^“”\n]*?\d”(?!\w)|‘(?!\d)[^‘“”\n]*?\d’(?!\w)")


def _as_old_wptexturize(text: str) -> str:
    """WordPress's expected output with the closing quote after a digit written as a prime."""
    return _CLOSED_AFTER_DIGIT.sub(
        lambda m: m.group()[:-1] + ("″" if m.group()[-1] == "”" else "′"), text
    )


def test_quotations_closed_by_a_prime_read_as_wordpress_now_writes_them() -> None:
    cases = [r["expected_unicode"] for r in wordpress_cases()
             if _CLOSED_AFTER_DIGIT.search(r["expected_unicode"])]
    assert len(cases) == 25  # "like 23", "Class of '99", "The Expendables 3", the doctor's 7'
    for expected in cases:
        old = _as_old_wptexturize(expected)
        assert old != expected
        for policy in POLICIES:
            want = normalize_typography(expected, policy)[0]
            assert normalize_typography(old, policy)[0] == want, old


# --------------------------------------------------------------------------- properties

# Quotes, primes, digits, letters, spaces, punctuation, paragraph breaks.
_ALPHABET = "a5 '’‘\"“”′″°.,\n("


@pytest.mark.parametrize("policy", POLICIES, ids=["straight", "curly"])
@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=_ALPHABET, max_size=40))
def test_prime_rule_is_idempotent(policy: TypographyPolicy, text: str) -> None:
    once, _ = normalize_typography(text, policy)
    twice, edits = normalize_typography(once, policy)
    assert twice == once and edits == []


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=_ALPHABET, max_size=40))
def test_quote_primes_only_turns_primes_after_digits_into_quotes(text: str) -> None:
    out, counts = quote_primes(text)
    assert len(out) == len(text)
    changed = [(a, b, i) for i, (a, b) in enumerate(zip(text, out, strict=True)) if a != b]
    assert sum(counts.values()) == len(changed)
    for before, after, i in changed:
        assert (before, after) in (("″", '"'), ("′", "'")) and text[i - 1].isdecimal()
