"""Which raw records a run skips as forgotten (`flows.forget.Forgotten`), and how the read
stage counts them: never a record, never staged or quarantined, counted under ``forgotten``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from flows.discover import discover
from flows.forget import Forgotten
from flows.readers import BadRecord, RawRecord
from flows.staged import read_staged
from flows.stages.read import FORGOTTEN, read_stage

FORGOTTEN_KEYS = Forgotten(doc_ids=frozenset({"d" * 32}), urls=frozenset({"https://x.org/1"}),
                           source_ids=frozenset({"own-7", "feed.jsonl:3"}))


def test_a_record_is_known_by_its_url_or_its_source_id() -> None:
    def record(index: int, **fields: object) -> RawRecord:
        return RawRecord(key=str(fields.get("id", index)), index=index, fields=dict(fields))

    assert FORGOTTEN_KEYS.holds("other.jsonl", record(0, id="own-7", text="t"))
    assert FORGOTTEN_KEYS.holds("other.jsonl", record(0, url="https://x.org/1", text="t"))
    assert FORGOTTEN_KEYS.holds("feed.jsonl", record(2, text="t"))  # position 3, no id
    assert not FORGOTTEN_KEYS.holds("feed.jsonl", record(2, id="own-8", text="t"))  # its own id
    assert not FORGOTTEN_KEYS.holds("other.jsonl", record(2, text="t"))
    assert FORGOTTEN_KEYS.holds("x.jsonl", BadRecord(4, "bad", "{", key="own-7"))
    assert FORGOTTEN_KEYS.holds("feed.jsonl", BadRecord(2, "bad", "{"))
    assert not FORGOTTEN_KEYS.holds("feed.jsonl", BadRecord(-1, "empty file"))


def test_the_read_stage_skips_and_counts_forgotten_records(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [{"id": "own-7", "text": "taken down"}, {"id": "kept", "text": "kept text"},
             {"url": "https://x.org/1", "text": "taken down too"}]
    (raw / "feed.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n")
    files = discover(raw, set()).new
    result = read_stage(files, tmp_path / "staging", "r1", datetime.now(UTC), 10, 10_000,
                        forgotten=FORGOTTEN_KEYS)
    (stats,) = result.files
    assert (stats.records, stats.staged, stats.quarantined) == (2, 1, 1)
    assert stats.skipped == {FORGOTTEN: 2} and result.skipped_by_reason() == {FORGOTTEN: 2}
    staged = read_staged(result.batches[0]).column("text").to_pylist()
    assert staged == ["kept text"]
    quarantined = [pq.read_table(q).column("raw").to_pylist() for q in result.quarantine]
    assert not any("taken down" in (r or "") for rows in quarantined for r in rows)
