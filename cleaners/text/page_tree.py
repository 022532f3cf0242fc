"""What a parsed page shows: an element's text as shown, the form texts are compared in, and
whether an element is page furniture or hidden.

Shared by the main-text extraction (`cleaners.text.extract`: the lead) and the lists it puts
back (`cleaners.text.page_lists`). Pure: lxml elements in, strings and booleans out.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["FURNITURE_CLASS", "FURNITURE_TAGS", "in_furniture", "is_hidden", "shown_text", "text_key"]

#: Elements that hold page furniture, not the article.
FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "form", "figure", "figcaption", "blockquote"})
#: Class or id words of blocks that hold page furniture.
FURNITURE_CLASS = re.compile(
    r"author|autor|writer|bio\b|byline|signature|profile|caption|credit|tooltip|share|social"
    r"|related|newsletter|subscri|paywall|premium|comment|cookie|consent|privacy|gdpr|promo"
    r"|advert|sponsor|banner|notice|hinweis|aviso|disclosure|disclaimer|correction|sidebar"
    r"|breadcrumb|toc\b|audio|player", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def text_key(text: str) -> str:
    """The form texts are compared in: NFKC, case-folded, without whitespace (markup splits
    words differently than the extracted text)."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text).casefold())


#: Elements whose text a reader never sees.
UNSHOWN_TAGS = frozenset({"script", "style", "noscript", "template"})


def shown_text(element: Any) -> str:
    """The element's text as the page shows it: a ``<br>`` is a space (``text_content``
    glues the words on either side of it), and nothing of a script, style, ``<noscript>`` or
    ``<template>`` inside it (`UNSHOWN_TAGS`: a video block's player script was taken for a
    lead). Iterated, not recursive: a page's tree may be deep."""
    from lxml import etree

    parts = []
    hidden = 0  # how many unshown elements the walk is inside
    for event, node in etree.iterwalk(element, events=("start", "end", "comment", "pi")):
        unshown = event in ("start", "end") and node.tag in UNSHOWN_TAGS
        if event == "start":
            hidden += unshown
            if not hidden:
                parts.append(" " if node.tag == "br" else node.text or "")
            continue
        if event == "end" and unshown:
            hidden -= 1
        if node is not element and not hidden:  # the end of an element, a comment, an instruction
            parts.append(node.tail or "")
    return "".join(parts)


def in_furniture(element: Any, above: frozenset[Any] | set[Any] = frozenset()) -> bool:
    """Whether ``element`` is or sits in page furniture: a navigation, aside, form, footer,
    figure or quote element, or a block whose class or id names furniture
    (`FURNITURE_CLASS`); looked for up to (not including) the first ancestor in ``above``, or
    the ``<body>``, whose classes describe the page (``no-sidebars``), not a block of it."""
    for block in (element, *element.iterancestors()):
        if block in above or block.tag in ("body", "html"):
            return False
        if block.tag in FURNITURE_TAGS or FURNITURE_CLASS.search(
                f"{block.get('class') or ''} {block.get('id') or ''}"):
            return True
    return False


def is_hidden(element: Any) -> bool:
    """Whether ``element`` is not shown: it or an ancestor is a ``<noscript>`` or a
    ``<template>``, or is ``hidden`` or ``display: none``."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("noscript", "template") or node.get("hidden") is not None:
            return True
        if "display:none" in (node.get("style") or "").replace(" ", "").lower():
            return True
    return False
