"""The cyclic garbage collector's first threshold in the processes that run the job's work.

A batch allocates millions of short-lived containers (token lists, word sets, tuples),
almost all freed by reference counting at once. Python's collector still runs its youngest
generation every 700 net container allocations, traversing them each time: for 10,000 WMT
documents cleaned and fingerprinted, hundreds of collections and about 0.4 s of CPU (3-4 %
of the work), and about 0.5 s of match's 12 s at 100,000 documents
(`benchmarks/gc_threshold.py`). With `YOUNG_THRESHOLD` it runs a few times, for about a
tenth of that. What it costs: garbage that only the collector can free (reference cycles)
waits for up to `YOUNG_THRESHOLD` net allocations instead of 700, a few megabytes.

Set by the flow for its own process (`flows.curate.curate_flow`, like its signal handlers)
and by the process pool's workers as they start (`flows.stages.warm_worker`); a Dask
cluster's workers are not the job's processes and are left as they are.
"""

from __future__ import annotations

import gc

#: Net container allocations between two collections of the youngest generation (Python's
#: default: 700).
YOUNG_THRESHOLD = 100_000


def raise_gc_threshold() -> None:
    """Make this process's youngest-generation threshold at least `YOUNG_THRESHOLD`, the
    older generations' thresholds kept. Never lowers a threshold; a collector that is
    disabled stays disabled."""
    young, middle, old = gc.get_threshold()
    if young < YOUNG_THRESHOLD:
        gc.set_threshold(YOUNG_THRESHOLD, middle, old)
