"""What WordPress renders into a post but keeps outside its ``content:encoded``.

Two kinds of Gutenberg content are stored elsewhere in a WXR export, so the post's own body
holds only a placeholder comment, which the HTML cleaner drops:

* a **reusable block** (a synced pattern): ``<!-- wp:block {"ref":900} /-->`` shows the body
  of the export's item 900, whose ``wp:post_type`` is ``wp_block`` (`expand_blocks`);
* **footnotes**: the body holds ``<sup data-fn="…">`` markers and ``<!-- wp:footnotes /-->``;
  the texts are the post's ``footnotes`` meta, JSON ``[{"content": "…", "id": "…"}]``
  (`insert_footnotes`).

Both functions are pure: they take the body and what the export holds, and return the body
as WordPress shows it with an edit per change.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass

from cleaners.edits import Edit, EditKind

__all__ = ["BLOCK_CHARS_PER_BYTE", "MAX_BLOCK_CHARS", "MAX_BLOCK_DEPTH", "MAX_BLOCK_INSERTS",
           "BlockBudget", "block_refs", "expand_blocks",
           "insert_footnotes", "missing_blocks"]

#: Reusable blocks nested in reusable blocks followed this deep; deeper ones stay comments.
MAX_BLOCK_DEPTH = 8
#: Reusable blocks inserted into one post at most (nesting could otherwise grow a body
#: exponentially: a block holding another twice, and so on).
MAX_BLOCK_INSERTS = 1000
#: Characters of reusable blocks inserted into one post at most: a review (2026-12-06) made a
#: 1 MB export whose post inserts one 1 MB block 1,000 times, a 1,025 M-character record built
#: in memory (2.1 GB) before the read stage refused it; real posts insert kilobytes. Past it,
#: the comments stay as they are (the read stage's own limit on a raw text is 10 ×
#: ``--max-text-chars``, 20 M characters by default).
MAX_BLOCK_CHARS = 10_000_000
#: Characters of reusable blocks an export's posts hold in all, at most: `MAX_BLOCK_CHARS` and
#: this many for each byte of the export (a second review: 40 posts of a 1 MB export, each
#: under the limit of a post, made 360 M characters).
BLOCK_CHARS_PER_BYTE = 10


@dataclass
class BlockBudget:
    """Characters of reusable blocks still allowed to the posts of one export."""

    chars: int

    @classmethod
    def for_export(cls, size: int) -> BlockBudget:
        """The budget of an export of ``size`` bytes."""
        return cls(MAX_BLOCK_CHARS + BLOCK_CHARS_PER_BYTE * size)

_BLOCK = re.compile(r"<!--\s+wp:(?:core/)?block\s+(\{[^<>]*?\})\s+/-->")
_FOOTNOTES = re.compile(r"<!--\s+wp:(?:core/)?footnotes(?:\s+\{[^<>]*?\})?\s+/-->")


def _ref(attributes: str) -> int | None:
    """The ``ref`` of a block comment's JSON attributes, or None when it has none."""
    try:
        ref = json.loads(attributes).get("ref")
    except (ValueError, AttributeError):
        return None
    return ref if isinstance(ref, int) and not isinstance(ref, bool) else None


def block_refs(content: str) -> set[int]:
    """The post ids that ``content``'s reusable-block comments refer to (none: an empty set)."""
    if "wp:" not in content:
        return set()
    return {ref for m in _BLOCK.finditer(content) if (ref := _ref(m.group(1))) is not None}


def missing_blocks(content: str, blocks: Mapping[int, str | None],
                   refs_of: MutableMapping[str, set[int]] | None = None) -> set[int]:
    """The reusable blocks ``content`` needs, directly or through the blocks it holds (up to
    `MAX_BLOCK_DEPTH`), that ``blocks`` does not hold yet.

    ``refs_of``: the `block_refs` of block bodies already read, by body, filled here; a caller
    that asks for every post of an export passes the same one, so that each body is read once
    (read for each post, one 5 MB block that thousands of posts show took 45 s)."""
    refs_of = {} if refs_of is None else refs_of
    missing: set[int] = set()
    seen: set[int] = set()
    level = block_refs(content)
    for _ in range(MAX_BLOCK_DEPTH):
        nxt: set[int] = set()
        for ref in level - seen:
            seen.add(ref)
            body = blocks.get(ref, "")
            if ref not in blocks:
                missing.add(ref)
            elif body:
                if body not in refs_of:
                    refs_of[body] = block_refs(body)
                nxt |= refs_of[body]
        level = nxt
    return missing


