"""Schema migrations: ``curate migrate`` rewrites the parts of an older schema as this job's.

Each part's footer says its schema version (``curate.schema_version``; `flows.schema`). Schema
v1 stored ``minhash`` as ``fixed_size_list<uint32>``, which engines without unsigned integers
mangle; v2 stores the same bits as ``list<int32>``. `migrate` rewrites,
partition by partition, every *unit* (a run's articles and quarantine parts of one name, or a
compacted unit) holding a part of an older version into a unit ``part-<migration id>-<n>``
of the current version: article rows converted (`to_current`, the signature values unchanged),
every row kept (checked before the commit: `AccountingError` otherwise), rows sorted as
compaction sorts them. Each partition is one commit of folder exchanges
(`flows.compact.stage_units`, `flows.store.commit_swap`): readers see the old files or the
new ones; a crash before the first exchange leaves the partition as it was, one after it is
finished by `flows.recovery.recover` at the start of the next run, compaction, takedown or
migration. Each commit records itself in ``_runs/<migration id>.json`` (``"kind":
"migrate"``). The cluster state and the takedown register do not change (the same rows).

**Fingerprint parameters.** A run refuses a dataset whose signatures were made with other
parameters than its own (another translation backend, another number of permutations): they
cannot be compared. ``curate migrate --refingerprint`` (with the run's ``--translator`` and
``--translator-option``) rewrites the units whose footer records other parameters the same way,
their ``minhash`` and ``shingle_count`` made again from each row's cleaned text and language
(`refingerprinted`); every other column, the clusters and the cluster state are kept (so the
stories found so far stay as they are; later runs match against the new signatures).

A run refuses to start on a dataset holding articles parts of an older schema
(`require_current`), so that readers never see one column in two types; a dataset of the
current version is left alone (nothing to do). No Prefect: like ``curate compact``, a short
command under the run lock.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cleaners.dedup import FingerprintConfig
from flows import store
from flows.compact import (
    Unit,
    partitions_of,
    rewrite_lock,
    stage_units,
    staging_discarded_on_failure,
    units_of,
)
from flows.errors import AccountingError, CurateError, LockBusy
from flows.run import utcnow, versions
from flows.schema import (
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    SIGNATURE_TYPE,
    signature_column,
    signature_matrix,
)

#: The schema versions `migrate` can bring to `SCHEMA_VERSION`.
MIGRATES_FROM = ("1",)
#: Columns compared, row by row, between a unit and its migrated copy before the commit.
CHECKED = ["doc_id", "run_id", "text_hash", "cluster_id", "minhash"]


def part_version(part: Path) -> str:
    """The schema version a part's footer records (``"1"`` when it records none: the parts
    written before versions were recorded are v1)."""
    meta = pq.read_schema(part).metadata or {}
    return meta.get(SCHEMA_VERSION_KEY, b"1").decode()


def _check_known(part: Path, version: str) -> None:
    if version != SCHEMA_VERSION and version not in MIGRATES_FROM:
        raise CurateError(f"{part} is of schema version {version}, which this job (schema "
                          f"{SCHEMA_VERSION}) does not know: it was written by a newer job")


def fingerprint_of(part: Path) -> bytes | None:
    """The fingerprint parameters a part's footer records (`flows.store.fingerprint_tag`)."""
    return (pq.read_schema(part).metadata or {}).get(store.FINGERPRINT_KEY)


def old_units(layout: store.Layout, partition: str, tag: bytes | None = None) -> list[Unit]:
    """The units of ``partition`` that hold a part of an older schema version or, with
    ``tag``, an articles part whose signatures were made with other parameters."""
    out = []
    for unit in units_of(layout, partition):
        parts = [p for p in (unit.articles, unit.quarantine) if p is not None]
        found = [(p, part_version(p)) for p in parts]
        for part, version in found:
            _check_known(part, version)
        other = tag is not None and unit.articles is not None and fingerprint_of(unit.articles) != tag
        if other or any(version != SCHEMA_VERSION for _, version in found):
            out.append(unit)
    return out


def require_current(layout: store.Layout) -> None:
    """Raise `CurateError` (one line: run ``curate migrate``) when an articles part of
    ``layout`` is of an older schema version than this job writes; a run calls it before it
    reads anything, so that a dataset never holds one column in two types."""
    old = []
    for part in store.article_parts(layout):
        version = part_version(part)
        _check_known(part, version)
        if version != SCHEMA_VERSION:
            old.append(part)
    if old:
        raise CurateError(
            f"{layout.root} holds {len(old)} articles part(s) of an older schema (e.g. "
            f"{old[0].relative_to(layout.root)}, v{part_version(old[0])}); this job writes "
            f"schema v{SCHEMA_VERSION}: run `curate migrate --curated {layout.root}` first")


