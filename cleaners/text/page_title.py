"""A web page's title without its site's name.

Pages title themselves ``Headline | Site`` or ``Site » Headline``; a curated title is the
headline. The site's name is known two ways: the page names it (``og:site_name``,
``application-name``: compared exactly, punctuation and case aside), or its address does
(the canonical link or ``og:url``: ``Headline – Antary`` on ``antary.de``, ``Headline |
Teufel Blog`` on ``blog.teufel.de``, ``Headline - Backen.de``). Only a whole part of the
title between separators counts, at the title's start or from a part after the first to its
end (a tagline after the name goes with it), and something must be left. Then the page's own
headline says which side of what is left is its title, whatever the rest names
(`headline_side`: ``Headline - The New York Times`` on ``nytimes.com``, whose address
spells no such name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

#: What separates a title from the site's name: ``|``, ``-``, ``–``, ``—``, ``·``, ``:``,
#: ``::``, ``//``, ``»``, ``/`` between spaces, or a run of them (``Site // » Title``).
_MARK = r"(?:[|\-–—·:»/]|::|//)"
_SEPARATOR = re.compile(rf"\s+{_MARK}(?:\s*{_MARK})*\s+")
_NOT_WORD = re.compile(r"[\W_]+")
#: Labels of an address that name no site: ``www.``, mobile and AMP hosts, and the generic
#: second level of a country's domain (``example.com.bo``, ``example.co.uk``).
_NO_NAME_LABELS = frozenset({"www", "m", "amp", "mobile"})
_SECOND_LEVEL = frozenset({"com", "co", "org", "net", "gov", "ac", "edu", "or", "ne", "gob"})
#: A name read from an address also matches a part that it and one of these words make up,
#: either way round: ``Investment Watch`` on ``investmentwatchblog.com``, ``WEISSER RING e. V.``
#: on ``weisser-ring.de``; not ``Forbes 400`` on ``forbes.com`` or ``Denver`` on
#: ``denverpost.com``.
_NAME_WORDS = frozenset({
    "blog", "news", "online", "magazin", "magazine", "mag", "media", "tv", "radio", "web",
    "site", "net", "com", "org", "de", "at", "ch", "fr", "es", "it", "uk",
    "ev", "gmbh", "ag", "inc", "ltd", "llc", "sa", "sl", "srl", "bv", "eg"})
_MIN_KEY = 4
#: The archive label WordPress's long-time default theme put between the blog's name and
#: the post's title (``Blog » Blog Archive » Title``), in the languages of its translations.
_BLOG_ARCHIVE = frozenset({"blogarchive", "blogarchiv", "archivesdublog", "archivodelblog",
                           "archiviodelblog", "blogarchief"})


def _key(text: str) -> str:
    return _NOT_WORD.sub("", text.casefold())


def host_names(urls: Iterable[str]) -> frozenset[str]:
    """The site names the addresses spell, as keys (case-folded, letters and digits only):
    for ``https://blog.teufel.de/x``: ``teufel``, ``blogteufel``, ``teufelblog``,
    ``blogteufelde``, ``teufelblogde``. Keys shorter than four characters are left out, and
    so is any address without a dotted host."""
    keys: frozenset[str] = frozenset()
    for url in urls:
        keys |= _host_keys(_hostname(url))
    return keys


@lru_cache(maxsize=4096)
def _host_keys(host: str) -> frozenset[str]:
    """`host_names` of one host (a batch's records share a few sites: each is read once)."""
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2 or ":" in host or all(label.isdigit() for label in labels):
        return frozenset()  # no dotted name, or an IP address
    tld, name = labels[-1], [label for label in labels[:-1] if label not in _NO_NAME_LABELS]
    if len(name) > 1 and name[-1] in _SECOND_LEVEL:
        tld, name = f"{name[-1]}{tld}", name[:-1]
    if not name:
        return frozenset()
    keys: set[str] = set()
    for words in (name, name[::-1]):
        keys.update((_key("".join(words)), _key("".join(words) + tld)))
    keys.add(_key(name[-1]))
    return frozenset(key for key in keys if len(key) >= _MIN_KEY)


def _names_host(part: str, hosts: frozenset[str]) -> bool:
    key = _key(part)
    if len(key) < _MIN_KEY:
        return False
    for host in hosts:
        short, long = sorted((key, host), key=len)
        if long.startswith(short) and (len(long) == len(short)
                                       or long[len(short):] in _NAME_WORDS):
            return True
    return False


def without_site_name(title: str, sites: Iterable[str], urls: Iterable[str] = (),
                      headline: str = "") -> str:
    """``title`` without the site's name, when a whole part of it between separators
    (`_SEPARATOR`) names the site: one of ``sites`` (compared case-folded without
    punctuation) or a name the page's own ``urls`` spell (`host_names`; also with one of
    `_NAME_WORDS` added to either: ``blog``, ``news``, ``e. V.``…).

    - The first two parts go when the second is WordPress's old ``Blog Archive`` label
      (``Blog » Blog Archive » Title``).
    - Then the first part goes while it names the site (``Bild - Bild.de - Headline`` →
      ``Headline``; not when ``:`` follows it and the name comes from the address only:
      ``Brexit : …`` on ``brexit.example`` is a headline).
    - Then the first part after the first that names the site goes, with every part after
      it: ``Headline | Site | Tagline`` → ``Headline``; or, when the parts after it are the
      page's ``headline`` (its ``<h1>``, compared as site names are), with every part
      before it: ``Section - Site - Headline`` → ``Headline`` (a title alone cannot say which
      side its headline is on: without a headline that matches, the first side stays).

    ``Headline | homify`` → ``Headline``; ``gipfelbuch.ch - Outdoornews - …`` →
    ``Outdoornews - …``. A title that is the site's name alone, or names no site, is
    returned as it is; so is any title when nothing would be left."""
    parts = _SEPARATOR.split(title)
    if len(parts) == 1:  # one part: nothing to cut
        return title
    seps = _SEPARATOR.findall(title)
    named = frozenset(_key(site) for site in sites) - {""}
    hosts = host_names(urls)

    def names_site(i: int, by_address: bool = True) -> bool:
        return _key(parts[i]) in named or (by_address and _names_host(parts[i], hosts))

    if len(parts) > 2 and _key(parts[1]) in _BLOG_ARCHIVE:
        parts, seps = parts[2:], seps[2:]
    # ``Bild - Bild.de - Headline``: both go (counted, then cut once: a review's title of
    # 80,000 ``Site |`` parts, cut one at a time, took 33 s)
    first = 0
    while first < len(parts) - 1 and names_site(first, by_address=seps[first].strip() != ":"):
        first += 1
    parts, seps = parts[first:], seps[first:]
    for i in range(1, len(parts)):
        if names_site(i):
            after = _rejoined(parts[i + 1:], seps[i + 1:])
            if _key(after) and _key(after) == _key(headline):  # ``Section - Site - Headline``
                return after
            parts, seps = parts[:i], seps[:i - 1]
            break
    return _rejoined(parts, seps)


def _rejoined(parts: list[str], seps: list[str]) -> str:
    """Title parts joined again by the separators between them ('' for no part)."""
    return "".join(part + sep for part, sep in zip(parts, [*seps, ""][:len(parts)], strict=True))


#: A title of more parts than this is left whole (a review: 20,000 separators cost 228 s).
_HEADLINE_MAX_PARTS = 50
#: At most this many ``<h1>``s are read as headlines (a review: 50,000 ``<h1>``s 240 levels
#: deep, each walked up to its ``<body>``, took 24 s).
_HEADLINE_MAX_H1 = 20
#: Class and id tokens of the site's chrome (`_in_chrome`), whole tokens, case aside: a menu,
#: a navigation bar, a logo, a brand, the site's or a book's header, title or name (mdBook's
#: ``menu-bar``, GitBook's ``book-header``). Not ``site``, ``site-main``, ``site-content``
#: (WordPress's wrappers of the article), ``hero-banner``, ``wy-nav-content`` (Read the
#: Docs' content) or ``without-banner``.
_CHROME_TOKEN = re.compile(
    r"(?:nav|navbar|navigation|menu|menubar|masthead|topbar|toolbar|branding"
    r"|(?:navbar|menu|nav|site|book)[-_](?:bar|brand|header|title|branding|name|logo|nav|menu)"
    r"|(?:[a-z0-9]+[-_]+)*logo(?:[-_]+[\w-]*)?)", re.IGNORECASE)


def headline_side(title: str, headlines: Iterable[str]) -> str:
    """The side of ``title`` (its parts before a separator, or after one; `_SEPARATOR`) that
    one of the page's ``headlines`` is (compared case-folded without punctuation), when that
    side is longer than the rest (its letters and digits: a CJK headline weighs its
    characters): the rest is the site's name or a section's, whatever it is (``Headline -
    The New York Times`` on ``nytimes.com``, ``Headline | CNN Politics``, ``Opinion |
    Headline``, ``バルセロナ、マンＵに先勝 : スポーツ : 読売新聞オンライン``); parts of marks
    alone at its edges go too (``Headline | ★ | Site`` → ``Headline``). Otherwise, and when
    the other side is a headline too, or the title has more than `_HEADLINE_MAX_PARTS` parts,
    ``title`` as it is. The longest side a headline is wins (a prefix of prefixes, a suffix
    of suffixes). Each part's key is computed once; at most `_HEADLINE_MAX_PARTS` parts are
    joined at each split."""
    keys = {_key(headline) for headline in headlines} - {""}
    parts = _SEPARATOR.split(title)
    if not 2 <= len(parts) <= _HEADLINE_MAX_PARTS or not keys:
        return title
    seps = _SEPARATOR.findall(title)
    part_keys = [_key(part) for part in parts]  # a side's key is its parts' keys joined
    found = []
    for i in range(1, len(parts)):
        before, after = "".join(part_keys[:i]), "".join(part_keys[i:])
        for kept, cut, side in ((before, after, (0, i)), (after, before, (i, len(parts)))):
            if kept in keys and len(kept) > len(cut):
                found.append((side, cut in keys))
    if not found or any(other for _, other in found) or len({start == 0 for (start, _), _ in
                                                            found}) > 1:
        return title  # none, or a headline on either side: which is the site's is unknown
    (start, stop), _ = max(found, key=lambda side: side[0][1] - side[0][0])
    while part_keys[start] == "":  # marks at its edges (``Headline | ★``) go with the rest
        start += 1
    while part_keys[stop - 1] == "":
        stop -= 1
    return _rejoined(parts[start:stop], seps[start:stop - 1])


def page_title_without_site(tree: Any, page_title: str, sites: Iterable[str],
                            urls: Iterable[str]) -> str | None:
    """A parsed page's title (``page_title``) without its site's name (`without_site_name`,
    the page's first ``<h1>`` saying which side of the name is the headline), then the side
    of what is left that the page's own headline is (`headline_side`: its first
    `_HEADLINE_MAX_H1` ``<h1>``s outside the site's chrome, `_in_chrome`, and its
    ``twitter:title``, but those that are the site's name, ``og:site_name``; ``og:title``
    is the page's title itself when it has one), or None."""
    title = without_site_name(page_title, sites, urls, _folded(tree.xpath("string((//h1)[1])")))
    if not _SEPARATOR.search(title):
        return title if _key(title) else None
    site_keys = {_key(site) for site in sites}
    hosts = {_host(url) for url in urls} - {""}
    headlines = [_folded(element.xpath("string()")) for element in
                 tree.xpath("//h1")[:_HEADLINE_MAX_H1] if not _in_chrome(element, hosts)]
    headlines += [str(value) for value in tree.xpath(
        '//meta[@name="twitter:title" or @property="twitter:title"]/@content')]
    title = headline_side(title, [headline for headline in headlines
                                  if _key(headline) not in site_keys])
    return title if _key(title) else None  # marks alone (`` | ``) are no title


def _hostname(url: str) -> str:
    """The host of ``url``, lower-case ('' when it has none or is no address)."""
    try:
        return urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""


def _host(url: str) -> str:
    """The host of ``url`` without ``www.`` ('' when it has none or is no address)."""
    return _hostname(url).removeprefix("www.")


def _is_home(href: str, hosts: set[str]) -> bool:
    """Whether a link goes to the site's home: its root (``/``, ``./``, ``/index.html``,
    ``/?lang=en``), on the page's own host (``hosts``; any host when the page names none)."""
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    if parts.path not in ("", "/", "./", "index.html", "/index.html") or parts.fragment or (
            not parts.path and not parts.netloc):
        return False  # a page, ``#``, ``#top``, ``?p=1``
    return not parts.netloc or not hosts or _host(href) in hosts


def _folded(text: Any) -> str:
    """``text`` (an XPath string result) with its whitespace folded to single spaces."""
    return re.sub(r"\s+", " ", str(text)).strip()


def _in_chrome(element: Any, hosts: set[str]) -> bool:
    """Whether the ``<h1>`` ``element`` is the site's name, not a headline: it links to the
    site's home alone (``<h1><a href="/">Site</a></h1>``, `_is_home` on the page's
    ``hosts``), or it or a block it sits in is a
    ``<nav>`` or has a class or id token of the site's chrome (`_CHROME_TOKEN`: a blog's
    ``site-title`` in ``site-header``, mdBook's ``menu-bar``, GitBook's ``book-header``),
    up to the ``<body>``."""
    links = [str(href).strip() for href in element.xpath(".//a/@href")]
    if links and all(_is_home(href, hosts) for href in links):
        return True
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):
            return False
        names = f"{node.get('class') or ''} {node.get('id') or ''}".split()
        if node.tag == "nav" or any(_CHROME_TOKEN.fullmatch(name) for name in names):
            return True
    return False


def title_notes(title: str | None, page_title: str) -> list[str]:
    """The extraction edit's note on the title: the site's name cut from it, or none."""
    return ["the site's name cut from its title"] if title != (page_title or None) else []
