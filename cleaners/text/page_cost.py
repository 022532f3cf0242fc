"""What a parsed page would cost trafilatura: the counts its time grows with faster than the
page does, and the bounds the main-text extraction (`cleaners.text.extract`) keeps them under.
Pure; each count is one walk of the tree."""

from __future__ import annotations

from typing import Any

__all__ = ["EXTRACT_MAX_CHILDREN", "EXTRACT_MAX_PARAGRAPH_ELEMENTS", "FALLBACK_MAX_CHILDREN",
           "too_costly_to_extract", "widest_element"]

#: A page with an element of more children is extracted without trafilatura's fallback
#: comparison (``fast``): its readability port is quadratic in a ``<div>``'s children (a flat
#: page of 20,000 ``<p>`` with text between them took 30 s, 3 s without it); the 506 shared
#: pages have at most 1,125 children to an element.
FALLBACK_MAX_CHILDREN = 2_000
#: Beyond these, trafilatura is not run and all visible text is kept (the edit says so), as
#: for a page where it finds too little: its cost grows faster than the page. Elements inside
#: ``<p>``s (the whole page's): libxml2 answers its ``//p//text()`` in time superquadratic in
#: their text nodes (8,000 ``<span>``s in one ``<p>``, 160 KB: 6 s; 1,000 paragraphs of 15
#: bold words: 13 s); the most on the 1,992 page files of the six measured sets is 3,810 (one
#: paragraph of 3,711 tag links), the next 2,685.
EXTRACT_MAX_PARAGRAPH_ELEMENTS = 5_000
#: Children of one element: trafilatura's text-node handling is superquadratic in a long run
#: of them (80,000 links in one ``<div>``, 2.4 MB: 19 s; 20,000: 2.3 s); the most on those
#: pages is 3,711.
EXTRACT_MAX_CHILDREN = 20_000


def widest_element(tree: Any) -> int:
    """The most children an element of ``tree`` has."""
    return max((len(node) for node in tree.iter()), default=0)


def too_costly_to_extract(tree: Any, widest: int) -> str | None:
    """Why trafilatura would cost more than the page is worth (`EXTRACT_MAX_CHILDREN`,
    `EXTRACT_MAX_PARAGRAPH_ELEMENTS`), or None. ``widest``: `widest_element` of ``tree``."""
    if widest > EXTRACT_MAX_CHILDREN:
        return f"an element holds {widest:,} children (more than {EXTRACT_MAX_CHILDREN:,})"
    inside = 0
    for paragraph in tree.iter("p"):
        inside += sum(1 for _ in paragraph.iterdescendants())
        if inside > EXTRACT_MAX_PARAGRAPH_ELEMENTS:
            return (f"its paragraphs hold more than {EXTRACT_MAX_PARAGRAPH_ELEMENTS:,} "
                    "elements")
    return None
