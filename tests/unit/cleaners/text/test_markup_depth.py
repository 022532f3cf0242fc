"""cleaners.text.markup_depth: the nesting depth of HTML, counted in linear time before parsing.

The count must bound what lexbor builds (a pathological document must not slip through) and
stay far below the limit on real pages.
"""

from __future__ import annotations

import gzip

import pytest
from selectolax.lexbor import LexborHTMLParser

from cleaners.text.markup_depth import MAX_MARKUP_DEPTH, depth_problem, markup_depth
from tests.support.data import eval_path


def lexbor_depth(html: str) -> int:
    """The depth of lexbor's tree below ``<body>`` (what `markup_depth` estimates)."""
    body = LexborHTMLParser(html).body
    deepest, stack = 0, [(body, 0)] if body is not None else []
    while stack:
        node, depth = stack.pop()
        if node.tag and not node.tag.startswith(("-", "_")):
            deepest = max(deepest, depth)
        child = node.child
        while child is not None:
            stack.append((child, depth + 1))
            child = child.next
    return deepest


CASES = [
    ("no markup at all", 0),
    ("<p>a</p><p>b</p>", 1),
    ("<div>" * 5 + "x" + "</div>" * 5, 5),
    ("<p>a<p>b<p>c", 1),  # implied </p>
    ("<ul><li>a<li>b<ul><li>c</ul></ul>", 4),
    ("<table><tr><td>a<td>b<tr><td>c</table>", 4),  # table > tbody > tr > td
    ("<div/>" * 10, 10),  # HTML ignores the slash
    ("<svg><path/><path/><g><path/></g></svg>", 3),  # foreign content honours it
    ("<p>x<br>y<img src=a.png><hr></p>", 2),  # void elements hold nothing
    ("<script>" + "<div>" * 100 + "</script><p>x</p>", 1),  # raw text
    ("<!-- " + "<div>" * 50 + " -->", 0),
    ("<!-- unterminated " + "<div>" * 50, 0),
    ("<b>" * 30, 30),  # unclosed formatting elements do nest
    ("</span>" * 5 + "<div>x</div>", 1),  # end tags of nothing open
    ("<a>x<a>y<a>z", 3),  # lexbor: 1 (the adoption agency); counted deep, the safe side
    ("<DIV><Div class='a>b'>x</div></DIV>", 2),
    ("<html><head><title><b></title></head><body><p>x</body></html>", 1),
    ("<p><div>x</div></p>", 1),  # a block closes the paragraph
]


@pytest.mark.parametrize(("html", "depth"), CASES)
def test_depth(html: str, depth: int) -> None:
    assert markup_depth(html) == depth


@pytest.mark.parametrize(("html", "_depth"), CASES)
def test_depth_is_never_below_lexbors(html: str, _depth: int) -> None:
    assert markup_depth(html) >= lexbor_depth(html), lexbor_depth(html)


#: Repeated, each nests as deep as it is long in lexbor (some through its reconstruction of
#: formatting elements, or its adoption agency).
PATHOLOGICAL = ["<div>", "<span><b>", "<ul><li>", "<div/>", "<table><tr><td>", "<a><div>",
                "<button><i>", "<div><a>", "<ul><dt>", "<dt><h1>", "<option><font><nobr><button>",
                "<br><button><font>", "<h1><li><dl>", "<caption><h1><li>"]


@pytest.mark.parametrize("unit", PATHOLOGICAL)
def test_pathological_nesting_is_refused_with_a_reason(unit: str) -> None:
    html = unit * 3000
    assert markup_depth(html) >= lexbor_depth(html) >= 2500
    assert depth_problem(html) == (
        f"markup nested more than {MAX_MARKUP_DEPTH:,} levels deep: not parsed")


def test_limit_and_text_without_markup() -> None:
    assert depth_problem("<div>" * 10, limit=10) is None
    assert depth_problem("<div>" * 11, limit=10) is not None
    assert depth_problem("x" * 1_000_000) is None


def test_real_pages_are_far_below_the_limit() -> None:
    """The 500 real pages nest at most 83 levels by this count, never less than in lexbor's
    tree (at most 40 below ``<body>``)."""
    pages = sorted(eval_path("trafilatura", "pages").glob("*.html.gz"))
    assert len(pages) >= 500
    deepest = 0
    for page in pages:
        html = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
        depth = markup_depth(html)
        deepest = max(deepest, depth)
        assert depth >= lexbor_depth(html), page.name
        assert depth_problem(html) is None, page.name
    assert deepest <= MAX_MARKUP_DEPTH // 2
