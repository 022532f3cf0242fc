"""`cleaners.text.page_parse.load_page` gives the tree ``trafilatura.load_html`` gives, with its
element classes chosen in C (lxml.html's form classes left out)."""

from __future__ import annotations

import pytest
import trafilatura
from lxml import etree
from lxml.html import FormElement, HtmlElement

from benchmarks.main_text import EVAL, pages
from cleaners.text.page_parse import load_page


def _serialized(tree: object) -> str | None:
    return None if tree is None else etree.tostring(tree.getroottree(), encoding="unicode")


@pytest.mark.skipif(not (EVAL / "pages").is_dir(),
                    reason=f"trafilatura's evaluation pages not found under {EVAL} (no ../shared/eval)")
def test_real_pages_parse_into_trafilaturas_tree() -> None:
    found = list(pages())
    assert len(found) > 450, f"only {len(found)} evaluation pages found"
    differ = [page.file for page in found
              if _serialized(load_page(page.html)) != _serialized(trafilatura.load_html(page.html))]
    assert differ == []


@pytest.mark.parametrize("html", [
    "",
    "plain text, no markup",
    "<p>one paragraph, no document</p>",
    "<?xml version='1.0' encoding='utf-8'?><html><body><p>declared encoding</p></body></html>",
    "<html><body><p>a lone surrogate \ud800 and controls \x01\x0b</p></body></html>",
    "<!DOCTYPE html>\n<html lang='en'/>\n<body><p>a self-closed root, repaired</p></body>",
    "<!DOCTYPE html><html><body><?php echo 1; ?><p>a processing instruction</p></body></html>",
    "<?xml version='1.0' encoding='utf-8'?>\n<html><body><p>\ud800 a lone surrogate, as bytes</p></body></html>",
    "<html><body><p>a comment <!-- hidden --> left out, &amp; an entity</p></body></html>",
    "<html><body>" + "<div>" * 300 + "deep</body></html>",
    "</html><p>after the end</p>",
])
def test_odd_input_parses_as_trafilatura_parses_it(html: str) -> None:
    assert _serialized(load_page(html)) == _serialized(trafilatura.load_html(html))


def test_every_element_is_an_html_element_and_trafilatura_reads_the_tree() -> None:
    html = ("<html><head><title>T</title></head><body><article>"
            + "<p>The council voted on Tuesday to rebuild the old bridge over the river.</p>" * 5
            + "<form><label>Name</label><input name='q'></form></article></body></html>")
    tree = load_page(html)
    assert all(type(element) is HtmlElement for element in tree.iter())
    # lxml.html's own parse makes a form a FormElement: the class lookup is not its Python one
    assert isinstance(trafilatura.load_html(html).find(".//form"), FormElement)
    ours = trafilatura.bare_extraction(tree, favor_precision=True)
    theirs = trafilatura.bare_extraction(trafilatura.load_html(html), favor_precision=True)
    assert ours.text == theirs.text
    assert "rebuild the old bridge" in ours.text
