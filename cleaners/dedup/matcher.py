"""Cross-lingual near-duplicate clustering of a batch against the curated history.

`match` takes the new documents of a run (`DocBatch`: ids, languages, MinHash signatures
of the English-pivot shingles, text hashes, lengths, publication times) and what is
already curated (`History`: the same without texts, plus cluster ids and canonical flags)
and assigns every new document to a cluster.

How (all guarantees hold whatever the LSH parameters):

1. **Exact duplicates** (`cleaners.dedup.placement`): a new document whose ``text_hash``
   (hash of the cleaned text) equals that of a document already seen (history, or a new
   document ranked before it) joins that document's cluster without verification: it is
   the same text as a member that was verified when it joined (or as the canonical itself).
2. **Candidates** (`cleaners.dedup.candidates`): LSH over the band keys of history + new
   signatures (`cleaners.dedup.lsh`): a new document and another document are candidates
   when they share a band key. With the default in-memory index only the new documents
   are indexed and the history is streamed through it in chunks (same pairs, no
   per-history-document index memory).
3. **Verification against the canonical** (`cleaners.dedup.verify` for history clusters,
   `cleaners.dedup.placement` for the clusters the batch founds): a candidate only
   proposes its *cluster*; the new document is compared with that cluster's canonical
   (MinHash Jaccard, or estimated containment when ``MatchConfig.verify == "containment"``)
   and joins it only if the similarity reaches the threshold (``cross_lingual_threshold``
   when the languages differ; in the grey zone below ``xl_accept`` a cross-lingual pair
   also needs the second signal, `cleaners.dedup.align`). Among several passing clusters the
   most similar wins. A pair A~B, B~C with A and C dissimilar never puts C in A's cluster:
   C is never compared with B.
4. **Canonical rule** (`cleaners.dedup.model.priority_order`): a cluster's canonical is its
   most complete member: longest cleaned text, then earliest ``published_at`` (unknown
   last), then smallest ``doc_id``. New documents are processed in that order; one that
   joins a cluster and ranks before its canonical becomes the canonical (``elected``) and
   later documents are verified against it; one that verifies against no canonical founds a
   new cluster whose ``cluster_id`` is its own ``doc_id``. No document moves to another
   cluster; there is exactly one canonical per cluster and a unique document is its own
   cluster.
5. **Merges** (`cleaners.dedup.merge`): two clusters that a new document links (it passes
   both canonicals and joins one; with the second signal, also a document that founded its
   cluster and passes a member of the other) become one when their canonicals verify against
   each other (with the second signal, across languages down to
   ``MatchConfig.merge_xl_threshold`` when a linking document passes); the canonical that
   ranks first stays, and a history cluster keeps its id over a cluster founded in the batch.
   The history clusters absorbed into another id are returned (`Matched.merged`); a
   ``cluster_id`` is never reused for another cluster.

Memory: beyond its inputs, `match` holds per history document about 8 bytes of cluster
number, 4 of language code and one dict entry per history cluster (while numbering them);
band keys exist only for the new documents and for one chunk of the history at a time,
and candidate verification works on chunks of candidate pairs (a low-byte copy of the
canonicals it touches, a quarter of their signatures, while verifying). No signature,
id or hash list is copied or concatenated. With the second signal, 8 more bytes per
position (history or new: its sketch's row) and the sketches asked for, packed
(`cleaners.dedup.second_signal`: the new documents' one copy, about 600 bytes each on the
100,000-document benchmark); the merges below the placement threshold, about 9 bytes per
cluster while the founders' links are found.

``dup_kind`` is ``"exact"`` when the text hash equals that of the document the row names
(``duplicate_of``: an exact copy names the document whose text it has, any member of the
cluster, with similarity 1.0), ``"near"`` when the language is the canonical's,
``"cross_lingual"`` otherwise; ``None`` for canonicals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cleaners.dedup.align import SketchSource
from cleaners.dedup.candidates import candidate_pairs
from cleaners.dedup.config import DEFAULT_MATCH, MatchConfig
from cleaners.dedup.lsh import BandIndex, BandStore
from cleaners.dedup.merge import Merged, canonical_rank, linked_clusters, merge_linked, unmerged
from cleaners.dedup.model import (
    Assignment,
    DocBatch,
    DupKind,
    History,
    Matched,
    MatchStats,
    Sides,
    canonical_ranks,
    history_clusters,
    priority_order,
    validate,
)
from cleaners.dedup.second_signal import SecondSignal
from cleaners.dedup.verify import Verdicts, history_verdicts


def _cluster_state(hist: History, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``(cluster_of, canon_of, number of history clusters)``: the cluster number of every
    position (-1 for the new rows, not yet placed) and the canonical position of every
    cluster number, with room for one new cluster per new row (-1 until founded)."""
    hist_codes, hist_canon = history_clusters(hist)
    m, n_clusters = len(hist), hist_canon.size
    cluster_of = np.full(m + n, -1, dtype=np.int64)
    cluster_of[:m] = hist_codes
    del hist_codes
    canon_of = np.full(n_clusters + n, -1, dtype=np.int64)
    canon_of[:n_clusters] = hist_canon
    return cluster_of, canon_of, n_clusters


