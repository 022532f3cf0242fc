"""How `strip_promos` grows with the number of promos in one text: linear, or not.

Run: ``.venv/bin/python benchmarks/promo_scaling.py [--sizes 1000,2000,4000,8000]``.

Texts of N prose paragraphs (the English seed's, in turn) with, after each, one of:

- ``lists``: a "Related Stories" header and two headlines of words no other line has (each
  judged against the rest of the article: signal 2's list followers);
- ``weak``: a "Video:" lead-in and such a headline (signal 2's weak lead-ins);
- ``see-also``: "See also" and two headlines that share their words with the other lists (no
  follower is unrelated: signal 4, the blocks, takes them).

Baseline, same run: the same N prose paragraphs without promos. Printed: seconds, the ratio to
the baseline and the seconds per 1,000 promos; a linear detector keeps both columns flat as N
grows. No wall-clock assertion anywhere: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cleaners.text.promos import strip_promos  # noqa: E402

#: The English seed article, as the tests read it.
SEED = ROOT / "raw" / "samples" / "000_5579c1d2ab6f9191.txt"


def made_up_word(k: int) -> str:
    """A word no dictionary has, its first five letters unique for ``k`` under 160,000."""
    consonants = "bcdfghjklmnpqrstvwxz"
    return "".join(consonants[k // 20**e % 20] for e in range(4)).capitalize() + "ux"


def headline(k: int) -> str:
    return " ".join(made_up_word(3 * k + i) for i in range(3))


SHAPES: dict[str, Callable[[int], list[str]]] = {
    "lists": lambda k: ["Related Stories", headline(2 * k), headline(2 * k + 1)],
    "weak": lambda k: [f"Video: {headline(k)}"],
    "see-also": lambda k: ["See also", f"Storm {k} floods the harbour",
                           f"Ferry {k} leaves the harbour late"],
}


def text(paragraphs: list[str], n: int, shape: Callable[[int], list[str]] | None) -> str:
    parts: list[str] = []
    for k in range(n):
        parts.append(paragraphs[k % len(paragraphs)])
        if shape is not None:
            parts += shape(k)
    return "\n\n".join(parts)


def seconds(value: str) -> float:
    start = time.perf_counter()
    strip_promos(value, "en")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,4000,8000")
    args = parser.parse_args(argv)
    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n") if p.strip()]
    seconds(text(paragraphs, 50, SHAPES["lists"]))  # loads the rules, stopwords and lemmas
    print("| promos N | shape | MB | seconds | baseline (prose alone) s | ratio | s per 1,000 promos |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in map(int, args.sizes.split(",")):
        base = seconds(text(paragraphs, n, None))
        for name, shape in SHAPES.items():
            value = text(paragraphs, n, shape)
            took = seconds(value)
            print(f"| {n:,} | {name} | {len(value.encode()) / 1e6:.2f} | {took:.2f} | {base:.2f} "
                  f"| {took / base:.1f} | {took / n * 1000:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
