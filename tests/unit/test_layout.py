"""The walls of the layout: `cleaners/` is pure and no module grows past what one can read.

Read from the source (AST), so a violation fails here with the file and line, whatever the
tests of behaviour cover.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.data import ROOT

CLEANERS = sorted((ROOT / "cleaners").rglob("*.py"))
SOURCES = CLEANERS + sorted((ROOT / "flows").rglob("*.py"))
#: Modules the pure library must not import: orchestration, the I/O layer, processes.
FORBIDDEN_IMPORTS = ("prefect", "flows", "subprocess", "multiprocessing", "shutil", "socket",
                     "urllib", "requests", "httpx", "pathlib")
#: Modules of those packages that only compute: ``urllib.parse`` splits addresses.
ALLOWED_IMPORTS = {"urllib.parse"}
#: The only attribute of ``os`` the pure library reads: the number of cores, to size threads.
ALLOWED_OS = {"cpu_count"}
MAX_LINES = 500


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            if name.split(".")[0] in FORBIDDEN_IMPORTS and name not in ALLOWED_IMPORTS:
                found.append(f"{_rel(path)}:{node.lineno}: imports {name}")
        if isinstance(node, ast.Global):
            found.append(f"{_rel(path)}:{node.lineno}: global {', '.join(node.names)}")
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "os" and node.attr not in ALLOWED_OS):
            found.append(f"{_rel(path)}:{node.lineno}: os.{node.attr}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            found.append(f"{_rel(path)}:{node.lineno}: open()")
    return found


@pytest.mark.parametrize("path", CLEANERS, ids=_rel)
def test_the_pure_library_does_no_io_starts_no_process_and_keeps_no_global(path: Path) -> None:
    assert _violations(path) == []


def test_the_check_catches_what_it_forbids(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os, subprocess\nfrom prefect import flow\nX = None\n"
                   "def f():\n    global X\n    return os.environ, open('x')\n")
    kinds = {v.split(": ", 1)[1].split()[0] for v in _violations(bad)}
    assert kinds == {"imports", "global", "os.environ", "open()"}


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_no_module_over_500_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{_rel(path)} has {lines} lines: split it by concept"


@pytest.mark.parametrize("package", ["cleaners", "cleaners.dedup", "flows.readers"])
def test_lazy_exports_are_the_objects_they_name(package: str) -> None:
    """Every public name of a lazily exporting package resolves to the object its module
    defines, even after every submodule was imported (a submodule named like an export would
    shadow it)."""
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{package}.{info.name}")
    for name, module in pkg._EXPORTS.items():
        assert getattr(pkg, name) is getattr(importlib.import_module(module), name), name
    assert sorted(pkg.__all__) == sorted(pkg._EXPORTS)
