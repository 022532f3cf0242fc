"""The sequential step of `cleaners.dedup.matcher.match`: placing the new documents, compiled with numba.

New documents are placed one at a time in priority order, and each placement changes what
the next documents are compared with (a document that joins no cluster becomes a
canonical). Written with numpy calls, this loop cost about 150 µs per document in call
overhead alone (15 s of the 22 s `match` took on 100,000 documents); compiled, each
document costs what its comparisons cost.

`place_all` drives the compiled loop (`place`), breaks its ties by ``doc_id`` (strings, in
Python) and has the second signal judge the grey-zone pairs that decide a placement, as
`place` meets them: `place` judges a pair itself when both sketches are packed
(`cleaners.dedup.second_signal`), and leaves the others (a history sketch not read yet) to
Python, which asks the caller's source; `exact_holders` prepares its exact-copy lookup.

Pure: no I/O of its own. numba keeps the compiled code in ``__pycache__`` (``cache=True``),
so only the first call on a machine compiles (a few seconds); `match` imports this module
only when it runs.
"""

from __future__ import annotations

from itertools import chain
from typing import NamedTuple

import numba
import numpy as np

from cleaners.dedup.align import SketchBatch
from cleaners.dedup.candidates import Candidates
from cleaners.dedup.config import MatchConfig
from cleaners.dedup.minhash import pair_similarity
from cleaners.dedup.model import Sides
from cleaners.dedup.second_signal import UNKNOWN, PackedSketches, SecondSignal, judge_positions
from cleaners.dedup.verify import Verdicts

#: The files of the compiled functions this module's compiled functions call (transitively),
#: with a digest of each: numba's cache notices only this file's changes, so a change there
#: must change this line (tests/unit/cleaners/test_compiled_dependencies.py says to what).
NUMBA_DEPENDENCIES = (('cleaners/dedup/align.py', '6c9b3c0321d0866b'),
                      ('cleaners/dedup/minhash.py', 'e959a431f99c5c3d'),
                      ('cleaners/dedup/second_signal.py', '8c1b6107c5b9c216'))

#: `place` stopped on document ``priority[k]``, to be placed in Python: two or more clusters
#: pass with the same best similarity (the tie is broken by ``doc_id``, strings), or the best
#: passes only tentatively (a grey-zone pair) and the second signal cannot judge it here (a
#: sketch not asked for yet).
DECIDE = -2
#: Rows of the first ``links`` buffer of `place_all`, at least (it grows as needed).
LINKS_ROOM = 16
#: `place` stopped before document ``priority[state[3]]``: ``links`` might not hold its
#: passes (the caller grows it and resumes there; nothing of that document was looked at).
GROW = -3


@numba.njit(cache=True, nogil=True)
def _verdict(s: float, need: float, grey_ceiling: float, same_lang: bool) -> int:
    """Whether a pair at similarity ``s`` passes: 1 yes, 0 no, -1 tentatively (a cross-lingual
    pair in the grey zone: the second signal decides, if it comes to that)."""
    if s < need:
        return 0
    if same_lang or s >= grey_ceiling:
        return 1
    return -1


@numba.njit(cache=True, nogil=True)
def _passes(
    c: int, s: float, unknown: bool, tie_clusters: np.ndarray, tie_sims: np.ndarray,
    tie_unknown: np.ndarray, ties: int, best: int, best_sim: float,
) -> tuple[int, int, float]:
    """Record cluster ``c``, which passes at similarity ``s`` (``unknown``: tentatively, the
    second signal not asked yet); the new (count, best, its similarity): the first cluster at
    the highest similarity stays the best."""
    tie_clusters[ties] = c
    tie_sims[ties] = s
    tie_unknown[ties] = unknown
    if s > best_sim:
        return ties + 1, c, s
    return ties + 1, best, best_sim


