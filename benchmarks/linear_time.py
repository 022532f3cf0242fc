"""How the job's steps grow with hostile input: linear, or not.

Run: ``.venv/bin/python benchmarks/linear_time.py [--shapes a,b] [--cap SECONDS]``.

Each shape is an input built of N copies of something a page, a feed or a news day can hold,
read by the step that once took time (or memory) growing faster than its input (each fixed on
2026-12-07; see RESULTS.md). Baseline, same run: the same step on an input of the same size
without the shape (prose of the same length for the text steps; N distinct stories, a
two-column CSV, posts without the block, merges two by two for the others). Printed per size:
seconds, the ratio to the baseline, the microseconds per copy (flat as N doubles when linear,
doubling when quadratic) and, for the match, the peak of memory traced (tracemalloc).
``--cap``: a shape stops growing after a size that took longer (for runs on old code). No
wall-clock assertion anywhere: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cleaners.dedup import TUNED_MATCH, DocBatch, History, match  # noqa: E402
from cleaners.dedup.merge import _Evidence  # noqa: E402
from cleaners.text.clean import clean_text  # noqa: E402
from cleaners.text.html import html_to_text  # noqa: E402
from cleaners.text.promos import strip_promos  # noqa: E402
from cleaners.text.typography import untexturize_markup  # noqa: E402
from flows.readers.base import default_limits  # noqa: E402
from flows.readers.csv import read_csv  # noqa: E402
from flows.readers.wxr import parse_wxr  # noqa: E402
from tests.unit.flows.test_wxr import export, item  # noqa: E402

#: The English seed article, as the tests read it.
SEED = ROOT / "raw" / "samples" / "000_5579c1d2ab6f9191.txt"
PARAGRAPHS = [p for p in SEED.read_text(encoding="utf-8").split("\n") if p.strip()]


# --- text -------------------------------------------------------------------------------------

def made_up_word(k: int) -> str:
    """A word no dictionary has, its first five letters unique for ``k`` under 160,000."""
    consonants = "bcdfghjklmnpqrstvwxz"
    return "".join(consonants[k // 20**e % 20] for e in range(4)).capitalize() + "ux"


def headline(k: int) -> str:
    """Three made-up words: a headline that shares no word with any other line."""
    return " ".join(made_up_word(3 * k + i) for i in range(3))


def with_prose(n: int, promo: Callable[[int], list[str]]) -> str:
    """N paragraphs of the seed in turn, each followed by ``promo(k)``'s lines."""
    parts: list[str] = []
    for k in range(n):
        parts += [PARAGRAPHS[k % len(PARAGRAPHS)], *promo(k)]
    return "\n\n".join(parts)


