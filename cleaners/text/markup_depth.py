"""How deeply a document's HTML elements nest, counted before any parser sees it.

An HTML parser's tree and a walk over it cost time that grows with the square of the nesting
depth on pathological input (160,000 nested ``<div>``: a minute). `markup_depth` counts the
depth in one linear scan of the tags, with the parts of the HTML tree-building rules that
decide nesting, so that a caller can refuse a document deeper than `MAX_MARKUP_DEPTH` before
parsing it (`depth_problem`). Pure, no parser.

The count follows the HTML standard closely enough to bound a parser's real depth, not to
equal it (where it errs, it errs deep on real markup):

* void elements (``<br>``, ``<img>``…) hold nothing and end tags open nothing; ``<x/>`` opens
  ``x`` (HTML ignores the slash) except in ``<svg>`` and ``<math>``;
* ``<p>``, ``<li>``, ``<dt>``/``<dd>``, table rows and cells, ``<option>`` and ``<button>``
  close an open element of their kind nearby, within the standard's scopes (their implied
  end tags); ``<tbody>`` and ``<tr>`` are added where the parser adds them, and parts of a
  table outside a table are ignored;
* an end tag closes the innermost open element of its name with any left open inside it, and
  is ignored when none is open or when a scope boundary or a special element stands between
  (as the parser ignores it); formatting elements (``<b>``, ``<a>``, ``<font>``…) closed
  that way are opened again, as the parser reconstructs them;
* the text of ``<script>``, ``<style>``, ``<textarea>``, ``<title>`` and the like (outside
  ``<svg>`` and ``<math>``) and comments are skipped; ``<html>``, ``<head>`` and ``<body>``
  do not count.

Not modelled: the ``<select>`` insertion mode and HTML breaking out of foreign content; random
patterns of tags repeated 1,000 times that lexbor nests more than 500 deep are counted at
least a tenth as deep in all but 2 of 38,000 (both mixing ``<select>`` or ``<math>`` with
table parts).
"""

from __future__ import annotations

import re

__all__ = ["MAX_MARKUP_DEPTH", "depth_problem", "markup_depth"]

#: The deepest nesting `depth_problem` lets through. The 500 real pages of the trafilatura
#: evaluation set nest 0 to 83 levels by this count (median 15), never less than lexbor's own
#: trees (at most 40 levels below ``<body>``; the count is deeper where unclosed ``<strong>``
#: and ``<a>`` are reopened more often than the parser does), and the count takes 3 ms a page
#: on average (lexbor and `cleaners.text.html.html_to_text`: 30 ms). Parsing and walking
#: 2,000 nested ``<div>`` takes about 9 ms, 10,000 about 0.15 s, and the time grows with the
#: square of the depth beyond (80,000: 10 to 20 s, almost all of it in lexbor's parse). The
#: limit is 256 because libxml2 (lxml, the parser trafilatura reads whole pages with) stops
#: building its tree there and drops what lies deeper: refused with a reason, such a document
#: cannot lose its text silently.
MAX_MARKUP_DEPTH = 256



def _names(words: str) -> frozenset[str]:
    """A set of names written as a whitespace-separated string."""
    return frozenset(words.split())


