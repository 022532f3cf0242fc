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
"""

from __future__ import annotations

from cleaners.text.encoding.bytes import decode_bytes
from cleaners.text.encoding.detector import is_bad, needs_ftfy
from cleaners.text.encoding.entities import decode_entities
from cleaners.text.encoding.mojibake import repair_encoding

__all__ = ["decode_bytes", "decode_entities", "is_bad", "needs_ftfy", "repair_encoding"]
