"""WXR exports with what XML forbids (flows.readers.xml_repair, through flows.readers.wxr): one
bad spot no longer loses every item after it, each repair is an edit on the record it touched,
a valid export is untouched and the parser stays as safe.

The defects were found by running the job on real exports it had never seen: a Latin-1 ``é`` in
a UTF-8 export, a vertical tab pasted into a post, a blank line a theme printed before
``<?xml`` (the whole file was quarantined), and the TryGhost migrate fixture ``sample.xml``
whose attachment URL holds a bare ``&`` (the page after it was lost).
"""

from __future__ import annotations

import codecs
import random
import tracemalloc
from pathlib import Path

import pytest

from cleaners.edits import Edit, EditKind
from flows.readers import xml_repair
from flows.readers.wxr import parse_wxr
from flows.readers.xml_repair import repair_xml
from tests.unit.flows.test_wxr import MIXED, export, item, raw_file, read

#: Three published posts; the middle one is where the bad spot goes.
BEFORE, AFTER = item(1, "Avant"), item(3, "Après", content="<p>La suite.</p>")


def three(middle: str) -> bytes:
    return export(BEFORE + middle + AFTER)


def kinds(edits: list[Edit]) -> list[str]:
    return [str(e.kind) for e in edits]


def test_a_latin1_byte_in_a_utf8_export_is_read_as_windows_1252() -> None:
    data = three(item(2, "Café", content="<p>Un café.</p>")).replace(
        "<p>Un café.</p>".encode(), b"<p>Un caf\xe9, 20 \x80.</p>")
    result = parse_wxr(data)
    assert result.error is None
    assert [r["id"] for r in result.records] == ["1", "2", "3"]
    assert result.records[1]["text"] == "<p>Un café, 20 €.</p>"
    assert result.records[1]["title"] == "Café"  # the valid UTF-8 around it is untouched
    assert result.edits == [[], [Edit(EditKind.CHARSET, "WXR export repaired: 2 byte(s) not "
                                      "valid UTF-8 read as Windows-1252 (é, €)")], []]


def test_control_characters_xml_forbids_are_removed() -> None:
    data = three(item(2, "Tab", content="<p>Colonne\x0bune\x0c, deux\x00.</p>"))
    result = parse_wxr(data)
    assert result.error is None and len(result.records) == 3
    assert result.records[1]["text"] == "<p>Colonneune, deux.</p>"
    assert kinds(result.edits[1]) == ["control"]
    assert "3 character(s) XML forbids removed (U+000B, U+000C, U+0000)" in result.edits[1][0].detail
    assert result.edits[0] == result.edits[2] == []


def test_whitespace_before_the_declaration_is_removed(tmp_path: Path) -> None:
    data = b"\n\n" + three(item(2, "b"))
    records, bad, _ = read(raw_file(tmp_path, "leading.xml", data))
    assert [r.key for r in records] == ["1", "2", "3"] and not bad
    assert all(r.edits == [Edit(EditKind.CHARSET, "WXR export repaired: whitespace before the "
                                                  "XML declaration removed")] for r in records)
    # a byte-order mark alone is XML, not a repair
    assert repair_xml(b"\xef\xbb\xbf" + three("")).export_edits == []


def test_a_break_after_the_leading_whitespace_is_reported_at_its_line_in_the_file() -> None:
    data = b"\n\n\n" + three(item(2, "b")).replace(b"<wp:post_id>3</wp:post_id>",
                                                    b"<wp:post_id>3</wp:post_idd>")
    line = data[:data.index(b"</wp:post_idd>")].count(b"\n") + 1
    result = parse_wxr(data)
    assert [r["id"] for r in result.records] == ["1", "2"]
    assert result.error is not None and f"line {line}," in result.error


def test_a_bare_ampersand_in_an_attachment_url_loses_nothing_after_it() -> None:
    # TryGhost migrate's fixture sample.xml: an attachment whose URL has query parameters.
    url = "https://example.com/image.jpg?w=300&h=200&crop=1"
    attachment = item(2, "image.jpg", post_type="attachment", status="inherit").replace(
        "</wp:post_type>", f"</wp:post_type>\n\t\t<wp:attachment_url>{url}</wp:attachment_url>")
    page = item(4, "Une page", post_type="page")
    data = export(BEFORE + attachment + page)
    result = parse_wxr(data)
    assert result.error is None
    assert [r["id"] for r in result.records] == ["1", "4"]
    assert result.skipped == {"attachment/inherit": 1}
    assert result.edits == [[], []]  # the repair was in the skipped item only


