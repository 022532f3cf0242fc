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
2. **Candidates**: LSH over the band keys of history + new signatures (`cleaners.dedup.lsh`):
   a new document and another document are candidates when they share a band key. With
   the default in-memory index only the new documents are indexed and the history is
   streamed through it in chunks (same pairs, no per-history-document index memory).
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

Memory: beyond its inputs, `match` holds per history document about 8 bytes of cluster
number, 4 of language code and one dict entry per history cluster (while numbering them);
band keys exist only for the new documents and for one chunk of the history at a time,
and candidate verification works on chunks of candidate pairs (a low-byte copy of the
canonicals it touches, a quarter of their signatures, while verifying). No signature,
id or hash list is copied or concatenated.

``dup_kind`` is ``"exact"`` when the text hash equals the canonical's, ``"near"`` when the
language is the canonical's, ``"cross_lingual"`` otherwise; ``None`` for canonicals.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import Literal

import numpy as np

from cleaners.dedup.lsh import BandIndex, BandStore, band_keys, optimal_bands_rows
from cleaners.dedup.minhash import MAX_HASH, containment_estimate, jaccard_estimate

DupKind = Literal["exact", "near", "cross_lingual"]

#: Rows (signatures, or candidate pairs) processed at a time by the vectorised steps.
VERIFY_CHUNK = 8192
#: Threads querying the in-memory LSH index (`_candidate_pairs`).
QUERY_THREADS = min(4, os.cpu_count() or 1)


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
    """

    threshold: float = 0.5
    cross_lingual_threshold: float | None = None
    num_perm: int = 256  # = cleaners.dedup.fingerprint.DEFAULT_FINGERPRINT.num_perm
    bands: int | None = None
    rows: int | None = None
    verify: Literal["jaccard", "containment"] = "jaccard"
    lsh_threshold: float | None = None
    min_recall: float = 0.99
    #: In each LSH bucket, a document is paired with at most this many of the documents
    #: stored under the same key: the new ones of highest canonical priority (see
    #: `priority_order`), history rows in history order (None: all of them). This bounds
    #: the candidates of a document by ``bands x max_per_bucket``, so the work and memory
    #: of a run grow with its number of documents, not with the square of the documents
    #: that share a topic (README, "Speed, memory and scaling out"). The in-memory index
    #: applies it; a shared index (Redis) returns every member.
    max_per_bucket: int | None = 4

    def __post_init__(self) -> None:
        for name in ("threshold", "cross_lingual_threshold", "lsh_threshold"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
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
    #: (new document, candidate) pairs kept from the LSH index: history candidates, and new
    #: ones placed earlier than the document (priority order), after ``max_per_bucket``.
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


def _nonempty(sig: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows that are not all ``MAX_HASH`` (documents with shingles),
    computed `VERIFY_CHUNK` rows at a time (no full-size temporary)."""
    out = np.empty(sig.shape[0], dtype=bool)
    for lo in range(0, sig.shape[0], VERIFY_CHUNK):
        out[lo : lo + VERIFY_CHUNK] = (sig[lo : lo + VERIFY_CHUNK] != MAX_HASH).any(axis=1)
    return out


def _fill_keys(sig: np.ndarray, rows_wanted: np.ndarray, bands: int, rows: int, out: np.ndarray) -> None:
    """Band keys of the rows ``rows_wanted`` of ``sig``, in that order, into ``out``
    (``(rows_wanted.size, bands)``), one chunk of rows at a time (no copy of the whole
    selection)."""
    for lo in range(0, rows_wanted.size, VERIFY_CHUNK):
        part = rows_wanted[lo : lo + VERIFY_CHUNK]
        band_keys(sig[part], bands, rows, out=out[lo : lo + part.size])


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (a sort, not NumPy's hash-based ``unique``, which is
    slow on the many small arrays of the verification loop)."""
    out = np.sort(values)
    if out.size > 1:
        out = out[np.concatenate(([True], out[1:] != out[:-1]))]
    return out


def _new_keys(new_sigs: np.ndarray, bands: int, rows: int,
              order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(rows of the non-empty new documents in ``order`` (a permutation of all rows),
    their band keys laid out as (bands, k).T)``."""
    new_ok = _nonempty(new_sigs)
    npos = order[new_ok[order]]
    kt = np.empty((bands, npos.size), dtype=np.uint64)
    _fill_keys(new_sigs, npos, bands, rows, kt.T)
    return npos, kt.T


