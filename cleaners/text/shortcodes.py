"""WordPress shortcodes: parse them with WordPress's grammar, unwrap or drop them by policy.

The parser follows the grammar of WordPress's ``get_shortcode_regex()`` and
``shortcode_parse_atts()`` and goes beyond it where real exports need it:

- self-closing ``[tag /]``, standalone ``[tag attr=…]`` and enclosing ``[tag]…[/tag]``
  over several lines;
- nesting (``[vc_row][vc_column][vc_column_text]…``), including the same tag nested
  in itself (matched with a stack, innermost first, which WordPress's regex cannot do);
- escaped ``[[tag]]`` (kept as the literal ``[tag]``, as WordPress prints it);
- names with hyphens and underscores (``[hyphen-foo]`` is the tag ``hyphen-foo``,
  never ``hyphen`` followed by text);
- attributes quoted with ``"``, ``'``, nothing, or texturized quotes with stray spaces
  (``style= »style-2″``, ``author=“Jane Doe”``);
- shortcodes inside HTML tags (``<div [gallery]>``, ``<!--[if lt IE 7]>``) are left alone,
  as WordPress's ``strip_shortcodes`` does.

What happens to a recognised shortcode is a `ShortcodePolicy`: content-bearing tags are
unwrapped (their inner text stays), media/embed/gallery/form/ad tags are removed with
their content. Brackets that are not shortcodes (``[…]``, ``[sic]``, ``[1]``,
``[Reuters]``, ``[Update: …]``) are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from cleaners.edits import Edit

__all__ = [
    "DEFAULT_SHORTCODE_POLICY",
    "Shortcode",
    "ShortcodePolicy",
    "find_shortcodes",
    "parse_shortcode_attrs",
    "strip_shortcodes",
    "wordpress_strip_policy",
]


def _names(words: str) -> frozenset[str]:
    """A set of names written as a whitespace-separated string (easier to edit)."""
    return frozenset(words.split())


Action = Literal["unwrap", "drop", "keep"]

# --------------------------------------------------------------------------- policy

_UNWRAP_TAGS = _names(
    """
        blockquote pullquote quote cite penci_blockquote su_quote su_note su_box su_column su_row
        su_spoiler su_accordion su_tabs su_tab su_list su_callout su_highlight su_dropcap
        dropcap highlight tooltip su_tooltip tippy footnote abbr lang
        vc_row vc_row_inner vc_column vc_column_inner vc_column_text vc_section vc_message
        vc_toggle vc_tta_tabs vc_tta_section vc_tta_accordion vc_custom_heading vc_cta
        et_pb_section et_pb_row et_pb_row_inner et_pb_column et_pb_column_inner et_pb_text
        et_pb_blurb et_pb_toggle et_pb_accordion et_pb_accordion_item et_pb_tabs et_pb_tab
        et_pb_testimonial et_pb_cta et_pb_fullwidth_header
        fusion_builder_container fusion_builder_row fusion_builder_column fusion_text
        fusion_title fusion_builder_row_inner fusion_builder_column_inner
        one_half one_half_last one_third one_third_last two_third two_third_last one_fourth
        one_fourth_last three_fourth three_fourth_last one_fifth one_sixth column columns row
        tabs tab toggle accordion box alert callout note info warning success notice
        b i u s strong em mark sup sub span font color size url link anchor nobr center left
        right justify p div h1 h2 h3 h4 h5 h6 list li ul ol table_text text content
        """
)

_DROP_TAGS = _names(
    """
        caption wp_caption gallery embed audio video playlist wpvideo youtube vimeo dailymotion
        soundcloud spotify tweet twitter instagram facebook tiktok pinterest iframe googlemaps
        gmaps map maps
        contact-form-7 contact-form contact_form gravityform gravityforms wpforms ninja_form
        ninja_forms formidable mc4wp_form mailpoet_form newsletter subscribe email-subscribers
        ad ads adsense advert advertisement adrotate the_ad the_ad_group the_ad_placement ad_code
        bsa_pro_ad_space quads wp_ad_camp dfp banner sponsor sponsored
        related related_posts jetpack_related_posts yarpp penci_related_posts td_block_related_posts
        addtoany ssba sharethis shareaholic social_warfare sharing share social_share
        button btn icon fa divider spacer clear gap separator hr
        envira-gallery foogallery metaslider smartslider3 rev_slider layerslider ngg nggallery
        ngg_images slider table
        vc_single_image vc_gallery vc_images_carousel vc_video vc_raw_html vc_raw_js vc_btn
        vc_button vc_button2 vc_empty_space vc_separator vc_text_separator vc_icon vc_gmaps
        vc_facebook vc_tweetmeme vc_googleplus vc_pinterest vc_widget_sidebar vc_posts_slider
        vc_basic_grid vc_masonry_grid vc_media_grid vc_zigzag vc_line_chart vc_pie
        et_pb_image et_pb_video et_pb_video_slider et_pb_gallery et_pb_slider et_pb_button
        et_pb_map et_pb_contact_form et_pb_signup et_pb_social_media_follow et_pb_divider
        et_pb_code et_pb_audio et_pb_sidebar et_pb_blog et_pb_post_slider et_pb_shop
        fusion_imageframe fusion_gallery fusion_youtube fusion_vimeo fusion_button fusion_map
        fusion_separator fusion_social_links fusion_sharing fusion_code
        penci_ads penci_ad penci_video penci_gallery penci_recipe penci_social
        toc lwptoc ez-toc table_of_contents fbcomments wpdiscuz jetpack_subscription_form
        subscribe2 mailchimp mc4wp bctt social_icons simple-author-box author_box author-box
        breadcrumb breadcrumbs yoast-breadcrumb wpseo_breadcrumb printfriendly print pdf
        download rating ratings ratemypost yasr_visitor_votes poll polldaddy countdown timer
        weather sitemap archives recent_posts recent-posts latest_posts display-posts catlist
        tag_cloud login register donate paypal products product add_to_cart product_page
        recent_products featured_products adinserter adsanity ad_slot dfp_ad googleads
        google_ad amazon amazon_link aawp affiliate widget sidebar nextpage
        """
)

#: Tokens of a tag name (split on ``-`` and ``_``) that make an unlisted tag a drop tag.
_DROP_WORDS = _names(
    """
        gallery slider slideshow carousel video videos audio embed ad ads adsense advert
        advertisement adverts banner form forms button btn image img images photo photos map
        maps gmaps social share sharing related player icon icons playlist youtube vimeo
        instagram facebook twitter tweet subscribe newsletter signup optin spacer divider
        separator sidebar widget iframe popup countdown
        """
)

_UNWRAP_PREFIXES = (
    "vc_",
    "et_pb_",
    "penci_",
    "fusion_",
    "su_",
    "td_",
    "mk_",
    "tie_",
    "cs_",
    "ux_",
    "av_",
    "us_",
    "tm_",
    "x_",
    "wpb_",
    "ult_",
    "thb_",
    "dt_",
    "qode_",
    "jnews_",
    "ts_",
)

_INLINE_TAGS = _names(
    """
        dropcap su_dropcap highlight su_highlight tooltip su_tooltip tippy abbr footnote
        b i u s strong em mark sup sub span font color size url link anchor nobr lang su_label
        """
)

#: Attributes worth keeping in the edit detail (who is quoted, what a caption said…).
_KEEP_ATTRS = _names(
    "author cite source name title caption alt by quote_author person url href link"
)


@dataclass(frozen=True)
class ShortcodePolicy:
    """Which shortcodes are unwrapped (inner text kept) and which are dropped with content.

    Precedence for a tag name: ``drop`` > ``unwrap`` > a token of the name in
    ``drop_words`` (``et_pb_image`` → ``image``) > ``unwrap_prefixes`` > ``unknown``.
    ``unknown`` applies to tags the policy does not list; such a tag is only treated
    as a shortcode when it looks like one (it has a closing tag, ``key=value``
    attributes, a ``/]``, a ``snake_case``/``kebab-case`` name, or it is a lower-case
    word alone on its line), so ``[sic]`` or ``[Reuters]`` in a sentence stay as they are. ``unknown="keep"`` leaves every unlisted tag alone
    (WordPress's own ``strip_shortcodes`` behaviour).

    ``block_separator`` is put where a non-inline shortcode was removed or unwrapped
    between two non-space characters, so that text on either side does not run
    together (``"end.[gallery]Next"`` → ``"end.\\nNext"``); ``inline`` tags
    (``[dropcap]L[/dropcap]a`` → ``La``) never get one. A drop tag whose content
    exceeds ``max_drop_chars`` characters is unwrapped instead (an enclosing ad tag
    that swallowed the article is a broken export, not an ad); ``None`` disables that.
    ``tidy_spaces`` avoids a double space where a tag stood between two spaces.
    """

    unwrap: frozenset[str] = _UNWRAP_TAGS
    drop: frozenset[str] = _DROP_TAGS
    drop_words: frozenset[str] = _DROP_WORDS
    unwrap_prefixes: tuple[str, ...] = _UNWRAP_PREFIXES
    inline: frozenset[str] = _INLINE_TAGS
    keep_attrs: frozenset[str] = _KEEP_ATTRS
    unknown: Action = "unwrap"
    block_separator: str = "\n"
    tidy_spaces: bool = True
    max_drop_chars: int | None = 2000

    def action(self, name: str) -> Action | None:
        """The action for a listed tag, or ``None`` when the policy does not know ``name``."""
        if name in self.drop:
            return "drop"
        if name in self.unwrap:
            return "unwrap"
        if self.drop_words and any(t in self.drop_words for t in re.split(r"[-_]+", name)):
            return "drop"
        if name.startswith(self.unwrap_prefixes):
            return "unwrap"
        return None

    def with_rules(
        self, *, unwrap: Iterable[str] = (), drop: Iterable[str] = ()
    ) -> ShortcodePolicy:
        """A copy of this policy with extra tag names to unwrap or to drop.

        A name given here overrides the opposite list (adding ``"quote"`` to ``drop``
        removes it from ``unwrap``).
        """
        unwrap_set, drop_set = frozenset(unwrap), frozenset(drop)
        return replace(
            self,
            unwrap=(self.unwrap - drop_set) | unwrap_set,
            drop=(self.drop - unwrap_set) | drop_set,
        )


#: The policy `strip_shortcodes` uses unless told otherwise.
DEFAULT_SHORTCODE_POLICY = ShortcodePolicy()


def wordpress_strip_policy(registered: Iterable[str]) -> ShortcodePolicy:
    """A policy that behaves like WordPress's ``strip_shortcodes()`` on a site where exactly
    ``registered`` shortcodes exist: those are removed with their content, every other
    bracket is left as is, nothing is inserted where a tag was."""
    return ShortcodePolicy(
        unwrap=frozenset(),
        drop=frozenset(registered),
        drop_words=frozenset(),
        unwrap_prefixes=(),
        inline=frozenset(),
        unknown="keep",
        block_separator="",
        tidy_spaces=False,
        max_drop_chars=None,
    )


# --------------------------------------------------------------------------- grammar

#: Deepest nesting matched as such; deeper tags are handled one by one (no recursion limit).
MAX_DEPTH = 64

# A tag token. WordPress: name = [^<>&/\[\]\x00-\x20=]+ and "not followed by [\w-]";
# we keep names ASCII identifiers with '-' (what plugins register) so that "[…]", "[1]"
# or "[«Texte»]" can never be tags.
_TOKEN = re.compile(
    r"\[(?P<close>/)?(?P<name>[A-Za-z_][A-Za-z0-9_-]*)(?![\w-])"
    r"(?P<attrs>(?:\s[^\[\]]*?)?)\s*(?P<self>/)?\]"
)
# HTML tags and comments, inside which shortcodes are never stripped (as in WordPress).
_HTML_ELEMENT = re.compile(r"<!--.*?(?:-->|$)|<!\[CDATA\[.*?\]\]>|<[A-Za-z/!\[][^<>]*>", re.S)

_OPEN_Q = "\"'“”„″‘’′«»‹›"
_ATTR = re.compile(
    r"""(?P<key>[\w-]+)\s*=\s*(?:
          "(?P<dq>[^"]*)"(?=\s|$)
        | '(?P<sq>[^']*)'(?=\s|$)
        | [“”„″‘’′«»‹›]\s*(?P<tq>.*?)\s*[“”„″‘’′«»‹›"'](?=\s+[\w-]+\s*=|\s*/?\s*$)
        | (?P<bare>[^\s'"“”„″‘’′«»‹›]+)(?=\s|$)
      )
    | "(?P<pdq>[^"]*)"(?=\s|$)
    | '(?P<psq>[^']*)'(?=\s|$)
    | (?P<pbare>\S+)(?=\s|$)
    """,
    re.X | re.S,
)
#: Inline tag names that, alone and without a closing tag, are more likely an index.
_FORMULA_NAMES = _names("b i u s p em li ul ol sub sup")
#: Bracketed words that transcripts and editors put on a line of their own.
_BRACKET_ANNOTATIONS = _names(
    """
    applause laughter laughs laughing inaudible crosstalk music silence pause sic sighs
    cheers cheering unintelligible booing boos chuckles crying translation translated
    end fin ende continued update updated correction photo photos video audio
    """
)
_KEY_VALUE = re.compile(r"(?:^|\s)[\w-]+\s*=\s*\S")
_SHORTCODE_LIKE_NAME = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z][a-z0-9]*)+")


def parse_shortcode_attrs(text: str) -> dict[str, str]:
    """Parse a shortcode's attribute string the way WordPress's ``shortcode_parse_atts``
    does, also accepting texturized quotes with stray spaces (``style= »style-2″``).

    Named attributes come back under their lower-cased name, positional ones under
    ``"0"``, ``"1"``…; values are returned without their quotes.
    """
    attrs: dict[str, str] = {}
    position = 0
    for m in _ATTR.finditer(text.strip()):
        if m.group("key"):
            value = next(
                (m.group(g) for g in ("dq", "sq", "tq", "bare") if m.group(g) is not None), ""
            )
            attrs[m.group("key").lower()] = value
        else:
            value = next(
                (m.group(g) for g in ("pdq", "psq", "pbare") if m.group(g) is not None), ""
            )
            if value == "/":
                continue
            attrs[str(position)] = value.strip(_OPEN_Q)
            position += 1
    return attrs


@dataclass(frozen=True)
class Shortcode:
    """One recognised shortcode occurrence in a text (as found by `find_shortcodes`)."""

    name: str
    attrs: dict[str, str]
    start: int  # offset of the opening '['
    end: int  # offset just past the closing ']' (of the closing tag if enclosing)
    content: str | None  # inner text of an enclosing shortcode, raw; None if standalone
    escaped: bool  # written as [[tag]]: printed literally, never executed


@dataclass(slots=True)
class _Tok:
    start: int
    end: int
    name: str
    attrs: str
    closing: bool
    self_closing: bool
    alone: bool = False  # the only thing on its line


@dataclass
class _Node:
    open: _Tok
    close: _Tok | None = None
    children: list[_Node] = field(default_factory=list)
    escaped: bool = False
    action: Action = "keep"
    overflow: bool = False  # an enclosing tag nested deeper than MAX_DEPTH

    @property
    def start(self) -> int:
        return self.open.start - (1 if self.escaped else 0)

    @property
    def end(self) -> int:
        last = self.close or self.open
        return last.end + (1 if self.escaped else 0)


def _html_mask(text: str) -> list[tuple[int, int]]:
    if "<" not in text:
        return []
    return [(m.start(), m.end()) for m in _HTML_ELEMENT.finditer(text)]


def _alone_on_line(text: str, start: int, end: int) -> bool:
    """True when only spaces separate text[start:end] from the line's ends."""
    i = start - 1
    while i >= 0 and text[i] in " \t\r":
        i -= 1
    if i >= 0 and text[i] != "\n":
        return False
    j, n = end, len(text)
    while j < n and text[j] in " \t\r":
        j += 1
    return j == n or text[j] == "\n"


