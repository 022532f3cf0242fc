"""Cross-lingual near-duplicate clustering of a batch against the curated history.

`match` takes the new documents of a run (`DocBatch`: ids, languages, MinHash signatures
of the English-pivot shingles, text hashes, lengths, publication times) and what is
already curated (`History`: the same without texts, plus cluster ids and canonical flags)
and assigns every new document to a cluster.

How (all guarantees hold whatever the LSH parameters):

1. **Exact duplicates**: a new document whose ``text_hash`` (hash of the cleaned text)
   equals that of a document already seen (history, or a new document ranked before it)
   joins that document's cluster without verification: it is the same text as a member
   that was verified when it joined (or as the canonical itself).
2. **Candidates**: LSH over the band keys of history + new signatures (`cleaners.lsh`).
3. **Verification against the canonical**: a candidate only proposes its *cluster*; the
   new document is compared with that cluster's canonical (MinHash Jaccard, or estimated
   containment when ``MatchConfig.verify == "containment"``) and joins it only if the
   similarity reaches the threshold (``cross_lingual_threshold`` when the languages
   differ). Among several passing clusters the most similar wins. A pair A~B, B~C with
   A and C dissimilar never puts C in A's cluster: C is never compared with B.
4. **Canonical rule**: a canonical already in the history stays canonical (history rows
   are never reassigned). Among new documents the most complete version wins: they are
   processed longest cleaned text first, then earliest ``published_at`` (unknown last),
   then smallest ``doc_id``; a document that verifies against no existing canonical
   becomes the canonical of a new cluster whose ``cluster_id`` is its own ``doc_id``.
   So there is exactly one canonical per cluster and a unique document is its own cluster.

``dup_kind`` is ``"exact"`` when the text hash equals the canonical's, ``"near"`` when the
language is the canonical's, ``"cross_lingual"`` otherwise; ``None`` for canonicals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cleaners.lsh import BandIndex, BandStore, band_keys, optimal_bands_rows
from cleaners.minhash import MAX_HASH, containment_estimate, jaccard_estimate

DupKind = Literal["exact", "near", "cross_lingual"]


@dataclass(frozen=True)
class MatchConfig:
    """Parameters of `match`.

    ``threshold``: minimum similarity to a canonical for a same-language duplicate.
    ``cross_lingual_threshold``: the same for documents in another language (None: same
    as ``threshold``). ``verify``: ``"jaccard"`` (MinHash estimate) or ``"containment"``
    (estimated from the Jaccard estimate and the set sizes ``n_features``, which the batch
    and history must then provide). ``bands``/``rows``: LSH layout; when None they are
    derived by `cleaners.lsh.optimal_bands_rows` from ``lsh_threshold`` (None: the lowest
    verification threshold; set it lower for containment, whose passing pairs can have
    a lower Jaccard) with candidate probability ``>= min_recall`` at that threshold.
    """

    threshold: float = 0.5
    cross_lingual_threshold: float | None = None
    num_perm: int = 256  # = cleaners.fingerprint.DEFAULT_FINGERPRINT.num_perm
    bands: int | None = None
    rows: int | None = None
    verify: Literal["jaccard", "containment"] = "jaccard"
    lsh_threshold: float | None = None
    min_recall: float = 0.99

    def __post_init__(self) -> None:
        for name in ("threshold", "cross_lingual_threshold", "lsh_threshold"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        if self.verify not in ("jaccard", "containment"):
            raise ValueError(f"verify must be 'jaccard' or 'containment', got {self.verify!r}")
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both bands and rows, or neither")
        if (
            self.bands is not None
            and self.rows is not None
            and (self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm)
        ):
            raise ValueError("need bands, rows >= 1 and bands * rows <= num_perm")

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
        return optimal_bands_rows(t, self.num_perm, min_recall=self.min_recall)


DEFAULT_MATCH = MatchConfig()


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

    Every cluster present must have exactly one row with ``is_canonical`` true.
    """

    doc_ids: list[str]
    langs: list[str]
    signatures: np.ndarray
    text_hashes: list[str]
    cluster_ids: list[str]
    is_canonical: np.ndarray
    n_features: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.doc_ids)

    @classmethod
    def empty(cls, num_perm: int = 256) -> History:
        """A history with no documents (the first run)."""
        return cls(
            [], [], np.empty((0, num_perm), np.uint32), [], [], np.empty(0, bool), np.empty(0)
        )

    def with_batch(self, batch: DocBatch, assignments: Sequence[Assignment]) -> History:
        """A new History: these rows followed by ``batch`` as `match` assigned it.

        Use it to match a run in several batches (each sees the previous ones) or to keep an
        in-memory history between runs. Guarantees: ``self`` and ``batch`` are not modified;
        ``n_features`` is kept only when both sides have it.
        """
        if len(assignments) != len(batch):
            raise ValueError(f"{len(assignments)} assignments for {len(batch)} documents")
        feats = None
        if (self.n_features is not None or len(self) == 0) and batch.n_features is not None:
            mine = self.n_features if self.n_features is not None else np.empty(0)
            feats = np.concatenate([np.asarray(mine), np.asarray(batch.n_features)])
        return History(
            doc_ids=[*self.doc_ids, *batch.doc_ids],
            langs=[*self.langs, *batch.langs],
            signatures=np.concatenate(
                [np.asarray(self.signatures, np.uint32), np.asarray(batch.signatures, np.uint32)]
            ),
            text_hashes=[*self.text_hashes, *batch.text_hashes],
            cluster_ids=[*self.cluster_ids, *(a.cluster_id for a in assignments)],
            is_canonical=np.concatenate(
                [np.asarray(self.is_canonical, bool), [a.is_canonical for a in assignments]]
            ).astype(bool),
            n_features=feats,
        )


