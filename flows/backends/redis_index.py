"""An LSH band index kept in Redis, so that several workers (or several runs) share it.

`RedisBandIndex` has the interface of `cleaners.dedup.lsh.BandIndex` (``add(ids, keys)``,
``query(keys) -> list[set[str]]``) and can be handed to `cleaners.dedup.matcher.match` through its
``index_factory`` argument. It is built on datasketch's Redis storage
(`datasketch.storage.unordered_storage` with ``{"type": "redis", ...}``), laid out like
``datasketch.MinHashLSH``'s hash tables: one Redis *set storage* per band, named
``<namespace>:b<j>:``, mapping a band key (8 bytes, big-endian) to the set of document ids
that have that key in band ``j``. It stores band keys and ids only, never texts or
signatures.

The layout is datasketch's (a ``MinHashLSH`` storage opened on the same names reads it), but
the bulk operations are done server-side by two small Lua scripts, one command per chunk of
5,000 (band, key) pairs: datasketch's own ``insert``/``getmany`` send one command per
(band, key), which redis-py encodes at about 10 µs each, i.e. seconds per thousand documents
with 35 bands. Each script runs atomically, so concurrent writers are safe. Not for Redis
Cluster (a script touches keys of many slots).

Network I/O lives here, in ``flows/``, and not in ``cleaners/`` (a pure library).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# KEYS[i] gets member ARGV[i].
_SADD_EACH = """
for i = 1, #KEYS do redis.call('SADD', KEYS[i], ARGV[i]) end
return #KEYS
"""
# KEYS holds ARGV[1] keys per row; returns, per row, the union of its sets.
_SUNION_ROWS = """
local per = tonumber(ARGV[1])
local out = {}
for r = 0, #KEYS / per - 1 do
  local ks = {}
  for j = 1, per do ks[j] = KEYS[r * per + j] end
  out[r + 1] = redis.call('SUNION', unpack(ks))
