"""The curated dataset on disk: layout, lock, manifests, recovery, history and atomic commit.

Layout under ``curated/``::

    articles/ingest_date=YYYY-MM-DD/part-<run_id>-<n>.parquet   the dataset (schema v1), append-only
    clusters/current.parquet                                    the current state of every cluster
    quarantine/ingest_date=YYYY-MM-DD/part-<run_id>-<n>.parquet what could not be curated
    _runs/<run_id>.json                                          run manifests (commit records)
    _staging/<run_id>/                                           a run's work in progress
    _corrupt/, _foreign/                                         files `recover` set aside
    .lock                                                        held by the running job

A run's Parquet files and its manifest are written under ``_staging/``, fsynced and moved into
place with ``os.replace`` (atomic on one file system): the articles part first (the commit
point), then the cluster state (`flows.clusters`), then the quarantine part, then the manifest. A crash after the commit point is completed
by `recover` at the start of the next run (roll forward from the staging folder); a crash before
it leaves the dataset as it was, and the staging it left is removed. Part footers carry the run
id, the schema and job versions and the fingerprint parameters: a few hundred bytes, whatever
the input (the manifest, which grows with the input, is never copied into a footer).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from cleaners.dedup import History
from flows.clusters import STATE_FILE, read_state, rebuild_state

#: Footer key of parts written before run manifests were staged (read by `recover` only).
MANIFEST_KEY = b"curate.manifest"
#: Footer key naming the run that wrote a part: the only run record a part carries.
RUN_ID_KEY = b"curate.run_id"
#: A run's manifest in its staging folder, written before the commit point.
STAGED_MANIFEST = "manifest.json"
#: Folders for files set aside by `recover`: unreadable ones, and ones this job did not write.
CORRUPT, FOREIGN = "_corrupt", "_foreign"


@dataclass(frozen=True)
class Layout:
    """Paths of a curated dataset rooted at ``root``."""

    root: Path

    @property
    def articles(self) -> Path:
        return self.root / "articles"

    @property
    def clusters(self) -> Path:
        return self.root / "clusters"

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


def article_parts(layout: Layout) -> list[Path]:
    """The committed articles parts, sorted."""
    return _parts(layout.articles)


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("ingest_date=*/part-*.parquet")) if folder.exists() else []


def run_id_of(part: Path) -> str:
    """The run id in a part file name ``part-<run_id>-<n>.parquet``."""
    return part.stem[len("part-"):].rsplit("-", 1)[0]


def _is_part_path(path: Path, top: Path) -> bool:
    """Whether ``path`` is where `commit` puts a part: ``<top>/ingest_date=…/part-….parquet``."""
    rel = path.relative_to(top).parts
    return (len(rel) == 2 and rel[0].startswith("ingest_date=") and rel[1].startswith("part-")
            and rel[1].endswith(".parquet"))


def _move_aside(layout: Layout, path: Path, folder: str) -> Path:
    """Move ``path`` (inside the dataset) to ``<root>/<folder>/<its relative path>``; never
    overwrites (a numbered name is used when taken). Returns the new path."""
    rel = path.relative_to(layout.root)
    dst = layout.root / folder / rel
    n = 1
    while dst.exists() or dst.is_symlink():
        dst = layout.root / folder / rel.with_name(f"{rel.name}.{n}")
        n += 1
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, dst)
    return dst


def _footer_run_id(part: Path) -> tuple[str | None, bytes | None]:
    """(the run id, the legacy embedded manifest) in a part's footer. Raises `OSError` or
    `pyarrow.ArrowException` when the footer cannot be read (a truncated or foreign file)."""
    meta = pq.read_metadata(part).metadata or {}
    rid = meta.get(RUN_ID_KEY)
    return (rid.decode("utf-8", "replace") if rid is not None else None), meta.get(MANIFEST_KEY)


def _staged_manifest(layout: Layout, run_id: str) -> dict[str, Any] | None:
    """The manifest a run staged before its commit point, or None (absent or unreadable)."""
    try:
        with open(layout.staging(run_id) / STAGED_MANIFEST, encoding="utf-8") as fh:
            out = json.load(fh)
    except (OSError, ValueError):
        return None
    return out if isinstance(out, dict) else None


def _set_run_aside(layout: Layout, run_id: str, why: str, actions: list[str]) -> None:
    """Move every file of a committed run (its parts and its manifest) to ``_corrupt/``: the
    run is no longer part of the dataset, so the raw files it read are curated again by the
    next run that finds them."""
    files = [p for top in (layout.articles, layout.quarantine) for p in _parts(top)
             if run_id_of(p) == run_id]
    files.append(layout.runs / f"{run_id}.json")
    moved = [_move_aside(layout, p, CORRUPT).relative_to(layout.root).as_posix()
             for p in files if p.exists()]
    actions.append(f"set run {run_id} aside ({why}): moved {', '.join(moved)}; its raw files "
                   "are read again")


def recover(layout: Layout) -> list[str]:
    """Check the dataset and make it consistent before a run does any work; returns what was
    done, one line per action. Must be called under the run lock.

    - A run manifest that cannot be parsed, or a committed part whose footer cannot be read
      (truncated, overwritten), puts its whole run aside in ``_corrupt/`` (parts and
      manifest, moved, never deleted): the dataset stays readable and the run's raw files are
      curated again.
    - A run whose articles part is in place but whose manifest is missing crashed after its
      commit point: its staged quarantine part (if any) and its staged manifest are moved into
      place (roll forward), so none of its rows is lost or written twice.
    - Any other file under ``articles/`` or ``quarantine/`` (a file this job did not write, a
      part of no run) is moved to ``_foreign/``; an unreadable one to ``_corrupt/``.
    - Staging folders of dead runs and temporary manifest files are removed.
    - The cluster state is derived data: after a run is set aside its sizes no longer add up
      to the articles, and the next read rebuilds it (`flows.clusters.read_state`).

    Only footers are read (a few kB per part), never the data.
    """
    actions: list[str] = []
    committed: set[str] = set()
    if layout.runs.exists():
        for path in sorted(layout.runs.glob("*.json")):
            try:
                with open(path, encoding="utf-8") as fh:
                    if not isinstance(json.load(fh), dict):
                        raise ValueError("not a JSON object")
            except (OSError, ValueError) as exc:
                _set_run_aside(layout, path.stem, f"its manifest cannot be read: {exc}", actions)
                continue
            committed.add(path.stem)
    for top in (layout.articles, layout.quarantine):
        files = sorted(p for p in top.rglob("*") if p.is_file() or p.is_symlink()) if top.exists() else []
        for path in files:
            if not path.exists() and not path.is_symlink():
                continue  # moved aside with its run meanwhile
            rel = path.relative_to(layout.root).as_posix()
            if path.is_symlink() or not _is_part_path(path, top):
                aside = _move_aside(layout, path, FOREIGN)
                actions.append(f"moved {rel} to {aside.relative_to(layout.root).as_posix()}: "
                               "not a file this job writes")
                continue
            rid = run_id_of(path)
            try:
                footer_rid, legacy = _footer_run_id(path)
            except (OSError, pa.ArrowException) as exc:
                reason = f"{rel} cannot be read: {' '.join(str(exc).split())[:200]}"
                if rid in committed:
                    _set_run_aside(layout, rid, reason, actions)
                    committed.discard(rid)
                else:
                    aside = _move_aside(layout, path, CORRUPT)
                    actions.append(f"moved unreadable {rel} to "
                                   f"{aside.relative_to(layout.root).as_posix()}: {reason}")
                continue
            if rid in committed:
                continue
            if footer_rid != rid:
                aside = _move_aside(layout, path, FOREIGN)
                actions.append(f"moved {rel} to {aside.relative_to(layout.root).as_posix()}: "
                               "not written by this job (no matching run id in its footer)")
                continue
            manifest = _staged_manifest(layout, rid)
            if manifest is None and legacy is not None:
                manifest = json.loads(legacy)  # parts written before manifests were staged
            if top == layout.articles and manifest is not None:
                _roll_forward(layout, rid, path, manifest, actions)
                committed.add(rid)
                continue
            aside = _move_aside(layout, path, FOREIGN)
            actions.append(f"moved {rel} to {aside.relative_to(layout.root).as_posix()}: "
                           "a part of no committed run")
    if layout.staging_root.exists():
        for stale in sorted(layout.staging_root.iterdir()):
            shutil.rmtree(stale, ignore_errors=True)
            actions.append(f"removed stale staging {stale.name}")
    if layout.runs.exists():
        for tmp in sorted(layout.runs.glob(".*.tmp")):
            tmp.unlink(missing_ok=True)
            actions.append(f"removed unfinished {tmp.relative_to(layout.root)}")
    return actions


def _roll_forward(layout: Layout, run_id: str, part: Path, manifest: dict[str, Any],
                  actions: list[str]) -> None:
    """Finish the commit of a run that crashed after moving its articles part into place."""
    staged_state = layout.staging(run_id) / "out" / "clusters" / STATE_FILE
    if staged_state.exists():
        _fsync_file(staged_state)
        layout.clusters.mkdir(parents=True, exist_ok=True)
        os.replace(staged_state, layout.clusters / STATE_FILE)
        _fsync_dir(layout.clusters)
        actions.append(f"moved staged clusters/{STATE_FILE} into place")
    staged_q = layout.staging(run_id) / "out" / "quarantine"
    for src in sorted(staged_q.glob("part-*.parquet")) if staged_q.exists() else []:
        dst = layout.quarantine / part.parent.name / src.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        _fsync_file(src)
        os.replace(src, dst)
        _fsync_dir(dst.parent)
        actions.append(f"moved staged {dst.relative_to(layout.root)} into place")
    write_json_atomic(layout.runs / f"{run_id}.json", {**manifest, "recovered": True})
    actions.append(f"completed run {run_id} from {part.relative_to(layout.root)}")


def discard_all_staging(layout: Layout) -> list[str]:
    """`discard_staging` for every run staged in the dataset (call it under the lock: the
    runs are then dead ones, or this process's own); the run ids whose staging was removed."""
    if not layout.staging_root.exists():
        return []
    return [d.name for d in sorted(layout.staging_root.iterdir()) if discard_staging(layout, d.name)]


def discard_staging(layout: Layout, run_id: str) -> bool:
    """Remove a failed run's staging folder unless the run passed its commit point (then the
    next run's `recover` needs it); True when removed."""
    staging = layout.staging(run_id)
    if not staging.exists() or any(layout.articles.glob(f"ingest_date=*/part-{run_id}-*.parquet")):
        return False
    shutil.rmtree(staging, ignore_errors=True)
    with suppress(OSError):  # only when no other run's staging is there
        layout.staging_root.rmdir()
    return True


HISTORY_COLUMNS = ["doc_id", "lang", "minhash", "text_hash", "cluster_id", "shingle_count"]


def cluster_state(layout: Layout) -> pa.Table:
    """The current cluster state (`flows.clusters`): the committed file when it is in step
    with the articles, else rebuilt from them (empty for an empty dataset)."""
    parts = _parts(layout.articles)
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    state = read_state(layout.root, rows)
    return state if state is not None else rebuild_state(parts)


FINGERPRINT_KEY = b"curate.fingerprint"


def fingerprint_tag(config: dict[str, Any]) -> bytes:
    """The Parquet metadata value that says how a part's signatures were made."""
    return json.dumps(config, sort_keys=True).encode()


def load_history(layout: Layout, num_perm: int, fingerprint: dict[str, Any] | None = None) -> History | None:
    """The signatures and cluster columns of every committed article row, or ``None``.

    ``is_canonical`` marks each cluster's current canonical, with its length and publication
    time (the re-election keys), from the cluster state (`cluster_state`). Reads only the
    matching columns (never ``text``, unless the cluster state must be rebuilt). Signatures made otherwise than this job
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
    state = cluster_state(layout)
    # The current canonical of each cluster, and its rank keys (for re-election).
    which = pc.index_in(table.column("doc_id"), value_set=state.column("canonical_doc_id"))
    is_canonical = which.is_valid().to_numpy(zero_copy_only=False)
    lengths = pc.take(state.column("canonical_text_length"), which).to_numpy(zero_copy_only=False)
    published = pc.cast(pc.take(state.column("canonical_published_at"), which), pa.int64())
    return History(
        doc_ids=table.column("doc_id").to_pylist(),
        langs=table.column("lang").to_pylist(),
        signatures=np.ascontiguousarray(sig, dtype=np.uint32),
        text_hashes=table.column("text_hash").to_pylist(),
        cluster_ids=table.column("cluster_id").to_pylist(),
        is_canonical=is_canonical,
        n_features=table.column("shingle_count").to_numpy(zero_copy_only=False).astype(np.int64),
        lengths=np.nan_to_num(np.asarray(lengths, dtype=np.float64), nan=0.0),
        published_at=np.asarray(published.to_numpy(zero_copy_only=False), dtype=np.float64) / 1e6,
    )


#: The points of `commit` where the hook can stop a run, in order.
FAULT_POINTS = ("staged", "articles-moved", "quarantine-moved", "manifest-written")


def fault_point(name: str) -> None:
    """Crash-test hook: pause here when ``CURATE_TEST_PAUSE_AT`` names this point.

    When the variable equals ``name``, the process writes ``"<pid> <name>"`` to the file named
    by ``CURATE_TEST_PAUSE_FILE`` and waits, holding the run lock, until that file is deleted
    (then goes on) or the process is killed; a test uses it to SIGKILL a run at exactly this
    point of the commit, or to hold the lock. Without the variable this does nothing.
    """
    from flows.settings import environment

    env = environment()
    if env.test_pause_at != name:
        return
    marker = env.test_pause_file or Path(f"curate-paused-{os.getpid()}")
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
    """Move staged files into place (articles first, then quarantine), then the manifest.

    ``staged`` pairs a file under the staging folder with its final path. The manifest is
    written to the staging folder first; every move is then an atomic rename of an fsynced
    file, so nothing after the commit point needs disk space or can fail for a reason of the
    data. The move of the articles part is the commit point: before it, ``curated/`` is
    untouched and `recover` discards the staging; after it, `recover` finishes the job from the
    staging folder (cluster state, quarantine part, manifest).
    """
    staged_manifest = layout.staging(run_id) / STAGED_MANIFEST
    write_json_atomic(staged_manifest, manifest)
    ordered = sorted(staged, key=lambda pair: (layout.articles not in pair[1].parents,
                                               layout.clusters not in pair[1].parents))
    for src, _ in ordered:
        _fsync_file(src)
    fault_point("staged")
    for src, dst in ordered:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        _fsync_dir(dst.parent)
        if layout.clusters not in dst.parents:
            fault_point("articles-moved" if layout.articles in dst.parents else "quarantine-moved")
    layout.runs.mkdir(parents=True, exist_ok=True)
    os.replace(staged_manifest, layout.runs / f"{run_id}.json")
    _fsync_dir(layout.runs)
    fault_point("manifest-written")
    shutil.rmtree(layout.staging(run_id), ignore_errors=True)
    with suppress(OSError):  # only when no other run's staging is there
        layout.staging_root.rmdir()
