"""A page's newsletter and cookie notices, taken out of its main text (`without_notices`).

trafilatura's passes keep a newsletter box's pitch (``Get the day's big stories… Keep an eye
on your inbox``) or a cookie banner's text when it sits near the article. The page says what
such a block is in its class or id (``Newsletter-stateSent``, ``cookie-notice``,
``consent-banner``): a line of the text that the page shows only inside such blocks, short
ones, is taken out. Pure: a parsed tree and a text in, a text out.
"""

from __future__ import annotations

import re
from itertools import chain
from typing import Any

from cleaners.text.page_tree import (
    Paragraphs,
    hidden_itself,
    shown_paragraphs,
    shown_text,
    text_key,
)

__all__ = ["NOTICE_CLASS", "NOTICE_MAX_CHARS", "NOTICE_MAX_SHARE", "without_notices"]

#: Class or id words of a newsletter box or a cookie or consent banner.
NOTICE_CLASS = re.compile(r"newsletter|cookie|consent|gdpr", re.IGNORECASE)
#: A notice block shows at most this many characters (as `text_key`): a longer block with
#: such a class is a page's wrapper (a newsletter's own issue), not a notice.
NOTICE_MAX_CHARS = 1_000
#: Notices never make up this share of the text's characters or more: a text that would lose
#: so much is an article whose wrapper's class says ``category-newsletter`` (WordPress writes
#: a post's categories and tags there), and nothing is taken out.
NOTICE_MAX_SHARE = 0.5
#: Blocks that are an article, not a notice, whatever their class.
_ARTICLE_TAGS = frozenset({"article", "main", "body", "html"})
#: At most this many lines are looked for in the page's text outside the notices (each look
#: reads it): a text with more lines shown only in notices keeps them.
_MAX_LOOKED_FOR = 50


def _notice_above(element: Any, memo: dict[Any, Any], judged: dict[Any, bool]) -> Any | None:
    """The nearest block above ``element`` whose class or id names a notice, that shows
    `NOTICE_MAX_CHARS` characters or fewer (hidden ones not counted) and holds no ``<h1>``,
    or None (also when an ``<article>`` or ``<main>`` comes first). Remembered by parent, and
    each notice block judged once (``judged``: a review found 2,000 paragraphs, each in its
    own ``<div>`` inside one notice block, reading the whole block once a paragraph, 30 s)."""
    parent = element.getparent()
    if parent in memo:
        return memo[parent]
    found = None
    for block in chain((parent,), parent.iterancestors()) if parent is not None else ():
        if block.tag in _ARTICLE_TAGS:
            break
        if NOTICE_CLASS.search(f"{block.get('class') or ''} {block.get('id') or ''}"):
            if block not in judged:
                judged[block] = (block.find(".//h1") is None and len(
                    text_key(shown_text(block, hidden_itself))) <= NOTICE_MAX_CHARS)
            found = block if judged[block] else None
            break
    memo[parent] = found
    return found


def without_notices(tree: Any, text: str, paragraphs: Paragraphs | None = None) -> tuple[str, int]:
    """``text`` without the lines the page shows only inside notice blocks, and how many
    were taken out.

    A line goes when the page has it as a paragraph (`shown_paragraphs`) only inside blocks
    whose class or id names a newsletter, a cookie or a consent banner (`NOTICE_CLASS`; the
    nearest such block above the paragraph, below any ``<article>`` or ``<main>``, holding no
    ``<h1>`` and showing `NOTICE_MAX_CHARS` characters or fewer) and the page's shown text
    outside those blocks does not hold it. Nothing goes when that would take
    `NOTICE_MAX_SHARE` of the text or more. Linear in the page but for the depth of the
    paragraphs that are a line of the text, and a walk of the page's shown text when a line
    may go (at most `_MAX_LOOKED_FOR` lines are looked for there). ``paragraphs``: the page's
    `shown_paragraphs`, when the caller has them."""
    lines = text.split("\n")
    keys = {key for line in lines if (key := text_key(line))}
    in_notices: dict[str, bool] = {}  # a line's key: shown as paragraphs in notices only
    blocks: set[Any] = set()
    memo: dict[Any, Any] = {}
    judged: dict[Any, bool] = {}
    for element, shown in shown_paragraphs(tree) if paragraphs is None else paragraphs:
        for key in {text_key(line) for line in shown} & keys:
            if in_notices.get(key) is not False:
                block = _notice_above(element, memo, judged)
                in_notices[key] = block is not None
                if block is not None:
                    blocks.add(block)
    gone = {key for key, only in in_notices.items() if only}
    if len(gone) > _MAX_LOOKED_FOR:
        return text, 0
    if gone:
        outside = text_key(shown_text(tree, lambda node: node in blocks or hidden_itself(node)))
        gone = {key for key in gone if key not in outside}
    dropped = sum(len(text_key(line)) for line in lines if text_key(line) in gone)
    if not gone or dropped >= NOTICE_MAX_SHARE * len(text_key(text)):
        return text, 0
    kept = [line for line in lines if text_key(line) not in gone]
    return "\n".join(kept), len(lines) - len(kept)
