"""WordPress shortcodes: parse them with WordPress's grammar, unwrap or drop them by policy.

* `.parse`: the grammar (WordPress's ``get_shortcode_regex()`` and ``shortcode_parse_atts()``,
  extended for real exports: nesting, texturized quotes, names with hyphens) and
  `find_shortcodes`;
* `.policy`: `ShortcodePolicy`, what happens to a recognised tag (content-bearing tags are
  unwrapped, media/embed/gallery/form/ad tags dropped with their content), with its tag lists
  in ``cleaners/data/shortcodes/``;
* `.render`: `strip_shortcodes`, the text without the markup and one edit per tag;
* `escape_bracket_entities` (in `.parse`): a literal shortcode written with character references
  (``&#91;gallery]``) made WordPress's escape ``[[gallery]]``, before entities are decoded.

Brackets that are not shortcodes (``[…]``, ``[sic]``, ``[1]``, ``[Reuters]``,
``[Update: …]``) are never touched.
"""

from __future__ import annotations

from cleaners.text.shortcodes.parse import (
    Shortcode,
    escape_bracket_entities,
    find_shortcodes,
    parse_shortcode_attrs,
)
from cleaners.text.shortcodes.policy import (
    DEFAULT_SHORTCODE_POLICY,
    ShortcodePolicy,
    wordpress_strip_policy,
)
from cleaners.text.shortcodes.render import strip_shortcodes

__all__ = [
    "DEFAULT_SHORTCODE_POLICY",
    "Shortcode",
    "ShortcodePolicy",
    "escape_bracket_entities",
    "find_shortcodes",
    "parse_shortcode_attrs",
    "strip_shortcodes",
    "wordpress_strip_policy",
]
