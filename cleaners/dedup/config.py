"""Parameters of near-duplicate detection: how documents are fingerprinted, how they are matched.

`FingerprintConfig` (`DEFAULT_FINGERPRINT`) drives `cleaners.dedup.fingerprint.fingerprint_batch`;
`MatchConfig` (`DEFAULT_MATCH`, and `TUNED_MATCH`, tuned for the default fingerprint) drives
`cleaners.dedup.matcher.match`. Also the chunk size of the vectorised matching steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Rows (signatures, or candidate pairs) processed at a time by the vectorised steps of `match`.
CHUNK_ROWS = 8192


@dataclass(frozen=True)
class FingerprintConfig:
    """How documents are fingerprinted. Changing any field changes the signatures: documents
    fingerprinted with different configs must not be compared.
    """

    num_perm: int = 256
    backend: str = "embedded"
    seed: int = 1
    #: Shingle size in translated content tokens (1 = bag of words).
    ngram: int = 1
    #: Content tokens shorter than this are dropped (numbers are always kept).
    min_token_len: int = 2
    #: The shingles leave out the ``drop_common`` most frequent English content lemmas
    #: (`cleaners.lang.tokens.common_english`, after translation): unrelated stories share mostly
    #: such words (people, government, company), so dropping them makes LSH candidates selective
    #: (docs/dedup.md). 0 keeps them.
    drop_common: int = 300
    #: A word of a compounding language (German) that the backend's lexicon lacks is translated
    #: by its head, the longest final part the lexicon knows (`cleaners.translate.compounds`;
    #: backends with a ``head_of`` method: the embedded lexicon). False: as the lexicon has it.
    compound_heads: bool = True


DEFAULT_FINGERPRINT = FingerprintConfig()


@dataclass(frozen=True)
class MatchConfig:
    """Parameters of `match`.

    ``threshold``: minimum similarity to a canonical for a same-language duplicate.
    ``cross_lingual_threshold``: the same for documents in another language (None: same
    as ``threshold``). ``verify``: ``"jaccard"`` (MinHash estimate) or ``"containment"``
    (estimated from the Jaccard estimate and the set sizes ``n_features``, which the batch
    and history must then provide). ``bands``/``rows``: LSH layout; when None they are
    derived by `cleaners.dedup.lsh.optimal_bands_rows` from ``lsh_threshold`` (None: the lowest
    verification threshold; set it lower for containment, whose passing pairs can have
    a lower Jaccard) with candidate probability ``>= min_recall`` at that threshold.
    Guarantees: constructing one with out-of-range values raises ``ValueError``.
    """

    threshold: float = 0.5
    cross_lingual_threshold: float | None = None
    num_perm: int = DEFAULT_FINGERPRINT.num_perm
    bands: int | None = None
    rows: int | None = None
    verify: Literal["jaccard", "containment"] = "jaccard"
    lsh_threshold: float | None = None
    min_recall: float = 0.99
    #: Bounds a document's LSH candidates (None: keep all of them). History: a new document
    #: keeps at most ``bands x max_per_bucket`` history candidates, the most similar ones
    #: (equal signature slots, the Jaccard estimate verification uses), ties broken by a hash
    #: of the candidate's signature, never by its position; so which history documents are
    #: candidates does not depend on the size or the order of the history, and memory stays
    #: bounded by that budget per new document. New documents: in each LSH bucket, a document
    #: is paired with at most ``max_per_bucket`` of the new documents sharing it, those of
    #: highest canonical priority (see `priority_order`; in-memory index only, a shared index
    #: such as Redis returns every member). Work and memory grow with the number of new
    #: documents, not with the history or the square of the documents that share a topic
    #: (docs/dedup.md).
    max_per_bucket: int | None = 4
    #: The second verification signal (`cleaners.dedup.align`), used when `match` is given
    #: sentence sketches: a cross-lingual pair whose similarity is at least
    #: ``xl_threshold`` but below ``xl_accept`` (the grey zone) passes only if an
    #: order-preserving sentence alignment accounts for at least ``min_order_share`` of the
    #: evidence tokens the two documents share, and they share at least ``min_evidence`` of
    #: the smaller document's evidence tokens (not numbers, dates or page chrome). None: no
    #: grey zone (similarity alone decides).
    xl_accept: float | None = None
    min_order_share: float = 0.45
    min_evidence: float = 0.12
    #: After placement, merge two clusters that a new document links (it passes both
    #: canonicals and joins one) when their canonicals verify against each other
    #: (`cleaners.dedup.merge`): which versions of a story arrived first then matters less at
    #: the margins of the thresholds (docs/dedup.md, "Arrival order"). False: placement alone,
    #: as before 2026-12-05.
    merge_clusters: bool = True
    #: Merges with the second signal only: the similarity two canonicals in different
    #: languages need to merge when a document links their clusters, judged by the second
    #: signal below ``grey_ceiling``. Lower than ``xl_threshold``: the link is evidence of its
    #: own (a document verified with both clusters), and a story's two longest versions can
    #: sit below the placement threshold while every other version verifies with both
    #: (docs/dedup.md, "Arrival order"). None, or above ``xl_threshold``: ``xl_threshold``
    #: (`merge_floor`). Without sketches (no second signal) merges always need ``xl_threshold``.
    merge_xl_threshold: float | None = None

    def __post_init__(self) -> None:
        for name in ("threshold", "cross_lingual_threshold", "lsh_threshold", "xl_accept",
                     "merge_xl_threshold"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        for name in ("min_order_share", "min_evidence"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.verify not in ("jaccard", "containment"):
            raise ValueError(f"verify must be 'jaccard' or 'containment', got {self.verify!r}")
        if self.max_per_bucket is not None and self.max_per_bucket < 1:
            raise ValueError(f"max_per_bucket must be >= 1 or None, got {self.max_per_bucket}")
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both bands and rows, or neither")
        if (
            self.bands is not None
            and self.rows is not None
            and (self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm)
        ):
            raise ValueError("need bands, rows >= 1 and bands * rows <= num_perm")

    @property
    def grey_ceiling(self) -> float:
        """The similarity from which a cross-lingual pair passes without the second signal
        (``xl_threshold`` itself when there is no grey zone)."""
        return self.xl_threshold if self.xl_accept is None else max(self.xl_accept, self.xl_threshold)

    @property
    def merge_floor(self) -> float:
        """The similarity two canonicals in different languages need to merge with the second
        signal: ``merge_xl_threshold``, never above ``xl_threshold``."""
        if self.merge_xl_threshold is None:
            return self.xl_threshold
        return min(self.merge_xl_threshold, self.xl_threshold)

    @property
    def xl_threshold(self) -> float:
        """The threshold applied to cross-lingual pairs."""
        return (
            self.threshold if self.cross_lingual_threshold is None else self.cross_lingual_threshold
        )

    def lsh_params(self) -> tuple[int, int]:
        """``(bands, rows)``: the configured ones, else derived from the threshold for recall."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        t = self.lsh_threshold
        if t is None:
            t = min(self.threshold, self.xl_threshold)
        t = min(t, 0.999)
        from cleaners.dedup.lsh import optimal_bands_rows  # NumPy: not needed to read a config

        return optimal_bands_rows(t, self.num_perm, min_recall=self.min_recall)


