"""WordPress WXR exports (Tools → Export, ``.xml``): one record per published, public post or page.

A WXR file is RSS 2.0 with WordPress namespaces: ``wp:`` (``http(s)://wordpress.org/export/
1.x/``), ``excerpt:``, ``content:encoded`` for the post body, ``dc:``. They are recognised by
the pattern of their URI (`namespace_kind`), whatever the scheme, version and trailing slash:
WordPress's own Theme Unit Test data declares ``https://wordpress.org/export/1.2/``.

Every ``<item>`` of the ``<channel>`` is a post, page, attachment, revision, menu item…; only
the items whose ``wp:post_type`` is an accepted type (`ReadLimits.wxr_post_types`, default
``post`` and ``page``), whose ``wp:status`` is ``publish`` and whose ``wp:post_password`` is
empty become records. The others are deliberate skips, not errors: they are counted by
``type/status`` (``attachment/inherit``, ``post/draft``, ``post/publish+password``,
``nav_menu_item/publish``; a missing value reads ``(none)``, one that is no WordPress key
``(invalid)``), never quarantined, and nothing of theirs but that count leaves this module (a
password-protected text is in no record, row, log or preview).

What XML forbids but WordPress's importer forgives (whitespace before ``<?xml``, bytes that are
not UTF-8, control characters, a bare ``&``) is repaired first (`flows.readers.xml_repair`), an
edit on each record concerned. What WordPress shows but keeps outside the body (reusable blocks,
footnotes) is put in place (`flows.readers.wxr_blocks`).

Parsing is incremental (``iterparse``): the items completed before a break (an export cut in
the middle, a malformed tag, a truncated gzip stream) are read, and the break is one reason.
Parsing is safe: defusedxml rejects entity declarations (billion laughs) and external
entities/DTDs fetching (XXE); gzip input is decompressed with a size cap.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from cleaners.edits import Edit, EditKind
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
from flows.readers.limits import WXR_POST_TYPES
from flows.readers.wxr_blocks import (
    BlockBudget,
    block_refs,
    expand_blocks,
    insert_footnotes,
    missing_blocks,
)
from flows.readers.xml_repair import XmlRepairs, repair_xml

__all__ = [
    "MAX_SKIP_REASONS",
    "MAX_WXR_BYTES",
    "PUBLISHED_TYPES",
    "SkippedItem",
    "WxrItem",
    "WxrResult",
    "count_skip",
    "iter_wxr",
    "namespace_kind",
    "parse_wxr",
    "read_wxr",
    "skip_reason",
]

#: Largest (decompressed) export accepted from gzip bytes, in bytes.
MAX_WXR_BYTES = 1 << 30
#: Post types that become records when published and public, unless the caller passes others
#: (`ReadLimits.wxr_post_types`).
PUBLISHED_TYPES = frozenset(WXR_POST_TYPES)
#: Distinct skip reasons counted per export; the rest are counted as ``(other)``, so an export
#: cannot bloat the run manifest.
MAX_SKIP_REASONS = 100
#: Channel children processed before they are dropped from the tree being built.
_PURGE_EVERY = 256
#: What WordPress stores as a post type or status: a `sanitize_key` of at most 20 characters.
_KEY = re.compile(r"[a-z0-9_-]{1,20}")

_NAMESPACES = (
    ("wp", re.compile(r"https?://(?:www\.)?wordpress\.org/export/\d+(?:\.\d+)*/?", re.I)),
    ("excerpt", re.compile(r"https?://(?:www\.)?wordpress\.org/export/\d+(?:\.\d+)*/excerpt/?",
                           re.I)),
    ("content", re.compile(r"https?://purl\.org/rss/\d+(?:\.\d+)*/modules/content/?", re.I)),
    ("dc", re.compile(r"https?://purl\.org/dc/elements/\d+(?:\.\d+)*/?", re.I)),
)


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """An item deliberately not read: its id (``wp:post_id``, else ``guid``; None without
    either) and why (`skip_reason`). Holds nothing else of the item."""

    id: str | None
    reason: str


class WxrItem(NamedTuple):
    """One item as `iter_wxr` gives it: its position among the channel's items (from 0), its
    record or `SkippedItem`, and the record's edits (what the reader changed, and why)."""

    position: int
    item: dict[str, object] | SkippedItem
    edits: list[Edit]


