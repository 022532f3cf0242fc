"""Language identification with the model bundled in py3langid (no download).

A source's own language tag (``lang`` field, ``fr-FR`` from a feed) is used when the
text does not clearly contradict it; otherwise the model decides.

The model is py3langid's own (byte n-gram naive Bayes, 97 languages), scored for a whole
batch at once (`language_probabilities`): py3langid walks its feature automaton one byte at a
time in Python (about 0.7 ms per 1,000-character sample); here the automaton advances every
document of the batch in one NumPy step per byte position, and the scores of the whole batch
are one compiled call (`cleaners.lang.score`). The probabilities are py3langid's ``rank``
(same features, same calibration, same merged script aliases), to float32 rounding.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from cleaners.lang.tags import primary_language

UND = "und"
#: The model's label for text with no linguistic content.
NO_LANGUAGE = "zxx"

#: Characters of text given to the model: enough for a confident decision, bounded cost.
SAMPLE_CHARS = 1000
#: Below this many letters the text is too short to overrule a hint or to decide alone.
MIN_LETTERS = 12
#: A hint is overruled only when the model gives it less than this probability.
HINT_FLOOR = 1e-3
#: Without a hint, the model's top language is kept only with at least this probability.
MIN_CONFIDENCE = 0.3

_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@dataclass(frozen=True)
class _Model:
    """py3langid's model as NumPy arrays, with its labels merged (script aliases)."""

    nextmove: np.ndarray  # automaton transitions, indexed by rowbase[state] + byte
    rowbase: np.ndarray  # per state
    output: np.ndarray  # per state: the feature it emits, or -1
    ptc: np.ndarray  # (features, classes) float32 log-probabilities
    pc: np.ndarray  # (classes,) float32 priors
    aliases: tuple[tuple[int, int], ...]  # (first column, duplicate column) of a shared label
    labels: tuple[str, ...]  # distinct labels
    label_columns: np.ndarray  # the column holding each distinct label's probability


@lru_cache(maxsize=1)
def _model() -> _Model:
    ident = _identifier()
    first: dict[str, int] = {}
    for i, c in enumerate(ident.nb_classes):
        first.setdefault(c, i)
    return _Model(
        nextmove=np.frombuffer(ident.tk_nextmove, dtype=np.uint32).astype(np.int32),
        rowbase=np.asarray(ident._rowbase, dtype=np.int32),
        output=np.asarray(ident.tk_output, dtype=np.int32),
        ptc=np.asarray(ident.nb_ptc, dtype=np.float32),
        pc=np.asarray(ident.nb_pc, dtype=np.float32),
        aliases=tuple(ident._alias_pairs),
        labels=tuple(first),
        label_columns=np.fromiter(first.values(), dtype=np.intp, count=len(first)),
    )


def preload() -> None:
    """Load the model and the compiled scorer now (a worker's warm-up); later calls reuse
    them."""
    language_probabilities(["warm-up sample"])


def most_likely_label(text: str) -> str:
    """The most likely label of py3langid's model for ``text``, scored whole, whatever the
    confidence, by the model this module loads once (no second copy of it). That is
    py3langid's own ``classify`` but for two cases: the probabilities of labels the model
    aliases (``sr``) are added, not maxed; and a text in which the model finds no feature
    (empty, punctuation, a word or two) gets ``sr`` (the uniform scores, aliases added) where
    ``classify`` gives ``af``. Guarantees: deterministic; a label of the model."""
    return str(_identifier().classify(text)[0])


@lru_cache(maxsize=1)
def model_languages() -> frozenset[str]:
    """Codes the bundled model can output: ISO 639-1 where the language has one, else
    ISO 639-3 (``ace``, ``arz``…); never ``zxx`` (mapped to ``'und'``).
    """
    return frozenset(_model().labels) - {NO_LANGUAGE}


