"""The optional translation backends: FreeDict, Apertium, CTranslate2.

Each is tested in two ways: on data this test builds itself (a small dictd dictionary in
dictzip format, tiny CTranslate2 models with generated weights and vocabularies), which always
runs when the Python packages are there; and on the real installed data (Debian's FreeDict
dictionaries and Apertium pairs, ``scripts/install_optional_backends.sh``), skipped with the
reason when it is not installed.
"""

from __future__ import annotations

import gzip
import io
import random
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from cleaners.lang.tokens import content_tokens, words
from cleaners.translate.pivot import own_tokens
from flows.backends import BackendUnavailable, backend_names, get_translator
from flows.backends.apertium import ApertiumBackend, routes_to_pivot
from flows.backends.ctranslate2 import language_of_dir, split_sentences
from flows.backends.freedict import (
    _DictzipReader,
    find_dictionaries,
    index_key,
    load_dictionary,
    parse_entry,
)
from tests.support.data import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"
WMT = ROOT.parent / "shared" / "eval" / "wmt"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared seeds/evaluation data live in ../shared")
    return path


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in words(text)]


def _jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = set(content_tokens(a)), set(content_tokens(b))
    return len(sa & sb) / max(1, len(sa | sb))


# --------------------------------------------------------------------------- dictd / dictzip


def _b64(n: int) -> str:
    out = ""
    while True:
        out = B64[n % 64] + out
        n //= 64
        if not n:
            return out


