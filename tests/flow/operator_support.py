"""Helpers of the operator tests (alerts, events, states): a local webhook that records what it
is sent, and what the session's Prefect API knows of a flow run (its record, its logs)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

#: Seconds a test waits for something another process does (a bound, not a measurement).
WAIT_BOUND = 90


class Inbox:
    """An HTTP server on 127.0.0.1 that records the JSON bodies POSTed to it: the target of
    Apprise's ``json://`` URLs and of Prefect's custom-webhook notification block."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                inbox.headers.append(dict(self.headers))
                inbox.messages.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def apprise_url(self, user: str = "", password: str = "") -> str:
        """A ``json://`` Apprise URL of this inbox (with basic-auth credentials when given)."""
        auth = f"{user}:{password}@" if user else ""
        return f"json://{auth}127.0.0.1:{self.port}/hook"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@contextmanager
def inbox() -> Iterator[Inbox]:
    """A running `Inbox`, shut down on exit."""
    box = Inbox()
    box._thread.start()
    try:
        yield box
    finally:
        box.server.shutdown()
        box.server.server_close()


def wait_until(predicate: Callable[[], Any], what: str, bound: float = WAIT_BOUND) -> Any:
    """Poll ``predicate`` until it returns something true (returned); fail after ``bound`` s."""
    deadline = time.monotonic() + bound
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def read_flow_run(flow_run_id: UUID) -> Any:
    """The flow run as the API has it (name, state, parameters)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id)


def run_logs(flow_run_id: UUID, min_level: int = 0) -> list[Any]:
    """The flow run's logs at ``min_level`` or above, as the API has them, once the logs this
    process still holds have been sent."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId, LogFilterLevel
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=30, at_exit=False)
    log_filter = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]),
                           level=LogFilterLevel(ge_=min_level))
    with get_client(sync_client=True) as client:
        return client.read_logs(log_filter=log_filter)
