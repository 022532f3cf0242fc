"""Credit lines (`is_byline`): ``By Jane Doe, updated 5 Jan``, ``Von dpa``, ``Par Jean Dupont``,
told from sentences that start with the same words (``By Comparison, London spent more.``,
``Von Bürgern für Bürger: …``). `cleaners.text.page_lead` leaves them out of a page's lead.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["AGENCIES", "BYLINE_MAX_CHARS", "BYLINE_MAX_WORDS", "MONTHS", "NAME_JOINS",
           "NAME_PARTICLES", "WEEKDAYS", "is_byline"]

#: ``By`` (and its German, French, Spanish and Italian words, as the promo bylines have them)
#: and what follows it (`is_byline`), with the language whose stop words mark a clause.
_BYLINE = re.compile(r"(by|von|par|por|di)\b\s*:?\s*(\S.*)", re.IGNORECASE | re.DOTALL)
_MARKER_LANGUAGES = {"by": ("en",), "von": ("de",), "par": ("fr",), "por": ("es", "pt"),
                     "di": ("it",)}
#: Month and weekday names in lower case, by language: words of dates (`_CREDIT_DATES`,
#: `_NOT_A_NAME`; `cleaners.text.page_lead`'s dates).
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"),
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "setiembre", "octubre", "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"),
}
WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "de": ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
}
#: Capitalised words after ``By`` that start a sentence, not a name: the months and weekdays
#: of the languages that capitalise them, and words of time and pointing.
_NOT_A_NAME = frozenset({
    *MONTHS["en"], *WEEKDAYS["en"], *MONTHS["de"], *WEEKDAYS["de"], "christmas", "easter",
    "then", "now", "next", "this", "that", "these", "those", "tomorrow", "tonight", "today",
    "heute", "morgen"})
#: News agencies written in lower case (``Von dpa``): a name all the same.
AGENCIES = frozenset({"dpa", "afp", "ap", "apa", "ddp", "epd", "kna", "efe", "ansa", "anp",
                      "pap", "sda", "ats"})
#: Lower-case words between two parts of a name (``Ursula von der Leyen``, ``Juan de la
#: Cruz``), and words joining two names (``Jane Doe and John Smith``).
NAME_PARTICLES = frozenset({"von", "van", "der", "den", "de", "da", "di", "du", "del", "della",
                            "des", "dos", "das", "la", "le", "ter", "ten", "bin", "ibn", "al",
                            "el"})
NAME_JOINS = frozenset({"and", "&", "und", "et", "y", "e"})
#: Marks that part a byline's name from what follows it (a date, a role, an agency).
_PARTS = frozenset("|-–—/·•")
#: Lower-case words a credit line holds after the name (`_CREDIT_WORDS`):
#: joining words and prepositions (``for the``, ``in``, ``am``, ``à``, ``alle``)
_CREDIT_JOINS = frozenset({
    "and", "&", "of", "the", "at", "on", "in", "for", "from", "with", "to", "via", "by", "a",
    "an", "und", "am", "um", "im", "für", "aus", "vom", "von", "der", "die", "das", "den",
    "dem", "des", "et", "le", "la", "les", "à", "au", "aux", "en", "de", "du", "pour", "par",
    "l", "y", "el", "los", "las", "del", "para", "e", "em", "do", "da", "no", "na", "às", "il",
    "lo", "della", "di", "alle", "ore", "per", "op", "voor", "het", "van"})
#: a date's and a time's words (``updated``, ``aktualisiert``, ``publié``, ``a.m.``, ``min
#: read``; the months and weekdays of the languages that write them in lower case)
_CREDIT_DATES = frozenset({
    "updated", "update", "published", "posted", "modified", "edited", "last", "am", "pm",
    "a.m", "p.m", "gmt", "utc", "est", "cet", "cest", "bst", "edt", "pst", "et", "min", "mins",
    "minute", "minutes", "read", "hour", "hours", "hr", "hrs", "day", "days", "week", "weeks",
    "month", "months", "year", "years", "ago", "uhr", "h", "aktualisiert", "veröffentlicht",
    "zuletzt", "stand", "lesezeit", "publié", "publiée", "mis", "jour", "modifié", "actualisé",
    "lecture", "actualizado", "publicado", "lectura", "atualizado", "aggiornato", "pubblicato",
    *(word for lang in ("fr", "es", "it", "pt") for word in MONTHS[lang]),
    *(word for lang in ("fr", "es", "it") for word in WEEKDAYS[lang])})
#: roles (``staff writer``, ``correspondents``, ``envoyé spécial``)
_CREDIT_ROLES = frozenset({
    "staff", "writer", "writers", "reporter", "reporters", "correspondent", "correspondents",
    "editor", "editors", "contributor", "contributors", "contributing", "columnist",
    "photographer", "photos", "video", "special", "senior", "chief", "former", "deputy",
    "associate", "news", "desk", "team", "world", "correspondant", "correspondante", "envoyé",
    "envoyée", "spécial", "spéciale", "journaliste", "rédaction", "redacción", "periodista",
    "corresponsal", "enviado", "especial", "redazione", "inviato", "corrispondente", "redação",
    "jornalista"})
_CREDIT_WORDS = _CREDIT_JOINS | _CREDIT_DATES | _CREDIT_ROLES
#: A byline that long is a sentence: no byline.
BYLINE_MAX_WORDS = 15
#: A block whose text is longer than this is not read as a byline (a cheap bound before
#: `BYLINE_MAX_WORDS` words are counted as shown).
BYLINE_MAX_CHARS = 400
#: Articles: a name is not followed by one (``By Far the biggest``, ``By Nightfall the``); a
#: credit's tail holds them after a preposition (``for the Times``).
_ARTICLES = frozenset({"the", "an", "der", "die", "das", "le", "la", "les", "l", "el", "los",
                       "las", "il", "lo", "het"})
#: Lower-case words of a credit line's tail, not `_CREDIT_WORDS`, from which it is a sentence.
BYLINE_PROSE_WORDS = 3
#: Closing quotes and brackets after a word.
_CLOSING = "\"'”’»)]"
#: Words of a credit's tail a colon may follow (``Updated: 5 Jan``, ``Photos: John Smith``).
_CREDIT_LABELS = frozenset({"updated", "update", "published", "posted", "modified", "stand",
                            "aktualisiert", "veröffentlicht", "photo", "photos", "foto", "fotos",
                            "text", "video", "bild", "bilder", "publié"})
#: Capitalised words of a Title Case sentence no credit's tail holds: verbs, pronouns, question
#: words, ``Next``.
_TITLE_CLAUSE = frozenset({
    "will", "would", "can", "could", "should", "must", "shall", "is", "are", "was", "were",
    "has", "have", "had", "does", "did", "do", "how", "why", "what", "where", "who", "its",
    "their", "our", "we", "they", "next", "then", "now", "wird", "werden", "ist", "sind", "war",
    "hat", "haben", "kann", "wie", "warum", "wer", "wo", "est", "sont", "comment", "pourquoi",
    "es", "son", "cómo", "è", "sono", "come"})
_WORD_EDGES = "\"'“”‘’«»()[],;:.!?…"


def is_byline(text: str) -> bool:
    """A credit line, not a sentence: at most `BYLINE_MAX_WORDS` words, ``By`` (``BY:``,
    ``By:``, ``By the``; ``Von``, ``Par``, ``Por``, ``Di``) and a name (`_byline_name`: one
    capitalised word or more, any script's capitals, or an agency in lower case, with
    particles and joining words between them) that is not followed by a colon (``By the
    Numbers: …``), then at most a credit's tail: after a separator (``,`` ``|`` ``-``…) or
    directly, only capitalised words, numbers and `_CREDIT_WORDS` (a date, ``updated``, a
    role, ``in``/``for`` and a place or a paper), with fewer than `BYLINE_PROSE_WORDS` other
    lower-case words, none a stop word of the marker's language (``is``, ``was``, ``more``,
    ``ha``), none ending a sentence, and none, nor an article, right after the name (``By US
    standards``, ``By Far the biggest``); no colon but after a label (``Updated:``,
    ``Photos:``; not ``Von Bürgern für Bürger: …``), no article after a capitalised word but
    after a preposition or a separator (``for the Times``, ``Doe, The New York Times``; not
    ``the Mayor Opens the Fair``), and no Title Case verb, pronoun or ``Next`` after a
    capitalised word (`_TITLE_CLAUSE`: ``By Fall, Apple Will Ship …``; not ``By Jane Doe, Our
    Correspondent``, ``Par Jean Dupont – Est Républicain``).
    ``By Reuters``, ``By Staff``, ``By Ursula von der Leyen, …``, ``By AFP, updated 5 Jan``
    are credit lines; ``By Comparison, London spent more.``, ``By Early Afternoon the vote
    was taken``, ``By NASA's own estimate``, ``By 2030, …`` and ``By Monday, …`` sentences."""
    found = _BYLINE.match(text)
    if found is None or len(text.split()) > BYLINE_MAX_WORDS:
        return False
    words = found.group(2).split()
    if found.group(1).casefold() == "by" and words and words[0].casefold() == "the":
        words = words[1:]
    named = _byline_name(words)
    if named is None:
        return False
    end, parted = named
    return not _tail_is_prose(words[end:], words[end - 1], parted,
                              _clause_words(found.group(1).casefold()))


