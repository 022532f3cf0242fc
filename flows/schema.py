"""Arrow schemas of the curated dataset (contract: ../shared/ARCHITECTURE.md, schema v1)."""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"

EDIT_TYPE = pa.list_(pa.struct([("kind", pa.string()), ("detail", pa.string())]))
TS_UTC = pa.timestamp("us", tz="UTC")

#: One row per raw record that was read, cleaned and fingerprinted (before matching).
STAGED_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source_id", pa.string()),
        ("source_file", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("published_at", TS_UTC),
        ("lang_hint", pa.string()),
        ("text", pa.string()),
        ("edits", EDIT_TYPE),
    ]
)


def articles_schema(num_perm: int) -> pa.Schema:
    """Schema v1 of ``curated/articles``, plus two matching keys kept for later runs:
    ``text_hash`` (the exact-duplicate key) and ``shingle_count`` (distinct shingles behind the
    signature, for containment estimates).

    ``minhash`` is a fixed-size list of ``num_perm`` uint32 values.
    """
    return pa.schema(
        [
            ("doc_id", pa.string()),
            ("source_id", pa.string()),
            ("source_file", pa.string()),
            ("url", pa.string()),
            ("title", pa.string()),
            ("published_at", TS_UTC),
            ("ingested_at", TS_UTC),
            ("run_id", pa.string()),
            ("lang", pa.string()),
            ("text", pa.string()),
            ("edits", EDIT_TYPE),
            ("minhash", pa.list_(pa.uint32(), num_perm)),
            ("text_hash", pa.string()),
            ("shingle_count", pa.int32()),
            ("cluster_id", pa.string()),
            ("is_canonical", pa.bool_()),
            ("duplicate_of", pa.string()),
            ("similarity", pa.float32()),
            ("dup_kind", pa.string()),
        ]
    )


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
