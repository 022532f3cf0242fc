"""The article's other containers put back (`cleaners.text.page_sections.article_sections`)."""

from __future__ import annotations

import pytest

from cleaners.text.page_sections import article_sections

P1 = "Dimethylether verflüssigt sich bereits unter geringem Druck, so wie Flüssiggas es tut."
P2 = "In anderen physikalischen Eigenschaften gibt es Unterschiede zwischen den beiden Gasen."
P3 = "Dennoch können Dimethylether und Flüssiggas miteinander gemischt werden, wie in Asien."
H3 = "Erneuerbarer Dimethylether"
P4 = "Verbraucher in Deutschland können bereits eine erneuerbare Alternative zum Heizen nutzen."
TABLE = "<table><tr><td>Dichte</td><td>0,67 kg/l</td></tr></table>"
KEPT = f"{P1}\n{P2}"


def _tree(body: str) -> object:
    import trafilatura

    return trafilatura.load_html(f"<html><body>{body}</body></html>")


def _container(*paragraphs: str, cls: str = "col-md-8") -> str:
    inner = "".join(f"<h3>{p}</h3>" if p == H3 else f"<p>{p}</p>" for p in paragraphs)
    return f'<div class="container topic"><div class="row"><div class="{cls}">{inner}</div></div></div>'


def test_a_container_built_like_the_articles_is_put_back_after_it() -> None:
    page = _tree(f"<article>{_container(P1, P2)}{TABLE}{_container(P3, H3, P4)}</article>")
    text, put_back = article_sections(page, KEPT)
    assert text.split("\n") == [P1, P2, P3, H3, P4]
    assert put_back == 1


def test_it_goes_after_the_text_of_the_containers_before_it() -> None:
    tail = "Ein Satz, den die Seite nach allen Abschnitten zeigt, ohne Behälter dafür."
    page = _tree(f"{_container(P1)}<div>{TABLE}</div>{_container(P3)}{_container(P2)}<p>{tail}</p>")
    text, _ = article_sections(page, f"{P1}\n{P2}\n{tail}")
    assert text.split("\n") == [P1, P3, P2, tail]


def test_a_container_the_text_draws_from_is_left_as_the_passes_made_it() -> None:
    """The passes kept one of its paragraphs and dropped the other: their choice stands."""
    page = _tree(f"{_container(P1)}{TABLE}{_container(P2, P3)}")
    assert article_sections(page, KEPT) == (KEPT, 0)


def test_a_paragraph_put_back_is_put_back_once() -> None:
    """A page that shows the same paragraph in two containers (a pull quote's copy)."""
    page = _tree(f"{_container(P1, P2)}{TABLE}{_container(P3, P4)}{TABLE}{_container(P3)}")
    assert article_sections(page, KEPT) == (f"{P1}\n{P2}\n{P3}\n{P4}", 1)


@pytest.mark.parametrize("body", [
    # before the article's first container: a dateline, a series' banner
    f"{_container(P3, P4)}{TABLE}{_container(P1, P2)}",
    # another post of a blog, in its own <article>
    f"<article>{_container(P1, P2)}</article><article>{_container(P3, P4)}</article>",
    # built otherwise
    f"{_container(P1, P2)}{TABLE}{_container(P3, P4, cls='col-md-4')}",
    # no prose: a list of links, headings
    f"{_container(P1, P2)}{TABLE}{_container(H3, 'Mehr zum Thema')}",
    # furniture and hidden copies
    f'{_container(P1, P2)}<div class="related">{_container(P3, P4)}</div>',
    f'{_container(P1, P2)}<div style="display: none">{_container(P3, P4)}</div>',
])
def test_containers_that_are_not_the_articles_stay_out(body: str) -> None:
    assert article_sections(_tree(body), KEPT) == (KEPT, 0)


def test_containers_holding_little_of_the_text_say_nothing() -> None:
    """The text comes mostly from elsewhere (a JSON-LD body, another block): the one line a
    container holds does not make the containers built like it the article's."""
    other = "\n".join(f"Ein anderer Absatz Nummer {i}, der aus einem anderen Block der Seite kommt."
                      for i in range(5))
    page = _tree(f"{_container(P1)}{TABLE}{_container(P3, P4)}")
    assert article_sections(page, f"{P1}\n{other}") == (f"{P1}\n{other}", 0)


