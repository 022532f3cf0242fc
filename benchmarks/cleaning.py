"""Clean-stage benchmark: speed against plain ftfy, and repair of injected damage on WMT text.

Run: ``.venv/bin/python benchmarks/cleaning.py`` (reads ``../shared/eval/wmt``). Prints:

1. speed (MB/s of UTF-8 input) of ``repair_encoding + normalize_typography``, of
   ``untexturize_markup`` and of plain ``ftfy.fix_text`` on the same WMT documents, same run,
   with the ratio to ftfy;
2. repair rate on WMT documents with injected mojibake and HTML entities: the share that comes
   back exactly, and after quote and space normalisation; and how many clean documents change.

No wall-clock assertion anywhere: this is a measurement, not a test.
"""

from __future__ import annotations

import html
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from html.entities import codepoint2name
from pathlib import Path

import ftfy
import ftfy.bad_codecs

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cleaners.text.encoding import repair_encoding  # noqa: E402
from cleaners.text.typography import normalize_typography, untexturize_markup  # noqa: E402

WMT = ROOT.parent / "shared" / "eval" / "wmt"
_DOC_RE = re.compile(r"<doc\s[^>]*>(.*?)</doc>", re.S)
_SEG_RE = re.compile(r"<seg[^>]*>(.*?)</seg>", re.S)


def wmt_files(wmt: Path = WMT) -> list[Path]:
    """The WMT .sgm files, sorted (empty when the eval folder is absent)."""
    return sorted(wmt.glob("*.sgm")) if wmt.is_dir() else []


def wmt_segments(path: Path) -> list[str]:
    """Every segment (sentence) of one .sgm file, as written (the files are not strict XML)."""
    return _SEG_RE.findall(path.read_text(encoding="utf-8"))


def wmt_documents(path: Path) -> list[str]:
    """Every document of one .sgm file: its segments joined by newlines."""
    text = path.read_text(encoding="utf-8")
    return ["\n".join(_SEG_RE.findall(doc)) for doc in _DOC_RE.findall(text)]


# --------------------------------------------------------------------------- damage


def mojibake(text: str, encoding: str = "sloppy-windows-1252") -> str:
    """UTF-8 bytes of ``text`` read as a single-byte encoding (what a misconfigured CMS does).

    ftfy's sloppy Windows-1252 keeps the five bytes Windows-1252 leaves undefined (as C1
    characters); Latin-1 keeps them too. The strict, lossy variant is in `damaged_variants`.
    """
    return text.encode("utf-8").decode(encoding)


def entities(text: str, rng: random.Random, double: bool = False) -> str:
    """Non-ASCII characters (about half of them) written as HTML entities, named or numeric."""

    def one(char: str) -> str:
        if char < "\x80" or rng.random() < 0.5:
            return char
        name = codepoint2name.get(ord(char))
        ref = f"&{name};" if name and rng.random() < 0.7 else f"&#{ord(char)};"
        return ref.replace("&", "&amp;", 1) if double else ref

    return "".join(one(c) for c in text)


def some_lines(text: str, damage: Callable[[str], str], rng: random.Random) -> str:
    """``damage`` applied to about a third of the lines."""
    return "\n".join(damage(ln) if rng.random() < 0.34 else ln for ln in text.split("\n"))


def damaged_variants(doc: str, seed: int, lossy: bool = False) -> Iterator[tuple[str, str]]:
    """(name, damaged text) for each kind of injected damage.

    ``lossy`` adds UTF-8 read by Python's strict Windows-1252 decoder with errors="replace":
    the five bytes Windows-1252 leaves undefined become U+FFFD, so ” (E2 80 9D), Á (C3 81),
    č (C4 8D)… cannot come back; ftfy (and so the repair) keeps a U+FFFD there, as ftfy's own
    test cases require.
    """
    rng = random.Random(seed)
    yield "mojibake cp1252", mojibake(doc)
    yield "mojibake latin-1", mojibake(doc, "latin-1")
    yield "double mojibake", mojibake(mojibake(doc))
    yield "mojibake in some lines", some_lines(doc, mojibake, rng)
    yield "html.escape", html.escape(doc)
    yield "entities", entities(doc, rng)
    yield "double-escaped entities", entities(doc, rng, double=True)
    yield "entities + mojibake lines", some_lines(entities(doc, rng), mojibake, rng)
    if lossy:
        yield "lossy cp1252 (bytes lost)", doc.encode("utf-8").decode("cp1252", errors="replace")


