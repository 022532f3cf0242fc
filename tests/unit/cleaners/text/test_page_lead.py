"""`cleaners.text.page_lead._dek_text` stays linear in a lead block's size, `lead_block` at
most quadratic in the depth of nested metadata blocks.

A sixth review timed a dek with a run of marks, a run of spaces after ``by`` and many inline
elements: each grew quadratically (``"— " * 10000``: 7 s). The inputs here are big enough that
the quadratic code would take many minutes; the linear code takes well under a second each.
"""

from __future__ import annotations

import pytest
from lxml import html

from cleaners.text import page_lead
from cleaners.text.page_lead import _dek_text, lead_block

DEK = "The council approved the harbour budget after a late-night vote."


@pytest.mark.parametrize("mark", ["— ", "| ", "· ", "/ "])
def test_a_run_of_marks_inside_a_dek_is_read_in_one_pass(mark: str) -> None:
    element = html.fromstring(f'<p class="dek"><time>Jan 5</time> {DEK} {mark * 200_000}'
                              "and more.</p>")
    assert _dek_text(element) == f"{DEK} {mark * 200_000}and more."


def test_a_run_of_spaces_after_by_is_read_in_one_pass() -> None:
    element = html.fromstring(f'<p class="dek">{DEK} Carried by{" " * 400_000}x. '
                              "<time>Jan 5</time></p>")
    assert _dek_text(element) == f"{DEK} Carried by x."


def test_many_inline_elements_are_joined_in_one_pass() -> None:
    element = html.fromstring(f'<p class="dek">{DEK}' + "<span> words</span>" * 400_000
                              + "</p>")
    assert _dek_text(element) == DEK + " words" * 400_000


def test_the_glue_before_an_author_at_the_end_still_leaves() -> None:
    for glue in ("by", "By:", "by :", "updated", "Published"):
        element = html.fromstring(f'<p class="dek">{DEK} {glue} <span class="author">Jane Doe'
                                  "</span></p>")
        assert _dek_text(element) == DEK, glue


def test_nested_metadata_blocks_are_read_once_each(monkeypatch: pytest.MonkeyPatch) -> None:
    # a seventh review: 120 levels of a dek holding an info block and a meta block took 4.6 s
    # (each lead candidate read the shown text of each block under it: cubic)
    level = ('<div class="dek"><div class="info"><span>Jane Doe</span> | <span>Senior Reporter '
             'on Jan 5 2025</span></div><div class="meta">')
    tree = html.fromstring(f"<html><body><h1>Tram line extended</h1>{level * 120}end"
                           f"{'</div></div>' * 120}<p>{DEK} {DEK}</p></body></html>")
    calls: list[object] = []
    original = page_lead.shown_text

    def counted(node: object) -> str:
        calls.append(node)
        return original(node)

    monkeypatch.setattr(page_lead, "shown_text", counted)
    assert lead_block(tree, f"{DEK} {DEK}") == ""
    assert len(calls) <= 2 * sum(1 for _ in tree.iter())
