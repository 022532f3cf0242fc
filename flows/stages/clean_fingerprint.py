"""The clean and fingerprint stage: one staged batch cleaned, then language, translation and
MinHash; and the set-up of the worker processes that run it."""

from __future__ import annotations

import contextlib
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cleaners.dedup import DEFAULT_FINGERPRINT, FingerprintConfig, WordMemo, fingerprint_batch
from cleaners.dedup.align import SketchBatch, fingerprint_and_sketch
from cleaners.edits import Edit, EditKind, summary_count
from cleaners.lang.langid import detect_languages, preload
from cleaners.record import is_blank
from cleaners.text.clean import (
    CleanConfig,
    CleanResult,
    MarkupTooDeep,
    clean_batch,
    clean_text,
    clean_title,
)
from cleaners.translate import Translator
from flows.backends import get_translator
from flows.backends.langid_cache import process_language_model
from flows.backends.lemma_cache import process_lemmatizer
from flows.quarantine import QuarantineTally, QuarantineWriter, Stage, quarantine_row
from flows.schema import SKETCH_FIELDS, STAGED_SCHEMA, signature_column
from flows.settings import DEFAULTS
from flows.staged import read_staged, write_staged


@dataclass
class CleanSummary:
    """What the clean stage did to one batch."""

    rows: int
    quarantine: QuarantineTally
    edits_by_kind: dict[str, int]
    promos: list[str]
    shortcodes: list[str]
    seconds: float = 0.0  # time spent cleaning the batch (its own work)
    cpu_seconds: float = 0.0  # CPU time of the thread that did it (not other tasks')
    quarantine_files: list[str] = field(default_factory=list)  # its staged quarantine rows


#: What removed the whole text, by the kind of the edits that removed something.
_REMOVED_AS = {EditKind.SHORTCODE: "shortcodes", EditKind.HTML: "markup", EditKind.PROMO: "promos"}


#: A promo edit whose detail is one address alone: a line holding a bare link (a video or a
#: page WordPress embeds from its address).
_BARE_LINK = re.compile(r"(?:https?://|www\.)\S+")


def _removed_as(edit: Edit) -> str:
    if edit.kind is EditKind.PROMO and _BARE_LINK.fullmatch(edit.detail.strip()):
        return "bare links"
    return _REMOVED_AS[edit.kind]


def empty_text_reason(edits: list[Edit]) -> str:
    """The quarantine reason of a text that cleaning left empty, from its edits: what the text
    was made of (``shortcodes``, ``markup``, ``promos``, ``bare links`` when a promo removed
    was an address alone, in the order they were removed), then
    the first edits' details, e.g. ``no text left after cleaning (all of it was shortcodes):
    shortcode: removed gallery ids="1,2,3"``. One line, at most about 700 characters."""
    made_of = list(dict.fromkeys(_removed_as(e) for e in edits if e.kind in _REMOVED_AS))
    what = "/".join(made_of) if made_of else "spaces once entities and encoding were decoded"
    details = "; ".join(" ".join(f"{e.kind}: {e.detail[:120]}".split()) for e in edits[:5])
    reason = f"no text left after cleaning (all of it was {what})"
    return f"{reason}: {details}" if details else reason


def text_too_large_reason(chars: int, max_text_chars: int) -> str:
    """The quarantine reason of a cleaned text over the ``--max-text-chars`` limit (one line)."""
    return (f"text too large after cleaning: {chars:,} characters of extracted text "
            f"(limit {max_text_chars:,}; raise --max-text-chars)")


_TitleResult = CleanResult | Exception | None


def _clean_titles(titles: list[str | None], urls: list[str | None], shown: list[bool],
                  cfg: CleanConfig) -> list[_TitleResult]:
    """`clean_title` of each title with its url (None: no site's name is cut), ``shown`` when
    it is the text its page shows (not read as markup again), None for a missing title, the
    exception if it raised."""
    out: list[_TitleResult] = []
    for title, url, text in zip(titles, urls, shown, strict=True):
        if title is None:
            out.append(None)
            continue
        try:
            out.append(clean_title(title, cfg, url, shown=text))
        except Exception as exc:  # a cleaner bug: that row is quarantined with the reason
            out.append(exc)
    return out


