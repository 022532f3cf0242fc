"""A corpus of real web pages of any size: variants of the 506 pages of ``../shared/eval``.

Used by ``benchmarks/pipeline.py --corpus pages``. Source: ``../shared/eval/trafilatura/pages/``
(506 gzipped real HTML pages: news, blogs and institutional pages in many languages, with their
navigation, cookie banners, footers and related-link blocks), each decoded as the job decodes a
raw file (`flows.readers.base.decode`); a page that is empty or binary once decoded is left out
(the count is returned).

Form: **JSONL records whose ``text`` is the whole page** (``id``, ``url``, ``published_at``,
``text``; no ``title`` and no ``lang``: the job takes the page's title and detects the
language). The job treats such a text exactly as a ``.html`` file in ``raw/`` (`read_html`
yields the markup as the record's text): the clean stage sees a whole page (`is_page`) and runs
its main-text extraction (`cleaners.text.clean.markup_to_text` -> `extract_page`, trafilatura
with the job's rules), then the rest of cleaning. JSONL keeps ids, urls and dates that the
truth file can name, and the same file layout as ``benchmarks/corpus.py``, where 100,000
``.html`` files would mostly measure a folder of 100,000 files.

To reach N records from about 500 pages, every record derives from one page (its *story* is
the page's index), deterministically for ``(n, seed)``:

- ``unique``: the page as it is, once per page, spread over the corpus's first tenth (over its
  first 497 records while N is under 4,970: then they come first), so a corpus of N >= 497
  holds every page once and, after the first tenth, each page is about as likely as another
  to be copied (a page seen early has a few more variants);
- ``exact``: a byte-identical copy of an earlier record (any of them, each as likely): 20 %
  of the rest;
- ``near``: a page already seen, with one of its text paragraphs (``<p>`` of 60 characters of text or
  more) dropped, or a sentence of one dropped, or (a one-sentence paragraph) a short update
  line appended; half of them also get altered boilerplate: 40 %;
- ``boilerplate``: a page already seen, its article unchanged, its boilerplate altered (1-3 of: a cookie
  banner, a related-links block of other pages' titles, a tracking script in the head, a
  footer): 40 %. A page without a usable paragraph gets this instead of ``near``.

So nearly every record is a duplicate of its page's first record: at 10k documents a page has
about 20 variants, at 100k about 200. Size: the pages average about 140 KB of HTML, so the
corpus is about 1.4 GB per 10,000 records (14 GB at 100k), written uncompressed, 500 records
a file.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flows.readers.base import binary_file, decode  # noqa: E402

PAGES = ROOT.parent / "shared" / "eval" / "trafilatura" / "pages"
MIX = {"exact": 0.2, "near": 0.4, "boilerplate": 0.4}

_P = re.compile(r"<p\b[^>]*>(.*?)</p\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\u00c0-\u024f])")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.S | re.I)
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.I)
_BODY_CLOSE = re.compile(r"</body\s*>", re.I)
_HEAD_CLOSE = re.compile(r"</head\s*>", re.I)


@dataclass(frozen=True)
class Page:
    name: str  # file name without .html.gz (or .gz)
    html: str
    paragraphs: tuple[tuple[int, int], ...]  # spans of <p> elements with 60+ chars of text
    title: str


def load_pages(folder: Path = PAGES) -> tuple[list[Page], list[str]]:
    """The pages of ``folder`` sorted by file name, decoded as the job decodes raw files, and
    the names of those left out (empty or binary once decoded)."""
    pages, skipped = [], []
    for path in sorted(folder.glob("*.gz")):
        data = gzip.decompress(path.read_bytes())
        text, _ = decode(data)
        name = path.name.removesuffix(".gz").removesuffix(".html")
        if not text.strip() or binary_file(text, data) is not None:
            skipped.append(name)
            continue
        spans = tuple(m.span() for m in _P.finditer(text)
                      if "<p" not in m.group(1).lower() and len(_TAG.sub("", m.group(1)).strip()) >= 60)
        t = _TITLE.search(text)
        title = re.sub(r"\s+", " ", _TAG.sub("", t.group(1))).strip()[:120] if t else ""
        pages.append(Page(name, text, spans, title))
    if not pages:
        raise FileNotFoundError(f"no pages in {folder} (../shared/eval is needed for this corpus)")
    return pages, skipped


def _insert(html: str, pattern: re.Pattern[str], block: str, after: bool) -> str:
    m = pattern.search(html)
    if m is None:
        return html + block
    at = m.end() if after else m.start()
    return html[:at] + block + html[at:]


def _boilerplate(html: str, rng: random.Random, titles: list[str]) -> str:
    ops = rng.sample(["cookie", "related", "script", "footer"], rng.randint(1, 3))
    n = rng.randrange(10**6)
    for op in ops:
        if op == "cookie":
            block = (f'<div class="cookie-consent" id="cc-{n}"><p>We use cookies to improve your '
                     f'experience. <a href="/privacy">Privacy policy</a> <button>Accept</button></p></div>')
            html = _insert(html, _BODY_OPEN, block, after=True)
        elif op == "related":
            items = "".join(f'<li><a href="/story/{rng.randrange(10**6)}">{t}</a></li>'
                            for t in rng.sample(titles, min(len(titles), rng.randint(3, 6))))
            html = _insert(html, _BODY_CLOSE, f'<aside class="related"><h3>Related</h3><ul>{items}</ul></aside>',
                           after=False)
        elif op == "script":
            block = f'<script>window.dataLayer=[{{"pageId":{n},"ts":{rng.randrange(10**9)}}}];</script>'
            html = _insert(html, _HEAD_CLOSE, block, after=False)
        else:
            block = (f"<footer><p>\u00a9 20{rng.randint(10, 26)} Example Media {n}. All rights reserved."
                     f' <a href="/imprint">Imprint</a></p></footer>')
            html = _insert(html, _BODY_CLOSE, block, after=False)
    return html


def _near(page: Page, rng: random.Random) -> str:
    start, end = page.paragraphs[rng.randrange(len(page.paragraphs))]
    html = page.html
    if rng.random() < 0.5:
        return html[:start] + html[end:]  # a paragraph dropped
    para = html[start:end]
    sents = _SENT.split(para)
    if len(sents) >= 2:
        del sents[rng.randrange(len(sents))]
        if not sents[-1].rstrip().lower().endswith("</p>"):
            sents[-1] += "</p>"
        para = " ".join(sents)
    else:
        close = para.lower().rfind("</p")
        para = para[:close] + f" Updated {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}." + para[close:]
    return html[:start] + para + html[end:]


def render(page: Page, kind: str, vseed: int, titles: list[str]) -> str:
    """The HTML of one record: ``page`` as ``kind`` with the variant's own seed (the same
    arguments give the same string, which is how exact copies are made)."""
    rng = random.Random(vseed)
    if kind == "unique":
        return page.html
    if kind == "near":
        html = _near(page, rng)
        return _boilerplate(html, rng, titles) if rng.random() < 0.5 else html
    return _boilerplate(page.html, rng, titles)


@dataclass
class Record:
    """One raw record plus the ground truth the benchmark can score against."""

    row: dict[str, object]
    story: int  # index of the page it derives from
    page: str
    kind: str  # unique, exact, near, boilerplate


def generate(n: int, seed: int = 11, pages: list[Page] | None = None) -> Iterator[Record]:
    """``n`` raw records (dicts with id, url, published_at, text = a whole page).

    Guarantees: deterministic for ``(n, seed)`` and the pages; ids are unique; every record's
    ``story`` is the index of the page it derives from."""
    rng = random.Random(seed)
    pages = pages if pages is not None else load_pages()[0]
    titles = [p.title for p in pages if p.title]
    order = list(range(len(pages)))
    rng.shuffle(order)
    left = len(order)
    window = max(len(pages), n // 10)  # every page has appeared once by this record
    seen: list[int] = []  # pages in the order of their first record
    made: list[tuple[int, str, int]] = []  # (page, kind, variant seed) of every record so far
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    kinds, weights = list(MIX), list(MIX.values())
    for i in range(n):
        if left and (not made or rng.random() < left / max(window - i, 1)):
            k, how, vseed = order[len(order) - left], "unique", 0
            kind = how
            seen.append(k)
            left -= 1
        else:
            kind = rng.choices(kinds, weights)[0]
            if kind == "exact":  # the same page, variant and seed as an earlier record
                k, how, vseed = made[rng.randrange(len(made))]
            else:  # a page already seen, each as likely
                k = seen[rng.randrange(len(seen))]
                how, vseed = kind, rng.randrange(2**62)
                if how == "near" and not pages[k].paragraphs:
                    how = kind = "boilerplate"
        html = render(pages[k], how, vseed, titles)
        made.append((k, how, vseed))
        row: dict[str, object] = {
            "id": f"page-{seed}-{i:08d}",
            "url": f"https://site{k}.example.com/{pages[k].name}/{i}",
            "published_at": (t0 + timedelta(minutes=i)).isoformat(),
            "text": html,
        }
        yield Record(row, k, pages[k].name, kind)


def write_corpus(folder: Path, n: int, seed: int = 11, per_file: int = 500) -> dict[str, object]:
    """Write ``n`` records as JSONL files of ``per_file`` records under ``folder``.

    Also writes ``folder/../truth-<n>.jsonl`` (id, story, page, kind) next to it. Returns counts,
    bytes of HTML (``text_bytes``) and of files, and the pages used and left out."""
    folder.mkdir(parents=True, exist_ok=True)
    pages, skipped = load_pages()
    truth_path = folder.parent / f"truth-{n}.jsonl"
    kinds: dict[str, int] = {}
    text_bytes = 0
    fh = None
    with open(truth_path, "w", encoding="utf-8") as truth:
        for i, rec in enumerate(generate(n, seed, pages)):
            if i % per_file == 0:
                if fh:
                    fh.close()
                fh = open(folder / f"part-{i // per_file:05d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            fh.write(json.dumps(rec.row, ensure_ascii=False) + "\n")
            truth.write(json.dumps({"id": rec.row["id"], "story": rec.story, "page": rec.page,
                                    "kind": rec.kind}) + "\n")
            kinds[rec.kind] = kinds.get(rec.kind, 0) + 1
            text_bytes += len(str(rec.row["text"]).encode("utf-8"))
    if fh:
        fh.close()
    file_bytes = sum(p.stat().st_size for p in folder.glob("*.jsonl"))
    return {"documents": n, "kinds": kinds, "text_bytes": text_bytes, "file_bytes": file_bytes,
            "pages": len(pages), "pages_skipped": len(skipped)}
