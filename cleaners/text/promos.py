"""Interstitial promos: lines a reader should not see inside an article.

"À lire aussi : …", "READ MORE: …", "Lesen Sie auch", "Related Stories", "Advertisement",
"Sign up for our newsletter"… The families are data, one file of patterns per language
in ``cleaners/data/promos/<lang>.txt`` (format documented at the top of each file and in
the README, "Shortcodes, interstitial promos, HTML and WordPress exports").

Signals, from strongest to weakest:

1. **Pattern** (``line``/``list``/``lead`` rules): the line is boilerplate, a list header,
   or a lead-in followed by a headline.
2. **Weak lead-in + unrelated headline** (``weak`` rules, "Vidéo : …"): removed only when
   the headline shares no content word with the rest of the article. Likewise, after a
   list header ("Related Stories"), a run of 2 to 5 headline-shaped lines that share no
   content word with the article (a single one could be the article's own subheading,
   unless it shares the header's block: "LIRE AUSSI" + line break + title).
3. **Structure alone**: a short "Label : Headline" line in French typography (space
   before the colon), standing between two prose paragraphs of a long enough article,
   sharing no content word with it (the seed's "Énurésie : Des astuces pour …" line).
   Headline-shaped lines in other shapes are never removed on structure alone: on the
   trafilatura evaluation set, real article lines like "Presseförderung: Studie zweifelt
   an Stütze vom Staat" are indistinguishable from promos without their own article.

"Shares no content word" means: no word of the line outside the stopword lists
(stopwordsiso), lemmatised with simplemma, equals a lemma of the rest of the article, and
no word of 5+ letters shares its first 5 letters with one.
"""

from __future__ import annotations

import re
import re._constants as _sre_c  # rule regexes' first characters, see _first_chars()
import re._parser as _sre_p
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise

from cleaners.edits import Edit

__all__ = [
    "PROMO_LANGS",
    "PromoRule",
    "find_promo_lines",
    "load_promo_rules",
    "match_promo_line",
    "strip_promos",
]

#: Languages that ship a pattern file.
PROMO_LANGS: tuple[str, ...] = ("en", "fr", "de", "es", "it", "pt", "nl", "pl")
_KINDS = ("line", "list", "lead", "weak")

#: A lead-in's headline: at most this many words (after an explicit separator)…
MAX_HEADLINE_WORDS = 30
#: …and at most this many without one ("Mehr zum Thema Job und Karriere").
MAX_BARE_HEADLINE_WORDS = 15
#: Lines longer than this are never promos.
MAX_PROMO_WORDS = 40
#: A ``line`` rule only matches lines of at most this many words.
MAX_LINE_WORDS = 15
#: After a list header, at most this many following headline lines are removed…
MAX_LIST_FOLLOWERS = 5
#: …and only when there are at least this many (a list, not a subheading).
MIN_LIST_FOLLOWERS = 2
#: The structural signal needs this many content words in the rest of the article.
MIN_ARTICLE_CONTENT_WORDS = 80
#: …and prose neighbours: paragraphs of at least this many words.
MIN_NEIGHBOUR_WORDS = 12

_SEPARATOR = re.compile(r"\s*(?:[:»>|›→–—)\]-]+|\.\.\.|…)\s*")
_LEADING_DECOR = re.compile(r"^[\s\-–—•·*►▶▸→➜➤>»«|#+✚✔📌👉🔗:(\[]+")
_TRAILING_DECOR = re.compile(r"[\s:.…»>→\-–—!)\]]+$")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_INNER_SENTENCE = re.compile(r"[^\s.]{2,}[.!?…]\s+[\"«“(]?[^\W\d_]")
_SENTENCE_END = re.compile(r"[.;,]\s*[\"”»)]?\s*$")
_FRENCH_LABEL = re.compile(
    r"^(?P<label>[^\W\d_][\w'’-]*(?:\s[\w'’-]+){0,2})\s+:\s+(?P<head>[\"«“]?\s*[^\W\d_].*)$"
)
_TRANSLATE_CHARS = {
    "’": "'",
    "‘": "'",
    "ʼ": "'",
    "`": "'",
    "´": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u2007": " ",
}


@dataclass(frozen=True)
class PromoRule:
    """One pattern from a language file: ``kind`` is line/list/lead/weak."""

    lang: str
    kind: str
    pattern: re.Pattern[str]


