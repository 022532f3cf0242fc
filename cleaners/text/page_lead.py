"""The lead a page shows above its article: a dek, a standfirst, a teaser (`lead_block`).

News sites put the lead between the article's ``<h1>`` and its text, in a ``<header>`` or a
teaser block that trafilatura drops: an element whose class names a lead, the ``<h1>``'s
``<hgroup>`` subtitle, or a paragraph of prose outside page furniture. A block with a lead's
class that is something else (a photo's caption, a player, a byline, a related teaser) is
no lead, and a kept lead loses its byline's blocks and the authors and dates at its edges
(`_dek_text`), while those inside its sentence stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from cleaners.text.page_byline import (
    BYLINE_MAX_CHARS,
    BYLINE_MAX_WORDS,
    MONTHS,
    WEEKDAYS,
    is_byline,
)
from cleaners.text.page_passes import SENTENCE_END
from cleaners.text.page_tree import (
    BLOCK_TAGS,
    FURNITURE_CLASS,
    in_furniture,
    shown_runs,
    shown_text,
    text_key,
)

__all__ = ["LEAD_MIN_WORDS", "PROSE_LEAD_MIN_WORDS", "lead_block"]

#: A lead shorter than this many words is a slogan, not a lead.
LEAD_MIN_WORDS = 6
#: A paragraph between the article's heading and its text, without a lead's class, is its lead
#: from this many words (ending a sentence, outside page furniture). On half A of the annotated
#: pages any value from 8 to 40 gives the same text: two pages gain their lead, one of them
#: (fluessiggas.de) no longer loses its article.
PROSE_LEAD_MIN_WORDS = 15
#: Share of such a paragraph's content words (`_content_words`) that the text must hold: a
#: lead summarises the article, a banner or a notice does not. The two real leads of half A
#: score 0.23 and 0.33 (German teasers: inflected and compound words), synthetic English and
#: Spanish leads 0.6-0.92, notices that no other check refuses 0.0-0.29.
PROSE_LEAD_MIN_OVERLAP = 0.2
#: Letters of a word compared when a paragraph's words are looked for in the text.
STEM_LETTERS = 5
_MEDIA_TAGS = frozenset({"img", "picture", "video"})
_LABEL = re.compile(r"^[\w'’ -]{1,25}:\s")
_LONG_WORD = re.compile(r"\w{4,}")
_STOP_WORD_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "pl")
#: A paragraph about the page itself ("This article is more than 5 years old", "Cet article est
#: réservé aux abonnés", "Dieser Text wurde mit … erstellt") is a notice, not a lead.
_SELF_REFERENCE = re.compile(
    r"\b(?:this|these|dieser|diesem|diesen|dieses|diese|cet|cette|ce|este|esta|estos|questo|"
    r"questa|deze|dit|ten|ta)\s+(?:article|story|post|page|content|text|video|"
    r"artikel|beitrag|seite|inhalt|contenu|texte|artículo|articulo|contenido|texto|"
    r"articolo|contenuto|testo|bericht|artigo|conteúdo|conteudo|artykuł|tekst)s?\b", re.IGNORECASE)

_LEAD_TAGS = frozenset({"p", "div", "h2"})
#: A lead's class names; ``hook`` (Arc XP's ``ArticleHeader-Hook``) and ``dek`` (US newsrooms'
#: word) only as a whole part of a class name (not ``webhook``, ``dekor``).
_LEAD_CLASS = re.compile(r"lead|teaser|intro|chapo|standfirst|summary|excerpt|deck|preface"
                         r"|subtitle|subline|abstract|(?<![a-z])(?:hook|dek)(?![a-z])",
                         re.IGNORECASE)
#: What a block with a lead's class holds when it is no lead (`_holds_no_lead`).
_NOT_IN_A_LEAD = frozenset({"figure", "figcaption", "picture", "video", "iframe", "script"})
_BYLINE_PROPS = frozenset({"author", "datePublished", "dateModified"})
#: Classes of a lead block's metadata (`_names_byline`), as a whole part of a class name (not
#: ``update``, ``metallic``), on an element of at most `META_MAX_WORDS` words (not a dek in a
#: ``lead__info`` wrapper).
_META_CLASS = re.compile(r"(?<![a-z])(?:date|dates|meta|metas|metadata|info|infos|posted"
                         r"|published|datum|fecha)(?![a-z])", re.IGNORECASE)
META_MAX_WORDS = 12
#: The words of a metadata list's part that is no date nor credit line (`_metadata_part`).
META_PART_WORDS = 5
#: The share of capitalised words that makes a longer part with a comma a list of names.
NAMES_SHARE = 0.6
#: What may stand between a metadata block's parts.
_GAP = " \t\n\r\xa0|·•,/–—-"
#: Bars, bullets, commas and colons a byline leaves at the start of a dek (`_strip_marks`), and
#: its dashes (`_DASHES`) only before a space (not ``–20 Grad``, ``—No vamos``); the marks it
#: leaves at its end, and a ``-`` there only after a space.
_EDGE_MARKS = frozenset("|·•,:;/")
_WORD = re.compile(r"[^\W_]")
_DASHES = frozenset("-–—")
_END_MARKS = frozenset("|·•,/–—")
#: What may stand between the authors and dates at a dek's edge (`_dek_text`): marks, ``and``,
#: ``By`` and its words, ``updated``; a dek's word before an author (``getestet von``) may not.
_BYLINE_GLUE = re.compile(r"[\s|·•,:/–—-]*(?:(?:by|von|par|por|di|and|und|et|y|e|&|updated"
                          r"|published|posted|aktualisiert|publié|actualizado|aggiornato)"
                          r"(?!\w)[\s|·•,:/–—-]*)*", re.IGNORECASE)
_GLUE_END = re.compile(r"(?<!\w)(?:by|von|par|por|di|updated|published|posted)\s?:?$",
                       re.IGNORECASE)
#: An author's class, and a date's text (a day and a month, a numeric date, a time, "ago",
#: "read", a weekday, a relative day, "updated", minutes): what an element at a dek's start must
#: name to leave it when only a capital follows.
_AUTHOR_CLASS = re.compile(r"author|autor|byline|writer|signature|credit", re.IGNORECASE)
_LEAD_LANGUAGES = ("en", "de", "fr", "es", "it")
_MONTHS = "|".join([*(word for lang in _LEAD_LANGUAGES for word in MONTHS[lang]), "jan", "feb",
                    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"])
_DAYS = "|".join([*(word for lang in _LEAD_LANGUAGES for word in WEEKDAYS[lang]), "today",
                  "yesterday", "heute", "gestern", "aujourd'hui", "hier", "hoy", "ayer", "oggi",
                  "ieri", "updated", "aktualisiert"])
#: A day's word alone (``Monday``, ``Heute``, ``Yesterday``): often the dek's first word.
_DAY_ALONE = re.compile(rf"(?:{_DAYS})", re.IGNORECASE)
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}[:h]\d{2}|\b(?:ago|read|vor|il y a|hace)\b"
                   r"|(?:\b\d{1,2}\.?\s*|\b)(?:jan|feb|m[aä]r|apr|avr|abr|ma[iy]|mag|jun|jui|giu|jul"
                   r"|lug|aug|ago|ao[uû]|sep|set|o[ck]t|ott|nov|de[czc]|d[ée]c|dic|gen|ene|f[eé]v)"
                   r"[a-zäéûíì]*\.?\s*\d"
                   rf"|\b\d{{1,2}}\.?\s*(?:de\s+)?(?:{_MONTHS})\b\.?|\b(?:{_DAYS})(?!\w)"
                   r"|\b\d+\s*mins?\b", re.IGNORECASE)
#: Marks that end an author's or a date's element at the start of a dek (`_dek_text`).
_START_PARTS = ("|", "·", "•", "–", "—", "/", ":", "- ")
#: How a sentence or a separator ends before an author's or a date's element at a dek's end.
_SENTENCE_OR_PART = re.compile(r"(?:[.!?…][\"”»’)\]]?|[|·•/–—]|\s-)$")
#: The share of a block's words an author's or a date's elements may hold in a lead.
BYLINE_SHARE = 0.3
#: A block of links to other articles: a lead class in it names their teasers.
_ELSEWHERE = re.compile(r"related|recirc|read-?next|more-?stories", re.IGNORECASE)


_FOLD = re.compile(r"\s+")


def _lead_classes(element: Any) -> str:
    """The element's class names that may name a lead: not WordPress's ``has-…`` state
    classes (a post ``has-excerpt``, a block ``has-text-align-center``)."""
    return " ".join(name for name in (element.get("class") or "").split()
                    if not name.startswith("has-"))


def _leadish(element: Any, h1: Any) -> bool:
    """The element or its parent has a lead's class, or it shares the ``<h1>``'s
    ``<hgroup>`` (a subtitle)."""
    parent = element.getparent()
    if parent is None:
        return bool(_LEAD_CLASS.search(_lead_classes(element)))
    classes = f"{_lead_classes(element)} {_lead_classes(parent)}"
    return bool(_LEAD_CLASS.search(classes)) or (parent.tag == "hgroup"
                                                 and parent is h1.getparent())


def _holds_no_lead(element: Any, shown: str, h1: Any,
                   text_of: Callable[[Any], str] = shown_text) -> bool:
    """A block with a lead's class that is something else: it holds a figure, a picture, a
    video, an embed or a script (a video's or a photo's lead block shows its caption); its
    authors and dates (`_names_byline`: ``<time>``, an ``itemprop`` author or date, a
    furniture or a metadata class) make up `BYLINE_SHARE` of its words or more (an element counted once,
    with what it holds); it sits in a block of links to other articles (`_ELSEWHERE`, below
    the block it shares with ``h1``); or its text is a byline (`is_byline`), or it is a
    metadata block of short blocks (`_of_short_parts`). A dek's link,
    icon or short dateline does not count. ``text_of``: `shown_text`, or its memo."""
    words = len(shown.split())
    if (words <= BYLINE_MAX_WORDS and is_byline(shown)) or (
            _META_CLASS.search(element.get("class") or "") and _of_short_parts(element, text_of)):
        return True
    above = set(h1.iterancestors())
    for block in element.iterancestors():
        if block in above:
            break
        if _ELSEWHERE.search(f"{block.get('class') or ''} {block.get('id') or ''}"):
            return True
    byline_words = 0
    counted: set[Any] = set()
    for node in element.iterdescendants():
        if not isinstance(node.tag, str):
            continue
        if node.tag in _NOT_IN_A_LEAD:
            return True
        if _names_byline(node, text_of) and not any(up in counted for up in node.iterancestors()):
            counted.add(node)
            byline_words += len(text_of(node).split())
    return byline_words >= BYLINE_SHARE * max(words, 1)


def _names_byline(node: Any, text_of: Callable[[Any], str] = shown_text) -> bool:
    """An element of a byline: a ``<time>``, an ``itemprop`` author or date, a class of
    furniture (`FURNITURE_CLASS`: ``author``, ``byline``, ``credit``…) or, on a short block
    of its own, of metadata (`_META_CLASS`: ``date``, ``metas``, ``article__info-item``…; an
    inline ``<a class="info-link">`` in a dek's sentence is the dek's), or on a block of short
    parts (`_of_short_parts`: an author, a role, a date, a reading time)."""
    classes = node.get("class") or ""
    return (node.tag == "time" or node.get("itemprop") in _BYLINE_PROPS
            or bool(FURNITURE_CLASS.search(classes))
            or (node.tag in BLOCK_TAGS and bool(_META_CLASS.search(classes))
                and (len(text_of(node).split()) <= META_MAX_WORDS
                     or _of_short_parts(node, text_of))))


def _of_short_parts(node: Any, text_of: Callable[[Any], str] = shown_text) -> bool:
    """The element holds only elements, two or more, with marks at most between them, each
    metadata's (`_metadata_part`) and none a sentence (three words or more ending in ``.``): a
    metadata list (``<div>Jane Doe</div><div>Senior Reporter</div><div>5 min read</div>``), not
    a dek's paragraphs nor headlines."""
    parts = [child for child in node if isinstance(child.tag, str)]
    if len(parts) < 2 or (node.text or "").strip(_GAP):
        return False
    for part in parts:
        text = _FOLD.sub(" ", text_of(part)).strip()
        words = text.split()
        if ((part.tail or "").strip(_GAP) or len(words) > META_MAX_WORDS
                or (len(words) >= 3 and words[-1].endswith(SENTENCE_END))
                or not _metadata_part(text, words)):
            return False
    return True


