"""A page's title without its site's name (`cleaners.text.page_title`). The titles are those
of pages of ``../shared/eval/trafilatura/pages`` that do not name their site in
``og:site_name`` (36 of the 496 kept the name their address spells), shortened."""

from __future__ import annotations

import pytest

from cleaners.text.extract import extract_page
from cleaners.text.page_title import headline_side, host_names, without_site_name


@pytest.mark.parametrize(("title", "url", "expected"), [
    # the name the address spells, at the end
    ("Wireshark: Besuchte URLs anzeigen – Antary", "https://antary.de/wireshark/",
     "Wireshark: Besuchte URLs anzeigen"),
    ("Wärmepumpe im Altbau - Wann es sich lohnt | heizung.de", "https://www.heizung.de/w.html",
     "Wärmepumpe im Altbau - Wann es sich lohnt"),
    ("Corona-Lockerungen: Autohäuser rechnen damit | MDR.DE", "https://www.mdr.de/a.html",
     "Corona-Lockerungen: Autohäuser rechnen damit"),
    ("Musik und Sport: So steigern Songs deine Leistung | Teufel Blog",
     "https://blog.teufel.de/leistung/", "Musik und Sport: So steigern Songs deine Leistung"),
    ("Investigador chileno asegura que no publicó todo | EL DEBER",
     "https://eldeber.com.bo/autos", "Investigador chileno asegura que no publicó todo"),
    ("Biggest scheme in history uncovered in Ukraine – Investment Watch",
     "https://www.investmentwatchblog.com/x/", "Biggest scheme in history uncovered in Ukraine"),
    ('Erfolgsgeschichte: Zehn Jahre "Tag des Einbruchschutzes" | WEISSER RING e. V.',
     "https://weisser-ring.de/e", 'Erfolgsgeschichte: Zehn Jahre "Tag des Einbruchschutzes"'),
    # the name with the tagline after it, and the site's section before it stays
    ("Das vermutlich schwulste Musikvideo der Welt : Krimiblog-Archiv | Ermittlungen zum "
     "Verfall eines Genres | Gegründet 2005", "http://archiv.krimiblog.de/2895",
     "Das vermutlich schwulste Musikvideo der Welt"),
    ("Buß- und Ordnungsgeld gegen Anwalt | Recht | Haufe", "https://www.haufe.de/recht/",
     "Buß- und Ordnungsgeld gegen Anwalt | Recht"),
    # at the start, also behind a run of separators
    ("BAFA - Mineralölstatistik November 2021", "https://www.bafa.de/m.html",
     "Mineralölstatistik November 2021"),
    ("mediaarchitecture.de // » Jens Weber", "https://mediaarchitecture.de/weber",
     "Jens Weber"),
    # WordPress's old default theme, whatever the site's name
    ("Four Years Remaining » Blog Archive » Interning of Small Integers in Python", "",
     "Interning of Small Integers in Python"),
    ("Time 4 talks » Blog Archiv » Weitere Digitalisierung der Schweizer Kinos", "",
     "Weitere Digitalisierung der Schweizer Kinos"),
    # kept: a headline's topic before a colon, a part that only begins with the name, the
    # name alone, a title naming another site, an address naming no site
    ("Brexit : la nuit des longs couteaux", "https://brexit.co.uk/a",
     "Brexit : la nuit des longs couteaux"),
    ("Apple unveils a new phone - Review", "https://www.apple.com/news",
     "Apple unveils a new phone - Review"),
    ("Antary", "https://antary.de/", "Antary"),
    ("Tram line extended | Example Media", "https://www.other-paper.org/a",
     "Tram line extended | Example Media"),
    ("Tram line extended | Example Media", "not an address", "Tram line extended | Example Media"),
    # a reviewer's titles: a headline that begins with the site's name, a city that begins
    # it, an IP address
    ("Forbes - Forbes 400", "https://www.forbes.com/lists/", "Forbes 400"),
    ("Health - Health tips", "https://www.health.com/x", "Health tips"),
    ("Denver - Broncos win opener", "https://www.denverpost.com/x", "Denver - Broncos win opener"),
    ("Mayor resigns - 1000", "http://10.0.0.1/x", "Mayor resigns - 1000"),
    ("Mayor resigns | 2001", "http://[2001:db8::1]:8080/x", "Mayor resigns | 2001"),
    # a second review: the name twice at the start left only the name
    ("Bild - Bild.de - Kanzler tritt zurück", "https://www.bild.de/x", "Kanzler tritt zurück"),
    ("Teufel - Teufel Blog - Kopfhörer im Test", "https://blog.teufel.de/x", "Kopfhörer im Test"),
])
def test_a_title_loses_the_name_its_address_spells(title: str, url: str, expected: str) -> None:
    assert without_site_name(title, [], [url] if url else []) == expected