def test_bare_ampersands_outside_cdata_are_escaped_and_entities_kept() -> None:
    titled = item(2, "x").replace("<title><![CDATA[x]]></title>",
                                  "<title>Fish & Chips &amp; caf&eacute; &#233; &#x20AC;</title>")
    result = parse_wxr(three(titled))
    assert result.error is None and len(result.records) == 3
    assert result.records[1]["title"] == "Fish & Chips & caf&eacute; é €"
    assert result.edits[1] == [Edit(EditKind.ENTITY, "WXR export repaired: 2 bare & escaped as "
                                    "&amp; (it started no XML entity or character reference)")]


def test_a_repair_outside_any_item_is_an_edit_of_every_record() -> None:
    data = three(item(2, "b")).replace(b"<title>Le Blog</title>", b"<title>Le Blog\x0b</title>")
    result = parse_wxr(data)
    assert [r["source"] for r in result.records] == ["Le Blog"] * 3
    assert all(kinds(e) == ["control"] and "outside any item" in e[0].detail
               for e in result.edits)


def test_a_valid_export_is_untouched() -> None:
    # bare & inside CDATA sections (the bodies), comments and the DOCTYPE are XML
    body = '<p>R&D, <a href="/?a=1&b=2">x</a> &nbsp; <!-- a & b --></p>'
    data = export(MIXED + item(30, "R&D", content=body)).replace(
        b"<rss", b"<!DOCTYPE rss [ <!-- & --> ]>\n<!-- Tom & Jerry -->\n<rss", 1)
    repaired = repair_xml(data)
    assert repaired.data is data and not repaired.export_edits and not repaired.item_edits
    result = parse_wxr(data)
    assert result.error is None and result.records[-1]["text"] == body
    assert result.edits == [[], [], []]


def test_a_reference_with_leading_zeros_is_valid_and_untouched() -> None:
    # Found by a reviewer: "&#x00000000E9;" (é for expat) was escaped as "&amp;#x00000000E9;"
    # with an "entity" edit, as the references were matched with at most 7 or 6 digits.
    refs = "&#x00000000E9;&#000000000233;&#x0001F600;&#x" + "0" * 5000 + "41;"
    titled = item(2, "x").replace("<title><![CDATA[x]]></title>", f"<title>{refs}</title>")
    data = three(titled)
    assert repair_xml(data).data is data
    result = parse_wxr(data)
    assert result.error is None and result.records[1]["title"] == "éé😀A"
    assert result.edits == [[], [], []]


def test_an_export_in_another_encoding_is_left_to_the_parser() -> None:
    data = export(item(1, "Café")).replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    data = data.decode().encode("latin-1")
    assert repair_xml(data).data is data
    assert parse_wxr(data).records[0]["title"] == "Café"


def test_what_is_still_unreadable_keeps_the_items_before_it(tmp_path: Path) -> None:
    broken = item(2, "x").replace("<title><![CDATA[x]]></title>", "<title>a < b</title>")
    records, bad, _ = read(raw_file(tmp_path, "lt.xml", three(broken)))
    assert [r.key for r in records] == ["1"]
    assert len(bad) == 1 and bad[0].error.startswith("WXR export cut short after 1 complete")


