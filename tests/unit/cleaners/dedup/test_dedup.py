"""Clustering: edited copies cluster, different stories do not, no chaining, history is stable."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import xxhash

from cleaners.dedup import (
    Assignment,
    DocBatch,
    History,
    MatchConfig,
    Matched,
    MatchStats,
    match,
    priority_order,
    warm_up,
)
from cleaners.dedup.lsh import BandIndex, band_keys
from cleaners.dedup.minhash import MAX_HASH, containment_estimate, minhash_signatures
from tests.support.data import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"
EN_SEED = SEEDS / "000_5579c1d2ab6f9191.txt"
FR_SEED = SEEDS / "004_8ee08c2d1de8db32.txt"
WMT = ROOT.parent / "shared" / "eval" / "wmt"
NUM_PERM = 128
CFG = MatchConfig(threshold=0.5, num_perm=NUM_PERM)


def _hashes(text: str) -> np.ndarray:
    """Word 3-gram shingle hashes (a same-language fingerprint, enough for these tests)."""
    w = re.findall(r"\w+", text.lower())
    grams = {" ".join(w[i : i + 3]) for i in range(max(0, len(w) - 2))}
    return np.array([xxhash.xxh32_intdigest(g.encode()) for g in grams], dtype=np.uint32)


def _batch(
    texts: list[str],
    ids: list[str] | None = None,
    langs: list[str] | None = None,
    published: list[float] | None = None,
    hash_sets: list[np.ndarray] | None = None,
) -> DocBatch:
    n = len(texts)
    sets = hash_sets if hash_sets is not None else [_hashes(t) for t in texts]
    return DocBatch(
        doc_ids=ids or [f"doc{i:03d}" for i in range(n)],
        langs=langs or ["en"] * n,
        signatures=minhash_signatures(sets, num_perm=NUM_PERM),
        text_hashes=[xxhash.xxh3_128_hexdigest(t.encode()) for t in texts],
        lengths=np.array([len(t) for t in texts], dtype=np.int64),
        published_at=np.array(published if published is not None else [math.nan] * n, dtype=float),
        n_features=np.array([len(s) for s in sets], dtype=np.int64),
    )


def _history(*runs: tuple[DocBatch, list[Assignment]]) -> History:
    """The history a later run loads: every earlier row with its assignment."""
    h = History.empty(NUM_PERM)
    for batch, out in runs:
        h = h.with_batch(batch, out)
    return h


def _check_invariants(
    batch: DocBatch, out: list[Assignment], history: History | None = None
) -> None:
    assert len(out) == len(batch)
    canon_rows: dict[str, list[str]] = {}
    elected: dict[str, list[str]] = {}
    members: dict[str, set[str]] = {}
    if history is not None:
        for doc_id, cid in zip(history.doc_ids, history.cluster_ids, strict=True):
            members.setdefault(cid, set()).add(doc_id)
    for doc_id, a in zip(batch.doc_ids, out, strict=True):
        members.setdefault(a.cluster_id, set()).add(doc_id)
        if a.elected:
            elected.setdefault(a.cluster_id, []).append(doc_id)
        if a.is_canonical:
            canon_rows.setdefault(a.cluster_id, []).append(doc_id)
            assert a.cluster_id == doc_id and a.elected
            assert a.duplicate_of is a.similarity is a.dup_kind is None
        else:
            assert a.similarity is not None and a.dup_kind in ("exact", "near", "cross_lingual")
    for a in out:
        if not a.is_canonical:  # verified against a member of its own cluster
            assert a.duplicate_of in members[a.cluster_id]
    hist_canon = set()
    if history is not None:
        hist_canon = {
            c for c, k in zip(history.cluster_ids, history.is_canonical, strict=True) if k
        }
    for cid, docs in canon_rows.items():
        assert len(docs) == 1, f"cluster {cid} has canonicals {docs}"
        assert cid not in hist_canon, "a new canonical in a cluster that already has one"
    for cid, docs in elected.items():
        assert len(docs) == 1, f"cluster {cid} elected {docs}"
    for a in out:
        if not a.is_canonical:
            assert a.cluster_id in canon_rows or a.cluster_id in hist_canon


@pytest.fixture(scope="module")
def en_paragraphs() -> list[str]:
    if not EN_SEED.exists():
        pytest.skip(f"seed article {EN_SEED} is absent (it lives in ../shared/seeds)")
    text = EN_SEED.read_text(encoding="utf-8")
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.split()) > 15]
    assert len(paras) >= 6
    return paras


def _wmt_docs(name: str) -> list[tuple[str, list[list[str]]]]:
    """(docid, paragraphs as lists of segments) of a WMT sgm file."""
    path = WMT / name
    if not path.exists():
        pytest.skip(f"evaluation data {path} is absent (third-party data in ../shared/eval)")
    raw = path.read_text(encoding="utf-8")
    docs = []
    for m in re.finditer(r'<doc docid="([^"]+)"[^>]*>(.*?)</doc>', raw, re.S):
        paras = [
            re.findall(r"<seg[^>]*>(.*?)</seg>", p, re.S) for p in re.split(r"</p>|</h1>", m[2])
        ]
        docs.append((m[1], [p for p in paras if p]))
    return docs


def test_edited_copies_cluster_with_the_original(en_paragraphs: list[str]) -> None:
    p = en_paragraphs
    original = "\n\n".join(p)
    dropped = "\n\n".join(p[:2] + p[3:])
    reordered = "\n\n".join([p[1], p[0], *p[2:-2], p[-1], p[-2]])
    inserted = "\n\n".join(
        [*p[:3], "Officials said the forum would continue online for a second week.", *p[3:]]
    )
    batch = _batch([dropped, original, reordered, inserted])
    out = match(batch, config=CFG)
    _check_invariants(batch, out)
    assert len({a.cluster_id for a in out}) == 1
    # The most complete version (longest: the one with an inserted paragraph) is canonical.
    assert [a.is_canonical for a in out] == [False, False, False, True]
    assert all(a.dup_kind == "near" and a.similarity >= 0.5 for a in out[:3])


def test_different_stories_do_not_cluster(en_paragraphs: list[str]) -> None:
    p = en_paragraphs
    half = len(p) // 2
    first, second = "\n\n".join(p[:half]), "\n\n".join(p[half:])
    batch = _batch([first, second])
    out = match(batch, config=CFG)
    assert [a.is_canonical for a in out] == [True, True]
    assert out[0].cluster_id != out[1].cluster_id


def test_wmt_documents_and_their_edited_copies() -> None:
    """99 real news stories, each with a copy missing its last paragraph: 99 pairs, no more."""
    docs = _wmt_docs("newstest2012-src.en.sgm")
    texts, ids = [], []
    for docid, paras in docs:
        full = "\n\n".join(" ".join(s) for s in paras)
        cut = "\n\n".join(" ".join(s) for s in (paras[:-1] if len(paras) > 2 else paras))
        texts += [full, cut + " "]
        ids += [f"{docid}#full", f"{docid}#cut"]
    batch = _batch(texts, ids)
    stats = MatchStats()
    out = match(batch, config=CFG, stats=stats)
    _check_invariants(batch, out)
    clusters: dict[str, set[str]] = {}
    for doc_id, a in zip(ids, out, strict=True):
        clusters.setdefault(a.cluster_id, set()).add(doc_id.split("#")[0])
    assert len(clusters) == len(docs)
    assert all(len(members) == 1 for members in clusters.values())
    assert stats.new_clusters == len(docs) and stats.verified_pairs >= len(docs)


def _windows(en_paragraphs: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
    words = re.findall(r"\w+", " ".join(en_paragraphs).lower())
    grams = list(dict.fromkeys(" ".join(words[i : i + 3]) for i in range(len(words) - 2)))
    assert len(grams) >= 560
    h = np.array([xxhash.xxh32_intdigest(g.encode()) for g in grams[:560]], dtype=np.uint32)
    assert len(np.unique(h)) == 560
    # A = [0, 336), B = [112, 448), C = [224, 560): J(A,B) = J(B,C) = 0.5, J(A,C) = 0.2.
    return [h[0:336], h[112:448], h[224:560]], h


def test_no_chaining_through_a_middle_document(en_paragraphs: list[str]) -> None:
    sets, _ = _windows(en_paragraphs)
    cfg = MatchConfig(threshold=0.35, num_perm=NUM_PERM)
    batch = _batch(["A", "B", "C"], ids=["A", "B", "C"], hash_sets=sets)
    batch.lengths = np.array([3000, 2000, 1000])  # A is the most complete: canonical
    out = match(batch, config=cfg)
    _check_invariants(batch, out)
    assert out[0].is_canonical and out[1].duplicate_of == "A"
    assert out[2].is_canonical and out[2].cluster_id == "C"  # C~B, but C is not A's story
    # When the middle document is the most complete, both verify against it: one cluster.
    batch.lengths = np.array([2000, 3000, 1000])
    out = match(batch, config=cfg)
    assert [a.cluster_id for a in out] == ["B", "B", "B"] and out[1].is_canonical


def test_no_chaining_across_runs(en_paragraphs: list[str]) -> None:
    sets, _ = _windows(en_paragraphs)
    cfg = MatchConfig(threshold=0.35, num_perm=NUM_PERM)
    day1 = _batch(["A", "B"], ids=["A", "B"], hash_sets=sets[:2])
    out1 = match(day1, config=cfg)
    assert out1[1].duplicate_of == "A"
    day2 = _batch(["C"], ids=["C"], hash_sets=sets[2:])
    day2.lengths = np.array([10_000])  # longer than everything: still not A's story
    out2 = match(day2, _history((day1, out1)), config=cfg)
    assert out2[0].is_canonical and out2[0].cluster_id == "C"


def test_longer_translation_arriving_tomorrow_joins_and_is_elected_canonical(
    en_paragraphs: list[str],
) -> None:
    p = en_paragraphs
    today = _batch(["\n\n".join(p[:-1])], ids=["en-1"], published=[1_600_000_000.0])
    out1 = match(today, config=CFG)
    assert out1[0].is_canonical
    # Tomorrow: a longer version in another language (its pivot shingles mostly shared).
    tomorrow_text = "\n\n".join(p)
    tomorrow = _batch([tomorrow_text], ids=["fr-1"], langs=["fr"], published=[1_500_000_000.0])
    out2 = match(tomorrow, _history((today, out1)), config=CFG)
    _check_invariants(tomorrow, out2, _history((today, out1)))
    # It keeps the cluster's id and becomes its canonical (longer); the history is unchanged.
    assert out2[0] == Assignment("en-1", False, "en-1", out2[0].similarity, "cross_lingual", True)
    assert out2[0].similarity is not None and out2[0].similarity >= 0.5
    after = _history((today, out1), (tomorrow, out2))
    assert after.cluster_ids == ["en-1", "en-1"] and after.is_canonical.tolist() == [False, True]
    # Without the canonical's length the history canonical is never replaced.
    blind = _history((today, out1))
    blind.lengths = None
    assert not match(tomorrow, blind, config=CFG)[0].elected


def test_member_of_history_cluster_copied_joins_that_cluster(en_paragraphs: list[str]) -> None:
    p = en_paragraphs
    a_text, b_text = "\n\n".join(p), "\n\n".join(p[:-1])
    day1 = _batch([a_text, b_text], ids=["a", "b"])
    out1 = match(day1, config=CFG)
    assert out1[1].duplicate_of == "a"
    # Day 2: an exact copy of the canonical and an exact copy of the member, in French metadata.
    day2 = _batch([a_text, b_text], ids=["a2", "b2"], langs=["en", "fr"])
    out2 = match(day2, _history((day1, out1)), config=CFG)
    assert out2[0] == Assignment("a", False, "a", 1.0, "exact")
    # a copy of a member names that member, as an exact duplicate (it was labelled by the
    # canonical it was not a copy of: cross_lingual, at the member's similarity)
    assert out2[1] == Assignment("a", False, "b", 1.0, "exact")


def test_exact_duplicates_within_a_batch(en_paragraphs: list[str]) -> None:
    text = "\n\n".join(en_paragraphs[:3])
    batch = _batch([text, text, text], ids=["z", "y", "x"], published=[3.0, 1.0, 2.0])
    out = match(batch, config=CFG)
    _check_invariants(batch, out)
    # Same length: the earliest published wins.
    assert out[1].is_canonical
    assert out[0] == out[2] == Assignment("y", False, "y", 1.0, "exact")


def test_empty_documents_match_only_exactly() -> None:
    batch = _batch(["", "", "  "], ids=["e1", "e2", "e3"])
    assert (batch.signatures == MAX_HASH).all()
    stats = MatchStats()
    out = match(batch, config=CFG, stats=stats)
    assert out[0].is_canonical and out[1].dup_kind == "exact" and out[2].is_canonical
    assert stats.candidate_pairs == 0


def test_canonical_rule_order() -> None:
    nan = math.nan
    lengths = np.array([100, 200, 200, 200, 200])
    published = np.array([5.0, nan, 9.0, 3.0, 3.0])
    ids = ["e", "d", "c", "b", "a"]
    order = priority_order(lengths, published, ids).tolist()
    # Longest first; among equals earliest published, then smallest id; unknown date last.
    assert order == [4, 3, 2, 1, 0]
    assert priority_order(np.array([]), np.array([]), []).size == 0


def test_cross_lingual_threshold_applies_only_across_languages(en_paragraphs: list[str]) -> None:
    sets, _ = _windows(en_paragraphs)
    pair = [sets[0], sets[1]]  # J = 0.5
    cfg = MatchConfig(threshold=0.7, cross_lingual_threshold=0.35, num_perm=NUM_PERM)
    same = match(_batch(["A", "C"], ["A", "C"], ["en", "en"], hash_sets=pair), config=cfg)
    assert same[1].is_canonical
    cross = match(_batch(["A", "C"], ["A", "C"], ["en", "de"], hash_sets=pair), config=cfg)
    assert cross[1].duplicate_of == "A" and cross[1].dup_kind == "cross_lingual"
    assert cfg.lsh_params() == MatchConfig(threshold=0.35, num_perm=NUM_PERM).lsh_params()


def test_containment_verification_catches_a_condensed_version(en_paragraphs: list[str]) -> None:
    p = en_paragraphs
    full, condensed = "\n\n".join(p), "\n\n".join(p[: max(2, len(p) // 3)])
    batch = _batch([full, condensed], ids=["full", "short"])
    jac = match(batch, config=CFG)
    assert jac[1].is_canonical  # Jaccard ~ 1/3: rejected
    cfg = MatchConfig(threshold=0.7, num_perm=NUM_PERM, verify="containment", lsh_threshold=0.2)
    con = match(batch, config=cfg)
    assert con[1].duplicate_of == "full" and con[1].similarity >= 0.7
    batch.n_features = None
    with pytest.raises(ValueError, match="n_features"):
        match(batch, config=cfg)


def test_invalid_inputs_are_refused(en_paragraphs: list[str]) -> None:
    batch = _batch(["\n\n".join(en_paragraphs)], ids=["a"])
    out = match(batch, config=CFG)
    hist = _history((batch, out))
    with pytest.raises(ValueError, match="already in the history"):
        match(batch, hist, config=CFG)
    bad = _history((batch, out))
    bad.is_canonical = np.array([False])
    with pytest.raises(ValueError, match="no canonical"):
        match(_batch(["x"], ids=["b"]), bad, config=CFG)
    with pytest.raises(ValueError, match="not unique"):
        match(_batch(["x", "y"], ids=["b", "b"]), config=CFG)
    with pytest.raises(ValueError, match="signatures"):
        match(batch, config=MatchConfig(num_perm=256))
    with pytest.raises(ValueError):
        MatchConfig(threshold=0.0)
    with pytest.raises(ValueError):
        MatchConfig(bands=10)
    assert match(_batch([]), config=CFG) == []


class _DictBandStore:
    """A plain-dict BandStore, as a shared (e.g. Redis) backend would implement it."""

    def __init__(self) -> None:
        self.buckets: dict[tuple[int, int], set[str]] = {}

    def add(self, ids: list[str], keys: np.ndarray) -> None:
        for doc_id, row in zip(ids, keys.tolist(), strict=True):
            for band, key in enumerate(row):
                self.buckets.setdefault((band, key), set()).add(doc_id)

    def query(self, keys: np.ndarray) -> list[set[str]]:
        return [
            set().union(*(self.buckets.get((b, k), set()) for b, k in enumerate(row)))
            for row in keys.tolist()
        ]


def test_any_band_store_gives_the_same_clusters() -> None:
    docs = _wmt_docs("newstest2013-src.en.sgm")[:30]
    texts, ids = [], []
    for docid, paras in docs:
        texts.append("\n\n".join(" ".join(s) for s in paras))
        texts.append("\n\n".join(" ".join(s) for s in paras[1:]) + ".")
        ids += [f"{docid}#a", f"{docid}#b"]
    day1 = _batch(texts[::2], ids[::2])
    out1 = match(day1, config=CFG)
    day2 = _batch(texts[1::2], ids[1::2])
    hist = _history((day1, out1))
    default = match(day2, hist, config=CFG)
    other = match(day2, hist, config=CFG, index_factory=_DictBandStore)
    assert default == other
    # Each copy without its first paragraph joins its full version's cluster.
    assert [a.cluster_id for a in default] == [i.replace("#b", "#a") for i in ids[1::2]]


def test_history_with_batch_appends_without_mutating(en_paragraphs: list[str]) -> None:
    batch = _batch(["\n\n".join(en_paragraphs), "\n\n".join(en_paragraphs[:-1])], ids=["a", "b"])
    out = match(batch, config=CFG)
    empty = History.empty(NUM_PERM)
    h = empty.with_batch(batch, out)
    assert len(empty) == 0 and len(h) == 2
    assert h.cluster_ids == ["a", "a"] and h.is_canonical.tolist() == [True, False]
    assert h.signatures.shape == (2, NUM_PERM) and h.n_features is not None
    batch.n_features = None
    assert h.with_batch(batch, out).n_features is None  # unknown sizes are not invented
    with pytest.raises(ValueError):
        h.with_batch(batch, out[:1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_invariants_on_random_runs_with_history(seed: int) -> None:
    """Two runs over families of overlapping sets: every guarantee of `match`, re-checked
    from the outputs alone (one canonical per cluster, history untouched, every duplicate
    at or above the threshold against its canonical, recomputed from the signatures)."""
    rng = np.random.default_rng(seed)
    universe = rng.choice(2**32, size=5000, replace=False).astype(np.uint32)
    sets: list[np.ndarray] = []
    for _ in range(40):  # 40 stories, 1-5 versions each, versions overlap 30-90 %
        base = rng.choice(universe, size=int(rng.integers(50, 300)), replace=False)
        for _ in range(int(rng.integers(1, 6))):
            keep = base[rng.random(base.size) < rng.uniform(0.3, 0.95)]
            extra = rng.choice(universe, size=int(rng.integers(0, 40)), replace=False)
            sets.append(np.union1d(keep, extra))
    order = rng.permutation(len(sets))
    sets = [sets[i] for i in order]
    n = len(sets)
    texts = [
        f"t{int(rng.integers(0, n // 2))}" if rng.random() < 0.1 else f"u{i}" for i in range(n)
    ]
    langs = [str(x) for x in rng.choice(["en", "fr", "de"], size=n)]
    published = [float(x) for x in rng.integers(0, 1000, size=n)]
    batch = _batch(texts, [f"d{i:03d}" for i in range(n)], langs, published, hash_sets=sets)
    batch.lengths = np.array([s.size * 7 for s in sets])
    cfg = MatchConfig(threshold=0.45, cross_lingual_threshold=0.35, num_perm=NUM_PERM)
    half = n // 2

    def part(lo: int, hi: int) -> DocBatch:
        return DocBatch(
            batch.doc_ids[lo:hi],
            batch.langs[lo:hi],
            batch.signatures[lo:hi],
            batch.text_hashes[lo:hi],
            batch.lengths[lo:hi],
            batch.published_at[lo:hi],
            batch.n_features[lo:hi] if batch.n_features is not None else None,
        )

    day1 = part(0, half)
    out1 = match(day1, config=cfg)
    hist = _history((day1, out1))
    day2 = part(half, n)
    out2 = match(day2, hist, config=cfg)
    _check_invariants(day1, out1)
    _check_invariants(day2, out2, hist)

    everything = hist.with_batch(day2, out2)
    row = {d: k for k, d in enumerate(everything.doc_ids)}
    shared_text = {h for h in everything.text_hashes if everything.text_hashes.count(h) > 1}
    # History rows keep their cluster, or follow it into the cluster it merged into.
    assert everything.cluster_ids[:half] == [out2.merged.get(a.cluster_id, a.cluster_id) for a in out1]
    assert not set(out2.merged.values()) & set(out2.merged)  # a survivor is never absorbed
    for k, a in enumerate(out1 + out2):
        if a.is_canonical:
            continue
        canon = row[a.duplicate_of]  # the canonical it was verified against
        assert everything.cluster_ids[canon] == out2.merged.get(a.cluster_id, a.cluster_id)
        sim = float(np.mean(everything.signatures[k] == everything.signatures[canon]))
        if everything.text_hashes[k] == everything.text_hashes[canon]:
            assert a.dup_kind == "exact" and a.similarity == 1.0
            continue
        assert a.similarity == pytest.approx(sim)
        same = everything.langs[k] == everything.langs[canon]
        assert a.dup_kind == ("near" if same else "cross_lingual")
        if everything.text_hashes[k] not in shared_text:  # exact copies follow their twin
            assert sim >= (cfg.threshold if same else cfg.xl_threshold)
    assert sum(not a.is_canonical for a in out1 + out2) > 20  # the families did cluster


def _reference_match(
    new: DocBatch, hist: History, cfg: MatchConfig
) -> tuple[Matched, int, int]:
    """A direct, unoptimised transcription of `match`'s documented rules (brute-force
    candidates: every pair sharing a band key), with its candidate and verified counts."""
    bands, rows = cfg.lsh_params()
    m, n = len(hist), len(new)
    sig = np.concatenate([hist.signatures, new.signatures])
    ids, langs = hist.doc_ids + new.doc_ids, hist.langs + new.langs
    hashes = hist.text_hashes + new.text_hashes
    assert hist.n_features is not None and new.n_features is not None
    sizes = np.concatenate([hist.n_features, new.n_features]).astype(float)
    keys = band_keys(sig, bands, rows)
    nonempty = ~np.all(sig == MAX_HASH, axis=1)

    def sim(a: int, b: int) -> float:
        if cfg.verify == "jaccard":
            return float(np.count_nonzero(sig[a] == sig[b]) / sig.shape[1])
        return float(containment_estimate(sig[a], sig[b], sizes[a], sizes[b]))

    cluster = {p: hist.cluster_ids[p] for p in range(m)}
    canon = {hist.cluster_ids[p]: p for p in range(m) if hist.is_canonical[p]}
    inf = float("inf")
    assert hist.lengths is not None or m == 0
    lengths = np.concatenate([hist.lengths if m else [], new.lengths])
    pub = np.concatenate([hist.published_at if m else [], new.published_at])

    def key(p: int) -> tuple[float, float, str]:  # the canonical rule: smaller is better
        return (-lengths[p], inf if math.isnan(pub[p]) else pub[p], ids[p])

    def join(pos: int, cid: str) -> None:
        cluster[pos] = cid
        if key(pos) < key(canon[cid]):
            canon[cid] = pos
    first: dict[str, int] = {}
    for p in sorted(canon.values()):
        first.setdefault(hashes[p], p)
    for p in range(m):
        first.setdefault(hashes[p], p)
    n_candidates = n_verified = 0
    links: set[tuple[str, str]] = set()  # (cluster joined, another cluster passed), by a document
    out: dict[int, Assignment] = {}
    order = sorted(
        range(n),
        key=lambda i: (-new.lengths[i], inf if math.isnan(new.published_at[i]) else new.published_at[i], new.doc_ids[i]),
    )
    for i in range(n):
        pos = m + i
        if nonempty[pos]:
            share = np.any(keys == keys[pos], axis=1) & nonempty
            share[pos] = False
            rank = {j: r for r, j in enumerate(order)}  # a new candidate counts if placed earlier
            n_candidates += sum(1 for p in np.flatnonzero(share).tolist() if p < m or rank[p - m] < rank[i])
    for i in order:
        pos = m + i
        if hashes[pos] in first:  # an exact copy names the document whose text it has
            holder = first[hashes[pos]]
            cid = cluster[holder]
            join(pos, cid)
            out[i] = Assignment(cid, False, ids[holder], 1.0, "exact")
            continue
        first[hashes[pos]] = pos
        proposed: set[str] = set()
        if nonempty[pos]:
            share = np.flatnonzero(np.any(keys == keys[pos], axis=1) & nonempty)
            proposed = {cluster[p] for p in share.tolist() if p != pos and p in cluster}
        n_verified += len(proposed)
        best: tuple[float, str, str] | None = None  # (similarity, canonical id, cluster)
        passing = set()
        for cid in proposed:
            c = canon[cid]
            s = sim(pos, c)
            need = cfg.threshold if langs[pos] == langs[c] else cfg.xl_threshold
            if s >= need:
                passing.add(cid)
            if s >= need and (best is None or s > best[0] or (s == best[0] and ids[c] < best[1])):
                best = (s, ids[c], cid)
        if best is not None:  # the other clusters it passes: links, for the merges
            links |= {(best[2], cid) for cid in passing if cid != best[2]}
        if best is None:
            cluster[pos] = ids[pos]
            canon[ids[pos]] = pos
            out[i] = Assignment(ids[pos], True)
            continue
        c = canon[best[2]]
        join(pos, best[2])
        exact = hashes[pos] == hashes[c]
        kind = "exact" if exact else "near" if langs[pos] == langs[c] else "cross_lingual"
        out[i] = Assignment(best[2], False, ids[c], best[0], kind)  # type: ignore[arg-type]
    merged: dict[str, str] = {}
    if cfg.merge_clusters:  # two clusters a document links merge when their canonicals verify
        root = {cid: cid for cid in canon}
        partner: dict[str, tuple[int, float]] = {}

        def find(cid: str) -> str:
            while root[cid] != cid:
                cid = root[cid]
            return cid

        failed: set[tuple[int, int]] = set()  # canonical pairs that do not verify
        while True:  # one merge at a time: the linked pair whose better canonical ranks first
            pairs = {tuple(sorted((find(a), find(b)), key=lambda c: key(canon[c]))) for a, b in links}
            open_pairs = [p for p in pairs if p[0] != p[1] and (canon[p[0]], canon[p[1]]) not in failed]
            if not open_pairs:
                break
            hi, lo = min(open_pairs, key=lambda p: (key(canon[p[0]]), key(canon[p[1]])))
            s = sim(canon[lo], canon[hi])
            if s >= (cfg.threshold if langs[canon[lo]] == langs[canon[hi]] else cfg.xl_threshold):
                root[lo] = hi
                partner[lo] = (canon[hi], s)
            else:
                failed.add((canon[hi], canon[lo]))
        in_history = set(hist.cluster_ids)
        name: dict[str, str] = {}
        for cid in canon:
            group = [c for c in canon if find(c) == find(cid)]
            old = sorted((c for c in group if c in in_history), key=lambda c: key(canon[c]))
            name[cid] = old[0] if old else find(cid)
            if cid in in_history and name[cid] != cid:
                merged[cid] = name[cid]
        for i, a in list(out.items()):
            group_id = name[cluster[m + i]]
            if a.is_canonical and group_id != ids[m + i]:
                mine = cluster[m + i]  # absorbed: its survivor's canonical; the survivor: the
                # canonical of the curated cluster whose id it took, verified when it merged
                c, s = partner[mine] if find(mine) != mine else (canon[group_id], partner[group_id][1])
                exact = hashes[m + i] == hashes[c]
                kind = "exact" if exact else "near" if langs[m + i] == langs[c] else "cross_lingual"
                out[i] = Assignment(group_id, False, ids[c], s, kind)  # type: ignore[arg-type]
            a = out[i]
            a.cluster_id = group_id
            a.elected = canon[find(cluster[m + i])] == m + i
        return Matched([out[i] for i in range(n)], merged), n_candidates, n_verified
    for i, a in out.items():
        a.elected = canon[a.cluster_id] == m + i
    return Matched([out[i] for i in range(n)]), n_candidates, n_verified


@pytest.mark.parametrize(
    "cfg",
    [
        # Thresholds on the 1/128 grid of the estimates: pairs exactly at them occur.
        # The reference pairs every member of a bucket: no cap (the cap has its own test).
        MatchConfig(threshold=0.5, cross_lingual_threshold=0.3125, num_perm=NUM_PERM, max_per_bucket=None),
        MatchConfig(threshold=0.375, cross_lingual_threshold=0.125, num_perm=NUM_PERM, max_per_bucket=None),
        MatchConfig(
            threshold=0.6, cross_lingual_threshold=0.4, num_perm=NUM_PERM,
            verify="containment", lsh_threshold=0.25, max_per_bucket=None,
        ),
    ],
    ids=["jaccard", "low-threshold", "containment"],
)
def test_match_equals_a_reference_implementation(cfg: MatchConfig) -> None:
    """The optimised matcher (streamed history, chunked band keys, verification vectorised
    over candidate pairs) gives exactly the assignments and counters of a brute-force
    transcription of the rules, on a randomized batch against a history of several runs,
    with exact copies, empty documents, three languages and ties, with either index;
    the clusters merged after placement, and the history clusters they absorb, too."""
    rng = np.random.default_rng(7)
    universe = rng.choice(2**32, size=3000, replace=False).astype(np.uint32)
    families = [rng.choice(universe, size=int(rng.integers(20, 200)), replace=False) for _ in range(60)]
    sets = []
    for _ in range(330):
        base = families[int(rng.integers(0, len(families)))]
        keep = base[rng.random(base.size) < rng.uniform(0.2, 0.95)]
        s = np.union1d(keep, rng.choice(universe, size=int(rng.integers(0, 60)), replace=False))
        sets.append(s[:0] if rng.random() < 0.03 else s)
    n_all = len(sets)
    texts = [f"t{int(rng.integers(0, 40))}" if rng.random() < 0.1 else f"u{i}" for i in range(n_all)]
    ids = [f"d{int(k):04d}" for k in rng.permutation(n_all)]
    langs = [str(x) for x in rng.choice(["en", "fr", "de"], size=n_all)]
    published = [math.nan if rng.random() < 0.2 else float(rng.integers(0, 30)) for _ in range(n_all)]
    everything = _batch(texts, ids, langs, published, hash_sets=sets)
    everything.lengths = rng.integers(10, 30, n_all)  # many equal lengths: the tie rules matter

    def part(lo: int, hi: int) -> DocBatch:
        b = everything
        assert b.n_features is not None
        return DocBatch(b.doc_ids[lo:hi], b.langs[lo:hi], b.signatures[lo:hi], b.text_hashes[lo:hi],
                        b.lengths[lo:hi], b.published_at[lo:hi], b.n_features[lo:hi])

    hist = History.empty(NUM_PERM)
    for lo, hi in ((0, 120), (120, 210)):  # a history of two earlier runs
        day = part(lo, hi)
        out, _, _ = _reference_match(day, hist, cfg)
        got = match(day, hist, cfg)
        assert got == out and got.merged == out.merged
        hist = hist.with_batch(day, out)
    today = part(210, n_all)
    expected, n_candidates, n_verified = _reference_match(today, hist, cfg)
    assert sum(not a.is_canonical for a in expected) > 20  # the families did cluster
    assert any(a.dup_kind == "exact" for a in expected)
    bands, _ = cfg.lsh_params()

    def shared_index() -> BandIndex:  # an index already holding documents of another run
        index = BandIndex()
        index.add(["elsewhere-1", "elsewhere-2"], rng.integers(0, 2**63, (2, bands)).astype(np.uint64))
        return index

    for factory in (BandIndex, _DictBandStore, shared_index):
        stats = MatchStats()
        got = match(today, hist, cfg, index_factory=factory, stats=stats)
        assert got == expected and got.merged == expected.merged
        assert (stats.candidate_pairs, stats.verified_pairs) == (n_candidates, n_verified)
        assert stats.merged >= len(expected.merged) > 0  # history clusters merged, too


def test_bucket_cap_bounds_the_candidates_and_keeps_the_clusters() -> None:
    """1,200 versions of 3 stories (every pair of a story shares many bands): without a cap
    each document is paired with all earlier versions of its story (quadratic); with
    ``max_per_bucket`` it is paired with at most ``bands x cap`` of them, the highest
    priority ones, and the clusters are the same."""
    rng = np.random.default_rng(3)
    universe = rng.choice(2**32, size=5000, replace=False).astype(np.uint32)
    stories = [rng.choice(universe, size=150, replace=False) for _ in range(3)]
    sets = [np.union1d(stories[i % 3][rng.random(150) < 0.9], rng.choice(universe, 5)) for i in range(1200)]
    batch = _batch([f"text {i}" for i in range(1200)], ids=[f"v{i:04d}" for i in range(1200)], hash_sets=sets)
    runs = {}
    for cap in (None, 2):
        cfg = MatchConfig(threshold=0.5, num_perm=NUM_PERM, max_per_bucket=cap)
        stats = MatchStats()
        runs[cap] = match(batch, None, cfg, stats=stats), stats
        _check_invariants(batch, runs[cap][0])
    (free, free_stats), (capped, capped_stats) = runs[None], runs[2]
    bands, _ = MatchConfig(threshold=0.5, num_perm=NUM_PERM).lsh_params()
    assert free_stats.candidate_pairs > 200_000  # ~ 400 x 400 / 2 per story
    assert capped_stats.candidate_pairs <= 1200 * bands * 2
    assert capped_stats.candidate_pairs < free_stats.candidate_pairs / 10
    assert {a.cluster_id for a in capped} == {a.cluster_id for a in free} and len({a.cluster_id for a in free}) == 3
    assert [a.cluster_id for a in capped] == [a.cluster_id for a in free]


def test_warm_up_compiles_the_placement_loop_that_match_uses() -> None:
    """`warm_up` must compile the specialisation a real `match` call uses, or the flow's
    warm-up thread saves nothing."""
    from cleaners.dedup.placement import place

    warm_up()
    compiled = len(place.signatures)
    assert compiled >= 1
    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 50, (30, 256)).astype(np.uint32)
    sigs[10:20] = sigs[:10]
    batch = DocBatch([f"d{i:02d}" for i in range(30)], ["en"] * 15 + ["de"] * 15, sigs,
                     [f"h{i}" for i in range(30)], np.arange(30, dtype=np.int64), np.full(30, np.nan),
                     np.full(30, 40, dtype=np.int64))
    out = match(batch, None, MatchConfig())
    assert len(place.signatures) == compiled
    assert sum(a.is_canonical for a in out) == 20


def test_agency_copies_of_a_wire_story_are_near_duplicates() -> None:
    """Two outlets running the same wire story with light edits (their own headline and
    dateline, a sentence cut, a few words changed, their own footer) share most sentences:
    with the real fingerprint and the tuned thresholds each copy is a ``near`` duplicate of the
    other outlet's version, and different stories of the same day stay apart."""
    from cleaners.dedup import TUNED_MATCH, fingerprint_batch

    docs = _wmt_docs("newstest2013-src.en.sgm")[:30]
    rng = np.random.default_rng(3)
    swaps = {" said ": " stated ", " says ": " stated ", " the government ": " the authorities ",
             " on Monday": " this week", " percent": "%", " also ": " "}
    texts, ids, story = [], [], []
    for docid, paras in docs:
        sentences = [s for p in paras for s in p]
        for outlet in ("wire-a", "wire-b"):
            kept = [s for k, s in enumerate(sentences) if k == 0 or rng.random() > 0.1]
            body = " ".join(kept)
            for old, new in list(swaps.items())[: int(rng.integers(2, len(swaps)))]:
                body = body.replace(old, new)
            texts.append(f"{outlet.upper()} headline: {sentences[0][:60]}\n"
                         f"LONDON ({outlet}) - {body}\n(c) 2013 {outlet}, all rights reserved.")
            ids.append(f"{outlet}-{docid}")
            story.append(docid)
    fp = fingerprint_batch(texts, lang_hints=["en"] * len(texts))
    batch = DocBatch(ids, fp.langs, fp.signatures, fp.text_hashes,
                     np.array([len(t) for t in texts]), np.full(len(texts), np.nan), fp.shingle_counts)
    out = match(batch, config=TUNED_MATCH)
    _check_invariants(batch, out)
    by_story: dict[str, set[str]] = {}
    for s, a in zip(story, out, strict=True):
        by_story.setdefault(s, set()).add(a.cluster_id)
    assert all(len(c) == 1 for c in by_story.values()), "a wire copy missed the other outlet's version"
    assert len({a.cluster_id for a in out}) == len(docs), "different stories merged"
    assert {a.dup_kind for a in out if not a.is_canonical} == {"near"}
    assert min(a.similarity for a in out if not a.is_canonical) >= TUNED_MATCH.threshold


