#!/usr/bin/env python3
"""German compounds translated by their heads (`FingerprintConfig.compound_heads`), on and off.

For newstest2012 and newstest2013 (en/fr/de/es), the full set and ``--seeds`` condensed
variants (each non-English version keeps a random 60 % of its sentences, one seed each), the
whole pipeline of `benchmarks/crosslingual.py` (`run`) with and without compound heads:
pairwise precision, recall, F1 and the worst language pair's F1. newstest2013 is the set the
rule was not designed on (the German words missed were read on newstest2012).

Run: ``.venv/bin/python benchmarks/compound_heads.py [--seeds 5]``. Prints a table.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import crosslingual as xl  # noqa: E402

from cleaners.dedup import DEFAULT_FINGERPRINT  # noqa: E402

CONFIGS = {"with heads": DEFAULT_FINGERPRINT,
           "without": dataclasses.replace(DEFAULT_FINGERPRINT, compound_heads=False)}


def scores(docs: list, config: object) -> str:
    """``P / R / F1 / worst pair F1`` of one run of ``docs``."""
    ev = xl.evaluate(docs, xl.run(docs, fp_config=config)[0])
    p, r, f = ev["pairs"][("all", "all")][:3]
    worst = min(v[2] for k, v in ev["pairs"].items() if k != ("all", "all"))
    return f"{p:.3f} / {r:.3f} / {f:.3f} / {worst:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="condensed variants per set")
    args = ap.parse_args(argv)
    sets = xl.wmt_sets()
    print("| set | variant | " + " | ".join(f"{n}: P / R / F1 / worst pair" for n in CONFIGS) + " |")
    print("|---|---|" + "---|" * len(CONFIGS))
    for name in ("newstest2012", "newstest2013"):
        if name not in sets:
            print(f"| {name} | absent from {xl.WMT} | |")
            continue
        docs = xl.load_set(sets[name])
        for seed in range(args.seeds + 1):
            variant = docs if seed == 0 else xl.condensed(docs, seed=seed)
            label = "full" if seed == 0 else f"condensed, seed {seed}"
            cells = " | ".join(scores(variant, c) for c in CONFIGS.values())
            print(f"| {name} | {label} | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
