"""Shortcode parsing and stripping (cleaners.text.shortcodes)."""

from __future__ import annotations

import base64
import random
import re
from importlib import resources
from urllib.parse import quote

import pytest

from cleaners.edits import Edit
from cleaners.text.clean import clean_text
from cleaners.text.shortcodes import (
    DEFAULT_SHORTCODE_POLICY,
    ShortcodePolicy,
    escape_bracket_entities,
    find_shortcodes,
    parse_shortcode_attrs,
    strip_shortcodes,
    wordpress_strip_policy,
)
from tests.support.data import ROOT

SEEDS = ROOT / "raw" / "samples"
FR_SEED = SEEDS / "004_8ee08c2d1de8db32.txt"


def fr_seed() -> str:
    if not FR_SEED.exists():
        pytest.skip(f"French seed article not found at {FR_SEED}")
    return FR_SEED.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the seed


def test_french_seed_blockquote_unwrapped_with_texturized_attributes() -> None:
    text = fr_seed()
    out, edits = strip_shortcodes(text)
    assert "[" not in out and "]" not in out
    assert "″" not in out and "= »" not in out
    assert "penci_blockquote" not in out
    quote = (
        "La Chine est prête à travailler avec d’autres pays pour saisir les opportunités "
        "historiques offertes par la révolution de l’information"
    )
    assert quote in out
    # the quote stays a paragraph of its own, the promo line is not this module's business
    lines = out.split("\n")
    assert any(line.startswith(quote) for line in lines)
    assert "A (re) lire : Énurésie" in out
    assert edits == [
        Edit("shortcode", 'unwrapped penci_blockquote author="Président chinois, Xi Jinping"')
    ]
    # every line of the seed that had no shortcode is returned unchanged
    for line in text.split("\n"):
        if "[" not in line:
            assert line in lines


def test_texturized_attributes_parse() -> None:
    attrs = parse_shortcode_attrs(
        " style= »style-2″ align= »none » author= »Président chinois, Xi Jinping » font_weight= »bold »"
    )
    assert attrs == {
        "style": "style-2",
        "align": "none",
        "author": "Président chinois, Xi Jinping",
        "font_weight": "bold",
    }


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        (' id="123" size="medium"', {"id": "123", "size": "medium"}),
        (" id='123' size='medium'", {"id": "123", "size": "medium"}),
        (" id=123 size=medium", {"id": "123", "size": "medium"}),
        (
            ' abc="foo" def=123 https://wordpress.org/',
            {"abc": "foo", "def": "123", "0": "https://wordpress.org/"},
        ),
        (" author=“Jane Doe” title=”Opinion″", {"author": "Jane Doe", "title": "Opinion"}),
        (" cite=« Le Monde » year=2020", {"cite": "Le Monde", "year": "2020"}),
        (" foo=\"\" bar=''", {"foo": "", "bar": ""}),
        (
            " 123 https://example.com/ 'quoted'",
            {"0": "123", "1": "https://example.com/", "2": "quoted"},
        ),
        (' Data-Hyphen="x" under_score="y"', {"data-hyphen": "x", "under_score": "y"}),
    ],
)
def test_attribute_quoting(attrs: str, expected: dict[str, str]) -> None:
    assert parse_shortcode_attrs(attrs) == expected


# --------------------------------------------------------------------------- grammar


def test_dropcap_unwraps_without_spacing() -> None:
    assert strip_shortcodes("[dropcap]L[/dropcap]a Chine")[0] == "La Chine"


def test_nested_page_builder_rows() -> None:
    text = (
        '[vc_row][vc_column width="1/2"][vc_column_text]First paragraph of the story.\n\n'
        "Second paragraph.[/vc_column_text][/vc_column][vc_column]"
        '[vc_single_image image="42" img_size="large"][/vc_column][/vc_row]'
    )
    out, edits = strip_shortcodes(text)
    assert out == "First paragraph of the story.\n\nSecond paragraph."
    kinds = [e.detail.split()[0] for e in edits]
    assert kinds.count("unwrapped") == 4 and kinds.count("removed") == 1


def test_same_tag_nested() -> None:
    text = "[quote]Outer says: [quote]Inner quote.[/quote] Back to outer.[/quote]"
    found = find_shortcodes(text)
    assert [(s.name, s.content) for s in found] == [
        ("quote", "Outer says: [quote]Inner quote.[/quote] Back to outer."),
        ("quote", "Inner quote."),
    ]
    assert strip_shortcodes(text)[0] == "Outer says: Inner quote. Back to outer."


