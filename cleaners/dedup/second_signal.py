"""The second signal as `cleaners.dedup.matcher.match` asks it: the sentence sketches of the
positions it judges, packed by position, and each grey-zone pair's verdict.

`SecondSignal` keeps the sketches it was given in two `SketchBatch`\\ es, the new documents'
and the history's (`PackedSketches`: their arrays and the row of each position), so that the
compiled placement loop (`cleaners.dedup.placement.place`) judges a pair itself
(`judge_positions`), without a call back into Python, when both sketches are at hand; the
pairs it cannot judge yet (a history sketch not read yet) come back to Python
(`SecondSignal.__call__`). The merges (`cleaners.dedup.merge`) ask `SecondSignal.pair`.

Sketches are asked of the caller's `cleaners.dedup.align.SketchSource` once each: the new
documents' all together at the first pair that needs one (the flow has them at hand, made
with the fingerprints), the history's together, being read from texts: at the first pair that
needs one, with those ``ahead`` (the history canonicals some new document meets in the grey
zone), then the ones pairs need that are not known yet, gathered (the pair is not known yet:
None) and asked for by `SecondSignal.fetch_missing`, after the placement pass. Only the
history's small batch grows (is copied) as they arrive.

Pure: the source is the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numba
import numpy as np

from cleaners.dedup.align import SentenceSketch, SketchBatch, SketchSource, passes_arrays
from cleaners.dedup.config import MatchConfig
from cleaners.dedup.model import Sides

#: The files of the compiled functions this module's compiled functions call (transitively),
#: with a digest of each: numba's cache notices only this file's changes, so a change there
#: must change this line (tests/unit/cleaners/test_compiled_dependencies.py says to what).
NUMBA_DEPENDENCIES = (('cleaners/dedup/align.py', '6c9b3c0321d0866b'),)

#: `PackedSketches.row` of a position whose sketch has not been asked for yet.
UNKNOWN = -1
#: `PackedSketches.row` of a position the source has no sketch for (its pairs pass, as their
#: similarity alone decides; none merges below the placement threshold).
NO_SKETCH = -2
#: `PackedSketches.row` of a history position: ``HISTORY - k`` for row ``k`` of the history's
#: batch (the new documents' rows are ``>= 0``).
HISTORY = -3


class PackedSketches(NamedTuple):
    """The sketches known so far, for compiled code: ``row[p]`` is position ``p``'s row in the
    new documents' `SketchBatch` (``new_*``, its four arrays), ``HISTORY - k`` for row ``k`` of
    the history's (``hist_*``), or `UNKNOWN`, `NO_SKETCH`; the second signal's two thresholds.
    The sketches' arrays are read-only (one compiled specialisation)."""

    row: np.ndarray
    new_offset_starts: np.ndarray
    new_offsets: np.ndarray
    new_value_starts: np.ndarray
    new_values: np.ndarray
    hist_offset_starts: np.ndarray
    hist_offsets: np.ndarray
    hist_value_starts: np.ndarray
    hist_values: np.ndarray
    min_order_share: float
    min_evidence: float


@numba.njit(cache=True, nogil=True)
def _sketch_at(r, new_offset_starts, new_offsets, new_value_starts, new_values, hist_offset_starts,
               hist_offsets, hist_value_starts, hist_values):  # pragma: no cover
    """``(offsets, values)`` of the sketch at row ``r`` (>= 0: of the new documents' batch;
    ``HISTORY - k``: row ``k`` of the history's)."""
    if r >= 0:
        return (new_offsets[new_offset_starts[r]:new_offset_starts[r + 1]],
                new_values[new_value_starts[r]:new_value_starts[r + 1]])
    k = HISTORY - r
    return (hist_offsets[hist_offset_starts[k]:hist_offset_starts[k + 1]],
            hist_values[hist_value_starts[k]:hist_value_starts[k + 1]])


@numba.njit(cache=True, nogil=True)
def judge_positions(a, b, row, new_offset_starts, new_offsets, new_value_starts, new_values,
                    hist_offset_starts, hist_offsets, hist_value_starts, hist_values,
                    min_order_share, min_evidence):  # pragma: no cover
    """The second signal on the pair of positions ``a``, ``b`` (the arrays of a
    `PackedSketches`): 1 passes, 0 refused, -1 not known here (a sketch not asked for yet). A
    pair with a document the source has no sketch for passes. The verdict is
    `cleaners.dedup.align.passes_second_signal`'s."""
    ra, rb = row[a], row[b]
    if ra == UNKNOWN or rb == UNKNOWN:
        return -1
    if ra == NO_SKETCH or rb == NO_SKETCH:
        return 1
    off_a, val_a = _sketch_at(ra, new_offset_starts, new_offsets, new_value_starts, new_values,
                              hist_offset_starts, hist_offsets, hist_value_starts, hist_values)
    off_b, val_b = _sketch_at(rb, new_offset_starts, new_offsets, new_value_starts, new_values,
                              hist_offset_starts, hist_offsets, hist_value_starts, hist_values)
    return 1 if passes_arrays(off_a, val_a, off_b, val_b, min_order_share, min_evidence) else 0


