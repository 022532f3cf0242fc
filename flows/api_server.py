"""A temporary Prefect API for one ``curate run``, booting while the run gets ready.

With no API configured (``PREFECT_API_URL`` in the environment or the Prefect profile),
Prefect starts a temporary server the first time a flow needs one: it imports the whole
server into the calling process (about 3.5 s here), then waits for the server process to
boot (about 6 s more) before the flow can begin. `TemporaryAPI` starts the same server
process (as Prefect's own ``SubprocessASGIServer`` does) without importing the server here, first thing when ``PREFECT_API_URL`` is not in
the environment (the CLI stops it again if the Prefect profile names an API): the server
boots while Prefect and the flow's modules are imported and the worker processes start.
What this needs of Prefect's inside (the server's application factory and environment) is in
`flows.prefect_internals`.

The run's Prefect clients talk to it with `TemporaryAPI.client_environment`: its URL, no UI
link, and the client settings of `flows.prefect_internals` (a CA file that loads in under a
millisecond).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from flows import prefect_internals as internals
from flows.errors import ServerUnavailable
from flows.lifecycle import die_with_parent

#: Ports tried for the server, as Prefect's own temporary server does.
PORTS = range(8000, 9000)
#: The server process's exit status when its port was taken meanwhile (uvicorn).
PORT_TAKEN = 3


def _free_port() -> int:
    for _ in range(50):
        port = random.choice(PORTS)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise ServerUnavailable(f"no free port for a temporary Prefect API in {PORTS.start}-{PORTS.stop - 1}")


class TemporaryAPI:
    """Prefect's temporary server process on a free loopback port: `start` returns at once,
    `wait` returns the API URL once it answers, `stop` ends it."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The API URL (``http://127.0.0.1:<port>/api``)."""
        return f"http://127.0.0.1:{self.port}/api"

    def client_environment(self) -> dict[str, str]:
        """The environment variables that make this process's Prefect clients, and the task
        runs it starts, use this API: its URL, an empty UI URL (it has no UI: Prefect prints
        no link to it) and `flows.prefect_internals.CLIENT_SETTINGS` (the API is plain HTTP:
        the CA file that costs least)."""
        return {"PREFECT_API_URL": self.url, "PREFECT_UI_URL": "", **internals.CLIENT_SETTINGS}

    @contextlib.contextmanager
    def client_environment_set(self) -> Iterator[None]:
        """`client_environment` in ``os.environ`` for the block; after it, each variable has
        its value from before again, or is unset if it was (also when the block raises)."""
        values = self.client_environment()
        before = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def start(self) -> None:
        """Start the server process (as Prefect's ``SubprocessASGIServer`` does), without
        importing Prefect here (about a second): the server process reads the same settings
        (environment, profile, files of the working directory) when it imports Prefect."""
        spec = importlib.util.find_spec("prefect")
        if spec is None or not spec.submodule_search_locations:
            raise ServerUnavailable("the prefect package is not installed")
        package_dir = Path(next(iter(spec.submodule_search_locations)))
        self.process = subprocess.Popen(
            internals.server_command(sys.executable, str(package_dir.parent), self.port),
            env={**os.environ, **internals.SERVER_ENVIRONMENT, **internals.SERVER_SETTINGS},
            # Its own session: a Ctrl-C in the terminal reaches the run, which stops the server
            # when it is done with it; and no server is left behind if the run is killed.
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    def wait(self, timeout: float) -> str:
        """The API URL once ``/health`` answers; a port taken meanwhile is replaced.

        Raises `RuntimeError` with the reason when the server exits or does not answer
        within ``timeout`` seconds.
        """
        import ssl

        import httpx

        assert self.process is not None, "start() first"
        deadline = time.monotonic() + timeout
        # plain HTTP: the no-TLS CA file saves loading a CA bundle for nothing (about 30 ms)
        no_tls = ssl.create_default_context(cafile=str(internals.NO_TLS_CA_FILE))
        with httpx.Client(timeout=2.0, verify=no_tls) as client:
            while time.monotonic() < deadline:
                status = self.process.poll()
                if status == PORT_TAKEN:
                    self.port = _free_port()
                    self.start()
                    continue
                if status is not None:
                    raise ServerUnavailable(f"the temporary Prefect API exited with status {status}")
                try:
                    if client.get(f"{self.url}/health").status_code == 200:
                        return self.url
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise ServerUnavailable(f"the temporary Prefect API did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        """End the server process (terminate, then kill after 5 s); idempotent."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
