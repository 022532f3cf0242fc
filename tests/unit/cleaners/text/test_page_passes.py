"""Properties of the merge of trafilatura's two passes (`combine_passes`), on random passes
made of the same small vocabulary, so that lines repeat, split, join and hold each other."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.text.page_passes import PROSE_MIN_WORDS, SENTENCE_END, combine_passes

WORDS = ["yes", "no", "Key", "figures", "the", "tram", "2.5", "25", "Yesterday", "don't",
         "-", "/", "council", "budget", "İstanbul", "北京", "交通", "ok", "Reply"]
_WORD = re.compile(r"\w+")

line = st.lists(st.sampled_from(WORDS), min_size=1, max_size=10).map(" ".join) | st.lists(
    st.sampled_from(WORDS), min_size=PROSE_MIN_WORDS, max_size=14).map(" ".join).map(
    lambda text: text + ".")
passes = st.lists(line, min_size=1, max_size=12).flatmap(lambda lines: st.tuples(
    st.just(lines),
    st.lists(st.sampled_from(lines) | line, max_size=16)))


def _words(text: str) -> set[str]:
    return {word.casefold() for word in _WORD.findall(text)}


@settings(max_examples=400, deadline=None)
@given(passes)
def test_the_merge_loses_no_word_and_makes_up_no_line(pair: tuple[list[str], list[str]]) -> None:
    precise_lines, broad_lines = pair
    precise, broad = "\n".join(precise_lines), "\n".join(broad_lines)
    merged = combine_passes(precise, broad)
    # every line comes from one of the passes
    assert set(merged.split("\n")) <= set(precise_lines) | set(broad_lines) | {""}
    if merged == precise:
        return
    # every word of the precision pass, and of every default-pass line read as prose, is kept
    kept = _words(merged)
    assert _words(precise) <= kept
    for text in broad_lines:
        if len(text.split()) >= PROSE_MIN_WORDS and text.endswith(SENTENCE_END):
            assert _words(text) <= kept, text


#: Lines of a page none of which holds another's words: each pass keeps some, in page order.
PAGE = [f"{word} paragraph number {i} of the story" + ("." if i % 3 else "")
        for i, word in enumerate(["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot",
                                  "Golf", "Hotel", "India", "Juliet", "Kilo", "Lima"])] + [
    "Yes", "No", "Price", "Reply", "Waterproof", "2 days"]
ordered = st.sets(st.sampled_from(range(len(PAGE))), max_size=len(PAGE)).map(sorted)


@settings(max_examples=400, deadline=None)
@given(ordered.filter(bool), ordered)
def test_passes_in_page_order_merge_in_page_order(precise_at: list[int],
                                                  broad_at: list[int]) -> None:
    # both passes keep some of the page's lines in the page's order, none twice: the merge
    # keeps that order and shows each line once
    precise = [PAGE[i] for i in precise_at]
    merged = combine_passes("\n".join(precise), "\n".join(PAGE[i] for i in broad_at))
    if merged == "\n".join(precise):
        return
    at = [PAGE.index(text) for text in merged.split("\n")]
    assert at == sorted(set(at)), merged
