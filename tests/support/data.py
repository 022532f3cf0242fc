"""Paths of the project and of the shared evaluation data, and generated article texts."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

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


def benchmark_module(name: str) -> ModuleType:
    """A script of ``benchmarks/`` imported as a module (its helpers: corpora, loaders), once."""
    key = f"bench_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, ROOT / "benchmarks" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[key] = mod
        spec.loader.exec_module(mod)
    return sys.modules[key]
