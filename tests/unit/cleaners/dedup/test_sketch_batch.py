"""Sentence sketches made with the fingerprints (`cleaners.dedup.align.fingerprint_and_sketch`),
packed (`SketchBatch`), judged in one compiled call, and `match`'s one placement pass."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.dedup import (
    DEFAULT_FINGERPRINT,
    TUNED_MATCH,
    DocBatch,
    MatchStats,
    WordMemo,
    fingerprint_batch,
    match,
)
from cleaners.dedup.align import (
    EMPTY_SKETCH,
    MAX_SENTENCES,
    MAX_TOKENS,
    SentenceSketch,
    SketchBatch,
    evidence,
    fingerprint_and_sketch,
    ordered_share,
    passes_second_signal,
    sentence_sketches,
    sketch_from_sets,
)
from cleaners.dedup.fingerprint import document_shingles
from cleaners.dedup.sketch import _pack_codes
from cleaners.lang.tokens import SENTENCE_END, scan_words, split_sentences, word_set, words
from cleaners.translate.embedded import EmbeddedTranslator
from tests.support.data import SAMPLES, benchmark_module, eval_path

#: The tuned rule of the second signal.
RULE = (TUNED_MATCH.min_order_share, TUNED_MATCH.min_evidence)
#: Texts where the word scan has edge cases: thousands, mixed runs, NUL, empty sentences.
EDGES = [
    "",
    "   \n\n  ",
    "3\x00000 people. Trois\x00mille; fin",
    "At 10h30 on the 33rd_floor; 3,000 (people)!\nEnd. «Fin.» Next… 2 000 000 euros?",
    "Le 1er mai 2013, l'homme a dit: «Non!» Puis… rien.\n\nH2O et CO2",
]


@pytest.fixture(scope="module")
def translator() -> EmbeddedTranslator:
    return EmbeddedTranslator()


def _same(a: SentenceSketch, b: SentenceSketch) -> bool:
    return (np.array_equal(a.offsets, b.offsets) and np.array_equal(a.values, b.values)
            and a.offsets.dtype == b.offsets.dtype == np.int32
            and a.values.dtype == b.values.dtype == np.uint32)


def _real_texts() -> tuple[list[str], list[str]]:
    """The seed articles, and newstest2013 en/fr/de/es (full and condensed) when present."""
    texts = [p.read_text("utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    langs = [None] * len(texts)
    bench = benchmark_module("crosslingual")
    files = bench.wmt_sets(bench.WMT).get("newstest2013") if bench.WMT.exists() else None
    if files:
        docs = bench.load_set(files)
        docs += [d for d in bench.condensed(docs) if d.lang != "en"]
        texts += [d.text for d in docs]
        langs += [d.lang for d in docs]
    return texts + EDGES, [*langs, *["en"] * len(EDGES)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1_ .!?;…\n\"”»)',\u00a0\x00Ééß2")), max_size=60))
def test_scan_words_is_words_with_sentence_ends_and_word_set(text: str) -> None:
    found, distinct = scan_words(text)
    assert [w for w in found if w] == words(text.replace(SENTENCE_END, " "))
    assert distinct == word_set(text)


def test_fingerprints_and_sketches_together_are_the_ones_made_apart(
        translator: EmbeddedTranslator) -> None:
    """Real texts (the seed articles, WMT newstest2013 when present): the same signatures as
    `fingerprint_batch`, and each sketch is the one of `sentence_sketches` and of its
    documented definition (the `document_shingles` of each `split_sentences` sentence)."""
    texts, hints = _real_texts()
    memo = WordMemo()
    fp, sketches = fingerprint_and_sketch(texts, hints, DEFAULT_FINGERPRINT, translator, memo=memo)
    alone = fingerprint_batch(texts, hints, DEFAULT_FINGERPRINT, translator)
    assert np.array_equal(fp.signatures, alone.signatures) and fp.langs == alone.langs
    assert fp.text_hashes == alone.text_hashes
    assert np.array_equal(fp.shingle_counts, alone.shingle_counts)
    assert len(sketches) == len(texts)
    apart = sentence_sketches(texts, fp.langs, DEFAULT_FINGERPRINT, EmbeddedTranslator())
    for text, lang, made, want in zip(texts, fp.langs, sketches, apart, strict=True):
        assert _same(made, want)
        if SENTENCE_END in text:  # a NUL: a space for the sketches' scan, not for the split
            continue
        sentences = split_sentences(text)
        sets = document_shingles(sentences, [lang] * len(sentences), DEFAULT_FINGERPRINT,
                                 translator)
        assert _same(made, sketch_from_sets(sets)) or made is EMPTY_SKETCH is sketch_from_sets(sets)
    assert sum(len(s) > 0 for s in sketches) > len(texts) - len(EDGES)


def test_packed_sketches_come_back_out(translator: EmbeddedTranslator) -> None:
    texts = ["One sentence about the harbour.\nAnother about the council.", "",
             "Rotterdam harbour."]
    sketches = sentence_sketches(texts, ["en"] * 3, DEFAULT_FINGERPRINT, translator)
    batch = SketchBatch.of(sketches)
    assert len(batch) == 3 and batch[1] is EMPTY_SKETCH
    assert all(_same(a, b) for a, b in zip(batch, sketches, strict=True) if len(a))
    assert batch.offset_starts.tolist() == [0, 3, 4, 6] and not batch.values.flags.writeable
    assert len(SketchBatch.of([])) == 0


def test_packing_caps_sentences_and_tokens() -> None:
    """Codes (a token value, -1 dropped, -2 sentence end): sentences without a kept token are
    skipped, each keeps its lowest ``MAX_TOKENS`` distinct values, each document its first
    ``max_sentences`` sentences."""
    rng = np.random.default_rng(0)
    big = rng.choice(2**32, MAX_TOKENS + 100, replace=False).astype(np.int64)
    codes = [
        np.array([-1, -2, 7, 5, 7, -1, -2, -2, 3, -2], dtype=np.int64),
        np.concatenate([big, big[:10], [-2, 9]]),
        np.array([-2, -1, -2], dtype=np.int64),
        np.array([4, -2] * (MAX_SENTENCES + 5), dtype=np.int64),
    ]
    batch = _pack_codes(codes, MAX_SENTENCES)
    assert batch[0].offsets.tolist() == [0, 2, 3] and batch[0].values.tolist() == [5, 7, 3]
    assert batch[1].sentence(0).tolist() == np.sort(big)[:MAX_TOKENS].tolist()
    assert batch[1].sentence(1).tolist() == [9]
    assert batch[2] is EMPTY_SKETCH
    assert len(batch[3]) == MAX_SENTENCES


def test_one_compiled_verdict_is_the_verdict_of_evidence_and_ordered_share(
        translator: EmbeddedTranslator) -> None:
    texts, hints = _real_texts()
    _, sketches = fingerprint_and_sketch(texts, hints, DEFAULT_FINGERPRINT, translator)
    rng = np.random.default_rng(1)
    pairs = [(int(a), int(b)) for a, b in rng.integers(len(texts), size=(600, 2))]
    pairs += [(a, a + 1) for a in range(len(texts) - 1)]  # neighbours: often one story
    passed = 0
    for rule in ((0.45, 0.12), (0.0, 0.0), (0.3, 0.02), (1.0, 0.5)):
        for a, b in pairs:
            x, y = sketches[a], sketches[b]
            smaller = min(x.strong_tokens.size, y.strong_tokens.size)
            want = (smaller > 0 and evidence(x, y) >= rule[1] * smaller
                    and ordered_share(x, y).share >= rule[0])
            got = passes_second_signal(x, y, *rule)
            assert got == want == passes_second_signal(y, x, *rule)
            passed += got
    assert 0 < passed < 4 * len(pairs)


def test_the_placement_loop_judges_packed_sketches_as_the_second_signal_does(
        translator: EmbeddedTranslator) -> None:
    """The verdict the compiled placement loop reaches itself (`judge_positions` on the packed
    sketches, by position: some in the new documents' batch, some in the history's) is
    `passes_second_signal`'s; a position whose sketch was not asked for is left to Python
    (-1); one the source has no sketch for passes (1)."""
    from cleaners.dedup.second_signal import HISTORY, NO_SKETCH, UNKNOWN, judge_positions

    texts, hints = _real_texts()
    _, packed = fingerprint_and_sketch(texts, hints, DEFAULT_FINGERPRINT, translator)
    n = len(texts)
    order = np.random.default_rng(2).permutation(n)  # position p holds document order[p]
    half = n // 2
    new, hist = packed.take(order[:half]), packed.take(order[half:])
    row = np.concatenate([np.arange(half), HISTORY - np.arange(n - half), [UNKNOWN, NO_SKETCH]])
    arrays = (row.astype(np.int64), new.offset_starts, new.offsets, new.value_starts, new.values,
              hist.offset_starts, hist.offsets, hist.value_starts, hist.values, *RULE)
    rng = np.random.default_rng(1)
    pairs = [(int(a), int(b)) for a, b in rng.integers(n, size=(400, 2))]
    where = np.argsort(order)
    pairs += [(int(where[d]), int(where[d + 1])) for d in range(n - 1)]  # neighbours: often one story
    verdicts = [judge_positions(a, b, *arrays) for a, b in pairs]
    assert verdicts == [int(passes_second_signal(packed[order[a]], packed[order[b]], *RULE))
                        for a, b in pairs]
    assert 0 < sum(verdicts) < len(pairs)
    assert {a < half for a, b in pairs} == {b < half for a, b in pairs} == {True, False}
    assert judge_positions(0, n, *arrays) == judge_positions(n, 0, *arrays) == -1
    assert judge_positions(0, n + 1, *arrays) == 1 and judge_positions(n + 1, n, *arrays) == -1


def test_taken_and_concatenated_sketches_are_the_same_sketches(
        translator: EmbeddedTranslator) -> None:
    texts, hints = _real_texts()
    _, packed = fingerprint_and_sketch(texts, hints, DEFAULT_FINGERPRINT, translator)
    rows = np.array([3, 0, 3, len(texts) - 1, 1], dtype=np.int64)
    taken = packed.take(rows)
    assert len(taken) == rows.size and not taken.values.flags.writeable
    assert all(_same(taken[k], packed[int(r)]) for k, r in enumerate(rows))
    both = SketchBatch.concat([taken, SketchBatch.of([EMPTY_SKETCH]), packed])
    assert len(both) == rows.size + 1 + len(packed)
    assert both[rows.size] is EMPTY_SKETCH
    assert all(_same(both[rows.size + 1 + d], packed[d]) for d in range(len(packed)))
    assert all(_same(both[k], taken[k]) for k in range(rows.size))
    assert len(packed.take(np.zeros(0, dtype=np.int64))) == 0 and len(SketchBatch.concat([])) == 0


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return benchmark_module("crosslingual")


def test_history_sketches_a_pass_lacked_are_fetched_and_the_pass_runs_again(
        bench: ModuleType, translator: EmbeddedTranslator, monkeypatch: pytest.MonkeyPatch) -> None:
    """newstest2012 condensed: the English versions curated first, then the others. However the
    history sketches arrive (all ahead; the grey-zone ones ahead, as `match` does; or none
    ahead, those a pass lacked fetched for another pass), the clusters are the same; each
    history sketch is asked for once. (Measured: 1, 2 and 3 passes; the French, German and
    Spanish versions reach the English cluster through each other too, so a grey-zone pair
    with a history canonical can appear that no history candidate announced.)"""
    from cleaners.dedup import DocBatch, History, MatchStats, match
    from cleaners.dedup import matcher as matcher_module

    files = bench.wmt_sets(eval_path("wmt")).get("newstest2012")
    if not files:
        pytest.skip("newstest2012 is absent from ../shared/eval/wmt")
    docs = bench.condensed(bench.load_set(files))
    texts = [d.text for d in docs]
    fp, sketches = fingerprint_and_sketch(texts, None, DEFAULT_FINGERPRINT, translator)
    ids = [f"{d.lang}:{d.docid}" for d in docs]
    sketch_of = dict(zip(ids, sketches, strict=True))

    def take(rows: list[int]) -> DocBatch:
        return DocBatch([ids[k] for k in rows], [fp.langs[k] for k in rows], fp.signatures[rows],
                        [fp.text_hashes[k] for k in rows], np.array([len(texts[k]) for k in rows]),
                        np.full(len(rows), np.nan), fp.shingle_counts[rows])

    english = [k for k, d in enumerate(docs) if d.lang == "en"]
    others = [k for k, d in enumerate(docs) if d.lang != "en"]
    old = take(english)
    history = History.empty(DEFAULT_FINGERPRINT.num_perm)
    history.lengths, history.published_at = np.empty(0), np.empty(0)
    history = history.with_batch(old, match(old, None, TUNED_MATCH))
    new = take(others)
    old_ids = set(old.doc_ids)
    grey_history = matcher_module._grey_history

    def run(ahead: str) -> tuple[list[tuple], MatchStats, list[list[str]]]:
        asked: list[list[str]] = []

        def source(wanted):
            asked.append([w for w in wanted if w in old_ids])
            return [sketch_of[w] for w in wanted]

        if ahead == "all":  # every history position
            monkeypatch.setattr(matcher_module, "_grey_history", lambda *a: list(range(len(old_ids))))
        elif ahead == "none":
            monkeypatch.setattr(matcher_module, "_grey_history", lambda *a: [])
        else:
            monkeypatch.setattr(matcher_module, "_grey_history", grey_history)
        stats = MatchStats()
        out = match(new, history, TUNED_MATCH, stats=stats, sketches=source)
        return [(a.cluster_id, a.duplicate_of, a.similarity, a.dup_kind) for a in out], stats, asked

    results = {ahead: run(ahead) for ahead in ("all", "grey", "none")}
    clusters = {ahead: r[0] for ahead, r in results.items()}
    assert clusters["all"] == clusters["grey"] == clusters["none"]
    assert sum(a[3] == "cross_lingual" for a in clusters["all"]) > len(others) // 2
    for ahead, (_, stats, asked) in results.items():
        history_asked = [d for call in asked for d in call]
        assert len(history_asked) == len(set(history_asked)), ahead  # each asked for once
        assert stats.second_signal_pairs > 0, (ahead, stats)
    assert results["all"][1].placement_passes == 1
    assert results["none"][1].placement_passes >= 2  # the history sketches arrived after a pass


def test_warm_up_compiles_the_verdict_that_stored_and_made_sketches_use(
        translator: EmbeddedTranslator) -> None:
    """`warm_up` compiles the verdict (`judge_positions`, `passes_arrays`) for the packed
    sketches `match` judges: the flow's stored ones (a batch taken from the stored batches)
    and the history's made from texts (a list, packed), so `match` does not compile it while
    placing."""
    from cleaners.dedup import warm_up
    from cleaners.dedup.align import passes_arrays
    from cleaners.dedup.second_signal import HISTORY, _packed, judge_positions

    warm_up()
    compiled = (len(passes_arrays.signatures), len(judge_positions.signatures))
    texts = ["The mayor spoke about the tramway.", "Le maire a parlé du tramway."]
    _, made = fingerprint_and_sketch(texts, ["en", "fr"], DEFAULT_FINGERPRINT, translator)
    apart = sentence_sketches(texts, ["en", "fr"], DEFAULT_FINGERPRINT, translator)
    stored, _ = _packed(made.take(np.arange(2)))
    history, _ = _packed(apart)
    arrays = [stored.offset_starts, stored.offsets, stored.value_starts, stored.values,
              history.offset_starts, history.offsets, history.value_starts, history.values]
    row = np.array([0, HISTORY - 1], dtype=np.int64)
    assert judge_positions(0, 1, row, *arrays, *RULE) == int(passes_second_signal(made[0], apart[1], *RULE))
    assert (len(passes_arrays.signatures), len(judge_positions.signatures)) == compiled


def test_warm_up_compiles_what_a_match_with_the_second_signal_runs(
        translator: EmbeddedTranslator) -> None:
    """With the second signal, `match` runs more compiled code (the placement loop with packed
    sketches, the founders' links, the packed verdict, taking stored sketches): `warm_up`
    compiles the specialisations a real run uses, so the flow's warm-up thread saves them."""
    from cleaners.dedup import warm_up
    from cleaners.dedup.merge import _founder_links
    from cleaners.dedup.minhash import pair_similarity
    from cleaners.dedup.placement import place
    from cleaners.dedup.second_signal import judge_positions
    from cleaners.dedup.sketch import _take_kernel

    if not benchmark_module("crosslingual").WMT.exists():
        pytest.skip("../shared/eval/wmt is absent: no cross-lingual pair to judge")
    compiled = (place, judge_positions, _founder_links, _take_kernel, pair_similarity)
    warm_up()
    before = [len(f.signatures) for f in compiled]
    assert min(before) >= 1
    texts, hints = _real_texts()
    fp, packed = fingerprint_and_sketch(texts, hints, DEFAULT_FINGERPRINT, translator)
    ids = [f"doc-{k}" for k in range(len(texts))]
    row = {d: k for k, d in enumerate(ids)}
    batch = DocBatch(ids, fp.langs, fp.signatures, fp.text_hashes, np.array([len(t) for t in texts]),
                     np.full(len(texts), np.nan), fp.shingle_counts)
    def writable(wanted: list[str]) -> SketchBatch:  # a source's own batch, arrays writable
        taken = packed.take(np.array([row[w] for w in wanted], dtype=np.int64))
        return SketchBatch(*(np.array(a) for a in (taken.offset_starts, taken.offsets,
                                                  taken.value_starts, taken.values)))

    for source in (lambda wanted: packed.take(np.array([row[w] for w in wanted], dtype=np.int64)),
                   writable):
        stats = MatchStats()
        match(batch, None, TUNED_MATCH, stats=stats, sketches=source)
        assert stats.second_signal_pairs > 0 and stats.merged > 0
        assert [len(f.signatures) for f in compiled] == before
