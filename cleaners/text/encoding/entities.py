"""HTML character references: named, decimal, hex, and double-escaped ones.

Decoded with ftfy's entity table (HTML5 names plus their all-caps variants); an ``&`` that does
not start a complete entity is kept, so ``AT&T`` or ``&para=`` in a URL survive.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from ftfy.chardata import HTML_ENTITIES

from cleaners.edits import Edit, EditKind

__all__ = ["decode_entities"]

#: ``&name;``, ``&#123;``, ``&#x1F600;``: a semicolon is required, as in ftfy. Legacy entities
#: without one (``&copy``) are left alone: decoding them corrupts ``&para=`` or ``AT&notice``.
_NAME = r"#?[0-9A-Za-z]{1,24};"
_ENTITY_RE = re.compile(f"&{_NAME}")
#: What follows an ``&`` that starts a reference (``&amp;lt;`` stays, once decoded, ``&lt;``).
_NAME_AFTER = re.compile(_NAME)
_MAX_ENTITY_PASSES = 3  # &amp;amp;eacute; is escaped three times; more is not an entity


def _decode_entity(entity: str) -> str | None:
    """The character(s) of one entity, or None when it is not one (or would be U+FFFD)."""
    if entity in HTML_ENTITIES:  # ftfy's table: HTML5 names, plus all-caps variants
        return HTML_ENTITIES[entity]
    if entity.startswith("&#"):
        decoded = html.unescape(entity)
        if ";" in decoded or (decoded in ("", "\ufffd") and entity.lower() != "&#xfffd;"):
            return None
        return decoded
    return None


#: What ``&lt;``, ``&gt;`` and ``&amp;`` stand for: markup, once a parser has decoded a page.
MARKUP_CHARACTERS = frozenset("<>&")


def _lone_ampersand(match: re.Match[str]) -> bool:
    """Whether ``match`` is an ``&amp;`` that starts no reference where it stands (``drum &amp;
    bass``, ``R&amp;B``: a CMS's double escaping of ``&``, not ``&amp;lt;``): decoded even in
    text a parser has decoded once, by what follows it (`_NAME_AFTER`). The cost: a page that
    shows ``&amp;`` itself (``write <code>&amp;amp;</code> for &``, an HTML lesson) shows
    ``&``; ``&#38;`` is left as written."""
    return (match.group().lower() == "&amp;"
            and not _NAME_AFTER.match(match.string, match.end()))


def decode_entities(text: str, keep_markup: bool = False) -> tuple[str, list[Edit]]:
    """Decode HTML character references (named, decimal, hex; double-escaped too).

    Guarantees: text without ``&`` is returned as is; an ``&`` that does not start a complete
    entity (``AT&T``, ``&copy`` without ``;``, ``&bogus;``) is kept; no U+FFFD is produced
    from an invalid code point (``&#0;`` stays). With ``keep_markup`` (text an HTML parser
    has already decoded once), references to ``<``, ``>`` and ``&`` are kept as written:
    ``&lt;stdin&gt;`` there is what the page shows, not markup; but an ``&amp;`` that no name
    follows is a double-escaped ``&`` (``drum &amp;amp; bass`` in a post's markup) and is
    decoded. One `EditKind.ENTITY` edit
    with the count.
    """
    if "&" not in text:
        return text, []
    seen: Counter[str] = Counter()
    passes = 0

    def fix(match: re.Match[str]) -> str:
        decoded = _decode_entity(match.group())
        if decoded is None or (keep_markup and decoded in MARKUP_CHARACTERS
                               and not _lone_ampersand(match)):
            return match.group()
        seen[match.group()] += 1
        return decoded

    while passes < _MAX_ENTITY_PASSES and "&" in text:
        new = _ENTITY_RE.sub(fix, text)
        if new == text:
            break
        text = new
        passes += 1
    if not seen:
        return text, []
    total = sum(seen.values())
    sample = " ".join(name for name, _ in seen.most_common(5))
    detail = f"HTML entities decoded x{total} ({sample})"
    if passes > 1:
        detail += f"; double-escaped, {passes} passes"
    return text, [Edit(EditKind.ENTITY, detail)]
