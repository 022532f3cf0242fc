"""MinHash throughput: cleaners.dedup.minhash (vectorised over the batch) vs datasketch, same shingles.

Run:  .venv/bin/python benchmarks/minhash.py [--docs N] [--repeat R]

Documents are real news: every document of the WMT newstest sets in ../shared/eval/wmt
(en, fr, de, es), shingled into word 3-grams hashed to 32 bits with xxh32; the corpus is
cycled to reach --docs documents. Without the evaluation data, synthetic sets with the same
size distribution as the seeds are used (and the table says so).

Every method gets the same 32-bit hash values. datasketch is given ``hashfunc=int`` (the
identity on those values), so its signatures must equal ours bit for bit: the ``equal``
column checks every row. A last datasketch row hashes the shingle bytes with its default
``sha1_hash32`` (what a plain ``MinHash.bulk`` user pays; a different hash function, so no
equality check).

Second table: memory of the history index (what a run keeps per curated document).

Third table: `cleaners.dedup.matcher.match` of a batch of new documents against a history, for
several LSH thresholds. Synthetic signatures: every document is a set of 150-400 token ids
drawn from a Zipf(1.0) vocabulary of 50,000 words, so unrelated documents share common
words as real same-topic news do (median pair Jaccard about 0.07, heavier than the real
fingerprint's after stop-word removal); a tenth of the new documents are edited copies of
history documents (their true duplicates).

Fourth table: what `match` itself allocates per history document (tracemalloc peak during
the call, NumPy arrays included, above the inputs), with the flow's tuned config, random
signatures (no candidates: the fixed cost of holding a history), 32-hex-char ids.
`benchmarks/pipeline.py --matcher` measures the same as process RSS, inputs included.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xxhash
from datasketch import MinHash

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.dedup import DocBatch, History, MatchConfig, MatchStats, match  # noqa: E402
from cleaners.dedup.lsh import BandIndex, band_keys, optimal_bands_rows  # noqa: E402
from cleaners.dedup.minhash import minhash_signatures  # noqa: E402

WMT = ROOT.parent / "shared" / "eval" / "wmt"


def load_corpus(n_docs: int) -> tuple[list[list[bytes]], str]:
    """Shingle lists (bytes) of n_docs documents and a description of the source."""
    docs: list[list[bytes]] = []
    files = sorted(WMT.glob("*.sgm")) if WMT.is_dir() else []
    for path in files:
        raw = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<doc [^>]*>(.*?)</doc>", raw, re.S):
            text = " ".join(re.findall(r"<seg[^>]*>(.*?)</seg>", m[1], re.S))
            w = re.findall(r"\w+", text.lower())
            grams = {" ".join(w[i : i + 3]) for i in range(max(0, len(w) - 2))}
            if grams:
                docs.append([g.encode() for g in sorted(grams)])
    if docs:
        source = f"WMT newstest/newsdiscuss, {len(docs)} real documents"
    else:
        rng = np.random.default_rng(0)
        for k in rng.integers(200, 900, size=500):
            docs.append([f"s{rng.integers(1 << 40)}".encode() for _ in range(int(k))])
        source = "SYNTHETIC (../shared/eval absent): 500 random sets of 200-900 shingles"
    reps = -(-n_docs // len(docs))
    return (docs * reps)[:n_docs], source


def best_time(fn: Callable[..., object], repeat: int, *args: object) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, out


def ds_bulk(hash_lists: list[list[int]], num_perm: int, scheme: str) -> np.ndarray:
    ms = MinHash.bulk(hash_lists, num_perm=num_perm, scheme=scheme, hashfunc=int)
    return np.array([m.hashvalues for m in ms])


def ds_update_batch(hash_lists: list[list[int]], num_perm: int, scheme: str) -> np.ndarray:
    out = []
    for h in hash_lists:
        m = MinHash(num_perm=num_perm, scheme=scheme, hashfunc=int)
        m.update_batch(h)
        out.append(m.hashvalues)
    return np.array(out)


def ours(hash_sets: list[np.ndarray], num_perm: int, scheme: str) -> np.ndarray:
    return minhash_signatures(hash_sets, num_perm=num_perm, scheme=scheme)  # type: ignore[arg-type]


def minhash_table(shingles: list[list[bytes]], repeat: int) -> None:
    hash_sets = [
        np.fromiter((xxhash.xxh32_intdigest(s) for s in doc), dtype=np.uint32, count=len(doc))
        for doc in shingles
    ]
    as_lists = [h.tolist() for h in hash_sets]
    n = len(hash_sets)
    total = sum(len(h) for h in hash_sets)
    print(f"{n} documents, {total} shingles ({total / n:.0f} per document), best of {repeat}\n")
    print("| num_perm | scheme | method | seconds | signatures/s | vs bulk | equal |")
    print("|---:|---|---|---:|---:|---:|---|")
    for num_perm in (128, 256):
        for scheme in ("affine32", "legacy"):
            t_ours, sig = best_time(ours, repeat, hash_sets, num_perm, scheme)
            t_bulk, ref = best_time(ds_bulk, repeat, as_lists, num_perm, scheme)
            t_upd, ref2 = best_time(ds_update_batch, repeat, as_lists, num_perm, scheme)
            ours64 = np.asarray(sig).astype(np.uint64)
            eq_bulk = bool((ours64 == np.asarray(ref).astype(np.uint64)).all())
            eq_upd = bool((ours64 == np.asarray(ref2).astype(np.uint64)).all())
            rows = [
                ("cleaners.dedup.minhash (vectorised)", t_ours, f"{t_bulk / t_ours:.1f}x", "-"),
                ("datasketch MinHash.bulk", t_bulk, "1.0x", str(eq_bulk)),
                ("datasketch MinHash.update_batch", t_upd, f"{t_bulk / t_upd:.1f}x", str(eq_upd)),
            ]
            for name, t, rel, eq in rows:
                print(f"| {num_perm} | {scheme} | {name} | {t:.3f} | {n / t:,.0f} | {rel} | {eq} |")
        t_sha, _ = best_time(lambda p: MinHash.bulk(shingles, num_perm=p), repeat, num_perm)
        print(
            f"| {num_perm} | affine32 | datasketch MinHash.bulk, default sha1 on bytes "
            f"| {t_sha:.3f} | {n / t_sha:,.0f} | n/a | n/a (other hash) |"
        )


def memory_table(n_docs: int) -> None:
    print(f"\nHistory index memory, {n_docs} documents (random signatures, ids like a doc_id)\n")
    print(
        "| threshold | num_perm | bands x rows | key arrays B/doc | with ids B/doc "
        "| signatures B/doc | add+build s | query all s |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    for threshold, num_perm in ((0.5, 128), (0.3, 256), (0.5, 256), (0.7, 256)):
        sig = rng.integers(0, 2**32, size=(n_docs, num_perm), dtype=np.uint64).astype(np.uint32)
        bands, rows = optimal_bands_rows(threshold, num_perm)
        keys = band_keys(sig, bands, rows)
        ids = [f"{i:016x}{i:016x}"[:32] for i in range(n_docs)]  # 32-char ids
        tracemalloc.start()
        t0 = time.perf_counter()
        index = BandIndex()
        index.add(ids, keys)
        index.query(keys[:1])  # forces the sort
        t_build = time.perf_counter() - t0
        current, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        t0 = time.perf_counter()
        index.query_positions(keys)
        t_query = time.perf_counter() - t0
        # tracemalloc does not see the id strings created before start(): add them.
        with_ids = current + sum(sys.getsizeof(s) for s in ids)
        print(
            f"| {threshold} | {num_perm} | {bands} x {rows} | {index.nbytes() / n_docs:.0f} "
            f"| {with_ids / n_docs:.0f} | {sig.nbytes / n_docs:.0f} | {t_build:.3f} "
            f"| {t_query:.3f} |"
        )


def zipf_sets(n: int, rng: np.random.Generator, vocab: int = 50_000) -> list[np.ndarray]:
    """n sets of 150-400 distinct token hashes drawn from a Zipf(1.0) vocabulary."""
    cdf = np.cumsum(1.0 / np.arange(1, vocab + 1))
    cdf /= cdf[-1]
    sizes = rng.integers(150, 400, size=n)
    draws = np.searchsorted(cdf, rng.random(int(sizes.sum())))
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    mult = np.uint32(2654435761)
    return [np.unique(draws[a:b]).astype(np.uint32) * mult for a, b in itertools.pairwise(bounds)]


def match_table(n_new: int, n_hist: int, num_perm: int = 256) -> None:
    rng = np.random.default_rng(1)
    hist_sets = zipf_sets(n_hist, rng)
    new_sets = zipf_sets(n_new, rng)
    n_dup = n_new // 10
    for i in range(n_dup):  # edited copies: drop a fifth of the tokens of a history document
        src = hist_sets[i]
        new_sets[i] = src[rng.random(src.size) > 0.2]
    sig_h = minhash_signatures(hist_sets, num_perm)
    sig_n = minhash_signatures(new_sets, num_perm)
    hist = History(
        doc_ids=[f"h{i}" for i in range(n_hist)],
        langs=["en"] * n_hist,
        signatures=sig_h,
        text_hashes=[f"th{i}" for i in range(n_hist)],
        cluster_ids=[f"h{i}" for i in range(n_hist)],
        is_canonical=np.ones(n_hist, dtype=bool),
        n_features=np.array([s.size for s in hist_sets]),
    )
    new = DocBatch(
        doc_ids=[f"n{i}" for i in range(n_new)],
        langs=["fr"] * n_new,
        signatures=sig_n,
        text_hashes=[f"tn{i}" for i in range(n_new)],
        lengths=np.array([s.size for s in new_sets]),
        published_at=np.full(n_new, np.nan),
        n_features=np.array([s.size for s in new_sets]),
    )
    print(
        f"\nmatch(): {n_new} new (cross-lingual; {n_dup} true duplicates) vs {n_hist} history, "
        f"num_perm {num_perm}, synthetic Zipf documents\n"
    )
    print(
        "| config | bands x rows | seconds | candidate pairs | verified | duplicates found "
        "| true found | false |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    configs = {
        "threshold 0.5": MatchConfig(threshold=0.5, num_perm=num_perm),
        "xl 0.3": MatchConfig(threshold=0.5, cross_lingual_threshold=0.3, num_perm=num_perm),
        "xl 0.3, containment, lsh 0.15": MatchConfig(
            threshold=0.5,
            cross_lingual_threshold=0.3,
            num_perm=num_perm,
            verify="containment",
            lsh_threshold=0.15,
        ),
    }
    for name, cfg in configs.items():
        stats = MatchStats()
        t0 = time.perf_counter()
        out = match(new, hist, cfg, stats=stats)
        dt = time.perf_counter() - t0
        dups = [i for i, a in enumerate(out) if not a.is_canonical]
        true = sum(1 for i in dups if i < n_dup and out[i].cluster_id == f"h{i}")
        b, r = cfg.lsh_params()
        print(
            f"| {name} | {b} x {r} | {dt:.2f} | {stats.candidate_pairs:,} "
            f"| {stats.verified_pairs:,} | {len(dups)} | {true} | {len(dups) - true} |"
        )


def matcher_memory_table(sizes: list[int], n_new: int = 2000) -> None:
    from cleaners.dedup import TUNED_MATCH

    cfg = TUNED_MATCH
    bands, rows = cfg.lsh_params()
    print(
        f"\nmatch() allocations: history of N random documents + {n_new} new, "
        f"num_perm {cfg.num_perm}, {bands} x {rows} bands (TUNED_MATCH)\n"
    )
    print("| history docs | inputs B/doc | match peak MiB | match peak B/doc | seconds |")
    print("|---:|---:|---:|---:|---:|")
    points = []
    for m in sizes:
        rng = np.random.default_rng(0)
        hid = [xxhash.xxh3_128_hexdigest(f"h{i}".encode()) for i in range(m)]
        hist = History(
            doc_ids=hid,
            langs=[("en", "fr", "de", "es")[i % 4] for i in range(m)],
            signatures=rng.integers(0, 2**32, (m, cfg.num_perm), dtype=np.uint32),
            text_hashes=[xxhash.xxh3_128_hexdigest(f"t{i}".encode()) for i in range(m)],
            cluster_ids=list(hid),
            is_canonical=np.ones(m, bool),
            n_features=rng.integers(50, 400, m).astype(np.int64),
        )
        new = DocBatch(
            doc_ids=[xxhash.xxh3_128_hexdigest(f"n{i}".encode()) for i in range(n_new)],
            langs=["en"] * n_new,
            signatures=rng.integers(0, 2**32, (n_new, cfg.num_perm), dtype=np.uint32),
            text_hashes=[xxhash.xxh3_128_hexdigest(f"u{i}".encode()) for i in range(n_new)],
            lengths=rng.integers(500, 5000, n_new),
            published_at=np.full(n_new, np.nan),
            n_features=rng.integers(50, 400, n_new).astype(np.int64),
        )
        inputs = (
            hist.signatures.nbytes
            + sum(sys.getsizeof(x) + 8 for x in hid)
            + sum(sys.getsizeof(x) + 8 for x in hist.text_hashes)
            + 16 * m  # langs and cluster_ids list slots (strings shared)
            + hist.is_canonical.nbytes
            + (hist.n_features.nbytes if hist.n_features is not None else 0)
        )
        tracemalloc.start()
        t0 = time.perf_counter()
        match(new, hist, cfg)
        dt = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        points.append((m, peak))
        print(f"| {m:,} | {inputs / m:,.0f} | {peak / 2**20:,.1f} | {peak / m:,.0f} | {dt:.2f} |")
    if len(points) >= 2:
        (m1, p1), (m2, p2) = points[0], points[-1]
        print(f"\nMarginal: {(p2 - p1) / (m2 - m1):,.0f} B per history document above the inputs.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--index-docs", type=int, default=100_000)
    ap.add_argument("--match-new", type=int, default=1000)
    ap.add_argument("--match-history", type=int, default=20_000)
    ap.add_argument("--matcher-history", type=int, nargs="*", default=[20_000, 100_000],
                    help="history sizes of the match() allocation table (none: skip it)")
    args = ap.parse_args()
    shingles, source = load_corpus(args.docs)
    print(f"MinHash throughput. Corpus: {source}")
    minhash_table(shingles, args.repeat)
    if args.index_docs > 0:  # --index-docs 0 skips the memory table
        memory_table(args.index_docs)
    if args.match_new > 0:  # --match-new 0 skips the match table
        match_table(args.match_new, args.match_history)
    if args.matcher_history:
        matcher_memory_table(args.matcher_history)


if __name__ == "__main__":
    main()
