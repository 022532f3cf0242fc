"""Every knob of a run, typed and with its default written once.

`RunSettings` is what a run is asked to do. The command line builds its options from it
(`flows.cli`), the flow's parameters take their types and defaults from it
(`flows.curate.curate_flow`), ``prefect.yaml`` sets a few of them (checked against it by the
tests), and the configs of the pure library are derived from it (`RunSettings.clean_config`,
`fingerprint_config`, `match_config`, `read_limits`). A knob owned by one of those configs
takes its default from that config, so no default is written twice.

Its JSON schema is what Prefect shows as the deployment's form and what the Prefect API checks a
run's parameters against before the run is created: enumerations are ``Literal`` choices,
numbers carry their bounds, every field has a description written for the form's reader, and
the Redis URL is a `pydantic.SecretStr` (masked in the form, ``**********`` wherever the
settings are serialized: flow-run parameters, logs, reprs; the manifest records it redacted).

`Environment` is what the job reads from ``CURATE_*`` environment variables, in one place.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr

# Only the configs' own modules: the command line reads these defaults before anything else.
from cleaners.dedup.config import DEFAULT_FINGERPRINT, TUNED_MATCH, FingerprintConfig, MatchConfig
from cleaners.text.config import DEFAULT_CLEAN, CleanConfig
from cleaners.text.shortcodes.policy import DEFAULT_SHORTCODE_POLICY
from cleaners.text.typography import DEFAULT_POLICY, TypographyPolicy
from flows.readers.limits import ReadLimits

_LIMITS = ReadLimits()
#: The names of `flows.backends.BACKENDS` (`flows.backends.get_translator` accepts them; a test
#: keeps the two in step: importing the table here would cost the command line 0.1 s).
Translator = Literal["embedded", "freedict", "apertium", "apertium+freedict", "ctranslate2"]
#: `cleaners.text.typography.TypographyPolicy`'s choices.
Quotes = Literal["straight", "curly"]
GuillemetSpace = Literal["nbsp", "nnbsp", "space"]
#: What `cleaners.text.shortcodes.policy.ShortcodePolicy.unknown` may be set to from here.
UnknownShortcodes = Literal["unwrap", "drop", "keep"]
Positive = Annotated[int, Field(ge=1)]
Similarity = Annotated[float, Field(gt=0.0, le=1.0)]

_FORM_DESCRIPTION = (
    "What one run of curate-news does: the folders it reads and writes, how text is cleaned, "
    "how duplicates are found, and the limits on what a raw file may hold. Fields left out "
    "take their defaults.")


class RunSettings(BaseModel):
    """What one run of the job does. Validated on construction (a bad value is a one-line
    `pydantic.ValidationError` naming the field); its JSON schema is the deployment's form
    (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="Run settings",
                              json_schema_extra={"description": _FORM_DESCRIPTION})

    raw_dir: str = Field(
        "raw", description="Landing folder of the raw files, read recursively (a relative path "
                           "is taken from the working folder of the process running the flow).")
    curated_dir: str = Field("curated", description="Folder of the curated Parquet dataset.")
    translator: Translator = Field(
        DEFAULT_FINGERPRINT.backend,
        description="Translation backend used to compare articles across languages.")
    translator_options: dict[str, Any] = Field(
        default_factory=dict,
        description='Options of the translation backend, e.g. {"model_dir": '
                    '"models/opus-mt-fr-en"} for ctranslate2.')
    batch_size: Positive = Field(
        2000, description="Records per batch (memory is bounded by one batch per worker).")
    max_text_chars: Positive = Field(
        2_000_000, description="Records whose cleaned text is longer are quarantined.")
    apostrophe: Quotes = Field(
        DEFAULT_POLICY.apostrophe, description="Apostrophes written straight (') or curly (’).")
    double_quotes: Quotes = Field(
        DEFAULT_POLICY.double_quotes,
        description='Double quotes written straight (") or curly (“ ”).')
    guillemet_space: GuillemetSpace = Field(
        DEFAULT_POLICY.guillemet_space,
        description="Space inside « »: nbsp (U+00A0), nnbsp (U+202F) or an ordinary space.")
    strip_promos: bool = Field(
        DEFAULT_CLEAN.strip_promos, description="Remove interstitial promos from the text.")
    keep_captions: bool = Field(
        DEFAULT_SHORTCODE_POLICY.keep_captions,
        description="Keep the text of [caption] shortcodes as a paragraph (off: drop captions "
                    "with their text).")
    unknown_shortcodes: UnknownShortcodes = Field(
        DEFAULT_SHORTCODE_POLICY.unknown,
        description="Shortcodes no list names: unwrap (keep their text), drop (remove them "
                    "with it) or keep (leave them as they are).")
    drop_shortcodes: tuple[str, ...] = Field(
        (), description="More shortcode names removed with their content.")
    unwrap_shortcodes: tuple[str, ...] = Field(
        (), description="More shortcode names removed, their content kept.")
    match_threshold: Similarity = Field(
        TUNED_MATCH.threshold,
        description="Similarity to a cluster's canonical article from which an article in the "
                    "same language is its duplicate.")
    cross_lingual_threshold: Similarity = Field(
        TUNED_MATCH.xl_threshold,
        description="The same for an article in another language (two clusters an article "
                    "links merge from 0.07/0.11 of it when the sentence check runs, below 0.20).")
    lock_wait_seconds: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Seconds to wait for another run to release the dataset before the run ends Cancelled.")
    parallel: bool = Field(
        True, description="Clean and fingerprint batches on the task runner's workers (off: "
                          "in the flow's process).")
    redis_url: SecretStr | None = Field(
        None, description="Redis URL of a shared LSH index, e.g. redis://host:6379/0 (never "
                          "shown once set). Empty: $CURATE_REDIS_URL of the process running "
                          "the flow, else an in-memory index.")
    max_file_bytes: Positive = Field(
        _LIMITS.max_file_bytes, description="Bytes read from one raw file once decompressed.")
    max_whole_file_bytes: Positive = Field(
        _LIMITS.max_whole_file_bytes,
        description="Size of a json, csv, txt, html or xml file, read whole into memory, once "
                    "decompressed.")
    max_line_bytes: Positive = Field(
        _LIMITS.max_line_bytes, description="Bytes of one JSONL line or one CSV field.")
    max_records_per_file: Positive = Field(
        _LIMITS.max_records, description="Records read from one raw file.")
    wxr_post_types: tuple[str, ...] = Field(
        _LIMITS.wxr_post_types,
        description="WordPress post types whose published items a WXR export gives.")

    def redis_connection_url(self) -> str | None:
        """The Redis URL of the LSH index in clear, for the code that connects to it: the
        field's, else ``$CURATE_REDIS_URL`` (read now), else None (an in-memory index).
        Never log or record it: `manifest_parameters` has it redacted."""
        if self.redis_url is not None and self.redis_url.get_secret_value():
            return self.redis_url.get_secret_value()
        env = environment().redis_url
        return env.get_secret_value() if env is not None else None

    def read_limits(self) -> ReadLimits:
        """The readers' limits."""
        return ReadLimits(max_file_bytes=self.max_file_bytes,
                          max_whole_file_bytes=self.max_whole_file_bytes,
                          max_line_bytes=self.max_line_bytes, max_records=self.max_records_per_file,
                          wxr_post_types=self.wxr_post_types)

    def clean_config(self) -> CleanConfig:
        """The clean stage's config."""
        base = DEFAULT_SHORTCODE_POLICY
        drop = frozenset(self.drop_shortcodes)
        shortcodes = dataclasses.replace(
            base, unknown=self.unknown_shortcodes, drop=base.drop | drop,
            unwrap=(base.unwrap | frozenset(self.unwrap_shortcodes)) - drop,
            keep_captions=self.keep_captions,
        ) if (drop or self.unwrap_shortcodes or self.unknown_shortcodes != base.unknown
              or self.keep_captions != base.keep_captions) else base
        return CleanConfig(
            typography=TypographyPolicy(apostrophe=self.apostrophe, double_quotes=self.double_quotes,
                                        guillemet_space=self.guillemet_space),
            shortcodes=shortcodes, strip_promos=self.strip_promos)

    def fingerprint_config(self) -> FingerprintConfig:
        """The fingerprint stage's config (the tuned defaults with the chosen backend)."""
        return dataclasses.replace(DEFAULT_FINGERPRINT, backend=self.translator)

    def match_config(self) -> MatchConfig:
        """The match stage's config (the tuned preset with the chosen thresholds; the merge
        threshold keeps its tuned ratio to the cross-lingual one)."""
        merge = TUNED_MATCH.merge_floor * (self.cross_lingual_threshold / TUNED_MATCH.xl_threshold)
        return dataclasses.replace(TUNED_MATCH, num_perm=DEFAULT_FINGERPRINT.num_perm,
                                   threshold=self.match_threshold,
                                   cross_lingual_threshold=self.cross_lingual_threshold,
                                   merge_xl_threshold=merge)

    def manifest_parameters(self) -> dict[str, Any]:
        """The run's parameters as recorded in its manifest (no secret: a Redis URL's password
        is redacted)."""
        clean = self.clean_config()
        redis_url = self.redis_connection_url()
        params: dict[str, Any] = {
            "raw_dir": self.raw_dir, "curated_dir": self.curated_dir, "translator": self.translator,
            "translator_options": dict(self.translator_options),
            "batch_size": self.batch_size, "max_text_chars": self.max_text_chars,
            "read_limits": asdict(self.read_limits()), "typography": asdict(clean.typography),
            "strip_promos": self.strip_promos, "fingerprint": asdict(self.fingerprint_config()),
            "match": asdict(self.match_config()), "lsh_index": "redis" if redis_url else "memory",
        }
        if clean.shortcodes is not DEFAULT_SHORTCODE_POLICY:
            params["shortcodes"] = {"unknown": self.unknown_shortcodes,
                                    "drop": sorted(self.drop_shortcodes),
                                    "unwrap": sorted(self.unwrap_shortcodes),
                                    "keep_captions": self.keep_captions}
        if redis_url:
            from flows.backends.redis_index import redacted

            params["redis_url"] = redacted(redis_url)
        return params


