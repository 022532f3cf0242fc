"""Paths of the project and of the shared evaluation data, and generated article texts."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "raw" / "samples"
EVAL = ROOT.parent / "shared" / "eval"


def eval_path(*parts: str) -> Path:
    """A file under ../shared/eval, or skip the test with the reason when it is absent."""
    path = EVAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the evaluation data lives in ../shared/eval beside the project")
    return path


def story(n: int) -> str:
    """A distinct, plausible article text (so dedup does not matter for the counts)."""
    rnd = random.Random(n)
    words = ["council", "budget", "harbour", "railway", "school", "hospital", "election", "river", "bridge", "museum", "festival", "library", "tram", "stadium", "factory", "vineyard", "airport", "market", "court", "police"]
    sentences = [
        f"The {rnd.choice(words)} of district {n} reported {rnd.randint(2, 900)} new "
        f"{rnd.choice(words)} projects on day {rnd.randint(1, 28)}."
        for _ in range(12)
    ]
    return " ".join(sentences)
