"""The storage of MinHash signatures (`flows.schema.signature_column`, `signature_matrix`):
schema v2's ``list<int32>`` holds the bits of the uint32 values, every value survives a
Parquet round trip, and schema v1's ``fixed_size_list<uint32>`` reads the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.schema import SIGNATURE_TYPE, articles_schema, signature_column, signature_matrix

EXTREMES = [0, 1, 2**31 - 1, 2**31, 2**32 - 2, 2**32 - 1]


def _signatures(rows: int = 5, width: int = 8) -> np.ndarray:
    sig = np.random.default_rng(7).integers(0, 2**32, (rows, width), dtype=np.uint32)
    sig[0, :len(EXTREMES)] = EXTREMES
    return sig


def test_every_value_survives_a_parquet_round_trip(tmp_path: Path) -> None:
    sig = _signatures()
    column = signature_column(sig)
    assert column.type == SIGNATURE_TYPE == articles_schema(8).field("minhash").type
    assert column[0].as_py()[:4] == [0, 1, 2**31 - 1, -(2**31)]  # the same bits, signed
    pq.write_table(pa.table({"minhash": column}), tmp_path / "p.parquet")
    back = pq.read_table(tmp_path / "p.parquet").column("minhash")
    assert back.type == SIGNATURE_TYPE
    assert np.array_equal(signature_matrix(back, 8), sig)


def test_v1_chunks_and_slices_read_the_same() -> None:
    sig = _signatures()
    v2 = signature_column(sig)
    v1 = pa.FixedSizeListArray.from_arrays(pa.array(sig.reshape(-1)), 8)
    for column in (v1, v2):
        assert np.array_equal(signature_matrix(column, 8), sig)
        assert np.array_equal(signature_matrix(column.slice(2), 8), sig[2:])
        chunked = pa.chunked_array([column.slice(0, 1), column.slice(1, 0), column.slice(1)])
        assert np.array_equal(signature_matrix(chunked, 8), sig)
    assert signature_matrix(signature_column(np.zeros((0, 8), np.uint32)), 8).shape == (0, 8)


def test_a_signature_of_another_length_or_null_is_refused() -> None:
    sig = _signatures()
    with pytest.raises(ValueError, match="length 8, expected 4"):
        signature_matrix(signature_column(sig), 4)
    with pytest.raises(ValueError, match="length 8, expected 4"):
        signature_matrix(pa.FixedSizeListArray.from_arrays(pa.array(sig.reshape(-1)), 8), 4)
    ragged = pa.array([[1, 2], [3]], SIGNATURE_TYPE)
    with pytest.raises(ValueError, match="length 1 to 2, expected 2"):
        signature_matrix(ragged, 2)
    with pytest.raises(ValueError, match="null"):
        signature_matrix(pa.array([[1, 2], None], SIGNATURE_TYPE), 2)
