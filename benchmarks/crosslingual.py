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
from collections.abc import Iterable, Iterator, Sequence
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
    History,
    MatchConfig,
    MatchStats,
    fingerprint_batch,
    match,
)
from cleaners.dedup.align import SentenceSketch, sentence_sketches  # noqa: E402
from cleaners.dedup.fingerprint import WordMemo  # noqa: E402
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
    second_signal: bool = True,
) -> tuple[list[str], list[str], dict[str, float], Fingerprints]:
    """Cluster ids, detected languages, timings and fingerprints of ``docs`` after one
    fingerprint + match run (with the sentence sketches the flow gives `match`, unless
    ``second_signal`` is False)."""
    texts = [d.text for d in docs]
    translator = get_translator(backend or fp_config.backend)
    memo = WordMemo()
    t0 = time.perf_counter()
    fp = fingerprint_batch(texts, config=fp_config, translator=translator, memo=memo)
    t1 = time.perf_counter()
    ids = [f"{d.lang}:{d.docid}" for d in docs]
    position = {doc_id: k for k, doc_id in enumerate(ids)}

    def sketches(wanted: Sequence[str]) -> list[SentenceSketch | None]:
        rows = [position[w] for w in wanted]
        return list(sentence_sketches([texts[r] for r in rows], [fp.langs[r] for r in rows],
                                      fp_config, translator, memo))
    batch = DocBatch(
        doc_ids=ids,
        langs=fp.langs,
        signatures=fp.signatures,
        text_hashes=fp.text_hashes,
        lengths=np.array([len(t) for t in texts]),
        published_at=np.full(len(texts), np.nan),
        n_features=fp.shingle_counts,
    )
    stats = MatchStats()
    assignments = match(batch, None, match_config, stats=stats,
                        sketches=sketches if second_signal else None)
    t2 = time.perf_counter()
    timing_extra = {"second_signal_pairs": stats.second_signal_pairs,
                    "second_signal_refused": stats.second_signal_refused}
    timing = {"fingerprint_s": t1 - t0, "match_s": t2 - t1, **timing_extra}
    return [a.cluster_id for a in assignments], fp.langs, timing, fp


def hard_negatives(docs: Sequence[Doc], fp: Fingerprints, top: int) -> list[tuple[int, int]]:
    """The ``top`` cross-lingual pairs of *different* documents with the highest MinHash
    similarity (same-day stories on one topic, the hardest negatives of the set)."""
    sig = fp.signatures
    pairs = []
    for i, j in itertools.combinations(range(len(docs)), 2):
        if docs[i].docid != docs[j].docid and fp.langs[i] != fp.langs[j]:
            pairs.append((float(np.mean(sig[i] == sig[j])), i, j))
    pairs.sort(reverse=True)
    return [(i, j) for _, i, j in pairs[:top]]


def hard_negative_merges(
    docs: Sequence[Doc], top: int, match_config: MatchConfig, second_signal: bool
) -> tuple[int, int, int, float]:
    """``(pairs, pairs merged, false pairs in one run of all their documents, highest J)``:
    each of the ``top`` hardest negative pairs matched alone, then all their documents
    together (groups of stories on one topic)."""
    _, _, _, fp = run(docs, DEFAULT_FINGERPRINT, match_config, None, second_signal)
    pairs = hard_negatives(docs, fp, top)
    merged = 0
    for i, j in pairs:
        pred, _, _, _ = run([docs[i], docs[j]], DEFAULT_FINGERPRINT, match_config, None, second_signal)
        merged += pred[0] == pred[1]
    group = sorted({k for pair in pairs for k in pair})
    pred, _, _, _ = run([docs[k] for k in group], DEFAULT_FINGERPRINT, match_config, None, second_signal)
    _, false_pairs, _ = pair_scores([docs[k] for k in group], pred)[("all", "all")]
    best = float(np.mean(fp.signatures[pairs[0][0]] == fp.signatures[pairs[0][1]])) if pairs else 0.0
    return len(pairs), merged, false_pairs, best


class SplitRuns:
    """The documents of a set fingerprinted once (and their sentence sketches), to be matched
    in one run or cut into runs in some order, each run against the history of the earlier
    ones (`History.with_batch`, what the flow keeps)."""

    def __init__(self, docs: Sequence[Doc], match_config: MatchConfig) -> None:
        self.texts = [d.text for d in docs]
        self.config = match_config
        translator, memo = get_translator(DEFAULT_FINGERPRINT.backend), WordMemo()
        self.fp = fingerprint_batch(self.texts, translator=translator, memo=memo)
        self.ids = [f"{d.lang}:{d.docid}:{k}" for k, d in enumerate(docs)]
        self.sketched = dict(zip(self.ids, sentence_sketches(self.texts, self.fp.langs, DEFAULT_FINGERPRINT,
                                                             translator, memo), strict=True))

    def _source(self, wanted: Sequence[str]) -> list[SentenceSketch | None]:
        return [self.sketched[w] for w in wanted]

    def _take(self, rows: Sequence[int]) -> DocBatch:
        r, fp = list(rows), self.fp
        return DocBatch([self.ids[k] for k in r], [fp.langs[k] for k in r], fp.signatures[r],
                        [fp.text_hashes[k] for k in r], np.array([len(self.texts[k]) for k in r]),
                        np.full(len(r), np.nan), fp.shingle_counts[r])

    def clusters(self, order: Sequence[int], cuts: Sequence[int] = ()) -> dict[frozenset[str], str]:
        """``{members: canonical}`` after matching the documents in ``order``, cut into runs
        before each index of ``cuts`` (none: one run)."""
        h = History.empty(DEFAULT_FINGERPRINT.num_perm)
        h.lengths, h.published_at = np.empty(0), np.empty(0)
        for lo, hi in itertools.pairwise([0, *sorted(cuts), len(order)]):
            batch = self._take(order[lo:hi])
            h = h.with_batch(batch, match(batch, h, self.config, sketches=self._source))
        members: dict[str, set[str]] = defaultdict(set)
        canon: dict[str, str] = {}
        for d, c, flag in zip(h.doc_ids, h.cluster_ids, h.is_canonical, strict=True):
            members[c].add(d)
            if flag:
                canon[c] = d
        return {frozenset(m): canon[c] for c, m in members.items()}


