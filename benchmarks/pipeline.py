"""End-to-end benchmark: the real Prefect flow against a naive reference, same corpus, same run.

Run: ``.venv/bin/python benchmarks/pipeline.py`` (defaults: both corpora, 10k, 20k and 100k
documents, all cores, one run each). What the issue asks for (three repeats, median ratio, on
both corpora): ``.venv/bin/python benchmarks/pipeline.py --sizes 10000 20000 100000 --repeat 3
--corpus wmt pages``. Options: ``--corpus wmt pages`` (which corpora; every size runs on each),
``--sizes 10000 100000``, ``--repeat N``, ``--workers N``, ``--work DIR`` (default a temp
folder), ``--skip-naive``, ``--keep``, ``--match-caps 8,4,2`` (rerun the match with other
``max_per_bucket`` caps on the flow's output), ``--second-signal-cost`` (what the sentence
sketches cost in the batch workers and the second signal in `match`, see `second_signal_cost`),
``--merge-cost`` (`match` with and without cluster merges, and with the second signal at the
placement and the merge threshold, see `merge_cost`).
Disk: the pages corpus is about 1.4 GB of JSONL per 10,000 documents (14 GB at 100k), kept
only with ``--keep``.

Two corpora, built differently, each written as JSONL files with a truth file (the story or
page each record derives from):

* ``wmt``: `benchmarks.corpus` (real WMT sentences made into stories, with mojibake,
  shortcodes, promos, near-duplicates, translations; the seed samples when ``../shared/eval``
  is absent);
* ``pages``: `benchmarks.pages_corpus` (variants of the 497 non-empty real web pages of
  ``../shared/eval/trafilatura/pages``: each page as is, exact copies, near-duplicates with a
  paragraph or sentence dropped or changed, boilerplate altered), as records whose ``text`` is
  the whole page, which the job treats as an ``.html`` file: its clean stage extracts the
  page's main text (`cleaners.text.extract.extract_page`). Needs ``../shared/eval``.

For each corpus and size it measures, one after the other on the same files:

* **naive**: the obvious script built from the same libraries, in one process:
  ``json`` lines → (pages: ``trafilatura.extract`` with its defaults, a page with no text
  skipped) → ``ftfy.fix_text`` → one ``datasketch.MinHash`` per document
  (``update_batch`` over its distinct lower-cased words, same ``num_perm``) →
  ``datasketch.MinHashLSH`` query-then-insert, first hit's cluster → ``pyarrow`` Parquet.
  No language id, no translation, no verification, no quarantine, no Prefect. It records each
  stage's wall time (``time.perf_counter``) and CPU time (``time.process_time``).
* **flow**: ``curate run --workers N`` in a subprocess (Prefect ephemeral server, the real
  flow, tasks mapped over batches on the process pool), after a warm-up run (`warm_up`) that
  curates one small JSONL record into a throwaway folder so that the Prefect database of its
  ``PREFECT_HOME`` exists (as a user's earlier runs would have left it; a run with nothing new
  no longer starts Prefect, so an empty folder would not do). End-to-end time is the
  subprocess's wall time (includes Python start-up and the ephemeral Prefect server);
  per-stage times come from the manifest and are **wall** times (its clean and fingerprint
  times are summed over the batch tasks, which run in parallel); ``start`` is the time until
  the flow began (the manifest's ``started_at``: Python, Prefect's temporary API, the workers),
  ``publish`` the time after the manifest was written (publish, artifacts, the command's exit). The flow's **CPU** is that of its process tree: the main
  process, the worker processes and, apart, the Prefect server.
  With ``--prefect-server``, the flow runs talk to a Prefect server started once before the
  measurements (``prefect server start``, as ``make ui`` does; not timed), as scheduled runs
  do (``curate serve`` needs one), instead of starting Prefect's temporary API each: the
  server's CPU during each measured run is sampled apart.

Wall or CPU: every ``s`` column of the tables is wall-clock seconds except ``naive CPU s``;
CPU figures are named CPU. Peak RSS and CPU seconds are sampled every 0.1 s over the whole
process tree. The LSH index's size is measured by rebuilding `cleaners.dedup.lsh.BandIndex`
from the curated history with the flow's layout. At the end, one summary table: for each
corpus and size, every run's naive/flow ratio (end to end, wall), their median and whether it
meets the issue's target (2x below 20,000 documents, 3x from 20,000). Nothing here asserts a
time: it prints tables.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import corpus  # noqa: E402
import pages_corpus  # noqa: E402

from flows.backends import lemma_cache  # noqa: E402

MB = 1_000_000
_WORD = re.compile(r"\w+")
#: The corpora ``--corpus`` chooses from, and how each is built (`write_corpus(folder, n)`).
CORPUS_NAMES = {"wmt": "WMT mixtures", "pages": "real web pages"}
BUILDERS = {"wmt": corpus.write_corpus, "pages": pages_corpus.write_corpus}


# --------------------------------------------------------------------------- RSS sampling


@dataclass
class RssPeak:
    """Peak resident memory of a process tree, sampled in a thread."""

    pid: int
    interval: float = 0.1
    tree: int = 0  # all processes but the Prefect server
    server: int = 0  # the ephemeral Prefect server (uvicorn)
    main: int = 0  # the root process alone
    cpu: float = 0.0  # user+sys CPU seconds of every process but the server (incl. exited ones)
    cpu_server: float = 0.0
    cpu_main: float = 0.0  # the root process alone (the rest of ``cpu``: its worker processes)
    _cpu_by_pid: dict[int, tuple[float, bool]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> RssPeak:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            tree = server = 0
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    cmd = " ".join(p.cmdline())
                    times = p.cpu_times()
                except psutil.Error:
                    continue
                # once a server, always: a process tearing down shows an empty command line
                # before it is a zombie (then its CPU went to the tree's)
                is_server = ("uvicorn" in cmd or "prefect.server" in cmd
                             or self._cpu_by_pid.get(p.pid, (0.0, False))[1])
                self._cpu_by_pid[p.pid] = (times.user + times.system, is_server)
                if is_server:
                    server += rss
                else:
                    tree += rss
                if p.pid == self.pid:
                    self.main = max(self.main, rss)
                    self.cpu_main = times.user + times.system
            self.tree = max(self.tree, tree)
            self.server = max(self.server, server)
            self.cpu = sum(c for c, srv in self._cpu_by_pid.values() if not srv)
            self.cpu_server = sum(c for c, srv in self._cpu_by_pid.values() if srv)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


def measured(cmd: list[str], what: str, **popen: Any) -> tuple[float, RssPeak, str]:
    """Run ``cmd`` in a subprocess (``popen``: env, cwd), sampling its tree's memory and CPU:
    ``(wall seconds, the sampler, stdout)``; `RuntimeError` with the end of stderr when it
    fails (``what`` names it)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    rss = RssPeak(proc.pid).start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    rss.stop()
    if proc.returncode:
        raise RuntimeError(f"{what} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall, rss, stdout


def latest_manifest(curated: Path) -> dict[str, Any]:
    """The manifest of the dataset's last run (by modification time)."""
    path = max((curated / "_runs").glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return json.loads(path.read_text(encoding="utf-8"))


@contextlib.contextmanager
def work_folder(given: Path | None, prefix: str, keep: bool = False) -> Iterator[Path]:
    """A benchmark's work folder: ``given`` (created if missing, never removed), else a new
    temporary folder named with ``prefix``, removed after the block unless ``keep``."""
    work = given or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    try:
        yield work
    finally:
        if given is None and not keep:
            shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- naive reference

# The naive reference, in three parts: the start, the reading of one corpus into ``ids`` and
# ``texts`` (with per-stage seconds ``t`` and ``c``, and ``extra`` figures), and the common end:
# MinHash, LSH, Parquet.
_NAIVE_HEAD = r'''
import json, re, sys, time
from pathlib import Path
import ftfy, pyarrow as pa, pyarrow.parquet as pq
from datasketch import MinHash, MinHashLSH

raw, out, num_perm, threshold = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
word = re.compile(r"\w+")
'''

_NAIVE_READ_JSONL = r'''
t, c = {}, {}  # per stage: wall seconds, CPU seconds (this process)
t0, c0 = time.perf_counter(), time.process_time()
docs = [json.loads(line) for p in sorted(raw.glob("*.jsonl")) for line in open(p, encoding="utf-8")]
t["read"], c["read"] = time.perf_counter() - t0, time.process_time() - c0
t0, c0 = time.perf_counter(), time.process_time()
ids, texts = [d["id"] for d in docs], [ftfy.fix_text(d["text"]) for d in docs]
t["clean"], c["clean"] = time.perf_counter() - t0, time.process_time() - c0
extra = {}
'''

# The same for whole pages: what a user writes in an afternoon with trafilatura. Pages are read
# and extracted one by one (holding every page's HTML, 14 GB at 100k, is not an option); a page
# trafilatura finds no text in is skipped and counted. The loop's time less extraction and
# cleaning is "read" (file reading and json.loads).
_NAIVE_READ_PAGES = r'''
import trafilatura
t = {"read": 0.0, "extract": 0.0, "clean": 0.0}  # per stage: wall seconds
c = dict(t)  # per stage: CPU seconds (this process)
ids, texts, no_text = [], [], 0
t0, c0 = time.perf_counter(), time.process_time()
for p in sorted(raw.glob("*.jsonl")):
    for line in open(p, encoding="utf-8"):
        d = json.loads(line)
        t1, c1 = time.perf_counter(), time.process_time()
        text = trafilatura.extract(d["text"])
        t2, c2 = time.perf_counter(), time.process_time()
        t["extract"] += t2 - t1
        c["extract"] += c2 - c1
        if not text:
            no_text += 1
            continue
        ids.append(d["id"])
        texts.append(ftfy.fix_text(text))
        t["clean"] += time.perf_counter() - t2
        c["clean"] += time.process_time() - c2
t["read"] = time.perf_counter() - t0 - t["extract"] - t["clean"]
c["read"] = time.process_time() - c0 - c["extract"] - c["clean"]
extra = {"no_text": no_text}
'''

_NAIVE_DEDUP = r'''
t0, c0 = time.perf_counter(), time.process_time()
sigs = []
for text in texts:
    m = MinHash(num_perm=num_perm)
    m.update_batch([w.encode("utf-8") for w in set(word.findall(text.lower()))])
    sigs.append(m)
t["fingerprint"], c["fingerprint"] = time.perf_counter() - t0, time.process_time() - c0
t0, c0 = time.perf_counter(), time.process_time()
lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
cluster = {}
for i, m in zip(ids, sigs):
    hits = lsh.query(m)
    cluster[i] = min(cluster[h] for h in hits) if hits else i
    lsh.insert(i, m)
t["match"], c["match"] = time.perf_counter() - t0, time.process_time() - c0
t0, c0 = time.perf_counter(), time.process_time()
table = pa.table({
    "doc_id": ids,
    "text": texts,
    "minhash": pa.array([m.hashvalues.astype("uint32") for m in sigs], pa.list_(pa.uint32(), num_perm)),
    "cluster_id": [cluster[i] for i in ids],
})
pq.write_table(table, out, compression="zstd")
t["publish"], c["publish"] = time.perf_counter() - t0, time.process_time() - c0
dups = sum(1 for i in ids if cluster[i] != i)
print(json.dumps({"timings": t, "cpu": c, "duplicates": dups, **extra}))
'''

NAIVE_SCRIPT = _NAIVE_HEAD + _NAIVE_READ_JSONL + _NAIVE_DEDUP
NAIVE_PAGES_SCRIPT = _NAIVE_HEAD + _NAIVE_READ_PAGES + _NAIVE_DEDUP

NAIVE_SCRIPTS = {"wmt": NAIVE_SCRIPT, "pages": NAIVE_PAGES_SCRIPT}


def run_naive(raw: Path, out: Path, num_perm: int, threshold: float, kind: str = "wmt") -> dict[str, Any]:
    """The naive reference for corpus ``kind`` (``wmt`` or ``pages``) in a fresh process: its
    per-stage wall and CPU seconds, wall time, CPU seconds and peak RSS."""
    script = out.parent / f"naive_reference_{kind}.py"
    script.write_text(NAIVE_SCRIPTS[kind], encoding="utf-8")
    wall, rss, stdout = measured([sys.executable, str(script), str(raw), str(out), str(num_perm),
                                  str(threshold)], "naive reference")
    res = json.loads(stdout.strip().splitlines()[-1])
    return {"wall": wall, "timings": res["timings"], "stage_cpu": res["cpu"],
            "duplicates": res["duplicates"], "no_text": res.get("no_text"),
            "rss": rss.tree, "cpu": rss.cpu}


# --------------------------------------------------------------------------- the flow


WARM_UP_RECORD = {"id": "warm-up-1", "url": "https://example.com/warm-up", "title": "Warm-up",
                  "text": "One short article, curated before the measured run so that the Prefect "
                          "database of this PREFECT_HOME exists, as a user's earlier runs would have "
                          "left it. Nothing else depends on it."}


def warm_up(cmd: list[str], env: dict[str, str], home: Path) -> None:
    """Curate one small JSONL record (``home/warm-up-raw``) into a throwaway curated folder
    (``home/warm-up-curated``, emptied first) with the measured run's command and environment:
    a real flow run, which creates the Prefect database in ``home`` (``prefect.db``), as a user's
    earlier runs would have. (A run on an empty folder no longer does: with no new file,
    ``curate run`` records the run without starting Prefect.) Warns when no ``prefect.db``
    appeared (a Prefect API or database configured elsewhere in the environment), except with
    ``PREFECT_API_URL`` in ``env`` (``--prefect-server``: the server holds the database)."""
    raw, curated = home / "warm-up-raw", home / "warm-up-curated"
    shutil.rmtree(curated, ignore_errors=True)
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "warm-up.jsonl").write_text(json.dumps(WARM_UP_RECORD) + "\n", encoding="utf-8")
    i = cmd.index("--raw")
    warm = [*cmd[:i], "--raw", str(raw), "--curated", str(curated), "--workers", "1"]
    done = subprocess.run(warm, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"warm-up run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    if "PREFECT_API_URL" not in env and not (home / "prefect.db").exists():
        print(f"warning: the warm-up left no {home / 'prefect.db'}: the measured run may pay for "
              f"creating Prefect's database", file=sys.stderr)


@dataclass
class PrefectServer:
    """A Prefect server started for the whole benchmark (`prefect_server`)."""

    url: str
    process: psutil.Process

    def _processes(self) -> list[psutil.Process]:
        try:
            return [self.process, *self.process.children(recursive=True)]
        except psutil.Error as exc:
            raise RuntimeError(f"the Prefect server of --prefect-server is gone: {exc}") from None

    def cpu(self) -> float:
        """CPU seconds (user+sys) of the server's processes so far."""
        total = 0.0
        for p in self._processes():
            with contextlib.suppress(psutil.Error):
                times = p.cpu_times()
                total += times.user + times.system
        return total

    def rss(self) -> int:
        """Resident bytes of the server's processes now."""
        total = 0
        for p in self._processes():
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total


@contextlib.contextmanager
def prefect_server(home: Path) -> Iterator[PrefectServer]:
    """``prefect server start`` on a free loopback port with ``home`` as its ``PREFECT_HOME``,
    once ``/health`` answers; stopped after the block."""
    import httpx

    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home), "DO_NOT_TRACK": "1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    from flows.lifecycle import die_with_parent

    log_path = home / "server.log"
    with log_path.open("wb") as log:  # the server keeps its own descriptor
        proc = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start",
                                 "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=die_with_parent)
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"prefect server start exited ({proc.returncode}):\n{tail}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("prefect server start did not answer within 120 s")
            time.sleep(0.2)
        yield PrefectServer(url, psutil.Process(proc.pid))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


#: The running server of ``--prefect-server`` (None: each run starts Prefect's temporary API).
SERVER: PrefectServer | None = None


def run_flow(raw: Path, curated: Path, workers: int, home: Path, extra: list[str]) -> dict[str, Any]:
    """``curate run`` in a subprocess, after `warm_up`: wall time, manifest, peak RSS (tree,
    server, main) and CPU seconds (tree, server, main process). With `SERVER` set, the run
    talks to it (``PREFECT_API_URL``) and its CPU during the run is the server's."""
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "WARNING",
           "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90"}
    if SERVER is not None:
        env["PREFECT_API_URL"] = SERVER.url
    else:
        env.pop("PREFECT_API_URL", None)
    cmd = [str(Path(sys.executable).with_name("curate")), "run", "--raw", str(raw),
           "--curated", str(curated), "--workers", str(workers), *extra]
    warm_up(cmd, env, home)
    server_cpu = SERVER.cpu() if SERVER is not None else 0.0
    started = time.time()
    wall, rss, stdout = measured(cmd, "curate run", env=env)
    out = {"wall": wall, "started": started, "manifest": latest_manifest(curated), "rss": rss.tree,
           "rss_server": rss.server, "cpu": rss.cpu, "cpu_server": rss.cpu_server, "cpu_main": rss.cpu_main,
           "rss_main": rss.main, "line": stdout.strip().splitlines()[-1] if stdout.strip() else ""}
    if SERVER is not None:
        out["cpu_server"], out["rss_server"] = SERVER.cpu() - server_cpu, SERVER.rss()
    return out


