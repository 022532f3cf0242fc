"""The edit log: every fix and removal a cleaner makes is recorded as an `Edit`.

An edit is what lands in the curated ``edits`` column
(``list<struct<kind string, detail string>>``), so a reviewer can see what was
taken out of an article and why.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Kinds used across the cleaners. Free text is allowed, but keep to these.
KINDS = (
    "charset",  # bytes were not UTF-8: the detected encoding
    "encoding",  # mojibake repaired by ftfy
    "entity",  # HTML entities decoded
    "html",  # HTML converted to text (what was dropped)
    "markup",  # texturized quotes inside markup put back to plain quotes
    "typography",  # apostrophes, quotes, guillemet spacing normalised
    "shortcode",  # a shortcode removed or unwrapped
    "promo",  # an interstitial promo line removed
    "whitespace",  # whitespace normalised
    "metadata",  # a field that could not be read and was left empty
)


@dataclass(frozen=True, slots=True)
class Edit:
    """One fix or removal. ``kind`` is one of `KINDS`; ``detail`` says what changed."""

    kind: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        """The edit as the ``{"kind", "detail"}`` struct written to Parquet."""
        return {"kind": self.kind, "detail": self.detail}