def to_current(table: pa.Table) -> pa.Table:
    """Article rows of schema v1 as v2: ``minhash`` as ``list<int32>``, the same bits; a
    table already of v2 is returned as it is."""
    index = table.schema.get_field_index("minhash")
    column = table.column(index)
    if not pa.types.is_fixed_size_list(column.type):
        return table
    width = column.type.list_size
    chunks = [signature_column(signature_matrix(c, width)) for c in column.chunks]
    return table.set_column(index, "minhash", pa.chunked_array(chunks, SIGNATURE_TYPE))


def refingerprinted(table: pa.Table, config: FingerprintConfig,
                    translator_options: dict[str, Any] | None = None) -> pa.Table:
    """Article rows (schema v2) with ``minhash`` and ``shingle_count`` made again with
    ``config`` from each row's cleaned ``text``, its ``lang`` as the language hint (what the
    fingerprint stage of a run makes of that text); every other column unchanged."""
    from flows.stages.clean_fingerprint import fingerprint_table  # the fingerprint's models

    source = pa.table({"text": table.column("text"), "lang_hint": table.column("lang")})
    made, _ = fingerprint_table(source, config, translator_options, sketches=False)
    for name in ("minhash", "shingle_count"):
        i = table.schema.get_field_index(name)
        table = table.set_column(i, table.schema.field(name), made.column(name))
    return table


@dataclass
class Migrated:
    """What migration did (or, dry, would do) to one partition."""

    partition: str
    units: int
    rows: int
    quarantined: int
    bytes_before: int
    bytes_after: int = 0
    commit_id: str | None = None

    def line(self, dry_run: bool) -> str:
        """One line for the log and the command line."""
        head = (f"{self.partition}: {self.units} unit(s) to migrate, {self.rows} row(s) "
                f"and {self.quarantined} quarantine row(s)")
        if dry_run:
            return f"{head} would be migrated to schema v{SCHEMA_VERSION}"
        return (f"{head} migrated to schema v{SCHEMA_VERSION}, {self.bytes_before / 1e6:.1f} MB "
                f"-> {self.bytes_after / 1e6:.1f} MB (migration {self.commit_id})")


