"""The embedded (default, offline) translation backend on real sentences."""

from __future__ import annotations

import gzip
from importlib import resources

import pytest

from cleaners.translate import Translator
from cleaners.translate.embedded import EmbeddedTranslator, lexicon_languages, load_lexicon
from flows.backends import backend_names, get_translator


@pytest.fixture(scope="module")
def tr() -> Translator:
    return get_translator("embedded")


def test_registered_and_conforms(tr: Translator) -> None:
    assert "embedded" in backend_names()
    assert isinstance(tr, Translator) and isinstance(tr, EmbeddedTranslator)
    assert {"fr", "de", "es"} <= tr.languages() and "en" not in tr.languages()


def test_lexicon_files_are_well_formed() -> None:
    for lang in ("fr", "de", "es"):
        assert lang in lexicon_languages()
        raw = resources.files("cleaners").joinpath("data", "lexicon", f"{lang}.tsv.gz").read_bytes()
        lines = [ln for ln in gzip.decompress(raw).decode("utf-8").splitlines() if not ln.startswith("#")]
        assert len(lines) > 5000
        assert all(ln.count("\t") == 1 for ln in lines)
        table = load_lexicon(lang)
        assert all(v == v.lower() and v.isascii() for v in table.values())


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("fr", "Le gouvernement a publié un nouveau rapport sur la santé des enfants.",
         {"government", "report", "health", "new"}),
        ("de", "Die Regierung hat einen neuen Bericht über die Gesundheit der Kinder veröffentlicht.",
         {"government", "report", "health", "new"}),
        ("es", "El gobierno ha publicado un nuevo informe sobre la salud de los niños.",
         {"government", "report", "health", "new"}),
    ],
)
def test_translates_content_words(tr: Translator, lang: str, text: str, expected: set[str]) -> None:
    (tokens,) = tr.translate([text], lang)
    assert expected <= set(tokens), sorted(set(tokens))


def test_names_numbers_and_acronyms_pass_through(tr: Translator) -> None:
    (tokens,) = tr.translate(["Barack Obama a rencontré l'OTAN à Bruxelles le 12 mai 2012 : 3 000 soldats."], "fr")
    assert {"barack", "obama", "otan", "12", "2012", "3000"} <= set(tokens)


def test_english_and_unknown_languages_give_own_tokens(tr: Translator) -> None:
    en = "The Presidents met in Zürich"
    assert tr.translate([en], "en") == [["the", "president", "meet", "in", "zurich"]]
    assert tr.translate(["Zürich 2012"], "und") == [["zurich", "2012"]]


def test_shape_order_and_determinism(tr: Translator) -> None:
    texts = ["Le chat dort.", "", "La maison est grande."]
    out = tr.translate(texts, "fr")
    assert len(out) == 3 and out[1] == []
    assert out == tr.translate(texts, "fr")
    assert all(t == t.lower() for toks in out for t in toks)