@cache
def _load_lang(lang: str) -> tuple[PromoRule, ...]:
    path = resources.files("cleaners").joinpath("data", "promos", f"{lang}.txt")
    if not path.is_file():
        return ()
    rules: list[PromoRule] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, pattern = line.partition(" ")
        pattern = pattern.strip()
        if kind not in _KINDS or not pattern:
            raise ValueError(f"promos/{lang}.txt line {n}: expected '<kind> <regex>', got {raw!r}")
        if kind in ("lead", "weak"):
            # end on a word boundary, so that alternatives backtrack ("article|articles")
            pattern = rf"(?:{pattern})(?=$|[\s:»>|›→–—…,.!?)\]]|-(?!\w))"
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"promos/{lang}.txt line {n}: bad regex: {exc}") from exc
        rules.append(PromoRule(lang, kind, compiled))
    return tuple(rules)


def load_promo_rules(lang: str | None = None) -> tuple[PromoRule, ...]:
    """The rules for ``lang`` (``'fr'``, ``'fr-FR'``…) followed by the English ones, or
    every shipped language's rules when ``lang`` is None or has no pattern file. Loaded
    once from package data."""
    code = (lang or "").split("-")[0].split("_")[0].lower()
    if code in PROMO_LANGS:
        return _lang_rules(code)
    return _all_rules()


@cache
def _lang_rules(code: str) -> tuple[PromoRule, ...]:
    """A language's rules, then English ones: "Advertisement" or "READ MORE" turn up on
    sites in every language."""
    if code == "en":
        return _load_lang("en")
    return _load_lang(code) + _load_lang("en")


@cache
def _all_rules() -> tuple[PromoRule, ...]:
    seen: set[tuple[str, str]] = set()
    rules: list[PromoRule] = []
    for code in PROMO_LANGS:
        for rule in _load_lang(code):
            key = (rule.kind, rule.pattern.pattern)
            if key not in seen:
                seen.add(key)
                rules.append(rule)
    return tuple(rules)


_TRANSLATE_RE = re.compile("[" + "".join(_TRANSLATE_CHARS) + "]")


def _plain(text: str) -> str:
    """Curly apostrophes and quotes made straight, exotic spaces made plain (fast path)."""
    if not _TRANSLATE_RE.search(text):
        return text
    return _TRANSLATE_RE.sub(lambda m: _TRANSLATE_CHARS[m.group()], text)


def _normalise(line: str) -> str:
    s = _plain(unicodedata.normalize("NFC", line))
    s = " ".join(s.split())
    s = _LEADING_DECOR.sub("", s)
    return s.strip()


@dataclass(frozen=True)
class _Match:
    kind: str  # line / list / lead / weak
    headline: str  # text after a lead-in ('' when bare)


def match_promo_line(line: str, lang: str | None = None) -> tuple[str, str] | None:
    """Match one line against the pattern rules alone (no article context).

    Returns ``(kind, headline)`` where ``kind`` is ``line``, ``list``, ``lead`` or
    ``weak`` and ``headline`` the text after a lead-in (``''`` if none), or None.
    A ``weak`` match is only a candidate: `strip_promos` removes it only when its
    headline is unrelated to the article.
    """
    m = _match(line, load_promo_rules(lang))
    return (m.kind, m.headline) if m else None


#: Rule sets' subsets by the line's first character (see `_rules_for`).
_RULES_BY_FIRST: dict[int, tuple[tuple[PromoRule, ...], dict[str, tuple[PromoRule, ...]]]] = {}
#: Ranges longer than this are not expanded into first characters (the rule is then tried
#: on every line).
_MAX_RANGE = 512


