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
from typing import Any

from cleaners.text.page_tree import BLOCK_TAGS

__all__ = ["without_popups"]

#: A part of a class name (split at ``-`` and ``_``, whole, any case) that names a hover
#: bubble: ``tooltip``, ``tooltiptext`` (w3schools' pattern), ``tooltipBubble`` (a CSS
#: module's ``Term_tooltipBubble__muCRN``), ``popover``, ``popover-content``.
_BUBBLE_PART = re.compile(
    r"(?:tool-?tips?|popover)(?:text|content|bubble|body|inner|box|panel)?", re.IGNORECASE)
_PARTS = re.compile(r"[-_]+")
#: Parts of a class name that make it the trigger's, or a box around trigger and bubble:
#: ``tooltip-trigger-isolate`` (a badge, ``Expandable``, on Stripe's API reference).
_NOT_BUBBLE_PARTS = frozenset({"trigger", "toggle", "toggler", "anchor", "target", "handle",
                               "link", "icon", "btn", "button", "wrap", "wrapper", "container",
                               "holder", "host", "parent", "reference", "ref"})
#: What makes an element the word a bubble explains, not the bubble: a link, a definition or
#: an abbreviation, a button, or the attributes that libraries read to show a bubble built by
#: script (Bootstrap's ``data-toggle="tooltip"``, ``title``, ``data-tip``, Tippy's
#: ``data-tippy-content``, ``aria-describedby``).
_TRIGGER_TAGS = frozenset({"a", "dfn", "abbr", "button"})
_TRIGGER_ATTRIBUTES = ("href", "title", "data-toggle", "data-bs-toggle", "data-tip",
                       "data-tooltip", "data-tippy-content", "aria-describedby")


def _names_bubble(name: str) -> bool:
    """Whether the class ``name`` has a part that names a bubble (`_BUBBLE_PART`) and none
    that names its trigger or a box around both (`_NOT_BUBBLE_PARTS`)."""
    parts = [part.casefold() for part in _PARTS.split(name)]
    return (any(_BUBBLE_PART.fullmatch(part) for part in parts)
            and _NOT_BUBBLE_PARTS.isdisjoint(parts))


def _names_a_bubble(element: Any) -> bool:
    """Whether ``element`` is a hover bubble by its role (``tooltip``) or a class
    (`_names_bubble`), holds text, and is no trigger (`_TRIGGER_TAGS`, `_TRIGGER_ATTRIBUTES`)
    nor a trigger's wrapper that shows its word before the bubble inside it (``<span
    class="tooltip">Hover me<span class="tooltiptext">…</span></span>``)."""
    if element.get("role") != "tooltip" and not any(
            _names_bubble(name) for name in (element.get("class") or "").split()):
        return False
    if element.tag in _TRIGGER_TAGS or any(element.get(name) is not None
                                           for name in _TRIGGER_ATTRIBUTES):
        return False
    if (element.text or "").strip() and len(element):
        return False
    return any(text.strip() for text in element.itertext())  # an empty one changes nothing


def without_popups(tree: Any) -> Any:
    """``tree`` without the hover bubbles (`_names_a_bubble`) that come after text inside
    the block that holds them: a bubble inside a sentence, after the word it explains. A
    bubble that opens its block (a box of its own) stays, and so does the text after a bubble
    (its tail). Changed in place and returned (None stays None). One walk of the tree: linear
    in the page's elements."""
    if tree is None:
        return None
    from lxml import etree

    bubbles = []
    texted = [False]  # for each block the walk is in: whether text came before in it
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        if not isinstance(element.tag, str):  # a comment: no block, but its tail is text
            if event == "end" and (element.tail or "").strip():
                texted[-1] = True
            continue
        if event == "start":
            if element.tag in BLOCK_TAGS:
                texted.append(False)
            elif texted[-1] and _names_a_bubble(element):
                bubbles.append(element)
            if (element.text or "").strip():
                texted[-1] = True
            continue
        if element.tag in BLOCK_TAGS and len(texted) > 1:
            texted.pop()
        if (element.tail or "").strip():
            texted[-1] = True
    for bubble in bubbles:
        if bubble.getparent() is not None:
            bubble.drop_tree()  # its tail stays
    return tree
