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


def discover(raw_dir: Path, processed: set[str]) -> Discovery:
    """Walk ``raw_dir`` (sorted, deterministic) and sort every file into new / already processed.

    Guarantees: nothing outside ``raw_dir`` is read (symlinks are followed only when they resolve
    inside it); hidden files and folders are ignored; a file whose SHA-256 is in ``processed``, or
    equals a file met earlier in this walk, is not new.
    """
    root = raw_dir.resolve()
    out = Discovery()
    seen: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in sorted(filenames):
            if name.startswith(".") or name in IGNORED_NAMES:
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    out.refused.append((rel, f"symlink to {target} points outside raw/"))
                    continue
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