def _encode(text: str) -> bytes:
    """The bytes py3langid scores for ``text`` (lower-cased when all upper-case, NFC, UTF-8)."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf-8", errors="surrogatepass")


#: Samples walked together: bounds the walk's memory (chunk x longest sample x 8 bytes).
_CHUNK = 512


def _walk(model: _Model, samples: list[bytes]) -> list[np.ndarray]:
    """The features each sample emits (py3langid's ``visit_counts`` before counting), all
    samples advanced together: one NumPy step per byte position, `_CHUNK` samples at a time."""
    if len(samples) > _CHUNK:
        return [f for i in range(0, len(samples), _CHUNK) for f in _walk(model, samples[i : i + _CHUNK])]
    n = len(samples)
    lengths = np.fromiter((len(b) for b in samples), dtype=np.int64, count=n)
    order = np.argsort(-lengths, kind="stable")  # longest first: the active ones are a prefix
    width = int(lengths.max()) if n else 0
    grid = np.zeros((n, width), dtype=np.uint8)
    for row, i in enumerate(order):
        grid[row, : lengths[i]] = np.frombuffer(samples[i], dtype=np.uint8)
    sorted_len = lengths[order]
    # active[k]: number of samples longer than k
    active = np.searchsorted(-sorted_len, -np.arange(width), side="left")
    states = np.zeros((n, width), dtype=np.int32)
    state = np.zeros(n, dtype=np.int32)
    nextmove, rowbase = model.nextmove, model.rowbase
    for k in range(width):
        m = active[k]
        state[:m] = nextmove[rowbase[state[:m]] + grid[:m, k]]
        states[:m, k] = state[:m]
    feats = model.output[states]
    out: list[np.ndarray] = [np.empty(0, dtype=np.int32)] * n
    for row, i in enumerate(order):
        f = feats[row, : sorted_len[row]]
        out[i] = f[f >= 0]
    return out


def language_probabilities(samples: Sequence[str]) -> np.ndarray:
    """``(len(samples), len(labels))`` float32: each sample's probability of each label of
    `_model` (py3langid's ``rank`` with normalised probabilities, one column per distinct
    label, in ``_model().labels`` order).

    Guarantees: rows sum to 1 (a sample without any feature gets the uniform row, as in
    py3langid); equal to py3langid's probabilities up to float32 rounding.
    """
    from cleaners.lang.score import feature_scores  # numba: only imported where text is scored

    model = _model()
    encoded = [_encode(s) for s in samples]
    feats = _walk(model, encoded)
    sizes = np.fromiter((f.size for f in feats), dtype=np.int64, count=len(feats))
    offsets = np.zeros(len(feats) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    flat = np.concatenate(feats) if feats else np.empty(0, dtype=np.int32)
    scores = feature_scores(flat.astype(np.int32, copy=False), offsets, model.ptc)
    scores += model.pc
    lengths = np.fromiter((len(raw) or 1 for raw in encoded), dtype=np.float64, count=len(encoded))
    scores *= (1.0 / np.sqrt(lengths)).astype(np.float32)[:, None]
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    scores[sizes == 0] = np.float32(1.0 / model.pc.size)  # no feature: py3langid's uniform row
    for a, b in model.aliases:
        scores[:, a] += scores[:, b]
    return np.ascontiguousarray(scores[:, model.label_columns])


def parse_hint(hint: str | None) -> str | None:
    """The ISO 639-1 code in a language tag (``'fr-FR'``, ``'pt_BR'``, ``'EN'``), lower-case,
    or None when the tag is empty or not of that form (``'und'``, ``'fra'``, ``''``).
    """
    code = primary_language(hint)
    return code if code is not None and len(code) == 2 else None


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of ``text``'s language, or ``'und'``: `detect_languages` for one text."""
    return detect_languages([text], [hint])[0]


def detect_languages(texts: Sequence[str], hints: Sequence[str | None] | None = None) -> list[str]:
    """ISO 639-1 code of each text, or ``'und'``; the model scores the whole batch at once.

    Guarantees: same length and order as ``texts``; deterministic; ``hints`` (when given)
    must have the same length and may hold None. Per text: ``'und'`` for text with fewer
    than `MIN_LETTERS` letters and no usable hint, or when the model is not confident
    (< `MIN_CONFIDENCE`) and there is no hint; a well-formed hint is returned unless the text
    is long enough and the model gives the hinted language less than `HINT_FLOOR` probability.
    """
    if hints is None:
        hints = [None] * len(texts)
    if len(hints) != len(texts):
        raise ValueError(f"{len(hints)} hints for {len(texts)} texts")
    out: list[str] = []
    todo: list[int] = []
    samples: list[str] = []
    codes = [parse_hint(h) for h in hints]
    for i, (text, code) in enumerate(zip(texts, codes, strict=True)):
        sample = (text or "")[:SAMPLE_CHARS]
        out.append(code or UND)
        if len(_LETTER.findall(sample[:200])) >= MIN_LETTERS:
            todo.append(i)
            samples.append(sample)
    if not todo:
        return out
    model = _model()
    column = {label: j for j, label in enumerate(model.labels)}
    probs = language_probabilities(samples)
    for i, row in zip(todo, probs, strict=True):
        j = int(row.argmax())
        top = model.labels[j]
        if top == NO_LANGUAGE:
            top = UND
        code = codes[i]
        if code is not None:
            if code in column and row[column[code]] < HINT_FLOOR:
                out[i] = top
        else:
            out[i] = top if row[j] >= MIN_CONFIDENCE else UND
    return out
