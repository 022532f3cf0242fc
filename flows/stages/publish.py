"""The publish stage's data: the run's articles part, batches joined with their clusters."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from flows.errors import AccountingError
from flows.schema import articles_schema
from flows.staged import read_staged


def write_articles(fp_paths: list[str], clusters_path: Path, out_path: Path, run_id: str,
                   ingested_at: datetime, num_perm: int, metadata: dict[bytes, bytes]) -> int:
    """Stream the fingerprinted batches joined with their cluster columns into one Parquet part.

    Rows keep the run's order (one row group per batch). Returns the number of rows written.
    With no row the part holds the schema alone, and `flows.store.commit` does not publish it
    (a run whose records were all quarantined adds no articles part).
    The next batch is read on a thread while one is encoded and compressed (both release the
    GIL): two batches in memory at a time.
    """
    schema = articles_schema(num_perm).with_metadata(metadata)
    clusters = pq.read_table(clusters_path)
    offset = 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with (pq.ParquetWriter(out_path, schema, compression="zstd") as writer,
          ThreadPoolExecutor(1, thread_name_prefix="read-batch") as reader):
        upcoming = reader.submit(read_staged, fp_paths[0]) if fp_paths else None
        for k, path in enumerate(fp_paths):
            assert upcoming is not None
            t = upcoming.result()
            upcoming = reader.submit(read_staged, fp_paths[k + 1]) if k + 1 < len(fp_paths) else None
            n = t.num_rows
            c = clusters.slice(offset, n)
            if not c.column("doc_id").equals(t.column("doc_id")):
                raise AccountingError(f"cluster assignments out of step with {path}")
            offset += n
            cols = {
                **{name: t.column(name) for name in t.column_names},
                "ingested_at": pa.array([ingested_at] * n, pa.timestamp("us", tz="UTC")),
                "run_id": pa.array([run_id] * n, pa.string()),
                **{name: c.column(name) for name in c.column_names if name != "doc_id"},
            }
            writer.write_table(pa.table({f.name: cols[f.name] for f in schema}, schema=schema))
        if offset == 0:
            writer.write_table(schema.empty_table())
    return offset