def test_a_page_without_the_texts_paragraphs_is_left_alone() -> None:
    assert article_sections(_tree(_container(P3, P4)), KEPT) == (KEPT, 0)
    assert article_sections(_tree(_container(P3, P4)), "") == ("", 0)


def test_nested_paragraph_elements_are_read_once() -> None:
    """A list inside a paragraph's element is part of it (the outermost elements are read)."""
    item = "Erster Punkt der Liste mit genug Wörtern, damit er als Satz gelesen wird."
    page = _tree(f'{_container(P1, P2)}{TABLE}<div class="container topic"><div class="row">'
                 f'<div class="col-md-8"><p>{P3}</p><li>{item}<ul><li>inner</li></ul></li>'
                 "</div></div></div>")
    text, _ = article_sections(page, KEPT)
    assert text.split("\n") == [P1, P2, P3, f"- {item} inner"]


# A second review's cases (d5e701a): duplicates, other stories, paragraphs' own filters,
# the place a container goes, what a container holds, cost.

def _story(headline: str, *paragraphs: str) -> str:
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<div class="story"><h1>{headline}</h1><div class="wrap"><div class="body">{inner}'
            "</div></div></div>")


def test_a_paragraph_the_passes_split_at_its_br_is_held_not_repeated() -> None:
    """trafilatura writes a ``<br>`` as a new line and drops a ``<time>``: the container the
    paragraph is in is the text's, not one to put back (a press release's boilerplate came
    out twice, glued into a third line)."""
    about = ("Acme is a global provider of transport solutions for cities and regions.<br>"
             "Acme is headquartered in Zurich and employs around 1,300 people worldwide.")
    dated = "Acme said on <time>2 January</time> that it would open two more plants this year."
    page = _tree(f"{_container(P1, P2, P3, P4)}{TABLE}{_container(about)}{TABLE}"
                 f"{_container(dated)}")
    kept = (f"{P1}\n{P2}\n{P3}\n{P4}\nAcme is a global provider of transport solutions for cities and regions."
            "\nAcme is headquartered in Zurich and employs around 1,300 people worldwide."
            "\nAcme said on that it would open two more plants this year.")
    assert article_sections(page, kept) == (kept, 0)


def test_a_br_starts_a_line_of_a_paragraph_put_back() -> None:
    page = _tree(f"{_container(P1, P2)}{TABLE}{_container(P3 + '<br>' + P4)}")
    assert article_sections(page, KEPT) == (f"{KEPT}\n{P3}\n{P4}", 1)


@pytest.mark.parametrize("body", [
    # the next story of an endless page, with its headline, in no <article>
    f'<main>{_story("Senate passes budget", P1, P2)}<div>Next article</div>'
    f'{_story("Storm hits coast", P3, P4)}</main>',
    # forum replies: each with its author
    "".join(f'<div class="post"><p class="author">by {who}</p><div class="inner">'
            f'<div class="content"><p>{a}</p><p>{b}</p></div></div></div>'
            for who, a, b in (("alice", P1, P2), ("bob", P3, P4))),
])
def test_other_stories_built_like_the_article_stay_out(body: str) -> None:
    assert article_sections(_tree(body), KEPT) == (KEPT, 0)


def test_a_container_put_back_loses_its_hidden_furniture_and_link_paragraphs() -> None:
    junk = ('<p class="newsletter-cta">Get the best stories delivered to your inbox every '
            'morning, free.</p><p class="sr-only">Skip to the next section of this story if '
            'you use a screen reader.</p><p style="display:none">A hidden copy of a paragraph '
            'the page does not show at all.</p><p><a href="/x">The ten best phones you can buy '
            "right now, tested and reviewed</a></p>")
    page = _tree(f'{_container(P1, P2)}{TABLE}<div class="container topic"><div class="row">'
                 f'<div class="col-md-8"><p>{P3}</p>{junk}</div></div></div>')
    assert article_sections(page, KEPT) == (f"{KEPT}\n{P3}", 1)


def test_it_goes_after_the_text_the_page_shows_before_it_whatever_its_build() -> None:
    """The article's first container ends with a list the text holds (another build): the
    container after it goes after the list, not between the list and its intro."""
    intro = "The plan has three parts, the filing shows:"
    items = ["Batteries, which make up most of the spending.", "Grid connections."]
    first = _container(P1, intro).replace(
        "</div></div></div>", "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul></div></div></div>")
    kept = "\n".join([P1, intro, *(f"- {i}" for i in items)])
    text, _ = article_sections(_tree(f"{first}{TABLE}{_container(P3)}"), kept)
    assert text.split("\n") == [P1, intro, *(f"- {i}" for i in items), P3]


