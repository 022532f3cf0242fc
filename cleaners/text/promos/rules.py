"""Promo pattern rules: loading the per-language files and matching one line against them.

One file of patterns per language in ``cleaners/data/promos/<lang>.txt`` (format documented at
the top of each file and in docs/cleaning.md, "Interstitial promos"), each line ``<kind> <regex>`` with kind ``line``, ``call``, ``list``, ``lead`` or ``weak``.

Matching a line tries only the rules whose match can start as the line starts, its first
`START_LENGTH` characters (`cleaners.text.regex_tree.first_strings`): the answer is the same as
trying every rule.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cleaners.lang.tags import primary_language
from cleaners.text import regex_tree

__all__ = ["PROMO_LANGS", "PromoRule", "load_promo_rules", "match_promo_line"]

#: Languages that ship a pattern file.
PROMO_LANGS: tuple[str, ...] = ("en", "fr", "de", "es", "it", "pt", "nl", "pl")
_KINDS = ("line", "call", "list", "lead", "weak", "wait")

#: A lead-in's headline: at most this many words (after an explicit separator)…
MAX_HEADLINE_WORDS = 30
#: …and at most this many without one ("Mehr zum Thema Job und Karriere").
MAX_BARE_HEADLINE_WORDS = 15
#: Lines longer than this are never promos.
MAX_PROMO_WORDS = 40
#: A ``line`` rule only matches lines of at most this many words (a ``call`` rule, whose
#: patterns name a call to the reader and what it is for, any line up to `MAX_PROMO_WORDS`).
MAX_LINE_WORDS = 15

_SEPARATOR = re.compile(r"\s*(?:[:»>|›→–—)\]-]+|\.\.\.|…)\s*")
_LEADING_DECOR = re.compile(r"^[\s\-–—•·*►▶▸→➜➤>»«|#+✚✔📌👉🔗:(\[]+")
#: What a line's end may hold that rules do not see (cut by ``str.rstrip``: a `normalise`-d
#: line holds no white space but single spaces between words).
_TRAILING_DECOR = " :.…»>→-–—!)]"
_INNER_SENTENCE = re.compile(r"[^\s.]{2,}[.!?…]\s+[\"«“(]?[^\W\d_]")
#: A line that ends with an ellipsis (a ``wait`` rule's placeholder).
_ELLIPSIS_END = re.compile(r"(?:\.\s*){3}$|…\s*$")
#: A line that ends like a sentence (or a clause): not a headline.
SENTENCE_END = re.compile(r"[.;,]\s*[\"”»)]?\s*$")
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
_TRANSLATE_RE = re.compile("[" + "".join(_TRANSLATE_CHARS) + "]")


#: Verbs and phrases that attribute speech (en, de, fr, es, it, pt, nl, pl).
_SPEECH = (r"(?:said|says|say|told|tells|wrote|writes|added|asked|shouted|chanted|tweeted|posted|urged"
           r"|warned|warns|advised|read|reads|according to|sagte|sagt|sagen|sagten|schrieb|schreibt|schrieben"
           r"|rief|riefen|ruft|rufen|erklärte|betonte|bittet|klagen|klagt|rät|warnt|skandierten|laut"
           r"|heißt es|a déclaré|a dit|a lancé|a écrit|a expliqué|a affirmé|a ajouté|a demandé"
           r"|a souligné|déclare|explique|écrivait|écrivaient|lançaient|lançait|scandaient|reconnaît"
           r"|rappelle|conseille|affiche|selon|estime|dijo|dice|decía|decían|afirmó|explicó|explica"
           r"|escribió|gritó|gritaban|gritaba|coreaban|admite|aconseja|según|ha detto|ha scritto"
           r"|scrivevano|urlavano|urlava|racconta|spiega|recita|secondo|disse|afirmou|escreveu"
           r"|escreviam|gritavam|gritava|conta|segundo|zei|zegt|schreef|schreven|riepen|riep|volgens"
           r"|powiedział|mówi|napisał|pisali|krzyczeli|krzyczał|informuje|według|asks|explained"
           r"|promises|promised|verspricht|forderte|berichtet|wirbt|demande|promet|promettait"
           r"|assure|tranche|pide|prometía|asegura|recordó|admiten|invita|chiede|prometteva"
           r"|assicura|ricorda|ammette|ripeteva|pede|prometia|garante|lembrou|dizia|vraagt"
           r"|belooft|oordeelde|luidde|apeluje|prosi|uznał|przyznaje|l'appello|stand|hieß es|suggests|suggested"
           r"|advises|pedía|pedia)")
#: A line that reports speech or names a call as its subject: a quote and its attribution
#: (``"Follow us on Telegram!", the protesters shouted``; ``», a déclaré``; ``"…" - krzyczeli``),
#: a clause attributed after a comma (``Faites un don, nous a demandé le président``), a speech
#: verb before a quote (``The FTC says disclosures such as "we may earn a commission"``),
#: ``according to`` first, a headline made of a call and what is said of it (``"Subscribe
#: to our channel": the bots …``, ``Síguenos en Instagram: la nueva campaña de la Policía``),
#: a call asked rather than made (``Folgen Sie uns auf Instagram? Wie Behörden …``), or a
#: call named as a slogan or message (``Support independent journalism … is the campaign's
#: slogan``).
#: A ``call`` rule never takes it: a call an article quotes or writes about is not the site's.
_REPORTED = re.compile(
    rf"[\"“”«»„']\s*,?\s*(?:\w+\s+){{0,3}}?{_SPEECH}\b"
    rf"|,\s*(?:\w+\s+){{0,2}}?{_SPEECH}\b"
    rf"|\b{_SPEECH}\b[^\"“«„]{{0,40}}[\"“«„]"
    rf"|^\W*{_SPEECH}\b"
    r"|[\"”»]\s*[!?.]?\s*[,–—-]\s*\w"
    r"|[\"”»']\s*:"
    r"|:\s+(?:the|a|an|how|why|what|la|le|les|l'|comment|pourquoi|el|los|las|cómo|por qué|qué"
    r"|die|der|das|den|wie|warum|was|so|il|lo|gli|i|come|perché|ecco|o|os|as|como|por que"
    r"|het|een|de|hoe|así|ainsi|così|assim|zo|jak|dlaczego|un|une|ein|eine|uno|una|um|uma)\b"
    r"\s*\w+\s+\w+"
    r"|^\W*(?:share|teilen|teile|partagez|comparte|condividi|compartilhe|deel|follow|folgen|folgt"
    r"|suivez|síguenos|seguici|siga|volg|obserwuj|subscribe|abonnez|abonnieren|suscríbete"
    r"|iscriviti|inscreva|assine|apoie|sostieni|soutenez|join|únete|nachdruck|reproduction"
    r"|support|help|donate|unterstützen|unterstütze|segui|visita|entra|we may|nous pouvons|podemos"
    r"|potremmo|possiamo)\b[^.!?]{0,80}\?\s+\S"
    r"|\b(?:is|was|were|ist|war|est|était|es|era|fue|è|foi|é|stond)\s+(?:\S+\s+){0,3}?"
    r"(?:slogan|motto|message|mensaje|messaggio|mensagem|lema|frase|phrase|tormentone)\b"
    rf"|[–—]\s*(?:so\s+|ainsi\s+|así\s+|così\s+|assim\s+)?(?:\w+\s+){{0,2}}?{_SPEECH}\b"
    r"|[–—:]\s*(?:mit\s+|with\s+|avec\s+|con\s+|com\s+)?(?:diese[mnrs]?|this|ce|cet|cette|este|esta"
    r"|questo|questa|deze|dit|ten|ta)\s+(?:hinweis|satz|slogan|motto|banner|bandeau|message|mensaje"
    r"|messaggio|mensagem|notice|masche|trick|scam|arnaque|estafa|truffa|golpe|phrase|frase)\b"
    r"|[«»„“\"]\s*(?:[^«»„“\"\s]+\s+){5,}[^«»„“\"]*?[«»“”\"]\s+\w",
    re.IGNORECASE)
#: A ``call`` rule starts with a lookahead for one of some literal words
#: (``(?=.*\b(?:sign up|subscribe)\b)``): a line without all the words of one of them is
#: not tried (`match`'s fast reject).
_WORD = re.compile(r"\w+")
_CALL_CUES = re.compile(r"\(\?=\.\*\\b\(\?:([^()\[\]\\?*+{}.^$|]+(?:\|[^()\[\]\\?*+{}.^$|]+)*)\)\\b\)")


@dataclass(frozen=True)
class PromoRule:
    """One pattern from a language file: ``kind`` is line/call/list/lead/weak/wait; ``cues``, for
    a ``call`` rule, the words of each alternative of its first lookahead, lower-cased (a
    line the rule matches has all the words of one of them); ``anchors``, the longest word of
    each cue (a line without any of them holds no cue), None for a rule without cues or with
    a cue of no word."""

    lang: str
    kind: str
    pattern: re.Pattern[str]
    cues: tuple[frozenset[str], ...] = ()
    anchors: frozenset[str] | None = None


@cache
def _load_lang(lang: str) -> tuple[PromoRule, ...]:
    """The rules of one language's file, in file order (none when it does not ship)."""
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
        cues: tuple[frozenset[str], ...] = ()
        if kind == "call":  # tried on lines of up to 40 words: only those holding a cue
            cue = _CALL_CUES.match(pattern)
            if cue is None:
                raise ValueError(f"promos/{lang}.txt line {n}: a call rule starts with a "
                                 rf"lookahead of literal words, (?=.*\b(?:word|two words)\b)")
            cues = tuple(frozenset(_WORD.findall(alternative.lower()))
                         for alternative in cue.group(1).split("|"))
        anchors = (frozenset(max(sorted(c), key=len) for c in cues)
                   if cues and all(cues) else None)
        rules.append(PromoRule(lang, kind, compiled, cues, anchors))
    return tuple(rules)


