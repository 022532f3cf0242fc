"""Discovery never fails a run because of one path (`flows.discover.discover`).

Every per-path fault (symlink loops, dangling symlinks, symlinks leading outside, FIFOs, sockets,
devices, folders that cannot be listed, files that vanish or cannot be read while hashed) ends
with that path in ``Discovery.refused`` with a one-line reason; the walk goes on. Everything is
built on real paths under ``tmp_path``; errors root cannot get from the file system (it reads
everything) are injected with monkeypatch.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import json
import os
import socket
import stat
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flows.discover
from flows.discover import IGNORED_NAMES, Discovery, discover


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _refused(found: Discovery) -> dict[str, str]:
    reasons = dict(found.refused)
    assert len(reasons) == len(found.refused), found.refused  # no path refused twice
    return reasons


def _assert_one_line(found: Discovery) -> None:
    for rel, reason in found.refused:
        assert reason and "\n" not in reason and "\r" not in reason, (rel, reason)
        reason.encode("utf-8")  # Parquet and JSON need valid UTF-8


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    path = tmp_path / "raw"
    path.mkdir()
    return path


@contextlib.contextmanager
def _recording_opens() -> Iterator[list[str]]:
    """Every path opened (``os.open``, ``open``, ``io.open``) while the block runs."""
    opened: list[str] = []
    real_os_open, real_open = os.open, builtins.open

    def os_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(os.fsdecode(path))
        return real_os_open(path, *args, **kwargs)

    def any_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(file, str | bytes | os.PathLike):
            opened.append(os.fsdecode(file))
        return real_open(file, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "open", os_open)
        mp.setattr(builtins, "open", any_open)
        mp.setattr(io, "open", any_open)
        yield opened


def _failing_hash(mp: pytest.MonkeyPatch, name: str, exc: BaseException) -> None:
    """Make `flows.discover.sha256_of` raise ``exc`` for the file called ``name``."""
    real = flows.discover.sha256_of

    def sha256_of(path: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path).name == name:
            raise exc
        return real(path, *args, **kwargs)

    mp.setattr(flows.discover, "sha256_of", sha256_of)


# --------------------------------------------------------------------------- symlinks


def test_two_file_symlink_loop_is_refused_and_the_walk_goes_on(raw: Path) -> None:
    (raw / "a.jsonl").symlink_to("b.jsonl")
    (raw / "b.jsonl").symlink_to("a.jsonl")
    (raw / "good.jsonl").write_text('{"id": 1}\n')
    found = discover(raw, set())
    assert [f.rel for f in found.new] == ["good.jsonl"]
    assert found.refused == [("a.jsonl", "symlink loop"), ("b.jsonl", "symlink loop")]
    assert not found.already_processed and not found.duplicates_in_run


def test_self_loop_is_refused(raw: Path) -> None:
    (raw / "x.jsonl").symlink_to("x.jsonl")
    found = discover(raw, set())
    assert found.refused == [("x.jsonl", "symlink loop")] and not found.new


def test_folder_symlink_loop_is_refused_not_followed(raw: Path) -> None:
    (raw / "d1").symlink_to("d2")
    (raw / "d2").symlink_to("d1")
    found = discover(raw, set())
    assert _refused(found) == {"d1": "symlink loop", "d2": "symlink loop"}


def test_dangling_symlink_is_refused(raw: Path) -> None:
    (raw / "gone.jsonl").symlink_to("never-there.jsonl")
    (raw / "gone-out.jsonl").symlink_to(raw.parent / "missing" / "x.jsonl")
    found = discover(raw, set())
    assert _refused(found) == {"gone.jsonl": "dangling symlink", "gone-out.jsonl": "dangling symlink"}


def test_symlink_outside_is_refused_and_never_opened(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = raw.parent / "outside"
    outside.mkdir()
    (outside / "secret.jsonl").write_text('{"id": "s"}\n')
    (raw / "leak.jsonl").symlink_to(outside / "secret.jsonl")
    (raw / "leak-rel.jsonl").symlink_to(Path("..") / "outside" / "secret.jsonl")
    (raw / "leakdir").symlink_to(outside, target_is_directory=True)
    with _recording_opens() as opened:
        found = discover(raw, set())
    target = (outside / "secret.jsonl").resolve()
    assert _refused(found) == {
        "leak.jsonl": f"symlink to {target} points outside raw/",
        "leak-rel.jsonl": f"symlink to {target} points outside raw/",
        "leakdir": "symlinked folder: not followed",
    }
    assert opened == [] and not found.new


def test_outside_target_with_a_newline_gives_a_one_line_reason(raw: Path) -> None:
    outside = raw.parent / "out\nside"
    outside.mkdir()
    (outside / "s.jsonl").write_text("{}\n")
    (raw / "leak.jsonl").symlink_to(outside / "s.jsonl")
    found = discover(raw, set())
    _assert_one_line(found)
    (reason,) = _refused(found).values()
    assert reason.startswith("symlink to ") and "out\\x0aside" in reason


def test_symlink_chain_inside_raw_is_followed(raw: Path) -> None:
    (raw / "sub").mkdir()
    (raw / "sub" / "real.jsonl").write_bytes(b"real\n")
    (raw / "sub" / "hop.jsonl").symlink_to("real.jsonl")
    (raw / "link.jsonl").symlink_to(Path("sub") / "hop.jsonl")
    found = discover(raw, set())
    assert [(f.rel, f.path) for f in found.new] == [("link.jsonl", (raw / "sub" / "real.jsonl").resolve())]
    assert found.new[0].sha256 == _sha(b"real\n") and found.new[0].size == 5
    assert found.duplicates_in_run == [("sub/hop.jsonl", "link.jsonl"), ("sub/real.jsonl", "link.jsonl")]
    assert found.refused == []


def test_symlink_resolving_error_is_refused(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (raw / "ok.jsonl").write_text("1\n")
    (raw / "link.jsonl").symlink_to("ok.jsonl")
    real = Path.resolve

    def resolve(self: Path, strict: bool = False) -> Path:
        if self.name == "link.jsonl":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, strict=strict)

    monkeypatch.setattr(Path, "resolve", resolve)
    found = discover(raw, set())
    assert found.refused == [("link.jsonl", "cannot resolve symlink: Permission denied")]
    assert [f.rel for f in found.new] == ["ok.jsonl"]


def test_unresolvable_raw_dir_raises_a_one_line_value_error(tmp_path: Path) -> None:
    loop = tmp_path / "raw"
    loop.symlink_to("raw")
    with pytest.raises(ValueError, match=r"^raw folder .*raw: symlink loop$"):
        discover(loop, set())


# --------------------------------------------------------------------------- special files


@pytest.mark.timeout(30)
def test_fifo_and_socket_are_refused_without_being_opened(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(raw / "pipe.jsonl")
    (raw / "to-pipe.jsonl").symlink_to("pipe.jsonl")
    monkeypatch.chdir(raw)  # a relative name keeps the socket path under the 108-byte limit
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind("sock.jsonl")
        (raw / "good.jsonl").write_text("{}\n")
        with _recording_opens() as opened:
            found = discover(raw, set())
    finally:
        sock.close()
    assert _refused(found) == {
        "pipe.jsonl": "not a regular file (FIFO)",
        "sock.jsonl": "not a regular file (socket)",
        "to-pipe.jsonl": "symlink target is not a regular file (FIFO)",
    }
    assert [f.rel for f in found.new] == ["good.jsonl"]
    assert [Path(p).name for p in opened] == ["good.jsonl"]


def test_character_device_is_refused(raw: Path) -> None:
    try:
        os.mknod(raw / "null.jsonl", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot create a device here: {exc}")
    found = discover(raw, set())
    assert found.refused == [("null.jsonl", "not a regular file (character device)")]


# --------------------------------------------------------------------------- folders


def _unlistable(mp: pytest.MonkeyPatch, *dirs: Path) -> None:
    """Make ``os.scandir`` (what ``os.walk`` lists with) fail on ``dirs`` as for a mode-000 folder."""
    real = os.scandir
    bad = {str(d) for d in dirs}

    def scandir(path=".", *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.fsdecode(path) in bad:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real(path, *args, **kwargs)

    mp.setattr(os, "scandir", scandir)


def test_unlistable_folder_is_refused_with_the_reason(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for sub in ("a", "locked", "z"):
        (raw / sub).mkdir()
        (raw / sub / "f.jsonl").write_text(f"{sub}\n")
    (raw / "locked" / "deeper").mkdir()
    _unlistable(monkeypatch, raw.resolve() / "locked")
    found = discover(raw, set())
    assert found.refused == [("locked", "cannot list folder: Permission denied")]
    assert [f.rel for f in found.new] == ["a/f.jsonl", "z/f.jsonl"]


def test_unlistable_raw_folder_is_refused_as_dot(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (raw / "f.jsonl").write_text("x\n")
    _unlistable(monkeypatch, raw.resolve())
    found = discover(raw, set())
    assert found.refused == [(".", "cannot list folder: Permission denied")] and not found.new


def test_folder_entry_that_cannot_be_stat_is_refused(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (raw / "sub").mkdir()
    (raw / "sub" / "f.jsonl").write_text("x\n")
    (raw / "g.jsonl").write_text("y\n")
    real = os.lstat

    def lstat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(os.fsdecode(path)).name in {"sub", "g.jsonl"}:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)
    found = discover(raw, set())
    assert _refused(found) == {"sub": "cannot read: Permission denied",
                               "g.jsonl": "cannot read: Permission denied"}
    assert not found.new


# --------------------------------------------------------------------------- hashing


def test_file_vanishing_before_hashing_is_refused(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (raw / "a.jsonl").write_text("a\n")
    (raw / "b.jsonl").write_text("b\n")
    _failing_hash(monkeypatch, "a.jsonl", FileNotFoundError(2, "No such file or directory"))
    found = discover(raw, set())
    assert found.refused == [("a.jsonl", "vanished before it was read")]
    assert [f.rel for f in found.new] == ["b.jsonl"]


def test_file_really_vanishing_after_the_listing_is_refused(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (raw / "a.jsonl").write_text("a\n")
    (raw / "b.jsonl").write_text("b\n")
    real = flows.discover.sha256_of

    def sha256_of(path: Path) -> str:  # hashing a.jsonl deletes b.jsonl, listed already
        if path.name == "a.jsonl":
            (raw / "b.jsonl").unlink()
        return real(path)

    monkeypatch.setattr(flows.discover, "sha256_of", sha256_of)
    found = discover(raw, set())
    assert found.refused == [("b.jsonl", "vanished before it was read")]
    assert [f.rel for f in found.new] == ["a.jsonl"]


@pytest.mark.parametrize(("exc", "reason"), [
    (PermissionError(13, "Permission denied"), "cannot read: Permission denied"),
    (OSError(6, "No such device or address"), "cannot read: No such device or address"),
    (OSError("not a regular file"), "cannot read: not a regular file"),  # readers' own check
    (OSError(40, "Too many levels of symbolic links"), "replaced by a symlink while being read"),
    (RuntimeError("odd"), "cannot read: RuntimeError: odd"),
    (ValueError("bad\nname"), "cannot read: ValueError: bad\\x0aname"),
])
def test_errors_while_hashing_are_refused(raw: Path, monkeypatch: pytest.MonkeyPatch,
                                          exc: BaseException, reason: str) -> None:
    (raw / "a.jsonl").write_text("a\n")
    (raw / "b.jsonl").write_text("b\n")
    _failing_hash(monkeypatch, "a.jsonl", exc)
    found = discover(raw, set())
    assert found.refused == [("a.jsonl", reason)]
    assert [f.rel for f in found.new] == ["b.jsonl"]


def test_file_replaced_by_a_fifo_while_hashed_is_refused(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (raw / "a.jsonl").write_text("a\n")
    real = flows.discover.sha256_of

    def sha256_of(path: Path) -> str:
        digest = real(path)
        path.unlink()
        os.mkfifo(path)
        return digest

    monkeypatch.setattr(flows.discover, "sha256_of", sha256_of)
    found = discover(raw, set())
    assert found.refused == [("a.jsonl", "replaced while being read (now a FIFO)")]


# --------------------------------------------------------------------------- unchanged behaviour


def test_hidden_ignored_processed_duplicates_and_non_utf8_names_as_before(raw: Path) -> None:
    (raw / ".upload.jsonl.part").write_text("partial")
    (raw / ".hidden").mkdir()
    (raw / ".hidden" / "x.jsonl").write_text("h\n")
    (raw / "_staging").mkdir()
    (raw / "_staging" / "x.jsonl").write_text("s\n")
    (raw / "README.md").write_text("docs")
    (raw / "_file.jsonl").write_text("underscore file\n")  # only folders are hidden by "_"
    (raw / os.fsdecode(b"caf\xe9.txt")).write_text("latin\n")
    (raw / "old.jsonl").write_text("old\n")
    (raw / "copy.jsonl").write_text("latin\n")
    found = discover(raw, {_sha(b"old\n")})
    assert [f.rel for f in found.new] == ["_file.jsonl", "caf\\xe9.txt"]
    assert [f.rel for f in found.already_processed] == ["old.jsonl"]
    assert found.duplicates_in_run == [("copy.jsonl", "caf\\xe9.txt")]
    assert found.refused == []


# --------------------------------------------------------------------------- property


NAMES = st.sampled_from(["a.jsonl", "b.txt", "c", "d.csv", ".hid", "_u", "README.md"])
CONTENTS = st.sampled_from([b"one\n", b"two\n", b"", b"three\n"])
SPECIAL_TARGETS = ["OUT_FILE", "OUT_FIFO", "OUT_DIR", "MISSING", "SELF", "ROOT", "PARENT"]


@st.composite
def trees(draw: st.DrawFn) -> dict:
    """A recipe for a small raw/ tree: nodes, link targets, unlistable folders, processed hashes."""
    nodes: list[tuple[int, str, str, object]] = []  # (parent node or -1, name, kind, payload)
    dir_nodes = [-1]
    for _ in range(draw(st.integers(1, 12))):
        parent = draw(st.sampled_from(dir_nodes))
        name = draw(NAMES)
        kind = draw(st.sampled_from(["file", "file", "link", "link", "link", "fifo", "dir"]))
        payload: object = None
        if kind == "file":
            payload = draw(CONTENTS)
        elif kind == "link":
            payload = (draw(st.one_of(st.integers(0, 11), st.sampled_from(SPECIAL_TARGETS))),
                       draw(st.booleans()))  # (target, absolute)
        elif kind == "dir":
            dir_nodes.append(len(nodes))
        nodes.append((parent, name, kind, payload))
    # At most one folder os.walk cannot list (raw/ itself unlistable has its own test).
    unlistable = draw(st.sets(st.sampled_from(dir_nodes[1:]), max_size=1)) if len(dir_nodes) > 1 else set()
    processed = draw(st.sets(CONTENTS.map(_sha), max_size=2))
    return {"nodes": nodes, "unlistable": unlistable, "processed": processed}


def _build(base: Path, recipe: dict) -> tuple[Path, list[Path]]:
    """Create the tree under ``base / "raw"``; return raw/ and the folders to make unlistable."""
    raw, outside = base / "raw", base / "outside"
    raw.mkdir()
    outside.mkdir()
    (outside / "secret.jsonl").write_bytes(b"secret\n")
    os.mkfifo(outside / "pipe.jsonl")  # opening it would block: a timeout, not a pass
    nodes = recipe["nodes"]
    paths: list[Path | None] = []
    for parent, name, kind, payload in nodes:
        where = raw if parent == -1 else paths[parent]
        path = None if where is None else where / name
        if path in paths:  # the name is taken already (links are made once all nodes exist)
            path = None
        if path is not None and kind == "dir":
            path.mkdir()
        elif path is not None and kind == "file":
            assert isinstance(payload, bytes)
            path.write_bytes(payload)
        elif path is not None and kind == "fifo":
            os.mkfifo(path)
        paths.append(path)
    special = {"OUT_FILE": outside / "secret.jsonl", "OUT_FIFO": outside / "pipe.jsonl",
               "OUT_DIR": outside, "MISSING": raw / "missing.jsonl", "ROOT": raw}
    for path, (_, _, kind, payload) in zip(paths, nodes, strict=True):
        if path is None or kind != "link":
            continue
        target_key, absolute = payload  # type: ignore[misc]
        if target_key == "SELF":
            target = path
        elif target_key == "PARENT":
            target = path.parent.parent
        elif isinstance(target_key, str):
            target = special[target_key]
        else:
            target = paths[target_key % len(paths)] or raw / "missing.jsonl"
        path.symlink_to(target if absolute else os.path.relpath(target, path.parent))
    unlistable = [paths[i].resolve() if i != -1 else raw.resolve()  # type: ignore[union-attr]
                  for i in recipe["unlistable"] if i == -1 or paths[i] is not None]
    return raw, unlistable


def _expected(raw: Path, unlistable: list[Path]) -> Counter[str]:
    """Every non-hidden path discover must account for (folders only when refused)."""
    want: Counter[str] = Counter()

    def visit(folder: Path, rel: str) -> None:
        if folder.resolve() in unlistable:
            want[rel or "."] += 1
            return
        for name in sorted(os.listdir(folder)):
            path = folder / name
            sub = f"{rel}/{name}" if rel else name
            if name.startswith("."):
                continue
            if os.path.isdir(path):  # what os.walk calls a folder (symlinks followed)
                if name.startswith("_"):
                    continue
                if path.is_symlink():
                    want[sub] += 1  # refused: symlinked folder
                else:
                    visit(path, sub)
            elif name not in IGNORED_NAMES:
                want[sub] += 1

    visit(raw, "")
    return want


PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.mark.timeout(120)
@PROPERTY
@given(recipe=trees())
def test_discover_accounts_for_every_path_and_never_leaves_raw(recipe: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        base = Path(tmp).resolve()
        raw, unlistable = _build(base, recipe)
        want = _expected(raw, unlistable)
        _unlistable(mp, *unlistable)
        with _recording_opens() as opened:
            found = discover(raw, recipe["processed"])
            again = discover(raw, recipe["processed"])
        assert found == again  # deterministic

        got = Counter([f.rel for f in found.new] + [f.rel for f in found.already_processed]
                      + [rel for rel, _ in found.duplicates_in_run] + [rel for rel, _ in found.refused])
        assert got == want
        _assert_one_line(found)

        root = raw.resolve()
        for name in opened:
            real = Path(os.path.realpath(name))
            assert real.is_relative_to(root), f"opened {name} outside raw/"
            assert stat.S_ISREG(os.lstat(real).st_mode), f"opened non-regular {name}"
        for f in found.new + found.already_processed:
            assert f.path.is_relative_to(root) and stat.S_ISREG(os.lstat(f.path).st_mode)
            assert f.sha256 == _sha(f.path.read_bytes()) and f.size == f.path.stat().st_size
            assert (f.sha256 in recipe["processed"]) == (f in found.already_processed)
        hashes = [f.sha256 for f in found.new]
        assert len(hashes) == len(set(hashes))


# --------------------------------------------------------------------------- the hash index


def _counting_hashes(mp: pytest.MonkeyPatch) -> list[str]:
    """The names of the files `flows.discover.sha256_of` hashes from now on."""
    calls: list[str] = []
    real = flows.discover.sha256_of

    def sha256_of(path: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(Path(path).name)
        return real(path, *args, **kwargs)

    mp.setattr(flows.discover, "sha256_of", sha256_of)
    return calls


def _age(*paths: Path, ns: int | None = None) -> None:
    """Set the files' modification time an hour back (or to ``ns``): landed a while ago."""
    when = ns if ns is not None else time.time_ns() - 3600 * 10**9
    for path in paths:
        os.utime(path, ns=(when, when))


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    return tmp_path / "curated" / "_state" / "discovery-index.json"