def test_a_batch_whose_links_outgrow_their_first_buffer_is_placed_as_with_room(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """40 founders and 8 later documents that pass most of them: the placement loop runs out
    of room for the links (the other clusters each document passes) and resumes with a
    larger buffer. The assignments and the merges are those of a run with room from the
    start (a resumed document is looked at afresh, none of its clusters skipped)."""
    import cleaners.dedup.placement as placement

    rng = np.random.default_rng(0)
    base = rng.integers(0, 2**31, NUM_PERM, dtype=np.uint32)
    sigs, ids, lengths = [], [], []
    for j in range(40):  # founders: 0.53-0.69 with the base, about 0.5 with each other
        s = base.copy()
        idx = rng.choice(NUM_PERM, 40 + (j + 1) // 2, replace=False)
        s[idx] = rng.integers(0, 2**31, idx.size, dtype=np.uint32)
        sigs.append(s), ids.append(f"F{j:02d}"), lengths.append(1000 - j)
    for x in range(8):  # shorter, so placed after the founders
        s = base.copy()
        idx = rng.choice(NUM_PERM, 3 + x, replace=False)
        s[idx] = rng.integers(0, 2**31, idx.size, dtype=np.uint32)
        sigs.append(s), ids.append(f"X{x}"), lengths.append(100 - x)
    batch = DocBatch(ids, ["en"] * 48, np.stack(sigs), [f"h{i}" for i in range(48)],
                     np.array(lengths), np.full(48, np.nan))
    cfg = MatchConfig(num_perm=NUM_PERM, max_per_bucket=None)
    grows = []
    real = placement.place

    def counting(*args: object) -> int:
        k = real(*args)
        grows.append(k == placement.GROW)
        return k

    monkeypatch.setattr(placement, "place", counting)
    resumed = match(batch, config=cfg)
    assert any(grows), "the buffer did not fill: the case is not exercised"
    grows.clear()
    monkeypatch.setattr(placement, "LINKS_ROOM", 100_000)
    roomy = match(batch, config=cfg)
    assert not any(grows)
    assert resumed == roomy and resumed.merged == roomy.merged
    assert sum(not a.is_canonical for a in resumed[40:]) >= 6


@pytest.mark.timeout(30)
def test_thousands_of_clusters_merged_into_one_cost_their_own_members() -> None:
    """The evidence between the groups being merged (`merge._Evidence`) copied the survivor's
    list at each merge and counted its rows again at each check: 40,000 clusters merged one by
    one into one took 79 s, quadratic (2026-12-07); 80,000 here, in order, with their rows."""
    from cleaners.dedup.merge import _Evidence

    class NoSides:
        m = 0

    n = 80_000
    a, b = np.zeros(n - 1, np.int64), np.arange(1, n, dtype=np.int64)  # cluster 0 links each
    links = np.zeros((n - 1, 4), np.int64)
    links[:, 3] = 1  # every linking document passes
    root = np.arange(n, dtype=np.int64)
    evidence = _Evidence(NoSides(), links, a, b, root, judge=lambda i, j: True, prefetch=None)
    for c in range(1, n):
        assert evidence.passes(0, c)
        evidence.merged(0, c)
        root[c] = 0
    assert evidence.groups == {0: list(range(n))}
    assert evidence._rows(0) == 2 * (n - 1)  # each row is filed at both of its clusters
