"""The promo rules' fast reject: the rules a line's first characters leave to try
(`cleaners.text.promos.rules.RuleSet`, ``start_length``), against the first character alone
(the baseline: how lines were screened until 2026-12-07), in the same process.

Lines, each set in two halves (A: where `START_LENGTH` was chosen, B: where it is reported):

- ``wmt``: the lines of the benchmark's WMT mixture (`benchmarks.corpus.generate`: half A 2,000
  records of seed 7, the corpus `benchmarks/pipeline.py` writes, half B 2,000 of seed 8);
- ``pages``: the visible text of the 506 evaluation pages (``../shared/eval/trafilatura``,
  halves as in `benchmarks.main_text`), as `cleaners.text.html.html_to_text` reads it (skipped
  without ``../shared/eval``).

Each set is matched against every language's rules (a record without a language hint), without
the ``call`` rules (plain text) and with them (what was markup). Printed per set, rule set and
start length: the rules tried per line that reaches them (fewer than `MAX_PROMO_WORDS` words),
the microseconds of `match` per line (the median of ``--rounds`` rounds, the lengths alternating
round by round), the ratio to the first character's, and whether every answer equals
``match(line, rules, fast_reject=False)``.

Usage: .venv/bin/python benchmarks/promo_match.py [--rounds 5] [--lengths 1 2 3 4 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import generate  # noqa: E402
from benchmarks.main_text import EVAL, pages  # noqa: E402
from cleaners.text.html import html_to_text  # noqa: E402
from cleaners.text.promos.rules import (  # noqa: E402
    _TRAILING_DECOR,
    MAX_PROMO_WORDS,
    START_LENGTH,
    RuleSet,
    _all_rules,
    match,
    normalise,
)
from cleaners.text.regex_tree import folded_start  # noqa: E402


def _lines(texts: list[str]) -> list[str]:
    return [line for text in texts for line in text.split("\n") if line.strip()]


def line_sets() -> dict[str, list[str]]:
    """The benchmark's line sets by name (``wmt A``, ``wmt B``, ``pages A``, ``pages B``)."""
    sets = {f"wmt {half}": _lines([str(r.row["text"]) for r in generate(2000, seed=seed)])
            for half, seed in (("A", 7), ("B", 8))}
    if EVAL.exists():
        by_half: dict[str, list[str]] = {"A": [], "B": []}
        for page in pages():
            by_half[page.half].append(html_to_text(page.html)[0])
        sets.update({f"pages {half}": _lines(texts) for half, texts in by_half.items()})
    else:
        print(f"pages skipped: {EVAL} is absent")
    return sets


def rules_tried(lines: list[str], rules: RuleSet) -> float:
    """The rules left to try per line that reaches them (as `match` screens it)."""
    counts = []
    for line in lines:
        if len(line.split(maxsplit=MAX_PROMO_WORDS)) > MAX_PROMO_WORDS:
            continue
        core = normalise(line).rstrip(_TRAILING_DECOR)
        if core:
            counts.append(len(rules.for_start(folded_start(core, rules.start_length))))
    return statistics.fmean(counts) if counts else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lengths", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = parser.parse_args()
    lengths = sorted({1, *args.lengths})
    every = _all_rules()
    rule_sets = {"no calls": every.without_calls(), "with calls": every}
    print(f"start length in use: {START_LENGTH}; baseline: 1 (the first character)")
    print("| lines | rules | lines n | start length | rules tried | µs per line | ratio | same answers |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for set_name, lines in line_sets().items():
        for rules_name, base_rules in rule_sets.items():
            expected = [match(line, base_rules, fast_reject=False) for line in lines]
            screened = {n: RuleSet(tuple(base_rules), n) for n in lengths}
            same = {n: [match(line, r) for line in lines] == expected for n, r in screened.items()}
            times: dict[int, list[float]] = {n: [] for n in lengths}
            for _ in range(args.rounds):
                for n, r in screened.items():
                    start = time.perf_counter()
                    for line in lines:
                        match(line, r)
                    times[n].append((time.perf_counter() - start) / len(lines) * 1e6)
            base = statistics.median(times[1])
            for n in lengths:
                us = statistics.median(times[n])
                print(f"| {set_name} | {rules_name} | {len(lines):,} | {n} "
                      f"| {rules_tried(lines, screened[n]):.1f} | {us:.2f} | {base / us:.2f}x "
                      f"| {same[n]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
