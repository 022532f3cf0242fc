"""Shortcode grammar: tokens, attributes, and the forest of recognised shortcodes.

The parser follows the grammar of WordPress's ``get_shortcode_regex()`` and
``shortcode_parse_atts()`` and goes beyond it where real exports need it:

- self-closing ``[tag /]``, standalone ``[tag attr=…]`` and enclosing ``[tag]…[/tag]``
  over several lines;
- nesting (``[vc_row][vc_column][vc_column_text]…``), including the same tag nested
  in itself (matched with a stack, innermost first, which WordPress's regex cannot do);
- escaped ``[[tag]]`` (kept as the literal ``[tag]``, as WordPress prints it), and each doubled
  tag of ``[[tag]]…[[/tag]]`` an escape of its own (WordPress would print ``[tag]]…[[/tag]``);
- brackets written as character references (``&#91;gallery]``, ``&#x5B;``, ``&lsqb;``), how
  WordPress writes a literal shortcode, are a literal too: `escape_bracket_entities` rewrites
  them as the escape ``[[gallery]]`` before entities are decoded;
- names with hyphens and underscores (``[hyphen-foo]`` is the tag ``hyphen-foo``,
  never ``hyphen`` followed by text);
- attributes quoted with ``"``, ``'``, nothing, or texturized quotes with stray spaces
  (``style= »style-2″``, ``author=“Jane Doe”``);
- shortcodes inside HTML tags (``<div [gallery]>``, ``<!--[if lt IE 7]>``) are left alone,
  as WordPress's ``strip_shortcodes`` does.

Which tags are recognised, and what happens to them, is the `ShortcodePolicy`'s decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cleaners.text.shortcodes.policy import (
    DEFAULT_SHORTCODE_POLICY,
    Action,
    ShortcodePolicy,
    name_set,
)

__all__ = [
    "MAX_DEPTH",
    "Shortcode",
    "escape_bracket_entities",
    "find_shortcodes",
    "parse_shortcode_attrs",
]

#: Deepest nesting matched as such; deeper tags are handled one by one (no recursion limit).
MAX_DEPTH = 64

# A tag token. WordPress: name = [^<>&/\[\]\x00-\x20=]+ and "not followed by [\w-]";
# we keep names ASCII identifiers with '-' (what plugins register) so that "[…]", "[1]"
# or "[«Texte»]" can never be tags.
# The attributes take the spaces before ``/]`` or ``]`` too (callers strip them): a ``\s*`` of
# its own there would share a long run of spaces with them, quadratic on a tag left open.
_TOKEN = re.compile(
    r"\[(?P<close>/)?(?P<name>[A-Za-z_][A-Za-z0-9_-]*)(?![\w-])"
    r"(?P<attrs>(?:\s[^\[\]]*?)?)(?P<self>/)?\]"
)
# HTML tags and comments, inside which shortcodes are never stripped (as in WordPress). A
# comment or CDATA section left open runs to the end of the text, as in WordPress's
# `get_html_split_regex` (and each one is not searched to the end again).
_HTML_ELEMENT = re.compile(
    r"<!--.*?(?:-->|$)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<[A-Za-z/!\[][^<>]*>", re.S)

# A tag token whose brackets are character references (``&#91;gallery]``, ``&#x5B;gallery&#x5D;``,
# ``&lsqb;``, ``&lbrack;``, also escaped twice, ``&amp;#91;``): how WordPress writes a literal
# shortcode.
_ENT_OPEN = r"&(?:amp;)*(?:\#0*91|\#[xX]0*5[bB]|lsqb|lbrack);"
_ENT_CLOSE = r"&(?:amp;)*(?:\#0*93|\#[xX]0*5[dD]|rsqb|rbrack);"
# Its attributes hold no opening of another (an opening left unclosed is not searched to the
# end of the text, once per opening), and take the spaces before its end (as `_TOKEN`'s).
_ENTITY_TOKEN = re.compile(
    rf"(?P<open>{_ENT_OPEN})(?P<close>/)?(?P<name>[A-Za-z_][A-Za-z0-9_-]*)(?![\w-])"
    rf"(?P<attrs>(?:\s(?:(?!{_ENT_OPEN})[^\[\]])*?)?)(?P<self>/)?(?P<end>\]|{_ENT_CLOSE})"
)

_OPEN_Q = "\"'“”„″‘’′«»‹›"
_ATTR = re.compile(
    r"""(?P<key>[\w-]+)\s*=\s*(?:
          "(?P<dq>[^"]*)"(?=\s|$)
        | '(?P<sq>[^']*)'(?=\s|$)
        | [“”„″‘’′«»‹›]\s*(?P<tq>.*?)\s*[“”„″‘’′«»‹›"'](?=\s+[\w-]+\s*=|\s*/?\s*$)
        | (?P<bare>[^\s'"“”„″‘’′«»‹›]+)(?=\s|$)
      )
    | "(?P<pdq>[^"]*)"(?=\s|$)
    | '(?P<psq>[^']*)'(?=\s|$)
    | (?P<pbare>\S+)(?=\s|$)
    """,
    re.X | re.S,
)
#: Inline tag names that, alone and without a closing tag, are more likely an index.
_FORMULA_NAMES = frozenset({"b", "i", "u", "s", "p", "em", "li", "ul", "ol", "sub", "sup"})
_KEY_VALUE = re.compile(r"(?:^|\s)[\w-]+\s*=\s*\S")
#: A plugin's name for a tag: words joined by ``_`` (``vc_row``, ``rev_slider``; hyphens too,
#: ``contact-form-7``). A name joined by hyphens only reads as an editor's insertion inside a
#: sentence (``lighter [second-half] results``, ``her [ex-wife]``): it counts as a tag only
#: where prose cannot hold it (`_in_prose`).
_SHORTCODE_LIKE_NAME = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z][a-z0-9]*)+")
#: What may stand between a tag and the words around it in a sentence.
_PROSE_GAP = frozenset(" ,;:.!?()\"'")
#: What may end a sentence's word right after the tag (``her [ex-wife], who``).
_CLOSING_MARKS = frozenset(",;:.!?)\"'")


def parse_shortcode_attrs(text: str) -> dict[str, str]:
    """Parse a shortcode's attribute string the way WordPress's ``shortcode_parse_atts``
    does, also accepting texturized quotes with stray spaces (``style= »style-2″``).

    Guarantees: named attributes come back under their lower-cased name, positional ones
    under ``"0"``, ``"1"``…; values are returned without their quotes. Never raises.
    """
    attrs: dict[str, str] = {}
    position = 0
    for m in _ATTR.finditer(text.strip()):
        if m.group("key"):
            value = next(
                (m.group(g) for g in ("dq", "sq", "tq", "bare") if m.group(g) is not None), ""
            )
            attrs[m.group("key").lower()] = value
        else:
            value = next(
                (m.group(g) for g in ("pdq", "psq", "pbare") if m.group(g) is not None), ""
            )
            if value == "/":
                continue
            attrs[str(position)] = value.strip(_OPEN_Q)
            position += 1
    return attrs


@dataclass(frozen=True)
class Shortcode:
    """One recognised shortcode occurrence in a text (as found by `find_shortcodes`)."""

    name: str
    attrs: dict[str, str]
    start: int  # offset of the opening '['
    end: int  # offset just past the closing ']' (of the closing tag if enclosing)
    content: str | None  # inner text of an enclosing shortcode, raw; None if standalone
    escaped: bool  # written as [[tag]]: printed literally, never executed


@dataclass(slots=True)
class Tok:
    """One ``[tag …]`` or ``[/tag]`` token and where it stands."""

    start: int
    end: int
    name: str
    attrs: str
    closing: bool
    self_closing: bool
    alone: bool = False  # the only thing on its line
    escaped: bool = False  # written [[tag]]: a literal of its own, never paired
    in_prose: bool = False  # a word just before it and just after it on its line


@dataclass
class Node:
    """A recognised shortcode in the forest: its tokens, children and what to do with it."""

    open: Tok
    close: Tok | None = None
    children: list[Node] = field(default_factory=list)
    escaped: bool = False
    action: Action = "keep"
    overflow: bool = False  # an enclosing tag nested deeper than MAX_DEPTH

    @property
    def start(self) -> int:
        """Offset of the opening ``[`` (of ``[[`` when escaped)."""
        return self.open.start - (1 if self.escaped else 0)

    @property
    def end(self) -> int:
        """Offset just past the last ``]`` (of the closing tag when enclosing)."""
        last = self.close or self.open
        return last.end + (1 if self.escaped else 0)


def _html_mask(text: str) -> list[tuple[int, int]]:
    if "<" not in text:
        return []
    return [(m.start(), m.end()) for m in _HTML_ELEMENT.finditer(text)]


def _in_prose(text: str, start: int, end: int) -> bool:
    """True when a word ends just before text[start:end] and, on the same line, a word or a
    closing mark follows it (at most one space or mark between the word and the tag:
    ``lighter [second-half] results``, ``her [ex-wife], who``)."""
    before, after = text[max(0, start - 2):start], text[end:end + 2]
    word_before = bool(before) and (before[-1].isalnum() or (
        before[-1] in _PROSE_GAP and before[:1].isalnum()))
    word_after = bool(after) and (after[0].isalnum() or after[0] in _CLOSING_MARKS or (
        after[0] in _PROSE_GAP and after[1:2].isalnum()))
    return word_before and word_after


def _alone_on_line(text: str, start: int, end: int) -> bool:
    """True when only spaces separate text[start:end] from the line's ends."""
    i = start - 1
    while i >= 0 and text[i] in " \t\r":
        i -= 1
    if i >= 0 and text[i] != "\n":
        return False
    j, n = end, len(text)
    while j < n and text[j] in " \t\r":
        j += 1
    return j == n or text[j] == "\n"


def _tokens(text: str) -> list[Tok]:
    """Every tag token outside HTML tags and comments, in text order."""
    mask = _html_mask(text)
    toks: list[Tok] = []
    mi = 0
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        if mask:
            while mi < len(mask) and mask[mi][1] <= start:
                mi += 1
            if mi < len(mask) and mask[mi][0] <= start < mask[mi][1]:
                continue  # inside an HTML tag or comment
        close, name, attrs, self_closing = m.group("close", "name", "attrs", "self")
        if close is not None and (attrs.strip() or self_closing):
            continue
        toks.append(
            Tok(
                start,
                end,
                name,
                attrs,
                close is not None,
                self_closing is not None,
                _alone_on_line(text, start, end),
                start > 0 and end < len(text) and text[start - 1] == "[" and text[end] == "]",
                _in_prose(text, start, end),
            )
        )
    return toks


def _decide(policy: ShortcodePolicy, tok: Tok, has_close: bool) -> Action | None:
    """What to do with a tag; ``None`` means "not a shortcode, leave the text alone"."""
    listed = policy.action(tok.name)
    if (
        listed == "unwrap"
        and tok.name in _FORMULA_NAMES
        and not has_close
        and not tok.self_closing
        and not tok.attrs.strip()
    ):
        return None  # "x[i]", "a[b]": an index in a formula, not a BBCode tag left open
    if listed is not None:
        return listed
    if policy.unknown == "keep":
        return None
    looks_like = (
        has_close
        or tok.self_closing
        or _KEY_VALUE.search(tok.attrs) is not None
        or (_SHORTCODE_LIKE_NAME.fullmatch(tok.name) is not None
            and ("_" in tok.name or not tok.in_prose))
        # "[responsivevoice]" alone on its line is markup; "[Applause]" or "[laughter]"
        # in a transcript is not
        or (
            tok.alone
            and not tok.attrs.strip()
            and tok.name.islower()
            and tok.name not in name_set("annotations")
        )
    )
    return policy.unknown if looks_like else None


def build(text: str, policy: ShortcodePolicy) -> list[Node]:
    """The recognised shortcodes of ``text`` as a forest, in text order.

    Guarantees: tokens are matched with a stack, innermost first (so a tag nested in itself
    pairs correctly, up to `MAX_DEPTH`); an unclosed tag is standalone; an orphan closing tag
    of a recognised shortcode is a node of its own (``action`` drop or keep); each node's
    ``action`` is the policy's, and tokens that are not shortcodes are left out (their
    children are kept).
    """
    toks = _tokens(text)
    closers: dict[str, int] = {}
    for t in toks:
        if t.closing and not t.escaped:
            closers[t.name] = closers.get(t.name, 0) + 1
    root: list[Node] = []
    stack: list[Node] = []
    orphans: set[int] = set()
    escapes: set[int] = set()

    def attach(node: Node) -> None:
        (stack[-1].children if stack else root).append(node)

    for t in toks:
        if t.escaped:  # [[tag]] or [[/tag]]: a literal, whatever follows
            node = Node(open=t)
            attach(node)
            escapes.add(id(node))
            continue
        if t.closing:
            idx = next(
                (i for i in range(len(stack) - 1, -1, -1) if stack[i].open.name == t.name), -1
            )
            if idx < 0:
                orphan = Node(open=t)
                action = _decide(policy, t, has_close=True)
                if action is None:
                    continue
                orphan.action = "drop" if action != "keep" else "keep"
                attach(orphan)
                orphans.add(id(orphan))
                continue
            while len(stack) - 1 > idx:  # unclosed tags inside: standalone
                _close_standalone(stack, root)
            node = stack.pop()
            node.close = t
            attach(node)
            continue
        node = Node(open=t)
        if t.self_closing or closers.get(t.name, 0) == 0:
            attach(node)
        elif len(stack) >= MAX_DEPTH:
            node.overflow = True  # handled standalone, its closing tag will be an orphan
            attach(node)
        else:
            stack.append(node)
    while stack:
        _close_standalone(stack, root)

    def decide_all(nodes: list[Node]) -> list[Node]:
        out: list[Node] = []
        for n in nodes:
            if id(n) in orphans:
                out.append(n)
                continue
            if id(n) in escapes:
                has_close = n.open.closing or closers.get(n.open.name, 0) > 0
                if _decide(policy, n.open, has_close=has_close) is not None:
                    n.action, n.escaped = "keep", True
                    out.append(n)
                continue
            action = _decide(policy, n.open, has_close=n.close is not None or n.overflow)
            n.children = decide_all(n.children)
            if action is None:
                # Not a shortcode: its tokens are plain text, its children stay recognised.
                out.extend(n.children)
                continue
            n.action = action
            n.escaped = (
                n.open.start > 0
                and text[n.open.start - 1] == "["
                and (n.close or n.open).end < len(text)
                and text[(n.close or n.open).end] == "]"
            )
            out.append(n)
        return out

    return decide_all(root)


def _close_standalone(stack: list[Node], root: list[Node]) -> None:
    """Pop an unclosed tag: it becomes standalone, its children its following siblings."""
    node = stack.pop()
    kids, node.children = node.children, []
    parent = stack[-1].children if stack else root
    parent.append(node)
    parent.extend(kids)


def escape_bracket_entities(text: str, policy: ShortcodePolicy = DEFAULT_SHORTCODE_POLICY) -> str:
    """``text`` with every shortcode whose brackets are character references
    (``&#91;gallery]``, ``&#91;gallery&#93;``, ``&#x5B;``, ``&lsqb;``, ``&amp;#91;``) written as
    WordPress's escape ``[[gallery]]``, so that decoding entities cannot make it a live
    shortcode: WordPress writes a literal shortcode that way, and the page shows ``[gallery]``.
    To be called before entities are decoded (or markup parsed).

    Guarantees: only tags the policy recognises are rewritten (``&#91;1&#93;`` or
    ``&#91;sic&#93;`` stay as written, to be decoded to ``[1]``, ``[sic]``); each tag of an
    enclosing pair is an escape of its own (``[[caption]]x[[/caption]]``); everything else is
    returned as is. Never raises.
    """
    if "&" not in text:
        return text
    found = list(_ENTITY_TOKEN.finditer(text))
    if not found:
        return text
    closers = {t.name for t in _tokens(text) if t.closing}
    closers |= {m.group("name") for m in found if m.group("close")}
    out: list[str] = []
    pos = 0
    for m in found:
        start, end = m.span()
        close, name, attrs, self_closing = m.group("close", "name", "attrs", "self")
        if close is not None and (attrs.strip() or self_closing):
            continue
        tok = Tok(start, end, name, attrs, close is not None, self_closing is not None,
                  _alone_on_line(text, start, end))
        if _decide(policy, tok, has_close=name in closers) in (None, "keep"):
            continue
        out += [text[pos:start], "[[", text[m.end("open") : m.start("end")], "]]"]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def find_shortcodes(
    text: str, policy: ShortcodePolicy = DEFAULT_SHORTCODE_POLICY
) -> list[Shortcode]:
    """Every shortcode the policy recognises in ``text``, outermost first, in text order.

    Guarantees: nested shortcodes are listed after their parent; orphan closing tags
    (``[/vc_row]`` whose opening tag is missing) are listed with ``content=None``.
    """
    out: list[Shortcode] = []

    def walk(nodes: list[Node]) -> None:
        for n in nodes:
            content = None
            if n.close is not None:
                content = text[n.open.end : n.close.start]
            out.append(
                Shortcode(
                    name=n.open.name,
                    attrs=parse_shortcode_attrs(n.open.attrs),
                    start=n.start,
                    end=n.end,
                    content=content,
                    escaped=n.escaped,
                )
            )
            walk(n.children)

    walk(build(text, policy))
    return out
