"""Language identification with the model bundled in py3langid (no download).

A source's own language tag (``lang`` field, ``fr-FR`` from a feed) is used when the
text does not clearly contradict it; otherwise the model decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

UND = "und"
#: The model's label for text with no linguistic content.
NO_LANGUAGE = "zxx"

#: Characters of text given to the model: enough for a confident decision, bounded cost.
SAMPLE_CHARS = 1000
#: Below this many letters the text is too short to overrule a hint or to decide alone.
MIN_LETTERS = 12
#: A hint is overruled only when the model gives it less than this probability.
HINT_FLOOR = 1e-3
#: Without a hint, the model's top language is kept only with at least this probability.
MIN_CONFIDENCE = 0.3

_HINT = re.compile(r"^\s*([A-Za-z]{2})(?:[-_][A-Za-z0-9]+)*\s*$")
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def model_languages() -> frozenset[str]:
    """Codes the bundled model can output: ISO 639-1 where the language has one, else
    ISO 639-3 (``ace``, ``arz``…); never ``zxx`` (mapped to ``'und'``).
    """
    return frozenset(_identifier().labels) - {NO_LANGUAGE}


def parse_hint(hint: str | None) -> str | None:
    """The ISO 639-1 code in a language tag (``'fr-FR'``, ``'pt_BR'``, ``'EN'``), lower-case,
    or None when the tag is empty or not of that form (``'und'``, ``'fra'``, ``''``).
    """
    if not hint:
        return None
    m = _HINT.match(hint)
    return m.group(1).lower() if m else None


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of ``text``'s language, or ``'und'``.

    Guarantees: ``'und'`` for text with fewer than `MIN_LETTERS` letters and no usable
    hint, or when the model is not confident (< `MIN_CONFIDENCE`) and there is no hint;
    a well-formed hint is returned unless the text is long enough and the model gives
    the hinted language less than `HINT_FLOOR` probability.
    """
    code = parse_hint(hint)
    sample = text[:SAMPLE_CHARS]
    n_letters = len(_LETTER.findall(sample[:200]))
    if n_letters < MIN_LETTERS:
        return code or UND
    ranking = _identifier().rank(sample)
    top, conf = ranking[0]
    if top == NO_LANGUAGE:
        top = UND
    if code is not None:
        probs = dict(ranking)
        if code not in probs or probs[code] >= HINT_FLOOR:
            return code
        return top
    return top if conf >= MIN_CONFIDENCE else UND


def detect_languages(texts: Sequence[str], hints: Sequence[str | None] | None = None) -> list[str]:
    """ISO 639-1 code of each text (see `detect_language`); ``'und'`` for empty or
    undecidable text.

    Guarantees: same length and order as ``texts``; deterministic; ``hints`` (when given)
    must have the same length and may hold None.
    """
    if hints is None:
        hints = [None] * len(texts)
    if len(hints) != len(texts):
        raise ValueError(f"{len(hints)} hints for {len(texts)} texts")
    return [detect_language(t or "", h) for t, h in zip(texts, hints, strict=True)]
