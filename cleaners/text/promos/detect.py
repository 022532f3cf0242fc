"""Finding and removing interstitial promo lines: `find_promo_lines`, `strip_promos`.

Signals, from strongest to weakest:

1. **Pattern** (``line``/``call``/``list``/``lead`` rules, `cleaners.text.promos.rules`): the
   line is boilerplate, a call to the reader, a list header, or a lead-in followed by a
   headline.
2. **Weak lead-in + unrelated headline** (``weak`` rules, "Vidéo : …"): removed only when
   the headline shares no content word with the rest of the article
   (`cleaners.text.promos.vocabulary`). Likewise, after a list header ("Related Stories"), a
   run of 2 to 5 headline-shaped lines that share no content word with the article (a single
   one could be the article's own subheading, unless it shares the header's block:
   "LIRE AUSSI" + line break + title).
3. **Structure alone**: a short "Label : Headline" line in French typography (space
   before the colon), standing between two prose paragraphs of a long enough article,
   sharing no content word with it (the seed's "Énurésie : Des astuces pour …" line).
   Headline-shaped lines in other shapes are never removed on structure alone: on the
   trafilatura evaluation set, real article lines like "Presseförderung: Studie zweifelt
   an Stütze vom Staat" are indistinguishable from promos without their own article.
4. **Blocks** (`cleaners.text.promos.blocks`): a heading ("Lesen Sie auch", "Related
   Stories", "À lire, à voir") followed by a run of 2+ headline-like lines (3+ when prose
   follows), the linked titles, removed whole with one edit, whether or not the titles share
   words with the article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from cleaners.edits import Edit, EditKind
from cleaners.lang.langid import LanguageModel
from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer
from cleaners.text.promos.blocks import PromoBlock, find_promo_blocks
from cleaners.text.promos.rules import (
    SENTENCE_END,
    load_promo_rules,
    match,
    normalise,
    promo_language,
)
from cleaners.text.promos.vocabulary import LeftOut, Vocabulary

__all__ = ["find_promo_lines", "strip_promos"]

#: After a list header, at most this many following headline lines are removed…
MAX_LIST_FOLLOWERS = 5
#: …and only when there are at least this many (a list, not a subheading).
MIN_LIST_FOLLOWERS = 2
#: The structural signal needs this many content words in the rest of the article.
MIN_ARTICLE_CONTENT_WORDS = 80
#: …and prose neighbours: paragraphs of at least this many words.
MIN_NEIGHBOUR_WORDS = 12

_FRENCH_LABEL = re.compile(
    r"^(?P<label>[^\W\d_][\w'’-]*(?:\s[\w'’-]+){0,2})\s+:\s+(?P<head>[\"«“]?\s*[^\W\d_].*)$"
)


def _headline_shaped(line: str) -> bool:
    """1 to 20 words, at most 160 characters, not ending like a sentence or a lead-in."""
    s = normalise(line)
    n = len(s.split())
    return 1 <= n <= 20 and len(s) <= 160 and not SENTENCE_END.search(s) and not s.endswith(":")


def _is_prose(line: str) -> bool:
    """A paragraph of `MIN_NEIGHBOUR_WORDS` words or more that ends like a sentence."""
    s = line.strip()
    return len(s.split()) >= MIN_NEIGHBOUR_WORDS and s[-1:] in '.!?»"”)…'


def find_promo_lines(lines: Sequence[str], lang: str | None = None,
                     lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER, *,
                     blocks: bool = True, calls: bool = True,
                     langid_model: LanguageModel | None = None) -> dict[int, str]:
    """Indices of the promo lines among ``lines`` (one paragraph or line each), with the
    reason (``line``, ``call``, ``list``, ``lead``, ``weak``, ``follower``, ``structure``,
    ``block``).

    Guarantees: blank lines are never promos; ``lang`` is read as `load_promo_rules` reads
    it (``'pt_BR'`` gets the Portuguese rules and vocabulary); a line is ``block`` only when
    no line signal found it; ``blocks=False`` leaves signal 4 out (the line signals alone);
    ``calls=False`` leaves the ``call`` rules out. ``langid_model`` (default
    `cleaners.lang.langid.bundled_model`) guesses the lines' language for their vocabulary when
    ``lang`` names no promo language. See the module docstring for the four signals.
    """
    found, _blocks = _find(lines, lang, lemmatizer, blocks, calls, langid_model)
    return found


def _find(lines: Sequence[str], lang: str | None, lemmatizer: Lemmatizer,
          with_blocks: bool = True, calls: bool = True, langid_model: LanguageModel | None = None,
          ) -> tuple[dict[int, str], list[PromoBlock]]:
    """The promo lines (index -> reason) and the promo blocks among ``lines``."""
    found = _find_lines(lines, lang, lemmatizer, calls, langid_model)
    if not with_blocks:
        return found, []
    blocks = find_promo_blocks(lines, lang, found, lemmatizer, langid_model)
    for block in blocks:
        for i in block.lines:
            found.setdefault(i, "block")
    return dict(sorted(found.items())), blocks


def _find_lines(lines: Sequence[str], lang: str | None, lemmatizer: Lemmatizer,
                calls: bool = True, langid_model: LanguageModel | None = None) -> dict[int, str]:
    """Signals 1 to 3 (the line signals) over ``lines``."""
    rules = load_promo_rules(lang)
    if not calls:
        rules = rules.without_calls()
    found: dict[int, str] = {}
    weak: dict[int, str] = {}
    headers: list[int] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = match(line, rules)
        if m is None:
            continue
        if m.kind == "weak":
            weak[i] = m.headline
            continue
        found[i] = m.kind
        if m.kind == "list" or (m.kind == "lead" and not m.headline):
            headers.append(i)

    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    # paragraphs separated by blank lines (most gaps are): a single newline then joins
    # lines of one block
    gaps = [b - a for a, b in pairwise(nonblank)]
    has_blank_lines = bool(gaps) and sum(g > 1 for g in gaps) >= 0.8 * len(gaps)
    vocab = Vocabulary(lines, promo_language(lang), lemmatizer, langid_model)
    # the lines found so far, which each judgment below leaves out of the article
    left_out = LeftOut(vocab, found)

    def add(i: int, reason: str) -> None:
        found[i] = reason
        left_out.add(i)

    # 2. weak lead-ins with an unrelated headline (only in an article long enough to judge)
    for i, head in weak.items():
        if left_out.content_count(i) < MIN_ARTICLE_CONTENT_WORDS:
            continue
        if left_out.unrelated(head, i):
            add(i, "weak")

    # list headers: following headline lines unrelated to the article
    # (a list is 2+ such lines: one line could be the article's own subheading)
    position = {i: k for k, i in enumerate(nonblank)}
    for h in headers:
        followers: list[int] = []
        for q in range(position[h] + 1, len(nonblank)):  # (no copy of the rest per header)
            j = nonblank[q]
            if j in found or len(followers) >= MAX_LIST_FOLLOWERS:
                break
            if (
                not _headline_shaped(lines[j])
                or left_out.content_count(j) < MIN_ARTICLE_CONTENT_WORDS
                or not left_out.unrelated(lines[j], j)
            ):
                break
            followers.append(j)
        # one line is enough when it sits in the header's own paragraph ("LIRE AUSSI"
        # <br> "Le titre"), in a text whose paragraphs are separated by blank lines
        same_block = bool(followers) and followers[0] == h + 1 and has_blank_lines
        if len(followers) < MIN_LIST_FOLLOWERS:
            followers = followers[:1] if same_block else []
        for j in followers:
            add(j, "follower")

    # 3. structure alone: "Label : Headline" (French colon) between prose paragraphs
    for k, i in enumerate(nonblank):
        if i in found or k == 0 or k == len(nonblank) - 1:
            continue
        if len(lines[i]) > 200 or len(lines[i].split()) > 15:
            continue
        s = normalise(lines[i])
        n = len(s.split())
        if not (4 <= n <= 15 and len(s) <= 140) or SENTENCE_END.search(s):
            continue
        m = _FRENCH_LABEL.match(s)
        if not m or not m.group("label")[:1].isupper():
            continue
        head = m.group("head").lstrip('"«“ ')
        if not head[:1].isupper():
            continue
        prev_i, next_i = nonblank[k - 1], nonblank[k + 1]
        if not (_is_prose(lines[prev_i]) and _is_prose(lines[next_i])):
            continue
        if left_out.content_count(i) < MIN_ARTICLE_CONTENT_WORDS:
            continue
        if left_out.unrelated(lines[i], i):
            add(i, "structure")
    return dict(sorted(found.items()))


def strip_promos(text: str, lang: str | None = None,
                 lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER, *,
                 blocks: bool = True, calls: bool = True,
                 langid_model: LanguageModel | None = None) -> tuple[str, list[Edit]]:
    """Remove interstitial promo lines and promo blocks from plain text.

    Works line by line (paragraphs separated by ``\\n`` or ``\\n\\n``). ``lang`` selects
    one language's patterns (``'fr'``, ``'fr-FR'``, ``'pt_BR'``) plus the English ones; None,
    or a language without a pattern file, uses every shipped language. Guarantees: only whole
    lines are removed, never part of a line; every other line is returned unchanged and in order;
    one ``Edit(EditKind.PROMO, <the removed line>)`` per removed line outside a block, and one
    ``Edit(EditKind.PROMO, <the block's lines, heading first, joined by "\\n">)`` per removed
    block (`cleaners.text.promos.blocks`), in text order; a blank line left doubled by a
    removal is collapsed. ``blocks=False`` removes the promo lines alone, never a block (the
    baseline `benchmarks/promos.py --pages` compares with). ``calls=False`` leaves the ``call``
    rules out (calls to the reader longer than a ``line`` rule takes: `clean_text` looks for
    them in text that was markup only, see `cleaners.text.promos.rules.MAX_LINE_WORDS`).
    ``langid_model``: as in `find_promo_lines`.
    """
    if not text.strip():
        return text, []
    lines = text.split("\n")
    found, found_blocks = _find(lines, lang, lemmatizer, blocks, calls, langid_model)
    if not found:
        return text, []
    in_block = {i: b for b in found_blocks for i in b.lines}
    edits = [
        Edit(EditKind.PROMO, in_block[i].detail(lines) if i in in_block else lines[i].strip())
        for i in found
        if i not in in_block or in_block[i].heading == i
    ]
    kept: list[str] = []
    removed_since_kept = False
    for i, line in enumerate(lines):
        if i in found:
            removed_since_kept = True
            continue
        if removed_since_kept and not line.strip() and (not kept or not kept[-1].strip()):
            continue  # the removal left two blank lines (or a leading blank) in a row
        kept.append(line)
        removed_since_kept = False
    if kept and not kept[-1].strip() and lines[-1].strip():
        kept.pop()  # the removal left a trailing blank line
    return "\n".join(kept), edits
