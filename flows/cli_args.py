"""The ``curate`` command line's arguments: parsing, checking and help (`build_parser`,
`check`, `settings_of`), without importing Prefect, so that a bad argument is a one-line usage
error (exit 2) in well under a second. The commands themselves are in `flows.cli`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from flows.settings import RunSettings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 75
#: Every exit status of ``curate`` and when it happens (shown by ``--help``).
EXIT_STATUSES: dict[int, str] = {
    EXIT_OK: "run: the run completed (even with quarantined records or refused paths); "
             "serve: stopped by Ctrl-C or SIGTERM, the deployment paused",
    EXIT_FAILED: "the run failed or could not start (curated folder not writable, temporary "
                 "Prefect API down); serve: no Prefect server, or the runner failed",
    EXIT_USAGE: "usage error: an invalid option or value, or a raw folder that does not "
                "exist (one line on stderr, nothing started)",
    EXIT_BUSY: "another run holds the dataset's lock (retry later, or pass --wait)",
    130: "run: stopped by SIGINT (Ctrl-C)",
    143: "run: stopped by SIGTERM",
}
#: The option that sets each `flows.settings.RunSettings` field whose option is not named
#: after it (for the one-line message naming a refused value).
_OPTION_OF_FIELD = {
    "raw_dir": "--raw", "curated_dir": "--curated", "lock_wait_seconds": "--wait",
    "strip_promos": "--keep-promos", "keep_captions": "--drop-captions",
    "drop_shortcodes": "--drop-shortcode", "unwrap_shortcodes": "--unwrap-shortcode",
    "wxr_post_types": "--wxr-post-type", "translator_options": "--translator-option",
    "parallel": "--workers",
}

def usage_exit(prog: str, message: str) -> NoReturn:
    """Print ``message`` as one line on stderr and exit with status 2."""
    sys.stderr.write(f"{prog}: error: {message} (see {prog} --help)\n")
    raise SystemExit(EXIT_USAGE)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        """One line, ``<prog>: error: <message> (see <prog> --help)``, then exit 2."""
        usage_exit(self.prog, message)


def _option(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` → (key, value), the value parsed as JSON when it is JSON, else text."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def positive_int(text: str) -> int:
    """An argument that must be a whole number above zero (``1_000`` and ``1,000`` accepted)."""
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero, got {value}")
    return value


def _seconds(text: str, *, zero: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        raise argparse.ArgumentTypeError(
            f"must be {'zero or more' if zero else 'above zero'}, got {text}")
    return value


def _wait_seconds(text: str) -> float:
    """Seconds, zero or more."""
    return _seconds(text, zero=True)


def _interval_seconds(text: str) -> float:
    """Seconds, above zero."""
    return _seconds(text, zero=False)


_CRON_FIELD = re.compile(r"[0-9A-Za-z*/,?#-]+")


def _cron(text: str) -> str:
    """A cron expression of 5 or 6 fields, or an ``@hourly``-style alias (checked in full by
    Prefect when the schedule is made)."""
    fields = text.split()
    if not (text.strip().startswith("@") and len(fields) == 1) and not (
            5 <= len(fields) <= 6 and all(_CRON_FIELD.fullmatch(f) for f in fields)):
        raise argparse.ArgumentTypeError(
            f"expected a cron expression such as \"0 * * * *\" (minute hour day month "
            f"weekday), got {text!r}")
    return " ".join(fields)


def _timezone(text: str) -> str:
    """An IANA time zone name (``Europe/Paris``)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"unknown time zone {text!r} (expected an IANA name such as Europe/Paris)") from None
    return text


def _timeout(p: argparse.ArgumentParser) -> None:
    """``--timeout``: the flow run's timeout (`flows.settings.FLOW_TIMEOUT_SECONDS`)."""
    from flows.settings import FLOW_TIMEOUT_SECONDS

    p.add_argument("--timeout", type=_interval_seconds, default=FLOW_TIMEOUT_SECONDS,
                   metavar="SECONDS",
                   help="seconds a flow run may take before Prefect fails it as TimedOut "
                        f"(default {FLOW_TIMEOUT_SECONDS:.0f}: 6 hours)")


