"""FreeDict backend: word-by-word translation with the dictd dictionaries Debian installs.

``apt-get install dict-freedict-fra-eng dict-freedict-deu-eng dict-freedict-spa-eng`` puts
``freedict-<src>-eng.index`` and ``freedict-<src>-eng.dict.dz`` into ``/usr/share/dictd``.
This module reads them where they are, at run time (their data is GPL: it is never copied
into the project). The ``.dict.dz`` file is a *dictzip* (gzip with a random-access chunk
table), so only the chunks holding the looked-up entries are ever decompressed; a parsed
dictionary is cached once per process.

This is the one place in ``cleaners/`` that opens files: the dictionaries are system data
that cannot ship with the package. Everything else here is a pure function.

Translation of a token: the entries of its surface form and of its simplemma lemma are looked
up (dictd key normalisation: lower case, letters, digits and spaces only); multi-word
headwords (up to three words) win over single words. Among the senses found, the English
rendering kept is, in order of preference: a cognate of the source word (``gouvernement`` ->
``government``), an entry whose headword has the token's exact case or is its lemma (German
``sagen`` the verb, not ``Sagen`` the noun), the entry with most usage examples (a proxy for
the common sense), a one-word sense, the shorter word (frequent words are short), then
dictionary order. The rendering comes back as folded English lemmas (`_pivot`); a token the
dictionary does not know passes through as its folded lemma. These preferences were chosen
on WMT newstest2012 (``benchmarks/bench_translate_optional.py``).
"""

from __future__ import annotations

import difflib
import re
import struct
import threading
import unicodedata
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer, fold, words
from cleaners.translate.base import PIVOT
from cleaners.translate.iso639 import to_iso639_1
from cleaners.translate.pivot import own_tokens, pivot_tokens
from flows.errors import BackendUnavailable

DEFAULT_DICT_DIR = "/usr/share/dictd"
#: Memoised lookups and parsed entries kept per process before the memo is emptied.
_MAX_MEMO = 300_000

_B64 = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}

# Dictionary furniture inside an English sense, and lines that are not senses at all.
_LABEL_LINE = re.compile(
    r"^\s*(?:notes?|synonyms?|antonyms?|see(?: also)?|usage|examples?|also)\s*:", re.IGNORECASE
)
_EXAMPLE_LINE = re.compile(r'^\s*"')
_NUMBERING = re.compile(r"^\s*\d+\.\s*")
# A grammar tag glued to an abbreviation ("monday <n>Mon.,") takes the abbreviation with it.
_BRACKETS = re.compile(r"\[[^\]]*\]|<[^>]*>[^,;<\n]*|\([^)]*\)|\{[^}]*\}|/[^/\n]*/")
_DOMAIN_LABEL = re.compile(r"\[[^\]]*\]")
_SENSE_SPLIT = re.compile(r"[,;]")
# An abbreviation listed as a sense ("government <n>Gov., Govt., administration").
_ABBREVIATION = re.compile(r"\s*[A-Za-z]{1,5}\.\s*")
# Placeholders of dictionary style, not content: "to sth.", "sb.", German "etw.", "jdn.".
_NOISE = frozenset({"sth", "sb", "smth", "sbd", "etw", "jdn", "jdm", "jds", "qn", "qch"})


def _b64(value: str) -> int:
    n = 0
    for c in value:
        n = n * 64 + _B64[c]
    return n


_NOT_KEY = re.compile(r"[^\w\s]|_")


@lru_cache(maxsize=200_000)
def index_key(text: str) -> str:
    """The dictd index key of ``text``: lower case, only letters, digits and single spaces.

    Guarantees: the same normalisation ``dictfmt`` applies to headwords by default, so a
    surface form and its headword meet (``Micro-onde`` -> ``microonde``).
    """
    return " ".join(_NOT_KEY.sub("", text.lower()).split())


