"""The edit log: every fix and removal a cleaner makes is recorded as an `Edit`.

An edit is what lands in the curated ``edits`` column
(``list<struct<kind string, detail string>>``), so a reviewer can see what was
taken out of an article and why.
"""

from __future__ import annotations

import re
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


#: Edits of one kind a record lists at most (`summarised`): a review (2026-12-06) gave a
#: 112 KB text of 31,936 shortcodes 638 KB of edits, more than its text. The most of one kind
#: on a record of the shared exports, pages and samples: 17 (promo lines of a recipe page).
MAX_EDITS_PER_KIND = 200


def summarised(edits: list[Edit], max_per_kind: int = MAX_EDITS_PER_KIND) -> list[Edit]:
    """``edits`` as they are when no kind has more than ``max_per_kind``; otherwise the first
    ``max_per_kind`` of each kind, in order, and after them one edit per such kind saying how
    many more there were (``… and 31,736 more shortcode edits``)."""
    counts: dict[EditKind, int] = {}
    for edit in edits:
        counts[edit.kind] = counts.get(edit.kind, 0) + 1
    if all(count <= max_per_kind for count in counts.values()):
        return edits
    seen: dict[EditKind, int] = {}
    kept = []
    for edit in edits:
        seen[edit.kind] = seen.get(edit.kind, 0) + 1
        if seen[edit.kind] <= max_per_kind:
            kept.append(edit)
    return kept + [Edit(kind, f"… and {count - max_per_kind:,} more {kind.value} edits (the "
                              f"first {max_per_kind:,} are listed)")
                   for kind, count in counts.items() if count > max_per_kind]


_SUMMARY = re.compile(r"… and ([\d,]+) more [a-z]+ edits \(the first [\d,]+ are listed\)")


def summary_count(edit: Edit) -> int | None:
    """How many edits ``edit`` counts when it is the last edit of its kind in a `summarised`
    log (``… and 31,736 more shortcode edits …``), else None: a run's tally of edits by kind
    adds them up."""
    found = _SUMMARY.fullmatch(edit.detail)
    return int(found.group(1).replace(",", "")) if found else None
