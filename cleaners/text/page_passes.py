"""Merging trafilatura's two passes over a page: the precision pass's lines, and the default
pass's lines the precision pass kept too or that read as prose (`PROSE_MIN_WORDS` words or
more, ending a sentence; a sentence the page breaks across lines is judged whole), or that are
a news agency's credits under a line of the story, in page order (`combine_passes`).

A line the other pass does not have whole is found when one of its lines holds it as whole
words (`_Words`: ``Key figures`` in ``Key figures: the extension costs…``), not inside a
word (``Yes`` in ``Yesterday``, ``5`` in ``25`` or ``2.5``, ``कम`` in ``कमी``); a line of
marks alone (``-``, ``/``) is found only whole.

The searches are bounded (`_SEARCH_BUDGET`): lines are found by their key first (most are a
whole line of the other pass), each other key is searched once, and a line found to hold a
key is not searched further. Linear on the pages and the crafted inputs of the tests, but
Python's ``str.find`` can cost a key's length per character on crafted text (4,000 lines of
100 letters against one 29,000-letter word: 3.3 s, as before 2026-12-05).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter

from cleaners.text.page_tree import text_key
from cleaners.text.story_credits import is_story_credit

__all__ = ["PROSE_MIN_WORDS", "SENTENCE_END", "combine_passes", "reads_as_prose"]

_SPACES = re.compile(r"\s+")  # what `text_key` removes

#: Characters the merge of the two passes may search (`_with_missing`): 10,000 searches of a
#: 20,000-character text; beyond that, the passes differ too much and the precision pass wins.
_SEARCH_BUDGET = 200_000_000
#: How many lines a short line may jump over to its copy, and a split line's first piece
#: be past the cursor (`_reachable`): the default pass has lines the precision pass lacks.
_SHORT_REACH = 2
#: How many lines `_reachable` looks at, copies of paragraphs that have landed included.
_REACH = 50
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


def reads_as_prose(line: str) -> bool:
    """Whether ``line`` reads as prose: `PROSE_MIN_WORDS` words or more, ending a sentence
    (`SENTENCE_END`)."""
    return len(line.split()) >= PROSE_MIN_WORDS and line.rstrip().endswith(SENTENCE_END)


def _wrapped_prose(lines: list[str]) -> set[int]:
    """The indices of the lines that are pieces of a sentence broken across lines and read as
    prose together, each such sentence once: ``Chapter from the book`` and ``entitled
    Beautiful Code, OReilly.`` (a ``<br>`` inside a list item), each too short or unfinished
    to be kept. A line continues the one before it when that one ends with a letter and it
    starts with a lowercase one, and does not read as prose on its own (a paragraph that
    starts lowercase after a heading or a link is its own line). The lines stay as they are
    (a code block's lines are not joined); a sentence the page shows again is left to the
    rules for single lines (its short first piece came out twice)."""
    out: set[int] = set()
    seen: set[str] = set()
    first = 0
    for i in range(1, len(lines) + 1):
        if (i < len(lines) and lines[i - 1].rstrip()[-1:].isalpha()
                and lines[i].lstrip()[:1].islower() and not reads_as_prose(lines[i])):
            continue  # line i continues the sentence of line i - 1
        joined = " ".join(line.strip() for line in lines[first:i])
        if i - first > 1 and reads_as_prose(joined) and text_key(joined) not in seen:
            seen.add(text_key(joined))
            out.update(range(first, i))
        first = i
    return out


def _unmarked(line: str) -> str:
    """``line`` without the list item's mark trafilatura writes before it (``- ``) when what
    follows has `MIN_PART_CHARS` or more: one pass may write a block as an item and the other
    as a line (``- by Lauren Dragan No single…`` and ``The Best … by Lauren Dragan No
    single…``), and the two are compared by their text. A shorter item keeps its mark: a table
    of contents' or a menu's ``- Introduction`` is not the heading ``Introduction`` (a review:
    the menu came back beside the article)."""
    stripped = line.lstrip()
    if stripped.startswith("- ") and len(text_key(stripped[2:])) >= MIN_PART_CHARS:
        return stripped[2:]
    return line


def _with_missing(lines: list[str], precise: list[str]) -> list[str] | None:
    """``lines`` plus the precision-pass lines they lack, without the copies of a line the
    default pass repeats more often than the precision pass (`_repeats`). The cursor follows
    the precision-pass lines through ``lines``:

    - a line of `MIN_PART_CHARS` or more goes to its next copy at or after the cursor, else
      to its last copy before it (the passes may order lines differently), and is put in
      once (a list a page shows twice);
    - a shorter line lands on a copy no line has landed on yet: the next one is followed when
      it is `_reachable`; a farther one is found where it is and the cursor stays (a sixth and a
      seventh review: ``Yes`` found far away took the lines after it there, or came out
      twice); when every copy is taken the line is put in, as often as the precision pass
      has it (``Yes`` under each feature of a spec table) unless it follows a line put in
      already (it belongs to the repeated list);
    - a line is found as whole words of a line (trafilatura joined blocks differently:
      ``Key figures`` in ``Key figures: the extension costs…``): a line of `MIN_PART_CHARS`
      or more in the first such line at or after the cursor, which the cursor follows, else
      in one before it, and the cursor stays; a shorter one only in the line at the cursor or
      the one before it (a fourth and a fifth review: ``Yes`` found in ``Yesterday``, or in
      ``Yes, the mayor said…`` far from it, was lost and the lines after it moved there);
    - a line whose pieces are lines at the cursor (`_pieces`) replaces them (it was put in
      beside them: twice the text);
    - a line of marks alone is put in nowhere; any other line found nowhere is put in at the
      cursor.

    None when the two passes differ too much to merge: the searches for precision-pass lines
    that are no whole line of ``lines`` cost more than `_SEARCH_BUDGET` characters.

    A line is found by its key first (most are a whole line of ``lines``), else as whole words
    of one (`_WholeWords`: one search of the joined keys a key); the lines put in go into
    lists after the line they follow. (A first version rebuilt the joined keys after each
    line put in and searched without a bound: 8,000 lines took 5.5 s, 32,000 about 90 s; it
    also sent the cursor back to a repeated line's first copy, which reordered the lines
    after it: ``Anna, Reply, Cara, Ben``.)"""
    parts = _WholeWords([_unmarked(line) for line in lines], _SEARCH_BUDGET)
    keys = parts.keys
    precise_count = Counter(text_key(_unmarked(line)) for line in precise)
    to_land = precise_count.copy()  # precision-pass lines not landed on a copy yet, by key
    whole: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        whole.setdefault(key, []).append(i)
    free = {key: list(copies) for key, copies in whole.items()}  # copies not landed on yet
    added: list[list[str]] = [[] for _ in range(len(lines) + 1)]  # the lines after line i - 1
    put_in: set[str] = set()
    dropped: set[int] = set()  # lines of ``lines`` a precision-pass line replaces
    marked: dict[int, str] = {}  # lines of ``lines`` a precision-pass item that landed replaces
    repeating = False  # the last line was put in already, as part of a repeated block
    cursor = 0  # lines of ``lines`` passed: what is put in goes to ``added[cursor]``
    for line in precise:
        bare = _unmarked(line)
        key = text_key(bare)
        if not key:
            continue
        if key in put_in and (len(key) >= MIN_PART_CHARS or repeating):
            repeating = True  # a block the page shows twice: its short lines go once too
            continue
        repeating = False
        copies = whole.get(key)
        if copies is not None and len(key) >= MIN_PART_CHARS:
            at = bisect_left(copies, cursor)  # the next copy at or after the cursor, else the
            cursor = copies[at if at < len(copies) else -1] + 1  # last before
            _land(free[key], cursor - 1)
            to_land[key] -= 1
            _mark(marked, line, lines, cursor - 1)
            continue
        if copies is not None and free[key]:  # a short line: the next copy not landed on
            left = free[key]
            at = bisect_left(left, cursor)
            if at < len(left) and left[at] in _reachable(cursor, keys, to_land):  # followed
                cursor = left.pop(at) + 1
                _mark(marked, line, lines, cursor - 1)
            else:  # farther: found where the default pass has it, and the cursor stays
                _mark(marked, line, lines, left.pop(at if at < len(left) else -1))
            continue
        if not any(char.isalnum() for char in key):
            continue  # marks alone (``-``, ``***``): put in nowhere
        holding = parts.holding(key)
        if holding is None:
            return None
        if len(key) < MIN_PART_CHARS:  # held by the line at the cursor or the one before it
            at = bisect_left(holding, cursor - 1)  # (not a copy of it: those are landed on)
            if copies is None and at < len(holding) and holding[at] <= cursor:
                cursor = max(cursor, holding[at] + 1)
                continue
        elif holding:  # held by a line ahead: the cursor follows; only behind: it stays
            at = bisect_left(holding, cursor)
            cursor = holding[at] + 1 if at < len(holding) else cursor
            continue
        pieces = _pieces(bare, key, keys, _reachable(cursor, keys, to_land))
        if pieces is not None:  # the default pass split the line: it replaces the pieces
            first, cursor = pieces
            dropped.update(range(first, cursor))
            for piece in range(first, cursor):
                _land(free[keys[piece]], piece)
            added[first].append(line)
            put_in.add(key)
            continue
        added[cursor].append(line)
        put_in.add(key)
    dropped.update(_repeats(whole, free, precise_count))
    out = list(added[0])
    for i, (line, after) in enumerate(zip(lines, added[1:], strict=True)):
        if i not in dropped:
            out.append(marked.get(i, line))
        out.extend(after)
    return out


def _mark(marked: dict[int, str], line: str, lines: list[str], copy: int) -> None:
    """A precision-pass ``line`` that landed on ``lines[copy]`` replaces it when it is a list
    item and that copy is not (`_unmarked`): the item keeps its mark whichever pass has it."""
    if _unmarked(line) != line and _unmarked(lines[copy]) == lines[copy]:
        marked[copy] = line


def _land(left: list[int], copy: int) -> None:
    """``copy`` is landed on: out of the sorted ``left``, if it is there."""
    at = bisect_left(left, copy)
    if at < len(left) and left[at] == copy:
        del left[at]


def _repeats(whole: dict[str, list[int]], free: dict[str, list[int]],
             precise_count: Counter[str]) -> list[int]:
    """The copies of a line of `MIN_PART_CHARS` or more that the default pass has more often
    than the precision pass (at least once) to leave out: those no precision-pass line
    landed on, from the last (a held-out page's hidden copies of its article came out three
    times)."""
    out: list[int] = []
    for key, copies in whole.items():
        extra = len(copies) - max(precise_count[key], 1)
        if extra > 0 and len(key) >= MIN_PART_CHARS:
            out += free[key][-extra:] if extra <= len(free[key]) else free[key]
    return out


class _WholeWords:
    """Which of a text's lines hold a key as whole words (`_Words`), each key searched once
    in the lines' joined keys (which hold no line break, so a match is inside one line).
    Costs at most ``budget`` characters: a search costs the joined keys' length, a place
    checked `_CHECK_COST`; a line found to hold the key is not searched further."""

    def __init__(self, lines: list[str], budget: int) -> None:
        self.lines = lines
        self.keys = [text_key(line) for line in lines]
        self.joined, self.starts = _joined(self.keys)
        self.budget = budget
        self._words: dict[int, _Words] = {}
        self._holding: dict[str, list[int]] = {}

    def holding(self, key: str) -> list[int] | None:
        """The indices of the lines that hold ``key`` as whole words, ascending (none for a key
        with no letter or digit: ``/`` or ``-`` is in most texts); None once the budget is
        spent."""
        if key in self._holding:
            return self._holding[key]
        holding: list[int] = []
        self.budget -= len(self.joined)
        found = self.joined.find(key) if any(char.isalnum() for char in key) else -1
        while found >= 0 and self.budget >= 0:
            self.budget -= _CHECK_COST
            at = bisect_right(self.starts, found) - 1
            words = self._words.get(at) or self._words.setdefault(at, _Words(self.lines[at]))
            if words.whole(found - self.starts[at], len(key)):
                holding.append(at)
                found = self.joined.find(key, self.starts[at] + len(self.keys[at]))
            else:
                found = self.joined.find(key, found + 1)
        if self.budget < 0:
            return None
        self._holding[key] = holding
        return holding


class _Words:
    """Where the words of a text start and end, addressed by offsets in its `text_key` (which
    has no whitespace): ``Yes`` in ``Yes, he said`` is whole words, in ``Yesterday`` it is not,
    nor ``5`` in ``2.5`` or ``don`` in ``don't`` (`_JOINERS`); a combining mark is part of its
    letter's word (``कम`` in ``कमी``, ``i`` in ``i̇stanbul``). Letters of scripts written without
    spaces (`_UNSPACED`: Chinese, Japanese, Thai, Tibetan…) are word edges on either side."""

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


#: Marks that join the letters or digits on either side into one word (``2.5``, ``10:05``,
#: ``1,000``, ``don't``, ``don‘t``, ``e-mail``, Hebrew's maqaf and gershayim ``בית־ספר``,
#: ``ארה״ב``, and the zero-width (non-)joiner of Persian ``کتاب‌ها``); ``"`` only between
#: Hebrew letters (``ארה"ב``; ``said:"Yes"and`` has words on either side of its quotes).
_JOINERS = frozenset(".,:'’‘`-‐‑\u05be\u05f3\u05f4\u200c\u200d")


def _edge(norm: str, before: int, after: int) -> bool:
    """Whether a word may end between ``norm[before]`` and ``norm[after]``."""
    if before < 0 or after >= len(norm):
        return True
    left, right = norm[before], norm[after]
    if _unspaced(left) or _unspaced(right):
        return True
    if _in_word(left) and _in_word(right):
        return False
    if _joins(left):  # ``2.|5``
        return not (_in_word(right) and before > 0 and _in_word(norm[before - 1])
                    and (left != '"' or (_hebrew(norm[before - 1]) and _hebrew(right))))
    if _joins(right):  # ``2|.5``
        return not (_in_word(left) and after + 1 < len(norm) and _in_word(norm[after + 1])
                    and (right != '"' or (_hebrew(left) and _hebrew(norm[after + 1]))))
    return True


def _joins(char: str) -> bool:
    return char in _JOINERS or char == '"'


def _hebrew(char: str) -> bool:
    return "\u0590" <= char <= "\u05ff"


def _in_word(char: str) -> bool:
    """A letter, a digit or a combining mark."""
    return char.isalnum() or unicodedata.category(char).startswith("M")


#: Scripts written without spaces between words: Thai, Lao, Tibetan, Myanmar, Khmer, the CJK
#: radicals, kana, bopomofo, ideographs and Yi (first and last code point of each block).
_UNSPACED = (("\u0e00", "\u0fff"), ("\u1000", "\u109f"), ("\u1780", "\u17ff"),
             ("\u2e80", "\u2fdf"), ("\u3040", "\u31ff"), ("\u3400", "\u4dbf"),
             ("\u4e00", "\ua4cf"), ("\uf900", "\ufaff"), ("\U00020000", "\U0003134f"))


def _unspaced(char: str) -> bool:
    """A letter (not a digit) of a script written without spaces between words."""
    return not char.isdigit() and any(low <= char <= high for low, high in _UNSPACED)


def _reachable(cursor: int, keys: list[str], to_land: Counter[str]) -> range:
    """The lines from the cursor on that a short line may jump to: over at most
    `_SHORT_REACH` lines, and not over a paragraph of the precision pass that a
    precision-pass line has still to land on (``to_land``: a short line does not jump over
    the article; a repeated ``Reply`` is no reason to stop, and the copies of a paragraph
    whose lines have all landed, which `_repeats` leaves out, do not count); at most
    `_REACH` lines are looked at. Computed once for a line (a seventh review: each candidate
    piece walked them again, 20 times slower on 40,000 lines)."""
    end, between = cursor, 0
    for key in keys[cursor:cursor + _REACH]:
        if len(key) < MIN_PART_CHARS or key not in to_land:
            between += 1  # (a copy of a paragraph that has landed does not count)
        if between > _SHORT_REACH or (len(key) >= MIN_PART_CHARS and to_land[key] > 0):
            return range(cursor, end + 1)
        end += 1
    return range(cursor, end)


def _pieces(line: str, key: str, keys: list[str], reach: range) -> tuple[int, int] | None:
    """``(first, end)``: the lines ``[first, end)``, ``first`` in ``reach``, that are, in
    order, whole words of ``line`` (whose key is ``key``) and together at least half of it
    (the default pass split the paragraph in pieces: ``Key figures``, ``the extension
    costs…``; a piece shown twice in a row counts once); None when there are none.
    (Requiring the pieces to start the line and follow each other, or one piece to be nearly
    all of it, duplicated more lines on a reviewer's random passes: 355 → 516 of 3,000.)"""
    for first in reach:
        words: _Words | None = None
        at = held = pieces = 0
        end = first
        twice = False  # the last piece was the one before it again
        while end < len(keys) and keys[end]:
            if end > first and keys[end] == keys[end - 1] and not twice:
                end += 1  # ``Hersteller`` twice (once: a run of copies is no paragraph)
                twice = True
                continue
            twice = False
            found = key.find(keys[end], at)
            if found < 0:
                break
            words = words or _Words(line)
            if not words.whole(found, len(keys[end])):
                break
            at = found + len(keys[end])
            held += len(keys[end])
            pieces += 1
            end += 1
        if pieces and 2 * held >= len(key):
            return first, end
    return None


def _joined(keys: list[str]) -> tuple[str, list[int]]:
    """The keys joined by line breaks and where each starts in the joined string."""
    starts, at = [], 0
    for key in keys:
        starts.append(at)
        at += len(key) + 1
    return "\n".join(keys), starts


def _story_line(line: str, key: str, whole: set[str], counts: Counter[str]) -> bool:
    """Whether a story's credits may follow ``line`` (`combine_passes`): a line of the story,
    which the precision pass has whole (`MIN_PART_CHARS` or more) or which reads as prose, and
    which the default pass has once (the merge drops the copies of a repeated line: credits
    under one would come under a teaser)."""
    return (counts[key] == 1
            and ((len(key) >= MIN_PART_CHARS and key in whole) or reads_as_prose(line)))


def combine_passes(precise: str, broad: str) -> str:
    """Default-pass lines kept by the precision pass (whole, or as whole words of its text),
    reading as prose, alone or with the lines that continue their sentence
    (`_wrapped_prose`), or a news agency's credits right under a line of the story
    (`is_story_credit`, `_story_line`: ``Additional reporting by …; Editing by …``, which the
    precision pass drops for want of a full stop), in page order, with the precision-pass lines they lack; the precision
    text itself when that is shorter, or when the passes differ so much that merging them
    would search more than `_SEARCH_BUDGET` characters. (Until 2026-12-05 a
    default-pass line the precision text held inside a word was kept: a rating ``5``, a
    comment count ``0``, a category ``Tech`` at the top of 6 of the 506 shared pages.)"""
    if not broad:
        return precise
    kept_key = text_key(precise)
    precise_lines = [line for line in precise.split("\n") if line.strip()]
    whole = {text_key(_unmarked(line)) for line in precise_lines}
    in_precise = _WholeWords(["\n".join(map(_unmarked, precise_lines))], _SEARCH_BUDGET)
    broad_lines = [line for line in broad.split("\n") if line.strip()]
    wrapped = _wrapped_prose(broad_lines)
    keys = [text_key(_unmarked(line)) for line in broad_lines]
    once = Counter(keys)
    lines = []
    for i, (line, key) in enumerate(zip(broad_lines, keys, strict=True)):
        if (key not in whole and not reads_as_prose(line) and i not in wrapped
                and not (i and _story_line(broad_lines[i - 1], keys[i - 1], whole, once)
                         and is_story_credit(line))):
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
