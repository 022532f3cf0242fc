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

The same metric runs on Mozilla Readability's test pages (https://github.com/mozilla/readability,
Apache 2.0; ``test/test-pages/<name>/source.html`` and ``expected.html``, 130 pages, most of
them real articles of 2010-2024, some synthetic): there the "true" body is the visible text of
``expected.html``, Readability's own output, so it measures agreement with Readability, not
with an annotator (its figures come with that caveat). Pass the clone, or its test-pages folder.

And on the test pages of two article extractors, whose "truth" is also their own output:
newspaper's (https://github.com/codelucas/newspaper, MIT; ``tests/data/html/<name>.html`` and
``tests/data/text/<name>.txt``, news and magazine pages of 2013-2015; the 25 pages whose text
has under 25 words, newspaper's own failures, are left out, 120 are read), with the metric
above; and goose3's (https://github.com/goose3/goose3, Apache 2.0;
``tests/data/content/test_<name>.html`` and ``.json``, 51 pages with an expected
``cleaned_text``), whose expected text is the article's opening only: there the figure is the
pages whose every line of that opening is in the system's text (compared as
``main_text.key`` compares strings).

Usage: .venv/bin/python benchmarks/article_bodies.py --data ../article-extraction-benchmark
       .venv/bin/python benchmarks/article_bodies.py --data ../readability
       .venv/bin/python benchmarks/article_bodies.py --data ../newspaper
       .venv/bin/python benchmarks/article_bodies.py --data ../goose3
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

import main_text  # puts the project on sys.path
from main_text import SYSTEMS

from flows.readers.base import decode

_WORD = re.compile(r"\w+")
SHINGLE = 4
BOOTSTRAP = 1000
#: newspaper's expected texts shorter than this are its own failures, not articles.
NEWSPAPER_MIN_WORDS = 25


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


def load(data: Path) -> tuple[dict[str, str], dict[str, str]] | None:
    """The pages (decoded as the job decodes files) and their true bodies, by page, of the
    set in ``data`` whose truth is a whole body (see the module docstring); None when it holds
    none."""
    if (data / "ground-truth.json").exists():
        truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
        pages = {key: decode(gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes()))[0]
                 for key in truth}
        return pages, {key: truth[key].get("articleBody", "") for key in truth}
    if (data / "tests" / "data" / "text").is_dir():
        folder = data / "tests" / "data"
        texts = {path.stem: path.read_text(encoding="utf-8") for path in (folder / "text").glob("*.txt")
                 if (folder / "html" / f"{path.stem}.html").exists()}
        texts = {name: text for name, text in sorted(texts.items())
                 if len(text.split()) >= NEWSPAPER_MIN_WORDS}
        return ({name: decode((folder / "html" / f"{name}.html").read_bytes())[0] for name in texts},
                texts)
    folder = data / "test" / "test-pages" if (data / "test" / "test-pages").is_dir() else data
    tests = sorted(d for d in folder.iterdir() if (d / "expected.html").exists()
                   and (d / "source.html").exists()) if folder.is_dir() else []
    if not tests:
        return None
    return ({d.name: decode((d / "source.html").read_bytes())[0] for d in tests},
            {d.name: SYSTEMS["visible text"]((d / "expected.html").read_text(encoding="utf-8"))
             for d in tests})


def load_openings(data: Path) -> tuple[dict[str, str], dict[str, str]] | None:
    """goose3's pages (decoded as the job decodes files) and their expected openings, by page;
    None when ``data`` holds none."""
    folder = data / "tests" / "data" / "content"
    if not folder.is_dir():
        return None
    openings = {}
    for path in sorted(folder.glob("*.json")):
        opening = json.loads(path.read_text(encoding="utf-8")).get("expected", {}).get("cleaned_text")
        if opening and opening.strip() and path.with_suffix(".html").exists():
            openings[path.stem] = opening
    return ({name: decode((folder / f"{name}.html").read_bytes())[0] for name in openings},
            openings) if openings else None


def opening_kept(opening: str, text: str) -> bool:
    """Whether every line of ``opening`` is in ``text`` (compared by `main_text.key`)."""
    whole = main_text.key(text)
    return all(main_text.key(line) in whole for line in opening.splitlines() if line.strip())


def _openings_table(pages: dict[str, str], openings: dict[str, str]) -> None:
    print("| system | opening kept | ms/page |")
    print("|---|---:|---:|")
    for name, system in SYSTEMS.items():
        kept, seconds = 0, 0.0
        for page, html in pages.items():
            started = time.perf_counter()
            out = system(html)
            seconds += time.perf_counter() - started
            kept += opening_kept(openings[page], out)
        print(f"| {name} | {kept} of {len(pages)} | {1000 * seconds / len(pages):.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="a clone of scrapinghub/article-extraction-benchmark, "
                             "mozilla/readability, codelucas/newspaper or goose3/goose3")
    args = parser.parse_args()
    openings = load_openings(args.data)
    if openings is not None:
        print(f"{len(openings[0])} pages from {args.data}\n")
        _openings_table(*openings)
        return 0
    loaded = load(args.data)
    if loaded is None:
        print(f"no ground-truth.json nor test pages in {args.data}: clone "
              "https://github.com/scrapinghub/article-extraction-benchmark, "
              "https://github.com/mozilla/readability, https://github.com/codelucas/newspaper "
              "or https://github.com/goose3/goose3 there")
        return 2
    pages, bodies = loaded
    print(f"{len(pages)} pages from {args.data}\n")
    print("| system | F1 | precision | recall | exact | lost | ms/page |")
    print("|---|---|---|---|---:|---:|---:|")
    for name, system in SYSTEMS.items():
        scores, exact, seconds = [], 0, 0.0
        for key, html in pages.items():
            started = time.perf_counter()
            out = system(html)
            seconds += time.perf_counter() - started
            true = bodies[key]
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
