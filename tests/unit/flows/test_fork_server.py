"""The early pool's fork server is forked from the command when the command has one thread (it
starts with the command's modules), spawned as multiprocessing does otherwise, and in both cases
holds nothing of the command's (descriptors, signal handlers, blocked signals) and raises its
own collector threshold before it loads (`flows.pool_preload`)."""

from __future__ import annotations

import errno
import json
import multiprocessing.forkserver
import os
import signal
import subprocess
import sys
import time
from multiprocessing import util
from pathlib import Path

import psutil
import pytest

from flows import fork_server
from flows.fork_server import SERVER_COMMAND
from flows.gc_threshold import YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parents[3]

#: A command in miniature: a SIGTERM handler, an open file, a module only it has imported, and
#: (with ``thread``) a second thread; then `fork_server.start` and a worker of the pool.
PROBE = """
import json, os, signal, sys, tempfile, threading, types
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from flows import fork_server

signal.signal(signal.SIGTERM, lambda *args: None)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
held = tempfile.TemporaryFile()  # no other process has it open
sys.modules["curate_probe_mark"] = types.ModuleType("curate_probe_mark")
if sys.argv[1] == "thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
fork_server.start(None)
server = forkserver._forkserver._forkserver_pid
with ProcessPoolExecutor(1, mp_context=fork_server.context()) as pool:
    worker_has_mark = pool.submit(eval, "'curate_probe_mark' in __import__('sys').modules").result(300)
    worker_ppid = pool.submit(os.getppid).result(60)
    # no initializer: the worker's threshold is the server's as it forked it
    threshold = pool.submit(eval, "__import__('gc').get_threshold()[0]").result(60)
status = dict(line.split(":\\t", 1) for line in open(f"/proc/{server}/status").read().splitlines()
              if ":\\t" in line)
print(json.dumps({
    "server": server, "worker_ppid": worker_ppid, "worker_has_mark": worker_has_mark,
    "threshold": threshold,
    "server_cmdline": open(f"/proc/{server}/cmdline").read().split("\\0"),
    "held_in_server": os.readlink(f"/proc/self/fd/{held.fileno()}") in {
        os.readlink(f"/proc/{server}/fd/{fd}") for fd in os.listdir(f"/proc/{server}/fd")},
    "sigterm_caught": bool(int(status["SigCgt"], 16) >> (signal.SIGTERM - 1) & 1),
    "blocked": int(status["SigBlk"], 16),
}))
"""


def _probe(mode: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def _gone(pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_command_with_one_thread_forks_its_fork_server() -> None:
    """The server (and so each worker) has the command's modules without importing them: if
    multiprocessing stopped starting its server through ``util.spawnv_passfds`` with the
    command `flows.fork_server.SERVER_COMMAND`, the server would be spawned and this fails. It
    holds none of the command's descriptors, catches none of its signals, blocks none, and ends
    with the command."""
    out = _probe("alone")
    assert out["worker_has_mark"] is True
    assert out["worker_ppid"] == out["server"]
    assert not any(part.startswith(SERVER_COMMAND) for part in out["server_cmdline"]), "spawned"
    assert out["held_in_server"] is False
    assert out["sigterm_caught"] is False
    assert out["blocked"] == 0
    # raised by the server itself (`flows.pool_preload`): this command left Python's default
    assert out["threshold"] == YOUNG_THRESHOLD
    assert _gone(int(out["server"])), "the fork server outlived its command"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_command_with_threads_spawns_its_fork_server() -> None:
    """A fork would copy the locks other threads hold: the server is a new interpreter, as
    multiprocessing makes it, and loads the workers' modules itself."""
    out = _probe("thread")
    assert out["worker_has_mark"] is False
    assert any(part.startswith(SERVER_COMMAND) for part in out["server_cmdline"])
    assert out["held_in_server"] is False
    assert out["sigterm_caught"] is False
    assert out["threshold"] == YOUNG_THRESHOLD
    assert _gone(int(out["server"]))


def test_the_spawn_is_put_back_after_start() -> None:
    """`start` replaces multiprocessing's spawn only while it starts the server."""
    spawn = util.spawnv_passfds
    with fork_server._forked_server():
        assert util.spawnv_passfds is not spawn
    assert util.spawnv_passfds is spawn
    with pytest.raises(RuntimeError), fork_server._forked_server():
        raise RuntimeError
    assert util.spawnv_passfds is spawn


@pytest.mark.parametrize("obstacle", ["fork refused", "multiprocessing renamed"])
def test_the_server_is_spawned_when_it_cannot_be_forked(monkeypatch: pytest.MonkeyPatch,
                                                        obstacle: str) -> None:
    """A fork the system refuses (no memory to copy the command), or a multiprocessing without
    the objects the child renews: multiprocessing's own spawn starts the server, and this
    process's blocked signals are as they were."""
    spawned: list[str] = []
    monkeypatch.setattr(util, "spawnv_passfds", lambda path, args, fds: spawned.append(args[-1]) or 4242)
    monkeypatch.setattr(fork_server.resource_tracker, "ensure_running", lambda: None)
    monkeypatch.setattr(fork_server.threading, "active_count", lambda: 1)

    def refused() -> int:
        raise OSError(errno.ENOMEM, "Cannot allocate memory")

    forks: list[int] = []
    if obstacle == "fork refused":
        monkeypatch.setattr(os, "fork", refused)
    else:
        monkeypatch.delattr(multiprocessing.forkserver, "_forkserver")
        monkeypatch.setattr(os, "fork", lambda: forks.append(1) or refused())
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    command = f"{SERVER_COMMAND}; main(5, 6, [])"
    with fork_server._forked_server():
        assert util.spawnv_passfds(sys.executable, [sys.executable, "-c", command], [5, 6]) == 4242
    assert spawned == [command]
    assert forks == []
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == blocked
