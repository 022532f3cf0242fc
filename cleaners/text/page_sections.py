"""Sections of an article that trafilatura's passes left out, put back (`article_sections`).

Some pages cut their article into several containers built alike: a page builder's rows, a
news site's body blocks between its ads, a text column on either side of a table. trafilatura
keeps the container it finds first and drops the others, and with them the second half of
the article (the paragraphs after a comparison table on a fuel supplier's page; 8 of the 20
paragraphs of a magazine's feature). The paragraphs the text holds tell which containers the
article's are: those the most of its text comes from, recognised by the tag and class of
the container and of its two ancestors above it. The other containers built the same way
are put back in page order, when nothing shows that they are another story's (an ``<h1>``
between, their own part of the page showing other text: a next story's, a forum reply's
author). Pure: a parsed tree and a text in, a text out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from itertools import chain, islice
from typing import Any

from cleaners.text.page_passes import reads_as_prose
from cleaners.text.page_tree import (
    Paragraphs,
    in_furniture,
    is_hidden,
    linked_chars,
    shown_paragraphs,
    shown_text,
    text_key,
)

__all__ = ["SECTIONS_MAX_TRIED", "SECTION_MIN_SHARE", "article_sections"]

#: The containers built alike must hold this share of the text's words for the others built
#: the same way to be taken for the article's.
SECTION_MIN_SHARE = 0.5
#: At most this many containers a page are tried: more containers built like the article's
#: make a listing, not an article in parts.
SECTIONS_MAX_TRIED = 20
#: An ``<h1>`` inside one of these is no next story's headline (a newsletter box, an inset).
_ASIDE_TAGS = ("aside", "nav", "footer", "form", "figure")
#: How many levels, the container included, say how a container is built.
_BUILD_LEVELS = 3
#: A paragraph is held by the text when this share of its word triples is in the text:
#: trafilatura splits a paragraph at its ``<br>``s, drops a ``<time>`` inside it, writes
#: ``- `` before a list item. A paragraph of fewer than `_HELD_MIN_WORDS` words is held only
#: when a line of the text is it (``Why it matters`` is not held by ``…explains why it
#: matters…``).
_HELD_SHARE = 0.5
_HELD_MIN_WORDS = 6
_WORD = re.compile(r"\w+")

_Build = tuple[tuple[str, str], ...]


def _build(container: Any) -> _Build:
    """The tag and class of ``container`` and of its ancestors, `_BUILD_LEVELS` in all."""
    levels = islice(chain((container,), container.iterancestors()), _BUILD_LEVELS)
    return tuple((str(node.tag), node.get("class") or "") for node in levels)


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _triples(words: list[str]) -> list[tuple[str, ...]]:
    return [tuple(words[i:i + 3]) for i in range(len(words) - 2)] or [tuple(words)]


class _Held:
    """What the text holds: the line of each of its word triples and of each whole line, and
    how many words it has."""

    def __init__(self, lines: list[str]) -> None:
        self._line_of: dict[tuple[str, ...], int] = {}
        self._whole: dict[str, int] = {}
        self.words = 0
        for i, line in enumerate(lines):
            self.add(line, i)

    def add(self, line: str, at: int) -> None:
        """Record ``line`` as held at line ``at`` of the text."""
        words = _words(line)
        self.words += len(words)
        self._whole.setdefault(text_key(line.removeprefix("- ")), at)
        for triple in _triples(words):
            self._line_of.setdefault(triple, at)

    def lines_holding(self, lines: list[str]) -> list[int]:
        """The text's lines holding the paragraph of ``lines``, or [] when it is not held."""
        words = _words(" ".join(lines))
        if len(words) < _HELD_MIN_WORDS:
            at = self._whole.get(text_key(" ".join(lines).removeprefix("- ")))
            return [] if at is None else [at]
        triples = _triples(words)
        found = [at for triple in triples if (at := self._line_of.get(triple)) is not None]
        return found if len(found) >= _HELD_SHARE * len(triples) else []


def _linked_share(node: Any, lines: list[str]) -> float:
    return linked_chars(node) / max(1, sum(map(len, lines)))


def _linked_list(items: Any) -> bool:
    """A list (``<ul>``, ``<ol>``) of two items or more that all hold a link, a third of its
    text or more linked (a related-stories list: ``YouTubers must unionize, <a>no matter
    what Google says</a>``; not prose items citing a source)."""
    lis = [li for li in items if li.tag == "li"]
    if len(lis) < 2 or any(li.find(".//a") is None for li in lis):
        return False
    return sum(map(linked_chars, lis)) * 3 >= sum(len(" ".join(li.text_content().split()))
                                                   for li in lis)


