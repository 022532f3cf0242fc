"""Sentence sketches: what the second check for cross-lingual duplicates compares
(`cleaners.dedup.align`).

`sentence_sketches` keeps, per document, its ordered sentences as sorted arrays of 32-bit
hashes of the same translated content tokens as the MinHash shingles
(`cleaners.dedup.fingerprint`). `fingerprint_and_sketch` makes a batch's fingerprints and
sketches together, the sketches from the scan and word translations that made the shingles
(what the flow's batch workers run, storing the sketches with the batch); `SketchBatch` holds
a batch's sketches in four flat arrays (two Arrow list columns).

Layout of a sketch: ``offsets`` (``n + 1`` int32) and ``values`` (uint32), sentence ``i``
being ``values[offsets[i]:offsets[i + 1]]``, sorted and distinct. The lowest bit of a value
says whether the token is weak (1) or evidence (0); the other 31 bits are the low bits of
the token's xxh3-64 hash. Pure: no I/O, no state beyond the caller's memo.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numba
import numpy as np
import xxhash

from cleaners.dedup.config import DEFAULT_FINGERPRINT, FingerprintConfig
from cleaners.dedup.fingerprint import (
    Fingerprints,
    WordMemo,
    document_shingles,
    fingerprint_batch,
)
from cleaners.lang.tokens import scan_words, split_sentences
from cleaners.translate.base import Translator, WordByWordTranslator

#: Sentences kept per document: the first ``MAX_SENTENCES`` non-empty ones (a duplicate shows
#: itself in its first 80 sentences; the cap bounds the sketch and the alignment's cost).
MAX_SENTENCES = 80
#: Tokens kept per sentence at most: the lowest hash values (a bottom-k sample, the same
#: tokens on both sides of a pair), so a sentence's length fits the sketch's uint16 field.
MAX_TOKENS = 4096

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun"
#: Navigation, sharing and legal vocabulary of web pages, and ordinal suffixes: words any two
#: pages can share whatever their story.
_CHROME = (
    "st nd rd th am pm gmt utc cet "
    "home homepage menu search login logout log sign signup register subscribe subscription "
    "newsletter contact share facebook twitter instagram youtube linkedin pinterest whatsapp "
    "telegram tiktok xing reddit email mail print rss feed cookie cookies privacy policy "
    "copyright reserved terms imprint disclaimer comment comments reply password username "
    "account skip navigation next previous prev top back page click follow tag tags category "
    "categories archive archives blog post posts download app www http https com org net html php"
)
#: The translated (English) tokens that are no evidence that two documents tell one story:
#: month and weekday names (and their abbreviations), web-page chrome. Numbers are weak too
#: (`is_weak`).
WEAK_TOKENS: frozenset[str] = frozenset(f"{_MONTHS} {_WEEKDAYS} {_CHROME}".split())

def is_weak(token: str) -> bool:
    """True for a translated token that is no evidence on its own: a number (digits only) or
    one of ``WEAK_TOKENS``."""
    return token.isdigit() or token in WEAK_TOKENS


def token_hash(token: str) -> int:
    """The sketch value of one translated token: the low 31 bits of its xxh3-64 hash (seed 0,
    as the MinHash shingles), shifted left, with the lowest bit set when `is_weak`.

    Guarantees: deterministic; equal tokens get equal values; ``value & 1`` is `is_weak`."""
    return ((xxhash.xxh3_64_intdigest(token.encode("utf-8"), 0) & 0x7FFFFFFF) << 1) | is_weak(token)


@dataclass(frozen=True)
class SentenceSketch:
    """One document's ordered sentences as sorted arrays of `token_hash` values.

    ``offsets``: ``(n + 1,)`` int32, ``offsets[0] == 0``; ``values``: uint32, sentence ``i``
    being ``values[offsets[i]:offsets[i + 1]]`` (sorted, distinct, never empty)."""

    offsets: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.offsets.size - 1)

    def sentence(self, i: int) -> np.ndarray:
        """The sorted token values of sentence ``i``."""
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    @cached_property
    def strong_tokens(self) -> np.ndarray:
        """The distinct evidence (not weak) token values, sorted."""
        return np.unique(self.values[(self.values & 1) == 0])

    @cached_property
    def strong_entries(self) -> tuple[np.ndarray, np.ndarray]:
        """``(token, sentence)`` of every evidence-token entry, sorted by token then sentence."""
        sentence = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))
        strong = (self.values & 1) == 0
        order = np.lexsort((sentence[strong], self.values[strong]))
        return self.values[strong][order].astype(np.int64), sentence[strong][order]

    def tokens(self, weak: bool = True) -> np.ndarray:
        """The document's distinct token values, sorted (without the weak ones unless
        ``weak``)."""
        vals = np.unique(self.values)
        return vals if weak else vals[(vals & 1) == 0]


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


#: The sketch of a text without content (read-only arrays: shared, never changed).
EMPTY_SKETCH = SentenceSketch(_frozen(np.zeros(1, dtype=np.int32)), _frozen(np.zeros(0, dtype=np.uint32)))


def sketch_from_sets(sentences: Sequence[set[str]], max_sentences: int = MAX_SENTENCES) -> SentenceSketch:
    """The sketch of a document given as the translated content-token set of each sentence,
    in order: empty sets are skipped, then the first ``max_sentences`` kept, each sentence
    as the sorted distinct `token_hash` values of its tokens (at most ``MAX_TOKENS``, the
    lowest)."""
    arrays = []
    for s in sentences:
        if not s:
            continue
        vals = np.unique(np.fromiter(map(token_hash, s), dtype=np.uint32, count=len(s)))
        arrays.append(vals[:MAX_TOKENS])
        if len(arrays) == max_sentences:
            break
    if not arrays:
        return EMPTY_SKETCH
    offsets = np.zeros(len(arrays) + 1, dtype=np.int32)
    np.cumsum([a.size for a in arrays], out=offsets[1:])
    return SentenceSketch(offsets, np.concatenate(arrays))


@dataclass(frozen=True)
class SketchBatch:
    """The `SentenceSketch` of every document of a batch, packed in four flat arrays (the
    layout of two Arrow list columns, one row per document): document ``d``'s sketch has
    the offsets ``offsets[offset_starts[d]:offset_starts[d + 1]]`` (its own, from 0) and the
    values ``values[value_starts[d]:value_starts[d + 1]]``.

    ``offset_starts``, ``value_starts``: ``(n + 1,)`` int64 from 0, non-decreasing;
    ``offsets``: int32; ``values``: uint32. ``batch[d]`` is a `SentenceSketch` whose arrays
    are views of these (read-only)."""

    offset_starts: np.ndarray
    offsets: np.ndarray
    value_starts: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.offset_starts.size - 1)

    def __getitem__(self, d: int) -> SentenceSketch:
        if not 0 <= d < len(self):
            raise IndexError(f"document {d} of a batch of {len(self)}")
        a, b = int(self.offset_starts[d]), int(self.offset_starts[d + 1])
        if b - a <= 1:
            return EMPTY_SKETCH
        values = self.values[self.value_starts[d] : self.value_starts[d + 1]]
        return SentenceSketch(self.offsets[a:b], values)

    def __iter__(self) -> Iterator[SentenceSketch]:
        return (self[d] for d in range(len(self)))

    @classmethod
    def of(cls, sketches: Sequence[SentenceSketch]) -> SketchBatch:
        """The sketches given, packed in order (the same sketches come back out)."""
        offset_starts = np.zeros(len(sketches) + 1, dtype=np.int64)
        value_starts = np.zeros(len(sketches) + 1, dtype=np.int64)
        np.cumsum([s.offsets.size for s in sketches], out=offset_starts[1:])
        np.cumsum([s.values.size for s in sketches], out=value_starts[1:])
        offsets = np.concatenate([s.offsets for s in sketches] or [np.zeros(0, np.int32)])
        values = np.concatenate([s.values for s in sketches] or [np.zeros(0, np.uint32)])
        return cls.of_arrays(offset_starts, offsets.astype(np.int32, copy=False), value_starts,
                             values.astype(np.uint32, copy=False))

    @classmethod
    def of_arrays(cls, offset_starts: np.ndarray, offsets: np.ndarray, value_starts: np.ndarray,
                  values: np.ndarray) -> SketchBatch:
        """The batch of these four arrays (of the dtypes above), as read-only views: not
        copied, and the caller's arrays keep their own flags."""
        return cls(*(_frozen(a.view()) for a in (offset_starts, offsets, value_starts, values)))

    def take(self, rows: np.ndarray) -> SketchBatch:
        """The sketches of documents ``rows`` (indices into this batch, repeats allowed), in
        that order, packed anew (one compiled copy)."""
        return SketchBatch.of_arrays(*_take_kernel(self.offset_starts, self.offsets,
                                                   self.value_starts, self.values,
                                                   np.asarray(rows, dtype=np.int64)))

    @classmethod
    def concat(cls, batches: Sequence[SketchBatch]) -> SketchBatch:
        """The documents of ``batches`` one after the other, packed in one batch."""
        if not batches:
            return cls.of([])
        offset_starts = [batches[0].offset_starts[:1]]
        value_starts = [batches[0].value_starts[:1]]
        o_shift = v_shift = 0
        for b in batches:
            offset_starts.append(b.offset_starts[1:] + o_shift)
            value_starts.append(b.value_starts[1:] + v_shift)
            o_shift += int(b.offset_starts[-1])
            v_shift += int(b.value_starts[-1])
        return cls.of_arrays(
            np.concatenate(offset_starts), np.concatenate([b.offsets[: b.offset_starts[-1]] for b in batches]),
            np.concatenate(value_starts), np.concatenate([b.values[: b.value_starts[-1]] for b in batches]))


