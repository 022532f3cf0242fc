"""The clean stage on staged batches (`flows.stages.clean_table`): the text-size limit applies
to the extracted text, a post with no text left is quarantined with what it was made of, and
titles are cleaned with their edits marked ``title: …``.

Raw files are written to ``tmp_path``, read by the real read stage, then cleaned: every record
is either a cleaned row or a quarantine row with its reason.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cleaners.text.clean import clean_text
from cleaners.text.config import CleanConfig
from cleaners.text.shortcodes import DEFAULT_SHORTCODE_POLICY
from flows.discover import discover
from flows.readers.wxr import parse_wxr
from flows.settings import DEFAULTS
from flows.staged import read_staged
from flows.stages import clean_table, read_stage
from flows.stages.clean_fingerprint import empty_text_reason
from flows.stages.read import RAW_TEXT_FACTOR
from tests.support.data import SAMPLES, eval_path

NOW = datetime(2024, 1, 2, tzinfo=UTC)
EN_SEED = SAMPLES / "000_5579c1d2ab6f9191.txt"


def english() -> str:
    if not EN_SEED.exists():
        pytest.skip(f"English seed article not found at {EN_SEED}")
    return EN_SEED.read_text(encoding="utf-8").strip()


def read_and_clean(
    tmp_path: Path, records: list[dict[str, Any]], max_text_chars: int = DEFAULTS.max_text_chars,
    config: CleanConfig | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, str]]:
    """(cleaned rows by id, clean-stage quarantine reasons by id, read-stage reasons by id)."""
    raw = tmp_path / "raw"
    raw.mkdir(parents=True)
    (raw / "posts.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    read = read_stage(discover(raw, set()).new, tmp_path / "staging", "run-t", NOW, 100,
                      max_text_chars)
    read_reasons = {}
    for path in read.quarantine:
        for row in pq.read_table(path).to_pylist():
            read_reasons[row["source_id"]] = row["error"]
    table = pa.concat_tables([read_staged(b) for b in read.batches]) if read.batches else None
    if table is None:
        return {}, {}, read_reasons
    out, summary, quarantine = clean_table(table, "run-t", NOW, config, max_text_chars)
    rows = {r["source_id"]: r for r in out.to_pylist()}
    reasons = {q["source_id"]: q["error"] for q in quarantine}
    # every record is accounted for: cleaned, or quarantined with a reason, never dropped
    assert len(rows) + len(reasons) + len(read_reasons) == len(records)
    assert summary.rows == len(rows) and summary.quarantine.rows == len(reasons)
    assert all(reason and "\n" not in reason for reason in [*reasons.values()])
    return rows, reasons, read_reasons


# --------------------------------------------------------------------------- size limit


def test_limit_applies_to_the_extracted_text(tmp_path: Path) -> None:
    """A 3 MB inline script around a 2 KB article is curated with its article; 3 MB of real
    text is quarantined with the reason (default --max-text-chars: 2,000,000)."""
    en = english()
    paragraphs = [line for line in en.splitlines() if line.strip()]
    article = []
    while sum(len(p) for p in article) < 2000:
        article.append(paragraphs[len(article) % len(paragraphs)])
    script = "<script>var data = " + json.dumps(["x" * 100] * 29_000) + ";</script>"  # 3 MB
    page = f"<html><body>{script}" + "".join(f"<p>{p}</p>" for p in article) + "</body></html>"
    huge = "\n\n".join([en] * (3_000_000 // len(en) + 1))
    assert len(page) > 3_000_000 and len(huge) > 3_000_000
    rows, reasons, read_reasons = read_and_clean(tmp_path, [
        {"id": "scripted", "title": "Scripted", "text": page},
        {"id": "huge", "title": "Huge", "text": huge},
    ])
    assert read_reasons == {}  # the read stage only guards the raw field, 10× looser
    text = rows["scripted"]["text"]
    assert len(text) < 3000 and "var data" not in text and "xxxx" not in text
    for paragraph in article:  # the whole article, each paragraph cleaned as such
        assert clean_text(paragraph).text in text
    assert reasons == {"huge": (
        f"text too large after cleaning: {len(clean_text(huge).text):,} characters of extracted "
        "text (limit 2,000,000; raise --max-text-chars)")}


def test_raw_text_guard_is_a_multiple_of_the_limit(tmp_path: Path) -> None:
    en = english()
    limit = 1000
    markup = "<div>" + "<span></span>" * 600 + f"<p>{en[:500]}</p></div>"  # 8 KB, 500 chars
    assert limit < len(markup) < RAW_TEXT_FACTOR * limit
    too_raw = en * (RAW_TEXT_FACTOR * limit // len(en) + 1)
    rows, reasons, read_reasons = read_and_clean(tmp_path, [
        {"id": "markup", "text": markup},
        {"id": "long", "text": en[:1500]},
        {"id": "too-raw", "text": too_raw},
    ], max_text_chars=limit)
    assert set(rows) == {"markup"}
    assert reasons["long"].startswith("text too large after cleaning: 1,500 characters")
    assert read_reasons == {"too-raw": (
        f"raw text too large: {len(too_raw):,} characters before cleaning (limit 10,000 = "
        "10 × --max-text-chars; raise --max-text-chars)")}


# --------------------------------------------------------------------------- no text left


def test_no_text_left_is_quarantined_with_what_it_was(tmp_path: Path) -> None:
    drop_captions = CleanConfig(
        shortcodes=dataclasses.replace(DEFAULT_SHORTCODE_POLICY, keep_captions=False))
    path = eval_path("wordpress", "wxr", "themeunittestdata.wordpress.xml")
    posts = {r["title"]: r["text"] for r in parse_wxr(path.read_bytes()).records}
    caption_post = posts["Post Format: Image (Caption)"]  # its only prose is its caption
    records = [
        {"id": "gallery", "text": '[gallery ids="1,2,3"]'},
        {"id": "script", "text": "<script>track();</script><style>p {}</style>"},
        {"id": "both", "text": '<p>[gallery ids="4"]</p>\n<script>x()</script>'},
        {"id": "caption", "title": "Post Format: Image (Caption)", "text": caption_post},
        {"id": "nbsp", "text": "&nbsp;&nbsp;"},
        # a review: a post that is only a video's address was "all of it was promos"
        {"id": "video", "text": "<p>https://www.youtube.com/watch?v=dQw4w9WgXcQ</p>"},
    ]
    rows, reasons, _ = read_and_clean(tmp_path, records, config=drop_captions)
    assert rows == {}
    assert reasons["gallery"] == (
        "no text left after cleaning (all of it was shortcodes): shortcode: removed gallery")
    assert reasons["script"] == (
        "no text left after cleaning (all of it was markup): html: dropped script x1, style x1")
    both = "no text left after cleaning (all of it was markup/shortcodes)"
    assert reasons["both"].startswith(both)
    assert reasons["caption"].startswith(
        "no text left after cleaning (all of it was markup/shortcodes): html: markup converted")
    assert "removed caption: Bell on wharf in San Francisco" in reasons["caption"]
    assert reasons["nbsp"].startswith("no text left after cleaning (all of it was spaces")
    assert reasons["video"] == (
        "no text left after cleaning (all of it was markup/bare links): "
        "html: markup converted to text, nothing dropped; "
        "promo: https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    # by default the caption is the post's text
    rows, reasons, _ = read_and_clean(tmp_path / "keep", records[3:4])
    assert rows["caption"]["text"] == "Bell on wharf in San Francisco" and reasons == {}


def test_empty_text_reason_without_edits() -> None:
    reason = "no text left after cleaning (all of it was spaces once entities and encoding "
    assert empty_text_reason([]) == reason + "were decoded)"


# --------------------------------------------------------------------------- titles


def test_titles_are_cleaned_and_their_edits_marked(tmp_path: Path) -> None:
    body = english()[:600]
    rows, reasons, _ = read_and_clean(tmp_path, [
        {"id": "mojibake", "title": "Il wonâ€™t stop: GrÃ¨ve", "text": body},
        {"id": "markup", "title": "Markup: Title <em>With</em> <b>Mark<sup>up</sup></b>",
         "text": body + " 1"},
        {"id": "entities", "title": "Media &amp; Text\n  on two lines", "text": body + " 2"},
        {"id": "quotes", "title": "Our “Top 10″ tips", "text": body + " 3"},
        {"id": "empty", "title": "<br/>", "text": body + " 4"},
        {"id": "none", "text": body + " 5"},
        {"id": "clean", "title": "Already clean", "text": body + " 6"},
    ])
    assert reasons == {}
    titles = {k: r["title"] for k, r in rows.items()}
    assert titles == {
        "mojibake": "Il won't stop: Grève", "markup": "Markup: Title With Markup",
        "entities": "Media & Text on two lines", "quotes": 'Our "Top 10" tips', "empty": None,
        "none": None, "clean": "Already clean",
    }

    def title_edits(key: str) -> list[dict[str, str]]:
        return [e for e in rows[key]["edits"] if e["detail"].startswith("title: ")]

    assert [e["kind"] for e in title_edits("mojibake")] == ["encoding", "typography"]
    assert title_edits("markup") == [
        {"kind": "html", "detail": "title: markup converted to text, nothing dropped"}]
    assert title_edits("quotes") == [
        {"kind": "typography", "detail": 'title: primes closing a quotation ″→" x1'},
        {"kind": "typography", "detail": 'title: double quotes “→" x1'}]
    assert title_edits("empty")[-1]["kind"] == "metadata"
    assert title_edits("none") == title_edits("clean") == []
    # the text's own edits are not marked
    assert not any(e["detail"].startswith("title: ") for e in rows["clean"]["edits"])


def test_a_records_title_loses_the_site_name_its_url_spells(tmp_path: Path) -> None:
    # scraped records carry the page's <title>: `Headline | Site`
    body = english()[:600]
    rows, reasons, _ = read_and_clean(tmp_path, [
        {"id": "site", "title": "Tram line extended to the airport | Example Media",
         "url": "https://www.example-media.com/2026/tram", "text": body},
        {"id": "other", "title": "Tram line extended to the airport | Example Media",
         "url": "https://news.other.org/tram", "text": body + " 1"},
        {"id": "nourl", "title": "Tram line extended to the airport | Example Media",
         "text": body + " 2"},
    ])
    assert reasons == {}
    assert rows["site"]["title"] == "Tram line extended to the airport"
    assert [e for e in rows["site"]["edits"] if e["detail"].startswith("title: ")] == [
        {"kind": "metadata", "detail": "title: the site's name cut from "
                                       "'Tram line extended to the airport | Example Media'"}]
    assert rows["other"]["title"] == rows["nourl"]["title"] == (
        "Tram line extended to the airport | Example Media")


def test_a_wordpress_posts_title_keeps_the_name_its_url_spells(tmp_path: Path) -> None:
    # a probe of real exports: artigos/paralisiafacial.com's post 140, "Paralisia Facial -
    # Ellen Miyuki" on paralisiafacial.com, became "Ellen Miyuki"; WordPress adds the site's
    # name to a page's <title>, never to a post's title. A scraped record's title still loses it
    title, url = "Paralisia Facial - Ellen Miyuki", "https://paralisiafacial.com/ellen-miyuki/"
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "export.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Paralisia Facial</title>'
        f"<item><title>{title}</title><link>{url}</link><content:encoded><![CDATA[<p>"
        f"{english()[:600]}</p>]]></content:encoded><wp:post_id>140</wp:post_id>"
        "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item>"
        "</channel></rss>", encoding="utf-8")
    page = (f"<html><head><title>{title}</title></head><body><article><p>{english()[1200:1800]}"
            "</p></article></body></html>")
    (raw / "scraped.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"id": "scraped", "title": title, "url": url, "text": english()[600:1200]},
        # no title of its own: its page's <title> is cut, post type or not; a post type that is
        # no string says nothing
        {"id": "page", "url": url, "text": page, "post_type": "post"},
        {"id": "flag", "title": title, "url": url, "text": english()[1800:2400],
         "post_type": False}]) + "\n")
    read = read_stage(discover(raw, set()).new, tmp_path / "staging", "run-t", NOW, 100,
                      DEFAULTS.max_text_chars)
    out, _, quarantine = clean_table(
        pa.concat_tables([read_staged(b) for b in read.batches]), "run-t", NOW)
    assert quarantine == []
    titles = dict(zip(out.column("source_id").to_pylist(), out.column("title").to_pylist(),
                      strict=True))
    assert titles == {"140": title, "scraped": "Ellen Miyuki", "page": "Ellen Miyuki",
                      "flag": "Ellen Miyuki"}


def test_a_pages_own_title_keeps_the_tags_it_shows(tmp_path: Path) -> None:
    """A record without a title takes its page's, which the page's parser has read: MDN's
    `&lt;table&gt;: The Table element` is `<table>: The Table element`, not markup."""
    raw = tmp_path / "raw"
    raw.mkdir()
    page = ("<html><head><title>&lt;table&gt;: The Table element</title></head><body><article>"
            f"<p>{english()[:600]}</p></article></body></html>")
    # a second review: a title of spaces is none, and the page's is taken
    (raw / "scraped.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"id": "mdn", "text": page}, {"id": "spaces", "title": "  ", "text": page}]) + "\n")
    read = read_stage(discover(raw, set()).new, tmp_path / "staging", "run-t", NOW, 100,
                      DEFAULTS.max_text_chars)
    out, _, quarantine = clean_table(
        pa.concat_tables([read_staged(b) for b in read.batches]), "run-t", NOW)
    assert quarantine == []
    assert out.column("title").to_pylist() == ["<table>: The Table element"] * 2


def test_a_record_the_clean_stage_refuses_keeps_its_position_in_the_file(tmp_path: Path) -> None:
    # the clean stage's quarantine rows all said record_index -1, "the whole file"
    en = english()
    raw = tmp_path / "raw"
    raw.mkdir()
    records = [{"id": "a", "text": en}, {"id": "gallery", "text": '[gallery ids="1"]'},
               {"id": "zw", "text": "<p>\u200b\u2060</p>"}]
    (raw / "posts.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    read = read_stage(discover(raw, set()).new, tmp_path / "staging", "run-t", NOW, 100,
                      DEFAULTS.max_text_chars)
    table = pa.concat_tables([read_staged(b) for b in read.batches])
    out, _, quarantine = clean_table(table, "run-t", NOW)
    assert out.column("source_id").to_pylist() == ["a"]
    rows = {q["source_id"]: q for q in quarantine}
    assert rows["gallery"]["record_index"] == 1 and rows["zw"]["record_index"] == 2
    assert rows["zw"]["error"].startswith("no text left after cleaning")


def test_a_summarised_edit_log_is_counted_whole_by_the_run(tmp_path: Path) -> None:
    """A review: a text's log lists at most 200 edits of a kind and counts the rest in one
    edit; the run's tally counted that edit as one, and its report listed it as a removed
    shortcode."""
    from cleaners.edits import MAX_EDITS_PER_KIND

    body = "Words of the article, a real paragraph of prose.\n" + " ".join(
        f"[foo{i % 50} id={i}]" for i in range(3_000))
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "p.jsonl").write_text(json.dumps({"id": "a", "title": "T", "text": body}) + "\n")
    read = read_stage(discover(raw, set()).new, tmp_path / "staging", "run-t", NOW, 100,
                      DEFAULTS.max_text_chars)
    out, summary, _ = clean_table(pa.concat_tables([read_staged(b) for b in read.batches]),
                                  "run-t", NOW)
    assert summary.edits_by_kind["shortcode"] == 3_000
    assert len(summary.shortcodes) == MAX_EDITS_PER_KIND
    assert not any(detail.startswith("… and") for detail in summary.shortcodes)
    edits = out.column("edits")[0].as_py()
    assert edits[MAX_EDITS_PER_KIND]["detail"].startswith("… and 2,800 more shortcode edits")


def test_the_promo_vocabulary_guesses_languages_with_the_process_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unhinted article whose promo vocabulary needs its language (a ``Video: …`` lead-in
    to judge) is read with this process's language-id model (`flows.backends.langid_cache`):
    py3langid's archive is not inflated a second time in a worker."""
    from cleaners.lang import langid
    from cleaners.text.promos import vocabulary
    from flows.backends.langid_cache import process_language_model

    model = process_language_model()
    guessed: list[object] = []

    def guess(text: str, langid_model: object = None) -> str:
        guessed.append(langid_model)
        return langid.most_likely_label(text, langid_model)  # type: ignore[arg-type]

    def no_second_model() -> langid.LanguageModel:
        raise AssertionError("py3langid's archive read again")

    monkeypatch.setattr(vocabulary, "most_likely_label", guess)
    monkeypatch.setattr(langid, "bundled_model", no_second_model)
    body = english().split("\n\n")
    text = "\n\n".join([*body[:3], "Video: Tornado hits small town in Kansas overnight", *body[3:]])
    rows, reasons, _ = read_and_clean(tmp_path, [{"id": "a", "text": text}])
    assert set(rows) == {"a"} and not reasons
    assert guessed and all(m is model for m in guessed)
