"""Promo stripper quality on the trafilatura evaluation set (third-party, real pages).

Each ``with`` string (real article text) and each ``without`` string (boilerplate) is
inserted as a paragraph in the middle of real host articles (the English seed, the French
seed, and a same-language WMT newstest2013 document), then `strip_promos` runs on it.

- false positives: ``with`` strings removed or altered (must be 0);
- recall: among the ``without`` strings selected as *promo-like* by a fixed keyword rule
  that does not use the project's patterns (`PROMO_LIKE` below), the fraction removed.

``--pages``: on the pages themselves (``trafilatura/pages/<file>.gz``), the text the job
extracts (`decode`, then `html_to_text`), `strip_promos` with the page's detected language,
with the promo blocks (`cleaners.text.promos.blocks`) and without them (``blocks=False``, the
line signals alone). Per half of the pages (`benchmarks.main_text.Page.half_of`: the tuning
half A, the report half B) it counts the ``with`` strings and the ``without`` strings present
in the text before and absent after (`benchmarks.main_text.key`: lenient matching);
``--pages -v`` lists them.

Usage: .venv/bin/python benchmarks/promos.py [--misses] | --pages [-v]
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaners.text.promos import strip_promos  # noqa: E402
from cleaners.text.shortcodes import strip_shortcodes  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
SEEDS = ROOT.parent / "shared" / "seeds"

#: Selection rule for promo-like ``without`` strings, independent of the pattern files:
#: short (<= 12 words) and containing a word of the cross-reference / ad / newsletter
#: vocabulary below (English, French, German, Spanish, Italian, Portuguese).
PROMO_LIKE = re.compile(
    r"(?i)\b(?:read|lire|lesen|lies|leia|lee|leggi|related|relacionad\w*|correlat\w*|"
    r"see also|siehe auch|veja|voir aussi|vedi anche|also like|might like|may like|"
    r"aussi|également|auch interessant|interessieren|mehr zum|zum thema|sur le même sujet|"
    r"more from|more stories|top stories|recent stories|trending|stories|"
    r"advertisement|advertising|anzeige|werbung|publicité|publicidad|pubblicità|reklama|"
    r"newsletter\w*|sign up|subscribe|abonn\w*|inscri\w*|suscr\w*|"
    r"weitere (?:artikel|beiträge|news|nachrichten|themen|meldungen)|"
    r"otras noticias|más noticias|mais notícias|à découvrir|aimerez)\b"
)


def wmt_paragraphs(lang: str) -> list[list[str]]:
    """Every newstest2013 document in ``lang`` as a list of paragraphs (segments joined)."""
    raw = (EVAL / "wmt" / f"newstest2013-src.{lang}.sgm").read_text(encoding="utf-8")
    docs = []
    for doc in re.findall(r"<doc [^>]*>(.*?)</doc>", raw, re.S):
        paras = []
        for p in re.findall(r"<p>(.*?)</p>", doc, re.S):
            segs = re.findall(r"<seg[^>]*>(.*?)</seg>", p, re.S)
            if segs:
                paras.append(" ".join(s.strip() for s in segs))
        docs.append(paras)
    return docs


def wmt_docs(lang: str) -> list[list[str]]:
    """Documents of newstest2013 in ``lang`` with 4+ paragraphs and 250+ words."""
    return [d for d in wmt_paragraphs(lang) if len(d) >= 4 and sum(len(p.split()) for p in d) >= 250]


def hosts() -> dict[str, list[str]]:
    """Host articles as lists of paragraphs, by name."""
    en = (SEEDS / "000_5579c1d2ab6f9191.txt").read_text(encoding="utf-8")
    fr = (SEEDS / "004_8ee08c2d1de8db32.txt").read_text(encoding="utf-8")
    fr = strip_shortcodes(fr)[0]
    fr = "\n".join(line for line in fr.split("\n") if "Énurésie" not in line)
    out = {
        "seed-en": [p for p in en.split("\n") if p.strip()],
        "seed-fr": [p for p in fr.split("\n") if p.strip()],
    }
    for lang in ("en", "fr", "de", "es"):
        out[f"wmt-{lang}"] = wmt_docs(lang)[0]
    return out


def insertion_point(paras: Sequence[str]) -> int:
    """The middle-most gap between two prose paragraphs (where a promo would sit)."""
    gaps = [
        i
        for i in range(1, len(paras))
        if paras[i - 1].rstrip()[-1:] in '.!?»"”' and paras[i].rstrip()[-1:] in '.!?»"”'
    ]
    mid = len(paras) // 2
    return min(gaps, key=lambda i: abs(i - mid)) if gaps else mid


def embed(paras: list[str], line: str) -> tuple[str, str]:
    """``line`` as a paragraph between two prose paragraphs in the middle of ``paras``;
    returns (text, line as inserted)."""
    at = insertion_point(paras)
    line = line.strip()
    return "\n\n".join([*paras[:at], line, *paras[at:]]), line


def survives(paras: list[str], s: str, lang: str | None = None) -> bool:
    """True when ``s`` inserted in ``paras`` comes out of strip_promos unchanged, and so
    does every host paragraph."""
    text, _line = embed(paras, s)
    out, _ = strip_promos(text, lang)
    return out == text


def guess(s: str) -> str:
    import py3langid

    code, _ = py3langid.classify(s)
    return code if code in ("en", "fr", "de", "es") else "en"


def main() -> None:
    data = json.loads((EVAL / "trafilatura" / "evaldata.json").read_text(encoding="utf-8"))
    with_ = [s for v in data.values() for s in v["with"] if s.strip()]
    without = [s for v in data.values() for s in v["without"] if s.strip()]
    H = hosts()
    t0 = time.perf_counter()
    fp: dict[str, list[str]] = {}
    runs = 0
    for s in with_:
        for name in ("seed-en", "seed-fr", f"wmt-{guess(s)}"):
            runs += 1
            if not survives(H[name], s):
                fp.setdefault(name, []).append(s)
    t_fp = time.perf_counter() - t0
    promo_like = [s for s in without if len(s.split()) <= 12 and PROMO_LIKE.search(s)]
    removed, missed = [], []
    for s in promo_like:
        host = H[f"wmt-{guess(s)}"]
        text, line = embed(host, s)
        out, _edits = strip_promos(text)
        ok = line not in out.split("\n\n") and all(p in out for p in host)
        (removed if ok else missed).append(s)
    all_removed = 0
    for s in without:
        text, line = embed(H["seed-en"], s)
        out, _ = strip_promos(text)
        all_removed += line not in out.split("\n\n")

    print(f"{'measure':<52} {'value':>12}")
    print(f"{'with strings (real article text)':<52} {len(with_):>12}")
    print(f"{'strip_promos runs (3 hosts each)':<52} {runs:>12}")
    print(
        f"{'with strings removed or altered (false positives)':<52} {sum(map(len, fp.values())):>12}"
    )
    print(f"{'mean time per strip_promos call (ms)':<52} {1000 * t_fp / runs:>12.2f}")
    print(f"{'without strings (boilerplate)':<52} {len(without):>12}")
    print(f"{'  promo-like by PROMO_LIKE rule':<52} {len(promo_like):>12}")
    print(
        f"{'  promo-like removed (recall)':<52} {len(removed):>5} = {len(removed) / len(promo_like):.1%}"
    )
    print(
        f"{'  any without string removed (seed-en host)':<52} {all_removed:>5} = {all_removed / len(without):.1%}"
    )
    for name, lst in fp.items():
        for s in lst:
            print(f"FP [{name}] {s!r}")
    if "--misses" in sys.argv:
        for s in missed:
            print(f"missed {s!r}")


# --------------------------------------------------------------------------- injection

WRAPPERS = [
    ("[vc_row][vc_column][vc_column_text]", "[/vc_column_text][/vc_column][/vc_row]"),
    ('[et_pb_section fb_built="1"][et_pb_row][et_pb_column type="4_4"][et_pb_text]',
     "[/et_pb_text][/et_pb_column][/et_pb_row][/et_pb_section]"),
    ("[penci_blockquote style= »style-2″ align= »none » author= »Jane Doe »]", "[/penci_blockquote]"),
    ('[su_quote cite="Reuters"]', "[/su_quote]"),
    ('[fusion_builder_container hundred_percent="no"][fusion_text]',
     "[/fusion_text][/fusion_builder_container]"),
]  # fmt: skip
MEDIA = [
    '[caption id="attachment_1234" align="aligncenter" width="640"]A caption[/caption]',
    '[gallery ids="11,12,13" columns="3"]',
    "[embed]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/embed]",
    '[contact-form-7 id="77" title="Contact form 1"]',
    '[vc_single_image image="99" img_size="full"]',
    '[video width="1280" height="720" mp4="https://example.com/a.mp4"][/video]',
    '[the_ad id="501"]',
    "[toc]",
    '[mc4wp_form id="12"]',
]
#: Interstitial promo lines as real sites print them, per language (hand-collected).
PROMO_LINES = {
    "en": ["READ MORE: Why the bond market is flashing red", "Advertisement", "Related Stories",
           "SEE ALSO: The 10 best laptops of the year", "Sign up for our newsletter",
           "Also read: Tesla recalls 2 million cars", "RELATED: China hits back at new US tariffs",
           "Story continues below advertisement", "You might also like", "MORE: Five takeaways"],
    "fr": ["À lire aussi : Les pompiers fêtent la Sainte-Barbe", "LIRE AUSSI", "Publicité",
           "A (re) lire : Énurésie : Des astuces pour faire face au pipi au lit",
           "Sur le même sujet", "À lire aussi » Le budget 2021 adopté", "Vous aimerez aussi",
           "LIRE AUSSI SUR LE MONDE : Les pompiers fêtent la Sainte-Barbe",
           "Inscrivez-vous à notre newsletter", "Voir aussi : Le budget 2021 adopté"],
    "de": ["Lesen Sie auch: Die Bahn erhöht die Preise", "ANZEIGE", "Mehr zum Thema",
           "Das könnte Sie auch interessieren", "Mehr zum Thema: Die Bahn erhöht die Preise",
           "Auch interessant", "Lesen Sie auch", "Weitere Artikel zum Thema",
           "Jetzt Newsletter abonnieren", "- Anzeige -"],
    "es": ["Lee también: El Gobierno aprueba los presupuestos", "Publicidad",
           "Te puede interesar: El Gobierno aprueba los presupuestos", "Noticias relacionadas",
           "LEE TAMBIÉN", "Otras noticias", "Suscríbete a nuestro newsletter",
           "Temas relacionados", "Lo más visto", "Más información"],
}  # fmt: skip
#: Residue of the injected markup (the documents' own brackets, "[SIU]", are not residue).
_RESIDUE = re.compile(
    r"\[/?(?:vc_|et_pb_|penci_|su_|fusion_|caption|gallery|embed|contact-form|video|the_ad|"
    r"toc|mc4wp|dropcap)|″|= »"
)


def wmt_all(lang: str) -> list[list[str]]:
    """Every newstest2013 document in ``lang`` with 3+ paragraphs."""
    return [d for d in wmt_paragraphs(lang) if len(d) >= 3]


def injection(seed: int = 1) -> None:
    """Shortcodes and every promo line of `PROMO_LINES` injected, one at a time, into every
    WMT newstest2013 document of the language, at a random paragraph gap."""
    import random

    rng = random.Random(seed)
    print()
    print("injection: WMT newstest2013 documents x PROMO_LINES, shortcodes wrapped/inserted")
    print(f"{'lang':<5} {'runs':>5} {'segments':>9} {'lost':>5} {'residue':>8} "
          f"{'promos removed':>15} {'extra removals':>15}")  # fmt: skip
    for lang in ("en", "fr", "de", "es"):
        runs = segs = lost = residue = removed = extra = 0
        for paras in wmt_all(lang):
            for promo in PROMO_LINES[lang]:
                parts = []
                for k, p in enumerate(paras):
                    if k == 0 and p[:1].isalpha():
                        p = f"[dropcap]{p[0]}[/dropcap]{p[1:]}"
                    elif rng.random() < 0.5:
                        opening, closing = rng.choice(WRAPPERS)
                        p = f"{opening}{p}{closing}"
                    parts.append(p)
                    if rng.random() < 0.3:
                        parts.append(rng.choice(MEDIA))
                parts.insert(rng.randint(1, len(parts) - 1), promo)
                text = rng.choice(["\n", "\n\n"]).join(parts)
                out, _ = strip_shortcodes(text)
                out, edits = strip_promos(out, lang)
                runs += 1
                segs += len(paras)
                lost += sum(p not in out for p in paras)
                residue += len(_RESIDUE.findall(out))
                removed += promo not in out.split("\n")
                extra += max(0, len(edits) - 1)
        print(f"{lang:<5} {runs:>5} {segs:>9} {lost:>5} {residue:>8} "
              f"{removed:>8} = {removed / runs:.1%} {extra:>10}")  # fmt: skip


# --------------------------------------------------------------------------- pages

PAGES = EVAL / "trafilatura" / "pages"


def evaluation_pages() -> Iterator[tuple[str, str, list[str], list[str]]]:
    """(file name, text the job extracts from the whole page, ``with`` strings, ``without``
    strings) of every annotated page (`benchmarks.main_text.pages`), in the JSON's order."""
    from benchmarks.main_text import pages
    from cleaners.text.html import html_to_text

    for page in pages():
        yield page.file, html_to_text(page.html)[0], list(page.with_), list(page.without)


