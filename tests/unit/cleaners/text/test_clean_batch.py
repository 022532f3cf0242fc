"""`cleaners.text.clean.clean_batch`: `clean_text` over a batch, a repeated text cleaned once."""

from __future__ import annotations

import pytest

from cleaners.text import clean
from tests.support.data import SAMPLES


def _samples() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLES.glob("*.txt"))]
    assert len(texts) >= 2, f"the sample articles are missing from {SAMPLES}"
    # a page with markup, mojibake and a promo line, so that the results carry edits
    page = ("<html><head><title>Le conseil vote</title></head><body><article><p>Le conseil "
            "municipal a votÃ© mardi la rÃ©novation du vieux pont.</p><p>A (re)lire : Un autre "
            "sujet sans rapport</p><p>Les travaux commenceront au printemps et dureront deux "
            "ans, selon la mairie, qui a prÃ©sentÃ© le projet aux habitants.</p></article>"
            "</body></html>")
    return [*texts, page]


def test_a_batch_is_each_text_cleaned_in_order() -> None:
    texts = _samples()
    hints = ["en", None, "fr"][: len(texts)] + [None] * (len(texts) - 3)
    batch = clean.clean_batch(texts, hints)
    alone = [clean.clean_text(t, h) for t, h in zip(texts, hints, strict=True)]
    assert batch == alone
    assert all(result.edits for result in batch[-1:]), "the page's cleaning made no edit"


def test_a_repeated_text_is_cleaned_once_and_each_row_has_its_own_edits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _samples()
    page = texts[-1]
    batch_texts = [page, texts[0], page, texts[0], page]
    hints = ["fr", None, "fr", None, None]  # the last: the same text with another hint
    calls: list[tuple[str, str | None]] = []
    real = clean.clean_text

    def counted(text: str, lang: str | None = None, *args: object,
                **kwargs: object) -> clean.CleanResult:
        calls.append((text, lang))
        return real(text, lang, *args, **kwargs)

    monkeypatch.setattr(clean, "clean_text", counted)
    results = clean.clean_batch(batch_texts, hints)
    assert calls == [(page, "fr"), (texts[0], None), (page, None)]
    assert results == [real(t, h) for t, h in zip(batch_texts, hints, strict=True)]
    assert results[0] is not results[2] and results[0].edits is not results[2].edits
    results[0].edits.clear()  # a later step changing one row's edits leaves the other's
    assert results[2].edits == real(page, "fr").edits
