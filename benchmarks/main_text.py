"""Main-text extraction on real pages: the job, trafilatura alone, and all visible text.

(The issue asked for ``benchmarks/html.py``: a script of that name, run from this folder,
shadows the standard library's ``html`` module for every sibling script, so it is named
``main_text.py``.)

``../shared/eval/trafilatura/pages/`` holds 506 real pages (gzipped HTML) and
``evaldata.json`` their annotations: ``with`` strings (article text that must be kept) and
``without`` strings (boilerplate that must go). For each system, on the same decoded pages:

- kept: share of ``with`` strings found in the output;
- leaked: share of ``without`` strings found in the output;
- lost: pages that have ``with`` strings and keep none of them;
- ms/page: time per page.

Strings are compared leniently and the same way for every system: NFKC, case-folded,
quotes and dashes unified, all whitespace and invisible marks (soft hyphens, zero-width
spaces) removed (inline markup splits words differently).
Pages are split into two halves by a stable hash of their file name: thresholds are chosen
on half A and reported on half B.

Usage: .venv/bin/python benchmarks/main_text.py [--misses job|trafilatura] [--half A|B]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.text.clean import clean_text  # noqa: E402
from flows.readers.base import decode  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "trafilatura"

_QUOTES = str.maketrans({c: "'" for c in "‘’‚‛′`´"} | {c: '"' for c in "“”„‟″«»"}
                        | {c: "-" for c in "–—‐‑"})
_WS = re.compile(r"[\s\u00ad\u200b\u200c\u200d\u2060\ufeff]+")  # spaces and invisible marks


def key(text: str) -> str:
    """The lenient comparison form of a string (see the module docstring)."""
    return _WS.sub("", unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold())


@dataclass(frozen=True)
class Page:
    file: str
    html: str
    with_: tuple[str, ...]
    without: tuple[str, ...]

    @property
    def half(self) -> str:
        return self.half_of(self.file)

    @staticmethod
    def half_of(name: str) -> str:
        """``'A'`` (thresholds are chosen there) or ``'B'`` (results are reported there), by the
        first byte of the SHA-256 of the page's file name (stable across runs and machines)."""
        return "A" if hashlib.sha256(name.encode("utf-8")).digest()[0] % 2 == 0 else "B"


def pages() -> Iterator[Page]:
    """Every annotated page that is in ``pages/``, decoded as the job decodes files."""
    data = json.loads((EVAL / "evaldata.json").read_text(encoding="utf-8"))
    for entry in data.values():
        name = entry.get("file")
        path = EVAL / "pages" / f"{name}.gz" if name else None
        if path is None or not path.exists():
            continue
        html, _ = decode(gzip.decompress(path.read_bytes()))
        yield Page(name, html, tuple(s for s in entry["with"] if s.strip()),
                   tuple(s for s in entry["without"] if s.strip()))


def job(html: str) -> str:
    return clean_text(html).text


def trafilatura_alone(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def visible(html: str) -> str:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    return tree.body.text(separator=" ") if tree.body is not None else ""


SYSTEMS: dict[str, Callable[[str], str]] = {
    "job": job, "trafilatura": trafilatura_alone, "visible text": visible,
}


@dataclass
class Score:
    kept: int = 0
    with_: int = 0
    leaked: int = 0
    without: int = 0
    lost: int = 0
    pages: int = 0
    seconds: float = 0.0

    def add(self, page: Page, out: str, seconds: float) -> tuple[list[str], list[str]]:
        k = key(out)
        missed = [s for s in page.with_ if key(s) not in k]
        leaked = [s for s in page.without if key(s) in k]
        self.kept += len(page.with_) - len(missed)
        self.with_ += len(page.with_)
        self.leaked += len(leaked)
        self.without += len(page.without)
        self.lost += bool(page.with_) and len(missed) == len(page.with_)
        self.pages += 1
        self.seconds += seconds
        return missed, leaked

    def row(self, name: str, half: str) -> str:
        return (f"| {name} | {half} | {self.pages} | {self.kept / max(self.with_, 1):.1%} | "
                f"{self.leaked / max(self.without, 1):.1%} | {self.lost} | "
                f"{1000 * self.seconds / max(self.pages, 1):.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", choices=list(SYSTEMS), help="print what it misses and leaks")
    parser.add_argument("--half", choices=["A", "B"], help="only this half")
    args = parser.parse_args()
    if not EVAL.exists():
        print(f"no evaluation data at {EVAL}")
        return 1
    selected = [p for p in pages() if args.half in (None, p.half)]
    print(f"{len(selected)} annotated pages from {EVAL / 'pages'}\n")
    print("| system | half | pages | with kept | without leaked | pages lost | ms/page |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, system in SYSTEMS.items():
        scores = {"A": Score(), "B": Score()}
        report = []
        for page in selected:
            started = time.perf_counter()
            out = system(page.html)
            missed, leaked = scores[page.half].add(page, out, time.perf_counter() - started)
            if args.misses == name and (missed or leaked):
                report.append((page.file, missed, leaked))
        total = Score(*(sum(getattr(s, f) for s in scores.values())
                        for f in ("kept", "with_", "leaked", "without", "lost", "pages", "seconds")))
        for half, score in scores.items():
            if score.pages:
                print(score.row(name, half))
        if not args.half:
            print(total.row(name, "all"))
        for file, missed, leaked in report:
            print(f"    {file}: missed {[s[:60] for s in missed]} leaked {[s[:60] for s in leaked]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