@pytest.mark.parametrize("entity", [b"&lol2;", b"&xxe;"])
def test_the_parser_stays_safe(entity: bytes) -> None:
    dtd = (b'<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">'
           b'<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    data = export(item(1, "a") + item(2, "\x0b")).replace(b"<rss", dtd + b"\n<rss", 1)
    data = data.replace(b"<title>Le Blog</title>", b"<title>" + entity + b"</title>")
    result = parse_wxr(data)
    assert result.records == [] and result.error is not None
    assert result.error.startswith("unsafe XML rejected: EntitiesForbidden")


def test_repair_finishes_on_hostile_input() -> None:
    # 200,000 openers that never close: each is searched once (no wall-clock limit here:
    # speed is measured in benchmarks/, this only guards against a search per opener)
    hostile = (b'<?xml version="1.0"?><rss><channel>' + b"<!DOCTYPE [" * 200_000
               + b"<item " * 200_000 + b"<!--" * 200_000 + b"& \x0b" * 200_000)
    repaired = repair_xml(hostile)
    assert repaired.data.count(b"\x0b") == 0


class _CountingCodecs:
    """`codecs` as xml_repair sees it, counting the bytes handed to the UTF-8 decoder."""

    def __init__(self) -> None:
        self.fed = 0

    def __getattr__(self, name: str) -> object:
        return getattr(codecs, name)

    def utf_8_decode(self, data: bytes, errors: str = "strict",
                     final: bool = False) -> tuple[str, int]:
        self.fed += len(data)
        return codecs.utf_8_decode(data, errors, final)

    def getincrementaldecoder(self, encoding: str) -> object:
        counter, factory = self, codecs.getincrementaldecoder(encoding)

        def make(errors: str = "strict") -> codecs.IncrementalDecoder:
            decoder = factory(errors)
            decode = decoder.decode

            def counted(data: bytes, final: bool = False) -> str:
                counter.fed += len(data)
                return decode(data, final)

            decoder.decode = counted  # type: ignore[method-assign]
            return decoder

        return make


def _strict_repair(data: bytes) -> tuple[bytes, int]:
    """``data`` with each byte the strict decoder rejects read as Windows-1252, and how many
    there were (quadratic: for tests)."""
    out, pos, bad = [], 0, 0
    while True:
        try:
            out.append(data[pos:].decode())
        except UnicodeDecodeError as exc:
            out.append(data[pos:pos + exc.start].decode())
            out += [bytes([b]).decode("cp1252", "replace")
                    for b in data[pos + exc.start:pos + exc.end]]
            bad += exc.end - exc.start
            pos += exc.end
        else:
            return "".join(out).encode(), bad


LATIN1 = b"Le caf\xe9 est tr\xe8s bon, d\xe9j\xe0 vu. "


def test_bytes_not_utf8_are_repaired_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # Found by a reviewer: every bad byte raised a UnicodeDecodeError holding the whole 1 MB
    # decode window, so 1 MB of Latin-1 text took 3 s and 4 MB 125 s (exports go to 1 GiB).
    counting = _CountingCodecs()
    monkeypatch.setattr(xml_repair, "codecs", counting)
    monkeypatch.setattr(xml_repair, "_CHUNK", 64)
    data = three(item(2, "x", content="BODY")).replace(b"BODY", LATIN1 * 100)
    repaired = repair_xml(data)
    assert repaired.data == _strict_repair(data)[0]
    assert counting.fed <= 2 * len(data) + 10  # a check, then one repair pass (a cut: again)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7])
def test_sequences_cut_by_a_chunk_boundary_are_read_whole(monkeypatch: pytest.MonkeyPatch,
                                                          chunk: int) -> None:
    monkeypatch.setattr(xml_repair, "_CHUNK", chunk)
    pieces = [b"a", b"\xe9", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xe2\x82",
              b"\xf0\x9f", b"\x80", b"\x81", b"\xed\xa0\x80", b"\xff", b"<"]
    rng = random.Random(chunk)
    for _ in range(100):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 24)))
        data = export(item(1, "x", content="BODY")).replace(b"BODY", body)
        want, bad = _strict_repair(data)
        repaired = repair_xml(data)
        assert repaired.data == want, body
        assert (f"{bad} byte(s) not valid UTF-8" in repaired.item_edits[0][0].detail
                if bad else repaired.data is data)


def test_a_whole_export_in_latin1_declared_utf8_is_read() -> None:
    data = three(item(2, "Caf\xe9", content="BODY")).replace(b"BODY", LATIN1 * 1000)
    result = parse_wxr(data.replace("Café".encode(), b"Caf\xe9").replace(
        "Après".encode(), b"Apr\xe8s"))
    assert result.error is None
    assert [r["title"] for r in result.records] == ["Avant", "Café", "Après"]
    assert result.records[1]["text"] == LATIN1.decode("latin-1") * 1000
    assert [e.detail for e in result.edits[1]] == [
        "WXR export repaired: 4001 byte(s) not valid UTF-8 read as Windows-1252 (é, è, à)"]


