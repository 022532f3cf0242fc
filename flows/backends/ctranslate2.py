"""CTranslate2 backend: neural translation with a converted model the user supplies.

Typical models are OPUS-MT (Marian) models converted once, offline, by the user::

    pip install 'news-curate[ct2]' transformers sentencepiece torch   # converter only
    ct2-transformers-converter --model Helsinki-NLP/opus-mt-fr-en \\
        --output_dir models/fr --copy_files source.spm target.spm

Nothing is ever downloaded here: the backend loads model directories that already exist.

``model_dir`` (option, else the ``CURATE_CT2_MODEL_DIR`` environment variable) is either one
model directory (it holds ``model.bin``) or a folder of them, one per source language. A model's source language comes from the ``languages`` option, else from
its folder name (``fr``, ``fr-en``, ``opus-mt-fr-en``, ``fra-eng``). Tokenisation is found in
the model directory: ``source.spm``/``target.spm`` (Marian style: the source gets ``</s>``
appended), else one shared SentencePiece model (``sentencepiece.model``, ``spm.model``,
``sentencepiece.bpe.model``), else plain whitespace tokens (words and punctuation split).
Documents are split into sentences, and all sentences of a batch are translated in one
``translate_batch`` call (greedy by default).

This module loads the model files (with CTranslate2 and SentencePiece) and the model's
``config.json``; it reads nothing else.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer, words
from cleaners.translate.base import PIVOT
from cleaners.translate.iso639 import to_iso639_1
from cleaners.translate.pivot import own_tokens, pivot_tokens
from flows.errors import BackendUnavailable

#: Environment variable read when no ``model_dir`` option is given (the command line has no
#: per-backend options: ``CURATE_CT2_MODEL_DIR=models curate run --translator ctranslate2``).
#: The environment variable read when no ``model_dir`` option is given (`flows.settings.Environment`).
MODEL_DIR_ENV = "CURATE_CT2_MODEL_DIR"
_SHARED_SPM = ("sentencepiece.model", "spm.model", "sentencepiece.bpe.model")
_DIR_LANG = re.compile(r"(?:^|[-_.])([a-z]{2,3})[-_](?:en|eng)$")
# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) before a space;
# a line break always ends one.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”»)\]]*\s+|\n+")
_WS_TOKEN = re.compile(r"\w+|[^\w\s]")
# Vocabulary entries that are not words: never part of a translation.
_SPECIAL = frozenset({"<unk>", "<s>", "</s>", "<pad>", "<blank>"})


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``: split after ``. ! ? …`` followed by white space, and at line
    breaks. Guarantees: no empty or all-space sentence; the concatenated sentences keep every
    word of ``text`` in order."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def language_of_dir(name: str) -> str | None:
    """The source language encoded in a model folder name (``opus-mt-fr-en`` -> ``fr``,
    ``fr`` -> ``fr``), or ``None``."""
    name = name.lower()
    if re.fullmatch(r"[a-z]{2,3}", name):
        code = to_iso639_1(name)
    else:
        m = _DIR_LANG.search(name)
        code = to_iso639_1(m.group(1)) if m else None
    return code if code != PIVOT else None


@dataclass(frozen=True, slots=True)
class _Tokenizer:
    encode: Callable[[str], list[str]]
    decode: Callable[[list[str]], str]
    kind: str


def _sentencepiece(path: Path) -> Any:
    try:
        import sentencepiece
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BackendUnavailable(
            f"{path} needs the sentencepiece package (pip install 'news-curate[ct2]')"
        ) from exc
    return sentencepiece.SentencePieceProcessor(model_file=str(path))


def _tokenizer_for(model_dir: Path) -> _Tokenizer:
    src_spm, tgt_spm = model_dir / "source.spm", model_dir / "target.spm"
    if src_spm.exists():
        source = _sentencepiece(src_spm)
        target = _sentencepiece(tgt_spm) if tgt_spm.exists() else source
        return _Tokenizer(
            lambda s: [*source.encode(s, out_type=str), "</s>"], target.decode_pieces, "marian-spm"
        )
    for name in _SHARED_SPM:
        if (model_dir / name).exists():
            shared = _sentencepiece(model_dir / name)
            return _Tokenizer(
                functools.partial(shared.encode, out_type=str), shared.decode_pieces, "spm"
            )
    return _Tokenizer(_WS_TOKEN.findall, " ".join, "whitespace")


@functools.lru_cache(maxsize=16)
def _load(
    model_dir: str, device: str, compute_type: str, inter_threads: int, intra_threads: int
) -> Any:
    import ctranslate2

    return ctranslate2.Translator(
        model_dir, device=device, compute_type=compute_type,
        inter_threads=inter_threads, intra_threads=intra_threads,
    )  # fmt: skip


def _source_eos_added(model_dir: Path) -> bool:
    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(config.get("add_source_eos"))


class CTranslate2Backend:
    """Translation into English with CTranslate2 models found under ``model_dir``.

    Options: ``model_dir`` (required; else the ``CURATE_CT2_MODEL_DIR`` environment
    variable), ``languages`` (source languages of a single model
    directory, e.g. ``["fr"]``, or several for a multilingual ``mul-en`` model; also restricts
    a folder of models), ``device`` (``cpu``), ``compute_type`` (``default``; ``int8`` is
    faster on CPU), ``beam_size`` (1 = greedy), ``max_batch_size`` (sentences per forward
    pass), ``max_decoding_length`` (cap on output tokens per sentence), ``inter_threads``,
    ``intra_threads``. Raises `BackendUnavailable` when ctranslate2 is not installed or no
    loadable model is found.
    """

    name = "ctranslate2"

    def __init__(
        self,
        model_dir: str | Path | None = None,
        languages: Sequence[str] | None = None,
        device: str = "cpu",
        compute_type: str = "default",
        beam_size: int = 1,
        max_batch_size: int = 32,
        max_decoding_length: int = 256,
        inter_threads: int = 1,
        intra_threads: int = 0,
        lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER,
    ) -> None:
        self.lemmatizer = lemmatizer
        try:
            import ctranslate2  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailable(
                "ctranslate2 is not installed (pip install 'news-curate[ct2]')"
            ) from exc
        if model_dir is None:
            from flows.settings import environment

            model_dir = environment().ct2_model_dir
        if model_dir is None:
            raise BackendUnavailable(
                f"no model_dir given and {MODEL_DIR_ENV} is not set "
                "(a CTranslate2 model directory, e.g. a converted OPUS-MT model)"
            )
        root = Path(model_dir)
        if not root.is_dir():
            raise BackendUnavailable(f"model directory {root} does not exist")
        wanted = list(languages) if languages is not None else None
        found: dict[str, Path] = {}
        if (root / "model.bin").exists():
            langs = wanted if wanted is not None else [language_of_dir(root.name)]
            if not langs or None in langs:
                raise BackendUnavailable(
                    f"cannot tell the source language of the model in {root}: pass languages=['fr'] "
                    "or name the folder after it (fr, opus-mt-fr-en)"
                )
            found = {str(lang): root for lang in langs}
        else:
            for sub in sorted(p for p in root.iterdir() if (p / "model.bin").exists()):
                lang = language_of_dir(sub.name)
                if lang and (wanted is None or lang in wanted):
                    found.setdefault(lang, sub)
        found = {k: v for k, v in found.items() if k != PIVOT}
        if not found:
            raise BackendUnavailable(
                f"no CTranslate2 model (model.bin) for a known source language under {root}"
            )
        self._dirs = found
        self._options = (device, compute_type, inter_threads, intra_threads)
        self._beam_size = beam_size
        self._max_batch_size = max_batch_size
        self._max_decoding_length = max_decoding_length
        self._tokenizers: dict[Path, _Tokenizer] = {}
        for path in set(found.values()):
            try:
                _load(str(path), *self._options)
            except (RuntimeError, ValueError, OSError) as exc:
                raise BackendUnavailable(
                    f"cannot load the CTranslate2 model in {path}: {exc}"
                ) from exc
            tok = _tokenizer_for(path)
            if tok.kind == "marian-spm" and _source_eos_added(path):
                tok = _Tokenizer(lambda s, enc=tok.encode: enc(s)[:-1], tok.decode, "spm")
            self._tokenizers[path] = tok

    def languages(self) -> frozenset[str]:
        """Source languages a loaded model translates into English."""
        return frozenset(self._dirs)

    def translate_raw(self, texts: Sequence[str], lang: str) -> list[str]:
        """The English text of each text: its sentences translated and joined by spaces.

        Guarantees: one string per text, in order; all sentences of the batch go through one
        ``translate_batch`` call; texts of a language without a model come back unchanged.
        """
        path = self._dirs.get(lang)
        if path is None:
            return list(texts)
        tok = self._tokenizers[path]
        sentences: list[list[str]] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for sentence in split_sentences(text):
                pieces = tok.encode(sentence)
                if pieces:
                    sentences.append(pieces)
                    owner.append(i)
        outputs: list[list[str]] = [[] for _ in texts]
        if not sentences:
            return ["" for _ in texts]
        longest = max(len(s) for s in sentences)
        results = _load(str(path), *self._options).translate_batch(
            sentences,
            beam_size=self._beam_size,
            max_batch_size=self._max_batch_size,
            max_decoding_length=min(self._max_decoding_length, 2 * longest + 10),
        )
        for i, result in zip(owner, results, strict=True):
            pieces = [p for p in result.hypotheses[0] if p not in _SPECIAL]
            outputs[i].append(tok.decode(pieces))
        return [" ".join(parts) for parts in outputs]

    def translate(self, texts: Sequence[str], lang: str) -> list[list[str]]:
        """English tokens of each text, translated sentence by sentence by the ``lang`` model.

        Guarantees: one list per text, in order; deterministic for greedy or beam search on
        one device; tokens are folded English lemmas (`cleaners.translate.pivot`); for
        ``lang`` without a model (or English) the text's own folded lemmas.
        """
        if lang == PIVOT or lang not in self._dirs:
            return [own_tokens(text, lang, self.lemmatizer) for text in texts]
        return [pivot_tokens(words(out), self.lemmatizer) for out in self.translate_raw(texts, lang)]