def clean_table(table: pa.Table, run_id: str, ingested_at: datetime,
                config: CleanConfig | None = None,
                max_text_chars: int = DEFAULTS.max_text_chars,
                ) -> tuple[pa.Table, CleanSummary, list[dict[str, Any]]]:
    """Clean one staged batch: the rows with their cleaned text, cleaned title and edits, the
    summary, and the quarantine rows (at most one per input row).

    Guarantees: every input row is either in the output (same columns, order kept) or
    quarantined with a one-line reason: markup nested too deep to parse (`MarkupTooDeep`), a
    cleaner that fails on its text or title, no text
    left (`empty_text_reason`: what the text was made of), or a cleaned text longer than
    ``max_text_chars`` characters (`text_too_large_reason`; the limit applies to the extracted
    text, the read stage only guards the raw field, see `flows.stages.read`). The title goes
    through `clean_title` with the record's url (one line, without the site's name its url
    spells, unless it is a CMS post's own, ``title_is_headline``; ``None`` when nothing is left
    of it; a record without one takes its web page's
    own title, found by the text's cleaning) and its edits are appended to
    the row's ``edits`` after the text's, each detail starting with ``"title: "``. A quarantine
    row carries the record's position in its file (the staged ``record_index``).
    """
    started, cpu = time.perf_counter(), time.thread_time()
    texts = table.column("text").to_pylist()
    hints = table.column("lang_hint").to_pylist()
    cfg = config or CleanConfig()
    results: list[Any]
    try:
        results = clean_batch(texts, hints, cfg, process_lemmatizer(),
                              langid_model=process_language_model())
    except Exception:  # a cleaner bug: quarantine the record(s) it fails on, keep the others
        results = []
        for text, hint in zip(texts, hints, strict=True):
            try:
                results.append(clean_text(text, hint, cfg, process_lemmatizer(),
                                          langid_model=process_language_model()))
            except Exception as exc:
                results.append(exc)
    # a record without a title takes the one its page gives itself (found in the same parse)
    own = [t if t and t.strip() else None for t in table.column("title").to_pylist()]
    titles = _clean_titles([t if t else getattr(r, "title", None)
                            for t, r in zip(own, results, strict=True)],
                           # a CMS post's own title names no site (its page's <title> may)
                           [None if headline and t else url for url, headline, t in zip(
                               table.column("url").to_pylist(),
                               table.column("title_is_headline").to_pylist(), own,
                               strict=True)],
                           [not t for t in own],  # the page's own: text its parser read
                           cfg)
    keep: list[int] = []
    new_texts: list[str] = []
    new_titles: list[str | None] = []
    new_edits: list[list[dict[str, str]]] = []
    quarantine: list[dict[str, Any]] = []
    kinds: Counter[str] = Counter()
    promos: list[str] = []
    shortcodes: list[str] = []
    old_edits = table.column("edits").to_pylist()
    positions = table.column("record_index").to_pylist()
    for i, res in enumerate(results):
        title = titles[i]
        reason = None
        if isinstance(res, Exception):
            reason = (str(res) if isinstance(res, MarkupTooDeep) else
                      f"cleaner failed: {type(res).__name__}: {' '.join(str(res)[:300].split())}")
        elif is_blank(res.text):
            reason = empty_text_reason(res.edits)
        elif len(res.text) > max_text_chars:
            reason = text_too_large_reason(len(res.text), max_text_chars)
        elif isinstance(title, Exception):
            reason = (f"cleaner failed on the title: {type(title).__name__}: "
                      f"{' '.join(str(title)[:300].split())}")
        if reason is not None or isinstance(res, Exception) or isinstance(title, Exception):
            quarantine.append(quarantine_row(
                table.column("source_file")[i].as_py(), positions[i], Stage.CLEAN, reason or "",
                run_id, ingested_at, texts[i], table.column("source_id")[i].as_py()))
            continue
        title_edits = title.edits if title is not None else []
        keep.append(i)
        new_texts.append(res.text)
        new_titles.append((title.text or None) if title is not None else None)  # "" -> None
        new_edits.append((old_edits[i] or []) + [e.as_dict() for e in [*res.edits, *title_edits]])
        for e in [*res.edits, *title_edits]:
            more = summary_count(e)  # a summarised log's last edit of a kind counts the rest
            kinds[e.kind] += 1 if more is None else more
            if more is None and e.kind == EditKind.PROMO:
                promos.append(e.detail[:200])
            elif more is None and e.kind == EditKind.SHORTCODE:
                shortcodes.append(e.detail[:200])
    out = table.take(pa.array(keep, type=pa.int64()))
    out = out.set_column(out.schema.get_field_index("text"), "text", pa.array(new_texts, pa.string()))
    out = out.set_column(out.schema.get_field_index("title"), "title",
                         pa.array(new_titles, pa.string()))
    out = out.set_column(out.schema.get_field_index("edits"), "edits",
                         pa.array(new_edits, STAGED_SCHEMA.field("edits").type))
    tally = QuarantineTally()
    for row in quarantine:
        tally.add(row)
    summary = CleanSummary(out.num_rows, tally, dict(kinds), promos, shortcodes,
                           round(time.perf_counter() - started, 3),
                           round(time.thread_time() - cpu, 3))
    return out, summary, quarantine


