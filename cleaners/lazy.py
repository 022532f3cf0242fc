"""Lazy package exports (PEP 562): a package names its public API in its ``__init__`` without
importing every submodule, so that importing one light submodule stays light."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name of ``exports`` (name -> the module
    that defines it) is imported on first use and then kept in the package's namespace.

    Guarantees: ``from package import name`` gives the same object as importing it from its
    module; any other name raises AttributeError, as for a module without it.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
