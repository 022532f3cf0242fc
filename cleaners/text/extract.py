"""The main text of a whole web page, without its boilerplate.

A scraped page (``<html>``, ``<body>`` or a doctype) carries navigation, cookie banners,
share menus, footers and related-links blocks around its article. trafilatura is the library
made to find the article; this module parses the page once (`cleaners.text.page_parse`),
drops its headings' permalinks (`_without_heading_marks`) and the hover bubbles inside its
sentences (`without_popups`), puts the prose an article's container holds outside any paragraph
in one (`with_loose_text_wrapped`), runs trafilatura twice on copies of that tree (without its
quadratic fallback comparison when an element has more than `FALLBACK_MAX_CHILDREN` children;
a paragraph of more than `PARAGRAPH_MAX_ELEMENTS` elements read as a block; not at all, all
visible text kept, past `EXTRACT_MAX_CHILDREN` children or `EXTRACT_MAX_PARAGRAPH_ELEMENTS`
elements inside paragraphs, where its time grows faster than the page:
`cleaners.text.page_cost`) and combines:

1. **precision pass** (``favor_precision``): the article's core, with the page's metadata
   (title, description);
2. **default pass**: its lines are kept when the precision pass kept them too, or when they
   read as prose (`PROSE_MIN_WORDS` words or more, ending a sentence; a sentence the page
   breaks across lines with a ``<br>`` is judged whole): paragraphs the
   precision pass was unsure of come back, menus and link lists do not; the precision
   pass's lines the default pass lacks are kept too, after the line they follow; then a
   list both passes dropped after the paragraph that introduces it (`introduced_lists`), or
   a list of prose items between two consecutive lines of the text (`sandwiched_lists`), is
   put back, lines the page shows only in a newsletter or cookie notice go
   (`without_notices`), and the article's containers after the first that are built like
   those the text comes from are put back (`article_sections`);
3. **lead**: the page's description (``og:description``/``description``; `_uncut`) is the
   article's lead on most news sites, often in a ``<header>`` or a teaser block that trafilatura
   drops; it is put first when the page shows it (it is in the page's visible text, or a
   whole shown line but for the full stop the description ends with, `_as_shown`; on a
   page rendered by script, when its JSON-LD article says the same: `_vouched`) and the
   text does not already hold it; a lead block the page shows between its last ``<h1>``
   before the text and the text (a ``lead``/``teaser``/``intro``… class, the ``<h1>``'s
   ``<hgroup>``, or a paragraph of prose outside page furniture, `PROSE_LEAD_MIN_WORDS`) is
   put first instead when there is no such description, or when the description is a
   shortened form of it;
4. **structured data**: when the page's JSON-LD ``articleBody`` is more than twice as long as
   what the passes found with the lead (not the sections put back, which may be other
   stories; the article is rendered by a script), it is the text;
5. **wrapped lines**: lines the page's source wraps inside one paragraph, which trafilatura
   keeps apart in some blocks, are joined (`SourceWraps.unwrapped`), last, so that no rule
   above judges other lines than before;
6. **fallback**: when all of that gives less than `MIN_MAIN_CHARS` characters, every visible
   paragraph is kept (`cleaners.text.html.html_to_text`), and the edit says so.

The thresholds were chosen on half of the 506 annotated pages of
``../shared/eval/trafilatura`` and are reported on the other half (``benchmarks/main_text.py``,
``docs/cleaning.md``). HTML fragments (a CMS body, a WordPress post) are not pages: they
are the article, and `cleaners.text.html.html_to_text` converts them whole.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from cleaners.edits import Edit, EditKind
from cleaners.text.encoding import decode_entities
from cleaners.text.html import html_to_text, looks_like_html
from cleaners.text.page_cost import (
    FALLBACK_MAX_CHILDREN,
    PARAGRAPH_MAX_ELEMENTS,
    crowded_paragraphs_as_blocks,
    too_costly_to_extract,
    widest_element,
)
from cleaners.text.page_lead import LEAD_MIN_WORDS, lead_block
from cleaners.text.page_lists import as_paragraphs, introduced_lists, sandwiched_lists
from cleaners.text.page_loose_text import with_loose_text_wrapped
from cleaners.text.page_notices import without_notices
from cleaners.text.page_parse import load_page
from cleaners.text.page_passes import PROSE_MIN_WORDS, combine_passes
from cleaners.text.page_popups import without_popups
from cleaners.text.page_sections import article_sections
from cleaners.text.page_title import page_title_without_site, title_notes
from cleaners.text.page_tree import (
    BLOCK_TAGS,
    Paragraphs,
    block_edges,
    shown_paragraphs,
    shown_text,
    text_key,
)
from cleaners.text.page_wraps import source_wraps

__all__ = ["MIN_MAIN_CHARS", "PROSE_MIN_WORDS", "PageText", "extract_page", "is_page"]

#: Less main text than this and the page is kept whole (all visible paragraphs).
MIN_MAIN_CHARS = 100
#: A lead whose first this share (as `text_key`) the text already holds is not put first.
HELD_SHARE = 0.5

_PAGE = re.compile(r"<(?:!doctype\s+html|html[\s>]|body[\s>]|head[\s>])", re.IGNORECASE)
_ARTICLE_TYPES = re.compile(r"Article|Posting|Report|Review|Blog", re.IGNORECASE)
_HOWTO_TYPES = frozenset({"Recipe", "HowTo"})
_FOLD = re.compile(r"\s+")


def is_page(html: str) -> bool:
    """True when ``html`` is a whole page (a doctype, or an ``<html>``, ``<head>`` or
    ``<body>`` tag anywhere), not a fragment such as a CMS body."""
    return _PAGE.search(html) is not None


@dataclass(frozen=True, slots=True)
class PageText:
    """A page's main text (paragraphs separated by a blank line), its title and what was
    done to get them (``text`` is empty when the page has none)."""

    text: str
    title: str | None
    edits: list[Edit] = field(default_factory=list)


def _visible_text(tree: object, anywhere: bool = False) -> str:
    """The text a reader sees in the page's body (no scripts, styles or templates); with
    ``anywhere``, in the whole tree when it has no ``<body>`` (a page after stray output, PHP
    warnings before its doctype, parses as a fragment: what the edit counts)."""
    scope = "//" if anywhere and not tree.xpath("//body") else "//body//"  # type: ignore[attr-defined]
    nodes = tree.xpath(  # type: ignore[attr-defined]
        f"{scope}text()[not(ancestor::script or ancestor::style or ancestor::noscript"
        " or ancestor::template)]")
    return " ".join(str(n) for n in nodes)


def _letters(key: str) -> str:
    """``key`` (a `text_key`) with only its letters, marks and digits (Unicode categories L,
    M and N): a description and a text that punctuate the same words differently compare
    equal (a site's description often writes ``"`` where its article writes ``“`` or ``«``,
    or runs a list's items together without the text's ``- `` marks)."""
    return "".join(char for char in key if unicodedata.category(char)[0] in "LMN")


def _mostly_held(key: str, whole_key: str) -> bool:
    """The text (``whole_key``) already holds the first `HELD_SHARE` or more of a lead
    (``key``; both `text_key`s): a description that is the article's first paragraph with a
    few words changed or cut, or the whole article followed by related links, is no lead to
    put first (the text would say it twice). Letters, marks and digits alone are compared
    (`_letters`: a description's ``Parry's`` is the text's ``Parry’s``, and a description
    that is the whole article in one paragraph, its lists' marks left out, is held by the
    text that has them); a lead that is not mostly made of them (emoji, symbols) is compared
    whole."""
    if not key:
        return True
    letters = _letters(key)
    if 2 * len(letters) >= len(key):
        key, whole_key = letters, _letters(whole_key)
    low, high = 0, len(key)  # the longest prefix of key found in the text: binary search
    while low < high:
        mid = (low + high + 1) // 2
        if key[:mid] in whole_key:
            low = mid
        else:
            high = mid - 1
    return low >= HELD_SHARE * len(key)


def _shortens(description_key: str, lead: str) -> bool:
    """The description is the lead cut short (its last, maybe cut, word and any ellipsis
    left aside)."""
    return bool(lead) and description_key.rstrip(".…")[:-3] in text_key(lead)


def _first(tree: object, xpaths: tuple[str, ...]) -> str:
    """The first non-empty string the XPaths find, whitespace folded ('' when none)."""
    for xpath in xpaths:
        for found in tree.xpath(xpath):  # type: ignore[attr-defined]
            value = _FOLD.sub(" ", str(found)).strip()
            if value:
                return value
    return ""


def _meta(tree: object) -> tuple[str, str, list[str], list[str]]:
    """The page's title (``og:title``, else ``<title>``, else the first ``<h1>``; '' when it
    has none), description (``og:description``, else ``<meta name=description>``; one cut
    short with an ellipsis gives way to the ``description`` or ``twitter:description`` that
    continues it, `_uncut`), site
    names (``og:site_name``, ``application-name``) and own addresses (canonical link,
    ``og:url``). (trafilatura's own metadata pass also looks for dates, which costs more
    than the text.)"""
    title = _first(tree, ('//meta[@property="og:title" or @name="og:title"]/@content',
                          "//title//text()", "//h1//text()"))
    description = _uncut(_first(tree, (
        '//meta[@property="og:description" or @name="og:description"]/@content',
        '//meta[@name="description" or @name="Description"]/@content')), [
        _first(tree, (xpath,)) for xpath in (
            '//meta[@name="description" or @name="Description"]/@content',
            '//meta[@name="twitter:description" or @property="twitter:description"]/@content')])
    sites = tree.xpath(  # type: ignore[attr-defined]
        '//meta[@property="og:site_name" or @name="og:site_name"'
        ' or @name="application-name"]/@content')
    urls = tree.xpath(  # type: ignore[attr-defined]
        '//link[@rel="canonical"]/@href | //meta[@property="og:url" or @name="og:url"]/@content')
    return title, description, [str(site) for site in sites], [str(url) for url in urls]


def _uncut(description: str, others: list[str]) -> str:
    """``description``, or the longest of ``others`` that continues it when it is cut short
    with an ellipsis (a CMS cuts ``og:description`` at 200 characters and keeps the page's
    ``<meta name=description>`` whole)."""
    if not description.endswith(("...", "…")):
        return description
    stem = text_key(description.rstrip(".…"))[:-3]  # its last word may be cut
    longer = [other for other in others
              if len(other) > len(description) and text_key(other).startswith(stem)]
    return max(longer, key=len, default=description)


def _as_shown(description: str, visible_key: str, paragraphs: Paragraphs) -> str:
    """``description`` without its final full stop when the page shows it only without one,
    as a whole line of one of its ``paragraphs`` (a CMS ends the meta description of a dek it
    shows as a heading with a full stop: businessweek.com's ``<h2>`` standfirst); else
    ``description``. ``visible_key`` is the `text_key` of the text the page shows."""
    stripped = description.rstrip()
    if (not stripped.endswith(".") or stripped.endswith("..")
            or text_key(stripped) in visible_key):
        return description
    bare = text_key(stripped[:-1])
    shown = any(text_key(line) == bare for _, lines in paragraphs for line in lines)
    return stripped[:-1] if shown else description


def _ld_objects(tree: object) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """Every JSON-LD object of the page (``@graph`` members too) with its ``@type`` names."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):  # type: ignore[attr-defined]
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                stack.extend(v for k, v in item.items() if k == "@graph")
                kind = item.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                yield item, [k for k in kinds if isinstance(k, str)]


def _ld_text(value: str) -> str:
    """A JSON-LD string as text: sites put markup there too (``<p>…</p>``), converted as a
    fragment (`html_to_text`); in plain text only complete entities are decoded (``&amp;``;
    ``Q&A``, ``x<y`` and ``&nothing`` stay as written)."""
    if looks_like_html(value):
        return html_to_text(value)[0]
    return decode_entities(value)[0]


def _vouched(description_key: str, objects: list[tuple[dict[str, Any], list[str]]],
             text_key_: str, visible: str) -> bool:
    """A page rendered by script (the text holds more than ``visible``, the text the page
    shows: its body's, or all of it when it parsed without a body) shows no description to
    check; the main item of its structured data (an article, a how-to, a recipe) saying the
    same as its ``description`` vouches for it instead."""
    if len(text_key_) <= len(text_key(visible)):
        return False
    return any(isinstance(item.get("description"), str)
               and text_key(_ld_text(item["description"])) == description_key
               for item, kinds in objects
               if any(_ARTICLE_TYPES.search(kind) for kind in kinds) or _HOWTO_TYPES & set(kinds))


def _ld_article_body(objects: list[tuple[dict[str, Any], list[str]]]) -> str:
    """The longest ``articleBody`` of an article-typed JSON-LD object, as text, or ''."""
    bodies = [item["articleBody"] for item, kinds in objects
              if isinstance(item.get("articleBody"), str)
              and any(_ARTICLE_TYPES.search(k) for k in kinds)]
    return _ld_text(max(bodies, key=len, default=""))


def _step_texts(steps: Any) -> Iterator[str]:
    """The texts of ``recipeInstructions``/``step``: strings, ``HowToStep`` objects and the
    steps of ``HowToSection`` objects, in order."""
    if isinstance(steps, str):
        yield steps
    elif isinstance(steps, list):
        for step in steps:
            yield from _step_texts(step)
    elif isinstance(steps, dict):
        if isinstance(steps.get("text"), str):
            yield steps["text"]
        yield from _step_texts(steps.get("itemListElement"))


def _ld_instructions(objects: list[tuple[dict[str, Any], list[str]]]) -> list[str]:
    """The ingredients (or supplies) and steps of the page's recipe or how-to, in order."""
    lines: list[str] = []
    for item, kinds in objects:
        if not any(k in _HOWTO_TYPES for k in kinds):
            continue
        for field_name in ("recipeIngredient", "supply", "tool"):
            values = item.get(field_name)
            if isinstance(values, list):
                lines += [v for v in values if isinstance(v, str)]
        lines += _step_texts(item.get("recipeInstructions") or item.get("step"))
    texts = (part for line in lines for part in _ld_text(line).split("\n"))
    return [_FOLD.sub(" ", part).strip() for part in texts if part.strip()]


def _with_stray_parts(tree: Any) -> Any:
    """The page's tree with what lxml left after its root put at the end of its ``<body>``
    (made when it has none), as a browser shows it: a page that prints its article after
    ``</body></html>`` (a theme that closes the document after its header, or a redirect stub
    before the real page) parses into a second top-level ``<html>``, where trafilatura does
    not look. The parts keep their order and their loose text; a stray ``<head>`` and the
    comments between the parts stay out. Returns the document's root when it moved parts (lxml
    gives a page that starts as a fragment as that fragment, inside it), else ``tree``
    (None stays None)."""
    if tree is None:
        return None
    root = tree.getroottree().getroot()
    strays = [part for part in root.itersiblings() if isinstance(part.tag, str)]
    if not strays or root.tag != "html":
        return tree
    from lxml import etree

    body = root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    for stray in strays:
        _append_text(body, stray.text)
        for part in list(stray):
            if part.tag == "body":
                _append_text(body, part.text)
                body.extend(list(part))
            elif part.tag != "head":
                body.append(part)
    return root


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _heading_of(link: Any) -> Any:
    """The heading whose own line holds ``link`` (no block element between them), or None:
    an unclosed ``<h2>`` can hold the rest of the page, whose links are not the heading's."""
    for ancestor in link.iterancestors():
        if ancestor.tag in _HEADINGS:
            return ancestor
        if ancestor.tag in BLOCK_TAGS:
            return None
    return None


def _is_mark(link: Any) -> bool:
    """A link that shows no letter or digit and nothing else a reader reads (empty, an icon,
    an ``<svg>`` with its title, a zero-width space), or only marks pointing into the page
    (``#``, ``¶``, ``§``, ``🔗`` to ``#section``): a permalink. A link of symbols to another
    page (``★★★★☆`` to the reviews) is no mark."""
    shown = shown_text(link, leave_out=lambda node: node.tag == "svg")
    if any(char.isalnum() for char in shown):
        return False
    return ((link.get("href") or "").startswith("#")
            or all(char.isspace() or unicodedata.category(char) == "Cf" for char in shown))


def _without_heading_marks(tree: Any) -> Any:
    """The tree without its headings' permalinks (`_is_mark`), which documentation and blog
    engines (Sphinx, rustdoc, markdown-it-anchor, GitHub) and news sites (t3n.de's link-copying
    icon) print beside each heading: a mark would end the heading's line (``Basic Usage¶``),
    and trafilatura's precision pass drops a short heading whose links are all empty as a link
    farm (a report's subheadings on about.gitlab.com). Only a link on a heading's own line
    (`_heading_of`) is one; its tail text stays. ``tree`` is changed in place, for the passes
    and every rule after them, and returned (None stays None). Linear in the page's links."""
    if tree is None:
        return None
    marks = [link for link in tree.iter("a")
             if _heading_of(link) is not None and _is_mark(link)]
    for link in marks:
        link.drop_tree()
    return tree


def _append_text(body: Any, text: str | None) -> None:
    """``text`` after what ``body`` holds (its last child's tail, or its own text)."""
    if not text:
        return
    if len(body):
        body[-1].tail = (body[-1].tail or "") + text
    else:
        body.text = (body.text or "") + text


def extract_page(html: str) -> PageText | None:
    """The main text and title of a whole page, or None when trafilatura cannot parse it
    (the caller then converts the markup whole).

    Guarantees: ``text`` paragraphs are separated by exactly one blank line; every kept
    line comes from the page's text or its JSON-LD ``articleBody``; one `EditKind.HTML` edit
    says how the text was found (``main text extracted (trafilatura): N of M visible
    characters kept``, plus the lead or structured-data note), or that too little was found
    and the caller should keep all visible text (then ``text`` is empty). Never raises on any
    string.
    """
    # imported here: trafilatura and lxml cost 0.3 s to import, and most records are not pages
    import trafilatura

    try:
        tree = with_loose_text_wrapped(without_popups(
            _without_heading_marks(_with_stray_parts(load_page(html)))))
    except Exception:  # lxml refuses some byte soups; the caller converts the markup whole
        tree = None
    if tree is None:
        return None
    visible = _visible_text(tree)
    # what a page parsed without a <body> (stray output before its doctype) shows: all its text
    shown = visible or _visible_text(tree, anywhere=True)
    objects = list(_ld_objects(tree))
    ld_body = _ld_article_body(objects)
    try:
        page_title, description, sites, urls = _meta(tree)
        crowded, inside = crowded_paragraphs_as_blocks(tree)
        widest = widest_element(tree)
        too_costly = too_costly_to_extract(widest, inside)
        if too_costly:
            title = page_title_without_site(tree, page_title, sites, urls)
            return PageText("", title, [Edit(EditKind.HTML, "; ".join([
                f"main text not extracted: {too_costly}, which trafilatura reads in time "
                "growing faster than the page: all visible text kept",
                *title_notes(title, page_title)]))])
        # trafilatura's fallback (its readability port) is quadratic in an element's children
        fast = widest > FALLBACK_MAX_CHILDREN
        # trafilatura changes the tree it is given: each pass gets a copy, the lead reads it
        precise = trafilatura.bare_extraction(
            deepcopy(tree), favor_precision=True, include_comments=False, fast=fast)
        broad = trafilatura.bare_extraction(deepcopy(tree), include_comments=False, fast=fast)
    except Exception:  # a trafilatura bug on an odd page: the caller converts the markup whole
        return None
    # trafilatura glues the words on either side of a block's edge: they are spaced again
    edges = block_edges(tree)
    text = combine_passes(edges.spaced(getattr(precise, "text", None) or ""),
                          edges.spaced(getattr(broad, "text", None) or ""))
    paragraphs = shown_paragraphs(tree)  # read by the next three rules
    text = sandwiched_lists(tree, introduced_lists(tree, text), paragraphs)
    text, notices = without_notices(tree, text, paragraphs)
    passes_chars = len(text)
    text, sections = article_sections(tree, text, paragraphs)
    # the JSON-LD body is weighed against the text but for the sections put back (they may
    # be other stories): with the lead, as before them
    put_back = len(text) - passes_chars
    notes = [f"{notices} line(s) of newsletter or cookie notices dropped"] if notices else []
    if fast:
        notes.append(f"trafilatura's fallback comparison skipped: an element holds more than "
                     f"{FALLBACK_MAX_CHILDREN:,} children")
    if crowded:
        notes.append(f"{crowded} paragraph(s) of more than {PARAGRAPH_MAX_ELEMENTS:,} elements "
                     "read as blocks")
    if sections:
        notes.append(f"{sections} more section(s) of the article put back")
    title = page_title_without_site(tree, page_title, sites, urls)
    notes_on_title = title_notes(title, page_title)
    lead = lead_block(tree, text)
    visible_key = text_key(visible)
    description = _as_shown(description, visible_key, paragraphs)
    description_key, text_now = text_key(description), text_key(text)
    if (len(description.split()) >= LEAD_MIN_WORDS
            and (description_key in visible_key
                 or _vouched(description_key, objects, text_now, shown))
            and not _mostly_held(description_key, text_now)
            and not _shortens(description_key, lead)):
        text = f"{description}\n{text}"
        notes.append("the page's description put first as its lead")
    elif lead and not _mostly_held(text_key(lead), text_now):
        text = f"{lead}\n{text}"
        notes.append("the lead the page shows above its article put first")
    if len(ld_body) > 2 * (len(text) - put_back):
        text = ld_body
        notes = ["taken from the page's JSON-LD articleBody (the page renders it by script)"]
    whole_key = text_key(text)
    missing = [line for line in _ld_instructions(objects) if text_key(line) not in whole_key]
    if missing:
        text = "\n".join([text, *missing])
        notes.append(f"{len(missing)} ingredient(s) or step(s) added from the page's JSON-LD")
    # trafilatura keeps the source's line breaks inside some paragraphs: those lines are
    # joined last (joined before the merge or the rules after it, they changed what they keep)
    text = as_paragraphs(source_wraps(tree).unwrapped(text))
    if len(text) < MIN_MAIN_CHARS:
        found = (f"trafilatura found {len(text)} characters of main text: "
                 "all visible text kept")
        return PageText("", title, [Edit(EditKind.HTML, "; ".join([found, *notes_on_title]))])
    detail = (f"main text extracted (trafilatura): {len(text_key(text)):,} of "
              f"{len(text_key(shown)):,} visible "
              "characters kept")
    return PageText(text, title,
                    [Edit(EditKind.HTML, "; ".join([detail, *notes, *notes_on_title]))])