def warm_worker(translator: str, options: dict[str, Any] | None = None,
                tracebacks: bool = True) -> None:
    """Set up a worker process of the pool and load what every batch needs (the cleaners'
    modules, promo rules, the language-id model, the translation backend), so the first batch
    does not wait for it.

    The worker ends when its parent does, even killed by SIGKILL; its garbage collector runs
    less often (`flows.gc_threshold`); the settings each task carries are validated once
    (`flows.prefect_internals.reuse_task_settings`);
    it ignores SIGINT (a Ctrl-C in the terminal reaches the whole process group: the parent
    decides, see `flows.lifecycle.RunGuard`), and prints tracebacks only with ``tracebacks``.
    Used as the process pool's initializer (`flows.cli.task_runner`); never raises (a backend
    that cannot load fails later, in its task, with the reason).
    """
    from flows.console import hide_tracebacks
    from flows.gc_threshold import raise_gc_threshold
    from flows.lifecycle import exit_with_parent
    from flows.prefect_internals import reuse_task_settings

    exit_with_parent()
    raise_gc_threshold()
    reuse_task_settings()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not tracebacks:
        hide_tracebacks()
    with contextlib.suppress(Exception):
        preload_batches(translator, options)


def preload_batches(translator: str, options: dict[str, Any] | None = None) -> None:
    """Load what cleaning and fingerprinting a batch needs in this process: the cleaners'
    modules, promo rules, the language-id model, the translation backend ``translator`` built
    with ``options`` (and the pivot language's lemmas). Raises what a backend that cannot load
    raises."""
    from cleaners.text.promos import load_promo_rules

    preload(process_language_model())
    load_promo_rules(None)
    backend = translator_for(translator, options)
    backend.translate(["news"], "en")  # the pivot language's lemmas


def preload_run(translator: str, options: dict[str, Any] | None = None) -> None:
    """Load, in this process, what a run whose batches run here needs: `preload_batches`, then
    match's compiled code (`cleaners.dedup.matcher.warm_up`). For a thread started while
    Prefect's API starts; never raises (a backend that cannot load fails later, in its task,
    with the reason)."""
    from cleaners.dedup.matcher import warm_up

    with contextlib.suppress(Exception):
        preload_batches(translator, options)
        warm_up()


def translator_for(name: str, options: dict[str, Any] | None = None) -> Translator:
    """The backend ``name`` built with ``options``, one instance per process (lexicons and
    dictionaries are loaded once). Raises `BackendUnavailable` with the reason."""
    return backend_with_memo(name, options)[0]


def backend_with_memo(name: str, options: dict[str, Any] | None) -> tuple[Translator, WordMemo]:
    """The backend and its word memo, one per process and (name, options)."""
    return _built(name, tuple(sorted((options or {}).items())))


@cache
def _built(name: str, options: tuple[tuple[str, Any], ...]) -> tuple[Translator, WordMemo]:
    return get_translator(name, process_lemmatizer(), **dict(options)), WordMemo()


@dataclass
class FingerprintSummary:
    """What the fingerprint stage produced for one batch."""

    path: str  # the batch's cleaned and fingerprinted rows (a staged batch, `flows.staged`)
    rows: int
    langs: dict[str, int]
    seconds: float = 0.0  # time spent fingerprinting the batch (its own work)
    cpu_seconds: float = 0.0  # CPU time of the thread that did it (not other tasks')


