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
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from flows.schema import CLUSTER_STATE_SCHEMA

#: The state file's name under ``curated/clusters/``.
STATE_FILE = "current.parquet"

#: The canonical rule as a pyarrow sort over member rows (unknown lengths and dates last).
_RULE = [("_length", "descending"), ("_published", "ascending"), ("doc_id", "ascending")]


def state_path(root: Path) -> Path:
    """Where the state of the dataset at ``root`` lives."""
    return root / "clusters" / STATE_FILE


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


def rebuild_state(parts: list[Path], where: ds.Expression | None = None) -> pa.Table:
    """The state of the clusters of these articles parts, from their rows alone (those
    ``where`` selects, when given: a takedown re-elects over the remaining members).

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
        batches.append(pa.RecordBatch.from_arrays([*(batch.column(c) for c in cols), length],
                                                  names=[*cols, "text_length"]))
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


def updated_state(state: pa.Table, run: pa.Table, ingested_at: datetime) -> pa.Table:
    """The state after a run: ``run`` holds the run's new rows (`flows.schema.ASSIGNMENTS_SCHEMA`
    columns ``doc_id``, ``cluster_id``, ``elected``, ``lang``, ``text_length``,
    ``published_at``).

    Guarantees: untouched clusters keep their rows unchanged; a touched cluster gets its
    size and languages updated, ``updated_at`` = ``ingested_at``, and its canonical is the
    run's elected member when there is one (`cleaners.dedup.match` elects a member only when
    the rule ranks it before the cluster's canonical); a new cluster gets ``first_seen`` =
    ``ingested_at``.
    """
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