def promo_language(lang: str | None) -> str | None:
    """The language of a tag (``'fr'``, ``'fr-FR'``, ``'pt_BR'``…) when it ships a pattern
    file, else None (`cleaners.lang.tags.primary_language`, restricted to `PROMO_LANGS`)."""
    code = primary_language(lang)
    return code if code in PROMO_LANGS else None


def load_promo_rules(lang: str | None = None) -> tuple[PromoRule, ...]:
    """The rules for ``lang`` (``'fr'``, ``'fr-FR'``, ``'pt_BR'``…) followed by the English
    ones, or every shipped language's rules when ``lang`` is None or has no pattern file.

    Guarantees: loaded once from package data (the same tuple for the same language); raises
    ValueError naming the file and line when a shipped pattern file is malformed.
    """
    code = promo_language(lang)
    return _all_rules() if code is None else _lang_rules(code)


@cache
def _lang_rules(code: str) -> tuple[PromoRule, ...]:
    """A language's rules, then English ones: "Advertisement" or "READ MORE" turn up on
    sites in every language."""
    if code == "en":
        return RuleSet(_load_lang("en"))
    return RuleSet(_load_lang(code) + _load_lang("en"))


@cache
def _all_rules() -> tuple[PromoRule, ...]:
    """Every shipped language's rules, a pattern shared by two languages once."""
    seen: set[tuple[str, str]] = set()
    rules: list[PromoRule] = []
    for code in PROMO_LANGS:
        for rule in _load_lang(code):
            key = (rule.kind, rule.pattern.pattern)
            if key not in seen:
                seen.add(key)
                rules.append(rule)
    return RuleSet(rules)


