"""The cyclic garbage collector's first threshold in the job's processes.

Python collects its youngest generation every 700 net container allocations and, every ten
of those, the next one: each collection walks the objects of the generations it collects.
The job's processes make many containers that live (a start imports Prefect, its server's
application or the language data) or that reference counting frees at once (a batch's token
lists and word sets). With `YOUNG_THRESHOLD` instead, the collector runs a few times where it
ran hundreds (`benchmarks/gc_threshold.py`, 2026-12-07):

* the start of ``curate run``, CPU of its processes in two runs: the temporary API's boot
  6.64 -> 5.56 s and 6.37 -> 5.52 s, the fork server's loading 5.88 -> 5.02 s and
  5.74 -> 4.52 s (the command's imports: 3.85 -> 3.06 s, then 3.22 -> 3.31 s);
* the work: time inside the collector for 10,000 WMT documents cleaned and fingerprinted
  0.585 -> 0.104 s, for 300 web pages 0.994 -> 0.067 s; the process's peak memory the
  same (777.6 and 773.2 MiB).

What it costs: garbage only the collector can free (reference cycles) waits for up to
`YOUNG_THRESHOLD` net container allocations instead of 700. The threshold counts objects,
not bytes: a cycle that holds a large object (a traceback's frames holding a batch) keeps it
that much longer.

Raised, before Prefect is imported, by the ``curate`` command (`flows.cli.main`), the fork
server of the early worker pool (`flows.pool_preload`; a server forked from the command has
the command's already; inherited by the workers it forks) and
the temporary API's process (`flows.prefect_internals.SERVER_BOOTSTRAP`); and by the flow for
its own process (`flows.curate.curate_flow`, e.g. a run of ``curate serve``) and by the
process pool's workers as they start (`flows.stages.warm_worker`). A Dask cluster's workers
are not the job's processes and are left as they are.
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