def _metadata_part(text: str, words: list[str]) -> bool:
    """A part of a metadata list: at most `META_PART_WORDS` words (a name, a role), a date, a
    time or a reading time (`_DATE`), a credit line (`is_byline`), or a list of names (a
    comma, and `NAMES_SHARE` of its words capitalised: ``Senior Reporter, Example Times,
    Washington bureau``, ``Elections, Congress, White House``; a review of 0056556: such a
    role made a metadata block stay in the lead); not a headline of six words or more
    (``Opposition vows to challenge the plan in court``)."""
    return (len(words) <= META_PART_WORDS or bool(_DATE.search(text)) or is_byline(text)
            or ("," in text
                and sum(word[:1].isupper() for word in words) >= NAMES_SHARE * len(words)))


def _byline_block(node: Any) -> bool:
    """A block of its own in a lead block that is a byline's: its class or its elements say so
    (`_names_byline`), or its text is a byline (`is_byline`: ``<p>By Reuters</p>`` above the
    dek's ``<p>``). Left out of the lead put first. An inline author, date or ``<time>`` in
    the dek's sentence stays (it would leave ``getestet von`` or ``on as lawmakers``)."""
    if node.tag not in BLOCK_TAGS:
        return False
    if _names_byline(node):
        return True
    return (len(node.text_content()) <= BYLINE_MAX_CHARS
            and is_byline(_FOLD.sub(" ", shown_text(node)).strip()))


