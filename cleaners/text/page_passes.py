"""Merging trafilatura's two passes over a page: the precision pass's lines, and the default
pass's lines the precision pass kept too or that read as prose (`PROSE_MIN_WORDS` words or
more, ending a sentence), in page order (`combine_passes`).

A line the other pass does not have whole is found when one of its lines holds it as whole
words (`_Words`: ``Key figures`` in ``Key figures: the extension costs…``), never inside a word
(``Yes`` in ``Yesterday``, ``5`` in ``25``).

Linear in the texts' length: lines are found by their key first (most are a whole line of
the other pass), each other key is searched once, and the searches are bounded
(`_SEARCH_BUDGET`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right

from cleaners.text.page_tree import text_key

__all__ = ["PROSE_MIN_WORDS", "SENTENCE_END", "combine_passes"]

_SPACES = re.compile(r"\s+")  # what `text_key` removes

#: Characters the merge of the two passes may search (`_with_missing`): 10,000 searches of a
#: 20,000-character text; beyond that, the passes differ too much and the precision pass wins.
_SEARCH_BUDGET = 200_000_000
#: What checking one place that holds a key costs, in characters of `_SEARCH_BUDGET`.
_CHECK_COST = 1_000
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
    cursor; a line is found whole or as whole words of a line (trafilatura split a block
    differently: ``Key figures`` in ``Key figures: the extension costs…``), the first such line
    at or after the cursor, which the cursor follows; when only lines before the cursor hold
    it, it is found and the cursor stays (a fourth review: ``Yes`` found in ``Yesterday``, an
    earlier line, sent the cursor back and the lines after it went before the article's first
    paragraph; and a short line held by a word of a longer one was never put in). A line of
    `MIN_PART_CHARS` or more is put in once (a list a page shows twice); a shorter one as
    often as the precision pass has it (``Yes`` under each feature of a spec table) unless it
    follows a line put in already (it belongs to the repeated list). None when the two passes
    differ too much to merge: the searches for precision-pass lines that are no whole line of
    ``lines`` cost more than `_SEARCH_BUDGET` characters.

    A line is found by its key first (most are a whole line of ``lines``), else as whole words
    of one (`_WholeWords`: one search of the joined keys a key); the lines put in go into
    lists after the line they follow. (A first version rebuilt the joined keys after each
    line put in and searched without a bound: 8,000 lines took 5.5 s, 32,000 about 90 s; it
    also sent the cursor back to a repeated line's first copy, which reordered the lines
    after it: ``Anna, Reply, Cara, Ben``.)"""
    parts = _WholeWords(lines, _SEARCH_BUDGET)
    whole: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        whole.setdefault(text_key(line), []).append(i)
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
        holding = parts.holding(key)
        if holding is None:
            return None
        at = bisect_left(holding, cursor)
        if at < len(holding):  # held by a line ahead: the cursor follows; behind: it stays
            cursor = holding[at] + 1
        elif not holding:
            added[cursor].append(line)
            put_in.add(key)
    out = list(added[0])
    for line, after in zip(lines, added[1:], strict=True):
        out.append(line)
        out.extend(after)
    return out


class _WholeWords:
    """Which of a text's lines hold a key as whole words (`_Words`), each key searched once
    in the lines' joined keys (which hold no line break, so a match is inside one line).
    Costs at most ``budget`` characters: a search costs the joined keys' length, a place
    checked `_CHECK_COST`."""

    def __init__(self, lines: list[str], budget: int) -> None:
        self.lines = lines
        self.joined, self.starts = _joined([text_key(line) for line in lines])
        self.budget = budget
        self._words: dict[int, _Words] = {}
        self._holding: dict[str, list[int]] = {}

    def holding(self, key: str) -> list[int] | None:
        """The indices of the lines that hold ``key`` as whole words, ascending; None once the
        budget is spent."""
        if key in self._holding:
            return self._holding[key]
        self.budget -= len(self.joined)
        holding: list[int] = []
        found = self.joined.find(key)
        while found >= 0 and self.budget >= 0:
            self.budget -= _CHECK_COST
            at = bisect_right(self.starts, found) - 1
            if not holding or holding[-1] != at:
                words = self._words.get(at) or self._words.setdefault(at, _Words(self.lines[at]))
                if words.whole(found - self.starts[at], len(key)):
                    holding.append(at)
            found = self.joined.find(key, found + 1)
        if self.budget < 0:
            return None
        self._holding[key] = holding
        return holding


