"""Line breaks a page's source has inside a paragraph's text (`source_wraps`), which a browser
shows as spaces, and extracted text with the lines they split joined again
(`SourceWraps.unwrapped`).

trafilatura keeps those breaks in some blocks (a ``<p>`` holding a ``<br>``, a ``<div>``'s or a
``<blockquote>``'s own text), and the job makes each line of its output a paragraph: zeit.de,
whose paragraphs end with a ``<br>``, came out as ``Seit`` / ``die schwedische
Klimaaktivistin …,`` / ``träumen …``. Pure: an lxml tree in, a lookup out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from cleaners.text.page_tree import BLOCK_TAGS, UNSHOWN_TAGS, is_hidden

__all__ = ["VERBATIM_TAGS", "SourceWraps", "source_wraps"]

#: Words on either side of a break that two lines must end and start with to be joined.
WRAP_WORDS = 3
#: Elements whose line breaks a browser shows: their text is not wrapped prose.
VERBATIM_TAGS = frozenset({"pre", "code", "textarea", "listing", "xmp", "plaintext"})
_PRE_STYLE = re.compile(r"white-space\s*:\s*(?:pre|break-spaces)", re.IGNORECASE)

Words = tuple[str, ...]
#: Stands for a line break between two elements (``</span>\n<span>``) in a run of text: two
#: labels a page writes a line each (``Bild anzeigen`` / ``Bild schließen``), not one text.
_APART = "\x00"
_APART_LINE = f"\n{_APART}\n"
#: Elements whose text is not read: not shown, or shown as written.
_SKIPPED = UNSHOWN_TAGS | VERBATIM_TAGS


@dataclass(frozen=True, slots=True)
class SourceWraps:
    """The words on either side of each line break inside the shown text between two block
    edges of a page (``wraps``: up to `WRAP_WORDS` before the break, up to as many after it),
    and the last and first words on either side of each block edge (``edges``: a ``<br>``
    too)."""

    wraps: frozenset[tuple[Words, Words]]
    edges: frozenset[tuple[str, str]]

    def _wrapped(self, before: list[str], after: list[str]) -> bool:
        """Whether a line ending with the words ``before`` and the next starting with
        ``after`` are one text the source wraps: a break's words on both sides are theirs,
        whole words (at most `WRAP_WORDS` squared lookups), and the page has no block edge
        between those two words (a heading and the paragraph after it that a hidden copy of
        the article, or a tag list, writes one a line)."""
        if (before[-1], after[0]) in self.edges:
            return False
        return any((tuple(before[-i:]), tuple(after[:j])) in self.wraps
                   for i in range(1, min(len(before), WRAP_WORDS) + 1)
                   for j in range(1, min(len(after), WRAP_WORDS) + 1))

    def unwrapped(self, text: str) -> str:
        """``text`` (extracted from the page, a line a block) with each two lines the page's
        source wraps inside one text (`_wrapped`) joined by a space. Linear in the text's
        length: each line is compared by its last and first `WRAP_WORDS` words."""
        if not self.wraps:
            return text
        out: list[list[str]] = []
        tail: list[str] = []  # the last words of the line being built
        for line in text.split("\n"):
            words = line.split()
            if out and tail and words and self._wrapped(tail, words[:WRAP_WORDS]):
                out[-1].append(line.strip())
                tail = (tail + words)[-WRAP_WORDS:]
            else:
                out.append([line])
                tail = words[-WRAP_WORDS:]
        return "\n".join(parts[0] if len(parts) == 1 else " ".join(
            [parts[0].rstrip(), *parts[1:]]) for parts in out)


def _shown_as_written(holder: Any) -> bool:
    """Whether ``holder`` or an element around it has a ``white-space: pre…`` style, or is
    not shown at all (`is_hidden`: a hidden text copy of the article)."""
    return is_hidden(holder) or any(_PRE_STYLE.search(node.get("style") or "")
                                    for node in (holder, *holder.iterancestors()))


def _breaks(text: str) -> list[tuple[Words, Words]]:
    """The words on either side of each line break in ``text`` (a run), but those next to a
    break between two elements (`_APART`)."""
    pieces = [piece for line in text.split("\n") if (piece := line.split())]
    return [(tuple(before[-WRAP_WORDS:]), tuple(after[:WRAP_WORDS]))
            for before, after in pairwise(pieces) if before != [_APART] and after != [_APART]]


def source_wraps(root: Any) -> SourceWraps:
    """The line breaks inside the shown text between each two block edges of ``root``
    (`BLOCK_TAGS`, a ``<br>`` too; across inline markup: ``approved by the\\n<b>council</b>``),
    with up to `WRAP_WORDS` words on each side; not one between two elements
    (``</span>\\n<span>``, `_APART`), nor in scripts, styles and the like
    (`UNSHOWN_TAGS`), in text shown as written (`VERBATIM_TAGS`, a ``white-space: pre`` style)
    or in hidden elements. Iterated, not recursive: a page's tree may be deep; linear in it."""
    from lxml import etree

    wraps: set[tuple[Words, Words]] = set()
    edges: set[tuple[str, str]] = set()
    run: list[str] = []  # the shown texts since the last block edge
    broken: list[tuple[int, Any]] = []  # which of them hold a line break, and their element
    last = ""  # the last word before the last block edge
    skipped = 0  # how many unshown or verbatim elements the walk is in

    def flush() -> None:
        nonlocal last
        text = "".join(run)
        shown = text.replace(_APART, " ")
        first, end_word = shown.split(None, 1), shown.rsplit(None, 1)
        if first:  # (else a page's own NUL characters)
            if last:
                edges.add((last, first[0]))
            last = end_word[-1]
        pairs = _breaks(text) if first and "\n" in text.strip() else []
        if pairs:
            hidden = [at for at, holder in broken if _shown_as_written(holder)]
            for at in hidden:  # a hidden or preformatted text's breaks are no wraps
                run[at] = run[at].replace("\n", " ")
            wraps.update(_breaks("".join(run)) if hidden else pairs)
        run.clear()
        broken.clear()

    for event, node in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        tag = node.tag
        if tag in BLOCK_TAGS and run:
            flush()
        if event == "start":
            if tag in _SKIPPED:
                skipped += 1
            value = node.text
        elif event == "end":
            if tag in _SKIPPED:
                skipped -= 1
            value = node.tail if node is not root else None
        else:  # a comment or a processing instruction: only its tail is shown
            value = node.tail
        if not value or skipped:
            continue
        if value.isspace():  # between two elements: a line break there parts them
            if run:  # (whitespace before a run's first text is nothing to it)
                run.append(_APART_LINE if "\n" in value else value)
            continue
        if "\n" in value:
            broken.append((len(run), node if event == "start" else node.getparent()))
        run.append(value)
    flush()
    return SourceWraps(frozenset(wraps), frozenset(edges))