@dataclass
class PageResult:
    """One page: its ``half``, detected ``lang``, and per string set (``with``/``without``)
    the strings present in the text, and those removed (present before, absent after) by
    `strip_promos` without the blocks (``before``) and with them (``after``)."""

    name: str
    half: str
    lang: str | None
    with_present: list[str]
    without_present: list[str]
    with_removed_before: list[str]
    with_removed_after: list[str]
    without_removed_before: list[str]
    without_removed_after: list[str]


def measure_page(name: str, text: str, with_: list[str], without: list[str]) -> PageResult:
    """`strip_promos` on one page's text, with and without the promo blocks."""
    from benchmarks.main_text import Page
    from benchmarks.main_text import key as lenient
    from cleaners.lang.langid import detect_language

    code = detect_language(text)
    lang = None if code == "und" else code
    before = lenient(strip_promos(text, lang, blocks=False)[0])
    after = lenient(strip_promos(text, lang)[0])
    full = lenient(text)
    w_in = [w for w in with_ if lenient(w) in full]
    wo_in = [w for w in without if lenient(w) in full]
    return PageResult(
        name, Page.half_of(name), lang, w_in, wo_in,
        [w for w in w_in if lenient(w) not in before],
        [w for w in w_in if lenient(w) not in after],
        [w for w in wo_in if lenient(w) not in before],
        [w for w in wo_in if lenient(w) not in after],
    )  # fmt: skip


