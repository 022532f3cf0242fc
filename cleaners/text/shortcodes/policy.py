"""What happens to a recognised shortcode: `ShortcodePolicy` (unwrap, drop, caption or keep).

Content-bearing tags are unwrapped (their inner text stays); media, embed, gallery, form and
ad tags are dropped with their content; caption tags (``[caption]``, ``[wp_caption]``) keep their
caption text as a paragraph of its own (or are dropped, with ``keep_captions=False``); the
attributes a page builder prints as a heading (``[su_box title="Key facts"]``,
``[vc_custom_heading text="…"]``), and the attribute values that read as prose
(``[testimonials text="…"]``), are kept as paragraphs of their own
(`ShortcodePolicy.headings`); an enclosing table tag's CSV rows are kept as text lines. The tag lists are data, one file per list in
``cleaners/data/shortcodes/`` (names separated by whitespace, ``#`` comment lines), read once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Literal

from cleaners.text.page_passes import reads_as_prose

__all__ = ["DEFAULT_SHORTCODE_POLICY", "Action", "ShortcodePolicy", "wordpress_strip_policy"]

#: ``caption``: the tag's caption text is kept as a paragraph of its own, its image removed;
#: ``table``: the CSV rows an enclosing tag holds are kept as text lines.
Action = Literal["unwrap", "drop", "caption", "table", "keep"]


@cache
def _read_list(name: str) -> tuple[str, ...]:
    """The words of ``cleaners/data/shortcodes/<name>.txt`` (lines starting with ``#`` skipped),
    in file order; read once per process."""
    path = resources.files("cleaners").joinpath("data", "shortcodes", f"{name}.txt")
    return tuple(
        word
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
        for word in line.split()
    )


@cache
def name_set(name: str) -> frozenset[str]:
    """The names listed in ``cleaners/data/shortcodes/<name>.txt``.

    Guarantees: read once per process, the same set object every call; every
    whitespace-separated word of the lines that do not start with ``#``. Raises
    FileNotFoundError for a list that does not ship.
    """
    return frozenset(_read_list(name))


#: Attribute values that are switches or keywords, not text (``title="false"``: no title).
_KEYWORD_VALUES = frozenset(
    {"true", "false", "yes", "no", "on", "off", "none", "null", "default", "inherit", "auto"}
)
#: Values that are not text a reader reads: URLs and paths, colours, slugs and identifiers,
#: file names.
_NOT_TEXT = re.compile(
    r"""(?:[a-z][a-z0-9+.-]*://|//|www\.|mailto:|tel:|/)\S*  # URL or path
      | \#[0-9a-f]{3,8} | (?:rgba?|hsla?)\(.*\)            # colour
      | (?-i:[a-z0-9]+(?:[_-][a-z0-9]+)+) | \w*_\w*          # slug, class, id: box-style_2
      | \S+\.(?:png|jpe?g|gif|webp|svg|pdf|mp[34])         # file name
    """,
    re.X | re.I,
)
#: Tags named after an HTML element: as in HTML, their ``title`` is a tooltip, not a heading.
_HTML_NAMES = frozenset(
    {"a", "abbr", "blockquote", "center", "cite", "div", "font", "li", "ol", "p", "span", "ul"}
    | {"table", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
)
#: How WPBakery (``vc_value_from_safe``) and Divi write characters that would end a shortcode
#: inside an attribute value.
_ATTR_ESCAPES = {"``": '"', "`{`": "[", "`}`": "]", "%22": '"', "%91": "[", "%93": "]"}
_ATTR_ESCAPE = re.compile("|".join(re.escape(k) for k in _ATTR_ESCAPES))


def attribute_text(value: str) -> str | None:
    """An attribute's value as the text a page shows (builders' escapes decoded, markup
    removed, whitespace folded), or ``None`` when it is not text: empty, no letter, a switch (``false``), a URL,
    path, colour, file name, or an identifier (``box-style_2``)."""
    text = " ".join(_TAG.sub("", _ATTR_ESCAPE.sub(lambda m: _ATTR_ESCAPES[m.group()], value))
                    .split())
    if not any(c.isalpha() for c in text) or text.lower() in _KEYWORD_VALUES:
        return None
    if _NOT_TEXT.fullmatch(text):
        return None
    return text


#: Attributes a page builder prints as the text of its box, card or testimonial: kept when
#: their value reads as prose (`ShortcodePolicy.headings`).
_PROSE_ATTRS = frozenset({"description", "desc", "text", "content", "quote", "testimonial",
                          "subtitle", "summary", "excerpt", "intro"})
#: Markup inside an attribute's value (``description="We build <b>sites</b>"``).
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")

#: Attributes worth keeping in the edit detail (who is quoted, what a caption said…).
_KEEP_ATTRS = frozenset(
    {"author", "cite", "source", "name", "title", "caption", "alt", "by", "quote_author"}
    | {"person", "url", "href", "link"}
)


@dataclass(frozen=True)
class ShortcodePolicy:
    """Which shortcodes are unwrapped (inner text kept) and which are dropped with content.

    Precedence for a tag name: ``drop`` > ``unwrap`` > ``captions`` > ``tables`` > a token of
    the name in
    ``drop_words`` (``et_pb_image`` → ``image``) > ``unwrap_prefixes`` > ``unknown``.
    ``unknown`` applies to tags the policy does not list; such a tag is only treated
    as a shortcode when it looks like one (it has a closing tag, ``key=value``
    attributes, a ``/]``, a ``snake_case``/``kebab-case`` name, or it is a lower-case
    word alone on its line), so ``[sic]`` or ``[Reuters]`` in a sentence stay as they are.
    ``unknown="keep"`` leaves every unlisted tag alone (WordPress's own ``strip_shortcodes``
    behaviour).

    ``block_separator`` is put where a non-inline shortcode was removed or unwrapped
    between two non-space characters, so that text on either side does not run
    together (``"end.[gallery]Next"`` → ``"end.\\nNext"``); ``inline`` tags
    (``[dropcap]L[/dropcap]a`` → ``La``) never get one. A drop tag whose content
    exceeds ``max_drop_chars`` characters and reads as words is unwrapped instead (an
    enclosing ad tag that swallowed the article is a broken export, not an ad; base64 or
    encoded HTML, as ``[vc_raw_html]`` holds, is still dropped); ``None`` disables that.
    ``tidy_spaces`` avoids a double space where a tag stood between two spaces.

    ``captions`` (``caption``, ``wp_caption``) are image captions: with ``keep_captions``
    (the default) the caption text (what follows the ``<img>`` or ``<a><img></a>`` inside the
    tag, and the ``caption="…"`` attribute of old-style captions) is kept as a paragraph of its
    own and the image markup removed, so a post whose prose is its caption keeps it; with
    ``keep_captions=False`` they are dropped with their content like media tags.

    ``tables`` (``table``) hold CSV rows when enclosing (Easy Table, Simple Table): each row is
    kept as a text line, its cells (split on the ``sep`` attribute, ``,`` by default)
    separated by a space as `html_to_text` separates a ``<table>``'s; one wrapping markup (an
    HTML table, paragraphs) is unwrapped; a standalone one (TablePress's ``[table id=1 /]``)
    is removed.

    ``heading_attrs`` are the attributes a page builder prints as the heading of what the tag
    wraps: a plain name (``title``, ``heading``) on an unwrapped enclosing tag that is not
    ``inline`` (an inline tag's ``title`` is a tooltip, and so is that of a tag named after an
    HTML element, ``[div title=…]``), ``tag.attr``
    (``vc_custom_heading.text``) on that tag, standalone too. Their text is kept as a
    paragraph of its own before the tag's content (see `headings`).
    """

    unwrap: frozenset[str] = field(default_factory=lambda: name_set("unwrap"))
    drop: frozenset[str] = field(default_factory=lambda: name_set("drop"))
    drop_words: frozenset[str] = field(default_factory=lambda: name_set("drop_words"))
    unwrap_prefixes: tuple[str, ...] = field(default_factory=lambda: _read_list("unwrap_prefixes"))
    inline: frozenset[str] = field(default_factory=lambda: name_set("inline"))
    captions: frozenset[str] = field(default_factory=lambda: name_set("captions"))
    keep_captions: bool = True
    tables: frozenset[str] = field(default_factory=lambda: name_set("tables"))
    heading_attrs: frozenset[str] = field(default_factory=lambda: name_set("heading_attrs"))
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
        if name in self.captions:
            return "caption" if self.keep_captions else "drop"
        if name in self.tables:
            return "table"
        if self.drop_words and any(t in self.drop_words for t in re.split(r"[-_]+", name)):
            return "drop"
        if name.startswith(self.unwrap_prefixes):
            return "unwrap"
        return None

    def headings(
        self, name: str, attrs: dict[str, str], enclosing: bool
    ) -> list[tuple[str, str]]:
        """The ``(attribute, text)`` pairs of an unwrapped tag that a reader sees as headings
        or prose, in attribute order, each text once; a value that is not text
        (`attribute_text`) is left out. Prose: a value of a tag that is not inline nor named
        after an HTML element, of an attribute a page builder prints as the tag's text
        (`_PROSE_ATTRS`: ``description``, ``text``…), that reads as prose (`reads_as_prose`:
        8 words or more, ending a sentence): a box or a testimonial printing it
        (``[iconbox heading="CREATIVE DESIGNS" description="By the same illusion…"]``); not a
        ``message`` (a paywall's or a cookie notice's, which a reader with access never
        sees). A standalone tag with prose keeps its plain heading names too, as an enclosing
        one does."""
        if not self.heading_attrs or name in self.inline:
            return []  # (WordPress's own `strip_shortcodes` keeps no attribute: no heading names)
        texts = [(key, attribute_text(value)) for key, value in attrs.items()]
        builder = name not in _HTML_NAMES
        prose = {key for key, text in texts
                 if builder and key in _PROSE_ATTRS and text and reads_as_prose(text)}
        generic = (enclosing or bool(prose)) and builder
        out: list[tuple[str, str]] = []
        for key, text in texts:
            if key not in prose and f"{name}.{key}" not in self.heading_attrs and not (
                generic and key in self.heading_attrs
            ):
                continue
            if text is not None and all(text != t for _, t in out):
                out.append((key, text))
        return out

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
    bracket is left as is, nothing is inserted where a tag was (a registered ``caption`` is
    removed with its content, as WordPress does)."""
    return ShortcodePolicy(
        unwrap=frozenset(),
        drop=frozenset(registered),
        captions=frozenset(),
        keep_captions=False,
        tables=frozenset(),
        heading_attrs=frozenset(),
        drop_words=frozenset(),
        unwrap_prefixes=(),
        inline=frozenset(),
        unknown="keep",
        block_separator="",
        tidy_spaces=False,
        max_drop_chars=None,
    )
