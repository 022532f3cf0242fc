"""What a run's staged batches cost to write and read: Parquet with pyarrow's defaults (Snappy;
the job's staging format before `flows.staged`, the baseline) against Arrow IPC files, LZ4 or
uncompressed (`flows.staged`: LZ4 for the read stage's batches, uncompressed for the
fingerprinted ones).

Real batches, made by the job's own stages in this process: ``--docs`` records of the WMT
mixtures (`benchmarks.corpus`) and ``--pages`` records of the real web pages corpus
(`benchmarks.pages_corpus`, whole HTML pages), read by `flows.stages.read_stage` into batches
of 2,000 and cleaned and fingerprinted by `flows.stages.clean_and_fingerprint_stage`. For the
first batch of each corpus, each format is timed on the trips a run makes: the read batch
written once and read whole once (by its clean task); the fingerprinted batch written once,
read whole once (publish) and read for match's columns once. Printed: CPU milliseconds per
batch (medians of ``--repeat`` rounds, page cache warm), file size, and the ratio of the
baseline's CPU to each format's.

Usage: .venv/bin/python benchmarks/staging_io.py [--docs 2000] [--pages 500] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402
import pages_corpus  # noqa: E402

from flows.discover import discover  # noqa: E402
from flows.staged import read_staged, write_staged  # noqa: E402
from flows.stages import clean_and_fingerprint_stage, read_stage  # noqa: E402

#: The columns `flows.stages.match_stage` reads of a fingerprinted batch.
MATCH_COLUMNS = ["doc_id", "lang", "minhash", "text_hash", "shingle_count", "published_at",
                 "text_length"]

Write = Callable[[pa.Table, Path], None]
Read = Callable[[Path, list[str] | None], pa.Table]
FORMATS: dict[str, tuple[Write, Read]] = {
    "Parquet, Snappy (baseline)": (lambda t, p: pq.write_table(t, p),
                                   lambda p, c: pq.read_table(p, columns=c)),
    "Arrow IPC, LZ4": (lambda t, p: write_staged(t, p, compressed=True), read_staged),
    "Arrow IPC, uncompressed": (lambda t, p: write_staged(t, p, compressed=False), read_staged),
}


def _cpu_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def _first_batches(kind: str, n: int, work: Path) -> tuple[pa.Table, pa.Table]:
    """The first read batch and its fingerprinted batch of an ``n``-record corpus ``kind``."""
    raw = work / kind / "raw"
    (corpus if kind == "wmt" else pages_corpus).write_corpus(raw, n)
    now = datetime.now(UTC)
    read = read_stage(discover(raw, set()).new[:1], work / kind / "staging", "bench", now, 2000,
                      10_000_000)
    _, fingerprinted = clean_and_fingerprint_stage(read.batches[0], "bench", now)
    return read_staged(read.batches[0]), read_staged(fingerprinted.path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=2000, help="WMT records (first batch: 2,000)")
    parser.add_argument("--pages", type=int, default=500, help="web-page records")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"# staging_io: CPU ms per batch, medians of {args.repeat} rounds; pyarrow {pa.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for kind, n in (("wmt", args.docs), ("pages", args.pages)):
            read_batch, fp_batch = _first_batches(kind, n, work)
            print(f"\n## {kind}: read batch {read_batch.num_rows:,} rows "
                  f"({read_batch.nbytes / 1e6:.1f} MB in memory), fingerprinted batch "
                  f"{fp_batch.num_rows:,} rows ({fp_batch.nbytes / 1e6:.1f} MB)\n")
            print("| format | read batch: write | read | size KB | fingerprinted: write | "
                  "read whole | read match's columns | size KB | CPU ms in all | ratio |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            baseline = None
            for name, (write, read) in FORMATS.items():
                rp, fp = work / "r.bin", work / "f.bin"
                row = [_cpu_ms(lambda: write(read_batch, rp), args.repeat),  # noqa: B023
                       _cpu_ms(lambda: read(rp, None), args.repeat)]  # noqa: B023
                r_size = rp.stat().st_size // 1000
                row += [_cpu_ms(lambda: write(fp_batch, fp), args.repeat),  # noqa: B023
                        _cpu_ms(lambda: read(fp, None), args.repeat),  # noqa: B023
                        _cpu_ms(lambda: read(fp, MATCH_COLUMNS), args.repeat)]  # noqa: B023
                total = sum(row)
                baseline = baseline or total
                print(f"| {name} | {row[0]:.1f} | {row[1]:.1f} | {r_size:,} | {row[2]:.1f} | "
                      f"{row[3]:.1f} | {row[4]:.1f} | {fp.stat().st_size // 1000:,} | {total:.1f} | "
                      f"{baseline / total:.2f}x |")


if __name__ == "__main__":
    main()