@numba.njit(cache=True, nogil=True)
def place(
    start: int,
    priority: np.ndarray,
    m: int,
    hist_sigs: np.ndarray,
    new_sigs: np.ndarray,
    new_low: np.ndarray,
    containment: bool,
    hist_sizes: np.ndarray,
    new_sizes: np.ndarray,
    lang: np.ndarray,
    threshold: float,
    xl_threshold: float,
    grey_ceiling: float,
    hash_code: np.ndarray,
    first_holder: np.ndarray,
    cluster_of: np.ndarray,
    canon_of: np.ndarray,
    canon_rank: np.ndarray,
    state: np.ndarray,
    c_pos: np.ndarray,
    c_lo: np.ndarray,
    c_hi: np.ndarray,
    h_cluster: np.ndarray,
    h_sim: np.ndarray,
    h_lo: np.ndarray,
    h_hi: np.ndarray,
    stamp: np.ndarray,
    joined: np.ndarray,
    similarity: np.ndarray,
    by_hash: np.ndarray,
    tie_clusters: np.ndarray,
    tie_sims: np.ndarray,
    tie_unknown: np.ndarray,
    links: np.ndarray,
    sk_row: np.ndarray,
    sk_new_offset_starts: np.ndarray,
    sk_new_offsets: np.ndarray,
    sk_new_value_starts: np.ndarray,
    sk_new_values: np.ndarray,
    sk_hist_offset_starts: np.ndarray,
    sk_hist_offsets: np.ndarray,
    sk_hist_value_starts: np.ndarray,
    sk_hist_values: np.ndarray,
    min_order_share: float,
    min_evidence: float,
    judged: np.ndarray,
) -> int:
    """Place the new documents ``priority[start:]`` in order; return ``len(priority)``, or
    `DECIDE` after writing the passing clusters of the document it stopped on.

    Positions: history ``0..m-1``, new document ``i`` at ``m + i``. For new document ``i``:

    * exact copy: when a document already placed has its ``hash_code`` (``first_holder``,
      history rows filled in beforehand), it joins that document's cluster:
      ``joined[i]`` = that document (the holder, a member or the canonical), ``similarity[i]``
      = 1.0, ``by_hash[i]`` = True;
    * otherwise the clusters proposed by its history candidates (``h_cluster[h_lo[i]:h_hi[i]]``,
      verified beforehand: ``h_sim``, -1 when certainly below the threshold) and by its
      candidates among new documents already placed (``c_pos[c_lo[i]:c_hi[i]]`` >= m; each
      cluster compared once, with its canonical) are compared; the most similar cluster
      that reaches the pair's threshold (``threshold`` within a language, ``xl_threshold``
      across) is joined. None: ``i`` founds cluster ``state[0]`` (``joined[i]`` = -1);
    * second signal: a cross-lingual pass below ``grey_ceiling`` passes tentatively; when
      one is the only best pass, it is judged here (`cleaners.dedup.second_signal.judge_positions`
      on the packed sketches ``sk_*``, see `cleaners.dedup.second_signal.PackedSketches`):
      passed, it is joined; refused, it is dropped and the next best pass is considered, in
      the same way; each verdict goes to ``judged`` (``(code, verdict)`` rows, code
      ``pos * (m + n) + canonical``, ``state[6]`` of them). A pass that does not decide is
      never judged (judging every tentative pass made 6x more pairs on the
      100,000-document benchmark);
    * re-election: ``canon_rank[c]`` is the index in ``priority`` before which a document
      outranks cluster ``c``'s canonical (`cleaners.dedup.model.priority_order` over the
      canonical and the batch; ``k`` for a cluster founded at ``k``); a document that joins
      ``c`` at a smaller ``k`` becomes its canonical (``canon_of[c]``), and later documents are
      verified against it (a history cluster's precomputed ``h_sim`` is then not used);
    * several clusters at the best similarity, or a tentative best that cannot be judged here
      (a sketch not asked for yet): every passing (cluster, similarity) not refused goes to
      ``tie_clusters``/``tie_sims`` (``state[2]`` of them, ``tie_unknown`` marking the
      tentative ones), ``state[3]`` = the index ``k`` in ``priority``,
      ``state[4]`` = the pairs compared for ``i``, and `DECIDE` is returned; ``i`` is not
      placed (nor its text hash held): the caller places it and resumes at ``k + 1``.

    ``new_low`` holds the low bytes of ``new_sigs`` (``astype(uint8)``): a new canonical is
    compared on them first, and in full only when that bound reaches the threshold (slots
    equal in full are equal there, so the bound is never below the full similarity).
    ``state[1]`` counts the (document, cluster) pairs compared for the documents placed.
    ``stamp`` (one slot per possible cluster, zero-initialised) marks the clusters already
    seen for a document. ``links`` (``(capacity, 4)``) receives, for a document that passes
    more than one cluster, an ``(i, cluster, canonical, sure)`` row for each passing cluster
    it does not join (``canonical``: the position it was compared with; ``sure``: 1, or -1
    for a tentative grey-zone pass the second signal has not judged)
    (``state[5]`` rows so far; when the passes of a document, at most ``tie_clusters.size``,
    might not fit in ``links`` or its verdicts in ``judged``, `GROW` is returned before that
    document is looked at, ``state[3]`` = its index ``k``).
    """
    n = priority.size
    for k in range(start, n):
        i = priority[k]
        pos = m + i
        holder = first_holder[hash_code[i]]
        if holder >= 0:
            c = cluster_of[holder]
            cluster_of[pos] = c
            joined[i] = holder  # an exact copy names the document whose text it has
            similarity[i] = 1.0
            by_hash[i] = True
            if k < canon_rank[c]:  # more complete than the canonical: re-elected
                canon_of[c] = pos
                canon_rank[c] = k
            continue
        if state[5] + tie_clusters.size > links.shape[0] or state[6] + tie_clusters.size > judged.shape[0]:
            state[3] = k  # before anything of document k is marked: it is placed afresh
            return GROW
        mark = k + 1
        best = -1
        best_sim = -1.0
        ties = 0
        compared = 0
        for j in range(h_lo[i], h_hi[i]):
            c = h_cluster[j]
            stamp[c] = mark
            compared += 1
            canon = canon_of[c]
            need = threshold if lang[canon] == lang[pos] else xl_threshold
            if canon < m:
                s = h_sim[j]
            else:  # re-elected in this batch: compare with the new canonical
                size_a = new_sizes[canon - m] if containment else 0.0
                size_b = new_sizes[i] if containment else 0.0
                s = pair_similarity(new_sigs[canon - m], new_sigs[i], containment, size_a, size_b)
            verdict = _verdict(s, need, grey_ceiling, lang[canon] == lang[pos])
            if verdict != 0:
                ties, best, best_sim = _passes(c, s, verdict < 0, tie_clusters, tie_sims,
                                               tie_unknown, ties, best, best_sim)
        for j in range(c_lo[i], c_hi[i]):
            p = c_pos[j]
            if p < m:
                continue
            c = cluster_of[p]
            if c < 0 or stamp[c] == mark:
                continue
            stamp[c] = mark
            compared += 1
            canon = canon_of[c]
            need = threshold if lang[canon] == lang[pos] else xl_threshold
            size_a = 0.0
            if containment:
                size_a = hist_sizes[canon] if canon < m else new_sizes[canon - m]
            size_b = new_sizes[i] if containment else 0.0
            if canon >= m and pair_similarity(new_low[canon - m], new_low[i], containment,
                                          size_a, size_b) < need:
                continue  # certainly below: equal slots are equal in their low byte
            a = hist_sigs[canon] if canon < m else new_sigs[canon - m]
            s = pair_similarity(a, new_sigs[i], containment, size_a, size_b)
            verdict = _verdict(s, need, grey_ceiling, lang[canon] == lang[pos])
            if verdict != 0:
                ties, best, best_sim = _passes(c, s, verdict < 0, tie_clusters, tie_sims,
                                               tie_unknown, ties, best, best_sim)
        decide = False
        while best >= 0:  # a tentative best is judged here when both sketches are at hand
            at_best, top = 0, -1
            for t in range(ties):
                if tie_sims[t] == best_sim:
                    at_best += 1
                    top = t
            if at_best > 1:  # a tie: broken by doc_id, in Python
                decide = True
                break
            if not tie_unknown[top]:
                break
            verdict = judge_positions(
                pos, canon_of[best], sk_row, sk_new_offset_starts, sk_new_offsets,
                sk_new_value_starts, sk_new_values, sk_hist_offset_starts, sk_hist_offsets,
                sk_hist_value_starts, sk_hist_values, min_order_share, min_evidence)
            if verdict < 0:  # a sketch not fetched yet: judged in Python
                decide = True
                break
            judged[state[6], 0] = pos * (m + n) + canon_of[best]
            judged[state[6], 1] = verdict
            state[6] += 1
            if verdict == 1:
                tie_unknown[top] = False
                break
            ties -= 1  # refused: the most similar of the other passes is next
            for t in range(top, ties):
                tie_clusters[t] = tie_clusters[t + 1]
                tie_sims[t] = tie_sims[t + 1]
                tie_unknown[t] = tie_unknown[t + 1]
            best, best_sim = -1, -1.0
            for t in range(ties):
                if tie_sims[t] > best_sim:
                    best, best_sim = tie_clusters[t], tie_sims[t]
        if decide:
            state[2] = ties
            state[3] = k
            state[4] = compared
            return DECIDE
        if best < 0:
            first_holder[hash_code[i]] = pos
            state[1] += compared
            c = state[0]
            state[0] += 1
            cluster_of[pos] = c
            canon_of[c] = pos
            canon_rank[c] = k
            joined[i] = -1
            continue
        for t in range(ties):
            if tie_clusters[t] != best:
                links[state[5], 0] = i
                links[state[5], 1] = tie_clusters[t]
                links[state[5], 2] = canon_of[tie_clusters[t]]
                links[state[5], 3] = -1 if tie_unknown[t] else 1
                state[5] += 1
        first_holder[hash_code[i]] = pos
        state[1] += compared
        cluster_of[pos] = best
        joined[i] = canon_of[best]
        similarity[i] = best_sim
        if k < canon_rank[best]:
            canon_of[best] = pos
            canon_rank[best] = k
    return n


