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
    assert text.split("\n") == [P1, P2, P3, f"{item} inner"]
