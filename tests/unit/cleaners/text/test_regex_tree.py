"""cleaners.text.regex_tree: the one reader of CPython's regex parse tree.

If a Python version changes ``re._parser``'s structure, these tests fail (at run time the
callers only fall back to their slower exact path, silently).
"""

from __future__ import annotations

import re

import pytest
from ftfy.badness import BADNESS_RE

from cleaners.text import regex_tree
from cleaners.text.regex_tree import alternatives, first_chars


def test_the_parser_internals_are_there() -> None:
    assert regex_tree._p is not None and regex_tree._c is not None


def test_ftfys_detector_splits_into_exact_alternatives() -> None:
    alts = alternatives(BADNESS_RE)
    assert len(alts) > 30
    assert all(alt.source for alt in alts)
    assert sum(bool(alt.required) for alt in alts) > 30
    for alt in alts:
        assert all(chars and min(chars) >= "\x80" for chars in alt.required)
        re.compile(alt.source)
    # together the branches are the detector
    combined = re.compile("|".join(f"(?:{alt.source})" for alt in alts))
    samples = ["CafÃ© crÃ¨me", "Ã\xa0 la", "plain text", "â€œquotedâ€\x9d", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚"]
    for text in samples:
        assert bool(combined.search(text)) == bool(BADNESS_RE.search(text)), text


def test_alternatives_required_and_source() -> None:
    (a, b, c) = alternatives(re.compile("é[a-z]x|[àâ]b?|[^ab]ü\\s"))
    assert a.required == (frozenset("é"),)
    assert a.source == "é[a-z]x"
    assert b.required == (frozenset("àâ"),) and b.source == "[àâ](?:b)?"
    assert c.required == (frozenset("ü"),) and c.source == "[^ab]ü[\\s]"


@pytest.mark.parametrize("pattern", ["abc", "(a)|b", "a+|b", "(?=a)b|c"])
def test_alternatives_refuses_what_it_cannot_write_back(pattern: str) -> None:
    with pytest.raises(ValueError):
        alternatives(re.compile(pattern))


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        ("read more", re.I, {"r"}),
        ("(?:lire|à lire) aussi", re.I, {"l", "à"}),
        ("[A-C]x|d", 0, {"a", "b", "c", "d"}),
        ("(?:mehr )?zum thema", re.I, {"m", "z"}),
        ("^advertisement$", re.I, {"a"}),
        ("x*y", 0, {"x", "y"}),
    ],
)
def test_first_chars(pattern: str, flags: int, expected: set[str]) -> None:
    assert first_chars(pattern, flags) == frozenset(expected)


@pytest.mark.parametrize("pattern", [".x", "\\w+", "[^a]b", "a?", "(?:x|)", "[\\x00-\\uffff]"])
def test_first_chars_is_none_when_any_character_could_start(pattern: str) -> None:
    assert first_chars(pattern) is None
