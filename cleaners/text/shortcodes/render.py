"""Removing shortcode markup by policy: `strip_shortcodes`.

The forest of recognised shortcodes (`cleaners.text.shortcodes.parse`) is written back as text:
unwrapped tags keep their (recursively cleaned) inner text, dropped ones lose it, caption tags
keep their caption text as a paragraph of its own, the heading attributes of an unwrapped tag
(``[su_box title="Key facts"]``) become a paragraph before its content, and a block separator
keeps the text on either side of a removed block tag from running together; an enclosing table
tag's CSV rows are kept as text lines (a table tag wrapping markup is unwrapped).
"""

from __future__ import annotations

import csv
import io
import re
from itertools import pairwise

from cleaners.edits import Edit, EditKind
from cleaners.text.shortcodes.parse import Node, build, parse_shortcode_attrs
from cleaners.text.shortcodes.policy import DEFAULT_SHORTCODE_POLICY, ShortcodePolicy

__all__ = ["strip_shortcodes"]

#: The image of a caption, as WordPress's ``img_caption_shortcode`` finds it: an ``<img>``,
#: possibly inside a link (the caption text is what is left around it).
_CAPTION_MEDIA = re.compile(r"(?:<a\s[^>]*>\s*)?<img\s[^>]*>(?:\s*</a>)?", re.I | re.S)


#: Characters per whitespace-separated word above which content is code, not words: base64 or
#: URL-encoded HTML (``[vc_raw_html]JTNDZGl2…``), runs of shortcodes (``[gallery][gallery]…``).
_MAX_WORD_CHARS = 40


def _reads_as_words(inner: str) -> bool:
    """``inner`` holds words a reader reads: at least one whitespace-separated word per
    `_MAX_WORD_CHARS` characters (prose averages one per 6 or 7)."""
    return len(inner.split()) * _MAX_WORD_CHARS >= len(inner)


def _describe(node: Node, policy: ShortcodePolicy, skip: frozenset[str] = frozenset()) -> str:
    """A tag as logged: its name and the attributes the policy keeps (``author="…"``) but
    those in ``skip``."""
    if node.open.closing:
        return node.open.name
    attrs = parse_shortcode_attrs(node.open.attrs)
    kept = [
        f'{k}="{v}"' for k, v in attrs.items() if k in policy.keep_attrs and v and k not in skip
    ]
    return " ".join([node.open.name, *kept])


def _csv_records(text: str, delimiter: str) -> list[list[str]]:
    """The records of CSV ``text``, read whole by the csv module: a quoted cell may span lines
    (``\n``, ``\r\n`` or ``\r``), blank ones too, and may follow spaces after the separator
    (``Doe, "Berlin, DE"``: the quotes still enclose the cell). When the text is not strict CSV
    (a quote that never closes, text after a closing quote, a cell over the csv module's size
    limit), each line is a record of its own, read leniently: a stray quote cannot swallow the
    rows after it. Linear in the length of ``text``; never raises."""
    dialect = {"delimiter": delimiter, "skipinitialspace": True}
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True, **dialect))
    except csv.Error:
        pass
    records = []
    for line in text.splitlines():
        try:
            records.extend(csv.reader([line], **dialect))
        except csv.Error:  # over the size limit: split, quotes and all
            records.append(line.split(delimiter))
    return records


#: Block markup: a table tag holding it wraps an HTML table or paragraphs, not CSV rows.
_BLOCK_MARKUP = re.compile(
    r"<(?:table|thead|tbody|tfoot|tr|td|th|p|div|ul|ol|li|dl|dt|dd|h[1-6]|blockquote|pre"
    r"|figure|section|article)(?=[\s/>])",
    re.I,
)
#: The line break that follows the opening tag (``[table]\nName,Score``): no blank line.
_FIRST_BREAK = re.compile(r"\A[ \t]*(?:\r\n?|\n)")


def _cells(record: list[str]) -> str:
    """A CSV record as a text line: its non-empty cells, whitespace folded, separated by a
    space."""
    return " ".join(" ".join(cell.split()) for cell in record if cell.strip())