def prose(length: int) -> str:
    """The seed's paragraphs in turn, ``length`` characters."""
    text = "\n\n".join(PARAGRAPHS)
    return (text * (length // len(text) + 1))[:length]


def promos_en(text: str) -> object:
    """`strip_promos` with English rules."""
    return strip_promos(text, "en")


# --- inputs that are not text -----------------------------------------------------------------

_FOLDER = Path(tempfile.mkdtemp(prefix="linear-time-"))


def signatures(n: int, seed: int, distinct: bool) -> np.ndarray:
    """``n`` MinHash signatures: near-copies of one story (5 % of their slots changed), or
    ``distinct`` ones (n stories)."""
    rng = np.random.default_rng(seed)
    shape = (n, TUNED_MATCH.num_perm)
    if distinct:
        return rng.integers(0, 2**32 - 1, shape, dtype=np.uint64).astype(np.uint32)
    story = np.random.default_rng(0).integers(0, 2**32 - 1, shape[1], dtype=np.uint64)
    out = np.repeat(story.astype(np.uint32)[None, :], n, axis=0)
    changed = rng.random(shape) < 0.05
    out[changed] = rng.integers(0, 2**32 - 1, int(changed.sum()), dtype=np.uint64)
    return out


def news_day(n: int, distinct: bool = False) -> tuple[DocBatch, History]:
    """A history of ``n`` near-copies of one story in one cluster, and ``n`` new near-copies
    (``distinct``: ``n`` stories in the history, each its own cluster, and ``n`` new ones)."""
    history = History([f"h{i}" for i in range(n)], ["en"] * n, signatures(n, 1, distinct),
                      [f"hh{i}" for i in range(n)],
                      [f"h{i}" for i in range(n)] if distinct else ["h0"] * n,
                      np.ones(n, bool) if distinct else np.arange(n) == 0,
                      lengths=np.full(n, 1000), published_at=np.full(n, np.nan))
    batch = DocBatch([f"n{i}" for i in range(n)], ["en"] * n, signatures(n, 2, distinct),
                     [f"nh{i}" for i in range(n)], np.full(n, 900), np.full(n, np.nan))
    return batch, history


def wide_csv(n: int, wide: bool = True) -> Path:
    """A CSV of ``n`` one-cell rows under a header of ``n + 1`` names (``wide``) or of two."""
    path = _FOLDER / f"{'wide' if wide else 'narrow'}-{n}.csv"
    header = "text," + ",".join(f"c{i}" for i in range(n if wide else 1))
    path.write_text(header + "\n" + "".join(f"row {i}\n" for i in range(n)), encoding="utf-8")
    return path


def block_export(n: int, shown: bool = True) -> bytes:
    """A WXR export of one reusable block of ``n`` block comments and ``n`` posts that show
    it (``shown``) or hold a paragraph instead."""
    unit = '<!-- wp:block {"x":1} /--><p>Pattern text.</p>'
    post = '<!-- wp:block {"ref":900} /-->' if shown else "<p>Post text.</p>"
    return export(item(900, "pattern", post_type="wp_block", content=unit * n)
                  + "".join(item(1000 + i, f"post {i}", content=post) for i in range(n)))


class _NoSides:
    m = 0


def merges(n: int, into_one: bool = True) -> None:
    """``n`` clusters merged one by one into the first (or two by two), each linked to its
    survivor by one passing row, checked and merged as `cleaners.dedup.merge` does."""
    a = np.zeros(n - 1, np.int64) if into_one else np.arange(n - 1, dtype=np.int64) // 2 * 2
    b = np.arange(1, n, dtype=np.int64)
    links = np.zeros((n - 1, 4), np.int64)
    links[:, 3] = 1  # every linking document passes
    root = np.arange(n, dtype=np.int64)
    evidence = _Evidence(_NoSides(), links, a, b, root, judge=lambda i, j: True, prefetch=None)
    for hi, lo in zip(a.tolist(), b.tolist(), strict=True):
        if into_one or lo % 2:
            evidence.passes(hi, lo)
            evidence.merged(hi, lo)
            root[lo] = hi


# --- the shapes -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shape:
    """A hostile shape: ``make(n)`` builds the input, ``step`` reads it; ``base(n)`` builds the
    baseline's input (None: prose as long as the text); ``memory``: trace the peak."""

    make: Callable[[int], Any]
    step: Callable[[Any], object]
    sizes: tuple[int, ...]
    base: Callable[[int], Any] | None = None
    memory: bool = False


SHAPES = {
    "promo lists": Shape(lambda n: with_prose(n, lambda k: [
        "Related Stories", headline(2 * k), headline(2 * k + 1)]), promos_en, (1000, 2000, 4000, 8000)),
    "weak lead-ins": Shape(lambda n: with_prose(n, lambda k: [f"Video: {headline(k)}"]),
                           promos_en, (1000, 2000, 4000, 8000)),
    "see also": Shape(lambda n: with_prose(n, lambda k: [
        "See also", f"Storm {k} floods the harbour", f"Ferry {k} leaves the harbour late"]),
        promos_en, (2000, 4000, 8000, 16000)),
    "headings in a row": Shape(lambda n: "Related Stories\n\n" * n, promos_en, (4000, 8000, 16000)),
    "escaped openings": Shape(lambda n: "&#91;gallery x " * n, clean_text, (2000, 4000, 8000)),
    "open CDATA": Shape(lambda n: "a [gallery] b <![CDATA[x " * n, clean_text, (4000, 8000, 16000)),
    "tag then spaces": Shape(lambda n: "[gallery" + "\u00a0" * n + "x", clean_text,
                              (10000, 20000, 40000)),
    "quote then spaces": Shape(lambda n: "[gallery a=\u201c" + "\u00a0" * n + "]",
                                untexturize_markup, (1000, 2000, 4000)),
    "spaces then newline": Shape(lambda n: "<p>" + " " * n + "\nx</p>", html_to_text,
                             (40000, 80000, 160000)),
    "near-copies in history and batch": Shape(news_day, lambda day: match(*day, TUNED_MATCH),
                                          (500, 1000, 2000), lambda n: news_day(n, True),
                                          memory=True),
    "csv wide header": Shape(wide_csv, lambda path: list(read_csv(path, default_limits())),
                              (2000, 4000, 8000), lambda n: wide_csv(n, wide=False)),
    "wxr block every post shows": Shape(block_export, parse_wxr, (1000, 2000, 4000),
                                           lambda n: block_export(n, shown=False)),
    "merges into one": Shape(lambda n: (n, True), lambda v: merges(*v), (10000, 20000, 40000),
                             lambda n: (n, False)),
}


def seconds(step: Callable[[Any], object], value: Any, memory: bool = False) -> tuple[float, int]:
    """Wall seconds of ``step(value)``, and the peak of memory traced meanwhile (0 unless
    ``memory``)."""
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        step(value)
        return time.perf_counter() - start, tracemalloc.get_traced_memory()[1] if memory else 0
    finally:
        if memory:
            tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", help="comma-separated names (default: all)")
    parser.add_argument("--cap", type=float, default=float("inf"))
    args = parser.parse_args(argv)
    names = args.shapes.split(",") if args.shapes else list(SHAPES)
    for step in {promos_en, clean_text, html_to_text}:  # rules, stopwords, lemmas loaded
        step(with_prose(20, lambda k: ["Related Stories", headline(k), headline(k + 1)]))
    print("| shape | copies N | size | seconds | baseline s | ratio | µs per copy | peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        shape = SHAPES[name]
        for n in shape.sizes:
            value = shape.make(n)
            took, peak = seconds(shape.step, value, shape.memory)
            base_input = shape.base(n) if shape.base else prose(len(value))
            base = seconds(shape.step, base_input)[0]
            size = f"{len(value):,}" if isinstance(value, str | bytes) else "-"
            mb = f"{peak / 2**20:.0f}" if shape.memory else "-"
            print(f"| {name} | {n:,} | {size} | {took:.3f} | {base:.3f} | "
                  f"{took / base if base else float('nan'):.1f} | {took / n * 1e6:.0f} | {mb} |",
                  flush=True)
            if took > args.cap:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