class _Groups:
    """The cluster ids after merges (`_group_ids`): ``renamed`` cluster numbers -> their
    group's id, ``absorbed`` history ids -> the survivor's, ``holder`` the merged roots whose
    group holds a history cluster -> that cluster."""

    def __init__(self, sides: Sides, hist_canon: np.ndarray, canon_of: np.ndarray) -> None:
        self.sides, self.hist_canon, self.canon_of = sides, hist_canon, canon_of
        self.renamed: dict[int, str] = {}
        self.absorbed: dict[str, str] = {}
        #: Root -> the history cluster whose id its group keeps.
        self.holder: dict[int, int] = {}

    def own_id(self, c: int) -> str:
        """The id cluster number ``c`` had before merges: a history cluster's, or its founder's."""
        n_hist = self.hist_canon.size
        if c < n_hist:
            return self.sides.hist.cluster_ids[int(self.hist_canon[c])]
        return self.sides.new.doc_ids[int(self.canon_of[c]) - self.sides.m]

    def id_of(self, c: int) -> str:
        """The id of cluster number ``c`` after merges."""
        return self.renamed.get(c) or self.own_id(c)

    def is_historic(self, root: int) -> bool:
        """Whether the group of ``root`` holds a history cluster."""
        return root < self.hist_canon.size or root in self.holder


def _group_ids(sides: Sides, merged: Merged, hist_canon: np.ndarray, canon_of: np.ndarray) -> _Groups:
    """The ids of the merged groups: a group holding history clusters keeps the id of the one
    whose canonical ranks first (a history id is never replaced by a new one, so only history
    clusters are absorbed into another id); a group of new clusters only takes its root's
    founder's ``doc_id``. Only the merged clusters are looked at."""
    groups = _Groups(sides, hist_canon, canon_of)
    n_hist = hist_canon.size
    members: dict[int, list[int]] = {}
    for c in np.flatnonzero(merged.root != np.arange(merged.root.size)).tolist():
        members.setdefault(int(merged.root[c]), []).append(c)
    for r, absorbed in members.items():
        clusters = np.array([r, *absorbed], dtype=np.int64)
        hist = clusters[clusters < n_hist]
        if hist.size:
            first = int(hist[np.argmin(canonical_rank(sides, canon_of[hist]))])
            holder = groups.own_id(first)
            groups.absorbed.update((groups.own_id(c), holder) for c in hist.tolist() if c != first)
            groups.holder[r] = first
        else:
            holder = groups.own_id(r)
        groups.renamed.update((c, holder) for c in clusters.tolist())
    return groups


def _assignments(
    sides: Sides, joined: np.ndarray, similarity: np.ndarray, by_hash: np.ndarray,
    cluster_of: np.ndarray, canon_of: np.ndarray, merged: Merged, groups: _Groups,
    stats: MatchStats,
) -> list[Assignment]:
    """One `Assignment` per new row from where it was placed (``joined``: the canonical
    position it was verified against, or the document an exact copy has the text of, -1 for
    a founder; ``cluster_of``/``canon_of``: the
    cluster numbers and canonicals after placement), then merged (``merged``, ``groups``),
    counted into ``stats``."""
    new, m = sides.new, sides.m
    out: list[Assignment] = []
    for i, canon in enumerate(joined.tolist()):
        c = int(cluster_of[m + i])
        root = int(merged.root[c])
        cluster_id = groups.id_of(c)
        elected = int(canon_of[root]) == m + i
        sim = float(similarity[i])
        if canon < 0:
            if cluster_id == new.doc_ids[i]:
                out.append(Assignment(cluster_id, True))
                stats.new_clusters += 1
                continue
            # A founder whose cluster merged under another id: verified against a canonical
            # when it merged: its survivor's, or (the survivor) the curated one it took over.
            kept = c if root != c else groups.holder[root]
            canon = int(merged.partner[kept]) if root != c else int(canon_of[kept])
            sim = float(merged.similarity[kept])
        stats.reelected += elected
        kind: DupKind
        if new.text_hashes[i] == sides.text_hash(canon):
            kind = "exact"
        else:
            kind = "near" if sides.lang[m + i] == sides.lang[canon] else "cross_lingual"
        sim = 1.0 if by_hash[i] and kind == "exact" else sim
        out.append(Assignment(cluster_id, False, sides.doc_id(canon), sim, kind, elected))
        stats.exact += kind == "exact"
        stats.near += kind == "near"
        stats.cross_lingual += kind == "cross_lingual"
        stats.joined_history += groups.is_historic(root)
    return out


