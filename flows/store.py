"""The curated dataset on disk: layout, lock, manifests, recovery, history and atomic commit.

Layout under ``curated/``::

    articles/ingest_date=YYYY-MM-DD/part-<run_id>-<n>.parquet   the dataset (schema v1)
    quarantine/ingest_date=YYYY-MM-DD/part-<run_id>-<n>.parquet what could not be curated
    _runs/<run_id>.json                                          run manifests (commit records)
    _staging/<run_id>/                                           a run's work in progress
    .lock                                                        held by the running job

A run's Parquet files are written under ``_staging/``, fsynced and moved into place with
``os.replace`` (atomic on one file system): the articles part first (the commit point), then the
quarantine part, then the manifest. Every part also carries its run's manifest in its Parquet
key-value metadata, so a crash after the commit point is completed by `recover` at the start of
the next run (roll forward: staged quarantine moved, manifest written); a crash before it leaves
the dataset as it was, and the staging it left is removed.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from cleaners.dedup import History

MANIFEST_KEY = b"curate.manifest"


class LockBusy(RuntimeError):
    """Another run holds the curated dataset's lock."""


@dataclass(frozen=True)
class Layout:
    """Paths of a curated dataset rooted at ``root``."""

    root: Path

    @property
    def articles(self) -> Path:
        return self.root / "articles"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def runs(self) -> Path:
        return self.root / "_runs"

    @property
    def staging_root(self) -> Path:
        return self.root / "_staging"

    def staging(self, run_id: str) -> Path:
        return self.staging_root / run_id

    @property
    def lock_path(self) -> Path:
        return self.root / ".lock"

    @property
    def lock_info(self) -> Path:
        return self.root / ".lock.owner"


@contextmanager
def run_lock(layout: Layout, wait_seconds: float = 0.0, owner: str = "") -> Iterator[None]:
    """Hold the dataset's exclusive lock (an OS file lock: released if the process dies).

    Raises `LockBusy` with the holder's description when it is not free within
    ``wait_seconds``.
    """
    layout.root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(layout.lock_path))
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        holder = ""
        with suppress(OSError):
            holder = layout.lock_info.read_text().strip()
        raise LockBusy(
            f"another run holds {layout.lock_path} ({holder or 'unknown holder'}); "
            f"waited {wait_seconds:g}s: retry later or pass --wait SECONDS"
        ) from None
    try:
        layout.lock_info.write_text(f"pid {os.getpid()} {owner} since {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
        yield
    finally:
        lock.release()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write JSON to ``path`` atomically (temp file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def read_manifests(layout: Layout) -> list[dict[str, Any]]:
    """All committed run manifests, oldest first."""
    if not layout.runs.exists():
        return []
    out = []
    for path in sorted(layout.runs.glob("*.json")):
        with open(path, encoding="utf-8") as fh:
            out.append(json.load(fh))
    return out


def processed_hashes(manifests: list[dict[str, Any]]) -> set[str]:
    """SHA-256 of every raw file a committed run has read."""
    return {inp["sha256"] for m in manifests for inp in m.get("inputs", []) if inp.get("sha256")}


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("ingest_date=*/part-*.parquet")) if folder.exists() else []


def run_id_of(part: Path) -> str:
    """The run id in a part file name ``part-<run_id>-<n>.parquet``."""
    return part.stem[len("part-"):].rsplit("-", 1)[0]


def recover(layout: Layout) -> list[str]:
    """Make the dataset consistent after a crash; returns what was done, one line per action.

    - A run whose articles part is in place but whose manifest is missing crashed after its
      commit point: its staged quarantine part (if any) is moved into place and the manifest
      stored in the part's metadata is written (roll forward), so its raw files are not read
      again and none of its rows is lost or written twice.
    - An articles part without a stored manifest, and a quarantine part whose run has neither
      a manifest nor an articles part, are removed (they cannot come from `commit`); an
      uncommitted articles part that cannot be read is moved to ``_corrupt/`` (kept, not read).
    - Staging folders of dead runs and temporary manifest files are removed.
    Must be called under the run lock.
    """
    actions: list[str] = []
    committed = {p.stem for p in layout.runs.glob("*.json")} if layout.runs.exists() else set()
    for part in _parts(layout.articles):
        rid = run_id_of(part)
        if rid in committed:
            continue
        try:
            meta = pq.read_schema(part).metadata or {}
        except (OSError, pa.ArrowException) as exc:  # unreadable: kept aside, out of the dataset
            aside = layout.root / "_corrupt" / part.relative_to(layout.root)
            aside.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, aside)
            actions.append(f"moved unreadable {part.relative_to(layout.root)} to "
                           f"{aside.relative_to(layout.root)}: {exc}")
            continue
        manifest = meta.get(MANIFEST_KEY)
        if manifest is None:
            part.unlink()
            actions.append(f"removed {part.relative_to(layout.root)}: no manifest to complete it")
            continue
        staged_q = layout.staging(rid) / "out" / "quarantine"
        for src in sorted(staged_q.glob("part-*.parquet")) if staged_q.exists() else []:
            dst = layout.quarantine / part.parent.name / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            _fsync_file(src)
            os.replace(src, dst)
            _fsync_dir(dst.parent)
            actions.append(f"moved staged {dst.relative_to(layout.root)} into place")
        write_json_atomic(layout.runs / f"{rid}.json", {**json.loads(manifest), "recovered": True})
        committed.add(rid)
        actions.append(f"completed run {rid} from {part.relative_to(layout.root)}")
    for part in _parts(layout.quarantine):
        if run_id_of(part) not in committed:
            part.unlink()
            actions.append(f"removed uncommitted {part.relative_to(layout.root)}")
    if layout.staging_root.exists():
        for stale in sorted(layout.staging_root.iterdir()):
            shutil.rmtree(stale, ignore_errors=True)
            actions.append(f"removed stale staging {stale.name}")
    if layout.runs.exists():
        for tmp in sorted(layout.runs.glob(".*.tmp")):
            tmp.unlink(missing_ok=True)
            actions.append(f"removed unfinished {tmp.relative_to(layout.root)}")
    return actions


