"""WordPress WXR exports (Tools → Export, ``.xml``): one record per published post or page.

A WXR file is RSS 2.0 with WordPress namespaces (``wp:`` = ``http://wordpress.org/export/
1.x/``, ``content:encoded`` for the post body). Every ``<item>`` is a post, page,
attachment, revision, menu item…; only *published posts and pages* become records, the
rest is counted in `WxrResult.skipped` by reason (``draft``, ``revision``,
``attachment``, ``nav_menu_item``…), so nothing disappears silently.

Parsing is safe: defusedxml rejects entity declarations (billion laughs) and external
entities/DTDs fetching (XXE); gzip input is decompressed with a size cap.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from cleaners.lang.tags import primary_language
from flows.readers.base import (
    BadRecord,
    RawRecord,
    ReadLimits,
    TimestampSyntax,
    make_record,
    parse_timestamp,
    read_all,
)

__all__ = ["MAX_WXR_BYTES", "PUBLISHED_TYPES", "WxrResult", "parse_wxr", "read_wxr"]

#: Largest (decompressed) export accepted, in bytes.
MAX_WXR_BYTES = 1 << 30
#: Post types that become records when published.
PUBLISHED_TYPES = frozenset({"post", "page"})

_WP_NS = re.compile(r"^http://wordpress\.org/export/\d+\.\d+/$")
_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_DC_NS = "http://purl.org/dc/elements/1.1/"


@dataclass
class WxrResult:
    """The records of an export and the count of items skipped, by reason."""

    records: list[dict[str, object]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _children(el: Element) -> dict[tuple[str, str], Element]:
    """First child per (namespace kind, local name); kind is 'wp', 'content', 'dc' or ''."""
    out: dict[tuple[str, str], Element] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        ns, local = _split(child.tag)
        kind = (
            "wp"
            if _WP_NS.match(ns)
            else "content"
            if ns == _CONTENT_NS
            else "dc"
            if ns == _DC_NS
            else ns
        )
        out.setdefault((kind, local), child)
    return out


def _text(children: dict[tuple[str, str], Element], kind: str, local: str) -> str | None:
    el = children.get((kind, local))
    if el is None or el.text is None:
        return None
    return el.text


def _clean(value: str | None) -> str | None:
    """``value`` stripped, or None when that leaves nothing."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _date(value: str | None, syntax: TimestampSyntax, unset: str) -> str | None:
    """An ISO-8601 UTC date from ``value`` read in ``syntax``; None when missing, holding
    WordPress's ``unset`` marker (``0000-00-00 00:00:00``, ``Mon, 30 Nov -0001 …``) or
    unreadable."""
    value = _clean(value)
    if not value or unset in value:
        return None
    dt, _ = parse_timestamp(value, syntax)
    return dt.isoformat() if dt is not None else None


def _decompress(data: bytes) -> bytes:
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            out = gz.read(MAX_WXR_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"corrupt gzip data: {exc}") from exc
    if len(out) > MAX_WXR_BYTES:
        raise ValueError(f"export larger than {MAX_WXR_BYTES} bytes once decompressed")
    return out


def parse_wxr(data: bytes) -> WxrResult:
    """Parse a WXR export (bytes, optionally gzip-compressed) into records.

    Each record has ``id`` (``wp:post_id``, else ``guid``), ``title``, ``url``
    (``link``), ``text`` (``content:encoded``, raw HTML as WordPress stores it),
    ``published_at`` (ISO-8601 UTC from ``wp:post_date_gmt``, else ``pubDate``; None if
    neither is a real date), ``lang`` (channel ``<language>``, ``fr-FR`` → ``fr``),
    ``source`` (channel title, else link) and ``post_type``. Only items with
    ``wp:status`` = ``publish`` and a post type in `PUBLISHED_TYPES` become records;
    the others are counted in ``skipped`` under their type (``attachment``,
    ``revision``, ``nav_menu_item``…) or, for posts and pages, their status
    (``draft``, ``private``, ``pending``, ``future``, ``trash``…); published posts with
    a password (not public) are counted as ``password``.

    Raises ``ValueError`` with the reason on malformed XML, a document that is not an
    RSS/WXR export, or an unsafe one (entity declarations, external entities).
    """
    data = _decompress(data)
    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        raise ValueError(f"unsafe XML rejected: {type(exc).__name__}: {exc}") from exc
    except ParseError as exc:
        raise ValueError(f"malformed XML: {exc}") from exc
    if _split(root.tag)[1] != "rss":
        raise ValueError(f"not a WXR export: root element is <{_split(root.tag)[1]}>, not <rss>")
    channel = next((c for c in root if _split(c.tag)[1] == "channel"), None)
    if channel is None:
        raise ValueError("not a WXR export: no <channel>")
    ch = _children(channel)
    lang = primary_language(_text(ch, "", "language"))
    source = _clean(_text(ch, "", "title")) or _clean(_text(ch, "", "link"))

    result = WxrResult()
    for item in channel:
        if _split(item.tag)[1] != "item":
            continue
        it = _children(item)
        post_type = _clean(_text(it, "wp", "post_type")) or "post"
        status = _clean(_text(it, "wp", "status")) or "publish"
        if post_type not in PUBLISHED_TYPES:
            reason = post_type
        elif status != "publish":
            reason = status
        elif _clean(_text(it, "wp", "post_password")):
            reason = "password"  # published, but not public
        else:
            reason = None
        if reason is not None:
            result.skipped[reason] = result.skipped.get(reason, 0) + 1
            continue
        record_id = _clean(_text(it, "wp", "post_id")) or _clean(_text(it, "", "guid"))
        result.records.append(
            {
                "id": record_id,
                "title": _clean(_text(it, "", "title")),
                "url": _clean(_text(it, "", "link")),
                "text": _text(it, "content", "encoded") or "",
                "published_at": _date(_text(it, "wp", "post_date_gmt"),
                                      TimestampSyntax.SQL_UTC, unset="0000-00-00")
                or _date(_text(it, "", "pubDate"), TimestampSyntax.RFC2822, unset="-0001"),
                "lang": lang,
                "source": source,
                "post_type": post_type,
            }
        )
    return result


def read_wxr(path: Path, limits: ReadLimits,
             skipped: dict[str, int]) -> Iterator[RawRecord | BadRecord]:
    """The records of a WXR export, read whole (see `parse_wxr`).

    Guarantees: one `RawRecord` per published post or page; the items skipped are added to
    ``skipped`` by reason; an empty, malformed or unsafe export is a single `BadRecord`
    (index -1). Raises `TooLarge` over the whole-file limit.
    """
    data = read_all(path, limits, hint="split the export")
    if not data.strip():
        yield BadRecord(-1, "empty file")
        return
    try:
        result = parse_wxr(data)
    except ValueError as exc:
        yield BadRecord(-1, f"unreadable WXR export: {exc}")
        return
    for kind, count in result.skipped.items():
        skipped[kind] = skipped.get(kind, 0) + count
    for index, obj in enumerate(result.records):
        yield make_record(obj, index, [])
