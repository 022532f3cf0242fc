"""How the cleaning steps grow with hostile input: linear, or not.

Run: ``.venv/bin/python benchmarks/linear_time.py [--shapes a,b] [--cap SECONDS]``.

Each shape is a text built of N copies of something a page or a feed can hold, read by the
step that once took time growing faster than the text (each fixed on 2026-12-07; see
RESULTS.md). Baseline, same run: the same step on prose of the same length. Printed per size:
seconds, the ratio to the baseline and the microseconds per copy; a linear step keeps the last
column flat as N doubles (a quadratic one doubles it). ``--cap``: a shape stops growing after
a size that took longer (for runs on old code). No wall-clock assertion anywhere: this is a
measurement, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cleaners.text.clean import clean_text  # noqa: E402
from cleaners.text.html import html_to_text  # noqa: E402
from cleaners.text.promos import strip_promos  # noqa: E402
from cleaners.text.typography import untexturize_markup  # noqa: E402

#: The English seed article, as the tests read it.
SEED = ROOT / "raw" / "samples" / "000_5579c1d2ab6f9191.txt"
PARAGRAPHS = [p for p in SEED.read_text(encoding="utf-8").split("\n") if p.strip()]


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


def promos_en(text: str) -> object:
    """`strip_promos` with English rules."""
    return strip_promos(text, "en")


@dataclass(frozen=True)
class Shape:
    """A hostile shape: ``make(n)`` builds the text, ``step`` reads it."""

    make: Callable[[int], str]
    step: Callable[[str], object]
    sizes: tuple[int, ...]


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
    "tag, then spaces": Shape(lambda n: "[gallery" + "\u00a0" * n + "x", clean_text,
                              (10000, 20000, 40000)),
    "quote, then spaces": Shape(lambda n: "[gallery a=\u201c" + "\u00a0" * n + "]",
                                lambda s: untexturize_markup(s), (1000, 2000, 4000)),
    "spaces, newline": Shape(lambda n: "<p>" + " " * n + "\nx</p>", html_to_text,
                             (40000, 80000, 160000)),
}


def seconds(step: Callable[[str], object], text: str) -> float:
    """Wall seconds of ``step(text)``."""
    start = time.perf_counter()
    step(text)
    return time.perf_counter() - start


def prose(length: int) -> str:
    """The seed's paragraphs in turn, ``length`` characters."""
    text = "\n\n".join(PARAGRAPHS)
    return (text * (length // len(text) + 1))[:length]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", help="comma-separated names (default: all)")
    parser.add_argument("--cap", type=float, default=float("inf"))
    args = parser.parse_args(argv)
    names = args.shapes.split(",") if args.shapes else list(SHAPES)
    for step in {promos_en, clean_text, html_to_text}:  # rules, stopwords, lemmas loaded
        step(with_prose(20, lambda k: ["Related Stories", headline(k), headline(k + 1)]))
    print("| shape | copies N | characters | seconds | baseline s | ratio | µs per copy |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        shape = SHAPES[name]
        for n in shape.sizes:
            text = shape.make(n)
            took = seconds(shape.step, text)
            base = seconds(shape.step, prose(len(text)))
            print(f"| {name} | {n:,} | {len(text):,} | {took:.3f} | {base:.3f} | "
                  f"{took / base if base else float('nan'):.1f} | {took / n * 1e6:.0f} |", flush=True)
            if took > args.cap:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
