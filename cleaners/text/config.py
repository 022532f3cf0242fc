"""What the clean stage does: `CleanConfig` and its default (light to import: the policies only)."""

from __future__ import annotations

from dataclasses import dataclass

from cleaners.text.shortcodes.policy import DEFAULT_SHORTCODE_POLICY, ShortcodePolicy
from cleaners.text.typography import DEFAULT_POLICY, TypographyPolicy


@dataclass(frozen=True)
class CleanConfig:
    """What the clean stage does; every field has the documented default."""

    typography: TypographyPolicy = DEFAULT_POLICY
    shortcodes: ShortcodePolicy = DEFAULT_SHORTCODE_POLICY
    strip_promos: bool = True


DEFAULT_CLEAN = CleanConfig()
