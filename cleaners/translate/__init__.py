"""Translation into the pivot language (English): the interface and the pure lexicon backend.

Backends that read dictionaries, start processes or load models live in `flows.backends`,
which also chooses a backend by name (`flows.backends.get_translator`).
"""

from __future__ import annotations

from cleaners.translate.base import PIVOT, Translator, WordByWordTranslator
from cleaners.translate.embedded import EmbeddedTranslator

__all__ = ["PIVOT", "EmbeddedTranslator", "Translator", "WordByWordTranslator"]
