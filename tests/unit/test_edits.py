"""The edit log (`cleaners.edits`): a record lists at most `MAX_EDITS_PER_KIND` edits of a kind."""

from __future__ import annotations

from cleaners.edits import MAX_EDITS_PER_KIND, Edit, EditKind, summarised
from cleaners.text.clean import clean_text


def test_edits_under_the_bound_are_listed_as_they_are() -> None:
    edits = [Edit(EditKind.PROMO, f"promo {i}") for i in range(MAX_EDITS_PER_KIND)]
    edits.append(Edit(EditKind.HTML, "html"))
    assert summarised(edits) is edits


def test_edits_past_the_bound_are_counted() -> None:
    edits = [Edit(EditKind.SHORTCODE, f"removed [x{i}]") for i in range(5)]
    edits += [Edit(EditKind.PROMO, "promo"), Edit(EditKind.SHORTCODE, "removed [y]")]
    assert summarised(edits, max_per_kind=2) == [
        Edit(EditKind.SHORTCODE, "removed [x0]"), Edit(EditKind.SHORTCODE, "removed [x1]"),
        Edit(EditKind.PROMO, "promo"),
        Edit(EditKind.SHORTCODE, "… and 4 more shortcode edits (the first 2 are listed)")]


def test_a_text_of_thousands_of_shortcodes_lists_a_bounded_log() -> None:
    # a review: a 112 KB text of 31,936 shortcodes gave 638 KB of edits, more than its text
    text = "Words of the article. " + " ".join(f"[foo{i % 50} id={i}]" for i in range(3_000))
    result = clean_text(text)
    shortcodes = [edit for edit in result.edits if edit.kind == EditKind.SHORTCODE]
    assert len(shortcodes) == MAX_EDITS_PER_KIND + 1
    assert shortcodes[-1].detail == (f"… and {3_000 - MAX_EDITS_PER_KIND:,} more shortcode edits "
                                     f"(the first {MAX_EDITS_PER_KIND} are listed)")
    assert result.text == "Words of the article."


def test_a_summary_edit_says_how_many_it_counts() -> None:
    from cleaners.edits import summary_count

    edits = summarised([Edit(EditKind.PROMO, f"line {i}") for i in range(1_234)], max_per_kind=3)
    assert [summary_count(edit) for edit in edits] == [None, None, None, 1_231]
    assert summary_count(Edit(EditKind.PROMO, "… and a line of the article")) is None