HISTORY_COLUMNS = ["doc_id", "lang", "minhash", "text_hash", "cluster_id", "is_canonical", "shingle_count"]


FINGERPRINT_KEY = b"curate.fingerprint"


def fingerprint_tag(config: dict[str, Any]) -> bytes:
    """The Parquet metadata value that says how a part's signatures were made."""
    return json.dumps(config, sort_keys=True).encode()


def load_history(layout: Layout, num_perm: int, fingerprint: dict[str, Any] | None = None) -> History | None:
    """The signatures and cluster columns of every committed article row, or ``None``.

    Reads only the matching columns (never ``text``). Signatures made otherwise than this job
    makes them (another length than ``num_perm``, or a part whose recorded fingerprint
    parameters differ from ``fingerprint``) cannot be compared: ``ValueError`` says so.
    """
    parts = _parts(layout.articles)
    if not parts:
        return None
    if fingerprint is not None:
        expected = fingerprint_tag(fingerprint)
        for part in parts:
            recorded = (pq.read_schema(part).metadata or {}).get(FINGERPRINT_KEY)
            if recorded is not None and recorded != expected:
                raise ValueError(
                    f"{part.relative_to(layout.root)} was fingerprinted with "
                    f"{recorded.decode()}, this job uses {expected.decode()}: its signatures "
                    "cannot be compared; curate into a new folder"
                )
    dataset = ds.dataset([str(p) for p in parts], format="parquet")
    table = dataset.to_table(columns=HISTORY_COLUMNS)
    if table.num_rows == 0:
        return None
    mh = table.column("minhash").combine_chunks()
    width = mh.type.list_size if pa.types.is_fixed_size_list(mh.type) else None
    if width != num_perm:
        raise ValueError(
            f"curated history has minhash signatures of length {width}, this job makes {num_perm}: "
            "the dataset was built with other fingerprint parameters; curate into a new folder"
        )
    sig = mh.flatten().to_numpy(zero_copy_only=False).reshape(-1, num_perm)
    return History(
        doc_ids=table.column("doc_id").to_pylist(),
        langs=table.column("lang").to_pylist(),
        signatures=np.ascontiguousarray(sig, dtype=np.uint32),
        text_hashes=table.column("text_hash").to_pylist(),
        cluster_ids=table.column("cluster_id").to_pylist(),
        is_canonical=table.column("is_canonical").to_numpy(zero_copy_only=False),
        n_features=table.column("shingle_count").to_numpy(zero_copy_only=False).astype(np.int64),
    )


#: Environment variables of the crash-test hook (`fault_point`).
PAUSE_AT_ENV, PAUSE_FILE_ENV = "CURATE_TEST_PAUSE_AT", "CURATE_TEST_PAUSE_FILE"
#: The points of `commit` where the hook can stop a run, in order.
FAULT_POINTS = ("staged", "articles-moved", "quarantine-moved", "manifest-written")


def fault_point(name: str) -> None:
    """Crash-test hook: pause here when ``CURATE_TEST_PAUSE_AT`` names this point.

    When the variable equals ``name``, the process writes ``"<pid> <name>"`` to the file named
    by ``CURATE_TEST_PAUSE_FILE`` and waits, holding the run lock, until that file is deleted
    (then goes on) or the process is killed; a test uses it to SIGKILL a run at exactly this
    point of the commit, or to hold the lock. Without the variable this does nothing.
    """
    if os.environ.get(PAUSE_AT_ENV) != name:
        return
    marker = Path(os.environ.get(PAUSE_FILE_ENV) or f"curate-paused-{os.getpid()}")
    marker.write_text(f"{os.getpid()} {name}\n")
    while marker.exists():
        time.sleep(0.05)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(layout: Layout, run_id: str, staged: list[tuple[Path, Path]], manifest: dict[str, Any]) -> None:
    """Move staged files into place (articles first, then quarantine), then write the manifest.

    ``staged`` pairs a file under the staging folder with its final path. Every move is an
    atomic rename of an fsynced file. The move of the articles part is the commit point: before
    it, ``curated/`` is untouched and `recover` discards the staging; after it, `recover`
    finishes the job from the staging folder and the manifest stored in the part's metadata.
    """
    ordered = sorted(staged, key=lambda pair: layout.articles not in pair[1].parents)
    for src, _ in ordered:
        _fsync_file(src)
    fault_point("staged")
    for src, dst in ordered:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        _fsync_dir(dst.parent)
        fault_point("articles-moved" if layout.articles in dst.parents else "quarantine-moved")
    write_json_atomic(layout.runs / f"{run_id}.json", manifest)
    fault_point("manifest-written")
    shutil.rmtree(layout.staging(run_id), ignore_errors=True)
    with suppress(OSError):  # only when no other run's staging is there
        layout.staging_root.rmdir()