@numba.njit(cache=True, nogil=True)
def _take_kernel(offset_starts, offsets, value_starts, values, rows):  # pragma: no cover
    """The four arrays of `SketchBatch.take`."""
    n = rows.size
    o_starts = np.zeros(n + 1, dtype=np.int64)
    v_starts = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        r = rows[k]
        o_starts[k + 1] = o_starts[k] + offset_starts[r + 1] - offset_starts[r]
        v_starts[k + 1] = v_starts[k] + value_starts[r + 1] - value_starts[r]
    out_offsets = np.empty(o_starts[n], dtype=np.int32)
    out_values = np.empty(v_starts[n], dtype=np.uint32)
    for k in range(n):
        r = rows[k]
        out_offsets[o_starts[k]:o_starts[k + 1]] = offsets[offset_starts[r]:offset_starts[r + 1]]
        out_values[v_starts[k]:v_starts[k + 1]] = values[value_starts[r]:value_starts[r + 1]]
    return o_starts, out_offsets, v_starts, out_values


#: Word-table values of `_sketch_codes` that are not token hashes.
_DROPPED, _END = -1, -2


def _sketch_codes(
    found: Sequence[str], lang: str, config: FingerprintConfig, translator: WordByWordTranslator,
    memo: WordMemo,
) -> np.ndarray:
    """The words and sentence ends of one text (`scan_words`: ``""`` at a sentence end) as
    int64 codes, in order: a word's `token_hash`, `_DROPPED` for a word that is no content
    token, `_END` for a sentence end. Each distinct (language, word) is translated once, kept
    in ``memo``."""
    table = memo.table(config, lang, "sketch")
    try:
        return np.fromiter(map(table.__getitem__, found), dtype=np.int64, count=len(found))
    except KeyError:  # words this process has not met yet in this language
        missing = set(found).difference(table)
        if "" in missing:
            missing.discard("")
            table[""] = _END
        tokens = memo.tokens(missing, lang, config, translator)
        for word in missing:
            token = tokens[word]
            table[word] = _DROPPED if token is None else token_hash(token)
        return np.fromiter(map(table.__getitem__, found), dtype=np.int64, count=len(found))