def _tokens(text: str) -> list[_Tok]:
    mask = _html_mask(text)
    toks: list[_Tok] = []
    mi = 0
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        if mask:
            while mi < len(mask) and mask[mi][1] <= start:
                mi += 1
            if mi < len(mask) and mask[mi][0] <= start < mask[mi][1]:
                continue  # inside an HTML tag or comment
        close, name, attrs, self_closing = m.group("close", "name", "attrs", "self")
        if close is not None and (attrs.strip() or self_closing):
            continue
        toks.append(
            _Tok(
                start,
                end,
                name,
                attrs,
                close is not None,
                self_closing is not None,
                _alone_on_line(text, start, end),
            )
        )
    return toks


def _decide(policy: ShortcodePolicy, tok: _Tok, has_close: bool) -> Action | None:
    """What to do with a tag; ``None`` means "not a shortcode, leave the text alone"."""
    listed = policy.action(tok.name)
    if (
        listed == "unwrap"
        and tok.name in _FORMULA_NAMES
        and not has_close
        and not tok.self_closing
        and not tok.attrs.strip()
    ):
        return None  # "x[i]", "a[b]": an index in a formula, not a BBCode tag left open
    if listed is not None:
        return listed
    if policy.unknown == "keep":
        return None
    looks_like = (
        has_close
        or tok.self_closing
        or _KEY_VALUE.search(tok.attrs) is not None
        or _SHORTCODE_LIKE_NAME.fullmatch(tok.name) is not None
        # "[responsivevoice]" alone on its line is markup; "[Applause]" or "[laughter]"
        # in a transcript is not
        or (
            tok.alone
            and not tok.attrs.strip()
            and tok.name.islower()
            and tok.name not in _BRACKET_ANNOTATIONS
        )
    )
    return policy.unknown if looks_like else None