def test_a_discovery_over_unchanged_files_hashes_nothing(
        raw: Path, index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (raw / "feed").mkdir()
    files = [raw / "feed" / f"f{i:02d}.jsonl" for i in range(20)]
    for i, path in enumerate(files):
        path.write_text(f'{{"id": {i}}}\n')
    _age(*files)
    calls = _counting_hashes(monkeypatch)
    first = discover(raw, set(), index)
    assert sorted(calls) == [f.name for f in files] and first.hashed == 20
    written = index.stat().st_mtime_ns
    calls.clear()

    again = discover(raw, set(), index)

    assert calls == [] and again.hashed == 0
    assert again == first  # the same files, sizes and SHA-256
    assert [f.sha256 for f in again.new] == [_sha(p.read_bytes()) for p in files]
    assert index.stat().st_mtime_ns == written, "nothing changed: the index is not rewritten"
    processed = {f.sha256 for f in first.new}
    calls.clear()
    idle = discover(raw, processed, index)
    assert calls == [] and idle.new == [] and len(idle.already_processed) == 20


def test_a_changed_file_is_hashed_again_and_a_moved_one_is_still_skipped(
        raw: Path, index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept, changed, moved = raw / "kept.jsonl", raw / "changed.jsonl", raw / "moved.jsonl"
    for path in (kept, changed, moved):
        path.write_text(f'{{"id": "{path.stem}"}}\n')
    _age(kept, changed, moved)
    first = discover(raw, set(), index)
    processed = {f.sha256 for f in first.new}  # as if a run had committed them
    mtime = changed.stat().st_mtime_ns
    changed.write_text('{"id": "CHANGED"}\n')  # same size, new bytes
    _age(changed, ns=mtime)  # and its modification time put back: only its change time moved
    (raw / "archive").mkdir()
    moved.rename(raw / "archive" / "moved.jsonl")
    calls = _counting_hashes(monkeypatch)

    again = discover(raw, processed, index)

    # kept.jsonl is not read; moved.jsonl is where the file system updates a renamed file's
    # change time (ext4, XFS, btrfs): either way it is recognised by its SHA-256.
    assert "changed.jsonl" in calls and "kept.jsonl" not in calls
    assert [f.rel for f in again.new] == ["changed.jsonl"]
    assert again.new[0].sha256 == _sha(b'{"id": "CHANGED"}\n')
    assert sorted(f.rel for f in again.already_processed) == ["archive/moved.jsonl", "kept.jsonl"]


def test_a_file_modified_just_before_it_was_hashed_is_hashed_again(
        raw: Path, index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its times may not move if it changes again within the same clock tick."""
    fresh = raw / "fresh.jsonl"
    fresh.write_text('{"id": 1}\n')
    calls = _counting_hashes(monkeypatch)
    for _ in range(2):  # modified just now, each time (a stalled machine would age it otherwise)
        _age(fresh, ns=time.time_ns())
        discover(raw, set(), index)
    assert calls == ["fresh.jsonl", "fresh.jsonl"]
    _age(fresh)
    discover(raw, set(), index)
    discover(raw, set(), index)
    assert calls == ["fresh.jsonl"] * 3


def test_a_damaged_or_unwritable_index_costs_a_hash_never_a_failure(
        raw: Path, index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = raw / "a.jsonl"
    path.write_text('{"id": 1}\n')
    _age(path)
    index.parent.mkdir(parents=True)
    index.write_text('{"version": 1, "files": [[1, 2')
    calls = _counting_hashes(monkeypatch)
    assert [f.rel for f in discover(raw, set(), index).new] == ["a.jsonl"]
    assert calls == ["a.jsonl"]
    assert json.loads(index.read_text())["version"] == 1  # rewritten whole
    blocked = tmp_path / "file" / "index.json"
    blocked.parent.write_text("a file where the index's folder should be")
    assert [f.rel for f in discover(raw, set(), blocked).new] == ["a.jsonl"]
