"""Arrow schemas of the curated dataset (contract: ../shared/ARCHITECTURE.md, schema v1;
this job writes schema v2, see `SCHEMA_VERSION`), and the storage of MinHash signatures.

Schema versions of ``curated/articles`` (the footer key ``curate.schema_version``):

- ``"1"``: ``minhash`` is ``fixed_size_list<uint32>[num_perm]``. Engines without unsigned
  integers mangle it (Spark reads ``array<bigint>``; the ``deltalake`` writer turned values
  of 2^31 and more into NULL).
- ``"2"``: ``minhash`` is ``list<int32>``: the same ``num_perm`` 32-bit values, their bits
  read as signed integers (`signature_column`, `signature_matrix`); every other column as in
  v1. ``curate migrate`` (`flows.migrate`) rewrites v1 parts as v2.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SCHEMA_VERSION = "2"
#: Footer key of the schema version of a part (and of the cluster state, the register).
SCHEMA_VERSION_KEY = b"curate.schema_version"
#: The type of ``minhash`` (schema v2): the ``num_perm`` uint32 values' bits as int32 (the
#: element is named as Parquet names it, so a column read back has this very type).
SIGNATURE_TYPE = pa.list_(pa.field("element", pa.int32()))

EDIT_TYPE = pa.list_(pa.struct([("kind", pa.string()), ("detail", pa.string())]))
TS_UTC = pa.timestamp("us", tz="UTC")

#: What a document says about its source: the first columns of staged batches and articles.
SOURCE_FIELDS = [
    pa.field("doc_id", pa.string()),
    pa.field("source_id", pa.string()),
    pa.field("source_file", pa.string()),
    pa.field("url", pa.string()),
    pa.field("title", pa.string()),
    pa.field("published_at", TS_UTC),
]
TEXT_FIELDS = [pa.field("text", pa.string()), pa.field("edits", EDIT_TYPE)]
#: The match stage's output per document (after ``doc_id``): the last columns of articles.
CLUSTER_FIELDS = [
    pa.field("cluster_id", pa.string()),
    pa.field("is_canonical", pa.bool_()),
    pa.field("duplicate_of", pa.string()),
    pa.field("similarity", pa.float32()),
    pa.field("dup_kind", pa.string()),
]
#: The match stage's staged output: the cluster columns of every new row, whether it is its
#: cluster's canonical after the run (``elected``), and what the cluster state needs of it.
ASSIGNMENTS_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string()),
    *CLUSTER_FIELDS,
    pa.field("elected", pa.bool_()),
    pa.field("lang", pa.string()),
    pa.field("text_length", pa.int64()),
    pa.field("published_at", TS_UTC),
])

#: ``curated/clusters/current.parquet``: one row per cluster, its current state (rewritten by
#: every run that adds members, in the same commit as its articles part).
CLUSTER_STATE_SCHEMA = pa.schema([
    pa.field("cluster_id", pa.string(), nullable=False),
    pa.field("canonical_doc_id", pa.string(), nullable=False),
    pa.field("canonical_lang", pa.string()),
    pa.field("canonical_text_length", pa.int64()),
    pa.field("canonical_published_at", TS_UTC),
    pa.field("size", pa.int64(), nullable=False),
    pa.field("languages", pa.list_(pa.string())),
    pa.field("first_seen", TS_UTC),
    pa.field("updated_at", TS_UTC),
])

#: ``curated/clusters/merged/merged.parquet``: one row per cluster merged into another
#: (`cleaners.dedup.merge`): ``merged_with``, the cluster it merged with in that run, and
#: ``merged_into``, the cluster its members belong to now (that one, or the one it merged into
#: later: never a merged cluster). Rewritten by every run that merges, in the same commit.
MERGED_SCHEMA = pa.schema([
    pa.field("cluster_id", pa.string(), nullable=False),
    pa.field("merged_into", pa.string(), nullable=False),
    pa.field("merged_with", pa.string(), nullable=False),
    pa.field("merged_at", TS_UTC, nullable=False),
    pa.field("run_id", pa.string(), nullable=False),
])

#: One row per raw record that was read, cleaned and fingerprinted (before matching);
#: ``lang_hint``, ``record_index`` (the record's 0-based position in its file, for the
#: quarantine row of a record the clean stage refuses) and ``title_is_headline`` (the title
#: is a CMS post's own, with no site's name to cut: a WordPress export's item) are staging only.
STAGED_SCHEMA = pa.schema([*SOURCE_FIELDS, pa.field("lang_hint", pa.string()),
                           pa.field("record_index", pa.int64()),
                           pa.field("title_is_headline", pa.bool_()), *TEXT_FIELDS])

#: The sentence sketch of each row of a fingerprinted batch (staging only, never curated):
#: the two arrays of its `cleaners.dedup.align.SentenceSketch`, made with the fingerprint
#: (`flows.stages.clean_fingerprint.fingerprint_table`) and read by the match stage's second
#: signal (`flows.stages.sketches`). ``sketch_offsets``: the sentence offsets (``n + 1``
#: values from 0); ``sketch_values``: the sentences' token values.
SKETCH_FIELDS = [
    pa.field("sketch_offsets", pa.list_(pa.int32())),
    pa.field("sketch_values", pa.list_(pa.uint32())),
]


def articles_schema(num_perm: int) -> pa.Schema:
    """Schema v2 of ``curated/articles``: the v1 columns plus two matching keys kept for
    later runs: ``text_hash`` (the exact-duplicate key) and ``shingle_count`` (distinct shingles
    behind the signature, for containment estimates).

    ``minhash`` is `SIGNATURE_TYPE`: the bits of ``num_perm`` uint32 values as int32 (schema
    v1: a fixed-size list of ``num_perm`` uint32 values). ``num_perm`` is not in the type; it
    is the length of every list, checked by `signature_matrix`.
    """
    return pa.schema([
        *SOURCE_FIELDS,
        pa.field("ingested_at", TS_UTC),
        pa.field("run_id", pa.string()),
        pa.field("lang", pa.string()),
        *TEXT_FIELDS,
        pa.field("minhash", SIGNATURE_TYPE),
        pa.field("text_hash", pa.string()),
        pa.field("shingle_count", pa.int32()),
        *CLUSTER_FIELDS,
    ])


QUARANTINE_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("source_id", pa.string()),
        ("record_index", pa.int64()),
        ("stage", pa.string()),
        ("error", pa.string()),
        ("raw", pa.string()),
        ("ingested_at", TS_UTC),
        ("run_id", pa.string()),
    ]
)


def signature_column(signatures: np.ndarray) -> pa.Array:
    """The ``minhash`` column (`SIGNATURE_TYPE`) of a ``(rows, num_perm)`` matrix of uint32
    signatures: row ``i`` holds the bits of ``signatures[i]`` as int32 (values of 2^31 and
    more become negative). Guarantee: ``signature_matrix(signature_column(s), s.shape[1])``
    equals ``s``."""
    rows, width = signatures.shape
    if rows * width >= 2**31:
        raise ValueError("too many signatures for one list array: write them in batches")
    values = np.ascontiguousarray(signatures, dtype=np.uint32).reshape(-1).view(np.int32)
    offsets = np.arange(0, (rows + 1) * width, width, dtype=np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values), type=SIGNATURE_TYPE)


def signature_matrix(column: pa.Array | pa.ChunkedArray, num_perm: int) -> np.ndarray:
    """The ``(rows, num_perm)`` uint32 matrix of a ``minhash`` column of schema v2
    (``list<int32>``, the bits reinterpreted) or v1 (``fixed_size_list<uint32>``).
    ``ValueError`` when a value is null or is not ``num_perm`` values long (signatures made
    with other fingerprint parameters)."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    out = np.empty((sum(len(c) for c in chunks), num_perm), dtype=np.uint32)
    row = 0
    for chunk in chunks:
        n = len(chunk)
        if chunk.null_count:
            raise ValueError("a minhash signature is null")
        if pa.types.is_fixed_size_list(chunk.type):  # schema v1
            low = high = chunk.type.list_size
        else:
            lengths = pc.list_value_length(chunk)
            low, high = (pc.min(lengths).as_py(), pc.max(lengths).as_py()) if n else (0, 0)
        if n and (low, high) != (num_perm, num_perm):
            width = f"{low}" if low == high else f"{low} to {high}"
            raise ValueError(f"minhash signatures of length {width}, expected {num_perm}")
        if n:
            flat = chunk.flatten().to_numpy(zero_copy_only=False)
            out[row:row + n] = flat.view(np.uint32).reshape(n, num_perm)
        row += n
    return out
