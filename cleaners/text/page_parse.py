"""A whole page parsed into the tree trafilatura reads, with lxml's element classes chosen in C.

`trafilatura.load_html` parses with an ``lxml.html.HTMLParser``, whose element class lookup
(``HtmlElementClassLookup``) is a Python method: lxml calls it each time Python touches an
element it holds no wrapper for, which the job's page rules and trafilatura's two passes do
about 14,000 times a page. `load_page` is ``trafilatura.load_html`` on a string, the same steps
(trafilatura's own dubious-HTML check and repair) and the same parser options, but its parser
gives every element lxml.html's ``HtmlElement`` class through lxml's C-level
``ElementDefaultClassLookup``: the clean stage takes 3-8 % less CPU on the evaluation pages
(``benchmarks/page_parse.py``; benchmarks/RESULTS.md, 2026-12-07 09:40–10:27 UTC). What that leaves
out are lxml.html's form classes (``FormElement``, ``InputElement``…: their ``.value`` and
``.fields``), which trafilatura and the job's rules do not use; every element still is an
``HtmlElement`` (trafilatura takes a tree as a tree only then) with the same ``text_content``,
``drop_tree`` and ``drop_tag``. ``tests/unit/cleaners/text/test_page_parse.py`` checks that it
gives trafilatura's tree.
Pure: a string in, a tree out (a parser is made per call, so no parser is shared).
"""

from __future__ import annotations

from typing import Any


def _parser() -> Any:
    """trafilatura's ``HTML_PARSER`` options, with the C-level class lookup."""
    from lxml import etree
    from lxml.html import (
        HtmlComment,
        HtmlElement,
        HtmlEntity,
        HTMLParser,
        HtmlProcessingInstruction,
    )

    parser = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                        remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))
    return parser


def load_page(html: str) -> Any:
    """The tree ``trafilatura.load_html(html)`` gives (same elements, text and attributes),
    or None where it gives None (not HTML, or refused by lxml). Never raises on a string."""
    from lxml.html import fromstring
    from trafilatura.utils import is_dubious_html, repair_faulty_html

    beginning = html[:50].lower()
    dubious = is_dubious_html(beginning)
    html = repair_faulty_html(html, beginning)
    parser = _parser()
    tried_bytes = False
    try:
        tree = fromstring(html, parser=parser)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree = _from_bytes(html, parser)
        tried_bytes = True
    except Exception:  # as trafilatura: then the bytes are tried
        tree = None
    if (tree is None or len(tree) < 1) and not tried_bytes:
        tree = _from_bytes(html, parser)
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree


def _from_bytes(html: str, parser: Any) -> Any:
    """trafilatura's ``fromstring_bytes``: the page as UTF-8 bytes, None when lxml refuses."""
    from lxml.html import fromstring

    try:
        return fromstring(html.encode("utf8", "surrogatepass"), parser=parser)
    except Exception:  # as trafilatura: lxml's refusal means no tree
        return None
