"""The match stage: the run's signatures against each other and the history, into clusters."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaners.dedup import DocBatch, History, MatchConfig, MatchStats, match
from cleaners.dedup.align import SketchSource
from cleaners.dedup.lsh import BandIndex
from flows.history import HistoryIndex
from flows.schema import ASSIGNMENTS_SCHEMA, signature_matrix
from flows.staged import read_staged

#: Key of the assignments file's metadata holding the history clusters the match merged
#: (JSON: absorbed cluster_id -> survivor's), read back by `merged_of`.
MERGED_KEY = b"curate.merged"


def merged_of(assignments_path: Path) -> dict[str, str]:
    """The history clusters merged by the match that wrote ``assignments_path``."""
    meta = pq.read_schema(assignments_path).metadata or {}
    return json.loads(meta.get(MERGED_KEY, b"{}"))


def _epoch(col: pa.ChunkedArray) -> np.ndarray:
    values = pc.cast(col, pa.int64()).to_numpy(zero_copy_only=False)
    out = np.asarray(values, dtype=np.float64) / 1e6
    mask = col.is_null().to_numpy(zero_copy_only=False)
    out[mask] = math.nan
    return out


def match_stage(fp_paths: list[str], history: History | HistoryIndex | None, config: MatchConfig,
                num_perm: int, out_path: Path,
                index_factory: Callable[[], Any] | None = None,
                sketches: SketchSource | None = None) -> dict[str, Any]:
    """Cluster the run's documents against each other and the history; writes the assignments.

    Reads only the matching columns of each batch. Returns counts for the summary.
    ``history``: the whole history, or its index (`flows.history.HistoryIndex`, synced),
    asked for what this batch can meet.
    ``index_factory`` builds the LSH index (default: in-memory; e.g. a shared Redis index);
    ``sketches`` gives the second signal's sentence sketches (`flows.stages.sketches`).
    """
    cols = ["doc_id", "lang", "minhash", "text_hash", "shingle_count", "published_at", "text_length"]
    tables = [read_staged(p, cols) for p in fp_paths]  # never the texts
    if tables:
        t = pa.concat_tables(tables)
        batch = DocBatch(
            doc_ids=t.column("doc_id").to_pylist(),
            langs=t.column("lang").to_pylist(),
            signatures=signature_matrix(t.column("minhash"), num_perm),
            text_hashes=t.column("text_hash").to_pylist(),
            lengths=t.column("text_length").to_numpy(),
            published_at=_epoch(t.column("published_at")),
            n_features=t.column("shingle_count").to_numpy().astype(np.int64),
        )
        extra = [t.column("lang"), t.column("text_length"), t.column("published_at")]
        del t, tables
    else:
        batch = DocBatch([], [], np.zeros((0, num_perm), np.uint32), [], np.zeros(0, np.int64),
                         np.zeros(0, np.float64), np.zeros(0, np.int64))
        extra = [[], [], []]
    history_rows = len(history) if isinstance(history, History) else 0
    if isinstance(history, HistoryIndex):
        history_rows = history.total_rows
        history = history.history_for(batch.signatures, batch.text_hashes)
    stats = MatchStats()
    assignments = match(batch, history, config, index_factory=index_factory or BandIndex, stats=stats,
                        sketches=sketches)
    columns = [
        batch.doc_ids,
        [a.cluster_id for a in assignments],
        [a.is_canonical for a in assignments],
        [a.duplicate_of for a in assignments],
        [a.similarity for a in assignments],
        [a.dup_kind for a in assignments],
        [a.elected for a in assignments],
    ]
    arrays = [pa.array(values, f.type) for values, f in zip(columns, ASSIGNMENTS_SCHEMA, strict=False)]
    arrays += [pc.cast(col, f.type) if isinstance(col, pa.ChunkedArray) else pa.array(col, f.type)
               for col, f in zip(extra, list(ASSIGNMENTS_SCHEMA)[len(columns):], strict=True)]
    table = pa.Table.from_arrays(arrays, schema=ASSIGNMENTS_SCHEMA)
    pq.write_table(table.replace_schema_metadata({MERGED_KEY: json.dumps(assignments.merged)}), out_path)
    kinds = Counter(a.dup_kind for a in assignments if a.dup_kind)
    history_ids = set(history.cluster_ids) if history is not None else set()
    return {
        "documents": len(assignments),
        "canonical": sum(a.is_canonical for a in assignments),
        "duplicates": sum(not a.is_canonical for a in assignments),
        "joined_history_clusters": sum(1 for a in assignments if not a.is_canonical and a.cluster_id in history_ids),
        "canonicals_reelected": stats.reelected,
        "clusters_merged": stats.merged,
        "history_clusters_merged": len(assignments.merged),
        "second_signal_pairs": stats.second_signal_pairs,
        "second_signal_refused": stats.second_signal_refused,
        "placement_passes": stats.placement_passes,
        "dup_kinds": dict(kinds),
        "history_documents": history_rows,
        "history_rows_read": len(history) if history is not None else 0,
    }
