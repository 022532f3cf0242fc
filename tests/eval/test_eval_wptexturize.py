"""Undoing texturized quotes, measured on WordPress core's wptexturize tests (GPL-2.0-or-later).

``../shared/eval/wordpress/wptexturize_cases.jsonl`` pairs a plain ``input`` with WordPress's
``expected_unicode`` output. For the 223 cases marked ``quote_only_change`` the only
differences are quotes, apostrophes and primes, so `untexturize` must give the input back.
WordPress's expected output also decodes a few HTML entities of the input (``&nbsp;``,
``&#38;``, ``&lt;``, ``&gt;``): those 14 cases are compared with the entity-decoded input.
"""

from __future__ import annotations

import html
import json
from functools import cache

from cleaners.text.typography import (
    _ATTR_VALUE_RE,
    _MARKUP_RE,
    normalize_typography,
    untexturize,
    untexturize_markup,
)
from tests.support.data import eval_path


@cache
def rows() -> list[dict]:
    path = eval_path("wordpress", "wptexturize_cases.jsonl")
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def usable() -> list[dict]:
    return [r for r in rows() if not r["uses_translation_markers"]]


def test_untexturize_inverts_every_quote_only_case() -> None:
    cases = [r for r in usable() if r["quote_only_change"]]
    assert len(cases) == 223
    exact = decoded = 0
    failures = []
    for case in cases:
        got = untexturize(case["expected_unicode"])
        if got == case["input"]:
            exact += 1
        elif got == html.unescape(case["input"]):
            decoded += 1  # WordPress's own output decoded an entity of the input
        else:
            failures.append((case["input"], case["expected_unicode"], got))
    print(f"wptexturize quote-only: {exact} exact, {decoded} equal to the entity-decoded input")
    assert not failures, failures
    assert exact == 209 and decoded == 14


def test_untexturize_markup_only_touches_markup() -> None:
    """On all 393 usable cases: prose keeps its texturized quotes; markup loses them."""
    changed = 0
    for case in usable():
        text = case["expected_unicode"]
        out, edits = untexturize_markup(text)
        # Outside markup nothing changes: same text once every span is blanked out.
        assert _MARKUP_RE.sub("<>", out) == _MARKUP_RE.sub("<>", text), case["input"]
        # Inside markup only quote characters change (these English cases add no spaces).
        assert untexturize(out) == untexturize(text), case["input"]
        # ... and no attribute value in markup is left between texturized quotes.
        for span in _MARKUP_RE.findall(out):
            for value in _ATTR_VALUE_RE.finditer(span):
                assert value["open"] in "'\"" and value["close"] in "'\"", span
        if out != text:
            changed += 1
            assert [e.kind for e in edits] == ["markup"]
        else:
            assert edits == []
    print(f"wptexturize: untexturize_markup changed {changed} case(s)")
    assert changed >= 1


def test_texturized_shortcode_from_wordpress_suite_is_restored() -> None:
    case = next(r for r in usable() if r["input"] == '[randomthing param="test"]')
    assert case["expected_unicode"] == "[randomthing param=”test”]"
    assert untexturize_markup(case["expected_unicode"])[0] == case["input"]


def test_typography_leaves_markup_alone_on_wordpress_cases() -> None:
    """normalize_typography never changes a markup span (that is untexturize_markup's job)."""
    for case in usable():
        text = case["expected_unicode"]
        out, _ = normalize_typography(text)
        assert _MARKUP_RE.findall(out) == _MARKUP_RE.findall(text), case["input"]
