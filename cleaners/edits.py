"""The edit log: every fix and removal a cleaner makes is recorded as an `Edit`.

An edit is what lands in the curated ``edits`` column
(``list<struct<kind string, detail string>>``), so a reviewer can see what was
taken out of an article and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EditKind(StrEnum):
    """The kinds of edit; the value is what the ``edits`` column holds."""

    CHARSET = "charset"  # bytes were not UTF-8: the detected encoding
    ENCODING = "encoding"  # mojibake repaired by ftfy
    ENTITY = "entity"  # HTML entities decoded
    HTML = "html"  # HTML converted to text (what was dropped)
    MARKUP = "markup"  # texturized quotes inside markup put back to plain quotes
    TYPOGRAPHY = "typography"  # apostrophes, quotes, guillemet spacing normalised
    SHORTCODE = "shortcode"  # a shortcode removed or unwrapped
    PROMO = "promo"  # an interstitial promo line removed
    CONTROL = "control"  # control characters or noncharacters removed
    METADATA = "metadata"  # a field that could not be read and was left empty


#: Every kind's value, in declaration order.
KINDS = tuple(kind.value for kind in EditKind)


@dataclass(frozen=True, slots=True)
class Edit:
    """One fix or removal: its `EditKind` and a ``detail`` that says what changed."""

    kind: EditKind
    detail: str

    def as_dict(self) -> dict[str, str]:
        """The edit as the ``{"kind", "detail"}`` struct written to Parquet."""
        return {"kind": str(self.kind), "detail": self.detail}
