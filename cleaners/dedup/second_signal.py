"""The second signal as `cleaners.dedup.matcher.match` asks it: the sentence sketches of the
positions it judges, packed by position, and each grey-zone pair's verdict.

`SecondSignal` holds every sketch it was given in one `SketchBatch` (`PackedSketches`: the
batch's four arrays and the row of each position), so that the compiled placement loop
(`cleaners.dedup.placement.place`) judges a pair itself, without a call back into Python, when
both sketches are at hand; the pairs it cannot judge yet (a history sketch not fetched) come
back to Python (`SecondSignal.__call__`). The merges (`cleaners.dedup.merge`) ask
`SecondSignal.pair`.

Sketches are asked of the caller's `cleaners.dedup.align.SketchSource`: the new documents'
all together at the first pair that needs one (the flow has them at hand, made with the
fingerprints), the history's together, being read from texts: at the first pair that needs
one, with those ``ahead`` (the history canonicals some new document meets in the grey zone),
then the ones pairs need that are not known yet, gathered (the pair is not known yet: None)
and asked for by `SecondSignal.fetch_missing`, after the placement pass.

Pure: the source is the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from cleaners.dedup.align import SentenceSketch, SketchBatch, SketchSource, passes_packed
from cleaners.dedup.config import MatchConfig
from cleaners.dedup.model import Sides

#: `PackedSketches.row` of a position whose sketch has not been asked for yet.
UNKNOWN = -1
#: `PackedSketches.row` of a position the source has no sketch for (its pairs pass, as their
#: similarity alone decides; none merges below the placement threshold).
NO_SKETCH = -2


class PackedSketches(NamedTuple):
    """The sketches known so far, for compiled code: ``row[p]`` is position ``p``'s row in the
    `SketchBatch` of the four arrays (or `UNKNOWN`, `NO_SKETCH`); the second signal's two
    thresholds."""

    row: np.ndarray
    offset_starts: np.ndarray
    offsets: np.ndarray
    value_starts: np.ndarray
    values: np.ndarray
    min_order_share: float
    min_evidence: float


def _packed(got: Sequence[SentenceSketch | None]) -> tuple[SketchBatch, np.ndarray]:
    """What a source returned, packed: the batch of the sketches given and, per document
    asked, its row in it or `NO_SKETCH`."""
    if isinstance(got, SketchBatch):
        return got, np.arange(len(got), dtype=np.int64)
    present = [s for s in got if s is not None]
    have = np.fromiter((s is not None for s in got), dtype=bool, count=len(got))
    rows = np.full(len(got), NO_SKETCH, dtype=np.int64)
    rows[have] = np.arange(len(present), dtype=np.int64)
    return SketchBatch.of(present), rows


class SecondSignal:
    """The `cleaners.dedup.placement.Judge` of `match`: the verdict of a grey-zone pair's code
    (``pos * (m + n) + canonical``) with `cleaners.dedup.align.passes_packed`, each pair judged
    once here (``verdicts``, with the ones the compiled loop reports, `record`) and each sketch
    asked of ``source`` once (``ahead``: the history positions whose sketches are asked for
    with the first history sketch a pair needs, `cleaners.dedup.matcher._grey_history`)."""

    def __init__(self, sides: Sides, source: SketchSource, config: MatchConfig,
                 ahead: Sequence[int]) -> None:
        self.sides, self.source = sides, source
        self.span = sides.m + len(sides.new)
        self.verdicts: dict[int, bool] = {}
        self.missing: set[int] = set()
        self.ahead: list[int] | None = [int(p) for p in ahead]
        self._batch = SketchBatch.of([])
        self._row = np.full(self.span, UNKNOWN, dtype=np.int64)
        self._rules = (float(config.min_order_share), float(config.min_evidence))
        self._new_asked = False

    def packed(self) -> PackedSketches:
        """The sketches known now, for `cleaners.dedup.placement.place`."""
        b = self._batch
        return PackedSketches(self._row, b.offset_starts, b.offsets, b.value_starts, b.values,
                              *self._rules)

    def record(self, codes: np.ndarray, verdicts: np.ndarray) -> None:
        """Keep the verdicts the compiled loop reached on the pairs ``codes``."""
        self.verdicts.update(zip(codes.tolist(), verdicts.astype(bool).tolist(), strict=True))

    def _add(self, positions: Sequence[int]) -> None:
        """Ask the source for the sketches of ``positions`` (not known yet), in one call."""
        positions = [p for p in dict.fromkeys(positions) if self._row[p] == UNKNOWN]
        if not positions:
            return
        got = self.source([self.sides.doc_id(p) for p in positions])
        batch, rows = _packed(got)
        if len(rows) != len(positions):
            raise ValueError(f"the sketch source returned {len(rows)} sketches for {len(positions)} documents")
        shift = len(self._batch)
        self._batch = batch if shift == 0 else SketchBatch.concat([self._batch, batch])
        self._row[np.asarray(positions, dtype=np.int64)] = np.where(rows >= 0, rows + shift, rows)

    def _ask_new(self) -> None:
        """Every new document's sketch, in one call (the first time one is needed)."""
        if not self._new_asked:
            self._new_asked = True
            self._add(range(self.sides.m, self.span))

    def _ask_history(self, positions: Sequence[int]) -> None:
        if self.ahead is not None:
            positions = [*self.ahead, *positions]
            self.ahead = None
        self._add(sorted(positions))

    def __call__(self, code: int) -> bool | None:
        known = self.verdicts.get(code)
        if known is not None:
            return known
        pair = divmod(code, self.span)
        m, row = self.sides.m, self._row
        if any(p >= m and row[p] == UNKNOWN for p in pair):
            self._ask_new()
        history = [p for p in pair if p < m and row[p] == UNKNOWN]
        if history and self.ahead is not None:  # the first history sketches: with those ahead
            self._ask_history(history)
            history = [p for p in pair if p < m and row[p] == UNKNOWN]
        if history:
            self.missing.update(history)
            return None
        ra, rb = (int(row[p]) for p in pair)
        b = self._batch
        ok = ra == NO_SKETCH or rb == NO_SKETCH or bool(passes_packed(
            b.offset_starts, b.offsets, b.value_starts, b.values, ra, rb, *self._rules))
        self.verdicts[code] = ok
        return ok

    def pair(self, a: int, b: int) -> bool | None:
        """The verdict on the pair of positions ``a`` and ``b``, fetching a history sketch it
        lacks at once (for `cleaners.dedup.merge`, after placement); None when a sketch is
        missing (the source has none for the document)."""
        verdict = self(a * self.span + b)
        if verdict is None:
            self.fetch_missing()
            verdict = self(a * self.span + b)
        if self._row[a] < 0 or self._row[b] < 0:
            return None
        return bool(verdict)

    def prefetch(self, positions: Sequence[int]) -> None:
        """Ask for the sketches of ``positions`` not known yet, in one call for the history's
        (with those ``ahead`` if the history's were not asked for yet)."""
        m = self.sides.m
        if any(p >= m for p in positions):
            self._ask_new()
        history = [p for p in positions if p < m]
        if history:
            self._ask_history(history)

    def fetch_missing(self) -> bool:
        """Ask for the history sketches the last pass lacked, in one call; False if none."""
        if not self.missing:
            return False
        self._add(sorted(self.missing))
        self.missing.clear()
        return True