def _tail_is_prose(tail: list[str], name: str, parted: bool, clause: frozenset[str]) -> bool:
    """Whether what follows a byline's name (its last word ``name``; ``parted`` when a
    separator ends it) is a sentence's, not a credit's tail (`is_byline`)."""
    prose, before = 0, name
    for i, word in enumerate(tail):
        core = word.strip(_WORD_EDGES)
        low = core.casefold()
        if word.rstrip(_CLOSING).endswith(":") and low not in _CREDIT_LABELS:
            return True  # "Von Bürgern für Bürger: Die …", "By Students for Students: A …"
        if low in _ARTICLES and ((i == 0 and not parted) or _bare_word(before)):
            return True  # "By Far the biggest", "the Mayor Opens the Fair"
        if (core[:1].isupper() and core[1:].islower() and low in _TITLE_CLAUSE
                and _bare_word(before)):
            return True  # "… The Festival Returns Next Year"; not "By Jane Doe, Our Correspondent"
        before = word
        if (not core or core[0].isupper() or low in _CREDIT_WORDS
                or not core.replace("-", "").isalpha()):
            continue  # a name, a number, a date, a time, a credit's word, a mark
        if (i == 0 and not parted) or low in clause or word.endswith((".", "!", "?")):
            return True
        prose += 1
    return prose >= BYLINE_PROSE_WORDS