def _common(p: argparse.ArgumentParser) -> None:
    """The options of ``run`` and ``serve``: one per field of `flows.settings.RunSettings`,
    with its default and, for an enumeration, its choices."""
    from flows.settings import DEFAULTS, choices

    d = DEFAULTS
    p.add_argument("--raw", default=d.raw_dir, metavar="DIR",
                   help=f"landing folder of raw files, read recursively (default: {d.raw_dir}/)")
    p.add_argument("--curated", default=d.curated_dir, metavar="DIR",
                   help=f"output dataset folder (default: {d.curated_dir}/)")
    p.add_argument("--translator", default=d.translator, choices=choices("translator"),
                   help=f"translation backend (default {d.translator})")
    p.add_argument("--translator-option", action="append", default=[], metavar="KEY=VALUE",
                   type=_option, dest="translator_options",
                   help="backend option, repeatable (e.g. model_dir=models/opus-mt-fr-en); "
                        "values are read as JSON when they parse (2, true), else as text")
    p.add_argument("--batch-size", type=positive_int, default=d.batch_size, metavar="N",
                   help=f"records per batch (default {d.batch_size})")
    p.add_argument("--max-text-chars", type=positive_int, default=d.max_text_chars, metavar="N",
                   help=f"longer records are quarantined (default {d.max_text_chars:,})")
    p.add_argument("--apostrophe", choices=choices("apostrophe"), default=d.apostrophe,
                   help=f"apostrophes written straight (') or curly (’) (default {d.apostrophe})")
    p.add_argument("--double-quotes", choices=choices("double_quotes"), default=d.double_quotes,
                   help=f"double quotes written straight or curly (default {d.double_quotes})")
    p.add_argument("--guillemet-space", choices=choices("guillemet_space"),
                   default=d.guillemet_space,
                   help=f"space inside « »: no-break, narrow no-break or ordinary "
                        f"(default {d.guillemet_space})")
    p.add_argument("--keep-promos", action="store_true",
                   help="do not strip interstitial promos, page furniture and calls to the reader")
    p.add_argument("--drop-captions", action="store_true",
                   help="remove [caption]/[wp_caption] shortcodes with their text "
                        "(default: the caption text is kept as a paragraph)")
    p.add_argument("--unknown-shortcodes", choices=choices("unknown_shortcodes"),
                   default=d.unknown_shortcodes,
                   help=f"shortcodes no list names: keep their text, drop them with it, or leave "
                        f"them as they are (default {d.unknown_shortcodes})")
    p.add_argument("--drop-shortcode", action="append", default=[], metavar="NAME",
                   dest="drop_shortcodes",
                   help="also remove this shortcode with its content (repeatable)")
    p.add_argument("--unwrap-shortcode", action="append", default=[], metavar="NAME",
                   dest="unwrap_shortcodes",
                   help="also remove this shortcode, keeping its content (repeatable)")
    p.add_argument("--match-threshold", type=float, default=d.match_threshold, metavar="X",
                   help=f"similarity for a same-language duplicate, in (0, 1] "
                        f"(default {d.match_threshold})")
    p.add_argument("--cross-lingual-threshold", type=float, default=d.cross_lingual_threshold,
                   metavar="X", help=f"similarity for a duplicate in another language, in (0, 1] "
                                     f"(default {d.cross_lingual_threshold})")
    p.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="worker processes for clean and fingerprint (default: all cores, or none "
                        "for a run with little new (CURATE_IN_PROCESS_BYTES): its batches then "
                        "run in the flow process)")
    p.add_argument("--dask-address", default=None, metavar="ADDR",
                   help="run batches on this Dask scheduler (tcp://host:8786), or 'local' for a "
                        "Dask LocalCluster")
    p.add_argument("--redis-url", default=None, metavar="URL",
                   help="keep the LSH index in this Redis (redis://host:6379/0), shared by "
                        "workers and runs; never shown in the Prefect UI, logs or manifests "
                        "(default: $CURATE_REDIS_URL, else in memory)")
    p.add_argument("--verbose", action="store_true",
                   help="show the traceback of a failure (otherwise one line)")
    limits = p.add_argument_group("limits on what one raw file may hold (a file over a limit "
                                  "keeps the records before it; the rest is one quarantine row)")
    limits.add_argument("--max-file-bytes", type=positive_int, default=d.max_file_bytes, metavar="N",
                        help=f"bytes read from one file once decompressed (default {_size(d.max_file_bytes)})")
    limits.add_argument("--max-whole-file-bytes", type=positive_int, default=d.max_whole_file_bytes,
                        metavar="N", help="size of a json, csv, txt, html or xml file, read whole into "
                        f"memory, once decompressed (default {_size(d.max_whole_file_bytes)})")
    limits.add_argument("--max-line-bytes", type=positive_int, default=d.max_line_bytes, metavar="N",
                        help=f"one JSONL line or CSV field (default {_size(d.max_line_bytes)})")
    limits.add_argument("--max-records-per-file", type=positive_int, default=d.max_records_per_file,
                        metavar="N", help=f"records read from one file (default {d.max_records_per_file:,})")
    limits.add_argument("--wxr-post-type", action="append", default=None, metavar="TYPE",
                        dest="wxr_post_types",
                        help="a WordPress post type whose published items a WXR export gives "
                             "(repeatable); the types given replace the default "
                             f"{' and '.join(d.wxr_post_types)}: name them too to keep them")


