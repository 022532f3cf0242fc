"""What a regular expression's parse tree says about its matches, for fast pre-filters.

Two cleaners decide cheaply which regexes can match a text before running them:

* `alternatives` splits an alternation (ftfy's mojibake detector) into its branches, each with
  the non-ASCII characters a match of it must contain (see `cleaners.text.encoding.detector`);
* `first_chars` gives the characters a match can start with (the promo rules' fast reject, see
  `cleaners.text.promos.rules`).

Both read CPython's internal regex parser (``re._parser``, ``re._constants``), which has no
stability guarantee; this module is the only place that does. ``tests/test_regex_tree.py``
fails loudly if a Python version changes the structure; at run time the callers fall back to
the plain regex (exact, only slower).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

try:
    import re._constants as _c
    import re._parser as _p
except ImportError:  # pragma: no cover - a Python without these internals: callers fall back
    _c = _p = None  # type: ignore[assignment]

__all__ = ["Alternative", "alternatives", "first_chars"]

#: Ranges longer than this are not expanded into first characters (`first_chars` then
#: answers None: any character).
_MAX_RANGE = 512


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


def first_chars(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """The lower-cased characters a match of ``pattern`` can start with.

    Guarantees: a superset of the true set, lower-cased (so that a lower-cased first character
    can be looked up under ``re.IGNORECASE``); None when the regex can match the empty string,
    starts with a construct this module does not follow (``.``, ``\\w``, a negated or wide
    class…), or the parse tree cannot be read. Never raises for a valid pattern.
    """
    try:
        chars, nullable = _first_chars(_p.parse(pattern, flags).data)
    except Exception:  # another Python's parse tree: no shortcut for this pattern
        return None
    return None if nullable else chars


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


def _first_chars(items: list[Any]) -> tuple[frozenset[str] | None, bool]:
    """``(characters a match of the parsed items can start with, or None when any character
    could; whether the items can match the empty string)``, lower-cased.

    A superset is fine (it only makes a fast reject try a regex for nothing); None is returned
    for every construct not handled, so a regex is never wrongly skipped.
    """
    out: set[str] = set()
    for op, arg in items:
        first: frozenset[str] | None
        nullable = False
        if op is _c.LITERAL:
            first = frozenset({chr(arg).lower()})
        elif op is _c.IN:
            chars: set[str] = set()
            for item_op, item_arg in arg:
                if item_op is _c.LITERAL:
                    chars.add(chr(item_arg).lower())
                elif item_op is _c.RANGE and item_arg[1] - item_arg[0] <= _MAX_RANGE:
                    chars.update(chr(c).lower() for c in range(item_arg[0], item_arg[1] + 1))
                else:  # NEGATE, CATEGORY, a wide range
                    return None, False
            first = frozenset(chars)
        elif op is _c.SUBPATTERN:
            first, nullable = _first_chars(arg[-1].data)
        elif op is _c.BRANCH:
            union: set[str] = set()
            for alt in arg[1]:
                f, n = _first_chars(alt.data)
                if f is None:
                    return None, False
                union |= f
                nullable = nullable or n
            first = frozenset(union)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            first, nullable = _first_chars(arg[2].data)
            nullable = nullable or arg[0] == 0
        elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            first, nullable = frozenset(), True
        else:  # ANY, NOT_LITERAL, CATEGORY, GROUPREF, …
            return None, False
        if first is None:
            return None, False
        out |= first
        if not nullable:
            return frozenset(out), False
    return frozenset(out), True
