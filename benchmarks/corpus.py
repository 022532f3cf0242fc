"""A synthetic but realistic news corpus of any size, built from real WMT sentences.

Used by ``benchmarks/pipeline.py``. Source: ``../shared/eval/wmt/newstest2012`` and
``newstest2013`` (multi-way parallel en/fr/de/es: segment ``k`` of document ``d`` is the same
sentence in every language), or, when that folder is absent, the two seed articles in
``raw/samples/`` (one story, en and fr).

A *story* is 2-4 runs of 3-8 consecutive segments taken from random WMT documents (so it reads
like news and two stories rarely share a sentence); it can be *rendered* in any language of
the set, which makes true translations. The corpus mixes, by default:

- unique stories, each in one language (en 40%, fr/de/es 20% each);
- near-duplicate copies (same story and language, one paragraph dropped and a sentence
  repeated, other damage): 10%;
- translations of an earlier story into another language: 10%;
- exact republications (same text; some with mojibake that cleaning removes): 4%;

and damage on every kind: mojibake (UTF-8 read as Windows-1252) 8%, HTML entities 5%,
WordPress shortcodes 20% (a third with texturized attribute quotes, as in the seed), an
interstitial promo line in the document's language 25%, curly quotes 30%.
Everything is seeded: the same arguments give the same files byte for byte.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)

ROOT = Path(__file__).resolve().parents[1]
WMT = ROOT.parent / "shared" / "eval" / "wmt"
SAMPLES = ROOT / "raw" / "samples"
LANGS = ("en", "fr", "de", "es")
LANG_WEIGHTS = (0.4, 0.2, 0.2, 0.2)

_DOC_RE = re.compile(r"<doc\s[^>]*docid=\"([^\"]*)\"[^>]*>(.*?)</doc>", re.S)
_SEG_RE = re.compile(r"<seg[^>]*>(.*?)</seg>", re.S)

PROMOS = {
    "en": ["READ MORE: {t}", "Read more: {t}", "Related: {t}", "ALSO READ: {t}"],
    "fr": ["À lire aussi : {t}", "A (re) lire : {t}", "Lire aussi : {t}", "VOIR AUSSI : {t}"],
    "de": ["Lesen Sie auch: {t}", "Mehr zum Thema: {t}", "Auch interessant: {t}"],
    "es": ["Lea también: {t}", "Te puede interesar: {t}", "Lee también: {t}"],
}
SHORTCODES = [
    '[caption id="attachment_{n}" align="aligncenter" width="640"]<img src="https://cdn.example.com/{n}.jpg" alt="" /> {s}[/caption]',
    "[penci_blockquote style=\"style-2\" align=\"none\" author=\"\"]{s}[/penci_blockquote]",
    '[embed]https://www.youtube.com/watch?v={n}[/embed]',
    '[ad_slot id="{n}"]',
    '[pullquote align="right"]{s}[/pullquote]',
]


@dataclass(frozen=True)
class Source:
    """Parallel documents: ``docs[lang][d]`` is document ``d``'s list of sentences."""

    name: str
    docs: dict[str, list[list[str]]]

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(self.docs)


