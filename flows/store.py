"""The curated dataset on disk: layout, manifests, cluster state and atomic commits.

Layout under ``curated/``::

    articles/ingest_date=YYYY-MM-DD/part-<id>-<n>.parquet   the dataset (schema v2)
    clusters/current.parquet                                the current state of every cluster
    quarantine/ingest_date=YYYY-MM-DD/part-<id>-<n>.parquet what could not be curated
    _runs/<id>.json                                          manifests (commit records) of runs
                                                             and compactions
    _staging/<id>/                                           a commit's work in progress
    _state/                                                  caches (the discovery index, the
                                                             history index: `flows.history`)
    _forgotten/forgotten.parquet                             the takedown register (`flows.forget`)
    _corrupt/, _foreign/                                     files `recover` set aside
    .lock                                                    held by the running job

A run's Parquet files and its manifest are written under ``_staging/``, fsynced and moved into
place with ``os.replace`` (atomic on one file system): the articles part first (the commit
point; the quarantine part when the run has no article row), then the cluster state
(`flows.clusters`), then the quarantine part, then the manifest (`commit`). A part with no row
is never published. A compaction (`flows.compact`) replaces whole partition folders by staged
ones, each in one atomic exchange (`commit_swap`). A crash after a commit point is completed by
`recover` (`flows.recovery`) at the start of the next run; a crash before it leaves the dataset
as it was, and the staging it left is removed. Part footers carry the run (or compaction) id,
the schema and job versions and the fingerprint parameters: a few hundred bytes, whatever the
input (the manifest, which grows with the input, is never copied into a footer).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.clusters import merged_map, read_merged, read_state, rebuild_state

#: Footer key of parts written before run manifests were staged (read by `recover` only).
MANIFEST_KEY = b"curate.manifest"
#: Footer key naming the run that wrote a part: the only run record a part carries.
RUN_ID_KEY = b"curate.run_id"
#: A run's manifest in its staging folder, written before the commit point.
STAGED_MANIFEST = "manifest.json"
#: Folders for files set aside by `recover`: unreadable ones, and ones this job did not write.
CORRUPT, FOREIGN = "_corrupt", "_foreign"
#: What the id of a compaction commit holds (``<UTC time>-compact-<8 hex>``).
COMPACTION_TAG = "-compact-"
#: What the id of a takedown commit holds (``<UTC time>-forget-<8 hex>``; `flows.forget`).
FORGET_TAG = "-forget-"
#: What the id of a schema migration commit holds (``<UTC time>-migrate-<8 hex>``).
MIGRATE_TAG = "-migrate-"
#: The discovery index (`flows.discover`): a cache of raw files' SHA-256 by stat.
DISCOVERY_INDEX = "discovery-index.json"


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

    @property
    def state(self) -> Path:
        return self.root / "_state"

    @property
    def discovery_index(self) -> Path:
        """Where `flows.discover.discover` keeps the SHA-256 of raw files by stat."""
        return self.state / DISCOVERY_INDEX


def is_rewrite_id(commit_id: str) -> bool:
    """Whether a commit id (a manifest's name, a part's) is one that rewrites whole units
    (`commit_swap`: a compaction's, takedown's or migration's, whose manifest lists the runs of its
    units holds), not a run's."""
    return any(tag in commit_id for tag in (COMPACTION_TAG, FORGET_TAG, MIGRATE_TAG))


def fsync_dir(path: Path) -> None:
    """fsync a folder (its entries), when the system allows it."""
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
    fsync_dir(path.parent)


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


def is_part_path(path: Path, top: Path) -> bool:
    """Whether ``path`` is where `commit` puts a part: ``<top>/ingest_date=…/part-….parquet``."""
    rel = path.relative_to(top).parts
    return (len(rel) == 2 and rel[0].startswith("ingest_date=") and rel[1].startswith("part-")
            and rel[1].endswith(".parquet"))


def staged_manifest(layout: Layout, commit_id: str) -> dict[str, Any] | None:
    """The manifest a commit staged before its commit point, or None (absent or unreadable)."""
    try:
        with open(layout.staging(commit_id) / STAGED_MANIFEST, encoding="utf-8") as fh:
            out = json.load(fh)
    except (OSError, ValueError):
        return None
    return out if isinstance(out, dict) else None


def recover(layout: Layout) -> list[str]:
    """Make the dataset consistent before any work (`flows.recovery.recover`: finish commits
    interrupted after their commit point, set damage aside); returns what was done, one line
    per action. Must be called under the run lock."""
    from flows.recovery import recover as recover_dataset  # it builds on this module

    return recover_dataset(layout)


def discard_all_staging(layout: Layout) -> list[str]:
    """`discard_staging` for every run staged in the dataset (call it under the lock: the
    runs are then dead ones, or this process's own); the run ids whose staging was removed."""
    if not layout.staging_root.exists():
        return []
    return [d.name for d in sorted(layout.staging_root.iterdir()) if discard_staging(layout, d.name)]