def _edge_byline(node: Any) -> bool:
    """An author's or a date's element (`_names_byline`), or a short one of a metadata class
    (`_META_CLASS`, inline too: ``<span class="date">``), that leaves a dek at its edge."""
    return _names_byline(node) or (bool(_META_CLASS.search(node.get("class") or ""))
                                   and len(shown_text(node).split()) <= META_MAX_WORDS)


def _dek_text(element: Any) -> str:
    """The lead block's text to put first, spaces folded: without its byline's blocks
    (`_byline_block`); without the authors' and dates' elements (`_edge_byline`) at its start
    when a mark (``-`` ``—`` ``|``…) or a capital follows them (``<span class="author">Jane
    Doe</span> - The council …``), and at its end when a sentence's end or a mark comes before
    them (``… vote. <span class="date">Jan 5, 2025</span>``), with the marks, ``By`` or ``and``
    between them; and, only at an edge where something was left out, without the marks left
    there (`_strip_marks`: a dash at the start only before a space, so ``—No vamos …`` and
    ``–20 Grad …`` keep theirs). An author or a date in the dek's sentence stays: ``… on
    <time>Tuesday</time> night``, ``getestet von <span class="author">…</span>``, ``<span
    class="author">Jane Doe</span> reports …``. Linear in the block's size."""
    left_out: list[Any] = []

    def byline_block(node: Any) -> bool:
        if _byline_block(node):
            left_out.append(node)
            return True
        return False

    runs: list[tuple[str, Any]] = []  # (text, the author's or date's element holding it, or None)
    parts: list[str] = []
    for text, owner in shown_runs(element, byline_block, _edge_byline):
        if parts and runs[-1][1] is not owner:
            runs.append(("".join(parts), runs.pop()[1]))
            parts = []
        if not parts:
            runs.append(("", owner))
        parts.append(text)
    if parts:
        runs.append(("".join(parts), runs.pop()[1]))
    texts = [text for text, _ in runs]
    start = _edge_run(runs, range(len(runs)))
    if start is not None:
        edge = "".join(texts[:start]).rstrip()
        parted = (texts[start].lstrip().startswith(_START_PARTS) or edge.endswith(":")
                  or bool(_SENTENCE_OR_PART.search(edge)))
        if not parted and not (texts[start].lstrip()[:1].isupper() and all(
                _plainly_byline(owner) for _, owner in runs[:start] if owner is not None)):
            start = None
    start = start or 0
    last = _edge_run(runs, range(len(runs) - 1, start - 1, -1))
    dek, cut_end = "".join(texts[start:]), False
    if last is not None:
        before = _without_glue_end("".join(texts[start:last + 1]))
        if _SENTENCE_OR_PART.search(before):
            dek, cut_end = before, True
    return _strip_marks(_FOLD.sub(" ", dek), start > 0 or _left_at_start(left_out, element),
                        cut_end or _left_at_end(left_out, element))


