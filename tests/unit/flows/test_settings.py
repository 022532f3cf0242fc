"""One settings object: the command line, the flow and the pure library's configs agree."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

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
    assert match.merge_floor == pytest.approx(0.2 * 0.07 / 0.11)  # the tuned ratio
    assert RunSettings(cross_lingual_threshold=1e-5).match_config().merge_floor > 0
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


def _form() -> dict[str, Any]:
    """The flow's parameter schema as Prefect sends it to the API (the deployment's form)."""
    from prefect.utilities.callables import parameter_schema

    from flows.curate import curate_flow

    schema = parameter_schema(curate_flow.fn).model_dump()
    assert curate_flow.parameters.model_dump() == schema  # what a deployment registers
    return schema


def test_the_parameter_form_has_choices_bounds_and_a_description_everywhere() -> None:
    from flows.backends import BACKENDS

    schema = _form()
    assert set(schema["properties"]) == {"settings"}
    form = schema["definitions"]["RunSettings"]
    fields = form["properties"]
    assert set(fields) == set(RunSettings.model_fields)
    for name, field in fields.items():
        assert len(field.get("description", "")) > 10, f"{name} has no description"
    for text in [form["description"], *(f["description"] for f in fields.values())]:
        assert "`" not in text and "pydantic" not in text, text  # written for the form's reader
    assert fields["translator"]["enum"] == list(BACKENDS)
    assert fields["apostrophe"]["enum"] == fields["double_quotes"]["enum"] == ["straight", "curly"]
    assert fields["guillemet_space"]["enum"] == ["nbsp", "nnbsp", "space"]
    assert fields["unknown_shortcodes"]["enum"] == ["unwrap", "drop", "keep"]
    for name in ("batch_size", "max_text_chars", "max_file_bytes", "max_whole_file_bytes",
                 "max_line_bytes", "max_records_per_file"):
        assert fields[name]["minimum"] == 1, name
    for name in ("match_threshold", "cross_lingual_threshold"):
        assert (fields[name]["exclusiveMinimum"], fields[name]["maximum"]) == (0, 1), name
    assert fields["lock_wait_seconds"]["minimum"] == 0
    (secret, _null) = fields["redis_url"]["anyOf"]
    assert secret == {"type": "string", "format": "password", "writeOnly": True}
    assert form["additionalProperties"] is False  # a misspelt field is refused too


def test_the_choices_are_the_libraries_choices() -> None:
    from typing import get_args, get_type_hints

    from cleaners.text.shortcodes.policy import ShortcodePolicy
    from cleaners.text.typography import TypographyPolicy
    from flows.backends import backend_names
    from flows.settings import choices

    assert sorted(choices("translator")) == backend_names()
    hints = get_type_hints(TypographyPolicy)
    for name in ("apostrophe", "double_quotes", "guillemet_space"):
        assert choices(name) == get_args(hints[name]), name
    actions = get_args(get_type_hints(ShortcodePolicy)["unknown"])
    assert set(choices("unknown_shortcodes")) <= set(actions)
    with pytest.raises(KeyError):
        choices("batch_size")


def test_the_redis_url_is_a_secret_everywhere_but_where_it_connects(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURATE_REDIS_URL", raising=False)
    url = "redis://user:s3cret@host:6379/0"
    settings = RunSettings(redis_url=url)
    for shown in (repr(settings), str(settings), settings.model_dump_json(),
                  json.dumps(settings.model_dump(mode="json")),
                  str(settings.manifest_parameters())):
        assert "s3cret" not in shown, shown
    assert settings.redis_connection_url() == url
    assert settings.manifest_parameters()["redis_url"] == "redis://user:***@host:6379/0"
    # Not given: the environment of the process running the flow (how `curate serve` and a
    # work-pool worker hand it to their runs without sending it to the API).
    assert DEFAULTS.redis_connection_url() is None
    assert DEFAULTS.manifest_parameters()["lsh_index"] == "memory"
    monkeypatch.setenv("CURATE_REDIS_URL", url)
    assert DEFAULTS.redis_connection_url() == url
    assert DEFAULTS.manifest_parameters()["lsh_index"] == "redis"
    assert "s3cret" not in repr(environment())