def _write_dictzip(path: Path, data: bytes, chunk_len: int) -> None:
    """A dictzip file as dictzip(1) writes it: gzip with an ``RA`` chunk table in FEXTRA,
    each chunk deflated and fully flushed so that it can be inflated on its own."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunks = []
    for start in range(0, len(data), chunk_len):
        chunks.append(
            comp.compress(data[start : start + chunk_len]) + comp.flush(zlib.Z_FULL_FLUSH)
        )
    chunks[-1] += comp.flush(zlib.Z_FINISH)
    ra = struct.pack("<HHH", 1, chunk_len, len(chunks)) + b"".join(
        struct.pack("<H", len(c)) for c in chunks
    )
    extra = b"RA" + struct.pack("<H", len(ra)) + ra
    header = b"\x1f\x8b\x08\x04" + b"\x00" * 4 + b"\x02\x03" + struct.pack("<H", len(extra))
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    path.write_bytes(header + extra + b"".join(chunks) + trailer)


def _write_dictd(
    directory: Path, name: str, entries: list[tuple[str, str]], chunk_len: int = 64
) -> None:
    """``name.index`` + ``name.dict.dz`` holding ``entries`` (headword, definition body)."""
    blob = io.BytesIO()
    index: list[tuple[str, int, int]] = []
    for headword, body in entries:
        text = f"{headword}\n{body}\n".encode()
        word = re.split(r" [</]", headword, maxsplit=1)[0]
        index.append((index_key(word), blob.tell(), len(text)))
        blob.write(text)
    _write_dictzip(directory / f"{name}.dict.dz", blob.getvalue(), chunk_len)
    lines = [f"{k}\t{_b64(o)}\t{_b64(n)}" for k, o, n in sorted(index, key=lambda r: r[0])]
    (directory / f"{name}.index").write_text("\n".join(lines) + "\n", encoding="utf-8")


# Entries written for this test in FreeDict's dictd layout (headword line, then senses).
FRA_ENTRIES = [
    ("maison /mɛzɔ̃/ <n, fem>", "house, dwelling"),
    ("gouvernement /guvɛʀnəmɑ̃/ <n, masc>", "1. control, rule\n2. administration, government"),
    ("voiture /vwatyʀ/ <n, fem>", "car, vehicle"),
    ("pomme de terre <n, fem>", "potato"),
    ("pomme <n, fem>", "apple"),
    (
        "noir <adj>",
        'black <adj>\n         Note: colour\n      "le chat noir"  - the black cat\n   Synonyms: {sombre}',
    ),
    ("acheter <v>", "to buy sth., purchase"),
]
DEU_ENTRIES = [
    ("Sagen <pl>", "legends"),
    ("sagen <v>", "say <v>, tell <v>"),
    ("Wahl <fem, n, sg>", "[pol.] ballot <n>"),
    (
        "Wahl <fem, n, sg>",
        'election <n>\n      "Wahlen abhalten"  - hold elections\n      "eine Wahl gewinnen"  - win an election',
    ),
    ("Amplitudenmodulation <fem, n, sg>", "amplitude modulation <n>"),
    ("Montag <masc, n, sg>", "Monday <n>Mon., /mʌn/"),
]


@pytest.fixture()
def dict_dir(tmp_path: Path) -> Path:
    _write_dictd(tmp_path, "freedict-fra-eng", FRA_ENTRIES)
    _write_dictd(tmp_path, "freedict-deu-eng", DEU_ENTRIES)
    # An abbreviation filed under another key, as FreeDict does ("am" -> Amplitudenmodulation).
    index = tmp_path / "freedict-deu-eng.index"
    line = next(x for x in index.read_text().splitlines() if x.startswith("amplitudenmodulation\t"))
    index.write_text(index.read_text() + "am\t" + line.split("\t", 1)[1] + "\n", encoding="utf-8")
    (tmp_path / "freedict-xyz-eng.index").write_text("")  # unknown language code: ignored
    return tmp_path


def test_dictzip_reader_gives_the_same_bytes_as_gzip(tmp_path: Path) -> None:
    rng = random.Random(7)
    data = "".join(rng.choice("abcdéfg hij\n") for _ in range(5000)).encode()
    path = tmp_path / "x.dict.dz"
    _write_dictzip(path, data, chunk_len=97)
    assert gzip.decompress(path.read_bytes()) == data  # a valid gzip file too
    reader = _DictzipReader(path, cache_chunks=2)
    assert reader._whole is None  # random access, not a whole-file read
    for _ in range(300):
        off = rng.randrange(len(data))
        length = rng.randrange(0, 400)
        assert reader.read(off, length) == data[off : off + length]


def test_plain_gzip_and_plain_dict_files_are_read_whole(tmp_path: Path) -> None:
    data = b"some dictionary text\n" * 50
    (tmp_path / "a.dict.dz").write_bytes(gzip.compress(data))
    (tmp_path / "b.dict").write_bytes(data)
    for name in ("a.dict.dz", "b.dict"):
        reader = _DictzipReader(tmp_path / name)
        assert reader.read(21, 20) == data[21:41]


def test_index_key_follows_dictfmt_normalisation() -> None:
    assert index_key("Micro-onde") == "microonde"
    assert index_key("Haus…") == "haus"
    assert index_key("  Pomme  de terre ") == "pomme de terre"


def test_parse_entry_keeps_senses_and_drops_dictionary_furniture() -> None:
    entry = parse_entry(
        "Wahl /vˈɑːl/ <fem, n, sg>\n [pol.] election <n>, poll <n>\n"
        '         Note: process and result\n      "Wahlen abhalten"  - hold elections\n'
        "   Synonym: {Abstimmung}\n\n see: {Wahlen}\n"
    )
    assert entry.headword == "Wahl"
    assert entry.senses == (("election",), ("poll",))
    assert entry.examples == 1 and entry.labelled
    abbreviated = parse_entry(
        "Regierung /reːɡˈiːrʊŋ/ <fem, n, sg>\n"
        " [pol.] government <n>Gov.,  /ɡˈoːf/ Govt.,  /ɡˈɔft/ , administration <n> [Am.]\n"
    )
    assert abbreviated.senses == (("government",), ("administration",))
    numbered = parse_entry(
        "accélérer /akseləʀe/ <v>\n1. pick up\n2. to speed sth. up, accelerate\n"
    )
    assert numbered.senses == (("pick", "up"), ("speed", "up"), ("accelerate",))
    assert not numbered.labelled and numbered.examples == 0


def test_freedict_backend_on_a_generated_dictionary(dict_dir: Path) -> None:
    backend = get_translator("freedict", dict_dir=dict_dir)
    assert backend.languages() == frozenset({"fr", "de"})
    [out] = backend.translate(
        ["Le gouvernement achète 3 maisons et une pomme de terre noire."], "fr"
    )
    assert "government" in out  # the cognate wins over the first sense ("control")
    assert "house" in out  # "maisons" found through its lemma "maison"
    assert "potato" in out and "apple" not in out  # the multi-word headword wins
    assert "buy" in out and "to" not in out and "sth" not in out
    assert "3" in out and "le" in out  # numbers and unknown words pass through
    assert out.index("government") < out.index("house") < out.index("potato")
    [verb, noun, wahl, am] = backend.translate(["sagen", "Sagen", "Wahl", "am Montag"], "de")
    assert verb == ["say"] and noun == ["legend"]  # the headword of the same case, lemmatised
    assert wahl == ["election"]  # the entry with usage examples
    assert am == ["am", "monday"]  # abbreviation entries filed under "am" are not used
    # English and languages without a dictionary: their own folded lemmas, as for every backend.
    for text, lang in (("The Houses.", "en"), ("Casas blancas", "es")):
        assert backend.translate([text], lang) == [own_tokens(text, lang)]
    assert backend.translate(["The Houses."], "en") == [["the", "house"]]
    assert backend.translate([], "fr") == []


def test_freedict_without_dictionaries_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="dict-freedict"):
        get_translator("freedict", dict_dir=tmp_path)
    with pytest.raises(BackendUnavailable):
        get_translator("freedict", dict_dir=tmp_path / "missing")


def _installed_freedict() -> dict[str, Path]:
    found = find_dictionaries()
    if not {"fr", "de", "es"} & set(found):
        pytest.skip(
            "no FreeDict dictionary in /usr/share/dictd "
            "(scripts/install_optional_backends.sh installs dict-freedict-{fra,deu,spa}-eng)"
        )
    return found


def test_installed_freedict_brings_the_french_seed_closer_to_the_english_one() -> None:
    if "fr" not in _installed_freedict():
        pytest.skip("dict-freedict-fra-eng is not installed")
    fr = _shared(SEEDS / "004_8ee08c2d1de8db32.txt").read_text(encoding="utf-8")
    en = _tokens(_shared(SEEDS / "000_5579c1d2ab6f9191.txt").read_text(encoding="utf-8"))
    [translated] = get_translator("freedict").translate([fr], "fr")
    assert _jaccard(translated, en) > 2 * _jaccard(_tokens(fr), en)
    # The per-process cache: the same parsed dictionary object every time.
    path = str(find_dictionaries()["fr"])
    assert load_dictionary(path) is load_dictionary(path)


def _wmt(lang: str, n: int) -> list[str]:
    text = _shared(WMT / f"newstest2013-src.{lang}.sgm").read_text(encoding="utf-8")
    docs = re.findall(r"<doc [^>]*>(.*?)</doc>", text, re.S)[:n]
    return ["\n".join(re.findall(r"<seg[^>]*>(.*?)</seg>", d, re.S)) for d in docs]


def _assert_translation_helps(backend: object, langs: set[str], n: int = 6) -> None:
    en = [_tokens(t) for t in _wmt("en", n)]
    for lang in sorted(langs):
        src = _wmt(lang, n)
        out = backend.translate(src, lang)  # type: ignore[attr-defined]
        assert len(out) == n
        for i in range(n):
            raw, translated = _jaccard(_tokens(src[i]), en[i]), _jaccard(out[i], en[i])
            wrong = max(_jaccard(out[i], en[j]) for j in range(n) if j != i)
            assert translated > 1.5 * raw, (lang, i, raw, translated)
            assert translated > wrong, (lang, i, translated, wrong)


def test_installed_freedict_on_wmt_news() -> None:
    langs = {"fr", "de", "es"} & set(_installed_freedict())
    _assert_translation_helps(get_translator("freedict"), langs)


# --------------------------------------------------------------------------- Apertium


def test_routes_chain_pairs_into_english() -> None:
    modes = [
        "eco-fr-es",
        "fr-es",
        "es-fr",
        "spa-eng",
        "spa-eng_US",
        "eng-spa",
        "fra-cat",
        "cat-eng",
    ]
    routes = routes_to_pivot(modes)
    assert routes["es"] == ("spa-eng",)
    assert routes["fr"] == ("fr-es", "spa-eng")  # shortest, first listed
    assert routes["ca"] == ("cat-eng",)
    assert "en" not in routes
    assert routes_to_pivot(["fr-es"]) == {}
    assert routes_to_pivot(["de-nl", "nl-fr", "fr-es", "spa-eng"], max_hops=3) == {
        "es": ("spa-eng",),
        "fr": ("fr-es", "spa-eng"),
        "nl": ("nl-fr", "fr-es", "spa-eng"),
    }


def test_apertium_without_binary_is_unavailable() -> None:
    with pytest.raises(BackendUnavailable, match="not installed"):
        get_translator("apertium", binary="no-such-apertium-binary")


def _fake_apertium(run: object) -> ApertiumBackend:
    """An ApertiumBackend whose subprocess is replaced by ``run(mode, payload)``."""
    backend = ApertiumBackend.__new__(ApertiumBackend)
    backend._routes = {"fr": ("fr-es", "spa-eng")}
    backend._run = run  # type: ignore[method-assign]
    return backend


def test_apertium_batching_escapes_splits_and_recovers_from_a_lost_separator() -> None:
    calls: list[tuple[str, str]] = []

    def upper(mode: str, payload: str) -> str:
        calls.append((mode, payload))
        # Like Apertium's HTML deformatter: tags pass through verbatim, text is transformed.
        return re.sub(r"(?<=>)[^<]+|^[^<]+", lambda m: m.group(0).upper(), payload)

    texts = ["a <b> & c", "", "x\ny"]
    assert _fake_apertium(upper).translate_raw(texts, "fr") == ["A <B> & C", "", "X\nY"]
    assert [m for m, _ in calls] == ["fr-es", "spa-eng"]  # one run per hop for the batch
    assert "&lt;b&gt; &amp; c" in calls[0][1]  # the text cannot open a tag

    calls.clear()

    def lossy(mode: str, payload: str) -> str:  # loses a separator on the batch run
        calls.append((mode, payload))
        return payload.replace('<hr class="curate-doc-separator"/>', "", 1)

    assert _fake_apertium(lossy).translate_raw(["one", "two", "three"], "fr") == [
        "one",
        "two",
        "three",
    ]
    assert len(calls) == 2 + 3 * 2  # the batch, then each document alone


def _apertium() -> ApertiumBackend:
    if shutil.which("apertium") is None:
        pytest.skip("the apertium binary is not installed (scripts/install_optional_backends.sh)")
    try:
        backend = get_translator("apertium")
    except BackendUnavailable as exc:
        pytest.skip(str(exc))
    assert isinstance(backend, ApertiumBackend)
    return backend


def test_installed_apertium_translates_a_batch_in_one_run_per_hop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = _apertium()
    lang = "fr" if "fr" in backend.languages() else sorted(backend.languages())[0]
    route = backend.route(lang)
    assert route and re.search(r"-(en|eng)$", route[-1])
    calls: list[str] = []
    real_run = backend._run
    monkeypatch.setattr(
        backend, "_run", lambda mode, payload: calls.append(mode) or real_run(mode, payload)
    )
    texts = [
        f'Paris {1000 + i} <b>&amp; Lyon</b> <hr class="curate-doc-separator"/>' for i in range(5)
    ]
    texts.insert(2, "")
    out = backend.translate(texts, lang)
    assert calls == list(route)  # one run per hop for the whole batch
    assert len(out) == len(texts) and out[2] == []
    numbers = [i for i, toks in enumerate(out) for t in toks if t.isdigit() and len(t) == 4]
    assert numbers == [0, 1, 3, 4, 5]  # each document's number stayed in its own slot
    assert all(toks.count("paris") == 1 for i, toks in enumerate(out) if i != 2)
    assert backend.translate(["The Houses"], "en") == [["the", "house"]]


def test_installed_apertium_on_the_seed_and_wmt_news() -> None:
    backend = _apertium()
    if "fr" in backend.languages():
        fr = _shared(SEEDS / "004_8ee08c2d1de8db32.txt").read_text(encoding="utf-8")
        en = _tokens(_shared(SEEDS / "000_5579c1d2ab6f9191.txt").read_text(encoding="utf-8"))
        [translated] = backend.translate([fr], "fr")
        assert _jaccard(translated, en) > 2 * _jaccard(_tokens(fr), en)
    _assert_translation_helps(backend, {"fr", "es"} & backend.languages(), n=3)


def test_apertium_plus_freedict_uses_what_is_there(dict_dir: Path, tmp_path: Path) -> None:
    only_freedict = get_translator(
        "apertium+freedict",
        apertium={"binary": "no-such-apertium-binary"},
        freedict={"dict_dir": dict_dir},
    )
    assert only_freedict.languages() == frozenset({"fr", "de"})
    alone = get_translator("freedict", dict_dir=dict_dir)
    text = ["Le gouvernement achète une maison."]
    assert only_freedict.translate(text, "fr") == alone.translate(text, "fr")
    with pytest.raises(BackendUnavailable, match=r"not installed.*dict-freedict"):
        get_translator(
            "apertium+freedict",
            apertium={"binary": "no-such-apertium-binary"},
            freedict={"dict_dir": tmp_path / "none"},
        )


def test_installed_apertium_plus_freedict_routes_each_language() -> None:
    apertium = _apertium()
    if "de" not in _installed_freedict():
        pytest.skip("dict-freedict-deu-eng is not installed")
    both = get_translator("apertium+freedict")
    assert both.languages() == apertium.languages() | frozenset(_installed_freedict())
    for lang in apertium.languages():
        assert isinstance(both.backend_for(lang), ApertiumBackend)
    assert type(both.backend_for("de")).__name__ == "FreeDictBackend"  # no Debian de-en pair
    assert both.backend_for("xx") is None
    assert both.translate(["Case bianche"], "xx") == [own_tokens("Case bianche", "xx")]
    [fr] = both.translate(["Les maisons blanches."], "fr")
    assert fr == apertium.translate(["Les maisons blanches."], "fr")[0]


# --------------------------------------------------------------------------- CTranslate2


def _tiny_model(directory: Path, src_vocab: list[str], tgt_vocab: list[str], favoured: str) -> Path:
    """A one-layer Transformer with random weights whose output projection strongly favours
    ``favoured``: whatever the input, the model writes that token."""
    np = pytest.importorskip("numpy")
    pytest.importorskip("ctranslate2")
    from ctranslate2.specs import TransformerSpec, model_spec

    d, ffn = 16, 32
    rng = np.random.default_rng(0)
    spec = TransformerSpec.from_config(num_layers=1, num_heads=2)

    def shape(name: str) -> tuple[int, ...]:
        parts = name.split("/")
        attr, owner = parts[-1], parts[-2]
        rows = {"weight": (d,), "bias": ()}[attr] if attr in ("weight", "bias") else ()
        if attr in ("gamma", "beta"):
            return (d,)
        if "embeddings" in name:
            return (len(src_vocab) if name.startswith("encoder") else len(tgt_vocab), d)
        if owner == "projection":
            out = len(tgt_vocab)
        elif "self_attention" in name:
            out = {"linear_0": 3 * d, "linear_1": d}[owner]
        elif "attention" in name:
            out = {"linear_0": d, "linear_1": 2 * d, "linear_2": d}[owner]
        elif owner == "linear_0":
            out = ffn
        else:
            return (d, ffn) if attr == "weight" else (d,)
        return (out, *rows)

    def fill(layer: object, name: str, value: object) -> None:
        if value is None:
            arr = rng.normal(0.0, 0.1, shape(name)).astype(np.float32)
            setattr(
                layer, name.split("/")[-1], np.ones_like(arr) if name.endswith("gamma") else arr
            )

    model_spec.visit_spec(spec, fill)
    bias = np.full(len(tgt_vocab), -10.0, dtype=np.float32)
    bias[tgt_vocab.index(favoured)] = 10.0
    spec.decoder.projection.bias = bias
    spec.register_source_vocabulary(src_vocab)
    spec.register_target_vocabulary(tgt_vocab)
    spec.validate()
    directory.mkdir(parents=True, exist_ok=True)
    spec.save(str(directory))
    return directory


SPECIALS = ["<blank>", "<s>", "</s>", "<unk>"]


def test_ctranslate2_loads_generated_models_per_language(tmp_path: Path) -> None:
    src = [*SPECIALS, "bonjour", "le", "monde", "hallo", "welt"]
    tgt = [*SPECIALS, "hello", "world", "cat"]
    _tiny_model(tmp_path / "models" / "fr", src, tgt, favoured="world")
    _tiny_model(tmp_path / "models" / "opus-mt-de-en", src, tgt, favoured="cat")
    backend = get_translator("ctranslate2", model_dir=tmp_path / "models")
    assert backend.languages() == frozenset({"fr", "de"})
    texts = ["Bonjour le monde. Le monde est grand !", "", "Bonjour."]
    fr = backend.translate(texts, "fr")
    assert len(fr) == 3 and fr[1] == []
    assert fr[0] and fr[2] and {t for toks in fr for t in toks} == {"world"}
    assert len(fr[0]) > len(fr[2])  # two sentences translated, each up to its length cap
    assert {t for toks in backend.translate(["Hallo Welt"], "de") for t in toks} == {"cat"}
    assert backend.translate(["Hola mundos"], "es") == [own_tokens("Hola mundos", "es")]
    assert backend.translate(["Hello worlds"], "en") == [["hello", "world"]]
    only_fr = get_translator("ctranslate2", model_dir=tmp_path / "models", languages=["fr"])
    assert only_fr.languages() == frozenset({"fr"})


def test_ctranslate2_with_a_generated_sentencepiece_model(tmp_path: Path) -> None:
    spm = pytest.importorskip("sentencepiece")
    corpus = ["le chat noir mange la souris", "la maison blanche est grande", "the black cat"] * 20
    proto = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus), model_writer=proto, vocab_size=40,
        hard_vocab_limit=False, minloglevel=2,
    )  # fmt: skip
    sp = spm.SentencePieceProcessor(model_proto=proto.getvalue())
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    favoured = next(p for p in pieces if p.startswith("▁") and len(p) > 2)
    model = _tiny_model(tmp_path / "opus-mt-fr-en", pieces, pieces, favoured=favoured)
    (model / "source.spm").write_bytes(proto.getvalue())
    (model / "target.spm").write_bytes(proto.getvalue())
    backend = get_translator("ctranslate2", model_dir=model)
    assert backend.languages() == frozenset({"fr"})
    [out] = backend.translate(["Le chat noir mange la souris."], "fr")
    assert out and set(out) == {favoured.lstrip("▁").lower()}


def test_ctranslate2_model_dir_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tiny_model(tmp_path / "fr", [*SPECIALS, "a"], [*SPECIALS, "b"], favoured="b")
    monkeypatch.setenv("CURATE_CT2_MODEL_DIR", str(tmp_path))
    backend = get_translator("ctranslate2")
    assert backend.languages() == frozenset({"fr"})
    assert set(backend.translate(["a a"], "fr")[0]) == {"b"}


def test_ctranslate2_unavailable_reasons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ctranslate2")
    monkeypatch.delenv("CURATE_CT2_MODEL_DIR", raising=False)
    with pytest.raises(BackendUnavailable, match="model_dir"):
        get_translator("ctranslate2")
    with pytest.raises(BackendUnavailable, match="does not exist"):
        get_translator("ctranslate2", model_dir=tmp_path / "missing")
    with pytest.raises(BackendUnavailable, match="no CTranslate2 model"):
        get_translator("ctranslate2", model_dir=tmp_path)
    _tiny_model(tmp_path / "mystery", [*SPECIALS, "a"], [*SPECIALS, "b"], favoured="b")
    with pytest.raises(BackendUnavailable, match="source language"):
        get_translator("ctranslate2", model_dir=tmp_path / "mystery")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "model.bin").write_bytes(b"not a model")
    with pytest.raises(BackendUnavailable, match="cannot load"):
        get_translator("ctranslate2", model_dir=tmp_path / "broken", languages=["fr"])


def test_ctranslate2_helpers() -> None:
    assert language_of_dir("opus-mt-fr-en") == "fr"
    assert language_of_dir("fra-eng") == "fr"
    assert language_of_dir("de") == "de"
    assert language_of_dir("mul-en") is None and language_of_dir("models") is None
    text = "Il a dit « oui ». Puis il est parti !\nFin"
    assert split_sentences(text) == ["Il a dit « oui ».", "Puis il est parti !", "Fin"]


def test_optional_backends_are_registered() -> None:
    assert {"freedict", "apertium", "ctranslate2"} <= set(backend_names())