def _first_chars(items: list[tuple[object, object]]) -> tuple[frozenset[str] | None, bool]:
    """``(characters a match of the parsed regex items can start with, or None when any
    character could; whether the items can match the empty string)``, lower-cased.

    A superset is fine (it only makes the fast reject try a rule for nothing); None is
    returned for every construct not handled, so a rule is never wrongly skipped.
    """
    out: set[str] = set()
    for op, arg in items:
        first: frozenset[str] | None
        nullable = False
        if op is _sre_c.LITERAL:
            first = frozenset({chr(arg).lower()})  # type: ignore[arg-type]
        elif op is _sre_c.IN:
            chars: set[str] = set()
            for item_op, item_arg in arg:  # type: ignore[attr-defined]
                if item_op is _sre_c.LITERAL:
                    chars.add(chr(item_arg).lower())
                elif item_op is _sre_c.RANGE and item_arg[1] - item_arg[0] <= _MAX_RANGE:
                    chars.update(chr(c).lower() for c in range(item_arg[0], item_arg[1] + 1))
                else:  # NEGATE, CATEGORY, a wide range
                    return None, False
            first = frozenset(chars)
        elif op is _sre_c.SUBPATTERN:
            first, nullable = _first_chars(arg[-1].data)  # type: ignore[index]
        elif op is _sre_c.BRANCH:
            union: set[str] = set()
            for alt in arg[1]:  # type: ignore[index]
                f, n = _first_chars(alt.data)
                if f is None:
                    return None, False
                union |= f
                nullable = nullable or n
            first = frozenset(union)
        elif op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT, _sre_c.POSSESSIVE_REPEAT):
            first, nullable = _first_chars(arg[2].data)  # type: ignore[index]
            nullable = nullable or arg[0] == 0  # type: ignore[index]
        elif op in (_sre_c.AT, _sre_c.ASSERT, _sre_c.ASSERT_NOT):
            first, nullable = frozenset(), True
        else:  # ANY, NOT_LITERAL, CATEGORY, GROUPREF, …
            return None, False
        if first is None:
            return None, False
        out |= first
        if not nullable:
            return frozenset(out), False
    return frozenset(out), True


def _rule_first_chars(rule: PromoRule) -> frozenset[str] | None:
    """The lower-cased characters a line matched by ``rule`` can start with; None: any."""
    return _pattern_first_chars(rule.pattern.pattern, rule.pattern.flags)


@cache
def _pattern_first_chars(pattern: str, flags: int) -> frozenset[str] | None:
    try:
        first, nullable = _first_chars(_sre_p.parse(pattern, flags).data)
    except Exception:  # another Python's parse tree: no shortcut for this rule
        return None
    return None if nullable else first


def _rules_for(rules: tuple[PromoRule, ...], first: str) -> tuple[PromoRule, ...]:
    """The rules (in their order) whose match can start with ``first`` (lower-cased;
    ``''``: all of them): the others cannot match a line starting with it (fast reject).
    """
    hit = _RULES_BY_FIRST.get(id(rules))
    if hit is None or hit[0] is not rules:
        hit = _RULES_BY_FIRST[id(rules)] = (rules, {})
    by_first = hit[1]
    chosen = by_first.get(first)
    if chosen is None:
        chosen = by_first[first] = tuple(
            r for r in rules if not first or (f := _rule_first_chars(r)) is None or first in f)
    return chosen


#: Characters that IGNORECASE matches with an ASCII letter of another ``lower()``: a line
#: starting with one is checked against every rule.
_CASE_SPECIALS = frozenset("\u0130\u0131\u017f\u212a")


def _match(line: str, rules: tuple[PromoRule, ...], fast_reject: bool = True) -> _Match | None:
    if len(line) > 20 * MAX_PROMO_WORDS or len(line.split(maxsplit=MAX_PROMO_WORDS)) > MAX_PROMO_WORDS:
        return None  # (at most MAX_PROMO_WORDS splits: a long paragraph is not split whole)
    s = _normalise(line)
    if not s:
        return None
    words = s.split()
    core = _TRAILING_DECOR.sub("", s)
    if not core:
        return None
    if fast_reject:
        first = core[0].lower()
        rules = _rules_for(rules, "" if first in _CASE_SPECIALS else first)
    best: _Match | None = None
    for rule in rules:
        if rule.kind in ("line", "list"):
            if len(words) <= MAX_LINE_WORDS and rule.pattern.fullmatch(core):
                return _Match(rule.kind, "")
            continue
        m = rule.pattern.match(core)
        if not m:
            continue
        rest = core[m.end() :]
        found = _after_lead(rest, s[m.end() :], rule.kind)
        if found is None:
            continue
        cand = _Match(rule.kind, found)
        if best is None or (best.kind == "weak" and cand.kind == "lead"):
            best = cand
            if cand.kind == "lead":
                break
    return best


def _after_lead(rest_core: str, rest_full: str, kind: str) -> str | None:
    """The headline after a lead-in, '' when the lead-in is alone, None if no match."""
    if not rest_core.strip():
        return "" if kind == "lead" else None
    sep = _SEPARATOR.match(rest_full)
    if sep and sep.group().strip():
        head = rest_full[sep.end() :].strip()
        if not head:
            return "" if kind == "lead" else None
        if len(head.split()) > MAX_HEADLINE_WORDS or _INNER_SENTENCE.search(head):
            return None  # prose after a colon ("À voir également: le musée. On y …")
        if head[:1].islower() and _SENTENCE_END.search(head):
            return None
        return head
    if kind == "weak" or not rest_full[:1].isspace():
        return None
    head = rest_full.strip()
    first = head[:1]
    if not (first.isupper() or first.isdigit() or first in "\"'«“"):
        return None
    if len(head.split()) > MAX_BARE_HEADLINE_WORDS or _SENTENCE_END.search(head):
        return None
    return head


