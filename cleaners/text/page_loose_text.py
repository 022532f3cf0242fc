"""Prose a page's article container holds between its blocks, outside any element, made a
paragraph of its own (`with_loose_text_wrapped`), as a browser shows it.

A browser shows a run of text between two blocks of a container (a block's tail, the
container's own text before its first block, and the inline elements around them) as a block
of its own. trafilatura reads a container's paragraphs, and that run only in a container it
knows by name (its default pass reads one named ``story``, neither pass one named ``bd``): an
old CMS that writes ``<p><div class="float">…</div>SAN FRANCISCO (AP) — Steve Jobs, …</p>``
(the parser closes the ``<p>`` at the ``<div>``) lost its lead paragraph (Yahoo News, of
goose3's test pages). Only containers of two ``<p>`` or more are read: elsewhere (menus,
footers, link lists) a run between blocks is seldom prose, and wrapping it there made
trafilatura keep page furniture; and only runs that read as prose (`reads_as_prose`): a
container's loose dateline, byline or notice heading (``Erstellt am: 30.01.2022 18:36``,
``By JANE DOE, Associated Press Writer``) stays as it was. Pure: an lxml tree in, the same
tree changed out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cleaners.text.page_passes import reads_as_prose
from cleaners.text.page_tree import BLOCK_TAGS, UNSHOWN_TAGS, hidden_itself, shown_text

__all__ = ["LOOSE_TEXT_MIN_PARAGRAPHS", "with_loose_text_wrapped"]

#: ``<p>`` children a container needs for its loose text to be read as paragraphs.
LOOSE_TEXT_MIN_PARAGRAPHS = 2
#: Elements that end a run: blocks (a ``<br>`` breaks a line inside the run).
_RUN_ENDS = BLOCK_TAGS - {"br"}


def _holding_blocks(root: Any) -> set[Any]:
    """The elements of ``root`` that hold a block (`_RUN_ENDS`) at any depth: an inline
    element or an unknown tag around paragraphs (``<span class="body"><p>…``, a card's
    ``<a><div><h3>``) ends a run as a block does. One walk, children before parents."""
    holding: set[Any] = set()
    for node in reversed(list(root.iter())):
        if node in holding or (isinstance(node.tag, str) and node.tag in _RUN_ENDS):
            parent = node.getparent()
            if parent is not None:
                holding.add(parent)
    return holding


def _run_text(text: str | None, inline: list[Any]) -> str:
    """What a run shows: its leading text, then each inline element's shown text
    (`shown_text`: nothing of a script, a style, a ``<textarea>``…, nor of an element hidden
    itself, `hidden_itself`; a ``<br>`` a space) and its tail."""
    parts = [text or ""]
    for node in inline:
        if node.tag == "br":
            parts.append(" ")
        elif isinstance(node.tag, str) and node.tag not in UNSHOWN_TAGS and not hidden_itself(node):
            parts.append(shown_text(node))
        parts.append(node.tail or "")
    return " ".join("".join(parts).split())


def _wrap_runs(container: Any, holding: set[Any]) -> None:
    """Each run of ``container`` that reads as prose put in a new ``<p>`` at its place."""
    from lxml import etree

    runs: list[tuple[Any, str | None, list[Any]]] = []  # (block before it or None, text, inline)
    before, text, inline = None, container.text, []
    for child in container:
        if (isinstance(child.tag, str) and child.tag in _RUN_ENDS) or child in holding:
            runs.append((before, text, inline))
            before, text, inline = child, child.tail, []
        else:
            inline.append(child)
    runs.append((before, text, inline))
    for before, text, inline in runs:
        if not reads_as_prose(_run_text(text, inline)):
            continue
        paragraph = etree.Element("p")
        paragraph.text = text
        if before is None:
            container.text = None
            container.insert(0, paragraph)
        else:
            before.tail = None
            before.addnext(paragraph)
        paragraph.extend(inline)


def with_loose_text_wrapped(tree: Any) -> Any:
    """``tree`` (an lxml HTML tree; None stays None) with each run of loose text of a container
    holding `LOOSE_TEXT_MIN_PARAGRAPHS` ``<p>`` children or more wrapped in a ``<p>`` at its
    place: the text a container has between two of its blocks (or before the first, or after
    the last), outside any block, with the inline elements in that run (none holding a block),
    when it reads as prose. Guarantees: the document's text and its order are unchanged (only
    ``<p>`` elements are added, each around text and inline elements that were between two
    blocks, so no ``<p>`` holds a block); linear in the tree's size. Changes ``tree`` in place
    and returns it."""
    if tree is None:
        return None
    containers = [container for container, paragraphs
                  in Counter(p.getparent() for p in tree.iter("p")).items()
                  if container is not None and paragraphs >= LOOSE_TEXT_MIN_PARAGRAPHS]
    if containers:
        holding = _holding_blocks(tree)
        for container in containers:
            _wrap_runs(container, holding)
    return tree