def _build(text: str, policy: ShortcodePolicy) -> list[_Node]:
    """Match tokens into a forest of recognised shortcodes (stack-based, innermost first)."""
    toks = _tokens(text)
    closers: dict[str, int] = {}
    for t in toks:
        if t.closing:
            closers[t.name] = closers.get(t.name, 0) + 1
    root: list[_Node] = []
    stack: list[_Node] = []
    orphans: set[int] = set()

    def attach(node: _Node) -> None:
        (stack[-1].children if stack else root).append(node)

    for t in toks:
        if t.closing:
            idx = next(
                (i for i in range(len(stack) - 1, -1, -1) if stack[i].open.name == t.name), -1
            )
            if idx < 0:
                orphan = _Node(open=t)
                action = _decide(policy, t, has_close=True)
                if action is None:
                    continue
                orphan.action = "drop" if action != "keep" else "keep"
                attach(orphan)
                orphans.add(id(orphan))
                continue
            while len(stack) - 1 > idx:  # unclosed tags inside: standalone
                _close_standalone(stack, root)
            node = stack.pop()
            node.close = t
            attach(node)
            continue
        node = _Node(open=t)
        if t.self_closing or closers.get(t.name, 0) == 0:
            attach(node)
        elif len(stack) >= MAX_DEPTH:
            node.overflow = True  # handled standalone, its closing tag will be an orphan
            attach(node)
        else:
            stack.append(node)
    while stack:
        _close_standalone(stack, root)

    def decide_all(nodes: list[_Node]) -> list[_Node]:
        out: list[_Node] = []
        for n in nodes:
            if id(n) in orphans:
                out.append(n)
                continue
            action = _decide(policy, n.open, has_close=n.close is not None or n.overflow)
            n.children = decide_all(n.children)
            if action is None:
                # Not a shortcode: its tokens are plain text, its children stay recognised.
                out.extend(_flatten_unrecognised(n))
                continue
            n.action = action
            n.escaped = (
                n.open.start > 0
                and text[n.open.start - 1] == "["
                and (n.close or n.open).end < len(text)
                and text[(n.close or n.open).end] == "]"
            )
            out.append(n)
        return out

    return decide_all(root)


