"""Soak: runs killed or stopped at random moments, on random good and hostile input (issue 19).

Round after round, new raw files land (good stories with malformed lines, gzip, CSV, garbage,
a symlink loop) and a real ``curate run`` with two workers is started, then left alone,
SIGKILLed (its main process, or its whole process group) or stopped (SIGINT to the group,
SIGTERM to the main process) after a random delay. A last run is let finish. Then:
every record of every raw file is in the dataset exactly once (article or quarantine row),
every part and manifest reads, the lock is free, and no process of any round is left.

``CURATE_SOAK_ROUNDS`` (default 4) and ``CURATE_SOAK_SEED`` (default 19) make it longer or
different; the seed is printed on failure. With the defaults the four rounds end by SIGINT to
the group, SIGTERM, SIGKILL of the main process and SIGKILL of the group, then the last run
finishes: every ending once (six rounds repeated two of them, for half a minute more).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from flows.lock import run_lock
from tests.support.data import ROOT, story
from tests.support.runs import START_TIMEOUT, assert_exactly_once, assert_readable, kill

ROUNDS = int(os.environ.get("CURATE_SOAK_ROUNDS", "4"))
SEED = int(os.environ.get("CURATE_SOAK_SEED", "19"))
ENDINGS = ("finish", "sigkill-main", "sigkill-group", "sigint-group", "sigterm-main")


def land_files(raw: Path, rnd: random.Random, round_no: int) -> None:
    """A random mix of new raw files for one round."""
    raw.mkdir(parents=True, exist_ok=True)
    base = round_no * 100_000
    for k in range(rnd.randint(1, 3)):
        n = rnd.randint(50, 2500)
        lines = [json.dumps({"id": f"r{round_no}-{k}-{i}", "text": story(base + k * 5000 + i)})
                 for i in range(n)]
        for _ in range(rnd.randint(0, 5)):
            lines.insert(rnd.randrange(len(lines) + 1), rnd.choice(['{"id": ', "x", "[1, 2]", '{"text": 5}']))
        data = ("\n".join(lines) + "\n").encode()
        if rnd.random() < 0.3:
            (raw / f"r{round_no}-{k}.jsonl.gz").write_bytes(gzip.compress(data, compresslevel=1))
        else:
            (raw / f"r{round_no}-{k}.jsonl").write_bytes(data)
    if rnd.random() < 0.5:
        with open(raw / f"r{round_no}.csv", "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "headline", "body"])
            for i in range(rnd.randint(1, 40)):
                writer.writerow([f"c{round_no}-{i}", f"Title {i}", story(base + 90_000 + i)])
    if rnd.random() < 0.5:
        (raw / f"noise-{round_no}.jsonl").write_bytes(rnd.randbytes(rnd.randint(1, 300_000)))
    if rnd.random() < 0.3:
        (raw / f"empty-{round_no}.json").write_bytes(b"")
    if round_no == 1:
        os.symlink(f"loop-b{round_no}.jsonl", raw / f"loop-a{round_no}.jsonl")
        os.symlink(f"loop-a{round_no}.jsonl", raw / f"loop-b{round_no}.jsonl")


def start(raw: Path, curated: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "flows.cli", "run", "--raw", str(raw), "--curated", str(curated),
           "--workers", "2", "--batch-size", "400", "--wait", "120"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_random_kills_never_lose_or_duplicate_a_record(
        tmp_path: Path, api_env: dict[str, str], reaper: list[subprocess.Popen[str]]) -> None:
    rnd = random.Random(SEED)
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    seen: list[psutil.Process] = []
    log: list[str] = []
    for round_no in range(ROUNDS + 1):
        land_files(raw, rnd, round_no)
        ending = "finish" if round_no == ROUNDS else rnd.choice(ENDINGS)
        proc = start(raw, curated, api_env)
        reaper.append(proc)
        if ending != "finish":
            time.sleep(rnd.uniform(0.5, 9.0))
            with contextlib.suppress(psutil.Error):
                seen += psutil.Process(proc.pid).children(recursive=True)
            if ending == "sigkill-group":
                kill(proc)
            elif proc.poll() is None:
                if ending == "sigint-group":
                    os.killpg(proc.pid, signal.SIGINT)
                else:
                    os.kill(proc.pid, signal.SIGKILL if ending == "sigkill-main" else signal.SIGTERM)
        _, err = proc.communicate(timeout=START_TIMEOUT)
        log.append(f"round {round_no}: {ending} -> exit {proc.returncode}")
        context = f"seed {SEED}, " + "; ".join(log) + f"\n{err[-2500:]}"
        allowed = {"finish": {0}, "sigkill-main": {0, -9}, "sigkill-group": {0, -9},
                   "sigint-group": {0, 130}, "sigterm-main": {0, 143}}[ending]
        assert proc.returncode in allowed, context
        if ending == "finish":
            assert "Traceback" not in err, context
    _, alive = psutil.wait_procs(seen, timeout=15)
    assert not alive, f"left running: {[p.pid for p in alive]} (seed {SEED}; {'; '.join(log)})"
    with run_lock(curated, 0):
        pass
    assert_readable(curated)
    assert_exactly_once(raw, curated)
