"""cleaners.text.regex_tree: the one reader of CPython's regex parse tree.

If a Python version changes ``re._parser``'s structure, these tests fail (at run time the
callers only fall back to their slower exact path, silently).
"""

from __future__ import annotations

import re

import pytest
from ftfy.badness import BADNESS_RE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from cleaners.text import regex_tree
from cleaners.text.promos.rules import PROMO_LANGS, START_LENGTH, _load_lang
from cleaners.text.regex_tree import alternatives, first_strings, folded_start


def test_the_parser_internals_are_there() -> None:
    assert regex_tree._p is not None and regex_tree._c is not None
    assert regex_tree._sre is not None and regex_tree._CASE_CLASSES  # re's case classes


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
    ("pattern", "flags", "length", "expected"),
    [
        ("read more", re.I, 3, {"rea"}),
        ("read more", re.I, 1, {"r"}),
        ("(?:lire|À lire) aussi", re.I, 3, {"lir", "à l"}),
        ("[A-C]x|d", 0, 2, {"ax", "bx", "cx", "d"}),  # "d": a whole match, shorter
        ("(?:mehr )?zum thema", re.I, 3, {"meh", "zum"}),
        ("^advertisement$", re.I, 3, {"adv"}),
        ("x*y", 0, 3, {"y", "xy", "xxy", "xxx"}),
        ("\\d+ min", 0, 3, {"0 m", "00 ", "000"}),  # any digit is 0, any white space a space
        ("by\\s+[XY]", re.I, 4, {"by x", "by y", "by  "}),
        ("[\\d\\s]z", 0, 2, {"0z", " z"}),
        ("(?=x)y|(?!a)b", 0, 2, {"y", "b"}),  # lookarounds take no character
        ("a?", 0, 2, {"", "a"}),  # the empty match: any text can start with it
        ("a{5}b", 0, 3, {"aaa"}),
    ],
)
def test_first_strings(pattern: str, flags: int, length: int, expected: set[str]) -> None:
    assert first_strings(pattern, flags, length) == frozenset(expected)


@pytest.mark.parametrize(
    "pattern", [".x", "\\w+", "[^a]b", "[\\x00-\\uffff]", "ab?.", "\\Sx", "[a-z]{4}"])
def test_first_strings_is_none_when_any_start_could_match(pattern: str) -> None:
    assert first_strings(pattern, 0, 4) is None  # the last: 26 ** 4 starts, too many


def test_folded_start() -> None:
    assert folded_start("Élu 2024\u00a0!", 6) == "élu 00"
    assert folded_start("ab", 5) == "ab"
    assert folded_start("Read\t2", 6) == "read 0"


@pytest.mark.parametrize(
    ("pattern", "text"),
    [("sign", "\u017fign"), ("SIGN", "\u017fIGN"), ("in", "\u0131n"), ("in", "\u0130n"),
     ("\u0131n", "In"), ("k", "\u212a"), ("\u03c3\u03b1\u03c2", "\u03a3\u0391\u03a3"),
     ("\u03c2\u03b1", "\u03c3\u03b1"), ("\u00b5s", "\u039cS"), ("\u1e61x", "\u1e9bx")],
)
def test_characters_ignorecase_matches_with_others_fold_alike(pattern: str, text: str) -> None:
    """ı and İ for i, ſ for s, the Kelvin sign for k, Greek and other letters with several
    lower cases: what ``re.IGNORECASE`` matches starts as `first_strings` says."""
    assert re.match(pattern, text, re.IGNORECASE)
    starts = first_strings(pattern, re.IGNORECASE, 3)
    assert starts is not None
    assert any(folded_start(text, 3).startswith(s) for s in starts), (starts, folded_start(text, 3))


def test_a_promo_rules_matches_start_as_first_strings_says() -> None:
    """Every match of every shipped promo rule (drawn from the rule itself, in any case the rule
    accepts, with any text after it) starts with one of its `first_strings`, once folded."""
    rules = [r for lang in PROMO_LANGS for r in _load_lang(lang)]
    starts = {r.pattern: first_strings(r.pattern.pattern, r.pattern.flags, START_LENGTH)
              for r in rules}
    assert sum(s is not None for s in starts.values()) > 0.9 * len(starts)

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        pattern = data.draw(st.sampled_from(sorted(
            (p for p, s in starts.items() if s is not None), key=lambda p: p.pattern)))
        try:
            text = (data.draw(st.from_regex(pattern, fullmatch=True))
                    + data.draw(st.text(max_size=5)))
        except Unsatisfiable:  # hypothesis cannot draw a match of two of the rules' lookaheads
            return
        if pattern.match(text):
            start = folded_start(text, START_LENGTH)
            assert any(start.startswith(s) for s in starts[pattern]), (pattern.pattern, text)

    check()


def test_without_the_case_tables_every_rule_is_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python whose case tables cannot be read: no screen (every rule tried), no error."""
    from cleaners.text.promos.rules import RuleSet, load_promo_rules, match

    monkeypatch.setattr(regex_tree, "_CASE_CLASSES", None)
    assert folded_start("À lire", 3) == ""
    assert first_strings("read more", re.I, 3) is None
    rules = RuleSet(tuple(load_promo_rules("fr")))
    for line in ("À lire aussi : Le président", "Publicité", "Le président a parlé."):
        assert match(line, rules) == match(line, rules, fast_reject=False)
