#!/usr/bin/env python3
"""Cross-lingual duplicate detection quality on the WMT document-aligned news sets.

For each WMT set in ``../shared/eval/wmt/`` every document in every language goes into one
`fingerprint_batch` + `cleaners.dedup.matcher.match` run (languages detected, no hints), and the
resulting ``cluster_id`` is compared with the true ``docid``: pairwise precision, recall,
F1 and the adjusted Rand index, overall and per language pair. Variants:

- ``full``: every language version of every document, as shipped;
- ``condensed``: each non-English version keeps a random 60% of its sentences (order kept),
  like the French seed article, a shortened translation;
- ``distractor``: one language version of each document only (languages dealt round-robin
  in a seeded shuffle), so every document is a different story: no cluster may form.

Targets (issue 5): F1 >= 0.98 on full, >= 0.95 on condensed, precision >= 0.99,
zero clusters in the distractor run.

Columns ``cand unrel`` and ``cand true``: the share of unrelated document pairs (different
``docid``, any languages) and of true pairs (same ``docid``, different languages) that share
at least one LSH band, i.e. become candidates: the cost of matching (close to
``new x history`` when ``cand unrel`` is high) and the recall ceiling of a single pair.

Run: ``.venv/bin/python benchmarks/crosslingual.py [--sets newstest2013 ...] [--backend embedded]``
``--baseline`` measures the configuration before issue 5/7's follow-up (no common words
dropped, cross-lingual threshold 0.12, LSH at the verification threshold: 37 x 1);
``--drop-common``, ``--xl-threshold``, ``--lsh-threshold``, ``--num-perm``, ``--bands-rows``
override one value.
``--analyse`` also prints the exact (not MinHash) similarity of true pairs and of the most
similar false pair, per language pair: the margins the thresholds are chosen from.
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import itertools
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.dedup import (  # noqa: E402
    DEFAULT_FINGERPRINT,
    TUNED_MATCH,
    DocBatch,
    FingerprintConfig,
    Fingerprints,
    MatchConfig,
    fingerprint_batch,
    match,
)
from cleaners.dedup.lsh import band_keys  # noqa: E402
from flows.backends import get_translator  # noqa: E402

WMT = ROOT.parent / "shared" / "eval" / "wmt"
_DOC = re.compile(r'<doc\s[^>]*?docid="([^"]+)"[^>]*>(.*?)</doc>', re.S)
_SEG = re.compile(r"<seg[^>]*>(.*?)</seg>", re.S)
_FILE = re.compile(r"^(?P<set>.+?)-(?:[a-z]{4}-)?(?:src|ref)\.(?P<lang>[a-z]{2})\.sgm$")


@dataclass
class Doc:
    """One language version of one WMT document."""

    docid: str
    lang: str
    sentences: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.sentences)


def wmt_sets(folder: Path = WMT) -> dict[str, dict[str, Path]]:
    """``{set name: {lang: file}}`` for the SGM files in ``folder``."""
    out: dict[str, dict[str, Path]] = defaultdict(dict)
    for p in sorted(folder.glob("*.sgm")):
        m = _FILE.match(p.name)
        if m:
            out[m["set"]][m["lang"]] = p
    return dict(out)


def load_set(files: dict[str, Path]) -> list[Doc]:
    """Every document of every language file of one set (SGM parsed with a regex: the
    files are not strict XML)."""
    docs = []
    for lang, path in sorted(files.items()):
        raw = path.read_text("utf-8")
        for docid, body in _DOC.findall(raw):
            sents = [html.unescape(s).strip() for s in _SEG.findall(body)]
            docs.append(Doc(docid, lang, [s for s in sents if s]))
    return docs


def condensed(docs: Sequence[Doc], keep: float = 0.6, seed: int = 0) -> list[Doc]:
    """Non-English versions keep a random ``keep`` share of their sentences, in order."""
    rng = random.Random(seed)
    out = []
    for d in docs:
        if d.lang == "en" or len(d.sentences) < 2:
            out.append(d)
            continue
        k = max(1, round(keep * len(d.sentences)))
        idx = sorted(rng.sample(range(len(d.sentences)), k))
        out.append(Doc(d.docid, d.lang, [d.sentences[i] for i in idx]))
    return out


def distractor(docs: Sequence[Doc], seed: int = 0) -> list[Doc]:
    """One language version per document, languages dealt round-robin over a shuffle."""
    by_id: dict[str, dict[str, Doc]] = defaultdict(dict)
    for d in docs:
        by_id[d.docid][d.lang] = d
    ids = sorted(by_id)
    random.Random(seed).shuffle(ids)
    langs = sorted({d.lang for d in docs})
    return [by_id[i].get(langs[k % len(langs)], next(iter(by_id[i].values()))) for k, i in enumerate(ids)]


def run(
    docs: Sequence[Doc],
    fp_config: FingerprintConfig = DEFAULT_FINGERPRINT,
    match_config: MatchConfig = TUNED_MATCH,
    backend: str | None = None,
) -> tuple[list[str], list[str], dict[str, float], Fingerprints]:
    """Cluster ids, detected languages, timings and fingerprints of ``docs`` after one
    fingerprint + match run."""
    texts = [d.text for d in docs]
    translator = get_translator(backend or fp_config.backend)
    t0 = time.perf_counter()
    fp = fingerprint_batch(texts, config=fp_config, translator=translator)
    t1 = time.perf_counter()
    batch = DocBatch(
        doc_ids=[f"{d.lang}:{d.docid}" for d in docs],
        langs=fp.langs,
        signatures=fp.signatures,
        text_hashes=fp.text_hashes,
        lengths=np.array([len(t) for t in texts]),
        published_at=np.full(len(texts), np.nan),
        n_features=fp.shingle_counts,
    )
    assignments = match(batch, None, match_config)
    t2 = time.perf_counter()
    timing = {"fingerprint_s": t1 - t0, "match_s": t2 - t1}
    return [a.cluster_id for a in assignments], fp.langs, timing, fp


def candidate_rates(
    signatures: np.ndarray, docids: Sequence[str], langs: Sequence[str], bands: int, rows: int
) -> tuple[float, float]:
    """``(unrelated, true)``: the share of unordered pairs with different ``docids`` (any
    languages), and of pairs with the same docid in different languages, that share at least
    one LSH band of ``bands x rows`` (candidates). Documents without shingles (all-max
    signature) are left out, as `match` never proposes them. Dense ``n x n``: for benchmark
    sizes only."""
    keys = band_keys(np.asarray(signatures, np.uint32), bands, rows)
    ok = ~(np.asarray(signatures) == np.iinfo(np.uint32).max).all(axis=1)
    n = len(docids)
    cand = np.zeros((n, n), bool)
    for k in range(bands):
        col = keys[:, k]
        cand |= col[:, None] == col[None, :]
    ids = np.asarray(docids)
    lg = np.asarray(langs)
    same = ids[:, None] == ids[None, :]
    iu = np.triu_indices(n, 1)
    valid = (ok[:, None] & ok[None, :])[iu]
    c, sm = cand[iu][valid], same[iu][valid]
    xl = (lg[:, None] != lg[None, :])[iu][valid]
    unrel = float(c[~sm].mean()) if (~sm).any() else float("nan")
    true = float(c[sm & xl].mean()) if (sm & xl).any() else float("nan")
    return unrel, true


def _comb2(x: np.ndarray | float) -> np.ndarray | float:
    return x * (x - 1) / 2


def ari(truth: Sequence[str], pred: Sequence[str]) -> float:
    """Adjusted Rand index of two labelings (1 = identical partitions)."""
    cont = Counter(zip(truth, pred, strict=True))
    a = Counter(truth)
    b = Counter(pred)
    n = len(truth)
    index = sum(_comb2(v) for v in cont.values())
    sa = sum(_comb2(v) for v in a.values())
    sb = sum(_comb2(v) for v in b.values())
    expected = sa * sb / _comb2(n) if n > 1 else 0.0
    maximum = (sa + sb) / 2
    if maximum == expected:
        return 1.0
    return float((index - expected) / (maximum - expected))


def pair_scores(docs: Sequence[Doc], pred: Sequence[str]) -> dict[tuple[str, str], list[int]]:
    """``{(lang_a, lang_b): [tp, fp, fn]}`` over all unordered document pairs, plus
    ``("all", "all")``."""
    out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for i, j in itertools.combinations(range(len(docs)), 2):
        same_true = docs[i].docid == docs[j].docid
        same_pred = pred[i] == pred[j]
        if not (same_true or same_pred):
            continue
        key = tuple(sorted((docs[i].lang, docs[j].lang)))
        slot = 0 if same_true and same_pred else (1 if same_pred else 2)
        out[key][slot] += 1  # type: ignore[index]
        out[("all", "all")][slot] += 1
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 (1.0 where the denominator is empty)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(docs: Sequence[Doc], pred: Sequence[str]) -> dict[str, object]:
    """Overall and per-pair scores, ARI, number of multi-document clusters."""
    scores = pair_scores(docs, pred)
    clusters = Counter(pred)
    return {
        "pairs": {k: prf(*v) + tuple(v) for k, v in scores.items()},
        "ari": ari([d.docid for d in docs], pred),
        "clusters": sum(1 for c in clusters.values() if c > 1),
    }


def analyse(docs: Sequence[Doc], fp_config: FingerprintConfig, backend: str | None) -> None:
    """Exact Jaccard and containment of the translated shingle sets: true pairs vs the most
    similar false pair, per language pair."""
    from cleaners.dedup.fingerprint import document_shingles

    sets = document_shingles([d.text for d in docs], [d.lang for d in docs], fp_config,
                             get_translator(backend or fp_config.backend))
    stats: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for i, j in itertools.combinations(range(len(docs)), 2):
        a, b = sets[i], sets[j]
        if not a or not b:
            continue
        inter = len(a & b)
        jac = inter / len(a | b)
        con = inter / min(len(a), len(b))
        key = tuple(sorted((docs[i].lang, docs[j].lang)))
        kind = "pos" if docs[i].docid == docs[j].docid else "neg"
        stats[key][f"{kind}_j"].append(jac)  # type: ignore[index]
        stats[key][f"{kind}_c"].append(con)  # type: ignore[index]
    print(f"{'pair':8} {'pos J p1/p5/p50':>20} {'neg J max/p99.9':>16} {'pos C p1/p5/p50':>20} {'neg C max/p99.9':>16}")
    for key in sorted(stats):
        s = {k: np.array(v) for k, v in stats[key].items()}

        def q(x: np.ndarray, ps: Sequence[float]) -> str:
            return "/".join(f"{np.percentile(x, p):.2f}" for p in ps) if x.size else "-"

        print(
            f"{'-'.join(key):8} {q(s.get('pos_j', np.array([])), (1, 5, 50)):>20} "
            f"{q(s['neg_j'], (100, 99.9)):>16} {q(s.get('pos_c', np.array([])), (1, 5, 50)):>20} "
            f"{q(s['neg_c'], (100, 99.9)):>16}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wmt", type=Path, default=WMT)
    ap.add_argument("--sets", nargs="*", default=None)
    ap.add_argument("--variants", nargs="*", default=["full", "condensed", "distractor"])
    ap.add_argument("--backend", default=None)
    ap.add_argument("--per-pair", action="store_true", help="print every language pair")
    ap.add_argument("--analyse", action="store_true")
    ap.add_argument("--baseline", action="store_true", help="the configuration before this tuning")
    ap.add_argument("--drop-common", type=int, default=None)
    ap.add_argument("--num-perm", type=int, default=None)
    ap.add_argument("--xl-threshold", type=float, default=None)
    ap.add_argument("--lsh-threshold", type=float, default=None, help="0: the verification threshold")
    ap.add_argument(
        "--bands-rows", type=int, nargs=2, default=None, metavar=("B", "R"),
        help="fixed LSH layout (256 1: nearly all pairs are candidates, to measure verification)",
    )
    args = ap.parse_args(argv)
    if not args.wmt.is_dir():
        print(f"no WMT data at {args.wmt}: nothing to measure", file=sys.stderr)
        return 1
    sets = wmt_sets(args.wmt)
    names = args.sets or sorted(sets)
    fp_config = DEFAULT_FINGERPRINT
    mc = TUNED_MATCH
    if args.baseline:
        fp_config = dataclasses.replace(fp_config, drop_common=0)
        mc = dataclasses.replace(mc, cross_lingual_threshold=0.12, lsh_threshold=None)
    if args.drop_common is not None:
        fp_config = dataclasses.replace(fp_config, drop_common=args.drop_common)
    if args.num_perm is not None:
        fp_config = dataclasses.replace(fp_config, num_perm=args.num_perm)
    if args.xl_threshold is not None:
        mc = dataclasses.replace(mc, cross_lingual_threshold=args.xl_threshold)
    if args.lsh_threshold is not None:
        mc = dataclasses.replace(mc, lsh_threshold=args.lsh_threshold or None)
    mc = dataclasses.replace(mc, num_perm=fp_config.num_perm)
    if args.bands_rows is not None:
        mc = dataclasses.replace(mc, bands=args.bands_rows[0], rows=args.bands_rows[1])
    print(
        f"backend={args.backend or fp_config.backend} num_perm={fp_config.num_perm} "
        f"ngram={fp_config.ngram} drop_common={fp_config.drop_common} threshold={mc.threshold} xl_threshold={mc.xl_threshold} "
        f"verify={mc.verify} bands,rows={mc.lsh_params()}"
    )
    header = f"{'set':22} {'variant':11} {'pair':7} {'docs':>5} {'P':>6} {'R':>6} {'F1':>6} {'ARI':>6} {'clusters':>8} {'fp s':>6} {'cand unrel':>10} {'cand true':>9}"
    print(header)
    print("-" * len(header))
    for name in names:
        base = load_set(sets[name])
        for variant in args.variants:
            docs = {"full": base, "condensed": condensed(base), "distractor": distractor(base)}[variant]
            if args.analyse:
                print(f"# {name} {variant}")
                analyse(docs, fp_config, args.backend)
            pred, langs, timing, fp = run(docs, fp_config, mc, args.backend)
            unrel, true = candidate_rates(
                fp.signatures, [d.docid for d in docs], langs, *mc.lsh_params()
            )
            wrong_lang = sum(1 for d, lg in zip(docs, langs, strict=True) if d.lang != lg)
            ev = evaluate(docs, pred)
            pairs: dict = ev["pairs"]  # type: ignore[assignment]
            rows = [("all", "all")] + (sorted(k for k in pairs if k != ("all", "all")) if args.per_pair else [])
            for key in rows:
                p, r, f, *_ = pairs.get(key, (1.0, 1.0, 1.0, 0, 0, 0))
                label = "all" if key == ("all", "all") else "-".join(key)
                extra = (
                    f"{ev['ari']:6.3f} {ev['clusters']:8d} {timing['fingerprint_s']:6.2f}"
                    f" {unrel:10.4f} {true:9.3f}"
                    if key == ("all", "all")
                    else ""
                )
                print(f"{name:22} {variant:11} {label:7} {len(docs):5d} {p:6.3f} {r:6.3f} {f:6.3f} {extra}")
            if wrong_lang:
                print(f"{'':22} {variant:11} langid wrong on {wrong_lang} of {len(docs)} documents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
