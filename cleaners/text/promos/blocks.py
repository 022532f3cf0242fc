"""Promo blocks: a short heading followed by a run of headline-like lines.

Pages print links to other articles as a block: a heading ("Lesen Sie auch", "Related
Stories", "Te puede interesar", "Sur le même thème") and then the linked titles, one per line,
sometimes with a date or a kicker line each. `find_promo_blocks` finds such blocks so that
`strip_promos` removes each one whole, with one edit.

A block is:

* a **heading**, at most `MAX_HEADING_WORDS` words: a line the pattern rules call a list
  header or a bare lead-in (``list``, or ``lead`` with nothing after it: "Related Stories",
  "Mehr zum Thema"), or a ``heading`` of ``cleaners/data/promos/blocks/headings.txt``
  ("Neueste Artikel", "À lire, à voir"); never an ad label (a line a ``line`` rule matches:
  "Werbung", "Advertisement") nor a ``never`` line of that file ("Zur Startseite"), which
  announce one thing, not a list, nor a bare lead-in that closes the cards of a grid, three
  copies or more in a row at card-sized gaps alike (`MAX_CARD_LINES`; "Read more" under each
  card of a services page: its teaser's link);
* then a **run** of `MIN_HEADLINES` to `MAX_HEADLINES` headline-like lines (`headline_like`:
  1 to `MAX_HEADLINE_WORDS` words, starting with a capital, a digit or a quote, not ending
  like a sentence or a clause, not a quantity like "200 g Zucker"), date lines (`date_line`:
  "18/10/2019", "August 31, 2021", "vor 1 Woche") and blank lines in between allowed. The run
  ends at the first other line, or at the next heading when that one makes a block too (or
  stays); a line the line signals remove on their own ("Advertisement") is passed over.
  When the line that ends the run shares a content word with the run's last headline, that
  headline is its title (the article's subheading, or a teaser's headline) and stays with it.
  When that line is prose, the run needs `MIN_HEADLINES_BEFORE_PROSE` headlines: a heading
  left without its links can stand before the article's own subheading and a photo caption.
  A longer run is not a block: a menu, or the article's own list.

A heading alone, or followed by a single headline and then prose, is not a block (the pattern
rules still judge it as a line). A list inside an article (ingredients, steps, a table of
figures, sub-headings and their short paragraphs, the verses of a song) has no such heading:
it is never a block. Structure alone is not enough: on the trafilatura evaluation pages, short
headline-shaped runs under short non-promo headings include article text (song lyrics, results
tables, tables of contents, recipes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

from cleaners.lang.langid import LanguageModel
from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer
from cleaners.text.promos.rules import (
    PROMO_LANGS,
    SENTENCE_END,
    PromoRule,
    load_promo_rules,
    match,
    normalise,
    promo_language,
)
from cleaners.text.promos.vocabulary import Vocabulary

__all__ = ["PromoBlock", "date_line", "find_promo_blocks", "headline_like", "load_block_headings"]

#: A bare lead-in that comes back after at most this many lines (a card's title, date,
#: teaser, author…), `MIN_CARD_LINKS` times or more in a row, closes the cards of a grid: it
#: is each card's link, no heading (`_headings`).
MAX_CARD_LINES = 6
MIN_CARD_LINKS = 3
#: A heading has at most this many words…
MAX_HEADING_WORDS = 10
#: …and is followed by at least this many headline-like lines…
MIN_HEADLINES = 2
#: …or this many when prose follows the run (a box inside the article's text).
MIN_HEADLINES_BEFORE_PROSE = 3
#: …and at most this many (a longer run is a menu or the article's own list).
MAX_HEADLINES = 20
#: Prose: a paragraph of at least this many words that ends like a sentence.
MIN_PROSE_WORDS = 12
#: A headline-like line has at most this many words…
MAX_HEADLINE_WORDS = 20
#: …and characters.
MAX_HEADLINE_CHARS = 160

_TRAILING = re.compile(r"[\s:.…»>→\-–—!)\]]+$")
_ELLIPSIS = re.compile(r"(?<=\w)\s*(?:\.\.\.|…)$")
#: A quantity starting a line: an ingredient or a figure of the article, not a headline.
_QUANTITY = re.compile(
    r"^(?:\d+(?:[.,/]\d+)?|[½¼¾⅓⅔⅛])\s*(?:-\s*\d+\s*)?"
    r"(?:g|gr|kg|mg|ml|cl|dl|l|el|tl|msp|stk|stück|prise|prisen|becher|pck|päckchen|"
    r"pkg|dose|dosen|bund|scheiben?|zehen?|cups?|tbsp|tsp|oz|lbs?|pounds?|teaspoons?|"
    r"tablespoons?|cuillères?|c\.|gousses?|pincées?|tasses?|cucharadas?|cucharaditas?|tazas?|"
    r"dientes?|cucchiai|cucchiaini|spicchi|colheres?|xícaras?|dentes?)\b",
    re.IGNORECASE,
)
_MONTHS = (
    r"jan(?:uary|uar|vier|eiro)?|feb(?:ruary|ruar)?|févr(?:ier)?|fevereiro|"
    r"m[aä]r(?:ch|z|s|ço)?|apr(?:il)?|avr(?:il)?|may|mai|maggio|mayo|maio|jun(?:e|i|io)?|juin|"
    r"jul(?:y|i|io)?|juil(?:let)?|aug(?:ust)?|août|ago(?:sto)?|sep(?:t(?:ember|embre)?)?|"
    r"sett(?:embre)?|oct(?:ober|obre)?|okt(?:ober)?|ott(?:obre)?|out(?:ubro)?|"
    r"nov(?:ember|embre|embro)?|de[cz](?:ember|embre|embro)?|déc(?:embre)?|dic(?:iembre|embre)?|"
    r"enero|febrero|marzo|abril|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    r"gennaio|febbraio|aprile|luglio|ottobre|dicembre"
)
#: A date or age line inside a run of headlines ("18/10/2019", "August 31, 2021", "vor 1 Woche").
_DATE = re.compile(
    r"^(?:[^\W\d_]+\s*[,.|]?\s+)?"  # a weekday or a section: "Mittwoch | 31. Juli 2019"
    r"(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}\.?\s+(?:de\s+)?(?:{_MONTHS})\.?,?(?:\s+(?:de\s+)?\d{{4}})?"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?"
    r"|vor\s+\d+\s+\w+|il y a\s+\d+\s+\w+|hace\s+\d+\s+\w+|\d+\s+\w+\s+ago)"
    r"(?:,?\s+(?:um\s+|à\s+|at\s+)?\d{1,2}[:.h]\d{2}(?:\s*(?:uhr|am|pm))?)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PromoBlock:
    """One block: the ``heading`` line's index, the ``headlines``' indices, and every index
    the block removes (``lines``: heading, headlines and the date lines between them, in
    order; blank lines excluded)."""

    heading: int
    headlines: tuple[int, ...]
    lines: tuple[int, ...]

    def detail(self, text_lines: Sequence[str]) -> str:
        """The edit detail: the block's removed lines, heading first, one per line (so the
        heading and its n headlines are what a reviewer reads)."""
        return "\n".join(text_lines[i].strip() for i in self.lines)


@cache
def _heading_file() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """The lines of ``cleaners/data/promos/blocks/headings.txt`` as (lang, kind, pattern)."""
    path = resources.files("cleaners").joinpath("data", "promos", "blocks", "headings.txt")
    out: list[tuple[str, str, re.Pattern[str]]] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if (
            len(parts) != 3
            or (parts[0] != "*" and parts[0] not in PROMO_LANGS)
            or parts[1] not in ("heading", "never")
        ):
            raise ValueError(
                f"promos/blocks/headings.txt line {n}: "
                f"expected '<lang> heading|never <regex>', got {raw!r}"
            )
        lang, kind, pattern = parts
        try:
            out.append((lang, kind, re.compile(pattern, re.IGNORECASE)))
        except re.error as exc:
            raise ValueError(f"promos/blocks/headings.txt line {n}: bad regex: {exc}") from exc
    return tuple(out)


@cache
def load_block_headings(lang: str | None = None) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The block headings of ``headings.txt`` for ``lang`` (``'fr'``, ``'fr-FR'``…) as two
    patterns, (``heading``, ``never``): a block heading the language file does not have, and a
    lead-in of the language file that never heads a block ("Zur Startseite"). That language's
    lines, the English ones and the ``*`` ones; every language's when ``lang`` is None or has
    no pattern file.

    Guarantees: loaded once from package data; raises ValueError naming the line when
    ``headings.txt`` is malformed.
    """
    code = promo_language(lang)
    keep = None if code is None else {code, "en", "*"}
    chosen = [(kind, p) for lg, kind, p in _heading_file() if keep is None or lg in keep]

    def union(kind: str) -> re.Pattern[str]:
        alts = [f"(?:{p.pattern})" for k, p in chosen if k == kind]
        return re.compile("|".join(alts) or r"(?!)", re.IGNORECASE)

    return union("heading"), union("never")