class _Words:
    """Where the words of a text start and end, addressed by offsets in its `text_key` (which
    has no whitespace): ``Yes`` in ``Yes, he said`` is whole words, in ``Yesterday`` it is not.
    Letters of scripts written without spaces (CJK, Thai…) are word edges on either side."""

    def __init__(self, text: str) -> None:
        self.norm = unicodedata.normalize("NFKC", text).casefold()  # as `text_key`, with spaces
        self.runs: list[int] = []  # key offset of the character after each whitespace run
        self.removed: list[int] = []  # whitespace removed up to and with that run
        total = 0
        for run in _SPACES.finditer(self.norm):
            self.runs.append(run.start() - total)
            total += run.end() - run.start()
            self.removed.append(total)

    def _shown_at(self, offset: int) -> int:
        runs = bisect_right(self.runs, offset)
        return offset + (self.removed[runs - 1] if runs else 0)

    def whole(self, start: int, length: int) -> bool:
        """Whether the key's characters ``[start, start + length)`` start and end at word
        edges."""
        first, last = self._shown_at(start), self._shown_at(start + length - 1)
        return _edge(self.norm, first - 1, first) and _edge(self.norm, last, last + 1)


def _edge(norm: str, before: int, after: int) -> bool:
    """Whether a word may end between ``norm[before]`` and ``norm[after]``."""
    if before < 0 or after >= len(norm):
        return True
    left, right = norm[before], norm[after]
    return not (left.isalnum() and right.isalnum()) or _unspaced(left) or _unspaced(right)


def _unspaced(char: str) -> bool:
    """A letter of a script written without spaces between words."""
    return "\u0e00" <= char <= "\u109f" or "\u1780" <= char <= "\u17ff" or char >= "\u2e80"


def _joined(keys: list[str]) -> tuple[str, list[int]]:
    """The keys joined by line breaks and where each starts in the joined string."""
    starts, at = [], 0
    for key in keys:
        starts.append(at)
        at += len(key) + 1
    return "\n".join(keys), starts


def combine_passes(precise: str, broad: str) -> str:
    """Default-pass lines kept by the precision pass (whole, or as whole words of its text) or
    reading as prose, in page order, with the precision-pass lines they lack; the precision
    text itself when that is shorter, or when the passes differ so much that merging them
    would search more than `_SEARCH_BUDGET` characters. (Until 2026-12-05 a default-pass line
    the precision text held inside a word was kept: a rating ``5``, a comment count ``0``, a
    category ``Tech`` at the top of 6 of the 506 shared pages.)"""
    if not broad:
        return precise
    kept_key = text_key(precise)
    precise_lines = [line for line in precise.split("\n") if line.strip()]
    whole = {text_key(line) for line in precise_lines}
    in_precise = _WholeWords([precise], _SEARCH_BUDGET)  # its key is kept_key
    lines = []
    for line in broad.split("\n"):
        if not line.strip():
            continue
        key = text_key(line)
        if key not in whole and not _reads_as_prose(line):
            holding = in_precise.holding(key)
            if holding is None:
                return precise  # the passes differ too much to merge
            if not holding:
                continue
        lines.append(line)
    merged = _with_missing(lines, precise_lines)
    if merged is None:
        return precise
    combined = "\n".join(merged)
    return combined if len(text_key(combined)) >= len(kept_key) else precise