def sketch_columns(sketches: SketchBatch) -> list[pa.Array]:
    """The `flows.schema.SKETCH_FIELDS` columns of a batch's sentence sketches (one row per
    document, in order; the arrays are the sketches', not copied where Arrow can share them).
    Raises ValueError past Arrow's 32-bit list offsets (about 2 billion values in one batch)."""
    if sketches.offset_starts[-1] >= 2**31 or sketches.value_starts[-1] >= 2**31:
        raise ValueError("sentence sketches too large for one batch's list column")
    columns = zip(SKETCH_FIELDS, (sketches.offset_starts, sketches.value_starts),
                  (sketches.offsets, sketches.values), strict=True)
    return [pa.ListArray.from_arrays(pa.array(starts.astype(np.int32)),
                                     pa.array(flat, field.type.value_type), type=field.type)
            for field, starts, flat in columns]


def fingerprint_table(table: pa.Table, config: FingerprintConfig,
                      translator_options: dict[str, Any] | None = None, *,
                      sketches: bool = True) -> tuple[pa.Table, dict[str, int]]:
    """Language, translated shingles and MinHash of every row of a cleaned batch: the table
    with ``lang``, ``minhash``, ``text_hash``, ``shingle_count`` and ``text_length`` (code
    points, for `match_stage`, which then need not read the texts) appended, then (with
    ``sketches``) each row's sentence sketch for the second signal (`SKETCH_FIELDS`, made from
    the scan and word translations of the fingerprint: `fingerprint_and_sketch`); and the
    count of rows per language. The signatures are the same with or without ``sketches``."""
    texts = table.column("text").to_pylist()
    translator, memo = backend_with_memo(config.backend, translator_options)
    langs = detect_languages(texts, table.column("lang_hint").to_pylist(), process_language_model())
    if sketches:
        fp, sketched = fingerprint_and_sketch(texts, None, config, translator=translator,
                                              langs=langs, memo=memo)
    else:
        fp = fingerprint_batch(texts, None, config, translator=translator, langs=langs, memo=memo)
    signatures = (np.asarray(fp.signatures, dtype=np.uint32) if len(texts)
                  else np.zeros((0, config.num_perm), np.uint32))
    table = (
        table.append_column("lang", pa.array(fp.langs, pa.string()))
        .append_column("minhash", signature_column(signatures))  # schema v2: list<int32>
        .append_column("text_hash", pa.array(fp.text_hashes, pa.string()))
        .append_column("shingle_count", pa.array(np.asarray(fp.shingle_counts, dtype=np.int32)))
        .append_column("text_length", pc.utf8_length(table.column("text")).cast(pa.int64()))
    )
    if sketches:
        for field, column in zip(SKETCH_FIELDS, sketch_columns(sketched), strict=True):
            table = table.append_column(field, column)
    return table, dict(Counter(fp.langs))


def clean_and_fingerprint_stage(
    batch_path: str, run_id: str, ingested_at: datetime, clean_config: CleanConfig | None = None,
    fp_config: FingerprintConfig = DEFAULT_FINGERPRINT, translator_options: dict[str, Any] | None = None,
    max_text_chars: int = DEFAULTS.max_text_chars,
) -> tuple[CleanSummary, FingerprintSummary]:
    """`clean_table` then `fingerprint_table` on one staged batch, in memory; the result is
    written next to the batch (``fp-`` instead of ``read-``). One task per batch: a task
    run costs Prefect about 0.15 s of worker CPU, the cleaned batch is not written twice.
    ``max_text_chars`` (``--max-text-chars``) bounds a cleaned text (see `clean_table`)."""
    table = read_staged(batch_path)
    cleaned, clean_summary, quarantine = clean_table(table, run_id, ingested_at, clean_config,
                                                     max_text_chars)
    if quarantine:
        batch = Path(batch_path)
        writer = QuarantineWriter(batch.parent, batch.stem.replace("read-", "quarantine-clean-"))
        for row in quarantine:
            writer.add(row)
        clean_summary.quarantine_files = writer.close()
    started, cpu = time.perf_counter(), time.thread_time()
    out, langs = fingerprint_table(cleaned, fp_config, translator_options)
    path = batch_path.replace("/read-", "/fp-")
    write_staged(out, path, compressed=False)
    return clean_summary, FingerprintSummary(path, out.num_rows, langs,
                                             round(time.perf_counter() - started, 3),
                                             round(time.thread_time() - cpu, 3))