def test_the_name_a_page_gives_goes_with_the_tagline_after_it() -> None:
    title = "Christmas Gift Guide | Journelles | Jetzt entdecken!"
    assert without_site_name(title, ["Journelles"]) == "Christmas Gift Guide"
    # a part before ` : ` goes when the page itself names its site so
    assert without_site_name("Example : Tram line extended", ["Example"]) == "Tram line extended"


def test_every_leading_part_that_names_the_site_goes_however_many() -> None:
    # a review's title of 80,000 ``Site |`` parts before its headline: they were cut one at a
    # time (33 s); now counted, then cut once
    title = " | ".join(["Site"] * 20_000 + ["Council approves budget"])
    assert without_site_name(title, ["Site"]) == "Council approves budget"
    assert without_site_name(title, [], ["https://site.example/a"]) == "Council approves budget"
    assert without_site_name("Site | Site", ["Site"]) == "Site"  # something is always left


@pytest.mark.parametrize(("title", "headline", "expected"), [
    # a second review: ``Section - Site - Headline`` kept only its section; the page's <h1>
    # says which side its headline is on
    ("Politik - Tagesspiegel - Regierung beschließt Klimagesetz",
     "Regierung beschließt Klimagesetz", "Regierung beschließt Klimagesetz"),
    ("Sport | BBC News | England win the Ashes", "England win the Ashes!",
     "England win the Ashes"),
    ("Sport | BBC News | England win – again", "England win - again", "England win – again"),
    # without a headline that matches, the first side stays
    ("Headline here | BBC News | Latest news", "Headline here", "Headline here"),
    ("Sport | BBC News | England win the Ashes", "", "Sport"),
    ("Sport | BBC News | England win the Ashes", "Cricket: England win", "Sport"),
    ("England win the Ashes | BBC News", "England win the Ashes", "England win the Ashes"),
])
def test_the_headline_says_which_side_of_the_name_stays(
        title: str, headline: str, expected: str) -> None:
    sites = ["Tagesspiegel", "BBC News"]
    assert without_site_name(title, sites, [], headline) == expected


def test_a_page_title_keeps_the_side_of_the_name_its_h1_shows() -> None:
    body = "".join(f"<p>Paragraph {i} of the article says enough to be read as prose.</p>"
                   for i in range(6))
    html = ("<html><head><title>Politik - Tagesspiegel - Regierung beschließt Klimagesetz"
            '</title><meta property="og:site_name" content="Tagesspiegel"></head><body>'
            f"<article><h1>Regierung beschließt <em>ein</em> Klimagesetz</h1>{body}</article>"
            "</body></html>")
    page = extract_page(html)
    assert page is not None and page.title == "Politik"  # the <h1> says something else
    page = extract_page(html.replace("<em>ein</em> ", ""))
    assert page is not None and page.title == "Regierung beschließt Klimagesetz"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://blog.teufel.de/x", {"teufel", "blogteufel", "teufelblog", "blogteufelde",
                                  "teufelblogde"}),
    ("https://eldeber.com.bo/a", {"eldeber", "eldebercombo"}),
    ("https://www.mdr.de/", {"mdrde"}),  # `mdr` alone is too short to name a site
    ("http://localhost:8000/", set()),
    ("https://[::1/", set()),  # not an address
])
def test_host_names(url: str, expected: set[str]) -> None:
    assert host_names([url]) == expected


@pytest.mark.parametrize(("title", "headlines", "expected"), [
    # the rest is the site's name or a section's, whatever it is: the page's headline says so
    ("Ahmad Khan Rahami Is Arrested in Manhattan - The New York Times",
     ["Ahmad Khan Rahami Is Arrested in Manhattan"], "Ahmad Khan Rahami Is Arrested in Manhattan"),
    ("Why Donald Trump won't change | CNN Politics", ["Why Donald Trump won’t change"],
     "Why Donald Trump won't change"),
    ("Opinion | Is Football Violence a Crime?", ["Is Football Violence a Crime?"],
     "Is Football Violence a Crime?"),
    ("Affaire KPMG : un juge se récuse | Radio-Canada.ca", ["Affaire KPMG : un juge se récuse"],
     "Affaire KPMG : un juge se récuse"),
    ("Warum Mangos teurer sind - Hamburger Abendblatt", ["", "Warum Mangos teurer sind"],
     "Warum Mangos teurer sind"),
    # the side the headline is must have more words than the rest, or four: a blog's name in
    # its <h1> is no headline
    ("Hello World – My Blog", ["My Blog"], "Hello World – My Blog"),
    ("Brexit: What happens to the border next", ["Brexit"], "Brexit: What happens to the border next"),
    # no headline matches a whole side: the title stays
    ("Council approves budget | Example News", ["Council approves the budget"],
     "Council approves budget | Example News"),
    ("Council approves budget", ["Council approves budget"], "Council approves budget"),
    ("Council approves budget | Example News", [], "Council approves budget | Example News"),
])
def test_the_side_the_headline_is_stays(title: str, headlines: list[str], expected: str) -> None:
    assert headline_side(title, headlines) == expected