def headline_like(line: str) -> bool:
    """True when ``line`` could be the title of a linked article: 1 to `MAX_HEADLINE_WORDS`
    words and at most `MAX_HEADLINE_CHARS` characters, starting with a capital letter, a digit
    or a quote, not ending like a sentence or a clause (``.`` ``,`` ``;`` ``:``), not starting
    with a quantity ("200 g Zucker", "2 EL Öl", "½ cup"), and mostly letters."""
    s = normalise(line)
    if not s or len(s) > MAX_HEADLINE_CHARS or len(s.split()) > MAX_HEADLINE_WORDS:
        return False
    s = _ELLIPSIS.sub("", s)  # a title cut short: "… Indigenous Students..."
    if not s or SENTENCE_END.search(s) or s.endswith(":"):
        return False
    first = s[0]
    if not (first.isupper() or first.isdigit() or first in "\"'«¿¡"):
        return False
    if _QUANTITY.match(s):
        return False
    letters = sum(c.isalpha() for c in s)
    return letters >= 3 and letters >= 0.5 * sum(not c.isspace() for c in s)


def date_line(line: str) -> bool:
    """True when ``line`` is a date or an age alone ("18/10/2019", "vor 1 Woche")."""
    s = normalise(line)
    return len(s) <= 40 and _DATE.match(s) is not None