def _sgm_docs(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    return [[s.strip() for s in _SEG_RE.findall(body)] for _, body in _DOC_RE.findall(text)]


def load_sources(wmt: Path = WMT) -> list[Source]:
    """The multi-way parallel WMT sets found in ``wmt``; the seed samples when there are none."""
    out = []
    for name in ("newstest2012", "newstest2013"):
        files = {lang: wmt / f"{name}-src.{lang}.sgm" for lang in LANGS}
        if all(p.exists() for p in files.values()):
            docs = {lang: _sgm_docs(p) for lang, p in files.items()}
            sizes = {tuple(len(d) for d in ds) for ds in docs.values()}
            if len(sizes) == 1:  # aligned: same documents, same segment counts
                out.append(Source(name, docs))
    if out:
        return out
    texts = {}
    for p in sorted(SAMPLES.glob("*.txt")):
        body = p.read_text(encoding="utf-8")
        lang = "fr" if " le " in body or " la " in body else "en"
        texts[lang] = [s for s in re.split(r"(?<=[.!?])\s+", body) if s.strip()]
    # Not parallel sentence by sentence: each language is its own one-document "set".
    return [Source(f"samples-{lang}", {lang: [sents]}) for lang, sents in texts.items()]


@dataclass
class Story:
    """A story: runs of (document, first segment, count) of one source."""

    source: int
    runs: list[tuple[int, int, int]]
    title_from: tuple[int, int]


def _new_story(rng: random.Random, sources: list[Source]) -> Story:
    si = rng.randrange(len(sources))
    src = sources[si]
    first = src.docs[src.langs[0]]
    runs = []
    for _ in range(rng.randint(2, 4)):
        d = rng.randrange(len(first))
        n = len(first[d])
        k = min(n, rng.randint(3, 8))
        start = rng.randrange(0, n - k + 1)
        runs.append((d, start, k))
    d0 = runs[0][0]
    return Story(si, runs, (d0, 0))


def _sentences(story: Story, sources: list[Source], lang: str) -> list[str]:
    docs = sources[story.source].docs[lang]
    return [s for d, start, k in story.runs for s in docs[d][start : start + k]]


def _paragraphs(sents: list[str], rng: random.Random) -> list[str]:
    out, i = [], 0
    while i < len(sents):
        k = rng.randint(1, 4)
        out.append(" ".join(sents[i : i + k]))
        i += k
    return out


def _curl(text: str, lang: str) -> str:
    text = re.sub(r"(\w)'(\w)", "\\1\u2019\\2", text)
    if lang == "fr":
        return re.sub(r'"([^"\n]{1,200})"', "«\u00a0\\1\u00a0»", text)
    return re.sub(r'"([^"\n]{1,200})"', "\u201c\\1\u201d", text)


def _texturize_attrs(code: str) -> str:
    # What wptexturize does to a shortcode's attribute quotes (as in the French seed).
    return re.sub(r'="([^"]*)"', lambda m: "=\u00a0»" + m.group(1) + "\u2033", code)


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("sloppy-windows-1252")


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("\u2019", "&#8217;").replace("é", "&eacute;")


def render(story: Story, sources: list[Source], lang: str, rng: random.Random,
           titles: list[str], near: bool = False) -> tuple[str, str]:
    """(title, text) of ``story`` in ``lang`` with random damage; ``near`` edits the content."""
    src = sources[story.source]
    lang = lang if lang in src.docs else src.langs[0]
    sents = _sentences(story, sources, lang)
    if near and len(sents) > 3:
        sents = list(sents)
        del sents[rng.randrange(len(sents))]
        sents.insert(rng.randrange(len(sents)), sents[rng.randrange(len(sents))])
    paras = _paragraphs(sents, rng)
    if rng.random() < 0.20:
        code = rng.choice(SHORTCODES).format(n=rng.randrange(10**6), s=rng.choice(sents)[:160])
        if rng.random() < 0.33:
            code = _texturize_attrs(code)
        paras.insert(rng.randrange(len(paras) + 1), code)
    if rng.random() < 0.25 and titles:
        promo = rng.choice(PROMOS.get(lang, PROMOS["en"])).format(t=rng.choice(titles))
        paras.insert(rng.randrange(1, len(paras) + 1), promo)
    text = "\n\n".join(paras)
    if rng.random() < 0.30:
        text = _curl(text, lang)
    if rng.random() < 0.05:
        text = _entities(text)
    if rng.random() < 0.08:
        text = _mojibake(text)
    d, s = story.title_from
    title = src.docs[lang][d][s][:200]
    return title, text


@dataclass
class Record:
    """One raw record plus the ground truth the benchmark can score against."""

    row: dict[str, object]
    story: int
    kind: str  # unique, near, translation, exact


def generate(n: int, seed: int = 7, sources: list[Source] | None = None,
             mix: tuple[float, float, float] = (0.10, 0.10, 0.04)) -> Iterator[Record]:
    """``n`` raw records (dicts with id, url, title, published_at, lang or not, text).

    ``mix``: shares of near-duplicates, translations and exact copies; the rest are unique
    stories. Guarantees: deterministic for ``(n, seed)``; ids are unique.
    """
    rng = random.Random(seed)
    sources = sources if sources is not None else load_sources()
    near_p, trans_p, exact_p = mix
    stories: list[Story] = []
    rendered: list[tuple[int, str, str, str]] = []  # (story, lang, title, text)
    titles: list[str] = []
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(n):
        u = rng.random()
        if rendered and u < near_p:
            k, lang, _, _ = rendered[rng.randrange(len(rendered))]
            title, text = render(stories[k], sources, lang, rng, titles, near=True)
            kind = "near"
        elif rendered and u < near_p + trans_p:
            k, lang0, _, _ = rendered[rng.randrange(len(rendered))]
            others = [x for x in sources[stories[k].source].langs if x != lang0] or [lang0]
            lang = rng.choice(others)
            title, text = render(stories[k], sources, lang, rng, titles)
            kind = "translation"
        elif rendered and u < near_p + trans_p + exact_p:
            k, lang, title, text = rendered[rng.randrange(len(rendered))]
            if rng.random() < 0.3:
                text = _mojibake(text)
            kind = "exact"
        else:
            stories.append(_new_story(rng, sources))
            k = len(stories) - 1
            langs = sources[stories[k].source].langs
            weights = [LANG_WEIGHTS[LANGS.index(x)] if x in LANGS else 1.0 for x in langs]
            lang = rng.choices(langs, weights)[0]
            title, text = render(stories[k], sources, lang, rng, titles)
            kind = "unique"
        rendered.append((k, lang, title, text))
        if kind == "unique":
            titles.append(title)
        row: dict[str, object] = {
            "id": f"bench-{seed}-{i:08d}",
            "url": f"https://news{rng.randrange(50)}.example.com/{lang}/{i}",
            "title": title,
            "published_at": (t0 + timedelta(minutes=i)).isoformat(),
            "text": text,
        }
        if rng.random() < 0.5:
            row["lang"] = lang
        yield Record(row, k, kind)


def write_corpus(folder: Path, n: int, seed: int = 7, per_file: int = 5000) -> dict[str, object]:
    """Write ``n`` records as JSONL files of ``per_file`` records under ``folder``.

    Also writes ``folder/../truth-<n>.jsonl`` (id, story, kind) next to it. Returns counts,
    bytes of text and of files.
    """
    folder.mkdir(parents=True, exist_ok=True)
    truth_path = folder.parent / f"truth-{n}.jsonl"
    kinds: dict[str, int] = {}
    text_bytes = 0
    fh = None
    with open(truth_path, "w", encoding="utf-8") as truth:
        for i, rec in enumerate(generate(n, seed)):
            if i % per_file == 0:
                if fh:
                    fh.close()
                fh = open(folder / f"part-{i // per_file:05d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            fh.write(json.dumps(rec.row, ensure_ascii=False) + "\n")
            truth.write(json.dumps({"id": rec.row["id"], "story": rec.story, "kind": rec.kind}) + "\n")
            kinds[rec.kind] = kinds.get(rec.kind, 0) + 1
            text_bytes += len(str(rec.row["text"]).encode("utf-8"))
    if fh:
        fh.close()
    file_bytes = sum(p.stat().st_size for p in folder.glob("*.jsonl"))
    return {"documents": n, "kinds": kinds, "text_bytes": text_bytes, "file_bytes": file_bytes}
