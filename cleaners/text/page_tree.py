"""What a parsed page shows: an element's text as shown, the form texts are compared in, and
whether an element is page furniture or hidden.

Shared by the main-text extraction (`cleaners.text.extract`: the lead), the lists and the
article's sections it puts back and the notices it drops (`cleaners.text.page_lists`,
`cleaners.text.page_sections`, `cleaners.text.page_notices`).
Pure: lxml elements in, strings and booleans out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

__all__ = ["BLOCK_TAGS", "FURNITURE_CLASS", "FURNITURE_TAGS", "HIDING_CLASSES", "PARAGRAPH_TAGS",
           "UNSHOWN_TAGS", "BlockEdges", "Paragraphs", "block_edges", "hidden_itself", "in_furniture",
           "is_hidden", "linked_chars", "shown_lines", "shown_paragraphs", "shown_runs", "shown_text",
           "text_key"]

#: Elements that hold page furniture, not the article.
FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "form", "figure", "figcaption", "blockquote"})
#: Class or id words of blocks that hold page furniture.
FURNITURE_CLASS = re.compile(
    r"author|autor|writer|bio\b|byline|signature|profile|caption|credit|tooltip|share|social"
    r"|related|newsletter|subscri|paywall|premium|comment|cookie|consent|privacy|gdpr|promo"
    r"|advert|sponsor|banner|notice|hinweis|aviso|disclosure|disclaimer|correction|sidebar"
    r"|breadcrumb|toc\b|audio|player", re.IGNORECASE)
#: Elements a browser shows as blocks (or table cells): their edges separate words.
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
    "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "legend", "li", "main",
    "menu", "nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul"})
_RUN = re.compile(r"\S+")


def text_key(text: str) -> str:
    """The form texts are compared in: NFKC, case-folded, without whitespace (markup splits
    words differently than the extracted text). (``str.split`` drops what a regex's ``\\s``
    would, the characters of ``str.isspace``, at half the cost.)"""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


#: Elements whose text a reader never sees as the page's text: code, a copy for other readers,
#: a form field's, the document's title.
UNSHOWN_TAGS = frozenset({"script", "style", "noscript", "template", "textarea", "title"})


def shown_text(element: Any, leave_out: Callable[[Any], bool] | None = None) -> str:
    """The element's text as the page shows it: the edges of a block inside it
    (`BLOCK_TAGS`: a ``<p>``, a ``<div>``, a ``<br>``) are spaces (``text_content`` glues the
    words on either side: ``By ReutersBudget …`` from two ``<p>``s), and nothing of a script,
    style, ``<noscript>`` or ``<template>`` inside it (`UNSHOWN_TAGS`: a video block's player
    script was taken for a lead), nor of a descendant ``leave_out`` accepts (a lead's byline).
    Iterated, not recursive: a page's tree may be deep."""
    return "".join(text for text, _ in shown_runs(element, leave_out))


def shown_runs(element: Any, leave_out: Callable[[Any], bool] | None = None,
               mark: Callable[[Any], bool] | None = None) -> list[tuple[str, Any]]:
    """`shown_text` in runs, in the page's order, each with the outermost descendant that
    ``mark`` accepts and that holds the run (None outside them): the text of ``<p>A <span
    class="date">B</span> C</p>`` is ``A ``, ``B`` (the span's) and `` C``. Joined, the runs
    are `shown_text`."""
    from lxml import etree

    runs: list[tuple[str, Any]] = []
    hidden = 0  # how many unshown elements the walk is inside
    marked = None  # the outermost marked element the walk is inside
    for event, node in etree.iterwalk(element, events=("start", "end", "comment", "pi")):
        tagged = event in ("start", "end") and node is not element and isinstance(node.tag, str)
        unshown = event in ("start", "end") and (node.tag in UNSHOWN_TAGS or (
            leave_out is not None and tagged and leave_out(node)))
        edge = " " if tagged and node.tag in BLOCK_TAGS else ""
        if event == "start":
            hidden += unshown
            if not hidden:
                if marked is None and mark is not None and tagged and mark(node):
                    marked = node
                runs.append((edge + (node.text or ""), marked))
            continue
        if event == "end":
            hidden -= unshown
            if node is marked:
                marked = None
        if node is not element and not hidden:  # the end of an element, a comment, an instruction
            runs.append((edge + (node.tail or ""), marked))
    return runs


def in_furniture(element: Any, above: frozenset[Any] | set[Any] = frozenset(),
                 also: re.Pattern[str] | None = None) -> bool:
    """Whether ``element`` is or sits in page furniture: a navigation, aside, form, footer,
    figure or quote element, or a block whose class or id names furniture
    (`FURNITURE_CLASS`, or ``also``); looked for up to (not including) the first ancestor in
    ``above``, or the ``<body>``, whose classes describe the page (``no-sidebars``), not a
    block of it."""
    for block in (element, *element.iterancestors()):
        if block in above or block.tag in ("body", "html"):
            return False
        names = f"{block.get('class') or ''} {block.get('id') or ''}"
        if block.tag in FURNITURE_TAGS or FURNITURE_CLASS.search(names) or (
                also is not None and also.search(names)):
            return True
    return False


#: Classes that hide an element from sight in the common stylesheets (Bootstrap, WordPress,
#: HTML5 Boilerplate, Tailwind): text for screen readers, and ``d-none``/``hidden`` but
#: beside a class that shows the element from a screen width up (`_SHOWN_FROM`: ``d-none
#: d-lg-block``, ``hidden lg:block``).
HIDING_CLASSES = frozenset({"sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text",
                            "d-none", "hidden"})
_SHOWN_FROM = re.compile(
    r"(?:d-(?:sm|md|lg|xl|xxl)-|(?:sm|md|lg|xl|2xl):)"
    r"(?:block|inline|inline-block|flex|inline-flex|grid|inline-grid|table|table-cell"
    r"|table-row|flow-root|list-item|contents)$")


#: The id of a ``<div hidden>`` in which React's streamed server rendering sends a part of the
#: page it rendered late (a Suspense boundary's content); its inline script moves it into
#: place at once (``$RC("B:0","S:0")``), so the reader sees it: a Next.js page's article.
#: React writes the segment's number in hexadecimal after the app's id prefix and ``S:``.
_STREAMED_ID = re.compile(r"[\w-]*S:[0-9a-f]+")


def is_hidden(element: Any, above: frozenset[Any] | set[Any] = frozenset()) -> bool:
    """Whether ``element`` is not shown: it or an ancestor (up to, not including, the first
    in ``above``, or the ``<body>``, which a page hides while its script loads) is a
    ``<noscript>`` or a ``<template>``, or is ``hidden`` (but React's streamed parts,
    `_STREAMED_ID`), ``display: none`` or of a class that hides it (`HIDING_CLASSES`: text
    for screen readers; ``d-none`` or ``hidden`` unless a class shows it from a screen width
    up, ``d-lg-block``, ``lg:flex``)."""
    for node in (element, *element.iterancestors()):
        if node in above or node.tag in ("body", "html"):
            return False
        if node.tag in ("noscript", "template") or (
                node.get("hidden") is not None
                and not (node.tag == "div" and _STREAMED_ID.fullmatch(node.get("id") or ""))):
            return True
        classes = (node.get("class") or "").split()
        if not HIDING_CLASSES.isdisjoint(classes) and not (
                {"d-none", "hidden"}.issuperset(HIDING_CLASSES.intersection(classes))
                and any(_SHOWN_FROM.match(name) for name in classes)):
            return True
        if "display:none" in (node.get("style") or "").replace(" ", "").lower():
            return True
    return False


#: Characters of each side of an edge that index it (`BlockEdges`).
_EDGE_KEY = 3
#: Characters of words `BlockEdges.spaced` may compare, for each character of its text.
_SPLIT_BUDGET = 200


#: The words on either side of the edges whose sides end and start with one key
#: (`_EDGE_KEY` characters each): each word before an edge with the words after it, and the
#: lengths of those words, so that a place in a word is checked by lookups, not by a scan of
#: every pair.
@dataclass(frozen=True, slots=True)
class _Edges:
    before_lengths: tuple[int, ...]
    after: dict[str, tuple[tuple[int, ...], frozenset[str]]]


@dataclass(frozen=True, slots=True)
class BlockEdges:
    """The pairs of words on either side of each edge of a block element in a page
    (`block_edges`), indexed by their last and first `_EDGE_KEY` characters, and the page's
    words as it shows them (a space at each such edge)."""

    pairs: dict[tuple[str, str], _Edges]
    words: frozenset[str]

    def spaced(self, text: str) -> str:
        """``text`` (extracted from the page) with a space put back at each block edge where
        two words were glued: trafilatura trims the whitespace around the texts it joins
        (``1Heat oven`` from ``<div>1</div> <div>Heat oven``, ``honey.Stir`` from two
        ``<p>``s). Only words the page does not show are split, where the part before ends
        with the word before an edge and the part after starts with the word after it. A few
        lookups a character for each length of word an edge's key has (a review, 2026-12-06:
        16,000 ``<div>``s glued into one word, every edge with one key, scanned every pair at
        every place: 34 s, 2.6 s for 4,000), and at most `_SPLIT_BUDGET` characters a
        character of ``text`` compared in all (words of hundreds of lengths under one key, a
        second review): past it, the words left are left as they are."""
        if not self.pairs:
            return text
        budget = [_SPLIT_BUDGET * (len(text) + 1)]
        return _RUN.sub(lambda m: self._split(m.group(), budget), text)

    def _split(self, word: str, budget: list[int]) -> str:
        if word in self.words or budget[0] < 0:
            return word
        cuts = [i for i in range(1, len(word)) if self._edge_at(word, i, budget)]
        if not cuts or budget[0] < 0:
            return word
        bounds = [0, *cuts, len(word)]
        return " ".join(word[a:b] for a, b in pairwise(bounds))

    def _edge_at(self, word: str, i: int, budget: list[int]) -> bool:
        """Whether an edge's pair meets at ``word[i]``: the word before it ends ``word[:i]``
        and the word after it starts ``word[i:]`` (each word looked up is charged to
        ``budget``; none once it is spent)."""
        for k1 in range(1, min(_EDGE_KEY, i) + 1):
            for k2 in range(1, min(_EDGE_KEY, len(word) - i) + 1):
                edges = self.pairs.get((word[i - k1:i], word[i:i + k2]))
                if edges is None:
                    continue
                for size in edges.before_lengths:  # ascending
                    if size > i:
                        break
                    budget[0] -= size
                    if budget[0] < 0:
                        return False
                    found = edges.after.get(word[i - size:i])
                    if found is None:
                        continue
                    budget[0] -= sum(found[0])
                    if any(word[i:i + length] in found[1] for length in found[0]):
                        return True
        return False


def _indexed(pairs: dict[tuple[str, str], dict[str, set[str]]]) -> dict[tuple[str, str], _Edges]:
    """``pairs`` (each key's words before an edge, with the words after them) with the lengths
    of those words (`_Edges`)."""
    return {key: _Edges(tuple(sorted({len(before) for before in afters})),
                        {before: (tuple(sorted({len(after) for after in words})), frozenset(words))
                         for before, words in afters.items()})
            for key, afters in pairs.items()}


def block_edges(root: Any) -> BlockEdges:
    """The words on either side of each edge of a block element (`BLOCK_TAGS`, a ``<br>`` too),
    or of whitespace between two elements' texts (``<span>A</span> <span>B</span>``), in
    ``root``'s shown text (no scripts, styles and the like, `UNSHOWN_TAGS`): a word runs
    from whitespace or an edge to whitespace or an edge, across inline markup. Iterated, not
    recursive: a page's tree may be deep."""
    from lxml import etree

    pairs: dict[tuple[str, str], dict[str, set[str]]] = {}
    parts: list[str] = []
    since: list[str] = []  # the texts since the last edge
    last = ""  # the word before the last edge
    edge = False  # an edge since the last text with a word
    unshown = 0

    def text(value: str | None) -> None:
        nonlocal last, edge
        if unshown or not value:
            return
        if value.isspace() or (since and since[-1][-1].isspace()):
            edge = True  # whitespace between two elements' texts: trafilatura trims it too
        if value.isspace():
            return
        if edge or value[0].isspace():
            before = "".join(since).split()
            last = before[-1] if before else last
            since.clear()
            parts.append(" ")
            if last:
                first = value.split(None, 1)[0]
                afters = pairs.setdefault((last[-_EDGE_KEY:], first[:_EDGE_KEY]), {})
                afters.setdefault(last, set()).add(first)
            edge = False
        parts.append(value)
        since.append(value)

    for event, node in etree.iterwalk(root, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            unshown += tag in UNSHOWN_TAGS
            edge = edge or tag in BLOCK_TAGS
            if tag:
                text(node.text)
            continue
        unshown -= tag in UNSHOWN_TAGS
        edge = edge or tag in BLOCK_TAGS
        text(node.tail)
    return BlockEdges(_indexed(pairs), frozenset("".join(parts).split()))


#: The elements read as paragraphs by `shown_paragraphs` (the outermost of them in the page):
#: an ``<li>`` is a line ``- item``, as trafilatura writes list items. (Tables and ``<pre>``
#: blocks are not: a layout table holds the whole page, and a table of short cells is never
#: held; a third review of `cleaners.text.page_sections`, 2026-12-05.)
PARAGRAPH_TAGS = ("p", "h2", "h3", "h4", "h5", "h6", "li")


def linked_chars(element: Any) -> int:
    """How many characters of ``element``'s text are in its links (whitespace folded)."""
    return sum(len(" ".join(a.text_content().split())) for a in element.iter("a"))


def hidden_itself(node: Any) -> bool:
    """Whether ``node`` itself, its ancestors aside, is not shown (`is_hidden`)."""
    return is_hidden(node, {node.getparent()})


def shown_lines(element: Any) -> list[str]:
    """The element's shown text (`shown_runs`) as lines, one a ``<br>``, whitespace folded;
    hidden descendants (`is_hidden`'s attributes, styles and classes) left out."""
    runs = shown_runs(element, hidden_itself, mark=lambda node: node.tag == "br")
    text = "".join("\n" if node is not None else run for run, node in runs)
    return [line for part in text.split("\n") if (line := " ".join(part.split()))]


#: Paragraph elements with their shown lines, in page order (`shown_paragraphs`); the rules
#: handed one page's list read it and never change it.
Paragraphs = list[tuple[Any, list[str]]]


def shown_paragraphs(root: Any) -> Paragraphs:
    """The outermost paragraph elements (`PARAGRAPH_TAGS`) in ``root`` with shown text, and
    its ``<h1>``s wherever they are (a page's headlines), in page order, each with its lines
    (`shown_lines`; a list item's first one ``- item``). Linear in the page."""
    from lxml import etree

    found: Paragraphs = []
    inside = 0  # how many paragraph elements the walk is in
    tags = (*PARAGRAPH_TAGS, "h1")
    for event, node in etree.iterwalk(root, events=("start", "end"), tag=tags):
        if event == "end":
            inside -= node.tag != "h1"
            continue
        if (not inside or node.tag == "h1") and (lines := shown_lines(node)):
            if node.tag == "li":
                lines[0] = f"- {lines[0]}"
            found.append((node, lines))
        inside += node.tag != "h1"
    return found