end
return out
"""

__all__ = ["RedisBandIndex", "dataset_namespace", "redacted", "redis_index_factory", "redis_params"]


def redis_params(url: str) -> dict[str, Any]:
    """Keyword arguments of ``redis.Redis`` for a ``redis://``, ``rediss://`` or ``unix://`` URL.

    Guarantees: only plain values (no classes), so the result can go into a datasketch
    ``storage_config`` and be pickled to a worker.
    """
    from redis.connection import SSLConnection, UnixDomainSocketConnection, parse_url

    params = dict(parse_url(url))
    cls = params.pop("connection_class", None)
    if cls is SSLConnection:
        params["ssl"] = True
    elif cls is UnixDomainSocketConnection:
        params["unix_socket_path"] = params.pop("path")
    return params


class RedisBandIndex:
    """LSH index over band keys in Redis (datasketch storage), shared by every process that
    opens it with the same URL and namespace.

    ``namespace`` separates indexes in one Redis database: use one namespace per curated
    dataset and LSH layout (`redis_index_factory` derives it). Ids are stored as UTF-8.
    """

    def __init__(self, url: str, namespace: str = "curate", *, chunk: int = 5000) -> None:
        import redis

        self.url = url
        self.namespace = namespace
        self._params = redis_params(url)
        self._config: dict[str, Any] = {
            "type": "redis",
            "redis": self._params,
            "redis_buffer": {"transaction": False},
        }
        self._chunk = chunk
        self._redis = redis.Redis(**self._params)
        self._redis.ping()  # fail early, with the URL in the message, when the server is down
        # Server-side loops: one command per chunk instead of one per (band, key).
        self._sadd_each = self._redis.register_script(_SADD_EACH)
        self._sunion_rows = self._redis.register_script(_SUNION_ROWS)
        self._tables: list[Any] = []
        stored = self._redis.get(self._meta_key)
        self._bands: int | None = int(stored) if stored is not None else None
        if self._bands is not None:
            self._open_tables(self._bands)

    @property
    def _meta_key(self) -> str:
        return f"{self.namespace}:bands"

    @property
    def _ids_key(self) -> str:
        return f"{self.namespace}:ids"

    def _open_tables(self, bands: int) -> None:
        from datasketch.storage import unordered_storage

        self._tables = []
        for j in range(bands):
            self._tables.append(unordered_storage(self._config, name=f"{self.namespace}:b{j}:".encode()))

    def __len__(self) -> int:
        """Number of distinct ids stored (by every writer of this namespace)."""
        return int(self._redis.scard(self._ids_key))

    @property
    def bands(self) -> int | None:
        """Number of bands of this index (None until the first `add`)."""
        return self._bands

    def add(self, ids: Sequence[str], keys: np.ndarray) -> None:
        """Store ``ids`` with their band keys (``(len(ids), bands)`` uint64).

        Guarantees: every later `query`, from this process or any other using the same URL and
        namespace, sees them. Adding the same (id, keys) twice changes nothing (Redis sets).
        Raises ``ValueError`` when the number of bands differs from the stored index's.
        """
        keys = np.asarray(keys, dtype=np.uint64)
        if keys.ndim != 2 or keys.shape[0] != len(ids):
            raise ValueError(f"keys must be ({len(ids)}, bands), got {keys.shape}")
        bands = int(keys.shape[1])
        if self._bands is None:
            # First writer wins; a concurrent first writer with another layout is caught below.
            self._redis.set(self._meta_key, bands, nx=True)
            self._bands = int(self._redis.get(self._meta_key) or bands)
            self._open_tables(self._bands)
        if bands != self._bands:
            raise ValueError(f"index {self.namespace!r} holds {self._bands} bands, got {bands}")
        if len(ids) == 0:
            return
        encoded = [i.encode("utf-8") for i in ids]
        n = len(encoded)
        big_endian = keys.astype(">u8")
        pipe = self._redis.pipeline(transaction=False)
        for j, table in enumerate(self._tables):
            col = big_endian[:, j].tobytes()
            band = [col[8 * r : 8 * r + 8] for r in range(n)]
            rkeys = [table.redis_key(k) for k in band]
            for lo in range(0, n, self._chunk):
                hi = min(n, lo + self._chunk)
                # datasketch's bookkeeping: the table's hash maps each key to its set's name.
                pipe.hset(table._name, mapping=dict(zip(band[lo:hi], rkeys[lo:hi], strict=True)))
                self._sadd_each(keys=rkeys[lo:hi], args=encoded[lo:hi], client=pipe)
            if len(pipe) >= 64:
                pipe.execute()
        for lo in range(0, n, self._chunk):
            pipe.sadd(self._ids_key, *encoded[lo : lo + self._chunk])
        pipe.execute()

    def query(self, keys: np.ndarray) -> list[set[str]]:
        """For each row of ``keys``, the ids of stored documents sharing at least one band.

        Guarantees: one set per row, in order; a stored document whose keys equal the row is
        in the set (the caller drops self-matches); the same sets as `cleaners.dedup.lsh.BandIndex`
        holding the same documents.
        """
        keys = np.asarray(keys, dtype=np.uint64)
        m = keys.shape[0] if keys.ndim == 2 else 0
        out: list[set[str]] = []
        if m == 0 or self._bands is None:
            return [set() for _ in range(m)]
        if keys.shape[1] != self._bands:
            raise ValueError(f"keys must be (m, {self._bands}), got {keys.shape}")
        bands = self._bands
        flat = keys.astype(">u8").tobytes()  # row-major: row r, band j at 8 * (r * bands + j)
        names = [t._name for t in self._tables]
        rows_per_call = max(1, self._chunk // bands)
        pipe = self._redis.pipeline(transaction=False)
        for lo in range(0, m, rows_per_call):
            hi = min(m, lo + rows_per_call)
            rkeys = [names[j] + flat[8 * (r * bands + j) : 8 * (r * bands + j) + 8]
                     for r in range(lo, hi) for j in range(bands)]
            self._sunion_rows(keys=rkeys, args=[bands], client=pipe)
        for result in pipe.execute():
            out.extend({x.decode("utf-8") for x in members} for members in result)
        return out

    def clear(self) -> int:
        """Delete every key of this namespace; returns how many were deleted."""
        deleted = 0
        batch: list[bytes] = []
        for key in self._redis.scan_iter(match=f"{self.namespace}:*", count=10_000):
            batch.append(key)
            if len(batch) >= 10_000:
                deleted += int(self._redis.delete(*batch))
                batch = []
        if batch:
            deleted += int(self._redis.delete(*batch))
        self._bands = None
        self._tables = []
        return deleted

    def memory_bytes(self) -> int:
        """Bytes Redis reports for this namespace's keys (``MEMORY USAGE``, sampled exactly)."""
        total = 0
        pipe = self._redis.pipeline(transaction=False)
        keys = list(self._redis.scan_iter(match=f"{self.namespace}:*", count=10_000))
        for key in keys:
            pipe.memory_usage(key, samples=0)
        for value in pipe.execute():
            total += int(value or 0)
        return total


def redis_index_factory(url: str, namespace: str) -> Callable[[], RedisBandIndex]:
    """A zero-argument factory for `cleaners.dedup.matcher.match(index_factory=...)`."""

    def factory() -> RedisBandIndex:
        return RedisBandIndex(url, namespace)

    return factory


def dataset_namespace(curated_dir: str, num_perm: int, seed: int, bands: int, rows: int) -> str:
    """The Redis namespace of a curated dataset's index for one LSH layout.

    Guarantees: the same for every worker and run on the same dataset folder (resolved path)
    and layout; different when any of them differs, so indexes of different datasets or
    parameters never mix.
    """
    import os

    import xxhash

    folder = xxhash.xxh3_64_hexdigest(os.path.realpath(curated_dir).encode("utf-8"))
    return f"curate:{folder}:p{num_perm}s{seed}b{bands}r{rows}"


def redacted(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for logs and manifests)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