# --------------------------------------------------------------------------- vocabulary


#: Light verbs (by lemma) that stopwordsiso does not list but that carry no topic.
_LIGHT_VERBS = {
    "en": "make take get say said go come give use know see want",
    "fr": "faire pouvoir aller voir devoir prendre mettre donner venir falloir dire",
    "de": "sagen geben sehen lassen stehen machen kommen gehen",
    "es": "hacer decir poder ir ver dar tener",
    "it": "fare potere andare vedere dare dire",
    "pt": "fazer dizer poder ir ver dar ter",
}


@lru_cache(maxsize=16)
def _stopwords(lang: str | None) -> frozenset[str]:
    import stopwordsiso

    langs = [lang] if lang else list(PROMO_LANGS)
    words: set[str] = set()
    for code in langs:
        if stopwordsiso.has_lang(code):
            words |= {w.lower() for w in stopwordsiso.stopwords(code)}
        words |= set(_LIGHT_VERBS.get(code, "").split())
    return frozenset(words)


def _lemma(word: str, lang: str) -> str:
    from cleaners.lang.tokens import simplemma_lemma

    return simplemma_lemma(word, lang).lower()


def _content_words(text: str, lang: str | None) -> list[str]:
    stop = _stopwords(lang)
    out = []
    for w in _WORD.findall(_plain(text).lower()):
        for part in re.split(r"['-]", w):
            if len(part) >= 3 and part not in stop:
                out.append(part)
    return out


class _Vocabulary:
    """Content lemmas and 5-letter prefixes of a set of lines, computed lazily."""

    def __init__(self, lines: Sequence[str], lang: str | None) -> None:
        self._lines = lines
        self._lang = lang
        self._words: list[list[str]] | None = None
        self._lemma_lang = lang or "en"

    def _ensure(self) -> list[list[str]]:
        if self._words is None:
            if self._lang is None:
                self._lemma_lang = _guess_lang("\n".join(self._lines)) or "en"
            self._words = [_content_words(line, self._lang) for line in self._lines]
        return self._words

    def keys(self, words: Iterable[str]) -> set[str]:
        stop = _stopwords(self._lang)
        keys: set[str] = set()
        for w in words:
            lemma = _lemma(w, self._lemma_lang)
            if lemma in stop:
                continue
            keys.add(lemma)
            keys.add(w)
            if len(w) >= 5:
                keys.add("\x00" + w[:5])
        return keys

    def content_count(self, exclude: set[int]) -> int:
        return sum(len(ws) for i, ws in enumerate(self._ensure()) if i not in exclude)

    def unrelated(self, text: str, exclude: set[int]) -> bool:
        """True when ``text`` has content words and none of them occurs elsewhere."""
        words = self._ensure()
        mine = self.keys(_content_words(text, self._lang))
        if not mine:
            return False
        rest: set[str] = set()
        for i, ws in enumerate(words):
            if i not in exclude:
                rest |= self.keys(ws)
        return not (mine & rest)


def _guess_lang(text: str) -> str | None:
    try:
        import py3langid
    except ImportError:  # pragma: no cover - declared dependency
        return None
    code, _ = py3langid.classify(text[:4000])
    return code if code in PROMO_LANGS else None


# --------------------------------------------------------------------------- stripping


def _headline_shaped(line: str) -> bool:
    s = _normalise(line)
    n = len(s.split())
    return 1 <= n <= 20 and len(s) <= 160 and not _SENTENCE_END.search(s) and not s.endswith(":")


def _is_prose(line: str) -> bool:
    s = line.strip()
    return len(s.split()) >= MIN_NEIGHBOUR_WORDS and s[-1:] in '.!?»"”)…'


