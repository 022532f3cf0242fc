"""The clean stage: one raw article text in, clean text and its edit log out.

Order (each step logs what it changed as `Edit` entries):
1. `repair_encoding`: HTML entities and mojibake (ftfy).
2. `untexturize_markup`: quotes a CMS texturized inside shortcode/HTML attributes made plain,
   so that the markup parses.
3. `html_to_text` when the text is HTML: paragraphs kept, script/style/nav/comments dropped
   (then `repair_encoding` again on the text that was spread between tags).
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
from collections.abc import Sequence
from dataclasses import dataclass, field

from cleaners.edits import Edit
from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer
from cleaners.text.config import DEFAULT_CLEAN, CleanConfig
from cleaners.text.encoding import repair_encoding
from cleaners.text.html import html_to_text, looks_like_html
from cleaners.text.promos import strip_promos
from cleaners.text.shortcodes import strip_shortcodes
from cleaners.text.typography import (
    normalize_typography,
    untexturize_markup,
)

_OTHER_SPACES = re.compile(r"[\t\f\v]")
_SPACE_RUNS = re.compile(r" {2,}")
_LINE_EDGES = re.compile(r" *\n *")
_BLANKS = re.compile(r"\n{3,}")




@dataclass(slots=True)
class CleanResult:
    """Clean text and the edits that produced it from the input."""

    text: str
    edits: list[Edit] = field(default_factory=list)


def normalize_whitespace(text: str) -> str:
    """Unix newlines, no trailing spaces, single spaces, at most one blank line, no edge blanks.

    (Each rule runs only when a substring check finds something to change: most text has
    nothing to change, and a regex substitution scans the whole text.)
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text or "\f" in text or "\v" in text:
        text = _OTHER_SPACES.sub(" ", text)
    if "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _LINE_EDGES.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.strip()


def clean_text(text: str, lang: str | None = None, config: CleanConfig = DEFAULT_CLEAN,
               lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER) -> CleanResult:
    """Clean one article (``lemmatizer`` serves promo detection). Never raises on any string;
    cleaning clean text changes nothing."""
    edits: list[Edit] = []
    # Whitespace first as well as last: every later step then sees the spacing the output will
    # have (a tab after 'Ã' is not mojibake, the space it becomes is).
    text = normalize_whitespace(text)
    text, e = repair_encoding(text)
    edits += e
    # Whether a step after the repair changed characters within a line (markup, quotes):
    # only then can the text hold mojibake the repair has not judged (removed promo lines
    # and collapsed blank lines cannot make any).
    reshaped = False
    if "[" in text or "<" in text:
        text, e = untexturize_markup(text)
        edits += e
        reshaped = bool(e)
    if looks_like_html(text):
        text, e = html_to_text(text)
        edits += e
        # Text that sat between tags can only now be judged as a whole.
        text, e = repair_encoding(text)
        edits += e
        reshaped = False
    if "[" in text:
        text, e = strip_shortcodes(text, config.shortcodes)
        edits += e
        reshaped = reshaped or bool(e)
    if config.strip_promos:
        text, e = strip_promos(text, lang, lemmatizer)
        edits += e
    text, e = normalize_typography(text, config.typography)
    edits += e
    reshaped = reshaped or bool(e)
    text = normalize_whitespace(text)
    # Straightened quotes can reveal mojibake ftfy could not see beside a curly one; repair,
    # re-apply the policy, until nothing changes (rare: the fast path answers in microseconds).
    for _ in range(3 if reshaped else 0):
        repaired, e = repair_encoding(text)
        if repaired == text:
            break
        edits += e
        text, e = normalize_typography(repaired, config.typography)
        edits += e
        text = normalize_whitespace(text)
    return CleanResult(text, edits)


def clean_batch(
    texts: Sequence[str], langs: Sequence[str | None] | None = None, config: CleanConfig = DEFAULT_CLEAN,
    lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER,
) -> list[CleanResult]:
    """`clean_text` over a batch, in order."""
    hints = langs if langs is not None else [None] * len(texts)
    return [clean_text(t, h, config, lemmatizer) for t, h in zip(texts, hints, strict=True)]