def random_splits(n: int, seeds: Iterable[int]) -> Iterator[tuple[list[int], list[int]]]:
    """For each seed, a random order of ``range(n)`` and 1-30 random places to cut it into runs."""
    for seed in seeds:
        rng = random.Random(seed)
        order = list(range(n))
        rng.shuffle(order)
        yield order, rng.sample(range(1, n), rng.randint(1, 30))


def split_agreement(docs: Sequence[Doc], splits: int, match_config: MatchConfig) -> tuple[int, list[int], list[int]]:
    """``(clusters of one run, [clusters reproduced exactly], [of those, same canonical])``
    for ``splits`` random cuts of ``docs`` into 1-30 runs in a random order, each run matched
    against the history of the earlier ones."""
    runs = SplitRuns(docs, match_config)
    one = runs.clusters(range(len(docs)))
    same, same_canon = [], []
    for order, cuts in random_splits(len(docs), range(splits)):
        clusters = runs.clusters(order, cuts)
        kept = one.keys() & clusters.keys()
        same.append(len(kept))
        same_canon.append(sum(clusters[c] == one[c] for c in kept))
    return len(one), same, same_canon


PAGES = ROOT.parent / "shared" / "eval" / "trafilatura" / "pages"


def page_key(name: str) -> str:
    """A page's file name without the prefix of its Wayback copy (``archive.``, ``archive.org.``)."""
    for prefix in ("archive.org.", "archive."):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def page_matches(match_config: MatchConfig, second_signal: bool, parity: int | None) -> list[str]:
    """Every cross-lingual duplicate found among the shared web pages (cleaned as the job cleans
    an ``.html`` file; none is a translation of another), except a page and its Wayback copy.
    ``parity``: only the even (0) or odd (1) numbered pages."""
    import gzip

    from cleaners.text.clean import clean_text

    files = sorted(PAGES.glob("*.html.gz"))
    if parity is not None:
        files = files[parity::2]
    docs = [Doc(f.name, "?", [clean_text(gzip.decompress(f.read_bytes()).decode("utf-8", "replace")).text])
            for f in files]
    pred, langs, _, fp = run(docs, DEFAULT_FINGERPRINT, match_config, None, second_signal)
    out = []
    for k, cid in enumerate(pred):
        owner = next(i for i, c in enumerate(pred) if c == cid)
        if owner != k and langs[owner] != langs[k] and page_key(files[owner].name) != page_key(files[k].name):
            sim = float(np.mean(fp.signatures[owner] == fp.signatures[k]))
            out.append(f"{files[k].name} ({langs[k]}) ~ {files[owner].name} ({langs[owner]}) J={sim:.3f}")
    return out


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
    ap.add_argument("--no-second-signal", action="store_true",
                    help="similarity alone decides cross-lingual pairs (as before issue 17)")
    ap.add_argument("--no-merge", action="store_true",
                    help="placement alone: no cluster merges after it (as before 2026-12-05)")
    ap.add_argument("--hard-negatives", type=int, default=0, metavar="N",
                    help="also match the N most similar pairs of different stories (alone, then together)")
    ap.add_argument("--splits", type=int, default=0, metavar="N",
                    help="also cut each set into random runs in random order N times: clusters and "
                         "canonicals reproduced")
    ap.add_argument("--pages", choices=["all", "even", "odd"], default=None,
                    help="also count cross-lingual matches among the shared web pages")
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
    if args.no_merge:
        mc = dataclasses.replace(mc, merge_clusters=False)
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
            pred, langs, timing, fp = run(docs, fp_config, mc, args.backend, not args.no_second_signal)
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
            if timing["second_signal_pairs"]:
                print(f"{'':22} {variant:11} second signal: {timing['second_signal_pairs']} grey-zone "
                      f"pair(s) judged, {timing['second_signal_refused']} refused")
            if wrong_lang:
                print(f"{'':22} {variant:11} langid wrong on {wrong_lang} of {len(docs)} documents")
            if args.splits and variant != "distractor":
                total, same, same_canon = split_agreement(docs, args.splits, mc)
                print(f"{'':22} {variant:11} runs in random order: of {total} one-run clusters, "
                      f"{min(same)}-{max(same)} reproduced exactly (median {sorted(same)[len(same) // 2]}); "
                      f"their canonical the same in {sum(same_canon)} of {sum(same)}")
            if args.hard_negatives and variant != "distractor":
                n, merged, group_false, best = hard_negative_merges(docs, args.hard_negatives, mc,
                                                                    not args.no_second_signal)
                print(f"{'':22} {variant:11} hard negatives: {merged} of {n} pairs merged (J up to "
                      f"{best:.3f}); {group_false} false pair(s) when all their documents run together")
    if args.pages:
        found = page_matches(mc, not args.no_second_signal, {"all": None, "even": 0, "odd": 1}[args.pages])
        print(f"pages ({args.pages}): {len(found)} cross-lingual match(es) among pages that are not translations")
        for line in found:
            print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
