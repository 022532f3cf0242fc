"""Sections of an article that trafilatura's passes left out, put back (`article_sections`).

Some pages cut their article into several containers built alike: a page builder's rows, a
news site's body blocks between its ads, a text column on either side of a table. trafilatura
keeps the container it finds first and drops the others, and with them the second half of
the article (the paragraphs after a comparison table on a fuel supplier's page; 8 of the 20
paragraphs of a magazine's feature). The paragraphs the text holds tell which containers the
article's are: those the most of its text comes from, recognised by the tag and class of
the container and of its two ancestors above it. The other containers built the same way
are put back where the page has them. Pure: a parsed tree and a text in, a text out.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain, islice
from typing import Any

from cleaners.text.page_passes import PROSE_MIN_WORDS, SENTENCE_END
from cleaners.text.page_tree import in_furniture, is_hidden, shown_text, text_key

__all__ = ["SECTION_MIN_SHARE", "article_sections"]

#: The containers built alike must hold this share of the text (as `text_key` characters)
#: for the others built the same way to be taken for the article's.
SECTION_MIN_SHARE = 0.5
#: The elements read as a section's paragraphs: the outermost of them in the page.
_PARAGRAPH_TAGS = ("p", "h2", "h3", "h4", "h5", "h6", "li")
#: How many levels, the container included, say how a container is built.
_BUILD_LEVELS = 3

_Build = tuple[tuple[str, str], ...]


def _build(container: Any) -> _Build:
    """The tag and class of ``container`` and of its ancestors, `_BUILD_LEVELS` in all."""
    levels = islice(chain((container,), container.iterancestors()), _BUILD_LEVELS)
    return tuple((str(node.tag), node.get("class") or "") for node in levels)


def _paragraphs(tree: Any) -> list[tuple[Any, str, str]]:
    """The page's outermost paragraph elements (`_PARAGRAPH_TAGS`) with text, in page order:
    each with its shown text (whitespace folded) and its `text_key`."""
    from lxml import etree

    found: list[tuple[Any, str, str]] = []
    inside = 0  # how many paragraph elements the walk is in
    for event, node in etree.iterwalk(tree, events=("start", "end"), tag=_PARAGRAPH_TAGS):
        if event == "end":
            inside -= 1
            continue
        if not inside and (shown := " ".join(shown_text(node).split())):
            found.append((node, shown, text_key(shown)))
        inside += 1
    return found


def _reads_as_prose(line: str) -> bool:
    return len(line.split()) >= PROSE_MIN_WORDS and line.rstrip().endswith(SENTENCE_END)


def article_sections(tree: Any, text: str) -> tuple[str, int]:
    """``text`` (the page's main text, one block a line) with the paragraphs of the article's
    other containers put back, and how many containers were.

    The article's containers are the parents of the text's paragraphs that are built alike
    (`_build`) and hold `SECTION_MIN_SHARE` of the text or more. Another container built the
    same way is put back after the text's last line from the containers before it when it
    holds a paragraph of prose (`PROSE_MIN_WORDS` words or more, ending a sentence), comes
    after the first of the article's, in the same ``<article>`` element, and is not furniture
    (`in_furniture`) nor hidden; its paragraphs the text holds already are left out. Nothing
    before the article's first container is put back (a dateline, a series' banner), nor a
    container in another ``<article>`` (a blog's other posts). Linear in the page and the
    text."""
    lines = text.split("\n")
    line_of: dict[str, int] = {}
    for i, line in enumerate(lines):
        if key := text_key(line):
            line_of.setdefault(key, i)
    paragraphs = _paragraphs(tree)
    weight: Counter[_Build] = Counter()
    for node, _, key in paragraphs:
        if key in line_of and (parent := node.getparent()) is not None:
            weight[_build(parent)] += len(key)
    if not weight:
        return text, 0
    build, held = weight.most_common(1)[0]
    if held < SECTION_MIN_SHARE * sum(map(len, line_of)):
        return text, 0
    containers: dict[Any, list[tuple[str, str]]] = {}  # in page order
    for node, shown, key in paragraphs:
        if (parent := node.getparent()) is not None and _build(parent) == build:
            containers.setdefault(parent, []).append((shown, key))
    inserts: dict[int, list[str]] = {}
    seen = set(line_of)
    homes: set[Any] = set()  # the <article> elements of the article's containers
    after = -1  # the text's last line from the containers so far
    put_back = 0
    for container, items in containers.items():
        held_lines = [line_of[key] for _, key in items if key in line_of]
        home = next(container.iterancestors("article"), None)
        if held_lines:
            homes.add(home)
            after = max(after, *held_lines)
            continue
        if (after < 0 or home not in homes or not any(_reads_as_prose(s) for s, _ in items)
                or in_furniture(container) or is_hidden(container)):
            continue
        new = [shown for shown, key in items if key not in seen]
        seen.update(key for _, key in items)
        if new:
            inserts.setdefault(after, []).extend(new)
            put_back += 1
    if not put_back:
        return text, 0
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, []))
    return "\n".join(out), put_back