@pytest.mark.parametrize(("h1", "expected"), [
    ('<article><h1>Defining Shared Behavior with Traits</h1>', "Defining Shared Behavior with Traits"),
    # an <h1> in the site's chrome is the site's or the book's name: no headline
    ('<div class="menu-bar"><h1 class="menu-title">The Rust Programming Language</h1></div>'
     "<article>", "Defining Shared Behavior with Traits - The Rust Programming Language"),
    ('<header id="masthead" class="site-header"><h1>The Rust Programming Language</h1></header>'
     "<article>", "Defining Shared Behavior with Traits - The Rust Programming Language"),
])
def test_a_page_title_keeps_the_side_its_headline_is(h1: str, expected: str) -> None:
    body = "".join(f"<p>Paragraph {i} of the chapter says enough to be read as prose.</p>"
                   for i in range(6))
    html = ("<html><head><title>Defining Shared Behavior with Traits - The Rust Programming "
            f"Language</title></head><body>{h1}{body}</article></body></html>")
    page = extract_page(html)
    assert page is not None and page.title == expected


def test_an_h1_in_wordpress_main_content_is_the_headline() -> None:
    """``site-main`` and ``site-content`` wrap a WordPress theme's article: no chrome."""
    body = "".join(f"<p>Paragraph {i} of the chapter says enough to be read as prose.</p>"
                   for i in range(6))
    html = ("<html><head><title>Defining Shared Behavior with Traits - The Rust Programming "
            'Language</title></head><body><div id="content" class="site-content">'
            '<main class="site-main">'
            f"<article><h1>Defining Shared Behavior with Traits</h1>{body}</article></main></div>"
            "</body></html>")
    page = extract_page(html)
    assert page is not None and page.title == "Defining Shared Behavior with Traits"


@pytest.mark.parametrize(("title", "headlines", "expected"), [
    # a review: CJK headlines are weighed by their characters, not their (one) word
    ("バルセロナ、マンＵに先勝…ＣＬ準々決勝第１戦 : スポーツ : 読売新聞オンライン",
     ["バルセロナ、マンＵに先勝…ＣＬ準々決勝第１戦"], "バルセロナ、マンＵに先勝…ＣＬ準々決勝第１戦"),
    # a headline on either side: which is the site's name is unknown
    ("Trump Wins - The New York Times", ["Trump Wins", "The New York Times"],
     "Trump Wins - The New York Times"),
    # the longest prefix a headline is
    ("Live: Storm hits coast - Updates | Example", ["Live: Storm hits coast",
                                                    "Live: Storm hits coast - Updates"],
     "Live: Storm hits coast - Updates"),
])
def test_the_side_the_headline_is_stays_whatever_the_script(
        title: str, headlines: list[str], expected: str) -> None:
    assert headline_side(title, headlines) == expected


def test_a_title_of_many_parts_is_left_whole() -> None:
    """A review: 20,000 separators cost 228 s, each side rebuilt at each split."""
    title = " | ".join(["Headline of the day"] + [f"part {i}" for i in range(20_000)])
    assert headline_side(title, ["Headline of the day"]) == title


def _chapter_page(h1: str, head: str = "") -> str:
    body = "".join(f"<p>Paragraph {i} of the chapter says enough to be read as prose.</p>"
                   for i in range(6))
    return ("<html><head><title>Trump Wins the Election - The New York Times</title>"
            f"{head}</head><body>{h1}<article><h1>Trump Wins the Election</h1>{body}</article></body></html>")


@pytest.mark.parametrize("h1", [
    # a review: the site's name in an <h1> of the page's header, linking home, or naming the
    # site as its og:site_name does: no headline, so the article's <h1> decides
    '<header><div class="container"><h1><a href="/">The New York Times</a></h1></div></header>',
    '<header><h1><a href="https://www.nytimes.com/">The New York Times</a></h1></header>',
    '<div class="navbar-brand"><h1>The New York Times</h1></div>',
])
def test_the_sites_own_h1_is_no_headline(h1: str) -> None:
    page = extract_page(_chapter_page(h1))
    assert page is not None and page.title == "Trump Wins the Election"


