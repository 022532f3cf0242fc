"""Headings' permalink marks (`cleaners.text.extract._without_heading_marks`): an icon, ``#``,
``¶`` or ``§`` link beside each heading is no part of the text, and does not make
trafilatura's precision pass drop the heading as a link farm."""

from __future__ import annotations

import gzip

import pytest

from cleaners.text.extract import _without_heading_marks, extract_page
from flows.readers.base import decode
from tests.support.data import eval_path

PARAGRAPHS = [
    "This year's survey of more than 5,000 professionals suggests that teams adopting new tools "
    "are looking more critically at how they can improve the developer experience.",
    "Nearly three-quarters of respondents whose organizations use AI said they wanted to "
    "consolidate their toolchain, compared to 57% of those who are not using it yet.",
    "Respondents also said that onboarding a new developer now takes them less time than it "
    "did two years ago, although most organizations still have concerns about security.",
    "The cloud has become table stakes: most of those asked now run the larger part of their "
    "applications there, and the share grows every year the survey has been run so far.",
]
HEADINGS = ["AI shines a light on cumbersome toolchains", "AI speeds up developer onboarding",
            "The cloud becomes table stakes"]
ICON = '<svg width="24" height="24" viewBox="0 0 16 16"><path d="M12 3.7 9 6"></path></svg>'


def _page(heading: str) -> str:
    sections = "".join(f"<h2 id=\"s{i}\">{heading.format(text=h, id=f's{i}')}</h2>"
                       f"<p>{p}</p>" for i, (h, p) in enumerate(zip(HEADINGS, PARAGRAPHS[1:],
                                                                    strict=True)))
    return ("<!doctype html><html><head><title>Survey</title></head><body>"
            '<nav><a href="/">Home</a> <a href="/blog">Blog</a></nav>'
            f'<h1>Survey results</h1><div class="post-content"><p>{PARAGRAPHS[0]}</p>{sections}'
            "</div><footer><p>© 2024 Example</p></footer></body></html>")


@pytest.mark.parametrize("heading", [
    '{text} <a class="header-anchor" href="#{id}">' + ICON + "</a>",  # markdown-it-anchor
    '<span><a href="#{id}" title="Copy link">' + ICON + "</a>{text}</span>",  # t3n.de
    '{text} <a href="#{id}"><svg><title>Link to this section</title><path d="M1 1"></path>'
    "</svg></a>",  # an icon with its title (a review)
    # kept without the rule too (a link first in its heading; a zero-width space is text to
    # trafilatura), and still kept:
    '<a class="anchor" aria-hidden="true" href="#{id}">' + ICON + "</a>{text}",  # GitHub
    '{text}<a class="hash-link" href="#{id}">\u200b</a>',  # Docusaurus
])
def test_a_heading_with_an_empty_permalink_keeps_its_place_in_the_text(heading: str) -> None:
    """trafilatura's precision pass drops a short element whose links hold no text at all as
    a link farm, and the default pass's headings are not prose: every subheading was lost."""
    found = extract_page(_page(heading))
    assert found is not None
    lines = found.text.split("\n\n")
    for title, paragraph in zip(HEADINGS, PARAGRAPHS[1:], strict=True):
        assert lines.index(title) + 1 == lines.index(paragraph)


@pytest.mark.parametrize("mark", ["¶", "#", "§", "🔗"])
def test_a_permalink_mark_does_not_end_the_headings_line(mark: str) -> None:
    found = extract_page(_page('{text}<a class="headerlink" href="#{id}" '
                               f'title="Permalink to this heading">{mark}</a>'))
    assert found is not None
    for title in HEADINGS:
        assert title in found.text.split("\n\n")
    assert mark not in found.text


def test_links_with_words_digits_or_symbols_to_other_pages_and_the_marks_tail_stay() -> None:
    import trafilatura

    tree = _without_heading_marks(trafilatura.load_html(
        '<html><body><h2><a href="#a">¶</a> Results <a href="/2024">2024</a>'
        '<a href="#b"><img src="i.png" alt=""></a>, in full</h2>'
        '<h3>Rated <a href="/reviews">★★★★☆</a> in <a>€</a></h3>'
        '<p><a href="#c">¶</a> A paragraph keeps its links.</p></body></html>'))
    assert tree.xpath("string(//h2)") == " Results 2024, in full"  # type: ignore[union-attr]
    assert tree.xpath("string(//h3)") == "Rated ★★★★☆ in €"  # type: ignore[union-attr]
    assert len(tree.xpath("//a")) == 4  # type: ignore[union-attr]
    assert _without_heading_marks(None) is None


def test_an_unclosed_headings_article_keeps_its_marks() -> None:
    """A review's probe: an ``<h2>`` closed by ``</h3>`` holds the rest of the page, whose
    footnote marks are the article's, not the heading's."""
    import trafilatura

    tree = _without_heading_marks(trafilatura.load_html(
        f'<html><body><h2>Overview</h3><div class="post"><p>{PARAGRAPHS[0]}'
        '<a href="#fn1">*</a></p><p>Notes <a href="#back">↩</a></p></div></body></html>'))
    assert [link.text for link in tree.iter("a")] == ["*", "↩"]  # type: ignore[union-attr]


def test_a_news_pages_subheadings_with_a_copy_link_icon_are_kept() -> None:
    """t3n.de prints a link-copying icon before each subheading of its articles (the page of
    the shared annotated set): the three were lost."""
    html, _ = decode(gzip.decompress(
        eval_path("trafilatura", "pages", "t3n.de-Laufzeit.html.gz").read_bytes()))
    found = extract_page(html)
    assert found is not None
    lines = found.text.split("\n\n")
    for heading in ("Eigener iPhone-Akku: Apple entwickelt mit Partnern auf Materialebene",
                    "Apple arbeitet seit Jahren an eigener Akkutechnik"):
        assert heading in lines