@dataclass
class MigrationReport:
    """What `migrate` did: recovery actions first, then one entry per partition migrated."""

    dry_run: bool = False
    refingerprint: bool = False
    recovered: list[str] = field(default_factory=list)
    partitions: list[Migrated] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary."""
        units = sum(p.units for p in self.partitions)
        rows = sum(p.rows for p in self.partitions)
        if not units:
            return (f"curate: nothing to migrate: every part is of schema v{SCHEMA_VERSION}"
                    + (" with these fingerprint parameters" if self.refingerprint else ""))
        verb = "would migrate" if self.dry_run else "migrated"
        tail = " (dry run, nothing written)" if self.dry_run else ""
        return (f"curate: {verb} {units} unit(s) in {len(self.partitions)} partition(s) to "
                f"schema v{SCHEMA_VERSION}, {rows} row(s) and "
                f"{sum(p.quarantined for p in self.partitions)} quarantine row(s) kept{tail}")


def new_migration_id() -> str:
    """``<UTC time>-migrate-<8 hex>``: sorts with run ids, and says what it is."""
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}{store.MIGRATE_TAG}{uuid.uuid4().hex[:8]}"


def migrate(curated_dir: str | Path, dry_run: bool = False, wait_seconds: float = 0.0,
            log: Callable[[str], Any] | None = None, fingerprint: FingerprintConfig | None = None,
            translator_options: dict[str, Any] | None = None) -> MigrationReport:
    """Migrate every unit of ``curated_dir`` holding a part of an older schema version to
    `SCHEMA_VERSION`, one commit per partition (see the module's doc); with ``fingerprint``,
    also every unit whose signatures were made with other parameters, its signatures made
    again (`refingerprinted`, the backend built with ``translator_options``).

    Takes the run lock (waiting ``wait_seconds``; `LockBusy` when another process holds it)
    and, unless ``dry_run``, runs `flows.store.recover` first. Guarantees: each partition is
    migrated whole or not at all (a failure before its commit point removes its staging);
    every row is kept with the same values, signatures aside when they are made again
    (checked before the commit); a dataset of the
    current version is left untouched (idempotent); a dry run writes nothing. ``log`` gets one
    line per recovery action and per partition.
    """
    layout = store.Layout(Path(curated_dir))
    report = MigrationReport(dry_run=dry_run, refingerprint=fingerprint is not None)
    say = log or (lambda _line: None)
    with rewrite_lock(layout, wait_seconds, "curate migrate", recover=not dry_run,
                      say=say) as recovered:
        report.recovered = recovered
        redo = None if fingerprint is None else _Refingerprint(fingerprint, translator_options)
        for partition in partitions_of(layout):
            units = old_units(layout, partition, redo.tag if redo else None)
            if not units:
                continue
            done = Migrated(partition, len(units),
                            sum(pq.read_metadata(u.articles).num_rows for u in units if u.articles),
                            sum(pq.read_metadata(u.quarantine).num_rows for u in units
                                if u.quarantine),
                            sum(u.nbytes for u in units))
            if not dry_run:
                _migrate_partition(layout, done, units, redo)
            report.partitions.append(done)
            say(done.line(dry_run))
    return report


@dataclass(frozen=True)
class _Refingerprint:
    """The fingerprint parameters a migration makes signatures with, and their footer tag."""

    config: FingerprintConfig
    options: dict[str, Any] | None

    @property
    def tag(self) -> bytes:
        return store.fingerprint_tag(asdict(self.config))

    def __call__(self, table: pa.Table) -> pa.Table:
        return refingerprinted(to_current(table), self.config, self.options)


def _migrate_partition(layout: store.Layout, done: Migrated, units: list[Unit],
                       redo: _Refingerprint | None = None) -> None:
    """Stage the partition's old units rewritten, check them, exchange its folders."""
    cid = new_migration_id()
    started = utcnow()
    footer = {SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode()}
    if redo is not None:
        footer[store.FINGERPRINT_KEY] = redo.tag
    with staging_discarded_on_failure(layout, cid):
        staged = stage_units(layout, cid, done.partition, [[u] for u in units],
                             convert_articles=redo or to_current, footer=footer)
        if (staged.rows, staged.quarantined) != (done.rows, done.quarantined):
            raise AccountingError(f"migration of {done.partition} wrote {staged.rows} + "
                                  f"{staged.quarantined} row(s) for {done.rows} + "
                                  f"{done.quarantined}: nothing committed")
        new_dir = layout.staging(cid) / "new" / "articles" / done.partition
        for name, unit in zip(staged.units, units, strict=True):
            if unit.articles is not None:
                _check_same_rows(unit.articles, new_dir / name,
                                 redo.config.num_perm if redo is not None else None)
        done.bytes_after = staged.nbytes
        manifest = {
            "run_id": cid, "kind": "migrate", "schema_version": SCHEMA_VERSION,
            "from_versions": sorted({part_version(p) for u in units
                                     for p in (u.articles, u.quarantine) if p is not None}),
            "versions": versions(), "started_at": started.isoformat(),
            "fingerprint": asdict(redo.config) if redo is not None else None,
            "partition": done.partition, "inputs": [], "units": staged.units,
            "counts": {"units": done.units, "rows": done.rows, "quarantined": done.quarantined,
                       "bytes_before": done.bytes_before, "bytes_after": done.bytes_after},
            "finished_at": utcnow().isoformat(),
        }
        store.commit_swap(layout, cid, staged.swaps, manifest)
    done.commit_id = cid


def _check_same_rows(old: Path, new: Path, remade: int | None = None) -> None:
    """`AccountingError` unless ``new`` holds the rows of ``old`` (`CHECKED` columns, the
    signatures value by value, or, when they were made again, ``remade`` values each), in any
    order, and is of the current schema version."""
    a = pq.read_table(old, columns=CHECKED).sort_by("doc_id")
    b = pq.read_table(new, columns=CHECKED).sort_by("doc_id") if new.exists() else None
    same = (b is not None and part_version(new) == SCHEMA_VERSION
            and a.num_rows == b.num_rows
            and all(a.column(c).equals(b.column(c)) for c in CHECKED if c != "minhash"))
    if same and a.num_rows:
        assert b is not None
        if remade is not None:
            signature_matrix(b.column("minhash"), remade)  # ValueError unless `remade` long
        else:
            width = len(b.column("minhash")[0])
            same = bool(np.array_equal(signature_matrix(a.column("minhash"), width),
                                       signature_matrix(b.column("minhash"), width)))
    if not same:
        raise AccountingError(f"the migrated copy of {old.name} does not hold its rows and "
                              "signatures: nothing committed")


def _json(report: MigrationReport, status: str, code: int, error: str | None,
          curated: Path) -> str:
    from flows.console import seconds_since_start

    manifests = [str(curated / "_runs" / f"{p.commit_id}.json") for p in report.partitions
                 if p.commit_id]
    return json.dumps({
        "status": status, "exit_status": code, "seconds": round(seconds_since_start(), 3),
        "error": error, "dry_run": report.dry_run, "schema_version": SCHEMA_VERSION,
        "units": sum(p.units for p in report.partitions),
        "rows": sum(p.rows for p in report.partitions),
        "quarantined": sum(p.quarantined for p in report.partitions),
        "partitions": [asdict(p) for p in report.partitions], "manifests": manifests,
        "recovered": report.recovered}, ensure_ascii=False)


def migrate_main(argv: list[str] | None = None) -> int:
    """``curate migrate``: exit 0 when done (or nothing to do), 75 when another run holds the
    lock, 1 on failure (one line on stderr); usage errors exit 2 before anything is read."""
    from flows.cli_args import _option as option
    from flows.cli_args import _Parser
    from flows.settings import DEFAULTS, RunSettings, choices

    ap = _Parser(prog="curate migrate", description=(
        f"Rewrite the parts of curated/ written with an older schema as schema "
        f"v{SCHEMA_VERSION} (v1 -> v2: minhash as list<int32> instead of "
        "fixed_size_list<uint32>, the same bits), partition by partition, each in one atomic "
        "commit; every row is kept. A dataset already of this schema is left as it is. With "
        "--refingerprint, also the parts fingerprinted with other parameters, their signatures "
        "made again."),
        epilog=(
        "exit statuses: 0 migrated or nothing to do, 1 failed, 2 usage error, "
        "75 another run holds the lock"))
    ap.add_argument("--curated", default=DEFAULTS.curated_dir, metavar="DIR",
                    help=f"the dataset folder (default: {DEFAULTS.curated_dir}/)")
    ap.add_argument("--dry-run", action="store_true",
                    help="print what would be migrated, write nothing")
    ap.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                    help="seconds to wait for a run's lock before giving up (default 0)")
    ap.add_argument("--json", action="store_true", help="print the outcome as one JSON object")
    ap.add_argument("--refingerprint", action="store_true",
                    help="also rewrite the parts whose signatures were made with other fingerprint "
                         "parameters (e.g. another --translator), their signatures made again from "
                         "their texts with this job's parameters and --translator")
    ap.add_argument("--translator", default=DEFAULTS.translator, choices=choices("translator"),
                    help=f"with --refingerprint: the translation backend (default {DEFAULTS.translator})")
    ap.add_argument("--translator-option", action="append", default=[], metavar="KEY=VALUE",
                    type=option, dest="translator_options",
                    help="with --refingerprint: a backend option, repeatable (as curate run's)")
    args = ap.parse_args(argv)
    curated = Path(args.curated)
    if not curated.is_dir():
        ap.error(f"argument --curated: {str(curated)!r} is not a folder")
    report, error, status, code = MigrationReport(dry_run=args.dry_run), None, "completed", 0
    try:
        settings = RunSettings(translator=args.translator,
                               translator_options=dict(args.translator_options))
        report = migrate(curated, args.dry_run, args.wait, log=None if args.json else print,
                         fingerprint=settings.fingerprint_config() if args.refingerprint else None,
                         translator_options=settings.translator_options or None)
    except LockBusy as exc:
        error, status, code = f"not migrated: {exc}", "busy", 75
    except (CurateError, OSError, pa.ArrowException, ValueError) as exc:
        error, status, code = f"migration failed: {' '.join(str(exc).split())[:500]}", "failed", 1
    if error is not None:
        print(f"curate: {error}", file=sys.stderr)
    if args.json:
        print(_json(report, "dry_run" if args.dry_run and code == 0 else status, code, error,
                    curated))
    elif code == 0:
        print(report.line())
    return code


if __name__ == "__main__":
    sys.exit(migrate_main())
