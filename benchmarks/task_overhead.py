"""What one Prefect task run on the process pool costs beyond its work, under ``curate run``'s
temporary API, with and without one of the job's savings (``--compare``):

- ``settings`` (the default): the flow's settings serialized by the flow process for each task
  it submits and validated by the worker for each task it runs (Prefect's, the baseline),
  against `flows.prefect_internals.reuse_task_settings` in both (the job); both with the
  job's CA file;
- ``ca``: the CA file of the run's clients, certifi's bundle (Prefect's default without
  ``SSL_CERT_FILE``, the baseline) against `flows.prefect_internals.NO_TLS_CA_FILE` (the
  job), both without ``reuse_task_settings``. Prefect builds an SSL context for every client
  it makes, loading its CA file each time, even for a plain-HTTP API; a task run in a worker
  process makes two.

One temporary API is started (`flows.api_server.TemporaryAPI`, its own ``PREFECT_HOME``);
then, ``--rounds`` times in alternating order, one flow run per setting on a two-worker
``ProcessPoolTaskRunner`` submits ``--tasks`` tasks that return at once, after one warm-up
task per worker. Printed: CPU milliseconds per task of the worker processes and of the flow's
process (the submissions and their states), medians over the rounds (and for ``ca``, the cost
of one SSL context with each file).

Usage: .venv/bin/python benchmarks/task_overhead.py [--compare settings|ca] [--tasks 40] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import certifi
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows import prefect_internals as internals
from flows.api_server import TemporaryAPI
from flows.prefect_internals import NO_TLS_CA_FILE


def _returns(i: int) -> int:
    return i


def _workers_cpu(server_pid: int) -> dict[int, float]:
    """CPU seconds of each child process of this one but the API server's."""
    out = {}
    for child in psutil.Process().children(recursive=True):
        try:
            if child.pid != server_pid and server_pid not in {p.pid for p in child.parents()}:
                times = child.cpu_times()
                out[child.pid] = times.user + times.system
        except psutil.Error:
            pass
    return out


@contextlib.contextmanager
def _settings_reused(reuse: bool) -> Iterator[None]:
    """`flows.prefect_internals.reuse_task_settings` in this process while inside (with
    ``reuse``), undone afterwards."""
    if not reuse:
        yield
        return
    internals.reuse_task_settings()
    try:
        yield
    finally:
        internals.restore_task_settings()


def _round(ca_file: str, reuse: bool, tasks: int, server_pid: int) -> tuple[float, float]:
    """(workers' CPU ms per task, flow process's CPU ms per task) of one flow run."""
    from prefect import flow, task
    from prefect.settings import PREFECT_API_SSL_CERT_FILE, temporary_settings
    from prefect.task_runners import ProcessPoolTaskRunner

    returns = task(_returns)
    measured: list[tuple[float, float]] = []
    runner = ProcessPoolTaskRunner(max_workers=2,
                                   initializer=internals.reuse_task_settings if reuse else None)

    @flow(task_runner=runner)
    def submit_all(n: int) -> None:
        [f.result() for f in [returns.submit(i) for i in range(2)]]  # both workers started
        before, main = _workers_cpu(server_pid), time.process_time()
        [f.result() for f in [returns.submit(i) for i in range(n)]]
        main = time.process_time() - main
        after = _workers_cpu(server_pid)
        workers = sum(after[p] - before.get(p, 0.0) for p in after)
        measured.append((1e3 * workers / n, 1e3 * main / n))

    with _settings_reused(reuse), temporary_settings(updates={PREFECT_API_SSL_CERT_FILE: ca_file}):
        submit_all(tasks)
    return measured[0]


def _context_ms(ca_file: str, repeats: int = 30) -> float:
    ssl.create_default_context(cafile=ca_file)
    start = time.process_time()
    for _ in range(repeats):
        ssl.create_default_context(cafile=ca_file)
    return 1e3 * (time.process_time() - start) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", choices=("settings", "ca"), default="settings")
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    modes = ({"settings per task (baseline)": (str(NO_TLS_CA_FILE), False),
              "settings reused (job)": (str(NO_TLS_CA_FILE), True)} if args.compare == "settings"
             else {"certifi (baseline)": (certifi.where(), False),
                   "no-TLS CA file (job)": (str(NO_TLS_CA_FILE), False)})
    home = tempfile.mkdtemp(prefix="task-overhead-")
    os.environ.update({"PREFECT_HOME": home, "PREFECT_LOGGING_LEVEL": "WARNING",
                       "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    api = TemporaryAPI()
    api.start()
    try:
        api.wait(120)
        os.environ.update({name: value for name, value in api.client_environment().items()
                           if name != "PREFECT_API_SSL_CERT_FILE"})
        assert api.process is not None
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in modes}
        for r in range(args.rounds):
            for name in (list(modes) if r % 2 == 0 else list(modes)[::-1]):
                results[name].append(_round(*modes[name], args.tasks, api.process.pid))
    finally:
        api.stop()
    print(f"{args.tasks} trivial tasks on a 2-worker process pool, temporary API, "
          f"{args.rounds} rounds alternating; {os.cpu_count()} cores; {ssl.OPENSSL_VERSION}")
    print(f"| {'CA file | SSL context ms' if args.compare == 'ca' else 'settings'} "
          "| workers CPU ms/task | flow process CPU ms/task | both ms/task | ratio to the baseline |")
    print("|---|" + ("---:|" if args.compare == "ca" else "") + "---:|---:|---:|---:|")
    base = None
    for name, rows in results.items():
        workers = statistics.median(w for w, _ in rows)
        main_ms = statistics.median(m for _, m in rows)
        both = statistics.median(w + m for w, m in rows)
        base = base or both
        ssl_ms = f" {_context_ms(modes[name][0]):.2f} |" if args.compare == "ca" else ""
        print(f"| {name} |{ssl_ms} {workers:.1f} | {main_ms:.1f} | {both:.1f} | {base / both:.2f}x |")


if __name__ == "__main__":
    main()
