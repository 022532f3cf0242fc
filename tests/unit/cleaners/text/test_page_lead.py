"""`cleaners.text.page_lead._dek_text` stays linear in a lead block's size.

A sixth review timed a dek with a run of marks, a run of spaces after ``by`` and many inline
elements: each grew quadratically (``"— " * 10000``: 7 s). The inputs here are big enough that
the quadratic code would take many minutes; the linear code takes well under a second each.
"""

from __future__ import annotations

import pytest
from lxml import html

from cleaners.text.page_lead import _dek_text

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
