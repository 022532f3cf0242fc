"""Every assumption `flows.prefect_internals` makes about how Prefect works inside, checked
against the installed Prefect: on an upgrade that breaks one, the failing test names it.

``make test-prefect-range`` runs this file and the flow tests at the lowest Prefect release
``pyproject.toml`` accepts and at the latest one (docs/development.md).
"""

from __future__ import annotations

import inspect
import tomllib
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner

from flows import prefect_internals as internals

ROOT = Path(__file__).resolve().parents[3]


def _prefect_requirement() -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    [line] = [d for d in project["dependencies"] if Requirement(d).name == "prefect"]
    return Requirement(line)


def test_installed_prefect_is_in_the_declared_range() -> None:
    requirement = _prefect_requirement()
    assert requirement.specifier.contains(version("prefect")), (
        f"prefect {version('prefect')} is installed, pyproject.toml declares {requirement}")
    # A range, not a pin: what the project needs of Prefect's inside is in one module.
    assert not any(spec.operator == "==" for spec in requirement.specifier), requirement


def test_the_worker_initializer_takes_the_queue_and_an_initializer_with_its_arguments() -> None:
    parameters = list(inspect.signature(internals.worker_initializer()).parameters)
    assert len(parameters) == 3, f"Prefect's pool worker initializer now takes {parameters}"


def test_a_process_pool_runner_keeps_its_options_where_pool_options_reads_them() -> None:
    def init(a: int, b: str) -> None:  # pragma: no cover - never called
        pass

    runner = ProcessPoolTaskRunner(max_workers=3, initializer=init, initargs=(1, "x"))
    assert internals.pool_options(runner) == (3, init, (1, "x"))


def test_adopt_pool_sets_what_prefects_own_enter_sets() -> None:
    """``ProcessPoolTaskRunner.__enter__`` beyond ``TaskRunner.__enter__``: the attributes it
    sets must be the ones `adopt_pool` sets, and its forwarding thread the one it starts."""
    def set_by(enter: object, runner: ProcessPoolTaskRunner) -> set[str]:
        before = dict(vars(runner))
        enter(runner)  # type: ignore[operator]
        return {name for name, value in vars(runner).items()
                if name not in before or before[name] is not value}

    baseline = ProcessPoolTaskRunner(max_workers=1)
    by_base = set_by(TaskRunner.__enter__, baseline)
    TaskRunner.__exit__(baseline, None, None, None)
    runner = ProcessPoolTaskRunner(max_workers=1)
    changed = set_by(ProcessPoolTaskRunner.__enter__, runner)
    try:
        assert changed - by_base == internals.POOL_ATTRIBUTES, (
            "ProcessPoolTaskRunner.__enter__ now sets "
            f"{sorted(changed - by_base)}; flows.prefect_internals.adopt_pool sets "
            f"{sorted(internals.POOL_ATTRIBUTES)}")
        assert runner._message_forwarding_thread.name == internals.FORWARDER_NAME
        assert internals.pool_of(runner) is runner._executor is not None
    finally:
        runner.__exit__(None, None, None)


def test_adopt_pool_gives_a_runner_that_runs_tasks_in_the_adopted_pool(prefect_server: None) -> None:
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    from prefect import task

    @task
    def pid() -> int:
        return os.getpid()

    runner = ProcessPoolTaskRunner(max_workers=1)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    executor = ProcessPoolExecutor(max_workers=1, mp_context=context,
                                   initializer=internals.worker_initializer(),
                                   initargs=(queue, None, ()))
    worker = executor.submit(os.getpid).result(timeout=120)
    TaskRunner.__enter__(runner)
    internals.adopt_pool(runner, executor, queue)
    try:
        assert set(internals.POOL_ATTRIBUTES) <= set(vars(runner))
        assert runner.submit(pid, parameters={}).result(timeout=120) == worker
    finally:
        runner.__exit__(None, None, None)
    assert internals.pool_of(runner) is None


