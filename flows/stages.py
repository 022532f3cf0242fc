"""The job's stages as plain functions over batch files (the Prefect tasks wrap these).

Batches live as Parquet files in the run's staging folder, so a stage holds one batch in memory
at a time, tasks exchange only paths and small summaries, and any worker process (local pool or
Dask) can pick a batch up. Only `match` sees the whole run, and only its signatures.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from cleaners.dedup import DocBatch, History, MatchConfig, match
from cleaners.dedup.fingerprint import (
    DEFAULT_FINGERPRINT,
    FingerprintConfig,
    WordMemo,
    fingerprint_batch,
)
from cleaners.dedup.lsh import BandIndex
from cleaners.edits import Edit, EditKind
from cleaners.text.clean import CleanConfig, clean_batch, clean_text
from cleaners.translate import Translator
from flows.backends import get_translator
from flows.backends.lemma_cache import use_trie_cache
from flows.errors import AccountingError
from flows.quarantine import QuarantineTally, QuarantineWriter, quarantine_row
from flows.readers import BadRecord, RawFile, RawRecord, ReadLimits, parse_timestamp, read_file
from flows.schema import STAGED_SCHEMA, articles_schema


@dataclass
class FileStats:
    """What one raw file gave."""

    path: str
    sha256: str
    bytes: int
    format: str | None
    records: int = 0
    staged: int = 0
    quarantined: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class ReadResult:
    """Output of the read stage: batch files, staged quarantine files and their tally,
    per-file stats."""

    batches: list[str]
    quarantine: list[str]
    tally: QuarantineTally
    files: list[FileStats]


def make_doc_id(sha256: str, key: str) -> str:
    """Stable row id: 128-bit hash of the source file's SHA-256 and the record's key."""
    return xxhash.xxh3_128_hexdigest(f"{sha256}\x1f{key}".encode())


def lang_tag(value: Any) -> str | None:
    """'fr-FR', 'fr_fr', 'FR' → 'fr'; anything else → None."""
    if not isinstance(value, str):
        return None
    head = value.strip().replace("_", "-").split("-")[0].lower()
    return head if len(head) in (2, 3) and head.isalpha() else None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def unique_key(key: str, index: int, seen: set[str]) -> str:
    """The key of a file's record numbered ``index``: ``key`` itself when no earlier record of
    the file took it, else ``key#<index>``, then ``key#<index>#2``, ``#3``… until one is free;
    it is added to ``seen``.

    Guarantees: never returns a key already in ``seen``, so the doc ids of one file are unique
    whatever ids the file holds (``"a"``, ``"a#2"``, ``"a"`` included); the first record with
    a key keeps it, so its doc id does not depend on later records.
    """
    if key in seen:
        base = candidate = f"{key}#{index}"
        n = 1
        while candidate in seen:
            n += 1
            candidate = f"{base}#{n}"
        key = candidate
    seen.add(key)
    return key


def _validate(rec: RawRecord, raw: RawFile, max_chars: int, seen_keys: set[str]) -> dict[str, Any] | str:
    """A staged row for a readable record, or the reason it is quarantined."""
    text = rec.fields.get("text")
    if text is None:
        return "missing text (no text/content/body field, or null)"
    if not isinstance(text, str):
        return f"text is a {type(text).__name__}, not a string"
    if not text.strip():
        return "blank text"
    if len(text) > max_chars:
        return f"text too large: {len(text):,} characters (limit {max_chars:,}; raise --max-text-chars)"
    key = unique_key(rec.key, rec.index, seen_keys)
    edits = [e.as_dict() for e in rec.edits]
    published, problem = parse_timestamp(rec.fields.get("published_at"))
    if problem:
        edits.append(Edit(EditKind.METADATA, f"{problem}: published_at left empty").as_dict())
    has_id = rec.fields.get("id") is not None
    return {
        "doc_id": make_doc_id(raw.sha256, key),
        "source_id": str(rec.fields["id"]) if has_id else f"{raw.rel}:{rec.index + 1}",
        "source_file": raw.rel,
        "url": _as_text(rec.fields.get("url")),
        "title": _as_text(rec.fields.get("title")),
        "published_at": published,
        "lang_hint": lang_tag(rec.fields.get("lang")),
        "text": text,
        "edits": edits,
    }


class _BatchWriter:
    def __init__(self, folder: Path, prefix: str, schema: pa.Schema, size: int) -> None:
        self.folder, self.prefix, self.schema, self.size = folder, prefix, schema, size
        self.rows: list[dict[str, Any]] = []
        self.paths: list[str] = []

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        path = self.folder / f"{self.prefix}-{len(self.paths):05d}.parquet"
        pq.write_table(pa.Table.from_pylist(self.rows, schema=self.schema), path)
        self.paths.append(str(path))
        self.rows = []


def group_files(files: list[RawFile], min_bytes: int) -> list[list[RawFile]]:
    """``files`` cut, in order, into groups of at least ``min_bytes`` (the last one may hold
    less): the units read in parallel. Guarantees: concatenated, the groups are ``files``."""
    groups: list[list[RawFile]] = []
    size = min_bytes
    for raw in files:
        if size >= min_bytes:
            groups.append([])
            size = 0
        groups[-1].append(raw)
        size += raw.size
    return groups


def merge_reads(parts: list[ReadResult]) -> ReadResult:
    """The read results of consecutive file groups as one, in the same order."""
    tally = QuarantineTally()
    for p in parts:
        tally.merge(p.tally)
    return ReadResult([b for p in parts for b in p.batches], [q for p in parts for q in p.quarantine],
                      tally, [f for p in parts for f in p.files])


def read_stage(files: list[RawFile], staging: Path, run_id: str, ingested_at: datetime,
               batch_size: int, max_text_chars: int, group: int = 0,
               limits: ReadLimits | None = None) -> ReadResult:
    """Read every raw file into staged batches of at most ``batch_size`` records, named
    after ``group`` (the number of this group of files, when several are read in parallel);
    quarantine rows are staged as they come (`flows.quarantine`), never held all in memory.

    Guarantees, per file: records read = rows staged + rows quarantined (a file that cannot be
    read at all counts one quarantined record). ``limits`` bound what one file may hold.
    """
    staging.mkdir(parents=True, exist_ok=True)
    writer = _BatchWriter(staging, f"read-{group:04d}", STAGED_SCHEMA, batch_size)
    quarantine = QuarantineWriter(staging, f"quarantine-read-{group:04d}")
    stats: list[FileStats] = []
    for raw in files:
        st = FileStats(raw.rel, raw.sha256, raw.size, raw.format)
        seen: set[str] = set()
        for item in read_file(raw, st.skipped, limits):
            st.records += 1
            if isinstance(item, BadRecord):
                quarantine.add(quarantine_row(raw.rel, item.index, "read", item.error, run_id,
                                              ingested_at, item.raw, item.key))
                st.quarantined += 1
                continue
            try:
                row = _validate(item, raw, max_text_chars, seen)
            except Exception as exc:  # a record no rule foresaw: quarantine it, not the run
                row = f"invalid record: {type(exc).__name__}: {str(exc)[:300]}"
            if isinstance(row, str):
                preview = json.dumps(item.fields, ensure_ascii=False, default=str)
                sid = str(item.fields["id"]) if item.fields.get("id") is not None else None
                quarantine.add(quarantine_row(raw.rel, item.index, "read", row, run_id,
                                              ingested_at, preview, sid))
                st.quarantined += 1
            else:
                writer.add(row)
                st.staged += 1
        stats.append(st)
    writer.flush()
    return ReadResult(writer.paths, quarantine.close(), quarantine.tally, stats)


@dataclass
class CleanSummary:
    """What the clean stage did to one batch."""

    rows: int
    quarantine: QuarantineTally
    edits_by_kind: dict[str, int]
    promos: list[str]
    shortcodes: list[str]
    seconds: float = 0.0  # time spent cleaning the batch (its own work)
    quarantine_files: list[str] = field(default_factory=list)  # its staged quarantine rows


def clean_table(table: pa.Table, run_id: str, ingested_at: datetime,
                config: CleanConfig | None = None,
                ) -> tuple[pa.Table, CleanSummary, list[dict[str, Any]]]:
    """Clean one staged batch: the rows with their cleaned text and edits, the summary, and
    the quarantine rows (at most one per input row).

    Guarantees: every input row is either in the output (same columns, order kept) or
    quarantined with the reason (a cleaner that fails on it, or no text left).
    """
    started = time.perf_counter()
    texts = table.column("text").to_pylist()
    hints = table.column("lang_hint").to_pylist()
    cfg = config or CleanConfig()
    results: list[Any]
    try:
        results = clean_batch(texts, hints, cfg)
    except Exception:  # a cleaner bug: quarantine the record(s) it fails on, keep the others
        results = []
        for text, hint in zip(texts, hints, strict=True):
            try:
                results.append(clean_text(text, hint, cfg))
            except Exception as exc:
                results.append(exc)
    keep: list[int] = []
    new_texts: list[str] = []
    new_edits: list[list[dict[str, str]]] = []
    quarantine: list[dict[str, Any]] = []
    kinds: Counter[str] = Counter()
    promos: list[str] = []
    shortcodes: list[str] = []
    old_edits = table.column("edits").to_pylist()
    for i, res in enumerate(results):
        if isinstance(res, Exception):
            quarantine.append(quarantine_row(
                table.column("source_file")[i].as_py(), -1, "clean",
                f"cleaner failed: {type(res).__name__}: {str(res)[:300]}",
                run_id, ingested_at, texts[i], table.column("source_id")[i].as_py()))
            continue
        if not res.text.strip():
            quarantine.append(quarantine_row(
                table.column("source_file")[i].as_py(), -1, "clean",
                "no text left after cleaning: " + "; ".join(f"{e.kind}: {e.detail[:80]}" for e in res.edits[:5]),
                run_id, ingested_at, texts[i], table.column("source_id")[i].as_py()))
            continue
        keep.append(i)
        new_texts.append(res.text)
        new_edits.append((old_edits[i] or []) + [e.as_dict() for e in res.edits])
        for e in res.edits:
            kinds[e.kind] += 1
            if e.kind == "promo":
                promos.append(e.detail[:200])
            elif e.kind == "shortcode":
                shortcodes.append(e.detail[:200])
    out = table.take(pa.array(keep, type=pa.int64()))
    out = out.set_column(out.schema.get_field_index("text"), "text", pa.array(new_texts, pa.string()))
    out = out.set_column(out.schema.get_field_index("edits"), "edits",
                         pa.array(new_edits, STAGED_SCHEMA.field("edits").type))
    tally = QuarantineTally()
    for row in quarantine:
        tally.add(row)
    summary = CleanSummary(out.num_rows, tally, dict(kinds), promos, shortcodes,
                           round(time.perf_counter() - started, 3))
    return out, summary, quarantine


def warm_worker(translator: str, options: dict[str, Any] | None = None,
                tracebacks: bool = True) -> None:
    """Set up a worker process of the pool and load what every batch needs (the cleaners'
    modules, promo rules, the language-id model, the translation backend), so the first batch
    does not wait for it.

    The worker ends when its parent does, even killed by SIGKILL;
    it ignores SIGINT (a Ctrl-C in the terminal reaches the whole process group: the parent
    decides, see `flows.lifecycle.RunGuard`), and prints tracebacks only with ``tracebacks``.
    Used as the process pool's initializer (`flows.cli.task_runner`); never raises (a backend
    that cannot load fails later, in its task, with the reason).
    """
    from cleaners.lang.langid import preload
    from cleaners.text.promos import load_promo_rules
    from flows.console import hide_tracebacks
    from flows.lifecycle import exit_with_parent

    exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not tracebacks:
        hide_tracebacks()
    use_trie_cache()
    with contextlib.suppress(Exception):
        preload()
        load_promo_rules(None)
        backend = translator_for(translator, options)
        backend.translate(["news"], "en")  # the pivot language's lemmas


def translator_for(name: str, options: dict[str, Any] | None = None) -> Translator:
    """The backend ``name`` built with ``options``, one instance per process (lexicons and
    dictionaries are loaded once). Raises `BackendUnavailable` with the reason."""
    return _translator(name, tuple(sorted((options or {}).items())))[0]


@cache
def _translator(name: str, options: tuple[tuple[str, Any], ...]) -> tuple[Translator, WordMemo]:
    """The backend and its word memo, one per process and (name, options)."""
    return get_translator(name, **dict(options)), WordMemo()


@dataclass
class FingerprintSummary:
    """What the fingerprint stage produced for one batch."""

    path: str  # the batch's cleaned and fingerprinted rows (Parquet)
    rows: int
    langs: dict[str, int]
    seconds: float = 0.0  # time spent fingerprinting the batch (its own work)


def fingerprint_table(table: pa.Table, config: FingerprintConfig,
                      translator_options: dict[str, Any] | None = None) -> tuple[pa.Table, dict[str, int]]:
    """Language, translated shingles and MinHash of every row of a cleaned batch: the table
    with ``lang``, ``minhash``, ``text_hash``, ``shingle_count`` and ``text_length`` (code
    points, for `match_stage`, which then need not read the texts) appended, and the count of
    rows per language."""
    texts = table.column("text").to_pylist()
    translator, memo = _translator(config.backend, tuple(sorted((translator_options or {}).items())))
    fp = fingerprint_batch(texts, table.column("lang_hint").to_pylist(), config,
                           translator=translator, memo=memo)
    width = fp.signatures.shape[1] if len(texts) else config.num_perm
    flat = pa.array(np.ascontiguousarray(fp.signatures, dtype=np.uint32).reshape(-1))
    table = (
        table.append_column("lang", pa.array(fp.langs, pa.string()))
        .append_column("minhash", pa.FixedSizeListArray.from_arrays(flat, width))
        .append_column("text_hash", pa.array(fp.text_hashes, pa.string()))
        .append_column("shingle_count", pa.array(np.asarray(fp.shingle_counts, dtype=np.int32)))
        .append_column("text_length", pc.utf8_length(table.column("text")).cast(pa.int64()))
    )
    return table, dict(Counter(fp.langs))


def clean_and_fingerprint_stage(
    batch_path: str, run_id: str, ingested_at: datetime, clean_config: CleanConfig | None = None,
    fp_config: FingerprintConfig = DEFAULT_FINGERPRINT, translator_options: dict[str, Any] | None = None,
) -> tuple[CleanSummary, FingerprintSummary]:
    """`clean_table` then `fingerprint_table` on one staged batch, in memory; the result is
    written next to the batch (``fp-`` instead of ``read-``). One task per batch: a task
    run costs Prefect about 0.15 s of worker CPU, the cleaned batch is not written twice."""
    use_trie_cache()
    table = pq.read_table(batch_path)
    cleaned, clean_summary, quarantine = clean_table(table, run_id, ingested_at, clean_config)
    if quarantine:
        batch = Path(batch_path)
        writer = QuarantineWriter(batch.parent, batch.stem.replace("read-", "quarantine-clean-"))
        for row in quarantine:
            writer.add(row)
        clean_summary.quarantine_files = writer.close()
    started = time.perf_counter()
    out, langs = fingerprint_table(cleaned, fp_config, translator_options)
    path = batch_path.replace("/read-", "/fp-")
    pq.write_table(out, path)
    return clean_summary, FingerprintSummary(path, out.num_rows, langs,
                                             round(time.perf_counter() - started, 3))


def _epoch(col: pa.ChunkedArray) -> np.ndarray:
    values = pc.cast(col, pa.int64()).to_numpy(zero_copy_only=False)
    out = np.asarray(values, dtype=np.float64) / 1e6
    mask = col.is_null().to_numpy(zero_copy_only=False)
    out[mask] = math.nan
    return out


def match_stage(fp_paths: list[str], history: History | None, config: MatchConfig,
                num_perm: int, out_path: Path,
                index_factory: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Cluster the run's documents against each other and the history; writes the assignments.

    Reads only the matching columns of each batch. Returns counts for the summary.
    ``index_factory`` builds the LSH index (default: in-memory; e.g. a shared Redis index).
    """
    cols = ["doc_id", "lang", "minhash", "text_hash", "shingle_count", "published_at", "text_length"]
    tables = [pq.read_table(p, columns=cols) for p in fp_paths]  # never the texts
    if tables:
        t = pa.concat_tables(tables)
        sig = t.column("minhash").combine_chunks().flatten().to_numpy(zero_copy_only=False)
        batch = DocBatch(
            doc_ids=t.column("doc_id").to_pylist(),
            langs=t.column("lang").to_pylist(),
            signatures=np.ascontiguousarray(sig.reshape(-1, num_perm), dtype=np.uint32),
            text_hashes=t.column("text_hash").to_pylist(),
            lengths=t.column("text_length").to_numpy(),
            published_at=_epoch(t.column("published_at")),
            n_features=t.column("shingle_count").to_numpy().astype(np.int64),
        )
        del t, tables
    else:
        batch = DocBatch([], [], np.zeros((0, num_perm), np.uint32), [], np.zeros(0, np.int64),
                         np.zeros(0, np.float64), np.zeros(0, np.int64))
    assignments = match(batch, history, config, index_factory=index_factory or BandIndex)
    table = pa.table({
        "doc_id": pa.array(batch.doc_ids, pa.string()),
        "cluster_id": pa.array([a.cluster_id for a in assignments], pa.string()),
        "is_canonical": pa.array([a.is_canonical for a in assignments], pa.bool_()),
        "duplicate_of": pa.array([a.duplicate_of for a in assignments], pa.string()),
        "similarity": pa.array([a.similarity for a in assignments], pa.float32()),
        "dup_kind": pa.array([a.dup_kind for a in assignments], pa.string()),
    })
    pq.write_table(table, out_path)
    kinds = Counter(a.dup_kind for a in assignments if a.dup_kind)
    history_ids = set(history.cluster_ids) if history is not None else set()
    return {
        "documents": len(assignments),
        "canonical": sum(a.is_canonical for a in assignments),
        "duplicates": sum(not a.is_canonical for a in assignments),
        "joined_history_clusters": sum(1 for a in assignments if not a.is_canonical and a.cluster_id in history_ids),
        "dup_kinds": dict(kinds),
        "history_documents": len(history.doc_ids) if history is not None else 0,
    }


def write_articles(fp_paths: list[str], clusters_path: Path, out_path: Path, run_id: str,
                   ingested_at: datetime, num_perm: int, metadata: dict[bytes, bytes]) -> int:
    """Stream the fingerprinted batches joined with their cluster columns into one Parquet part.

    Rows keep the run's order (one row group per batch). Returns the number of rows written.
    The next batch is read on a thread while one is encoded and compressed (both release the
    GIL): two batches in memory at a time.
    """
    schema = articles_schema(num_perm).with_metadata(metadata)
    clusters = pq.read_table(clusters_path)
    offset = 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with (pq.ParquetWriter(out_path, schema, compression="zstd") as writer,
          ThreadPoolExecutor(1, thread_name_prefix="read-batch") as reader):
        upcoming = reader.submit(pq.read_table, fp_paths[0]) if fp_paths else None
        for k, path in enumerate(fp_paths):
            assert upcoming is not None
            t = upcoming.result()
            upcoming = reader.submit(pq.read_table, fp_paths[k + 1]) if k + 1 < len(fp_paths) else None
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


def utcnow() -> datetime:
    """Now, in UTC, microsecond precision."""
    return datetime.now(UTC)
