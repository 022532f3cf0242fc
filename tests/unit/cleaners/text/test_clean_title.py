"""Titles are cleaned like text, on one line, and their edits say ``title: …``
(cleaners.text.clean.clean_title)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.edits import Edit
from cleaners.text.clean import TITLE_EDIT_PREFIX, clean_title
from cleaners.text.config import CleanConfig
from cleaners.text.typography import TypographyPolicy
from flows.readers.wxr import parse_wxr
from tests.support.data import eval_path


@pytest.mark.parametrize(
    ("title", "clean", "kinds"),
    [
        ("Il wonâ€™t stop", "Il won't stop", ["encoding", "typography"]),  # mojibake, then ’ → '
        ("GrÃ¨ve gÃ©nÃ©rale", "Grève générale", ["encoding"]),
        ("Tom &amp; Jerry", "Tom & Jerry", ["entity"]),
        ("&lt;em&gt;Hi&lt;/em&gt; there", "Hi there", ["entity", "html"]),
        ("<b>Bold</b> title<br/>second line", "Bold title second line", ["html"]),
        ("<b>Use</b> &lt;stdin&gt; now", "Use <stdin> now", ["html"]),  # parsed, decoded once
        ("“Top 10″ tips for\n  you", '"Top 10" tips for you', ["typography", "typography"]),
        ("Le thème « Autonomisation »", "Le thème «\u00a0Autonomisation\u00a0»", ["typography"]),
    ],
)
def test_titles_are_cleaned_on_one_line(title: str, clean: str, kinds: list[str]) -> None:
    result = clean_title(title)
    assert result.text == clean
    assert [e.kind for e in result.edits] == kinds
    assert all(e.detail.startswith(TITLE_EDIT_PREFIX) for e in result.edits)
    assert clean_title(result.text).text == result.text and clean_title(result.text).edits == []


@pytest.mark.parametrize(
    "title",
    ["Already clean", "a < b > c", "[Update] Storm hits the coast", "Section [1] of the law",
     "Markup: Title With Special Characters ~`!@#$%^&*()-_=+{}[]/\\;:'\"?,.>"],
)
def test_clean_titles_and_brackets_are_untouched(title: str) -> None:
    """No shortcode unwrapping or promo stripping on titles: brackets stay."""
    assert clean_title(title).text == title and clean_title(title).edits == []


def test_typography_policy_applies_to_titles() -> None:
    curly = CleanConfig(typography=TypographyPolicy(apostrophe="curly", double_quotes="curly"))
    assert clean_title('l\'été "chaud"', curly).text == "l’été “chaud”"


def test_a_title_with_nothing_left_says_so() -> None:
    result = clean_title("<br>")
    assert result.text == ""
    assert result.edits[-1] == Edit(
        "metadata", "title: nothing left after cleaning '<br>': title left empty"
    )
    assert clean_title(" \n ").text == "" and clean_title(" \n ").edits == []


def test_real_export_titles() -> None:
    """The theme unit test export's titles with markup and entities (WordPress's own data)."""
    path = eval_path("wordpress", "wxr", "themeunittestdata.wordpress.xml")
    titles = [r["title"] for r in parse_wxr(path.read_bytes()).records if r["title"]]
    markup = next(t for t in titles if t.startswith("Markup: Title <em>With"))
    assert clean_title(markup).text == "Markup: Title With Markup"
    cleaned = [clean_title(t) for t in titles]
    assert all("\n" not in c.text and "<" not in c.text for c in cleaned)
    blocks = eval_path("wordpress", "wxr", "64-block-test-data.xml")
    media = next(r["title"] for r in parse_wxr(blocks.read_bytes()).records
                 if r["title"] and r["title"].startswith("Media &"))
    assert clean_title(media).text == "Media & Text"


@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=60))
def test_any_title_comes_back_on_one_line(title: str) -> None:
    result = clean_title(title)
    assert "\n" not in result.text and "\r" not in result.text and "\t" not in result.text
    assert result.text == result.text.strip() and "  " not in result.text
    assert all(e.detail.startswith(TITLE_EDIT_PREFIX) for e in result.edits)


@pytest.mark.parametrize(("title", "expected"), [
    ("US pressure\x85", "US pressure…"), ("Wait for it\x85 then go", "Wait for it… then go"),
])
def test_an_ellipsis_read_as_latin1_in_a_title_is_repaired(title: str, expected: str) -> None:
    # U+0085 was folded or stripped as whitespace before the repair, with no edit
    assert clean_title(title).text == expected


@pytest.mark.parametrize(("title", "expected"), [
    ("<table>: The Table element", "<table>: The Table element"),  # MDN: `&lt;table&gt;`
    ("Why <em> is not <i>", "Why <em> is not <i>"),
    ("&lt;b&gt; or &lt;strong&gt;?", "&lt;b&gt; or &lt;strong&gt;?"),  # shown as written
    ("wonâ€™t stop", "won't stop"),  # its encoding is still repaired
    ("The Cream with TFC8&reg;", "The Cream with TFC8®"),  # and a CMS's double escaping
])
def test_a_title_a_page_shows_is_not_read_as_markup_again(title: str, expected: str) -> None:
    """The parser read a page's title (`extract_page`): its entities and tags are text now.
    Read again, `<table>` went, and the edit said "nothing dropped"."""
    assert clean_title(title, shown=True).text == expected
    assert clean_title("<table>: The Table element").text != "<table>: The Table element"
