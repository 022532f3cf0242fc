"""Arrow schemas of the curated dataset (contract: ../shared/ARCHITECTURE.md, schema v1)."""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"

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

#: One row per raw record that was read, cleaned and fingerprinted (before matching).
STAGED_SCHEMA = pa.schema([*SOURCE_FIELDS, pa.field("lang_hint", pa.string()), *TEXT_FIELDS])

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
    """Schema v1 of ``curated/articles``, plus two matching keys kept for later runs:
    ``text_hash`` (the exact-duplicate key) and ``shingle_count`` (distinct shingles behind the
    signature, for containment estimates).

    ``minhash`` is a fixed-size list of ``num_perm`` uint32 values.
    """
    return pa.schema([
        *SOURCE_FIELDS,
        pa.field("ingested_at", TS_UTC),
        pa.field("run_id", pa.string()),
        pa.field("lang", pa.string()),
        *TEXT_FIELDS,
        pa.field("minhash", pa.list_(pa.uint32(), num_perm)),
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
