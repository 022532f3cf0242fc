"""A page source's line wrapping inside a paragraph (`SourceWraps.unwrapped`): trafilatura keeps
the source's line breaks in a paragraph that holds a ``<br>``, and each piece became a
paragraph of its own (zeit.de, whose paragraphs end with a ``<br>``: ``Seit`` / ``die
schwedische Klimaaktivistin …,`` / ``träumen …``)."""

from __future__ import annotations

import gzip

from cleaners.text.extract import extract_page
from cleaners.text.page_wraps import source_wraps
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
    assert source_wraps(tree).unwrapped(text) == text


def test_a_news_pages_wrapped_paragraph_is_one_paragraph() -> None:
    html, _ = decode(gzip.decompress(
        eval_path("trafilatura", "pages", "zeit.de.zugverkehr.html.gz").read_bytes()))
    lines = _lines(html)
    assert any(line.startswith("Seit die schwedische Klimaaktivistin mit Zügen und Segelbooten "
                               "die Welt bereist, träumen viele Menschen")
               and line.endswith("Eine schöne Vision – aber nicht so weit von der Realität "
                                 "entfernt, wie man denken könnte.") for line in lines)
    assert "Seit" not in lines


def _wrapped_paragraph(body: str) -> str:
    """The one paragraph a page holding ``body`` (a ``<p>`` ending with a ``<br>``) comes to."""
    found = [line for line in _lines(_page(f"<p>{INTRO}</p><p>{body}<br></p><p>{OUTRO}</p>"))
             if line not in (INTRO, OUTRO, "Tram line extended")]
    assert len(found) == 1, found
    return found[0]


def test_breaks_after_marks_and_beside_inline_markup_are_wrapped_too() -> None:
    """A review's probes: a break after a sentence's end, a colon, a bracket or an
    abbreviation is a space to a browser too; so is one just before or after an inline
    element, or beside a one- or two-letter word."""
    assert _wrapped_paragraph(
        "Mayor Anna Berg (SPD)\nsaid the works start in May. The council agreed:\nthe budget, "
        "the stations and the timetable were approved by Dr.\nBerg and the council.") == (
        "Mayor Anna Berg (SPD) said the works start in May. The council agreed: the budget, the "
        "stations and the timetable were approved by Dr. Berg and the council.")
    assert _wrapped_paragraph(
        "The works were approved by the\n<b>council</b> on Monday, after residents asked\n"
        "<a href='/q'>to</a> see the plans, and the <a href='/c'>council</a> on\nMonday said "
        "yes.") == ("The works were approved by the council on Monday, after residents asked "
                    "to see the plans, and the council on Monday said yes.")


def test_a_hidden_copy_or_a_list_of_words_joins_no_heading_to_its_paragraph() -> None:
    """A review's probes: a hidden text copy of the article writes each heading and its
    paragraph a line; a tag list writes a word a line; the page's headings and paragraphs
    are separate blocks all the same."""
    copy = ("Works begin in spring\nThe first trams will run on the new line in 2026.\n"
            "Six new stations\nThe council agreed to add them after the consultation.")
    for block in (f"<div style='display:none'>{copy}</div>",
                  "<div class='tags'>Works begin in spring\nThe first\nSix new stations\nThe "
                  "council</div>"):
        lines = _lines(_page(
            f"{block}<p>{INTRO}</p><h2>Works begin in spring</h2><p>The first trams will run "
            "on the new line in 2026.</p><h2>Six new stations</h2><p>The council agreed to add "
            f"them after the consultation.</p><p>{OUTRO}</p>"))
        assert "Works begin in spring" in lines and "Six new stations" in lines


def test_each_texts_own_breaks_are_judged_hidden_or_shown() -> None:
    """A third review's probes: a screen-reader label first in a block cost the block's
    other breaks; a hidden span's breaks were recorded; a comment's tail was never read."""
    import lxml.html

    lines = _lines(_page(
        f"<p>{INTRO}</p><div><span class='sr-only'>Update:</span> Since the first consultation "
        "in 2022, residents have asked for\nmore stations, and the council has\nnow agreed to "
        "add six of them.</div>"))
    assert ("Update: Since the first consultation in 2022, residents have asked for more "
            "stations, and the council has now agreed to add six of them.") in lines
    hidden = lxml.html.fromstring(
        "<div><p>Read more <span style='display:none'>secret one\nsecret two</span></p></div>")
    assert source_wraps(hidden).wraps == frozenset()
    commented = lxml.html.fromstring("<p>alpha beta<!-- c -->\ngamma delta</p>")
    assert source_wraps(commented).wraps == {(("alpha", "beta"), ("gamma", "delta"))}
