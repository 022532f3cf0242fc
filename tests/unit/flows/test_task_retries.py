"""The I/O tasks retry only what a retry can cure (`flows.tasks.failed_on_io`)."""

from __future__ import annotations

import pytest
from prefect.states import Failed

from flows.errors import AccountingError
from flows.tasks import IO_RETRIES, failed_on_io


@pytest.mark.parametrize(("error", "retried"), [
    (OSError(5, "Input/output error"), True),
    (TimeoutError("stuck"), True),            # a task's timeout is a TimeoutError: an OSError
    (PermissionError(13, "denied"), True),
    (ValueError("part-1.parquet was fingerprinted with other parameters"), False),
    (AccountingError("read 3 != written 2 + quarantined 0"), False),
    (RuntimeError("A process in the process pool was terminated abruptly"), False),
])
def test_only_io_errors_are_retried(error: BaseException, retried: bool) -> None:
    # the state Prefect's engine builds from the exception before it asks the condition
    state = Failed(data=error, message=repr(error))
    assert failed_on_io(None, None, state) is retried
    assert IO_RETRIES["retry_condition_fn"] is failed_on_io


def test_prefect_retries_a_task_on_an_io_error_only(prefect_server: None) -> None:
    """The condition as Prefect's engine applies it: a task with the I/O retries (without their
    delays) runs once when it raises a ValueError, and again after an OSError."""
    from prefect import flow, task

    calls: list[str] = []

    @task(**{**IO_RETRIES, "retry_delay_seconds": 0})
    def step(kind: str) -> str:
        calls.append(kind)
        if kind == "data" or len(calls) == 1:
            raise (ValueError("bad data") if kind == "data" else OSError(5, "hiccup"))
        return "done"

    @flow
    def one(kind: str) -> object:
        return step(kind, return_state=True)

    assert one("data", return_state=True).is_failed() and calls == ["data"]
    calls.clear()
    assert one("io", return_state=True).is_completed() and calls == ["io", "io"]