def _size(n: int) -> str:
    """``8589934592`` → ``8 GiB`` (for help texts)."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n:,}"


def settings_of(args: argparse.Namespace) -> RunSettings:
    """The run's settings from the parsed options (validated: a bad combination raises
    `pydantic.ValidationError`); the Redis URL is ``--redis-url``, else ``$CURATE_REDIS_URL``."""
    from flows.settings import RunSettings, environment

    return RunSettings(
        raw_dir=args.raw, curated_dir=args.curated, translator=args.translator,
        translator_options=dict(args.translator_options), batch_size=args.batch_size,
        max_text_chars=args.max_text_chars, apostrophe=args.apostrophe,
        double_quotes=args.double_quotes, guillemet_space=args.guillemet_space,
        strip_promos=not args.keep_promos, unknown_shortcodes=args.unknown_shortcodes,
        keep_captions=not args.drop_captions,
        drop_shortcodes=tuple(args.drop_shortcodes), unwrap_shortcodes=tuple(args.unwrap_shortcodes),
        match_threshold=args.match_threshold, cross_lingual_threshold=args.cross_lingual_threshold,
        redis_url=args.redis_url or environment().redis_url, max_file_bytes=args.max_file_bytes,
        max_whole_file_bytes=args.max_whole_file_bytes, max_line_bytes=args.max_line_bytes,
        max_records_per_file=args.max_records_per_file, lock_wait_seconds=args.wait,
        parallel=(args.workers or os.cpu_count() or 1) > 1 or bool(args.dask_address),
        **({"wxr_post_types": tuple(args.wxr_post_types)} if args.wxr_post_types else {}),
    )


def _package_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def job_version() -> str | None:
    return _package_version("news-curate")


def version_text() -> str:
    """What ``curate --version`` prints: the job's version (the installed news-curate
    package's), Prefect's and Python's; read without importing Prefect."""
    return (f"curate {job_version() or 'unknown'} (news-curate), "
            f"Prefect {_package_version('prefect') or 'not installed'}, "
            f"Python {platform.python_version()}")


