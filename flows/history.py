"""The curated history as `cleaners.dedup.match` needs it: in full, or only what a batch can meet.

`load_history` reads the signatures and cluster columns of every committed article row: its
cost follows the size of the dataset (about 1.3 KB of memory per document).

`HistoryIndex` keeps, next to each committed articles part, a sidecar made from that part
alone (under ``curated/_state/history/``)::

    meta.json      the part's size and mtime, its row count, the signature and LSH parameters
    keys.u64       (bands, k): the band keys of its k rows with shingles, sorted band by band
    pos.u32        (bands, k): the row of the part each key belongs to
    sig.u32        (rows, num_perm): the signatures
    doc_id.S, text_hash.S, cluster_id.S, lang.S, shingles.i32:  the rows' columns, fixed width
    doc_id.sorted.S + doc_id.pos.u32, text_hash.sorted.S + text_hash.pos.u32:  sorted, to look up

`HistoryIndex.history_for` gives the `History` of one batch: the history rows that share a
band key with one of its documents, the rows holding one of its text hashes, and the current
canonical of every cluster those rows belong to, in the order of the full history. Only those
bytes are read, band by band through memory maps that are closed at once, so a run's cost and
memory follow its new documents, not the history.

Guarantees: `match` gives the same assignments with `history_for`'s history as with
`load_history`'s. Its history candidates depend on the documents' contents only (see
`cleaners.dedup.candidates`) and are all among the rows sharing a band; exact copies are
found among the rows holding the hash, canonicals first, in the full history's order (kept);
a proposed cluster is verified against its current canonical (included) and re-elected with
its keys (from the cluster state). Sidecars are a cache: one whose part changed or is gone is
rebuilt or removed by `HistoryIndex.sync`, which every run calls under the dataset's lock, so
compaction, takedowns and migrations need not know about them.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaners.dedup import History
from cleaners.dedup.lsh import band_keys, expand_ranges, sorted_band_keys
from cleaners.dedup.minhash import MAX_HASH
from flows.clusters import merged_map, read_merged, resolved
from flows.schema import signature_matrix
from flows.store import FINGERPRINT_KEY, Layout, article_parts, cluster_state, fingerprint_tag

#: The columns of an articles part the history needs.
HISTORY_COLUMNS = ["doc_id", "lang", "minhash", "text_hash", "cluster_id", "shingle_count"]
#: The string columns a sidecar keeps, fixed width (bytes, UTF-8).
_STRINGS = ("doc_id", "text_hash", "cluster_id", "lang")
#: The columns of the cluster state the history needs (`_history`).
STATE_COLUMNS = ["cluster_id", "canonical_doc_id", "canonical_text_length", "canonical_published_at"]
#: Version of the sidecar layout: a sidecar of another version is rebuilt.
SIDECAR_VERSION = 1


def check_fingerprints(layout: Layout, parts: list[Path], fingerprint: dict[str, Any] | None) -> None:
    """``ValueError`` when a part's recorded fingerprint parameters differ from ``fingerprint``
    (its signatures cannot be compared with this job's); nothing when ``fingerprint`` is None."""
    if fingerprint is None:
        return
    expected = fingerprint_tag(fingerprint)
    for part in parts:
        recorded = (pq.read_schema(part).metadata or {}).get(FINGERPRINT_KEY)
        if recorded is not None and recorded != expected:
            raise ValueError(
                f"{part.relative_to(layout.root)} was fingerprinted with "
                f"{recorded.decode()}, this job uses {expected.decode()}: its signatures "
                "cannot be compared; run `curate migrate --refingerprint` with this job's "
                "--translator, or curate into a new folder"
            )


def _signatures(layout: Layout, part: Path, column: pa.ChunkedArray, num_perm: int) -> np.ndarray:
    try:
        return signature_matrix(column, num_perm)
    except ValueError as exc:
        raise ValueError(f"curated history: {part.relative_to(layout.root)}: {exc}: the "
                         "dataset was built with other fingerprint parameters; curate into "
                         "a new folder") from None


def _history(table: pa.Table, sig: np.ndarray, state: pa.Table, merged: dict[str, str]) -> History | None:
    """The `History` of the rows of ``table`` (`HISTORY_COLUMNS` but ``minhash``, whose rows
    are ``sig``), each in its cluster after the ``merged`` clusters (`flows.clusters.resolved`):
    ``is_canonical`` and the re-election keys from the cluster ``state``."""
    if table.num_rows == 0:
        return None
    which = pc.index_in(table.column("doc_id"), value_set=state.column("canonical_doc_id"))
    is_canonical = which.is_valid().to_numpy(zero_copy_only=False)
    lengths = pc.take(state.column("canonical_text_length"), which).to_numpy(zero_copy_only=False)
    published = pc.cast(pc.take(state.column("canonical_published_at"), which), pa.int64())
    return History(
        doc_ids=table.column("doc_id").to_pylist(),
        langs=table.column("lang").to_pylist(),
        signatures=sig,
        text_hashes=table.column("text_hash").to_pylist(),
        cluster_ids=resolved(table.column("cluster_id"), merged).to_pylist(),
        is_canonical=is_canonical,
        n_features=table.column("shingle_count").to_numpy(zero_copy_only=False).astype(np.int64),
        lengths=np.nan_to_num(np.asarray(lengths, dtype=np.float64), nan=0.0),
        published_at=np.asarray(published.to_numpy(zero_copy_only=False), dtype=np.float64) / 1e6,
    )


def load_history(layout: Layout, num_perm: int, fingerprint: dict[str, Any] | None = None) -> History | None:
    """The signatures and cluster columns of every committed article row, or ``None``.

    ``is_canonical`` marks each cluster's current canonical, with its length and publication
    time (the re-election keys), from the cluster state (`flows.store.cluster_state`). Reads
    only the matching columns (never ``text``, unless the cluster state must be rebuilt).
    Signatures made otherwise than this job makes them (another length than ``num_perm``, or a
    part whose recorded fingerprint parameters differ from ``fingerprint``) cannot be
    compared: ``ValueError`` says so.
    """
    parts = article_parts(layout)
    if not parts:
        return None
    check_fingerprints(layout, parts, fingerprint)
    sig = np.empty((sum(pq.read_metadata(p).num_rows for p in parts), num_perm), np.uint32)
    tables, row = [], 0
    for part in parts:  # one by one: schema v1 and v2 parts type minhash differently
        t = pq.read_table(part, columns=HISTORY_COLUMNS)
        sig[row:row + t.num_rows] = _signatures(layout, part, t.column("minhash"), num_perm)
        tables.append(t.drop_columns(["minhash"]))
        row += t.num_rows
    merged = merged_map(read_merged(layout.root))
    return _history(pa.concat_tables(tables), sig, cluster_state(layout), merged)


# --------------------------------------------------------------------------- sidecars


def _fixed(values: list[str | None]) -> np.ndarray:
    """Strings as a fixed-width bytes array (UTF-8; null as empty)."""
    encoded = [(v or "").encode() for v in values]
    return np.array(encoded, dtype=f"S{max((len(b) for b in encoded), default=1) or 1}")


@dataclass(frozen=True)
class Sidecar:
    """One part's sidecar folder and its `meta` (see the module docstring)."""

    path: Path
    meta: dict[str, Any]

    @property
    def rows(self) -> int:
        return int(self.meta["rows"])

    def array(self, name: str, dtype: str, count: int | None = None, offset: int = 0) -> np.ndarray:
        """A read-only memory map of ``name`` (``count`` items from item ``offset``); empty
        when there is nothing to map."""
        dt = np.dtype(dtype)
        count = self.rows if count is None else count
        if count == 0:
            return np.empty(0, dtype=dt)
        return np.memmap(self.path / name, dtype=dt, mode="r", offset=offset * dt.itemsize, shape=(count,))

    def strings(self, name: str) -> np.ndarray:
        return self.array(f"{name}.S", f"S{self.meta['widths'][name]}")

    def lookup(self, name: str, values: list[str]) -> np.ndarray:
        """The rows whose column ``name`` (``doc_id`` or ``text_hash``) is one of ``values``."""
        width = int(self.meta["widths"][name])
        wanted = [b for b in (v.encode() for v in values) if 0 < len(b) <= width]
        if not wanted or self.rows == 0:
            return np.empty(0, np.int64)
        needles = np.unique(np.array(wanted, dtype=f"S{width}"))
        col = self.array(f"{name}.sorted.S", f"S{width}")
        lo, hi = np.searchsorted(col, needles, "left"), np.searchsorted(col, needles, "right")
        rows = np.asarray(self.array(f"{name}.pos.u32", "u4")[expand_ranges(lo, hi)], np.int64)
        del col
        return rows

    def band_rows(self, needles: list[np.ndarray]) -> np.ndarray:
        """The rows that share a band key with the queries: ``needles[b]`` holds the distinct
        keys of band ``b`` asked for, ascending. The keys and rows files are mapped once; each
        band's pages are let go (``MADV_DONTNEED``) once searched, so what stays resident is
        one band's pages at a time."""
        k = int(self.meta["keyed"])
        if k == 0 or not any(n.size for n in needles):
            return np.empty(0, np.int64)
        found = []
        with _Mapped(self.path / "keys.u64") as keys, _Mapped(self.path / "pos.u32") as pos:
            for b, q in enumerate(needles):
                col = keys.view(np.uint64, b * k, k)
                lo, hi = np.searchsorted(col, q, "left"), np.searchsorted(col, q, "right")
                del col
                keys.release(np.uint64, b * k, k)
                if (hi > lo).any():
                    rows = pos.view(np.uint32, b * k, k)
                    found.append(rows[expand_ranges(lo, hi)].astype(np.int64))
                    del rows
                    pos.release(np.uint32, b * k, k)
        return np.unique(np.concatenate(found)) if found else np.empty(0, np.int64)


class _Mapped:
    """A file mapped read-only: `view` gives zero-copy arrays of it, `release` lets the pages
    of a range go (they are read again from the page cache if touched again)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> _Mapped:
        with open(self.path, "rb") as fh:
            self.map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return self

    def view(self, dtype: type[np.generic], start: int, count: int) -> np.ndarray:
        return np.frombuffer(self.map, dtype=dtype, count=count, offset=start * np.dtype(dtype).itemsize)

    def release(self, dtype: type[np.generic], start: int, count: int) -> None:
        size = np.dtype(dtype).itemsize
        lo = start * size // mmap.PAGESIZE * mmap.PAGESIZE
        self.map.madvise(mmap.MADV_DONTNEED, lo, (start + count) * size - lo)

    def __exit__(self, *exc: object) -> None:
        self.map.close()


def _write_sidecar(folder: Path, part: Path, table: pa.Table, sig: np.ndarray, bands: int,
                   rows: int, stat: os.stat_result) -> Sidecar:
    """Write a part's sidecar into ``folder`` (through a temporary folder renamed into place)."""
    tmp = folder.with_name(folder.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    keys, pos = sorted_band_keys(sig, bands, rows)
    keys.tofile(tmp / "keys.u64")
    pos.tofile(tmp / "pos.u32")
    np.ascontiguousarray(sig, dtype=np.uint32).tofile(tmp / "sig.u32")
    widths = {}
    for name in _STRINGS:
        col = _fixed(table.column(name).to_pylist())
        widths[name] = col.dtype.itemsize
        col.tofile(tmp / f"{name}.S")
        if name in ("doc_id", "text_hash"):
            order = np.argsort(col, kind="stable")
            col[order].tofile(tmp / f"{name}.sorted.S")
            order.astype(np.uint32).tofile(tmp / f"{name}.pos.u32")
    shingles = table.column("shingle_count").to_numpy(zero_copy_only=False)
    np.asarray(shingles, dtype=np.int32).tofile(tmp / "shingles.i32")
    meta = {"version": SIDECAR_VERSION, "part": part.name, "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns, "rows": table.num_rows, "keyed": int(keys.shape[1]),
            "num_perm": int(sig.shape[1]), "bands": bands, "rows_per_band": rows, "widths": widths}
    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return Sidecar(folder, meta)


class HistoryIndex:
    """The persisted history index of a curated dataset (see the module docstring): `sync`
    brings the sidecars in step with the committed parts, `history_for` answers a batch."""

    def __init__(self, layout: Layout, num_perm: int, bands: int, rows: int,
                 fingerprint: dict[str, Any] | None = None) -> None:
        self.layout, self.num_perm, self.bands, self.rows = layout, num_perm, bands, rows
        self.fingerprint = fingerprint
        self.sidecars: list[Sidecar] = []
        self.merged: dict[str, str] = {}

    @property
    def root(self) -> Path:
        """Where the sidecars live: ``curated/_state/history/``."""
        return self.layout.state / "history"

    def _folder(self, part: Path) -> Path:
        return self.root / part.parent.name / part.stem

    def _current(self, folder: Path, stat: os.stat_result) -> Sidecar | None:
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        wanted = {"version": SIDECAR_VERSION, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                  "num_perm": self.num_perm, "bands": self.bands, "rows_per_band": self.rows}
        return Sidecar(folder, meta) if all(meta.get(k) == v for k, v in wanted.items()) else None

    def sync(self) -> dict[str, int]:
        """Make a sidecar for every committed part that has none in step with it (new, or
        rewritten by a compaction, takedown or migration) and remove the sidecars of parts
        that are gone. Returns counts (``parts``, ``built``, ``removed``, ``rows``). Raises
        ``ValueError`` for a part fingerprinted otherwise than this job does (as
        `load_history`). The caller holds the dataset's lock."""
        parts = article_parts(self.layout)
        check_fingerprints(self.layout, parts, self.fingerprint)
        self.merged = merged_map(read_merged(self.layout.root))
        built = 0
        self.sidecars = []
        for part in parts:
            folder = self._folder(part)
            stat = part.stat()
            sidecar = self._current(folder, stat)
            if sidecar is None:
                t = pq.read_table(part, columns=HISTORY_COLUMNS)
                sig = _signatures(self.layout, part, t.column("minhash"), self.num_perm)
                sidecar = _write_sidecar(folder, part, t.drop_columns(["minhash"]), sig,
                                         self.bands, self.rows, stat)
                built += 1
            self.sidecars.append(sidecar)
        wanted = {s.path for s in self.sidecars}
        removed = 0
        for folder in self.root.glob("*/*") if self.root.exists() else []:
            if folder not in wanted:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return {"parts": len(parts), "built": built, "removed": removed, "rows": self.total_rows}

    def parts_holding(self, doc_ids: Sequence[str]) -> list[str]:
        """The committed parts (paths) that hold some of ``doc_ids`` (after `sync`)."""
        ids = list(doc_ids)
        return [str(self.layout.articles / s.path.parent.name / s.meta["part"])
                for s in self.sidecars if s.lookup("doc_id", ids).size]

    @property
    def total_rows(self) -> int:
        """Rows of the history the sidecars cover (after `sync`)."""
        return sum(s.rows for s in self.sidecars)

    def history_for(self, signatures: np.ndarray, text_hashes: list[str]) -> History | None:
        """The `History` a batch (its signatures and text hashes) needs, in the full history's
        row order (see the module docstring), or ``None`` when it needs none."""
        if not self.sidecars:
            return None
        sig = np.asarray(signatures)
        keyed = sig[(sig != MAX_HASH).any(axis=1)]
        keys = band_keys(keyed, self.bands, self.rows) if keyed.size else np.empty((0, self.bands), np.uint64)
        needles = [np.unique(keys[:, b]) for b in range(self.bands)]
        hashes = sorted(set(text_hashes))
        met = [np.union1d(s.band_rows(needles), s.lookup("text_hash", hashes)) for s in self.sidecars]
        clusters = sorted({self.merged.get(c, c) for s, r in zip(self.sidecars, met, strict=True)
                           if r.size for c in _decode(s.strings("cluster_id")[r])})
        state = cluster_state(self.layout, STATE_COLUMNS, pa.array(clusters, pa.string()))
        canon = state.column("canonical_doc_id").to_pylist()
        selected = [np.union1d(r, s.lookup("doc_id", canon)) if canon else r
                    for s, r in zip(self.sidecars, met, strict=True)]
        total = sum(r.size for r in selected)
        if total == 0:
            return None
        out = np.empty((total, self.num_perm), np.uint32)
        columns: dict[str, list[Any]] = {name: [] for name in (*_STRINGS, "shingle_count")}
        at = 0
        for s, r in zip(self.sidecars, selected, strict=True):
            if r.size == 0:
                continue
            mapped = np.memmap(s.path / "sig.u32", dtype=np.uint32, mode="r", shape=(s.rows, self.num_perm))
            out[at:at + r.size] = mapped[r]
            del mapped
            at += r.size
            for name in _STRINGS:
                columns[name] += _decode(s.strings(name)[r])
            columns["shingle_count"] += s.array("shingles.i32", "i4")[r].tolist()
        table = pa.table({"doc_id": columns["doc_id"], "lang": columns["lang"],
                          "text_hash": columns["text_hash"], "cluster_id": columns["cluster_id"],
                          "shingle_count": pa.array(columns["shingle_count"], pa.int32())})
        return _history(table, out, state, self.merged)


def _decode(values: np.ndarray) -> list[str]:
    return [v.decode() for v in values.tolist()]