def test_enclosing_over_several_lines_and_self_closing() -> None:
    text = 'Before.\n[et_pb_text admin_label="Text"]\nLine one.\nLine two.\n[/et_pb_text]\n[gallery ids="1,2" /]\nAfter.'
    out, edits = strip_shortcodes(text)
    # the lines that only held markup are gone with their newline
    assert out == "Before.\nLine one.\nLine two.\nAfter."
    assert Edit("shortcode", "unwrapped et_pb_text") in edits
    assert any(e.detail.startswith("removed gallery") for e in edits)


def test_escaped_shortcode_is_literal() -> None:
    out, edits = strip_shortcodes("Type [[gallery]] or [[caption]x[/caption]] to embed.")
    assert out == "Type [gallery] or [caption]x[/caption] to embed."
    assert [e.detail for e in edits] == ["unescaped [[gallery]]", "unescaped [[caption]]"]


def test_hyphen_and_underscore_names() -> None:
    text = 'A [contact-form-7 id="5" title="Contact"] B [my_plugin-box]kept[/my_plugin-box] C'
    assert [s.name for s in find_shortcodes(text)] == ["contact-form-7", "my_plugin-box"]
    assert strip_shortcodes(text)[0] == "A B kept C"


@pytest.mark.parametrize(
    "text",
    [
        "He said it was “the best […] ever”.",
        "Their decision [sic] was final.",
        "As shown in studies [1], [2] and [12].",
        "BEIJING [Reuters] - China said on Monday",
        "[Update: The ministry has since responded.] The story continues.",
        "[Editor's note: this article was corrected.]",
        "Prices rose [by 5 %] in [March]",
        "Ein Zitat [Anm. d. Red.: gekürzt] folgt.",
        "Le [Président] a parlé [en anglais].",
        "array[0] = x[i] + y[j] + a[b]",
        "Unbalanced [bracket and ] and [ and [[ and ]]",
    ],
)
def test_brackets_that_are_not_shortcodes_stay(text: str) -> None:
    assert strip_shortcodes(text) == (text, [])


def test_unknown_tag_alone_on_its_line_is_markup() -> None:
    text = "Para one.\n[responsivevoice]\nPara two.\n[laughter]\n[Applause]\n[sic]"
    out, edits = strip_shortcodes(text)
    assert out == "Para one.\nPara two.\n[laughter]\n[Applause]\n[sic]"
    assert edits == [Edit("shortcode", "removed responsivevoice")]
    assert strip_shortcodes("Text [responsivevoice] inline.")[1] == []


@pytest.mark.parametrize("text", [
    # an editor's insertion in a sentence: its words were removed as an unknown shortcode
    # (held-out news pages: "lighter [second-half] results")
    "The retailer posted lighter [second-half] results on Monday.",
    "She met her [ex-wife], who confirmed it.",
    "Profits [pre-tax] rose by a third.",
    "He said the deal was [first-quarter].",
])
def test_a_hyphenated_insertion_in_a_sentence_stays(text: str) -> None:
    assert strip_shortcodes(text) == (text, [])


@pytest.mark.parametrize(("text", "expected"), [
    ("Intro.\n[social-share]\nMore.", "Intro.\nMore."),  # alone on its line
    ("Share: [social-share]", "Share:"),  # at a line's end
    ("Some text.[related-posts]", "Some text."),  # glued to a sentence's end
    ("see [vc_row] here", "see here"),  # a plugin's snake_case name, anywhere
])
def test_a_hyphenated_tag_outside_a_sentence_is_still_markup(text: str, expected: str) -> None:
    assert strip_shortcodes(text)[0] == expected


def test_deep_nesting_does_not_overflow() -> None:
    text = "[quote]" * 3000 + "deep text" + "[/quote]" * 3000
    assert strip_shortcodes(text)[0] == "deep text"
    text = "[vc_row]" * 3000 + "deep text" + "[/vc_row]" * 3000
    assert strip_shortcodes(text)[0] == "deep text"


def test_known_tag_left_open_is_removed() -> None:
    out, edits = strip_shortcodes("Before. [quote] After [vc_row] the end.")
    assert out == "Before. After the end."
    assert [e.detail for e in edits] == ["removed quote", "removed vc_row"]


def test_removed_text_is_logged_whole() -> None:
    inner = " ".join(["alpha", "beta", "gamma", "delta"] * 40)
    out, edits = strip_shortcodes(f'The council voted. [gallery id="7"]{inner}[/gallery] The end.')
    assert out == "The council voted. The end."
    assert edits == [Edit("shortcode", f"removed gallery: {inner}")]


def test_orphan_and_unclosed_tags() -> None:
    out, edits = strip_shortcodes("[/vc_column_text][/vc_column]Text [vc_row]stays.")
    assert out == "Text stays."
    assert len(edits) == 3