@numba.njit(cache=True, nogil=True)
def _pack_kernel(flat, lengths, max_sentences, max_tokens):  # pragma: no cover
    """`_pack_codes` over the concatenated codes ``flat`` of documents of ``lengths`` codes:
    ``(offset_starts, offsets, value_starts, values)`` of a `SketchBatch`."""
    n = lengths.size
    values = np.empty(flat.size, dtype=np.uint32)
    offsets = np.empty(flat.size + n, dtype=np.int32)
    offset_starts = np.zeros(n + 1, dtype=np.int64)
    value_starts = np.zeros(n + 1, dtype=np.int64)
    buf = np.empty(flat.size, dtype=np.int64)
    nv, no, p = 0, 0, 0
    for d in range(n):
        offset_starts[d], value_starts[d] = no, nv
        offsets[no] = 0
        no += 1
        end = p + lengths[d]
        sentences = 0
        while p < end and sentences < max_sentences:
            b = 0
            while p < end and flat[p] != _END:
                if flat[p] >= 0:
                    buf[b] = flat[p]
                    b += 1
                p += 1
            p += 1  # the sentence end
            if b == 0:
                continue
            buf[:b].sort()
            k = 0
            for q in range(b):
                if (q == 0 or buf[q] != buf[q - 1]) and k < max_tokens:
                    values[nv + k] = buf[q]
                    k += 1
            nv += k
            offsets[no] = nv - value_starts[d]
            no += 1
            sentences += 1
        p = end
    offset_starts[n], value_starts[n] = no, nv
    return offset_starts, offsets[:no].copy(), value_starts, values[:nv].copy()


def _pack_codes(codes: Sequence[np.ndarray], max_sentences: int) -> SketchBatch:
    """The `SketchBatch` of documents given as `_sketch_codes`: each sentence's distinct
    kept values sorted (at most ``MAX_TOKENS``, the lowest), empty sentences skipped, the
    first ``max_sentences`` sentences of each document kept (one compiled pass)."""
    lengths = np.fromiter((c.size for c in codes), dtype=np.int64, count=len(codes))
    flat = np.concatenate(codes) if codes else np.zeros(0, np.int64)
    return SketchBatch.of_arrays(*_pack_kernel(flat, lengths, max_sentences, MAX_TOKENS))


