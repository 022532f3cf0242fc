"""Finding the raw files a run must read.

A raw file's identity is the SHA-256 of its bytes. Hashing every file of ``raw/`` at every run
would make an idle run cost a read of the whole landing zone, so `discover` keeps a
`HashIndex` (in ``curated/_state/``): the SHA-256 of each file by its stat (device, inode,
size, modification and change times in ns). A file whose stat is unchanged since it was
hashed is not read again; any other file is hashed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import time
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

#: A file modified less than this long before it was hashed is hashed again by the next
#: discovery: a change made within the same clock tick would leave its times unchanged
#: (file systems with coarse timestamps: 2 s on FAT).
RACY_NS = 2_000_000_000


@dataclass
class Discovery:
    """What `discover` found: new files, files already processed, and files refused."""

    new: list[RawFile] = field(default_factory=list)
    already_processed: list[RawFile] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (rel path, reason)
    duplicates_in_run: list[tuple[str, str]] = field(default_factory=list)  # (rel, same-as rel)
    #: Files read to hash them (the others' SHA-256 came from the index).
    hashed: int = field(default=0, compare=False)


_Key = tuple[int, int]  # (device, inode)
_Entry = tuple[int, int, int, str]  # (size, mtime_ns, ctime_ns, sha256)


def _stat_key(st: os.stat_result) -> tuple[_Key, tuple[int, int, int]]:
    """What the index compares of a file: (device, inode), (size, mtime_ns, ctime_ns)."""
    return (st.st_dev, st.st_ino), (st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class HashIndex:
    """The SHA-256 of raw files by stat, kept in a JSON file between discoveries.

    Guarantees: `get` gives a digest only for a file whose device, inode, size, modification
    and change times (ns) all equal those of the file when it was hashed (a file renamed or
    moved inside ``raw/`` keeps its inode and modification time, and is hashed again where the
    file system updates its change time: ext4, XFS, btrfs). `save` keeps only the files met
    since the index was loaded (a file gone from ``raw/`` leaves it) and writes only when
    something changed. An index file that is
    missing or cannot be read is an empty index: every file is hashed. The one change it cannot
    see is a file rewritten in place with the same size and both times put back (the change
    time can only be put back by setting the system clock): delete the index file to hash
    everything again.
    """

    VERSION = 1

    def __init__(self, path: Path) -> None:
        self.path = path
        self._old: dict[_Key, _Entry] = {}
        self._new: dict[_Key, _Entry] = {}
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            data = json.loads(path.read_bytes())
            if data["version"] == self.VERSION:
                self._old = {(dev, ino): (size, mtime, ctime, sha)
                             for dev, ino, size, mtime, ctime, sha in data["files"]}

    def get(self, st: os.stat_result) -> str | None:
        """The SHA-256 recorded for the file of this stat, when the stat is unchanged."""
        key, now = _stat_key(st)
        entry = self._new.get(key) or self._old.get(key)
        if entry is None or entry[:3] != now:
            return None
        self._new[key] = entry
        return entry[3]

    def put(self, st: os.stat_result, sha256: str) -> None:
        """Record the SHA-256 of the file of this stat."""
        key, now = _stat_key(st)
        self._new[key] = (*now, sha256)

    def save(self) -> None:
        """Write the files met since loading (atomically: temp file, rename) if anything
        changed; an error is ignored (the index is a cache)."""
        if self._new == self._old:
            return
        rows = [[dev, ino, *entry] for (dev, ino), entry in sorted(self._new.items())]
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"version": self.VERSION, "files": rows},
                                      separators=(",", ":")))
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            return
        self._old = dict(self._new)


def display_path(rel: Path) -> str:
    """A relative path as text that is always valid UTF-8 (Parquet and JSON need it).

    File names that are not UTF-8 come from ``os.walk`` with surrogate escapes: their raw bytes
    are shown as ``\\xNN``.
    """
    return _utf8(rel.as_posix())


def _utf8(text: str) -> str:
    """`display_path` of a path already as text."""
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


def _take(path: Path, root: Path, index: HashIndex | None, out: Discovery,
          ) -> tuple[Path, str, int] | str:
    """``(path to read, SHA-256, size)`` for one file met in the walk, or why it is refused.

    The file type is checked (``lstat``, which opens nothing) before the file is opened, so a
    FIFO, socket or device is never opened. The SHA-256 comes from ``index`` when the file's
    stat is unchanged there; a file hashed is recorded in it unless it changed while it was
    read or was modified less than `RACY_NS` before.
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
    cached = index.get(st) if index is not None else None
    if cached is not None:
        return path, cached, st.st_size
    started = time.time_ns()
    try:
        out.hashed += 1
        digest = sha256_of(path)
        after = os.lstat(path)
    except _PATH_ERRORS as exc:
        if _is_loop(exc):  # readers open with O_NOFOLLOW: the file became a symlink
            return "replaced by a symlink while being read"
        return _reason(exc)
    if not stat.S_ISREG(after.st_mode):
        return f"replaced while being read (now a {_kind(after.st_mode)})"
    if (index is not None and _stat_key(after) == _stat_key(st)
            and after.st_mtime_ns < started - RACY_NS):
        index.put(after, digest)
    return path, digest, after.st_size


def discover(raw_dir: Path, processed: set[str], index: Path | None = None) -> Discovery:
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

    With ``index`` (a file outside ``raw_dir``, e.g. ``curated/_state/discovery-index.json``),
    a file whose stat is unchanged since a discovery hashed it is not read: its SHA-256 comes
    from the `HashIndex` there, which is updated at the end of the walk. A discovery over
    unchanged files then costs a ``stat`` per file and the index's read.
    """
    try:
        root = raw_dir.resolve()
    except _PATH_ERRORS as exc:
        why = "symlink loop" if _is_loop(exc) else \
            f"cannot resolve: {getattr(exc, 'strerror', None) or type(exc).__name__ + ': ' + str(exc)}"
        raise ValueError(_one_line(f"raw folder {raw_dir}: {why}")) from exc
    out = Discovery()
    seen: dict[str, str] = {}
    hashes = HashIndex(index) if index is not None else None

    def unlistable(exc: OSError) -> None:  # os.walk's onerror: a folder it could not list
        where = Path(exc.filename) if isinstance(exc.filename, str) else root
        out.refused.append((_rel(where, root), _reason(exc, "cannot list folder")))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=False):
        here = Path(dirpath)
        prefix = "" if dirpath == str(root) else _rel(here, root) + "/"
        kept = []
        for d in sorted(dirnames):
            if d.startswith((".", "_")):
                continue
            sub = here / d
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
            path = here / name
            rel = prefix + _utf8(name)  # = _rel(path, root), without pathlib's cost
            try:
                taken = _take(path, root, hashes, out)
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
    if hashes is not None:
        hashes.save()
    return out
