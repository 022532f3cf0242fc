"""Text a page's article container holds between its blocks, outside any element, made a
paragraph of its own (`with_loose_text_wrapped`), as a browser shows it.

A browser shows a run of text between two blocks of a container (a block's tail, the
container's own text before its first block, and the inline elements around them) as a block
of its own. trafilatura reads a container's paragraphs, and that run only in a container it
knows by name (its default pass reads one named ``story``, neither pass one named ``bd``): an
old CMS that writes ``<p><div class="float">…</div>SAN FRANCISCO (AP) — Steve Jobs, …</p>``
(the parser closes the ``<p>`` at the ``<div>``) lost its lead paragraph (Yahoo News, of
goose3's test pages). Only
containers of two ``<p>`` or more are read: elsewhere (menus, footers, link lists) a run between
blocks is seldom prose, and wrapping it there made trafilatura keep page furniture. Pure: an lxml
tree in, the same tree changed out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cleaners.text.page_tree import BLOCK_TAGS

__all__ = ["LOOSE_TEXT_MIN_PARAGRAPHS", "with_loose_text_wrapped"]

#: ``<p>`` children a container needs for its loose text to be read as paragraphs.
LOOSE_TEXT_MIN_PARAGRAPHS = 2
#: Elements that end a run: blocks (a ``<br>`` breaks a line inside the run).
_RUN_ENDS = BLOCK_TAGS - {"br"}
#: Elements whose text is never shown: they neither make a run nor count as its text.
_UNSHOWN = frozenset({"script", "style", "noscript", "template"})


def _ends_run(node: Any) -> bool:
    return isinstance(node.tag, str) and node.tag in _RUN_ENDS


def _shows_words(text: str | None, inline: list[Any]) -> bool:
    """Whether a run (its leading text and inline elements, with their tails) shows a letter
    or a digit."""
    if text and any(c.isalnum() for c in text):
        return True
    for node in inline:
        if (isinstance(node.tag, str) and node.tag not in _UNSHOWN
                and any(c.isalnum() for piece in node.itertext() for c in piece)):
            return True
        if node.tail and any(c.isalnum() for c in node.tail):
            return True
    return False


def _wrap_runs(container: Any) -> int:
    """Each run of ``container`` that shows words put in a new ``<p>`` at its place; returns
    how many."""
    from lxml import etree

    runs: list[tuple[Any, str | None, list[Any]]] = []  # (block before it or None, text, inline)
    before, text, inline = None, container.text, []
    for child in container:
        if _ends_run(child):
            runs.append((before, text, inline))
            before, text, inline = child, child.tail, []
        else:
            inline.append(child)
    runs.append((before, text, inline))
    wrapped = 0
    for before, text, inline in runs:
        if not _shows_words(text, inline):
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
        wrapped += 1
    return wrapped


def with_loose_text_wrapped(tree: Any) -> Any:
    """``tree`` (an lxml HTML tree; None stays None) with each run of loose text of a container
    holding `LOOSE_TEXT_MIN_PARAGRAPHS` ``<p>`` children or more wrapped in a ``<p>`` at its
    place: the text a container has between two of its blocks (or before the first, or after
    the last), outside any block, with the inline elements in that run, when it shows a letter
    or a digit. Guarantees: the document's text and its order are unchanged (only ``<p>``
    elements are added, each around text and inline elements that were between two blocks);
    linear in the tree's size. Changes ``tree`` in place and returns it."""
    if tree is None:
        return None
    counts = Counter(p.getparent() for p in tree.iter("p"))
    for container, paragraphs in counts.items():
        if container is not None and paragraphs >= LOOSE_TEXT_MIN_PARAGRAPHS:
            _wrap_runs(container)
    return tree
