"""A run that finds nothing new: its record, and ``curate run`` without Prefect for it.

The flow records such a run with `record_idle`: a manifest (so that the run is on record) and
nothing else. ``curate run`` with no Prefect API configured starts Prefect's temporary API for
the run, which is gone with everything the flow sent it when the command ends; while it boots,
the command begins as the flow would (`run_if_idle`: recovery, then discovery, under the lock
the command holds) and, when no file is new, records the run the same way and ends in about a
second instead of the seven it takes to boot the API and run the flow. Prefect is not imported
here.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows import store
from flows.discover import Discovery, discover
from flows.run import RunSummary, Timings, new_run_id, start_manifest, utcnow

if TYPE_CHECKING:
    from flows.settings import RunSettings


def discover_after_recovery(raw_dir: str, curated_dir: str) -> tuple[Discovery, list[str]]:
    """Recover from a crashed run or rewrite if needed, then find the new raw files (by
    SHA-256; files whose size, times and inode the dataset's discovery index knows are not
    hashed again). Returns what discovery found and recovery's actions. The caller holds the
    dataset's lock."""
    layout = store.Layout(Path(curated_dir))
    recovered = store.recover(layout)
    processed = store.processed_hashes(store.read_manifests(layout))
    return discover(Path(raw_dir), processed, layout.discovery_index), recovered


def record_idle(layout: store.Layout, manifest: dict[str, Any], summary: RunSummary,
                timings: Timings, started: float) -> None:
    """Write the manifest of a run that found no new file (``started``: its
    `time.perf_counter` start), its counts and timings included; nothing else is written."""
    summary.seconds = round(time.perf_counter() - started, 3)
    manifest.update(inputs=[], counts=asdict(summary), timings=timings.seconds,
                    finished_at=utcnow().isoformat())
    store.write_json_atomic(layout.runs / f"{manifest['run_id']}.json", manifest)


def run_if_idle(settings: RunSettings) -> tuple[RunSummary | None, Discovery, list[str]]:
    """Begin a run as the flow does (recovery, discovery) and, when no file is new, record it
    as the flow would (`record_idle`, no flow run id) and return its summary; else ``None``
    and nothing written but what recovery did. Also returns what discovery found and
    recovery's actions (for the caller to report). The caller holds the dataset's lock."""
    started = time.perf_counter()
    ingested_at = utcnow()
    timings = Timings()
    found, recovered = discover_after_recovery(settings.raw_dir, settings.curated_dir)
    timings.since("discover", started)
    if found.new:
        return None, found, recovered
    summary = RunSummary(run_id=new_run_id(None))
    summary.stage_seconds = timings.seconds
    summary.recovered = recovered
    summary.count_files(found)
    manifest = start_manifest(summary.run_id, settings, ingested_at, None, found)
    record_idle(store.Layout(Path(settings.curated_dir)), manifest, summary, timings, started)
    return summary, found, recovered