def _close_standalone(stack: list[_Node], root: list[_Node]) -> None:
    node = stack.pop()
    kids, node.children = node.children, []
    parent = stack[-1].children if stack else root
    parent.append(node)
    parent.extend(kids)


def _flatten_unrecognised(node: _Node) -> list[_Node]:
    return list(node.children)


def find_shortcodes(
    text: str, policy: ShortcodePolicy = DEFAULT_SHORTCODE_POLICY
) -> list[Shortcode]:
    """Every shortcode the policy recognises in ``text``, outermost first, in text order.

    Nested shortcodes are listed after their parent. Orphan closing tags
    (``[/vc_row]`` whose opening tag is missing) are listed with ``content=None``.
    """
    out: list[Shortcode] = []

    def walk(nodes: list[_Node]) -> None:
        for n in nodes:
            content = None
            if n.close is not None:
                content = text[n.open.end : n.close.start]
            out.append(
                Shortcode(
                    name=n.open.name,
                    attrs=parse_shortcode_attrs(n.open.attrs),
                    start=n.start,
                    end=n.end,
                    content=content,
                    escaped=n.escaped,
                )
            )
            walk(n.children)

    walk(_build(text, policy))
    return out


# --------------------------------------------------------------------------- rendering


def _describe(node: _Node, policy: ShortcodePolicy) -> str:
    if node.open.closing:
        return node.open.name
    attrs = parse_shortcode_attrs(node.open.attrs)
    kept = [f'{k}="{v}"' for k, v in attrs.items() if k in policy.keep_attrs and v]
    return " ".join([node.open.name, *kept])


