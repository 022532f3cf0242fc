"""One settings object: the command line, the flow and the pure library's configs agree."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from cleaners.dedup import DEFAULT_FINGERPRINT, TUNED_MATCH
from cleaners.text.clean import DEFAULT_CLEAN
from flows.cli import build_parser, settings_of
from flows.readers import ReadLimits
from flows.settings import DEFAULTS, RunSettings, environment


def test_defaults_are_the_library_defaults() -> None:
    assert DEFAULTS.clean_config() == DEFAULT_CLEAN
    assert DEFAULTS.fingerprint_config() == DEFAULT_FINGERPRINT
    assert DEFAULTS.match_config() == dataclasses.replace(TUNED_MATCH, num_perm=DEFAULT_FINGERPRINT.num_perm)
    assert DEFAULTS.read_limits() == ReadLimits()


@pytest.mark.parametrize("command", ["run", "serve"])
def test_command_line_defaults_are_the_settings_defaults(command: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURATE_REDIS_URL", raising=False)
    settings = settings_of(build_parser().parse_args([command, "--workers", "2"]))
    expected = DEFAULTS.model_copy(update={"lock_wait_seconds": 600.0} if command == "serve" else {})
    assert settings == expected


def test_options_reach_the_configs() -> None:
    args = build_parser().parse_args([
        "run", "--apostrophe", "curly", "--keep-promos", "--drop-shortcode", "gallery_x",
        "--unwrap-shortcode", "mybox", "--unknown-shortcodes", "keep", "--match-threshold", "0.5",
        "--cross-lingual-threshold", "0.2", "--max-line-bytes", "1000", "--translator", "freedict"])
    settings = settings_of(args)
    clean = settings.clean_config()
    assert clean.typography.apostrophe == "curly" and not clean.strip_promos
    assert "gallery_x" in clean.shortcodes.drop and "mybox" in clean.shortcodes.unwrap
    assert clean.shortcodes.unknown == "keep"
    match = settings.match_config()
    assert (match.threshold, match.xl_threshold) == (0.5, 0.2)
    assert settings.read_limits().max_line_bytes == 1000
    assert settings.fingerprint_config().backend == "freedict"
    assert settings.manifest_parameters()["shortcodes"]["drop"] == ["gallery_x"]


@pytest.mark.parametrize("bad", [
    {"batch_size": 0}, {"apostrophe": "banana"}, {"translator": "google"},
    {"match_threshold": 1.5}, {"lock_wait_seconds": -1}, {"max_line_bytes": -5}, {"nonsense": 1},
])
def test_bad_values_are_refused_with_the_field_named(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as info:
        RunSettings(**bad)
    assert next(iter(bad)) in str(info.value)


def test_bad_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main

    with pytest.raises(SystemExit) as info:
        main(["run", "--cross-lingual-threshold", "2"])
    assert info.value.code == 2
    assert "--cross-lingual-threshold" in capsys.readouterr().err


def test_manifest_redacts_the_redis_password() -> None:
    params = RunSettings(redis_url="redis://user:s3cret@host:6379/0").manifest_parameters()
    assert "s3cret" not in str(params) and params["lsh_index"] == "redis"


def test_environment_is_read_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATE_EARLY_WORKERS_BYTES", "123")
    assert environment().early_workers_bytes == 123
    monkeypatch.setenv("CURATE_EARLY_WORKERS_BYTES", "-1")
    with pytest.raises(ValidationError):
        environment()
