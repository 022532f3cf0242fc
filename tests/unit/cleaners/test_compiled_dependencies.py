"""numba's cache (``cache=True``) is invalidated only when the file that defines a compiled
function changes, not when a compiled function it calls, defined in another file, changes:
the caller would keep running the old callee. So a module whose compiled functions call
compiled functions of other files declares those files (transitively) and a digest of each in
``NUMBA_DEPENDENCIES``; this test fails when a digest is out of date, and the fix, editing the
caller's module, is what makes numba compile the caller again."""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from pathlib import Path
from types import CodeType, ModuleType

import cleaners

ROOT = Path(cleaners.__file__).resolve().parents[1]


def _modules() -> list[ModuleType]:
    return [importlib.import_module(m.name)
            for m in pkgutil.walk_packages(cleaners.__path__, "cleaners.")]


def _is_compiled(obj: object) -> bool:
    return hasattr(obj, "py_func") and hasattr(obj, "signatures")


def _names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names(const)
    return names


def _file_of(obj: object) -> str:
    return str(Path(obj.py_func.__code__.co_filename).resolve().relative_to(ROOT))  # type: ignore[attr-defined]


def compiled_callees(module: ModuleType) -> dict[str, set[str]]:
    """For each compiled function defined in ``module``: the files of the compiled functions
    it calls, directly or through them, other than its own file."""
    out: dict[str, set[str]] = {}
    for name, obj in vars(module).items():
        if not _is_compiled(obj) or obj.py_func.__module__ != module.__name__:
            continue
        seen: set[int] = set()
        files: set[str] = set()
        todo = [obj]
        while todo:
            fn = todo.pop()
            if id(fn) in seen:
                continue
            seen.add(id(fn))
            files.add(_file_of(fn))
            glob = fn.py_func.__globals__
            todo += [glob[n] for n in _names(fn.py_func.__code__) if _is_compiled(glob.get(n))]
        out[name] = files - {_file_of(obj)}
    return out


def digest(path: str) -> str:
    """The first 16 hex digits of the SHA-256 of a file (from the repository root)."""
    return hashlib.sha256((ROOT / path).read_bytes()).hexdigest()[:16]


def test_compiled_callers_declare_the_files_they_call_into_with_current_digests() -> None:
    stale = {}
    for module in _modules():
        files = set().union(*compiled_callees(module).values()) if compiled_callees(module) else set()
        expected = tuple(sorted((f, digest(f)) for f in files))
        declared = tuple(sorted(getattr(module, "NUMBA_DEPENDENCIES", ())))
        if declared != expected:
            stale[module.__name__] = expected
    assert not stale, (
        "numba would keep stale compiled callees: set NUMBA_DEPENDENCIES to "
        + "; ".join(f"{m}: {v!r}" for m, v in stale.items()))


def test_the_scan_sees_the_calls_across_files() -> None:
    """The placement loop calls the second signal's judge, which calls the alignment's
    verdict, and the MinHash pair similarity: three other files."""
    from cleaners.dedup import placement

    assert compiled_callees(placement)["place"] == {
        "cleaners/dedup/second_signal.py", "cleaners/dedup/align.py", "cleaners/dedup/minhash.py"}
    from cleaners.dedup import align

    assert compiled_callees(align)["passes_arrays"] == set()  # its callees are in its own file