#: Elements that never have content: their start tag opens nothing.
_VOID = _names(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta param "
    "source track wbr"
)
#: Elements whose content is text up to their end tag, never markup.
_RAW_TEXT = _names("script style textarea title xmp iframe noembed noframes")
#: Elements whose start and end tags are left out of the count.
_IGNORED = frozenset({"html", "head", "body"})
#: Foreign content, where ``<x/>`` is an empty element.
_FOREIGN = frozenset({"svg", "math"})
#: Start tags that close an open ``<p>`` (the HTML standard's "close a p element").
_CLOSE_P = _names(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr listing main menu nav ol p pre "
    "section summary table ul li dd dt xmp"
)
_HEADINGS = _names("h1 h2 h3 h4 h5 h6")
#: The HTML standard's "special" elements: an implied ``</li>``, ``</dt>`` or ``</dd>`` does
#: not look past them (except ``address``, ``div`` and ``p``).
_SPECIAL = _names(
    "address applet area article aside base basefont bgsound blockquote body br button caption "
    "center col colgroup dd details dir div dl dt embed fieldset figcaption figure footer form "
    "frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img input keygen li "
    "link listing main marquee menu meta nav noembed noframes noscript object ol p param "
    "plaintext pre script search section select source style summary table tbody td template "
    "textarea tfoot th thead title tr track ul wbr xmp"
)
#: The boundaries of the standard's default scope: the end tag of a special element does not
#: close anything beyond them.
_DEFAULT_SCOPE = _names("applet caption html table td th marquee object template")
#: How deep below the current element an end tag looks for the element it closes (in real
#: markup, a few levels at most).
_END_TAG_LOOKBACK = 64
#: The boundaries of the standard's "button scope" (what an implied ``</p>`` looks through).
_BUTTON_SCOPE = _names("applet caption html table td th marquee object template button")
#: Formatting elements: closed by anything but their own end tag, the parser reopens them
#: ("reconstructs the active formatting elements"), so ``<button><i>`` repeated nests.
_FORMATTING = _names("a b big code em font i nobr s small strike strong tt u")
#: Start tag -> (open elements it closes, elements that stop the search for them, how many
#: open elements from the top the search looks at: the element such a tag closes is, in real
#: markup, the current one or just around it, and looking no deeper keeps the scan linear).
_IMPLIED: dict[str, tuple[frozenset[str], frozenset[str], int]] = {
    "li": (frozenset({"li"}), _SPECIAL - _names("address div p li"), 8),
    "dt": (_names("dt dd"), _SPECIAL - _names("address div p dt dd"), 8),
    "dd": (_names("dt dd"), _SPECIAL - _names("address div p dt dd"), 8),
    "tr": (_names("tr td th"), _names("table tbody thead tfoot template"), 8),
    "td": (_names("td th"), _names("tr table template"), 8),
    "th": (_names("td th"), _names("tr table template"), 8),
    "tbody": (_names("tbody thead tfoot tr td th"), _names("table template"), 8),
    "thead": (_names("tbody thead tfoot tr td th"), _names("table template"), 8),
    "tfoot": (_names("tbody thead tfoot tr td th"), _names("table template"), 8),
    "option": (frozenset({"option"}), frozenset(), 1),  # only the current element
    "optgroup": (_names("option optgroup"), frozenset(), 2),
    "button": (frozenset({"button"}), _BUTTON_SCOPE - {"button"}, 8),
}
_P = (frozenset({"p"}), _BUTTON_SCOPE, 8)
_HEADING = (_HEADINGS, frozenset(), 1)  # a heading right inside a heading
#: Parts of a table: outside an open ``<table>`` the parser ignores their tags.
_TABLE_PARTS = _names("caption col colgroup tbody td tfoot th thead tr")
#: (current element, table part) -> the elements the parser opens in between.
_TABLE_IMPLIED = {
    ("table", "tr"): ("tbody",),
    ("table", "td"): ("tbody", "tr"),
    ("table", "th"): ("tbody", "tr"),
    ("tbody", "td"): ("tr",),
    ("tbody", "th"): ("tr",),
    ("thead", "td"): ("tr",),
    ("thead", "th"): ("tr",),
    ("tfoot", "td"): ("tr",),
    ("tfoot", "th"): ("tr",),
    ("table", "col"): ("colgroup",),
}
#: What starts markup: a comment, a doctype or processing instruction, a start or end tag.
_SCAN = re.compile(r"<(?:(!--)|[!?]|(/?)([A-Za-z][^\s/>]*))")
_RAW_TEXT_END = {name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE) for name in _RAW_TEXT}


def _close(names: list[str], open_: dict[str, int], index: int, explicit: bool) -> None:
    """Close the open element at ``index`` and every element left open inside it; the
    formatting elements among those are opened again on top (the parser reconstructs them),
    the element itself too unless ``explicit`` (its own end tag closed it)."""
    reopen = []
    while len(names) > index:
        name = names.pop()
        open_[name] -= 1
        if name in _FORMATTING and not (explicit and len(names) == index):
            reopen.append(name)
    for name in reversed(reopen):
        names.append(name)
        open_[name] += 1


def _end_tag_target(names: list[str], name: str) -> int:
    """Where the open element an end tag ``</name>`` closes stands in ``names``, or -1 when
    the parser ignores the tag: it closes the innermost open ``name``, but the end tag of a
    special element (``</div>``) does not reach past a scope boundary (a table, a cell…), and
    any other (``</span>``, ``</b>``) not past a special element. Looks at most
    `_END_TAG_LOOKBACK` elements deep (ignoring the tag beyond: counted deep, the safe side)."""
    stops = _DEFAULT_SCOPE if name in _SPECIAL else _SPECIAL
    for index in range(len(names) - 1, max(-1, len(names) - 1 - _END_TAG_LOOKBACK), -1):
        open_name = names[index]
        if open_name == name:
            return index
        if open_name in stops:
            return -1
    return -1


