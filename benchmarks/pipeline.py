"""End-to-end benchmark: the real Prefect flow against a naive reference, same corpus, same run.

Run: ``.venv/bin/python benchmarks/pipeline.py`` (defaults: 10k and 100k documents, all cores).
Options: ``--sizes 10000 100000``, ``--workers N``, ``--work DIR`` (default a temp folder),
``--skip-naive``, ``--keep``, ``--match-caps 8,4,2`` (rerun the match with other
``max_per_bucket`` caps on the flow's output), ``--second-signal-cost`` (what the sentence
sketches cost in the batch workers and the second signal in `match`, see `second_signal_cost`).

For each size it builds a corpus with `benchmarks.corpus` (real WMT sentences with mojibake,
shortcodes, promos, near-duplicates, translations; the seed samples when ``../shared/eval`` is
absent), then measures, one after the other on the same files:

* **naive**: the obvious script built from the same libraries, in one process:
  ``json`` lines → ``ftfy.fix_text`` → one ``datasketch.MinHash`` per document
  (``update_batch`` over its distinct lower-cased words, same ``num_perm``) →
  ``datasketch.MinHashLSH`` query-then-insert, first hit's cluster → ``pyarrow`` Parquet.
  No language id, no translation, no verification, no quarantine, no Prefect.
* **flow**: ``curate run --workers N`` in a subprocess (Prefect ephemeral server, the real
  flow, tasks mapped over batches on the process pool), after one warm-up run on an empty
  folder that creates the Prefect database (as a user's earlier runs would have). End-to-end time is the subprocess's
  wall time (includes Python start-up and the ephemeral Prefect server); ``flow`` time is the
  flow's own duration from its run manifest; per-stage times come from the manifest.

Peak RSS is sampled every 0.1 s over the whole process tree (the flow process, its worker
processes and, reported apart, the Prefect server). The LSH index's size is measured by
rebuilding `cleaners.dedup.lsh.BandIndex` from the curated history with the flow's layout.
Nothing here asserts a time: it prints tables.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import corpus  # noqa: E402

from flows.backends import lemma_cache  # noqa: E402

MB = 1_000_000
_WORD = re.compile(r"\w+")


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
                is_server = "uvicorn" in cmd or "prefect.server" in cmd
                self._cpu_by_pid[p.pid] = (times.user + times.system, is_server)
                if is_server:
                    server += rss
                else:
                    tree += rss
                if p.pid == self.pid:
                    self.main = max(self.main, rss)
            self.tree = max(self.tree, tree)
            self.server = max(self.server, server)
            self.cpu = sum(c for c, srv in self._cpu_by_pid.values() if not srv)
            self.cpu_server = sum(c for c, srv in self._cpu_by_pid.values() if srv)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


# --------------------------------------------------------------------------- naive reference

NAIVE_SCRIPT = r'''
import json, re, sys, time
from pathlib import Path
import ftfy, pyarrow as pa, pyarrow.parquet as pq
from datasketch import MinHash, MinHashLSH

raw, out, num_perm, threshold = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
word = re.compile(r"\w+")
t = {}
t0 = time.perf_counter()
docs = [json.loads(line) for p in sorted(raw.glob("*.jsonl")) for line in open(p, encoding="utf-8")]
t["read"] = time.perf_counter() - t0
t0 = time.perf_counter()
texts = [ftfy.fix_text(d["text"]) for d in docs]
t["clean"] = time.perf_counter() - t0
t0 = time.perf_counter()
sigs = []
for text in texts:
    m = MinHash(num_perm=num_perm)
    m.update_batch([w.encode("utf-8") for w in set(word.findall(text.lower()))])
    sigs.append(m)
t["fingerprint"] = time.perf_counter() - t0
t0 = time.perf_counter()
lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
cluster = {}
for d, m in zip(docs, sigs):
    hits = lsh.query(m)
    cluster[d["id"]] = min(cluster[h] for h in hits) if hits else d["id"]
    lsh.insert(d["id"], m)
t["match"] = time.perf_counter() - t0
t0 = time.perf_counter()
table = pa.table({
    "doc_id": [d["id"] for d in docs],
    "text": texts,
    "minhash": pa.array([m.hashvalues.astype("uint32") for m in sigs], pa.list_(pa.uint32(), num_perm)),
    "cluster_id": [cluster[d["id"]] for d in docs],
})
pq.write_table(table, out, compression="zstd")
t["publish"] = time.perf_counter() - t0
dups = sum(1 for d in docs if cluster[d["id"]] != d["id"])
print(json.dumps({"timings": t, "duplicates": dups}))
'''


def run_naive(raw: Path, out: Path, num_perm: int, threshold: float) -> dict[str, Any]:
    """The naive reference in a fresh process; its stage timings, wall time and peak RSS."""
    script = out.parent / "naive_reference.py"
    script.write_text(NAIVE_SCRIPT, encoding="utf-8")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script), str(raw), str(out), str(num_perm),
                             str(threshold)], stdout=subprocess.PIPE, text=True)
    rss = RssPeak(proc.pid).start()
    stdout, _ = proc.communicate()
    wall = time.perf_counter() - t0
    rss.stop()
    if proc.returncode:
        raise RuntimeError(f"naive reference failed ({proc.returncode})")
    res = json.loads(stdout.strip().splitlines()[-1])
    return {"wall": wall, "timings": res["timings"], "duplicates": res["duplicates"],
            "rss": rss.tree, "cpu": rss.cpu}


# --------------------------------------------------------------------------- the flow


def run_flow(raw: Path, curated: Path, workers: int, home: Path, extra: list[str]) -> dict[str, Any]:
    """``curate run`` in a subprocess: wall time, manifest, peak RSS (tree, server, main)."""
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "WARNING",
           "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90"}
    cmd = [str(Path(sys.executable).with_name("curate")), "run", "--raw", str(raw),
           "--curated", str(curated), "--workers", str(workers), *extra]
    # Warm-up on an empty raw folder: creates the Prefect database in this PREFECT_HOME, as a
    # user's earlier runs would have (the measured run still starts its own ephemeral server).
    empty = home / "empty-raw"
    empty.mkdir(parents=True, exist_ok=True)
    subprocess.run([*cmd[:3], str(empty), "--curated", str(home / "warm-up"), "--workers", "1"],
                   env=env, capture_output=True, check=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rss = RssPeak(proc.pid).start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    rss.stop()
    if proc.returncode:
        raise RuntimeError(f"curate run failed ({proc.returncode}):\n{stderr[-3000:]}")
    manifests = sorted((curated / "_runs").glob("*.json"), key=lambda p: p.stat().st_mtime)
    manifest = json.loads(manifests[-1].read_text(encoding="utf-8"))
    return {"wall": wall, "manifest": manifest, "rss": rss.tree, "rss_server": rss.server,
            "cpu": rss.cpu, "cpu_server": rss.cpu_server,
            "rss_main": rss.main, "line": stdout.strip().splitlines()[-1] if stdout.strip() else ""}


def index_size(curated: Path, redis_url: str | None = None) -> dict[str, float]:
    """Bytes per document of the LSH index and of the history the matcher holds, measured.

    With ``redis_url``, also the time to add the same band keys to, and query about 1,000 of them in,
    `flows.backends.redis_index.RedisBandIndex` (a scratch namespace, deleted afterwards) and the
    memory Redis reports for them, next to the in-memory `BandIndex`.
    """

    from cleaners.dedup import MatchConfig
    from cleaners.dedup.lsh import BandIndex, band_keys
    from flows.store import Layout, load_history

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
            path = staged / f"fp-{k:05d}{'' if with_sketches else '-plain'}.parquet"
            t0 = time.process_time()
            out, _ = fingerprint_table(part, DEFAULT_FINGERPRINT, sketches=with_sketches)
            papq.write_table(out, path)
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


# --------------------------------------------------------------------------- report


def _rate(n: int, nbytes: int, seconds: float) -> str:
    if seconds <= 0:
        return f"{'-':>10} {'-':>8}"
    return f"{n / seconds:>10,.0f} {nbytes / MB / seconds:>8.2f}"


def report(size: int, info: dict[str, Any], naive: dict[str, Any] | None, flow: dict[str, Any],
           idx: dict[str, float], workers: int) -> list[str]:
    """The table for one corpus size, as Markdown lines."""
    n, nbytes = info["documents"], info["text_bytes"]
    lines = [
        f"### {size:,} documents ({nbytes / MB:.1f} MB of text, {info['file_bytes'] / MB:.1f} MB of "
        f"JSONL; kinds {info['kinds']}), {workers} worker(s), {os.cpu_count()} cores",
        "",
        "| stage | naive s | naive docs/s | naive MB/s | flow s | flow docs/s | flow MB/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    timings = dict(flow["manifest"].get("timings", {}))
    # The manifest is written just before publishing: the run's whole duration is the one its
    # summary line ends with, and publishing (with the run's artifacts) is the difference.
    before_publish = float(flow["manifest"]["counts"]["seconds"])
    ended = re.search(r"([\d.]+)s$", flow["line"])
    flow_s = float(ended.group(1)) if ended else before_publish
    timings["publish"] = round(flow_s - before_publish, 2) if ended else None
    nt = dict(naive["timings"]) if naive else {}
    if nt:
        nt["read_clean_and_fingerprint"] = nt["read"] + nt["clean"] + nt["fingerprint"]
    # The flow's read, clean and fingerprint tasks overlap (no barrier): "read" is the time until
    # the last file group was read, clean and fingerprint are task times summed over the
    # workers, and the wall time of the three together is the "read + clean + fingerprint" row.
    timings["clean"] = timings.get("clean", timings.get("clean_tasks"))
    timings["fingerprint"] = timings.get("fingerprint", timings.get("fingerprint_tasks"))
    stages = ["read", "clean", "fingerprint", "read_clean_and_fingerprint", "load_history", "match", "publish"]
    for st in stages:
        nv = nt.get(st) if naive else None
        fl = timings.get(st)
        def cell(sec: float | None) -> str:
            if sec is None:
                return "| - | - | - "
            r = _rate(n, nbytes, sec).split()
            return f"| {sec:.2f} | {r[0]} | {r[1]} "
        label = {"clean": "clean (flow: summed over the batch tasks)",
                 "fingerprint": "fingerprint (flow: summed over the batch tasks)",
                 "read": "read (flow: until the last file group is read)",
                 "read_clean_and_fingerprint": "read + clean + fingerprint (wall)",
                 "publish": "publish (flow: with the run's artifacts)"}.get(st, st)
        lines.append(f"| {label} {cell(nv)}{cell(fl)}|")
    if naive:
        nv_sum = sum(naive["timings"].values())
        lines.append(f"| stages total | {nv_sum:.2f} | {n / nv_sum:,.0f} | {nbytes / MB / nv_sum:.2f} "
                     f"| {flow_s:.2f} | {n / flow_s:,.0f} | {nbytes / MB / flow_s:.2f} |")
        lines.append(f"| **end to end (process wall)** | {naive['wall']:.2f} | {n / naive['wall']:,.0f} "
                     f"| {nbytes / MB / naive['wall']:.2f} | {flow['wall']:.2f} | {n / flow['wall']:,.0f} "
                     f"| {nbytes / MB / flow['wall']:.2f} |")
    else:
        lines.append(f"| flow total | - | - | - | {flow_s:.2f} | {n / flow_s:,.0f} | {nbytes / MB / flow_s:.2f} |")
        lines.append(f"| **end to end (process wall)** | - | - | - | {flow['wall']:.2f} | "
                     f"{n / flow['wall']:,.0f} | {nbytes / MB / flow['wall']:.2f} |")
    lines.append("")
    lines.append("CPU seconds (user+sys, sampled every 0.1 s, so a slight under-count): "
                 + (f"naive {naive['cpu']:.1f}; " if naive else "")
                 + f"flow {flow['cpu']:.1f} (+ Prefect server {flow['cpu_server']:.1f}); "
                 f"load average during the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    if naive:
        lines.append(f"Speed-up, end to end (wall): **{naive['wall'] / flow['wall']:.2f}x**; "
                     f"stages only (naive stage sum / flow duration): "
                     f"{sum(naive['timings'].values()) / flow_s:.2f}x.")
    quality = info.get("quality", {})
    injected = sum(v for k, v in info["kinds"].items() if k != "unique")
    parts = [f"{who} {marked:,} marked, {correct:,} correct (same story)"
             for who, (marked, correct) in quality.items()]
    lines.append(f"Duplicates: {'; '.join(parts)}; injected: {injected:,} "
                 f"(of which translations: {info['kinds'].get('translation', 0):,}).")
    mem = (f"Peak RSS: flow {flow['rss'] / 2**20:,.0f} MiB (flow process + workers; main process "
           f"{flow['rss_main'] / 2**20:,.0f} MiB), Prefect server {flow['rss_server'] / 2**20:,.0f} MiB")
    if naive:
        mem += f"; naive {naive['rss'] / 2**20:,.0f} MiB"
    lines.append(mem + ".")
    lines.append(
        f"Index: {idx['bands']} bands x {idx['rows']} rows; band keys {idx['index_keys_per_doc']:.0f} B/doc, "
        f"with ids {idx['index_per_doc']:.0f} B/doc; everything the matcher holds per history document "
        f"(signature {idx['signature_per_doc']:.0f} B, ids, hashes, flags) {idx['history_per_doc']:.0f} B/doc.")
    if "redis_add_s" in idx:
        lines.append(
            f"Same band keys in Redis (`RedisBandIndex`): add all {idx['redis_add_s']:.1f} s + query ~1,000 "
            f"{idx['redis_query_s']:.1f} s (in memory: {idx['memory_add_query_s']:.2f} s for both), "
            f"{idx['redis_per_doc']:.0f} B/doc in Redis; same answers: "
            f"{'yes' if idx['redis_same_answers'] else 'NO'}.")
    lines.append("")
    return lines


def repeats(base: Path, naive: dict[str, Any], flow: dict[str, Any], args: argparse.Namespace) -> str:
    """Run naive and flow ``args.repeat - 1`` more times, alternately, on the same files; one
    line with every end-to-end ratio (the first is the table's) and their median."""
    from cleaners.dedup.fingerprint import DEFAULT_FINGERPRINT

    pairs = [(naive["wall"], flow["wall"])]
    for k in range(1, args.repeat):
        nv = run_naive(base / "raw", base / f"naive-{k}.parquet", DEFAULT_FINGERPRINT.num_perm, 0.5)
        fl = run_flow(base / "raw", base / f"curated-{k}", args.workers, base / "prefect-home", args.flow_arg)
        print(f"repeat {k}: naive {nv['wall']:.1f}s, flow {fl['wall']:.1f}s", file=sys.stderr)
        pairs.append((nv["wall"], fl["wall"]))
    ratios = [a / b for a, b in pairs]
    runs = "; ".join(f"{a:.1f} / {b:.1f} = {a / b:.2f}x" for a, b in pairs)
    return (f"Repeated {args.repeat} times, naive and flow alternately on the same files "
            f"(end to end, naive s / flow s): {runs}. **Median speed-up {statistics.median(ratios):.2f}x**.")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
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
    ap.add_argument("--repeat", type=int, default=1,
                    help="run naive and flow this many times, alternately, and report each ratio and "
                         "the median (this machine's speed drifts between runs)")
    ap.add_argument("--redis-url", default=None,
                    help="also time the run's band keys in this Redis (e.g. redis://127.0.0.1:6379/0)")
    args = ap.parse_args(argv)
    from cleaners.dedup.fingerprint import DEFAULT_FINGERPRINT

    num_perm = DEFAULT_FINGERPRINT.num_perm
    if args.matcher:
        print("# matcher memory: history of N documents + 2,000 new ones (synthetic, real shapes)\n")
        print("\n".join(matcher_memory(args.matcher, 2000)))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="curate-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src = "WMT newstest2012+2013" if corpus.WMT.exists() else "raw/samples (no ../shared/eval)"
    print(f"# pipeline benchmark: corpus from {src}; work folder {work}")
    tries = sorted(p.stem for p in lemma_cache.cache_dir().glob("*.dic"))
    print(f"# lemma trie cache {lemma_cache.cache_dir()}: {', '.join(tries) or 'empty (the flow builds them)'}\n")
    rows: list[tuple[int, float, float]] = []
    all_lines: list[str] = []
    for size in args.sizes:
        base = work / f"n{size}"
        if base.exists():
            shutil.rmtree(base)
        t0 = time.perf_counter()
        info = corpus.write_corpus(base / "raw", size)
        print(f"built {size:,} documents in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        naive = None
        if not args.skip_naive:
            naive = run_naive(base / "raw", base / "naive.parquet", num_perm, 0.5)
            print(f"naive: {naive['wall']:.1f}s", file=sys.stderr)
        flow = run_flow(base / "raw", base / "curated", args.workers, base / "prefect-home",
                        args.flow_arg)
        print(f"flow: {flow['wall']:.1f}s  {flow['line']}", file=sys.stderr)
        info["quality"] = duplicate_quality(base, size)
        idx = index_size(base / "curated", args.redis_url)
        lines = report(size, info, naive, flow, idx, args.workers)
        if args.repeat > 1 and naive:
            lines += [repeats(base, naive, flow, args), ""]
        if args.match_caps:
            caps = [None if c == "None" else int(c) for c in args.match_caps.split(",")]
            lines += [f"`match` rerun on this output with other caps (`--match-caps {args.match_caps}`):", "",
                      *match_caps(base, size, caps), ""]
        if args.second_signal_cost:
            lines += ["`match` rerun on this output with and without the second signal "
                      "(`--second-signal-cost`):", "",
                      *second_signal_cost(base, size, float(flow["wall"]), args.workers), ""]
        print("\n".join(lines), flush=True)
        all_lines += lines
        rows.append((size, float(flow["rss"]), idx["history_per_doc"]))
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    if len(rows) >= 2:
        (n1, r1, _), (n2, r2, h2) = rows[0], rows[-1]
        slope = (r2 - r1) / (n2 - n1)
        at_1m = r2 + slope * (1_000_000 - n2)
        print(f"Peak RSS grows {slope:,.0f} B/document between {n1:,} and {n2:,} documents; "
              f"extrapolated to 1,000,000 documents in one run: {at_1m / 2**30:.2f} GiB "
              f"(history held by the matcher: {h2 * 1e6 / 2**30:.2f} GiB per million).")
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