def _csv_rows(text: str, sep: str) -> list[str] | None:
    """The non-empty rows of the CSV ``text`` a table tag holds (cells split on ``sep``, a tab
    for ``tab``, ``,`` when ``sep`` is not one character), each as its non-empty cells
    separated by a space, the way `html_to_text` writes a ``<table>``'s row; the line breaks
    and runs of spaces inside a quoted cell are one space.

    ``None`` when ``text`` is markup, not CSV: it holds block markup (``<table>``, ``<tr>``,
    ``<p>``, ``<div>``…), or its rows are paragraphs (a blank line outside quoted cells and no
    two rows on consecutive lines), which is what `html_to_text` writes of block markup before
    shortcodes are read. CSV rows are consecutive lines, a stray blank line among them
    notwithstanding when two rows or more are consecutive (a one-row table, or one with a
    blank line after every row, reads as paragraphs). Linear in the length of ``text``;
    never raises."""
    if _BLOCK_MARKUP.search(text):
        return None
    delimiter = "\t" if sep.strip().lower() in ("tab", "\\t") else sep
    if len(delimiter) != 1 or delimiter in "\"\r\n":
        delimiter = ","
    lines = [_cells(record) for record in _csv_records(_FIRST_BREAK.sub("", text), delimiter)]
    rows = [line for line in lines if line]
    if len(rows) < len(lines) and all(not a or not b for a, b in pairwise(lines)):
        return None  # blank lines, and between every two rows
    return rows


def _fold(s: str) -> str:
    """Removed text as logged: whole, with runs of whitespace folded to one space."""
    return " ".join(s.split())


