"""Discovery over a landing zone that has nothing new: hashing every file against the index.

Run: ``.venv/bin/python benchmarks/discovery.py [--files 10000] [--kb 2] [--repeat 3]``.
Writes ``--files`` raw files of ``--kb`` KiB (distinct JSONL bytes, 1,000 per folder) in a
temporary folder, their modification time an hour back (files that landed a while ago), all
of them already processed (as after the run that curated them). Then times, in the same run:

- ``walk + lstat``: `os.walk` and one ``lstat`` per file, the floor of any discovery;
- ``sha256 alone``: `flows.readers.sha256_of` of every file, the hashing baseline;
- ``discover at REV``: with ``--before-rev REV``, `discover` as it was at that git revision
  (loaded from ``git show REV:flows/discover.py``), the job before the index;
- ``discover, no index``: today's `discover` without an index: every file hashed;
- ``discover, index cold``: the first discovery with an index (hashes every file, writes it);
- ``discover, index idle``: the next one, nothing changed;
- ``discover, 1 % changed``: 1 % of the files rewritten (same size, new bytes) since.

Prints a Markdown table: the best of ``--repeat`` times, the files hashed, microseconds per
file. The page cache is warm (the files were just written): on a cold cache hashing also reads
every byte from disk, while the idle discovery still reads only the folders and the index.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flows.discover import Discovery, discover  # noqa: E402
from flows.readers import sha256_of  # noqa: E402


def write_files(raw: Path, n: int, kb: int) -> list[Path]:
    """``n`` files of ``kb`` KiB, distinct bytes, modified an hour ago."""
    paths = []
    hour_ago = time.time_ns() - 3600 * 10**9
    for i in range(n):
        folder = raw / f"feed-{i // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{i:06d}.jsonl"
        line = f'{{"id": "{i}", "text": "'.encode()
        path.write_bytes(line + b"x" * max(0, kb * 1024 - len(line) - 3) + b'"}\n')
        os.utime(path, ns=(hour_ago, hour_ago))
        paths.append(path)
    return paths


def rewrite(paths: list[Path], variant: int) -> None:
    """New bytes, same size, an hour-old modification time (a landed file replaced)."""
    hour_ago = time.time_ns() - 3600 * 10**9
    for path in paths:
        data = bytearray(path.read_bytes())
        data[-4] = ord("a") + variant % 26
        path.write_bytes(bytes(data))
        os.utime(path, ns=(hour_ago, hour_ago))


def discover_at(rev: str, tmp: Path) -> Callable[..., object]:
    """`discover` as it was at git revision ``rev`` (its module loaded under another name)."""
    source = subprocess.run(["git", "show", f"{rev}:flows/discover.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = tmp / f"discover_{rev}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"discover_{rev}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module.discover


def walk_and_stat(raw: Path) -> int:
    n = 0
    for dirpath, _dirs, files in os.walk(raw):
        for name in files:
            os.lstat(os.path.join(dirpath, name))
            n += 1
    return n


def best(repeat: int, fn: Callable[[int], object], before: Callable[[int], object] | None = None,
         ) -> tuple[float, object]:
    """The fastest of ``repeat`` calls of ``fn(i)`` (``before(i)`` untimed first), and the
    result of the last."""
    times, result = [], None
    for i in range(repeat):
        if before is not None:
            before(i)
        t0 = time.perf_counter()
        result = fn(i)
        times.append(time.perf_counter() - t0)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=10_000, help="raw files (default 10000)")
    ap.add_argument("--kb", type=int, default=2, help="KiB per file (default 2)")
    ap.add_argument("--repeat", type=int, default=3, help="timings per row, the best kept")
    ap.add_argument("--before-rev", default=None, metavar="REV",
                    help="also time discover as it was at this git revision (e.g. 09663b3)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-discovery-") as tmp:
        raw, index = Path(tmp) / "raw", Path(tmp) / "curated" / "_state" / "discovery-index.json"
        paths = write_files(raw, args.files, args.kb)
        processed = {f.sha256 for f in discover(raw, set()).new}
        changed = paths[:: 100]
        rows: list[tuple[str, float, int]] = []

        t, _ = best(args.repeat, lambda _i: walk_and_stat(raw))
        rows.append(("walk + lstat (floor)", t, 0))
        t, _ = best(args.repeat, lambda _i: [sha256_of(p) for p in paths])
        rows.append(("sha256 alone (baseline)", t, len(paths)))
        if args.before_rev:
            old = discover_at(args.before_rev, Path(tmp))
            t, _ = best(args.repeat, lambda _i: old(raw, processed))
            rows.append((f"discover at {args.before_rev} (before)", t, len(paths)))
        t, found = best(args.repeat, lambda _i: discover(raw, processed))
        rows.append(("discover, no index", t, _hashed(found)))
        t, found = best(args.repeat, lambda _i: discover(raw, processed, index),
                        before=lambda _i: index.unlink(missing_ok=True))
        rows.append(("discover, index cold", t, _hashed(found)))
        t, found = best(args.repeat, lambda _i: discover(raw, processed, index))
        assert isinstance(found, Discovery) and not found.new
        rows.append(("discover, index idle (after)", t, _hashed(found)))
        t, found = best(args.repeat, lambda _i: discover(raw, processed, index),
                        before=lambda i: rewrite(changed, i))
        rows.append(("discover, 1 % changed", t, _hashed(found)))

    print(f"{args.files:,} raw files of {args.kb} KiB ({args.files * args.kb / 1024:.1f} MiB), "
          f"all already processed; best of {args.repeat}; warm page cache; "
          f"index {index.name}")
    print()
    print("| what | seconds | files hashed | µs per file |")
    print("|---|---:|---:|---:|")
    for what, seconds, hashed in rows:
        print(f"| {what} | {seconds:.3f} | {hashed:,} | {seconds / args.files * 1e6:.1f} |")
    return 0


def _hashed(found: object) -> int:
    return found.hashed if isinstance(found, Discovery) else 0


if __name__ == "__main__":
    sys.exit(main())