def measure_pages() -> list[PageResult]:
    """`measure_page` over every `evaluation_pages` page."""
    return [measure_page(*page) for page in evaluation_pages()]


def pages_table(results: Sequence[PageResult]) -> str:
    """The half A / half B table of `measure_pages`."""
    rows: list[tuple[str, int, int]] = []

    def row(label: str, count: object) -> None:
        a = sum(count(r) for r in results if r.half == "A")  # type: ignore[operator]
        b = sum(count(r) for r in results if r.half == "B")  # type: ignore[operator]
        rows.append((label, a, b))

    row("pages", lambda r: 1)
    row("with strings in the text", lambda r: len(r.with_present))
    row("  removed, line signals alone (before)", lambda r: len(r.with_removed_before))
    row("  removed, with promo blocks (after)", lambda r: len(r.with_removed_after))
    row("without strings in the text", lambda r: len(r.without_present))
    row("  removed, line signals alone (before)", lambda r: len(r.without_removed_before))
    row("  removed, with promo blocks (after)", lambda r: len(r.without_removed_after))
    out = [f"{'':<44} {'half A':>8} {'half B':>8}"]
    out += [f"{label:<44} {a:>8} {b:>8}" for label, a, b in rows]
    return "\n".join(out)


def pages_main(verbose: bool = False) -> None:
    """Print `pages_table` (and with ``verbose`` the strings removed)."""
    t0 = time.perf_counter()
    results = measure_pages()
    print("pages: text = html_to_text(page), strip_promos(text, detected language); "
          "strings present before, absent after (lenient match)")  # fmt: skip
    print(pages_table(results))
    print(f"({time.perf_counter() - t0:.0f} s)")
    if verbose:
        for r in results:
            for w in r.with_removed_after:
                print(f"WITH removed [{r.half}] {r.name}: {w!r}")
            for w in r.without_removed_after:
                if w not in r.without_removed_before:
                    print(f"without removed by blocks [{r.half}] {r.name}: {w!r}")


if __name__ == "__main__":
    if "--pages" in sys.argv:
        pages_main("-v" in sys.argv)
    else:
        main()
        injection()