def _imply(names: list[str], open_: dict[str, int], closes: frozenset[str],
           stops: frozenset[str], lookback: int) -> None:
    """An implied end tag: close the outermost open element of ``closes`` among the top
    ``lookback`` open elements that lie above every element of ``stops`` (``<tr>`` closes the
    open row with its open cell)."""
    target = -1
    for index in range(len(names) - 1, max(-1, len(names) - 1 - lookback), -1):
        name = names[index]
        if name in closes:
            target = index
        elif name in stops:
            break
    if target >= 0:
        _close(names, open_, target, explicit=False)


def markup_depth(html: str, stop_above: int | None = None) -> int:
    """The deepest nesting of elements in ``html`` by the count of the module docstring: 0 for
    text without tags, 1 for ``<p>a</p><p>b</p>``, N for N nested ``<div>``. With
    ``stop_above``, the scan stops as soon as the depth exceeds it (and returns that depth).

    Guarantees: one pass over the text, whatever the markup (unterminated comments, tags and
    raw-text elements included); linear time but for formatting elements reopened after
    their parent closes, which cost at most ``stop_above`` squared when it is given; never
    raises.
    """
    names: list[str] = []  # the open elements, outermost first
    open_: dict[str, int] = dict.fromkeys(("svg", "math", "table"), 0)  # open elements by name
    deepest = 0
    pos = 0
    find, search = html.find, _SCAN.search
    while True:
        found = search(html, pos)
        if found is None:
            break
        if found[1]:  # a comment: to its end, or the end of the document
            end = find("-->", found.end())
            if end < 0:
                break
            pos = end + 3
            continue
        end = find(">", found.end())
        if end < 0:
            break
        pos = end + 1
        tag = found[3]
        if tag is None:  # <!doctype …>, <?xml …?>
            continue
        name = tag.lower()
        if name in _IGNORED:
            continue
        if found[2]:  # an end tag
            if open_.get(name, 0) > 0:
                index = _end_tag_target(names, name)
                if index >= 0:
                    _close(names, open_, index, explicit=True)
            continue
        foreign = open_["svg"] > 0 or open_["math"] > 0
        if not foreign:
            if name in _TABLE_PARTS and not open_["table"]:
                continue
            if name in _CLOSE_P and open_.get("p", 0) > 0:
                _imply(names, open_, *_P)
            if name in _HEADINGS:
                _imply(names, open_, *_HEADING)
            implied = _IMPLIED.get(name)
            if implied is not None and any(open_.get(n, 0) for n in implied[0]):
                _imply(names, open_, *implied)
            if name in _TABLE_PARTS and names:  # the rows and bodies the parser adds
                for implicit in _TABLE_IMPLIED.get((names[-1], name), ()):
                    names.append(implicit)
                    open_[implicit] = open_.get(implicit, 0) + 1
        if name in _VOID or (html[end - 1] == "/" and (foreign or name in _FOREIGN)):
            depth = len(names) + 1  # an element, but it holds nothing
        else:
            names.append(name)
            open_[name] = open_.get(name, 0) + 1
            depth = len(names)
        if depth > deepest:
            deepest = depth
            if stop_above is not None and deepest > stop_above:
                break
        if name == "plaintext":  # the rest of the document is text
            break
        if name in _RAW_TEXT and not foreign:  # its text, up to its end tag, is not markup
            raw_end = _RAW_TEXT_END[name].search(html, pos)
            if raw_end is None:
                break
            pos = raw_end.end()
            names.pop()
            open_[name] -= 1
    return deepest


def depth_problem(html: str, limit: int = MAX_MARKUP_DEPTH) -> str | None:
    """Why ``html`` must not be parsed, as a one-line reason (``markup nested more than 256
    levels deep: not parsed``), or None when its `markup_depth` is at most ``limit``. The
    scan stops at the first element deeper than ``limit``; text without ``<`` costs nothing."""
    if "<" not in html:
        return None
    depth = markup_depth(html, stop_above=limit)
    if depth <= limit:
        return None
    return f"markup nested more than {limit:,} levels deep: not parsed"
