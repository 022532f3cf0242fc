"""Translation into the pivot language (English): one interface, several backends.

Importing this package registers the built-in backends. See `cleaners.translate.base`.
"""

from __future__ import annotations

import contextlib

from cleaners.translate.base import (
    PIVOT,
    BackendUnavailable,
    Translator,
    backend_names,
    get_translator,
    register,
)

# Each backend module registers itself on import; a backend whose module is missing
# simply is not offered.
for _mod in ("embedded", "freedict", "apertium", "ctranslate2_backend"):
    with contextlib.suppress(ModuleNotFoundError):
        __import__(f"cleaners.translate.{_mod}")

__all__ = ["PIVOT", "BackendUnavailable", "Translator", "backend_names", "get_translator", "register"]