def plain(text: str) -> str:
    """Curly apostrophes and quotes made straight, exotic spaces made plain (fast path)."""
    if not _TRANSLATE_RE.search(text):
        return text
    return _TRANSLATE_RE.sub(lambda m: _TRANSLATE_CHARS[m.group()], text)


def normalise(line: str) -> str:
    """A line as rules see it: NFC, `plain`, spaces folded, leading bullets and arrows cut."""
    s = plain(unicodedata.normalize("NFC", line))
    s = " ".join(s.split())
    s = _LEADING_DECOR.sub("", s)
    return s.strip()


@dataclass(frozen=True)
class Match:
    """What a line matched: the rule ``kind`` and the ``headline`` after a lead-in."""

    kind: str  # line / call / list / lead / weak
    headline: str  # text after a lead-in ('' when bare)


def match_promo_line(line: str, lang: str | None = None) -> tuple[str, str] | None:
    """Match one line against the pattern rules alone (no article context).

    Returns ``(kind, headline)`` where ``kind`` is ``line``, ``call``, ``list``, ``lead`` or
    ``weak`` and ``headline`` the text after a lead-in (``''`` if none), or None.
    A ``weak`` match is only a candidate: `strip_promos` removes it only when its
    headline is unrelated to the article.
    """
    m = match(line, load_promo_rules(lang))
    return (m.kind, m.headline) if m else None


