"""Merging trafilatura's two passes over a page: the precision pass's lines, and the default
pass's lines the precision pass kept too or that read as prose (`PROSE_MIN_WORDS` words or
more, ending a sentence), in page order (`combine_passes`).

Linear in the texts' length: lines are found by their key first (most are a whole line of
the other pass), and the substring searches for the rest are bounded (`_SEARCH_BUDGET`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from cleaners.text.page_tree import text_key

__all__ = ["PROSE_MIN_WORDS", "SENTENCE_END", "combine_passes"]

#: Characters the merge of the two passes may search (`_with_missing`): 10,000 searches of a
#: 20,000-character text; beyond that, the passes differ too much and the precision pass wins.
_SEARCH_BUDGET = 200_000_000
#: A default-pass line the precision pass did not keep is kept when it has this many words
#: and ends a sentence (chosen on half A of the annotated pages: kept/leaked 95.8/8.0 % at 5
#: words, 95.7/7.8 at 8 and 12, 95.4/7.7 at 20).
PROSE_MIN_WORDS = 8
#: A precision-pass line shorter than this (as a key) is put in as often as the precision pass
#: has it (a longer one once).
MIN_PART_CHARS = 20
#: What ends a sentence (a closing quote or bracket after its mark counts).
SENTENCE_END = (".", "!", "?", "…", '"', "»", "”", ")", "。", "！", "？")


def _reads_as_prose(line: str) -> bool:
    return len(line.split()) >= PROSE_MIN_WORDS and line.rstrip().endswith(SENTENCE_END)


def _with_missing(lines: list[str], precise: list[str]) -> list[str] | None:
    """``lines`` plus the precision-pass lines they lack: the cursor follows the precision-pass
    lines through ``lines``, to the next copy of a line at or after it, else to its last copy
    before it (the passes may order lines differently); a line found nowhere is put in at the
    cursor; a line is found whole or as a part of a line (so a short precision-pass line is
    taken as found when a longer line holds it: ``No`` in ``nobody``, measured better than
    looking for short lines whole only on the held-out pages). A line of `MIN_PART_CHARS` or
    more is put in once (a list a page shows twice); a shorter one as often as the precision
    pass has it (``Yes`` under each feature of a spec table) unless it follows a line put in
    already (it belongs to the repeated list). None when the two passes differ
    too much to merge: more precision-pass lines that are no whole line of ``lines`` than
    `_SEARCH_BUDGET` characters of search allow.

    A line is found by its key first (most are a whole line of ``lines``), else as a part of
    one (a search of the joined keys); the lines put in go into lists after the line they
    follow. (A first version rebuilt the joined keys after each line put in and searched
    without a bound: 8,000 lines took 5.5 s, 32,000 about 90 s; it also sent the cursor back
    to a repeated line's first copy, which reordered the lines after it: ``Anna, Reply, Cara,
    Ben``.)"""
    keys = [text_key(line) for line in lines]
    joined, starts = _joined(keys)
    searches = _SEARCH_BUDGET // max(len(joined), 1)
    whole: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        whole.setdefault(key, []).append(i)
    added: list[list[str]] = [[] for _ in range(len(lines) + 1)]  # the lines after line i - 1
    put_in: set[str] = set()
    repeating = False  # the last line was put in already, as part of a repeated block
    cursor = 0  # lines of ``lines`` passed: what is put in goes to ``added[cursor]``
    for line in precise:
        key = text_key(line)
        if not key:
            continue
        if key in put_in and (len(key) >= MIN_PART_CHARS or repeating):
            repeating = True  # a block the page shows twice: its short lines go once too
            continue
        repeating = False
        copies = whole.get(key)
        if copies is not None:  # the next copy at or after the cursor, else the last before
            at = bisect_left(copies, cursor)
            cursor = copies[at if at < len(copies) else -1] + 1
            continue
        searches -= 1
        if searches < 0:
            return None
        since = starts[cursor] if cursor < len(starts) else len(joined)
        found = joined.find(key, since)  # keys hold no line break: a match is in one line
        if found < 0:
            found = joined.rfind(key, 0, since + len(key))
        if found >= 0:
            cursor = bisect_right(starts, found)
            continue
        added[cursor].append(line)
        put_in.add(key)
    out = list(added[0])
    for line, after in zip(lines, added[1:], strict=True):
        out.append(line)
        out.extend(after)
    return out


def _joined(keys: list[str]) -> tuple[str, list[int]]:
    """The keys joined by line breaks and where each starts in the joined string."""
    starts, at = [], 0
    for key in keys:
        starts.append(at)
        at += len(key) + 1
    return "\n".join(keys), starts


def combine_passes(precise: str, broad: str) -> str:
    """Default-pass lines kept by the precision pass or reading as prose, in page order,
    with the precision-pass lines they lack; the precision text itself when that is
    shorter, or when the passes differ so much that merging them would search more than
    `_SEARCH_BUDGET` characters."""
    if not broad:
        return precise
    kept_key = text_key(precise)
    precise_lines = [line for line in precise.split("\n") if line.strip()]
    whole = {text_key(line) for line in precise_lines}
    searches = _SEARCH_BUDGET // max(len(kept_key), 1)  # the rest are searched in kept_key
    lines = []
    for line in broad.split("\n"):
        if not line.strip():
            continue
        key = text_key(line)
        if key not in whole and not _reads_as_prose(line):
            searches -= 1
            if searches < 0:
                return precise  # the passes differ too much to merge
            if key not in kept_key:
                continue
        lines.append(line)
    merged = _with_missing(lines, precise_lines)
    if merged is None:
        return precise
    combined = "\n".join(merged)
    return combined if len(text_key(combined)) >= len(kept_key) else precise
