"""Loose text between an article container's blocks (`cleaners.text.page_loose_text`): a run
of text a container shows outside any block is read as a paragraph of its own."""

from __future__ import annotations

import gzip

import lxml.html
import pytest
import trafilatura

from cleaners.text.extract import _as_shown, extract_page
from cleaners.text.page_loose_text import with_loose_text_wrapped
from cleaners.text.page_passes import reads_as_prose
from cleaners.text.page_tree import BLOCK_TAGS, shown_paragraphs, text_key
from flows.readers.base import decode
from tests.support.data import eval_path

PARAGRAPHS = [
    "The move appears to be the result of an unspecified medical condition for which the "
    "founder took a leave from his post in January, the company said on Wednesday.",
    "In a letter addressed to the board, he said he had always said that if there ever came a "
    "day when he could no longer meet his duties, he would be the first to let them know.",
    "The company said the board accepted his resignation on Wednesday and named its chief "
    "operating officer as the new chief executive, effective immediately.",
    "Analysts said the change had been expected for months, and that the shares, which fell "
    "in after-hours trading, would recover once investors had digested the news.",
]
LEAD = ("SAN FRANCISCO (AP) — The founder of the world's most valuable technology company "
        "resigned as its chief executive on Wednesday, saying he can no longer handle the job")


def _page(article: str) -> str:
    return ("<!doctype html><html><head><title>Founder resigns</title></head><body>"
            '<nav><a href="/">Home</a> <a href="/tech">Tech</a> <a href="/world">World</a></nav>'
            f'<h1>Founder resigns as chief executive</h1><div class="bd">{article}</div>'
            '<footer><p>© 2011 Example News. All rights reserved.</p></footer></body></html>')


def test_a_lead_written_after_a_related_box_is_kept_first() -> None:
    # Yahoo News's markup: the parser closes the <p> at the box's <div>, so the lead is the
    # text the story's container holds after the box, outside any paragraph, which neither
    # of trafilatura's passes reads (a container named `story` the default pass does read)
    box = ('<div class="col" style="float:left"><div class="mod art-related">'
           '<div class="hd"><h3>Related Content</h3></div><ul>'
           '<li><a href="/a">A chronology of his career</a><p><em>AP - 57 mins ago</em></p></li>'
           '<li><a href="/b">Who is the new chief?</a><p><em>AP - 39 mins ago</em></p></li>'
           '</ul></div></div>')
    article = f"<p>{box}{LEAD}.</p>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = extract_page(_page(article))
    assert page is not None
    assert page.text.split("\n\n")[0] == f"{LEAD}."
    assert text_key("".join(PARAGRAPHS)) in text_key(page.text)
    assert "chronology" not in page.text


LOOSE = "The council approved the budget for next year on Monday, after a long debate."


def test_prose_runs_are_wrapped_in_place_and_the_text_is_unchanged() -> None:
    tree = lxml.html.fromstring(
        f"<div><p>One.</p><div>box</div>{LOOSE[:30]}<b>{LOOSE[30:50]}</b>{LOOSE[50:]}"
        "<br>A second line of the same run.<p>Two.</p>Filed at 18:36 / sk</div>")
    before = "".join(tree.itertext())
    with_loose_text_wrapped(tree)
    assert "".join(tree.itertext()) == before
    assert [lxml.html.tostring(p, encoding="unicode", with_tail=False) for p in tree.iter("p")] == [
        "<p>One.</p>",
        f"<p>{LOOSE[:30]}<b>{LOOSE[30:50]}</b>{LOOSE[50:]}<br>A second line of the same run.</p>",
        "<p>Two.</p>"]  # the dateline after the last paragraph is not prose: left as it was