def _epilog(examples: list[tuple[str, str]], *sections: tuple[str, list[tuple[str, str]]]) -> str:
    """An epilog: examples, then titled lists of (term, meaning) pairs, the meanings aligned
    and wrapped to 100 columns (a term too long for the column has its meaning below it)."""
    import textwrap

    parts = []
    for title, rows in (("examples", examples), *sections):
        width = min(max((len(term) for term, meaning in rows if meaning), default=0), 28)
        lines = [f"{title}:"]
        for term, meaning in rows:
            wrapped = textwrap.wrap(meaning, 100 - width - 4) or [""]
            indent = " " * (width + 4)
            if len(term) > width:
                lines.append(f"  {term}")
                lines += [indent + w for w in wrapped if w]
            else:
                lines.append(f"  {term:<{width}}  {wrapped[0]}".rstrip())
                lines += [indent + w for w in wrapped[1:]]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n\nMore in docs/usage.md."


def _exit_section(command: str | None) -> tuple[str, list[tuple[str, str]]]:
    """The exit statuses that ``command`` (None: all) can end with."""
    rows = []
    for status, meaning in EXIT_STATUSES.items():
        if command == "serve" and status in (EXIT_BUSY, 130, 143):
            continue
        rows.append((str(status), meaning))
    return "exit statuses", rows


def _environment_section() -> tuple[str, list[tuple[str, str]]]:
    from flows.settings import documented_variables

    return "environment", [
        ("PREFECT_API_URL", "the Prefect server, e.g. http://127.0.0.1:4200/api; without it "
                            "curate run starts a temporary API for the run and curate serve "
                            "refuses to start"),
        ("PREFECT_HOME", "where Prefect keeps its profile and a local server its database"),
        *documented_variables(),
    ]


def _json_section() -> tuple[str, list[tuple[str, str]]]:
    from flows.console import JSON_KEYS

    return "--json prints one JSON object on stdout, with the keys", list(JSON_KEYS.items())


def _text(paragraph: str) -> str:
    """``paragraph`` wrapped to 100 columns (help descriptions are printed as written)."""
    import textwrap

    return textwrap.fill(paragraph, 100)


Command = Callable[[argparse.Namespace], int]


