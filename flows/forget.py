"""Takedowns: ``curate forget`` removes documents from ``curated/`` for good.

A takedown names documents by ``doc_id``, ``url`` or ``source_id`` (with ``--with-cluster``,
every member of their clusters too). It removes, in one commit:

- their rows from ``curated/articles``, and the rows of ``curated/quarantine`` that carry the
  same records (same ``source_id``, or the same position ``<file>:<n>`` of the same file):
  each unit holding one (a run's articles and quarantine parts of one name, or a compacted
  unit) is rewritten, less those rows, as a unit ``part-<forget id>-<n>.parquet``, and each
  partition folder is exchanged for its staged copy (`flows.compact.stage_units`,
  `flows.store.commit_swap`: readers see the old files or the new ones);
- them from ``curated/clusters/current.parquet``: a cluster that lost members re-elects its
  canonical by the canonical rule over those left (`flows.clusters.rebuild_state`), keeps its
  ``cluster_id`` and ``first_seen``; a cluster left empty disappears. Their signatures go
  with their rows, so they no longer match new documents;

and records them in the register ``curated/_forgotten/forgotten.parquet`` (`REGISTER_SCHEMA`:
ids, url, file, when, why; never text), moved into place in the same commit. The register is
not a cache: runs read it (`load_forgotten`) and skip, before anything is written, every raw
record whose ``url`` or ``source_id`` (its own id, else ``<file>:<n>``) is a forgotten
document's, counting them in the manifest under ``skipped_by_reason["forgotten"]``
(`flows.stages.read.read_stage`); so a raw
file read again (modified, re-dropped, a run set aside by recovery, a rebuild into the same
folder) never brings a forgotten document back.

Crash safety is `flows.store.commit_swap`'s: before the first exchange nothing has changed and
the staging is removed; after it `flows.recovery.recover` (at the start of the next run,
compaction or takedown) does the remaining exchanges, moves the cluster state and register
into place and writes the manifest (``_runs/<forget id>.json``, ``"kind": "forget"``).
No Prefect: like ``curate compact``, it is a short command under the run lock.
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

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from flows import store
from flows.clusters import (
    STATE_FILE,
    merged_map,
    read_merged,
    rebuild_state,
    with_absorbed,
    write_state,
)
from flows.compact import (
    partitions_of,
    rewrite_lock,
    stage_units,
    staging_discarded_on_failure,
    units_of,
)
from flows.errors import AccountingError, CurateError, LockBusy
from flows.readers import BadRecord, RawRecord
from flows.run import JOB_VERSION, utcnow, versions
from flows.schema import SCHEMA_VERSION

#: The register of forgotten documents, under ``curated/``.
REGISTER = Path("_forgotten") / "forgotten.parquet"
#: Exit status when some ids matched nothing (the others were forgotten).
EXIT_UNKNOWN = 3
#: Ids and documents named in a takedown's manifest (the register holds them all).
MAX_LISTED = 100
KINDS = ("doc_id", "url", "source_id")
REGISTER_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("url", pa.string()), ("source_id", pa.string()),
    ("source_file", pa.string()), ("cluster_id", pa.string()),
    ("matched_by", pa.string()),  # doc_id, url, source_id or cluster (--with-cluster)
    ("forgotten_at", pa.timestamp("us", tz="UTC")), ("reason", pa.string()),
    ("forget_id", pa.string()),
])
_ID_COLUMNS = ["doc_id", "url", "source_id", "source_file", "cluster_id"]


@dataclass(frozen=True)
class Forgotten:
    """The keys of the forgotten documents a run must not curate again (`load_forgotten`)."""

    doc_ids: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()
    source_ids: frozenset[str] = frozenset()

    def holds(self, source_file: str, item: RawRecord | BadRecord) -> bool:
        """Whether a raw record of ``source_file`` is a forgotten document's: its url, or its
        ``source_id`` as a run computes it (its own id, else ``<file>:<position>``).

        Checked before a record is validated, so a forgotten record is neither curated nor
        quarantined (its ``doc_id`` depends on the file's bytes: a modified file gives new ids,
        the url and source id stay)."""
        if isinstance(item, BadRecord):
            own, url = item.key, None
        else:
            value = item.fields.get("id")
            own = None if value is None else str(value)
            url = item.fields.get("url")
        if url is not None and str(url) in self.urls:
            return True
        if own is not None:
            return own in self.source_ids
        return item.index >= 0 and f"{source_file}:{item.index + 1}" in self.source_ids


def _read_register(root: Path) -> pa.Table:
    path = root / REGISTER
    if not path.exists():
        return REGISTER_SCHEMA.empty_table()
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise CurateError(f"the takedown register {path} cannot be read ({exc}): restore it "
                          "from a backup; nothing is curated without it") from exc
    return table.cast(REGISTER_SCHEMA)


def load_forgotten(root: str | Path) -> Forgotten:
    """The keys of every document forgotten from the dataset at ``root`` (empty when none
    was). An unreadable register raises `CurateError`: a run never curates without it."""
    table = _read_register(Path(root))

    def keys(name: str) -> frozenset[str]:
        return frozenset(v for v in table.column(name).to_pylist() if v is not None)

    return Forgotten(keys("doc_id"), keys("url"), keys("source_id"))


@dataclass
class Request:
    """What to forget: ids by kind, whole clusters or not, and why (stored in the register)."""

    doc_id: list[str] = field(default_factory=list)
    url: list[str] = field(default_factory=list)
    source_id: list[str] = field(default_factory=list)
    with_cluster: bool = False
    reason: str | None = None


@dataclass
class ForgetReport:
    """What a takedown did (or, dry, would do). ``removed``: one dict per article row
    (`_ID_COLUMNS` and ``matched_by``); ``unknown``/``already``: ``(kind, value)`` of the ids
    that matched nothing, or only documents forgotten earlier."""

    dry_run: bool = False
    forget_id: str | None = None
    removed: list[dict[str, Any]] = field(default_factory=list)
    quarantine_removed: int = 0
    clusters_touched: int = 0
    canonicals_reelected: int = 0
    clusters_emptied: int = 0
    unknown: list[tuple[str, str]] = field(default_factory=list)
    already: list[tuple[str, str]] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary."""
        verb = "would forget" if self.dry_run else "forgot"
        tail = "dry run, nothing written" if self.dry_run else (
            f"takedown {self.forget_id}" if self.forget_id else "nothing to write")
        return (f"curate: {verb} {len(self.removed)} document(s) and "
                f"{self.quarantine_removed} quarantine row(s); {self.clusters_touched} "
                f"cluster(s) touched, {self.canonicals_reelected} canonical(s) re-elected, "
                f"{self.clusters_emptied} emptied; {len(self.already)} id(s) already "
                f"forgotten, {len(self.unknown)} unknown ({tail})")