def sentence_sketches(
    texts: Sequence[str],
    langs: Sequence[str],
    config: FingerprintConfig = DEFAULT_FINGERPRINT,
    translator: Translator | None = None,
    memo: WordMemo | None = None,
    max_sentences: int = MAX_SENTENCES,
) -> list[SentenceSketch]:
    """The `SentenceSketch` of every text of a batch, ``langs`` being their languages (as
    `fingerprint_batch` detected them).

    Each sentence (`split_sentences`) becomes the set of its translated content tokens,
    exactly as `cleaners.dedup.fingerprint.document_shingles` makes a document's bag of words
    (unigrams whatever ``config.ngram``; same translation, stop words, common words dropped).
    With a `WordByWordTranslator` each distinct (language, word) is translated and hashed
    once, through ``memo`` (one per translator, shared with `fingerprint_batch`).

    Guarantees: same length and order as ``texts``; deterministic for a config and backend;
    at most ``max_sentences`` sentences per sketch; a text without content gets an empty
    sketch; the same sketches as `fingerprint_and_sketch` makes of the same texts."""
    if memo is not None:
        memo.trim()  # at a batch's start and end (`WordMemo`)
    sketches = list(_sketches(texts, langs, config, translator, memo, max_sentences))
    if memo is not None:
        memo.trim()
    return sketches


def _sketches(
    texts: Sequence[str], langs: Sequence[str], config: FingerprintConfig,
    translator: Translator | None, memo: WordMemo | None, max_sentences: int,
    scans: Sequence[Sequence[str]] | None = None,
) -> SketchBatch:
    """`sentence_sketches`, packed; ``scans``: the texts' ordered words (`scan_words`) when
    the caller has them already (word-by-word translators only)."""
    if translator is None:
        from cleaners.translate.embedded import EmbeddedTranslator

        translator = EmbeddedTranslator()
    if config.ngram != 1:
        config = dataclasses.replace(config, ngram=1)
    if not isinstance(translator, WordByWordTranslator):
        split = [split_sentences(t) for t in texts]
        flat = [s for sents in split for s in sents]
        flat_langs = [lang for sents, lang in zip(split, langs, strict=True) for _ in sents]
        sets = document_shingles(flat, flat_langs, config, translator)
        out, start = [], 0
        for sents in split:
            out.append(sketch_from_sets(sets[start : start + len(sents)], max_sentences))
            start += len(sents)
        return SketchBatch.of(out)
    memo = memo if memo is not None else WordMemo()
    if scans is None:
        scans = [scan_words(t)[0] for t in texts]
    codes = [_sketch_codes(found, lang, config, translator, memo)
             for found, lang in zip(scans, langs, strict=True)]
    return _pack_codes(codes, max_sentences)


def fingerprint_and_sketch(
    texts: Sequence[str],
    lang_hints: Sequence[str | None] | None = None,
    config: FingerprintConfig = DEFAULT_FINGERPRINT,
    translator: Translator | None = None,
    langs: Sequence[str] | None = None,
    memo: WordMemo | None = None,
    max_sentences: int = MAX_SENTENCES,
) -> tuple[Fingerprints, SketchBatch]:
    """`fingerprint_batch` of a batch and the `sentence_sketches` of its texts, packed.

    With bags of words and a `WordByWordTranslator` (the embedded lexicon), the sketches
    come from the scan that found each text's words for its shingles
    (`cleaners.lang.tokens.scan_words`) and the word translations ``memo``
    keeps; otherwise the texts are split into sentences and translated again.

    Guarantees: the fingerprints are ``fingerprint_batch(texts, lang_hints, config,
    translator, langs, memo)``'s; ``sketches[d]`` is ``sentence_sketches`` of ``texts[d]``
    in its detected language, with the same config, backend and ``max_sentences``."""
    if translator is None:
        if config.backend != "embedded":
            raise ValueError(f"fingerprint_and_sketch: pass the {config.backend!r} translator")
        from cleaners.translate.embedded import EmbeddedTranslator

        translator = EmbeddedTranslator()
    memo = memo if memo is not None else WordMemo()
    scans: list[list[str]] = []
    fp = fingerprint_batch(texts, lang_hints, config, translator, langs, memo, word_scans=scans)
    reuse = len(scans) == len(texts) and isinstance(translator, WordByWordTranslator)
    sketches = _sketches(texts, fp.langs, config, translator, memo, max_sentences,
                         scans if reuse else None)
    memo.trim()  # at the batch's end (`WordMemo`; `fingerprint_batch` trimmed it at its start)
    return fp, sketches