def build_parser(run_command: Command | None = None,
                 serve_command: Command | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``curate`` (usage errors: one line on stderr, exit status 2);
    ``args.func`` is ``run_command`` or ``serve_command`` (`flows.cli` passes its commands)."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="curate", formatter_class=formatter,
        description=_text(
            "Curate raw news files (JSONL, CSV, HTML, WordPress exports...) into a "
                    "clean, deduplicated Parquet dataset, once (run) or on a schedule (serve)."),
        epilog=_epilog([("curate run", "curate the new files of raw/ into curated/ once"),
                        ("curate run --raw /data/raw --curated /data/curated --json", ""),
                        ("curate serve --interval 3600", "serve the deployment, a run every hour"),
                        ("curate run --help", "every option of a run")],
                       _exit_section(None), _environment_section()))
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", required=True, metavar="{run,serve,compact,forget,migrate}")
    run = sub.add_parser(
        "run", help="curate the new files of raw/ into curated/ once", formatter_class=formatter,
        description=_text(
            "Curate the new files of the raw folder into the curated dataset once, "
                    "then print a one-line summary (or, with --json, one JSON object)."),
        epilog=_epilog([("curate run", "raw/ into curated/, with every core"),
                        ("curate run --raw /data/raw --curated /data/curated --workers 4", ""),
                        ("curate run --json | jq .rows_written", "the summary as JSON"),
                        ("curate run --wait 600", "wait up to 10 min for a run holding the lock")],
                       _json_section(), _exit_section("run"), _environment_section()))
    _common(run)
    run.add_argument("--wait", type=_wait_seconds, default=0.0, metavar="SECONDS",
                     help="seconds to wait for another run's lock before giving up (default 0)")
    _timeout(run)
    run.add_argument("--json", action="store_true",
                     help="print the outcome as one JSON object on stdout (keys below) instead "
                          "of the summary line")
    run.set_defaults(func=run_command)
    serve = sub.add_parser(
        "serve", help="register the deployment and run it on a schedule", formatter_class=formatter,
        description=_text(
            "Register the deployment curate-news/NAME with the Prefect server named by "
                    "PREFECT_API_URL and execute its scheduled runs, one at a time, until "
                    "stopped. Ctrl-C or SIGTERM pauses the deployment, cancels the run in "
                    "progress and exits 0; a second signal ends at once."),
        epilog=_epilog([("curate serve", "every hour on the hour (UTC): curate-news-hourly"),
                        ("curate serve --interval 60", "every 60 s: curate-news-every-60s"),
                        ('curate serve --cron "15 6-22 * * *" --timezone Europe/Paris', "")],
                       _exit_section("serve"), _environment_section()))
    _common(serve)
    serve.add_argument("--wait", type=_wait_seconds, default=600.0, metavar="SECONDS",
                       help="seconds a scheduled run waits for the lock held by another run, e.g. "
                            "a curate run by hand (default 600)")
    _timeout(serve)
    serve.add_argument("--name", default=None,
                       help="deployment name (default: from the schedule, e.g. "
                            "curate-news-every-60s, curate-news-hourly)")
    group = serve.add_mutually_exclusive_group()
    group.add_argument("--cron", type=_cron, default=None, metavar="EXPR",
                       help='cron schedule (default "0 * * * *": every hour on the hour)')
    group.add_argument("--interval", type=_interval_seconds, default=None, metavar="SECONDS",
                       help="a run every SECONDS seconds instead")
    serve.add_argument("--timezone", type=_timezone, default="UTC", metavar="TZ",
                       help="time zone of the schedule, e.g. Europe/Paris (default UTC)")
    serve.set_defaults(func=serve_command, json=False)
    sub.add_parser("compact", add_help=False,  # parsed by flows.compact.compact_main (flows.cli)
                   help="merge the small part files of curated/ into large ones "
                        "(curate compact --help)")
    sub.add_parser("forget", add_help=False,  # parsed by flows.forget.forget_main (flows.cli)
                   help="remove documents from curated/ for good, a takedown "
                        "(curate forget --help)")
    sub.add_parser("migrate", add_help=False,  # parsed by flows.migrate.migrate_main (flows.cli)
                   help="rewrite the parts of an older schema as this job's "
                        "(curate migrate --help)")
    return parser


def check(args: argparse.Namespace) -> None:
    """Usage errors the parser cannot see (one line, exit 2): values `flows.settings` refuses,
    named by their option (or environment variable), then the folders. Sets ``args.settings``."""
    from pydantic import ValidationError

    from flows.settings import ENV_PREFIX, environment

    prog = f"curate {args.command}"
    args.workers_given = args.workers is not None
    args.workers = args.workers or os.cpu_count() or 1
    try:
        environment()
        args.settings = settings_of(args)
    except ValidationError as exc:
        reasons = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            name = (f"environment variable {ENV_PREFIX}{field.upper()}"
                    if exc.title == "Environment" else
                    f"argument {_OPTION_OF_FIELD.get(field, '--' + field.replace('_', '-'))}")
            reasons.append(f"{name}: {error['msg']}")
        usage_exit(prog, "; ".join(reasons) or str(exc))
    if not str(args.raw).strip():
        usage_exit(prog, "argument --raw: empty (name the raw folder; '.' for this one)")
    if not Path(args.raw).is_dir():
        what = "is not a folder" if Path(args.raw).exists() else "does not exist"
        usage_exit(prog, f"argument --raw: the raw folder {args.raw!r} {what}")
    if not str(args.curated).strip():
        usage_exit(prog, "argument --curated: empty (name the curated folder)")
    if Path(args.curated).exists() and not Path(args.curated).is_dir():
        usage_exit(prog, f"argument --curated: {args.curated!r} is not a folder")
    raw, curated = Path(args.raw).resolve(), Path(args.curated).resolve()
    if curated == raw or raw in curated.parents:
        usage_exit(prog, f"argument --curated: {args.curated!r} is inside the raw folder "
                         f"{args.raw!r}: every run would read its own output")


