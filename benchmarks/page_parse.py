"""The clean stage on whole pages, its page parsed by `cleaners.text.page_parse.load_page`
against ``trafilatura.load_html`` (the baseline), in the same process.

For each half of the 506 evaluation pages (``../shared/eval/trafilatura/pages``; halves as in
``benchmarks/main_text.py``), `cleaners.text.clean.clean_batch` runs ``--rounds`` times with
each parser, the two alternating round by round (this machine's speed drifts). Printed: the
CPU milliseconds per page of each round, each parser's median, the median of the paired
rounds' differences, and whether the two gave the same cleaned texts, edits and titles.

Usage: .venv/bin/python benchmarks/page_parse.py [--rounds 6]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

import cleaners.text.extract as extract  # noqa: E402
from benchmarks.main_text import EVAL, pages  # noqa: E402
from cleaners.text.clean import clean_batch  # noqa: E402
from cleaners.text.config import CleanConfig  # noqa: E402
from cleaners.text.page_parse import load_page  # noqa: E402
from flows.backends.langid_cache import process_language_model  # noqa: E402
from flows.backends.lemma_cache import process_lemmatizer  # noqa: E402

PARSERS: dict[str, Callable[[str], object]] = {
    "trafilatura.load_html (baseline)": trafilatura.load_html, "load_page": load_page}


def _round(texts: list[str], parse: Callable[[str], object]) -> tuple[float, list[tuple]]:
    """CPU ms per page of one clean_batch of ``texts`` with ``parse`` as the page parser."""
    extract.load_page = parse  # the name `extract_page` calls
    lemmatizer, model = process_lemmatizer(), process_language_model()
    start = time.process_time()
    results = clean_batch(texts, [None] * len(texts), CleanConfig(), lemmatizer, langid_model=model)
    ms = 1e3 * (time.process_time() - start) / len(texts)
    return ms, [(r.text, r.edits, r.title) for r in results]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    if not (EVAL / "pages").is_dir():
        print(f"evaluation pages not found under {EVAL}", file=sys.stderr)
        return 1
    every = list(pages())
    _round([page.html for page in every[:5]], load_page)  # warm: models, caches, imports
    names = list(PARSERS)
    print(f"# page parse: clean stage CPU ms/page, {args.rounds} rounds per parser, alternating\n")
    print("| pages | parser | ms/page by round | median | paired difference (median) | same output |")
    print("|---|---|---|---:|---:|---|")
    for half in ("A", "B"):
        texts = [page.html for page in every if page.half == half]
        times: dict[str, list[float]] = {name: [] for name in names}
        outputs: dict[str, list[tuple]] = {}
        for r in range(args.rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                ms, out = _round(texts, PARSERS[name])
                times[name].append(ms)
                outputs.setdefault(name, out)
        base, new = (times[name] for name in names)
        diff = statistics.median(b - n for b, n in zip(base, new, strict=True))
        same = outputs[names[0]] == outputs[names[1]]
        for name in names:
            rounds = " ".join(f"{ms:.1f}" for ms in times[name])
            last = (f"{diff:.1f} ms ({100 * diff / statistics.median(base):.1f} %) less"
                    if name == names[1] else "")
            print(f"| half {half}, {len(texts)} | {name} | {rounds} | "
                  f"{statistics.median(times[name]):.1f} | {last} | {same if last else ''} |")
    extract.load_page = load_page
    return 0


if __name__ == "__main__":
    sys.exit(main())