@dataclass
class WxrResult:
    """What `parse_wxr` read: the records and their edits (``edits[i]`` are ``records[i]``'s),
    the items skipped (count and ids by reason) and the one reason the export could not be
    read to its end (None when it could)."""

    records: list[dict[str, object]] = field(default_factory=list)
    edits: list[list[Edit]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_ids: dict[str, list[str | None]] = field(default_factory=dict)
    error: str | None = None


@lru_cache(maxsize=256)
def namespace_kind(uri: str) -> str:
    """``"wp"``, ``"excerpt"``, ``"content"`` or ``"dc"`` for a namespace URI of that WXR kind,
    whatever its scheme (http/https), version (``export/1.0/``, ``1.1``, ``1.2``…) and trailing
    slash; ``""`` for no namespace; any other URI as it is (so it never matches a kind)."""
    for kind, pattern in _NAMESPACES:
        if pattern.fullmatch(uri):
            return kind
    return uri


def _key(value: str | None) -> str:
    if value is None:
        return "(none)"
    return value if _KEY.fullmatch(value) else "(invalid)"


def skip_reason(post_type: str | None, status: str | None, protected: bool) -> str:
    """The reason an item is counted under: ``type/status``, ``+password`` when it has one
    (``post/publish+password``); a missing type or status reads ``(none)``, one that is no
    WordPress key (``[a-z0-9_-]``, at most 20 characters) ``(invalid)``: bounded, and safe to
    print."""
    return f"{_key(post_type)}/{_key(status)}" + ("+password" if protected else "")


def count_skip(skipped: dict[str, int], reason: str) -> str:
    """Add one to ``skipped[reason]`` and return the reason counted: past `MAX_SKIP_REASONS`
    distinct reasons, a new one is counted as ``(other)``."""
    if reason not in skipped and len(skipped) >= MAX_SKIP_REASONS:
        reason = "(other)"
    skipped[reason] = skipped.get(reason, 0) + 1
    return reason


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _children(el: Element) -> dict[tuple[str, str], Element]:
    """First child per (namespace kind, local name), kinds as `namespace_kind` gives them."""
    out: dict[tuple[str, str], Element] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        ns, local = _split(child.tag)
        out.setdefault((namespace_kind(ns), local), child)
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


#: What WordPress 3.x exports as the ``pubDate`` of a post without a date: no date either.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _date(value: str | None, syntax: TimestampSyntax, unset: str) -> str | None:
    """An ISO-8601 UTC date from ``value`` read in ``syntax``; None when missing, holding
    WordPress's ``unset`` marker (``0000-00-00 00:00:00``, ``Mon, 30 Nov -0001 …``), the epoch
    (``Thu, 01 Jan 1970 00:00:00 +0000``: WordPress 3.x's "no date") or unreadable."""
    value = _clean(value)
    if not value or unset in value:
        return None
    dt, _ = parse_timestamp(value, syntax)
    return dt.isoformat() if dt is not None and dt != _EPOCH else None


def _published_at(it: dict[tuple[str, str], Element], edits: list[Edit]) -> str | None:
    """The item's date: ``wp:post_date_gmt``, else ``pubDate``, else ``wp:post_date`` (the
    site's local time, read as UTC, with a ``metadata`` edit in ``edits`` saying so)."""
    published = (_date(_text(it, "wp", "post_date_gmt"), TimestampSyntax.SQL_UTC,
                       unset="0000-00-00")
                 or _date(_text(it, "", "pubDate"), TimestampSyntax.RFC2822, unset="-0001"))
    if published is None:
        published = _date(_text(it, "wp", "post_date"), TimestampSyntax.SQL_UTC,
                          unset="0000-00-00")
        if published is not None:
            edits.append(Edit(EditKind.METADATA, "published_at from wp:post_date, the site's "
                                                 "local time read as UTC: its offset is unknown "
                                                 "(no wp:post_date_gmt nor pubDate)"))
    return published


def _metas(el: Element, key: str) -> list[str]:
    """The values of the item's ``wp:postmeta`` entries whose ``wp:meta_key`` is ``key``."""
    out = []
    for child in el:
        if not isinstance(child.tag, str) or _split(child.tag)[1] != "postmeta":
            continue
        meta = _children(child)
        if (namespace_kind(_split(child.tag)[0]) == "wp"
                and _clean(_text(meta, "wp", "meta_key")) == key):
            out.append(_text(meta, "wp", "meta_value") or "")
    return out


def _decompress(data: bytes) -> tuple[bytes, str | None]:
    """``data`` gunzipped when it is gzip (every member, at most `MAX_WXR_BYTES`), and why it
    is cut short (corrupt or truncated stream, over the cap); ``data`` itself otherwise."""
    if not data.startswith(b"\x1f\x8b"):
        return data, None
    out: list[bytes] = []
    size = 0
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            chunk = inflater.decompress(data, MAX_WXR_BYTES + 1 - size)
        except zlib.error as exc:
            return b"".join(out), f"corrupt gzip data: {exc}"
        out.append(chunk)
        size += len(chunk)
        if size > MAX_WXR_BYTES:
            return b"".join(out)[:MAX_WXR_BYTES], (
                f"export larger than {MAX_WXR_BYTES} bytes once decompressed")
        if not inflater.eof:
            return b"".join(out), "corrupt gzip data: truncated stream"
        data = inflater.unused_data.lstrip(b"\x00")  # gzip's trailing padding
    return b"".join(out), None


def _item(el: Element, channel: dict[str, str], post_types: Collection[str],
          blocks: dict[int, str | None], block_edits: dict[int, list[Edit]],
          repairs: list[Edit]) -> tuple[dict[str, object] | SkippedItem, list[Edit]]:
    """The record of a published, public item of an accepted type and its edits, else its
    `SkippedItem`; a ``wp_block`` item is also added to ``blocks`` (its body, None when
    WordPress does not show it) and, when shown, to ``block_edits`` with ``repairs`` (the
    edits of the bytes repaired inside it), which go with its body into a post."""
    it = _children(el)
    post_type = _clean(_text(it, "wp", "post_type"))
    status = _clean(_text(it, "wp", "status"))
    protected = _clean(_text(it, "wp", "post_password")) is not None
    item_id = _clean(_text(it, "wp", "post_id")) or _clean(_text(it, "", "guid"))
    public = status == "publish" and not protected
    number = _clean(_text(it, "wp", "post_id"))
    if post_type == "wp_block" and number is not None and number.isdigit():
        blocks[int(number)] = (_text(it, "content", "encoded") or "") if public else None
        if public and repairs:
            block_edits[int(number)] = repairs
        else:
            block_edits.pop(int(number), None)
    if post_type not in post_types or not public:
        return SkippedItem(item_id, skip_reason(post_type, status, protected)), []
    edits: list[Edit] = []
    text, footnote_edits = insert_footnotes(_text(it, "content", "encoded") or "",
                                            _metas(el, "footnotes"))
    return {
        "id": item_id,
        "title": _clean(_text(it, "", "title")),
        "url": _clean(_text(it, "", "link")),
        "text": text,
        "published_at": _published_at(it, edits),
        "lang": primary_language(channel.get("language")),
        "source": _clean(channel.get("title")) or _clean(channel.get("link")),
        "post_type": post_type,
    }, [*edits, *footnote_edits]


def _items(repaired: XmlRepairs, post_types: Collection[str], blocks: dict[int, str | None],
           block_edits: dict[int, list[Edit]]) -> Iterator[tuple[int, dict[str, object]
                                                                 | SkippedItem, list[Edit]]]:
    """The channel's items of the repaired bytes (well-formed so far), as `_item` reads them
    (a block's repairs: those inside its item), each as soon as its end tag is parsed; then
    `ValueError` with the one-line reason of a break (its line number counted in the original
    bytes: ``repaired.lines_removed`` newlines were removed before)."""
    data, lines_removed = repaired.data, repaired.lines_removed
    channel: Element | None = None
    meta: dict[str, str] = {}
    done = depth = position = 0
    seen_channel = False
    try:
        for event, el in iterparse(io.BytesIO(data), events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 1 and _split(el.tag)[1] != "rss":
                    raise ValueError(
                        f"not a WXR export: root element is <{_split(el.tag)[1]}>, not <rss>")
                if depth == 2 and _split(el.tag) == ("", "channel"):
                    channel, meta, done, seen_channel = el, {}, 0, True
                continue
            if depth == 3 and channel is not None:  # a child of <channel>, now complete
                ns, local = _split(el.tag) if isinstance(el.tag, str) else ("", "")
                if (ns, local) == ("", "item"):
                    yield position, *_item(el, meta, post_types, blocks, block_edits,
                                           repaired.item_edits.get(position, []))
                    position += 1
                elif ns == "" and local in ("title", "link", "language"):
                    meta.setdefault(local, el.text or "")
                el.clear()
                done += 1
                if done >= _PURGE_EVERY:  # the parser may be ahead: only the processed prefix
                    del channel[:done]
                    done = 0
            elif depth == 2:
                channel = None if el is channel else channel
                el.clear()
            depth -= 1
    except DefusedXmlException as exc:
        raise ValueError(f"unsafe XML rejected: {type(exc).__name__}: {exc}") from exc
    except ParseError as exc:
        message = str(exc)
        if lines_removed:
            message = re.sub(r"line (\d+)", lambda m: f"line {int(m[1]) + lines_removed}",
                             message, count=1)
        raise ValueError(f"malformed XML: {message}") from exc
    if not seen_channel:
        raise ValueError("not a WXR export: no <channel>")


def _with_blocks(position: int, record: dict[str, object], edits: list[Edit],
                 blocks: dict[int, str | None], block_edits: dict[int, list[Edit]],
                 budget: BlockBudget) -> WxrItem:
    """The record with its reusable blocks put in place (`expand_blocks`, within the export's
    ``budget``), their edits added."""
    text, added = expand_blocks(str(record["text"]), blocks, block_edits, budget)
    if added:
        record = {**record, "text": text}
    return WxrItem(position, record, [*edits, *added])


def iter_wxr(data: bytes, post_types: Collection[str] = PUBLISHED_TYPES) -> Iterator[WxrItem]:
    """Each ``<item>`` of the export's ``<channel>`` (uncompressed XML bytes) as a `WxrItem`
    ``(position, record or SkippedItem, edits)``; ``position`` counts the channel's items from 0.

    Guarantees: the bytes are first repaired where XML forbids them (`repair_xml`: whitespace
    before the declaration, bytes that are not UTF-8, characters XML forbids, bare ``&``), each
    record carrying an edit for the repairs inside its item, inside each reusable block put in
    its text (once per block) and outside any item. An
    item comes out as soon as its end tag is parsed, in file order, except a record whose
    reusable blocks (``<!-- wp:block {"ref":N} /-->``) are not all read yet: it comes out once
    the export is read to its end or to its break, its blocks put in place
    (`flows.readers.wxr_blocks.expand_blocks`). Everything completed before a break is yielded;
    then `ValueError` is raised with a one-line reason — malformed or truncated XML (with its
    line and column), an unsafe document (entity declarations, external entities), a root other
    than ``<rss>``, or no ``<channel>``. A record has ``id`` (``wp:post_id``, else ``guid``),
    ``title``, ``url`` (``link``), ``text`` (``content:encoded``, raw HTML as WordPress stores
    it, reusable blocks and footnotes put in place), ``published_at`` (ISO-8601 UTC from
    ``wp:post_date_gmt``, else ``pubDate``, else ``wp:post_date`` read as UTC with an edit;
    None if none is a real date), ``lang`` (the channel's ``<language>`` read before the item,
    ``fr-FR`` → ``fr``), ``source`` (the channel's title, else its link) and ``post_type``; it
    is made only for an item whose ``wp:post_type`` is in ``post_types``, ``wp:status`` is
    ``publish`` and ``wp:post_password`` is empty. Memory holds the data (twice when repaired),
    the ``wp_block`` bodies, the records waiting for a block, and one item at a time.
    """
    repaired = repair_xml(data)
    budget = BlockBudget.for_export(len(data))
    blocks: dict[int, str | None] = {}
    block_edits: dict[int, list[Edit]] = {}
    waiting: list[tuple[int, dict[str, object], list[Edit]]] = []
    refs_of: dict[str, set[int]] = {}  # each block body's references, read once
    try:
        for position, item, edits in _items(repaired, post_types, blocks, block_edits):
            if isinstance(item, SkippedItem):
                yield WxrItem(position, item, [])
                continue
            edits = [*repaired.edits_for(position), *edits]
            if block_refs(str(item["text"])) and missing_blocks(str(item["text"]), blocks,
                                                                refs_of):
                waiting.append((position, item, edits))
            else:
                yield _with_blocks(position, item, edits, blocks, block_edits, budget)
    except ValueError:  # the records waiting for a block come out before the break
        yield from (_with_blocks(*wait, blocks, block_edits, budget) for wait in waiting)
        raise
    yield from (_with_blocks(*wait, blocks, block_edits, budget) for wait in waiting)


def parse_wxr(data: bytes, post_types: Collection[str] = PUBLISHED_TYPES) -> WxrResult:
    """Read a WXR export (bytes, optionally gzip-compressed) to its end or to its first break.

    Guarantees: ``records`` holds the published, public items of a type in ``post_types``
    (fields: `iter_wxr`) in file order, ``edits`` their edits; every other item is counted in ``skipped`` and listed by id in
    ``skipped_ids``, under its `skip_reason`; ``error`` is None when the whole export was read,
    else the one-line reason it stopped (malformed or truncated XML, corrupt or truncated gzip,
    unsafe XML, not a WXR export), the items before it having been read. Never raises on bad
    input.
    """
    data, cut = _decompress(data)
    result = WxrResult()
    records: list[WxrItem] = []
    try:
        for read in iter_wxr(data, post_types):
            if isinstance(read.item, SkippedItem):
                reason = count_skip(result.skipped, read.item.reason)
                result.skipped_ids.setdefault(reason, []).append(read.item.id)
            else:
                records.append(read)
    except ValueError as exc:
        result.error = cut or str(exc)
    else:
        result.error = cut
    records.sort(key=lambda read: read.position)  # those that waited for a block, in place
    result.records = [read.item for read in records if isinstance(read.item, dict)]
    result.edits = [read.edits for read in records]
    return result


def _read_bytes(path: Path, limits: ReadLimits) -> tuple[bytes, str | None]:
    """The export's bytes (gunzipped as `read_all` does), and why they stop short when an I/O
    or decompression error cut them (None when whole). Raises what `read_all` raises when
    nothing was read before the error."""
    kept: list[bytes] = []
    try:
        data = read_all(path, limits, hint="split the export", kept=kept)
    except (EOFError, OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        if not any(kept):
            raise
        return b"".join(kept), f"{type(exc).__name__}: {exc or 'truncated gzip stream'}"
    return _decompress(data)


def read_wxr(path: Path, limits: ReadLimits,
             skipped: dict[str, int]) -> Iterator[RawRecord | BadRecord]:
    """The records of a WXR export (see `iter_wxr`), parsed as they complete.

    Guarantees: one `RawRecord` per published, public item whose type is in
    ``limits.wxr_post_types``, indexed by its position among the channel's items; every other
    item is added to ``skipped`` under its `skip_reason` (``post/draft``: 1) and nothing else of
    it comes out. A record carries the edits `iter_wxr` gives it (repairs of the bytes, a date
    read from local time, reusable blocks and footnotes put in place). An export cut short (truncated or malformed XML, truncated gzip) gives the
    records of the items completed before the break, then one `BadRecord` (index -1) with the
    one-line reason; an empty, unsafe or non-WXR file is that single `BadRecord`. Raises
    `TooLarge` over the whole-file limit.
    """
    data, cut = _read_bytes(path, limits)
    if not data.strip():
        yield BadRecord(-1, f"empty file{f' ({cut})' if cut else ''}")
        return
    items = 0
    try:
        for index, item, edits in iter_wxr(data, frozenset(limits.wxr_post_types)):
            items += 1
            if isinstance(item, SkippedItem):
                count_skip(skipped, item.reason)
            else:
                yield make_record(item, index, edits)
    except ValueError as exc:
        error: str | None = cut or str(exc)
    else:
        error = cut
    if error is None:
        return
    if items:
        yield BadRecord(-1, f"WXR export cut short after {items} complete item(s), which were "
                            f"read: {error}")
    else:
        yield BadRecord(-1, f"unreadable WXR export: {error}")
