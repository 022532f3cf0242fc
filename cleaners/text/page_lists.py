"""Lists of an article that trafilatura's passes dropped, put back.

On some pages both passes of `cleaners.text.extract` drop a list of the article's body: the
seven tips after ``So schützen Sie sich vor Einbrechern:`` on a press release, the features
a guide lists under a heading between two of its paragraphs. A list whose introducing
paragraph was kept (a line of the text ending with a colon, or with an ellipsis the items
complete: `introduced_lists`), and a list of prose items the page shows between two
consecutive lines of the text (`sandwiched_lists`), are put back, item by item, each a
``- item`` line as trafilatura writes a list's items; the text's items keep their mark with
their text (`as_paragraphs`). Pure: a parsed tree and a text in, a text out.
"""

from __future__ import annotations

import re
from typing import Any

from cleaners.text.page_passes import reads_as_prose
from cleaners.text.page_tree import (
    PARAGRAPH_TAGS,
    Paragraphs,
    in_furniture,
    is_hidden,
    linked_chars,
    shown_paragraphs,
    shown_runs,
    shown_text,
    text_key,
)

__all__ = ["LIST_MAX_COMPARED", "LIST_MIN_ITEMS", "as_paragraphs", "introduced_lists",
           "sandwiched_lists"]

#: A list a kept paragraph introduces is put back from this many items.
LIST_MIN_ITEMS = 2
#: What starts a list item's line, as trafilatura writes it (then a space and the item).
_ITEM_MARK = "-"
#: At most this many lists a page are compared with the text by each rule (each comparison
#: reads the whole text: a page of thousands of them would cost their number times its length).
LIST_MAX_COMPARED = 100
#: Empty siblings looked past between a list and the element that introduces it.
_INTRO_LOOKBACK = 3
_INTRO_TAGS = frozenset({"p", "div", "h2", "h3", "h4", "strong"})
#: How many wrappers holding nothing but the list `_intro_of` looks out of.
_WRAPPER_LEVELS = 2
#: An introducing paragraph ending with an ellipsis is a sentence the list's items complete
#: (``Die besten Erfahrungen machen bei mir Menschen, die …`` / ``offen und neugierig sind``):
#: its first item starts lowercase. Any other ends with a colon.
_ELLIPSES = ("…", "...")
_INTRO_ENDS = (":", *_ELLIPSES)
#: An item holding one of these is not one line of text (a nested list, paragraphs).
_BLOCK_TAGS = frozenset({"ul", "ol", "p", "div", "table", "blockquote", "pre"})
#: Headings the page shows between two lines of the text, around a list (trafilatura drops
#: some with the list they head).
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
#: Class or id words of blocks whose lists are no article's, for lists between two kept
#: paragraphs (page furniture aside): a sidebar's widget (not Elementor's ``elementor-widget``,
#: which holds every block of its pages), a menu, a navigation, tags, metadata, footnotes.
_WIDGET_CLASS = re.compile(
    r"(?<!elementor-)widget|\bnav(?:bar|igation)?\b|\bmenu\b|\btags?\b|\bmeta\b|footnote",
    re.IGNORECASE)


def _intro_of(element: Any) -> Any | None:
    """The element that introduces list ``element``: its previous sibling with text (looking
    past at most `_INTRO_LOOKBACK` empty ones), when it is a paragraph, a block or a heading;
    for a list alone in its wrapper (an element holding nothing else: a page builder's
    ``<div>`` around each block), the wrapper's, up to `_WRAPPER_LEVELS` levels up."""
    for _ in range(_WRAPPER_LEVELS + 1):
        intro = element.getprevious()
        for _ in range(_INTRO_LOOKBACK):
            if intro is None or shown_text(intro).strip():
                break
            intro = intro.getprevious()
        if intro is not None:
            return intro if intro.tag in _INTRO_TAGS else None
        parent = element.getparent()
        if parent is None or not _holds_only(parent, element):
            return None
        element = parent
    return None


def _holds_only(parent: Any, child: Any) -> bool:
    """Whether ``parent`` holds ``child`` and nothing else (but whitespace and comments)."""
    return (not (parent.text or "").strip() and not (child.tail or "").strip()
            and all(node is child or not isinstance(node.tag, str) for node in parent))


def _item_text(item: Any) -> str | None:
    """A list item's shown text on one line ('' when it shows none), or None when a block
    inside it shows text (a nested list, paragraphs: their words would run together; an
    icon's empty ``<div>`` is no such block). One walk of the item."""
    runs = shown_runs(item, mark=lambda node: node.tag in _BLOCK_TAGS)
    if any(block is not None and text.strip() for text, block in runs):
        return None
    return " ".join("".join(text for text, _ in runs).split())


