"""Apertium backend: rule-based machine translation with the ``apertium`` binary.

Uses the language pairs installed from Debian (``apt-get install apertium apertium-eng-spa
apertium-fr-es``). A language without a direct pair into English is chained through other
pairs, shortest route first: French goes ``fr-es`` then ``spa-eng``. The pair data is read
where Debian installs it (it is GPL: never copied into the project).

Batching: one ``apertium`` run per hop for the whole batch, not one per document. Documents are
HTML-escaped and joined with an ``<hr>`` tag, and Apertium runs with its HTML deformatter
(``-f html``), which passes tags through untouched as "superblanks": the separators survive
every stage of the pipeline and cannot be translated, merged or reordered. If the count of
separators in the output ever differs from the input, the batch is redone one document at a
time rather than misaligning documents.

This module starts subprocesses (it reads no files itself); everything else is pure.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections import deque
from collections.abc import Sequence
from functools import lru_cache

from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer, words
from cleaners.translate.base import PIVOT, Translator
from cleaners.translate.iso639 import to_iso639_1
from cleaners.translate.pivot import own_tokens, pivot_tokens
from flows.errors import BackendFailed, BackendUnavailable

SEPARATOR = '<hr class="curate-doc-separator"/>'
_SEPARATOR_OUT = re.compile(r'<hr class="curate-doc-separator"\s*/?>')
_MODE = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})$")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    return env


def _base_cmd(binary: str, data_dir: str | None) -> list[str]:
    return [binary, *(["-d", data_dir] if data_dir else [])]


@lru_cache(maxsize=8)
def list_modes(binary: str = "apertium", data_dir: str | None = None) -> tuple[str, ...]:
    """The translation modes ``apertium -l`` lists (e.g. ``fr-es``, ``spa-eng``).

    Guarantees: cached per process; empty when the binary fails.
    """
    try:
        proc = subprocess.run(
            [*_base_cmd(binary, data_dir), "-l"],
            capture_output=True, text=True, timeout=60, env=_env(), check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(line.strip() for line in proc.stdout.splitlines() if line.strip())


def routes_to_pivot(modes: Sequence[str], max_hops: int = 3) -> dict[str, tuple[str, ...]]:
    """``{source language: modes to chain}`` reaching English from every language the modes
    allow, shortest chain first (ties: the order of ``modes``).

    Guarantees: only plain ``xx-yy`` / ``xxx-yyy`` modes are used (variants such as
    ``spa-eng_US`` or ``eco-fr-es`` are ignored); languages are ISO 639-1 codes; English
    itself is not a key; at most ``max_hops`` modes per route.
    """
    into: dict[str, list[tuple[str, str]]] = {}  # target -> [(source, mode)]
    for mode in modes:
        m = _MODE.match(mode)
        if not m:
            continue
        src, tgt = to_iso639_1(m.group(1)), to_iso639_1(m.group(2))
        if src and tgt and src != tgt:
            into.setdefault(tgt, []).append((src, mode))
    # Breadth-first search backwards from English.
    routes: dict[str, tuple[str, ...]] = {PIVOT: ()}
    queue: deque[str] = deque([PIVOT])
    while queue:
        tgt = queue.popleft()
        if len(routes[tgt]) >= max_hops:
            continue
        for src, mode in into.get(tgt, []):
            if src not in routes:
                routes[src] = (mode, *routes[tgt])
                queue.append(src)
    del routes[PIVOT]
    return routes


class ApertiumBackend:
    """Rule-based translation into English with the installed Apertium pairs.

    Options: ``binary`` (default ``apertium``), ``data_dir`` (Apertium's ``-d``; default: the
    system modes), ``languages`` (restrict to these ISO 639-1 codes), ``timeout`` (seconds per
    hop per batch; default 300 s plus 1 s per 2,000 characters, some 25 times the CPU time
    measured for French on WMT news). Raises `BackendUnavailable` when the binary or any route to English is
    missing.
    """

    name = "apertium"

    def __init__(
        self,
        binary: str = "apertium",
        data_dir: str | None = None,
        languages: Sequence[str] | None = None,
        timeout: float | None = None,
        lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER,
    ) -> None:
        self.lemmatizer = lemmatizer
        found = shutil.which(binary)
        if found is None:
            raise BackendUnavailable(
                f"the {binary!r} binary is not installed (apt-get install apertium)"
            )
        self._binary = found
        self._data_dir = data_dir
        self._timeout = timeout
        routes = routes_to_pivot(list_modes(found, data_dir))
        if languages is not None:
            routes = {k: v for k, v in routes.items() if k in set(languages)}
        if not routes:
            raise BackendUnavailable(
                "no Apertium pair leads to English here "
                "(apt-get install apertium-eng-spa apertium-fr-es)"
            )
        self._routes = routes

    def languages(self) -> frozenset[str]:
        """Source languages with a chain of installed pairs into English."""
        return frozenset(self._routes)

    def route(self, lang: str) -> tuple[str, ...]:
        """The Apertium modes chained to translate ``lang`` into English (empty if none)."""
        return self._routes.get(lang, ())

    def _run(self, mode: str, payload: str) -> str:
        proc = subprocess.run(
            [*_base_cmd(self._binary, self._data_dir), "-u", "-f", "html", mode],
            input=payload, capture_output=True, text=True,
            timeout=self._timeout if self._timeout is not None else 300 + len(payload) / 2000,
            env=_env(), check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise BackendFailed(
                f"apertium {mode} failed ({proc.returncode}): {proc.stderr.strip()[:500]}"
            )
        return proc.stdout

    def translate_raw(self, texts: Sequence[str], lang: str) -> list[str]:
        """The English text of each text (Apertium's output, unknown words unmarked).

        Guarantees: one string per text, in order; one subprocess per hop for the whole batch
        (one per text only if Apertium ever loses a separator).
        """
        route = self._routes.get(lang)
        if not texts:
            return []
        if not route:
            return list(texts)
        payload = f"\n{SEPARATOR}\n".join(html.escape(t, quote=False) for t in texts)
        for mode in route:
            payload = self._run(mode, payload)
        parts = _SEPARATOR_OUT.split(payload)
        if len(parts) != len(texts):
            if len(texts) == 1:
                parts = [payload]
            else:
                return [self.translate_raw([t], lang)[0] for t in texts]
        return [html.unescape(p).strip() for p in parts]

    def translate(self, texts: Sequence[str], lang: str) -> list[list[str]]:
        """English tokens of each text, translated by Apertium along `route` (``lang``).

        Guarantees: one list per text, in order; deterministic; tokens are folded English
        lemmas (`cleaners.translate.pivot`), words Apertium does not know pass through the
        same way; for ``lang`` without a route (or English) the text's own folded lemmas.
        """
        if lang == PIVOT or lang not in self._routes:
            return [own_tokens(text, lang, self.lemmatizer) for text in texts]
        return [pivot_tokens(words(out), self.lemmatizer) for out in self.translate_raw(texts, lang)]


class ApertiumFreeDictBackend:
    """Apertium where it has a route into English, FreeDict for the other languages.

    With the Debian packages of ``scripts/install_optional_backends.sh`` this is Apertium for
    fr and es and FreeDict for de (Debian has no German-English Apertium pair). Options:
    ``apertium`` and ``freedict``, dicts of options for each. Raises `BackendUnavailable` only
    when neither can run; with one of them missing it is that one alone.
    """

    name = "apertium+freedict"

    def __init__(
        self,
        apertium: dict[str, object] | None = None,
        freedict: dict[str, object] | None = None,
        lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER,
    ) -> None:
        self.lemmatizer = lemmatizer
        from flows.backends.freedict import FreeDictBackend

        self._backends: list[Translator] = []
        reasons = []
        for factory, options in ((ApertiumBackend, apertium), (FreeDictBackend, freedict)):
            try:
                self._backends.append(factory(**(options or {}), lemmatizer=lemmatizer))  # type: ignore[arg-type]
            except BackendUnavailable as exc:
                reasons.append(str(exc))
        if not self._backends:
            raise BackendUnavailable("; ".join(reasons))

    def languages(self) -> frozenset[str]:
        """Languages either backend translates."""
        return frozenset().union(*(b.languages() for b in self._backends))

    def backend_for(self, lang: str) -> Translator | None:
        """The backend that translates ``lang`` (Apertium first), or ``None``."""
        return next((b for b in self._backends if lang in b.languages()), None)

    def translate(self, texts: Sequence[str], lang: str) -> list[list[str]]:
        """English tokens of each text from `backend_for` (``lang``).

        Guarantees: those of the chosen backend; for English or a language neither translates,
        the text's own folded lemmas (the same for both backends).
        """
        backend = self.backend_for(lang) if lang != PIVOT else None
        if backend is None:
            return [own_tokens(text, lang, self.lemmatizer) for text in texts]
        return backend.translate(texts, lang)