def _new_lines(container: Any, held: _Held) -> list[str] | None:
    """The lines of ``container``'s paragraphs that are shown, not in furniture inside it,
    not links and not held by the text, each once; None when the text holds half the words
    of those paragraphs or more (the passes made the container as it is; a pull quote
    repeating a sentence of the text is in furniture or is a small part of it)."""
    lines: list[str] = []
    keys: set[str] = set()
    lists: dict[Any, bool] = {}  # each list an item is in: is it a list of links?
    words = held_words = 0
    for node, shown in shown_paragraphs(container):
        parent = node.getparent()
        if node.tag == "li" and parent is not None and parent not in lists:
            lists[parent] = _linked_list(parent)
        if (node.tag == "h1" or lists.get(parent, False) or _linked_share(node, shown) > 0.5
                or is_hidden(node, {container}) or in_furniture(node, {container})):
            continue
        count = len(_words(" ".join(shown)))
        words += count
        if held.lines_holding(shown):
            held_words += count
            continue
        for line in shown:
            if (key := text_key(line)) not in keys:
                keys.add(key)
                lines.append(line)
    return None if held_words * 2 >= words else lines


def _home(node: Any) -> tuple[Any | None, Any | None]:
    """The nearest ``<article>`` and ``<main>`` elements above ``node``."""
    return next(node.iterancestors("article"), None), next(node.iterancestors("main"), None)


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


def _candidates(paragraphs: Paragraphs, holding: dict[Any, list[int]],
                build: _Build) -> list[tuple[Any, int, Any]]:
    """The containers built as ``build`` that no held paragraph is a child of and that come
    after one that is, with no shown ``<h1>`` outside the article's containers and outside an
    aside, navigation, footer, form or figure between (another story's headline; an ``<h1>``
    after a held paragraph costs its depth), in page order: each with the text's last line
    holding a paragraph before it, and the last container of the article's before it."""
    held_parents = {node.getparent() for node in holding}
    found: list[tuple[Any, int, Any]] = []
    seen: set[Any] = set()
    after = -1  # the text's last line holding a paragraph so far, in page order
    before = None
    for node, _ in paragraphs:
        parent = node.getparent()
        if node in holding:
            after = max(after, *holding[node])
            if parent is not None and _build(parent) == build:
                before = parent
        elif (node.tag == "h1" and before is not None
              and not any(_build(above) == build for above in node.iterancestors())
              and not is_hidden(node) and next(node.iterancestors(_ASIDE_TAGS), None) is None):
            before = None  # another story's headline
        elif (before is not None and parent is not None and parent not in seen
              and parent not in held_parents and _build(parent) == build):
            seen.add(parent)
            found.append((parent, after, before))
    return found


def article_sections(tree: Any, text: str, paragraphs: Paragraphs | None = None) -> tuple[str, int]:
    """``text`` (the page's main text, one block a line) with the paragraphs of the article's
    other containers put back, and how many containers were.

    The article's containers are the parents of the paragraphs the text holds (half their
    word triples are in it: trafilatura splits a paragraph at its ``<br>``s; a paragraph of
    fewer than `_HELD_MIN_WORDS` words only when it is a line of the text) that are built
    alike (`_build`) and hold `SECTION_MIN_SHARE` of the text's words or more. Another
    container built the same way, no paragraph of which is held as a child of it, is put
    back when it comes after the first of the article's with no other story's ``<h1>``
    between (`_candidates`), `_new_lines` gives lines (the text
    holds less than half of it), it is neither furniture (`in_furniture`) nor hidden, sits
    in the same ``<article>`` and ``<main>`` elements as the article's container before it
    (or in none, as that one), no other text shows in its part of the page
    (`_stands_alone`), and its new lines hold a paragraph of prose (`PROSE_MIN_WORDS` words
    or more, ending a sentence). Its new lines (`_new_lines`) go after the text's last line
    holding a paragraph before the container in the page. A page of more than
    `SECTIONS_MAX_TRIED` such containers is a listing: nothing is put back. ``paragraphs``:
    the page's `shown_paragraphs`, when the caller has them."""
    lines = text.split("\n")
    held = _Held(lines)
    if paragraphs is None:
        paragraphs = shown_paragraphs(tree)
    weight: Counter[_Build] = Counter()
    holding: dict[Any, list[int]] = {}
    for node, shown in paragraphs:
        if (at := held.lines_holding(shown)) and (parent := node.getparent()) is not None:
            holding[node] = at
            weight[_build(parent)] += len(_words(" ".join(shown)))
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
    for container, after, before in candidates:
        new = _new_lines(container, held)
        if (new and any(reads_as_prose(line) for line in new) and not in_furniture(container)
                and not is_hidden(container) and _home(container) == _home(before)
                and _stands_alone(container, before)):
            inserts.setdefault(after, []).extend(new)
            for line in new:
                held.add(line, after)
            put_back += 1
    if not put_back:
        return text, 0
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, []))
    return "\n".join(out), put_back