def find_promo_lines(lines: Sequence[str], lang: str | None = None) -> dict[int, str]:
    """Indices of the promo lines among ``lines`` (one paragraph or line each), with the
    reason (``line``, ``list``, ``lead``, ``weak``, ``follower``, ``structure``).

    Blank lines are never promos. See the module docstring for the three signals.
    """
    rules = load_promo_rules(lang)
    code = (lang or "").split("-")[0].lower() or None
    vocab_lang = code if code in PROMO_LANGS else None
    found: dict[int, str] = {}
    weak: dict[int, str] = {}
    headers: list[int] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = _match(line, rules)
        if m is None:
            continue
        if m.kind == "weak":
            weak[i] = m.headline
            continue
        found[i] = m.kind
        if m.kind == "list" or (m.kind == "lead" and not m.headline):
            headers.append(i)

    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    # paragraphs separated by blank lines (most gaps are): a single newline then joins
    # lines of one block
    gaps = [b - a for a, b in pairwise(nonblank)]
    has_blank_lines = bool(gaps) and sum(g > 1 for g in gaps) >= 0.8 * len(gaps)
    vocab = _Vocabulary(lines, vocab_lang)

    # 2. weak lead-ins with an unrelated headline (only in an article long enough to judge)
    for i, head in weak.items():
        exclude = {i, *found}
        if vocab.content_count(exclude) < MIN_ARTICLE_CONTENT_WORDS:
            continue
        if vocab.unrelated(head, exclude):
            found[i] = "weak"

    # list headers: following headline lines unrelated to the article
    # (a list is 2+ such lines: one line could be the article's own subheading)
    for h in headers:
        pos = nonblank.index(h)
        followers: list[int] = []
        for j in nonblank[pos + 1 :]:
            if j in found or len(followers) >= MAX_LIST_FOLLOWERS:
                break
            exclude = {j, *found}
            if (
                not _headline_shaped(lines[j])
                or vocab.content_count(exclude) < MIN_ARTICLE_CONTENT_WORDS
                or not vocab.unrelated(lines[j], exclude)
            ):
                break
            followers.append(j)
        # one line is enough when it sits in the header's own paragraph ("LIRE AUSSI"
        # <br> "Le titre"), in a text whose paragraphs are separated by blank lines
        same_block = bool(followers) and followers[0] == h + 1 and has_blank_lines
        if len(followers) < MIN_LIST_FOLLOWERS:
            followers = followers[:1] if same_block else []
        found.update(dict.fromkeys(followers, "follower"))

    # 3. structure alone: "Label : Headline" (French colon) between prose paragraphs
    for k, i in enumerate(nonblank):
        if i in found or k == 0 or k == len(nonblank) - 1:
            continue
        if len(lines[i]) > 200 or len(lines[i].split()) > 15:
            continue
        s = _normalise(lines[i])
        n = len(s.split())
        if not (4 <= n <= 15 and len(s) <= 140) or _SENTENCE_END.search(s):
            continue
        m = _FRENCH_LABEL.match(s)
        if not m or not m.group("label")[:1].isupper():
            continue
        head = m.group("head").lstrip('"«“ ')
        if not head[:1].isupper():
            continue
        prev_i, next_i = nonblank[k - 1], nonblank[k + 1]
        if not (_is_prose(lines[prev_i]) and _is_prose(lines[next_i])):
            continue
        exclude = {i, *found}
        if vocab.content_count(exclude) < MIN_ARTICLE_CONTENT_WORDS:
            continue
        if vocab.unrelated(lines[i], exclude):
            found[i] = "structure"
    return dict(sorted(found.items()))


def strip_promos(text: str, lang: str | None = None) -> tuple[str, list[Edit]]:
    """Remove interstitial promo lines from plain text.

    Works line by line (paragraphs separated by ``\\n`` or ``\\n\\n``). ``lang`` selects
    one language's patterns (``'fr'``, ``'fr-FR'``) plus the English ones; None, or a
    language without a pattern file, uses every shipped language. Guarantees: only whole lines are
    removed, never part of a line; every other line is returned unchanged and in order;
    one ``Edit("promo", <the removed line>)`` per removed line; a blank line left
    doubled by a removal is collapsed.
    """
    if not text.strip():
        return text, []
    lines = text.split("\n")
    found = find_promo_lines(lines, lang)
    if not found:
        return text, []
    edits = [Edit("promo", lines[i].strip()) for i in found]
    kept: list[str] = []
    removed_since_kept = False
    for i, line in enumerate(lines):
        if i in found:
            removed_since_kept = True
            continue
        if removed_since_kept and not line.strip() and (not kept or not kept[-1].strip()):
            continue  # the removal left two blank lines (or a leading blank) in a row
        kept.append(line)
        removed_since_kept = False
    if kept and not kept[-1].strip() and lines[-1].strip():
        kept.pop()  # the removal left a trailing blank line
    return "\n".join(kept), edits