@pytest.mark.parametrize("markup", [
    # one paragraph: not an article container (a menu, a footer's link list)
    f"<div><p>Only one.</p><div>box</div>{LOOSE}</div>",
    # runs that do not read as prose: separators, a script, a dateline, a byline
    f"<div><p>One.</p><div>box</div> | <p>Two.</p><script>var a = '{LOOSE}';</script></div>",
    # runs that read as prose only with what the page does not show: a script, a hidden span
    f"<div><p>One.</p><p>Two.</p><script>{LOOSE}</script><span hidden>{LOOSE}</span></div>",
    f"<div><p>One.</p><p>Two.</p><span class='sr-only'>{LOOSE}</span></div>",
    "<div><p>One.</p>Erstellt am: 30.01.2022 18:36 / sk<p>Two.</p></div>",
    "<div>By JANE DOE, Associated Press Writer<br>Tue Jun 4, 2024 5:10 PM ET<p>One.</p><p>Two.</p></div>",
    # inline elements or unknown tags holding blocks end a run as blocks do: nothing is nested
    f"<div><p>One.</p><p>Two.</p><story-section><p>{LOOSE}</p><p>{LOOSE}</p></story-section></div>",
    f"<div><p>One.</p><p>Two.</p><span class='body'><p>{LOOSE}</p><p>{LOOSE}</p></span></div>",
    f"<div><p>One.</p><p>Two.</p><a href='/x'><div><h3>Related: Mayor resigns</h3><p>{LOOSE}</p>"
    "</div></a></div>",
    f"<div><p>One.</p><p>Two.</p><a href='/x'><span><div><h3>Related: Mayor resigns</h3>"
    f"<p>{LOOSE}</p></div></span></a></div>",
])
def test_containers_and_runs_left_alone(markup: str) -> None:
    tree = lxml.html.fromstring(markup)
    before = lxml.html.tostring(tree)
    assert lxml.html.tostring(with_loose_text_wrapped(tree)) == before


def test_a_line_break_in_a_run_separates_its_words() -> None:
    # eight words across a <br> (seven if the break glued "on" and "Monday"): prose
    tree = lxml.html.fromstring(
        "<div><p>One.</p><p>Two.</p>The council met on<br>Monday, to vote again.</div>")
    with_loose_text_wrapped(tree)
    assert [p.text for p in tree.iter("p")] == ["One.", "Two.", "The council met on"]


def test_a_run_between_blocks_holding_elements_is_wrapped_alone() -> None:
    tree = lxml.html.fromstring(
        f"<div><p>One.</p><p>Two.</p><span><p>Three.</p></span>{LOOSE}<span>Four.<div>x</div></span></div>")
    with_loose_text_wrapped(tree)
    assert [" ".join(p.text_content().split()) for p in tree.iter("p")] == [
        "One.", "Two.", "Three.", LOOSE]


def test_the_shared_pages_keep_their_text_and_no_new_paragraph_holds_a_block() -> None:
    folder = eval_path("trafilatura", "pages")
    wrapped = 0
    for path in sorted(folder.glob("*.html.gz"))[::5]:
        tree = trafilatura.load_html(decode(gzip.decompress(path.read_bytes()))[0])
        if tree is None:  # an empty page
            continue
        before, paragraphs = "".join(tree.itertext()), set(tree.iter("p"))
        with_loose_text_wrapped(tree)
        assert "".join(tree.itertext()) == before, path.name
        new = [p for p in tree.iter("p") if p not in paragraphs]
        assert not [p for p in new if any(isinstance(node.tag, str) and node.tag in BLOCK_TAGS
                                           and node.tag != "br" for node in p.iterdescendants())]
        assert all(reads_as_prose(" ".join(p.text_content().split())) for p in new), path.name
        wrapped += len(new)
    assert wrapped  # some of the real pages have loose prose to wrap


@pytest.mark.parametrize(("description", "shown", "expected"), [
    # a CMS adds a full stop to the dek it shows without one
    ('The star has achieved fame by targeting nerdy guys, who she says "control popularity".',
     'The star has achieved fame by targeting nerdy guys, who she says "control popularity"',
     'The star has achieved fame by targeting nerdy guys, who she says "control popularity"'),
    # shown with its full stop, not shown at all, or only as the start of another line
    ("The council approved the budget.", "The council approved the budget.",
     "The council approved the budget."),
    ("The council approved the budget.", "Something else entirely", "The council approved the budget."),
    ("Officials unveiled a plan to add three bus lines.",
     "Officials unveiled a plan to add three bus lines in 2019, then dropped it",
     "Officials unveiled a plan to add three bus lines."),
    ("To be continued...", "To be continued..", "To be continued..."),
])
def test_a_description_is_taken_as_the_page_shows_it(description: str, shown: str,
                                                       expected: str) -> None:
    tree = lxml.html.fromstring(f"<div><p>Menu</p><h2>{shown}</h2><p>Footer</p></div>")
    visible = text_key("".join(tree.itertext()))
    assert _as_shown(description, visible, shown_paragraphs(tree)) == expected


def test_a_dek_shown_without_the_descriptions_full_stop_leads_the_text() -> None:
    dek = "The founder of the company has resigned, saying he can no longer handle the job"
    html = _page("".join(f"<p>{p}</p>" for p in PARAGRAPHS)).replace(
        "<head>", f'<head><meta name="description" content="{dek}.">').replace(
        "</h1>", f"</h1><h2>{dek}</h2>")
    page = extract_page(html)
    assert page is not None
    assert page.text.split("\n\n")[0] == dek