def match(
    new: DocBatch,
    history: History | None = None,
    config: MatchConfig = DEFAULT_MATCH,
    *,
    index_factory: Callable[[], BandStore] = BandIndex,
    stats: MatchStats | None = None,
    sketches: SketchSource | None = None,
) -> Matched:
    """Assign every new document to a cluster (one `Assignment` per document, in order).

    Canonical rule: a cluster's canonical is its most complete member (longest cleaned
    text, then earliest ``published_at``, then smallest ``doc_id``), re-elected when a new
    member ranks before it (``Assignment.elected``; history canonicals are replaced only when
    the history carries their ``lengths``). A unique document is its own cluster
    (``cluster_id`` = its ``doc_id``).

    Guarantees: exactly one current canonical per cluster touched; a history cluster keeps
    its id unless it is merged into another (`Matched.merged`, with ``config.merge_clusters``);
    every duplicate is either an exact copy (same ``text_hash``) of a member of its cluster or
    verified against a canonical of its cluster at the time (``duplicate_of``) at the
    configured threshold (``similarity`` is that verified value, 1.0 for an exact copy of the
    canonical; a canonical whose cluster merged into another in this batch is verified against
    the survivor's canonical by the merge rule, across languages down to
    ``config.merge_floor`` with the second signal); a document is never placed through a
    non-canonical member; two clusters merge only when a document links them and their
    canonicals verify (`cleaners.dedup.merge.merge_linked`).
    ``history`` must hold whole clusters (each with its canonical). Pass ``stats`` to
    collect counters. ``index_factory`` builds the LSH index (in-memory `BandIndex` by
    default).

    ``sketches`` (optional) gives the `cleaners.dedup.align.SentenceSketch` of documents by
    ``doc_id`` (new or history ones): with it and ``config.xl_accept``, a cross-lingual pair in
    the grey zone passes only with the second signal
    (`cleaners.dedup.align.passes_second_signal`, `cleaners.dedup.second_signal`).
    Only the grey-zone pairs that decide a placement are judged, as the placement pass meets
    them (`cleaners.dedup.placement.place_all`; the result is the one of judging every pair
    before placing). Each sketch is asked for once: the new documents' all together at the
    first pair that needs one (the flow has them at hand, made with the fingerprints; the
    compiled placement loop then judges their pairs itself, `cleaners.dedup.second_signal`);
    the history's together, being read from texts: at the first pair that needs one, those of
    every history canonical a new
    document meets in the grey zone at a similarity no sure pass of its history beats; any
    other a pair needs is asked for after the pass, which then runs again (placement runs
    once, and again only when a new document reaches a history cluster through another new
    one and meets its canonical in the grey zone).
    """
    hist = history if history is not None else History.empty(config.num_perm)
    validate(new, hist, config)
    stats = stats if stats is not None else MatchStats()
    if len(new) == 0:
        return Matched()
    sides = Sides.of(hist, new, config)
    cluster_of, canon_of, n_hist_clusters = _cluster_state(hist, len(new))
    hist_canon = canon_of[:n_hist_clusters].copy()  # canon_of changes as canonicals are re-elected

    # LSH candidates of every new document (documents with no shingles are only exact-matched).
    bands, rows = config.lsh_params()
    stats.bands, stats.rows = bands, rows
    priority = priority_order(new.lengths, new.published_at, new.doc_ids)
    cands = candidate_pairs(index_factory(), sides, bands, rows, priority, config.max_per_bucket)
    stats.candidate_pairs = int(cands.row.size)

    # Verification against the history clusters, vectorised over every (new document,
    # history cluster) pair proposed by a history candidate: those clusters do not depend
    # on the order in which the new documents are placed.
    new_low = sides.new_sigs.astype(np.uint8)  # low bytes of the new signatures, for screening
    verdicts = history_verdicts(sides, cands, cluster_of[: sides.m], hist_canon, new_low, config)

    # The placement loop (compiled), in priority order, ties broken by doc_id.
    from cleaners.dedup.placement import exact_holders, place_all  # numba: only where matching runs

    hash_code, first_holder = exact_holders(sides, hist_canon)
    held = first_holder[first_holder >= 0]
    canon_rank = np.zeros(n_hist_clusters + len(new), dtype=np.int64)
    canon_rank[:n_hist_clusters] = canonical_ranks(
        new, priority, hist, hist_canon, np.concatenate([verdicts.cluster, cluster_of[held]]))
    signal = None
    if sketches is not None and config.grey_ceiling > config.xl_threshold:
        ahead = _grey_history(sides, verdicts, hist_canon, config)
        signal = SecondSignal(sides, sketches, config, ahead)
    while True:  # once, or again when the second signal lacked a history sketch (fetched now)
        state = cluster_of.copy(), canon_of.copy(), canon_rank.copy(), first_holder.copy()
        placed = place_all(sides, priority, new_low, config, hash_code, state[3], state[0],
                           state[1], state[2], n_hist_clusters, cands, verdicts, signal)
        stats.placement_passes += 1
        if placed.complete or signal is None or not signal.fetch_missing():
            break
    stats.verified_pairs += placed.compared
    cluster_of, canon_of = state[0], state[1]
    n_clusters = n_hist_clusters + int((placed.joined < 0).sum())
    merged = unmerged(n_clusters)
    if config.merge_clusters:
        links = linked_clusters(sides, cands, placed.links, placed.joined < 0, cluster_of, canon_of,
                                config, signal is not None, new_low)
        merged = merge_linked(sides, links, cluster_of, canon_of, n_clusters, config,
                              None if signal is None else signal.pair,
                              None if signal is None else signal.prefetch)
        stats.merged += merged.count
    if signal is not None:  # the pairs placement and the merges judged
        stats.second_signal_pairs += len(signal.verdicts)
        stats.second_signal_refused += sum(not ok for ok in signal.verdicts.values())
    groups = _group_ids(sides, merged, hist_canon, canon_of)
    return Matched(_assignments(sides, placed.joined, placed.similarity, placed.by_hash, cluster_of,
                                canon_of, merged, groups, stats), groups.absorbed)