def new_forget_id() -> str:
    """``<UTC time>-forget-<8 hex>``: sorts with run ids, and says what it is."""
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}{store.FORGET_TAG}{uuid.uuid4().hex[:8]}"


def _isin(column: pa.ChunkedArray | pa.Array, values: set[str]) -> pa.Array:
    """Where ``column`` holds one of ``values`` (False for nulls)."""
    if not values:
        return pa.array([False] * len(column), pa.bool_())
    found = pc.is_in(column, value_set=pa.array(sorted(values), pa.string()))
    return pc.fill_null(found, False)


def _quarantine_keys(table: pa.Table) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """The ``source_id`` of quarantine rows, and their position key ``<file>:<n>``."""
    position = pc.cast(pc.add(table.column("record_index"), 1), pa.string())
    return table.column("source_id"), pc.binary_join_element_wise(
        table.column("source_file"), position, ":")


def _match_articles(parts: list[Path], request: Request,
                    merged: dict[str, str]) -> tuple[pa.Table, dict[str, set[str]]]:
    """The article rows the request names (`_ID_COLUMNS`, ``matched_by``, ``part``) and, per
    kind, the asked values found; with ``with_cluster``, every row of their stories too (a
    cluster and those ``merged`` into it, `flows.clusters.read_merged`)."""
    asked = {k: set(getattr(request, k)) for k in KINDS}
    found: dict[str, set[str]] = {k: set() for k in KINDS}
    tables = []
    for part in parts:
        table = pq.read_table(part, columns=_ID_COLUMNS)
        masks = {k: _isin(table.column(k), asked[k]) for k in KINDS}
        hit = pc.or_(pc.or_(masks["doc_id"], masks["url"]), masks["source_id"])
        if not pc.any(hit).as_py():
            continue
        for k in KINDS:
            found[k] |= set(table.column(k).filter(masks[k]).to_pylist())
        by = pc.if_else(masks["doc_id"], "doc_id", pc.if_else(masks["url"], "url", "source_id"))
        rows = table.append_column("matched_by", by).filter(hit)
        tables.append(rows.append_column("part", pa.array([str(part)] * rows.num_rows)))
    if request.with_cluster and tables:
        named = pa.concat_tables(tables)
        clusters, have = (set(named.column(c).to_pylist()) for c in ("cluster_id", "doc_id"))
        clusters = with_absorbed({merged.get(c, c) for c in clusters}, merged)
        for part in parts:
            table = pq.read_table(part, columns=_ID_COLUMNS)
            more = pc.and_(_isin(table.column("cluster_id"), clusters),
                           pc.invert(_isin(table.column("doc_id"), have)))
            rows = table.filter(more)
            if rows.num_rows:
                rows = rows.append_column("matched_by", pa.array(["cluster"] * rows.num_rows))
                tables.append(rows.append_column("part", pa.array([str(part)] * rows.num_rows)))
    schema = pa.schema([*(pa.field(c, pa.string()) for c in _ID_COLUMNS),
                        pa.field("matched_by", pa.string()), pa.field("part", pa.string())])
    out = pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table()
    return out, found


