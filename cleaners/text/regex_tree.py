"""What a regular expression's parse tree says about its matches, for fast pre-filters.

Two cleaners decide cheaply which regexes can match a text before running them:

* `alternatives` splits an alternation (ftfy's mojibake detector) into its branches, each with
  the non-ASCII characters a match of it must contain (see `cleaners.text.encoding.detector`);
* `first_strings` gives the first few characters a match can start with, folded (white space,
  digits and case; the promo rules' fast reject, see `cleaners.text.promos.rules`).

Both read CPython's regex internals (the parser, ``re._parser`` and ``re._constants``, and the
case tables ``_sre.unicode_tolower`` and ``re._casefix``), which have no stability guarantee;
this module is the only place that does. ``tests/unit/cleaners/text/test_regex_tree.py`` fails
loudly if a Python version changes them; at run time the callers fall back to the plain regex
(exact, only slower).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:
    import _sre
    import re._constants as _c
    import re._parser as _p
    from re._casefix import _EXTRA_CASES
except ImportError:  # pragma: no cover - a Python without these internals: callers fall back
    _c = _p = _sre = None  # type: ignore[assignment]
    _EXTRA_CASES = None

__all__ = ["Alternative", "alternatives", "first_strings", "fold", "folded_start"]

#: Ranges longer than this are not expanded into characters (`first_strings` then answers
#: None: any start).
_MAX_RANGE = 512
#: `first_strings` answers None rather than give more starts than this.
_MAX_STRINGS = 20_000

#: The characters ``re.IGNORECASE`` matches with others than their lower case (``ı`` and
#: ``i``, ``ſ`` and ``s``, ``ς`` and ``σ``…), each mapped to the first of its class, as
#: `fold` writes them (None when this Python does not say).
_CASE_CLASSES: dict[str, str] | None = None if _EXTRA_CASES is None else {
    chr(low): min(map(chr, (low, *others))) for low, others in _EXTRA_CASES.items()}
#: `fold` of every ASCII character, for `str.translate`.
_ASCII_FOLDS = {c: (" " if chr(c).isspace() else "0" if chr(c).isdecimal() else chr(c).lower())
                for c in range(128)}

#: The classes `fold` turns into one character: ``\s`` (any white space) and ``\d`` (any
#: decimal digit, as `str.isdecimal` and the regex engine both read it).
_CATEGORY_FOLDS: dict[Any, str] = (
    {} if _c is None else {_c.CATEGORY_SPACE: " ", _c.CATEGORY_DIGIT: "0"})


@dataclass(frozen=True, slots=True)
class Alternative:
    """One branch of a top-level alternation.

    ``required``: character sets, each holding no ASCII character, such that every match of
    the branch contains a character of each. ``source``: the branch alone as a pattern, which
    matches exactly what the branch matches within the whole pattern.
    """

    required: tuple[frozenset[str], ...]
    source: str


def alternatives(pattern: re.Pattern[str]) -> tuple[Alternative, ...]:
    """The branches of ``pattern``, which must be one top-level alternation.

    Guarantees: the branches in their order, each as described by `Alternative`. Raises
    ValueError when the pattern is not an alternation, uses a construct this module does not
    write back (backreferences, lookarounds, groups, repeats other than ``?``…), or when this
    Python's parser has a structure it does not know.
    """
    try:
        tree = _p.parse(pattern.pattern, pattern.flags)
        ((op, (_, branches)),) = tree.data
        if op is not _c.BRANCH:
            raise ValueError("not an alternation")
        return tuple(Alternative(_required(b.data), _source(b.data)) for b in branches)
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(f"unreadable regex parse tree: {exc!r}") from exc


def fold(char: str) -> str:
    """A character as `first_strings` compares it: a space for any white space, ``0`` for any
    decimal digit, else its lower case as ``re.IGNORECASE`` reads it (one character: ``İ`` is
    ``i``), and for the characters it matches with other ones too, the first of their class
    (``ı`` folds to ``i``, ``σ`` to ``ς``): two characters ``re.IGNORECASE`` matches fold alike."""
    if char.isspace():
        return " "
    if char.isdecimal():
        return "0"
    lower = chr(_sre.unicode_tolower(ord(char)))
    return _CASE_CLASSES.get(lower, lower)  # type: ignore[union-attr]


def folded_start(text: str, length: int) -> str:
    """The first ``length`` characters of ``text``, each `fold`-ed: what a line is looked up
    by among `first_strings`; ``""`` (any start) when this Python's case tables cannot be
    read."""
    if _CASE_CLASSES is None:
        return ""
    start = text[:length]
    if start.isascii():  # (an ASCII character is the first of its case class)
        return start.translate(_ASCII_FOLDS)
    return "".join(map(fold, start))


def first_strings(pattern: str, flags: int = 0, length: int = 1) -> frozenset[str] | None:
    """The starts of the matches of ``pattern``, each character `fold`-ed: the first ``length``
    characters of every match, or the whole match when it is shorter.

    Guarantees: a superset of the true set (a text whose `folded_start` starts with none of
    them has no match of ``pattern`` at its start, with or without ``re.IGNORECASE``); ``""``
    among them when the pattern can match the empty string. None when a match can start with
    a construct this module does not follow (``.``, ``\\w``, a negated or wide class…) within
    its first ``length`` characters, when there are more than `_MAX_STRINGS` of them, or when
    this Python's regex internals cannot be read. Never raises for a valid pattern.
    """
    if _CASE_CLASSES is None:  # pragma: no cover - no case classes: no shortcut
        return None
    try:
        return frozenset(_starts(_p.parse(pattern, flags).data, length))
    except Exception:  # an unfollowed construct, too many starts, another Python's parse tree
        return None


def _class_chars(items: list[Any]) -> frozenset[str] | None:
    """The characters of a parsed ``[...]`` class; None when it may match any ASCII one
    (negated or with a category such as ``\\s``)."""
    chars: set[str] = set()
    for op, arg in items:
        if op is _c.LITERAL:
            chars.add(chr(arg))
        elif op is _c.RANGE:
            chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
        elif op in (_c.NEGATE, _c.CATEGORY):
            return None
        else:
            raise ValueError(f"unexpected class item {op}")
    return frozenset(chars)


def _required(items: list[Any]) -> tuple[frozenset[str], ...]:
    """The non-ASCII character sets of a sequence's mandatory items (classes, literals)."""
    needs: list[frozenset[str]] = []
    for op, arg in items:
        if op is _c.IN:
            chars = _class_chars(arg)
            if chars is not None and all(c >= "\x80" for c in chars):
                needs.append(chars)
        elif op is _c.LITERAL and arg >= 0x80:
            needs.append(frozenset(chr(arg)))
    return tuple(needs)


