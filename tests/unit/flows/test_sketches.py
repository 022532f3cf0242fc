"""`flows.stages.sketches`: the second signal's sketches, stored with the run's batches by the
fingerprint, and made on demand from the curated articles' texts for history documents."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cleaners.dedup import DEFAULT_FINGERPRINT
from cleaners.dedup.align import sentence_sketches
from cleaners.translate.embedded import EmbeddedTranslator
from flows.history import load_history
from flows.schema import SKETCH_FIELDS, signature_matrix
from flows.staged import is_staged, write_staged
from flows.stages.clean_fingerprint import fingerprint_table
from flows.stages.sketches import sketch_source
from tests.support.data import SAMPLES, benchmark_module, eval_path

TEXTS = {
    "new-fr": ("fr", "Le conseil municipal a voté le budget du tramway.\nLe maire a parlé."),
    "old-en": ("en", "The city council voted the tramway budget.\nThe mayor spoke."),
}


def _write(path: Path, ids: list[str], extra: dict[str, list]) -> str:
    table = pa.table({"doc_id": ids, "lang": [TEXTS[i][0] for i in ids], "text": [TEXTS[i][1] for i in ids],
                      **extra})
    if is_staged(path):
        write_staged(table, path, compressed=False)
    else:
        pq.write_table(table, path)
    return str(path)


def test_sketches_of_new_and_curated_documents_by_doc_id(tmp_path: Path) -> None:
    batch = _write(tmp_path / "fp-0.arrow", ["new-fr"], {"text_length": [10]})
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


def _real_table() -> pa.Table:
    """A cleaned batch of real texts: the seed articles, and newstest2013 (full and condensed)
    when ../shared/eval/wmt is present."""
    texts = [p.read_text("utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    bench = benchmark_module("crosslingual")
    files = bench.wmt_sets(bench.WMT).get("newstest2013") if bench.WMT.exists() else None
    if files:
        docs = bench.load_set(files)
        texts += [d.text for d in docs + [d for d in bench.condensed(docs) if d.lang != "en"]]
    n = len(texts)
    return pa.table({"doc_id": [f"d{k}" for k in range(n)], "text": texts, "lang_hint": [None] * n})


def test_the_stored_sketch_of_a_document_is_the_sketch_of_its_text(tmp_path: Path) -> None:
    """`fingerprint_table` stores each row's sketch with the batch; read back through
    `sketch_source` (the texts are not read: a batch's text column is replaced before), it is
    `sentence_sketches` of the text in its detected language; the signatures are the ones made
    without sketches."""
    table = _real_table()
    out, _ = fingerprint_table(table, DEFAULT_FINGERPRINT)
    plain, _ = fingerprint_table(table, DEFAULT_FINGERPRINT, sketches=False)
    assert out.column("minhash").equals(plain.column("minhash"))
    assert out.drop_columns([f.name for f in SKETCH_FIELDS]).equals(plain)
    assert out.schema.field("sketch_values").type == pa.list_(pa.uint32())
    path = tmp_path / "fp-0.arrow"
    write_staged(out.set_column(out.schema.get_field_index("text"), "text",
                                pa.array(["(not read)"] * out.num_rows)), path, compressed=False)
    got = sketch_source([str(path)], [], DEFAULT_FINGERPRINT)(out.column("doc_id").to_pylist())
    langs = out.column("lang").to_pylist()
    want = sentence_sketches(table.column("text").to_pylist(), langs, DEFAULT_FINGERPRINT,
                             EmbeddedTranslator())
    assert len(got) == len(want) == table.num_rows
    for a, b in zip(got, want, strict=True):
        assert a is not None
        assert np.array_equal(a.offsets, b.offsets) and np.array_equal(a.values, b.values)
    assert sum(len(s) > 1 for s in want) >= table.num_rows - 1


@pytest.mark.usefixtures("prefect_server")
def test_the_match_stage_sketches_only_history_documents_from_their_texts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs of the flow: the English newstest2013 articles, then their condensed French,
    German and Spanish versions. The second run's second signal judges grey-zone pairs; the
    texts it sketches on demand are only history documents' (the new ones' sketches come from
    the batches), and its clusters are the ones of sketching everything from texts."""
    from flows.curate import curate_flow
    from flows.settings import RunSettings
    from flows.stages import sketches as sketches_module

    bench = benchmark_module("crosslingual")
    files = bench.wmt_sets(eval_path("wmt")).get("newstest2013")
    if not files or not {"en", "fr", "de", "es"} <= set(files):
        pytest.skip("newstest2013 en/fr/de/es files are absent from ../shared/eval/wmt")
    docs = bench.condensed(bench.load_set(files))
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    (raw / "feed").mkdir(parents=True)

    def land(name: str, lang_filter: Callable[[str], bool]) -> None:
        with open(raw / "feed" / name, "w", encoding="utf-8") as fh:
            for d in docs:
                if lang_filter(d.lang):
                    fh.write(json.dumps({"id": f"{d.lang}:{d.docid}", "text": d.text}) + "\n")

    asked: list[str] = []
    made_from_texts = sketches_module.sketches_from_texts

    def recording(doc_ids, *args, **kwargs):
        asked.extend(doc_ids)
        return made_from_texts(doc_ids, *args, **kwargs)

    monkeypatch.setattr(sketches_module, "sketches_from_texts", recording)
    land("en.jsonl", lambda lang: lang == "en")
    curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False))
    history = pq.read_table(curated / "articles", columns=["doc_id"]).column("doc_id").to_pylist()
    assert not asked  # nothing to judge in one language
    after_first = tmp_path / "after-first"
    shutil.copytree(curated, after_first)
    land("others.jsonl", lambda lang: lang != "en")
    summary = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False))
    manifest = json.loads(max((curated / "_runs").glob("*.json"), key=lambda p: p.stat().st_mtime)
                          .read_text("utf-8"))
    assert summary["rows_written"] == 3 * 52
    assert manifest["match"]["second_signal_pairs"] > 0, manifest["match"]
    assert asked and set(asked) <= set(history), "only history documents are sketched from texts"

    # the same clusters with every sketch made from the texts (as before the sketches were stored)
    from cleaners.dedup import TUNED_MATCH, DocBatch, match
    from flows import store

    hist = load_history(store.Layout(after_first), DEFAULT_FINGERPRINT.num_perm,
                              asdict(DEFAULT_FINGERPRINT))
    t = pq.read_table(curated / "articles")
    new = t.filter(pc.invert(pc.is_in(t.column("doc_id"), pa.array(history))))
    signatures = signature_matrix(new.column("minhash"), DEFAULT_FINGERPRINT.num_perm)
    batch = DocBatch(new.column("doc_id").to_pylist(), new.column("lang").to_pylist(), signatures,
                     new.column("text_hash").to_pylist(),
                     pc.utf8_length(new.column("text")).to_numpy().astype(np.int64),
                     np.full(new.num_rows, np.nan),
                     new.column("shingle_count").to_numpy().astype(np.int64))
    parts = [str(p) for p in (after_first / "articles").rglob("*.parquet")]
    redo = match(batch, hist, TUNED_MATCH, sketches=sketch_source([], parts, DEFAULT_FINGERPRINT))
    assert [a.cluster_id for a in redo] == new.column("cluster_id").to_pylist()
    assert [a.duplicate_of for a in redo] == new.column("duplicate_of").to_pylist()
