"""WordPress core's own shortcode tests (../shared/eval/wordpress/shortcode_cases.jsonl).

``strip_shortcodes`` cases are checked against WordPress's expected output with
`wordpress_strip_policy`, i.e. the tags registered in WordPress's test class plus the
core media shortcodes (WordPress strips only registered tags). ``do_shortcode`` outputs
depend on the test class's callbacks, so for those inputs we check what does not: which
tag the parser recognises (hyphen cases) and how escapes and HTML are treated.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cleaners.text.shortcodes import find_shortcodes, strip_shortcodes, wordpress_strip_policy
from tests.support.data import ROOT

CASES = (
    ROOT.parent / "shared" / "eval" / "wordpress" / "shortcode_cases.jsonl"
)

#: Tests_Shortcode::$shortcodes (shortcode.php) plus the shortcodes WordPress core registers.
REGISTERED = [
    "test-shortcode-tag", "footag", "bartag", "baztag", "dumptag", "hyphen", "hyphen-foo",
    "hyphen-foo-bar", "url", "img",
    "gallery", "caption", "wp_caption", "embed", "audio", "video", "playlist",
]  # fmt: skip
WP = wordpress_strip_policy(REGISTERED)


def _cases() -> list[dict[str, Any]]:
    if not CASES.exists():
        return []
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line]


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [f"{c['group']}:{c['input'][:40]}" for c in cases]


ALL = _cases()
STRIP = [c for c in ALL if c["function"] == "strip_shortcodes"]
HYPHEN = [c for c in ALL if c["group"] == "test_tag_hyphen"]
ESCAPING = [c for c in ALL if c["group"] == "data_escaping"]
STRIP_EXPECTED = {c["input"]: c["expected"] for c in ALL if c["group"] == "data_escaping2"}

pytestmark = pytest.mark.skipif(
    not CASES.exists(),
    reason=f"WordPress evaluation cases not found at {CASES} (no ../shared/eval)",
)


def test_case_file_has_the_documented_groups() -> None:
    assert len(ALL) == 39
    assert len(STRIP) + len(STRIP_EXPECTED) >= 15 and HYPHEN and ESCAPING


@pytest.mark.parametrize("case", STRIP, ids=_ids(STRIP))
def test_strip_shortcodes_cases(case: dict[str, Any]) -> None:
    policy = WP
    if case["group"] == "test_strip_shortcodes_filter":
        # the test's 'strip_shortcodes_tagnames' filter restricts stripping to gallery
        policy = wordpress_strip_policy(["gallery"])
    assert strip_shortcodes(case["input"], policy)[0] == case["expected"]


@pytest.mark.parametrize("case", HYPHEN, ids=_ids(HYPHEN))
def test_hyphenated_tag_names(case: dict[str, Any]) -> None:
    text = case["input"]
    found = find_shortcodes(text, WP)
    registered = case["expected"] != text  # do_shortcode changed it: a registered tag
    if registered:
        # the whole hyphenated name is the tag, never its registered prefix
        assert [s.name for s in found] == [text.strip("[]")]
        assert case["expected"] == "shortcode_" + text.strip("[]").replace("-", "_")
        assert strip_shortcodes(text, WP)[0] == ""
    else:
        assert found == []
        assert strip_shortcodes(text, WP)[0] == text


@pytest.mark.parametrize("case", ESCAPING, ids=_ids(ESCAPING))
def test_escaping_inputs(case: dict[str, Any]) -> None:
    text = case["input"]
    out = strip_shortcodes(text, WP)[0]
    if text in STRIP_EXPECTED:
        # WordPress's strip_shortcodes expectation for the same input
        assert out == STRIP_EXPECTED[text]
    elif re.search(r"<[^<>]*\[", text):
        # shortcodes inside HTML tags are never stripped (strip_shortcodes ignores HTML)
        assert out == text
    else:
        # a bare registered shortcode, whose do_shortcode output is the callback's
        assert case["expected"] != text and out == ""


def test_escaped_tags_print_literally() -> None:
    # Tests_Shortcode::test_tag_escaped, with strip semantics
    assert (
        strip_shortcodes('[[footag]] [[bartag foo="bar"]]', WP)[0] == '[footag] [bartag foo="bar"]'
    )
    assert strip_shortcodes('[[footag /]] [[bartag foo="bar" /]]', WP)[0] == (
        '[footag /] [bartag foo="bar" /]'
    )
    assert strip_shortcodes('[[baztag foo="bar"]the content[/baztag]]', WP)[0] == (
        '[baztag foo="bar"]the content[/baztag]'
    )
    assert strip_shortcodes('[[[footag]]] [[[bartag foo="bar"]]]', WP)[0] == (
        '[[footag]] [[bartag foo="bar"]]'
    )
    # test_tag_not_escaped: brackets on either end that are not an escape
    assert strip_shortcodes('[[footag] [bartag foo="bar"]]', WP)[0] == "[ ]"
    assert strip_shortcodes("[[not-a-tag]]", WP)[0] == "[[not-a-tag]]"