def test_removed_block_does_not_glue_sentences() -> None:
    out, edits = strip_shortcodes(
        'End of a sentence.[caption id="attachment_9" width="300"]Photo: AFP[/caption]Next sentence.',
        ShortcodePolicy(keep_captions=False),
    )
    assert out == "End of a sentence.\nNext sentence."
    assert edits == [Edit("shortcode", "removed caption: Photo: AFP")]


def test_removed_between_spaces_leaves_one_space() -> None:
    assert strip_shortcodes("before [ad id=3] after")[0] == "before after"


def test_media_dropped_with_content_and_attrs_in_detail() -> None:
    text = 'Intro.\n\n[embed]https://www.youtube.com/watch?v=abc[/embed]\n\n[blockquote author="Jane Doe" cite="AP"]Quoted words.[/blockquote]'
    out, edits = strip_shortcodes(text)
    assert out == "Intro.\n\nQuoted words."
    assert edits == [
        Edit("shortcode", "removed embed: https://www.youtube.com/watch?v=abc"),
        Edit("shortcode", 'unwrapped blockquote author="Jane Doe" cite="AP"'),
    ]


def test_drop_tag_swallowing_a_long_text_is_unwrapped() -> None:
    body = " ".join(["This is a real sentence of the article."] * 60)
    out, _ = strip_shortcodes(f"[ad]{body}[/ad]")
    assert out == body
    short = ShortcodePolicy(max_drop_chars=None)
    assert strip_shortcodes(f"[ad]{body}[/ad]", short)[0] == ""


def test_a_long_drop_tag_of_encoded_code_is_still_dropped() -> None:
    # WPBakery stores a raw HTML block URL-encoded, then base64: 3,616 characters of it were
    # unwrapped into the text because they exceeded max_drop_chars
    code = base64.b64encode(quote('<div class="box">' + "Hello world. " * 250 + "</div>")
                            .encode()).decode()
    assert len(code) > DEFAULT_SHORTCODE_POLICY.max_drop_chars
    out, edits = strip_shortcodes(f"The council voted.\n[vc_raw_html]{code}[/vc_raw_html]\nThe end.")
    assert out == "The council voted.\nThe end."
    assert edits[0].detail.startswith("removed vc_raw_html: ")
    nested = "[gallery]" * 1000 + "Ad text" + "[/gallery]" * 1000
    assert "Ad text" not in strip_shortcodes(f"Intro. {nested} Outro.")[0]


def test_policy_rules_are_configurable() -> None:
    policy = DEFAULT_SHORTCODE_POLICY.with_rules(drop={"pullquote"}, unwrap={"caption"})
    text = "[pullquote]Repeated line[/pullquote]Body.[caption]Caption text[/caption]"
    assert strip_shortcodes(text, policy)[0] == "Body.\nCaption text"
    keep = ShortcodePolicy(unknown="keep")
    assert strip_shortcodes("[my_thing]x[/my_thing]", keep)[0] == "[my_thing]x[/my_thing]"
    drop = ShortcodePolicy(unknown="drop")
    assert strip_shortcodes("a [my_thing]x[/my_thing] b", drop)[0] == "a b"
    assert strip_shortcodes("a [my_thing]x[/my_thing] b")[0] == "a x b"


def test_shortcodes_inside_html_tags_are_left_alone() -> None:
    text = '<a href="[url]">x</a> <!--[if lt IE 7]><![endif]--> <div [gallery]> [gallery]'
    expected = '<a href="[url]">x</a> <!--[if lt IE 7]><![endif]--> <div [gallery]>'
    assert strip_shortcodes(text)[0] == expected


def test_wordpress_policy_only_strips_registered_tags() -> None:
    policy = wordpress_strip_policy(["gallery"])
    assert strip_shortcodes("before[gallery]middle [footag]after", policy)[0] == (
        "beforemiddle [footag]after"
    )


# --------------------------------------------------------------------------- residue


def _wmt_paragraphs() -> list[str]:
    path = (
        ROOT.parent / "shared" / "eval" / "wmt" / "newstest2012-src.en.sgm"
    )
    if not path.exists():
        pytest.skip(f"evaluation data not found at {path} (../shared/eval is not in this clone)")
    raw = path.read_text(encoding="utf-8")
    segs = re.findall(r"<seg[^>]*>(.*?)</seg>", raw)
    return [s.strip() for s in segs[:400] if "[" not in s and "]" not in s and s.strip()]