def _match_quarantine(layout: store.Layout, keys: set[str]) -> tuple[dict[str, int], set[str]]:
    """Quarantine rows carrying the records of ``keys``: how many per part, and the
    ``source_id``/position keys found."""
    per_part: dict[str, int] = {}
    found: set[str] = set()
    for part in store._parts(layout.quarantine):
        table = pq.read_table(part, columns=["source_file", "source_id", "record_index"])
        own, position = _quarantine_keys(table)
        a, b = _isin(own, keys), _isin(position, keys)
        n = pc.sum(pc.or_(a, b)).as_py() or 0
        if n:
            per_part[str(part)] = n
            found |= set(own.filter(a).to_pylist()) | set(position.filter(b).to_pylist())
    return per_part, found


def forget(curated_dir: str | Path, request: Request, dry_run: bool = False,
           wait_seconds: float = 0.0, log: Callable[[str], Any] | None = None) -> ForgetReport:
    """Forget the documents ``request`` names from ``curated_dir`` (see the module's doc).

    Takes the run lock (waiting ``wait_seconds``; `LockBusy` when another process holds it)
    and, unless ``dry_run``, runs `flows.store.recover` first. Guarantees: one commit, or
    nothing changed (a failure before the commit point removes the staging); after it, the
    articles hold every row they held less the removed ones (checked: `AccountingError`
    otherwise), the cluster state is in step with them, and the register lists every removed
    document. A dry run writes nothing. Ids that matched nothing are in ``unknown``.
    """
    layout = store.Layout(Path(curated_dir))
    report = ForgetReport(dry_run=dry_run)
    say = log or (lambda _line: None)
    with rewrite_lock(layout, wait_seconds, "curate forget", recover=not dry_run,
                      say=say) as recovered:
        report.recovered = recovered
        register = _read_register(layout.root)
        merged = merged_map(read_merged(layout.root))
        matched, found = _match_articles(store.article_parts(layout), request, merged)
        keys = {k for k in matched.column("source_id").to_pylist() if k is not None}
        keys |= set(request.source_id)
        q_parts, q_found = _match_quarantine(layout, keys)
        found["source_id"] |= q_found & set(request.source_id)
        report.quarantine_removed = sum(q_parts.values())
        report.removed = matched.drop_columns(["part"]).to_pylist()
        for kind in KINDS:
            earlier = set(register.column(kind).to_pylist())
            for value in dict.fromkeys(getattr(request, kind)):
                if value not in found[kind]:
                    (report.already if value in earlier else report.unknown).append((kind, value))
        if not report.removed and not q_parts:
            return report
        state = store.cluster_state(layout)
        new_state = _state_after(layout, state, matched, merged)
        touched = {merged.get(c, c) for c in matched.column("cluster_id").to_pylist()}
        report.clusters_touched = len(touched)
        report.clusters_emptied = len(touched - set(new_state.column("cluster_id").to_pylist()))
        old_canon = dict(zip(state.column("cluster_id").to_pylist(),
                             state.column("canonical_doc_id").to_pylist(), strict=True))
        report.canonicals_reelected = sum(
            1 for cid, doc in zip(new_state.column("cluster_id").to_pylist(),
                                  new_state.column("canonical_doc_id").to_pylist(), strict=True)
            if cid in touched and old_canon.get(cid) != doc)
        if dry_run:
            return report
        report.forget_id = new_forget_id()
        _commit(layout, report, request, matched, q_parts, keys, new_state, register)
        say(report.line())
    return report