def _left_at_start(left_out: list[Any], element: Any) -> bool:
    """Whether the first block left out of ``element`` comes before all its shown words."""
    if not left_out:
        return False
    node = left_out[0]
    while node is not element:
        if any(_has_word(sibling.tail) or _has_word(shown_text(sibling))
               for sibling in node.itersiblings(preceding=True)):
            return False
        node = node.getparent()
        if _has_word(node.text):
            return False
    return True


def _left_at_end(left_out: list[Any], element: Any) -> bool:
    """Whether the last block left out of ``element`` (the outermost one holding it) comes after
    all its shown words."""
    if not left_out:
        return False
    node, outs = left_out[-1], set(left_out)
    for up in node.iterancestors():
        if up is element:
            break
        if up in outs:
            node = up
    while node is not element:
        if _has_word(node.tail) or any(_has_word(shown_text(sibling)) or _has_word(sibling.tail)
                                       for sibling in node.itersiblings()):
            return False
        node = node.getparent()
    return True


def _has_word(text: str | None) -> bool:
    """Whether ``text`` holds a letter or a digit."""
    return text is not None and _WORD.search(text) is not None


def _plainly_byline(node: Any) -> bool:
    """An element that is an author's or a date's without a mark after it: an author's class or
    ``itemprop`` (`_AUTHOR_CLASS`), or a date's text (`_DATE`: ``Jan 5, 2025``, ``05.01.2025``,
    ``10:05``; not a bare year, nor a tooltip's or a profile link's name, nor a day's word
    alone: ``<time>Heute</time> Abend entscheidet…`` starts the dek's sentence, a review of
    0056556 found it cut)."""
    text = shown_text(node)
    return (node.get("itemprop") == "author" or bool(_AUTHOR_CLASS.search(node.get("class") or ""))
            or (bool(_DATE.search(text)) and not _DAY_ALONE.fullmatch(text.strip())))