WRAPPERS = [
    ("[vc_row][vc_column][vc_column_text]", "[/vc_column_text][/vc_column][/vc_row]"),
    (
        '[et_pb_section fb_built="1"][et_pb_row][et_pb_column type="4_4"][et_pb_text]',
        "[/et_pb_text][/et_pb_column][/et_pb_row][/et_pb_section]",
    ),
    (
        "[penci_blockquote style= »style-2″ align= »none » author= »Jane Doe »]",
        "[/penci_blockquote]",
    ),
    ('[su_quote cite="Reuters"]', "[/su_quote]"),
    ("[blockquote]", "[/blockquote]"),
    (
        '[fusion_builder_container hundred_percent="no"][fusion_text]',
        "[/fusion_text][/fusion_builder_container]",
    ),
]
MEDIA = [
    # a caption with no caption text (one with text is kept as a paragraph: test_captions.py)
    '[caption id="attachment_1234" align="aligncenter" width="640"]<img src="a.jpg" alt="" />[/caption]',
    '[gallery ids="11,12,13" columns="3"]',
    "[embed]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/embed]",
    '[contact-form-7 id="77" title="Contact form 1"]',
    '[adsense id="top"]',
    '[vc_single_image image="99" img_size="full"]',
    '[video width="1280" height="720" mp4="https://example.com/a.mp4"][/video]',
    '[the_ad id="501"]',
    "[audio mp3=“https://example.com/a.mp3”]",
]


def test_injected_shortcodes_leave_every_sentence_and_no_residue() -> None:
    paragraphs = _wmt_paragraphs()
    rng = random.Random(4)
    for trial in range(60):
        sample = rng.sample(paragraphs, 6)
        parts = []
        for p in sample:
            if rng.random() < 0.6:
                opening, closing = rng.choice(WRAPPERS)
                p = f"{opening}{p}{closing}"
            parts.append(p)
            if rng.random() < 0.5:
                parts.append(rng.choice(MEDIA))
        sep = rng.choice(["\n", "\n\n"])
        out, edits = strip_shortcodes(sep.join(parts))
        assert edits, trial
        assert "[" not in out and "]" not in out, out
        kept = [line for line in out.split("\n") if line.strip()]
        assert kept == sample, trial


def test_real_news_brackets_are_untouched() -> None:
    """WMT news documents with their own brackets ("[SIU]", "[Islamic jurisprudence,
    Editor's note]", "[which]"): strip_shortcodes changes nothing."""
    folder = ROOT.parent / "shared" / "eval" / "wmt"
    if not folder.exists():
        pytest.skip(f"evaluation data not found at {folder} (no ../shared/eval)")
    with_brackets = 0
    for path in sorted(folder.glob("newstest*.sgm")):
        raw = path.read_text(encoding="utf-8")
        for doc in re.findall(r"<doc [^>]*>(.*?)</doc>", raw, re.S):
            text = "\n".join(s.strip() for s in re.findall(r"<seg[^>]*>(.*?)</seg>", doc, re.S))
            with_brackets += "[" in text
            assert strip_shortcodes(text) == (text, [])
    assert with_brackets >= 20


def test_never_raises_on_bracket_soup() -> None:
    rng = random.Random(11)
    alphabet = [
        "[",
        "]",
        "/",
        "=",
        '"',
        "'",
        "»",
        "″",
        " ",
        "\n",
        "vc_row",
        "gallery",
        "a",
        "[/",
        "[[",
    ]
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        out, edits = strip_shortcodes(text)
        assert isinstance(out, str) and all(e.kind == "shortcode" for e in edits)
        if not edits:
            assert out == text  # nothing recognised: nothing changed


def test_tag_lists_are_package_data_read_once() -> None:
    folder = resources.files("cleaners").joinpath("data", "shortcodes")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".txt"))
    assert names == [
        "annotations.txt",
        "captions.txt",
        "drop.txt",
        "drop_words.txt",
        "heading_attrs.txt",
        "inline.txt",
        "tables.txt",
        "unwrap.txt",
        "unwrap_prefixes.txt",
    ]
    policy = ShortcodePolicy()
    assert policy == DEFAULT_SHORTCODE_POLICY
    assert policy.drop is DEFAULT_SHORTCODE_POLICY.drop  # one set, shared
    assert {"gallery", "contact-form-7", "the_ad"} <= policy.drop
    assert {"vc_row", "su_quote", "penci_blockquote"} <= policy.unwrap
    assert policy.unwrap_prefixes[:2] == ("vc_", "et_pb_")
    assert not policy.unwrap & policy.drop
    assert policy.inline - policy.unwrap == {"su_label"}
    assert "#" not in "".join(policy.drop | policy.unwrap | policy.drop_words | policy.inline)


# --------------------------------------------------------------------------- attribute text
# Page builders print some attributes as the heading of what they wrap (a box's title, a tab's
# label, a heading shortcode's text): a reader sees them, so they are kept as a paragraph.


