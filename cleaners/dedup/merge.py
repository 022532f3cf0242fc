"""Cluster merges, the last step of `cleaners.dedup.matcher.match`.

Placement puts each new document in the one cluster it verifies best against, and never moves
a history document. Which versions of a story meet first can then leave the story in two
clusters: a condensed version curated alone founds a cluster; the full original, arriving
later with other translations, shares no LSH band with it and founds another, although the
two verify against each other; in one run the original comes first and the condensed version
joins it. So after placement, two clusters that a new document links (it verifies against
both canonicals and joins one) become one when their canonicals verify against each other,
by the same rule as a placement (threshold within a language or across, the second signal in
the grey zone). The canonical that ranks first by the canonical rule stays the canonical; the
other cluster is *absorbed*.

With the second signal, canonicals in two languages also merge below the placement threshold,
down to ``MatchConfig.merge_xl_threshold``, when their sentences align and a document linking
them passes the document it links through; and a document that founded its cluster links the
clusters of its candidates whose canonical it reaches at that threshold, through any of their
members (`linked_clusters`): a story's two longest versions can fail to verify against each
other while every other version verifies against both, and which one a split into runs made
canonical then decided the clusters (docs/dedup.md, "Arrival order").

Like a re-election, a merge does not compare every member with the new canonical: the
absorbed members were verified against their canonical, which is verified against the
survivor's. Merges are tried one at a time, the pair whose better canonical ranks first
(then the other's rank) first, the order in which one run would meet them; a merge gives the
survivor the absorbed cluster's links, tried in their turn, until none is left.

Pure: signatures and positions in, cluster numbers out.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numba
import numpy as np

from cleaners.dedup.candidates import Candidates
from cleaners.dedup.config import CHUNK_ROWS, MatchConfig
from cleaners.dedup.minhash import containment_estimate, jaccard_estimate, pair_similarity
from cleaners.dedup.model import Sides, priority_order
from cleaners.dedup.verify import sorted_distinct

#: The files of the compiled functions this module's compiled functions call (transitively),
#: with a digest of each: numba's cache notices only this file's changes, so a change there
#: must change this line (tests/unit/cleaners/test_compiled_dependencies.py says to what).
NUMBA_DEPENDENCIES = (('cleaners/dedup/minhash.py', 'e959a431f99c5c3d'),)

#: Does the grey-zone cross-lingual pair of positions (a, b) pass the second signal? None: a
#: sketch is missing (a pair at the placement threshold then passes, as in placement; one
#: below it does not).
PairJudge = Callable[[int, int], "bool | None"]
#: Ask for the sketches of these positions now, together (the history's are read from texts).
Prefetch = Callable[[Sequence[int]], None]


class Merged(NamedTuple):
    """What `merge_linked` merged, by cluster number.

    ``root[c]``: the cluster ``c`` now belongs to (``c`` itself when it was not absorbed; a
    root is never absorbed). ``partner[c]``/``similarity[c]``: for an absorbed cluster, the
    canonical position its canonical was verified against (its root's canonical) and the
    similarity; -1 / 0.0 otherwise. ``count``: clusters absorbed.
    """

    root: np.ndarray
    partner: np.ndarray
    similarity: np.ndarray
    count: int


def unmerged(n_clusters: int) -> Merged:
    """`Merged` for ``n_clusters`` clusters none of which was absorbed."""
    return Merged(np.arange(n_clusters, dtype=np.int64), np.full(n_clusters, -1, dtype=np.int64),
                  np.zeros(n_clusters, dtype=np.float64), 0)


def _signature_rows(sides: Sides, pos: np.ndarray) -> np.ndarray:
    """The signatures at positions ``pos`` (history rows, then new rows at ``m + i``)."""
    m = sides.m
    out = np.empty((pos.size, sides.new_sigs.shape[1]), dtype=np.uint32)
    hist = pos < m
    out[hist] = sides.hist_sigs[pos[hist]]
    out[~hist] = sides.new_sigs[pos[~hist] - m]
    return out


def _sizes(sides: Sides, pos: np.ndarray) -> np.ndarray:
    m = sides.m
    out = np.empty(pos.size, dtype=np.float64)
    hist = pos < m
    out[hist] = sides.hist_sizes[pos[hist]]
    out[~hist] = sides.new_sizes[pos[~hist] - m]
    return out


def _pair_similarity(sides: Sides, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Similarity of the documents at positions ``a[j]`` and ``b[j]`` (MinHash Jaccard, or
    estimated containment when the sides verify by containment), `CHUNK_ROWS` pairs at a
    time. Guarantees: the same floats `cleaners.dedup.verify.verify_pairs` gives."""
    out = np.empty(a.size, dtype=np.float64)
    for lo in range(0, a.size, CHUNK_ROWS):
        pa, pb = a[lo:lo + CHUNK_ROWS], b[lo:lo + CHUNK_ROWS]
        sa, sb = _signature_rows(sides, pa), _signature_rows(sides, pb)
        if sides.containment:
            out[lo:lo + CHUNK_ROWS] = containment_estimate(sa, sb, _sizes(sides, pa), _sizes(sides, pb))
        else:
            out[lo:lo + CHUNK_ROWS] = jaccard_estimate(sa, sb)
    return out


def _one_similarity(sides: Sides, a: int, b: int) -> float:
    """`_pair_similarity` of the one pair of positions ``a`` and ``b`` (the same float, from
    the compiled `cleaners.dedup.minhash.pair_similarity`)."""
    m = sides.m
    sa = sides.hist_sigs[a] if a < m else sides.new_sigs[a - m]
    sb = sides.hist_sigs[b] if b < m else sides.new_sigs[b - m]
    if not sides.containment:
        return float(pair_similarity(sa, sb, False, 0.0, 0.0))
    size_a = sides.hist_sizes[a] if a < m else sides.new_sizes[a - m]
    size_b = sides.hist_sizes[b] if b < m else sides.new_sizes[b - m]
    return float(pair_similarity(sa, sb, True, float(size_a), float(size_b)))


def _screened(sides: Sides, a: np.ndarray, b: np.ndarray, config: MatchConfig,
              xl_need: float) -> np.ndarray:
    """Similarity of the pairs of positions (``a[j]``, ``b[j]``), -1.0 where it is below
    their threshold (``config.threshold`` in one language, ``xl_need`` across): compared on
    the low byte of each slot first (a bound never below the full value, as in
    `cleaners.dedup.verify.verify_pairs`), from one copy of the low bytes of the positions
    present, then in full where the bound passes."""
    present = sorted_distinct(np.concatenate([a, b]))
    low = np.empty((present.size, sides.new_sigs.shape[1]), dtype=np.uint8)
    for lo in range(0, present.size, CHUNK_ROWS):
        low[lo:lo + CHUNK_ROWS] = _signature_rows(sides, present[lo:lo + CHUNK_ROWS]).astype(np.uint8)
    ia, ib = np.searchsorted(present, a), np.searchsorted(present, b)
    need = np.where(sides.lang[a] == sides.lang[b], config.threshold, xl_need)
    bound = np.empty(a.size, dtype=np.float64)
    for lo in range(0, a.size, CHUNK_ROWS):
        sl = slice(lo, lo + CHUNK_ROWS)
        if sides.containment:
            bound[sl] = containment_estimate(low[ia[sl]], low[ib[sl]], _sizes(sides, a[sl]), _sizes(sides, b[sl]))
        else:
            bound[sl] = jaccard_estimate(low[ia[sl]], low[ib[sl]])
    out = np.full(a.size, -1.0)
    sure = np.flatnonzero(bound >= need)
    full = _pair_similarity(sides, a[sure], b[sure])
    out[sure] = np.where(full >= need[sure], full, -1.0)
    return out


def canonical_rank(sides: Sides, positions: np.ndarray) -> np.ndarray:
    """Rank of each position by the canonical rule (0 = most complete), among ``positions``.

    History rows rank by the lengths and dates the history carries for its canonicals; a
    history without ``lengths`` keeps its canonicals first (they are never replaced)."""
    m, hist, new = sides.m, sides.hist, sides.new
    is_hist = positions < m
    hp, npos = positions[is_hist], positions[~is_hist] - m
    lengths = np.empty(positions.size, dtype=np.float64)
    published = np.empty(positions.size, dtype=np.float64)
    lengths[~is_hist] = np.asarray(new.lengths, dtype=np.float64)[npos]
    published[~is_hist] = np.asarray(new.published_at, dtype=np.float64)[npos]
    if hist.lengths is None:
        lengths[is_hist] = np.inf
        published[is_hist] = np.nan
    else:
        lengths[is_hist] = np.asarray(hist.lengths, dtype=np.float64)[hp]
        pub = hist.published_at if hist.published_at is not None else np.full(m, np.nan)
        published[is_hist] = np.asarray(pub, dtype=np.float64)[hp]
    order = priority_order(lengths, published, [sides.doc_id(int(p)) for p in positions.tolist()])
    rank = np.empty(positions.size, dtype=np.int64)
    rank[order] = np.arange(positions.size)
    return rank


def _root(parent: np.ndarray, c: int) -> int:
    while parent[c] != c:
        parent[c] = parent[parent[c]]
        c = int(parent[c])
    return c


class _Evidence:
    """The link rows between the groups of clusters being merged, for merges below the
    placement threshold: does a document linking two groups pass the document it links
    through? Each row is filed at both of its clusters; a survivor's group holds the clusters
    merged into it; a check walks the smaller group's rows, and its answer is kept until
    either group grows. A merge appends the absorbed group to the survivor's list in place
    and adds up their rows' counts: thousands of clusters merged into one cost their own members,
    not the survivor's again each time (40,000 took 79 s when each merge copied the list and
    each check counted its rows again)."""

    def __init__(self, sides: Sides, links: np.ndarray, a: np.ndarray, b: np.ndarray,
                 root: np.ndarray, judge: PairJudge, prefetch: Prefetch | None) -> None:
        self.sides, self.links, self.a, self.b, self.root = sides, links, a, b, root
        self.judge, self.prefetch = judge, prefetch
        #: Per row: 1 the linking document passes its document, -1 a grey-zone pass the second
        #: signal is to judge.
        self.verdict = links[:, 3].tolist()
        self.rows_of: dict[int, list[int]] = {}
        for r, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
            self.rows_of.setdefault(x, []).append(r)
            self.rows_of.setdefault(y, []).append(r)
        self.groups: dict[int, list[int]] = {}
        self.group_rows: dict[int, int] = {}  # rows filed at a group's clusters, once merged
        self.answers: dict[tuple[int, int, int, int], bool] = {}

    def grey_documents(self) -> list[int]:
        """The positions of both documents of every row the second signal may have to judge
        (asked for once, by the first check that needs one, or by the caller before)."""
        rows = np.flatnonzero(np.array(self.verdict, dtype=np.int64) == -1)
        return sorted({*(self.sides.m + self.links[rows, 0]).tolist(), *self.links[rows, 2].tolist()})

    def _group(self, c: int) -> list[int]:
        return self.groups.get(c, [c])

    def merged(self, hi: int, lo: int) -> None:
        """Cluster ``lo``'s group joins ``hi``'s (after it, in its order)."""
        self.group_rows[hi] = self._rows(hi) + self._rows(lo)
        self.group_rows.pop(lo, None)
        self.groups.setdefault(hi, [hi]).extend(self.groups.pop(lo, [lo]))

    def _rows(self, c: int) -> int:
        """The rows filed at the clusters of ``c``'s group."""
        rows = self.group_rows.get(c)
        return len(self.rows_of.get(c, ())) if rows is None else rows

    def passes(self, hi: int, lo: int) -> bool:
        """Does a document linking the groups of ``hi`` and ``lo`` pass the document it links
        through (the pair's threshold; the second signal in the grey zone, a missing sketch
        passing as in placement)? A row passed surely ends the walk."""
        g_hi, g_lo = self._group(hi), self._group(lo)
        key = (hi, lo, len(g_hi), len(g_lo))
        if key in self.answers:
            return self.answers[key]
        mine, theirs = (g_lo, hi) if self._rows(lo) <= self._rows(hi) else (g_hi, lo)
        crossing = (r for c in mine for r in self.rows_of.get(c, ())
                    if _root(self.root, int(self.b[r]) if int(self.a[r]) == c else int(self.a[r])) == theirs)
        grey: list[int] = []
        for r in crossing:
            if self.verdict[r] == 1:
                answer = True
                break
            grey.append(r)
        else:
            if grey and self.prefetch is not None:  # the first time: every grey-zone row's documents
                self.prefetch(self.grey_documents())
                self.prefetch = None
            answer = any(self.judge(self.sides.m + int(self.links[r, 0]), int(self.links[r, 2])) is not False
                         for r in grey)
        self.answers[key] = answer
        return answer


def merge_linked(
    sides: Sides, links: np.ndarray, cluster_of: np.ndarray, canon_of: np.ndarray,
    n_clusters: int, config: MatchConfig, judge: PairJudge | None,
    prefetch: Prefetch | None = None,
) -> Merged:
    """Merge the clusters the run's documents link whose canonicals verify.

    ``links``: ``(i, cluster, doc, sure)`` rows, new row ``i`` links ``cluster`` through its
    document at position ``doc`` (`linked_clusters`). ``cluster_of`` (cluster number of every
    position) and ``canon_of`` (canonical position of every cluster number) are the state
    after placement, ``n_clusters`` the clusters in use. ``judge``: the second signal for a
    cross-lingual pair in the grey zone (None: similarity alone decides, as in placement);
    ``prefetch``: asks for the sketches of several positions at once.

    Guarantees: two clusters merge only when a document links them (directly, or through a
    cluster merged into one of them) and their current canonicals pass verification: the
    placement threshold of their language pair, the second signal in the grey zone; with
    ``judge``, across languages down to ``config.merge_floor``, when the canonicals' sketches
    are there and pass the second signal and a linking document passes the document it links
    through. The survivor keeps the canonical that ranks first by the canonical rule; pairs are
    tried one at a time, best canonicals first, so the result depends on the links and the
    documents only, not on the order of ``links``.
    """
    root, partner, similarity, _ = unmerged(n_clusters)
    a = cluster_of[sides.m + links[:, 0]]
    b = links[:, 1]
    linked = a != b
    if not linked.any():
        return unmerged(n_clusters)
    links, a, b = links[linked], a[linked], b[linked]
    codes = sorted_distinct(np.minimum(a, b) * n_clusters + np.maximum(a, b))
    pairs = np.stack([codes // n_clusters, codes % n_clusters], axis=1)
    floor = config.merge_floor if judge is not None else config.xl_threshold
    ca_all, cb_all = canon_of[pairs[:, 0]], canon_of[pairs[:, 1]]
    first = _screened(sides, ca_all, cb_all, config, floor)
    grey_ceiling = config.grey_ceiling if judge is not None else config.xl_threshold
    clusters = sorted_distinct(pairs.ravel())
    rank = dict(zip(clusters.tolist(), canonical_rank(sides, canon_of[clusters]).tolist(), strict=True))
    neighbours: dict[int, set[int]] = {}
    for x, y in pairs.tolist():
        neighbours.setdefault(x, set()).add(y)
        neighbours.setdefault(y, set()).add(x)
    known = {(int(x), int(y)): s for x, y, s in zip(ca_all.tolist(), cb_all.tolist(), first.tolist(), strict=True)}
    evidence = None  # below the placement threshold only, which needs the second signal
    if judge is not None and floor < config.xl_threshold:
        evidence = _Evidence(sides, links, a, b, root, judge, prefetch)
    cross = (first >= 0) & (sides.lang[ca_all] != sides.lang[cb_all])
    if prefetch is not None and cross.any():  # the sketches merges may judge, asked for at once
        wanted = sorted_distinct(np.concatenate([ca_all[cross], cb_all[cross]])).tolist()
        if evidence is not None and (cross & (first < config.xl_threshold)).any():
            wanted += evidence.grey_documents()
            evidence.prefetch = None
        prefetch(wanted)

    def entry(x: int, y: int) -> tuple[int, int, int, int]:
        hi, lo = (x, y) if rank[x] < rank[y] else (y, x)
        return rank[hi], rank[lo], hi, lo

    def verified(hi: int, lo: int) -> float:
        """The similarity of the canonicals of clusters ``hi`` and ``lo`` if they verify, else -1."""
        ca, cb = int(canon_of[lo]), int(canon_of[hi])
        s = known.get((ca, cb), known.get((cb, ca)))
        if s is None:
            s = _one_similarity(sides, ca, cb)
            s = s if s >= (config.threshold if sides.lang[ca] == sides.lang[cb] else floor) else -1.0
            known[(ca, cb)] = s
        if s < 0 or sides.lang[ca] == sides.lang[cb] or s >= grey_ceiling:
            return s
        below = s < config.xl_threshold
        if below and (evidence is None or not evidence.passes(hi, lo)):
            return -1.0  # below the placement threshold: a linking document must pass, too
        assert judge is not None
        verdict = judge(ca, cb)
        if verdict is False or (verdict is None and below):  # no sketch: no merge below it
            s = -1.0
        known[(ca, cb)] = s
        return s

    heap = [entry(x, y) for (x, y), s in zip(pairs.tolist(), first.tolist(), strict=True) if s >= 0]
    heapq.heapify(heap)
    queued = {(hi, lo) for _, _, hi, lo in heap}
    count = 0
    while heap:
        _, _, hi, lo = heapq.heappop(heap)
        queued.discard((hi, lo))
        if root[hi] != hi or root[lo] != lo:
            continue  # one of them was merged since: its links were handed to its survivor
        s = verified(hi, lo)
        if s < 0:
            continue
        root[lo] = hi
        if evidence is not None:
            evidence.merged(hi, lo)
        partner[lo], similarity[lo] = canon_of[hi], s
        count += 1
        for z in neighbours.pop(lo, set()):
            rz = _root(root, z)
            if rz == hi:
                continue
            neighbours[hi].add(rz)
            neighbours.setdefault(rz, set()).add(hi)
            item = entry(hi, rz)
            if (item[2], item[3]) not in queued:
                queued.add((item[2], item[3]))
                heapq.heappush(heap, item)
    return Merged(np.array([_root(root, c) for c in range(n_clusters)], dtype=np.int64),
                  partner, similarity, count)


def linked_clusters(
    sides: Sides, cands: Candidates, placed_links: np.ndarray, founded: np.ndarray,
    cluster_of: np.ndarray, canon_of: np.ndarray, config: MatchConfig, judged: bool,
    new_low: np.ndarray,
) -> np.ndarray:
    """The links `merge_linked` follows, as ``(i, cluster, doc, sure)`` rows: new row ``i``
    (in another cluster) links ``cluster`` through the document at position ``doc``, which it
    passes surely (``sure`` 1) or in the grey zone, the second signal not asked yet (-1).

    - Every cluster placement found ``i`` passing but did not join, through the canonical it
      passed (`cleaners.dedup.placement.Placed.links`).
    - With the second signal (``judged``) and ``config.merge_floor`` below ``xl_threshold``:
      for a row that founded its cluster (``founded[i]``), every cluster of its LSH candidates
      whose canonical (after placement) is in another language at a similarity of at least
      ``merge_floor``, through each of its candidates in that cluster that it reaches at the
      placement threshold, members included (`merge_linked` has the second signal judge a
      grey-zone one): a story's version that passes no canonical can still pass another
      version, which one run would have placed with it.

    ``cluster_of``/``canon_of``: the state after placement; ``new_low``: the low bytes of the
    new signatures. Guarantees: the rows depend on the candidate pairs and that state, not on
    their order.
    """
    rows = [placed_links]
    floor = config.merge_floor
    if judged and floor < config.xl_threshold:
        rows.append(_founder_links(
            founded, cands.pos, cands.lo, cands.hi, sides.m, sides.hist_sigs, sides.new_sigs,
            new_low, sides.containment, sides.hist_sizes, sides.new_sizes, sides.lang, cluster_of,
            canon_of, config.threshold, config.xl_threshold, config.grey_ceiling, floor))
    return np.concatenate(rows).astype(np.int64)


@numba.njit(cache=True, nogil=True)
def _founder_links(founded, c_pos, c_lo, c_hi, m, hist_sigs, new_sigs, new_low, containment,
                   hist_sizes, new_sizes, lang, cluster_of, canon_of, threshold, xl_threshold,
                   grey_ceiling, floor):  # pragma: no cover
    """The founders' rows of `linked_clusters`, in candidate order, in one compiled pass: for
    each candidate of a founder in another cluster whose canonical is in another language,
    the founder's similarity with that canonical (once per cluster, on the low bytes first
    when it is a new row) must reach ``floor``, and its similarity with the candidate the
    pair's threshold (the floats of `_screened`)."""
    out = np.empty((max(16, founded.size), 4), dtype=np.int64)
    n_out = 0
    n_clusters = int(cluster_of.max()) + 1 if cluster_of.size else 1
    stamp = np.zeros(n_clusters, dtype=np.int64)
    near = np.zeros(n_clusters, dtype=np.bool_)
    for i in range(founded.size):
        if not founded[i]:
            continue
        pos = m + i
        mine, my_lang = cluster_of[pos], lang[pos]
        my_size = new_sizes[i] if containment else 0.0
        for j in range(c_lo[i], c_hi[i]):
            p = c_pos[j]
            c = cluster_of[p]
            canon = canon_of[c]
            if c == mine or lang[canon] == my_lang:
                continue
            if stamp[c] != i + 1:  # the cluster's canonical, once per founder
                stamp[c] = i + 1
                size_c = 0.0
                if containment:
                    size_c = hist_sizes[canon] if canon < m else new_sizes[canon - m]
                if canon >= m and pair_similarity(new_low[canon - m], new_low[i], containment,
                                                  size_c, my_size) < floor:
                    near[c] = False  # certainly below: equal slots are equal in their low byte
                else:
                    sig = hist_sigs[canon] if canon < m else new_sigs[canon - m]
                    near[c] = pair_similarity(sig, new_sigs[i], containment, size_c, my_size) >= floor
            if not near[c]:
                continue
            same = lang[p] == my_lang
            size_p = 0.0
            if containment:
                size_p = hist_sizes[p] if p < m else new_sizes[p - m]
            sig = hist_sigs[p] if p < m else new_sigs[p - m]
            s = pair_similarity(sig, new_sigs[i], containment, size_p, my_size)
            if s < (threshold if same else xl_threshold):
                continue
            if n_out == out.shape[0]:
                bigger = np.empty((2 * out.shape[0], 4), dtype=np.int64)
                bigger[:n_out] = out[:n_out]
                out = bigger
            out[n_out, 0], out[n_out, 1], out[n_out, 2] = i, c, p
            out[n_out, 3] = 1 if same or s >= grey_ceiling else -1
            n_out += 1
    return out[:n_out]