def strip_shortcodes(
    text: str, policy: ShortcodePolicy = DEFAULT_SHORTCODE_POLICY
) -> tuple[str, list[Edit]]:
    """Remove shortcode markup from ``text`` according to ``policy``.

    Guarantees:
    - text outside recognised shortcodes is returned byte for byte, except that a
      ``policy.block_separator`` is inserted where a removed block tag sat between two
      non-space characters, and blank lines left by removed tags are collapsed;
    - unwrapped tags keep their inner text (recursively cleaned); dropped tags lose
      it; escaped ``[[tag]]`` becomes the literal ``[tag]``; orphan closing tags of
      recognised shortcodes are removed;
    - a caption tag (``policy.captions`` with ``policy.keep_captions``) becomes its caption
      text: its inner text (recursively cleaned) without the ``<img>``/``<a><img></a>`` markup,
      then its ``caption="…"`` attribute, each a paragraph of its own (``'\\n\\n'`` between
      it and the text on either side, the spaces and newlines that were there dropped); a
      caption with no text is removed;
    - brackets that are not shortcodes, and shortcodes inside HTML tags, are untouched;
    - one ``Edit(EditKind.SHORTCODE, …)`` per recognised tag, naming the tag, its useful
      attributes (e.g. ``author="…"``) and, for a removal, the whole removed text
      (whitespace folded); a kept caption's edit says ``kept as a paragraph`` and logs the
      image markup it removed; an unwrapped tag whose heading attributes were kept says
      ``(title="…" kept as a paragraph)``; an enclosing table tag's edit says how many CSV
      rows were kept as text lines (``unwrapped table (3 rows kept as text lines)``); one whose
      content is markup, not CSV (an HTML table, paragraphs: see `_csv_rows`), is unwrapped
      as other tags are (``unwrapped table (markup, not CSV rows)``), its commas kept.
    """
    if "[" not in text:
        return text, []
    nodes = build(text, policy)
    if not nodes:
        return text, []
    edits: list[Edit] = []
    out: list[str] = []
    # A removed or unwrapped block tag leaves a *pending* boundary: when the next
    # non-empty text arrives, a separator is inserted if the two sides would touch,
    # or one space is dropped if both sides are spaces.
    # A caption leaves a pending *paragraph* boundary: the spaces and newlines on either side
    # are dropped and one blank line put between the caption and its neighbours.
    pending = {"sep": False, "tidy": False, "para": False}

    def prev_char() -> str:
        for chunk in reversed(out):
            if chunk:
                return chunk[-1]
        return ""

    def trim_trailing_spaces() -> None:
        """Drop spaces a removed tag left at the end of a line."""
        for i in range(len(out) - 1, -1, -1):
            if out[i]:
                out[i] = out[i].rstrip(" \t")
                if out[i]:
                    return

    def trim_trailing_whitespace() -> None:
        """Drop the spaces and newlines at the end of the output (before a paragraph break)."""
        for i in range(len(out) - 1, -1, -1):
            if out[i]:
                out[i] = out[i].rstrip(" \t\r\n")
                if out[i]:
                    return

    def put(chunk: str) -> None:
        if not chunk:
            return
        if pending["para"]:
            chunk = chunk.lstrip(" \t\r\n")
            if not chunk:
                return  # still pending: the next text gets the paragraph break
            trim_trailing_whitespace()
            if prev_char():
                out.append("\n\n")
            pending["para"] = pending["sep"] = pending["tidy"] = False
            out.append(chunk)
            return
        if pending["sep"] or pending["tidy"]:
            if chunk[0] == "\n" and policy.tidy_spaces:
                trim_trailing_spaces()
                if prev_char() == "\n":
                    chunk = chunk[1:]  # the removed tag had a line of its own: drop it
                    if not chunk:
                        return
            prev = prev_char()
            if pending["tidy"] and prev == " " and chunk[0] == " ":
                chunk = chunk[1:]
            elif pending["sep"] and prev and not prev.isspace() and not chunk[0].isspace():
                out.append(policy.block_separator)
            pending["sep"] = pending["tidy"] = False
            if not chunk:
                return
        out.append(chunk)

    def boundary(node: Node) -> None:
        if policy.tidy_spaces:
            pending["tidy"] = True
        if policy.block_separator and node.open.name not in policy.inline:
            pending["sep"] = True

    def render(nodes: list[Node], lo: int, hi: int) -> None:
        pos = lo
        for n in nodes:
            put(text[pos : n.start])
            pos = n.end
            if n.escaped:
                put(text[n.start + 1 : n.end - 1])
                tag = f"/{n.open.name}" if n.open.closing else n.open.name
                edits.append(Edit(EditKind.SHORTCODE, f"unescaped [[{tag}]]"))
                continue
            if n.action == "keep":
                put(text[n.start : n.end])
                continue
            if n.open.closing:
                detail = f"removed orphan closing tag [/{n.open.name}]"
                edits.append(Edit(EditKind.SHORTCODE, detail))
                boundary(n)
                continue
            if n.action == "caption":
                caption(n)
                continue
            if n.action == "table" and table(n):
                continue
            inner = text[n.open.end : n.close.start] if n.close else ""
            action = "unwrap" if n.action == "table" else n.action
            if (
                action == "drop"
                and policy.max_drop_chars is not None
                and len(inner) > policy.max_drop_chars
                and _reads_as_words(inner)
            ):
                action = "unwrap"
            if action == "drop":
                detail = f"removed {_describe(n, policy)}"
                if inner.strip():
                    detail += f": {_fold(inner)}"
                edits.append(Edit(EditKind.SHORTCODE, detail))
                boundary(n)
                continue
            heads = []
            if action == "unwrap" and n.action in ("unwrap", "table"):
                attrs = parse_shortcode_attrs(n.open.attrs)
                heads = policy.headings(n.open.name, attrs, enclosing=n.close is not None)
            # a standalone tag has no content to keep, unless its headings
            verb = "unwrapped" if n.close is not None or heads else "removed"
            detail = f"{verb} {_describe(n, policy, frozenset(k for k, _ in heads))}"
            said = []
            if heads:
                kept = ", ".join(f'{k}="{v}"' for k, v in heads)
                said.append(f"{kept} kept as {'a paragraph' if len(heads) == 1 else 'paragraphs'}")
            if n.action == "table":  # `table` declined: its content is markup
                said.append("markup, not CSV rows")
            if said:
                detail += f" ({'; '.join(said)})"
            edits.append(Edit(EditKind.SHORTCODE, detail))
            boundary(n)
            for _, heading in heads:
                pending["para"] = True
                put(heading)
            if heads:
                pending["para"] = True
            if n.close is not None:
                render(n.children, n.open.end, n.close.start)
                boundary(n)
        put(text[pos:hi])

    def caption(node: Node) -> None:
        """A caption tag written as its caption text, a paragraph of its own."""
        attr = parse_shortcode_attrs(node.open.attrs).get("caption", "").strip()
        lo = node.open.end
        hi = node.close.start if node.close is not None else lo
        media = _CAPTION_MEDIA.search(text, lo, hi)
        # the inner text around the image (no shortcode can sit inside the image's markup)
        ranges = [(lo, hi)] if media is None else [(lo, media.start()), (media.end(), hi)]
        edit = len(edits)
        edits.append(Edit(EditKind.SHORTCODE, ""))  # its place: before the nested tags' edits
        size = len(out)
        was_para = pending["para"]
        pending["para"] = True
        for a, b in ranges:
            render([c for c in node.children if a <= c.start and c.end <= b], a, b)
        if attr:
            pending["para"] = True
            put(attr)
        kept = any(chunk.strip() for chunk in out[size:])
        if kept:
            detail = f"unwrapped {_describe(node, policy)} (caption kept as a paragraph)"
            if media is not None:
                detail += f"; removed image markup: {_fold(media.group())}"
            pending["para"] = True
        else:  # no caption text: removed like a media tag
            detail = f"removed {_describe(node, policy)}"
            if text[lo:hi].strip():
                detail += f": {_fold(text[lo:hi])}"
            pending["para"] = was_para
            boundary(node)
        edits[edit] = Edit(EditKind.SHORTCODE, detail)

    def table(node: Node) -> bool:
        """A table tag: its CSV rows as text lines, a paragraph of their own (after its
        heading attributes); removed like a media tag when it holds no row. ``False``, with
        nothing written or logged, when its content is markup (`_csv_rows`): it is then
        unwrapped as other tags are."""
        attrs = parse_shortcode_attrs(node.open.attrs)
        inner = text[node.open.end : node.close.start] if node.close is not None else ""
        nested: list[Edit] = []
        if "[" in inner:  # nested shortcodes cleaned first, their edits after the table's
            inner, nested = strip_shortcodes(inner, policy)
        rows = _csv_rows(inner, attrs.get("sep", ","))
        if rows is None:
            return False
        if not rows:
            detail = f"removed {_describe(node, policy)}"
            if inner.strip():
                detail += f": {_fold(inner)}"
            edits.append(Edit(EditKind.SHORTCODE, detail))
            edits.extend(nested)
            boundary(node)
            return True
        heads = policy.headings(node.open.name, attrs, enclosing=True)
        kept = [f'{k}="{v}"' for k, v in heads]
        kept_as = "a paragraph" if len(heads) == 1 else "paragraphs"
        said = [f"{', '.join(kept)} kept as {kept_as}"] if heads else []
        said.append(f"{len(rows)} row{'s' if len(rows) != 1 else ''} kept as text lines")
        skip = frozenset(k for k, _ in heads)
        detail = f"unwrapped {_describe(node, policy, skip)} ({'; '.join(said)})"
        edits.append(Edit(EditKind.SHORTCODE, detail))
        edits.extend(nested)
        for chunk in [v for _, v in heads] + ["\n".join(rows)]:
            pending["para"] = True
            put(chunk)
        pending["para"] = True
        return True

    render(nodes, 0, len(text))
    if pending["para"]:
        trim_trailing_whitespace()  # a caption at the very end
    if (pending["sep"] or pending["tidy"]) and policy.tidy_spaces:
        trim_trailing_spaces()  # a tag removed at the very end
    result = "".join(out)
    if "\n" in result and result != text:
        result = re.sub(r"\n[ \t]+(?=\n)", "\n", result)
        result = re.sub(r"\n{3,}", "\n\n", result)
        if not text.startswith("\n"):
            result = result.lstrip("\n")
    return result, edits