def _bare_word(word: str) -> bool:
    """A capitalised word of a credit's tail that an article may not follow: not a preposition
    (``For the Times``), nor ended by a separator (``Smith, The New York Times``)."""
    core = word.strip(_WORD_EDGES)
    return (core[:1].isupper() and core == word.rstrip(_CLOSING)
            and core.casefold() not in _CREDIT_JOINS)


def _byline_name(words: list[str]) -> tuple[int, bool] | None:
    """Where the name that opens ``words`` ends, and whether a separator (a ``,`` or ``;``
    after it, or a mark of `_PARTS`) ends it; None when they open with no name: a word that is
    not capitalised (nor a lower-case agency), a month, a weekday, a possessive (``NASA's``), or
    a name followed by a colon."""
    i = 0
    while i < len(words):
        word = words[i]
        core = word.rstrip(",;:")
        if core in _PARTS:
            return (i + 1, True) if i else None
        if _name_word(core) and (i or core.casefold() not in _NOT_A_NAME):
            if word.endswith(":"):
                return None
            i += 1
            if core != word:
                return i, True
            continue
        if not i:
            return None
        low = core.casefold()
        if low in NAME_PARTICLES or low in NAME_JOINS:
            after = i + 1
            while after < len(words) and words[after].casefold() in NAME_PARTICLES:
                after += 1
            if core == word and after < len(words) and _name_word(words[after].rstrip(",;:")):
                i = after
                continue
        break
    return (i, False) if i else None


def _name_word(word: str) -> bool:
    """A word of a name: capitalised in any script (``Élodie``, ``O'Neil``, ``J.``), not a
    possessive, or a news agency written in lower case (`AGENCIES`)."""
    if not word or word.endswith(("'s", "’s", "'", "’")):
        return False
    return word[0].isupper() or word.casefold() in AGENCIES


@lru_cache(maxsize=8)
def _clause_words(marker: str) -> frozenset[str]:
    """The stop words of the marker's language (`_MARKER_LANGUAGES`) that no credit line holds
    (not `_CREDIT_WORDS`): a verb, a pronoun, a comparative mark a sentence."""
    from cleaners.lang.tokens import stopwords

    words: frozenset[str] = frozenset().union(*(stopwords(lang)
                                                for lang in _MARKER_LANGUAGES[marker]))
    return words - _CREDIT_WORDS
