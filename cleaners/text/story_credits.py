"""The credits a news agency writes under its story (`is_story_credit`): who reported, wrote
and edited it, ``Additional reporting by Steve Gorman; Editing by Marguerita Choy and Nick
Zieminski``, told from a heading or a sentence that opens with the same words (``Writing by
Hand Is Good for Your Brain``, ``Reporting by Reuters found that…``). A line is a story
credit only when the whole of it parses as credits: each an opening (`_LEADS`) and names
(`_is_name`), with the places they filed from. `cleaners.text.page_passes` keeps such a line
under the story, where trafilatura's precision pass drops it for want of a full stop.
"""

from __future__ import annotations

import re

from cleaners.text.page_byline import AGENCIES, NAME_JOINS, NAME_PARTICLES

__all__ = ["STORY_CREDIT_MAX_WORDS", "is_story_credit"]

#: Story credits are short: a longer line is a sentence.
STORY_CREDIT_MAX_WORDS = 40
#: What opens a credit, before its names, as the agencies write it in English (Reuters'
#: ``Reporting by``, ``Additional reporting by``, ``Writing by``, ``Editing by``; Bloomberg's
#: ``With assistance from``), and, inside brackets only, in French
#: (``Reportage``, ``Version française``, ``Édité par``, ``Avec``), German (``Bericht von``,
#: ``Redigiert von``, ``Mitarbeit``) and Spanish (``Reporte de``, ``Editado en español
#: por``). ``Written by`` and ``Edited by`` are no openings: a page's byline above its article
#: and a forum post's edit note open with them; nor ``Compiled by`` (``Compiled by Google
#: Translate``).
_ENGLISH = re.compile(
    r"(?:(?:additional|with(?:\s+additional)?|and)\s+)?"
    r"(?:(?:reporting(?:\s+and\s+writing)?|writing|editing)\s+by"
    r"|assistance\s+from)\s*:?\s+", re.IGNORECASE)
_BRACKETED = re.compile(
    r"(?:reportage(?:\s+de)?|version\s+fran[çc]aise(?:\s+de)?|r[ée]dig[ée]\s+par"
    r"|[ée]dit[ée]\s+par|avec|bericht(?:\s+von)?|redigiert\s+von|(?:unter\s+)?mitarbeit\s+von"
    r"|reporte(?:\s+adicional)?\s+de|reportaje\s+de|editado(?:\s+en\s+espa[ñn]ol)?\s+por)"
    r"\s*:?\s+", re.IGNORECASE)
_LEADS = (_ENGLISH, _BRACKETED)
#: News agencies: a one-word name (``Reuters``, ``dpa``: those `is_byline` knows, and more),
#: or after ``the`` (``the Associated Press``).
_AGENCIES = AGENCIES | {"reuters", "bloomberg", "upi", "tass", "xinhua", "belga",
                        "associated press", "agence france-presse", "press association"}
#: Capitalised words that make no person's name (``Compiled by Our Staff``, ``Editing by
#: The Editors``).
_NOT_NAMES = frozenset({"our", "the", "staff", "team", "editors", "editorial", "desk", "admin",
                        "moderator", "news", "newsroom", "wire", "wires", "reports", "agencies"})
#: Words between two names (``Jane Doe and John Smith``, `NAME_JOINS`) and before a place
#: (``in London``).
_NAME_JOINS = re.compile(
    rf"\s+(?:{'|'.join(map(re.escape, sorted(NAME_JOINS)))})\s+", re.IGNORECASE)
_PLACE = re.compile(r"\s+(?:in|at|from|en|à|aus)\s+", re.IGNORECASE)
#: A name has this many words at most (a place, after ``in``, too).
_NAME_MAX_WORDS = 5
_OPEN = "(-–—"
_CLOSE = ").;,"


def _is_name(words: list[str]) -> bool:
    """A person's name of two to `_NAME_MAX_WORDS` capitalised words (any script's capitals,
    initials, hyphens, particles between them) or a news agency (`_AGENCIES`, after ``the``
    too). ``Hand``, ``Category``, ``Our Staff`` and ``AI tools`` are no names."""
    if words[:1] and words[0].casefold() == "the":
        words = words[1:]
    if " ".join(words).casefold() in _AGENCIES:
        return True
    if not 2 <= len(words) <= _NAME_MAX_WORDS:
        return False
    return (_capitalised(words[0]) and _capitalised(words[-1])
            and all(_capitalised(word) or word.casefold() in NAME_PARTICLES for word in words)
            and not any(word.casefold() in _NOT_NAMES for word in words))


def _capitalised(word: str) -> bool:
    """A word of a name: it starts with a capital, and is no possessive."""
    return word[:1].isupper() and not word.endswith(("'s", "’s"))


def _names(text: str) -> bool:
    """Whether ``text`` is names joined by ``and`` or commas, each with the place it was filed
    from at most (``Andy Bruce in London and Ankur Banerjee in Bengaluru``)."""
    for part in _NAME_JOINS.split(text):
        name, *place = _PLACE.split(part.strip(), maxsplit=1)
        if not _is_name(name.split()) or (
                (place and not 1 <= len(place[0].split()) <= _NAME_MAX_WORDS)
                or (place and not all(_capitalised(word) for word in place[0].split()))):
            return False
    return True


def is_story_credit(text: str) -> bool:
    """Whether ``text`` is a news agency's credits under its story: at most
    `STORY_CREDIT_MAX_WORDS` words, credits parted by ``;`` or ``,``, the first opening with a
    credit's words (`_LEADS`; those of French, German and Spanish only inside brackets), each
    then names (`_names`: people of two words or more, agencies) with their places, and
    nothing else. ``Reporting by Steve Gorman; Editing by Nick Zieminski``, ``(Additional
    reporting by Joseph Hudak)``, ``(Reportage Jean Dupont, version française Marc Joanny)``
    are story credits; ``Writing by Hand Is Good for Your Brain``, ``Reporting by Category``,
    ``Editing by AI tools is hard``, ``(Bericht von Gestern)`` are not."""
    stripped = text.strip()
    if not stripped or len(stripped.split()) > STORY_CREDIT_MAX_WORDS:
        return False
    bracketed = stripped[0] == "(" and stripped.endswith(")")
    leads = _LEADS if bracketed else _LEADS[:1]
    chunks = re.split(r"\s*[;,]\s*", stripped.lstrip(_OPEN).rstrip(_CLOSE).strip())
    for i, chunk in enumerate(chunks):
        found = next(filter(None, (lead.match(chunk) for lead in leads)), None)
        if found is None and i == 0:
            return False
        if not _names(chunk[found.end():] if found else chunk):
            return False
    return True
