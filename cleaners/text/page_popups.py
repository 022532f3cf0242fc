"""Tooltips and popovers inside running text, taken out of a page (`without_popups`).

A glossary or a footnote plugin writes the bubble it shows on hover right after the word it
explains, inside the sentence: ``einer <a>intergeschlechtlichen</a><span class="tooltip">
Intergeschlechtliche (lat. 'inter': zwischen) Menschen haben …</span> Person aus
Frankreich``. A stylesheet hides it until the reader points at the word; trafilatura reads
it as text and glues it into the sentence (``intergeschlechtlichenIntergeschlechtliche …
Person aus Frankreich``). The annotators of the evaluation sets leave such bubbles out of the
article. Pure: a parsed tree in, the same tree changed in place out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cleaners.text.page_tree import BLOCK_TAGS

__all__ = ["BUBBLE_MAX_CHARS", "without_popups"]

#: A class name that names a hover bubble: a part (between ``-`` and ``_``, any case) that is
#: ``tooltip`` (``tool-tip``), ``tooltiptext`` (w3schools' pattern), ``tooltipBubble`` (a CSS
#: module's ``Term_tooltipBubble__muCRN``), ``tooltip-content``, ``popover``…
_BUBBLE_NAME = re.compile(
    r"(?:^|[-_])(?:tool-?tips?|popover)(?:text|content|bubble|body|inner|box|panel)?(?=$|[-_])",
    re.IGNORECASE)
_PARTS = re.compile(r"[-_]+")
#: The words of the attributes `_names_a_bubble` reads (a cheap search before the walk).
_MAY_NAME_BUBBLES = re.compile(r"tool-?tip|popover", re.IGNORECASE)
#: Parts of a class name that make it a trigger's, or a box around trigger and bubble:
#: ``tooltip-trigger-isolate`` (a badge, ``Expandable``, on Stripe's API reference).
_NOT_BUBBLE_PARTS = frozenset({"trigger", "toggle", "toggler", "anchor", "target", "handle",
                               "link", "icon", "btn", "button", "wrap", "wrapper", "container",
                               "holder", "host", "parent", "reference", "ref", "label"})
#: Classes a tooltip library gives the trigger: Tooltipster's ``tooltipstered`` (set up by its
#: script), Foundation's ``has-tip``.
_TRIGGER_CLASSES = frozenset({"tooltipstered", "has-tip"})
#: What makes an element the word a bubble explains, not the bubble: a link, a definition, an
#: abbreviation or a button (or being inside a link or a button: a footnote plugin's ``[1]``
#: in ``<sup class="footnote_plugin_tooltip_text">``), or an attribute a tooltip library reads
#: the bubble's text from (Bootstrap's ``title``, ``data-bs-original-title``, Tippy's
#: ``data-tippy-content``, Tooltipster's ``data-tooltip-content``, Microtip's ``aria-label``).
_TRIGGER_TAGS = frozenset({"a", "dfn", "abbr", "button"})
_TRIGGER_ATTRIBUTES = ("href", "title", "data-toggle", "data-bs-toggle", "data-tip",
                       "data-tooltip", "data-tippy-content", "aria-describedby",
                       "data-original-title", "data-bs-original-title", "data-content",
                       "data-tooltip-content", "aria-label")


def _names_a_bubble(element: Any) -> bool:
    """Whether ``element`` is a hover bubble by its role (``tooltip``), the HTML ``popover``
    attribute or a class (`_BUBBLE_NAME`, with no part of `_NOT_BUBBLE_PARTS`), and no
    trigger (`_TRIGGER_TAGS`, `_TRIGGER_CLASSES`, `_TRIGGER_ATTRIBUTES`)."""
    names = (element.get("class") or "").split()
    if not (element.get("role") == "tooltip" or element.get("popover") is not None or any(
            _BUBBLE_NAME.search(name) and _NOT_BUBBLE_PARTS.isdisjoint(
                part.casefold() for part in _PARTS.split(name)) for name in names)):
        return False
    return (element.tag not in _TRIGGER_TAGS
            and _TRIGGER_CLASSES.isdisjoint(name.casefold() for name in names)
            and all(element.get(name) is None for name in _TRIGGER_ATTRIBUTES))


#: A bubble is short: a longer element is a part of the page (a menu, a dialog), not a word's
#: note; so is an element that holds blocks (but ``<div>``s or ``<br>``s).
BUBBLE_MAX_CHARS = 1_000
#: Tags a bubble may have: inline ones, and ``<div>`` (Tippy's ``tippy-box``, a theme's
#: ``tool-tip__content``); never the page's own (``<body>`` of a class ``…-tooltips``).
_NOT_BUBBLE_TAGS = (BLOCK_TAGS - {"div"}) | {"html", "head", "template"}
#: Elements whose text a reader does not read as the page's: it counts as no text before.
_UNREAD_TAGS = frozenset({"svg", "script", "style", "template"})


@dataclass(slots=True)
class _Open:
    """A bubble the walk is inside: how many characters of text came before it, whether text
    came before it in its block or in a bubble around it, whether it is a box (a bubble
    inside it comes after text inside it: the word and its bubble), and whether it holds a
    block."""

    element: Any
    count: int
    after_text: bool
    box: bool = False
    blocks: bool = False


def without_popups(tree: Any) -> Any:
    """``tree`` without the hover bubbles (`_names_a_bubble`) that hold text, at most
    `BUBBLE_MAX_CHARS` characters and no block (but ``<div>``s; `_NOT_BUBBLE_TAGS`), sit in
    no trigger (`_TRIGGER_TAGS`: a link, a button, a definition), and come after text: in
    their block (a ``<br>`` starts a new line), or inside a bubble around them. A bubble
    that holds another after text of its own is the box of a word and its bubble (``<span
    class="tooltip"><em>word</em><span class="tooltiptext">…</span></span>``, Glossary by
    Codeat's ``glossary-tooltip``): it stays, and the bubble inside it goes. A bubble that
    opens its block or line stays, and so does the text after a bubble (its tail); text
    inside bubbles (but since the line's start, inside the bubble around it) and in ``<svg>``,
    ``<script>``, ``<style>`` counts as no text before. Changed in place and returned
    (None stays None). One search of the tree's attributes for a role, attribute or class
    that may name a bubble; when it finds one, one walk of the tree, each bubble marked a box
    once: linear in the page's elements."""
    if tree is None or not (tree.xpath("boolean(//@popover)") or _MAY_NAME_BUBBLES.search(
            "\n".join(tree.xpath("//@class | //@role")))):
        return tree  # most pages: one search, no walk
    from lxml import etree

    texted = [False]  # for each block the walk is in: whether text came before in it
    starts = [0]  # for each block: the count where it, or its line, starts
    count = 0  # characters of text seen, but in <svg>, <script>, <style>, <template>
    opened: list[_Open] = []
    bubbles = []
    inside_trigger = unread = 0
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else None  # None: a comment
        if event == "start":
            if tag == "br":
                if not opened:  # a line break inside a hidden bubble starts no line
                    texted[-1], starts[-1] = False, count
                continue
            if tag in BLOCK_TAGS and tag != "div" and opened:
                opened[-1].blocks = True
            if (tag is not None and tag not in _NOT_BUBBLE_TAGS and not inside_trigger
                    and not unread and _names_a_bubble(element)):
                for around in reversed(opened):  # the bubbles around it with text before it
                    if around.box or count == around.count:
                        break
                    around.box = True
                opened.append(_Open(element, count, texted[-1] or bool(
                    opened and count > max(opened[-1].count, starts[-1]))))
            if tag in BLOCK_TAGS:
                texted.append(False)
                starts.append(count)
            inside_trigger += tag in _TRIGGER_TAGS
            unread += tag in _UNREAD_TAGS
            text = (element.text or "").strip() if tag is not None and not unread else ""
            if text:
                count += len(text)
                texted[-1] = texted[-1] or not opened
            continue
        if tag != "br":
            inside_trigger -= tag in _TRIGGER_TAGS
            unread -= tag in _UNREAD_TAGS
            if tag in BLOCK_TAGS and len(texted) > 1:
                texted.pop()
                starts.pop()
        if opened and opened[-1].element is element:
            bubble = opened.pop()
            if opened:
                opened[-1].blocks = opened[-1].blocks or bubble.blocks
            if (bubble.after_text and not bubble.box and not bubble.blocks
                    and bubble.count < count <= bubble.count + BUBBLE_MAX_CHARS):
                bubbles.append(element)
        tail = (element.tail or "").strip() if not unread else ""
        if tail:
            count += len(tail)
            texted[-1] = texted[-1] or not opened
    _drop_all(bubbles)
    return tree


def _drop_all(bubbles: list[Any]) -> None:
    """Each of ``bubbles`` out of the tree, its tail joined to the text before it, one pass
    over each parent's children (lxml's ``drop_tree`` joins one tail at a time: a paragraph
    of 40,000 bubbles took 1.4 s, and emptying them in place instead changed what
    trafilatura kept)."""
    by_parent: dict[Any, set[Any]] = {}
    for bubble in bubbles:
        parent = bubble.getparent()
        if parent is not None:
            by_parent.setdefault(parent, set()).add(bubble)
    for parent, dropped in by_parent.items():
        texts: dict[Any, list[str]] = {parent: [parent.text or ""]}
        last = parent
        for child in list(parent):
            if child in dropped:
                texts[last].append(child.tail or "")
                parent.remove(child)
            else:
                last = child
                texts[child] = [child.tail or ""]
        for node, parts in texts.items():
            joined = "".join(parts) or None
            if node is parent:
                parent.text = joined
            else:
                node.tail = joined
