"""Sections of an article that trafilatura's passes left out, put back (`article_sections`).

Some pages cut their article into several containers built alike: a page builder's rows, a
news site's body blocks between its ads, a text column on either side of a table. trafilatura
keeps the container it finds first and drops the others, and with them the second half of
the article (the paragraphs after a comparison table on a fuel supplier's page; 8 of the 20
paragraphs of a magazine's feature). The paragraphs the text holds tell which containers the
article's are: those the most of its text comes from, recognised by the tag and class of
the container and of its two ancestors above it. The other containers built the same way
are put back where the page has them, when nothing but the container shows text in its part
of the page (a next story's headline or a forum reply's author would). Pure: a parsed tree
and a text in, a text out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from itertools import chain, islice
from typing import Any

from cleaners.text.page_passes import PROSE_MIN_WORDS, SENTENCE_END
from cleaners.text.page_tree import in_furniture, is_hidden, shown_runs, shown_text, text_key

__all__ = ["SECTIONS_MAX_TRIED", "SECTION_MIN_SHARE", "article_sections"]

#: The containers built alike must hold this share of the text's words for the others built
#: the same way to be taken for the article's.
SECTION_MIN_SHARE = 0.5
#: At most this many containers a page are tried (each may cost a walk of its part of the
#: page): more containers built like the article's make a listing, not an article in parts.
SECTIONS_MAX_TRIED = 20
#: The elements read as paragraphs: the outermost of them in the page; an ``<li>`` is a
#: line ``- item``, as trafilatura writes list items.
_PARAGRAPH_TAGS = ("p", "h2", "h3", "h4", "h5", "h6", "li")
#: How many levels, the container included, say how a container is built.
_BUILD_LEVELS = 3
#: A paragraph is held by the text when this share of its word triples (of its words, in a
#: paragraph of fewer than three) is in the text: trafilatura splits a paragraph at its
#: ``<br>``s, drops a ``<time>`` inside it, writes ``- `` before a list item.
_HELD_SHARE = 0.5
_WORD = re.compile(r"\w+")

_Build = tuple[tuple[str, str], ...]


def _build(container: Any) -> _Build:
    """The tag and class of ``container`` and of its ancestors, `_BUILD_LEVELS` in all."""
    levels = islice(chain((container,), container.iterancestors()), _BUILD_LEVELS)
    return tuple((str(node.tag), node.get("class") or "") for node in levels)


def _shown_lines(element: Any) -> list[str]:
    """The element's shown text (`shown_runs`) as lines, one a ``<br>``, whitespace folded."""
    runs = shown_runs(element, mark=lambda node: node.tag == "br")
    text = "".join("\n" if node is not None else run for run, node in runs)
    return [line for part in text.split("\n") if (line := " ".join(part.split()))]


def _paragraphs(root: Any) -> list[tuple[Any, list[str]]]:
    """The outermost paragraph elements (`_PARAGRAPH_TAGS`) in ``root`` with shown text, in
    page order, each with its lines (`_shown_lines`; a list item's first one ``- item``)."""
    from lxml import etree

    found: list[tuple[Any, list[str]]] = []
    inside = 0  # how many paragraph elements the walk is in
    for event, node in etree.iterwalk(root, events=("start", "end"), tag=_PARAGRAPH_TAGS):
        if event == "end":
            inside -= 1
            continue
        if not inside and (lines := _shown_lines(node)):
            if node.tag == "li":
                lines[0] = f"- {lines[0]}"
            found.append((node, lines))
        inside += 1
    return found


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _triples(words: list[str]) -> list[tuple[str, ...]]:
    return [tuple(words[i:i + 3]) for i in range(len(words) - 2)] or [tuple(words)]


class _Held:
    """What the text holds: the line of each of its word triples (and of each short line's
    words), and how many words it has."""

    def __init__(self, lines: list[str]) -> None:
        self._line_of: dict[tuple[str, ...], int] = {}
        self.words = 0
        for i, line in enumerate(lines):
            self.add(_words(line), i)

    def add(self, words: list[str], line: int) -> None:
        """Record ``words`` as held by ``line``."""
        self.words += len(words)
        for triple in _triples(words):
            self._line_of.setdefault(triple, line)

    def lines_holding(self, words: list[str]) -> list[int]:
        """The lines holding the triples of ``words``, or [] when fewer than `_HELD_SHARE`
        of them are held."""
        triples = _triples(words)
        found = [at for triple in triples if (at := self._line_of.get(triple)) is not None]
        return found if len(found) >= _HELD_SHARE * len(triples) else []


def _reads_as_prose(line: str) -> bool:
    return len(line.split()) >= PROSE_MIN_WORDS and line.rstrip().endswith(SENTENCE_END)


def _mostly_links(node: Any, lines: list[str]) -> bool:
    linked = sum(len(" ".join(a.text_content().split())) for a in node.iter("a"))
    return linked * 2 > sum(map(len, lines))


