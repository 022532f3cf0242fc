"""German compounds the lexicon lacks, translated by their head (`cleaners.translate.compounds`)."""

from __future__ import annotations

import dataclasses

import pytest

from cleaners.dedup import DEFAULT_FINGERPRINT
from cleaners.dedup.fingerprint import document_shingles
from cleaners.translate.compounds import compound_head
from cleaners.translate.embedded import EmbeddedTranslator, load_lexicon


@pytest.fixture(scope="module")
def tr() -> EmbeddedTranslator:
    return EmbeddedTranslator()


@pytest.mark.parametrize(("word", "head"), [
    ("Schuldenkrise", "crisis"),              # debt crisis
    ("Kampagnenfinanzierung", "financing"),   # campaign financing
    ("Schuldenkrisen", "crisis"),             # inflected: the head's lemma
    ("Regierungswechsel", "change"),          # change of government, after the linking s
])
def test_a_compound_the_lexicon_lacks_takes_its_heads_translation(
        tr: EmbeddedTranslator, word: str, head: str) -> None:
    assert tr.lookup(word, "de") is None, f"{word} is in the lexicon: pick another example"
    assert tr.head_of(word, "de") == head


def test_known_words_other_languages_and_non_words_have_no_head(tr: EmbeddedTranslator) -> None:
    assert tr.head_of("Regierung", "de") is None        # the lexicon knows it
    assert tr.head_of("Schuldenkrise", "fr") is None    # not a compounding language
    assert tr.head_of("Covid19krise", "de") is None     # not all letters
    assert compound_head("abcdef", "de", lambda part, lang: "x") is None  # under 3 + 4 letters
    # the longest known head wins, and the modifier keeps at least three letters
    seen: list[str] = []
    assert compound_head("abcdefgh", "de", lambda part, lang: seen.append(part)) is None
    assert seen == ["Defgh", "Efgh"]
    assert load_lexicon("de")


def test_the_fingerprint_shares_the_head_with_the_english_text() -> None:
    de = "Die Schuldenkrise und die Kampagnenfinanzierung beschäftigen das Parlament."
    en = "The debt crisis and campaign financing occupy parliament."
    tr = EmbeddedTranslator()
    with_heads = document_shingles([de, en], ["de", "en"], DEFAULT_FINGERPRINT, tr)
    without = document_shingles([de, en], ["de", "en"],
                                dataclasses.replace(DEFAULT_FINGERPRINT, compound_heads=False), tr)
    assert {"crisis", "financing"} <= with_heads[0] & with_heads[1]
    assert not {"crisis", "financing"} & without[0]
    assert with_heads[1] == without[1], "English text is not touched"