#: How many characters of a line's start choose the rules tried on it (`RuleSet.for_start`).
#: Chosen on half A of `benchmarks/promo_match.py` (2026-12-07): every language's rules but the
#: calls left 35.7 rules a WMT line by its first character, 12.3 by two, 7.3 by three, 6.7 by
#: four and 10.5 by five (more rules have a ``.`` or ``\w`` that early); the match took 1.6 to
#: 1.8x less time than by the first character at three and at four alike (two runs, within
#: this machine's noise), and three leaves fewer starts to remember.
START_LENGTH = 3
#: `RuleSet.for_start` forgets the starts it has met past this many (bounded memory).
MAX_STARTS = 50_000


@cache
def _pattern_starts(pattern: str, flags: int, length: int) -> frozenset[str] | None:
    """How a match of the pattern can start (`regex_tree.first_strings`); None: any way."""
    return regex_tree.first_strings(pattern, flags, length)


class RuleSet(tuple[PromoRule, ...]):
    """A tuple of rules that remembers, per start of a line (its first ``start_length``
    characters), which of its rules can match such a line (`for_start`), and itself without
    its ``call`` rules (`without_calls`). `load_promo_rules` returns these (one per language,
    kept for the process): the memos live with the rules, not in the module."""

    start_length: int

    def __new__(cls, rules: tuple[PromoRule, ...] = (), start_length: int = START_LENGTH) -> RuleSet:
        self = super().__new__(cls, rules)
        self.start_length = start_length
        self._by_start: dict[str, tuple[PromoRule, ...]] = {}
        self._index: tuple[dict[str, list[int]], list[int]] | None = None
        self._without_calls: RuleSet | None = None
        return self

    def without_calls(self) -> RuleSet:
        """These rules but the ``call`` rules (the same object when there is none)."""
        if self._without_calls is None:
            kept = tuple(r for r in self if r.kind != "call")
            self._without_calls = (self if len(kept) == len(self)
                                   else RuleSet(kept, self.start_length))
        return self._without_calls

    def for_start(self, start: str) -> tuple[PromoRule, ...]:
        """The rules (in their order) whose match can begin a line that begins with ``start``
        (its first ``start_length`` characters, `regex_tree.folded_start`; ``''``: all of the
        rules): the others cannot match at the start of such a line (fast reject)."""
        chosen = self._by_start.get(start)
        if chosen is None:
            if len(self._by_start) >= MAX_STARTS:
                self._by_start.clear()
            if not start:
                chosen = tuple(self)
            else:
                index, anywhere = self._starts_index()
                found = set(anywhere)
                for end in range(len(start) + 1):  # the rules starting with start[:end]
                    found.update(index.get(start[:end], ()))
                chosen = tuple(self[i] for i in sorted(found))
            self._by_start[start] = chosen
        return chosen

    def _starts_index(self) -> tuple[dict[str, list[int]], list[int]]:
        """Each way a match can start (`regex_tree.first_strings`) -> the positions of the
        rules whose match can start so; and the positions of the rules whose match can start
        any way. Built once."""
        if self._index is None:
            index: dict[str, list[int]] = {}
            anywhere: list[int] = []
            for i, rule in enumerate(self):
                starts = _pattern_starts(rule.pattern.pattern, rule.pattern.flags,
                                         self.start_length)
                if starts is None:
                    anywhere.append(i)
                else:
                    for start in starts:
                        index.setdefault(start, []).append(i)
            self._index = (index, anywhere)
        return self._index


#: Characters that IGNORECASE matches with an ASCII letter (``ı``, ``İ``, ``ſ``, the Kelvin
#: sign): a line holding one tries every ``call`` rule, whose cue words are compared with the
#: line's lower-cased words (``str.lower`` does not make the first three that letter).
_CASE_SPECIALS = frozenset("\u0130\u0131\u017f\u212a")
_CASE_SPECIAL = re.compile("[" + "".join(sorted(_CASE_SPECIALS)) + "]")


