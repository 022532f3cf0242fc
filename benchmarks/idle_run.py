"""A ``curate run`` that finds nothing new, with no Prefect API configured: recorded without
Prefect (`flows.idle`, the job) against the same run through the flow (the baseline, what
``curate run`` did before: the temporary API booted, a flow run on it).

The samples are curated once into a temporary folder; then each path runs ``--repeats``
times, alternating, as whole commands (a new process each: interpreter start, imports, the
temporary API's start and stop included). The baseline is the same command with
``flows.cli._idle_run`` answering "not idle".

Usage: .venv/bin/python benchmarks/idle_run.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ("import sys, flows.cli as cli; cli._idle_run = lambda args: None; "
            "sys.argv = ['curate', *sys.argv[1:]]; sys.exit(cli.main())")


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}…: exit {done.returncode}\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="idle-run-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PREFECT_UI"))}
    env["PREFECT_HOME"] = str(work / "prefect-home")
    try:
        shutil.copytree(ROOT / "raw" / "samples", work / "raw" / "samples")
        run = ["run", "--raw", str(work / "raw"), "--curated", str(work / "curated")]
        _timed([sys.executable, "-m", "flows.cli", *run], env)  # the first run curates them
        job: list[float] = []
        baseline: list[float] = []
        for _ in range(args.repeats):
            job.append(_timed([sys.executable, "-m", "flows.cli", *run], env))
            baseline.append(_timed([sys.executable, "-c", BASELINE, *run], env))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = statistics.median(baseline)
    print(f"curate run with nothing new, no Prefect API configured; {args.repeats} run(s) each, "
          f"alternating; {os.cpu_count()} cores")
    print("| path | median s | min s | max s | ratio to the baseline |")
    print("|---|---:|---:|---:|---:|")
    for name, times in (("baseline: through the flow", baseline),
                        ("job: recorded without Prefect", job)):
        median = statistics.median(times)
        print(f"| {name} | {median:.2f} | {min(times):.2f} | {max(times):.2f} | "
              f"{base / median:.2f}x |")


if __name__ == "__main__":
    main()
