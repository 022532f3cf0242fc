"""Main text on 1,000 pages of 2025-2026 the project was never tuned on, by page type.

The data is not in ``../shared``: it is the public set of
https://github.com/tiptopjaw/web-content-extraction-benchmark (Apache 2.0): ``release/html/
<id>.html.gz`` (the pages as fetched) and ``benchmark/ground-truth/<id>.json`` (for each page
its type, its ``main_content`` and, as in ``../shared/eval/trafilatura``, ``with`` strings
that must be kept and ``without`` strings that must go; written by a language model and
checked by people). Clone it anywhere and pass its folder; a page without its HTML is left out.

The job is made for articles: the table gives the article pages first, then every other type
(listings, product pages, forums, documentation...), where no system does well. Per type (the
articles also per half, the halves of ``main_text.py``, by a hash of the page's id): kept,
leaked and lost as in ``main_text.py`` (a page is lost when it keeps none of its ``with``
strings), F1, precision and recall of ``main_content`` as in ``article_bodies.py`` (4-word
shingles).

Usage: .venv/bin/python benchmarks/web_pages_2026.py --data ../web-content-extraction-benchmark
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

from article_bodies import metrics, tp_fp_fn
from main_text import SYSTEMS, Page, Score  # puts the project on sys.path

from flows.readers.base import decode


def load(data: Path) -> list[tuple[str, Page, str]]:
    """(page type, page, true main content) of every page with its HTML, in id order."""
    out = []
    for truth_path in sorted((data / "benchmark" / "ground-truth").glob("*.json")):
        html_path = data / "release" / "html" / f"{truth_path.stem}.html.gz"
        if not html_path.exists():
            continue
        entry = json.loads(truth_path.read_text(encoding="utf-8"))
        truth = entry["ground_truth"]
        kind = entry.get("_internal", {}).get("page_type", {}).get("primary") or "unknown"
        html, _ = decode(gzip.decompress(html_path.read_bytes()))
        page = Page(truth_path.stem, html, tuple(s for s in truth.get("with", []) if s.strip()),
                    tuple(s for s in truth.get("without", []) if s.strip()))
        out.append((kind, page, truth.get("main_content", "")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="a clone of tiptopjaw/web-content-extraction-benchmark")
    args = parser.parse_args()
    if not (args.data / "benchmark" / "ground-truth").is_dir():
        print(f"no benchmark/ground-truth in {args.data}: clone "
              "https://github.com/tiptopjaw/web-content-extraction-benchmark there")
        return 2
    pages = load(args.data)
    print(f"{len(pages)} pages from {args.data}\n")
    print("| type | system | half | pages | with kept | without leaked | pages lost "
          "| F1 | precision | recall | ms/page |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    kinds = ["article", *sorted({kind for kind, _, _ in pages} - {"article"})]
    for name, system in SYSTEMS.items():
        outputs = {}
        for _, page, _ in pages:
            started = time.perf_counter()
            outputs[page.file] = (system(page.html), time.perf_counter() - started)
        groups = [("article", "A"), ("article", "B"), *((kind, "all") for kind in kinds),
                  ("every type", "all")]
        for kind, half in groups:
            chosen = [(page, true) for k, page, true in pages
                      if kind in (k, "every type") and half in (page.half, "all")]
            if not chosen:
                continue
            score, shingles = Score(), []
            for page, true in chosen:
                out, seconds = outputs[page.file]
                score.add(page, out, seconds)
                shingles.append(tp_fp_fn(true, out))
            f1, precision, recall = metrics(shingles)
            print(f"| {kind} | {name} | {half} | {score.pages} | "
                  f"{score.kept / max(score.with_, 1):.1%} | "
                  f"{score.leaked / max(score.without, 1):.1%} | {score.lost} | {f1:.3f} | "
                  f"{precision:.3f} | {recall:.3f} | "
                  f"{1000 * score.seconds / max(score.pages, 1):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