def exact_holders(sides: Sides, hist_canon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(hash_code, first_holder)`` for `place`: ``hash_code[i]`` numbers the text hash of
    new row ``i`` (equal hashes, equal numbers); ``first_holder[code]`` is the first history
    row holding that hash (the canonicals ``hist_canon`` first, then any row), else -1.

    Guarantees: each history hash is looked up once; only this batch's hashes are kept
    (no dict of the whole history).
    """
    new, hist = sides.new, sides.hist
    hash_number: dict[str, int] = {}
    hash_code = np.fromiter(
        (hash_number.setdefault(h, len(hash_number)) for h in new.text_hashes),
        dtype=np.int64, count=len(new),
    )
    first_holder = np.full(len(hash_number), -1, dtype=np.int64)
    for pos in chain(hist_canon.tolist(), range(sides.m)):
        code = hash_number.get(hist.text_hashes[pos])
        if code is not None and first_holder[code] < 0:
            first_holder[code] = pos
    return hash_code, first_holder


class Placed(NamedTuple):
    """Where `place_all` put each new row ``i``: ``joined[i]``, the canonical position of the
    cluster it joined (-1: it founded one), or for an exact copy the document whose text it
    has; ``similarity[i]``, its similarity with that document; ``by_hash[i]``, joined as an
    exact copy; ``compared``, the (document,
    cluster) pairs compared; ``complete``: False when the second signal could not judge a
    pair that decided a placement yet (it passed tentatively: the placement is to be run
    again once it can); ``links``, every other cluster a row passed."""

    joined: np.ndarray
    similarity: np.ndarray
    by_hash: np.ndarray
    compared: int
    complete: bool = True
    #: ``(i, cluster, canonical, sure)``: a cluster new row ``i`` passes but did not join, the
    #: canonical it passed, and 1 (-1: tentatively, in the grey zone, not judged) (the links
    #: `cleaners.dedup.merge.merge_linked` follows).
    links: np.ndarray = np.empty((0, 4), dtype=np.int64)


def _no_sketches() -> PackedSketches:
    """No sketch known (`place_all` without the second signal), with the argument types of
    real ones (read-only sketch arrays, a writable row array: one compiled `place`)."""
    none = SketchBatch.of([])
    arrays = (none.offset_starts, none.offsets, none.value_starts, none.values)
    return PackedSketches(np.full(1, UNKNOWN, dtype=np.int64), *arrays, *arrays, 0.0, 0.0)


def _tie_winner(sides: Sides, canon_of: np.ndarray, clusters: np.ndarray) -> int:
    """Of clusters at equal similarity, the one whose canonical has the smallest doc_id."""
    return min(clusters.tolist(), key=lambda c: sides.doc_id(int(canon_of[c])))


def place_all(
    sides: Sides, priority: np.ndarray, new_low: np.ndarray, config: MatchConfig,
    hash_code: np.ndarray, first_holder: np.ndarray, cluster_of: np.ndarray,
    canon_of: np.ndarray, canon_rank: np.ndarray, n_clusters: int, cands: Candidates,
    verdicts: Verdicts, judge: SecondSignal | None = None,
) -> Placed:
    """Place every new row in ``priority`` order with `place`, breaking its ties, in one pass.

    ``cluster_of`` (cluster number per position, -1 for new rows), ``canon_of`` (current
    canonical position per cluster number, room for one new cluster per new row) and
    ``canon_rank`` (see `place`) hold the ``n_clusters`` history clusters and are updated in
    place; ``first_holder`` too (see `exact_holders`). ``new_low``: the low bytes of the new
    signatures. ``judge``: the second signal (with ``config.grey_ceiling`` above
    ``xl_threshold``): asked, as the pass meets it, about the grey-zone pair that would
    decide a placement (the most similar pass, or the tie's winner), before that document is
    placed, then about the next one if it refuses; None: similarity alone decides.

    Guarantees: every new row is in exactly one cluster; a row joins the most similar
    passing cluster, and among equally similar ones the cluster whose canonical has the
    smallest ``doc_id``; a cross-lingual pair in the grey zone passes only if ``judge`` says
    so, and ``judge`` is asked only about pairs whose verdict decides a placement (with every
    verdict known, ``complete``, the result is the one of judging every pair first); a row
    that passes none founds a cluster of its own; every cluster's canonical is, at the end,
    its highest-priority member (its history canonical or a new row that outranks it).
    """
    n = priority.size
    span = sides.m + n
    grey_ceiling = config.grey_ceiling if judge is not None else config.xl_threshold
    joined = np.full(n, -1, dtype=np.int64)
    similarity = np.zeros(n, dtype=np.float64)
    by_hash = np.zeros(n, dtype=bool)
    most = int((cands.hi - cands.lo).max() + (verdicts.hi - verdicts.lo).max())
    tie_clusters = np.empty(most, dtype=np.int64)
    tie_sims = np.empty(most, dtype=np.float64)
    tie_unknown = np.zeros(most, dtype=np.bool_)
    state = np.array([n_clusters, 0, 0, 0, 0, 0, 0], dtype=np.int64)
    links = np.empty((max(n, 2 * most, LINKS_ROOM), 4), dtype=np.int64)
    judged = np.empty((max(n, 2 * most, LINKS_ROOM), 2), dtype=np.int64)  # the verdicts `place` reaches
    no_sketches = _no_sketches()
    stamp = np.zeros(n_clusters + n, dtype=np.int64)
    complete = True
    k = 0
    while k < n:
        sketches = no_sketches if judge is None else judge.packed()
        k = place(
            k, priority, sides.m, sides.hist_sigs, sides.new_sigs, new_low, sides.containment,
            sides.hist_sizes, sides.new_sizes, sides.lang, config.threshold, config.xl_threshold,
            grey_ceiling, hash_code, first_holder, cluster_of, canon_of, canon_rank, state,
            cands.pos, cands.lo, cands.hi, verdicts.cluster, verdicts.sim, verdicts.lo,
            verdicts.hi, stamp, joined, similarity, by_hash, tie_clusters, tie_sims, tie_unknown,
            links, *sketches, judged,
        )
        if k == GROW:
            if state[5] + most > links.shape[0]:
                links = np.concatenate([links, np.empty_like(links)])
            if judge is not None:  # the verdicts so far, kept: the log starts again
                judge.record(judged[: state[6], 0], judged[: state[6], 1])
                state[6] = 0
            k = int(state[3])
            continue
        if k != DECIDE:
            break
        k = int(state[3])
        i = int(priority[k])
        pos = sides.m + i
        ties = int(state[2])
        clusters, sims = tie_clusters[:ties].tolist(), tie_sims[:ties].tolist()
        unknown = tie_unknown[:ties].tolist()
        c = -1
        while clusters:  # the most similar pass, ties by doc_id; a tentative one judged first
            top = max(sims)
            at = [t for t in range(len(clusters)) if sims[t] == top]
            t = at[0] if len(at) == 1 else clusters.index(
                _tie_winner(sides, canon_of, np.array([clusters[a] for a in at])))
            if unknown[t]:
                assert judge is not None
                verdict = judge(pos * span + int(canon_of[clusters[t]]))
                complete &= verdict is not None  # not known yet: passes tentatively
                if verdict is False:
                    del clusters[t], sims[t], unknown[t]
                    continue
            c = clusters[t]
            break
        first_holder[hash_code[i]] = pos
        state[1] += state[4]
        if c < 0:  # every pass refused: a cluster of its own
            c = int(state[0])
            state[0] += 1
            cluster_of[pos] = c
            canon_of[c] = pos
            canon_rank[c] = k
            k += 1
            continue
        others = [(o, u) for o, u in zip(clusters, unknown, strict=True) if o != c]
        while state[5] + len(others) > links.shape[0]:
            links = np.concatenate([links, np.empty_like(links)])
        for o, u in others:
            links[state[5]] = (i, o, canon_of[o], -1 if u else 1)
            state[5] += 1
        cluster_of[pos] = c
        joined[i] = canon_of[c]
        similarity[i] = top
        if k < canon_rank[c]:
            canon_of[c] = pos
            canon_rank[c] = k
        k += 1
    if judge is not None:
        judge.record(judged[: state[6], 0], judged[: state[6], 1])
    return Placed(joined, similarity, by_hash, int(state[1]), complete, links[: state[5]].copy())
