"""Finding the raw files a run must read."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from flows.readers import RawFile, sha256_of

#: Names in raw/ that are never input (editor droppings, our own docs).
IGNORED_NAMES = {"README.md", ".DS_Store", ".gitkeep", "Thumbs.db"}


@dataclass
class Discovery:
    """What `discover` found: new files, files already processed, and files refused."""

    new: list[RawFile] = field(default_factory=list)
    already_processed: list[RawFile] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (rel path, reason)
    duplicates_in_run: list[tuple[str, str]] = field(default_factory=list)  # (rel, same-as rel)


def display_path(rel: Path) -> str:
    """A relative path as text that is always valid UTF-8 (Parquet and JSON need it).

    File names that are not UTF-8 come from ``os.walk`` with surrogate escapes: their raw bytes
    are shown as ``\\xNN``.
    """
    text = rel.as_posix()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


def discover(raw_dir: Path, processed: set[str]) -> Discovery:
    """Walk ``raw_dir`` (sorted, deterministic) and sort every file into new / already processed.

    Guarantees: nothing outside ``raw_dir`` is read (a symlinked file is followed only when it
    resolves inside it, a symlinked folder never; both are listed in ``refused`` otherwise);
    hidden files and folders (``.name``, and ``_name`` folders) are ignored, so a file being
    written under a hidden name and renamed when complete is read once, whole; a file whose
    SHA-256 is in ``processed``, or equals a file met earlier in this walk, is not new.
    A symlinked file is read through its resolved target (a path inside ``raw_dir``), and
    readers open files with ``O_NOFOLLOW``, so swapping a file for a symlink after this walk
    does not lead outside either.
    """
    root = raw_dir.resolve()
    out = Discovery()
    seen: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        kept = []
        for d in sorted(dirnames):
            if d.startswith((".", "_")):
                continue
            if (Path(dirpath) / d).is_symlink():  # never walked: say so rather than skip silently
                rel = display_path((Path(dirpath) / d).relative_to(root))
                out.refused.append((rel, "symlinked folder: not followed"))
                continue
            kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.startswith(".") or name in IGNORED_NAMES:
                continue
            path = Path(dirpath) / name
            rel = display_path(path.relative_to(root))
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    out.refused.append((rel, f"symlink to {target} points outside raw/"))
                    continue
                path = target
            if not path.is_file():
                out.refused.append((rel, "not a regular file"))
                continue
            try:
                digest = sha256_of(path)
                size = path.stat().st_size
            except OSError as exc:
                out.refused.append((rel, f"cannot read: {exc.strerror or exc}"))
                continue
            raw = RawFile(path=path, rel=rel, sha256=digest, size=size)
            if digest in processed:
                out.already_processed.append(raw)
            elif digest in seen:
                out.duplicates_in_run.append((rel, seen[digest]))
            else:
                seen[digest] = rel
                out.new.append(raw)
    return out