def _prose(line: str) -> bool:
    """A paragraph of `MIN_PROSE_WORDS` words or more that ends like a sentence."""
    s = line.strip()
    return len(s.split()) >= MIN_PROSE_WORDS and s[-1:] in '.!?»"”)…'


def _shares_a_word(title: str, paragraph: str, lang: str | None,
                   lemmatizer: Lemmatizer, langid_model: LanguageModel | None) -> bool:
    """True when ``title`` has a content word that ``paragraph`` has too
    (`cleaners.text.promos.vocabulary`: lemmas and 5-letter prefixes, stopwords aside)."""
    vocab = Vocabulary([title, paragraph], promo_language(lang), lemmatizer, langid_model)
    return vocab.content_count({1}) > 0 and not vocab.unrelated(title, {0})


def _heading_kind(line: str, rules: Sequence[PromoRule],
                  headings: tuple[re.Pattern[str], re.Pattern[str]], kind: str | None) -> str:
    """What makes ``line`` a block heading: ``"heading"`` (a ``heading`` pattern), ``"list"``
    or ``"lead"`` (a list header or bare lead-in by the rules that no ``line`` rule, an ad
    label: "Werbung", matches), ``""`` for no heading: more than `MAX_HEADING_WORDS` words, or
    a ``never`` pattern (navigation: "Zur Startseite"). ``kind`` is what the line signals
    found for the line ('' when nothing: then it is no list header or lead-in), None when
    unknown."""
    if len(line) > 20 * MAX_HEADING_WORDS or len(line.split()) > MAX_HEADING_WORDS:
        return ""
    s = normalise(line)
    core = _TRAILING.sub("", s)
    if not core:
        return ""
    heading, never = headings
    if never.fullmatch(core):
        return ""
    if heading.fullmatch(core):
        return "heading"
    if kind is not None and kind not in ("list", "lead"):
        return ""
    m = match(line, rules)
    if m is None or not (m.kind == "list" or (m.kind == "lead" and not m.headline)):
        return ""
    return "" if any(r.kind == "line" and r.pattern.fullmatch(core) for r in rules) else m.kind


def _headings(lines: Sequence[str], nonblank: list[int], kinds: list[str]) -> list[bool]:
    """Which of the ``nonblank`` lines, of heading kinds ``kinds``, head a block: all but the
    bare lead-ins that close the cards of a grid: three copies or more of one lead-in in a
    row, each 1 to `MAX_CARD_LINES` lines after the one before, those gaps differing by one
    line at most ("Read more" under each card of a services page or a post grid is the link
    of the teaser above it, not the heading of the cards after it). Two copies, copies far
    apart (a page that repeats a widget) or one right after another still head blocks."""
    copies: dict[str, list[int]] = {}
    for k, (i, kind) in enumerate(zip(nonblank, kinds, strict=True)):
        if kind == "lead":
            copies.setdefault(_TRAILING.sub("", normalise(lines[i])), []).append(k)
    card_links: set[int] = set()
    for at in copies.values():
        chain = [at[0]]  # copies in a row with card-sized gaps alike
        low = high = None  # the chain's smallest and largest gap
        for before, after in pairwise([*at, None]):
            gap = None if after is None else after - before - 1
            if gap is not None and 1 <= gap <= MAX_CARD_LINES and (
                    low is None or max(high, gap) - min(low, gap) <= 1):
                chain.append(after)
                low, high = (gap, gap) if low is None else (min(low, gap), max(high, gap))
                continue
            if len(chain) >= MIN_CARD_LINKS:
                card_links.update(chain)
            chain = [after] if after is not None else []
            low = high = None
    return [bool(kind) and k not in card_links for k, kind in enumerate(kinds)]