def _grey_history(sides: Sides, verdicts: Verdicts, hist_canon: np.ndarray,
                  config: MatchConfig) -> list[int]:
    """The positions of the history canonicals that some new row meets in the grey zone
    (cross-lingual, similarity in ``[xl_threshold, grey_ceiling)``) at a similarity no sure
    pass of its history candidates beats: the history sketches the second signal may need,
    asked for at once (the texts of history documents are read from the curated parts)."""
    sim = verdicts.sim
    if sim.size == 0:
        return []
    row = np.repeat(np.arange(verdicts.lo.size), verdicts.hi - verdicts.lo)
    canon = hist_canon[verdicts.cluster]
    cross = sides.lang[canon] != sides.lang[sides.m + row]
    grey = cross & (sim >= config.xl_threshold) & (sim < config.grey_ceiling)
    sure_pass = ~cross & (sim >= config.threshold) | cross & (sim >= config.grey_ceiling)
    sure = np.where(sure_pass, sim, -1.0)
    best_sure = np.full(verdicts.lo.size, -1.0)
    np.maximum.at(best_sure, row, sure)
    return np.unique(canon[grey & (sim >= best_sure[row])]).tolist()


def warm_up(num_perm: int = DEFAULT_MATCH.num_perm) -> None:
    """Compile `match`'s placement loop, merges and the second signal's verdict now (or load
    them from numba's cache: about 1 s, 3 s the first time on a machine), so that a later
    `match` does not wait for them. Matches a few synthetic documents without and with a
    second signal (their sketches packed as a source packs them), and judges a pair of them
    and compares a pair of signatures from Python, with the same argument types as real ones."""
    import dataclasses

    from cleaners.dedup.align import EMPTY_SKETCH, SketchBatch
    from cleaners.dedup.candidates import warm_up as warm_candidates
    from cleaners.dedup.config import TUNED_MATCH
    from cleaners.dedup.minhash import pair_similarity
    from cleaners.dedup.second_signal import PackedSketches, judge_positions

    warm_candidates(num_perm)
    sigs = np.arange(4 * num_perm, dtype=np.uint32).reshape(4, num_perm) % 7
    pair_similarity(sigs[0], sigs[1], False, 0.0, 0.0)
    batch = DocBatch([f"warm-{i}" for i in range(4)], ["en", "en", "fr", "en"], sigs,
                     ["a", "b", "c", "a"], np.arange(4, dtype=np.int64), np.full(4, np.nan),
                     np.full(4, 10, dtype=np.int64))
    match(batch, None, dataclasses.replace(DEFAULT_MATCH, num_perm=num_perm))
    packed = SketchBatch.of([EMPTY_SKETCH]).take(np.zeros(2, dtype=np.int64))
    arrays = (packed.offset_starts, packed.offsets, packed.value_starts, packed.values)
    judge_positions(0, 1, *PackedSketches(np.array([0, 1], dtype=np.int64), *arrays, *arrays,
                                          TUNED_MATCH.min_order_share, TUNED_MATCH.min_evidence))
    match(batch, None, dataclasses.replace(TUNED_MATCH, num_perm=num_perm),
          sketches=lambda ids: packed.take(np.zeros(len(ids), dtype=np.int64)))
