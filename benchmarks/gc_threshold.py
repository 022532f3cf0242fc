"""What Python's cyclic garbage collector costs the job's work: its default thresholds (the
baseline) against `flows.gc_threshold.raise_gc_threshold` (the job's processes).

Work, in a fresh process per round and setting (the collector's state is per process; the
language data is loaded before the clock starts): the batches of a ``--docs`` record WMT corpus
(`benchmarks.corpus`) and of a ``--pages`` record web-page corpus (`benchmarks.pages_corpus`),
read by `flows.stages.read_stage` into batches of 2,000 and cleaned and fingerprinted by
`flows.stages.clean_and_fingerprint_stage`, then `flows.stages.match_stage` over the WMT
batches. ``--rounds`` rounds, the two settings alternating. Printed per stage: CPU seconds,
seconds inside the collector (timed by `gc.callbacks`) and collections, medians over the
rounds, and the baseline's CPU over the job's; and the process's peak RSS (the stage
columns then hold MiB).

The start of ``curate run``, before any document: the three processes that share the cores
(`benchmarks/RESULTS.md`, 2026-12-07 09:45) each import and load for seconds, and their
objects live, so the collector walks more of them at each collection. Timed the same way
(CPU seconds of a fresh process, ``--rounds`` rounds alternating; with the threshold, as the job
raises it before anything is imported): the temporary API's boot until ``/health`` answers
(`flows.api_server.TemporaryAPI`; baseline: ``python -m uvicorn`` with the same arguments, the
command before `flows.prefect_internals.SERVER_BOOTSTRAP`), the fork server's loading (importing
`flows.pool_preload` with the default backend named), and the command's imports (`flows.curate`
and Prefect's settings).

Usage: .venv/bin/python benchmarks/gc_threshold.py [--docs 10000] [--pages 500] [--rounds 3]
       [--start-only]
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SETTINGS = ("Python's default (baseline)", "raise_gc_threshold (the job)")


class _Collector:
    """Time spent in the collector, and collections, since the last `take`."""

    def __init__(self) -> None:
        self.seconds, self.count, self._start = 0.0, 0, 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start
            self.count += 1

    def take(self) -> tuple[float, int]:
        out = (self.seconds, self.count)
        self.seconds, self.count = 0.0, 0
        return out


def child(raised: bool, wmt: Path, pages: Path, work: Path) -> dict[str, list[float]]:
    """One round in this process: per stage, [CPU s, collector s, collections]."""
    from flows.discover import discover
    from flows.gc_threshold import raise_gc_threshold
    from flows.settings import RunSettings
    from flows.stages import clean_and_fingerprint_stage, match_stage, preload_run, read_stage
    from flows.stages.clean_fingerprint import DEFAULT_FINGERPRINT

    preload_run(DEFAULT_FINGERPRINT.backend)
    if raised:
        raise_gc_threshold()
    collector = _Collector()
    out: dict[str, list[float]] = {}
    now = datetime.now(UTC)
    fp_paths: list[str] = []
    for kind, raw in (("wmt", wmt), ("pages", pages)):
        read = read_stage(discover(raw, set()).new, work / kind, "bench", now, 2000, 10_000_000)
        collector.take()
        start = time.process_time()
        paths = [clean_and_fingerprint_stage(b, "bench", now)[1].path for b in read.batches]
        out[f"{kind}: clean and fingerprint"] = [time.process_time() - start, *collector.take()]
        if kind == "wmt":
            fp_paths = paths
    config = RunSettings().match_config()
    start = time.process_time()
    match_stage(fp_paths, None, config, DEFAULT_FINGERPRINT.num_perm, work / "clusters.parquet")
    out["wmt: match"] = [time.process_time() - start, *collector.take()]
    out["peak RSS of the process, MiB"] = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                          0.0, 0.0]
    return out


_RAISE = "from flows.gc_threshold import raise_gc_threshold; raise_gc_threshold(); "
_PRELOAD = ("import os, json; from flows.fork_server import PRELOAD_ENVIRONMENT_KEY; "
            "os.environ[PRELOAD_ENVIRONMENT_KEY] = json.dumps(['embedded', None]); "
            "import flows.pool_preload")
_COMMAND = "from flows.curate import curate_flow; import prefect.settings"


def _process_cpu(code: str) -> float:
    """CPU seconds of ``python -c code`` (user + system, its whole life)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _api_boot_cpu(raised: bool, home: Path) -> float:
    """CPU seconds of the temporary API's process until ``/health`` answers."""
    import os

    import psutil

    import flows.cli  # noqa: F401  (its Prefect defaults, as a run has them: no analytics)
    from flows import prefect_internals as internals
    from flows.api_server import TemporaryAPI

    api = TemporaryAPI()
    command = internals.server_command
    if not raised:  # the command before SERVER_BOOTSTRAP
        internals.server_command = lambda *a: [a[0], "-m", "uvicorn", *command(*a)[3:]]
    os.environ["PREFECT_HOME"] = str(home)
    try:
        api.start()
        api.wait(120)
        times = psutil.Process(api.process.pid).cpu_times()
        return times.user + times.system
    finally:
        internals.server_command = command
        api.stop()


