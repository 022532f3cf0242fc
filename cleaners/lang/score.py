"""The walk and scoring steps of `cleaners.lang.langid.language_probabilities`, compiled with
numba.

The walk (`walk_features`) advances py3langid's byte automaton over each sample, one byte a
step, and collects the feature each state emits, as py3langid's own Python loop does.

Each document's score vector is ``log1p(count of each distinct feature) @ ptc[features]``
(py3langid's naive Bayes, before its priors and normalisation). Done with NumPy, every document
costs a sort (``np.unique``), a gather of its feature rows and a matrix-vector product,
about 90 µs of mostly call overhead per 1,000-character sample; here the whole batch is one
call: features are counted in a scratch array, and each distinct feature's row is added once.

The scores (`feature_scores`): sums are accumulated in float64 and rounded to float32 at the
end: the result is the float32 product to within its rounding (the order of a BLAS product's
float32 additions is not fixed either: it depends on the machine's kernel).

Pure: no I/O of its own; numba keeps the compiled code in ``__pycache__`` (``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def feature_scores(feats: np.ndarray, offsets: np.ndarray, ptc: np.ndarray) -> np.ndarray:
    """``(n, classes)`` float32: for document ``d`` (features ``feats[offsets[d]:offsets[d+1]]``,
    int32 indexes into the rows of ``ptc``), the sum over its distinct features ``f`` of
    ``log1p(count of f) * ptc[f]``; a document without features gets zeros."""
    n = offsets.size - 1
    n_feat, n_class = ptc.shape
    out = np.zeros((n, n_class), dtype=np.float32)
    counts = np.zeros(n_feat, dtype=np.int32)
    longest = 0
    for d in range(n):
        longest = max(longest, offsets[d + 1] - offsets[d])
    touched = np.empty(longest, dtype=np.int32)
    acc = np.empty(n_class, dtype=np.float64)
    for d in range(n):
        k = 0
        for p in range(offsets[d], offsets[d + 1]):
            f = feats[p]
            if counts[f] == 0:
                touched[k] = f
                k += 1
            counts[f] += 1
        acc[:] = 0.0
        for t in range(k):
            f = touched[t]
            weight = np.float64(np.log1p(np.float32(counts[f])))
            counts[f] = 0
            for c in range(n_class):
                acc[c] += weight * ptc[f, c]
        for c in range(n_class):
            out[d, c] = np.float32(acc[c])
    return out


@numba.njit(cache=True, nogil=True)
def walk_features(data: np.ndarray, offsets: np.ndarray, nextmove: np.ndarray,
                  rowbase: np.ndarray, output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The features py3langid's automaton emits for each sample (bytes
    ``data[offsets[d]:offsets[d+1]]``, uint8): from state 0, each byte moves to
    ``nextmove[rowbase[state] + byte]``, and a state with ``output[state] >= 0`` emits that
    feature. Returns the features of every sample in order (int32) and their offsets (int64,
    ``n + 1`` of them), the layout `feature_scores` reads."""
    n = offsets.size - 1
    feats = np.empty(offsets[n] - offsets[0], dtype=np.int32)  # at most one a byte
    starts = np.zeros(n + 1, dtype=np.int64)
    k = 0
    for d in range(n):
        state = 0
        for p in range(offsets[d], offsets[d + 1]):
            state = nextmove[rowbase[state] + data[p]]
            f = output[state]
            if f >= 0:
                feats[k] = f
                k += 1
        starts[d + 1] = k
    return feats[:k], starts