def find_promo_blocks(lines: Sequence[str], lang: str | None = None,
                      found: Mapping[int, str] | None = None,
                      lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER,
                      langid_model: LanguageModel | None = None) -> list[PromoBlock]:
    """The promo blocks among ``lines`` (one paragraph or line each), in order, none
    overlapping.

    ``found`` is what `find_promo_lines` found in the same ``lines`` (index -> reason); a line
    found there for a reason other than ``follower`` or ``block`` is a promo of its own, passed
    over; a list follower counts as a headline. Without it, the pattern rules are matched here.
    ``lemmatizer`` and ``langid_model`` serve the vocabulary, as in
    `cleaners.text.promos.detect.find_promo_lines`.

    Guarantees: every block has a heading and `MIN_HEADLINES` to `MAX_HEADLINES` headlines
    after it (`MIN_HEADLINES_BEFORE_PROSE` when prose follows the run), and no blank line; a
    run's last headline that shares a content word with the line right after the run (kept,
    as it is no headline) is left out, with the dates after it: it is that line's title (the
    article's subheading, or a teaser's headline). Removing the blocks and the other signals'
    lines leaves no block to find. See the module docstring for the rule.
    """
    rules = load_promo_rules(lang)
    headings = load_block_headings(lang)
    known = found is not None
    found = found or {}
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    heading = _headings(lines, nonblank, [
        _heading_kind(lines[i], rules, headings, found.get(i, "") if known else None)
        for i in nonblank
    ])

    shared: dict[tuple[int, int], bool] = {}

    def shares_a_word(i: int, j: int) -> bool:
        """`_shares_a_word` of lines ``i`` and ``j``, judged once (the runs of headings in a
        row end at the same lines)."""
        if (i, j) not in shared:
            shared[i, j] = _shares_a_word(lines[i], lines[j], lang, lemmatizer, langid_model)
        return shared[i, j]

    def reason_of(m: int) -> str | None:
        reason = found.get(nonblank[m])
        return None if reason == "block" else reason  # (from `find_promo_lines`: judged again)

    def run(k: int) -> tuple[list[int], list[int], int] | None:
        """The run under the heading ``nonblank[k]``: (headlines, lines taken, position of
        its last line), or None when it does not make a block. Each stretch of promo lines of
        their own is stepped over at once, and a run stops once it has too many headlines to
        be a block: linear in the lines of the run, not in those after it."""
        headlines: list[int] = []
        taken: list[int] = []
        end = k
        into_prose = False
        m = k
        while (m := m + 1) < len(nonblank) and len(headlines) <= MAX_HEADLINES + 1:
            if passed_over[m]:
                end = m = last_passed_over[m]  # promo lines of their own, with their own edits
                continue
            j = nonblank[m]
            reason = reason_of(m)
            if heading[m] and (forms[m] is not None or reason is None):
                break  # the next block's heading, or a heading that stays
            if reason == "follower" or (headline_like(lines[j]) and not date_line(lines[j])):
                headlines.append(j)
            elif date_line(lines[j]):
                pass
            else:
                # the run's last headline may be the title of the line that ends it
                if headlines and shares_a_word(headlines[-1], j):
                    taken = taken[: taken.index(headlines.pop())]
                into_prose = _prose(lines[j])
                break
            taken.append(j)
            end = m
        least = MIN_HEADLINES_BEFORE_PROSE if into_prose else MIN_HEADLINES
        if not least <= len(headlines) <= MAX_HEADLINES:
            return None
        return headlines, taken, end

    # right to left: whether a heading makes a block decides whether a run before it stops,
    # and whether a promo line of its own (not a follower) is passed over (the heading of no
    # block) or ends the runs before it
    forms: dict[int, tuple[list[int], list[int], int] | None] = {}
    passed_over = [False] * len(nonblank)
    last_passed_over = list(range(len(nonblank)))  # the end of the stretch a line starts
    for k in reversed(range(len(nonblank))):
        if heading[k]:
            forms[k] = run(k)
        passed_over[k] = (reason_of(k) not in (None, "follower")
                          and not (heading[k] and forms[k] is not None))
        if passed_over[k] and k + 1 < len(nonblank) and passed_over[k + 1]:
            last_passed_over[k] = last_passed_over[k + 1]
    blocks: list[PromoBlock] = []
    k = 0
    while k < len(nonblank):
        block = forms.get(k)
        if block is None:
            k += 1
            continue
        headlines, taken, end = block
        blocks.append(PromoBlock(nonblank[k], tuple(headlines), (nonblank[k], *taken)))
        k = end + 1
    return blocks
