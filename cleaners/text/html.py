"""HTML to plain text with a real parser (selectolax/lexbor), paragraph breaks kept.

Block elements (``p``, ``div``, ``h1``…, ``li``, ``blockquote``, ``tr``…) become
paragraphs separated by a blank line, ``<br>`` a line break; inline markup is dissolved
into its text; entities are decoded by the parser. Scripts, styles, navigation, forms'
controls, embedded objects and comments are dropped, and so are a page's header, footer,
asides and forms when they stand outside its ``<article>``/``<main>`` element (all
counted in the edit log).

WordPress post bodies (``content:encoded`` of a WXR export) carry no ``<p>`` tags: the
paragraphs are blank lines in the source and WordPress adds the tags when it renders the
post (``wpautop``). So a blank line in the text is always a paragraph break, and when a
document has no layout tag (``p``, ``div``, ``br``, ``table``…) a single newline is a line
break, as WordPress renders it; otherwise newlines are plain whitespace.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter

from selectolax.lexbor import LexborHTMLParser, LexborNode

from cleaners.edits import Edit, EditKind
from cleaners.record import first_visible

__all__ = ["CHROME_TAGS", "DROPPED_TAGS", "html_title", "html_to_text", "looks_like_html",
           "raw_tags_read"]


def _names(words: str) -> frozenset[str]:
    """A set of names written as a whitespace-separated string (easier to edit)."""
    return frozenset(words.split())


#: Elements removed with everything inside them.
DROPPED_TAGS = _names(
    """
        script style noscript template nav iframe svg math object embed canvas video audio
        select button input textarea option datalist head dialog
        """
)
_BLOCK_TAGS = _names(
    """
        address article aside blockquote body center dd details dir div dl dt fieldset
        figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main
        menu ol p pre section summary table tbody thead tfoot tr ul caption
        """
)
_CELL_TAGS = frozenset({"td", "th"})
_MAIN_TAGS = frozenset({"article", "main"})
#: Preformatted blocks: their line breaks are kept (code, verse, tables drawn in text).
_PRE_TAGS = frozenset({"pre", "listing", "xmp", "plaintext"})
#: Page chrome, dropped when outside the page's ``<article>``/``<main>`` (if it has one).
CHROME_TAGS = frozenset({"header", "footer", "aside", "form"})

_TAG_NAMES = (
    r"(?:p|div|br|hr|span|a|b|i|u|em|strong|small|sup|sub|ul|ol|li|dl|dt|dd|h[1-6]|img|"
    r"figure|figcaption|blockquote|q|cite|pre|code|table|thead|tbody|tr|td|th|script|style|"
    r"html|head|body|meta|link|title|section|article|header|footer|nav|aside|main|iframe|"
    r"form|input|button|label|select|option|noscript|svg|video|audio|source|picture|"
    r"center|font|abbr|mark|time|address|details|summary|embed|object|template)"
)
_VOID_TAGS = _names("br hr img wbr meta link source input embed")
#: A known tag (opening or closing) and what follows its name up to its ``>``.
_KNOWN_TAG = re.compile(rf"<(/?)({_TAG_NAMES})(?=[\s/>])([^<>]*)>", re.IGNORECASE)
#: Attributes in the syntax markup writes: names, each alone (a boolean attribute) or with
#: ``=`` and a quoted or bare value; atomic groups keep the match linear on hostile input.
_ATTRIBUTES = re.compile(
    r"""(?>\s+[^\s"'<>/=]+(?>\s*=\s*(?>"[^"]*"|'[^']*'|[^\s"'<>=`]+))?)*\s*/?""")
_DOCTYPE = re.compile(r"<!doctype\s+html", re.IGNORECASE)
# Tags that mark a document as laid out by HTML rather than by WordPress's wpautop.
_LAYOUT_MARKUP = re.compile(r"<(?:p|div|br|body|html|table|article|section|pre)\b", re.IGNORECASE)
#: A blank line and the spaces around it; a match starts where a run of spaces starts (the
#: same matches: a run's start matches whenever a later point of it does), so a long run of
#: spaces before a lone newline is not tried again from each of its characters.
_BLANK_LINE = re.compile(r"(?<![ \t])[ \t]*\n[ \t]*\n\s*")

_COMMENT_TAGS = frozenset({"-comment", "_comment", "!--"})
#: What marks a ``<button>`` that opens a panel of text (an accordion's or a FAQ's question):
#: a class or a Bootstrap toggle naming a collapse or an accordion, or a heading around it (not
#: ARIA's ``aria-expanded`` alone, nor a ``toggle`` class: a menu's, a language switch's or a
#: filter's buttons have them too, and on the 2025-2026 pages kept all visible text they leaked)…
_TOGGLE_MARKS = re.compile(r"collapse|accordion", re.IGNORECASE)
#: …but not a class token of a menu's toggle or of a control of every panel (Bootstrap's
#: ``navbar-toggle`` is a collapse too: "Toggle navigation"; ``accordion-expand-all``: "Expand
#: all"); whole tokens, so that ``faq-item__expander`` or ``menu-accordion`` is still a panel's.
_CONTROL_MARKS = re.compile(
    r"(?<![\w-])(?:navbar[\w-]*|nav-toggle[\w-]*|menu-toggle[\w-]*|[\w-]*(?:expand|collapse|toggle)-all)"
    r"(?![\w-])", re.IGNORECASE)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: The links WordPress's block editor draws as buttons: a file block's, a Buttons block's.
_BUTTON_CLASS = re.compile(r"\bwp-block-(?:(file)__button|button__link)\b")
# Sentinels used while building the text (never present in decoded HTML text: C0 controls).
_PARA = "\x1e"
_LINE = "\x1f"
_WS = re.compile(r"[ \t\r\n\f\v\u200b]+")
_WS_TO_FOLD = re.compile(r"[\t\r\n\f\v\u200b]|  ")


def looks_like_html(text: str) -> bool:
    """True when ``text`` contains real HTML markup: a closing tag (``</p>``), a known tag
    with a valued attribute (``<a href=…>``, ``<div class=x>``), a void tag (``<br/>``,
    ``<img …>``), a known tag that opens the text (``<p>…``), a block tag glued to the text
    before it (``story.<p>Next``, ``You need:<ul><li>``), a comment or a doctype. Prose that merely holds ``<`` and ``>`` is not
    HTML: a stray ``<``, ``a < b > c``, ``if a<b and c>d`` (bare words are no attributes)
    or one ``<p>`` named in a sentence; converting it would drop its words as tags.
    Cost: linear in the text, stopping at the first sign of markup."""
    if "<" not in text:
        return False
    comment = text.find("<!--")
    if (comment >= 0 and text.find("-->", comment + 4) >= 0) or _DOCTYPE.search(text):
        return True
    first = first_visible(text)
    for tag in _KNOWN_TAG.finditer(text):
        closing, name, attributes = tag.groups()
        if closing:
            if not attributes.strip():
                return True
            continue
        if not _ATTRIBUTES.fullmatch(attributes):
            continue  # bare words: ``<b and c>``
        name = name.lower()
        glued = tag.start() > 0 and not text[tag.start() - 1].isspace()
        if ("=" in attributes or name in _VOID_TAGS or tag.start() == first
                or (glued and name in _BLOCK_TAGS)):
            return True  # valued, void, opening the text, or a block glued to text (``.<p>``)
    return False


#: Elements whose content a parser reads as raw text up to their closing tag.
_RAW_TAG = re.compile(
    r"<(script|style|iframe|noscript|textarea|title|xmp|noembed|noframes)\b([^<>]*)>|<!--",
    re.IGNORECASE)
_RAW_CLOSING = re.compile(
    r"</(script|style|iframe|noscript|textarea|title|xmp|noembed|noframes)\s*>", re.IGNORECASE)
#: An element's tag and its name (not a comment: ``var a = "<!--";`` is code).
_ANY_TAG = re.compile(r"</?([A-Za-z][\w-]*)")
#: What script code holds and a caption does not: a declaration, a function, an arrow, braces,
#: a call's end, a method call (``document.write(``); not words (``The new stadium``).
_CODE = re.compile(r"\b(?:var|let|const)\s+[\w$]+\s*=|\bfunction\s*\(|=>|[{}]|\)\s*;"
                   r"|\w\.\w+\(")
_SELF_CLOSED = re.compile(
    r"<(?:script|style|iframe|noscript|textarea|title|xmp|noembed|noframes)\b[^<>]*/>",
    re.IGNORECASE)


def raw_tags_read(html: str) -> str:
    """``html`` with each self-closed raw-text tag (``<script src=x/>``, ``<iframe …/>``,
    ``<style/>``, ``<noscript/>``…) written the way it is meant: HTML has no self-closing
    tags, so a parser reads what follows as the element's content up to its closing tag
    (lexbor: the article's paragraphs vanished), or, as libxml2 does, closes it at once (a
    script's code became text). Looking at the first element tag after it (comments aside):
    it opens what follows up to its closing tag when that tag is its closing tag (code, an
    iframe's fallback text) or follows code (`_CODE`: ``var s = "<script>";``,
    ``document.write("<div>")``); otherwise (markup, or another element of its name after a
    caption: ``The new stadium, seen from above.``), or when no closing tag of its name
    follows, it is an empty element. Real raw elements and comments are copied whole. Linear in the text (the tags of each name are found in one
    pass, and each look ends at the next tag); unchanged when it has no such tag."""
    if _SELF_CLOSED.search(html) is None:
        return html
    closings: dict[str, list[int]] = {}
    for m in _RAW_CLOSING.finditer(html):
        closings.setdefault(m.group(1).lower(), []).append(m.start())
    out, pos = [], 0
    while (tag := _RAW_TAG.search(html, pos)) is not None:
        if tag.group(1) is None:  # a comment: copied whole
            end = html.find("-->", tag.end())
            after = len(html) if end < 0 else end + 3
            out.append(html[pos:after])
            pos = after
            continue
        name, attributes = tag.group(1), tag.group(2)
        lowered = name.lower()
        closing_at = _next(closings.get(lowered, []), tag.end())
        closing = None if closing_at is None else _RAW_CLOSING.match(html, closing_at)
        if attributes.rstrip().endswith("/"):
            first = _ANY_TAG.search(html, tag.end())
            opens = closing is not None and first is not None and (
                first.start() == closing.start()
                or _CODE.search(html, tag.end(), first.start()) is not None)
            if not opens:
                out.append(html[pos:tag.start()] + f"<{name}{attributes.rstrip()[:-1]}></{name}>")
                pos = tag.end()
                continue
            out.append(html[pos:tag.start()] + f"<{name}{attributes.rstrip()[:-1]}>")
            pos = tag.end()
        if closing is None:
            break
        out.append(html[pos:closing.end()])
        pos = closing.end()
    out.append(html[pos:])
    return "".join(out)


def _next(positions: list[int], after: int) -> int | None:
    """The first of the sorted ``positions`` at or after ``after``, None when there is none."""
    i = bisect_left(positions, after)
    return positions[i] if i < len(positions) else None


def _parse(html: str) -> LexborHTMLParser:
    return LexborHTMLParser(raw_tags_read(html))


def _is_toggle(button: LexborNode) -> bool:
    """Whether a ``<button>`` opens a panel of text, so that its text is the panel's title (an
    accordion's or a FAQ's question: WordPress 6.9's Accordion block, Bootstrap's collapse)
    and is kept as a paragraph: a class or a ``data-toggle``/``data-bs-toggle`` naming a
    collapse or an accordion (`_TOGGLE_MARKS`), or a heading that holds the button alone;
    not a class token of a menu's toggle or of a control of every panel (`_CONTROL_MARKS`). Other buttons
    ("Subscribe", "Submit", a menu's) are the page's UI."""
    attributes = button.attributes
    if _CONTROL_MARKS.search(attributes.get("class") or ""):
        return False
    marks = " ".join(attributes.get(name) or "" for name in ("class", "data-toggle", "data-bs-toggle"))
    if _TOGGLE_MARKS.search(marks):
        return True
    parent = button.parent  # a heading that is the button alone (a "Copy link" beside one is UI)
    return (parent is not None and parent.tag in _HEADING_TAGS
            and parent.text(deep=True).strip() == button.text(deep=True).strip())


def _is_footnote_marker(sup: LexborNode) -> bool:
    """A ``<sup>`` that marks a footnote: WordPress's (``data-fn``, class ``fn``) or a link to
    a note in the page (``<sup><a href="#note-1">1</a></sup>``). Its number glued to the word
    before it would change the text (``rose1``, ``9%1``); an exponent (``m<sup>2</sup>``) stays."""
    attrs = sup.attributes
    if "data-fn" in attrs or "fn" in (attrs.get("class") or "").split():
        return True
    link = sup.css_first("a[href^='#']")
    return link is not None and len((sup.text() or "").strip()) <= 4


def html_to_text(html: str) -> tuple[str, list[Edit]]:
    """Convert an HTML document or fragment to plain text.

    Guarantees: paragraphs (block elements, or blank lines in WordPress bodies without
    block tags) are separated by exactly ``'\\n\\n'``; ``<br>`` and a line break inside
    ``<pre>`` give ``'\\n'``; entities are decoded once, by the parser (``&lt;stdin&gt;`` in
    the markup is the text ``<stdin>``); runs of
    spaces inside a paragraph are folded to one; the text of every kept element is
    present, in document order; ``DROPPED_TAGS`` elements (but a ``<button>`` that opens a
    panel, `_is_toggle`: an accordion's question is a paragraph, without its icons),
    comments and, in a page with an ``<article>``/``<main>``, ``CHROME_TAGS`` elements
    outside it are gone. One edit
    says what happened whenever the text changed: ``Edit(EditKind.HTML, 'dropped script x2,
    nav x1 …')``, or ``Edit(EditKind.HTML, 'markup converted to text, nothing dropped')``.
    Never raises on any string.
    """
    if not html.strip():
        return "", []
    wpautop = _LAYOUT_MARKUP.search(html) is None
    tree = _parse(html)
    root = tree.root
    if root is None:
        return "", []
    dropped: Counter[str] = Counter()
    # comments before the first element and after the last are the document's, beside
    # <html> (a cache plugin's "generated in 0.4 s" footer), not in it
    for step in ("prev", "next"):
        beside = getattr(root, step)
        while beside is not None:
            if beside.tag in _COMMENT_TAGS:
                dropped["comment"] += 1
            beside = getattr(beside, step)
    parts: list[str] = []
    # page chrome (header, footer, aside, form) is dropped when it is outside the
    # page's <article>/<main>, if the page has one
    has_main = tree.css_first("article, main") is not None
    in_main = 0
    in_pre = 0  # inside <pre>/<textarea>-like blocks, every line break is the author's
    in_toggle = 0  # inside a toggle's <button> (`_is_toggle`), whose icons are not text
    # iterative walk: (node, entering); exit events add block separators
    stack: list[tuple[LexborNode, bool]] = [(root, True)]
    while stack:
        node, entering = stack.pop()
        tag = node.tag or ""
        if not entering:
            if tag in _MAIN_TAGS:
                in_main -= 1
            if tag in _PRE_TAGS:
                in_pre -= 1
            if tag == "button":
                in_toggle -= 1  # (only a toggle's button is entered)
            if tag in _BLOCK_TAGS or tag == "button":
                parts.append(_PARA)
            elif tag in _CELL_TAGS:
                parts.append(" ")
            continue
        if tag == "-text":
            text = node.text_content or ""
            if in_pre and "\n" in text:
                text = text.replace("\r\n", "\n").replace("\n", _LINE)
            elif "\n" in text:
                text = _BLANK_LINE.sub(_PARA, text)
                if wpautop:
                    text = text.replace("\n", _LINE)
            parts.append(text)
            continue
        if tag in _COMMENT_TAGS:
            dropped["comment"] += 1
            continue
        if in_toggle and node.attributes.get("aria-hidden") == "true":
            dropped["icon"] += 1  # a toggle's ``+`` or chevron
            continue
        if tag == "button" and _is_toggle(node):
            in_toggle += 1
            parts.append(_PARA)
        elif tag in DROPPED_TAGS:
            if tag == "head":
                # <title>/<meta> are not text; scripts and styles in <head> are counted
                for sub in node.traverse(include_text=True):
                    if sub.tag in DROPPED_TAGS and sub.tag != "head":
                        dropped[sub.tag] += 1
                    elif sub.tag in _COMMENT_TAGS:
                        dropped["comment"] += 1
            else:
                dropped[tag] += 1
            continue
        if has_main and not in_main and tag in CHROME_TAGS:
            dropped[tag] += 1
            continue
        if tag == "sup" and _is_footnote_marker(node):
            dropped["footnote marker"] += 1
            continue
        if tag == "a" and (button := _BUTTON_CLASS.search(node.attributes.get("class") or "")):
            # a file block's "Download" (glued to the file name) and a Buttons block's label
            # ("Subscribe", "Read more") are UI, as a <button> or a [su_button] is
            dropped["download button" if button.group(1) else "button"] += 1
            continue
        if tag in _MAIN_TAGS:
            in_main += 1
        if tag in _PRE_TAGS:
            in_pre += 1
        if tag == "br":
            parts.append(_LINE)
            continue
        if tag in _BLOCK_TAGS:
            parts.append(_PARA)
        stack.append((node, False))
        children = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend((c, True) for c in reversed(children))
    text = _assemble("".join(parts))
    edits: list[Edit] = []
    if dropped:
        detail = ", ".join(f"{tag} x{n}" for tag, n in sorted(dropped.items()))
        edits.append(Edit(EditKind.HTML, f"dropped {detail}"))
    elif text != html:
        edits.append(Edit(EditKind.HTML, "markup converted to text, nothing dropped"))
    return text, edits


def _assemble(raw: str) -> str:
    """Fold whitespace, turn sentinels into newlines: paragraphs '\\n\\n', lines '\\n'."""
    paragraphs = []
    for block in raw.split(_PARA):
        lines = [
            (_WS.sub(" ", line) if _WS_TO_FOLD.search(line) else line).strip()
            for line in block.split(_LINE)
        ]
        # drop empty lines at the edges of a paragraph, keep single breaks inside it
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        if lines:
            paragraph = "\n".join(lines)
            paragraph = re.sub(r"\n{2,}", "\n", paragraph)
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def html_title(html: str) -> str | None:
    """The document's title: ``<meta property="og:title">``, else ``<title>``, else the
    first ``<h1>``; whitespace folded; None when there is none or it is empty."""
    if "<" not in html:
        return None
    tree = _parse(html)
    candidates = []
    og = tree.css_first('meta[property="og:title"], meta[name="og:title"]')
    if og is not None:
        candidates.append(og.attributes.get("content") or "")
    for selector in ("title", "h1"):
        node = tree.css_first(selector)
        if node is not None:
            candidates.append(node.text(separator=" ") or "")
    for cand in candidates:
        title = _WS.sub(" ", cand).strip()
        if title:
            return title
    return None
