"""A page's newsletter and cookie notices, taken out of its main text (`without_notices`).

trafilatura's passes keep a newsletter box's pitch (``Get the day's big stories… Keep an eye
on your inbox``) or a cookie banner's text when it sits near the article. The page says what
such a block is in its class or id (``Newsletter-stateSent``, ``cookie-notice``,
``consent-banner``): a line of the text that the page shows only as paragraphs of such a
block, a short one, is taken out. Pure: a parsed tree and a text in, a text out.
"""

from __future__ import annotations

import re
from itertools import chain
from typing import Any

from cleaners.text.page_tree import shown_paragraphs, shown_text, text_key

__all__ = ["NOTICE_CLASS", "NOTICE_MAX_CHARS", "without_notices"]

#: Class or id words of a newsletter box or a cookie or consent banner.
NOTICE_CLASS = re.compile(r"newsletter|cookie|consent|gdpr", re.IGNORECASE)
#: A notice block shows at most this many characters (as `text_key`): a longer block with
#: such a class is a page's wrapper (a newsletter's own article page), not a notice.
NOTICE_MAX_CHARS = 1_000


def _notice_of(element: Any) -> Any | None:
    """The nearest block at or above ``element`` (below the ``<body>``) whose class or id
    names a notice, or None."""
    for block in chain((element,), element.iterancestors()):
        if block.tag in ("body", "html"):
            return None
        if NOTICE_CLASS.search(f"{block.get('class') or ''} {block.get('id') or ''}"):
            return block
    return None


def without_notices(tree: Any, text: str) -> tuple[str, int]:
    """``text`` without the lines the page shows only inside notice blocks, and how many
    were taken out.

    A line goes when every paragraph of the page (`shown_paragraphs`) whose line it is sits
    in a block whose class or id names a newsletter, a cookie or a consent banner
    (`NOTICE_CLASS`) and that shows `NOTICE_MAX_CHARS` characters or fewer. A line no
    paragraph of the page is stays. Linear in the page but for the depth of the paragraphs
    that are a line of the text."""
    lines = text.split("\n")
    keys = {key for line in lines if (key := text_key(line))}
    only_notices: dict[str, bool] = {}
    sizes: dict[Any, int] = {}
    for element, shown in shown_paragraphs(tree):
        for key in {text_key(line) for line in shown} & keys:
            if only_notices.get(key) is False:
                continue
            block = _notice_of(element)
            if block is not None and block not in sizes:
                sizes[block] = len(text_key(shown_text(block)))
            only_notices[key] = block is not None and sizes[block] <= NOTICE_MAX_CHARS
    gone = {key for key, only in only_notices.items() if only}
    if not gone:
        return text, 0
    kept = [line for line in lines if text_key(line) not in gone]
    return "\n".join(kept), len(lines) - len(kept)
