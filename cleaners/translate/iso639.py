"""ISO 639-3 <-> ISO 639-1 codes for the languages the optional backends' data uses.

FreeDict files and Apertium modes name languages with three-letter codes (``fra``, ``spa``)
or, for older Apertium pairs, two-letter ones (``fr``, ``es``); the pipeline speaks ISO 639-1.
"""

from __future__ import annotations

ISO639_3_TO_1: dict[str, str] = {
    "afr": "af", "ara": "ar", "arg": "an", "bel": "be", "bre": "br", "bul": "bg",
    "cat": "ca", "ces": "cs", "cym": "cy", "dan": "da", "deu": "de", "ell": "el",
    "eng": "en", "epo": "eo", "eus": "eu", "fin": "fi", "fra": "fr", "gla": "gd",
    "gle": "ga", "glg": "gl", "hin": "hi", "hrv": "hr", "hun": "hu", "ind": "id",
    "isl": "is", "ita": "it", "jpn": "ja", "kur": "ku", "lat": "la", "lit": "lt",
    "mkd": "mk", "nld": "nl", "nno": "nn", "nob": "nb", "nor": "no", "oci": "oc",
    "pol": "pl", "por": "pt", "ron": "ro", "rus": "ru", "san": "sa", "slk": "sk",
    "slv": "sl", "spa": "es", "srd": "sc", "srp": "sr", "swe": "sv", "swh": "sw",
    "tur": "tr", "ukr": "uk", "urd": "ur", "wol": "wo",
}  # fmt: skip

ISO639_1_TO_3: dict[str, str] = {v: k for k, v in ISO639_3_TO_1.items()}


def to_iso639_1(code: str) -> str | None:
    """The ISO 639-1 code for a two- or three-letter code (``fra`` -> ``fr``, ``fr`` -> ``fr``).

    Guarantees: lower-case result; ``None`` for a code this table does not know (a region or
    variant suffix such as ``_US`` is not accepted: callers strip it first).
    """
    code = code.lower()
    if len(code) == 2 and code.isalpha():
        return code
    return ISO639_3_TO_1.get(code)
