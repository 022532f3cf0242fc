"""Fingerprints of batches (cleaners.dedup.fingerprint): languages, exact keys, signatures."""

from __future__ import annotations

import numpy as np
import pytest

from cleaners.dedup import (
    DEFAULT_FINGERPRINT,
    TUNED_MATCH,
    FingerprintConfig,
    fingerprint_batch,
)
from cleaners.dedup.fingerprint import (
    hash_shingles,
    shingles,
    text_hash,
)
from cleaners.dedup.minhash import MAX_HASH, containment_estimate, jaccard_estimate
from cleaners.translate.base import PIVOT
from tests.support.data import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"

EN = (
    "The government of Canada announced on Monday a plan of 2 billion dollars to build "
    "200,000 homes in Toronto and Vancouver before 2030, the minister of housing said."
)
FR = (
    "Le gouvernement du Canada a annoncé lundi un plan de 2 milliards de dollars pour construire "
    "200 000 logements à Toronto et Vancouver d'ici 2030, a déclaré la ministre du Logement."
)
OTHER = (
    "Heavy rain flooded the old harbour of Marseille overnight and firefighters rescued "
    "dozens of tourists trapped in their cars, local police said."
)


def test_shapes_types_and_order() -> None:
    fp = fingerprint_batch([EN, FR, OTHER, ""])
    assert fp.langs == ["en", "fr", "en", "und"]
    assert fp.signatures.shape == (4, DEFAULT_FINGERPRINT.num_perm)
    assert fp.signatures.dtype == np.uint32
    assert len(fp.text_hashes) == 4 and all(len(h) == 32 for h in fp.text_hashes)
    assert fp.shingle_counts.tolist()[3] == 0 and (fp.signatures[3] == MAX_HASH).all()
    assert (fp.shingle_counts[:3] > 5).all()


def test_translation_pair_is_closer_than_another_story() -> None:
    fp = fingerprint_batch([EN, FR, OTHER])
    s = fp.signatures
    j01 = jaccard_estimate(s[0], s[1])
    assert j01 > 3 * max(jaccard_estimate(s[0], s[2]), 0.02)
    assert j01 >= TUNED_MATCH.xl_threshold
    c01 = containment_estimate(s[0], s[1], fp.shingle_counts[0], fp.shingle_counts[1])
    assert c01 >= j01


def test_exact_key_ignores_case_and_whitespace_only() -> None:
    assert text_hash("La  Chine\n") == text_hash("la chine")
    assert text_hash("La Chine.") != text_hash("La Chine")
    fp = fingerprint_batch([EN, EN.upper(), EN + " Really."])
    assert fp.text_hashes[0] == fp.text_hashes[1] != fp.text_hashes[2]


def test_batch_independence_and_determinism() -> None:
    alone = fingerprint_batch([FR])
    mixed = fingerprint_batch([OTHER, FR, EN])
    assert (alone.signatures[0] == mixed.signatures[1]).all()
    assert (fingerprint_batch([FR]).signatures == alone.signatures).all()


def test_hints_and_given_languages() -> None:
    short = "Toronto 2030"
    assert fingerprint_batch([short], lang_hints=["fr-CA"]).langs == ["fr"]
    assert fingerprint_batch([short], langs=["de"]).langs == ["de"]
    with pytest.raises(ValueError):
        fingerprint_batch([short], langs=["de", "fr"])


def test_config_changes_signatures() -> None:
    small = fingerprint_batch([EN], config=FingerprintConfig(num_perm=64))
    assert small.signatures.shape == (1, 64)
    bigram = fingerprint_batch([EN], config=FingerprintConfig(ngram=2))
    assert bigram.shingle_counts[0] != fingerprint_batch([EN]).shingle_counts[0]


def test_shingles_and_hashes() -> None:
    assert shingles(["a", "b", "c"], 2) == {"a b", "b c"}
    assert shingles(["a"], 3) == {"a"}
    h1, h2 = hash_shingles([{"x", "y"}, {"y"}])
    assert h1.dtype == np.uint64 and h1.size == 2 and h2[0] in h1


def test_translator_sees_one_call_per_language() -> None:
    calls: list[tuple[str, int]] = []

    class Spy:
        name = "spy"

        def languages(self) -> frozenset[str]:
            return frozenset({"fr"})

        def translate(self, texts: list[str], lang: str) -> list[list[str]]:
            calls.append((lang, len(texts)))
            return [t.lower().split() for t in texts]

    fingerprint_batch([EN, FR, OTHER, FR], translator=Spy())
    assert sorted(calls) == [(PIVOT, 2), ("fr", 2)]


