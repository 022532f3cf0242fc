"""Mojibake repair with ftfy's encoding fixes only, and `repair_encoding`, the whole repair.

`repair_encoding` decodes HTML entities (`cleaners.text.encoding.entities`) and repairs mojibake
with ftfy, but does none of ftfy's typography (no quote uncurling, no ligature or width folding,
no Unicode normalisation: typography is `cleaners.text.typography`'s job). Correct text comes
back unchanged, byte for byte.

Speed: ftfy is only called on lines `needs_ftfy` flags, and within ftfy's fix loop its
encoding step is only run when `is_bad` (ftfy's detector, answered fast) says it could change
something; see `_ftfy_fix`.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

import ftfy
from ftfy.badness import badness
from ftfy.fixes import fix_c1_controls, fix_surrogates

from cleaners.edits import Edit, EditKind
from cleaners.text.encoding.detector import is_bad, needs_ftfy
from cleaners.text.encoding.entities import decode_entities

__all__ = ["FTFY_CONFIG", "repair_encoding"]

#: ftfy's encoding fixes only: mojibake (with its subordinate byte-level repairs), C1 controls
#: and surrogates. Everything else in ``ftfy.fix_text`` (quote uncurling, ligatures, character
#: width, line breaks, control-character removal, NFC) is off: it changes correct text.
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,  # done by decode_entities, which also handles double escaping
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=True,
)

#: The fixers `FTFY_CONFIG` turns on after the encoding step, in ``ftfy.fix_and_explain``'s
#: order (unescape_html, which would come first, and normalization, last, are off).
_AFTER_ENCODING = (("fix_c1_controls", fix_c1_controls), ("fix_surrogates", fix_surrogates))

_Plan = list[ftfy.ExplanationStep]


def _fix_encoding(text: str, plan: _Plan) -> str:
    """``ftfy.fix_encoding_and_explain(text, FTFY_CONFIG)``, its steps appended to ``plan``.

    ftfy's loop, with ftfy's own one-step function; that function returns the text unchanged
    and an empty plan when ftfy's detector clears it, so it is only called when `is_bad` (the
    same answer, faster) does not.
    """
    while True:
        previous = text
        if is_bad(text):
            text, steps = ftfy._fix_encoding_one_step_and_explain(text, FTFY_CONFIG)
            plan.extend(steps)
        if text == previous:
            return text


def _ftfy_fix(line: str) -> tuple[str, _Plan]:
    """``ftfy.fix_and_explain(line, FTFY_CONFIG)``: the same text and plan (tested on ftfy's
    eval cases and on WMT text with mojibake).

    ftfy's own loop asks its detector, a regular expression over the whole line, before and
    after every re-decoding, most often of text that is by then correct. This loop is ftfy's,
    for `FTFY_CONFIG`, with the detector's question answered by `is_bad` first (see
    `_fix_encoding`): nothing is patched into ftfy.
    """
    plan: _Plan = []
    while True:
        start = line
        line = _fix_encoding(line, plan)
        for name, fixer in _AFTER_ENCODING:
            fixed = fixer(line)
            if fixed != line:
                plan.append(ftfy.ExplanationStep("apply", name))
                line = fixed
        if line == start:
            return line, plan


def _plan_name(steps: _Plan) -> str:
    """A plan as logged: ``encode sloppy-windows-1252, decode utf-8``."""
    return ", ".join(f"{step.action} {step.parameter}" for step in steps)


_Layer = tuple[tuple[str, str], ...]


def _layers(steps: _Plan) -> list[_Layer]:
    """A plan cut into single re-decodings ``(encode X, [transcode...], decode utf-8)``.

    Only plans made purely of such layers count; a character-level patch (``apply
    decode_inconsistent_utf8``, ``transcode fix_c1_controls`` alone) gives none.
    """
    layers: list[_Layer] = []
    current: list[tuple[str, str]] = []
    for step in steps:
        if step.action not in ("encode", "decode", "transcode"):
            return []
        current.append(tuple(step))
        if step.action == "decode":
            if current[0][0] != "encode" or not step.parameter.startswith("utf-8"):
                return []
            layers.append(tuple(current))
            current = []
    return layers if not current else []


_MAX_LAYERS = 3  # mojibake of mojibake of mojibake is the most seen in the wild


def _fix_mojibake(text: str, plans: Counter[str]) -> str:
    """ftfy on each line it flags; then the document's own re-decoding on the other lines.

    ftfy judges each line alone, and a short line can hide its mojibake from the detector
    (``Å\u00a0imon`` for ``Šimon``), or keep one layer of a double encoding (``ÄŒedok``).
    When ftfy has repaired lines of a document by re-reading them as UTF-8, every non-ASCII
    line of that document is offered the same single re-decodings, up to three times; one is
    kept only if all its steps succeed (the bytes are valid UTF-8, which correct Latin text
    essentially never is) and ftfy's badness score does not rise.
    """
    if not needs_ftfy(text):
        return text
    lines = text.split("\n")  # ftfy.fix_text's segments: lines, split on "\n" only
    layers: list[_Layer] = []
    for i, line in enumerate(lines):
        if not needs_ftfy(line):
            continue
        fixed, steps = _ftfy_fix(line)
        if fixed != line:
            plans[_plan_name(steps)] += 1
            lines[i] = fixed
            layers.extend(layer for layer in _layers(steps) if layer not in layers)
    for i in range(len(lines)) if layers else ():
        line = start = lines[i]
        for _ in range(_MAX_LAYERS):
            if line.isascii():
                break
            for layer in layers:
                try:
                    fixed = ftfy.apply_plan(line, list(layer))
                except (UnicodeError, ValueError):
                    continue
                if fixed != line and badness(fixed) <= badness(line):
                    line = fixed
                    break
            else:
                break
        if line != start:
            plans["re-decoded as UTF-8 like the document's other lines"] += 1
            lines[i] = line
    return "\n".join(lines)


def repair_encoding(text: str, entities: Literal["all", "characters", "none"] = "all",
                    ) -> tuple[str, list[Edit]]:
    """Decode HTML entities and repair mojibake; leave correct text exactly as it is.

    * Mojibake: each line that ftfy's detector flags is fixed as ``ftfy.fix_and_explain``
      with `FTFY_CONFIG` fixes it (UTF-8 read as Windows-1252/Latin-1/MacRoman/…, double
      encoding, mixed lines, C1 controls, surrogates); other non-ASCII lines of a document that
      ftfy re-decoded get the same plan when it applies cleanly (see `_fix_mojibake`). Logged
      as ``Edit(EditKind.ENCODING, "mojibake repaired by ftfy (<plan>) xN line(s)")``.
    * Entities: `decode_entities` (``&eacute;``, ``&rsquo;``, ``&#8217;``, ``&nbsp;``,
      double-escaped ``&amp;eacute;``), logged as an `EditKind.ENTITY` edit. Mojibake is
      repaired before (``Ã&copy;`` is damage around an entity) and again after decoding
      (``&Atilde;&copy;`` is damage inside entities). ``entities="none"`` leaves them to an
      HTML parser (markup is parsed before it is decoded); ``"characters"`` is for the text a
      parser produced: ``&lt;``, ``&gt;`` and ``&amp;`` left there were written as literal
      text and stay, other references (a CMS's double escaping) are decoded.
    * No typography: curly quotes, ligatures, widths and normalisation form are untouched.
    * Fast path: text that `needs_ftfy` clears and that has no ``&`` is returned as is,
      without calling ftfy.
    * Never raises on any ``str``; changes no global state (ftfy is called, never patched).
    """
    plans: Counter[str] = Counter()
    text = _fix_mojibake(text, plans)
    edits: list[Edit] = []
    if "&" in text and entities != "none":
        text, edits = decode_entities(text, keep_markup=entities == "characters")
        if edits:
            text = _fix_mojibake(text, plans)
    for plan, count in plans.items():
        detail = f"mojibake repaired by ftfy ({plan}) x{count} line(s)"
        edits.append(Edit(EditKind.ENCODING, detail))
    return text, edits
