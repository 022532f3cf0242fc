"""Scale-out: the same flow on a Dask LocalCluster, and with the LSH index in a real Redis.

Both must give exactly the output of the embedded run (in-process, in-memory index) on the
same raw files: the same rows, texts, signatures and clusters. The corpus is 160
generated articles (``benchmarks/corpus.py``: real WMT sentences with translations,
near-duplicates, mojibake, shortcodes and promos; the seed samples when ``../shared/eval`` is
absent), cut into several batches so that the batch stages really are mapped.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.dataset as ds
import pytest

from flows.settings import RunSettings
from tests.support.data import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

N_DOCS = 160
BATCH = 40  # 4 batches
COMPARED = ["doc_id", "source_id", "lang", "text", "edits", "minhash", "cluster_id",
            "is_canonical", "duplicate_of", "similarity", "dup_kind"]


def _corpus_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "benchmarks" / "corpus.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _rows(curated: Path) -> list[dict[str, Any]]:
    table = ds.dataset(curated / "articles", format="parquet", partitioning="hive").to_table()
    rows = table.select(COMPARED).to_pylist()
    return sorted(rows, key=lambda r: r["doc_id"])


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scale") / "raw"
    info = _corpus_module().write_corpus(folder, N_DOCS, seed=11, per_file=60)
    assert info["documents"] == N_DOCS
    return folder


@pytest.fixture(scope="module")
def embedded(raw: Path) -> list[dict[str, Any]]:
    """The reference: the flow in-process, batches one after the other, in-memory index."""
    from flows.curate import curate_flow

    curated = raw.parent / "curated-embedded"
    summary = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), batch_size=BATCH,
                                      parallel=False))
    assert summary["rows_written"] + summary["rows_quarantined"] == N_DOCS
    rows = _rows(curated)
    assert summary["duplicates"] > 0, "the corpus has duplicates: the comparison must cover clusters"
    return rows


def _assert_same(rows: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        for col in COMPARED:
            assert got[col] == want[col], (col, got["doc_id"])


def _task_run_names(curated: Path) -> list[str]:
    """Names of the task runs of the (only) flow run that wrote ``curated``."""
    from uuid import UUID

    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    manifest = json.loads(next((curated / "_runs").glob("*.json")).read_text())
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[UUID(manifest["flow_run_id"])])))
    return sorted(r.name for r in runs)


def test_group_files_cuts_in_order_by_size() -> None:
    from flows.readers import RawFile
    from flows.stages import group_files

    files = [RawFile(Path(f"/r/{i}"), f"{i}", f"{i:064x}", size)
             for i, size in enumerate([5, 1, 9, 3, 3, 1])]
    groups = group_files(files, 6)
    assert [[f.rel for f in g] for g in groups] == [["0", "1"], ["2"], ["3", "4"], ["5"]]
    assert group_files(files, 10**9) == [files] and group_files([], 6) == []


def test_read_groups_are_large_only_when_every_worker_gets_two() -> None:
    from flows.tasks import READ_GROUP_BYTES, READ_GROUP_MIN_BYTES, _read_group_bytes

    # Outside a flow run: two workers assumed.
    assert _read_group_bytes(1_000) == READ_GROUP_MIN_BYTES  # one group: read in the flow
    assert _read_group_bytes(27_000_000) == READ_GROUP_MIN_BYTES  # 10k benchmark documents
    assert _read_group_bytes(4 * READ_GROUP_BYTES) == READ_GROUP_BYTES
    assert _read_group_bytes(266_000_000) == READ_GROUP_BYTES  # 100k benchmark documents


def test_dask_local_cluster_gives_the_embedded_output(
        raw: Path, embedded: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("prefect_dask", reason="prefect-dask is not installed (pip install '.[dask]')")
    from flows.cli import task_runner
    from flows.curate import curate_flow

    monkeypatch.setattr("flows.tasks.READ_GROUP_BYTES", 1)  # each file read by a Dask task
    curated = raw.parent / "curated-dask"
    flow = curate_flow.with_options(task_runner=task_runner(2, "local"))
    summary = flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), batch_size=BATCH, parallel=True))
    assert summary["records_read"] == N_DOCS
    manifest = json.loads(next((curated / "_runs").glob("*.json")).read_text())
    assert manifest["counts"]["rows_written"] == len(embedded)
    _assert_same(_rows(curated), embedded)
    n_files = len(manifest["inputs"])
    assert n_files > 1
    assert [n for n in _task_run_names(curated) if n.startswith("read-files-")] == [
        f"read-files-{i}" for i in range(n_files)]


# --------------------------------------------------------------------------- Redis


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free loopback port, without persistence; stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; "
                    "scripts/install_services.sh installs it)")
    pytest.importorskip("redis", reason="the redis client is not installed (pip install '.[redis]')")
    import redis

    folder = tmp_path_factory.mktemp("redis")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.skip(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_redis_index_answers_like_the_memory_index(redis_url: str) -> None:
    from cleaners.dedup.lsh import BandIndex
    from flows.backends.redis_index import RedisBandIndex

    rng = np.random.default_rng(3)
    keys = rng.integers(0, 400, size=(300, 6)).astype(np.uint64)  # many shared keys
    ids = [f"doc-{i}" for i in range(300)]
    writer_a = RedisBandIndex(redis_url, "test:unit")
    writer_a.clear()
    writer_a = RedisBandIndex(redis_url, "test:unit")
    writer_b = RedisBandIndex(redis_url, "test:unit")  # another worker, same namespace
    writer_a.add(ids[:150], keys[:150])
    writer_b.add(ids[150:], keys[150:])
    memory = BandIndex()
    memory.add(ids, keys)
    reader = RedisBandIndex(redis_url, "test:unit")  # opened later: finds the layout in Redis
    assert reader.bands == 6 and len(reader) == 300
    assert reader.query(keys) == memory.query(keys)
    assert any(len(s) > 1 for s in reader.query(keys))
    with pytest.raises(ValueError, match="bands"):
        reader.add(["x"], np.zeros((1, 5), np.uint64))
    assert RedisBandIndex(redis_url, "test:other").query(keys) == [set() for _ in ids]
    assert reader.clear() > 0 and len(RedisBandIndex(redis_url, "test:unit")) == 0


def test_flow_with_redis_index_gives_the_embedded_clusters(
    raw: Path, embedded: list[dict[str, Any]], redis_url: str
) -> None:
    import redis

    from flows.curate import curate_flow

    curated = raw.parent / "curated-redis"
    summary = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), batch_size=BATCH,
                                      parallel=False, redis_url=redis_url))
    assert summary["records_read"] == N_DOCS
    _assert_same(_rows(curated), embedded)
    manifest = json.loads(next((curated / "_runs").glob("*.json")).read_text())
    assert manifest["parameters"]["lsh_index"] == "redis"
    # The index really lives in Redis: band keys of every matched document, no texts.
    client = redis.Redis.from_url(redis_url)
    ids_keys = [k for k in client.scan_iter(match="curate:*:ids")]
    assert len(ids_keys) == 1 and client.scard(ids_keys[0]) > 0
    assert client.scard(ids_keys[0]) <= len(embedded)


def test_cli_accepts_redis_url_and_dask_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.cli import build_parser, settings_of

    monkeypatch.delenv("CURATE_REDIS_URL", raising=False)
    args = build_parser().parse_args(["run", "--redis-url", "redis://h:1/2", "--dask-address", "local"])
    assert settings_of(args).redis_connection_url() == "redis://h:1/2"
    assert args.dask_address == "local"
    assert settings_of(build_parser().parse_args(["run"])).redis_connection_url() is None
    monkeypatch.setenv("CURATE_REDIS_URL", "redis://env:6379/0")
    assert settings_of(build_parser().parse_args(["serve"])).redis_connection_url() == (
        "redis://env:6379/0")


def test_workers_started_before_the_flow_give_the_embedded_output(
        raw: Path, embedded: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    """`curate run`'s early pool: the worker processes are spawned (and load their language
    data) before the flow run, then the flow run's copy of the runner takes them over."""
    from prefect.server.api.server import SubprocessASGIServer

    from flows.cli import task_runner
    from flows.curate import curate_flow
    from flows.runners import EarlyProcessPoolTaskRunner

    released: list[bool] = []  # the workers are let go once the batches are done
    release = EarlyProcessPoolTaskRunner.release_workers
    monkeypatch.setattr(EarlyProcessPoolTaskRunner, "release_workers",
                        lambda self: (released.append(self._executor is not None), release(self))[1])
    server = SubprocessASGIServer()  # what `curate run` shares with its workers
    server.start()
    monkeypatch.setenv("PREFECT_API_URL", server.api_url)
    runner = task_runner(2, None)
    runner.start_workers()  # returns at once: a thread starts the processes
    early, starter = runner._early.executor, runner._early.starter
    assert early is not None and starter is not None
    starter.join(timeout=300)
    assert len(early._processes) == 2  # spawned before any flow
    curated = raw.parent / "curated-early"
    summary = curate_flow.with_options(task_runner=runner)(
        RunSettings(raw_dir=str(raw), curated_dir=str(curated), batch_size=BATCH, parallel=True))
    assert runner._early.executor is None, "the flow run took the early pool over"
    assert released == [True], "the flow run released its pool before matching"
    assert summary["records_read"] == N_DOCS
    _assert_same(_rows(curated), embedded)
    # Under `READ_GROUP_BYTES` of files: one group read in the flow process, its batches on the pool.
    names = _task_run_names(curated)
    assert [n for n in names if n.startswith("read-files-")] == ["read-files-0"]
    assert len([n for n in names if n.startswith("batch-")]) == N_DOCS // BATCH
