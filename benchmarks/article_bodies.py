"""Main text on news pages the project was never tuned on: the article-extraction benchmark.

The data is not in ``../shared``: it is the public set of 181 news pages with their true
article bodies of https://github.com/scrapinghub/article-extraction-benchmark (MIT licence;
``html/<id>.html.gz`` and ``ground-truth.json``). Clone it anywhere and pass its folder.

Its own metric, reimplemented here: the words (``\\w+``) of the true and the extracted
article body as 4-word shingles; per page the shingles' true positives, false positives and
false negatives, normalised so that every page weighs the same; precision and recall the
means over the pages, F1 from the two means; ``±`` the standard deviation of 1,000 bootstrap
resamples of the pages (seeded); exact the share of pages whose words are exactly the true
ones; lost the pages with recall under 0.5. The systems are those of ``main_text.py`` (the
job's ``clean_text``, trafilatura alone, all visible text), on the pages decoded as the job
decodes files.

Usage: .venv/bin/python benchmarks/article_bodies.py --data ../article-extraction-benchmark
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from main_text import SYSTEMS  # puts the project on sys.path

from flows.readers.base import decode

_WORD = re.compile(r"\w+")
SHINGLE = 4
BOOTSTRAP = 1000


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The text's 4-word shingles (a text shorter than that is one shingle)."""
    words = _WORD.findall(text or "")
    return Counter(tuple(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))
                   if words[i:i + SHINGLE])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    """The page's shingle matches, normalised to sum to 1 (0, 0, 0 when both are empty)."""
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp, fn = sum((p - t).values()), sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else 0.0 if tp == fn == 0 else tp / (tp + fn)


def metrics(scores: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """F1, precision and recall over the pages."""
    precision = statistics.mean(_precision(*s) for s in scores if s[0] + s[1] > 0)
    recall = statistics.mean(_recall(*s) for s in scores if s[0] + s[2] > 0)
    return 2 * precision * recall / (precision + recall), precision, recall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="a clone of scrapinghub/article-extraction-benchmark")
    args = parser.parse_args()
    truth_path = args.data / "ground-truth.json"
    if not truth_path.exists():
        print(f"no ground-truth.json in {args.data}: clone "
              "https://github.com/scrapinghub/article-extraction-benchmark there")
        return 2
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pages = {key: decode(gzip.decompress((args.data / "html" / f"{key}.html.gz").read_bytes()))[0]
             for key in truth}
    print(f"{len(pages)} pages from {args.data}\n")
    print("| system | F1 | precision | recall | exact | lost | ms/page |")
    print("|---|---|---|---|---:|---:|---:|")
    for name, system in SYSTEMS.items():
        scores, exact, seconds = [], 0, 0.0
        for key, html in pages.items():
            started = time.perf_counter()
            out = system(html)
            seconds += time.perf_counter() - started
            true = truth[key].get("articleBody", "")
            scores.append(tp_fp_fn(true, out))
            exact += _WORD.findall(true) == _WORD.findall(out)
        rng = random.Random(0)
        resampled = [metrics([rng.choice(scores) for _ in scores]) for _ in range(BOOTSTRAP)]
        cells = [f"{value:.3f} ± {statistics.stdev(r[i] for r in resampled):.3f}"
                 for i, value in enumerate(metrics(scores))]
        lost = sum(_recall(*s) < 0.5 for s in scores if s[0] + s[2] > 0)
        print(f"| {name} | {' | '.join(cells)} | {exact / len(scores):.3f} | {lost} | "
              f"{1000 * seconds / len(scores):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
