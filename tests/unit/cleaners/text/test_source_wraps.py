"""A page source's line wrapping inside a paragraph (`BlockEdges.unwrapped`): trafilatura keeps
the source's line breaks in a paragraph that holds a ``<br>``, and each piece became a
paragraph of its own (zeit.de, whose paragraphs end with a ``<br>``: ``Seit`` / ``die
schwedische Klimaaktivistin …,`` / ``träumen …``)."""

from __future__ import annotations

import gzip

from cleaners.text.extract import extract_page
from cleaners.text.page_tree import block_edges
from flows.readers.base import decode
from tests.support.data import eval_path

INTRO = ("The council met on Tuesday to discuss the tram line, which has been debated for two "
         "years by residents of the northern districts and the city's transport authority.")
WRAPPED = ("Since\nthe first <a href='/a'>consultation</a> in 2022, residents have asked for\n"
           "more stations, and the council has now agreed to add six of them.<br>")
JOINED = ("Since the first consultation in 2022, residents have asked for more stations, and "
          "the council has now agreed to add six of them.")
OUTRO = ("Opponents said they would ask for a referendum on the project, which they consider "
         "too expensive for a city of this size, before the end of the year.")


def _page(body: str) -> str:
    return (f"<!doctype html><html><head><title>Trams</title></head><body><nav><a href='/'>Home"
            f"</a></nav><div class='post'><h1>Tram line extended</h1>{body}</div></body></html>")


def _lines(html: str) -> list[str]:
    found = extract_page(html)
    assert found is not None
    return found.text.split("\n\n")


def test_a_paragraph_wrapped_in_the_source_is_one_paragraph() -> None:
    lines = _lines(_page(f"<p>{INTRO}</p><p>{WRAPPED}</p><p>{OUTRO}</p>"))
    assert JOINED in lines
    assert "Since" not in lines


def test_line_breaks_a_page_shows_stay() -> None:
    # a <br>, a <pre> block, and a white-space: pre style show their breaks to a reader
    code = "for stop in stops\n    total += stop.length\nreturn total"
    poem = "The tram goes by\nand no one waits\nfor the last one<br>that leaves at ten"
    lines = _lines(_page(
        f"<p>{INTRO}</p><p>Since the first consultation<br>in 2022, residents asked for more "
        f"stations</p><pre>{code}</pre><p style='white-space: pre-line'>{poem}</p>"
        f"<p>{OUTRO}</p>"))
    assert "Since the first consultation" in lines
    assert "in 2022, residents asked for more stations" in lines
    assert "The tram goes by" in lines
    assert "stops total" not in "\n\n".join(lines)


def test_a_text_that_breaks_after_its_sentences_is_no_wrapped_paragraph() -> None:
    """A text version of an article (a hidden ``articleBody`` copy: a paragraph a line, its
    subheadings too) says nothing of how the article's own lines are wrapped: a subheading is
    not joined to the paragraph after it."""
    import trafilatura

    copy = ("How to retire early\n1. Define early retirement\nRetiring early is a goal.\n"
            "It takes time.\nMost people save for years.\nSome never stop working.")
    tree = trafilatura.load_html(f"<html><body><div itemprop='articleBody'>{copy}</div>"
                                 "<h2>How to retire early</h2><h3>1. Define early retirement"
                                 "</h3><p>Retiring early is a goal.</p></body></html>")
    text = "How to retire early\n1. Define early retirement\nRetiring early is a goal."
    assert block_edges(tree).unwrapped(text) == text


def test_a_news_pages_wrapped_paragraph_is_one_paragraph() -> None:
    html, _ = decode(gzip.decompress(
        eval_path("trafilatura", "pages", "zeit.de.zugverkehr.html.gz").read_bytes()))
    lines = _lines(html)
    assert any(line.startswith("Seit die schwedische Klimaaktivistin mit Zügen und Segelbooten "
                               "die Welt bereist, träumen viele Menschen") for line in lines)
    assert "Seit" not in lines
