"""WordPress WXR exports read as WordPress publishes them, on real exports (GPL-2.0-or-later).

``../shared/eval/wordpress/wxr/`` holds WordPress's Theme Unit Test data (which declares
``xmlns:wp="https://wordpress.org/export/1.2/"``), the block test data and the WordPress
importer's own fixtures (WXR 1.0/1.1/1.2, CDATA edge cases, malformed files, namespace tricks).
For every file, read as the job reads it (`read_file`): which items become records (their
``wp:post_id``, in file order), how many of the others are skipped by ``type/status``, which
posts and pages those are, and the one-line reason of a file that cannot be read to its end.
The figures come from reading each item's ``wp:post_type``, ``wp:status`` and
``wp:post_password`` in the files. Every file of the folder must have an expectation here: a new
file fails until someone reads it and writes down its truth.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from flows.readers import BadRecord, RawFile, RawRecord, read_file, sha256_of
from flows.readers.wxr import parse_wxr
from tests.support.data import ROOT

WXR_DIR = ROOT.parent / "shared" / "eval" / "wordpress" / "wxr"
FILES = sorted(p.name for p in WXR_DIR.iterdir()) if WXR_DIR.is_dir() else []
ABSENT = f"{WXR_DIR} is absent: the evaluation data lives in ../shared/eval beside the project"
PARAMS = FILES or [pytest.param("", marks=pytest.mark.skip(reason=ABSENT))]
#: The text of the Theme Unit Test's password-protected post (id 1168) and of its comment.
PROTECTED = ("should not be visible until the password is entered",)


@dataclass(frozen=True)
class Expect:
    """What one export must give."""

    #: ``wp:post_id`` of the records, in file order.
    published: str
    #: Published records by post type.
    types: dict[str, int]
    #: Items skipped, by reason.
    skipped: dict[str, int] = field(default_factory=dict)
    #: Ids of the skipped items that are posts or pages, or have no type (not attachments, menus).
    skipped_ids: dict[str, list[str | None]] = field(default_factory=dict)
    #: The last item `read_file` gives when the file cannot be read to its end (a `BadRecord`).
    error: str | None = None
    #: Exact texts of some records, by id.
    texts: dict[str, str] = field(default_factory=dict)


THEME_UNIT_TEST = Expect(
    published="""
    163 150 51 34 24 21 8 1724 2 146 155 156 172 173 174 501 701 703 358 555 559 562 565
    568 575 579 582 587 733 735 742 744 746 748 993 996 1000 1011 1016 1031 1133 1134
    1148 1149 1150 1151 1152 1158 1161 1163 1169 1170 1171 1173 1174 1175 1176 1177 1178
    1179 1241 1446 1730 1732 1734 1738 1736 1743 1745 1747 1749 1752 1755 1809 1811 1813
    """,
    types={"post": 55, "page": 21},
    skipped={"attachment/inherit": 37, "nav_menu_item/publish": 70, "post/future": 1,
             "post/draft": 1, "post/publish+password": 1},
    skipped_ids={
        "post/future": ["1153"],  # "Scheduled"
        "post/draft": ["1164"],  # "Draft"
        "post/publish+password": ["1168"],  # "Template: Password Protected (the password is …)"
    },
)
MALFORMED = "unreadable WXR export: malformed XML: "
NO_ITEM = "file holds no records"  # `read_file`'s reason for a file that gives nothing

EXPECTED: dict[str, Expect] = {
    "themeunittestdata.wordpress.xml": THEME_UNIT_TEST,
    # The same Theme Unit Test export, as the importer's tests keep it.
    "importer-theme-unit-test-data.xml": THEME_UNIT_TEST,
    "64-block-test-data.xml": Expect(
        published="""
        16 17 19 23 31 39 44 47 57 69 75 76 353 80 84 86 88 90 93 95 97 113 115 117 119 121
        123 125 132 134 136 138 145 147 151 159 161 163 165 167 169 171 201 203 208 210 212
        214 218 225 229 237 240 243 246 249 256 259 261 265 268 280
        """,
        types={"post": 61, "page": 1},
        skipped={"wp_navigation/publish": 1, "attachment/inherit": 9},
        skipped_ids={"wp_navigation/publish": ["4"]},  # "Navigation", a block menu
    ),
    "importer-a11y-unit-test-data.xml": Expect(
        published="""
        2 146 156 172 173 174 501 701 703 358 555 559 562 565 568 575 579 733 735 742 744
        746 748 993 996 1000 1011 1016 1133 1134 1148 1149 1150 1151 1152 1158 1161 1163
        1169 1170 1171 1173 1174 1175 1176 1177 1178 1179 1241 1446 1730 1732 1734 1738 1736
        1743 1745 1747 1749 1752 1755
        """,
        types={"post": 44, "page": 17},
        skipped={"(none)/(none)": 1, "attachment/inherit": 39, "nav_menu_item/publish": 50,
                 "post/future": 1, "post/draft": 1, "post/publish+password": 1},
        skipped_ids={
            # a second <item> for page 156 holding only comments: no type, no status
            "(none)/(none)": ["156"],
            "post/future": ["1153"],
            "post/draft": ["1164"],
            "post/publish+password": ["1168"],
        },
    ),
    "importer-small-export.xml": Expect(
        published="1 2 4 6 11 15 17 19 22",
        types={"post": 5, "page": 4},
        skipped={"page/draft": 1, "post/private": 1},
        skipped_ids={"page/draft": ["9"], "post/private": ["13"]},  # "Draft Page", "Private Post"
    ),
    "importer-valid-wxr-1.0.xml": Expect(published="1 2 4 6 8 10", types={"post": 3, "page": 3}),
    "importer-valid-wxr-1.1.xml": Expect(published="1 2", types={"post": 1, "page": 1}),
    "importer-wxr-simple.xml": Expect(published="10", types={"post": 1}),
    "importer-wxr-utf-8-challenges.xml": Expect(published="10", types={"post": 1}),
    "importer-wxr-with-sub-data.xml": Expect(published="101", types={"post": 1}),
    "importer-missing-tags.xml": Expect(published="1", types={"post": 1}, texts={"1": "text"}),
    "importer-backslashes.xml": Expect(
        published="1", types={"post": 1}, texts={"1": "C:\\xampp\\htdocs\\wp-content"}),
    "importer-slashes.xml": Expect(
        published="1", types={"post": 1}, texts={"1": "Slashes aren\\'t \\\"cool\\\""}),
    "importer-blank-lines.xml": Expect(
        published="1", types={"post": 1}, texts={"1": "first paragraph\n\nsecond paragraph"}),
    "importer-post-content-blank-lines.xml": Expect(
        published="1", types={"post": 1},
        texts={"1": "This is an example of a WordPress post.\n\t\tIt has lines with text (and "
                    "one blank line).\n\nAnd more lines with text."}),
    "importer-cdata-edge.xml": Expect(
        published="1", types={"post": 1}, texts={"1": "ends with sequence ]] >"}),
    "importer-multiple-cdata.xml": Expect(
        published="1", types={"post": 1}, texts={"1": "\nline oneline twoline three\n"}),
    "importer-crazy-cdata-escaped.xml": Expect(
        published="1", types={"post": 1},
        texts={"1": "Content with nested <![CDATA[ tags ]]> :)"}),
    # A bare "]]>" inside content is not well-formed XML: its only item is cut by the break.
    "importer-crazy-cdata.xml": Expect(
        published="", types={},
        error=MALFORMED + "not well-formed (invalid token): line 18, column 71"),
    # Its one item is cut off ("Missing closing tags intentionally").
    "importer-malformed-simple.xml": Expect(
        published="", types={}, error=MALFORMED + "no element found: line 14, column 0"),
    # <notachanneltag> closed by </channel>; no item.
    "importer-malformed.xml": Expect(
        published="", types={}, error=MALFORMED + "mismatched tag: line 90, column 2"),
    # Authors, categories and terms only: no item at all (the version tag is not checked).
    "importer-invalid-version-tag.xml": Expect(published="", types={}, error=NO_ITEM),
    "importer-missing-version-tag.xml": Expect(published="", types={}, error=NO_ITEM),
    "importer-namespace-edge-cases.xml": Expect(
        # 1: a second post_id (999) in the same namespace under another prefix is ignored;
        # 2: <post_id xmlns="http://wordpress.org/export/1.2/"> is wp:post_id;
        # 6: "&lol1;" inside CDATA is text, not an entity.
        published="1 2 3 4 6",
        types={"post": 5},
        # "Hijacked Namespace": its wp: prefix is rebound to another URI, so it has no
        # WordPress type, status or id.
        skipped={"(none)/(none)": 1},
        skipped_ids={"(none)/(none)": [None]},
        texts={"2": "Testing default namespace",
               "6": "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"},
    ),
}


def _read(path: Path) -> tuple[list[RawRecord], list[BadRecord], dict[str, int]]:
    raw = RawFile(path, path.name, sha256_of(path), path.stat().st_size)
    skipped: dict[str, int] = {}
    items = list(read_file(raw, skipped))
    records = [i for i in items if isinstance(i, RawRecord)]
    bad = [i for i in items if isinstance(i, BadRecord)]
    assert items == records + bad, "a BadRecord before a record"
    return records, bad, skipped


@pytest.mark.parametrize("name", PARAMS)
def test_export_publishes_exactly_its_published_public_posts_and_pages(name: str) -> None:
    expect = EXPECTED.get(name)
    if expect is None:
        pytest.fail(f"{name}: no expectation in {__file__}; read the file and write its truth")
    path = WXR_DIR / name
    records, bad, skipped = _read(path)

    assert [r.fields.get("id") for r in records] == expect.published.split()
    assert skipped == expect.skipped
    if expect.error is None:
        assert bad == []
    else:
        assert [(b.index, b.error, b.raw) for b in bad] == [(-1, expect.error, None)]
    texts = {r.fields["id"]: r.fields.get("text", "") for r in records}
    for post_id, text in expect.texts.items():
        assert texts[post_id] == text

    # parse_wxr agrees, and says which posts and pages were skipped and their types.
    result = parse_wxr(path.read_bytes())
    assert [r["id"] for r in result.records] == expect.published.split()
    assert Counter(str(r["post_type"]) for r in result.records) == expect.types
    assert result.skipped == expect.skipped
    named = {k: v for k, v in result.skipped_ids.items()
             if not k.startswith(("attachment/", "nav_menu_item/"))}
    assert named == expect.skipped_ids
    skipped_ids = {i for ids in result.skipped_ids.values() for i in ids}
    assert set(expect.published.split()) & (skipped_ids - {"156"}) == set()  # 156: see a11y


PROTECTED_FILES = [n for n in FILES if n in EXPECTED
                   and any(k.endswith("+password") for k in EXPECTED[n].skipped)]


@pytest.mark.parametrize(
    "name", PROTECTED_FILES or [pytest.param("", marks=pytest.mark.skip(reason=ABSENT))]
)
def test_password_protected_text_is_in_no_record(name: str) -> None:
    data = (WXR_DIR / name).read_text(encoding="utf-8")
    assert all(p in data for p in PROTECTED)
    records, bad, _ = _read(WXR_DIR / name)
    shown = repr([r.fields for r in records]) + repr(bad)
    assert not any(p in shown for p in PROTECTED)
    assert "Template: Password Protected" not in {r.fields.get("title") for r in records}


def test_every_expectation_names_a_file() -> None:
    if not FILES:
        pytest.skip(ABSENT)
    assert sorted(set(EXPECTED) - set(FILES)) == []