def _state_after(layout: store.Layout, state: pa.Table, matched: pa.Table,
                 merged: dict[str, str]) -> pa.Table:
    """The cluster state once ``matched`` is removed: touched clusters (after the ``merged``
    clusters, `flows.clusters.read_merged`) re-elected over their remaining members
    (``first_seen`` kept), emptied ones gone, the others unchanged."""
    touched = {merged.get(c, c) for c in matched.column("cluster_id").to_pylist()}
    if not touched:
        return state
    gone = pa.array(sorted(set(matched.column("doc_id").to_pylist())), pa.string())
    where = (ds.field("cluster_id").isin(pa.array(sorted(with_absorbed(touched, merged)), pa.string()))
             & ~ds.field("doc_id").isin(gone))
    fresh = rebuild_state(store.article_parts(layout), where, merged)
    first_seen = dict(zip(state.column("cluster_id").to_pylist(),
                          state.column("first_seen").to_pylist(), strict=True))
    seen = [first_seen.get(c) for c in fresh.column("cluster_id").to_pylist()]
    index = fresh.schema.get_field_index("first_seen")
    fresh = fresh.set_column(index, "first_seen",
                             pa.array(seen, fresh.schema.field("first_seen").type))
    kept = state.filter(pc.invert(_isin(state.column("cluster_id"), touched)))
    return pa.concat_tables([kept, fresh.cast(state.schema)])