def _without_glue_end(text: str) -> str:
    """``text`` without the ``By``, ``updated``… (and a colon) an author or a date followed at
    its end (`_GLUE_END`, matched on the last characters only: no backtracking), right spaces
    stripped."""
    text = text.rstrip()
    tail = text[-12:]
    found = _GLUE_END.search(tail)
    return (text[:len(text) - len(tail) + found.start()] if found else text).rstrip()


def _strip_marks(dek: str, start: bool, end: bool) -> str:
    """``dek`` without the spaces and marks (`_EDGE_MARKS`) a left-out author or date leaves
    at its ``start`` and its ``end``: at the start a dash only before a space, at the end a
    ``-`` only after one (not ``–20 Grad``, ``—No vamos``, ``/r/news``, ``to -20``). One pass
    over the marks."""
    i, j = 0, len(dek)
    if start:
        while i < j and (dek[i].isspace() or dek[i] in _EDGE_MARKS or (
                dek[i] in _DASHES and (i + 1 == j or dek[i + 1].isspace()))):
            i += 1
    if end:
        while j > i and (dek[j - 1].isspace() or dek[j - 1] in _END_MARKS
                         or (dek[j - 1] == "-" and (j - 1 == i or dek[j - 2].isspace()))):
            j -= 1
    return dek[i:j].strip()


def _edge_run(runs: list[tuple[str, Any]], order: range) -> int | None:
    """Walking ``runs`` in ``order`` from a dek's edge past the authors' and dates' runs and the
    glue between them (`_BYLINE_GLUE`): the first run of the dek's own text; None when no
    author or date is at that edge, or nothing else is in the dek."""
    seen = False
    for i in order:
        text, owner = runs[i]
        if owner is not None:
            seen = True
        elif not _BYLINE_GLUE.fullmatch(text):
            return i if seen else None
    return None


