"""Language identification (cleaners.lang.langid) on real text."""

from __future__ import annotations

import pytest

from cleaners.lang.langid import detect_languages, model_languages, parse_hint
from tests.support.data import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"

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


WMT = SEEDS.parent / "eval" / "wmt"
SCRIPTS = [
    "Москва заявила, что переговоры продолжатся на следующей неделе в Женеве.",
    "Η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία της χώρας.",
    "政府宣布了新的经济措施，以应对通货膨胀。",
    "أعلنت الحكومة عن إجراءات جديدة لدعم الاقتصاد الوطني.",
    "THE GOVERNMENT ANNOUNCED NEW MEASURES ON TUESDAY.",
    "12 345 — 678", "", "🙂🙂🙂", "a\udcff surrogate",
    "Le forum de deux jours est très opportun.\n" * 40,
]


def test_batch_scoring_equals_py3langid_rank() -> None:
    """The vectorised scorer gives py3langid's own probabilities, label by label."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from cleaners.lang.langid import SAMPLE_CHARS, bundled_model, language_probabilities

    texts = list(SCRIPTS) + list(SENTENCES.values())
    if WMT.is_dir():
        for path in sorted(WMT.glob("newstest2013-src.*.sgm")):
            lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.startswith("<seg")]
            texts += [" ".join(lines[i : i + 12]) for i in range(0, 240, 12)]
    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    samples = [t[:SAMPLE_CHARS] for t in texts]
    probs = language_probabilities(samples)
    labels = bundled_model().labels
    assert probs.shape == (len(samples), len(labels))
    for sample, row in zip(samples, probs, strict=True):
        expected = dict(reference.rank(sample))
        assert [expected[label] for label in labels] == pytest.approx(row.tolist(), abs=1e-6)
        assert labels[int(row.argmax())] == reference.classify(sample)[0]


def test_the_model_is_read_as_py3langid_reads_it() -> None:
    """`bundled_model` reads py3langid's archive itself: the automaton, outputs,
    probabilities, labels and aliases of py3langid's own ``LanguageIdentifier``; and
    `model_from_npz` refuses bytes that are no such archive."""
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from cleaners.lang.langid import bundled_model, model_from_npz

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    model = bundled_model()
    assert model.nextmove.tolist() == list(reference.tk_nextmove)
    assert model.rowbase.tolist() == reference._rowbase
    assert model.output.tolist() == list(reference.tk_output)
    assert np.array_equal(model.ptc, np.asarray(reference.nb_ptc, dtype=np.float32))
    assert np.array_equal(model.pc, np.asarray(reference.nb_pc, dtype=np.float32))
    assert model.aliases == tuple(reference._alias_pairs)
    assert list(model.labels) == list(dict.fromkeys(reference.nb_classes))
    with pytest.raises(ValueError, match="pickled"):
        model_from_npz(b"not an archive")
    with pytest.raises(ValueError, match="not a language-id model archive"):
        model_from_npz(b"PK\x03\x04 an archive cut short")


def test_batch_scoring_keeps_featureless_samples_uniform() -> None:
    """A sample without any feature gets py3langid's uniform row, whatever its neighbours."""
    from cleaners.lang.langid import bundled_model, language_probabilities

    probs = language_probabilities(["", "Le gouvernement a annoncé une réforme des retraites.", ""])
    assert probs.sum(axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    assert probs[0].tolist() == probs[2].tolist()
    assert probs[0].max() - probs[0].min() < 0.02  # spread only by merged aliases
    assert bundled_model().labels[int(probs[1].argmax())] == "fr"


def test_most_likely_label_is_py3langids_classify_on_whole_texts() -> None:
    """`most_likely_label` answers what py3langid's own ``classify`` answers for texts of a
    sentence or more (a word or two may differ for labels py3langid aliases, e.g. ``sr``,
    whose scores the shared model adds up)."""
    import py3langid

    from cleaners.lang.langid import most_likely_label

    texts = [s for s in SCRIPTS if len(s) > 20] + list(SENTENCES.values())
    if WMT.is_dir():
        for path in sorted(WMT.glob("newstest2012-src.*.sgm")):
            lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.startswith("<seg")]
            texts += lines[:300:3]
    assert len(texts) > 10
    assert [most_likely_label(t) for t in texts] == [py3langid.classify(t)[0] for t in texts]


def test_promo_vocabulary_guesses_the_language_without_a_second_model() -> None:
    """Guessing an article's language for its promo vocabulary does not load py3langid's
    own identifier (0.5-0.7 s in every worker process) besides the one language id keeps."""
    import subprocess
    import sys

    code = (
        "import py3langid.langid as L\n"
        "from cleaners.text.promos.vocabulary import Vocabulary\n"
        "v = Vocabulary(['Le gouvernement a annoncé une réforme des retraites.',"
        " 'Les syndicats appellent à la grève jeudi.'], None)\n"
        "assert v.content_count(set()) > 0\n"
        "print(v._lemma_lang, L.IDENTIFIER is None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout.split()
    assert out == ["fr", "True"]