@dataclass
class Assignment:
    """Where a new document lands. Canonicals have ``duplicate_of``, ``similarity`` and
    ``dup_kind`` set to None; duplicates name their cluster's canonical."""

    cluster_id: str
    is_canonical: bool
    duplicate_of: str | None = None
    similarity: float | None = None
    dup_kind: DupKind | None = None


@dataclass
class MatchStats:
    """Counters of one `match` call (for the run manifest)."""

    bands: int = 0
    rows: int = 0
    candidate_pairs: int = 0
    verified_pairs: int = 0
    exact: int = 0
    near: int = 0
    cross_lingual: int = 0
    new_clusters: int = 0
    joined_history: int = 0


def _check_lengths(name: str, n: int, **columns: Sequence[object] | np.ndarray | None) -> None:
    for col, values in columns.items():
        if values is not None and len(values) != n:
            raise ValueError(f"{name}.{col} has {len(values)} rows, expected {n}")


def _validate(new: DocBatch, hist: History, config: MatchConfig) -> None:
    _check_lengths(
        "DocBatch",
        len(new.doc_ids),
        langs=new.langs,
        signatures=new.signatures,
        text_hashes=new.text_hashes,
        lengths=new.lengths,
        published_at=new.published_at,
        n_features=new.n_features,
    )
    _check_lengths(
        "History",
        len(hist.doc_ids),
        langs=hist.langs,
        signatures=hist.signatures,
        text_hashes=hist.text_hashes,
        cluster_ids=hist.cluster_ids,
        is_canonical=hist.is_canonical,
        n_features=hist.n_features,
    )
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


def _history_canonicals(hist: History) -> dict[str, int]:
    """cluster_id -> position of its canonical; raises unless exactly one per cluster."""
    canon: dict[str, int] = {}
    flags = np.asarray(hist.is_canonical, dtype=bool)
    for pos in np.flatnonzero(flags).tolist():
        cid = hist.cluster_ids[pos]
        if cid in canon:
            raise ValueError(f"history cluster {cid!r} has more than one canonical")
        canon[cid] = pos
    missing = set(hist.cluster_ids).difference(canon)
    if missing:
        raise ValueError(
            f"{len(missing)} history clusters have no canonical row (load whole clusters), "
            f"e.g. {min(missing)!r}"
        )
    return canon


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


