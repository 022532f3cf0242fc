"""Hover bubbles inside running text (`cleaners.text.page_popups.without_popups`): a glossary's
or a footnote plugin's tooltip after the word it explains is no part of the sentence; the
word, Bootstrap's and Tippy's triggers, badges and boxes of their own stay."""

from __future__ import annotations

import pytest
import trafilatura

from cleaners.text.extract import extract_page
from cleaners.text.page_popups import without_popups
from cleaners.text.page_tree import shown_text

PARAGRAPHS = [
    "The council voted on Tuesday to extend the tram line to the airport by 2027, after two "
    "years of studies and a public consultation that drew more than 4,000 replies.",
    "Work starts in the spring, and the line is expected to carry 20,000 passengers a day once "
    "it opens, the transport authority said in a statement on Wednesday.",
    "Residents along the route have asked for noise barriers, and the council said it would "
    "publish the plans for each section before the end of the year.",
]


def _page(sentence: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return ("<!doctype html><html><head><title>Tram line</title></head><body>"
            '<nav><a href="/">Home</a> <a href="/news">News</a></nav><article>'
            f"<h1>Tram line extended</h1><p>{sentence}</p>{body}</article>"
            "<footer><p>© 2024 Example</p></footer></body></html>")


def _shown(markup: str) -> str:
    tree = without_popups(trafilatura.load_html(f"<html><body>{markup}</body></html>"))
    return " ".join(shown_text(tree.find("body")).split())


@pytest.mark.parametrize("markup", [
    # regenbogenportal.de (TYPO3's dp_glossary): the bubble after the linked term
    'einer <span class="glossary-link"><strong><a href="/glossar#c19">intergeschlechtlichen'
    '</a></strong><i class="fa fa-caret-up" aria-hidden="true"></i><span class="tooltip">'
    "Intergeschlechtliche Menschen haben angeborene Merkmale.</span></span> Person",
    # a CSS module's term and bubble (a 2025 marketing blog), the bubble's link inside it
    'einer <span class="Term_component__tB36_"><dfn class="Term_term__m2QVf">intergeschlechtlichen'
    '</dfn><span class="Term_tooltip__8VNIW"><span class="Term_tooltipBubble__muCRN"><strong>'
    "Intergeschlechtlich</strong><br>Menschen mit angeborenen Merkmalen.<br>"
    '<a href="/glossary/">Learn more</a></span></span></span> Person',
    # w3schools' pattern: the word in the box, the bubble inside it
    'einer <span class="tooltip">intergeschlechtlichen<span class="tooltiptext">Menschen mit '
    "angeborenen Merkmalen.</span></span> Person",
    # a footnote plugin's note (modern-footnotes), after its number, with a link in it
    'einer intergeschlechtlichen<sup><a href="#" role="button">1</a></sup><span role="tooltip" '
    'class="modern-footnotes-footnote__note">Menschen mit <a href="/r">angeborenen</a> '
    "Merkmalen.</span> Person",
    # a review: Glossary by Codeat (WordPress), the word and its bubble in one box
    'einer <span class="glossary-tooltip"><span class="glossary-link"><a href="/g/">'
    'intergeschlechtlichen</a></span><span class="hidden glossary-tooltip-content">Menschen '
    "mit angeborenen Merkmalen.</span></span> Person",
    # w3schools' pattern with markup on the word; a bubble with markup inside it
    'einer <span class="tooltip"><em>intergeschlechtlichen</em><span class="tooltiptext">'
    "Menschen mit angeborenen Merkmalen.</span></span> Person",
    'einer intergeschlechtlichen<span class="tooltip">Menschen mit <em>angeborenen</em> '
    "Merkmalen.</span> Person",
    # a bubble written as a block (Tippy's box), the popover attribute, a `tool-tip` class
    'einer intergeschlechtlichen<span><div class="tippy-box" role="tooltip">Menschen mit '
    "angeborenen Merkmalen.</div></span> Person",
    'einer <button popovertarget="p1">intergeschlechtlichen</button><span id="p1" popover>'
    "Menschen mit angeborenen Merkmalen.</span> Person",
    'einer intergeschlechtlichen<span class="tool-tip">Menschen mit angeborenen Merkmalen.'
    "</span> Person",
])
def test_a_bubble_after_its_word_is_taken_out_and_the_sentence_goes_on(markup: str) -> None:
    shown = _shown(f"<p>Der Tag ist der Geburtstag {markup} aus Frankreich.</p>")
    assert "Merkmale" not in shown, shown
    assert "intergeschlechtlichen" in shown and shown.endswith("Person aus Frankreich."), shown


@pytest.mark.parametrize("markup", [
    # Bootstrap and Kubernetes' docs: the trigger holds the word, the bubble is built by script
    '<a class="glossary-tooltip" title="A lightweight image." data-toggle="tooltip" '
    'href="/docs/containers/">containers</a>',
    '<span class="tooltip" data-tippy-content="A lightweight image.">containers</span>',
    '<abbr class="tooltip" title="Operating system">containers</abbr>',
    # a badge that shows a tooltip (Stripe's API reference): its class names its trigger
    'containers <span class="tooltip-trigger-isolate">Expandable</span>',
    # a review: triggers set up by Tooltipster, Bootstrap 5 and Microtip
    '<span class="tooltip tooltipstered">containers</span>',
    '<span class="tooltip" data-tooltip-content="#t1">containers</span>',
    '<span class="term-tooltip" data-bs-original-title="A lightweight image." '
    'aria-label="A lightweight image.">containers</span>',
    '<span role="tooltip" aria-label="A lightweight image.">containers</span>',
    # a footnote plugin's number inside its link
    'containers<a role="button"><sup class="footnote_plugin_tooltip_text">[1]</sup></a>',
])
def test_a_trigger_and_its_word_stay(markup: str) -> None:
    shown = _shown(f"<p>A pod holds one or more {markup} with shared storage.</p>")
    assert "containers" in shown and shown.endswith("with shared storage."), shown
    for kept in ("Expandable", "[1]"):
        assert kept not in markup or kept in shown, shown


@pytest.mark.parametrize("markup", [
    '<div class="tooltip">Tip: press Enter to send.</div><p>Body text.</p>',
    # a review: a bubble that opens its paragraph or its line, two of them, an icon before
    '<p><span class="tooltip">Tip: press Enter to send.</span> Body text.</p>',
    '<p><span class="tooltip">Tip: press Enter</span><span class="tooltip"> to send.</span> '
    "Body text.</p>",
    '<p>Body text.<br><span class="tooltip">Tip: press Enter to send.</span></p>',
    '<p><svg><title>Info</title></svg><span class="tooltip">Tip: press Enter to send.</span>'
    "</p>",
])
def test_a_bubble_that_opens_its_block_or_line_stays(markup: str) -> None:
    """A box of its own is no bubble inside a sentence."""
    assert "Tip: press Enter to send." in _shown(markup)


def test_the_job_reads_the_sentence_whole() -> None:
    result = extract_page(_page(
        'The line serves the <a href="/g/airport">airport</a><span class="tooltip">An airport '
        "is a place where planes land.</span> and the new stadium."))
    assert result is not None
    assert "The line serves the airport and the new stadium." in result.text, result.text
    assert "planes land" not in result.text


def test_none_stays_none_and_many_bubbles_are_taken_out() -> None:
    assert without_popups(None) is None
    words = "".join(f'word{i}<span class="tooltip">bubble {i}</span> ' for i in range(20_000))
    shown = _shown(f"<p>Start {words}end.</p>")
    assert "bubble" not in shown and shown.startswith("Start word0 word1") and "word19999" in shown


def test_nested_bubbles_are_read_once() -> None:
    """A review: 250 bubbles nested around 100,000 empty elements were read once each (their
    text searched: 12.8 s); the walk now counts text as it goes. The outermost goes whole."""
    inner = "<i></i>" * 100_000 + "deep"
    nested = '<span class="tooltip">' * 250 + inner + "</span>" * 250
    assert _shown(f"<p>Word{nested} after.</p>") == "Word after."


@pytest.mark.parametrize("markup", [
    # a third version: a page's own <body> of such a class went whole, and menus and dialogs
    # shown by the popover attribute changed what trafilatura kept
    '<p>Intro text.</p><ul class="nav-dropdown" popover><li>Forums</li><li>Staff</li></ul>',
    '<p>Intro text.<span class="menu" popover><ul><li>Forums</li><li>Staff</li></ul></span></p>',
    '<p>Intro text.<span class="tooltip">' + "A very long note. " * 60 + "</span></p>",
    # a theme's label that shows its tooltip: the label is the word
    '<p>Intro text. <span class="tool-tip__label">Final Sale</span></p>',
])
def test_a_part_of_the_page_is_no_bubble(markup: str) -> None:
    shown = _shown(markup)
    assert any(word in shown for word in ("Forums", "A very long note.", "Final Sale")), shown


def test_the_page_itself_is_no_bubble() -> None:
    tree = without_popups(trafilatura.load_html(
        '<html><head><title>Tooltips</title></head><body class="single has-tooltips">'
        "<p>Body text.</p></body></html>"))
    assert "Body text." in shown_text(tree.find("body"))


def test_text_after_a_line_break_comes_before_a_bubble() -> None:
    shown = _shown('<p>First line.<br>Second line<span class="tooltip">A note.</span> ends.</p>')
    assert shown == "First line. Second line ends."


@pytest.mark.parametrize("markup", [
    # a second review: text inside a wrapper whose class names tooltips came before every
    # bubble in it, whatever the block; a <br> inside a hidden bubble started a line; a
    # script's text came before a bubble
    '<div class="js-tooltips"><p>First para.</p><p><span class="tooltip">Hint</span> starts '
    "here.</p></div>",
    '<div class="has-tooltips"><p>Specs</p><table><tr><td><span class="tooltip">Hint</span>'
    "</td></tr></table></div>",
    '<p><script>var a = 1;</script><span class="tooltip">Hint</span> starts here.</p>',
])
def test_a_bubble_that_opens_its_block_stays_inside_a_wrapper(markup: str) -> None:
    assert "Hint" in _shown(markup)


def test_a_line_break_inside_a_bubble_starts_no_line() -> None:
    shown = _shown('<p>word <span class="tooltip">note<br>more</span><span class="tooltip">'
                   "second</span> end.</p>")
    assert shown == "word end.", shown


def test_many_sibling_bubbles_are_taken_out_at_once() -> None:
    """A second review: `drop_tree` glued each bubble's tail to the one before, quadratic in
    a paragraph of many bubbles (40,000: 1.4 s); a parent's bubbles go in one pass now."""
    words = "".join(f'w{i}<span class="tooltip">b{i}</span> ' for i in range(40_000))
    shown = _shown(f"<p>Start {words}end.</p>")
    assert "b1 " not in shown and shown.endswith("w39999 end.")