@pytest.mark.parametrize(
    ("text", "expected", "detail"),
    [
        (
            '[su_box title="Key facts"]The dam is 40 m high.[/su_box]\n\nMore text.',
            "Key facts\n\nThe dam is 40 m high.\n\nMore text.",
            'unwrapped su_box (title="Key facts" kept as a paragraph)',
        ),
        (
            'Intro.\n[vc_custom_heading text="Our history" font_container="tag:h2"]\nWe began in 1990.',
            "Intro.\n\nOur history\n\nWe began in 1990.",
            'unwrapped vc_custom_heading (text="Our history" kept as a paragraph)',
        ),
        (
            '[su_spoiler title="Read the details" style="fancy"]Details here.[/su_spoiler]',
            "Read the details\n\nDetails here.",
            'unwrapped su_spoiler (title="Read the details" kept as a paragraph)',
        ),
        (
            '[vc_tta_accordion][vc_tta_section title="Section A" tab_id="1554"]'
            "[vc_column_text]Alpha.[/vc_column_text][/vc_tta_section][/vc_tta_accordion]",
            "Section A\n\nAlpha.",
            'unwrapped vc_tta_section (title="Section A" kept as a paragraph)',
        ),
        (
            '[et_pb_blurb title="Fast delivery" image="https://x.test/a.png" _builder_version="4.9"'
            ' admin_label="Blurb"]We ship in a day.[/et_pb_blurb]',
            "Fast delivery\n\nWe ship in a day.",
            'unwrapped et_pb_blurb (title="Fast delivery" kept as a paragraph)',
        ),
        (
            "End of part one.\n[vc_text_separator title=\"Part two\" color=\"grey\"]\nStart.",
            "End of part one.\n\nPart two\n\nStart.",
            'unwrapped vc_text_separator (title="Part two" kept as a paragraph)',
        ),
        (
            "[av_heading heading='The plan' tag='h3' color='#ffffff'][/av_heading]Step one.",
            "The plan\n\nStep one.",
            'unwrapped av_heading (heading="The plan" kept as a paragraph)',
        ),
    ],
)
def test_heading_attributes_are_kept_as_a_paragraph(text: str, expected: str, detail: str) -> None:
    out, edits = strip_shortcodes(text)
    assert out == expected
    assert Edit("shortcode", detail) in edits


def test_tabs_keep_each_title_before_its_content() -> None:
    text = (
        "Compare:\n[su_tabs][su_tab title=\"First\"]One.[/su_tab]"
        '[su_tab title="Second"]Two.[/su_tab][/su_tabs]\nDone.'
    )
    assert strip_shortcodes(text)[0] == "Compare:\n\nFirst\n\nOne.\n\nSecond\n\nTwo.\nDone."
    # WPBakery writes quotes and brackets in attribute values as ``, `{` and `}`
    assert strip_shortcodes('[vc_toggle title="The ``best`` `{`sic`}`"]x[/vc_toggle]')[0] == (
        'The "best" [sic]\n\nx'
    )


@pytest.mark.parametrize(
    "text",
    [
        # not text: ids, classes, URLs, numbers, colours, switches
        '[su_box title="#ff0000"]x[/su_box]',
        '[su_box title="https://example.com/a"]x[/su_box]',
        '[su_box title="12"]x[/su_box]',
        '[su_box title="false"]x[/su_box]',
        '[su_box title="box-style_2"]x[/su_box]',
        '[su_box title=""]x[/su_box]',
        # attributes that are not headings, and builder-only labels
        '[su_box id="Key facts" class="Key facts" style="Key facts"]x[/su_box]',
        '[et_pb_text admin_label="Key facts"]x[/et_pb_text]',
        # a title on an inline tag is a tooltip; on a standalone widget, not text of the post
        '[su_tooltip title="Key facts"]x[/su_tooltip]',
        '[div title="Key facts"]x[/div]',
        '[my_widget title="Key facts"]\nx',
        # dropped tags keep nothing: a button's label is UI
        '[su_button title="Key facts"]Buy now[/su_button]x',
        '[vc_btn title="Key facts" link="url:x"]x',
    ],
)
def test_attributes_that_are_not_headings_are_not_text(text: str) -> None:
    out, edits = strip_shortcodes(text)
    assert out == "x"
    assert all("kept as a paragraph" not in e.detail for e in edits)


