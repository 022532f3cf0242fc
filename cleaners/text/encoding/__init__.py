"""Encoding repair: bytes to text, HTML entities, mojibake.

Three guarantees, each measured by a test:

* `decode_bytes` (`.bytes`) never raises and never inserts U+FFFD without saying so: valid
  UTF-8 is decoded as is; anything else is decoded by detection and the guess is logged.
* `repair_encoding` (`.mojibake`) decodes HTML entities (`.entities`, also double-escaped
  ones such as ``&amp;eacute;``) and repairs mojibake with ftfy, but does none of ftfy's
  typography: that is `cleaners.text.typography`'s job.
* Correct text comes back unchanged, byte for byte.

`needs_ftfy` and `is_bad` (`.detector`) answer ftfy's mojibake detector's question exactly,
and much faster on clean text.

`binary_reason` (`.binary`) tells binary noise (random bytes, archives, images renamed ``.txt``)
from text in any script, with a one-line reason; `strip_controls` (`.controls`) removes control
characters and noncharacters from a text and logs them as one `EditKind.CONTROL` edit.
"""

from __future__ import annotations

from cleaners.text.encoding.binary import binary_reason, is_binary
from cleaners.text.encoding.bytes import decode_bytes
from cleaners.text.encoding.controls import strip_controls
from cleaners.text.encoding.detector import is_bad, needs_ftfy
from cleaners.text.encoding.entities import decode_entities
from cleaners.text.encoding.mojibake import repair_encoding

__all__ = [
    "binary_reason",
    "decode_bytes",
    "decode_entities",
    "is_bad",
    "is_binary",
    "needs_ftfy",
    "repair_encoding",
    "strip_controls",
]
