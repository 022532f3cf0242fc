"""Compaction: merging the small part files of ``curated/`` into large ones.

Each run adds an articles part and at most one quarantine part to the partition of its day
(``ingest_date=YYYY-MM-DD``): hourly runs make up to 48 small files a day, 17,520 a year, and
every query opens each of them. `compact` merges, partition by partition, the small *units* (the
articles part and the quarantine part sharing one name; a run's unit holds all its rows) into
units of ``target_bytes`` (128 MiB by default) and more. A compacted unit holds whole runs, so
that recovery can still set damage aside run by run (`flows.recovery`).

Rows are sorted by ``cluster_id`` (then ``doc_id``) in articles parts and by ``source_file``
(then ``record_index``) in quarantine parts, and written in row groups of about
`ROW_GROUP_BYTES`, so that row-group statistics prune a lookup by story (``cluster_id`` is a
hash: unsorted, every row group spans all of its values). ``published_at`` is not the sort
key: the partition already bounds the time of ingestion, and news is ingested within days
of publication.

The Hive partitioning is kept (a partition is compacted within itself), so readers'
queries (``curated/articles/**/*.parquet``, ``hive_partitioning``, filters on ``ingest_date``)
work unchanged. A compaction runs under the run lock after `flows.store.recover`, and replaces
each partition folder by a staged one in one atomic exchange (`flows.store.commit_swap`):
readers see the old files or the new ones. It records itself in ``_runs/<id>.json``
(``"kind": "compact"``). Every row is kept, column by column; ``clusters/current.parquet`` is
not touched (the same rows, so the same clusters).

`compact_closed_days` is the policy a scheduled flow applies after its commit; `compact_main`
is ``curate compact``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows import store
from flows.cli_args import positive_int
from flows.errors import AccountingError, CurateError, LockBusy
from flows.lock import run_lock
from flows.run import JOB_VERSION, utcnow, versions
from flows.schema import SCHEMA_VERSION

DEFAULT_TARGET_MB = 128
#: `compact_closed_days` compacts a closed day once it has this many small units (hourly runs
#: make 24 a day).
AUTO_MIN_UNITS = 8
#: Arrow (uncompressed) bytes per row group of a compacted part.
ROW_GROUP_BYTES = 32 << 20
ARTICLES_ORDER = [("cluster_id", "ascending"), ("doc_id", "ascending")]
QUARANTINE_ORDER = [("source_file", "ascending"), ("record_index", "ascending"),
                    ("run_id", "ascending")]
PARTITION_PREFIX = "ingest_date="
#: Footer keys copied from the merged parts (the run id and job version are the compaction's).
_KEPT_KEYS = (b"curate.schema_version", store.FINGERPRINT_KEY)


@dataclass(frozen=True)
class Unit:
    """The parts of one name in one partition: a run's, or a compacted unit's."""

    name: str
    articles: Path | None
    quarantine: Path | None

    @property
    def nbytes(self) -> int:
        return sum(p.stat().st_size for p in (self.articles, self.quarantine) if p is not None)


@dataclass
class Compacted:
    """What compaction did to one partition (``commit_id`` None: skipped, ``skipped`` says why)."""

    partition: str
    commit_id: str | None = None
    units_before: int = 0
    units_after: int = 0
    rows: int = 0
    quarantined: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    skipped: str | None = None

    def line(self) -> str:
        """One line for the log and the command line."""
        if self.commit_id is None:
            return f"{self.partition}: not compacted: {self.skipped}"
        return (f"{self.partition}: {self.units_before} small unit(s), "
                f"{self.bytes_before / 1e6:.1f} MB -> {self.units_after} unit(s), "
                f"{self.bytes_after / 1e6:.1f} MB; {self.rows} row(s) and {self.quarantined} "
                f"quarantine row(s) kept (compaction {self.commit_id})")


@dataclass
class CompactionReport:
    """What `compact` did: recovery actions first, then one entry per partition it tried."""

    recovered: list[str] = field(default_factory=list)
    partitions: list[Compacted] = field(default_factory=list)


def new_compaction_id() -> str:
    """``<UTC time>-compact-<8 hex>``: sorts with run ids, and says what it is."""
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return f"{now}{store.COMPACTION_TAG}{uuid.uuid4().hex[:8]}"


def partitions_of(layout: store.Layout) -> list[str]:
    """The partition folder names (``ingest_date=…``) of articles and quarantine, sorted."""
    names = {p.name for top in (layout.articles, layout.quarantine) if top.is_dir()
             for p in top.glob(f"{PARTITION_PREFIX}*") if p.is_dir()}
    return sorted(names)


def day_of(partition: str) -> date | None:
    """The date of a partition folder name, or None when it is not one."""
    try:
        return date.fromisoformat(partition.removeprefix(PARTITION_PREFIX))
    except ValueError:
        return None


def units_of(layout: store.Layout, partition: str) -> list[Unit]:
    """The units of a partition, by name (oldest first: names start with a UTC time)."""
    found: dict[str, dict[str, Path]] = {}
    for top in (layout.articles, layout.quarantine):
        for part in sorted((top / partition).glob("part-*.parquet")):
            found.setdefault(part.name, {})[top.name] = part
    return [Unit(name, f.get("articles"), f.get("quarantine")) for name, f in sorted(found.items())]


def plan_bins(units: list[Unit], target_bytes: int) -> list[list[Unit]]:
    """The groups of small units (under ``target_bytes``) to merge, each into one unit.

    Guarantees: units at or over the target are never in a group; units are taken in name
    order and a group is closed once it reaches the target; a last group under the target
    joins the one before it, so every group but a partition's only one reaches the target; a
    group of one unit (nothing to merge) is dropped.
    """
    bins: list[list[Unit]] = []
    current: list[Unit] = []
    size = 0
    for unit in units:
        nbytes = unit.nbytes
        if nbytes >= target_bytes:
            continue
        current.append(unit)
        size += nbytes
        if size >= target_bytes:
            bins.append(current)
            current, size = [], 0
    if current:
        if bins:
            bins[-1].extend(current)
        else:
            bins.append(current)
    return [b for b in bins if len(b) > 1]


def compact(curated_dir: str | Path, target_bytes: int = DEFAULT_TARGET_MB << 20,
            min_units: int = 2, partitions: Iterable[str] | None = None,
            wait_seconds: float = 0.0, row_group_bytes: int = ROW_GROUP_BYTES,
            log: Callable[[str], Any] | None = None) -> CompactionReport:
    """Compact the partitions of ``curated_dir`` (all, or those named in ``partitions``) that
    hold at least ``min_units`` units under ``target_bytes``.

    Takes the run lock (waiting ``wait_seconds``; `LockBusy` when another process holds it)
    and runs `flows.store.recover` first. Each partition is one commit: its small units are
    merged in groups (`plan_bins`) into units of ``target_bytes`` and more, then its folders
    are exchanged for the staged ones (`flows.store.commit_swap`); a failure or a crash before
    the exchange leaves it as it was. Guarantees: the rows of every partition, column by
    column, and the cluster state are the same before and after; parts of different schemas
    or fingerprint parameters are never merged (the partition is skipped, with the reason).
    ``log`` gets one line per recovery action and per partition.
    """
    layout = store.Layout(Path(curated_dir))
    report = CompactionReport()
    say = log or (lambda _line: None)
    wanted = set(partitions) if partitions is not None else None
    with rewrite_lock(layout, wait_seconds, "curate compact", say=say) as recovered:
        report.recovered = recovered
        for partition in partitions_of(layout):
            if wanted is not None and partition not in wanted:
                continue
            units = units_of(layout, partition)
            if sum(u.nbytes < target_bytes for u in units) < max(min_units, 2):
                continue
            bins = plan_bins(units, target_bytes)
            if not bins:
                continue
            done = _compact_partition(layout, partition, bins, target_bytes, row_group_bytes)
            report.partitions.append(done)
            say(done.line())
    return report


def compact_closed_days(curated_dir: str | Path, today: date, min_units: int = AUTO_MIN_UNITS,
                        target_bytes: int = DEFAULT_TARGET_MB << 20,
                        log: Callable[[str], Any] | None = None) -> CompactionReport | None:
    """The automatic policy: compact each partition whose day is over (before ``today``, UTC)
    and that holds at least ``min_units`` small units; None, having read nothing but the
    folder listings, when no partition is due. Call it under the run lock or not (`compact`
    takes it, re-entrant in the process that holds it)."""
    layout = store.Layout(Path(curated_dir))
    due = []
    for partition in partitions_of(layout):
        day = day_of(partition)
        if day is None or day >= today:
            continue
        if sum(u.nbytes < target_bytes for u in units_of(layout, partition)) >= min_units:
            due.append(partition)
    if not due:
        return None
    return compact(layout.root, target_bytes, min_units, due, log=log)


def _tags(part: Path) -> tuple[dict[bytes, bytes], pa.Schema]:
    schema = pq.read_schema(part)
    meta = {k: v for k, v in (schema.metadata or {}).items() if k in _KEPT_KEYS}
    return meta, schema.remove_metadata()


def _compatible(parts: list[Path]) -> str | None:
    """Why these parts (all articles, or all quarantine) cannot be merged, or None."""
    if not parts:
        return None
    first = _tags(parts[0])
    for part in parts[1:]:
        meta, schema = _tags(part)
        if meta != first[0] or not schema.equals(first[1]):
            return (f"{part.name} and {parts[0].name} differ in schema, schema version or "
                    "fingerprint parameters")
    return None


def _link_or_copy(src: Path, dst: Path) -> None:
    """``dst`` the same file as ``src``: a hard link, or a copy where links are refused."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@contextlib.contextmanager