def test_seed_articles_match() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is absent: the seed articles live in ../shared/seeds")
    en, fr = (p.read_text("utf-8") for p in sorted(SEEDS.glob("0*.txt")))
    fp = fingerprint_batch([en, fr])
    assert fp.langs == ["en", "fr"]
    assert jaccard_estimate(fp.signatures[0], fp.signatures[1]) >= TUNED_MATCH.xl_threshold


def test_common_english_words_are_dropped_from_shingles() -> None:
    from cleaners.dedup.fingerprint import document_shingles
    from cleaners.lang.tokens import common_english
    from flows.backends import get_translator

    tr = get_translator("embedded")
    keep = document_shingles([EN, FR], ["en", "fr"], FingerprintConfig(drop_common=0), tr)
    drop = document_shingles([EN, FR], ["en", "fr"], DEFAULT_FINGERPRINT, tr)
    common = common_english(DEFAULT_FINGERPRINT.drop_common)
    for k, d in zip(keep, drop, strict=True):
        assert d == k - common and d < k  # only common words go
        assert {"canada", "toronto", "vancouver", "2030", "200000"} <= d  # names, numbers stay
    assert "government" in keep[0] and "government" not in drop[0]


def test_seed_articles_cluster_after_cleaning() -> None:
    """The English seed and its condensed French version (texturized shortcode, promo line),
    cleaned as the flow cleans them, land in one cluster with the tuned config."""
    from cleaners.dedup import DocBatch, match
    from cleaners.text.clean import clean_text

    samples = ROOT / "raw" / "samples"
    paths = [samples / "000_5579c1d2ab6f9191.txt", samples / "004_8ee08c2d1de8db32.txt"]
    if not all(p.is_file() for p in paths):
        pytest.skip(f"the seed articles are absent from {samples}")
    en, fr = (clean_text(p.read_text("utf-8")).text for p in paths)
    fp = fingerprint_batch([en, fr])
    batch = DocBatch(
        doc_ids=["en", "fr"],
        langs=fp.langs,
        signatures=fp.signatures,
        text_hashes=fp.text_hashes,
        lengths=np.array([len(en), len(fr)]),
        published_at=np.full(2, np.nan),
    )
    # similar enough to be an LSH candidate almost surely, not only to pass verification
    assert jaccard_estimate(fp.signatures[0], fp.signatures[1]) >= TUNED_MATCH.lsh_threshold
    a = match(batch, None, TUNED_MATCH)
    assert a[0].cluster_id == a[1].cluster_id == "en"
    assert a[1].dup_kind == "cross_lingual"


def test_word_by_word_shortcut_gives_the_generic_shingles() -> None:
    """Translating each distinct (language, word) once, memoised across batches, gives the
    shingles of translating every occurrence in context (the generic path). Compound heads
    need the word-by-word interface (a generic backend has no ``head_of``): compared without."""
    import dataclasses

    from cleaners.dedup.fingerprint import document_shingles
    from cleaners.lang.langid import detect_languages
    from cleaners.translate.base import WordByWordTranslator
    from flows.backends import get_translator

    embedded = get_translator("embedded")

    class Generic:  # the same backend, seen without its word-by-word method
        name = "embedded"
        languages = embedded.languages
        translate = embedded.translate

    assert isinstance(embedded, WordByWordTranslator) and not isinstance(Generic(), WordByWordTranslator)
    texts = [EN, FR, OTHER, "", "12 345 — 678", "Die Regierung in Berlin kündigte 3.000 Stellen an."]
    wmt = SEEDS.parent / "eval" / "wmt"
    for path in sorted(wmt.glob("newstest2012-src.*.sgm")) if wmt.is_dir() else []:
        lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.startswith("<seg")]
        texts += [" ".join(lines[i : i + 10]) for i in range(0, 300, 10)]
    langs = detect_languages(texts)
    config = dataclasses.replace(DEFAULT_FINGERPRINT, compound_heads=False)
    generic = document_shingles(texts, langs, config, Generic())
    for half in (slice(0, len(texts) // 2), slice(len(texts) // 2, None), slice(None)):
        assert document_shingles(texts[half], langs[half], config, embedded) == generic[half]
    assert generic[0] and generic[1] and not generic[3] and "345" not in generic[4]
    fast = fingerprint_batch(texts, config=config, langs=langs, translator=embedded)
    slow = fingerprint_batch(texts, config=config, langs=langs, translator=Generic())  # type: ignore[arg-type]
    assert np.array_equal(fast.signatures, slow.signatures)
    assert np.array_equal(fast.shingle_counts, slow.shingle_counts)