def discard_staging(layout: Layout, run_id: str) -> bool:
    """Remove a failed run's (or compaction's) staging folder unless it passed its commit
    point (then the next run's `recover` needs it); True when removed."""
    staging = layout.staging(run_id)
    if not staging.exists() or _past_commit_point(layout, run_id):
        return False
    shutil.rmtree(staging, ignore_errors=True)
    with suppress(OSError):  # only when no other run's staging is there
        layout.staging_root.rmdir()
    return True


def _past_commit_point(layout: Layout, commit_id: str) -> bool:
    """Whether a commit moved anything into the dataset: a part of its id is in place, or a
    compaction's first folder swap has begun."""
    if any(any(top.glob(f"ingest_date=*/part-{commit_id}-*.parquet"))
           for top in (layout.articles, layout.quarantine)):
        return True
    staged = staged_manifest(layout, commit_id)
    swaps = staged.get("swaps") if staged else None
    return bool(swaps) and swap_state(layout, swaps[0]) != "pending"


def cluster_state(layout: Layout, columns: list[str] | None = None,
                  clusters: pa.Array | None = None) -> pa.Table:
    """The current cluster state (`flows.clusters`): the committed file when it is in step
    with the articles, else rebuilt from them (empty for an empty dataset). ``columns`` and
    ``clusters`` (cluster ids) select what is returned (see `flows.clusters.read_state`)."""
    parts = _parts(layout.articles)
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    state = read_state(layout.root, rows, columns, clusters)
    if state is None:
        state = rebuild_state(parts, merged=merged_map(read_merged(layout.root)))
        if clusters is not None:
            state = state.filter(pc.is_in(state.column("cluster_id"), value_set=clusters))
        state = state.select(columns) if columns is not None else state
    return state


FINGERPRINT_KEY = b"curate.fingerprint"


def fingerprint_tag(config: dict[str, Any]) -> bytes:
    """The Parquet metadata value that says how a part's signatures were made."""
    return json.dumps(config, sort_keys=True).encode()


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


