"""repair_encoding against ftfy's own test cases (../shared/eval/ftfy/, Apache-2.0).

What each case must give (its intent):
* ``fixed-encoding`` when present: ftfy.fix_encoding's output, i.e. mojibake repaired and no
  typography (our repair keeps curly quotes, as fix_encoding does);
* else ``fixed``, which ftfy's own suite also requires of fix_encoding for these cases;
* and when the original holds an HTML entity, ``fixed`` (fix_text decodes entities, as
  repair_encoding does; fix_encoding does not), compared after uncurling our quotes, since
  fix_text uncurls them and we leave that to the typography policy.
Negative cases must come back unchanged; the one exception is the case whose only fix is a
C1 control (U+0085 NEL, Windows-1252's "…" read as Latin-1), where ftfy's expected output for
that very case is the "…": that C1 repair is the only change allowed.
"""

from __future__ import annotations

import json
import re
from functools import cache

import pytest
from ftfy.badness import is_bad
from ftfy.fixes import fix_c1_controls, uncurl_quotes

from cleaners.text import encoding
from cleaners.text.encoding import needs_ftfy, repair_encoding
from tests.support.data import eval_path

POSITIVE = ("in-the-wild", "synthetic", "language-names")
_ENTITY = re.compile(r"&#?[0-9A-Za-z]{1,24};")


@cache
def cases(name: str) -> list[dict[str, str]]:
    with eval_path("ftfy", f"{name}.json").open(encoding="utf-8") as f:
        return json.load(f)


def intended(case: dict[str, str], out: str) -> tuple[str, str]:
    """(what we produced, what the case intends) in comparable form."""
    if _ENTITY.search(case["original"]):
        return uncurl_quotes(out), case["fixed"]
    return out, case.get("fixed-encoding", case["fixed"])


@pytest.mark.parametrize("name", POSITIVE)
def test_every_positive_case_is_repaired(name: str) -> None:
    data = [c for c in cases(name) if c["expect"] == "pass"]
    assert data, f"{name}.json has no expect=pass case"
    failures = []
    for case in data:
        out, edits = repair_encoding(case["original"])
        got, want = intended(case, out)
        if got != want:
            failures.append((case["label"], case["original"], out, want))
        elif out != case["original"]:
            assert edits, f"{case['label']}: text changed without an edit"
    passed = len(data) - len(failures)
    print(f"ftfy {name}: {passed}/{len(data)} repaired as intended")
    assert not failures, failures


def test_negative_cases_come_back_unchanged() -> None:
    data = cases("negative")
    assert len(data) == 31
    unchanged = 0
    for case in data:
        original = case["original"]
        out, edits = repair_encoding(original)
        # The only change allowed: a C1 control made its Windows-1252 character, and that is
        # exactly what the case itself expects of ftfy.fix_encoding.
        assert out == fix_c1_controls(original), (case["original"], out)
        assert out == case.get("fixed-encoding", case["fixed"]), (case["original"], out)
        unchanged += out == original
        if out == original:
            assert edits == []
        else:
            assert [e.kind for e in edits] == ["encoding"]
    print(f"ftfy negative: {unchanged}/31 byte-identical, {31 - unchanged} C1 control fixed")
    assert unchanged == 30


def test_fast_gate_agrees_with_ftfy_detector() -> None:
    """needs_ftfy is a faster is_bad: it must agree on every original and fixed text."""
    texts = [
        text
        for name in (*POSITIVE, "negative", "known-failures")
        for case in cases(name)
        for text in (case["original"], case["fixed"], case.get("fixed-encoding", ""))
    ]
    disagree = [t for t in texts if needs_ftfy(t) != is_bad(t)]
    assert not disagree
    assert [encoding.is_bad(t) for t in texts] == [is_bad(t) for t in texts]
    assert sum(map(is_bad, texts)) > 100  # the test sees both answers


def test_ftfy_loop_agrees_with_ftfy_on_every_case() -> None:
    """`_ftfy_fix` (ftfy's loop, its detector asked through the fast `is_bad`) gives the text
    and plan of ``ftfy.fix_and_explain(..., FTFY_CONFIG)`` on every case, fixed or not."""
    from ftfy import fix_and_explain

    from cleaners.text.encoding.mojibake import FTFY_CONFIG, _ftfy_fix

    texts = [
        text
        for name in (*POSITIVE, "negative", "known-failures")
        for case in cases(name)
        for text in (case["original"], case["fixed"])
    ]
    changed = 0
    for text in texts:
        fixed, plan = fix_and_explain(text, FTFY_CONFIG)
        assert _ftfy_fix(text) == (fixed, plan or []), text
        changed += fixed != text
    assert changed > 100  # the test sees both answers


@pytest.mark.parametrize("name", POSITIVE)
def test_repair_is_idempotent_on_eval_cases(name: str) -> None:
    for case in cases(name):
        once, _ = repair_encoding(case["original"])
        twice, edits = repair_encoding(once)
        assert twice == once, case["label"]
        assert edits == [], case["label"]
