#!/usr/bin/env python3
"""Do translations still find their original when the history grows to a million documents?

The English side of a WMT set (``../shared/eval/wmt``, loaders of ``benchmarks/crosslingual.py``)
is fingerprinted for real (`fingerprint_batch`, embedded backend) and hidden at random
positions among ``N`` synthetic history documents (N = 2k, 100k, 1M by default: ``--sizes``);
then a batch of its translations (fr/de/es), plus ``--extra-new`` synthetic new documents (the
rest of a day's news, which fills the buckets among new documents), is matched against that
history with `TUNED_MATCH`.

Synthetic documents are signatures only (1 KB each): bags of English content words drawn from
a Zipf-like distribution, the words' document frequencies in every WMT set after translation
and common-word dropping (so the synthetic documents share the real documents' frequent words
and the popular LSH buckets really fill), plus a Zipf tail of 200,000 rare words (names,
numbers), with the real documents' bag sizes and languages en/fr/de/es. Their candidate rate
with the real translations (about 4 %) is close to that of unrelated WMT pairs (3-9 %).

For each size and selection (``--modes``: ``old``, the candidate selection of commit
`BASELINE_COMMIT` (per history row and band, the ``max_per_bucket`` new documents of highest
priority; every history row of a bucket); ``new``, the current `cleaners.dedup.candidates`;
``bands``, the current one ranking history candidates by shared bands instead of equal slots):
translations found (joined their original's cluster), translations in a wrong cluster,
candidate pairs, match seconds and peak RSS of `match` above its inputs (each run in a fresh
process, numba warmed up), then the ratios to ``old``.

Run: ``.venv/bin/python benchmarks/scale_recall.py [--sizes 2000 100000 1000000]
[--set newstest2013] [--extra-new 2000] [--modes old new bands] [--work DIR]``.
The 1M history takes about 2 minutes to generate (2 cores) and 1 GB per process.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

#: The commit whose `cleaners/dedup/candidates.py` is the ``old`` selection.
BASELINE_COMMIT = "6132e25"
LANGS = ("en", "fr", "de", "es")
TAIL_WORDS = 200_000
TAIL_SHARE = 0.3  # tail word draws per real-vocabulary draw
GEN_ROWS = 50_000


# --------------------------------------------------------------------------- corpus


def _vocabulary() -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(words, weights, bag sizes)``: the shingles of every WMT document (all sets, all
    languages, as `fingerprint_batch` makes them) by document frequency, and the bag sizes."""
    import crosslingual as xl

    from cleaners.dedup import DEFAULT_FINGERPRINT
    from cleaners.dedup.fingerprint import document_shingles
    from flows.backends import get_translator

    translator = get_translator("embedded")
    df: collections.Counter[str] = collections.Counter()
    sizes = []
    for files in xl.wmt_sets(xl.WMT).values():
        docs = xl.load_set(files)
        for bag in document_shingles([d.text for d in docs], [d.lang for d in docs],
                                     DEFAULT_FINGERPRINT, translator):
            df.update(bag)
            sizes.append(len(bag))
    words = sorted(df, key=lambda w: (-df[w], w))
    return words, np.array([df[w] for w in words], float), np.array([s for s in sizes if s])


def _word_table(words: list[str]) -> np.ndarray:
    """``(words + tail, num_perm)``: the MinHash slot values of each word alone (a document's
    signature is the slot-wise minimum over its words: the same values `fingerprint_batch`
    computes)."""
    import xxhash

    from cleaners.dedup import DEFAULT_FINGERPRINT
    from cleaners.dedup.minhash import minhash_signatures

    h = xxhash.xxh3_64_intdigest
    names = words + [f"tail-word-{i}" for i in range(TAIL_WORDS)]
    hashes = [np.array([h(w.encode("utf-8"), 0)], np.uint64) for w in names]
    return minhash_signatures(hashes, DEFAULT_FINGERPRINT.num_perm, DEFAULT_FINGERPRINT.seed)


def _min_kernel():
    import numba

    @numba.njit(parallel=True, cache=True)
    def signatures(table, words, starts, out):
        for d in numba.prange(out.shape[0]):
            row = out[d]
            row[:] = 0xFFFFFFFF
            for k in range(starts[d], starts[d + 1]):
                t = table[words[k]]
                for j in range(row.size):
                    if t[j] < row[j]:
                        row[j] = t[j]

    return signatures


