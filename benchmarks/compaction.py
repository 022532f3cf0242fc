"""Compaction of one partition: its cost, and what it saves a lookup by story.

Run: ``.venv/bin/python benchmarks/compaction.py [--parts 24] [--rows 2500]``. Writes a
synthetic partition of ``--parts`` run parts of ``--rows`` articles each (schema v1, 400
random words of text, random 256-value signatures: about 6 MB a part), each with its run
manifest, in a temporary folder. Then, each in its own process (peak RSS measured):

- ``rewrite, unsorted``: read every part and write their rows as one Parquet file, the
  baseline any merge pays;
- ``curate compact``: `flows.compact` (recovery, sorted row groups, staged, exchanged).

And in this process, DuckDB counting the rows of 200 stories (``where cluster_id = ?``) over
the parts before and after. Prints a Markdown table. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PARTITION = "ingest_date=2026-01-01"
#: The children print their own peak RSS (KiB) last, on stderr.
PEAK = ("import resource; "
        "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")
REWRITE = f"""
import sys, pyarrow as pa, pyarrow.parquet as pq
from pathlib import Path
parts = sorted(Path(sys.argv[1]).glob("*.parquet"))
table = pa.concat_tables([pq.read_table(p).replace_schema_metadata(None) for p in parts])
pq.write_table(table, sys.argv[2], compression="zstd")
{PEAK}
"""
COMPACT = f"""
import sys
from flows.compact import compact_main
assert compact_main(sys.argv[1:]) == 0
{PEAK}
"""


def make_partition(root: Path, parts: int, rows: int) -> list[str]:
    """The synthetic partition under ``root``; returns the cluster ids."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from flows import store
    from flows.schema import SCHEMA_VERSION, articles_schema, signature_column

    schema = articles_schema(256)
    rng = np.random.default_rng(1)
    words = np.array([f"w{i}" for i in range(20_000)])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ids_all: list[str] = []
    for r in range(parts):
        rid = f"20260101T{r % 24:02d}{r // 24:02d}00Z-{r:08x}"
        ids = [f"{x:016x}{y:016x}" for x, y in rng.integers(0, 1 << 62, (rows, 2))]
        ids_all += ids
        cols = {
            "doc_id": ids, "source_id": ids, "source_file": [f"f{r}.jsonl"] * rows,
            "url": [None] * rows, "title": ["t"] * rows, "published_at": [now] * rows,
            "ingested_at": [now] * rows, "run_id": [rid] * rows, "lang": ["en"] * rows,
            "text": [" ".join(rng.choice(words, 400)) for _ in range(rows)],
            "edits": [[]] * rows, "text_hash": ids, "shingle_count": [300] * rows,
            "cluster_id": ids, "is_canonical": [True] * rows, "duplicate_of": [None] * rows,
            "similarity": [None] * rows, "dup_kind": [None] * rows,
        }
        arrays = {name: pa.array(values, schema.field(name).type) for name, values in cols.items()}
        arrays["minhash"] = signature_column(rng.integers(0, 2**32, (rows, 256), dtype=np.uint32))
        table = pa.table([arrays[f.name] for f in schema], schema=schema)
        meta = {store.RUN_ID_KEY: rid.encode(), b"curate.schema_version": SCHEMA_VERSION.encode(),
                store.FINGERPRINT_KEY: b"{}"}
        out = root / "articles" / PARTITION / f"part-{rid}-0.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.replace_schema_metadata(meta), out, compression="zstd")
        (root / "_runs").mkdir(exist_ok=True)
        (root / "_runs" / f"{rid}.json").write_text(json.dumps({"run_id": rid, "inputs": []}))
    return ids_all


def timed_child(code: str, *args: str) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of ``python -c code args``."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    return seconds, int(done.stderr.split("RSS ")[-1]) / 1024


def lookups(curated: Path, probes: list[str]) -> float:
    import duckdb

    con = duckdb.connect()
    glob = str(curated / "articles" / "**" / "*.parquet")
    t0 = time.perf_counter()
    for probe in probes:
        con.execute("select count(*) from read_parquet(?, hive_partitioning=true) "
                    "where cluster_id = ?", [glob, probe]).fetchall()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", type=int, default=24, help="run parts in the partition (default 24)")
    ap.add_argument("--rows", type=int, default=2500, help="articles per part (default 2500)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-compaction-") as tmp:
        curated = Path(tmp) / "curated"
        ids = make_partition(curated, args.parts, args.rows)
        probes = ids[:: max(1, len(ids) // 200)][:200]
        folder = curated / "articles" / PARTITION
        before = sum(p.stat().st_size for p in folder.iterdir())
        rows = []
        t_before = lookups(curated, probes)
        t, rss = timed_child(REWRITE, str(folder), str(Path(tmp) / "one.parquet"))
        rows.append(("rewrite, unsorted (baseline)", t, rss))
        t, rss = timed_child(COMPACT, "--curated", str(curated))
        rows.append(("curate compact", t, rss))
        after = sum(p.stat().st_size for p in folder.iterdir())
        files_after = len(list(folder.iterdir()))
        t_after = lookups(curated, probes)
    print(f"{args.parts} parts of {args.rows:,} articles: {before / 1e6:.1f} MB -> "
          f"{files_after} part(s), {after / 1e6:.1f} MB")
    print()
    print("| what | seconds | peak RSS MB |")
    print("|---|---:|---:|")
    for what, seconds, rss in rows:
        print(f"| {what} | {seconds:.2f} | {rss:.0f} |")
    print(f"| 200 lookups by cluster_id, {args.parts} parts (DuckDB) | {t_before:.2f} | |")
    print(f"| 200 lookups by cluster_id, compacted (DuckDB) | {t_after:.2f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