@pytest.mark.parametrize(("ref", "name"), [
    ("&#11;", "U+000B"), ("&#0;", "U+0000"), ("&#x1F;", "U+001F"), ("&#xFFFE;", "U+FFFE"),
    ("&#xffff;", "U+FFFF"), ("&#xD800;", "U+D800"), ("&#57343;", "U+DFFF"),
    ("&#1114112;", "U+110000"), ("&#x110000;", "U+110000"), ("&#0000008;", "U+0008"),
    # any number of digits (found by a reviewer: past 7 or 6 they were escaped as text)
    ("&#x00000000000B;", "U+000B"), ("&#0000000000011;", "U+000B"),
    ("&#x0000000D800;", "U+D800"), ("&#9999999;", "U+98967F"), ("&#11141120;", "past U+10FFFF"),
    ("&#x1000000;", "past U+10FFFF"), ("&#x" + "F" * 40 + ";", "past U+10FFFF"),
    ("&#" + "1" * 5000 + ";", "past U+10FFFF"),  # more digits than int() converts
])
def test_a_reference_to_a_character_xml_forbids_is_removed(ref: str, name: str) -> None:
    # Found by a reviewer: "reference to invalid character number" lost every later item.
    titled = item(2, "x").replace("<title><![CDATA[x]]></title>",
                                  f"<title>Tab{ref}ulation &#9;&#xE9;&#x1F600;</title>")
    cdata = "<p>Kept as text in CDATA: &#11;</p>"
    result = parse_wxr(three(titled.replace("<p>Body.</p>", cdata)))
    assert result.error is None and [r["id"] for r in result.records] == ["1", "2", "3"]
    assert result.records[1]["title"] == "Tabulation \té😀"
    assert result.records[1]["text"] == cdata
    assert result.edits[1] == [Edit(EditKind.CONTROL, "WXR export repaired: 1 character(s) XML "
                                    f"forbids removed ({name})")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_whitespace_before_the_declaration_of_a_utf16_export_is_removed(encoding: str) -> None:
    # Found by a reviewer: ('\n' + export).encode('utf-16') was lost whole ("XML or text
    # declaration not at start of entity"), though the docs promised the repair.
    text = three(item(2, "Café")).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    mark = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    data = mark + ("\n \r\n\t" + text).encode(encoding)
    result = parse_wxr(data)
    assert result.error is None
    assert [r["title"] for r in result.records] == ["Avant", "Café", "Après"]
    assert all(e == [Edit(EditKind.CHARSET, "WXR export repaired: whitespace before the XML "
                                            "declaration removed")] for e in result.edits)
    # the mark alone is XML; a break further on is reported at its line in the file
    assert repair_xml(mark + text.encode(encoding)).data == mark + text.encode(encoding)
    cut = "\n\n" + text.removesuffix("</rss>\n")
    cut_result = parse_wxr(mark + cut.encode(encoding))
    assert len(cut_result.records) == 3 and cut_result.error is not None
    assert f"line {cut.count(chr(10)) + 1}," in cut_result.error


class _CountingBytes(bytes):
    """Bytes that add up how far each ``find`` on them read (to the match, else to the end)."""

    scanned = 0

    def find(self, sub: bytes, start: int = 0, end: int | None = None) -> int:  # type: ignore[override]
        found = super().find(sub, start, end)
        stop = len(self) if end is None else min(end, len(self))
        _CountingBytes.scanned += (found + len(sub) if found >= 0 else stop) - start
        return found


def test_each_section_is_searched_only_up_to_its_end() -> None:
    # Found by a reviewer: a DOCTYPE's "[" was searched to the end of the file, so 1 MB of
    # "<!DOCTYPE a>" took 0.5 s and 4 MB 15 s; the searches now stop at the section's end.
    sections = (b"<!DOCTYPE a>", b"<!DOCTYPE a [<!-- x -->]>", b"<!-- a -->", b"<?pi a?>",
                b"<![CDATA[a]]>")
    for section in sections:
        data = _CountingBytes(b'<?xml version="1.0"?><rss>' + section * 5_000 + b"&</rss>")
        _CountingBytes.scanned = 0
        repaired = repair_xml(data)
        assert repaired.data.endswith(b"&amp;</rss>")
        assert _CountingBytes.scanned <= 2 * len(data), section


@pytest.mark.parametrize("unit", [b"a\x0b", b"a&b ", b"&#11;", b"&#9;&", b"a\xef\xbf\xbe",
                                  b"<!--\x0b-->"])
def test_repair_keeps_no_object_per_repair(unit: bytes) -> None:
    # Found by a reviewer: a list entry and an edit tuple per repair, so 10 MB of "a\x0b" peaked
    # at 2.24 GB and 10 MB of "a&b " at 0.96 GB. Now copies of the bytes and counters (items
    # are counted apart: each repaired item's edits are part of the result).
    data = b'<?xml version="1.0"?><rss><channel>' + unit * (400_000 // len(unit)) + b"</rss>"
    tracemalloc.start()
    try:
        repaired = repair_xml(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert repaired.data != data
    assert peak <= 6 * (len(data) + len(repaired.data))
