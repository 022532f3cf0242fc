"""Language identification (cleaners.langid) on real text."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaners.langid import detect_languages, model_languages, parse_hint

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

SENTENCES = {
    "en": "The two-day forum is very timely, said the under-secretary-general of the United Nations.",
    "fr": "Le forum de deux jours est très opportun, a déclaré le secrétaire général adjoint des Nations unies.",
    "de": "Das zweitägige Forum kommt zur rechten Zeit, sagte der Untergeneralsekretär der Vereinten Nationen.",
    "es": "El foro de dos días es muy oportuno, dijo el secretario general adjunto de las Naciones Unidas.",
}


def test_detects_the_four_pivot_languages() -> None:
    langs = list(SENTENCES)
    assert detect_languages([SENTENCES[k] for k in langs]) == langs


def test_empty_and_contentless_text_is_und() -> None:
    assert detect_languages(["", "   ", "12 345 — 678", "!!!"]) == ["und"] * 4


def test_hint_is_used_for_short_text_and_overruled_when_contradicted() -> None:
    fr = SENTENCES["fr"]
    assert detect_languages(["Bonjour", "Hallo"], ["fr-FR", "de_DE"]) == ["fr", "de"]
    # A source that tags everything 'en' does not turn a French article into English.
    assert detect_languages([fr], ["en-US"]) == ["fr"]
    # A plausible hint is kept.
    assert detect_languages([fr], ["fr"]) == ["fr"]


def test_malformed_hints_are_ignored() -> None:
    assert parse_hint("fr-FR") == "fr" and parse_hint("PT_br") == "pt"
    assert parse_hint("fra") is None and parse_hint("") is None and parse_hint(None) is None
    assert detect_languages([SENTENCES["de"]], ["und"]) == ["de"]


def test_hints_length_must_match() -> None:
    with pytest.raises(ValueError):
        detect_languages(["a", "b"], ["en"])


def test_model_labels_are_codes() -> None:
    labels = model_languages()
    assert {"en", "fr", "de", "es"} <= labels and "zxx" not in labels


def test_seed_articles() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is absent: the seed articles live in ../shared/seeds")
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("0*.txt"))]
    assert detect_languages(texts) == ["en", "fr"]
