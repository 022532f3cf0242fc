"""Language tags: the one parser of the tags that records, exports and callers give.

Records say ``fr``, ``fr-FR``, ``fr_fr``, ``FR`` or ``pt_BR``; WordPress exports say ``en-US``.
Everything in the job that needs a language code from such a tag asks `primary_language`.
"""

from __future__ import annotations

import re

#: The primary subtag: 2-3 ASCII letters, then the end or a separator (``fr-FR``, ``fr_FR``,
#: ``en_US.UTF-8``, ``de@euro``), whatever follows the separator.
_PRIMARY = re.compile(r"([A-Za-z]{2,3})(?:[-_.@\s]|$)")


def primary_language(tag: object) -> str | None:
    """The tag's primary language subtag, lower-case: ``'fr-FR'``, ``'fr_fr'``, ``' FR '`` →
    ``'fr'``; ``'pt_BR'`` → ``'pt'``; ``'fil'`` → ``'fil'``.

    Guarantees: a 2- or 3-letter ASCII code or None (not a string, empty, no such subtag:
    ``'french'``, ``'12'``, ``'x-klingon'``); surrounding whitespace and whatever follows the
    first separator (``-``, ``_``, ``.``, ``@``) are ignored (``'en_US.UTF-8'`` → ``'en'``).
    """
    if not isinstance(tag, str):
        return None
    found = _PRIMARY.match(tag.strip())
    return found.group(1).lower() if found else None
