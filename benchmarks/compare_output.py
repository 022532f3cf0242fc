"""Is the curated output of a fixed corpus the same as a saved one, column by column?

Refactoring must not change what the job writes. This script curates a fixed corpus (the
sample articles in ``raw/samples/`` plus a seeded WMT mixture from `corpus.write_corpus`)
into a temporary folder with the real command line, in two runs (the second matches against
the first's history), then either saves the result or compares
it with a saved result: every column of ``articles`` and ``quarantine`` except
the ones that name the run (``run_id``, ``ingested_at``), row by row after sorting by
``doc_id`` (or the quarantine's source and reason).

    python benchmarks/compare_output.py --save /tmp/before      # on the old commit
    python benchmarks/compare_output.py --against /tmp/before   # on the new one

Exit status 0 when identical, 1 with the first differences printed otherwise.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import SAMPLES, write_corpus

ROOT = Path(__file__).resolve().parents[1]
#: Columns that name the run, not the content: expected to differ between two runs.
RUN_COLUMNS = frozenset({"run_id", "ingested_at"})
TABLES = ("articles", "quarantine")
EVAL = ROOT.parent / "shared" / "eval"
PAGES = EVAL / "trafilatura" / "pages"
WXR = EVAL / "wordpress" / "wxr"
BAD_RECORDS = "\n".join([
    '{"id": "no-text"}',
    '{"id": "null-text", "text": null}',
    '{not json',
    '{"id": "empty", "text": "   "}',
    '{"id": "ok", "title": "Caf\u00c3\u00a9", "text": "Un caf\u00c3\u00a9 \u00ab cr\u00e8me \u00bb [caption]x[/caption]"}',
    '[1, 2]',
]) + "\n"


def build_corpus(work: Path, n: int, seed: int) -> tuple[Path, Path]:
    """The fixed corpus (same bytes every time), as two batches of raw files.

    The first batch is the samples and the first two thirds of ``n`` seeded WMT records, the
    second the last third, so that the second run also matches against a history.
    """
    generated = work / "generated"
    write_corpus(generated / "wmt", n, seed=seed, per_file=max(1, -(-n // 3)))
    first, second = work / "raw1", work / "raw2"
    shutil.copytree(SAMPLES, first / "samples")
    parts = sorted((generated / "wmt").glob("*.jsonl"))
    (first / "wmt").mkdir()
    (second / "wmt").mkdir(parents=True)
    for i, part in enumerate(parts):
        shutil.copy(part, (second if i == len(parts) - 1 else first) / "wmt" / part.name)
    # Real pages, WordPress exports and bad records, so that every reader and the quarantine
    # are compared too.
    if PAGES.is_dir():
        (first / "pages").mkdir()
        for page in sorted(PAGES.glob("*.html.gz"))[:60]:
            shutil.copy(page, first / "pages" / page.name)
    if WXR.is_dir():
        shutil.copytree(WXR, second / "wxr")
    (second / "bad.jsonl").write_text(BAD_RECORDS, encoding="utf-8")
    return first, second


def curate(raws: tuple[Path, ...], curated: Path, extra: list[str]) -> None:
    """One run of the real command line per raw folder, into the same curated folder."""
    curate_bin = Path(sys.executable).with_name("curate")
    for raw in raws:
        subprocess.run([str(curate_bin), "run", "--raw", str(raw), "--curated", str(curated), *extra],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def load(curated: Path) -> dict[str, pa.Table]:
    """Each table of a curated folder, minus the run columns, in a stable row order."""
    tables: dict[str, pa.Table] = {}
    for name in TABLES:
        files = sorted((curated / name).rglob("*.parquet")) if (curated / name).exists() else []
        if not files:
            continue
        table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")
        table = table.drop_columns([c for c in table.column_names if c in RUN_COLUMNS])
        keys = [c for c in ("doc_id", "source_file", "record_index", "stage", "error")
                if c in table.column_names]
        if keys:
            table = table.take(pc.sort_indices(table, [(k, "ascending") for k in keys]))
        tables[name] = table
    return tables


def differences(before: dict[str, pa.Table], after: dict[str, pa.Table], limit: int = 5) -> list[str]:
    """Human-readable differences between two loaded outputs (empty when identical)."""
    out: list[str] = []
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            out.append(f"{name}: only in {'after' if name in after else 'before'}")
            continue
        b, a = before[name], after[name]
        if b.column_names != a.column_names:
            out.append(f"{name}: columns {b.column_names} != {a.column_names}")
            continue
        if b.num_rows != a.num_rows:
            out.append(f"{name}: {b.num_rows} rows before, {a.num_rows} after")
            continue
        for col in b.column_names:
            if b[col].type != a[col].type:
                out.append(f"{name}.{col}: type {b[col].type} != {a[col].type}")
                continue
            if b[col].equals(a[col]):
                continue
            bl, al = b[col].to_pylist(), a[col].to_pylist()
            rows = [i for i, (x, y) in enumerate(zip(bl, al, strict=True)) if x != y]
            out.append(f"{name}.{col}: {len(rows)} rows differ")
            for i in rows[:limit]:
                out.append(f"    row {i}: {str(bl[i])[:120]!r} -> {str(al[i])[:120]!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, help="curate the corpus and keep the output here")
    mode.add_argument("--against", type=Path, help="curate the corpus and compare with this output")
    ap.add_argument("--docs", type=int, default=3000, help="WMT records in the corpus (default 3000)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--run-arg", action="append", default=[], help="extra argument for curate run")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        curated = Path(tmp) / "curated"
        curate(build_corpus(Path(tmp), args.docs, args.seed), curated, args.run_arg)
        if args.save:
            if args.save.exists():
                shutil.rmtree(args.save)
            shutil.copytree(curated, args.save)
            counts = {k: v.num_rows for k, v in load(args.save).items()}
            print(f"saved {args.save}: {counts}")
            return 0
        diff = differences(load(args.against), load(curated))
    if diff:
        print("\n".join(["DIFFERENT:", *diff]))
        return 1
    print(f"identical (all columns but {sorted(RUN_COLUMNS)}): "
          f"{ {k: v.num_rows for k, v in load(args.against).items()} }")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