def _commit(layout: store.Layout, report: ForgetReport, request: Request, matched: pa.Table,
            q_parts: dict[str, int], keys: set[str], new_state: pa.Table,
            register: pa.Table) -> None:
    """Stage the rewritten units, the cluster state and the register; commit them."""
    fid = report.forget_id
    assert fid is not None
    started = utcnow()
    staging = layout.staging(fid)
    gone = set(matched.column("doc_id").to_pylist())
    parts = {Path(p) for p in matched.column("part").to_pylist()} | {Path(p) for p in q_parts}
    with staging_discarded_on_failure(layout, fid):
        swaps: list[tuple[Path, Path]] = []
        units: dict[str, dict[str, Any]] = {}
        rows = quarantined = 0
        for partition in partitions_of(layout):
            hit = [[u] for u in units_of(layout, partition)
                   if u.articles in parts or u.quarantine in parts]
            if not hit:
                continue
            rows += sum(pq.read_metadata(u.articles).num_rows for [u] in hit if u.articles)
            quarantined += sum(pq.read_metadata(u.quarantine).num_rows for [u] in hit
                               if u.quarantine)
            staged = stage_units(layout, fid, partition, hit, first=len(units),
                                 drop_articles=lambda t: _isin(t.column("doc_id"), gone),
                                 drop_quarantine=lambda t: pc.or_(
                                     *(_isin(k, keys) for k in _quarantine_keys(t))))
            swaps += staged.swaps
            units.update(staged.units)
        written = sum(u["rows"] for u in units.values())
        written_q = sum(u["quarantined"] for u in units.values())
        if (written, written_q) != (rows - len(gone), quarantined - report.quarantine_removed):
            raise AccountingError(f"takedown wrote {written} + {written_q} row(s) for "
                                  f"{rows} - {len(gone)} + {quarantined} - "
                                  f"{report.quarantine_removed}: nothing committed")
        meta = {b"curate.schema_version": SCHEMA_VERSION.encode(),
                b"curate.job_version": JOB_VERSION.encode(), store.RUN_ID_KEY: fid.encode()}
        moves = []
        if gone:
            state_src = staging / "out" / "clusters" / STATE_FILE
            write_state(new_state, state_src, meta)
            moves.append((state_src, layout.clusters / STATE_FILE))
        reg_src = staging / "out" / REGISTER
        reg_src.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.concat_tables([register, _register_rows(report, request, matched)])
                       .replace_schema_metadata(meta), reg_src, compression="zstd")
        moves.append((reg_src, layout.root / REGISTER))
        manifest = {
            "run_id": fid, "kind": "forget", "schema_version": SCHEMA_VERSION,
            "versions": versions(), "started_at": started.isoformat(), "inputs": [],
            "reason": request.reason, "with_cluster": request.with_cluster, "units": units,
            "counts": {"documents": len(gone), "quarantine_rows": report.quarantine_removed,
                       "clusters_touched": report.clusters_touched,
                       "canonicals_reelected": report.canonicals_reelected,
                       "clusters_emptied": report.clusters_emptied, "units": len(units)},
            "documents": sorted(gone)[:MAX_LISTED],
            "unknown": [list(x) for x in report.unknown[:MAX_LISTED]],
            "finished_at": utcnow().isoformat(),
        }
        store.commit_swap(layout, fid, swaps, manifest, moves)


def _register_rows(report: ForgetReport, request: Request, matched: pa.Table) -> pa.Table:
    """The register's new rows: one per removed document, one per asked ``source_id`` that
    matched quarantine rows only."""
    now = utcnow()
    rows = [{**{c: r[c] for c in _ID_COLUMNS}, "matched_by": r["matched_by"]}
            for r in matched.to_pylist()]
    have = {r["source_id"] for r in rows}
    lost = {v for k, v in report.unknown + report.already if k == "source_id"}
    rows += [{"source_id": s, "matched_by": "source_id"} for s in dict.fromkeys(request.source_id)
             if s not in have and s not in lost]
    for r in rows:
        r.update(forgotten_at=now, reason=request.reason, forget_id=report.forget_id)
    return pa.Table.from_pylist(rows, schema=REGISTER_SCHEMA)