_SPACES = re.compile("[\u00a0\u202f\u2009\u2007 ]+")


def normalised(text: str) -> str:
    """Quotes by the default policy and every kind of space folded: the comparison form."""
    return _SPACES.sub(" ", normalize_typography(text)[0])


def clean(text: str) -> str:
    """The encoding and typography part of the clean stage."""
    return normalize_typography(repair_encoding(text)[0])[0]


# --------------------------------------------------------------------------- measurements


def _best_seconds(fn: Callable[[str], object], docs: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for doc in docs:
            fn(doc)
        best = min(best, time.perf_counter() - start)
    return best


_SHORTCODE = (
    "[penci_blockquote style= »style-2″ align= »none » author= »Président chinois, Xi Jinping » "
    "font_weight= »bold » font_style= »italic »]"
)


def speed_table(docs: list[str], repeat: int = 3) -> list[tuple[str, float, float, float]]:
    """(name, seconds, MB/s, ratio to ftfy.fix_text) on ``docs``, best of ``repeat`` runs."""
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    candidates: list[tuple[str, Callable[[str], object] | None]] = [
        ("ftfy.fix_text (defaults)", ftfy.fix_text),
        ("repair_encoding + normalize_typography", clean),
        ("repair_encoding", repair_encoding),
        ("normalize_typography", normalize_typography),
        ("untexturize_markup", untexturize_markup),
    ]
    try:  # the lead's whole clean stage, when it is importable
        from cleaners.text.clean import clean_text

        candidates.append(("cleaners.text.clean.clean_text (whole stage)", clean_text))
    except Exception as err:  # pragma: no cover - depends on the rest of the project
        print(f"(cleaners.text.clean.clean_text not measured: {err})")
    rows = []
    baseline = None
    with_markup = [_SHORTCODE + "\n" + doc for doc in docs]  # every doc gets texturized markup
    candidates.insert(5, ("untexturize_markup (shortcode in each doc)", None))
    for name, fn in candidates:
        if fn is None:
            seconds = _best_seconds(untexturize_markup, with_markup, repeat)
            rate = sum(len(d.encode("utf-8")) for d in with_markup) / 1e6 / seconds
            rows.append((name, seconds, rate, rate / baseline))
            continue
        seconds = _best_seconds(fn, docs, repeat)
        rate = megabytes / seconds
        baseline = baseline or rate
        rows.append((name, seconds, rate, rate / baseline))
    return rows


def repair_table(docs: list[str]) -> list[tuple[str, int, int, int]]:
    """(damage kind, damaged docs, exact repairs, repairs equal after normalisation)."""
    totals: dict[str, list[int]] = {}
    for i, doc in enumerate(docs):
        for name, damaged in damaged_variants(doc, seed=i, lossy=True):
            if damaged == doc:
                continue
            out = repair_encoding(damaged)[0]
            row = totals.setdefault(name, [0, 0, 0])
            row[0] += 1
            row[1] += out == doc
            row[2] += normalised(out) == normalised(doc)
    return [(name, *row) for name, row in totals.items()]


def detection_table(docs: list[str]) -> list[tuple[str, int, int, int]]:
    """(encoding, inputs, decode_bytes exact, charset-normalizer best() exact).

    Inputs: each document and its first sentence, encoded in a legacy encoding (skipped when
    the encoding cannot hold the text or the bytes happen to be valid UTF-8).
    """
    from charset_normalizer import from_bytes

    from cleaners.text.encoding import decode_bytes

    rows = []
    for encoding in ("cp1252", "latin-1"):
        n = ours = theirs = 0
        for doc in docs:
            for unit in (doc, doc.split("\n", 1)[0]):
                try:
                    data = unit.encode(encoding)
                    data.decode("utf-8")
                    continue
                except UnicodeEncodeError:
                    continue
                except UnicodeDecodeError:
                    pass
                n += 1
                ours += decode_bytes(data)[0] == unit
                best = from_bytes(data).best()
                theirs += best is not None and str(best) == unit
        rows.append((encoding, n, ours, theirs))
    return rows


def main() -> int:
    files = wmt_files()
    if not files:
        print(f"{WMT} is absent: nothing to measure")
        return 1
    docs = [doc for path in files for doc in wmt_documents(path)]
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    print(f"WMT: {len(files)} files, {len(docs)} documents, {megabytes:.2f} MB of UTF-8\n")

    print("Speed on clean WMT documents (best of 3 runs, same process)")
    print(f"{'step':44s} {'seconds':>8s} {'MB/s':>8s} {'x ftfy':>7s}")
    for name, seconds, rate, ratio in speed_table(docs):
        print(f"{name:44s} {seconds:8.3f} {rate:8.2f} {ratio:7.2f}")

    damaged = [mojibake(d) for d in docs]
    print("\nSpeed on the same documents with cp1252 mojibake (slow path; 1 run)")
    print(f"{'step':44s} {'seconds':>8s} {'MB/s':>8s} {'x ftfy':>7s}")
    mb_damaged = sum(len(d.encode("utf-8")) for d in damaged) / 1e6
    base = mb_damaged / _best_seconds(ftfy.fix_text, damaged, 1)
    ours = mb_damaged / _best_seconds(clean, damaged, 1)
    print(f"{'ftfy.fix_text (defaults)':44s} {mb_damaged / base:8.3f} {base:8.2f} {1:7.2f}")
    print(
        f"{'repair_encoding + normalize_typography':44s} {mb_damaged / ours:8.3f} {ours:8.2f} {ours / base:7.2f}"
    )

    unchanged = sum(repair_encoding(d) == (d, []) for d in docs)
    print(f"\nClean documents returned unchanged by repair_encoding: {unchanged}/{len(docs)}")

    print("\nInjected damage on every WMT document (exact; after quote and space normalisation)")
    print(f"{'damage':30s} {'docs':>6s} {'exact':>7s} {'%':>7s} {'normalised':>10s} {'%':>7s}")
    all_n = all_exact = all_close = 0
    for name, n, exact, close in repair_table(docs):
        if name.startswith("lossy"):
            lossy_row = (name, n, exact, close)
            continue
        all_n, all_exact, all_close = all_n + n, all_exact + exact, all_close + close
        print(
            f"{name:30s} {n:6d} {exact:7d} {100 * exact / n:6.2f}% {close:10d} {100 * close / n:6.2f}%"
        )
    print(
        f"{'all':30s} {all_n:6d} {all_exact:7d} {100 * all_exact / all_n:6.2f}% "
        f"{all_close:10d} {100 * all_close / all_n:6.2f}%"
    )
    name, n, exact, close = lossy_row
    print(
        f"{name:30s} {n:6d} {exact:7d} {100 * exact / n:6.2f}% {close:10d} {100 * close / n:6.2f}%"
    )
    print("  (lossy: not in 'all'; the lost bytes stay U+FFFD, as ftfy's test cases require)")

    sample = [
        d for path in files if path.name.startswith("newstest2013") for d in wmt_documents(path)
    ]
    print("\nLegacy encodings, newstest2013 documents and their first sentences (decoded exactly)")
    print(f"{'encoding':10s} {'inputs':>6s} {'decode_bytes':>12s} {'charset-normalizer':>18s}")
    for encoding, n, ours, theirs in detection_table(sample):
        print(f"{encoding:10s} {n:6d} {ours:12d} {theirs:18d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