def expand_blocks(content: str, blocks: Mapping[int, str | None],
                  block_edits: Mapping[int, Sequence[Edit]] | None = None,
                  budget: BlockBudget | None = None) -> tuple[str, list[Edit]]:
    """``content`` with each reusable-block comment replaced by what WordPress shows there.

    ``blocks`` maps the export's ``wp_block`` items by post id to their body, or to None for
    a block WordPress does not show (not published, or password-protected: its text never
    enters a post). Guarantees: a block held is put in place of its comment, its own reusable
    blocks expanded too; one that is not shown is removed; a reference to a block the export
    does not hold, a cycle, nesting deeper than `MAX_BLOCK_DEPTH`, or past `MAX_BLOCK_INSERTS`
    insertions or the characters allowed (`MAX_BLOCK_CHARS` a post, and what is left of the
    export's ``budget``, which the characters inserted are taken from), leaves the comment as
    it is. One edit per outcome says which blocks (an
    ``html`` edit for what was inserted or removed, ``metadata`` for what could not be); then
    the ``block_edits`` of each block put in place (what was changed in its body before, e.g.
    the bytes repaired there), once per block however often it is inserted. Content without
    block comments is returned unchanged with no edit.
    """
    if not block_refs(content):
        return content, []
    inserted: list[int] = []
    inserted_chars = 0
    allowed = MAX_BLOCK_CHARS if budget is None else min(MAX_BLOCK_CHARS, budget.chars)
    hidden: list[int] = []
    unresolved: dict[str, list[int]] = {}

    def expand(text: str, depth: int, stack: tuple[int, ...]) -> str:
        def one(m: re.Match[str]) -> str:
            nonlocal inserted_chars
            ref = _ref(m.group(1))
            if ref is None:
                return m.group()
            reason = ("not in the export" if ref not in blocks
                      else "part of a cycle" if ref in stack
                      else f"nested deeper than {MAX_BLOCK_DEPTH}" if depth >= MAX_BLOCK_DEPTH
                      else f"over {MAX_BLOCK_INSERTS} insertions"
                      if len(inserted) >= MAX_BLOCK_INSERTS
                      else f"past the {allowed:,} characters of blocks allowed in this post"
                      if inserted_chars + len(blocks[ref] or "") > allowed else None)
            if reason is not None:
                unresolved.setdefault(reason, []).append(ref)
                return m.group()
            body = blocks[ref]
            if body is None:
                hidden.append(ref)
                return ""
            inserted.append(ref)
            inserted_chars += len(body)
            return expand(body, depth + 1, (*stack, ref))

        return _BLOCK.sub(one, text)

    out = expand(content, 0, ())
    if budget is not None:
        budget.chars -= inserted_chars
    edits = []
    if inserted:
        edits.append(Edit(EditKind.HTML, f"reusable block(s) {_ids(inserted)} put in place of "
                                         "their wp:block comment"))
    if hidden:
        edits.append(Edit(EditKind.HTML, f"reusable block(s) {_ids(hidden)} not published: "
                                         "their wp:block comment removed, as WordPress shows "
                                         "nothing there"))
    for reason, refs in unresolved.items():
        edits.append(Edit(EditKind.METADATA, f"reusable block(s) {_ids(refs)} {reason}: their "
                                             "wp:block comment left as it is"))
    for ref in dict.fromkeys(inserted) if block_edits else ():
        edits.extend(block_edits.get(ref, ()))
    return out, edits


def _ids(refs: list[int]) -> str:
    """``900, 901`` for a list of block ids (each once, at most ten named)."""
    unique = list(dict.fromkeys(refs))
    more = f" and {len(unique) - 10} more" if len(unique) > 10 else ""
    return ", ".join(map(str, unique[:10])) + more


def insert_footnotes(content: str, metas: list[str]) -> tuple[str, list[Edit]]:
    """``content`` with its footnotes block replaced by the footnotes' texts, as an ordered
    list (``<ol class="wp-block-footnotes"><li id="…">text</li>…</ol>``), which the HTML
    cleaner keeps as one paragraph per footnote.

    ``metas`` are the post's ``footnotes`` meta values in file order; the first non-empty one
    is read. Guarantees: content without a ``wp:footnotes`` block comment, or without a
    non-empty meta, is returned unchanged with no edit (WordPress shows no footnote text
    there either); footnotes that are not a JSON list of objects with a string ``content``
    leave the content as it is, with a ``metadata`` edit; else the first block comment is
    replaced and an ``html`` edit counts the footnotes. Ids are HTML-escaped; texts are kept
    as WordPress stores them (HTML).
    """
    block = _FOOTNOTES.search(content) if "wp:" in content else None
    value = next((v for v in metas if v.strip()), None)
    if block is None or value is None:
        return content, []
    try:
        notes = json.loads(value)
    except ValueError:
        notes = None
    if not isinstance(notes, list) or not all(
            isinstance(n, dict) and isinstance(n.get("content"), str) for n in notes):
        return content, [Edit(EditKind.METADATA, "footnotes meta is not a JSON list of "
                                                 "footnotes: the footnotes block left as it is")]
    items = "".join(f'<li id="{html.escape(str(n.get("id", "")))}">{n["content"]}</li>'
                    for n in notes)
    listing = f'<ol class="wp-block-footnotes">{items}</ol>' if notes else ""
    return (content[:block.start()] + listing + content[block.end():],
            [Edit(EditKind.HTML, f"{len(notes)} footnote(s) from the footnotes meta put in "
                                 "place of the footnotes block")])
