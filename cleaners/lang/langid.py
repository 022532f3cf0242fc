"""Language identification with the model bundled in py3langid (no download).

A source's own language tag (``lang`` field, ``fr-FR`` from a feed) is used when the
text does not clearly contradict it; otherwise the model decides.

The model is py3langid's own (byte n-gram naive Bayes, 97 languages), read from its package
(`bundled_model`) or given by the caller (`LanguageModel`, e.g. from the inflated copy
`flows.backends.langid_cache` keeps), and scored for a whole batch at once
(`language_probabilities`): py3langid walks its feature automaton one byte at a time in
Python (about 0.7 ms per 1,000-character sample); here the walk and the scores of the whole
batch are two compiled calls (`cleaners.lang.score`). The probabilities are py3langid's
``rank`` (same features, same calibration, same merged script aliases), to float32 rounding.
"""

from __future__ import annotations

import io
import lzma
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

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


@dataclass(frozen=True)
class LanguageModel:
    """py3langid's model as NumPy arrays, with its labels merged (script aliases)."""

    nextmove: np.ndarray  # automaton transitions, indexed by rowbase[state] + byte
    rowbase: np.ndarray  # per state
    output: np.ndarray  # per state: the feature it emits, or -1
    ptc: np.ndarray  # (features, classes) float32 log-probabilities
    pc: np.ndarray  # (classes,) float32 priors
    aliases: tuple[tuple[int, int], ...]  # (first column, duplicate column) of a shared label
    labels: tuple[str, ...]  # distinct labels
    label_columns: np.ndarray  # the column holding each distinct label's probability


def model_from_npz(data: bytes) -> LanguageModel:
    """The model held by ``data``, the ``.npz`` archive py3langid ships compressed with LZMA
    (``py3langid/data/model.npz.xz``, arrays ``ptc``, ``pc``, ``classes``, ``nextmove`` (the
    automaton's distinct rows), ``nextmove_row`` (each state's row) and ``out_feat``).

    Guarantees: the arrays py3langid's ``LanguageIdentifier.from_model_file`` builds from the
    same file (`bundled_model` is this of that file); ``ValueError`` for data that is not
    such an archive."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            classes = arrays["classes"].tolist()
            nextmove, rows = arrays["nextmove"], arrays["nextmove_row"]
            output, ptc, pc = arrays["out_feat"], arrays["ptc"], arrays["pc"]
    except (KeyError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"not a language-id model archive ({type(exc).__name__}: {exc})") from exc
    first: dict[str, int] = {}
    aliases = []
    for i, c in enumerate(classes):
        if c in first:
            aliases.append((first[c], i))
        else:
            first[c] = i
    return LanguageModel(
        nextmove=nextmove.astype(np.int32),
        rowbase=rows.astype(np.int32) << 8,
        output=output.astype(np.int32),
        ptc=ptc.astype(np.float32),
        pc=pc.astype(np.float32),
        aliases=tuple(aliases),
        labels=tuple(first),
        label_columns=np.fromiter(first.values(), dtype=np.intp, count=len(first)),
    )


def bundled_archive() -> bytes:
    """The ``.npz`` archive of py3langid's installed model, inflated from its LZMA file (about
    0.4 s of CPU)."""
    from py3langid.langid import MODEL_FILE

    return lzma.decompress(resources.files("py3langid").joinpath(*MODEL_FILE.split("/")).read_bytes())


@lru_cache(maxsize=1)
def bundled_model() -> LanguageModel:
    """The model of py3langid's installed package (`bundled_archive`), read once a process
    (about 0.5 s: `flows.backends.langid_cache` keeps the archive inflated on disk)."""
    return model_from_npz(bundled_archive())


def preload(model: LanguageModel | None = None) -> None:
    """Load ``model`` (default: `bundled_model`) and the compiled scorer now (a worker's
    warm-up); later calls reuse them."""
    language_probabilities(["warm-up sample"], model)


def most_likely_label(text: str, model: LanguageModel | None = None) -> str:
    """The most likely label of ``model`` (default: `bundled_model`) for ``text``, scored
    whole (`language_probabilities`), whatever the confidence. That is py3langid's own
    ``classify`` but for two cases: the probabilities of labels the model aliases (``sr``)
    are added, not maxed; and a text in which the model finds no feature (empty,
    punctuation, a word or two) gets ``sr`` (the uniform scores, aliases added) where
    ``classify`` gives ``af``. Guarantees: deterministic; a label of the model."""
    model = model if model is not None else bundled_model()
    return model.labels[int(language_probabilities([text], model)[0].argmax())]


@lru_cache(maxsize=1)
def model_languages() -> frozenset[str]:
    """Codes the bundled model can output: ISO 639-1 where the language has one, else
    ISO 639-3 (``ace``, ``arz``…); never ``zxx`` (mapped to ``'und'``).
    """
    return frozenset(bundled_model().labels) - {NO_LANGUAGE}


def _encode(text: str) -> bytes:
    """The bytes py3langid scores for ``text`` (lower-cased when all upper-case, NFC, UTF-8)."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf-8", errors="surrogatepass")


def language_probabilities(samples: Sequence[str], model: LanguageModel | None = None) -> np.ndarray:
    """``(len(samples), len(labels))`` float32: each sample's probability of each label of
    ``model`` (default: `bundled_model`; py3langid's ``rank`` with normalised probabilities,
    one column per distinct label, in ``model.labels`` order).

    Guarantees: rows sum to 1 (a sample without any feature gets the uniform row, as in
    py3langid); equal to py3langid's probabilities up to float32 rounding.
    """
    from cleaners.lang import score  # numba: only imported where text is scored

    model = model if model is not None else bundled_model()
    encoded = [_encode(s) for s in samples]
    starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=starts[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    feats, offsets = score.walk_features(data, starts, model.nextmove, model.rowbase, model.output)
    sizes = np.diff(offsets)
    scores = score.feature_scores(feats, offsets, model.ptc)
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


def detect_languages(texts: Sequence[str], hints: Sequence[str | None] | None = None,
                     model: LanguageModel | None = None) -> list[str]:
    """ISO 639-1 code of each text, or ``'und'``; ``model`` (default: `bundled_model`)
    scores the whole batch at once.

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
    model = model if model is not None else bundled_model()
    column = {label: j for j, label in enumerate(model.labels)}
    probs = language_probabilities(samples, model)
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