def _candidate_pairs(
    index: BandStore,
    hist: History,
    new: DocBatch,
    hist_sigs: np.ndarray,
    new_sigs: np.ndarray,
    bands: int,
    rows: int,
    priority: np.ndarray,
    max_per_bucket: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(new row, candidate position) pairs, sorted by both: history candidates, and new
    candidates that come before the row in ``priority`` order (no self-pairs).

    A candidate position is ``0..m-1`` for a history row and ``m + i`` for new row ``i``;
    a pair is a candidate when the two non-empty documents share a band key. Band keys are
    computed `VERIFY_CHUNK` rows at a time (never the whole history at once, no copy of
    the signatures).

    With the default fresh in-memory `BandIndex`, only the new documents are indexed (in
    ``priority`` order, a permutation of the new rows) and queried `VERIFY_CHUNK` rows at a
    time, and the history is streamed through the index chunk by chunk (a shared band is
    symmetric, so the pairs are the same as indexing everything): memory is O(new documents
    x bands), nothing per history document. ``max_per_bucket`` (see `MatchConfig`) then
    keeps, per band, only the first members of a bucket: the new documents of highest
    priority. Any other `BandStore` (a shared index, e.g. Redis, or a `BandIndex` already
    holding documents) receives every non-empty document (history then new, in chunks) and
    is queried with the new ones; the ids it answers are mapped back to positions (ids
    this call does not know, e.g. from a shared index, are ignored).
    """
    m = len(hist)
    npos, new_keys = _new_keys(new_sigs, bands, rows, priority)
    empty = np.empty(0, np.int64), np.empty(0, np.int64)
    span = m + len(new)
    codes: list[np.ndarray] = []  # q * span + c, distinct pairs, one array per query chunk

    rank = np.empty(len(new), dtype=np.int64)
    rank[priority] = np.arange(len(new))

    def encode(q: np.ndarray, c: np.ndarray) -> np.ndarray:
        """The kept pairs as sorted codes. A new candidate placed after the document (lower
        priority) cannot propose a cluster to it: only pairs with the candidate earlier in
        priority order are kept (this also drops self-pairs)."""
        new_c = c >= m
        keep = ~new_c
        keep[new_c] = rank[c[new_c] - m] < rank[q[new_c]]
        code = q[keep] * span + c[keep]
        code.sort()
        return code

    def collect(code: np.ndarray) -> None:
        if code.size:
            codes.append(code)

    if isinstance(index, BandIndex) and len(index) == 0:
        index.add([new.doc_ids[p] for p in npos.tolist()], new_keys)
        if npos.size == 0:
            return empty
        index.sort()  # before the threads query it

        def history_chunk(lo: int) -> np.ndarray:
            chunk = hist_sigs[lo : lo + VERIFY_CHUNK]
            keep = np.flatnonzero((chunk != MAX_HASH).any(axis=1))
            if keep.size == 0:
                return encode(*empty)
            hit_row, hit_new = index.query_positions(band_keys(chunk[keep], bands, rows), max_per_bucket)
            return encode(npos[hit_new], lo + keep[hit_row])

        def new_chunk(lo: int) -> np.ndarray:
            hit_row, hit_new = index.query_positions(new_keys[lo : lo + VERIFY_CHUNK], max_per_bucket)
            return encode(npos[lo + hit_row], m + npos[hit_new])

        # numpy's sorts and searches release the GIL: the chunks are queried, and their
        # pairs encoded and sorted, on threads.
        with ThreadPoolExecutor(QUERY_THREADS) as pool:
            jobs = [pool.submit(history_chunk, lo) for lo in range(0, m, VERIFY_CHUNK)]
            jobs += [pool.submit(new_chunk, lo) for lo in range(0, npos.size, VERIFY_CHUNK)]
            jobs.reverse()
            while jobs:  # each chunk's pairs freed once collected
                collect(jobs.pop().result())
    else:
        for lo in range(0, m, VERIFY_CHUNK):
            chunk = hist_sigs[lo : lo + VERIFY_CHUNK]
            keep = np.flatnonzero((chunk != MAX_HASH).any(axis=1))
            if keep.size:
                index.add(
                    [hist.doc_ids[lo + p] for p in keep.tolist()],
                    band_keys(chunk[keep], bands, rows),
                )
        index.add([new.doc_ids[p] for p in npos.tolist()], new_keys)
        if npos.size == 0:
            return empty
        found = index.query(new_keys)
        wanted: set[str] = set().union(*found)
        position: dict[str, int] = {}  # only the ids returned (not a dict of the history)
        for p, doc_id in enumerate(hist.doc_ids):
            if doc_id in wanted:
                position[doc_id] = p
        for p, doc_id in enumerate(new.doc_ids):
            if doc_id in wanted:
                position[doc_id] = m + p
        q_list: list[int] = []
        c_list: list[int] = []
        for r, ids_found in enumerate(found):
            me = int(npos[r])
            for doc_id in ids_found:
                p = position.get(doc_id)
                if p is not None:
                    q_list.append(me)
                    c_list.append(p)
        collect(encode(np.array(q_list, dtype=np.int64), np.array(c_list, dtype=np.int64)))
    if not codes:
        return empty
    code = np.concatenate(codes)
    codes.clear()
    # Distinct codes (each chunk has its own query rows, or its own history positions), in
    # sorted runs: the stable sort (timsort for int64) merges the runs.
    code.sort(kind="stable")
    return code // span, code % span


def _history_clusters(hist: History) -> tuple[np.ndarray, np.ndarray]:
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

    # Positions: history 0..m-1, then new m..m+n-1. The two sides stay in their own arrays
    # (no concatenated copy of the signatures, ids or hashes).
    hist_sigs = np.asarray(hist.signatures, np.uint32)
    new_sigs = np.asarray(new.signatures, np.uint32)
    hist_sizes: np.ndarray | None = None
    new_sizes: np.ndarray | None = None
    if config.verify == "containment":
        assert new.n_features is not None
        hist_sizes = np.asarray(hist.n_features if hist.n_features is not None else np.empty(0))
        new_sizes = np.asarray(new.n_features)

    def doc_id(pos: int) -> str:
        return hist.doc_ids[pos] if pos < m else new.doc_ids[pos - m]

    def text_hash(pos: int) -> str:
        return hist.text_hashes[pos] if pos < m else new.text_hashes[pos - m]

    # Cluster state: cluster number per position (-1: not yet assigned), canonical per cluster.
    hist_codes, hist_canon = _history_clusters(hist)
    n_clusters = hist_canon.size
    cluster_of = np.full(m + n, -1, dtype=np.int64)
    cluster_of[:m] = hist_codes
    del hist_codes
    canon_arr = np.full(n_clusters + n, -1, dtype=np.int64)
    canon_arr[:n_clusters] = hist_canon
    n_hist_clusters = n_clusters

    def cluster_name(c: int) -> str:
        canon = int(canon_arr[c])
        return hist.cluster_ids[canon] if canon < m else new.doc_ids[canon - m]

    # Each distinct new text hash gets a number; its first holder (history canonicals first,
    # then any history row) is looked up once (only this batch's hashes are kept, not a
    # dict of the whole history).
    hash_number: dict[str, int] = {}
    hash_code = np.fromiter(
        (hash_number.setdefault(h, len(hash_number)) for h in new.text_hashes), dtype=np.int64, count=n
    )
    first_holder = np.full(len(hash_number), -1, dtype=np.int64)
    for pos in chain(hist_canon.tolist(), range(m)):
        code = hash_number.get(hist.text_hashes[pos])
        if code is not None and first_holder[code] < 0:
            first_holder[code] = pos
    del hash_number

    # LSH candidates of every new document (documents with no shingles are only exact-matched).
    bands, rows = config.lsh_params()
    stats.bands, stats.rows = bands, rows
    priority = priority_order(new.lengths, new.published_at, new.doc_ids)
    q_new, c_pos = _candidate_pairs(index_factory(), hist, new, hist_sigs, new_sigs, bands, rows,
                                    priority, config.max_per_bucket)
    stats.candidate_pairs = int(q_new.size)
    doc_range = np.arange(n)
    slice_lo = np.searchsorted(q_new, doc_range, side="left")
    slice_hi = np.searchsorted(q_new, doc_range, side="right")

    lang_number: dict[str, int] = {}
    lang_arr = np.fromiter(
        (lang_number.setdefault(lang, len(lang_number)) for lang in chain(hist.langs, new.langs)),
        dtype=np.int32,
        count=m + n,
    )

    def rows_at(pos: np.ndarray) -> np.ndarray:
        """Signature rows of positions (history or new), gathered."""
        if pos.size and int(pos.min()) >= m:
            return new_sigs[pos - m]
        if pos.size == 0 or int(pos.max()) < m:
            return hist_sigs[pos]
        out = np.empty((pos.size, hist_sigs.shape[1]), dtype=np.uint32)
        h = pos < m
        out[h] = hist_sigs[pos[h]]
        out[~h] = new_sigs[pos[~h] - m]
        return out

    def sizes_at(pos: np.ndarray) -> np.ndarray:
        """Set sizes (``n_features``) of positions, as float64."""
        assert hist_sizes is not None and new_sizes is not None
        out = np.empty(pos.size, dtype=np.float64)
        h = pos < m
        out[h] = hist_sizes[pos[h]]
        out[~h] = new_sizes[pos[~h] - m]
        return out

    def similarity(canons: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """Similarity of each canonical position with the new row at the same index."""
        out = np.empty(canons.size, dtype=np.float64)
        for lo in range(0, canons.size, VERIFY_CHUNK):
            a = rows_at(canons[lo : lo + VERIFY_CHUNK])
            b = new_sigs[docs[lo : lo + VERIFY_CHUNK]]
            if hist_sizes is None:
                out[lo : lo + VERIFY_CHUNK] = jaccard_estimate(a, b)
            else:
                out[lo : lo + VERIFY_CHUNK] = containment_estimate(
                    a, b, sizes_at(canons[lo : lo + VERIFY_CHUNK]),
                    sizes_at(m + docs[lo : lo + VERIFY_CHUNK]),
                )
        return out

    new8 = new_sigs.astype(np.uint8)  # low bytes of the new signatures, for screening

    def verify_history(docs: np.ndarray, canons: np.ndarray) -> np.ndarray:
        """Similarity of each (new row, history canonical) pair, vectorised in chunks;
        -1.0 where it is certainly below the pair's threshold.

        The low byte of every slot is compared first (slots equal in full are equal there,
        so that estimate is never below the full one, and containment grows with it): a
        pair rejected on it would be rejected in full. Only the canonicals present get a
        low-byte copy (a quarter of their signature, only while verifying).
        """
        out = np.full(docs.size, -1.0)
        if docs.size == 0:
            return out
        touched = np.zeros(m, dtype=bool)
        touched[canons] = True
        rows8 = np.flatnonzero(touched)
        del touched
        hist8 = np.empty((rows8.size, hist_sigs.shape[1]), dtype=np.uint8)
        for lo in range(0, rows8.size, VERIFY_CHUNK):
            hist8[lo : lo + VERIFY_CHUNK] = hist_sigs[rows8[lo : lo + VERIFY_CHUNK]].astype(np.uint8)
        for lo in range(0, docs.size, VERIFY_CHUNK):
            c, d = canons[lo : lo + VERIFY_CHUNK], docs[lo : lo + VERIFY_CHUNK]
            need = np.where(lang_arr[c] == lang_arr[m + d], config.threshold, config.xl_threshold)
            a8, b8 = hist8[np.searchsorted(rows8, c)], new8[d]
            if hist_sizes is None:
                bound = jaccard_estimate(a8, b8)
            else:
                bound = containment_estimate(a8, b8, sizes_at(c), sizes_at(m + d))
            ok = np.flatnonzero(bound >= need)
            if ok.size:
                out[lo + ok] = similarity(c[ok], d[ok])
        return out

    # Verification against the history clusters, vectorised over every (new document,
    # history cluster) pair proposed by a history candidate: those clusters do not depend
    # on the order in which the new documents are placed.
    from_hist = c_pos < m
    span = max(n_hist_clusters, 1)
    pair_code = _sorted_distinct(q_new[from_hist] * span + cluster_of[c_pos[from_hist]])
    del from_hist
    h_doc, h_cluster = pair_code // span, pair_code % span  # sorted by document, then cluster
    del pair_code
    h_sim = verify_history(h_doc, canon_arr[h_cluster])
    h_lo = np.searchsorted(h_doc, doc_range, side="left")
    h_hi = np.searchsorted(h_doc, doc_range, side="right")
    del h_doc, doc_range

    # The placement loop (compiled), stopping on ties, which are broken here by doc_id.
    from cleaners.dedup.placement import TIE, place  # numba: only imported where matching runs

    joined = np.full(n, -1, dtype=np.int64)
    similarity_out = np.zeros(n, dtype=np.float64)
    by_hash = np.zeros(n, dtype=bool)
    most = int((slice_hi - slice_lo).max() + (h_hi - h_lo).max())
    tie_clusters = np.empty(most, dtype=np.int64)
    tie_sims = np.empty(most, dtype=np.float64)
    state = np.array([n_clusters, 0, 0, 0], dtype=np.int64)
    no_sizes = np.empty(0, dtype=np.float64)
    hist_f = no_sizes if hist_sizes is None else hist_sizes.astype(np.float64)
    new_f = no_sizes if new_sizes is None else new_sizes.astype(np.float64)
    stamp = np.zeros(n_clusters + n, dtype=np.int64)
    k = 0
    while k < n:
        k = place(
            k, priority, m, hist_sigs, new_sigs, new8, hist_sizes is not None, hist_f, new_f,
            lang_arr, config.threshold, config.xl_threshold, hash_code, first_holder,
            cluster_of, canon_arr, state, c_pos, slice_lo, slice_hi, h_cluster, h_sim, h_lo, h_hi,
            stamp, joined, similarity_out, by_hash, tie_clusters, tie_sims,
        )
        if k != TIE:
            break
        k = int(state[3])
        i = int(priority[k])
        sims = tie_sims[: state[2]]
        top = tie_clusters[: state[2]][sims == sims.max()]
        # Equal similarity: the canonical with the smallest doc_id.
        c = min(top.tolist(), key=lambda t: doc_id(int(canon_arr[t])))
        cluster_of[m + i] = c
        joined[i] = canon_arr[c]
        similarity_out[i] = sims.max()
        k += 1
    stats.verified_pairs += int(state[1])

    out: list[Assignment] = []
    for i, canon in enumerate(joined.tolist()):
        if canon < 0:
            out.append(Assignment(new.doc_ids[i], True))
            stats.new_clusters += 1
            continue
        pos = m + i
        kind: DupKind
        if new.text_hashes[i] == text_hash(canon):
            kind = "exact"
        else:
            kind = "near" if lang_arr[pos] == lang_arr[canon] else "cross_lingual"
        sim = 1.0 if by_hash[i] and kind == "exact" else float(similarity_out[i])
        out.append(Assignment(cluster_name(int(cluster_of[pos])), False, doc_id(canon), sim, kind))
        stats.exact += kind == "exact"
        stats.near += kind == "near"
        stats.cross_lingual += kind == "cross_lingual"
        stats.joined_history += canon < m
    return out


def warm_up(num_perm: int = DEFAULT_MATCH.num_perm) -> None:
    """Compile `match`'s placement loop now (or load it from numba's cache: about 1 s, 3 s
    the first time on a machine), so that a later `match` does not wait for it. Matches
    a few synthetic documents, with the same argument types as real ones."""
    sigs = np.arange(4 * num_perm, dtype=np.uint32).reshape(4, num_perm) % 7
    match(DocBatch([f"warm-{i}" for i in range(4)], ["en", "en", "fr", "en"], sigs,
                   ["a", "b", "c", "a"], np.arange(4, dtype=np.int64), np.full(4, np.nan),
                   np.full(4, 10, dtype=np.int64)))