def _read_ids(path: str, request: Request) -> None:
    """Add the ids of a file (``kind=value`` lines; blank lines and ``#`` comments skipped)."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            kind, sep, value = line.partition("=")
            kind = kind.strip().replace("-", "_")
            if not sep or kind not in KINDS or not value.strip():
                raise ValueError(f"line {number}: expected doc_id=…, url=… or source_id=…")
            getattr(request, kind).append(value.strip())


def _json(report: ForgetReport, status: str, exit_status: int, error: str | None,
          curated: Path) -> str:
    from flows.console import seconds_since_start

    manifest = curated / "_runs" / f"{report.forget_id}.json" if report.forget_id else None
    out = {"status": status, "exit_status": exit_status,
           "seconds": round(seconds_since_start(), 3), "error": error,
           "forget_id": report.forget_id,
           "manifest": str(manifest) if manifest and manifest.exists() else None,
           "dry_run": report.dry_run, "documents": len(report.removed),
           **{k: v for k, v in asdict(report).items() if k not in ("dry_run", "forget_id")}}
    out["unknown"] = [{"kind": k, "value": v} for k, v in report.unknown]
    out["already"] = [{"kind": k, "value": v} for k, v in report.already]
    return json.dumps(out, ensure_ascii=False, default=str)


def forget_main(argv: list[str] | None = None) -> int:
    """``curate forget``: exit 0 when every id was found (forgotten now or earlier), 3 when
    some matched nothing (the others were forgotten; one line on stderr names them), 75 when
    another run holds the lock, 1 on failure; usage errors exit 2 before anything is read."""
    from flows.cli_args import _Parser
    from flows.settings import DEFAULTS

    ap = _Parser(prog="curate forget", description=(
        "Remove documents from curated/ for good (a takedown): their article rows and the "
        "quarantine rows of the same records, in one atomic commit; clusters re-elect their "
        "canonical; the documents are recorded in curated/_forgotten/ so that no later run "
        "curates them again."), epilog=(
        "exit statuses: 0 every id found (forgotten now or earlier), 1 failed, 2 usage error, "
        "3 some ids matched nothing (the others forgotten), 75 another run holds the lock"))
    ap.add_argument("--curated", default=DEFAULTS.curated_dir, metavar="DIR",
                    help=f"the dataset folder (default: {DEFAULTS.curated_dir}/)")
    for kind in KINDS:
        ap.add_argument(f"--{kind.replace('_', '-')}", dest=kind, action="append", default=[],
                        metavar="URL" if kind == "url" else "ID",
                        help=f"forget the documents of this {kind} (repeatable)")
    ap.add_argument("--ids-file", metavar="FILE",
                    help="more ids, one a line: doc_id=…, url=… or source_id=…")
    ap.add_argument("--with-cluster", action="store_true",
                    help="forget every member of the clusters of the documents named")
    ap.add_argument("--reason", metavar="TEXT", help="why (kept in the register)")
    ap.add_argument("--dry-run", action="store_true", help="print what would be removed")
    ap.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                    help="seconds to wait for a run's lock before giving up (default 0)")
    ap.add_argument("--json", action="store_true", help="print the outcome as one JSON object")
    args = ap.parse_args(argv)
    request = Request(args.doc_id, args.url, args.source_id, args.with_cluster, args.reason)
    if args.ids_file:
        try:
            _read_ids(args.ids_file, request)
        except (OSError, ValueError) as exc:
            ap.error(f"argument --ids-file: {args.ids_file}: {exc}")
    if not any(getattr(request, k) for k in KINDS):
        ap.error("name at least one document: --doc-id, --url, --source-id or --ids-file")
    curated = Path(args.curated)
    if not curated.is_dir():
        ap.error(f"argument --curated: {str(curated)!r} is not a folder")
    report, error, status, code = ForgetReport(dry_run=args.dry_run), None, "completed", 0
    try:
        report = forget(curated, request, args.dry_run, args.wait,
                        log=None if args.json else print)
    except LockBusy as exc:
        error, status, code = f"not forgotten: {exc}", "busy", 75
    except (CurateError, OSError, pa.ArrowException) as exc:
        error, status, code = f"takedown failed: {' '.join(str(exc).split())[:500]}", "failed", 1
    if code == 0 and report.unknown:
        shown = ", ".join(f"{k} {v}" for k, v in report.unknown[:10])
        more = f" and {len(report.unknown) - 10} more" if len(report.unknown) > 10 else ""
        error, code = f"{len(report.unknown)} id(s) matched nothing: {shown}{more}", EXIT_UNKNOWN
    if error is not None:
        print(f"curate: {error}", file=sys.stderr)
    if args.json:
        print(_json(report, "dry_run" if args.dry_run and code in (0, 3) else status, code,
                    error, curated))
    elif code in (0, EXIT_UNKNOWN):
        if args.dry_run:
            for row in report.removed:
                print(f"would forget {row['doc_id']} ({row['source_file']}, source_id "
                      f"{row['source_id']}, url {row['url']}, by {row['matched_by']})")
        if args.dry_run or not report.forget_id:
            print(report.line())
    return code


if __name__ == "__main__":
    sys.exit(forget_main())
