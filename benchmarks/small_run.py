"""Small runs: ``curate run`` as users run it (no ``--workers``) against ``--workers 2``.

Run: ``.venv/bin/python benchmarks/small_run.py`` (defaults: 500, 1,000, 3,000 and 6,000
documents of the WMT mixture of `benchmarks.corpus`, three repeats). Options: ``--docs N ...``,
``--repeats N``, ``--work DIR``.

For each size, on an empty dataset, alternately: the **baseline** ``curate run --workers 2``
(a process pool of two workers, started early from ``CURATE_EARLY_WORKERS_BYTES`` of new files,
else once the flow needs them), and the **job** ``curate run`` without ``--workers``, which
cleans and fingerprints a run of under ``CURATE_IN_PROCESS_BYTES`` of new files in its own
process, loading what that needs while Prefect's temporary API starts (from that size on it
is the baseline). Whole commands, wall time; the median of each, their ratio; and whether the
two wrote the same rows (every column but the run's ids and times). A Prefect database exists
before the first measured run (a warm-up run creates it). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import corpus  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from pipeline import work_folder  # noqa: E402

#: Columns that differ between two curations of the same files (the run's ids and times).
RUN_COLUMNS = {"run_id", "ingested_at", "ingest_date"}


def curate(raw: Path, curated: Path, env: dict[str, str], *extra: str) -> float:
    """Seconds of one ``curate run`` command."""
    cmd = [str(Path(sys.executable).with_name("curate")), "run", "--raw", str(raw),
           "--curated", str(curated), *extra]
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def rows(curated: Path) -> list[dict]:
    """The curated rows, without the run's ids and times, sorted by ``doc_id``."""
    table = pq.read_table(curated / "articles")
    table = table.drop_columns([c for c in table.column_names if c in RUN_COLUMNS])
    return sorted(table.to_pylist(), key=lambda r: r["doc_id"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[500, 1000, 3000, 6000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args(argv)
    with work_folder(args.work, "curate-small-") as work:
        return _measure(args, work)


def _measure(args: argparse.Namespace, work: Path) -> int:
    """`main`'s runs, for the sizes of ``args.docs``, in ``work``; prints the table."""
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect-home"), "PREFECT_LOGGING_LEVEL": "WARNING"}
    warm = work / "warm-raw"
    warm.mkdir(exist_ok=True)
    (warm / "one.jsonl").write_text(json.dumps({"id": "w", "text": "A warm-up record."}) + "\n")
    curate(warm, work / "warm-curated", env)  # creates Prefect's database
    lines = ["| documents | new MB | baseline `--workers 2` median s (runs) | job (no `--workers`) "
             "median s (runs) | baseline / job | same rows |", "|---:|---:|---:|---:|---:|---|"]
    for n in args.docs:
        raw = work / f"raw-{n}"
        raw.mkdir(exist_ok=True)
        (raw / "news.jsonl").write_text(
            "".join(json.dumps(r.row) + "\n" for r in corpus.generate(n, seed=41)), encoding="utf-8")
        times: dict[str, list[float]] = {"baseline": [], "job": []}
        for _ in range(args.repeats):
            for mode, extra in (("baseline", ("--workers", "2")), ("job", ())):
                out = work / f"curated-{n}-{mode}"
                shutil.rmtree(out, ignore_errors=True)
                times[mode].append(curate(raw, out, env, *extra))
        base, job = (statistics.median(times[m]) for m in ("baseline", "job"))
        same = rows(work / f"curated-{n}-baseline") == rows(work / f"curated-{n}-job")
        mb = (raw / "news.jsonl").stat().st_size / 1e6
        runs = {m: ", ".join(f"{t:.2f}" for t in v) for m, v in times.items()}
        lines.append(f"| {n:,} | {mb:.1f} | {base:.2f} ({runs['baseline']}) | {job:.2f} ({runs['job']}) "
                     f"| {base / job:.2f}x | {'yes' if same else 'NO'} |")
        print(lines[-1], file=sys.stderr)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
