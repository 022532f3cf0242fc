"""Correct text stays correct: the WMT newstest sentences (real news, en/fr/de/es) through the
encoding repair and the typography policy, plus injected damage that must come back exactly.

Reads ``../shared/eval/wmt/*.sgm`` (not strict XML: parsed with a regex).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from benchmarks.cleaning import (
    damaged_variants,
    normalised,
    wmt_documents,
    wmt_files,
    wmt_segments,
)
from cleaners.text.encoding import repair_encoding
from cleaners.text.typography import TypographyPolicy, normalize_typography
from tests.support.data import eval_path


@cache
def files() -> list[Path]:
    found = wmt_files(eval_path("wmt"))
    if not found:
        pytest.skip("../shared/eval/wmt has no .sgm file")
    return found


@cache
def sentences() -> list[str]:
    return [s for path in files() for s in wmt_segments(path)]


def test_wmt_corpus_is_what_the_readme_describes() -> None:
    assert len(files()) == 10
    assert len(sentences()) == 27012
    assert sum("«" in s for s in sentences()) > 50  # real French guillemets are in there


def test_repair_encoding_changes_no_wmt_sentence() -> None:
    """normalize_typography(repair_encoding(s)) == normalize_typography(s) for every sentence."""
    changed = [
        s
        for s in sentences()
        if normalize_typography(repair_encoding(s)[0])[0] != normalize_typography(s)[0]
    ]
    print(f"WMT: {len(changed)}/{len(sentences())} sentences changed beyond the typography policy")
    assert changed == []
    # Stronger: the repair alone returns every sentence byte for byte, with no edit.
    assert [s for s in sentences() if repair_encoding(s) != (s, [])] == []


def test_repair_encoding_changes_no_wmt_document() -> None:
    docs = [d for path in files() for d in wmt_documents(path)]
    assert len(docs) == 99 * 4 + 52 * 4 + 76 * 2
    assert [d for d in docs if repair_encoding(d) != (d, [])] == []


@pytest.mark.parametrize(
    "policy",
    [
        TypographyPolicy(),
        TypographyPolicy("curly", "curly", "nnbsp"),
        TypographyPolicy(guillemet_space="space"),
    ],
    ids=str,
)
def test_typography_is_idempotent_on_every_wmt_sentence(policy: TypographyPolicy) -> None:
    not_fixed_points = []
    for s in sentences():
        once, _ = normalize_typography(s, policy)
        if normalize_typography(once, policy) != (once, []):
            not_fixed_points.append(s)
    assert not_fixed_points == []


def test_injected_damage_comes_back() -> None:
    """Mojibake (cp1252, latin-1, double, some lines) and entities (plain, double-escaped,
    with mojibake) injected into the first 8 newstest2013 documents of each language: at
    least 98% come back exactly (benchmarks/cleaning.py measures all 756 documents)."""
    docs = [
        doc
        for path in files()
        if path.name.startswith("newstest2013")
        for doc in wmt_documents(path)[:8]
    ]
    assert len(docs) == 32
    total = exact = close = 0
    for i, doc in enumerate(docs):
        for _, damaged in damaged_variants(doc, seed=i):
            if damaged == doc:
                continue  # e.g. no non-ASCII character in the lines picked for damage
            out, edits = repair_encoding(damaged)
            total += 1
            exact += out == doc
            close += normalised(out) == normalised(doc)
            if out != damaged:
                assert edits
    print(f"WMT injected damage: {exact}/{total} exact, {close}/{total} after normalisation")
    assert exact / total >= 0.98
    assert close >= exact


def test_legacy_encoded_wmt_text_is_decoded_exactly() -> None:
    """Windows-1252 bytes of real fr/de/es news (whole documents and single headlines)."""
    from cleaners.text.encoding import decode_bytes

    inputs = []
    for path in files():
        if path.name.startswith("newstest2013") and not path.name.endswith(".en.sgm"):
            for doc in wmt_documents(path)[:12]:
                for unit in (doc, doc.split("\n", 1)[0]):
                    data = unit.encode("cp1252", errors="ignore")
                    if data.decode("cp1252") == unit and not data.isascii():
                        inputs.append((unit, data))
    assert len(inputs) >= 40
    exact = sum(decode_bytes(data)[0] == unit for unit, data in inputs)
    print(f"WMT cp1252 detection: {exact}/{len(inputs)} decoded exactly")
    assert exact == len(inputs)
