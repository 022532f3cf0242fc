"""Recovery: making ``curated/`` consistent before any work (`recover`).

Every run (at discovery) and every compaction call `recover` under the run lock before they
read anything. It finishes what a crash interrupted after a commit point (a run's remaining
moves and its manifest; a compaction's remaining folder swaps and its manifest), and sets
damage aside: manifests and parts that cannot be read, files the job did not write.

What can be set aside is a *unit*: the articles part and the quarantine part that share one
name ``part-<id>-<n>.parquet`` in one partition. A run's unit holds all its rows; a compacted
unit (`flows.compact`) holds all the rows of several whole runs, which the compaction's
manifest lists (``units``). Setting a unit aside sets aside the manifests of all its runs, so
that their raw files are curated again: no record is lost (while its raw file is still in
``raw/``) and none is curated twice.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from flows.clusters import MERGED_FILE, STATE_FILE, read_merged, without_runs, write_merged
from flows.store import (
    CORRUPT,
    FOREIGN,
    FORGET_TAG,
    MANIFEST_KEY,
    MIGRATE_TAG,
    RUN_ID_KEY,
    Layout,
    _parts,
    finish_moves,
    fsync_dir,
    fsync_file,
    is_part_path,
    is_rewrite_id,
    run_id_of,
    staged_manifest,
    swap_folder,
    swap_state,
    write_json_atomic,
)

Manifests = dict[str, dict[str, Any]]


def recover(layout: Layout) -> list[str]:
    """Check the dataset and make it consistent; returns what was done, one line per action.
    Must be called under the run lock. Only manifests and footers are read (a few kB per part).

    - A compaction that crashed after its commit point (its first folder swap) is finished:
      its remaining swaps are done and its manifest written (``"recovered": true``); one that
      crashed before it is discarded with its staging.
    - A run whose first part (articles, or quarantine when it had no article row) is in place
      but whose manifest is missing crashed after its commit point: its staged cluster state,
      quarantine part and manifest are moved into place (roll forward), so none of its rows is
      lost or written twice.
    - A run manifest that cannot be parsed, or a committed part whose footer cannot be read
      (truncated, overwritten), puts the unit holding the run's rows aside in ``_corrupt/``
      with the manifests of all the unit's runs (moved, never deleted): the dataset stays
      readable and those runs' raw files are curated again. A compaction manifest that cannot
      be parsed is rebuilt from its parts (they hold the rows; the manifest only records them).
    - Any other file under ``articles/`` or ``quarantine/`` (a file this job did not write, a
      part of no commit) is moved to ``_foreign/``; an unreadable one to ``_corrupt/``.
    - Staging folders of dead runs and compactions, and temporary manifest files, are removed.
    - The cluster state is derived data: after rows are set aside its sizes no longer add up
      to the articles, and the next read rebuilds it (`flows.clusters.read_state`).
    """
    actions: list[str] = []
    manifests, unreadable = _read_manifests(layout)
    _finish_compactions(layout, manifests, actions)
    for rid, why in unreadable:
        if is_rewrite_id(rid):
            _rebuild_compaction_manifest(layout, rid, why, manifests, actions)
        else:
            _set_run_aside(layout, rid, why, manifests, actions)
    for top in (layout.articles, layout.quarantine):
        files = sorted(p for p in top.rglob("*") if p.is_file() or p.is_symlink()) \
            if top.exists() else []
        for path in files:
            if not path.exists() and not path.is_symlink():
                continue  # moved aside with its unit meanwhile
            _check_part(layout, top, path, manifests, actions)
    _undo_merges_of_runs_aside(layout, actions)
    if layout.staging_root.exists():
        for stale in sorted(layout.staging_root.iterdir()):
            shutil.rmtree(stale, ignore_errors=True)
            actions.append(f"removed stale staging {stale.name}")
    if layout.runs.exists():
        for tmp in sorted(layout.runs.glob(".*.tmp")):
            tmp.unlink(missing_ok=True)
            actions.append(f"removed unfinished {tmp.relative_to(layout.root)}")
    return actions


def _undo_merges_of_runs_aside(layout: Layout, actions: list[str]) -> None:
    """Drop from ``clusters/merged/merged.parquet`` the merges of runs that are not committed
    (set aside, so their raw files are curated again: they will merge again if their documents
    still link the clusters), replacing the file atomically."""
    path = layout.clusters / MERGED_FILE
    if not path.exists():
        return
    table = read_merged(layout.root)
    live = {p.stem for p in layout.runs.glob("*.json")} if layout.runs.exists() else set()
    gone = set(table.column("run_id").to_pylist()) - live
    if not gone:
        return
    kept = without_runs(table, gone)
    tmp = path.with_name(f".{path.name}.tmp")
    write_merged(kept, tmp, pq.read_schema(path).metadata or {})
    fsync_file(tmp)
    os.replace(tmp, path)
    fsync_dir(path.parent)
    actions.append(f"undid {table.num_rows - kept.num_rows} cluster merge(s) of {len(gone)} run(s) "
                   f"set aside (clusters/{MERGED_FILE})")


def _read_manifests(layout: Layout) -> tuple[Manifests, list[tuple[str, str]]]:
    """The committed manifests by id, and the ids of those that cannot be read (with why)."""
    manifests: Manifests = {}
    unreadable: list[tuple[str, str]] = []
    for path in sorted(layout.runs.glob("*.json")) if layout.runs.exists() else []:
        try:
            with open(path, encoding="utf-8") as fh:
                manifest = json.load(fh)
            if not isinstance(manifest, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            unreadable.append((path.stem, f"its manifest cannot be read: {exc}"))
            continue
        manifests[path.stem] = manifest
    return manifests, unreadable


def _check_part(layout: Layout, top: Path, path: Path, manifests: Manifests,
                actions: list[str]) -> None:
    """One file under ``articles/`` or ``quarantine/``: kept, rolled forward or set aside."""
    rel = path.relative_to(layout.root).as_posix()
    if path.is_symlink() or not is_part_path(path, top):
        aside = _move_aside(layout, path, FOREIGN)
        actions.append(f"moved {rel} to {_rel(layout, aside)}: not a file this job writes")
        return
    rid = run_id_of(path)
    try:
        meta = pq.read_metadata(path).metadata or {}
    except (OSError, pa.ArrowException) as exc:
        reason = f"{rel} cannot be read: {' '.join(str(exc).split())[:200]}"
        if rid in manifests and is_rewrite_id(rid):
            info = manifests[rid].get("units", {}).get(path.name, {})
            _set_unit_aside(layout, path.parent.name, path.name, info.get("runs", []), reason,
                            manifests, actions)
        elif rid in manifests:
            _set_run_aside(layout, rid, reason, manifests, actions)
        else:
            aside = _move_aside(layout, path, CORRUPT)
            actions.append(f"moved unreadable {rel} to {_rel(layout, aside)}: {reason}")
        return
    if rid in manifests:
        return
    footer_rid = meta.get(RUN_ID_KEY)
    if footer_rid is None or footer_rid.decode("utf-8", "replace") != rid:
        aside = _move_aside(layout, path, FOREIGN)
        actions.append(f"moved {rel} to {_rel(layout, aside)}: not written by this job (no "
                       "matching run id in its footer)")
        return
    manifest = staged_manifest(layout, rid)
    legacy = meta.get(MANIFEST_KEY)
    if manifest is None and legacy is not None and top == layout.articles:
        manifest = json.loads(legacy)  # parts written before manifests were staged
    if manifest is not None and "swaps" not in manifest:
        _roll_forward(layout, rid, path, manifest, actions)
        manifests[rid] = manifest
        return
    aside = _move_aside(layout, path, FOREIGN)
    actions.append(f"moved {rel} to {_rel(layout, aside)}: a part of no committed run")


def _rel(layout: Layout, path: Path) -> str:
    return path.relative_to(layout.root).as_posix()


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


def _live_unit_of(layout: Layout, run_id: str,
                  manifests: Manifests) -> tuple[str, str, list[str]] | None:
    """(partition, unit name, its runs) of the compacted unit in place that holds ``run_id``'s
    rows, or None (the run's rows are in its own parts, or nowhere)."""
    for manifest in manifests.values():
        if not is_rewrite_id(str(manifest.get("run_id", ""))):
            continue
        for name, info in manifest.get("units", {}).items():
            runs = info.get("runs", [])
            partition = info.get("partition") or manifest.get("partition", "")  # a takedown's
            if run_id in runs and any((top / partition / name).exists()
                                      for top in (layout.articles, layout.quarantine)):
                return partition, name, runs
    return None


def _set_run_aside(layout: Layout, run_id: str, why: str, manifests: Manifests,
                   actions: list[str]) -> None:
    """Take a committed run out of the dataset: the unit holding its rows goes to
    ``_corrupt/`` with the manifests of all that unit's runs (just the run's own parts and
    manifest when it was never compacted), so the raw files they read are curated again."""
    unit = _live_unit_of(layout, run_id, manifests)
    if unit is not None:
        partition, name, runs = unit
        _set_unit_aside(layout, partition, name, runs, f"run {run_id}: {why}", manifests, actions)
        return
    files = [p for top in (layout.articles, layout.quarantine) for p in _parts(top)
             if run_id_of(p) == run_id]
    files.append(layout.runs / f"{run_id}.json")
    moved = [_rel(layout, _move_aside(layout, p, CORRUPT)) for p in files if p.exists()]
    manifests.pop(run_id, None)
    actions.append(f"set run {run_id} aside ({why}): moved {', '.join(moved)}; its raw files "
                   "are read again")


def _set_unit_aside(layout: Layout, partition: str, name: str, runs: list[str], why: str,
                    manifests: Manifests, actions: list[str]) -> None:
    """Move a unit's parts and the manifests of the runs whose rows it holds to ``_corrupt/``."""
    files = [top / partition / name for top in (layout.articles, layout.quarantine)]
    files += [layout.runs / f"{r}.json" for r in runs]
    moved = [_rel(layout, _move_aside(layout, p, CORRUPT)) for p in files if p.exists()]
    for r in runs:
        manifests.pop(r, None)
    if runs:
        actions.append(f"set {partition}/{name} aside ({why}) with the {len(runs)} run(s) whose "
                       f"rows it holds: moved {', '.join(moved)}; their raw files are read again")
    else:
        actions.append(f"set {partition}/{name} aside ({why}): moved {', '.join(moved)}; the "
                       "runs whose rows it held are unknown (no readable compaction manifest "
                       "lists them): their raw files are not read again")


def _rebuild_compaction_manifest(layout: Layout, cid: str, why: str, manifests: Manifests,
                                 actions: list[str]) -> None:
    """Replace an unreadable compaction manifest by one rebuilt from its parts (which runs each
    unit holds, from their ``run_id`` columns); the unreadable one goes to ``_corrupt/``."""
    aside = _rel(layout, _move_aside(layout, layout.runs / f"{cid}.json", CORRUPT))
    parts = [p for top in (layout.articles, layout.quarantine) for p in _parts(top)
             if run_id_of(p) == cid]
    if not parts:
        actions.append(f"moved the manifest of compaction {cid} to {aside} ({why}): none of "
                       "its parts is in place any more")
        return
    units: dict[str, set[str]] = {}
    where = {part.name: part.parent.name for part in parts}
    for part in parts:
        try:
            ids = pq.read_table(part, columns=["run_id"]).column("run_id").unique().to_pylist()
        except (OSError, pa.ArrowException):
            ids = []  # an unreadable part: the part check sets it aside
        units.setdefault(part.name, set()).update(r for r in ids if r)
    kind = ("forget" if FORGET_TAG in cid else "migrate" if MIGRATE_TAG in cid
            else "compact")
    manifest = {"run_id": cid, "kind": kind, "partition": parts[0].parent.name,
                "inputs": [], "recovered": True,
                "rebuilt": f"the manifest could not be read ({why}); rebuilt from its parts",
                "units": {name: {"runs": sorted(runs), "partition": where[name]}
                          for name, runs in sorted(units.items())}}
    write_json_atomic(layout.runs / f"{cid}.json", manifest)
    manifests[cid] = manifest
    actions.append(f"rebuilt the manifest of compaction {cid} from its parts ({why}; the old "
                   f"one moved to {aside})")


def _finish_compactions(layout: Layout, manifests: Manifests, actions: list[str]) -> None:
    """Finish each compaction that crashed after its first folder swap (see `flows.store.
    commit_swap`): do its remaining swaps, write its manifest. One that crashed before is left
    to the removal of stale staging (the dataset never saw it)."""
    if not layout.staging_root.exists():
        return
    for staging in sorted(layout.staging_root.iterdir()):
        cid = staging.name
        manifest = staged_manifest(layout, cid)
        if cid in manifests or manifest is None or not manifest.get("swaps"):
            continue
        swaps = manifest["swaps"]
        if swap_state(layout, swaps[0]) == "pending":
            continue  # before the commit point
        for swap in swaps:
            live, staged = layout.root / swap["folder"], layout.root / swap["staged"]
            state = swap_state(layout, swap)
            if state == "aside":
                os.replace(staged, live)
                fsync_dir(live.parent)
            elif state == "pending":
                swap_folder(live, staged, layout.root / swap["aside"])
        for moved in finish_moves(layout, manifest):
            actions.append(f"moved staged {moved} into place")
        manifest["recovered"] = True
        write_json_atomic(layout.runs / f"{cid}.json", manifest)
        manifests[cid] = manifest
        if manifest.get("kind") == "forget":
            actions.append(f"completed takedown {cid}")
        elif manifest.get("kind") == "migrate":
            actions.append(f"completed migration {cid} of {manifest.get('partition', '?')}")
        else:
            actions.append(f"completed compaction {cid} of {manifest.get('partition', '?')}")


def _roll_forward(layout: Layout, run_id: str, part: Path, manifest: dict[str, Any],
                  actions: list[str]) -> None:
    """Finish the commit of a run that crashed after moving its first part into place."""
    for name in (STATE_FILE, MERGED_FILE):
        staged_file = layout.staging(run_id) / "out" / "clusters" / name
        if staged_file.exists():
            fsync_file(staged_file)
            (layout.clusters / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged_file, layout.clusters / name)
            fsync_dir((layout.clusters / name).parent)
            actions.append(f"moved staged clusters/{name} into place")
    staged_q = layout.staging(run_id) / "out" / "quarantine"
    for src in sorted(staged_q.glob("part-*.parquet")) if staged_q.exists() else []:
        dst = layout.quarantine / part.parent.name / src.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        fsync_file(src)
        os.replace(src, dst)
        fsync_dir(dst.parent)
        actions.append(f"moved staged {dst.relative_to(layout.root)} into place")
    write_json_atomic(layout.runs / f"{run_id}.json", {**manifest, "recovered": True})
    actions.append(f"completed run {run_id} from {part.relative_to(layout.root)}")