def rewrite_lock(layout: store.Layout, wait_seconds: float, owner: str, *, recover: bool = True,
                 say: Callable[[str], Any] = lambda _line: None) -> Iterator[list[str]]:
    """The run lock for a command that rewrites units (compaction, takedown, migration), held
    for the ``with`` block (waiting ``wait_seconds``; `LockBusy` when another process holds
    it), the dataset recovered first unless ``recover`` is false (a dry run); yields recovery's
    actions, each also given to ``say`` as ``recovery: …``."""
    with run_lock(layout.root, wait_seconds, owner=owner):
        recovered = store.recover(layout) if recover else []
        for line in recovered:
            say(f"recovery: {line}")
        yield recovered


@contextlib.contextmanager
def staging_discarded_on_failure(layout: store.Layout, commit_id: str) -> Iterator[None]:
    """Remove the staging of commit ``commit_id`` if the ``with`` block raises (anything,
    an interruption included): a rewrite that did not reach its commit point leaves nothing."""
    try:
        yield
    except BaseException:
        store.discard_staging(layout, commit_id)
        raise


#: Which rows a rewrite drops (`stage_units`): a table in, a boolean mask out (True: drop).
RowFilter = Callable[[pa.Table], pa.Array]
#: How a rewrite converts a unit's rows (`stage_units`; a schema migration): same rows out.
Convert = Callable[[pa.Table], pa.Table]