def match(line: str, rules: tuple[PromoRule, ...], fast_reject: bool = True) -> Match | None:
    """The first ``line``/``call``/``list``/``wait`` rule matching the whole line (a ``line``
    or ``list`` rule only a line of at most `MAX_LINE_WORDS` words, a ``wait`` rule only a line
    ending with an ellipsis, and it answers as a ``line`` rule), else the best ``lead`` (or
    else ``weak``) rule matching its start with an acceptable headline after it; None if none.

    A ``call`` rule never takes a line that reports speech (`_REPORTED`): a call an article
    quotes is not the site's.

    Guarantees: lines over `MAX_PROMO_WORDS` words never match; ``fast_reject`` (trying only
    the rules that can start as the line starts, and ``call`` rules only on a
    line holding the words of one of their cues) never changes the answer.
    """
    if (
        len(line) > 20 * MAX_PROMO_WORDS
        or len(line.split(maxsplit=MAX_PROMO_WORDS)) > MAX_PROMO_WORDS
    ):
        return None  # (at most MAX_PROMO_WORDS splits: a long paragraph is not split whole)
    s = normalise(line)
    if not s:
        return None
    words = s.count(" ") + 1  # (`normalise` leaves one space between words)
    core = s.rstrip(_TRAILING_DECOR)
    if not core:
        return None
    if fast_reject:
        if not isinstance(rules, RuleSet):
            rules = RuleSet(rules)
        rules = rules.for_start(regex_tree.folded_start(core, rules.start_length))
    best: Match | None = None
    # (fast reject) the line's lower-cased words, computed at the first call rule; empty when
    # the line has none or holds a case special (lower() does not fold those as IGNORECASE
    # does), and then every call rule is tried
    line_words: frozenset[str] | None = None
    for rule in rules:
        if rule.kind == "call":
            if fast_reject:
                if line_words is None:
                    line_words = (frozenset(_WORD.findall(core.lower()))
                                  if _CASE_SPECIAL.search(core) is None else frozenset())
                if line_words and (
                        (rule.anchors is not None and line_words.isdisjoint(rule.anchors))
                        or not any(cue <= line_words for cue in rule.cues)):
                    continue
            if rule.pattern.fullmatch(core) and not _REPORTED.search(s):
                return Match(rule.kind, "")
            continue
        if rule.kind in ("line", "list"):
            if words <= MAX_LINE_WORDS and rule.pattern.fullmatch(core):
                return Match(rule.kind, "")
            continue
        if rule.kind == "wait":  # removed as a line is
            if _ELLIPSIS_END.search(s) and rule.pattern.fullmatch(core):
                return Match("line", "")
            continue
        m = rule.pattern.match(core)
        if not m:
            continue
        rest = core[m.end() :]
        found = _after_lead(rest, s[m.end() :], rule.kind)
        if found is None:
            continue
        cand = Match(rule.kind, found)
        if best is None or (best.kind == "weak" and cand.kind == "lead"):
            best = cand
            if cand.kind == "lead":
                break
    return best


def _after_lead(rest_core: str, rest_full: str, kind: str) -> str | None:
    """The headline after a lead-in, '' when the lead-in is alone (or only asks, as in
    ``Schon gelesen?``), None if no match."""
    if not rest_core.strip(" ?"):
        return "" if kind == "lead" else None
    sep = _SEPARATOR.match(rest_full)
    if sep and sep.group().strip():
        head = rest_full[sep.end() :].strip()
        if not head:
            return "" if kind == "lead" else None
        if len(head.split()) > MAX_HEADLINE_WORDS or _INNER_SENTENCE.search(head):
            return None  # prose after a colon ("À voir également: le musée. On y …")
        if head[:1].islower() and SENTENCE_END.search(head):
            return None
        return head
    if kind == "weak" or not rest_full[:1].isspace():
        return None
    head = rest_full.strip()
    first = head[:1]
    if not (first.isupper() or first.isdigit() or first in "\"'«“"):
        return None
    if len(head.split()) > MAX_BARE_HEADLINE_WORDS or SENTENCE_END.search(head):
        return None
    return head