def fsync_file(path: Path) -> None:
    """fsync a file's data."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _name_outputs(layout: Layout, manifest: dict[str, Any], published: list[Path]) -> None:
    """Set ``manifest["outputs"]["articles"]`` and ``["quarantine"]`` to the part of
    ``published`` (final paths) under ``articles/`` and under ``quarantine/``, relative to the
    dataset, or null when there is none; a manifest without ``outputs`` is left alone.
    A run publishes at most one part of each."""
    outputs = manifest.get("outputs")
    if outputs is None:
        return
    for key, top in (("articles", layout.articles), ("quarantine", layout.quarantine)):
        parts = sorted(p.relative_to(layout.root).as_posix() for p in published
                       if top in p.parents and p.suffix == ".parquet")
        outputs[key] = parts[0] if parts else None


def commit(layout: Layout, run_id: str, staged: list[tuple[Path, Path]], manifest: dict[str, Any]) -> None:
    """Move staged files into place (articles first, then quarantine), then the manifest.

    ``staged`` pairs a file under the staging folder with its final path. A Parquet part with
    no row is never published: it is removed from the staging (a run whose records were all
    quarantined adds no articles part). When the manifest has ``outputs``, its ``articles`` and
    ``quarantine`` entries are set to the parts published under ``articles/`` and
    ``quarantine/`` (paths relative to the dataset), null when none is (`_name_outputs`): the
    manifest names exactly the parts moved into place. The manifest is written to the staging
    folder first; every move is then an
    atomic rename of an fsynced file, so nothing after the commit point needs disk space or can
    fail for a reason of the data. The first move of a part (articles, else quarantine) is the
    commit point: before it, ``curated/`` is untouched and `recover` discards the staging;
    after it, `recover` finishes the job from the staging folder (cluster state, quarantine
    part, manifest). A commit with no part at all commits when its manifest is moved in.
    """
    kept = []
    for src, dst in staged:
        if dst.suffix == ".parquet" and layout.clusters not in dst.parents \
                and pq.read_metadata(src).num_rows == 0:
            src.unlink()
        else:
            kept.append((src, dst))
    _name_outputs(layout, manifest, [dst for _, dst in kept])
    staged_file = layout.staging(run_id) / STAGED_MANIFEST
    write_json_atomic(staged_file, manifest)
    ordered = sorted(kept, key=lambda pair: (layout.articles not in pair[1].parents,
                                             layout.clusters not in pair[1].parents))
    for src, _ in ordered:
        fsync_file(src)
    fault_point("staged")
    for src, dst in ordered:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        fsync_dir(dst.parent)
        if layout.clusters not in dst.parents:
            fault_point("articles-moved" if layout.articles in dst.parents else "quarantine-moved")
    layout.runs.mkdir(parents=True, exist_ok=True)
    os.replace(staged_file, layout.runs / f"{run_id}.json")
    fsync_dir(layout.runs)
    fault_point("manifest-written")
    shutil.rmtree(layout.staging(run_id), ignore_errors=True)
    with suppress(OSError):  # only when no other run's staging is there
        layout.staging_root.rmdir()


#: The points of `commit_swap` where the hook can stop a compaction, in order (a swap's point
#: is named after its folder: ``swap-articles-done``, ``swap-quarantine-done``).
SWAP_FAULT_POINTS = ("swap-staged", "swap-articles-done", "swap-quarantine-done",
                     "swap-manifest-written")
#: ``renameat2`` arguments (Linux, glibc 2.28+).
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Exchange the paths ``a`` and ``b`` in one atomic step (``renameat2`` with
    ``RENAME_EXCHANGE``); False, with nothing changed, where the system or the file system
    cannot (not Linux, an old C library, a file system without it)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def swap_folder(live: Path, staged: Path, aside: Path) -> None:
    """Put the folder ``staged`` (same file system) where the folder ``live`` is.

    Guarantees: where the system can exchange two paths atomically (Linux), a reader listing
    ``live`` sees the old folder or the new one, never a mix, and ``staged`` then holds the old
    folder. Elsewhere ``live`` is first moved to ``aside``, then ``staged`` moved in: in
    between, a reader finds the partition missing, and a crash there is finished by `recover`.
    """
    if not _exchange(staged, live):
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(live, aside)
        fsync_dir(live.parent)
        fault_point("swap-folder-aside")
        os.replace(staged, live)
    fsync_dir(live.parent)
    fsync_dir(staged.parent)


def swap_state(layout: Layout, swap: dict[str, Any]) -> str:
    """Where one folder swap of a `commit_swap` manifest stands: ``"done"`` (the live folder
    holds none of the files it replaces), ``"aside"`` (the live folder was moved aside, the
    staged one not yet moved in) or ``"pending"`` (not begun)."""
    live = layout.root / swap["folder"]
    if not live.exists():
        return "aside"
    return "pending" if any((live / name).exists() for name in swap["replaced"]) else "done"


def finish_moves(layout: Layout, manifest: dict[str, Any]) -> list[str]:
    """Move the staged files a `commit_swap` manifest lists (``moves``) into place, those not
    moved yet; returns the dataset paths moved."""
    done = []
    for move in manifest.get("moves") or []:
        src, dst = layout.root / move["staged"], layout.root / move["final"]
        if not src.exists():
            continue  # moved before a crash
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        fsync_dir(dst.parent)
        done.append(move["final"])
    return done


def commit_swap(layout: Layout, commit_id: str, swaps: list[tuple[Path, Path]],
                manifest: dict[str, Any], moves: list[tuple[Path, Path]] | None = None) -> None:
    """Replace live folders of the dataset by staged ones, then record the commit in ``_runs/``.

    ``swaps`` pairs a live partition folder (``articles/ingest_date=…`` first, then
    ``quarantine/…``) with the folder under ``_staging/<commit_id>/`` that replaces it; files
    kept are in both (hard links), every other live file is replaced (at least one per swap).
    The manifest, with the swaps and the files each replaces (``swaps``), is staged first; the
    first swap (`swap_folder`) is the commit point: before it ``curated/`` is untouched and
    `recover` discards the staging; after it `recover` does the remaining swaps and writes the
    manifest. So after a crash each folder holds its old files or its new ones, never both,
    never neither (outside the moment between two renames where no exchange exists).
    ``moves`` pairs staged files (under the staging folder) with the dataset files they replace
    (the cluster state, the takedown register): they are recorded in the manifest (``moves``)
    and moved into place after the swaps, by `recover` too after a crash past the commit point.
    """
    staging = layout.staging(commit_id)
    manifest["moves"] = [{"staged": src.relative_to(layout.root).as_posix(),
                          "final": dst.relative_to(layout.root).as_posix()}
                         for src, dst in moves or []]
    for src, _ in moves or []:
        fsync_file(src)
    manifest["swaps"] = []
    for live, staged in swaps:
        replaced = sorted({p.name for p in live.iterdir()} - {p.name for p in staged.iterdir()})
        if not replaced:
            raise ValueError(f"swap of {live} replaces no file")
        folder = live.relative_to(layout.root)
        manifest["swaps"].append({
            "folder": folder.as_posix(), "staged": staged.relative_to(layout.root).as_posix(),
            "aside": (staging / "aside" / folder).relative_to(layout.root).as_posix(),
            "replaced": replaced,
        })
        for path in staged.iterdir():
            fsync_file(path)
        fsync_dir(staged)
    staged_file = staging / STAGED_MANIFEST
    write_json_atomic(staged_file, manifest)
    fault_point("swap-staged")
    for (live, staged), swap in zip(swaps, manifest["swaps"], strict=True):
        swap_folder(live, staged, layout.root / swap["aside"])
        fault_point(f"swap-{live.parent.name}-done")
    finish_moves(layout, manifest)
    layout.runs.mkdir(parents=True, exist_ok=True)
    os.replace(staged_file, layout.runs / f"{commit_id}.json")
    fsync_dir(layout.runs)
    fault_point("swap-manifest-written")
    shutil.rmtree(staging, ignore_errors=True)
    with suppress(OSError):  # only when no other commit's staging is there
        layout.staging_root.rmdir()
