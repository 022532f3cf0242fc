"""A 500-document run against a small and a very large history: the persisted history index.

Run: ``.venv/bin/python benchmarks/history_scale.py`` (defaults: histories of 1,000 and
1,000,000 documents, 500 new ones). Options: ``--sizes 1000 1000000``, ``--new 500``,
``--work DIR`` (default a temp folder, removed after), ``--no-full`` (skip the full-reload
comparison), ``--workers N``.

What it builds (real news where matching happens, synthetic rows for bulk):

* the corpus of `benchmarks.corpus` (WMT sentences: unique stories, near-duplicates,
  translations, exact copies), ``1,000 + new`` records; the first 1,000 are curated by
  ``curate run``: the *real* history;
* for a larger history, filler rows appended as the parts a compaction leaves (one part of
  up to 125,000 rows per past day, with their manifests and cluster-state rows): random
  signatures (unique stories, which share no band with anything), short texts;
* the history index of every part, built once (`flows.history.HistoryIndex.sync`, timed: what
  the first run after a compaction pays once).

Then, on a hard-linked copy of each dataset, the same ``new`` records are curated by
``curate run --workers N`` in a subprocess (the run matches through the index): wall time, peak
RSS of its process tree (without the Prefect server), its ``load_history`` and ``match``
stage times; and, with the full reload, the same run again in a subprocess that loads every
signature (`flows.history.load_history`, what every run did before the index): time, peak RSS
and whether its rows (cluster, canonical, duplicate_of, similarity, kind) equal the index
run's. Nothing here asserts a time: it prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import corpus  # noqa: E402
from pipeline import latest_manifest, measured, work_folder  # noqa: E402

from cleaners.dedup import DEFAULT_FINGERPRINT  # noqa: E402
from flows.clusters import state_path  # noqa: E402
from flows.history import HistoryIndex  # noqa: E402
from flows.schema import CLUSTER_STATE_SCHEMA, signature_column  # noqa: E402
from flows.settings import RunSettings  # noqa: E402
from flows.store import Layout, article_parts  # noqa: E402

PER_PART = 125_000
REAL = 1_000
ROW_COLUMNS = ["doc_id", "cluster_id", "is_canonical", "duplicate_of", "similarity", "dup_kind"]

#: The full-reload run: the flow with `history_task` asked for every signature.
FULL_RELOAD = r'''
import sys
import flows.curate as curate
from flows.cli import main
real = curate.history_task
curate.history_task = lambda curated_dir, fp, config, full=False: real.fn(curated_dir, fp, config, full=True)
sys.exit(main(["run", *sys.argv[1:]]))
'''


def curate(raw: Path, curated: Path, workers: int, home: Path, full: bool = False) -> dict:
    """``curate run`` (or the full-reload run) in a subprocess: wall, peak RSS, manifest."""
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "WARNING",
           "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    options = ["--raw", str(raw), "--curated", str(curated), "--workers", str(workers)]
    if full:
        cmd = [sys.executable, "-c", FULL_RELOAD, *options]
    else:
        cmd = [str(Path(sys.executable).with_name("curate")), "run", *options]
    wall, rss, _ = measured(cmd, "full-reload run" if full else "curate run", env=env, cwd=ROOT)
    return {"wall": wall, "rss": rss.tree, "manifest": latest_manifest(curated)}


def filler(dataset: Path, n: int, seed: int = 5) -> None:
    """Append ``n`` synthetic rows to the curated dataset as parts of a past day each (with
    their manifests and cluster-state rows), shaped like the real part already there."""
    layout = Layout(dataset)
    (template_path,) = article_parts(layout)
    template = pq.read_table(template_path)
    meta = dict(pq.read_schema(template_path).metadata or {})
    manifest0 = json.loads(next((dataset / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    rng = np.random.default_rng(seed)
    states = [pq.read_table(state_path(dataset))]
    day0 = datetime(2025, 1, 1, tzinfo=UTC)
    langs = np.array(["en", "fr", "de", "es"])
    for k, lo in enumerate(range(0, n, PER_PART)):
        rows = min(PER_PART, n - lo)
        run_id = f"{(day0 + timedelta(days=k)):%Y%m%dT%H%M%SZ}-fill{k:04d}"
        day = f"{day0 + timedelta(days=k):%Y-%m-%d}"
        ids = [f"{seed:02d}{k:04d}{i:026x}" for i in range(rows)]
        lang = langs[rng.integers(0, 4, rows)]
        t = template.take(np.arange(rows) % template.num_rows)
        sig = rng.integers(0, 2**32, size=(rows, DEFAULT_FINGERPRINT.num_perm), dtype=np.uint32)
        published = t.column("published_at")
        replace = {
            "doc_id": pa.array(ids), "source_id": pa.array(ids), "cluster_id": pa.array(ids),
            "run_id": pa.array([run_id] * rows), "lang": pa.array(lang.tolist()),
            "text": pa.array([f"filler story {i}" for i in ids]),
            "text_hash": pa.array([f"f{i[1:]}" for i in ids]), "minhash": signature_column(sig),
            "is_canonical": pa.array(np.ones(rows, bool)), "duplicate_of": pa.nulls(rows, pa.string()),
            "similarity": pa.nulls(rows, pa.float32()), "dup_kind": pa.nulls(rows, pa.string()),
        }
        for name, col in replace.items():
            t = t.set_column(t.schema.get_field_index(name), t.schema.field(name), col)
        part = dataset / "articles" / f"ingest_date={day}" / f"part-{run_id}-0.parquet"
        part.parent.mkdir(parents=True)
        pq.write_table(t.replace_schema_metadata({**meta, b"curate.run_id": run_id.encode()}), part,
                       compression="zstd")
        manifest = {**manifest0, "run_id": run_id, "flow_run_id": None, "inputs": [],
                    "outputs": {"articles": str(part.relative_to(dataset))}}
        (dataset / "_runs" / f"{run_id}.json").write_text(json.dumps(manifest), encoding="utf-8")
        states.append(pa.table({
            "cluster_id": ids, "canonical_doc_id": ids, "canonical_lang": lang.tolist(),
            "canonical_text_length": pc.utf8_length(replace["text"]).cast(pa.int64()),
            "canonical_published_at": published, "size": np.ones(rows, np.int64),
            "languages": pa.array([[x] for x in lang.tolist()], pa.list_(pa.string())),
            "first_seen": published, "updated_at": published,
        }, schema=CLUSTER_STATE_SCHEMA))
    state = pa.concat_tables(states)
    pq.write_table(state.replace_schema_metadata(pq.read_schema(state_path(dataset)).metadata),
                   state_path(dataset), compression="zstd")


def rows_of(curated: Path, run_id: str) -> list[dict]:
    t = pq.read_table(curated / "articles", columns=[*ROW_COLUMNS, "run_id"])
    t = t.filter(pc.equal(t.column("run_id"), run_id)).select(ROW_COLUMNS)
    return sorted(t.to_pylist(), key=lambda r: r["doc_id"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 1_000_000])
    ap.add_argument("--new", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--no-full", action="store_true")
    args = ap.parse_args(argv)
    with work_folder(args.work, "curate-history-") as work:
        return _measure(args, work)


def _measure(args: argparse.Namespace, work: Path) -> int:
    """`main`'s runs, for the history sizes of ``args.sizes``, in ``work``; prints the table."""
    records = [r.row for r in corpus.generate(REAL + args.new, seed=23)]
    raw_old, raw_new = work / "raw-old", work / "raw-new"
    for folder, recs in ((raw_old, records[:REAL]), (raw_new, records[REAL:])):
        folder.mkdir(exist_ok=True)
        (folder / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    home = work / "prefect-home"
    base = work / "real"
    curate(raw_old, base, args.workers, home)  # the real history (and Prefect's database)
    settings = RunSettings(raw_dir=str(raw_new), curated_dir=str(base))
    fp = asdict(settings.fingerprint_config())
    lines = ["| history documents | index built once (s) | run wall (s) | load_history (s) | match (s) "
             "| peak RSS (MiB) | full reload: wall (s) | load_history (s) | match (s) | peak RSS (MiB) "
             "| same rows |", "|" + "---:|" * 11]
    for size in args.sizes:
        dataset = work / f"history-{size}"
        shutil.copytree(base, dataset)
        if size > REAL:
            t0 = time.perf_counter()
            filler(dataset, size - REAL)
            print(f"{size:,}: filler written in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        index = HistoryIndex(Layout(dataset), DEFAULT_FINGERPRINT.num_perm,
                             *settings.match_config().lsh_params(), fp)
        t0 = time.perf_counter()
        index.sync()
        built = time.perf_counter() - t0
        runs = {}
        for mode in ("index",) if args.no_full else ("index", "full"):
            copy = work / f"run-{size}-{mode}"
            subprocess.run(["cp", "-al", str(dataset), str(copy)], check=True)
            runs[mode] = curate(raw_new, copy, args.workers, home, full=mode == "full")
            runs[mode]["rows"] = rows_of(copy, runs[mode]["manifest"]["run_id"])
            print(f"{size:,} {mode}: {runs[mode]['wall']:.1f}s", file=sys.stderr)
        cells = [f"{size:,}", f"{built:.1f}"]
        for mode in ("index", "full"):
            r = runs.get(mode)
            if r is None:
                cells += ["-"] * 4
                continue
            tm = r["manifest"]["timings"]
            cells += [f"{r['wall']:.2f}", f"{tm['load_history']:.2f}", f"{tm['match']:.2f}",
                      f"{r['rss'] / 2**20:,.0f}"]
        same = "-" if "full" not in runs else ("yes" if runs["full"]["rows"] == runs["index"]["rows"] else "NO")
        cells.append(same)
        lines.append("| " + " | ".join(cells) + " |")
        m = runs["index"]["manifest"]["match"]
        print(f"{size:,}: index run read {m.get('history_rows_read', 0):,} of {m['history_documents']:,} "
              f"history rows; {m['duplicates']} duplicates, {m['joined_history_clusters']} joined history "
              f"clusters", file=sys.stderr)
        for mode in runs:
            shutil.rmtree(work / f"run-{size}-{mode}", ignore_errors=True)
        shutil.rmtree(dataset, ignore_errors=True)
    print(f"# {args.new} new documents against histories of {', '.join(f'{s:,}' for s in args.sizes)} "
          f"documents; curate run --workers {args.workers}\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
