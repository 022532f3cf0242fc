"""Newsletter and cookie notices taken out of a page's text (`cleaners.text.page_notices`)."""

from __future__ import annotations

from cleaners.text.page_notices import NOTICE_MAX_CHARS, without_notices

ARTICLE = ("The council approved the new tram line on Tuesday after two years of debate.\n"
           "Construction starts in spring and the first trams should run in 2027.")
PITCH = "Get the day's big stories and fun stuff you love in your inbox."
SENT = "Keep an eye on your inbox for the latest news."


def _tree(body: str) -> object:
    import trafilatura

    return trafilatura.load_html(f"<html><body>{body}</body></html>")


def _article() -> str:
    return "".join(f"<p>{line}</p>" for line in ARTICLE.split("\n"))


def test_a_newsletter_boxs_lines_go() -> None:
    """cbssports.com's box (held-out page): its pitch and its thank-you line came out."""
    page = _tree(f'<article>{_article()}<div class="Newsletter"><p>{PITCH}</p>'
                 f'<div class="Newsletter-stateSent"><h4>{SENT}</h4></div></div></article>')
    assert without_notices(page, f"{ARTICLE}\n{PITCH}\n{SENT}") == (ARTICLE, 2)


def test_a_cookie_banners_line_goes() -> None:
    notice = "Please accept YouTube cookies to play this video."
    page = _tree(f'{_article()}<div id="consent-banner"><p>{notice}</p></div>')
    assert without_notices(page, f"{ARTICLE}\n{notice}") == (ARTICLE, 1)


def test_a_line_the_page_also_shows_outside_a_notice_stays() -> None:
    page = _tree(f'<article>{_article()}<p>{PITCH}</p></article>'
                 f'<div class="newsletter"><p>{PITCH}</p></div>')
    assert without_notices(page, f"{ARTICLE}\n{PITCH}") == (f"{ARTICLE}\n{PITCH}", 0)


def test_a_long_block_with_a_notices_class_is_a_page_not_a_notice() -> None:
    """A newsletter's own issue, published as a page inside ``div.newsletter-post``."""
    long_article = "\n".join(f"Paragraph {i} of this week's letter says the market kept rising."
                             for i in range(NOTICE_MAX_CHARS // 40))
    body = "".join(f"<p>{line}</p>" for line in long_article.split("\n"))
    page = _tree(f'<div class="post newsletter-post">{body}</div>')
    assert without_notices(page, long_article) == (long_article, 0)


def test_lines_the_page_does_not_show_as_a_paragraph_stay() -> None:
    page = _tree(f'<div class="cookie-notice"><p>{PITCH}</p></div>')
    assert without_notices(page, ARTICLE) == (ARTICLE, 0)
    assert without_notices(page, "") == ("", 0)


def test_the_main_text_of_a_page_drops_its_newsletter_box() -> None:
    """Through `extract_page`: trafilatura's passes keep the box's three lines."""
    from cleaners.text.extract import extract_page

    art = "".join(f"<p>Paragraph {i}: the council approved the new tram line on Tuesday after "
                  "two years of debate and votes.</p>" for i in range(6))
    box = ('<div class="Newsletter"><h3>Pick Six Newsletter</h3><p>Get the day\'s big stories '
           "+ fun stuff you love like mock drafts, picks and power rankings.</p>"
           '<div class="Newsletter-stateSent"><h4>Keep an eye on your inbox for the latest '
           "sports news.</h4></div></div>")
    html = (f"<html><head><title>T</title></head><body><article><h1>Tram</h1>{art}{box}"
            "<p>Paragraph 9: the mayor said the trams would run by 2027.</p></article></body>"
            "</html>")
    page = extract_page(html)
    assert page is not None
    assert "Newsletter" not in page.text and "inbox" not in page.text and "Paragraph 9" in page.text
    assert "3 line(s) of newsletter or cookie notices dropped" in page.edits[0].detail


# A review of eb874a9's first version.

def test_an_article_whose_own_class_names_a_newsletter_keeps_its_text() -> None:
    """WordPress writes a post's categories into its class (``category-newsletter``)."""
    for wrapper in ('<article class="post category-newsletter">', '<div class="Newsletter-post">'):
        end = "</article>" if wrapper.startswith("<article") else "</div>"
        page = _tree(f"<main>{wrapper}<h1>Library hours</h1>{_article()}{end}</main>")
        assert without_notices(page, ARTICLE) == (ARTICLE, 0), wrapper


def test_sections_of_a_newsletters_issue_are_not_notices() -> None:
    sections = "".join(f'<div class="Newsletter-section"><p>{line}</p></div>'
                       for line in ARTICLE.split("\n"))
    page = _tree(f'<div class="issue">{sections}</div>')
    assert without_notices(page, ARTICLE) == (ARTICLE, 0)


def test_a_paragraph_whose_own_class_says_consent_is_the_articles() -> None:
    quote = "Consent must be freely given, the court wrote in its ruling."
    page = _tree(f'<article>{_article()}<p class="Consent-quote">{quote}</p></article>')
    assert without_notices(page, f"{ARTICLE}\n{quote}") == (f"{ARTICLE}\n{quote}", 0)


def test_a_line_the_page_shows_outside_notices_in_other_markup_stays() -> None:
    first = ARTICLE.split("\n")[0]
    page = _tree(f'<article><div class="body">{first}<br><br>{ARTICLE.split(chr(10))[1]}</div>'
                 f'</article><aside><div class="newsletter-teaser"><p>{first}</p></div></aside>')
    assert without_notices(page, ARTICLE) == (ARTICLE, 0)


def test_a_banners_hidden_settings_do_not_make_it_long() -> None:
    notice = "We use cookies to improve your experience on our site."
    vendors = "".join(f"<p>Vendor {i} stores cookies for analytics and advertising.</p>"
                      for i in range(40))
    page = _tree(f'<article>{_article()}</article><div id="cookie-consent"><p>{notice}</p>'
                 f"<div hidden>{vendors}</div></div>")
    assert without_notices(page, f"{ARTICLE}\n{notice}") == (ARTICLE, 1)


def test_a_notice_block_is_read_once_whatever_its_paragraphs(monkeypatch) -> None:
    """A review: 2,000 paragraphs, each in its own ``<div>`` inside one notice-classed block,
    read the whole block once a paragraph (30 s); the block is judged once."""
    import cleaners.text.page_notices as notices

    reads: list[object] = []
    shown_text = notices.shown_text

    def counted(node, *args):
        reads.append(node)
        return shown_text(node, *args)

    monkeypatch.setattr(notices, "shown_text", counted)
    lines = [f"Residents asked the council about roads in meeting number {i}." for i in range(300)]
    page = _tree('<div class="gdpr-wrap">' + "".join(f"<div><p>{line}</p></div>" for line in lines)
                 + "</div>")
    text = "\n".join(lines)
    assert without_notices(page, text) == (text, 0)  # too long for a notice: the page's text
    assert len(reads) == 1