def _merge(parts: list[Path], out: Path, order: list[tuple[str, str]], commit_id: str,
           row_group_bytes: int, drop: RowFilter | None = None, convert: Convert | None = None,
           footer: dict[bytes, bytes] | None = None) -> tuple[int, set[str]]:
    """Write the rows of ``parts`` (``convert``ed, less those ``drop`` marks) sorted by
    ``order`` into ``out`` (no file when no row is left), with the footer keys of the first
    part updated by ``footer``; returns (rows written, the run ids of the rows read)."""
    if not parts:
        return 0, set()
    meta = {**_tags(parts[0])[0], **(footer or {}), store.RUN_ID_KEY: commit_id,
            b"curate.job_version": JOB_VERSION.encode()}
    table = pa.concat_tables([pq.read_table(p).replace_schema_metadata(None) for p in parts])
    if convert is not None:
        table = convert(table)
    runs = set(pc.unique(table.column("run_id")).to_pylist()) if table.num_rows else set()
    if drop is not None and table.num_rows:
        table = table.filter(pc.invert(pc.fill_null(drop(table), False)))
    if table.num_rows == 0:
        return 0, runs
    indices = pc.sort_indices(table, sort_keys=order)
    rows_per_group = max(1, row_group_bytes * table.num_rows // max(table.nbytes, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    sorting = pq.SortingColumn.from_ordering(table.schema, order)  # leaf column indices
    with pq.ParquetWriter(out, table.schema.with_metadata(meta), compression="zstd",
                          sorting_columns=sorting) as writer:
        for start in range(0, table.num_rows, rows_per_group):  # one sorted row group at a time
            writer.write_table(table.take(indices.slice(start, rows_per_group)),
                               row_group_size=rows_per_group)
    return table.num_rows, runs


@dataclass
class Staged:
    """A partition's units rewritten under a commit's staging folder, not yet in place."""

    swaps: list[tuple[Path, Path]]
    units: dict[str, dict[str, Any]]
    rows: int = 0
    quarantined: int = 0
    nbytes: int = 0


def stage_units(layout: store.Layout, commit_id: str, partition: str, bins: list[list[Unit]],
                row_group_bytes: int = ROW_GROUP_BYTES, first: int = 0,
                drop_articles: RowFilter | None = None,
                drop_quarantine: RowFilter | None = None,
                convert_articles: Convert | None = None,
                footer: dict[bytes, bytes] | None = None) -> Staged:
    """Stage the rewrite of ``partition``: each group of ``bins`` becomes one unit
    ``part-<commit_id>-<n>.parquet`` (``n`` from ``first``), its rows sorted, less the rows the
    ``drop_*`` filters mark, its article rows converted by ``convert_articles``, the footer
    keys of its parts updated by ``footer`` (e.g. a new schema version); every other file of
    the partition is hard-linked beside them.

    Guarantees: nothing outside ``_staging/<commit_id>/`` is written; the returned ``swaps``
    (live folder, staged folder) are what `flows.store.commit_swap` needs, one per folder
    holding a replaced unit; ``units`` records, per new unit, the runs whose rows the replaced
    units held (also when none is left), its rows and the units it replaces.
    """
    new = {top: layout.staging(commit_id) / "new" / top.name / partition
           for top in (layout.articles, layout.quarantine)}
    replaced = {u.name for group in bins for u in group}
    out = Staged([], {})
    for top, staged in new.items():
        live = top / partition
        if not any((live / name).exists() for name in replaced):
            continue
        staged.mkdir(parents=True)
        for path in sorted(live.iterdir()):
            if path.name not in replaced:
                _link_or_copy(path, staged / path.name)
        out.swaps.append((live, staged))
    for n, group in enumerate(bins, start=first):
        name = f"part-{commit_id}-{n}.parquet"
        rows, runs = _merge([u.articles for u in group if u.articles], new[layout.articles] / name,
                            ARTICLES_ORDER, commit_id, row_group_bytes, drop_articles,
                            convert_articles, footer)
        quarantined, q_runs = _merge([u.quarantine for u in group if u.quarantine],
                                     new[layout.quarantine] / name, QUARANTINE_ORDER, commit_id,
                                     row_group_bytes, drop_quarantine, footer=footer)
        out.units[name] = {"runs": sorted(runs | q_runs), "rows": rows, "quarantined": quarantined,
                           "replaced": [u.name for u in group], "partition": partition}
        out.rows += rows
        out.quarantined += quarantined
    out.nbytes = sum(p.stat().st_size for d in new.values() if d.exists()
                     for p in d.glob(f"part-{commit_id}-*.parquet"))
    return out


def _compact_partition(layout: store.Layout, partition: str, bins: list[list[Unit]],
                       target_bytes: int, row_group_bytes: int) -> Compacted:
    """Merge each group of ``bins`` into one unit and swap the partition's folders (one
    commit); the staging is removed on failure (unless the commit point was passed)."""
    merged = [u for group in bins for u in group]
    articles = [u.articles for u in merged if u.articles]
    quarantine = [u.quarantine for u in merged if u.quarantine]
    why = _compatible(articles) or _compatible(quarantine)
    if why:
        return Compacted(partition, skipped=why)
    commit_id = new_compaction_id()
    started = utcnow()
    with staging_discarded_on_failure(layout, commit_id):
        staged = stage_units(layout, commit_id, partition, bins, row_group_bytes)
        done = Compacted(partition, units_before=len(merged), units_after=len(bins),
                         bytes_before=sum(u.nbytes for u in merged), rows=staged.rows,
                         quarantined=staged.quarantined, bytes_after=staged.nbytes)
        expected = sum(pq.read_metadata(p).num_rows for p in articles)
        expected_q = sum(pq.read_metadata(p).num_rows for p in quarantine)
        if (done.rows, done.quarantined) != (expected, expected_q):
            raise AccountingError(f"compaction of {partition} wrote {done.rows} + "
                                  f"{done.quarantined} row(s) for {expected} + {expected_q}: "
                                  "nothing committed")
        manifest = {
            "run_id": commit_id, "kind": "compact", "schema_version": SCHEMA_VERSION,
            "versions": versions(), "started_at": started.isoformat(), "partition": partition,
            "target_bytes": target_bytes, "inputs": [], "units": staged.units,
            "counts": {"units_before": done.units_before, "units_after": done.units_after,
                       "rows": done.rows, "quarantined": done.quarantined,
                       "bytes_before": done.bytes_before, "bytes_after": done.bytes_after},
            "finished_at": utcnow().isoformat(),
        }
        store.commit_swap(layout, commit_id, staged.swaps, manifest)
    done.commit_id = commit_id
    return done


def compact_main(argv: list[str] | None = None) -> int:
    """``curate compact``: compact ``--curated`` now, one line per partition compacted; returns
    the exit status: 0, 75 when another run holds the lock, 1 on failure (one line on stderr);
    usage errors (a bad option, no such folder) exit 2 as argparse does."""
    from flows.settings import DEFAULTS

    ap = argparse.ArgumentParser(
        prog="curate compact",
        description="Merge the small part files of curated/articles and curated/quarantine, "
                    "partition by partition, into files of --target-mb and more, rows sorted by "
                    "cluster_id; readers see the old files or the new ones, never both.")
    ap.add_argument("--curated", default=DEFAULTS.curated_dir, metavar="DIR",
                    help=f"the dataset folder (default: {DEFAULTS.curated_dir}/)")
    ap.add_argument("--target-mb", type=positive_int, default=DEFAULT_TARGET_MB, metavar="N",
                    help=f"size of a compacted file, in MiB (default {DEFAULT_TARGET_MB})")
    ap.add_argument("--min-parts", type=positive_int, default=2, metavar="N",
                    help="compact a partition holding at least N parts under the target (a "
                         "run's articles and quarantine parts count as one; default 2)")
    ap.add_argument("--closed-only", action="store_true",
                    help="only the partitions of days before today (UTC), as scheduled runs do")
    ap.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                    help="seconds to wait for a run's lock before giving up (default 0)")
    args = ap.parse_args(argv)
    curated = Path(args.curated)
    if not curated.is_dir():  # a usage error, like argparse's own: exit 2
        ap.error(f"argument --curated: {str(curated)!r} is not a folder")
    today = utcnow().date()
    only = [p for p in partitions_of(store.Layout(curated))
            if (day_of(p) or today) < today] if args.closed_only else None
    try:
        report = compact(curated, args.target_mb << 20, args.min_parts, only, args.wait,
                         log=print)
    except LockBusy as exc:
        print(f"curate: not compacted: {exc}", file=sys.stderr)
        return 75
    except (CurateError, OSError, pa.ArrowException) as exc:
        print(f"curate: compaction failed: {' '.join(str(exc).split())[:500]}", file=sys.stderr)
        return 1
    done = [c for c in report.partitions if c.commit_id]
    print(f"curate: {len(done)} partition(s) compacted: "
          f"{sum(c.units_before for c in done)} unit(s) -> {sum(c.units_after for c in done)}, "
          f"{sum(c.rows for c in done)} row(s) and {sum(c.quarantined for c in done)} "
          "quarantine row(s) kept")
    return 0


if __name__ == "__main__":
    sys.exit(compact_main())
