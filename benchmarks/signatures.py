"""What the MinHash signatures cost in ``curated/articles``, stored in each candidate type.

Run:  .venv/bin/python benchmarks/signatures.py --curated DIR

``DIR`` is a curated dataset (any schema version; e.g. made by ``curate run`` from
``benchmarks/corpus.write_corpus``). Its article rows are written once per candidate type of
``minhash`` (zstd, one file, as a run writes them), and the table gives the file size, the
column's compressed bytes and share of the file, and the seconds to read every column but
``minhash`` (what most consumers read) and every column (pyarrow, best of 3). The last lines
say whether each type survives a round trip through a Delta table (``deltalake``, when it is
installed), and how many signature values are of 2^31 or more (those a signed 32-bit engine
mangles).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.schema import signature_column, signature_matrix

NUM_PERM = 256


def variants(table: pa.Table) -> dict[str, pa.Table]:
    """The rows with ``minhash`` in each candidate type."""
    sig = signature_matrix(table.column("minhash"), NUM_PERM)
    index = table.schema.get_field_index("minhash")
    flat = pa.array(sig.reshape(-1))
    offsets = np.arange(0, (len(sig) + 1) * NUM_PERM, NUM_PERM, dtype=np.int32)
    types = {
        "fixed_size_list<uint32>[256] (v1)": pa.FixedSizeListArray.from_arrays(flat, NUM_PERM),
        "list<int32>, bits reinterpreted (v2)": signature_column(sig),
        "binary, little-endian": pa.Array.from_buffers(
            pa.binary(), len(sig), [None, pa.py_buffer(4 * np.asarray(offsets)),
                                    pa.py_buffer(np.ascontiguousarray(sig, "<u4"))]),
    }
    return {name: table.set_column(index, "minhash", column) for name, column in types.items()}


def column_bytes(path: Path, name: str) -> int:
    meta = pq.read_metadata(path)
    return sum(meta.row_group(g).column(c).total_compressed_size
               for g in range(meta.num_row_groups) for c in range(meta.num_columns)
               if meta.row_group(g).column(c).path_in_schema.split(".")[0] == name)


def best_of(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def delta_round_trip(table: pa.Table, folder: Path) -> str:
    try:
        from deltalake import DeltaTable, write_deltalake
    except ImportError:
        return "deltalake not installed"
    big = table.slice(0, 1)
    sig = signature_matrix(big.column("minhash"), NUM_PERM)
    sig[0, :4] = [1, 2**31 - 1, 2**31, 2**32 - 1]  # values a signed engine must keep
    out = []
    one = big.set_column(big.schema.get_field_index("minhash"), "minhash", signature_column(sig))
    for k, (name, t) in enumerate(variants(one).items()):
        path = folder / f"table-{k}"
        try:
            write_deltalake(str(path), t.select(["doc_id", "minhash"]))
            back = DeltaTable(str(path)).to_pyarrow_table().column("minhash")
            got = (np.frombuffer(back[0].as_py(), "<u4")[:4].tolist()
                   if pa.types.is_binary(back.type) else back.to_pylist()[0][:4])
            out.append(f"{name}: read back as {back.type}, first values {got}")
        except Exception as exc:
            out.append(f"{name}: refused ({' '.join(str(exc).split())[:120]})")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curated", required=True, type=Path)
    args = ap.parse_args()
    parts = sorted((args.curated / "articles").glob("ingest_date=*/part-*.parquet"))
    table = pa.concat_tables([pq.read_table(p).replace_schema_metadata(None) for p in parts]) \
        if parts else None
    if table is None:
        print("no articles part", file=sys.stderr)
        return 1
    big = int((signature_matrix(table.column("minhash"), NUM_PERM) >= 2**31).sum())
    print(f"{table.num_rows} rows; signature values of 2^31 or more: {big}\n")
    print("| minhash type | file MB | minhash MB | share | read without minhash s | read all s |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        others = [c for c in table.column_names if c != "minhash"]
        for name, t in variants(table).items():
            path = Path(tmp) / "part.parquet"
            pq.write_table(t, path, compression="zstd")
            size, col = path.stat().st_size, column_bytes(path, "minhash")
            lean = best_of(lambda p=path: ds.dataset(p).to_table(columns=others))
            full = best_of(lambda p=path: ds.dataset(p).to_table())
            print(f"| {name} | {size / 1e6:.2f} | {col / 1e6:.2f} | {100 * col / size:.1f} % "
                  f"| {lean:.3f} | {full:.3f} |")
        print("\nDelta round trip (values 1, 2^31-1, 2^31, 2^32-1):")
        print(delta_round_trip(table, Path(tmp) / "delta"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