def test_a_builders_attribute_that_reads_as_prose_is_text() -> None:
    # a theme's demo export (kamrankhan361k/thecraft…): an icon box and a testimonial print
    # their text from attributes; the pages came out empty ("no text left")
    prose = "We design every page by hand, from the first sketch to the last pixel."
    out, edits = strip_shortcodes(
        f'[iconbox icon="fa-star" heading="CREATIVE DESIGNS" description="{prose}"]\n'
        f'[testimonials text="{prose}" name="SABRINA SMITH" image="/a.jpg"]\n'
        '[vc_btn title="Learn more about our work and our team today." link="url:x"]\nx')
    assert out == f"CREATIVE DESIGNS\n\n{prose}\n\n{prose}\n\nx"
    assert Edit("shortcode", f'unwrapped iconbox (heading="CREATIVE DESIGNS", description="{prose}"'
                             " kept as paragraphs)") in edits
    # markup inside the value is not text (a review); a comparison is not markup
    assert strip_shortcodes('[su_box title="Costs < 5 % > last year"]x[/su_box]')[0] == (
        "Costs < 5 % > last year\n\nx")
    assert strip_shortcodes(f'[iconbox description="We build <b>sites</b>, {prose[3:]}"]\nx')[
        0] == f"We build sites, {prose[3:]}\n\nx"
    # a short value, one on an inline tag or an HTML element's name, or a paywall's or a cookie
    # notice's message (a review), is no text of the post
    for text in ('[counter heading="FINISHED PROJECTS" number="250"]\nx',
                 f'[restrict paid="true" message="{prose}"]x[/restrict]',
                 f'[cookie_notice message="{prose}"]\nx',
                 f'[su_tooltip title="{prose}"]x[/su_tooltip]', f'[div title="{prose}"]x[/div]'):
        assert strip_shortcodes(text)[0] == "x", text


def test_headings_are_not_kept_by_the_wordpress_policy() -> None:
    policy = wordpress_strip_policy(["su_box"])
    assert strip_shortcodes('[su_box title="Key facts"]x[/su_box]y', policy)[0] == "y"


# --------------------------------------------------------------------------- CSV tables
# Easy Table and Otto's Simple Table render an enclosing [table] of CSV rows as an HTML table:
# its cells are read; TablePress's standalone [table id=1 /] holds nothing to read.


def test_csv_table_cells_are_kept_as_lines() -> None:
    text = "Results:\n[table]\nName,Score\nAnna,12\n\"Bob, Jr.\",9\n[/table]\nEnd."
    out, edits = strip_shortcodes(text)
    assert out == "Results:\n\nName Score\nAnna 12\nBob, Jr. 9\n\nEnd."
    assert edits == [Edit("shortcode", "unwrapped table (3 rows kept as text lines)")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a quoted cell's line break is a space between its words, a blank line in it too
        ('Name,Notes\nAnna,"first line\nsecond line"\nBob,ok', "Name Notes\nAnna first line second line\nBob ok"),
        ('Name,Notes\nAnna,"first line\n\nsecond line"\nBob,ok', "Name Notes\nAnna first line second line\nBob ok"),
        ('Name,Notes\r\nAnna,"first line\r\nsecond line"\r\nBob,ok\r\n', "Name Notes\nAnna first line second line\nBob ok"),
        # old Mac line ends are line ends
        ("Name,City\rDoe,Berlin", "Name City\nDoe Berlin"),
        # a quote that never closes does not swallow the rows after it: each line is a row
        ('Name,"open quote\nDoe,Berlin', "Name open quote\nDoe Berlin"),
    ],
)
def test_csv_table_cells_spanning_lines_keep_their_words_apart(body: str, expected: str) -> None:
    assert strip_shortcodes(f"[table]{body}[/table]")[0] == expected
    assert clean_text(f"[table]{body}[/table]").text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a space after the separator, as people write a list, does not unquote the cell
        ('[table]Name, City\nDoe, "Berlin, DE"\nRoe, Paris[/table]', "Name City\nDoe Berlin, DE\nRoe Paris"),
        ('[table sep=";"]Name; City\nDoe; "Berlin; DE"[/table]', "Name City\nDoe Berlin; DE"),
    ],
)
def test_csv_table_quoted_cell_after_a_space_keeps_its_separator(text: str, expected: str) -> None:
    assert strip_shortcodes(text)[0] == expected
    assert clean_text(text).text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[table sep=;]Name;City\nDoe, Jane;Berlin[/table]", "Name City\nDoe, Jane Berlin"),
        ('[table sep="tab"]Name\tCity\n"Doe, Jane"\t\tBerlin\t[/table]', "Name City\nDoe, Jane Berlin"),
        ('[table sep="\\t"]Name\tCity\nDoe, Jane\tBerlin[/table]', "Name City\nDoe, Jane Berlin"),
        ('[table sep="\t"]Name\tCity\nDoe, Jane\tBerlin[/table]', "Name City\nDoe, Jane Berlin"),
        # a header row only; trailing and wholly empty cells
        ("[table]\nName,City,Notes\n[/table]", "Name City Notes"),
        ("[table]Name,City,,\nDoe,,,\n,,,\n[/table]", "Name City\nDoe"),
        ('[table]Name,City\n"Doe, Jane",Berlin\n"Say ""hi""",Paris[/table]', 'Name City\nDoe, Jane Berlin\nSay "hi" Paris'),
        # Windows line ends, inside a quoted cell too
        ('Before\r\n[table]\r\nName,City\r\n"Roe,\r\nRick",Paris\r\n[/table]\r\nAfter',
         "Before\n\nName City\nRoe, Rick Paris\n\nAfter"),
    ],
)
def test_csv_table_edge_cases_of_real_bodies(text: str, expected: str) -> None:
    assert strip_shortcodes(text)[0] == expected
    assert clean_text(text).text == expected