def introduced_lists(tree: Any, text: str) -> str:
    """``text`` with the items of each list that a kept paragraph introduces (`_intro_of`,
    ending with a colon, or with an ellipsis its first item continues in lowercase: ``So
    schützen Sie sich vor Einbrechern:``) and that the extraction
    dropped, each item a line after that paragraph's line: the n-th such list of an intro
    after the n-th line that is that intro. Left out: a list of fewer than `LIST_MIN_ITEMS`
    items, of links, with items made of blocks that show text (nested lists, paragraphs; an
    icon's empty ``<div>`` is no block of text), not shown, in page
    furniture, or whose first items are already in the text or put back already. Linear in
    the page but for the comparisons with the text, of at most `LIST_MAX_COMPARED` lists."""
    lines = text.split("\n")
    keys = [text_key(line) for line in lines]
    whole = "".join(keys)
    line_of: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        line_of.setdefault(k, []).append(i)
    used: dict[str, int] = {}
    added: set[str] = set()
    inserts: dict[int, list[str]] = {}
    compared = 0
    for element in tree.iter("ul", "ol"):
        items = [li for li in element if getattr(li, "tag", None) == "li"]
        if len(items) < LIST_MIN_ITEMS or (intro := _intro_of(element)) is None:
            continue
        intro_text = " ".join(shown_text(intro).split())
        intro_key = text_key(intro_text)
        if not intro_text.endswith(_INTRO_ENDS) or intro_key not in line_of:
            continue
        occurrence = used.get(intro_key, 0)  # this list belongs to the intro's next line
        used[intro_key] = occurrence + 1
        if occurrence >= len(line_of[intro_key]) or in_furniture(element) or is_hidden(element):
            continue
        texts = [_item_text(li) for li in items]
        shown = [item for item in texts if item]
        linked = sum(map(linked_chars, items))
        if (None in texts or len(shown) < LIST_MIN_ITEMS or linked * 2 > sum(map(len, shown))
                or (intro_text.endswith(_ELLIPSES) and not shown[0][:1].islower())):
            continue
        if compared == LIST_MAX_COMPARED:
            break
        compared += 1
        first = [text_key(item) for item in shown[:3]]
        if any(k in added or k in whole for k in first):
            continue
        inserts.setdefault(line_of[intro_key][occurrence], []).extend(f"- {t}" for t in shown)
        added.update(text_key(item) for item in shown)
    return _with_items(lines, inserts)


def _with_items(lines: list[str], inserts: dict[int, list[str]]) -> str:
    """``lines`` joined, the lines of ``inserts`` after the line of their index."""
    if not inserts:
        return "\n".join(lines)
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, []))
    return "\n".join(out)


def _prose_items(parent: Any, items: list[Any], above: set[Any]) -> list[str] | None:
    """The shown texts of ``items`` (the ``<li>``s of list ``parent``) when the list reads as
    the article's: `LIST_MIN_ITEMS` items or more, each one line of prose
    (`reads_as_prose`: `PROSE_MIN_WORDS` words or more, ending a sentence), shown, mostly not
    links, and in no page furniture nor block of `_WIDGET_CLASS` (a widget, a menu, tags,
    metadata, footnotes) below ``above`` (the blocks it shares with the kept paragraph
    before it: a layout's class naming a sidebar around both says nothing); else None.
    Cheap checks first: a page's menus fail on their items' words."""
    texts = [_item_text(li) for li in items]
    if len(items) < LIST_MIN_ITEMS or not all(t and reads_as_prose(t) for t in texts):
        return None
    shown = [t for t in texts if t]
    if (linked_chars(parent) * 2 > sum(map(len, shown)) or is_hidden(parent)
            or any(is_hidden(li, {parent}) for li in items)
            or in_furniture(parent, above, also=_WIDGET_CLASS)):
        return None
    return shown