def _source(items: list[Any]) -> str:
    """A parsed sequence written back as a pattern (the subset ftfy's detector uses)."""
    out: list[str] = []
    for op, arg in items:
        if op is _c.LITERAL:
            out.append(re.escape(chr(arg)))
        elif op is _c.ANY:
            out.append(".")
        elif op is _c.AT and arg is _c.AT_BEGINNING:
            out.append(r"\A")
        elif op is _c.MAX_REPEAT and arg[:2] == (0, 1):
            out.append("(?:" + _source(arg[2].data) + ")?")
        elif op is _c.CATEGORY:
            out.append(_category_source(arg))
        elif op is _c.IN:
            cls: list[str] = []
            for sub_op, sub_arg in arg:
                if sub_op is _c.LITERAL:
                    cls.append(re.escape(chr(sub_arg)))
                elif sub_op is _c.RANGE:
                    cls.append(re.escape(chr(sub_arg[0])) + "-" + re.escape(chr(sub_arg[1])))
                elif sub_op is _c.NEGATE:
                    cls.append("^")
                elif sub_op is _c.CATEGORY:
                    cls.append(_category_source(sub_arg))
                else:
                    raise ValueError(f"unexpected class item {sub_op}")
            out.append("[" + "".join(cls) + "]")
        else:
            raise ValueError(f"unexpected regex item {op}")
    return "".join(out)


def _category_source(category: object) -> str:
    if category is _c.CATEGORY_SPACE:
        return r"\s"
    if category is _c.CATEGORY_WORD:
        return r"\w"
    raise ValueError(f"unexpected category {category}")


def _then(heads: set[str], tails: Callable[[int], set[str]], length: int) -> set[str]:
    """Each of ``heads`` followed by each of ``tails(room left)``, cut to ``length``."""
    out: set[str] = set()
    by_room: dict[int, set[str]] = {}
    for head in heads:
        if len(head) >= length:
            out.add(head[:length])
            continue
        room = length - len(head)
        if room not in by_room:
            by_room[room] = tails(room)
        out.update((head + tail)[:length] for tail in by_room[room])
        if len(out) > _MAX_STRINGS:
            raise ValueError("too many starts")
    return out


def _starts(items: list[Any], length: int) -> set[str]:
    """The `fold`-ed starts of a parsed sequence's matches, ``length`` characters at most (see
    `first_strings`); raises ValueError on a construct it does not follow."""
    starts = {""}
    for op, arg in items:
        if all(len(s) >= length for s in starts):
            break
        starts = _then(starts, lambda room, op=op, arg=arg: _item_starts(op, arg, room), length)
    return starts


def _item_starts(op: Any, arg: Any, length: int) -> set[str]:
    """The `fold`-ed starts of one parsed item's matches (see `_starts`)."""
    if op is _c.LITERAL:
        return {fold(chr(arg))}
    if op is _c.CATEGORY and arg in _CATEGORY_FOLDS:
        return {_CATEGORY_FOLDS[arg]}
    if op is _c.IN:
        chars: set[str] = set()
        for item_op, item_arg in arg:
            if item_op is _c.LITERAL:
                chars.add(fold(chr(item_arg)))
            elif item_op is _c.RANGE and item_arg[1] - item_arg[0] <= _MAX_RANGE:
                chars.update(fold(chr(c)) for c in range(item_arg[0], item_arg[1] + 1))
            elif item_op is _c.CATEGORY and item_arg in _CATEGORY_FOLDS:
                chars.add(_CATEGORY_FOLDS[item_arg])
            else:  # NEGATE, \w, a wide range
                raise ValueError(f"class item {item_op} not followed")
        return chars
    if op is _c.SUBPATTERN:
        return _starts(arg[-1].data, length)
    if op is _c.BRANCH:
        return set().union(*(_starts(alt.data, length) for alt in arg[1]))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        # n > length repeats start as `length` of them do (each adds a character or nothing)
        low, high, sub = min(arg[0], length), min(arg[1], length), arg[2]
        out: set[str] = set()
        starts = {""}
        for n in range(high + 1):
            if n >= low:
                out |= starts
            if n < high:
                starts = _then(starts, lambda room: _starts(sub.data, room), length)
        return out
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):  # takes no character
        return {""}
    raise ValueError(f"{op} not followed")  # ANY, NOT_LITERAL, \w, GROUPREF, …
