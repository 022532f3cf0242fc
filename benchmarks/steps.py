"""Where the time goes: CPU per document of each step, one process, steady state.

Run: ``.venv/bin/python benchmarks/steps.py [--docs 2000]``. Builds ``2 x docs`` documents with
`benchmarks.corpus` (real WMT sentences with damage; the seed samples when ``../shared/eval``
is absent), runs every step once on the first half (warm-up: models, dictionaries, the word
memo), then times it on the second half, and prints a Markdown table in ms per document.
The naive reference's two steps and py3langid's own per-document ``rank`` are timed beside
the job's steps. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import corpus  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000, help="documents timed (as many again warm up)")
    args = ap.parse_args(argv)
    import ftfy
    from datasketch import MinHash
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from cleaners.dedup.fingerprint import WordMemo, fingerprint_batch, text_hash
    from cleaners.lang.langid import SAMPLE_CHARS, detect_languages
    from cleaners.text.clean import clean_text
    from cleaners.translate import EmbeddedTranslator

    records = [r.row for r in corpus.generate(2 * args.docs)]
    warm, timed = records[: args.docs], records[args.docs :]
    word = re.compile(r"\w+")

    def naive_minhash(texts: list[str]) -> None:
        for text in texts:
            m = MinHash(num_perm=256)
            m.update_batch([w.encode("utf-8") for w in set(word.findall(text.lower()))])

    def clean(rows: list[dict[str, Any]]) -> list[str]:
        return [clean_text(str(r["text"]), r.get("lang")).text for r in rows]  # type: ignore[arg-type]

    warm_clean = clean(warm)
    timed_clean = clean(timed)
    # One translator and word memo for the process, as a worker of the flow keeps them.
    translator, memo = EmbeddedTranslator(), WordMemo()

    def fingerprint(texts: list[str]) -> object:
        return fingerprint_batch(texts, translator=translator, memo=memo)

    fingerprint(warm_clean)
    ranker = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    steps: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        ("`ftfy.fix_text` (naive)", lambda: [ftfy.fix_text(str(r["text"])) for r in warm],
         lambda: [ftfy.fix_text(str(r["text"])) for r in timed]),
        ("`datasketch.MinHash.update_batch` (naive)", lambda: naive_minhash([str(r["text"]) for r in warm]),
         lambda: naive_minhash([str(r["text"]) for r in timed])),
        ("`clean_text`", lambda: clean(warm), lambda: clean(timed)),
        ("`fingerprint_batch` (language id, translation, shingles, MinHash, `text_hash`)",
         lambda: fingerprint(warm_clean), lambda: fingerprint(timed_clean)),
        ("of which language id (`detect_languages`, batch scorer)", lambda: detect_languages(warm_clean),
         lambda: detect_languages(timed_clean)),
        ("py3langid's own `rank`, one document at a time (for comparison)",
         lambda: [ranker.rank(t[:SAMPLE_CHARS]) for t in warm_clean],
         lambda: [ranker.rank(t[:SAMPLE_CHARS]) for t in timed_clean]),
        ("of which `text_hash`", lambda: [text_hash(t) for t in warm_clean],
         lambda: [text_hash(t) for t in timed_clean]),
    ]
    print(f"# CPU per document, one process, {args.docs:,} documents after {args.docs:,} of warm-up\n")
    print("| step | ms/doc |\n|---|---:|")
    for label, warm_up, run in steps:
        warm_up()
        t0 = time.process_time()
        run()
        print(f"| {label} | {(time.process_time() - t0) * 1000 / args.docs:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