def synthetic_signatures(n: int, seed: int, vocab: tuple[list[str], np.ndarray, np.ndarray],
                         table: np.ndarray) -> np.ndarray:
    """``(n, num_perm)`` uint32 signatures of random bags of words (see the module doc)."""
    _, weights, sizes = vocab
    tail = 1.0 / np.arange(1, TAIL_WORDS + 1) ** 1.05
    tail *= weights.sum() * TAIL_SHARE / tail.sum()
    cdf = np.cumsum(np.concatenate([weights, tail]))
    cdf /= cdf[-1]
    rng = np.random.default_rng(seed)
    kernel = _min_kernel()
    out = np.empty((n, table.shape[1]), np.uint32)
    for lo in range(0, n, GEN_ROWS):
        hi = min(n, lo + GEN_ROWS)
        bag = rng.choice(sizes, hi - lo)
        starts = np.zeros(hi - lo + 1, np.int64)
        np.cumsum(bag, out=starts[1:])
        toks = np.searchsorted(cdf, rng.random(int(starts[-1]))).astype(np.int32)
        kernel(table, toks, starts, out[lo:hi])
    return out


def prepare(work: Path, sizes: list[int], wmt_set: str, extra_new: int) -> None:
    """Write the real fingerprints and the synthetic signatures the runs load."""
    import crosslingual as xl

    from cleaners.dedup import fingerprint_batch
    from flows.backends import get_translator

    files = xl.wmt_sets(xl.WMT).get(wmt_set)
    if not files:
        raise SystemExit(f"no {wmt_set} in {xl.WMT}")
    docs = xl.load_set(files)
    fp = fingerprint_batch([d.text for d in docs], langs=[d.lang for d in docs],
                           translator=get_translator("embedded"))
    np.savez(work / "real.npz", sig=fp.signatures, lang=np.array([d.lang for d in docs]),
             docid=np.array([d.docid for d in docs]), length=np.array([len(d.text) for d in docs]))
    vocab = _vocabulary()
    table = _word_table(vocab[0])
    need = max(sizes)
    t0 = time.perf_counter()
    np.save(work / "history.npy", synthetic_signatures(need, 1, vocab, table))
    np.save(work / "extra.npy", synthetic_signatures(extra_new, 2, vocab, table))
    print(f"# {need:,} synthetic history signatures in {time.perf_counter() - t0:.0f} s", flush=True)


# --------------------------------------------------------------------------- one run (child process)