def test_detach_pool_takes_the_pool_from_the_runner() -> None:
    runner = ProcessPoolTaskRunner(max_workers=1)
    runner.__enter__()
    try:
        pool = internals.pool_of(runner)
        assert pool is not None
        assert internals.detach_pool(runner) is pool
        assert internals.pool_of(runner) is None
        assert internals.detach_pool(runner) is None  # no pool: nothing to take
        pool.shutdown(wait=False)
    finally:
        runner.__exit__(None, None, None)


def test_the_temporary_server_is_what_prefects_own_subprocess_server_runs() -> None:
    from prefect.server.api import server

    module, factory = internals.SERVER_APP.split(":")
    assert module == server.__name__ and callable(getattr(server, factory, None)), (
        f"{internals.SERVER_APP} is no longer Prefect's application factory")
    source = inspect.getsource(server)
    for variable in internals.SERVER_ENVIRONMENT:
        if variable != "PREFECT_UI_ENABLED":  # a setting, checked below
            assert variable in source, f"Prefect's temporary server no longer sets {variable}"
    from prefect.settings import Settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFECT_UI_ENABLED", internals.SERVER_ENVIRONMENT["PREFECT_UI_ENABLED"])
        assert Settings().server.ui.enabled is False, "PREFECT_UI_ENABLED no longer turns the UI off"
    with pytest.MonkeyPatch.context() as patch:
        for variable, value in internals.SERVER_SETTINGS.items():
            patch.setenv(variable, value)
        server_settings = Settings().server
        assert server_settings.register_blocks_on_start is False, (
            "PREFECT_SERVER_REGISTER_BLOCKS_ON_START no longer turns block registration off")
        assert server_settings.memoize_block_auto_registration is False, (
            "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION no longer turns the registry check off")
    command = internals.server_command("python", "/site", 8123)
    assert command[command.index("--factory") + 1] == internals.SERVER_APP
    assert command[command.index("--port") + 1] == "8123"