def _fold(s: str) -> str:
    """Removed text as logged: whole, with runs of whitespace folded to one space."""
    return " ".join(s.split())


def strip_shortcodes(
    text: str, policy: ShortcodePolicy = DEFAULT_SHORTCODE_POLICY
) -> tuple[str, list[Edit]]:
    """Remove shortcode markup from ``text`` according to ``policy``.

    Guarantees:
    - text outside recognised shortcodes is returned byte for byte, except that a
      ``policy.block_separator`` is inserted where a removed block tag sat between two
      non-space characters, and blank lines left by removed tags are collapsed;
    - unwrapped tags keep their inner text (recursively cleaned); dropped tags lose
      it; escaped ``[[tag]]`` becomes the literal ``[tag]``; orphan closing tags of
      recognised shortcodes are removed;
    - brackets that are not shortcodes, and shortcodes inside HTML tags, are untouched;
    - one ``Edit("shortcode", …)`` per recognised tag, naming the tag, its useful
      attributes (e.g. ``author="…"``) and, for a removal, the whole removed text
      (whitespace folded).
    """
    if "[" not in text:
        return text, []
    nodes = _build(text, policy)
    if not nodes:
        return text, []
    edits: list[Edit] = []
    out: list[str] = []
    # A removed or unwrapped block tag leaves a *pending* boundary: when the next
    # non-empty text arrives, a separator is inserted if the two sides would touch,
    # or one space is dropped if both sides are spaces.
    pending = {"sep": False, "tidy": False}

    def prev_char() -> str:
        for chunk in reversed(out):
            if chunk:
                return chunk[-1]
        return ""

    def trim_trailing_spaces() -> None:
        """Drop spaces a removed tag left at the end of a line."""
        for i in range(len(out) - 1, -1, -1):
            if out[i]:
                out[i] = out[i].rstrip(" \t")
                if out[i]:
                    return

    def put(chunk: str) -> None:
        if not chunk:
            return
        if pending["sep"] or pending["tidy"]:
            if chunk[0] == "\n" and policy.tidy_spaces:
                trim_trailing_spaces()
                if prev_char() == "\n":
                    chunk = chunk[1:]  # the removed tag had a line of its own: drop it
                    if not chunk:
                        return
            prev = prev_char()
            if pending["tidy"] and prev == " " and chunk[0] == " ":
                chunk = chunk[1:]
            elif pending["sep"] and prev and not prev.isspace() and not chunk[0].isspace():
                out.append(policy.block_separator)
            pending["sep"] = pending["tidy"] = False
            if not chunk:
                return
        out.append(chunk)

    def boundary(node: _Node) -> None:
        if policy.tidy_spaces:
            pending["tidy"] = True
        if policy.block_separator and node.open.name not in policy.inline:
            pending["sep"] = True

    def render(nodes: list[_Node], lo: int, hi: int) -> None:
        pos = lo
        for n in nodes:
            put(text[pos : n.start])
            pos = n.end
            if n.escaped:
                put(text[n.start + 1 : n.end - 1])
                edits.append(Edit("shortcode", f"unescaped [[{n.open.name}]]"))
                continue
            if n.action == "keep":
                put(text[n.start : n.end])
                continue
            if n.open.closing:
                edits.append(Edit("shortcode", f"removed orphan closing tag [/{n.open.name}]"))
                boundary(n)
                continue
            inner = text[n.open.end : n.close.start] if n.close else ""
            action = n.action
            if (
                action == "drop"
                and policy.max_drop_chars is not None
                and len(inner) > policy.max_drop_chars
            ):
                action = "unwrap"
            if action == "drop":
                detail = f"removed {_describe(n, policy)}"
                if inner.strip():
                    detail += f": {_fold(inner)}"
                edits.append(Edit("shortcode", detail))
                boundary(n)
                continue
            verb = "unwrapped" if n.close is not None else "removed"  # no content to keep
            edits.append(Edit("shortcode", f"{verb} {_describe(n, policy)}"))
            boundary(n)
            if n.close is not None:
                render(n.children, n.open.end, n.close.start)
                boundary(n)
        put(text[pos:hi])

    render(nodes, 0, len(text))
    if (pending["sep"] or pending["tidy"]) and policy.tidy_spaces:
        trim_trailing_spaces()  # a tag removed at the very end
    result = "".join(out)
    if "\n" in result and result != text:
        result = re.sub(r"\n[ \t]+(?=\n)", "\n", result)
        result = re.sub(r"\n{3,}", "\n\n", result)
        if not text.startswith("\n"):
            result = result.lstrip("\n")
    return result, edits