DEFAULT_MATCH = MatchConfig()

#: The matching parameters tuned for `DEFAULT_FINGERPRINT` and the embedded backend on the WMT
#: benchmark (``benchmarks/crosslingual.py``; method, measurements and the LSH trade-off in
#: docs/dedup.md): MinHash Jaccard against the canonical, at least 0.35 in the
#: same language (reposts with promos, dropped or reordered paragraphs, other boilerplate stay
#: far above; different stories of the same day stay below 0.2) and at least 0.11 across
#: languages (true translation pairs mostly 0.12-0.35 with a word-by-word translation and the
#: 300 most common English words dropped; verifying every pair, 0.09 makes a false merge on
#: WMT, 0.10 none: 0.11 leaves a step of margin). Jaccard separated the WMT pairs
#: better than containment, condensed translations included.
#: LSH: 99 % candidate probability at Jaccard 0.2 (``lsh_threshold``; 113 bands x 2 rows at
#: 256 permutations), not at the verification threshold: 99 % at 0.11 needs one row per band,
#: which makes about half of all unrelated pairs candidates (cost ~ new x history); two rows
#: keep 3-9 % of them on WMT, and a translation between 0.11 and 0.2 is still found with the
#: curve's probability (0.75 at 0.11) or through another language version of its cluster.
#: The grey zone (``xl_accept`` 0.20; ``min_order_share`` 0.45, ``min_evidence`` 0.12) was
#: chosen on newstest2012 and the even-numbered shared web pages, and reported on newstest2013,
#: newsdiscussdev2015 and the odd-numbered pages (docs/dedup.md, "Second signal"): different
#: stories on one topic reach 0.18 in two languages, but share few sentences in order; pages in
#: two languages pass 0.11 on numbers, dates and navigation, but share few evidence tokens.
#: Merges across languages down to 0.07 (``merge_xl_threshold``), with a linking document and
#: the second signal: chosen on newstest2012 (0.05-0.07 keep every story of its full set whole
#: in one run and in random runs, 0.08 does not), reported on newstest2013 and
#: newsdiscussdev2015 (docs/dedup.md, "Arrival order").
TUNED_MATCH = MatchConfig(
    threshold=0.35,
    cross_lingual_threshold=0.11,
    num_perm=DEFAULT_FINGERPRINT.num_perm,
    verify="jaccard",
    lsh_threshold=0.2,
    xl_accept=0.20,
    merge_xl_threshold=0.07,
)