def _new_lines(container: Any, held: _Held) -> list[str]:
    """The lines of ``container``'s paragraphs the text does not hold, that are shown, not
    in furniture inside it and not mostly links."""
    lines: list[str] = []
    for node, shown in _paragraphs(container):
        if (held.lines_holding(_words(" ".join(shown))) or is_hidden(node, {container})
                or in_furniture(node, {container}) or _mostly_links(node, shown)):
            continue
        lines += shown
    return lines


def _article_of(node: Any) -> Any | None:
    """The nearest ``<article>`` element above ``node``, if any."""
    return next(node.iterancestors("article"), None)


def _stands_alone(container: Any, before: Any) -> bool:
    """Whether nothing but ``container`` shows text in its part of the page: below the
    nearest ancestor it shares with ``before`` (a container of the article's before it), its
    branch shows no other text (a next story's headline, a forum reply's author would)."""
    above_before = set(before.iterancestors())
    branch = container
    for node in container.iterancestors():
        if node in above_before:
            break
        branch = node
    return branch is container or len(text_key(shown_text(branch))) == len(
        text_key(shown_text(container)))


def _candidates(paragraphs: list[tuple[Any, list[str]]], holding: dict[Any, list[int]],
                build: _Build) -> list[tuple[tuple[int, Any], int, tuple[int, Any]]]:
    """The containers built as ``build`` that hold none of the text's paragraphs (a direct
    child in ``holding``) and come after one that does, in page order: each (with its place
    in page order: its first paragraph's) with the text's last line holding a paragraph
    before it, and the last container that does before it (with its place)."""
    found: list[tuple[tuple[int, Any], int, tuple[int, Any]]] = []
    seen: set[Any] = set()
    after = -1  # the text's last line holding a paragraph so far, in page order
    before: tuple[int, Any] | None = None
    for order, (node, _) in enumerate(paragraphs):
        parent = node.getparent()
        if node in holding:
            after = max(after, *holding[node])
            if parent is not None and _build(parent) == build:
                before = (order, parent)
        elif (before is not None and parent is not None and parent not in seen
              and _build(parent) == build and not any(child in holding for child in parent)):
            seen.add(parent)
            found.append(((order, parent), after, before))
    return found


def article_sections(tree: Any, text: str) -> tuple[str, int]:
    """``text`` (the page's main text, one block a line) with the paragraphs of the article's
    other containers put back, and how many containers were.

    The article's containers are the parents of the paragraphs the text holds (half their
    word triples are in it: trafilatura splits a paragraph at its ``<br>``s) that are built
    alike (`_build`) and hold `SECTION_MIN_SHARE` of the text's words or more. Another
    container built the same way, that the text holds none of, is put back when it comes
    after the first of the article's, is neither furniture (`in_furniture`) nor hidden, sits
    in the same ``<article>`` element as the article's container before it (or in none, as
    that one), no other text shows in its part of the page (`_stands_alone`: a next story's
    headline, a forum reply's author), and its new lines hold a paragraph of prose
    (`PROSE_MIN_WORDS` words or more, ending a sentence). Its new lines are its paragraphs
    (headings and list items inside it too, a line a ``<br>``) that the text does not hold,
    that are shown, not in furniture and not mostly links; they go after the text's last
    line holding a paragraph that comes before the container in the page. A page of more
    than `SECTIONS_MAX_TRIED` such containers is a listing: nothing is put back. So the cost
    is linear in the page and the text plus, for each tried container, its depth and a walk
    of its part of the page."""
    lines = text.split("\n")
    held = _Held(lines)
    paragraphs = _paragraphs(tree)
    weight: Counter[_Build] = Counter()
    holding: dict[Any, list[int]] = {}
    for node, shown in paragraphs:
        words = _words(" ".join(shown))
        if (at := held.lines_holding(words)) and (parent := node.getparent()) is not None:
            holding[node] = at
            weight[_build(parent)] += len(words)
    if not weight:
        return text, 0
    build, share = weight.most_common(1)[0]
    if share < SECTION_MIN_SHARE * held.words:
        return text, 0
    candidates = _candidates(paragraphs, holding, build)
    if len(candidates) > SECTIONS_MAX_TRIED:
        return text, 0
    inserts: dict[int, list[str]] = {}
    put_back = 0
    last: tuple[int, Any] = (-1, None)  # the last container put back, with its place
    for (order, parent), after, before in candidates:
        if last[0] > before[0]:
            before = last
        new = _new_lines(parent, held)
        if (any(_reads_as_prose(line) for line in new) and not in_furniture(parent)
                and not is_hidden(parent) and _article_of(parent) is _article_of(before[1])
                and _stands_alone(parent, before[1])):
            inserts.setdefault(after, []).extend(new)
            held.add(_words(" ".join(new)), after)
            last = (order, parent)
            put_back += 1
    if not put_back:
        return text, 0
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, []))
    return "\n".join(out), put_back
