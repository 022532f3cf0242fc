"""The current state of every cluster: ``curated/clusters/current.parquet``.

One row per cluster (`flows.schema.CLUSTER_STATE_SCHEMA`): its ``cluster_id`` (given when the
cluster was founded, never changed), its current canonical (re-elected by the canonical rule
over all its members whenever a member arrives: longest cleaned text, then earliest
``published_at``, then smallest ``doc_id``), its size, languages, and when it was first and
last touched. ``curated/articles`` stays append-only; this small table is rewritten by every
run that adds articles and moved into place in the same commit (`flows.store.commit`).

The state is derived data: when it is missing, unreadable or out of step with the articles
(a dataset written before it existed, a run set aside by `flows.store.recover`), it is rebuilt
from the articles by the same rule (`rebuild_state`), reading their texts' lengths once.

``curated/clusters/merged/merged.parquet`` (`flows.schema.MERGED_SCHEMA`) is not derived: it records
the clusters `cleaners.dedup.match` merged into others (`cleaners.dedup.merge`), each pointing
at the cluster its members belong to now. An article's story is its ``cluster_id``, or the
``merged_into`` of that id when it has one (`resolved`); the state, the history and a rebuild
all read the articles through it. It is rewritten, flattened (no entry points at a merged
cluster), by every run that merges, in the same commit; a recovery that sets runs aside
undoes their merges (`without_runs`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from flows.errors import DatasetError
from flows.schema import CLUSTER_STATE_SCHEMA, MERGED_SCHEMA

#: The state file's name under ``curated/clusters/``.
STATE_FILE = "current.parquet"
#: The merged clusters' file under ``curated/clusters/``: in a folder of its own, so that
#: ``clusters/*.parquet`` (the consumer's query, docs/output.md) reads the state alone.
MERGED_FILE = "merged/merged.parquet"

#: The canonical rule as a pyarrow sort over member rows (unknown lengths and dates last).
_RULE = [("_length", "descending"), ("_published", "ascending"), ("doc_id", "ascending")]


def state_path(root: Path) -> Path:
    """Where the state of the dataset at ``root`` lives."""
    return root / "clusters" / STATE_FILE


def merged_path(root: Path) -> Path:
    """Where the merged clusters of the dataset at ``root`` are recorded."""
    return root / "clusters" / MERGED_FILE


def read_merged(root: Path) -> pa.Table:
    """The merged clusters of the dataset at ``root`` (`MERGED_SCHEMA`; no row when none).

    Raises `flows.errors.DatasetError` (one line) when the file exists but cannot be read or
    has another schema: it is not derived data, so nothing is guessed in its place."""
    path = merged_path(root)
    if not path.exists():
        return MERGED_SCHEMA.empty_table()
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise DatasetError(f"{path} cannot be read ({reason}); restore it from a backup") from None
    if [(f.name, f.type) for f in table.schema] != [(f.name, f.type) for f in MERGED_SCHEMA]:
        raise DatasetError(f"{path} has an unexpected schema; restore it from a backup")
    return table.cast(MERGED_SCHEMA)


def merged_map(table: pa.Table) -> dict[str, str]:
    """``cluster_id -> merged_into`` of a merged-clusters table."""
    return dict(zip(table.column("cluster_id").to_pylist(), table.column("merged_into").to_pylist(),
                    strict=True))


def with_absorbed(stories: set[str], merged: dict[str, str]) -> set[str]:
    """The cluster ids whose articles belong to the clusters ``stories``: theirs, and those of
    the clusters ``merged`` into them (the raw ``cluster_id`` values to select articles by)."""
    return stories | {absorbed for absorbed, into in merged.items() if into in stories}


def resolved(cluster_ids: pa.Array | pa.ChunkedArray, merged: dict[str, str]) -> pa.Array | pa.ChunkedArray:
    """``cluster_ids`` with every merged cluster replaced by the one it was merged into."""
    if not merged:
        return cluster_ids
    keys = pa.array(list(merged), pa.string())
    into = pa.array(list(merged.values()), pa.string())
    return pc.coalesce(pc.take(into, pc.index_in(cluster_ids, value_set=keys)), cluster_ids)


def _flattened(table: pa.Table) -> pa.Table:
    """``table`` with ``merged_into`` recomputed: each entry's ``merged_with``, followed while
    that cluster was itself merged (a chain ends at a cluster with no entry)."""
    step = dict(zip(table.column("cluster_id").to_pylist(), table.column("merged_with").to_pylist(),
                    strict=True))

    def end(cid: str) -> str:
        seen = {cid}
        while cid in step:
            cid = step[cid]
            if cid in seen:  # merges only absorb live clusters: a cycle is damage
                raise DatasetError(f"the merged clusters form a cycle through {cid!r}; restore "
                                   f"clusters/{MERGED_FILE} from a backup")
            seen.add(cid)
        return cid

    into = pa.array([end(c) for c in table.column("cluster_id").to_pylist()], pa.string())
    columns = [into if name == "merged_into" else table.column(name) for name in MERGED_SCHEMA.names]
    return pa.Table.from_arrays(columns, schema=MERGED_SCHEMA)


def updated_merged(table: pa.Table, merged: dict[str, str], merged_at: datetime, run_id: str,
                   alive: set[str] | frozenset[str] = frozenset()) -> pa.Table:
    """The merged clusters after a run that merged ``merged`` (absorbed id -> survivor's id)
    and founded clusters ``alive`` (an id that had been merged and is a cluster again: its
    documents were set aside by a recovery, then curated again), flattened (`_flattened`)."""
    drop = set(merged) | (set(alive) & set(table.column("cluster_id").to_pylist()))
    if not drop:
        return table
    kept = table.filter(pc.invert(pc.is_in(table.column("cluster_id"), value_set=pa.array(sorted(drop)))))
    fresh = pa.table({"cluster_id": list(merged), "merged_into": list(merged.values()),
                      "merged_with": list(merged.values()), "merged_at": [merged_at] * len(merged),
                      "run_id": [run_id] * len(merged)}, schema=MERGED_SCHEMA)
    return _flattened(pa.concat_tables([kept.cast(MERGED_SCHEMA), fresh]))


def without_runs(table: pa.Table, runs: set[str]) -> pa.Table:
    """The merged clusters with the merges of ``runs`` undone (runs a recovery set aside),
    flattened again."""
    gone = pc.is_in(table.column("run_id"), value_set=pa.array(sorted(runs), pa.string()))
    return _flattened(table.filter(pc.invert(gone)))


def write_merged(table: pa.Table, path: Path, metadata: dict[bytes, bytes]) -> None:
    """Write the merged clusters to ``path`` (a staging file) with the run's footer keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata(metadata), path, compression="zstd")


def _elect(members: pa.Table) -> pa.Table:
    """State rows of the clusters of ``members`` (columns ``doc_id``, ``cluster_id``,
    ``lang``, ``text_length``, ``published_at``, ``ingested_at``): one per cluster, its
    canonical elected by the rule over these members."""
    if members.num_rows == 0:
        return CLUSTER_STATE_SCHEMA.empty_table()
    keys = members.append_column("_length", pc.fill_null(members.column("text_length"), -1))
    published = pc.cast(members.column("published_at"), pa.int64())
    keys = keys.append_column("_published", pc.fill_null(published, np.iinfo(np.int64).max))
    ordered = keys.sort_by([("cluster_id", "ascending"), *_RULE])
    cid = ordered.column("cluster_id").to_numpy(zero_copy_only=False)
    first = np.flatnonzero(np.concatenate(([True], cid[1:] != cid[:-1])))
    best = ordered.take(pa.array(first))
    stats = members.group_by("cluster_id").aggregate([
        ("doc_id", "count"), ("lang", "distinct"), ("ingested_at", "min"), ("ingested_at", "max"),
    ]).sort_by("cluster_id")
    languages = pa.array([sorted(x for x in v if x) for v in stats.column("lang_distinct").to_pylist()],
                         pa.list_(pa.string()))
    return pa.table({
        "cluster_id": best.column("cluster_id"),
        "canonical_doc_id": best.column("doc_id"),
        "canonical_lang": best.column("lang"),
        "canonical_text_length": best.column("text_length"),
        "canonical_published_at": best.column("published_at"),
        "size": stats.column("doc_id_count"),
        "languages": languages,
        "first_seen": stats.column("ingested_at_min"),
        "updated_at": stats.column("ingested_at_max"),
    }, schema=CLUSTER_STATE_SCHEMA)


def rebuild_state(parts: list[Path], where: ds.Expression | None = None,
                  merged: dict[str, str] | None = None) -> pa.Table:
    """The state of the clusters of these articles parts, from their rows alone (those
    ``where`` selects, when given: a takedown re-elects over the remaining members), each
    row in its cluster after the merges ``merged`` (`read_merged`).

    Guarantees: one row per ``cluster_id`` present; the canonical is the member the rule
    ranks first; ``size`` counts the member rows. Reads the ``text`` column (for its length)
    one batch at a time, never the whole dataset's texts at once.
    """
    if not parts:
        return CLUSTER_STATE_SCHEMA.empty_table()
    dataset = ds.dataset([str(p) for p in parts], format="parquet")
    cols = ["doc_id", "cluster_id", "lang", "published_at", "ingested_at"]
    batches = []
    for batch in dataset.to_batches(columns=[*cols, "text"], filter=where):
        length = pc.cast(pc.utf8_length(batch.column("text")), pa.int64())
        columns = [batch.column(c) for c in cols]
        columns[1] = resolved(columns[1], merged or {})
        batches.append(pa.RecordBatch.from_arrays([*columns, length], names=[*cols, "text_length"]))
    if not batches:
        return CLUSTER_STATE_SCHEMA.empty_table()
    return _elect(pa.Table.from_batches(batches))


def read_state(root: Path, article_rows: int, columns: list[str] | None = None,
               clusters: pa.Array | None = None) -> pa.Table | None:
    """The state file of the dataset at ``root``, or None when it is missing, unreadable, of
    another schema, or out of step with the articles (its sizes do not add up to
    ``article_rows``): the caller then rebuilds it. ``columns`` and ``clusters`` (cluster ids)
    select what is read: only those columns of those clusters' rows, filtered while reading."""
    path = state_path(root)
    if not path.exists():
        return None
    try:
        if not pq.read_schema(path).equals(CLUSTER_STATE_SCHEMA, check_metadata=False):
            return None
        total = pc.sum(pq.read_table(path, columns=["size"]).column("size")).as_py() or 0
        if total != article_rows:
            return None
        where = None if clusters is None else ds.field("cluster_id").isin(clusters)
        return ds.dataset(path, format="parquet").to_table(columns=columns, filter=where)
    except (OSError, pa.ArrowException):
        return None


def _folded(state: pa.Table, merged: dict[str, str], ingested_at: datetime) -> pa.Table:
    """``state`` with each cluster absorbed by ``merged`` folded into its survivor's row:
    sizes added, languages joined, the earlier ``first_seen``, ``updated_at`` = ``ingested_at``
    and the canonical the rule ranks first of the two."""
    involved = pc.is_in(state.column("cluster_id"), value_set=pa.array([*merged, *merged.values()]))
    rows = state.filter(involved).to_pylist()
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(merged.get(row["cluster_id"], row["cluster_id"]), []).append(row)
    far = datetime.max.replace(tzinfo=ingested_at.tzinfo)

    def rule(row: dict) -> tuple[int, datetime, str]:
        length = row["canonical_text_length"]
        return (-(length if length is not None else -1), row["canonical_published_at"] or far,
                row["canonical_doc_id"])

    out = []
    for survivor, members in groups.items():
        best = min(members, key=rule)
        seen = [r["first_seen"] for r in members if r["first_seen"] is not None]
        out.append({**best, "cluster_id": survivor, "size": sum(r["size"] for r in members),
                    "languages": sorted({x for r in members for x in r["languages"] or []}),
                    "first_seen": min(seen) if seen else None, "updated_at": ingested_at})
    return pa.concat_tables([state.filter(pc.invert(involved)),
                             pa.Table.from_pylist(out, schema=CLUSTER_STATE_SCHEMA)])


def updated_state(state: pa.Table, run: pa.Table, ingested_at: datetime,
                  merged: dict[str, str] | None = None) -> pa.Table:
    """The state after a run: ``run`` holds the run's new rows (`flows.schema.ASSIGNMENTS_SCHEMA`
    columns ``doc_id``, ``cluster_id``, ``elected``, ``lang``, ``text_length``,
    ``published_at``); ``merged``, the clusters the run merged (absorbed id -> survivor's id),
    whose rows are first folded into their survivors' (`_folded`).

    Guarantees: untouched clusters keep their rows unchanged; a touched cluster gets its
    size and languages updated, ``updated_at`` = ``ingested_at``, and its canonical is the
    run's elected member when there is one (`cleaners.dedup.match` elects a member only when
    the rule ranks it before the cluster's canonical); a new cluster gets ``first_seen`` =
    ``ingested_at``.
    """
    if merged:
        state = _folded(state, merged, ingested_at)
    if run.num_rows == 0:
        return state
    ts = pa.array([ingested_at] * run.num_rows, CLUSTER_STATE_SCHEMA.field("first_seen").type)
    members = run.select(["doc_id", "cluster_id", "lang", "text_length", "published_at"]).append_column(
        "ingested_at", ts)
    fresh = _elect(members)  # per touched cluster: the run's members' best, sizes, languages
    touched = fresh.column("cluster_id")
    is_old = pc.is_in(state.column("cluster_id"), value_set=touched)
    old = state.filter(is_old)
    keep = state.filter(pc.invert(is_old))
    elected = set(run.filter(run.column("elected")).column("doc_id").to_pylist())
    before = {r["cluster_id"]: r for r in old.to_pylist()}
    rows = []
    for row in fresh.to_pylist():
        prev = before.get(row["cluster_id"])
        if prev is not None:
            if row["canonical_doc_id"] not in elected:  # the canonical stays
                for key in ("canonical_doc_id", "canonical_lang", "canonical_text_length",
                            "canonical_published_at"):
                    row[key] = prev[key]
            row["size"] += prev["size"]
            row["languages"] = sorted(set(row["languages"]) | set(prev["languages"] or []))
            row["first_seen"] = prev["first_seen"]
        rows.append(row)
    return pa.concat_tables([keep, pa.Table.from_pylist(rows, schema=CLUSTER_STATE_SCHEMA)])


def write_state(state: pa.Table, path: Path, metadata: dict[bytes, bytes]) -> None:
    """Write ``state`` to ``path`` (a staging file) with the run's footer keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(state.replace_schema_metadata(metadata), path, compression="zstd")