def index_size(curated: Path, redis_url: str | None = None) -> dict[str, float]:
    """Bytes per document of the LSH index and of the history the matcher holds, measured.

    With ``redis_url``, also the time to add the same band keys to, and query about 1,000 of them in,
    `flows.backends.redis_index.RedisBandIndex` (a scratch namespace, deleted afterwards) and the
    memory Redis reports for them, next to the in-memory `BandIndex`.
    """

    from cleaners.dedup import MatchConfig
    from cleaners.dedup.lsh import BandIndex, band_keys
    from flows.history import load_history
    from flows.store import Layout

    manifests = sorted((curated / "_runs").glob("*.json"))
    params = json.loads(manifests[-1].read_text(encoding="utf-8"))["parameters"]
    num_perm = params["fingerprint"]["num_perm"]
    cfg = MatchConfig(**params["match"])
    hist = load_history(Layout(curated), num_perm)
    assert hist is not None
    n = len(hist.doc_ids)
    bands, rows = cfg.lsh_params()
    keys = band_keys(hist.signatures, bands, rows)
    probe = keys[:: max(1, n // 1000)]  # about 1,000 queries: the index's own size is what counts
    t0 = time.perf_counter()
    index = BandIndex()
    index.add(hist.doc_ids, keys)
    memory_found = index.query(probe)
    memory_s = time.perf_counter() - t0
    id_bytes = sum(sys.getsizeof(s) for s in hist.doc_ids) + 8 * n  # strings + list slots
    history_bytes = (hist.signatures.nbytes + id_bytes
                     + sum(sys.getsizeof(s) for s in hist.text_hashes) + 8 * n
                     + 8 * n * 2  # langs and cluster_ids list slots (strings shared or counted above)
                     + sum(sys.getsizeof(s) for s in hist.cluster_ids if s is not None)
                     + hist.is_canonical.nbytes + hist.n_features.nbytes)
    out = {
        "documents": n, "bands": bands, "rows": rows,
        "index_keys_per_doc": index.nbytes() / n,
        "index_per_doc": (index.nbytes() + id_bytes) / n,
        "history_per_doc": history_bytes / n,
        "signature_per_doc": hist.signatures.nbytes / n,
    }
    out["memory_add_query_s"] = memory_s
    if redis_url:
        from flows.backends.redis_index import RedisBandIndex

        rindex = RedisBandIndex(redis_url, f"bench:{os.getpid()}")
        rindex.clear()
        t0 = time.perf_counter()
        rindex.add(hist.doc_ids, keys)
        out["redis_add_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        redis_found = rindex.query(probe)
        out["redis_query_s"] = time.perf_counter() - t0
        out["redis_same_answers"] = float(redis_found == memory_found)
        out["redis_per_doc"] = rindex.memory_bytes() / n
        rindex.clear()
    del index, hist, memory_found
    gc.collect()
    return out


# --------------------------------------------------------------------------- matcher memory

MATCHER_SCRIPT = r'''
import resource, sys, time
import numpy as np, xxhash
from cleaners.dedup import DocBatch, History, match
from cleaners.dedup import DEFAULT_FINGERPRINT, TUNED_MATCH
import dataclasses

n_hist, n_new = int(sys.argv[1]), int(sys.argv[2])
P = DEFAULT_FINGERPRINT.num_perm
langs = ["en", "fr", "de", "es"]
def ids(n, salt):
    return [xxhash.xxh3_128_hexdigest(f"{salt}{i}".encode()) for i in range(n)]
rng = np.random.default_rng(0)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
hist = None
if n_hist:
    hid = ids(n_hist, "h")
    hist = History(doc_ids=hid, langs=[langs[i % 4] for i in range(n_hist)],
                   signatures=rng.integers(0, 2**32, (n_hist, P), dtype=np.uint32),
                   text_hashes=ids(n_hist, "t"), cluster_ids=list(hid),
                   is_canonical=np.ones(n_hist, bool),
                   n_features=rng.integers(50, 400, n_hist).astype(np.int64))
nid = ids(n_new, "n")
batch = DocBatch(doc_ids=nid, langs=[langs[i % 4] for i in range(n_new)],
                 signatures=rng.integers(0, 2**32, (n_new, P), dtype=np.uint32),
                 text_hashes=ids(n_new, "u"), lengths=rng.integers(500, 5000, n_new),
                 published_at=np.full(n_new, np.nan), n_features=rng.integers(50, 400, n_new).astype(np.int64))
held = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t0 = time.perf_counter()
config = dataclasses.replace(TUNED_MATCH, num_perm=P)  # what the flow runs
out = match(batch, hist, config)
sec = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(n_hist, n_new, base, held, peak, sec, len(out))
'''


def matcher_memory(sizes: list[int], new: int) -> list[str]:
    """Peak RSS of `cleaners.dedup.matcher.match` over a history of N documents plus ``new`` new ones.

    Synthetic inputs of the real shapes (32-hex-char ids and hashes, ``num_perm`` uint32
    signatures, random so that there are no candidates): it measures what the matcher holds
    per history document, each size in a fresh process.
    """
    lines = ["| history docs | new docs | inputs held MiB | peak MiB (above imports) | B per history doc | match s |",
             "|---:|---:|---:|---:|---:|---:|"]
    points = []
    for n in sizes:
        out = subprocess.run([sys.executable, "-c", MATCHER_SCRIPT, str(n), str(new)],
                             capture_output=True, text=True, cwd=ROOT, check=True)
        _, _, base, held, peak, sec, _ = out.stdout.split()
        base_i, held_i, peak_i = int(base), int(held), int(peak)
        points.append((n, peak_i - base_i))
        lines.append(f"| {n:,} | {new:,} | {(held_i - base_i) / 2**20:,.0f} | {(peak_i - base_i) / 2**20:,.0f} "
                     f"| {(peak_i - base_i) / max(n, 1):,.0f} | {float(sec):.1f} |")
    if len(points) >= 2:
        (n1, r1), (n2, r2) = points[0], points[-1]
        slope = (r2 - r1) / (n2 - n1)
        lines.append("")
        lines.append(f"Marginal cost {slope:,.0f} B per history document; a 1,000,000-document history "
                     f"needs about {(r2 + slope * (1_000_000 - n2)) / 2**30:.2f} GiB in the matcher.")
    return lines


def duplicate_quality(base: Path, size: int) -> dict[str, tuple[int, int]]:
    """(marked, correct) duplicates of the naive output and of the flow's, against the truth.

    A duplicate is correct when it and the document it points to (the flow's canonical, the
    naive run's cluster head) render the same story (``truth-<n>.jsonl`` of the corpus).
    """
    import pyarrow.dataset as pads
    import pyarrow.parquet as papq

    story = {}
    with open(base / f"truth-{size}.jsonl", encoding="utf-8") as fh:
        for line in fh:
            t = json.loads(line)
            story[t["id"]] = t["story"]
    out: dict[str, tuple[int, int]] = {}
    naive_path = base / "naive.parquet"
    if naive_path.exists():
        t = papq.read_table(naive_path, columns=["doc_id", "cluster_id"]).to_pylist()
        dups = [r for r in t if r["cluster_id"] != r["doc_id"]]
        out["naive"] = (len(dups), sum(story[r["doc_id"]] == story[r["cluster_id"]] for r in dups))
    rows = pads.dataset(base / "curated" / "articles", format="parquet", partitioning="hive").to_table(
        columns=["doc_id", "source_id", "duplicate_of"]).to_pylist()
    source = {r["doc_id"]: r["source_id"] for r in rows}
    dups = [r for r in rows if r["duplicate_of"] is not None]
    out["flow"] = (len(dups), sum(story[r["source_id"]] == story[source[r["duplicate_of"]]] for r in dups))
    return out


def _curated_batch(base: Path, size: int) -> tuple[Any, dict[str, str], list[str], list[str], list[str]]:
    """The flow's output as one `DocBatch`, with each document's story and kind (truth), the
    ids and the articles parts."""
    import glob

    import numpy as np
    import pyarrow.compute as pac
    import pyarrow.parquet as papq

    from cleaners.dedup import DEFAULT_FINGERPRINT, DocBatch
    from flows.schema import signature_matrix

    truth = {}
    with open(base / f"truth-{size}.jsonl", encoding="utf-8") as fh:
        for line in fh:
            t = json.loads(line)
            truth[t["id"]] = (t["story"], t["kind"])
    parts = sorted(glob.glob(str(base / "curated" / "articles" / "**" / "*.parquet"), recursive=True))
    t = papq.read_table(parts)
    ids = t.column("doc_id").to_pylist()
    story = {d: truth[s][0] for d, s in zip(ids, t.column("source_id").to_pylist(), strict=True)}
    kind = [truth[s][1] for s in t.column("source_id").to_pylist()]
    published = pac.cast(t.column("published_at"), "int64").to_numpy(zero_copy_only=False) / 1e6
    batch = DocBatch(
        doc_ids=ids, langs=t.column("lang").to_pylist(),
        signatures=signature_matrix(t.column("minhash"), DEFAULT_FINGERPRINT.num_perm),
        text_hashes=t.column("text_hash").to_pylist(),
        lengths=pac.utf8_length(t.column("text")).to_numpy(), published_at=published.astype(float),
        n_features=t.column("shingle_count").to_numpy().astype(np.int64))
    return batch, story, kind, ids, parts


def second_signal_cost(base: Path, size: int, flow_seconds: float, workers: int,
                       batch_size: int = 2000) -> list[str]:
    """The second signal's cost on the flow's output, where the flow pays it: in the batch
    workers, each document's sentence sketch made with its fingerprint and stored with the
    batch (`fingerprint_table` with and without sketches, batch by batch over the curated
    texts, alternately, the batch written as the flow writes it: CPU seconds of one process,
    divided by ``workers`` for the wall time they add), and in `match`, rerun with and without
    the signal (the sketches read from those batches, as the flow reads them): seconds, pairs
    judged and refused, placement passes, duplicates. Then their sum as a share of the flow's
    end-to-end time."""
    import pyarrow.parquet as papq

    from cleaners.dedup import DEFAULT_FINGERPRINT, TUNED_MATCH, MatchStats, match
    from flows.staged import STAGED_SUFFIX, write_staged
    from flows.stages.clean_fingerprint import fingerprint_table
    from flows.stages.sketches import sketch_source

    batch, _, _, _, parts = _curated_batch(base, size)
    t = papq.read_table(parts, columns=["doc_id", "lang", "text"])
    staged = base / "second-signal-batches"
    staged.mkdir(exist_ok=True)
    cpu = {False: 0.0, True: 0.0}
    written = {False: 0, True: 0}
    paths, langs = [], []
    names = ["doc_id", "lang_hint", "text"]
    # warm-up: the first batch's words translated (the word memo is shared by both modes)
    fingerprint_table(t.slice(0, batch_size).rename_columns(names), DEFAULT_FINGERPRINT)
    for k, start in enumerate(range(0, t.num_rows, batch_size)):
        part = t.slice(start, batch_size).rename_columns(names)
        for with_sketches in ((False, True) if k % 2 == 0 else (True, False)):
            path = staged / f"fp-{k:05d}{'' if with_sketches else '-plain'}{STAGED_SUFFIX}"
            t0 = time.process_time()
            out, _ = fingerprint_table(part, DEFAULT_FINGERPRINT, sketches=with_sketches)
            write_staged(out, path, compressed=False)  # as the flow stages it
            cpu[with_sketches] += time.process_time() - t0
            written[with_sketches] += path.stat().st_size
            if with_sketches:
                paths.append(str(path))
                langs += out.column("lang").to_pylist()
            else:
                path.unlink()
    moved = sum(a != b for a, b in zip(langs, batch.langs, strict=True))
    lines = ["| second signal | batch workers: fingerprint CPU s | match s | "
             "grey-zone pairs judged | refused | placements | duplicates |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    seconds = {}
    for on in (False, True):
        stats = MatchStats()
        gc.collect()
        t0 = time.perf_counter()
        source = sketch_source(paths, [], DEFAULT_FINGERPRINT) if on else None
        out = match(batch, None, TUNED_MATCH, stats=stats, sketches=source)
        seconds[on] = time.perf_counter() - t0
        lines.append(f"| {'on' if on else 'off'} | {cpu[on]:.1f} | {seconds[on]:.1f} | "
                     f"{stats.second_signal_pairs:,} | {stats.second_signal_refused:,} | "
                     f"{stats.placement_passes} | {sum(not a.is_canonical for a in out):,} |")
        del out, source
    shutil.rmtree(staged, ignore_errors=True)
    in_workers = (cpu[True] - cpu[False]) / max(workers, 1)
    in_match = seconds[True] - seconds[False]
    total = in_workers + in_match
    extra_cpu = cpu[True] - cpu[False]
    lines += ["", f"Second signal: {extra_cpu:.1f} s more CPU in the batch workers "
              f"({1e3 * extra_cpu / max(t.num_rows, 1):.3f} ms/document; {in_workers:.1f} s of wall "
              f"with {workers} worker(s)) and {in_match:.1f} s more in `match`: {total:.1f} s, "
              f"{100 * total / flow_seconds:.1f} % of the flow's {flow_seconds:.1f} s end to end. "
              f"The fingerprinted batches: {written[True] / 2**20:,.0f} MiB with the sketches, "
              f"{written[False] / 2**20:,.0f} MiB without."
              + (f" ({moved} documents' language detected otherwise than in the flow.)"
                 if moved else "")]
    return lines


def match_caps(base: Path, size: int, caps: list[int | None]) -> list[str]:
    """`cleaners.dedup.matcher.match` rerun on the flow's output with other ``max_per_bucket`` caps:
    seconds, candidate pairs, duplicates and translations joined to their own story (truth)."""
    import dataclasses

    from cleaners.dedup import TUNED_MATCH, MatchStats, match

    batch, story, kind, ids, _ = _curated_batch(base, size)
    lines = [f"| max_per_bucket | match s | candidate pairs | verified pairs | duplicates | translations joined to their story (of {kind.count('translation'):,}) |",
             "|---|---:|---:|---:|---:|---:|"]
    for cap in caps:
        stats = MatchStats()
        t0 = time.perf_counter()
        out = match(batch, None, dataclasses.replace(TUNED_MATCH, max_per_bucket=cap), stats=stats)
        sec = time.perf_counter() - t0
        joined = sum(1 for i, a in enumerate(out) if kind[i] == "translation" and not a.is_canonical
                     and story[ids[i]] == story[a.duplicate_of])
        lines.append(f"| {cap} | {sec:.1f} | {stats.candidate_pairs:,} | {stats.verified_pairs:,} | "
                     f"{sum(not a.is_canonical for a in out):,} | {joined:,} |")
        del out
        gc.collect()
    return lines


def merge_cost(base: Path, size: int, flow_seconds: float, batch_size: int = 2000) -> list[str]:
    """`cleaners.dedup.matcher.match` rerun on the flow's output with and without the cluster
    merges (`cleaners.dedup.merge`), twice each, alternately: seconds, clusters merged,
    duplicates, translations joined to their story; then what the merges add (median of each
    side) as a share of the flow's end-to-end time. Then the same with the second signal (the
    sketches made from the curated texts as the batch workers make them), merges off, at the
    placement threshold (``merge_xl_threshold=None``) and at the merge threshold (the flow's)."""
    import dataclasses
    import statistics

    import pyarrow.parquet as papq

    from cleaners.dedup import DEFAULT_FINGERPRINT, TUNED_MATCH, MatchStats, match
    from flows.staged import STAGED_SUFFIX, write_staged
    from flows.stages.clean_fingerprint import fingerprint_table
    from flows.stages.sketches import sketch_source

    batch, story, kind, ids, parts = _curated_batch(base, size)
    header = [f"| merges | match s | clusters merged | duplicates | translations joined to their story (of {kind.count('translation'):,}) |",
              "|---|---:|---:|---:|---:|"]

    def timed(config: Any, sketches: Any) -> tuple[float, str]:
        stats = MatchStats()
        gc.collect()
        t0 = time.perf_counter()
        out = match(batch, None, config, stats=stats, sketches=sketches() if sketches else None)
        seconds = time.perf_counter() - t0
        joined = sum(1 for i, a in enumerate(out) if kind[i] == "translation" and not a.is_canonical
                     and story[ids[i]] == story[a.duplicate_of])
        return seconds, (f"{seconds:.2f} | {stats.merged:,} | {sum(not a.is_canonical for a in out):,} | "
                         f"{joined:,} |")

    lines = list(header)
    seconds: dict[Any, list[float]] = {}
    for on in (False, True, True, False):
        took, row = timed(dataclasses.replace(TUNED_MATCH, merge_clusters=on), None)
        seconds.setdefault(on, []).append(took)
        lines.append(f"| {'on' if on else 'off'} | {row}")
    added = statistics.median(seconds[True]) - statistics.median(seconds[False])
    lines += ["", f"Merges add {added:.2f} s to `match` (median of two runs each), "
                  f"{100 * added / flow_seconds:.1f} % of the flow's {flow_seconds:.1f} s end to end.", ""]

    staged = base / "merge-cost-batches"
    staged.mkdir(exist_ok=True)
    t = papq.read_table(parts, columns=["doc_id", "lang", "text"])
    paths = []
    for k, start in enumerate(range(0, t.num_rows, batch_size)):
        part = t.slice(start, batch_size).rename_columns(["doc_id", "lang_hint", "text"])
        path = staged / f"fp-{k:05d}{STAGED_SUFFIX}"
        write_staged(fingerprint_table(part, DEFAULT_FINGERPRINT, sketches=True)[0], path,
                     compressed=False)
        paths.append(str(path))
    variants = {"off": dataclasses.replace(TUNED_MATCH, merge_clusters=False),
                "at the placement threshold": dataclasses.replace(TUNED_MATCH, merge_xl_threshold=None),
                f"at the merge threshold {TUNED_MATCH.merge_floor}": TUNED_MATCH}
    lines += ["With the second signal:", "", *header]
    seconds = {}
    for name in [*variants, *reversed(variants)]:
        took, row = timed(variants[name], lambda: sketch_source(paths, [], DEFAULT_FINGERPRINT))
        seconds.setdefault(name, []).append(took)
        lines.append(f"| {name} | {row}")
    shutil.rmtree(staged, ignore_errors=True)
    off, placement, floor = (statistics.median(seconds[n]) for n in variants)
    lines += ["", f"With the second signal, merges add {placement - off:.2f} s at the placement threshold "
                  f"and {floor - off:.2f} s at the merge threshold (medians), "
                  f"{100 * (floor - off) / flow_seconds:.1f} % of the flow's {flow_seconds:.1f} s end to end."]
    return lines


# --------------------------------------------------------------------------- report


def _rate(n: int, nbytes: int, seconds: float) -> str:
    if seconds <= 0:
        return f"{'-':>10} {'-':>8}"
    return f"{n / seconds:>10,.0f} {nbytes / MB / seconds:>8.2f}"


def report(size: int, info: dict[str, Any], naive: dict[str, Any] | None, flow: dict[str, Any],
           idx: dict[str, float], workers: int, kind: str = "wmt") -> list[str]:
    """The table for one corpus and size, as Markdown lines. Every ``s`` column is wall time
    unless its header says CPU."""
    n, nbytes = info["documents"], info["text_bytes"]
    what = "HTML" if kind == "pages" else "text"
    head = (f"### {CORPUS_NAMES[kind]}: {size:,} documents ({nbytes / MB:.1f} MB of {what}, "
            f"{info['file_bytes'] / MB:.1f} MB of JSONL; kinds {info['kinds']}")
    if kind == "pages":
        head += f"; from {info['pages']} pages, {info['pages_skipped']} empty ones left out"
    lines = [
        head + f"), {workers} worker(s), {os.cpu_count()} cores",
        "",
        "| stage | naive wall s | naive CPU s | naive docs/s | naive MB/s | flow wall s | flow CPU s | flow docs/s | flow MB/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    timings = dict(flow["manifest"].get("timings", {}))
    # The summary line ends with the seconds since the command started. The manifest says when
    # the flow began (after Python's start, Prefect's temporary API and the workers' start) and
    # is written just before publishing: what comes before and after it are two more rows.
    ended = re.search(r"([\d.]+)s$", flow["line"])
    flow_s = float(ended.group(1)) if ended else flow["wall"]
    began, written = (datetime.fromisoformat(flow["manifest"][k]).timestamp() - flow["started"]
                      for k in ("started_at", "finished_at"))
    timings["start"] = round(began, 2)
    timings["publish"] = round(flow["wall"] - written, 2)
    nt = dict(naive["timings"]) if naive else {}
    nc = dict(naive.get("stage_cpu", {})) if naive else {}
    front = ["read", "extract", "clean", "fingerprint"] if kind == "pages" else ["read", "clean", "fingerprint"]
    for d in (nt, nc):
        if d:
            d["read_clean_and_fingerprint"] = sum(d[st] for st in front)
    # The flow's read, clean and fingerprint tasks overlap (no barrier): "read" is the time until
    # the last file group was read, clean and fingerprint are task times summed over the
    # workers, and the wall time of the three together is the "read + clean + fingerprint" row.
    timings["clean"] = timings.get("clean", timings.get("clean_tasks"))
    timings["fingerprint"] = timings.get("fingerprint", timings.get("fingerprint_tasks"))
    timings["extract"] = None  # the job extracts a page's main text in its clean stage
    # CPU seconds the manifest records: summed over the batch tasks, and of the flow's process
    # while it loads the history and matches
    flow_cpu = {"clean": timings.get("clean_tasks_cpu"), "fingerprint": timings.get("fingerprint_tasks_cpu"),
                "load_history": timings.get("load_history_cpu"), "match": timings.get("match_cpu")}
    stages = ["start", *front, "read_clean_and_fingerprint", "load_history", "match", "publish"]

    def cell(sec: float | None, cpu: float | None = None, with_cpu: bool = False) -> str:
        c = "" if not with_cpu else ("| - " if cpu is None else f"| {cpu:.2f} ")
        if sec is None:
            return f"| - {c}| - | - "
        r = _rate(n, nbytes, sec).split()
        return f"| {sec:.2f} {c}| {r[0]} | {r[1]} "

    labels = {"clean": "clean (flow: wall summed over the batch tasks"
                       + (", main-text extraction included)" if kind == "pages" else ")"),
              "extract": "extract main text (naive: trafilatura.extract; flow: in clean)",
              "fingerprint": "fingerprint (flow: wall summed over the batch tasks)",
              "read": "read (flow: until the last file group is read)",
              "read_clean_and_fingerprint": "read + " + ("extract + " if kind == "pages" else "")
                                            + "clean + fingerprint",
              "start": ("start (flow: Python, workers, until the flow begins; Prefect server running)"
                        if SERVER is not None else
                        "start (flow: Python, Prefect's temporary API, workers, until the flow begins)"),
              "publish": "publish (flow: with the run's artifacts and the command's exit)"}
    for st in stages:
        lines.append(f"| {labels.get(st, st)} {cell(nt.get(st), nc.get(st), True) if naive else '| - | - | - | - '}"
                     f"{cell(timings.get(st), flow_cpu.get(st), True)}|")
    if naive:
        nv_sum = sum(naive["timings"].values())
        nc_sum = sum(naive.get("stage_cpu", {}).values())
        lines.append(f"| stages total | {nv_sum:.2f} | {nc_sum:.2f} | {n / nv_sum:,.0f} | {nbytes / MB / nv_sum:.2f} "
                     f"| {flow_s:.2f} | - | {n / flow_s:,.0f} | {nbytes / MB / flow_s:.2f} |")
        lines.append(f"| **end to end (process wall)** | {naive['wall']:.2f} | {naive['cpu']:.2f} "
                     f"| {n / naive['wall']:,.0f} | {nbytes / MB / naive['wall']:.2f} | {flow['wall']:.2f} "
                     f"| {flow['cpu']:.2f} | {n / flow['wall']:,.0f} | {nbytes / MB / flow['wall']:.2f} |")
    else:
        lines.append(f"| flow total | - | - | - | - | {flow_s:.2f} | - | {n / flow_s:,.0f} | {nbytes / MB / flow_s:.2f} |")
        lines.append(f"| **end to end (process wall)** | - | - | - | - | {flow['wall']:.2f} | {flow['cpu']:.2f} | "
                     f"{n / flow['wall']:,.0f} | {nbytes / MB / flow['wall']:.2f} |")
    lines.append("")
    lines.append("Wall and CPU: every `s` column above is wall-clock seconds except `naive CPU s` "
                 "and `flow CPU s` (`time.process_time()` of the naive process, stage by stage; for the flow, "
                 "the manifest's CPU seconds: of the threads that ran the batch tasks, summed, for "
                 "clean and fingerprint, of the flow's process for load_history and match; the end-to-end "
                 "cells are the process trees' CPU as sampled below, the flow's without the Prefect "
                 "server). The flow's clean and fingerprint wall rows are seconds summed over tasks that "
                 "run in parallel, so they can exceed the run's wall time.")
    workers_cpu = flow["cpu"] - flow["cpu_main"]
    lines.append("CPU seconds, user+sys, of the process trees (sampled every 0.1 s, so a slight "
                 "under-count): "
                 + (f"naive {naive['cpu']:.1f}; " if naive else "")
                 + f"flow {flow['cpu']:.1f} = main process {flow['cpu_main']:.1f} (the flow: Prefect "
                 f"client, discovery, reading when the files make one group, load_history, match, "
                 f"publish) + worker processes {workers_cpu:.1f} (the read and batch tasks: "
                 + ("main-text extraction, " if kind == "pages" else "")
                 + f"clean, fingerprint), plus the Prefect server {flow['cpu_server']:.1f}"
                 + (" (the running server's, from after the warm-up to the run's end: its "
                    "background services and the warm-up's leftover events too)" if SERVER is not None else "")
                 + "; "
                 f"load average during the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    if naive:
        lines.append(f"Speed-up, end to end (wall): **{naive['wall'] / flow['wall']:.2f}x**; "
                     f"stages only (naive stage sum / flow duration, wall): "
                     f"{sum(naive['timings'].values()) / flow_s:.2f}x; CPU, naive process / flow "
                     f"tree without the server: {naive['cpu'] / max(flow['cpu'], 1e-9):.2f}x.")
        if kind == "pages":
            ex_w, ex_c = naive["timings"]["extract"], naive["stage_cpu"]["extract"]
            lines.append(f"trafilatura.extract in the naive script: {1e3 * ex_w / n:.1f} ms/page wall, "
                         f"{1e3 * ex_c / n:.1f} ms/page CPU; {naive.get('no_text') or 0:,} page(s) "
                         f"gave no text (skipped).")
    quality = info.get("quality", {})
    injected = sum(v for k, v in info["kinds"].items() if k != "unique")
    parts = [f"{who} {marked:,} marked, {correct:,} correct (same {'page' if kind == 'pages' else 'story'})"
             for who, (marked, correct) in quality.items()]
    of = (f" (of which translations: {info['kinds'].get('translation', 0):,})" if kind == "wmt" else "")
    lines.append(f"Duplicates: {'; '.join(parts)}; injected: {injected:,}{of}.")
    counts = flow["manifest"].get("counts", {})
    if counts.get("rows_quarantined"):
        lines.append(f"Flow quarantined {counts['rows_quarantined']:,} record(s), by reason: "
                     f"{flow['manifest'].get('quarantine_by_reason')}.")
    mem = (f"Peak RSS: flow {flow['rss'] / 2**20:,.0f} MiB (flow process + workers; main process "
           f"{flow['rss_main'] / 2**20:,.0f} MiB), Prefect server {flow['rss_server'] / 2**20:,.0f} MiB"
           + (" (the running server's, at the run's end)" if SERVER is not None else ""))
    if naive:
        mem += f"; naive {naive['rss'] / 2**20:,.0f} MiB"
    lines.append(mem + ".")
    lines.append(
        f"Index: {idx['bands']} bands x {idx['rows']} rows; band keys {idx['index_keys_per_doc']:.0f} B/doc, "
        f"with ids {idx['index_per_doc']:.0f} B/doc; everything the matcher holds per history document "
        f"it is given (signature {idx['signature_per_doc']:.0f} B, ids, hashes, flags) "
        f"{idx['history_per_doc']:.0f} B/doc (a run is given the rows the history index finds, "
        "a run with a Redis index all of them).")
    if "redis_add_s" in idx:
        lines.append(
            f"Same band keys in Redis (`RedisBandIndex`): add all {idx['redis_add_s']:.1f} s + query ~1,000 "
            f"{idx['redis_query_s']:.1f} s (in memory: {idx['memory_add_query_s']:.2f} s for both), "
            f"{idx['redis_per_doc']:.0f} B/doc in Redis; same answers: "
            f"{'yes' if idx['redis_same_answers'] else 'NO'}.")
    lines.append("")
    return lines


def repeats(base: Path, naive: dict[str, Any], flow: dict[str, Any], args: argparse.Namespace,
            kind: str = "wmt") -> tuple[str, list[float]]:
    """Run naive and flow ``args.repeat - 1`` more times, alternately, on the same files; one
    line with every end-to-end ratio (the first is the table's) and their median, and the ratios."""
    from cleaners.dedup.fingerprint import DEFAULT_FINGERPRINT

    pairs = [(naive["wall"], flow["wall"])]
    for k in range(1, args.repeat):
        nv = run_naive(base / "raw", base / f"naive-{k}.parquet", DEFAULT_FINGERPRINT.num_perm, 0.5, kind)
        fl = run_flow(base / "raw", base / f"curated-{k}", args.workers, base / "prefect-home", args.flow_arg)
        print(f"repeat {k}: naive {nv['wall']:.1f}s, flow {fl['wall']:.1f}s", file=sys.stderr)
        pairs.append((nv["wall"], fl["wall"]))
    ratios = [a / b for a, b in pairs]
    runs = "; ".join(f"{a:.1f} / {b:.1f} = {a / b:.2f}x" for a, b in pairs)
    return (f"Repeated {args.repeat} times, naive and flow alternately on the same files "
            f"(end to end, wall, naive s / flow s): {runs}. **Median speed-up "
            f"{statistics.median(ratios):.2f}x**."), ratios


def target(size: int) -> float:
    """The issue's target speed-up (median of three, end to end): 2x at 10k documents, 3x at
    20k and 100k (sizes under 20k are held to 2x, sizes from 20k to 3x)."""
    return 2.0 if size < 20_000 else 3.0


def summary_table(rows: list[tuple[str, int, list[float]]]) -> list[str]:
    """One line per corpus and size: each run's naive/flow ratio (end to end, wall), their
    median and whether the target is met."""
    most = max((len(r) for _, _, r in rows), default=1)
    lines = ["| corpus | documents | " + " | ".join(f"run {i + 1}" for i in range(most))
             + " | median | target | met |",
             "|---|---:|" + "---:|" * most + "---:|---:|---|"]
    for kind, size, ratios in rows:
        med, goal = statistics.median(ratios), target(size)
        cells = [f"{r:.2f}x" for r in ratios] + ["-"] * (most - len(ratios))
        lines.append(f"| {kind} | {size:,} | {' | '.join(cells)} | {med:.2f}x | {goal:.0f}x | "
                     f"{'yes' if med >= goal else 'no'} |")
    return lines


def rss_growth(kind: str, rows: list[tuple[int, float, float]]) -> None:
    """Print how the flow's peak RSS grows per document between the first and last size."""
    if len(rows) >= 2:
        (n1, r1, _), (n2, r2, h2) = rows[0], rows[-1]
        slope = (r2 - r1) / (n2 - n1)
        at_1m = r2 + slope * (1_000_000 - n2)
        print(f"{CORPUS_NAMES[kind]}: peak RSS grows {slope:,.0f} B/document between {n1:,} and {n2:,} "
              f"documents; extrapolated to 1,000,000 documents in one run: {at_1m / 2**30:.2f} GiB "
              f"(a whole history held by the matcher: {h2 * 1e6 / 2**30:.2f} GiB per million; "
              "runs hold what the history index finds of it).\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 100_000])
    ap.add_argument("--corpus", nargs="+", choices=list(BUILDERS), default=list(BUILDERS),
                    help="corpora to run every size on (default: both)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--work", type=Path, default=None, help="work folder (default: a temp folder)")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the corpora and outputs")
    ap.add_argument("--flow-arg", action="append", default=[], help="extra argument for curate run")
    ap.add_argument("--matcher", type=int, nargs="*", default=None,
                    help="only measure the matcher's memory for these history sizes (e.g. 100000 300000)")
    ap.add_argument("--match-caps", default=None,
                    help="after the flow, rerun match with these max_per_bucket caps (e.g. 8,4,2; None = no cap)")
    ap.add_argument("--second-signal-cost", action="store_true",
                    help="rerun match on the flow's output with and without the second signal")
    ap.add_argument("--merge-cost", action="store_true",
                    help="rerun match on the flow's output with and without cluster merges")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run naive and flow this many times, alternately, and report each ratio, "
                         "the median and the target (this machine's speed drifts between runs)")
    ap.add_argument("--prefect-server", action="store_true",
                    help="run the flow against a Prefect server started once, before the "
                         "measurements (as `make ui` does), instead of a temporary API per run")
    ap.add_argument("--redis-url", default=None,
                    help="also time the run's band keys in this Redis (e.g. redis://127.0.0.1:6379/0)")
    args = ap.parse_args(argv)
    from cleaners.dedup.fingerprint import DEFAULT_FINGERPRINT

    num_perm = DEFAULT_FINGERPRINT.num_perm
    if args.matcher:
        print("# matcher memory: history of N documents + 2,000 new ones (synthetic, real shapes)\n")
        print("\n".join(matcher_memory(args.matcher, 2000)))
        return 0
    global SERVER
    with work_folder(args.work, "curate-bench-", keep=args.keep) as work:
        if not args.prefect_server:
            return _benchmark(args, work, num_perm)
        with prefect_server(work / "prefect-server") as SERVER:
            print(f"# Prefect server {SERVER.url} (started before the measurements, not timed)")
            return _benchmark(args, work, num_perm)


def _benchmark(args: argparse.Namespace, work: Path, num_perm: int) -> int:
    """`main`'s corpora and sizes, in ``work``."""
    src = "WMT newstest2012+2013" if corpus.WMT.exists() else "raw/samples (no ../shared/eval)"
    print(f"# pipeline benchmark: corpora {', '.join(args.corpus)} (wmt from {src}; pages from "
          f"{pages_corpus.PAGES}); work folder {work}")
    tries = sorted(p.stem for p in lemma_cache.cache_dir().glob("*.dic"))
    print(f"# lemma trie cache {lemma_cache.cache_dir()}: {', '.join(tries) or 'empty (the flow builds them)'}\n")
    rows: list[tuple[int, float, float]] = []
    ratios: list[tuple[str, int, list[float]]] = []
    for kind in args.corpus:
        rows = []  # the RSS extrapolation is per corpus
        for size in args.sizes:
            base = work / f"{kind}-n{size}"
            if base.exists():
                shutil.rmtree(base)
            t0 = time.perf_counter()
            info = BUILDERS[kind](base / "raw", size)
            print(f"built {kind} {size:,} documents in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
            naive = None
            if not args.skip_naive:
                naive = run_naive(base / "raw", base / "naive.parquet", num_perm, 0.5, kind)
                print(f"naive: {naive['wall']:.1f}s", file=sys.stderr)
            flow = run_flow(base / "raw", base / "curated", args.workers, base / "prefect-home",
                            args.flow_arg)
            print(f"flow: {flow['wall']:.1f}s  {flow['line']}", file=sys.stderr)
            info["quality"] = duplicate_quality(base, size)
            idx = index_size(base / "curated", args.redis_url)
            lines = report(size, info, naive, flow, idx, args.workers, kind)
            if naive:
                runs = [naive["wall"] / flow["wall"]]
                if args.repeat > 1:
                    line, runs = repeats(base, naive, flow, args, kind)
                    lines += [line, ""]
                ratios.append((kind, size, runs))
            if args.match_caps:
                caps = [None if c == "None" else int(c) for c in args.match_caps.split(",")]
                lines += [f"`match` rerun on this output with other caps (`--match-caps {args.match_caps}`):", "",
                          *match_caps(base, size, caps), ""]
            if args.second_signal_cost:
                lines += ["`match` rerun on this output with and without the second signal "
                          "(`--second-signal-cost`):", "",
                          *second_signal_cost(base, size, float(flow["wall"]), args.workers), ""]
            if args.merge_cost:
                lines += ["`match` rerun on this output with and without cluster merges (`--merge-cost`):", "",
                          *merge_cost(base, size, float(flow["wall"])), ""]
            print("\n".join(lines), flush=True)
            rows.append((size, float(flow["rss"]), idx["history_per_doc"]))
            if not args.keep:
                shutil.rmtree(base, ignore_errors=True)
        rss_growth(kind, rows)
    if ratios:
        print(f"## Summary: naive / flow, end to end (wall), {args.workers} worker(s); target "
              f"(median): 2x below 20,000 documents, 3x from 20,000\n")
        print("\n".join(summary_table(ratios)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
