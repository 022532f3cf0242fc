"""Arrival order through the real job: the same files curated in one run, or in several runs.

Run: ``.venv/bin/python benchmarks/flow_splits.py [--sets newstest2013] [--variant condensed]
[--splits 3] [--runs 6] [--work DIR]``. Each WMT document of the set (``../shared/eval/wmt``;
``condensed``: 60 % of each version's sentences, as in `benchmarks/crosslingual.py`) becomes
one ``.txt`` file. ``curate run`` (the command line, a temporary Prefect API per run) curates
them all in one run into one dataset; then, for each split, the same files in a random order
cut into ``--runs`` runs into a fresh dataset. Clusters are read as a consumer reads the story
of every article: ``cluster_id``, or its ``merged_into`` in ``clusters/merged/merged.parquet``.
Prints, per split, the clusters, how many of the one-run clusters it reproduces exactly and
the merges recorded; and how many stories (WMT document ids) the one run keeps whole. Nothing
is asserted.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import crosslingual  # noqa: E402
import pyarrow.dataset as ds  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from pipeline import work_folder  # noqa: E402

CURATE = Path(sys.executable).with_name("curate")


def _curate(raw: Path, curated: Path) -> None:
    done = subprocess.run([str(CURATE), "run", "--raw", str(raw), "--curated", str(curated)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"curate run failed: {done.stderr.strip().splitlines()[-1:]}")


def stories(curated: Path) -> tuple[set[frozenset[str]], int]:
    """The clusters of a dataset as sets of raw file names (merged clusters resolved), and
    the number of merges recorded."""
    rows = ds.dataset(curated / "articles", format="parquet", partitioning="hive").to_table(
        columns=["source_file", "cluster_id"]).to_pylist()
    path = curated / "clusters" / "merged" / "merged.parquet"
    merged = {r["cluster_id"]: r["merged_into"] for r in pq.read_table(path).to_pylist()} if path.exists() else {}
    members: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        members[merged.get(r["cluster_id"], r["cluster_id"])].add(Path(r["source_file"]).name)
    return {frozenset(m) for m in members.values()}, len(merged)


def curated_in_runs(files: dict[str, str], order: list[str], runs: int, work: Path) -> tuple[set[frozenset[str]], int]:
    """Curate ``files`` (name -> text) arriving in ``order``, cut into ``runs`` runs."""
    raw, curated = work / "raw", work / "curated"
    raw.mkdir(parents=True)
    size = -(-len(order) // runs)
    for lo in range(0, len(order), size):
        for name in order[lo:lo + size]:
            (raw / name).write_text(files[name], encoding="utf-8")
        _curate(raw, curated)
    return stories(curated)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=["newstest2013"])
    ap.add_argument("--variant", choices=["full", "condensed"], default="condensed")
    ap.add_argument("--splits", type=int, default=3)
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args(argv)
    sets = crosslingual.wmt_sets()
    with work_folder(args.work, "curate-flow-splits-") as work:
        for name in args.sets:
            docs = crosslingual.load_set(sets[name])
            if args.variant == "condensed":
                docs = crosslingual.condensed(docs)
            files = {f"{d.lang}_{k:03d}.txt": d.text for k, d in enumerate(docs)}
            story = defaultdict(set)
            for k, d in enumerate(docs):
                story[d.docid].add(f"{d.lang}_{k:03d}.txt")
            one, merges = curated_in_runs(files, list(files), 1, work / f"{name}-one")
            whole = sum(frozenset(m) in one for m in story.values())
            print(f"## {name} {args.variant}: {len(files)} files, {len(story)} stories\n")
            print(f"One run: {len(one)} clusters, {whole} of {len(story)} stories whole, {merges} merge(s).\n")
            print("| split | runs | clusters | one-run clusters reproduced | merges recorded |")
            print("|---:|---:|---:|---:|---:|")
            for seed in range(args.splits):
                order = list(files)
                random.Random(seed).shuffle(order)
                got, merges = curated_in_runs(files, order, args.runs, work / f"{name}-{seed}")
                print(f"| {seed} | {args.runs} | {len(got)} | {len(one & got)} of {len(one)} | {merges} |", flush=True)
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
