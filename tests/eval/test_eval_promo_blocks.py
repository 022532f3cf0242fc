"""Promo blocks on the trafilatura evaluation pages themselves (``../shared/eval/trafilatura``).

Each page's text is what the job extracts (`flows.readers.base.decode`, then
`cleaners.text.html.html_to_text`); `strip_promos` runs on it with the page's detected
language, with the promo blocks and without them (``blocks=False``). A string counts as removed
when it is in the text before and not after (lenient match: NFKC, case-folded, quotes unified,
spaces removed). Measured by ``benchmarks/promos.py --pages``, which prints the table; the
pages are split in two halves by a hash of the file name: the block rule was tuned on half A,
half B is the report.

- no ``with`` string (article text) is removed, on either half;
- on half B, the ``without`` strings (boilerplate) removed are at least `MIN_WITHOUT_REMOVED_B`
  (measured 102, against 70 for the line signals alone, when this test was written);
- the blocks only add removals: what the line signals remove, they still remove.
"""

from __future__ import annotations

from functools import cache

import pytest

from benchmarks.promos import PAGES, PageResult, measure_pages

MIN_PAGES = 450
MIN_WITHOUT_REMOVED_B = 116  # 117 with the calls to the reader, 115 before them, 102 before the page furniture

pytestmark = pytest.mark.skipif(
    not PAGES.is_dir(), reason=f"trafilatura evaluation pages not found under {PAGES}"
)


@cache
def results() -> tuple[PageResult, ...]:
    return tuple(measure_pages())


def test_pages_are_there() -> None:
    assert len(results()) >= MIN_PAGES
    assert {r.half for r in results()} == {"A", "B"}


def test_no_with_string_is_removed_from_the_pages() -> None:
    removed = [(r.half, r.name, w) for r in results() for w in r.with_removed_after]
    assert removed == [], f"{len(removed)} article strings removed: {removed[:20]}"


def test_blocks_remove_boilerplate_on_half_b() -> None:
    half_b = [r for r in results() if r.half == "B"]
    before = sum(len(r.without_removed_before) for r in half_b)
    after = sum(len(r.without_removed_after) for r in half_b)
    assert after >= MIN_WITHOUT_REMOVED_B, f"half B: {after} removed ({before} before)"
    assert after > before


def test_blocks_only_add_removals() -> None:
    for r in results():
        assert set(r.without_removed_before) <= set(r.without_removed_after), r.name
