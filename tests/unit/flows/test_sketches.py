"""`flows.stages.sketches`: the second signal's texts read by doc_id from the run's batches and
the curated articles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cleaners.dedup import DEFAULT_FINGERPRINT
from cleaners.dedup.align import sentence_sketches
from cleaners.translate.embedded import EmbeddedTranslator
from flows.stages.sketches import sketch_source

TEXTS = {
    "new-fr": ("fr", "Le conseil municipal a voté le budget du tramway.\nLe maire a parlé."),
    "old-en": ("en", "The city council voted the tramway budget.\nThe mayor spoke."),
}


def _write(path: Path, ids: list[str], extra: dict[str, list]) -> str:
    table = pa.table({"doc_id": ids, "lang": [TEXTS[i][0] for i in ids], "text": [TEXTS[i][1] for i in ids],
                      **extra})
    pq.write_table(table, path)
    return str(path)


def test_sketches_of_new_and_curated_documents_by_doc_id(tmp_path: Path) -> None:
    batch = _write(tmp_path / "fp-0.parquet", ["new-fr"], {"text_length": [10]})
    part = _write(tmp_path / "part-0.parquet", ["old-en"], {"cluster_id": ["old-en"]})
    source = sketch_source([batch], [part], DEFAULT_FINGERPRINT)
    got = source(["old-en", "missing", "new-fr"])
    assert got[1] is None
    translator = EmbeddedTranslator()
    for doc_id, sketch in (("old-en", got[0]), ("new-fr", got[2])):
        lang, text = TEXTS[doc_id]
        (want,) = sentence_sketches([text], [lang], DEFAULT_FINGERPRINT, translator)
        assert sketch is not None and len(sketch) == 2
        assert np.array_equal(sketch.offsets, want.offsets) and np.array_equal(sketch.values, want.values)