def start_rounds(rounds: int) -> dict[str, dict[bool, list[float]]]:
    """CPU seconds of each start process, by setting (raised or not), one per round."""
    out: dict[str, dict[bool, list[float]]] = {
        name: {False: [], True: []} for name in
        ("temporary API: boot until /health", "fork server: loading", "command: imports")}
    with tempfile.TemporaryDirectory() as tmp:
        homes = {raised: Path(tmp) / f"home-{raised}" for raised in (False, True)}
        for raised, home in homes.items():  # a run's home has its database already
            _api_boot_cpu(raised, home)
        for r in range(rounds):
            for raised in ((False, True) if r % 2 == 0 else (True, False)):
                prefix = _RAISE if raised else ""
                out["temporary API: boot until /health"][raised].append(
                    _api_boot_cpu(raised, homes[raised]))
                out["fork server: loading"][raised].append(_process_cpu(prefix + _PRELOAD))
                out["command: imports"][raised].append(_process_cpu(prefix + _COMMAND))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000, help="WMT records")
    parser.add_argument("--pages", type=int, default=500, help="web-page records")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--start-only", action="store_true", help="only the start's processes")
    parser.add_argument("--child", choices=["default", "raised"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child == "raised", args.work / "wmt-raw",
                               args.work / "pages-raw", args.work / f"staging-{args.child}")))
        return

    import corpus
    import pages_corpus

    print(f"# gc_threshold: {args.docs:,} WMT records, {args.pages:,} web pages, "
          f"{args.rounds} rounds; Python {sys.version.split()[0]}, default thresholds "
          f"{gc.get_threshold()}")
    print("\n| start process | CPU s, default (baseline) | CPU s, raised | ratio |")
    print("|---|---:|---:|---:|")
    for name, by in start_rounds(args.rounds).items():
        base, raised = statistics.median(by[False]), statistics.median(by[True])
        print(f"| {name} | {base:.2f} | {raised:.2f} | {base / raised:.2f}x |")
    if args.start_only:
        return
    results: dict[str, list[dict[str, list[float]]]] = {"default": [], "raised": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus.write_corpus(work / "wmt-raw", args.docs)
        pages_corpus.write_corpus(work / "pages-raw", args.pages)
        for r in range(args.rounds):
            for setting in (("default", "raised") if r % 2 == 0 else ("raised", "default")):
                done = subprocess.run(
                    [sys.executable, __file__, "--child", setting, "--work", str(work)],
                    check=True, capture_output=True, text=True)
                results[setting].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print("\n| stage | setting | CPU s | in the collector s | collections | CPU ratio |")
    print("|---|---|---:|---:|---:|---:|")
    for stage in results["default"][0]:
        medians = {s: [statistics.median(run[stage][k] for run in results[s]) for k in range(3)]
                   for s in results}
        for m, name in zip(medians.values(), SETTINGS, strict=True):
            ratio = medians["default"][0] / m[0]
            print(f"| {stage} | {name} | {m[0]:.2f} | {m[1]:.3f} | {m[2]:.0f} | {ratio:.3f}x |")


if __name__ == "__main__":
    main()
