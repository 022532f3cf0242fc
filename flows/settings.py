"""Every knob of a run, typed and with its default written once.

`RunSettings` is what a run is asked to do. The command line builds its options from it
(`flows.cli`), the flow's parameters take their types and defaults from it
(`flows.curate.curate_flow`), ``prefect.yaml`` sets a few of them (checked against it by the
tests), and the configs of the pure library are derived from it (`RunSettings.clean_config`,
`fingerprint_config`, `match_config`, `read_limits`). A knob owned by one of those configs
takes its default from that config, so no default is written twice.

`Environment` is what the job reads from ``CURATE_*`` environment variables, in one place.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Only the configs' own modules: the command line reads these defaults before anything else.
from cleaners.dedup.config import DEFAULT_FINGERPRINT, TUNED_MATCH, FingerprintConfig, MatchConfig
from cleaners.text.config import DEFAULT_CLEAN, CleanConfig
from cleaners.text.shortcodes.policy import DEFAULT_SHORTCODE_POLICY
from cleaners.text.typography import DEFAULT_POLICY, TypographyPolicy
from flows.readers.limits import ReadLimits

_LIMITS = ReadLimits()
#: The names `flows.backends.get_translator` accepts.
Translator = Literal["embedded", "freedict", "apertium", "apertium+freedict", "ctranslate2"]
Positive = Annotated[int, Field(gt=0)]
Similarity = Annotated[float, Field(gt=0.0, le=1.0)]


class RunSettings(BaseModel):
    """What one run of the job does. Validated on construction (a bad value is a one-line
    `pydantic.ValidationError` naming the field)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    raw_dir: str = Field("raw", description="landing folder of raw files")
    curated_dir: str = Field("curated", description="the curated dataset's folder")
    translator: Translator = Field(DEFAULT_FINGERPRINT.backend, description="translation backend")
    translator_options: dict[str, Any] = Field(
        default_factory=dict, description="options of the translation backend (e.g. model_dir)")
    batch_size: Positive = Field(2000, description="records per batch")
    max_text_chars: Positive = Field(2_000_000, description="longer records are quarantined")
    apostrophe: Literal["straight", "curly"] = DEFAULT_POLICY.apostrophe
    double_quotes: Literal["straight", "curly"] = DEFAULT_POLICY.double_quotes
    guillemet_space: Literal["nbsp", "nnbsp", "space"] = DEFAULT_POLICY.guillemet_space
    strip_promos: bool = Field(DEFAULT_CLEAN.strip_promos, description="remove interstitial promos")
    keep_captions: bool = Field(
        DEFAULT_SHORTCODE_POLICY.keep_captions,
        description="keep [caption] text as a paragraph (False: drop captions with their content)")
    unknown_shortcodes: Literal["unwrap", "drop", "keep"] = Field(
        DEFAULT_SHORTCODE_POLICY.unknown, description="what happens to shortcodes no list names")
    drop_shortcodes: tuple[str, ...] = Field(
        (), description="more shortcode names removed with their content")
    unwrap_shortcodes: tuple[str, ...] = Field(
        (), description="more shortcode names removed with their content kept")
    match_threshold: Similarity = Field(
        TUNED_MATCH.threshold, description="similarity to a canonical for a same-language duplicate")
    cross_lingual_threshold: Similarity = Field(
        TUNED_MATCH.xl_threshold, description="the same across languages")
    lock_wait_seconds: Annotated[float, Field(ge=0)] = Field(
        0.0, description="seconds to wait for another run's lock")
    parallel: bool = Field(True, description="clean and fingerprint batches on the task runner")
    redis_url: str | None = Field(None, description="keep the LSH index in this Redis")
    max_file_bytes: Positive = _LIMITS.max_file_bytes
    max_whole_file_bytes: Positive = _LIMITS.max_whole_file_bytes
    max_line_bytes: Positive = _LIMITS.max_line_bytes
    max_records_per_file: Positive = _LIMITS.max_records
    wxr_post_types: tuple[str, ...] = Field(
        _LIMITS.wxr_post_types, description="WordPress post types a WXR export publishes")

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
        """The match stage's config (the tuned preset with the chosen thresholds)."""
        return dataclasses.replace(TUNED_MATCH, num_perm=DEFAULT_FINGERPRINT.num_perm,
                                   threshold=self.match_threshold,
                                   cross_lingual_threshold=self.cross_lingual_threshold)

    def manifest_parameters(self) -> dict[str, Any]:
        """The run's parameters as recorded in its manifest (no secret: a Redis URL's password
        is redacted)."""
        clean = self.clean_config()
        params: dict[str, Any] = {
            "raw_dir": self.raw_dir, "curated_dir": self.curated_dir, "translator": self.translator,
            "translator_options": dict(self.translator_options),
            "batch_size": self.batch_size, "max_text_chars": self.max_text_chars,
            "read_limits": asdict(self.read_limits()), "typography": asdict(clean.typography),
            "strip_promos": self.strip_promos, "fingerprint": asdict(self.fingerprint_config()),
            "match": asdict(self.match_config()), "lsh_index": "redis" if self.redis_url else "memory",
        }
        if clean.shortcodes is not DEFAULT_SHORTCODE_POLICY:
            params["shortcodes"] = {"unknown": self.unknown_shortcodes,
                                    "drop": sorted(self.drop_shortcodes),
                                    "unwrap": sorted(self.unwrap_shortcodes),
                                    "keep_captions": self.keep_captions}
        if self.redis_url:
            from flows.backends.redis_index import redacted

            params["redis_url"] = redacted(self.redis_url)
        return params


#: The default settings (the flow's and the command line's defaults come from here).
DEFAULTS = RunSettings()


class Environment(BaseModel):
    """The ``CURATE_*`` environment variables the job reads (`environment` reads them: call it
    where they are needed, tests set them at run time)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    redis_url: str | None = Field(None, description="default of --redis-url")
    early_workers_bytes: Annotated[int, Field(ge=0)] = Field(
        8_000_000, description="new raw bytes from which worker processes start before the flow")
    cache_dir: Path | None = Field(None, description="the lemma tries' cache (default: the user's cache)")
    ct2_model_dir: Path | None = Field(None, description="CTranslate2 models when no model_dir option")
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