def _prose_lead(element: Any, shown: str, h1: Any, text_words: frozenset[str]) -> bool:
    """A lead without a lead's class: a ``<p>`` of prose whose ``shown`` text
    (`shown_text`) has `PROSE_LEAD_MIN_WORDS` words or more, ends a sentence and is not cut
    short by an ellipsis; that is about what the text is about (`PROSE_LEAD_MIN_OVERLAP` of its
    content words are ``text_words``, `_content_words`); that is not labelled (``Correction:
    …``) and no caption under an image; and that sits in no page furniture (navigation,
    asides, forms, figures, and blocks whose class names an author, a caption, a notice,
    sharing… `FURNITURE_CLASS`) below the block it shares with ``h1`` (a page-wide form or a
    sidebar layout around both says nothing)."""
    if (element.tag != "p" or len(shown.split()) < PROSE_LEAD_MIN_WORDS
            or not shown.endswith(SENTENCE_END) or shown.endswith(("…", "..."))
            or _LABEL.match(shown) or _SELF_REFERENCE.search(shown)):
        return False
    if in_furniture(element, set(h1.iterancestors())):
        return False
    before = element.getprevious()
    if before is not None and (before.tag in _MEDIA_TAGS or (
            not before.text_content().strip() and before.find(".//img") is not None)):
        return False  # a caption under an image (bare, or in a block of its own)
    words = _content_words(shown)
    return len(words & text_words) >= PROSE_LEAD_MIN_OVERLAP * max(len(words), 1)


def _content_words(text: str) -> frozenset[str]:
    """The words of ``text`` of 4 letters or more that are not stop words of the promo
    languages (a notice shares those with any article), case-folded and cut to their first
    `STEM_LETTERS` letters (``Energien`` and ``Energie``, ``erneuerbaren`` and ``erneuerbarer``
    are one word; a word found inside a compound is not)."""
    keep = _is_content()
    return frozenset(w[:STEM_LETTERS] for w in map(str.casefold, _LONG_WORD.findall(text)) if keep(w))


@lru_cache(maxsize=1)
def _is_content() -> Callable[[str], bool]:
    from cleaners.lang.tokens import is_content

    return is_content(_STOP_WORD_LANGUAGES)


def lead_block(tree: Any, text: str) -> str:
    """A lead the page shows between the last ``<h1>`` before the first line of ``text``
    (the title's lines left aside) and that line, in an element whose class names it a lead
    (``lead``, ``teaser``, ``intro``, ``chapo``, ``standfirst``…) or in the ``<h1>``'s
    ``<hgroup>`` and being no byline, caption or teaser (`_holds_no_lead`), or a paragraph of
    prose (`_prose_lead`), and not held by ``text``; '' when there is none. One line, spaces
    folded, its blocks' texts never glued; a lead block's without its byline (`_dek_text`:
    its byline's blocks, the authors and dates at its edges, the marks they leave), at least
    `LEAD_MIN_WORDS` words."""
    headings = {text_key(h1.text_content()) for h1 in tree.iter("h1")}
    lines = [line for line in text.split("\n")
             if len(text_key(line)) >= 20 and text_key(line) not in headings]
    if not lines:
        return ""
    first, whole_key = text_key(lines[0])[:60], text_key(text)
    text_words: frozenset[str] | None = None  # made for the first prose candidate
    memo: dict[Any, str] = {}  # `shown_text` of each node read, once (nested blocks: not cubic)

    def text_of(node: Any) -> str:
        if node not in memo:
            memo[node] = shown_text(node)
        return memo[node]

    h1, lead = None, ""
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "h1":
            h1, lead = element, ""  # a lead follows the article's own heading
            continue
        if h1 is None or tag not in _LEAD_TAGS:
            continue
        own = _FOLD.sub(" ", element.text_content()).strip()
        own_key = text_key(own)
        if own_key.startswith(first):
            return lead  # reached the text itself
        if first in own_key:
            continue  # a container of the text
        leadish = _leadish(element, h1)
        if lead or own_key in whole_key or (tag != "p" and not leadish):
            continue
        shown = _FOLD.sub(" ", text_of(element)).strip()  # `text_key`s ignore the spaces
        if len(shown.split()) < LEAD_MIN_WORDS:
            continue
        if leadish:
            if not _holds_no_lead(element, shown, h1, text_of):
                dek = _dek_text(element)
                if len(dek.split()) >= LEAD_MIN_WORDS:
                    lead = dek
            continue
        if text_words is None:
            text_words = _content_words(text)
        if _prose_lead(element, shown, h1, text_words):
            lead = shown
    return ""
