"""Finding the raw files a run must read."""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from flows.readers import RawFile, sha256_of

#: Names in raw/ that are never input (editor droppings, our own docs).
IGNORED_NAMES = {"README.md", ".DS_Store", ".gitkeep", "Thumbs.db"}

#: Errors one path can raise while it is looked at (``Path.resolve`` raises `RuntimeError` for a
#: symlink loop on Python 3.11, `OSError` ``ELOOP`` on later versions).
_PATH_ERRORS = (OSError, RuntimeError, ValueError)

VANISHED = "vanished before it was read"

#: Names of the file types that are not regular files, for refusal reasons.
_KINDS = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISDIR, "folder"),
    (stat.S_ISLNK, "symlink"),
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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


def _one_line(text: str, limit: int | None = None) -> str:
    """``text`` as one line of valid UTF-8: undecodable bytes and control characters escaped."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            text = os.fsencode(text).decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return f"unknown file type {stat.S_IFMT(mode):#o}"


def _is_loop(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno == errno.ELOOP
    return isinstance(exc, RuntimeError) and "loop" in str(exc).lower()


def _reason(exc: BaseException, doing: str = "cannot read") -> str:
    """A one-line reason for an error met on one path (``doing`` says at which step)."""
    if isinstance(exc, FileNotFoundError):
        return VANISHED
    if isinstance(exc, OSError):
        return _one_line(f"{doing}: {exc.strerror or exc}", 300)
    return _one_line(f"{doing}: {type(exc).__name__}: {exc}", 300)


def _rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` for display (``.`` for the root itself)."""
    try:
        return display_path(path.relative_to(root))
    except ValueError:  # not under root: cannot happen for a path os.walk gave, but never fail
        return _one_line(str(path))


def _resolve_link(path: Path, root: Path) -> Path | str:
    """The file a symlink in raw/ leads to, inside ``root``; or why it is refused."""
    try:
        target = path.resolve(strict=True)
    except _PATH_ERRORS as exc:
        if _is_loop(exc):
            return "symlink loop"
        if isinstance(exc, FileNotFoundError):
            return "dangling symlink" if os.path.lexists(path) else VANISHED
        return _reason(exc, "cannot resolve symlink")
    if not target.is_relative_to(root):
        return _one_line(f"symlink to {target} points outside raw/")
    return target


def _take(path: Path, root: Path) -> tuple[Path, str, int] | str:
    """``(path to read, SHA-256, size)`` for one file met in the walk, or why it is refused.

    The file type is checked (``lstat``, which opens nothing) before the file is opened, so a
    FIFO, socket or device is never opened.
    """
    try:
        st = os.lstat(path)
    except _PATH_ERRORS as exc:
        return _reason(exc)
    what = "not a regular file"
    if stat.S_ISLNK(st.st_mode):
        target = _resolve_link(path, root)
        if isinstance(target, str):
            return target
        path, what = target, "symlink target is not a regular file"
        try:
            st = os.lstat(path)
        except _PATH_ERRORS as exc:
            return _reason(exc)
    if not stat.S_ISREG(st.st_mode):
        return f"{what} ({_kind(st.st_mode)})"
    try:
        digest = sha256_of(path)
        after = os.lstat(path)
    except _PATH_ERRORS as exc:
        if _is_loop(exc):  # readers open with O_NOFOLLOW: the file became a symlink
            return "replaced by a symlink while being read"
        return _reason(exc)
    if not stat.S_ISREG(after.st_mode):
        return f"replaced while being read (now a {_kind(after.st_mode)})"
    return path, digest, after.st_size


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

    No single path fails the walk: every entry that is neither hidden nor in `IGNORED_NAMES`
    ends up in exactly one of ``new``, ``already_processed``, ``duplicates_in_run`` or
    ``refused`` (with a one-line reason), except what lies under a refused or symlinked folder. Refused are: symlink loops, dangling
    symlinks, symlinks leading outside, anything that is not a regular file (FIFO, socket,
    device; its type is read with ``lstat`` before anything opens it, so a FIFO never blocks),
    symlinks to such a file, files that vanish or cannot be read while the walk looks at them,
    and folders that cannot be listed. ``raw_dir`` itself must exist and be a folder (the
    caller checks); a ``raw_dir`` whose path cannot be resolved raises `ValueError`.
    """
    try:
        root = raw_dir.resolve()
    except _PATH_ERRORS as exc:
        why = "symlink loop" if _is_loop(exc) else \
            f"cannot resolve: {getattr(exc, 'strerror', None) or type(exc).__name__ + ': ' + str(exc)}"
        raise ValueError(_one_line(f"raw folder {raw_dir}: {why}")) from exc
    out = Discovery()
    seen: dict[str, str] = {}

    def unlistable(exc: OSError) -> None:  # os.walk's onerror: a folder it could not list
        where = Path(exc.filename) if isinstance(exc.filename, str) else root
        out.refused.append((_rel(where, root), _reason(exc, "cannot list folder")))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=False):
        kept = []
        for d in sorted(dirnames):
            if d.startswith((".", "_")):
                continue
            sub = Path(dirpath) / d
            try:
                linked = stat.S_ISLNK(os.lstat(sub).st_mode)
            except _PATH_ERRORS as exc:
                out.refused.append((_rel(sub, root), _reason(exc)))
                continue
            if linked:  # never walked: say so rather than skip silently
                out.refused.append((_rel(sub, root), "symlinked folder: not followed"))
                continue
            kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.startswith(".") or name in IGNORED_NAMES:
                continue
            path = Path(dirpath) / name
            rel = _rel(path, root)
            try:
                taken = _take(path, root)
            except _PATH_ERRORS as exc:  # _take guards each step; this is the last safety net
                taken = _reason(exc)
            if isinstance(taken, str):
                out.refused.append((rel, taken))
                continue
            target, digest, size = taken
            raw = RawFile(path=target, rel=rel, sha256=digest, size=size)
            if digest in processed:
                out.already_processed.append(raw)
            elif digest in seen:
                out.duplicates_in_run.append((rel, seen[digest]))
            else:
                seen[digest] = rel
                out.new.append(raw)
    return out