def test_an_h1_that_is_the_site_name_is_no_headline() -> None:
    head = '<meta property="og:site_name" content="The New York Times">'
    page = extract_page(_chapter_page("<header><h1>The New York Times</h1></header>", head))
    assert page is not None and page.title == "Trump Wins the Election"


@pytest.mark.parametrize("wrapper", ["site-main", "hero-banner", "wy-nav-content",
                                     "without-banner", "single-blog-banner-a"])
def test_an_article_h1_in_a_wrapper_named_like_chrome_is_a_headline(wrapper: str) -> None:
    """A review: `site`, `banner` and `nav` inside a class name took article <h1>s for chrome
    (Radio-Canada's, a dentist's blog's); only whole tokens of the chrome count."""
    body = "".join(f"<p>Paragraph {i} of the chapter says enough to be read as prose.</p>"
                   for i in range(6))
    html = ("<html><head><title>Top Dental Resolutions for 2025 | Broken Arrow, OK</title>"
            f'</head><body><div class="{wrapper}"><h1>Top Dental Resolutions for 2025</h1></div>'
            f"<article>{body}</article></body></html>")
    page = extract_page(html)
    assert page is not None and page.title == "Top Dental Resolutions for 2025"


def test_many_deep_h1s_are_read_a_few() -> None:
    """A review: 50,000 <h1>s 240 levels deep, each walked up to the <body>: 24 s."""
    deep = "<div>" * 200 + "<h1>Menu</h1>" * 50_000 + "</div>" * 200
    page = extract_page(_chapter_page(deep))
    assert page is not None and page.title == "Trump Wins the Election - The New York Times"


def _page_with(title: str, h1: str, head: str = "") -> str:
    body = "".join(f"<p>Paragraph {i} of the story says enough to be read as prose.</p>"
                   for i in range(6))
    return (f'<html><head><title>{title}</title><link rel="canonical" '
            f'href="https://www.example.com/story">{head}</head><body>{h1}<article>{body}'
            "</article></body></html>")


@pytest.mark.parametrize(("title", "h1", "head", "expected"), [
    # a second review: the side that is the site's name, written over two parts, is no
    # headline even in an <h1> outside the chrome or in twitter:title
    ("Bridge backed | Zeta - Daily News Network", "<div><h1>Zeta - Daily News Network</h1>"
     "</div>", '<meta property="og:site_name" content="Zeta - Daily News Network">',
     "Bridge backed | Zeta - Daily News Network"),
    ("Bridge backed | Zeta - Daily News Network", "", '<meta property="og:site_name" '
     'content="Zeta - Daily News Network"><meta name="twitter:title" content="Zeta - '
     'Daily News Network">', "Bridge backed | Zeta - Daily News Network"),
    # a side of four words or more shorter than the rest is no headline's side any more
    ("Council backs new bridge plan for the river | The Green Valley Gazette",
     '<div class="masthead-x"><h1>The Green Valley Gazette</h1></div>', "",
     "Council backs new bridge plan for the river | The Green Valley Gazette"),
    # marks at the kept side's edge go with the rest
    ("Council backs the bridge plan | ★ | Gazette", "<h1>Council backs the bridge plan</h1>", "",
     "Council backs the bridge plan"),
    # `#` and another site's root are no link home; `catalogo` names no logo
    ("Council backs the bridge plan | Gazette", '<h1><a href="#">Council backs the bridge plan'
     "</a></h1>", "", "Council backs the bridge plan"),
    ("Council backs the bridge plan | Gazette", '<h1><a href="https://it.wikipedia.org/">'
     "Council backs the bridge plan</a></h1>", "", "Council backs the bridge plan"),
    ("Council backs the bridge plan | Gazette", '<div class="catalogo"><h1>Council backs the '
     "bridge plan</h1></div>", "", "Council backs the bridge plan"),
    # a link to the page's own home (its root, with or without a query) is the site's name
    ("Council backs the bridge plan | Gazette", '<h1><a href="https://example.com/?lang=en">'
     "Council backs the bridge plan</a></h1>", "", "Council backs the bridge plan | Gazette"),
    ("Council backs the bridge plan | Gazette", '<h1><a href="/index.html">Council backs the '
     "bridge plan</a></h1>", "", "Council backs the bridge plan | Gazette"),
])
def test_what_an_h1_says_of_the_title(title: str, h1: str, head: str, expected: str) -> None:
    page = extract_page(_page_with(title, h1, head))
    assert page is not None and page.title == expected


def test_a_title_of_marks_alone_is_none() -> None:
    page = extract_page(_page_with(" | ", "<h1>Council backs the bridge plan</h1>"))
    assert page is not None and page.title is None