def test_a_large_csv_table_is_read_whole() -> None:
    # 100,000 rows (4.6 MB), one cell quoted over two lines in each: read in one pass (timed
    # outside the tests: about 0.2 s)
    rows = "".join(f'Person {i},"Berlin, DE","line one\nline two"\n' for i in range(100_000))
    out, edits = strip_shortcodes(f"Intro.\n[table]\nName,City,Notes\n{rows}[/table]\nEnd.")
    lines = out.split("\n")
    assert len(lines) == 100_005
    assert lines[:3] == ["Intro.", "", "Name City Notes"]
    assert lines[-3:] == ["Person 99999 Berlin, DE line one line two", "", "End."]
    assert edits == [Edit("shortcode", "unwrapped table (100001 rows kept as text lines)")]


def test_csv_table_separator_caption_and_nested_tags() -> None:
    text = '[table sep=";" caption="Prices"]Item;Price\nTea;[highlight]2 €[/highlight]\n[/table]'
    out, edits = strip_shortcodes(text)
    assert out == "Prices\n\nItem Price\nTea 2 €"
    assert [e.detail for e in edits] == [
        'unwrapped table (caption="Prices" kept as a paragraph; 2 rows kept as text lines)',
        "unwrapped highlight",
    ]


def test_csv_table_cells_are_kept_in_a_body_with_paragraph_markup() -> None:
    # html_to_text folds the line breaks of a body with <p> before shortcodes are parsed: the
    # row boundaries are gone, the cells are not
    result = clean_text("<p>Data:</p>\n[table]\nName,Score\nAnna,12\n[/table]\n<p>End.</p>")
    assert result.text == "Data:\n\nName Score Anna 12\n\nEnd."


HTML_TABLE = "<table><tr><th>Name</th><th>City</th></tr><tr><td>Doe, Jane</td><td>Berlin</td></tr></table>"


def test_a_table_tag_wrapping_markup_is_unwrapped_not_read_as_csv() -> None:
    # the commas inside an HTML table's cells, or a paragraph's, are not cell separators
    out, edits = strip_shortcodes(f"Staff:[table]{HTML_TABLE}[/table]Done.")
    assert out == f"Staff:\n{HTML_TABLE}\nDone."
    assert edits == [Edit("shortcode", "unwrapped table (markup, not CSV rows)")]
    out, edits = strip_shortcodes('[table caption="Staff"]<p>Doe, Jane</p>[/table]')
    assert out == "Staff\n\n<p>Doe, Jane</p>"
    assert [e.detail for e in edits] == [
        'unwrapped table (caption="Staff" kept as a paragraph; markup, not CSV rows)'
    ]
    # a nested tag is cleaned, and logged, once
    out, edits = strip_shortcodes("[table]<p>[highlight]Doe, Jane[/highlight]</p>[/table]")
    assert out == "<p>Doe, Jane</p>"
    assert [e.detail for e in edits] == ["unwrapped table (markup, not CSV rows)", "unwrapped highlight"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"[table]{HTML_TABLE}[/table]", "Name City\n\nDoe, Jane Berlin"),
        (f"[table]\n{HTML_TABLE}\n[/table]", "Name City\n\nDoe, Jane Berlin"),
        ("[table]<table><tr><td>Doe, Jane</td><td>Berlin</td></tr></table>[/table]", "Doe, Jane Berlin"),
        # a body with paragraph markup elsewhere: html_to_text has written the markup's text
        # before shortcodes are read, each row or block a paragraph of its own
        (f"<p>Intro, here.</p>[table]{HTML_TABLE}[/table]<p>After</p>",
         "Intro, here.\n\nName City\n\nDoe, Jane Berlin\n\nAfter"),
        ("<p>Staff:</p>[table]<p>Doe, Jane</p><p>Roe, Rick</p>[/table]", "Staff:\n\nDoe, Jane\n\nRoe, Rick"),
        ('[table caption="Staff"]<div>Doe, Jane</div>[/table]', "Staff\n\nDoe, Jane"),
    ],
)
def test_a_table_tag_wrapping_markup_keeps_its_commas_through_clean_text(
    text: str, expected: str
) -> None:
    assert clean_text(text).text == expected