def _candidate_pairs(
    index: BandStore,
    nonempty: np.ndarray,
    sigs: np.ndarray,
    ids: list[str],
    m: int,
    bands: int,
    rows: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(new position, candidate position) pairs, self-pairs excluded, sorted by both.

    Every non-empty document (history then new) goes into ``index``; the new ones are
    queried. The in-memory `BandIndex` answers with positions (no strings); any other
    `BandStore` answers with ids, mapped back to positions (ids this call does not know,
    e.g. from a shared index, are ignored).
    """
    keys = band_keys(sigs[nonempty], bands, rows)
    already = len(index) if isinstance(index, BandIndex) else -1
    index.add([ids[p] for p in nonempty.tolist()], keys)
    first_new = int(np.searchsorted(nonempty, m))
    new_keys = keys[first_new:]
    if new_keys.shape[0] == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if isinstance(index, BandIndex) and already == 0:
        rows_hit, hits = index.query_positions(new_keys)
        q, c = nonempty[first_new + rows_hit], nonempty[hits]
    else:
        position = {doc_id: p for p, doc_id in enumerate(ids)}
        q_list: list[int] = []
        c_list: list[int] = []
        for r, found in enumerate(index.query(new_keys)):
            me = int(nonempty[first_new + r])
            for doc_id in found:
                p = position.get(doc_id)
                if p is not None:
                    q_list.append(me)
                    c_list.append(p)
        q, c = np.array(q_list, dtype=np.int64), np.array(c_list, dtype=np.int64)
    keep = q != c
    q, c = q[keep], c[keep]
    order = np.lexsort((c, q))
    return q[order], c[order]


def match(
    new: DocBatch,
    history: History | None = None,
    config: MatchConfig = DEFAULT_MATCH,
    *,
    index_factory: Callable[[], BandStore] = BandIndex,
    stats: MatchStats | None = None,
) -> list[Assignment]:
    """Assign every new document to a cluster (one `Assignment` per document, in order).

    Canonical rule: a canonical already in the history stays canonical; among new
    documents the most complete version wins: longest cleaned text, then earliest
    ``published_at``, then smallest ``doc_id``. Exactly one canonical per cluster; a
    unique document is its own cluster (``cluster_id`` = its ``doc_id``).

    Guarantees: exactly one canonical per cluster touched; history canonicals stay
    canonical and history rows are never reassigned; every duplicate is either an exact
    copy (same ``text_hash``) of a member of its cluster or verified against the cluster's
    canonical at the configured threshold (``similarity`` is that verified value, 1.0 for
    an exact copy of the canonical); no chaining through non-canonical members.
    ``history`` must hold whole clusters (each with its canonical). Pass ``stats`` to
    collect counters. ``index_factory`` builds the LSH index (in-memory `BandIndex` by
    default).
    """
    hist = history if history is not None else History.empty(config.num_perm)
    _validate(new, hist, config)
    n, m = len(new), len(hist)
    stats = stats if stats is not None else MatchStats()
    if n == 0:
        return []

    # Everything indexed by position: history 0..m-1, then new m..m+n-1.
    sigs = np.concatenate(
        [np.asarray(hist.signatures, np.uint32), np.asarray(new.signatures, np.uint32)]
    )
    langs = list(hist.langs) + list(new.langs)
    hashes = list(hist.text_hashes) + list(new.text_hashes)
    ids = list(hist.doc_ids) + list(new.doc_ids)
    sizes: np.ndarray | None = None
    if config.verify == "containment":
        assert new.n_features is not None
        hist_sizes = hist.n_features if hist.n_features is not None else np.empty(0)
        sizes = np.concatenate(
            [np.asarray(hist_sizes, np.float64), np.asarray(new.n_features, np.float64)]
        )

    # Cluster state: cluster number per position (-1: not yet assigned), canonical per cluster.
    hist_canon = _history_canonicals(hist)
    cluster_of = np.full(m + n, -1, dtype=np.int64)
    canon_arr = np.full(len(hist_canon) + n, -1, dtype=np.int64)
    cluster_name: list[str] = list(hist_canon)
    canon_arr[: len(hist_canon)] = list(hist_canon.values())
    n_clusters = len(hist_canon)
    number = {cid: k for k, cid in enumerate(cluster_name)}
    cluster_of[:m] = [number[cid] for cid in hist.cluster_ids]

    # First holder of each text hash: history canonicals first, then any history row.
    first_by_hash: dict[str, int] = {}
    for pos in canon_arr[:n_clusters].tolist():
        first_by_hash.setdefault(hashes[pos], pos)
    for pos in range(m):
        first_by_hash.setdefault(hashes[pos], pos)

    # LSH candidates of every new document (documents with no shingles are only exact-matched).
    bands, rows = config.lsh_params()
    stats.bands, stats.rows = bands, rows
    nonempty = np.flatnonzero(~np.all(sigs == MAX_HASH, axis=1))
    q_pos, c_pos = _candidate_pairs(index_factory(), nonempty, sigs, ids, m, bands, rows)
    stats.candidate_pairs = int(q_pos.size)
    slice_lo = np.searchsorted(q_pos, np.arange(m, m + n), side="left")
    slice_hi = np.searchsorted(q_pos, np.arange(m, m + n), side="right")

    lang_number: dict[str, int] = {}
    lang_arr = np.array([lang_number.setdefault(lang, len(lang_number)) for lang in langs])

    # Low byte of every slot: slots equal in full are equal here, so the similarity
    # estimated on these bytes is never below the full one (containment grows with the
    # Jaccard estimate): a candidate rejected on them would be rejected in full. A quarter of
    # the memory traffic for the (many) candidates that fail.
    low8 = sigs.astype(np.uint8)

    def similarity(pos: int, others: np.ndarray, sig: np.ndarray = sigs) -> np.ndarray:
        if sizes is None:
            return jaccard_estimate(sig[others], sig[pos])
        return containment_estimate(sig[others], sig[pos], sizes[others], sizes[pos])

    def kind(pos: int, canon: int) -> DupKind:
        if hashes[pos] == hashes[canon]:
            return "exact"
        return "near" if langs[pos] == langs[canon] else "cross_lingual"

    def count(k: DupKind, canon: int) -> None:
        stats.exact += k == "exact"
        stats.near += k == "near"
        stats.cross_lingual += k == "cross_lingual"
        stats.joined_history += canon < m

    out: list[Assignment | None] = [None] * n
    for i in priority_order(new.lengths, new.published_at, new.doc_ids).tolist():
        pos = m + i
        holder = first_by_hash.get(hashes[pos])
        if holder is not None:
            # Exact copy of a document already placed: same cluster, no verification needed.
            c = int(cluster_of[holder])
            canon = int(canon_arr[c])
            cluster_of[pos] = c
            k = kind(pos, canon)
            sim = 1.0 if k == "exact" else float(similarity(pos, np.array([canon]))[0])
            out[i] = Assignment(cluster_name[c], False, ids[canon], sim, k)
            count(k, canon)
            continue
        first_by_hash[hashes[pos]] = pos
        # Clusters proposed by the candidates already placed, verified against their canonical.
        proposed = cluster_of[c_pos[slice_lo[i] : slice_hi[i]]]
        clusters = np.sort(proposed[proposed >= 0])  # distinct clusters, ascending
        if clusters.size > 1:
            clusters = clusters[np.concatenate(([True], clusters[1:] != clusters[:-1]))]
        best = -1
        if clusters.size:
            canons = canon_arr[clusters]
            stats.verified_pairs += int(clusters.size)
            need = np.where(
                lang_arr[canons] == lang_arr[pos], config.threshold, config.xl_threshold
            )
            maybe = np.flatnonzero(similarity(pos, canons, low8) >= need)
            clusters, canons, need = clusters[maybe], canons[maybe], need[maybe]
            sims = similarity(pos, canons)
            passing = np.flatnonzero(sims >= need)
            if passing.size:
                top = passing[sims[passing] == sims[passing].max()]
                # Equal similarity: the canonical with the smallest doc_id.
                best = min(top.tolist(), key=lambda t: ids[int(canons[t])])
        if best < 0:
            cluster_of[pos] = n_clusters
            canon_arr[n_clusters] = pos
            cluster_name.append(ids[pos])
            n_clusters += 1
            out[i] = Assignment(ids[pos], True)
            stats.new_clusters += 1
            continue
        c, canon = int(clusters[best]), int(canons[best])
        cluster_of[pos] = c
        k = kind(pos, canon)
        out[i] = Assignment(cluster_name[c], False, ids[canon], float(sims[best]), k)
        count(k, canon)

    assert all(a is not None for a in out)
    return [a for a in out if a is not None]