def _read_only(batch: SketchBatch) -> SketchBatch:
    """``batch`` with read-only arrays (`SketchBatch.of_arrays` views where a source built its
    own batch with writable ones), so that `judge_positions` is compiled once."""
    arrays = (batch.offset_starts, batch.offsets, batch.value_starts, batch.values)
    return batch if not any(a.flags.writeable for a in arrays) else SketchBatch.of_arrays(*arrays)


def _packed(got: Sequence[SentenceSketch | None] | SketchBatch) -> tuple[SketchBatch, np.ndarray]:
    """What a source returned, packed: the batch of the sketches given and, per document
    asked, its row in it or `NO_SKETCH`."""
    if isinstance(got, SketchBatch):
        return _read_only(got), np.arange(len(got), dtype=np.int64)
    got = list(got)
    present = [s for s in got if s is not None]
    rows = np.full(len(got), NO_SKETCH, dtype=np.int64)
    rows[[k for k, s in enumerate(got) if s is not None]] = np.arange(len(present), dtype=np.int64)
    return SketchBatch.of(present), rows


class SecondSignal:
    """The second signal of `match`: the verdict of a grey-zone pair's code
    (``pos * (m + n) + canonical``) with `judge_positions`, each pair judged once here
    (``verdicts``, with the ones the compiled placement loop reports, `record`) and each
    sketch asked of ``source`` once (``ahead``: the history positions whose sketches are asked
    for with the first history sketch a pair needs, `cleaners.dedup.matcher._grey_history`).

    Memory: the new documents' sketches as the source gives them (one packed copy), the
    history's asked for, and 8 bytes per position (its row)."""

    def __init__(self, sides: Sides, source: SketchSource, config: MatchConfig,
                 ahead: Sequence[int]) -> None:
        self.sides, self.source = sides, source
        self.span = sides.m + len(sides.new)
        self.verdicts: dict[int, bool] = {}
        self.missing: set[int] = set()
        self.ahead: list[int] | None = [int(p) for p in ahead]
        self._new = self._hist = SketchBatch.of([])
        self._row = np.full(self.span, UNKNOWN, dtype=np.int64)
        self._rules = (float(config.min_order_share), float(config.min_evidence))
        self._new_asked = False

    def packed(self) -> PackedSketches:
        """The sketches known now, for `cleaners.dedup.placement.place`."""
        n, h = self._new, self._hist
        return PackedSketches(self._row, n.offset_starts, n.offsets, n.value_starts, n.values,
                              h.offset_starts, h.offsets, h.value_starts, h.values, *self._rules)

    def record(self, codes: np.ndarray, verdicts: np.ndarray) -> None:
        """Keep the verdicts the compiled loop reached on the pairs ``codes``."""
        self.verdicts.update(zip(codes.tolist(), verdicts.astype(bool).tolist(), strict=True))

    def _asked(self, positions: Sequence[int], doc_ids: Sequence[str] | None = None,
               ) -> tuple[np.ndarray, SketchBatch, np.ndarray]:
        """The source's sketches of ``positions`` (whose ``doc_ids`` the caller may give),
        packed: ``(positions, batch, rows)``."""
        wanted = np.asarray(positions, dtype=np.int64)
        if doc_ids is None:
            doc_ids = [self.sides.doc_id(p) for p in wanted.tolist()]
        batch, rows = _packed(self.source(list(doc_ids)))
        if len(rows) != wanted.size:
            raise ValueError(f"the sketch source returned {len(rows)} sketches for {wanted.size} documents")
        return wanted, batch, rows

    def _ask_new(self) -> None:
        """Every new document's sketch, in one call (the first time one is needed)."""
        if not self._new_asked:
            self._new_asked = True
            positions, self._new, rows = self._asked(range(self.sides.m, self.span),
                                                     self.sides.new.doc_ids)
            self._row[positions] = rows

    def _ask_history(self, positions: Sequence[int]) -> None:
        """The sketches of the history ``positions`` not asked for yet (with those ``ahead``
        the first time), in one call, added to the history's batch."""
        if self.ahead is not None:
            positions = [*self.ahead, *positions]
            self.ahead = None
        wanted = [p for p in sorted(set(positions)) if self._row[p] == UNKNOWN]
        if not wanted:
            return
        positions, batch, rows = self._asked(wanted)
        shift = len(self._hist)
        self._hist = batch if shift == 0 else SketchBatch.concat([self._hist, batch])
        self._row[positions] = np.where(rows >= 0, HISTORY - shift - rows, rows)

    def __call__(self, code: int) -> bool | None:
        """The verdict on the pair ``code`` (see `cleaners.dedup.placement.place`); None when
        a history sketch is not known yet (gathered for `fetch_missing`)."""
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
        ok = judge_positions(*pair, *self.packed()) == 1
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
        if self._row[a] in (UNKNOWN, NO_SKETCH) or self._row[b] in (UNKNOWN, NO_SKETCH):
            return None
        return bool(verdict)

    def prefetch(self, positions: Sequence[int]) -> None:
        """Ask for the sketches of ``positions`` not known yet: the history's in one call (with
        those ``ahead`` if the history's were not asked for yet)."""
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
        self._ask_history(sorted(self.missing))
        self.missing.clear()
        return True