class _DictzipReader:
    """Random access into a dictzip (``.dict.dz``) file; plain ``.dict`` and ordinary gzip
    files are read whole instead. Keeps the last ``cache_chunks`` decompressed chunks
    (dictzip chunks hold about 58 KB of text: 64 chunks are about 4 MB)."""

    def __init__(self, path: Path, cache_chunks: int = 64) -> None:
        self._path = path
        self._whole: bytes | None = None
        self._chunk_len = 0
        self._chunk_offsets: list[tuple[int, int]] = []
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._cache_size = cache_chunks
        self._lock = threading.Lock()  # the chunk cache is shared by threads of one process
        with path.open("rb") as fh:
            head = fh.read(10)
            if head[:2] != b"\x1f\x8b":
                fh.seek(0)
                self._whole = fh.read()
                return
            flags = head[3]
            ra: bytes | None = None
            if flags & 4:  # FEXTRA: look for the dictzip "RA" subfield
                (xlen,) = struct.unpack("<H", fh.read(2))
                extra = fh.read(xlen)
                pos = 0
                while pos + 4 <= len(extra):
                    sub_id = extra[pos : pos + 2]
                    (sub_len,) = struct.unpack("<H", extra[pos + 2 : pos + 4])
                    if sub_id == b"RA":
                        ra = extra[pos + 4 : pos + 4 + sub_len]
                    pos += 4 + sub_len
            for flag in (8, 16):  # FNAME, FCOMMENT: zero-terminated
                if flags & flag:
                    while fh.read(1) not in (b"\x00", b""):
                        pass
            if flags & 2:  # FHCRC
                fh.read(2)
            data_start = fh.tell()
        if ra is None:
            import gzip

            with gzip.open(path) as gz:
                self._whole = gz.read()
            return
        _version, self._chunk_len, count = struct.unpack("<HHH", ra[:6])
        sizes = struct.unpack(f"<{count}H", ra[6 : 6 + 2 * count])
        offset = data_start
        for size in sizes:
            self._chunk_offsets.append((offset, size))
            offset += size

    def _chunk(self, number: int) -> bytes:
        with self._lock:
            return self._chunk_locked(number)

    def _chunk_locked(self, number: int) -> bytes:
        cached = self._cache.get(number)
        if cached is not None:
            self._cache.move_to_end(number)
            return cached
        offset, size = self._chunk_offsets[number]
        with self._path.open("rb") as fh:
            fh.seek(offset)
            raw = fh.read(size)
        data = zlib.decompressobj(-15).decompress(raw)
        self._cache[number] = data
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return data

    def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes of the uncompressed text from ``offset``."""
        if self._whole is not None:
            return self._whole[offset : offset + length]
        first = offset // self._chunk_len
        last = (offset + length - 1) // self._chunk_len if length else first
        last = min(last, len(self._chunk_offsets) - 1)  # reading past the end gives less
        blob = b"".join(self._chunk(n) for n in range(first, last + 1))
        start = offset - first * self._chunk_len
        return blob[start : start + length]


@dataclass(frozen=True, slots=True)
class Entry:
    """One dictionary entry: its headword as written, its English senses (each a tuple of
    lower-case English words), how many usage examples it gives, and its domain labels."""

    headword: str
    senses: tuple[tuple[str, ...], ...]
    examples: int
    labelled: bool


def parse_entry(text: str) -> Entry:
    """Parse one FreeDict (dictd, TEI-generated) entry.

    Guarantees: the first line is taken as the headword line (headword, IPA, grammar); notes,
    synonyms, cross-references and quoted examples are not senses; sense numbering, domain
    labels ``[pol.]``, grammar ``<n>``, parentheses and IPA are removed; senses split on
    commas and semicolons; abbreviations (``Govt.``) are not senses; a leading infinitive ``to`` and placeholders (``sth.``, ``sb.``)
    are dropped; every word is lower-cased; empty senses are omitted.
    """
    lines = text.split("\n")
    head = lines[0]
    headword = head.split(" /", 1)[0].split(" <", 1)[0].strip().rstrip("…").strip()
    senses: list[tuple[str, ...]] = []
    examples = 0
    labelled = False
    for line in lines[1:]:
        if not line.strip():
            continue
        if _EXAMPLE_LINE.match(line):
            examples += 1
            continue
        if _LABEL_LINE.match(line):
            continue
        if _DOMAIN_LABEL.search(line):
            labelled = True
        line = _BRACKETS.sub(" ", _NUMBERING.sub("", line))
        for part in _SENSE_SPLIT.split(line):
            if _ABBREVIATION.fullmatch(part):
                continue
            toks = [t.lower() for t in words(part)]
            toks = [t for t in toks if t not in _NOISE]
            if len(toks) > 1 and toks[0] == "to":
                toks = toks[1:]
            if toks:
                senses.append(tuple(toks))
    return Entry(headword, tuple(senses), examples, labelled)


class DictdDictionary:
    """A dictd database (``name.index`` + ``name.dict.dz``), looked up by headword key."""

    def __init__(self, index_path: Path, data_path: Path) -> None:
        self.index_path = index_path
        text = index_path.read_text(encoding="utf-8", errors="replace")
        index: dict[str, str] = {}
        for line in text.split("\n"):
            key, _, rest = line.partition("\t")
            if not rest or key.startswith("00database") or key.startswith("00-database"):
                continue
            if key in index:
                index[key] += "\n" + rest
            else:
                index[key] = rest
        self._index = index
        #: First words of multi-word headwords: where a longer match is worth trying.
        self.multi_first: frozenset[str] = frozenset(k.split(" ", 1)[0] for k in index if " " in k)
        self._data = _DictzipReader(data_path)
        self._entries: dict[str, tuple[Entry, ...]] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self._index)

    def _refs(self, key: str) -> list[tuple[int, int]]:
        raw = self._index.get(key)
        if raw is None:
            return []
        refs = []
        for ref in raw.split("\n"):
            off, _, length = ref.partition("\t")
            refs.append((_b64(off), _b64(length.strip())))
        return refs

    def _parse(self, key: str, offset: int, length: int) -> Entry | None:
        entry = parse_entry(self._data.read(offset, length).decode("utf-8", errors="replace"))
        # Abbreviations and variants are filed under other keys ("am" holds
        # "Amplitudenmodulation"): only entries whose own headword is the key count.
        return entry if index_key(entry.headword) == key else None

    def prefetch(self, keys: Iterable[str]) -> None:
        """Parse the entries of ``keys`` now, reading the file front to back, so that each
        compressed chunk is decompressed about once per batch instead of once per lookup
        (entries of one headword can lie far apart)."""
        if len(self._entries) > _MAX_MEMO:  # long-lived workers: keep memory bounded
            self._entries.clear()
        todo: list[tuple[int, int, str, int]] = []
        for key in set(keys):
            if key not in self._entries:
                todo.extend(
                    (off, length, key, i) for i, (off, length) in enumerate(self._refs(key))
                )
        parsed: dict[str, dict[int, Entry | None]] = {}
        for off, length, key, i in sorted(todo):
            parsed.setdefault(key, {})[i] = self._parse(key, off, length)
        for key, by_position in parsed.items():
            ordered = (by_position[i] for i in sorted(by_position))
            self._entries[key] = tuple(e for e in ordered if e is not None)

    def entries(self, key: str) -> tuple[Entry, ...]:
        """The parsed entries whose headword has the index key ``key`` (see `index_key`), in
        dictionary order; empty when there are none. Memoised."""
        cached = self._entries.get(key)
        if cached is not None:
            return cached
        found = (self._parse(key, off, length) for off, length in self._refs(key))
        result = tuple(e for e in found if e is not None)
        self._entries[key] = result
        return result


@cache
def load_dictionary(index_path: str) -> DictdDictionary:
    """The dictd dictionary whose index is ``index_path``, parsed once per process.

    Raises `FileNotFoundError` when neither ``.dict.dz`` nor ``.dict`` sits next to it.
    """
    index = Path(index_path)
    base = index.with_suffix("")
    for data in (base.with_suffix(".dict.dz"), base.with_suffix(".dict")):
        if data.exists():
            return DictdDictionary(index, data)
    raise FileNotFoundError(f"no .dict.dz or .dict next to {index}")


def find_dictionaries(dict_dir: str | Path = DEFAULT_DICT_DIR) -> dict[str, Path]:
    """``{iso639-1 source language: index path}`` of the FreeDict ``*-eng`` dictionaries in
    ``dict_dir``. Empty when the directory is missing or holds none."""
    found: dict[str, Path] = {}
    directory = Path(dict_dir)
    if not directory.is_dir():
        return found
    for index in sorted(directory.glob("freedict-*-eng.index")):
        src = index.name[len("freedict-") : -len("-eng.index")]
        code = to_iso639_1(src)
        has_data = index.with_suffix(".dict.dz").exists() or index.with_suffix(".dict").exists()
        if code and code != PIVOT and has_data:
            found[code] = index
    return found




@lru_cache(maxsize=200_000)
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def choose_rendering(token: str, lemma: str, entries: Sequence[Entry]) -> tuple[str, ...]:
    """The English words kept for ``token`` (whose lemma is ``lemma``) among ``entries``.

    Guarantees: deterministic; empty only when no entry has a sense; preference order as in
    the module docstring (cognate, exact-case headword, most examples, one-word sense, shorter
    word, dictionary order).
    """
    folded = _fold(lemma)
    best: tuple[tuple[float, int, int, int, int, int], tuple[str, ...]] | None = None
    rank = 0
    for entry in entries:
        case_match = int(entry.headword in (token, lemma))
        for sense in entry.senses:
            rank += 1
            cognate = 0.0
            word = sense[0]
            if (
                len(sense) == 1
                and len(word) >= 4
                and len(folded) >= 4
                and abs(len(word) - len(folded)) <= 0.4 * len(folded)
                and _fold(word)[0] == folded[0]
            ):
                matcher = difflib.SequenceMatcher(None, folded, _fold(word))
                if matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8:
                    ratio = matcher.ratio()
                    cognate = ratio if ratio >= 0.8 else 0.0
            single = len(sense) == 1
            key = (
                cognate,
                case_match,
                entry.examples,
                int(single),
                -len(word) if single else -99,
                -rank,
            )
            if best is None or key > best[0]:
                best = (key, sense)
    return best[1] if best else ()


class FreeDictBackend:
    """Word-by-word translation with installed FreeDict ``<src>-eng`` dictionaries.

    Options: ``dict_dir`` (default ``/usr/share/dictd``), ``languages`` (restrict to these
    ISO 639-1 codes). Raises `BackendUnavailable` when no dictionary is installed there.
    """

    name = "freedict"

    def __init__(
        self, dict_dir: str | Path = DEFAULT_DICT_DIR, languages: Sequence[str] | None = None,
        lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER,
    ) -> None:
        self.lemmatizer = lemmatizer
        found = find_dictionaries(dict_dir)
        if languages is not None:
            found = {k: v for k, v in found.items() if k in set(languages)}
        if not found:
            raise BackendUnavailable(
                f"no FreeDict *-eng dictionary in {dict_dir} "
                "(apt-get install dict-freedict-fra-eng dict-freedict-deu-eng dict-freedict-spa-eng)"
            )
        self._paths = found
        self._memo: dict[tuple[str, str], tuple[str, ...] | None] = {}

    def languages(self) -> frozenset[str]:
        """Source languages with an installed ``<src>-eng`` dictionary."""
        return frozenset(self._paths)

    def _dictionary(self, lang: str) -> DictdDictionary:
        return load_dictionary(str(self._paths[lang]))

    def _lookup(self, dictionary: DictdDictionary, token: str, lang: str) -> tuple[str, ...] | None:
        """The English rendering of ``token`` as pivot tokens (folded English lemmas), or
        ``None`` when the dictionary has neither the token nor its lemma. Memoised."""
        memo_key = (lang, token)
        if memo_key in self._memo:
            return self._memo[memo_key]
        key = index_key(token)
        lemma = self.lemmatizer.simplemma_lemma(token, lang)
        lemma_key = index_key(lemma)
        entries = dictionary.entries(key) if key else ()
        if lemma_key and lemma_key != key:
            # The lemma's entries compete too: an inflected form's own entries are often
            # thin ("Häuser": establishments, houses) where the lemma's show the common sense.
            entries = (*entries, *dictionary.entries(lemma_key))
        rendering = choose_rendering(token, lemma, entries) if entries else ()
        result = tuple(pivot_tokens(rendering, self.lemmatizer)) if rendering else None
        self._memo[memo_key] = result
        return result

    def _prefetch(self, dictionary: DictdDictionary, tokenized: list[list[str]], lang: str) -> None:
        """Read every entry the batch will need, surface forms and lemmas, in file order."""
        fresh = {
            t for toks in tokenized for t in toks if not t.isdigit() and (lang, t) not in self._memo
        }
        dictionary.prefetch(
            [*(index_key(t) for t in fresh), *(index_key(self.lemmatizer.simplemma_lemma(t, lang)) for t in fresh)]
        )

    def translate(self, texts: Sequence[str], lang: str) -> list[list[str]]:
        """English tokens of each text, word by word through the ``lang``-eng dictionary.

        Guarantees: one list per text, in order; deterministic; English renderings come as
        folded English lemmas (`cleaners.translate.pivot`); numbers pass through, unknown
        words as their folded ``lang`` lemma; for ``lang`` without a dictionary (or English)
        the text's own folded lemmas.
        """
        if lang == PIVOT or lang not in self._paths:
            return [own_tokens(text, lang, self.lemmatizer) for text in texts]
        dictionary = self._dictionary(lang)
        if len(self._memo) > _MAX_MEMO:  # long-lived workers: keep memory bounded
            self._memo.clear()
        tokenized = [words(text) for text in texts]
        self._prefetch(dictionary, tokenized, lang)
        out: list[list[str]] = []
        for toks in tokenized:
            result: list[str] = []
            i = 0
            while i < len(toks):
                tok = toks[i]
                if tok.isdigit():
                    result.append(tok)
                    i += 1
                    continue
                matched = False
                if index_key(tok) in dictionary.multi_first:
                    for n in (3, 2):
                        if i + n > len(toks):
                            continue
                        phrase = " ".join(toks[i : i + n])
                        key = index_key(phrase)
                        if key in dictionary:
                            rendering = self._lookup(dictionary, phrase, lang)
                            if rendering:
                                result.extend(rendering)
                                i += n
                                matched = True
                                break
                if matched:
                    continue
                rendering = self._lookup(dictionary, tok, lang)
                result.extend(rendering if rendering else (fold(self.lemmatizer.simplemma_lemma(tok, lang)),))
                i += 1
            out.append(result)
        return out
