"""What a parsed page would cost trafilatura: the counts its time grows with faster than the
page does, and the bounds the main-text extraction (`cleaners.text.extract`) keeps them under.
Pure; each count is one walk of the tree."""

from __future__ import annotations

from typing import Any

__all__ = ["EXTRACT_MAX_CHILDREN", "EXTRACT_MAX_PARAGRAPH_ELEMENTS", "FALLBACK_MAX_CHILDREN",
           "PARAGRAPH_MAX_ELEMENTS", "crowded_paragraphs_as_blocks", "too_costly_to_extract",
           "widest_element"]

#: A page with an element of more children is extracted without trafilatura's fallback
#: comparison (``fast``): its readability port is quadratic in a ``<div>``'s children (a flat
#: page of 20,000 ``<p>`` with text between them took 30 s, 3 s without it); the 506 shared
#: pages have at most 1,125 children to an element.
FALLBACK_MAX_CHILDREN = 2_000
#: A ``<p>`` holding more elements is read as a block (renamed ``<div>``, in place), outside
#: the paragraphs trafilatura gathers with ``//p//text()``, which libxml2 answers in time
#: superquadratic in the text nodes inside paragraphs (8,000 ``<span>``s in one ``<p>``,
#: 160 KB: 6 s; a tag cloud of 6,000 links in one: 0.3 s as a block, and still dropped). The
#: most in one paragraph on the 1,992 page files of the six measured sets is 3,765 (a
#: paragraph of 3,711 tag links), the next 375.
PARAGRAPH_MAX_ELEMENTS = 4_000
#: Beyond these, trafilatura is not run and all visible text is kept (the edit says so), as
#: for a page where it finds too little. Elements inside the page's ``<p>``s, all of them
#: (the same XPath: 1,000 paragraphs of 15 bold words take 13 s; 20,000 such elements, 5 s);
#: the most on those pages is 3,810, the next 2,685, and a long encyclopedia article of 300
#: paragraphs with 15 links and references each, 4,500.
EXTRACT_MAX_PARAGRAPH_ELEMENTS = 20_000
#: Children of one element: trafilatura's text-node handling is superquadratic in a long run
#: of them (80,000 links in one ``<div>``, 2.4 MB: 19 s; 20,000: 2.3 s); the most on those
#: pages is 3,711.
EXTRACT_MAX_CHILDREN = 20_000


def widest_element(tree: Any) -> int:
    """The most children an element of ``tree`` has."""
    return max((len(node) for node in tree.iter()), default=0)


def crowded_paragraphs_as_blocks(tree: Any) -> tuple[int, int]:
    """Each ``<p>`` of ``tree`` holding more than `PARAGRAPH_MAX_ELEMENTS` elements renamed
    ``<div>``, in place: how many were, and how many elements the paragraphs left hold in all
    (what `too_costly_to_extract` weighs). One walk of the paragraphs' descendants."""
    crowded, inside = [], 0
    for paragraph in tree.iter("p"):
        elements = sum(1 for _ in paragraph.iterdescendants())
        if elements > PARAGRAPH_MAX_ELEMENTS:
            crowded.append(paragraph)
        else:
            inside += elements
    for paragraph in crowded:
        paragraph.tag = "div"
    return len(crowded), inside


def too_costly_to_extract(widest: int, inside: int) -> str | None:
    """Why trafilatura would cost more than the page is worth, or None: ``widest``, the most
    children an element has (`widest_element`), past `EXTRACT_MAX_CHILDREN`, or ``inside``,
    the elements inside the page's paragraphs (`crowded_paragraphs_as_blocks`), past
    `EXTRACT_MAX_PARAGRAPH_ELEMENTS`."""
    if widest > EXTRACT_MAX_CHILDREN:
        return f"an element holds {widest:,} children (more than {EXTRACT_MAX_CHILDREN:,})"
    if inside > EXTRACT_MAX_PARAGRAPH_ELEMENTS:
        return f"its paragraphs hold more than {EXTRACT_MAX_PARAGRAPH_ELEMENTS:,} elements"
    return None