def sandwiched_lists(tree: Any, text: str, paragraphs: Paragraphs | None = None) -> str:
    """``text`` with the lists the page shows between two consecutive lines of it, after the
    first of the two, when the page's paragraph elements (``<p>``, ``<h2>``-``<h6>``,
    ``<li>``: `shown_paragraphs`) between the two kept paragraphs are only lists of prose
    items (`_prose_items`) and headings (a guide's ``Common features`` heading over a list
    of sentences): the headings' lines (a hidden heading, or one in page furniture, left out)
    and the items' (``- item``), in page order. A list of links, of short items (a menu,
    tags), beside another dropped paragraph, or a gap holding a list already in the text or
    put back already (by its first 3 items) stays out; so does a gap between paragraphs the
    page or the text shows more than once (which lines they are is not known). At most
    `LIST_MAX_COMPARED` lists a page are compared with the text (the gap that would pass it
    stays out). ``paragraphs``: the page's `shown_paragraphs`, when the caller has them
    (those of its ``<body>`` are read). Linear in the page but for those comparisons."""
    body = tree.find("body")
    if paragraphs is None:
        paragraphs = shown_paragraphs(body if body is not None else tree)
    elif body is not None:
        # a set, not each paragraph's ancestors: those cost the page's depth a paragraph
        in_body = set(body.iter(*PARAGRAPH_TAGS, "h1"))
        paragraphs = [(node, shown) for node, shown in paragraphs if node in in_body]
    page_keys = [text_key(" ".join(shown)) for _, shown in paragraphs]
    lines = text.split("\n")
    keys = [text_key(line) for line in lines]
    whole = "".join(keys)
    line_of = _unique_positions(keys)
    on_page_once = set(_unique_positions(page_keys))
    inserts: dict[int, list[str]] = {}
    added: set[str] = set()
    compared = 0
    last, last_at = -1, -2  # the last paragraph that is a line of the text, and that line
    for n, k in enumerate(page_keys):
        if (at := line_of.get(k)) is None or k not in on_page_once:
            continue
        gap = None
        if n - last > 1 and at == last_at + 1 and compared < LIST_MAX_COMPARED:
            gap = _gap_lines(paragraphs[last + 1:n], set(paragraphs[last][0].iterancestors()))
        if gap is not None:
            lines_of_gap, first_items = gap
            compared += len(first_items)
            if compared <= LIST_MAX_COMPARED and not any(
                    item in added or item in whole for firsts in first_items for item in firsts):
                inserts[last_at] = lines_of_gap
                added.update(text_key(line[2:]) for line in lines_of_gap if line.startswith("- "))
        last, last_at = n, at
    return _with_items(lines, inserts)


def _unique_positions(keys: list[str]) -> dict[str, int]:
    """The position of each key that ``keys`` holds once."""
    seen: dict[str, int] = {}
    twice: set[str] = set()
    for i, k in enumerate(keys):
        if k in seen:
            twice.add(k)
        seen[k] = i
    return {k: i for k, i in seen.items() if k not in twice}


def _gap_lines(gap: Paragraphs, above: set[Any]) -> tuple[list[str], list[list[str]]] | None:
    """The lines of ``gap`` (the paragraphs between two kept ones, in page order) when it
    holds only lists of prose items (`_prose_items`; each item a ``- item`` line where the
    page has it) and headings (their text, but a hidden one or one in page furniture), with
    the keys of each list's first 3 items; None when it holds anything else or no list."""
    lists: dict[Any, list[Any]] = {}
    for node, _ in gap:
        parent = node.getparent()
        if node.tag == "li" and parent is not None and parent.tag in ("ul", "ol"):
            lists.setdefault(parent, []).append(node)
        elif node.tag not in _HEADINGS:
            return None
    item_text: dict[Any, str] = {}
    first_items: list[list[str]] = []
    for parent, items in lists.items():
        if (shown := _prose_items(parent, items, above)) is None:
            return None
        item_text.update(zip(items, shown, strict=True))
        first_items.append([text_key(item) for item in shown[:3]])
    if not item_text:
        return None
    out = [f"- {item_text[node]}" if node in item_text else " ".join(lines)
           for node, lines in gap
           if node in item_text or not (is_hidden(node) or in_furniture(node, above))]
    return out, first_items


def as_paragraphs(text: str) -> str:
    """trafilatura's one-line-per-block ``text`` with a blank line between blocks, each list
    item's mark with its text. trafilatura writes an item's mark alone on a line, ``- `` with
    its space, when the item's text starts on a line below its ``<li>``, and for an item of an
    image, an icon or a button alone (169 and 15 of the 184 such lines in the texts of the six
    page sets of ``docs/cleaning.md``). Guarantees: no line is empty or a ``-`` alone; a mark
    is put in front of the line after it, unless that line is an item itself; a ``-`` without
    the space is a paragraph of its own (a separator, ``<p>-</p>``) and is left out, the line
    after it as it is; every other line is kept, stripped, in order."""
    lines = [line for line in text.split("\n") if line.strip()]
    item = f"{_ITEM_MARK} "
    out: list[str] = []
    marked = False  # the line before was an item's mark
    for line in lines:
        kept = line.strip()
        if kept == _ITEM_MARK:
            marked = item in line
            continue
        out.append(f"{item}{kept}" if marked and not kept.startswith(item) else kept)
        marked = False
    return "\n\n".join(out)
