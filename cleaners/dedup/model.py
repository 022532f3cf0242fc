"""What `match` reads and returns: the new batch, the curated history, assignments, counters.

Also the checks of those inputs (`validate`, `history_clusters`), the canonical rule
(`priority_order`) and `Sides`, the position-indexed view of a history and a batch that the
matching steps share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from itertools import chain
from typing import Literal

import numpy as np

from cleaners.dedup.config import DEFAULT_FINGERPRINT, MatchConfig

DupKind = Literal["exact", "near", "cross_lingual"]


@dataclass
class DocBatch:
    """The new documents of a run, index-aligned.

    ``signatures``: ``(n, num_perm)`` uint32 MinHash of the pivot-language shingles;
    ``text_hashes``: hash of the cleaned text (equal hashes = exact duplicates);
    ``lengths``: cleaned text length; ``published_at``: float epoch seconds, NaN if unknown;
    ``n_features``: shingle-set sizes (only needed for ``verify="containment"``).
    """

    doc_ids: list[str]
    langs: list[str]
    signatures: np.ndarray
    text_hashes: list[str]
    lengths: np.ndarray
    published_at: np.ndarray
    n_features: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.doc_ids)


@dataclass
class History:
    """What the curated dataset already holds (signatures, never texts), index-aligned.

    Every cluster present must have exactly one row with ``is_canonical`` true: its *current*
    canonical, the one new members are verified against. ``lengths`` (cleaned text length) and
    ``published_at`` (float epoch seconds, NaN if unknown) are read for the canonical rows
    only, to re-elect a cluster's canonical when a more complete version arrives (see
    `priority_order`); without them a history canonical is never replaced.
    """

    doc_ids: list[str]
    langs: list[str]
    signatures: np.ndarray
    text_hashes: list[str]
    cluster_ids: list[str]
    is_canonical: np.ndarray
    n_features: np.ndarray | None = None
    lengths: np.ndarray | None = None
    published_at: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.doc_ids)

    @classmethod
    def empty(cls, num_perm: int = DEFAULT_FINGERPRINT.num_perm) -> History:
        """A history with no documents (the first run)."""
        return cls(
            [], [], np.empty((0, num_perm), np.uint32), [], [], np.empty(0, bool), np.empty(0)
        )

    def with_batch(self, batch: DocBatch, assignments: Sequence[Assignment]) -> History:
        """A new History: these rows followed by ``batch`` as `match` assigned it.

        Use it to match a run in several batches (each sees the previous ones) or to keep an
        in-memory history between runs. Guarantees: ``self`` and ``batch`` are not modified;
        ``is_canonical`` marks the current canonical of every cluster (a history canonical
        replaced by an ``elected`` new document loses the mark); the rows of a history cluster
        `match` merged into another (`Matched.merged`) take that cluster's id, and its
        canonical loses the mark; ``n_features``, ``lengths`` and ``published_at`` are kept
        only when both sides have them.
        """
        if len(assignments) != len(batch):
            raise ValueError(f"{len(assignments)} assignments for {len(batch)} documents")

        def joined(mine: np.ndarray | None, theirs: np.ndarray | None) -> np.ndarray | None:
            if (mine is None and len(self)) or theirs is None:
                return None
            return np.concatenate([np.asarray(mine if mine is not None else []), np.asarray(theirs)])

        merged = assignments.merged if isinstance(assignments, Matched) else {}
        replaced = {a.cluster_id for a in assignments if a.elected and not a.is_canonical} | set(merged)
        keep = np.asarray(self.is_canonical, bool).copy()
        if replaced:
            keep &= np.fromiter((c not in replaced for c in self.cluster_ids), bool, len(self))
        return History(
            doc_ids=[*self.doc_ids, *batch.doc_ids],
            langs=[*self.langs, *batch.langs],
            signatures=np.concatenate(
                [np.asarray(self.signatures, np.uint32), np.asarray(batch.signatures, np.uint32)]
            ),
            text_hashes=[*self.text_hashes, *batch.text_hashes],
            cluster_ids=[*(merged.get(c, c) for c in self.cluster_ids),
                         *(a.cluster_id for a in assignments)],
            is_canonical=np.concatenate([keep, [a.elected for a in assignments]]).astype(bool),
            n_features=joined(self.n_features, batch.n_features),
            lengths=joined(self.lengths, batch.lengths),
            published_at=joined(self.published_at, batch.published_at),
        )


@dataclass
class Assignment:
    """Where a new document lands.

    ``is_canonical``: it founded its cluster (``cluster_id`` is its own ``doc_id``); then
    ``duplicate_of``, ``similarity`` and ``dup_kind`` are None. A duplicate names the
    canonical it was verified against (or is an exact copy of). ``elected``: it is its
    cluster's current canonical after this match: every founder, and a duplicate that is a
    more complete version than its cluster's canonical was (`priority_order`).
    """

    cluster_id: str
    is_canonical: bool
    duplicate_of: str | None = None
    similarity: float | None = None
    dup_kind: DupKind | None = None
    elected: bool = False

    def __post_init__(self) -> None:
        if self.is_canonical:
            self.elected = True


class Matched(list[Assignment]):
    """What `match` returns: the assignments of the new documents, in order (a list), and
    ``merged``, the history clusters it merged into others: absorbed ``cluster_id`` -> the
    ``cluster_id`` of the cluster its members belong to now (never itself absorbed)."""

    def __init__(self, assignments: Sequence[Assignment] = (), merged: dict[str, str] | None = None) -> None:
        super().__init__(assignments)
        self.merged: dict[str, str] = dict(merged or {})


@dataclass
class MatchStats:
    """Counters of one `match` call (for the run manifest)."""

    bands: int = 0
    rows: int = 0
    #: (new document, candidate) pairs kept from the LSH index: history candidates, and new
    #: ones placed earlier than the document (priority order), after ``max_per_bucket``.
    candidate_pairs: int = 0
    verified_pairs: int = 0
    exact: int = 0
    near: int = 0
    cross_lingual: int = 0
    new_clusters: int = 0
    joined_history: int = 0
    #: History clusters whose canonical was replaced by a more complete new version.
    reelected: int = 0
    #: Grey-zone cross-lingual pairs judged by the second signal (those that decided a
    #: placement), and those it refused.
    second_signal_pairs: int = 0
    second_signal_refused: int = 0
    #: Clusters absorbed by a merge (`cleaners.dedup.merge`): history clusters (see
    #: `Matched.merged`) and clusters founded in this run.
    merged: int = 0
    #: Placement passes run: 1, plus one per round of history sketches a pass lacked (a new
    #: document that met a history canonical in the grey zone through another new document).
    placement_passes: int = 0


def _check_lengths(table: DocBatch | History) -> None:
    """Raise ``ValueError`` unless every column of ``table`` given (the fields after the
    first, ``doc_ids``) has one row per doc_id."""
    n = len(table.doc_ids)
    for field in fields(table)[1:]:
        values = getattr(table, field.name)
        if values is not None and len(values) != n:
            name = type(table).__name__
            raise ValueError(f"{name}.{field.name} has {len(values)} rows, expected {n}")


def validate(new: DocBatch, hist: History, config: MatchConfig) -> None:
    """Raise ``ValueError`` unless ``new`` and ``hist`` can be matched with ``config``:
    columns of equal length, ``(n, num_perm)`` signatures, new ids unique and absent from
    the history, ``n_features`` on both sides for containment."""
    _check_lengths(new)
    _check_lengths(hist)
    for name, sig in (("DocBatch", new.signatures), ("History", hist.signatures)):
        if sig.ndim != 2 or sig.shape[1] != config.num_perm:
            raise ValueError(f"{name}.signatures must be (n, {config.num_perm}), got {sig.shape}")
    ids = set(new.doc_ids)
    if len(ids) != len(new.doc_ids):
        raise ValueError("DocBatch.doc_ids are not unique")
    clash = ids.intersection(hist.doc_ids)
    if clash:
        raise ValueError(
            f"{len(clash)} new doc_ids are already in the history, e.g. {min(clash)!r}"
        )
    if config.verify == "containment" and (
        new.n_features is None or (len(hist) and hist.n_features is None)
    ):
        raise ValueError("verify='containment' needs n_features on DocBatch and History")


def history_clusters(hist: History) -> tuple[np.ndarray, np.ndarray]:
    """``(cluster number of every history row, canonical row of every cluster number)``.

    Clusters are numbered in the row order of their canonicals; the only Python structure
    is one dict from cluster id to number (no list, set or second dict of the history).
    Raises ``ValueError`` unless every cluster has exactly one canonical row.
    """
    canon_rows = np.flatnonzero(np.asarray(hist.is_canonical, dtype=bool))
    number: dict[str, int] = {}
    for pos in canon_rows.tolist():
        cid = hist.cluster_ids[pos]
        if cid in number:
            raise ValueError(f"history cluster {cid!r} has more than one canonical")
        number[cid] = len(number)
    codes = np.fromiter(
        (number.get(cid, -1) for cid in hist.cluster_ids), dtype=np.int64, count=len(hist)
    )
    del number
    if (codes < 0).any():
        missing = {hist.cluster_ids[p] for p in np.flatnonzero(codes < 0).tolist()}
        raise ValueError(
            f"{len(missing)} history clusters have no canonical row (load whole clusters), "
            f"e.g. {min(missing)!r}"
        )
    return codes, canon_rows


def priority_order(
    lengths: np.ndarray, published_at: np.ndarray, doc_ids: Sequence[str]
) -> np.ndarray:
    """Positions sorted by the canonical rule: longest first, then earliest ``published_at``
    (NaN = unknown, last), then smallest ``doc_id``. Guarantees: a permutation of range(n)."""
    n = len(doc_ids)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.argsort(np.asarray(doc_ids, dtype=object), kind="stable")] = np.arange(n)
    pub = np.asarray(published_at, dtype=np.float64)
    pub = np.where(np.isnan(pub), np.inf, pub)
    return np.lexsort((id_rank, pub, -np.asarray(lengths, dtype=np.float64)))


def canonical_ranks(
    new: DocBatch, priority: np.ndarray, hist: History, hist_canon: np.ndarray,
    clusters: np.ndarray,
) -> np.ndarray:
    """For every history cluster number, the index in ``priority`` (the new rows in
    `priority_order`) before which a new row outranks the cluster's canonical: the number of
    new rows that come before the canonical by the canonical rule. Computed for the cluster
    numbers ``clusters`` (the ones the batch can join); 0 (never outranked) for the others,
    and for all when the history has no ``lengths``.

    Guarantees: a new row at index ``k`` of ``priority`` outranks the canonical of cluster
    ``c`` exactly when ``k < result[c]``, the same comparison `priority_order` makes.
    """
    out = np.zeros(hist_canon.size, dtype=np.int64)
    if hist.lengths is None or clusters.size == 0 or len(new) == 0:
        return out
    clusters = np.unique(clusters)
    rows = hist_canon[clusters]
    pub = hist.published_at if hist.published_at is not None else np.full(len(hist), np.nan)
    n = len(new)
    order = priority_order(
        np.concatenate([np.asarray(new.lengths, np.float64), np.asarray(hist.lengths, np.float64)[rows]]),
        np.concatenate([np.asarray(new.published_at, np.float64), np.asarray(pub, np.float64)[rows]]),
        [*new.doc_ids, *(hist.doc_ids[r] for r in rows.tolist())],
    )
    is_new = order < n
    before = np.cumsum(is_new)  # new rows at or before each place of the merged order
    where = np.flatnonzero(~is_new)
    out[clusters[order[where] - n]] = before[where]
    return out


@dataclass(frozen=True)
class Sides:
    """A history and a batch side by side, by position: history row ``p`` at ``p``, new row
    ``i`` at ``m + i``. The two sides stay in their own arrays (no concatenated copy of the
    signatures, ids or hashes); only the language codes span both.

    ``lang``: int32 code per position (equal codes = same language); ``containment``: verify
    by containment, then ``hist_sizes``/``new_sizes`` are the float64 set sizes
    (``n_features``), else empty.
    """

    hist: History
    new: DocBatch
    hist_sigs: np.ndarray
    new_sigs: np.ndarray
    lang: np.ndarray
    containment: bool
    hist_sizes: np.ndarray
    new_sizes: np.ndarray

    @classmethod
    def of(cls, hist: History, new: DocBatch, config: MatchConfig) -> Sides:
        """The sides of a validated ``hist`` and ``new`` (see `validate`) for ``config``."""
        no_sizes = np.empty(0, dtype=np.float64)
        containment = config.verify == "containment"
        hist_sizes, new_sizes = no_sizes, no_sizes
        if containment:
            feats = hist.n_features if hist.n_features is not None else np.empty(0)
            hist_sizes = np.asarray(feats).astype(np.float64)
            new_sizes = np.asarray(new.n_features).astype(np.float64)
        lang_number: dict[str, int] = {}
        lang = np.fromiter(
            (lang_number.setdefault(code, len(lang_number)) for code in chain(hist.langs, new.langs)),
            dtype=np.int32,
            count=len(hist) + len(new),
        )
        return cls(
            hist, new, np.asarray(hist.signatures, np.uint32), np.asarray(new.signatures, np.uint32),
            lang, containment, hist_sizes, new_sizes,
        )

    @property
    def m(self) -> int:
        """Number of history rows (the first new position)."""
        return len(self.hist)

    def doc_id(self, pos: int) -> str:
        """The ``doc_id`` at a position."""
        m = self.m
        return self.hist.doc_ids[pos] if pos < m else self.new.doc_ids[pos - m]

    def text_hash(self, pos: int) -> str:
        """The ``text_hash`` at a position."""
        m = self.m
        return self.hist.text_hashes[pos] if pos < m else self.new.text_hashes[pos - m]
