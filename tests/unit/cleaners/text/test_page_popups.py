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
    # a footnote plugin's note (modern-footnotes), after its number
    'einer intergeschlechtlichen<sup><a href="#" role="button">1</a></sup><span role="tooltip" '
    'class="modern-footnotes-footnote__note">Menschen mit angeborenen Merkmalen.</span> Person',
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
    # the box holds the word before its bubble: the word stays
    '<span class="tooltip">containers<span class="note">A lightweight image</span></span>',
])
def test_a_trigger_and_its_word_stay(markup: str) -> None:
    shown = _shown(f"<p>A pod holds one or more {markup} with shared storage.</p>")
    assert "containers" in shown and shown.endswith("with shared storage."), shown
    if "tooltip-trigger" in markup:
        assert "Expandable" in shown


def test_a_bubble_that_opens_its_block_stays() -> None:
    """A box of its own (a block that starts with it) is no bubble inside a sentence."""
    shown = _shown('<div class="tooltip">Tip: press Enter to send.</div><p>Body text.</p>')
    assert shown.startswith("Tip: press Enter to send."), shown


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
