"""Parquet files (``.parquet``), streamed in record batches within the read limits."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from flows.readers.base import (
    BadRecord,
    RawRecord,
    ReadLimits,
    bytes_limit_message,
    make_record,
    open_nofollow,
    read_all,
    records_limit_message,
)


def _in_microseconds(kind: pa.DataType) -> pa.DataType:
    """``kind`` with nanosecond timestamps, durations and times made microsecond ones, also
    inside lists, structs and maps: Python's datetime holds microseconds, and pyarrow refuses to
    convert a nanosecond value that is not a whole microsecond (pandas writes ``datetime64[ns]``)."""
    if pa.types.is_timestamp(kind) and kind.unit == "ns":
        return pa.timestamp("us", kind.tz)
    if pa.types.is_duration(kind) and kind.unit == "ns":
        return pa.duration("us")
    if pa.types.is_time64(kind) and kind.unit == "ns":
        return pa.time64("us")
    if pa.types.is_large_list(kind):
        return pa.large_list(kind.value_field.with_type(_in_microseconds(kind.value_type)))
    if pa.types.is_list(kind):
        return pa.list_(kind.value_field.with_type(_in_microseconds(kind.value_type)))
    if pa.types.is_fixed_size_list(kind):
        return pa.list_(kind.value_field.with_type(_in_microseconds(kind.value_type)),
                        kind.list_size)
    if pa.types.is_dictionary(kind):
        return pa.dictionary(kind.index_type, _in_microseconds(kind.value_type), kind.ordered)
    if pa.types.is_map(kind):
        return pa.map_(_in_microseconds(kind.key_type), _in_microseconds(kind.item_type))
    if pa.types.is_struct(kind):
        return pa.struct([f.with_type(_in_microseconds(f.type)) for f in kind])
    return kind


def _as_rows(batch: pa.RecordBatch) -> list[dict[str, Any]]:
    """The rows of ``batch`` as dicts, nanosecond values cut to the microsecond
    (`_in_microseconds`: the curated ``published_at`` holds microseconds)."""
    schema = pa.schema([f.with_type(_in_microseconds(f.type)) for f in batch.schema])
    if not schema.equals(batch.schema):
        batch = batch.cast(schema, safe=False)
    return batch.to_pylist()


def read_parquet(path: Path, limits: ReadLimits) -> Iterator[RawRecord | BadRecord]:
    """One record per row, streamed in record batches (a ``.parquet.gz`` is decompressed whole
    first, within the whole-file limit).

    Guarantees: the footer is checked first: only the row groups whose uncompressed sizes
    (``total_byte_size``) fit in ``limits.max_file_bytes`` are read, and at most
    ``limits.max_records`` rows; the decoded size of the batches is counted too (dictionary
    encoding can make it larger than the footer says). Whatever is cut is one final `BadRecord`
    (index -1) naming the flag to raise. A nanosecond timestamp, duration or time, in any
    column, is read to the microsecond (`_as_rows`), never an error that ends the file.
    """
    if path.name.lower().endswith(".gz"):
        source: Any = io.BytesIO(read_all(path, limits, hint="store it as .parquet"))
    else:
        source = open_nofollow(path)
    with source:
        pf = pq.ParquetFile(source)
        meta = pf.metadata
        groups: list[int] = []
        rows = size = 0
        cut_by_bytes = False
        for group in range(meta.num_row_groups):
            if rows >= limits.max_records:
                break
            group_meta = meta.row_group(group)
            if size + group_meta.total_byte_size > limits.max_file_bytes:
                cut_by_bytes = True
                break
            groups.append(group)
            rows += group_meta.num_rows
            size += group_meta.total_byte_size
        index = decoded = 0
        if groups:
            batches = pf.iter_batches(batch_size=min(2048, limits.max_records), row_groups=groups)
            for batch in batches:
                decoded += batch.nbytes
                if decoded > limits.max_file_bytes:
                    cut_by_bytes = True
                    break
                for row in _as_rows(batch.slice(0, limits.max_records - index)):
                    yield make_record(row, index, [])
                    index += 1
                if index >= limits.max_records:
                    break
        if index >= limits.max_records and meta.num_rows > index:
            yield BadRecord(-1, records_limit_message(limits.max_records))
        elif cut_by_bytes:
            yield BadRecord(-1, bytes_limit_message(limits.max_file_bytes))