def test_a_container_put_back_keeps_its_lists_and_headings_inside_wrappers() -> None:
    second = ('<div class="container topic"><div class="row"><div class="col-md-8">'
              f'<p>{P3}</p><ul><li>Batteries first.</li><li>Then the grid.</li></ul>'
              f'<div class="subhead"><h2>What comes next</h2></div><p>{P4}</p></div></div></div>')
    text, _ = article_sections(_tree(f"{_container(P1, P2)}{TABLE}{second}"), KEPT)
    assert text.split("\n") == [P1, P2, P3, "- Batteries first.", "- Then the grid.",
                                "What comes next", P4]


def test_a_page_of_many_containers_built_alike_is_a_listing() -> None:
    from cleaners.text.page_sections import SECTIONS_MAX_TRIED

    def teaser(i: int) -> str:
        return _container(" ".join(f"wort{i}x{j}" for j in range(10)) + ".")

    many = "".join(teaser(i) for i in range(SECTIONS_MAX_TRIED + 1))
    assert article_sections(_tree(f"{_container(P1, P2)}{many}"), KEPT) == (KEPT, 0)
    few = "".join(teaser(i) for i in range(SECTIONS_MAX_TRIED))
    assert article_sections(_tree(f"{_container(P1, P2)}{few}"), KEPT)[1] == SECTIONS_MAX_TRIED


# A third review's cases (2205366).

def _wired(*bodies: str, between: str = '<div class="ad-slot"><span>Advertisement</span></div>') -> str:
    """wired.com's build: the article's blocks side by side, an ad between them."""
    blocks = between.join(f'<div class="article__body">{body}</div>' for body in bodies)
    return f'<div class="body"><div class="body__inner">{blocks}</div></div>'


def _ps(*paragraphs: str) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def test_a_list_whose_items_are_all_links_is_not_put_back() -> None:
    """wired.com's "More Great WIRED Stories" list ends its last block: each item a headline
    link with words around it, less than half of it linked."""
    related = ('<ul><li>YouTubers must unionize, <a href="/a">no matter what Google says</a></li>'
               '<li>Could an astronaut lost in space <a href="/b">use gravity</a> to get around?'
               "</li></ul>")
    page = _tree(f"<article>{_wired(_ps(P1, P2), _ps(P3) + related)}</article>")
    assert article_sections(page, KEPT) == (f"{KEPT}\n{P3}", 1)


@pytest.mark.parametrize("between", [
    '<h1>Storm hits coast</h1><p class="byline">By Jane Doe</p>',  # the next story's
    '<header class="story-banner"><h1>Storm hits coast</h1></header>',  # a furniture class
])
def test_a_headline_between_the_containers_ends_the_article(between: str) -> None:
    page = _tree(f"<main><h1>Grid storage</h1>{_wired(_ps(P1, P2), _ps(P3, P4), between=between)}"
                 "</main>")
    assert article_sections(page, KEPT) == (KEPT, 0)


@pytest.mark.parametrize("between", [
    '<div class="heading"><h2>What comes next</h2></div>',  # the article's own subheading
    '<div class="ad-slot"><h1 class="visually-hidden">Advertisement</h1></div>',
    '<aside class="newsletter"><h1>Sign up for our letter</h1></aside>',
])
def test_subheadings_and_hidden_or_furniture_headlines_do_not_end_it(between: str) -> None:
    page = _tree(f"<main><h1>Grid storage</h1>{_wired(_ps(P1, P2), _ps(P3, P4), between=between)}"
                 "</main>")
    assert article_sections(page, KEPT)[0].split("\n")[-2:] == [P3, P4]


def test_a_container_outside_the_articles_main_is_not_put_back() -> None:
    about = ("Grid News is an independent newsroom founded in 1998 that covers energy markets "
             "across Europe.")
    page = _tree(f'<main>{_container(P1, P2)}</main><section class="team">'
                 f"{_container('About us', about)}</section>")
    assert article_sections(page, KEPT) == (KEPT, 0)


