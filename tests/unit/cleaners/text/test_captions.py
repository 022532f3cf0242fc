"""Image captions: ``[caption]``/``[wp_caption]`` text is kept as a paragraph of its own (or
dropped by the policy), and block-editor ``<figcaption>`` text is kept by the HTML step.

The real inputs are WordPress's theme unit test exports (../shared/eval/wordpress/wxr): two of
their posts are nothing but a caption, old style (``caption="…"`` attribute) and new style
(the text after the ``<a><img></a>``).
"""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from cleaners.edits import Edit
from cleaners.text.clean import clean_text
from cleaners.text.config import CleanConfig
from cleaners.text.html import html_to_text
from cleaners.text.shortcodes import (
    DEFAULT_SHORTCODE_POLICY,
    ShortcodePolicy,
    strip_shortcodes,
    wordpress_strip_policy,
)
from flows.readers.wxr import parse_wxr
from tests.support.data import eval_path

DROP = ShortcodePolicy(keep_captions=False)
DROP_CONFIG = CleanConfig(
    shortcodes=dataclasses.replace(DEFAULT_SHORTCODE_POLICY, keep_captions=False)
)
IMG = '<a href="https://example.com/a.jpg"><img class="wp-image-754" src="a.jpg" alt="Bell" /></a>'


@cache
def theme_posts() -> dict[str, str]:
    """Title -> raw content of the published posts of the theme unit test export."""
    path = eval_path("wordpress", "wxr", "themeunittestdata.wordpress.xml")
    return {r["title"]: r["text"] for r in parse_wxr(path.read_bytes()).records}


# --------------------------------------------------------------------------- strip_shortcodes


def test_caption_text_after_the_image_is_its_own_paragraph() -> None:
    text = f'Intro. [caption id="attachment_9" width="300"]{IMG} Bell on a wharf[/caption] More.'
    out, edits = strip_shortcodes(text)
    assert out == "Intro.\n\nBell on a wharf\n\nMore."
    assert edits == [
        Edit(
            "shortcode",
            f"unwrapped caption (caption kept as a paragraph); removed image markup: {IMG}",
        )
    ]


def test_old_style_caption_attribute_is_the_caption() -> None:
    text = f'[caption id="attachment_612" caption="Chunk of husk, Clarkson."]{IMG}[/caption]\nNext.'
    out, edits = strip_shortcodes(text)
    assert out == "Chunk of husk, Clarkson.\n\nNext."
    assert edits[0].detail.startswith('unwrapped caption caption="Chunk of husk, Clarkson."')


def test_wp_caption_and_nested_tags() -> None:
    text = "Before.[wp_caption]<img src='x'/>A [b]bold[/b] one[/wp_caption]After."
    out, edits = strip_shortcodes(text)
    assert out == "Before.\n\nA bold one\n\nAfter."
    assert [e.detail.split(" (")[0] for e in edits] == ["unwrapped wp_caption", "unwrapped b"]


def test_caption_without_text_is_removed_like_media() -> None:
    out, edits = strip_shortcodes('One [caption id="1"]<img src="a.jpg" />[/caption] sentence.')
    assert out == "One sentence."  # no paragraph break for a caption that says nothing
    assert edits == [Edit("shortcode", 'removed caption: <img src="a.jpg" />')]


def test_policy_drops_captions() -> None:
    text = f'End.[caption id="attachment_9"]{IMG} Photo: AFP[/caption]Next.'
    out, edits = strip_shortcodes(text, DROP)
    assert out == "End.\nNext."
    assert edits == [Edit("shortcode", f"removed caption: {IMG} Photo: AFP")]
    assert DROP.action("caption") == DROP.action("wp_caption") == "drop"
    assert DEFAULT_SHORTCODE_POLICY.action("caption") == "caption"
    assert DEFAULT_SHORTCODE_POLICY.keep_captions


def test_explicit_rules_override_the_caption_list() -> None:
    text = "Body.[caption]Caption text[/caption]"
    drop = DEFAULT_SHORTCODE_POLICY.with_rules(drop={"caption"})
    assert strip_shortcodes(text, drop)[0] == "Body."
    unwrap = DEFAULT_SHORTCODE_POLICY.with_rules(unwrap={"caption"})
    assert strip_shortcodes(text, unwrap)[0] == "Body.\nCaption text"


def test_wordpress_policy_strips_registered_captions_as_wordpress_does() -> None:
    policy = wordpress_strip_policy(["caption"])
    assert strip_shortcodes("a[caption]Cap[/caption]b", policy)[0] == "ab"


# --------------------------------------------------------------------------- real exports


def test_a_post_that_is_its_caption_keeps_it() -> None:
    posts = theme_posts()
    new_style = posts["Post Format: Image (Caption)"]
    old_style = posts["Post Format: Image (Linked)"]
    assert "[caption" in new_style and "[caption" in old_style
    assert clean_text(new_style).text == "Bell on wharf in San Francisco"
    assert clean_text(old_style).text == (
        "Chunk of resinous blackboy husk, Clarkson, Western Australia. "
        "This burns like a spinifex log."
    )
    # dropped on request: nothing left (the clean stage quarantines such a post)
    assert clean_text(new_style, config=DROP_CONFIG).text == ""
    assert clean_text(old_style, config=DROP_CONFIG).text == ""


def test_captions_between_paragraphs_are_paragraphs() -> None:
    post = theme_posts()["Markup: Image Alignment"]
    paragraphs = clean_text(post).text.split("\n\n")
    for caption in ("Bigger caption than the image usually is.",
                    "Look at 580x300 getting some caption love.",
                    "Feels good to be right all the time."):
        assert caption in paragraphs
    dropped = clean_text(post, config=DROP_CONFIG).text
    assert "Bigger caption than the image usually is." not in dropped
    assert "The image above happens to be centered." in dropped


def test_block_editor_figcaption_is_kept_as_a_paragraph() -> None:
    """``<figcaption>`` is a block element of the HTML step: its text is a paragraph."""
    post = theme_posts()["Block: Gallery"]
    assert "<figcaption" in post
    paragraphs = clean_text(post).text.split("\n\n")
    assert "Bell on wharf in San Francisco" in paragraphs
    assert "Windmill shrouded in fog at a farm outside of Walker, Iowa" in paragraphs
    out, _ = html_to_text(
        '<figure class="wp-block-image"><img src="a.jpg" alt=""/>'
        '<figcaption class="wp-element-caption">A caption</figcaption></figure><p>Body.</p>'
    )
    assert out == "A caption\n\nBody."


@pytest.mark.parametrize("policy", [DEFAULT_SHORTCODE_POLICY, DROP], ids=["keep", "drop"])
def test_every_caption_of_the_exports_leaves_no_markup(policy: ShortcodePolicy) -> None:
    config = CleanConfig(shortcodes=policy)
    with_captions = [t for t in theme_posts().values() if "[caption" in t]
    assert len(with_captions) >= 4
    for text in with_captions:
        out = clean_text(text, config=config).text
        assert "[caption" not in out and "[/caption]" not in out and "<img" not in out
        assert clean_text(out, config=config).text == out  # cleaning clean text changes nothing