def test_csv_rows_with_a_blank_line_among_them_are_still_csv() -> None:
    # CSV rows are consecutive lines: a stray blank line does not make them paragraphs
    text = "[table]\nName,City\n\nDoe,Berlin\nRoe,Paris\n[/table]"
    assert strip_shortcodes(text)[0] == "Name City\nDoe Berlin\nRoe Paris"
    assert clean_text(text).text == "Name City\nDoe Berlin\nRoe Paris"


def test_tablepress_reference_and_empty_table_are_removed() -> None:
    assert strip_shortcodes('See [table id=3 /] below.') == (
        "See below.", [Edit("shortcode", 'removed table')]
    )
    assert strip_shortcodes("A [table] [/table] B")[0] == "A B"


# --------------------------------------------------------------------------- escaped brackets
# WordPress writes a literal shortcode (in prose, in a code block) with a bracket as a character
# reference, &#91;gallery], or doubled, [[gallery]]: the page shows the text [gallery].


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("To add a gallery, type &#91;gallery] in the post.", "To add a gallery, type [gallery] in the post."),
        ("<p>Type &#91;gallery ids=&quot;1,2&quot;&#93; to embed.</p>", 'Type [gallery ids="1,2"] to embed.'),
        ("<pre><code>&#x5B;audio src=x.mp3&#x5D;</code></pre>", "[audio src=x.mp3]"),
        ("Write &lsqb;caption]A bell&lsqb;/caption] around it.", "Write [caption]A bell[/caption] around it."),
        ("Type &amp;#91;gallery] (escaped twice).", "Type [gallery] (escaped twice)."),
        ("Type &#91;gallery] here. [gallery ids=\"3\"]", "Type [gallery] here."),
        # brackets that are no shortcode are plain brackets, not doubled
        ("As shown &#91;1&#93; and &#91;sic&#93; and &#91;Reuters&#93;.", "As shown [1] and [sic] and [Reuters]."),
    ],
)
def test_escaped_bracket_entities_stay_literal_text(text: str, expected: str) -> None:
    assert clean_text(text).text == expected


def test_escape_bracket_entities_writes_the_wordpress_escape() -> None:
    text = "Type &#91;gallery] or &#91;caption]x&#91;/caption] or &#91;1&#93;; [gallery] stays."
    assert escape_bracket_entities(text) == (
        "Type [[gallery]] or [[caption]]x[[/caption]] or &#91;1&#93;; [gallery] stays."
    )
    assert escape_bracket_entities("no entity [gallery]") == "no entity [gallery]"
    # a tag the policy leaves alone is left alone
    keep = wordpress_strip_policy(["gallery"])
    assert escape_bracket_entities("&#91;my_box]x&#91;/my_box]", keep) == "&#91;my_box]x&#91;/my_box]"


@pytest.mark.timeout(30)
def test_tags_left_open_are_read_in_linear_time() -> None:
    # each was searched to the end of the text once per opening (2026-12-07): 8,000 escaped
    # openings took 56 s, 16,000 open CDATA sections 42 s, a tag followed by 20,000 no-break
    # spaces 10 s (its attributes and a `\s*` of its own shared them); these are 2 to 4 times
    # as long, read in under a second
    openings = "&#91;gallery x " * 16_000
    assert escape_bracket_entities(openings) == openings  # no tag closes: none is rewritten
    # an open CDATA section hides the rest of the text, as an open comment does (WordPress's
    # `get_html_split_regex`): the shortcode before it goes, those after it stay
    cdata = "a [gallery] b <![CDATA[x " * 32_000
    assert strip_shortcodes(cdata)[0] == "a b <![CDATA[x " + cdata[len("a [gallery] b <![CDATA[x "):]
    spaces = "[gallery" + "\u00a0" * 80_000 + "x"
    assert find_shortcodes(spaces) == [] and strip_shortcodes(spaces)[0] == spaces


def test_an_open_cdata_section_hides_the_shortcodes_after_it_as_in_wordpress() -> None:
    assert strip_shortcodes("a [gallery] b <![CDATA[ x ]]> [gallery] c")[0] == "a b <![CDATA[ x ]]> c"
    assert strip_shortcodes("a [gallery] b <![CDATA[ x [gallery] c")[0] == (
        "a b <![CDATA[ x [gallery] c")
    # the spaces before a tag's end belong to its attributes, which are read as before
    assert find_shortcodes("[gallery ids=\"1,2\"  /]")[0].attrs == {"ids": "1,2"}


def test_each_doubled_tag_is_its_own_escape() -> None:
    out, edits = strip_shortcodes("Use [[caption]]text[[/caption]] like this.")
    assert out == "Use [caption]text[/caption] like this."
    assert [e.detail for e in edits] == ["unescaped [[caption]]", "unescaped [[/caption]]"]
