"""The read stage: new raw files into staged batches of valid records, the rest quarantined."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from cleaners.edits import Edit, EditKind
from cleaners.lang.tags import primary_language
from cleaners.record import as_text, make_doc_id, text_problem, unique_key
from flows.quarantine import QuarantineTally, QuarantineWriter, Stage, quarantine_row
from flows.readers import (
    BadRecord,
    RawFile,
    RawRecord,
    ReadLimits,
    parse_timestamp,
    preview,
    read_file,
)
from flows.schema import STAGED_SCHEMA
from flows.staged import STAGED_SUFFIX, write_staged

if TYPE_CHECKING:
    from flows.forget import Forgotten

#: The reason a record of a forgotten document is skipped under (`flows.forget`).
FORGOTTEN = "forgotten"


@dataclass
class FileStats:
    """What one raw file gave. ``skipped``: entries deliberately not read, by reason (a WXR
    export's drafts, attachments, menu items… as ``post/draft``, ``attachment/inherit``): they
    are no records, so neither staged nor quarantined."""

    path: str
    sha256: str
    bytes: int
    format: str | None
    records: int = 0
    staged: int = 0
    quarantined: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class ReadResult:
    """Output of the read stage: batch files, staged quarantine files and their tally,
    per-file stats."""

    batches: list[str]
    quarantine: list[str]
    tally: QuarantineTally
    files: list[FileStats]

    def skipped_by_reason(self) -> dict[str, int]:
        """The files' deliberately skipped entries summed by reason, most frequent first."""
        total = Counter[str]()
        for f in self.files:
            total.update(f.skipped)
        return dict(total.most_common())


#: The read stage's guard on a record's raw text: ``RAW_TEXT_FACTOR`` × ``--max-text-chars``
#: characters. ``--max-text-chars`` itself applies to the text left after cleaning (the clean
#: stage, `flows.stages.clean_fingerprint.clean_table`), so that 2 KB of article inside 3 MB
#: of inline script or markup is curated; this looser bound only keeps the cleaners' time and
#: memory in check on a raw field nothing could reduce enough (20,000,000 characters by default).
RAW_TEXT_FACTOR = 10


def _validate(rec: RawRecord, raw: RawFile, max_chars: int, seen_keys: set[str]) -> dict[str, Any] | str:
    """A staged row for a readable record, or the reason it is quarantined. ``max_chars`` is
    ``--max-text-chars``: the raw text may hold up to `RAW_TEXT_FACTOR` times as many
    characters (the limit proper applies to the cleaned text, in the clean stage)."""
    text = rec.fields.get("text")
    raw_limit = RAW_TEXT_FACTOR * max_chars
    if isinstance(text, str) and len(text) > raw_limit:
        return (f"raw text too large: {len(text):,} characters before cleaning (limit {raw_limit:,}"
                f" = {RAW_TEXT_FACTOR} × --max-text-chars; raise --max-text-chars)")
    problem = text_problem(text, raw_limit)
    if problem is not None:
        return problem
    key = unique_key(rec.key, rec.index, seen_keys)
    edits = [e.as_dict() for e in rec.edits]
    published, bad_date = parse_timestamp(rec.fields.get("published_at"))
    if bad_date:
        edits.append(Edit(EditKind.METADATA, f"{bad_date}: published_at left empty").as_dict())
    has_id = rec.fields.get("id") is not None
    return {
        "doc_id": make_doc_id(raw.sha256, key),
        "source_id": str(rec.fields["id"]) if has_id else f"{raw.rel}:{rec.index + 1}",
        "source_file": raw.rel,
        "url": as_text(rec.fields.get("url")),
        "title": as_text(rec.fields.get("title")),
        "published_at": published,
        "lang_hint": primary_language(rec.fields.get("lang")),
        "record_index": rec.index,
        # a CMS post (a WordPress export's item: it has a post type) is titled by its author:
        # WordPress adds the site's name to a page's <title>, never to a post's title
        "title_is_headline": isinstance(post_type := rec.fields.get("post_type"), str)
                             and bool(post_type.strip()),
        "text": text,
        "edits": edits,
    }


class _BatchWriter:
    def __init__(self, folder: Path, prefix: str, schema: pa.Schema, size: int) -> None:
        self.folder, self.prefix, self.schema, self.size = folder, prefix, schema, size
        self.rows: list[dict[str, Any]] = []
        self.paths: list[str] = []

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        path = self.folder / f"{self.prefix}-{len(self.paths):05d}{STAGED_SUFFIX}"
        write_staged(pa.Table.from_pylist(self.rows, schema=self.schema), path, compressed=True)
        self.paths.append(str(path))
        self.rows = []


def group_files(files: list[RawFile], min_bytes: int) -> list[list[RawFile]]:
    """``files`` cut, in order, into groups of at least ``min_bytes`` (the last one may hold
    less): the units read in parallel. Guarantees: concatenated, the groups are ``files``."""
    groups: list[list[RawFile]] = []
    size = min_bytes
    for raw in files:
        if size >= min_bytes:
            groups.append([])
            size = 0
        groups[-1].append(raw)
        size += raw.size
    return groups


def merge_reads(parts: list[ReadResult]) -> ReadResult:
    """The read results of consecutive file groups as one, in the same order."""
    tally = QuarantineTally()
    for p in parts:
        tally.merge(p.tally)
    return ReadResult([b for p in parts for b in p.batches], [q for p in parts for q in p.quarantine],
                      tally, [f for p in parts for f in p.files])


def read_stage(files: list[RawFile], staging: Path, run_id: str, ingested_at: datetime,
               batch_size: int, max_text_chars: int, group: int = 0,
               limits: ReadLimits | None = None, forgotten: Forgotten | None = None) -> ReadResult:
    """Read every raw file into staged batches of at most ``batch_size`` records, named
    after ``group`` (the number of this group of files, when several are read in parallel);
    quarantine rows are staged as they come (`flows.quarantine`), never held all in memory.

    Guarantees, per file: records read = rows staged + rows quarantined (a file that cannot be
    read at all counts one quarantined record); entries the reader skips on purpose are no
    records: they are counted in `FileStats.skipped` by reason. ``limits`` bound what one file
    may hold (and carry the readers' options). A record of a document in ``forgotten`` (a
    takedown, `flows.forget.Forgotten.holds`) is skipped the same way, under `FORGOTTEN`,
    before it is validated: neither staged nor quarantined, its text written nowhere.
    """
    staging.mkdir(parents=True, exist_ok=True)
    writer = _BatchWriter(staging, f"read-{group:04d}", STAGED_SCHEMA, batch_size)
    quarantine = QuarantineWriter(staging, f"quarantine-read-{group:04d}")
    stats: list[FileStats] = []
    for raw in files:
        st = FileStats(raw.rel, raw.sha256, raw.size, raw.format)
        seen: set[str] = set()
        for item in read_file(raw, st.skipped, limits):
            if forgotten is not None and forgotten.holds(raw.rel, item):
                st.skipped[FORGOTTEN] = st.skipped.get(FORGOTTEN, 0) + 1
                continue
            st.records += 1
            if isinstance(item, BadRecord):
                quarantine.add(quarantine_row(raw.rel, item.index, Stage.READ, item.error, run_id,
                                              ingested_at, item.raw, item.key))
                st.quarantined += 1
                continue
            try:
                row = _validate(item, raw, max_text_chars, seen)
            except Exception as exc:  # a record no rule foresaw: quarantine it, not the run
                row = f"invalid record: {type(exc).__name__}: {str(exc)[:300]}"
            if isinstance(row, str):
                shown = preview(item.raw if item.raw is not None else item.fields)
                sid = str(item.fields["id"]) if item.fields.get("id") is not None else None
                quarantine.add(quarantine_row(raw.rel, item.index, Stage.READ, row, run_id,
                                              ingested_at, shown, sid))
                st.quarantined += 1
            else:
                writer.add(row)
                st.staged += 1
        stats.append(st)
    writer.flush()
    return ReadResult(writer.paths, quarantine.close(), quarantine.tally, stats)