def _baseline_module() -> types.ModuleType:
    """`cleaners.dedup.candidates` as of `BASELINE_COMMIT`."""
    src = subprocess.run(["git", "show", f"{BASELINE_COMMIT}:cleaners/dedup/candidates.py"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    mod = types.ModuleType("candidates_baseline")
    exec(compile(src, "candidates_baseline.py", "exec"), mod.__dict__)
    return mod


def _band_scores(rows: int):
    """A `pair_scores` that counts shared bands (``rows`` equal slots in a row) instead."""
    import numba

    from cleaners.dedup import candidates

    @numba.njit(nogil=True, cache=True)
    def shared_bands(hist_sigs, c, new_sigs, q, score):
        for k in range(c.size):
            a = hist_sigs[c[k]]
            b = new_sigs[q[k]]
            count = 0
            for j in range(0, (a.size // rows) * rows, rows):
                same = True
                for t in range(rows):
                    same = same and a[j + t] == b[j + t]
                count += same
            score[k] = count

    slots = candidates.pair_scores

    def scores(hist_sigs, c, new_sigs, q):
        _, tie = slots(hist_sigs, c, new_sigs, q)
        score = np.empty(c.size, np.int16)
        if c.size:
            shared_bands(hist_sigs, c, new_sigs, q, score)
        return score, tie

    return scores


def child(mode: str, size: int, work: Path) -> dict:
    import dataclasses

    import psutil

    from cleaners.dedup import (
        TUNED_MATCH,
        DocBatch,
        History,
        MatchStats,
        candidates,
        match,
        matcher,
        warm_up,
    )

    config = dataclasses.replace(TUNED_MATCH)
    real = np.load(work / "real.npz")
    en = np.flatnonzero(real["lang"] == "en")
    tx = np.flatnonzero(real["lang"] != "en")
    synth = np.load(work / "history.npy", mmap_mode="r")[:size]
    extra = np.load(work / "extra.npy")
    rng = np.random.default_rng(0)
    m = size + en.size
    at = np.zeros(m, bool)
    at[rng.choice(m, en.size, replace=False)] = True
    sig = np.empty((m, synth.shape[1]), np.uint32)
    sig[at] = real["sig"][en]
    sig[~at] = synth
    del synth
    ids = [f"h{i:07d}" for i in range(m)]
    for p, i in zip(np.flatnonzero(at).tolist(), en.tolist(), strict=True):
        ids[p] = f"en:{real['docid'][i]}"
    langs = [LANGS[i % 4] for i in range(m)]
    for p in np.flatnonzero(at).tolist():
        langs[p] = "en"
    hist = History(ids, langs, sig, [f"t{i}" for i in range(m)], ids, np.ones(m, bool))
    n_x = extra.shape[0]
    lengths = np.concatenate([real["length"][tx], rng.choice(real["length"], n_x)])
    batch = DocBatch(
        [f"{real['lang'][i]}:{real['docid'][i]}" for i in tx] + [f"x{i}" for i in range(n_x)],
        [str(real["lang"][i]) for i in tx] + [LANGS[i % 4] for i in range(n_x)],
        np.concatenate([real["sig"][tx], extra]), [f"u{i}" for i in range(tx.size + n_x)],
        lengths, np.full(tx.size + n_x, np.nan))
    warm_up()
    candidates.warm_up(config.num_perm)
    if mode == "old":
        matcher.candidate_pairs = _baseline_module().candidate_pairs
    elif mode == "bands":
        candidates.pair_scores = _band_scores(config.lsh_params()[1])
        candidates.pair_scores(sig[:2], np.array([0, 1]), sig[:2], np.array([1, 0]))
    proc = psutil.Process()
    before = proc.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], proc.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stats = MatchStats()
    t0 = time.perf_counter()
    out = match(batch, hist, config, stats=stats)
    sec = time.perf_counter() - t0
    done.set()
    sampler.join()
    origin = [f"en:{real['docid'][i]}" for i in tx]
    found = sum(a.cluster_id == o for a, o in zip(out, origin, strict=False))
    wrong = sum(not a.is_canonical and a.cluster_id != o for a, o in zip(out, origin, strict=False))
    return {"mode": mode, "size": size, "translations": int(tx.size), "found": found,
            "wrong": wrong, "pairs": stats.candidate_pairs, "verified": stats.verified_pairs,
            "sec": sec, "peak_mib": (max(peak[0], proc.memory_info().rss) - before) / 2**20}


# --------------------------------------------------------------------------- report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2_000, 100_000, 1_000_000])
    ap.add_argument("--modes", nargs="+", default=["old", "new"], choices=["old", "new", "bands"])
    ap.add_argument("--set", default="newstest2013", help="WMT set whose translations are matched")
    ap.add_argument("--extra-new", type=int, default=2000,
                    help="synthetic new documents matched with the translations")
    ap.add_argument("--work", type=Path, default=None, help="folder for the signatures (default: temp)")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "SIZE", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), Path(args.child[2]))))
        return 0
    import crosslingual as xl

    if not xl.WMT.is_dir():
        print(f"no WMT data at {xl.WMT}: nothing to measure", file=sys.stderr)
        return 1
    work = args.work or Path(tempfile.mkdtemp(prefix="scale-recall-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        prepare(work, args.sizes, args.set, args.extra_new)
        rows = []
        for size in args.sizes:
            for mode in args.modes:
                out = subprocess.run([sys.executable, __file__, "--child", mode, str(size), str(work)],
                                     capture_output=True, text=True, cwd=ROOT)
                if out.returncode:
                    print(out.stderr, file=sys.stderr)
                    return out.returncode
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
                r = rows[-1]
                print(f"# {mode} {size:,}: found {r['found']}/{r['translations']} in {r['sec']:.1f} s",
                      flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.set}: translations (fr/de/es) + {args.extra_new:,} synthetic new documents "
          f"against history = {args.set} en + N synthetic\n")
    print("| history N | selection | found | wrong cluster | candidate pairs | verified pairs "
          "| match s | peak MiB | pairs / old | s / old | MiB / old |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        base = next((b for b in rows if b["size"] == r["size"] and b["mode"] == "old"), None)

        def ratio(key: str, r: dict = r, base: dict | None = base) -> str:
            return f"{r[key] / base[key]:.2f}" if base and base[key] else "-"

        print(f"| {r['size']:,} | {r['mode']} | {r['found']}/{r['translations']} | {r['wrong']} "
              f"| {r['pairs']:,} | {r['verified']:,} | {r['sec']:.2f} | {r['peak_mib']:,.0f} "
              f"| {ratio('pairs')} | {ratio('sec')} | {ratio('peak_mib')} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
