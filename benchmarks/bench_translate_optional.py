"""Cross-lingual retrieval with each translation backend on WMT newstest (real news).

For every document of newstest20xx in fr/de/es, translate it into English tokens with a
backend, and rank all English documents of the set (put through the same backend as English,
as the pipeline does) by Jaccard similarity of content-token sets (stop words of English and
of the source language removed, as in `cleaners.dedup.fingerprint`). A document is retrieved when
its own English version ranks first. Also prints the mean Jaccard of true pairs and of the
best wrong pair, and wall-clock and CPU time of the translation (CPU of this process and its
children, Apertium included: the figure to compare on a busy machine). Times include
first-use loading (dictionaries, simplemma's lemma tables).

Usage:
    .venv/bin/python benchmarks/bench_translate_optional.py [--set newstest2013]
        [--backends none,embedded,freedict,apertium,apertium+freedict] [--ct2-model DIR]
        [--limit N]

Backends that cannot run here are listed as unavailable with the reason. Reads
../shared/eval/wmt (absent: the script says so and exits).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaners.lang.tokens import content_tokens
from cleaners.translate.pivot import own_tokens
from flows.backends import BackendUnavailable, get_translator

WMT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wmt"
_DOC = re.compile(r'<doc docid="([^"]+)"[^>]*>(.*?)</doc>', re.S)
_SEG = re.compile(r"<seg[^>]*>(.*?)</seg>", re.S)


def read_sgm(path: Path) -> dict[str, str]:
    """{docid: text} of a WMT sgm file (segments joined by newlines)."""
    text = path.read_text(encoding="utf-8")
    return {m.group(1): "\n".join(_SEG.findall(m.group(2))) for m in _DOC.finditer(text)}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Apertium runs as children)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def retrieval(src: dict[str, list[str]], ref: dict[str, list[str]]) -> tuple[float, float, float]:
    """(top-1 accuracy, mean Jaccard of true pairs, mean best wrong Jaccard)."""
    ref_sets = {k: set(v) for k, v in ref.items()}
    hits, pos, neg = 0, 0.0, 0.0
    for docid, toks in src.items():
        s = set(toks)
        scores = {k: len(s & r) / max(1, len(s | r)) for k, r in ref_sets.items()}
        best = max(scores, key=lambda k: (scores[k], k == docid))
        hits += best == docid
        pos += scores[docid]
        neg += max(v for k, v in scores.items() if k != docid)
    n = max(1, len(src))
    return hits / n, pos / n, neg / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default="newstest2013")
    ap.add_argument("--backends", default="none,embedded,freedict,apertium,apertium+freedict")
    ap.add_argument("--ct2-model", default=None, help="model_dir for the ctranslate2 backend")
    ap.add_argument("--langs", default="fr,de,es")
    ap.add_argument("--limit", type=int, default=0, help="first N documents only")
    args = ap.parse_args()
    if not WMT.is_dir():
        sys.exit(f"{WMT} is absent: the evaluation data lives in ../shared/eval")
    en = read_sgm(WMT / f"{args.set}-src.en.sgm")
    keys = list(en)[: args.limit] if args.limit else list(en)
    backends = args.backends.split(",") + (["ctranslate2"] if args.ct2_model else [])
    print(f"{args.set}: {len(keys)} documents per language, retrieval among {len(keys)} English")
    print(
        f"{'backend':<18} {'lang':<4} {'top1':>6} {'J(true)':>8} {'J(best wrong)':>14} {'wall s':>7} {'cpu s':>6}"
    )
    for name in backends:
        if name == "none":
            backend = None
        else:
            options = {"model_dir": args.ct2_model} if name == "ctranslate2" else {}
            try:
                t0 = time.perf_counter()
                backend = get_translator(name, **options)
                load = time.perf_counter() - t0
            except (BackendUnavailable, ValueError) as exc:
                print(f"{name:<18} unavailable: {exc}")
                continue
            print(
                f"{name:<18} constructed in {load:.2f} s; languages {sorted(backend.languages())}"
            )
        en_texts = [en[k] for k in keys]
        en_out = (
            [own_tokens(x, "en") for x in en_texts]
            if backend is None
            else backend.translate(en_texts, "en")
        )
        ref = {k: content_tokens(toks) for k, toks in zip(keys, en_out, strict=True)}
        for lang in args.langs.split(","):
            docs = read_sgm(WMT / f"{args.set}-src.{lang}.sgm")
            texts = [docs[k] for k in keys]
            t0, c0 = time.perf_counter(), _cpu()
            if backend is None:
                out = [own_tokens(x, lang) for x in texts]
            else:
                out = backend.translate(texts, lang)
            dt, cpu = time.perf_counter() - t0, _cpu() - c0
            src = {k: content_tokens(toks, ("en", lang)) for k, toks in zip(keys, out, strict=True)}
            top1, jp, jn = retrieval(src, ref)
            print(
                f"{name:<18} {lang:<4} {top1:>6.3f} {jp:>8.3f} {jn:>14.3f} {dt:>7.2f} {cpu:>6.2f}"
            )


if __name__ == "__main__":
    main()
