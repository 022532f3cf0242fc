"""Language tags: the one parser of the tags that records, exports and callers give.

Records say ``fr``, ``fr-FR``, ``fr_fr``, ``FR`` or ``pt_BR``; WordPress exports say ``en-US``.
Everything in the job that needs a language code from such a tag asks `primary_language`.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*")


def primary_language(tag: object) -> str | None:
    """The tag's primary language subtag, lower-case: ``'fr-FR'``, ``'fr_fr'``, ``' FR '`` →
    ``'fr'``; ``'pt_BR'`` → ``'pt'``; ``'fil'`` → ``'fil'``.

    Guarantees: a 2- or 3-letter ASCII code or None (not a string, empty, not a BCP 47-like
    tag: ``'french'``, ``'12'``, ``'x-klingon'``); surrounding whitespace is ignored.
    """
    if not isinstance(tag, str):
        return None
    found = _TAG.fullmatch(tag.strip())
    return found.group(1).lower() if found else None
