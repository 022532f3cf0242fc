"""``curate run`` without ``--workers`` on a run with little new: its batches run in the flow
process, which starts loading what they need at once (`flows.cli._plan_batches`); an
explicit ``--workers``, Dask, or more new bytes than ``CURATE_IN_PROCESS_BYTES`` keep the
worker processes. The output is the same either way (`tests/flow/test_cli.py`)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pytest

from flows import cli
from flows.cli_args import check


def _args(raw: Path, *extra: str) -> argparse.Namespace:
    args = cli.build_parser().parse_args(["run", "--raw", str(raw), "--curated", str(raw.parent / "c"), *extra])
    check(args)
    return args


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "news.jsonl").write_text('{"id": "a", "text": "' + "Word " * 200 + '"}\n')
    return folder


@pytest.fixture()
def preloaded(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr(cli, "_preload", lambda *a: calls.append(a))
    return calls


def test_little_new_and_no_workers_option_runs_in_process(raw: Path, preloaded: list[tuple]) -> None:
    args = _args(raw, "--translator-option", "k=1")
    assert args.settings.parallel and not args.workers_given
    assert cli._plan_batches(args) is False  # no worker process to start early
    assert args.settings.parallel is False
    deadline = time.monotonic() + 30  # the thread has started; it calls the (recording) preload
    while not preloaded and time.monotonic() < deadline:
        time.sleep(0.02)
    assert preloaded == [("embedded", {"k": 1})]


@pytest.mark.parametrize("extra", [("--workers", "2"), ("--dask-address", "local")])
def test_an_explicit_workers_or_dask_option_keeps_the_workers(raw: Path, preloaded: list[tuple],
                                                              extra: tuple[str, ...]) -> None:
    args = _args(raw, *extra)
    cli._plan_batches(args)
    assert args.settings.parallel is True and preloaded == []


def test_more_new_bytes_than_the_setting_keeps_the_workers(raw: Path, preloaded: list[tuple],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATE_IN_PROCESS_BYTES", "100")  # the file holds about 1 kB
    args = _args(raw)
    assert cli._plan_batches(args) is False  # under CURATE_EARLY_WORKERS_BYTES: started later
    assert args.settings.parallel is True and preloaded == []
    monkeypatch.setenv("CURATE_EARLY_WORKERS_BYTES", "100")
    assert cli._plan_batches(_args(raw)) is True
    monkeypatch.setenv("CURATE_IN_PROCESS_BYTES", "0")  # never
    args = _args(raw)
    cli._plan_batches(args)
    assert args.settings.parallel is True and preloaded == []
