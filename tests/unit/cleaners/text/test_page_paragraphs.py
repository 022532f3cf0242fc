"""The page's `shown_paragraphs`, read once by `extract_page` and handed to the three rules
that read them: each rule gives the same text with them as when it reads the page itself."""

from __future__ import annotations

import gzip

import pytest

from cleaners.text.extract import _with_stray_parts
from cleaners.text.page_lists import sandwiched_lists
from cleaners.text.page_notices import without_notices
from cleaners.text.page_sections import article_sections
from cleaners.text.page_tree import shown_paragraphs
from flows.readers.base import decode
from tests.support.data import eval_path

GUIDE_BEFORE = "Lots of companies make smartphones that run on the Android operating system."
GUIDE_AFTER = "For more details on how to use your smartphone, ask the store that sold it."
ITEMS = "".join(f"<li>{s}</li>" for s in (
    "Smartphones do not have a keypad with buttons that you press, they use a touchscreen.",
    "Most smartphones have a built-in camera app that takes photos and records videos."))


def _tree(html: str) -> object:
    import trafilatura

    return _with_stray_parts(trafilatura.load_html(html))


def _same_with_and_without(tree: object, text: str) -> None:
    paragraphs = shown_paragraphs(tree)
    assert sandwiched_lists(tree, text, paragraphs) == sandwiched_lists(tree, text)
    assert without_notices(tree, text, paragraphs) == without_notices(tree, text)
    assert article_sections(tree, text, paragraphs) == article_sections(tree, text)


def test_a_list_outside_the_body_is_not_put_back_with_the_pages_paragraphs() -> None:
    """lxml keeps a block written after ``</body>`` beside the body (gazetadopovo.com.br's
    account menu); the list rule reads the body's paragraphs only, whether it walks the body
    itself or is given the whole page's."""
    tree = _tree(f"<html><body><div><p>{GUIDE_BEFORE}</p></div></body>"
                 f"<div><ul>{ITEMS}</ul><p>{GUIDE_AFTER}</p></div></html>")
    body = tree.find("body")  # type: ignore[attr-defined]
    outside = [node for node, _ in shown_paragraphs(tree) if body not in node.iterancestors()]
    assert [node.tag for node in outside] == ["li", "li", "p"]  # the case is the one above
    text = f"{GUIDE_BEFORE}\n{GUIDE_AFTER}"
    assert sandwiched_lists(tree, text, shown_paragraphs(tree)) == text
    _same_with_and_without(tree, text)


@pytest.mark.parametrize("name", [
    "gazetadopovo.com.br-pacheco.html",  # paragraphs beside the body
    "reuters.com.parasite.html", "spreeblick.com.habeck.html", "oetker.de.bienenstich.html",
])
def test_the_rules_give_the_same_text_with_the_pages_paragraphs(name: str) -> None:
    import trafilatura

    html, _ = decode(gzip.decompress(eval_path("trafilatura", "pages", f"{name}.gz").read_bytes()))
    tree = _tree(html)
    text = trafilatura.extract(html, include_comments=False) or ""
    assert text
    _same_with_and_without(tree, text)


def test_text_key_drops_exactly_the_whitespace_a_regex_would() -> None:
    """`text_key` splits instead of substituting ``\\s+``: over every code point (and the
    NFKC forms that turn a character into spaces, ``\\u00a0``, ``\\u3000``), the same key."""
    import re
    import unicodedata

    from cleaners.text.page_tree import text_key

    every = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    for text in (every, "Key\u00a0figures\u3000of\u2028the\x1cyear \u0301", ""):
        assert text_key(text) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).casefold())
