"""The clean stage: one raw article text in, clean text and its edit log out.

Order (each step logs what it changed as `Edit` entries):
0. `escape_bracket_entities`: a literal shortcode written with character references
   (``&#91;gallery]``) made WordPress's escape ``[[gallery]]``, before entities are decoded.
1. `repair_encoding`: HTML entities and mojibake (ftfy).
2. `untexturize_markup`: quotes a CMS texturized inside shortcode/HTML attributes made plain,
   so that the markup parses.
3. `markup_to_text` when the text is HTML, parsed before its entities are decoded: a whole
   page's main text (`extract_page`, trafilatura), a fragment's paragraphs (`html_to_text`:
   script/style/nav/comments dropped); then `repair_encoding` again on the text that was
   spread between tags.
4. `strip_shortcodes`: content-bearing shortcodes unwrapped, media/ads removed.
5. `strip_promos`: interstitial promos ("A (re) lire : …", "READ MORE: …") removed.
6. `normalize_typography`: apostrophes, quotes and guillemet spacing by the policy.
7. whitespace: trailing spaces dropped, runs of spaces folded, at most one blank line (also
   done first, so every step sees the spacing the output will have).
8. `repair_encoding` once more (with the policy re-applied) when straightened quotes revealed
   mojibake: cleaning clean text changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cleaners.edits import Edit, EditKind, summarised
from cleaners.lang.langid import LanguageModel
from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer
from cleaners.text.config import DEFAULT_CLEAN, CleanConfig
from cleaners.text.encoding import repair_encoding, strip_controls
from cleaners.text.extract import PageText, extract_page, is_page
from cleaners.text.html import html_title, html_to_text, looks_like_html
from cleaners.text.markup_depth import depth_problem
from cleaners.text.page_title import without_site_name
from cleaners.text.promos import strip_promos
from cleaners.text.shortcodes import escape_bracket_entities, strip_shortcodes
from cleaners.text.typography import (
    normalize_typography,
    untexturize_markup,
)

#: Runs of spaces and of blank lines, written with a literal prefix: the regex engine then looks
#: for the prefix in C, where ``" {2,}"`` and ``"\n{3,}"`` were tried at every character (on a
#: page's markup, 147 KB: 0.32 against 1.52 ms, and 0.14 against 1.39 ms).
_SPACE_RUNS = re.compile(r"  +")
_BLANKS = re.compile(r"\n\n\n+")


class MarkupTooDeep(ValueError):
    """The text is markup nested too deep to be parsed at a bounded cost; the message is the
    one-line reason (``markup nested more than 256 levels deep: not parsed``)."""


@dataclass(slots=True)
class CleanResult:
    """Clean text and the edits that produced it from the input; ``title`` is the title a
    whole web page gives itself (``og:title``, ``<title>``, ``<h1>``), as written, for a record
    that has none (None for other text)."""

    text: str
    edits: list[Edit] = field(default_factory=list)
    title: str | None = None


#: What ``str.strip`` removes but U+0085: a C1 control that Windows-1252 text read as Latin-1
#: holds for "…" (``'US pressure'\x85``), which the repair after this turns back into it.
_EDGE_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c != "\x85")


def normalize_whitespace(text: str) -> str:
    """Unix newlines, no trailing spaces, single spaces, at most one blank line, no edge blanks.

    (Each rule runs only when a substring check finds something to change: most text has
    nothing to change, and a regex substitution scans the whole text.)
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text or "\f" in text or "\v" in text:
        # (three replacements: 0.03 ms on a page's markup, a character class's substitution 1.1)
        text = text.replace("\t", " ").replace("\f", " ").replace("\v", " ")
    if "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    if " \n" in text or "\n " in text:
        # (line by line: a third faster than a regex on a page's markup, where most lines
        # have a space at an edge)
        text = "\n".join([line.strip(" ") for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.strip(_EDGE_SPACES)


def markup_to_text(html: str) -> PageText:
    """HTML as text: a whole page's main text and title (`extract_page`: boilerplate dropped,
    one parse), or, for a fragment (a CMS body) or a page where too little main text was found,
    every visible paragraph (`html_to_text`). Never raises on any string."""
    page = extract_page(html) if is_page(html) else None
    if page is not None and page.text:
        return page
    text, edits = html_to_text(html)
    if page is None:
        return PageText(text, html_title(html) if is_page(html) else None, edits)
    return PageText(text, page.title, page.edits + edits)


def fragment_to_text(html: str) -> PageText:
    """HTML as text, every visible paragraph (`html_to_text`), no title: a fragment's form."""
    text, edits = html_to_text(html)
    return PageText(text, None, edits)


def _decode(text: str, to_text: Callable[[str], PageText],
            edits: list[Edit]) -> tuple[str, bool, str | None, bool]:
    """Encoding repaired, entities decoded and markup turned into text by ``to_text``
    (edits appended to ``edits``); whether quotes inside markup were changed (which can
    reveal mojibake later); the title ``to_text`` found; and whether the text was markup.

    Markup is parsed before its entities are decoded, by the parser, once: ``&lt;stdin&gt;``
    in a page is text, not a tag. Text that is not markup has its entities decoded first, and
    is parsed when that reveals escaped markup (``&lt;p&gt;Hi&lt;/p&gt;`` is "Hi"). Control
    characters left (C1 controls the repair did not read as cp1252, controls the parse or the
    entities decoded) are removed last; the caller removes C0 controls first (`_without_c0`). Raises `MarkupTooDeep` rather than parse
    markup nested deeper than `cleaners.text.markup_depth.MAX_MARKUP_DEPTH`."""
    markup = looks_like_html(text)
    text, e = repair_encoding(text, entities="none" if markup else "all")
    edits += e
    reshaped = False
    title = None
    if "[" in text or "<" in text:
        text, e = untexturize_markup(text)
        edits += e
        reshaped = bool(e)
    if markup or looks_like_html(text):
        markup = True
        problem = depth_problem(text)
        if problem:
            raise MarkupTooDeep(problem)
        page = to_text(text)
        text, title = page.text, page.title
        edits += page.edits
        # Text that sat between tags can only now be judged as a whole; entities left in it
        # are a CMS's double escaping, or literal ``&lt;`` the page shows.
        text, e = repair_encoding(text, entities="characters")
        edits += e
        reshaped = False
    # C1 controls after the repair (ftfy reads them as the cp1252 punctuation they stand for),
    # and what the parse and the entities decoded (``&#x85;``). Removing one joins its
    # neighbours, which can make mojibake the repair has not judged (``\x8dÜ†`` → ``Ü†``).
    text, e = strip_controls(text)
    edits += e
    return text, reshaped or bool(e), title, markup


def _without_c0(text: str, edits: list[Edit]) -> str:
    """``text`` without its C0 controls (NUL, ESC…; C1 controls are kept for the repair), the
    edit appended to ``edits``: done first, before whitespace is normalised, so that neither
    the spacing nor ftfy's reading of a line depends on a stray control."""
    text, e = strip_controls(text, c1=False)
    edits += e
    return text


def _settle(text: str, config: CleanConfig, tidy: Callable[[str], str],
            edits: list[Edit]) -> str:
    """Straightened quotes can reveal mojibake ftfy could not see beside a curly one: repair,
    re-apply the typography policy and ``tidy``, until nothing changes (rare: the fast path
    answers in microseconds). Edits are appended to ``edits``."""
    for _ in range(3):
        # entities were decoded before: what is left is literal (``&lt;`` a page shows)
        repaired, e = repair_encoding(text, entities="characters")
        if repaired == text:
            break
        edits += e
        text, e = normalize_typography(repaired, config.typography)
        edits += e
        text = tidy(text)
    return text


def clean_text(text: str, lang: str | None = None, config: CleanConfig = DEFAULT_CLEAN,
               lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER, *,
               langid_model: LanguageModel | None = None) -> CleanResult:
    """Clean one article (``lemmatizer`` and ``langid_model``, default
    `cleaners.lang.langid.bundled_model`, serve promo detection). Cleaning clean text changes
    nothing. At most `cleaners.edits.MAX_EDITS_PER_KIND` edits of a kind are listed, the rest
    counted (`cleaners.edits.summarised`). Raises only `MarkupTooDeep` (markup nested deeper than `cleaners.text.markup_depth.MAX_MARKUP_DEPTH`, refused
    before parsing: the caller quarantines the record with the message)."""
    edits: list[Edit] = []
    # Whitespace first as well as last: every later step then sees the spacing the output will
    # have (a tab after 'Ã' is not mojibake, the space it becomes is).
    text = normalize_whitespace(_without_c0(text, edits))
    # a literal shortcode written with `&#91;` must not become a live one once decoded
    text = escape_bracket_entities(text, config.shortcodes)
    # `reshaped`: a step after the repair changed characters within a line (markup, quotes);
    # only then can the text hold mojibake the repair has not judged (removed promo lines and
    # collapsed blank lines cannot make any).
    text, reshaped, title, markup = _decode(text, markup_to_text, edits)
    if "[" in text:
        text, e = strip_shortcodes(text, config.shortcodes)
        edits += e
        reshaped = reshaped or bool(e)
    if config.strip_promos:
        # calls to the reader (`call` rules) are page furniture: looked for in what was
        # markup (pages, CMS bodies), not in plain text, where the scan costs about a third
        # of the clean stage (docs/cleaning.md, "Interstitial promos")
        text, e = strip_promos(text, lang, lemmatizer, calls=markup, langid_model=langid_model)
        edits += e
    text, e = normalize_typography(text, config.typography)
    edits += e
    reshaped = reshaped or bool(e)
    text = normalize_whitespace(text)
    if reshaped:
        text = _settle(text, config, normalize_whitespace, edits)
    return CleanResult(text, summarised(edits), title)


def clean_batch(
    texts: Sequence[str], langs: Sequence[str | None] | None = None, config: CleanConfig = DEFAULT_CLEAN,
    lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER, *, langid_model: LanguageModel | None = None,
) -> list[CleanResult]:
    """`clean_text` over a batch, in order. A text that occurs again in the batch with the
    same language hint (a feed that repeats an article, a page fetched twice) is cleaned once:
    its rows get equal results, each with its own list of edits."""
    hints = langs if langs is not None else [None] * len(texts)
    done: dict[tuple[str, str | None], CleanResult] = {}
    results: list[CleanResult] = []
    for text, hint in zip(texts, hints, strict=True):
        seen = done.get((text, hint))
        if seen is None:
            done[text, hint] = seen = clean_text(text, hint, config, lemmatizer,
                                                 langid_model=langid_model)
            results.append(seen)
        else:
            results.append(CleanResult(seen.text, list(seen.edits), seen.title))
    return results


TITLE_EDIT_PREFIX = "title: "

# Line breaks and other spacing a one-line title folds to one space (no-break spaces are kept:
# the typography policy puts them inside guillemets).
_TITLE_SPACES = re.compile(r"[ \t\n\r\f\v\u2028\u2029]+")  # not U+0085: see _EDGE_SPACES


def _one_line(text: str) -> str:
    """``text`` on one line: every run of spaces and line breaks one space, no edge spaces."""
    return _TITLE_SPACES.sub(" ", text).strip(_EDGE_SPACES)


def clean_title(title: str, config: CleanConfig = DEFAULT_CLEAN,
                url: str | None = None, *, shown: bool = False) -> CleanResult:
    """Clean one title with the text's cleaners that make sense for one line: encoding repair
    (mojibake, HTML entities), texturized markup made plain, markup to text, the typography
    policy (``config.typography``), whitespace; never shortcode unwrapping or promo stripping,
    which work on paragraphs and lines. With the record's ``url``, a part of the title that
    names the site that address spells goes (`without_site_name`: ``Headline | Reuters`` on
    ``reuters.com``), with an ``Edit(EditKind.METADATA, "title: the site's name cut from …")``.
    A ``shown`` title is text a parsed page shows (its ``og:title``, ``<title>`` or ``<h1>``,
    `extract_page`): the parser decoded its entities and read its markup, so its markup is
    not read again, and of the entities left only a CMS's double escaping is decoded
    (``TFC8&amp;reg;``, an ``&amp;`` before no reference's name: ``Q&amp;A``), as in a
    page's text; ``&lt;``, ``&gt;`` and an ``&amp;`` before a name stay literal: MDN's
    ``<table>: The Table element``, written ``&lt;table&gt;`` in the page, keeps its tag.

    Guarantees: the result is one line (no line break or tab, single spaces, no edge spaces);
    every edit's ``detail`` starts with `TITLE_EDIT_PREFIX` (``"title: "``), so that the title's
    edits can share the row's ``edits`` column with the text's; a title markup leaves nothing of
    comes back as ``""`` with an ``Edit(EditKind.METADATA, "title: …")`` saying so; cleaning a
    clean title changes nothing (no edit); never raises on any string.
    """
    edits: list[Edit] = []
    try:
        if shown:
            # a CMS's double escaping (``TFC8&amp;reg;``) is decoded, literal ``&lt;`` stays
            text, e = repair_encoding(_one_line(_without_c0(title, edits)),
                                      entities="characters")
            edits += e
            text, e = strip_controls(text)
            edits += e
            reshaped = bool(e)
        else:
            text, reshaped, _, _ = _decode(_one_line(_without_c0(title, edits)),
                                           fragment_to_text, edits)
    except MarkupTooDeep as exc:
        return CleanResult("", [Edit(EditKind.METADATA, f"{TITLE_EDIT_PREFIX}{exc}: title left empty")])
    text, e = normalize_typography(_one_line(text), config.typography)
    edits += e
    text = _one_line(text)
    if reshaped or e:
        text = _settle(text, config, _one_line, edits)
    if url and text != (shorter := without_site_name(text, (), (url,))):
        edits.append(Edit(EditKind.METADATA, f"the site's name cut from {text!r}"))
        text = shorter
    marked = [Edit(edit.kind, TITLE_EDIT_PREFIX + edit.detail) for edit in edits]
    if not text and title.strip():
        marked.append(Edit(EditKind.METADATA, f"{TITLE_EDIT_PREFIX}nothing left after cleaning "
                           f"{_one_line(title)[:80]!r}: title left empty"))
    return CleanResult(text, marked)