#: The default settings (the flow's and the command line's defaults come from here).
DEFAULTS = RunSettings()

#: Seconds a flow run may take before Prefect fails it as TimedOut, by default (a hung run
#: would hold the dataset's lock, and every scheduled run after it would wait or be
#: cancelled): 6 hours, about 20 million documents at the benchmark's speed. Prefect takes a
#: flow's timeout from the flow, not from a run's parameters: ``curate run --timeout`` and
#: ``curate serve --timeout`` set it (`flows.curate.curate_flow` ``.with_options``).
FLOW_TIMEOUT_SECONDS = 6 * 3600.0


def choices(field: str) -> tuple[str, ...]:
    """The values `RunSettings` accepts for the enumeration ``field`` (for the command line's
    ``choices``); raises `KeyError` for a field that is not one."""
    values = get_args(RunSettings.model_fields[field].annotation)
    if not values or not all(isinstance(v, str) for v in values):
        raise KeyError(f"{field} is not an enumeration of RunSettings")
    return tuple(values)


class Environment(BaseModel):
    """The ``CURATE_*`` environment variables the job reads (`environment` reads them: call it
    where they are needed, tests set them at run time). A field whose description starts with
    ``tests only`` is left out of the documentation (`documented_variables`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    redis_url: SecretStr | None = Field(
        None, description="Redis URL of the shared LSH index when --redis-url is not given "
                          "(also read by the runs of curate serve and of work-pool deployments)")
    early_workers_bytes: Annotated[int, Field(ge=0)] = Field(
        8_000_000, description="new raw bytes from which curate run starts its worker processes "
                               "while Prefect's API starts (default 8000000)")
    in_process_bytes: Annotated[int, Field(ge=0)] = Field(
        16_000_000, description="new raw bytes under which curate run without --workers cleans "
                                "and fingerprints in its own process, loading what that needs "
                                "while Prefect's API starts (default 16000000; 0: never)")
    alert_urls: SecretStr | None = Field(
        None, description="Apprise URLs notified when a run fails or crashes, separated by "
                          "commas or spaces, when no Secret block curate-alert-urls exists "
                          "(docs/operations.md)")
    cache_dir: Path | None = Field(
        None, description="folder of the lemma tries cache (default: the user's cache folder)")
    ct2_model_dir: Path | None = Field(
        None, description="CTranslate2 model folder when the ctranslate2 backend has no "
                          "model_dir option")
    test_pause_at: str | None = Field(None, description="tests only: pause the commit at this point")
    test_pause_file: Path | None = Field(None, description="tests only: the pause's marker file")


#: The prefix of the job's environment variables (``CURATE_REDIS_URL`` sets ``redis_url``).
ENV_PREFIX = "CURATE_"


def environment() -> Environment:
    """The ``CURATE_*`` environment variables as they are now, validated (a bad value raises
    `pydantic.ValidationError` naming it); an empty variable counts as not set."""
    return Environment.model_validate({
        name.removeprefix(ENV_PREFIX).lower(): value
        for name, value in os.environ.items() if name.startswith(ENV_PREFIX) and value
    })


def documented_variables() -> list[tuple[str, str]]:
    """(name, description) of every ``CURATE_*`` variable a user may set, in `Environment`'s
    order (the tests-only ones left out)."""
    return [(ENV_PREFIX + name.upper(), field.description or "")
            for name, field in Environment.model_fields.items()
            if not (field.description or "").startswith("tests only")]