def test_a_short_heading_the_text_happens_to_say_does_not_hold_its_container() -> None:
    kept = f"{P1}\n{P2} Das zeigt, why it matters."
    page = _tree(f"<article>{_wired(_ps(P1, P2), '<h2>Why it matters</h2>' + _ps(P3))}</article>")
    assert article_sections(page, kept) == (f"{kept}\nWhy it matters\n{P3}", 1)


def test_a_pull_quote_held_by_the_text_does_not_hold_its_container() -> None:
    quote = "Dimethylether verflüssigt sich bereits unter geringem Druck."
    page = _tree(f"<article>{_wired(_ps(P1, P2), _ps(P3) + f'<div class=pq><p>{quote}</p></div>' + _ps(P4))}"
                 "</article>")
    assert article_sections(page, KEPT) == (f"{KEPT}\n{P3}\n{P4}", 1)


def test_a_container_the_text_holds_half_of_inside_wrappers_is_left_alone() -> None:
    more = "Read more: our full coverage of the energy transition is collected on a single page here."
    kept = f"{P1}\n{P2}\n{P3}"
    page = _tree(f"<article>{_wired(_ps(P1), f'<div class=wrap>{_ps(P2, P3)}</div>' + _ps(more))}"
                 "</article>")
    assert article_sections(page, kept) == (kept, 0)


def test_a_put_back_containers_copies_and_hidden_words_go_its_like_lines_stay() -> None:
    body = (f'<p class="m-only">{P3}</p><p class="dt-only">{P3}</p>'
            f'<p>{P4}<span class="sr-only"> (opens in a new window)</span>'
            '<span style="display:none">HIDDEN COPY</span></p>'
            '<ul><li>1 cup of flour</li><li>1 cup of sugar</li></ul>')
    page = _tree(f"<article>{_wired(_ps(P1, P2), body)}</article>")
    assert article_sections(page, KEPT) == (
        f"{KEPT}\n{P3}\n{P4}\n- 1 cup of flour\n- 1 cup of sugar", 1)


def test_a_list_of_prose_items_citing_sources_is_not_links() -> None:
    items = "".join(f'<li>The <a href="/r{i}">council report</a> says the {w} district will get '
                    "its battery park next winter, after the grid operator's review.</li>"
                    for i, w in enumerate(["northern", "southern", "eastern"]))
    page = _tree(f"<article>{_wired(_ps(P1, P2), _ps(P3) + f'<ul>{items}</ul>')}</article>")
    assert len(article_sections(page, KEPT)[0].split("\n")) == 2 + 1 + 3


def test_a_pull_quote_in_furniture_does_not_count_as_held() -> None:
    quote = f'<blockquote class="pullquote"><p>{P1} {P2}</p></blockquote>'
    page = _tree(f"<article>{_wired(_ps(P1, P2), _ps(P3) + quote)}</article>")
    assert article_sections(page, KEPT) == (f"{KEPT}\n{P3}", 1)


def test_a_page_laid_out_in_a_table_is_read_through_its_cells() -> None:
    page = _tree('<table><tr><td><a href="/">Home</a></td></tr><tr><td><h1>Grid storage</h1>'
                 f"{_wired(_ps(P1, P2), _ps(P3, P4))}</td></tr></table>")
    assert article_sections(page, KEPT) == (f"{KEPT}\n{P3}\n{P4}", 1)


def test_responsive_classes_do_not_hide() -> None:
    from cleaners.text.page_tree import is_hidden

    page = _tree('<div class="d-none d-lg-block"><p id="a">A</p></div>'
                 '<div class="hidden lg:block"><p id="b">B</p></div><p class="sr-only" id="c">C</p>'
                 '<div class="d-none"><p id="d">D</p></div><div class="hidden"><p id="e">E</p></div>'
                 '<div class="d-none d-lg-none"><p id="f">F</p></div>')
    assert [is_hidden(page.xpath(f'//p[@id="{i}"]')[0]) for i in "abcdef"] == [
        False, False, True, True, True, True]
    # a class that shows it is a display class; the <body>'s classes hide nothing (a page
    # hides its body while its script loads)
    page = _tree('<div class="hidden md:mt-4"><p id="a">A</p></div>')
    assert is_hidden(page.xpath('//p[@id="a"]')[0])
    page = _tree('<p id="a">A</p>')
    page.find("body").set("class", "hidden")
    assert not is_hidden(page.xpath('//p[@id="a"]')[0])