def test_every_prefect_client_loads_the_ca_file_of_the_client_settings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`CLIENT_SETTINGS` saves CPU only while Prefect builds each client's SSL context from
    ``PREFECT_API_SSL_CERT_FILE`` (a CA bundle without it): when this fails, the file is
    no longer loaded per client and the setting can go."""
    import ssl

    from prefect.client.orchestration import get_client
    from prefect.settings import (
        PREFECT_API_SSL_CERT_FILE,
        PREFECT_API_URL,
        Settings,
        temporary_settings,
    )

    loaded: list[str | None] = []
    made = ssl.create_default_context

    def recorded(*args: object, **kwargs: object) -> ssl.SSLContext:
        loaded.append(kwargs.get("cafile"))  # type: ignore[arg-type]
        return made(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl, "create_default_context", recorded)
    with pytest.MonkeyPatch.context() as patch:
        for variable, value in internals.CLIENT_SETTINGS.items():
            patch.setenv(variable, value)
        settings = Settings()
    assert str(settings.api.ssl_cert_file) == str(internals.NO_TLS_CA_FILE)
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api",
                                     PREFECT_API_SSL_CERT_FILE: settings.api.ssl_cert_file}):
        get_client(sync_client=True)
        get_client()
    assert loaded == [str(internals.NO_TLS_CA_FILE)] * 2, (
        f"Prefect clients no longer load PREFECT_API_SSL_CERT_FILE as they are made: {loaded}")


def test_the_client_ca_file_loads_and_holds_one_certificate_and_no_key() -> None:
    import ssl

    text = internals.NO_TLS_CA_FILE.read_text(encoding="ascii")
    assert text.count("BEGIN CERTIFICATE") == 1 and "PRIVATE KEY" not in text
    context = ssl.create_default_context(cafile=str(internals.NO_TLS_CA_FILE))
    assert context.cert_store_stats()["x509_ca"] == 1 and context.verify_mode == ssl.CERT_REQUIRED


@pytest.mark.parametrize("worker", ["prefect.events.worker:EventsWorker",
                                    "prefect.logging.handlers:APILogWorker"])
def test_the_queues_flush_to_api_drains_take_a_timeout(worker: str) -> None:
    import importlib

    module, name = worker.split(":")
    cls = getattr(importlib.import_module(module), name)
    parameters = inspect.signature(cls.drain_all).parameters
    assert {"timeout", "at_exit"} <= set(parameters), f"{worker}.drain_all takes {list(parameters)}"
    internals.flush_to_api(timeout=0.1)  # nothing queued: returns, never raises


def test_refresh_settings_reads_the_environment_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect import context

    monkeypatch.setenv("PREFECT_UI_URL", "http://127.0.0.1:1/internals-check")
    internals.refresh_settings()
    try:
        # The global settings (a test harness's own settings context may be on top of them).
        assert context.GLOBAL_SETTINGS_CONTEXT.settings.ui_url == "http://127.0.0.1:1/internals-check"
    finally:
        monkeypatch.delenv("PREFECT_UI_URL")
        internals.refresh_settings()


def test_the_runner_installs_the_sigterm_handler_that_runner_class_replaces() -> None:
    from prefect.runner import Runner

    assert callable(getattr(Runner, internals.RUNNER_SIGTERM_HANDLER, None))
    assert f"self.{internals.RUNNER_SIGTERM_HANDLER}" in inspect.getsource(Runner.start), (
        f"Runner.start no longer installs Runner.{internals.RUNNER_SIGTERM_HANDLER}")
    calls: list[str] = []
    stoppable = internals.runner_class(lambda: calls.append("stop"))
    assert issubclass(stoppable, Runner)
    stoppable(name="internals-check", pause_on_shutdown=False).handle_sigterm(15, None)
    assert calls == ["stop"]
    # What flows.runners.serve_deployment uses of the runner, by name.
    assert {"limit", "pause_on_shutdown"} <= set(inspect.signature(Runner).parameters)
    assert {"enforce_parameter_schema", "schedule"} <= set(inspect.signature(Runner.aadd_flow).parameters)
    assert inspect.iscoroutinefunction(Runner.astop)


def test_the_flow_engine_takes_sigterm_for_a_run_and_gives_it_back(prefect_server: None) -> None:
    """What `flows.lifecycle.reclaim_signals` undoes: the engine's own SIGTERM handler during
    a flow run in the main thread, the previous one back after it."""
    import signal

    from prefect import flow

    from flows.lifecycle import RunGuard, reclaim_signals

    def mine(*_args: object) -> None:  # pragma: no cover - never called
        pass

    @flow
    def probe(reclaim: bool) -> tuple[object, object]:
        taken = signal.getsignal(signal.SIGTERM)
        if reclaim:
            reclaim_signals()
        return taken, signal.getsignal(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        taken, _ = probe(False)
        assert taken is not mine, (
            "Prefect's flow engine no longer installs its own SIGTERM handler for a run")
        assert signal.getsignal(signal.SIGTERM) is mine, "the engine did not put it back"
        with RunGuard() as guard:
            _, reclaimed = probe(True)
            assert reclaimed == guard._on_signal
            assert signal.getsignal(signal.SIGTERM) == guard._on_signal
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_without_heartbeats_turns_the_flow_engines_heartbeat_off() -> None:
    """`without_heartbeats` is what spares a flow run on the temporary API the wait for the
    heartbeat thread at its end: the engine starts no heartbeat when this is None."""
    from prefect import flow
    from prefect.flow_engine import FlowRunEngine, _send_heartbeats

    engine = FlowRunEngine(flow=flow(lambda: None))
    assert engine.heartbeat_seconds is not None, "heartbeats are on by default"
    with internals.without_heartbeats():
        assert engine.heartbeat_seconds is None
    assert "heartbeat_seconds is None" in inspect.getsource(_send_heartbeats)


@pytest.fixture()
def serializations() -> Iterator[list[object]]:
    """`reuse_task_settings` installed in this process for one test, over a
    ``SettingsContext.serialize`` that records the contexts it serializes; afterwards, this
    process as it was (a flow run of an earlier test in it may have installed it)."""
    import prefect.context as context

    was_installed = internals._SettingsMemo.originals is not None
    internals.restore_task_settings()
    made: list[object] = []
    serialize = context.SettingsContext.serialize

    def recorded(self: object, include_secrets: bool = True) -> dict[str, object]:
        made.append(self)
        return serialize(self, include_secrets=include_secrets)  # type: ignore[arg-type]

    context.SettingsContext.serialize = recorded  # type: ignore[method-assign]
    try:
        internals.reuse_task_settings()
        yield made
    finally:
        internals.restore_task_settings()
        context.SettingsContext.serialize = serialize  # type: ignore[method-assign]
        if was_installed:
            internals.reuse_task_settings()


def test_what_reuse_task_settings_replaces_is_what_prefect_calls() -> None:
    """Prefect's pool serializes the context for each task with ``serialize_context``, which
    serializes the settings with ``SettingsContext.serialize``, and its worker looks
    ``prefect.context.hydrated_context`` up as it runs each task. (Prefect's own functions,
    also when an earlier test's flow run has replaced them in this process.)"""
    import prefect.context as context
    import prefect.task_runners as runners

    serialize, hydrate = internals._SettingsMemo.originals or (
        context.SettingsContext.serialize, context.hydrated_context)
    assert "serialize_context()" in inspect.getsource(ProcessPoolTaskRunner.submit)
    assert "settings_context.serialize()" in inspect.getsource(context.serialize_context)
    assert list(inspect.signature(serialize).parameters) == ["self", "include_secrets"]
    # the worker's entry point (3.8: `_run_task_in_subprocess`; 3.9 moved the context into
    # `_run_task_with_hydrated_context`) imports it as it runs each task, not the module once
    entries = [getattr(runners, name) for name in ("_run_task_with_hydrated_context",
                                                   "_run_task_in_subprocess") if hasattr(runners, name)]
    assert any("from prefect.context import hydrated_context" in inspect.getsource(entry)
               for entry in entries), "the pool's worker no longer looks it up per task"
    assert not hasattr(runners, "hydrated_context"), "prefect.task_runners binds it at import"
    assert list(inspect.signature(hydrate).parameters) == ["serialized_context", "client"]


def test_restore_task_settings_puts_prefect_s_own_back() -> None:
    import prefect.context as context

    was_installed = internals._SettingsMemo.originals is not None
    internals.restore_task_settings()
    own = (context.SettingsContext.serialize, context.hydrated_context)
    try:
        internals.reuse_task_settings()
        assert (context.SettingsContext.serialize, context.hydrated_context) != own
        internals.reuse_task_settings()  # idempotent: Prefect's own are still what it keeps
        assert internals._SettingsMemo.originals == own
        internals.restore_task_settings()
        assert (context.SettingsContext.serialize, context.hydrated_context) == own
    finally:
        if was_installed:
            internals.reuse_task_settings()


def test_settings_are_serialized_once_per_context_and_again_when_they_change(
        serializations: list[object]) -> None:
    from prefect.context import SettingsContext, serialize_context
    from prefect.settings import PREFECT_TASKS_DEFAULT_RETRIES, temporary_settings

    first, second = serialize_context(), serialize_context()
    assert serializations == [SettingsContext.get()]
    assert first == second and first["settings_context"] is not second["settings_context"]
    first["settings_context"]["settings"]["changed"] = True  # a copy each time
    assert "changed" not in serialize_context()["settings_context"]["settings"]
    with temporary_settings(updates={PREFECT_TASKS_DEFAULT_RETRIES: 4}):
        changed = serialize_context()["settings_context"]["settings"]
    assert len(serializations) == 2 and changed["tasks"]["default_retries"] == 4
    assert serialize_context() == second and len(serializations) == 3  # the first one again
    SettingsContext.get().serialize(include_secrets=False)  # another question: asked again
    assert len(serializations) == 4


def test_hydrated_settings_are_built_once_for_equal_settings_environment_and_folder(
        serializations: list[object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import prefect.context as context
    from prefect.settings import get_current_settings

    before = context.SettingsContext.get()
    built = internals._SettingsMemo.built
    sent = context.serialize_context()
    sent["settings_context"]["settings"].setdefault("tasks", {})["default_retries"] = 5
    seen = []
    for _ in range(2):
        with context.hydrated_context(sent):
            seen.append(context.SettingsContext.get())
            assert get_current_settings().tasks.default_retries == 5
    assert internals._SettingsMemo.built == built + 1 and seen[0] is not seen[1]
    assert seen[0].settings is seen[1].settings  # validated once, entered as two copies
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "2")  # another environment: built again
    with context.hydrated_context(sent):
        assert get_current_settings().client.max_retries == 2
    monkeypatch.chdir(tmp_path)  # another folder (its .env, prefect.toml): built again
    with context.hydrated_context(sent):
        pass
    sent["settings_context"]["settings"]["tasks"]["default_retries"] = 6  # other settings
    with pytest.raises(KeyError), context.hydrated_context(sent):
        assert get_current_settings().tasks.default_retries == 6
        raise KeyError("a task that fails")
    assert internals._SettingsMemo.built == built + 4
    assert context.SettingsContext.get() is before  # each left as it was entered, also on error


def _settings_seen() -> tuple[int, int]:
    from prefect.settings import get_current_settings

    return get_current_settings().tasks.default_retries, internals._SettingsMemo.built


def test_a_pool_task_runs_with_the_settings_of_its_submission(
        prefect_server: None, serializations: list[object]) -> None:
    """End to end through Prefect's process pool: a worker that reuses the settings still
    sees settings changed between two submissions."""
    from prefect import task
    from prefect.settings import PREFECT_TASKS_DEFAULT_RETRIES, temporary_settings

    seen = task(_settings_seen)
    runner = ProcessPoolTaskRunner(max_workers=1, initializer=internals.reuse_task_settings)
    with runner:
        if "_cached_context" in vars(runner):
            pytest.skip("Prefect 3.8 sends one context per runner (3.9 serializes each time)")
        with temporary_settings(updates={PREFECT_TASKS_DEFAULT_RETRIES: 2}):
            twice = [runner.submit(seen, parameters={}).result(timeout=120) for _ in range(2)]
            assert len(serializations) == 1  # the flow's side: once for both
        with temporary_settings(updates={PREFECT_TASKS_DEFAULT_RETRIES: 3}):
            changed = runner.submit(seen, parameters={}).result(timeout=120)
    assert twice == [(2, 1), (2, 1)]  # the worker's side: validated once for both
    assert changed == (3, 2)


def _reuses_task_settings() -> bool:
    return internals._SettingsMemo.originals is not None


def test_the_job_s_runner_and_its_workers_reuse_task_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flow process as its pool runner starts (`flows.runners`), each worker as it starts
    (`flows.stages.warm_worker`, the pool's initializer)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from flows.runners import EarlyProcessPoolTaskRunner
    from flows.stages import warm_worker

    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn, initializer=warm_worker,
                             initargs=("embedded", None, False)) as pool:
        assert pool.submit(_reuses_task_settings).result(timeout=120)
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:  # a worker without it
        assert not pool.submit(_reuses_task_settings).result(timeout=120)
    calls: list[None] = []
    monkeypatch.setattr(internals, "reuse_task_settings", lambda: calls.append(None))
    with EarlyProcessPoolTaskRunner(max_workers=1):
        assert calls == [None]
