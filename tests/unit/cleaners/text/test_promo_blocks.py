"""Promo blocks (cleaners.text.promos.blocks): a heading and a run of headline-like lines.

The snippets are quoted from the trafilatura evaluation pages (``../shared/eval/trafilatura``,
the text `cleaners.text.html.html_to_text` extracts from them), shortened; the page is named
above each one. No page of the set has the "À lire, à voir" heading: its test puts real French
headlines under it.
"""

from __future__ import annotations

import pytest

from cleaners.edits import Edit
from cleaners.text.promos import find_promo_lines, strip_promos
from cleaners.text.promos.blocks import (
    MAX_HEADLINES,
    PromoBlock,
    date_line,
    find_promo_blocks,
    headline_like,
    load_block_headings,
)
from cleaners.text.promos.rules import PROMO_LANGS

# gartenjournal.net-Zaubernuss.html
ZAUBERNUSS = (
    "Das Besondere an der Hamamelis, so ist der lateinische Name der Zaubernuss, ist, dass ihre "
    "Blütezeit mitten im Winter liegt. Je nach Sorte und Witterung öffnen sich die Knospen ab "
    "Dezember."
)
BLUETEN = (
    "Zum Vorschein kommen filigrane Blüten mit bis zu 4 cm langen schmalen Blütenblättern. Sie "
    "erinnern in ihrer Form ein wenig an bunte Spinnen."
)
# a French article paragraph (written for these tests), around the French blocks
FR_PROSE = (
    "Le gouvernement a présenté mercredi son projet de budget pour l'année prochaine, qui prévoit "
    "une hausse des dépenses de santé et une baisse des impôts de production."
)


def paras(*parts: str) -> str:
    return "\n\n".join(parts)


def removed(text: str, out: str) -> list[str]:
    kept = set(out.split("\n"))
    return [line for line in text.split("\n") if line.strip() and line not in kept]


# --------------------------------------------------------------------------- blocks removed


def test_lesen_sie_auch_block_goes_whole_with_one_edit() -> None:
    # the titles share "Zaubernuss" with the article: the list-follower signal keeps them,
    # the block signal does not need them to be unrelated
    block = [
        "Lesen Sie auch",
        "Darf ich meine Zaubernuss umpflanzen?",
        "Ist die Zaubernuss giftig?",
        "Warum blüht meine Zaubernuss nicht?",
    ]
    text = paras(ZAUBERNUSS, *block, BLUETEN)
    out, edits = strip_promos(text, "de")
    assert out == paras(ZAUBERNUSS, BLUETEN)
    assert edits == [Edit("promo", "\n".join(block))]


def test_a_read_more_under_each_card_heads_no_block() -> None:
    # a theme's services page (Hao10032000/cerax, page 2554): each card's teaser, cut without
    # a full stop, ends with its "Read more" link, which took the cards after it for a block
    cards = [("Digital Transformation", "Guiding businesses through the adoption of new tools"),
             ("Financial Consulting", "Expert planning of budgets, risks and investments"),
             ("Marketing Consulting", "Strategies that build brands and bring customers")]
    text = paras(*[line for card in cards for line in (*card, "Read more")])
    out, edits = strip_promos(text, "en")
    assert out == paras(*[line for card in cards for line in card])
    assert edits == [Edit("promo", "Read more")] * 3
    # one "Read more" over a run of headlines still heads a block, after the cards too (a
    # review), and so does each copy of a widget a page repeats far apart, or of two boxes
    # close together (a second review)
    block = ["Read more", "Council approves the budget", "Mayor opens the new bridge",
             "Tram line reaches the airport"]
    assert strip_promos(paras(*block), "en")[1] == [Edit("promo", "\n".join(block))]
    out, edits = strip_promos(paras(*[line for card in cards for line in (*card, "Read more")],
                                    *block), "en")
    assert out == paras(*[line for card in cards for line in card])
    assert edits[-1] == Edit("promo", "\n".join(block))
    prose = ["The council met on Tuesday to discuss the budget for the coming year.",
             "The mayor said the new bridge would open in the spring, ahead of schedule.",
             "Opponents asked for a referendum on the tram line and its cost to the city.",
             "The vote is expected next month, after a last round of public hearings."]
    out, edits = strip_promos(paras(*block, *prose, *block), "en")
    assert out == paras(*prose) and len(edits) == 2
    out, edits = strip_promos(paras(prose[0], *block, *block, prose[1]), "en")
    assert out == paras(prose[0], prose[1]) and len(edits) == 2
    # cards of four lines are cards too (a second review)
    long_cards = [[f"Kitchen Remodel Project {n}", "March 3, 2025",
                   f"Oak Cabinets And Granite {n}", "By Jane Miller"] for n in range(4)]
    out, _ = strip_promos(paras("Our recent projects", *[
        line for card in long_cards for line in (*card, "Read more")]), "en")
    assert all(card[0] in out and card[2] in out for card in long_cards), out


def test_a_lire_a_voir_heading_with_real_headlines() -> None:
    # headlines and dates of gala.fr.surnom.html's "Sur le même thème" box
    block = [
        "À lire, à voir",
        "France Gall\u00a0: son père lui avait donné un surnom peu flatteur",
        "03/10/2019",
        "Jacques Chirac séducteur\u00a0: ce surnom peu aimable donné à ses conquêtes",
        "18/10/2019",
        "Carla Bruni révèle le surnom peu flatteur que lui avait donné Kate Moss",
        "28/03/2018",
    ]
    text = paras(FR_PROSE, *block, FR_PROSE)
    out, edits = strip_promos(text, "fr")
    assert out == paras(FR_PROSE, FR_PROSE)
    # the box is one edit; its dates, page furniture on their own, one edit each
    dates = block[2::2]
    assert [e.detail for e in edits] == ["\n".join(line for line in block if line not in dates), *dates]
    assert strip_promos(text)[0] == out  # the same without a language hint


def test_related_stories_with_dates_and_a_title_cut_short() -> None:
    # aclu.org-grades.html: the article's last paragraph, then the box
    prose = (
        "The lawsuit we filed a year ago aimed to end a program that was wrong on the law, wrong "
        "on policy, and wrong for young people."
    )
    block = [
        "Related Stories",
        "Safe and Healthy Schools Lead With Support, Not Police",
        "August 31, 2021",
        "President Biden: Stop Funding the Policing of Our Students",
        "February 25, 2021",
        "Police in Schools Continue to Target Black, Brown, and Indigenous Students...",
        "July 9, 2020",
    ]
    out, edits = strip_promos(paras(prose, *block), "en")
    assert out == prose
    assert [e.detail for e in edits] == ["\n".join(block)]


def test_te_puede_interesar_with_kicker_lines() -> None:
    # ultimahora.com-apelacion.html: kicker, title, kicker, title…
    block = [
        "Te puede interesar",
        "Meses de abandono",
        "Asunción: Tras ola de robos, reactivan lumínicas en la Plaza Uruguaya",
        "Departamento de Cordillera",
        "Caacupé: Grupo Lince detiene a cuatro hombres que intentaron huir",
    ]
    prose = (  # (written for this test)
        "El Tribunal de Apelación confirmó este lunes la prisión preventiva del acusado, que "
        "seguirá recluido mientras avanza la investigación fiscal."
    )
    out, edits = strip_promos(paras(prose, *block, prose), "es")
    assert out == paras(prose, prose)
    assert [e.detail for e in edits] == ["\n".join(block)]


def test_two_boxes_in_a_row_are_two_blocks() -> None:
    # gala.fr.surnom.html: "Articles les plus lus", then "Sur le même thème"
    first = [
        "Articles les plus lus",
        "Mort de Caroline Flack\u00a0: l’ex du prince Harry s’est suicidée à 40 ans",
        "VIDÉO – Matthieu Delormeau dévoile le salaire «\u00a0indécent\u00a0» de Nagui sur "
        "France 2",
    ]
    second = [
        "Sur le même thème",
        "07/01/2018",
        "Un sobriquet inspiré de son caractère",
        "France Gall\u00a0: son père lui avait donné un surnom peu flatteur",
        "03/10/2019",
        "Un homme à femmes",
        "Jacques Chirac séducteur\u00a0: ce surnom peu aimable donné à ses conquêtes",
    ]
    text = paras(FR_PROSE, *first, *second, FR_PROSE)
    out, edits = strip_promos(text, "fr")
    assert out == paras(FR_PROSE, FR_PROSE)
    dates = [second[1], second[4]]  # page furniture on their own: one edit each
    assert [e.detail for e in edits] == [
        "\n".join(first), "\n".join(line for line in second if line not in dates), *dates]


def test_a_promo_line_inside_the_box_is_passed_over_and_stripping_is_idempotent() -> None:
    block = [
        "Related Stories",
        "Safe and Healthy Schools Lead With Support, Not Police",
        "Police Divestment Efforts Must Include Universities",
        "For Black Immigrants, Police and ICE Are Two Sides of the Same Coin",
    ]
    prose = (  # (written for this test)
        "The board will vote on the proposal next month, a spokeswoman for the county said on "
        "Tuesday."
    )
    text = paras(prose, block[0], block[1], "Advertisement", *block[2:], prose)
    out, edits = strip_promos(text, "en")
    assert out == paras(prose, prose)
    assert [e.detail for e in edits] == ["\n".join(block), "Advertisement"]
    assert strip_promos(out, "en") == (out, [])


def test_find_promo_lines_and_find_promo_blocks_agree() -> None:
    lines = paras(ZAUBERNUSS, "Lesen Sie auch", "Darf ich meine Zaubernuss umpflanzen?",
                  "Ist die Zaubernuss giftig?", "Warum blüht meine Zaubernuss nicht?",
                  BLUETEN).split("\n")
    found = find_promo_lines(lines, "de")
    assert found == {2: "lead", 4: "block", 6: "block", 8: "block"}
    blocks = find_promo_blocks(lines, "de", found)
    assert blocks == [PromoBlock(heading=2, headlines=(4, 6, 8), lines=(2, 4, 6, 8))]
    assert blocks[0].detail(lines).split("\n")[0] == "Lesen Sie auch"
    assert find_promo_blocks(lines, "de") == blocks  # without the line signals' answer


# --------------------------------------------------------------------------- what stays


def test_heading_followed_by_one_title_and_prose_is_no_block() -> None:
    # die-tagespost.de.Demut.html: one linked title and its teaser; the lead-in alone goes
    teaser = (
        "Selbst gesicherte Erkenntnisse zu SARS-CoV-2 werden mitunter falsch interpretiert. "
        "Sorgfalt und Zurückhaltung sind mehr denn je gefragt."
    )
    text = paras(ZAUBERNUSS, "Lesen Sie auch", "Killer- oder Grippevirus", teaser, BLUETEN)
    out, edits = strip_promos(text, "de")
    assert edits == [Edit("promo", "Lesen Sie auch")]
    assert removed(text, out) == ["Lesen Sie auch"]


def test_two_lines_between_a_heading_and_prose_are_no_block() -> None:
    # a list header whose links are gone, then the article's subheading and a photo caption
    # (newstest2013 French: an article's own subheading); at the end of the text, two titles
    # make a box
    sub = "Note aux touristes"
    caption = "Jaffa, la vieille ville de Tel-Aviv"
    prose = (
        "Si vous partez pour Israël, ne vous inquiétez pas pour votre anglais: environ 30% de la "
        "population le parle."
    )
    text = paras(FR_PROSE, "Sur le même sujet", sub, caption, prose)
    out, edits = strip_promos(text, "fr")
    assert removed(text, out) == ["Sur le même sujet"]
    box = ["Sur le même sujet", "Un sobriquet inspiré de son caractère", "Un homme à femmes"]
    out, edits = strip_promos(paras(FR_PROSE, *box), "fr")
    assert out == FR_PROSE
    assert [e.detail for e in edits] == ["\n".join(box)]


def test_block_heading_alone_before_prose_stays() -> None:
    # "Weitere Informationen" is a block heading only: alone it is not a promo
    text = paras(ZAUBERNUSS, "Weitere Informationen", BLUETEN, "Ist die Zaubernuss giftig?")
    assert strip_promos(text, "de") == (text, [])


def test_recipe_ingredients_stay() -> None:
    # oetker.de.bienenstich.html and backen.de.maulwurfkuchen.html
    text = "\n\n".join([
        "Zutaten", "für das Rezept Bienenstich-Muffins", "Für die Muffinform (12er):", "Hefeteig:",
        "50 ml", "Milch", "100 g", "Butter oder Margarine", "250 g", "Weizenmehl",
        "Belag:", "25 g", "Butter", "25 g", "Zucker", "1 EL", "Honig", "50 g", "Schlagsahne",
        "70 g", "Dr. Oetker gehobelte Mandeln", "Füllung:", "1 Pck.",
        "Dr. Oetker Backfeste Puddingcreme",
        "für 12 Stück", "25 Min.", "Zubereitung", "35 Min.", "Backen", "Zutaten", "135  g",
        "Butter", "150  g", "Weizenmehl", "2  gestr. TL", "Backpulver", "155  g", "Zucker",
    ])  # fmt: skip
    assert strip_promos(text, "de") == (text, [])
    assert strip_promos(text) == (text, [])


def test_subheadings_and_their_short_lines_stay() -> None:
    # mtb-news.de-tubeless.html: a list of material, then numbered-like steps
    tubeless = [
        "Zur Umrüstung benötigst du:", "Tubeless-Ventil", "Tubeless-Felgenband",
        "Dichtmilch (ca. 60 – 100 ml pro Reifen, je nach Herstellerangabe)", "Reifenheber",
        "Tubeless-Montage:\u00a0Schritt für Schritt", "Reifen auf Felge montieren", "Luft ablassen",
        "Ventilherz (Ventileinsatz) mit Ventilschlüssel ausschrauben",
    ]  # fmt: skip
    # gartenjournal.net-Zaubernuss.html: a summary list, a subheading and its paragraph
    garten = [
        "Das Wichtigste in Kürze:", "sehr winterhart", "Blütezeit der meisten Sorten im Winter",
        "Hamamelis virginiana blüht schon im Herbst", "Blüht die Zaubernuss zuverlässig?",
        "Ist die Hamamelis mit ihrem Standort oder den Umweltbedingungen nicht zufrieden, dann "
        "blüht sie nicht. Vermutlich bekommt sie zu wenig Licht oder Wasser.",
    ]  # fmt: skip
    for lines in (tubeless, garten):
        text = paras(ZAUBERNUSS, *lines, BLUETEN)
        assert strip_promos(text, "de") == (text, [])


def test_ad_label_and_navigation_head_no_block() -> None:
    # neues-deutschland.de.mietenstreik.html: the ad label above the article's own header
    header = [
        "Politik", "Mietenstreik in den USA", "»Einfach kein Geld mehr, um die Miete zu zahlen«",
    ]  # fmt: skip
    text = paras(ZAUBERNUSS, "Werbung", *header, BLUETEN)
    out, _ = strip_promos(text, "de")
    assert removed(text, out) == ["Werbung"]
    # adac.de.kindersitze.html: breadcrumbs and the article's title under "Zur Startseite"
    crumbs = ["Rund ums Fahrzeug", "ADAC Tests", "Kindersicherheit",
              "18 Kindersitze im Test: Vier Modelle fallen durch", "23.10.2018"]
    text = paras("Zur Startseite", *crumbs, BLUETEN)
    out, _ = strip_promos(text, "de")
    assert removed(text, out) == ["Zur Startseite", "23.10.2018"]  # the date: its own rule


def test_the_title_of_the_following_paragraph_stays() -> None:
    # flvw.de-hallenmeisterschaften.html: a "Meistgelesen" box runs into the article's title
    block = [
        "Meistgelesen",
        "Die Athletin gehört dem goldgas Talent-Team an",
        "Silas Zahltens Solo-Vorstellung in Dortmund",
        "Der Wattenscheider Mateusz Lewandowski lief allen davon",
    ]
    title = "Joana Herrmann fliegt bei den FLVW-Hallenmeisterschaften über 1,78 Meter"
    lead = (
        "Hoch hinaus ging es für Joana Herrmann (SV Teuto Riesenbeck) am Sonntag beim dritten "
        "Teil der westfälischen Hallenmeisterschaften in Dortmund."
    )
    text = paras(*block, title, lead)
    out, edits = strip_promos(text, "de")
    assert out == paras(title, lead)
    assert [e.detail for e in edits] == ["\n".join(block)]


def test_a_run_longer_than_a_box_is_no_block() -> None:
    # bmjv.de.konsum.html: the site menu under "Weitere Informationen"
    menu = [
        "Junge Verbraucherpolitik", "Finanzen & Versicherungen", "Basiskonto",
        "Kontowechselhilfe", "SEPA", "Dispozinsen", "Scoring", "Kreditvergabe",
        "Honorarberatung", "Beraterregister in der Anlageberatung", "Kleinanlegerschutz",
        "Pfändungsschutzkonto", "Restschuldbefreiung", "Energie", "Strom", "Gas", "Fernwärme",
        "Heizöl", "Telekommunikation", "Mobilfunk", "Festnetz",
    ]  # fmt: skip
    assert len(menu) > MAX_HEADLINES
    text = paras(ZAUBERNUSS, "Weitere Informationen", *menu, BLUETEN)
    assert strip_promos(text, "de") == (text, [])
    short = paras(ZAUBERNUSS, "Weitere Informationen", *menu[:3], BLUETEN)
    assert removed(short, strip_promos(short, "de")[0]) == ["Weitere Informationen", *menu[:3]]


# --------------------------------------------------------------------------- the pieces


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Darf ich meine Zaubernuss umpflanzen?", True),
        ("7 kleine Achtsamkeits-Übungen, die dein Leben entspannter machen", True),
        ("«\u00a0Je ne suis pas une mère maquerelle\u00a0»\u00a0: quand Jacques Chirac", True),
        ("Police in Schools Continue to Target Black, Brown, and Indigenous Students...", True),
        ("200 g Zucker", False),
        ("2 EL Öl", False),
        ("25 g", False),
        ("sehr winterhart", False),
        ("Zur Umrüstung benötigst du:", False),
        ("Die Masse 2 Min. unter Rühren kochen und beiseitestellen.", False),
        ("PGE Ekstraliga 06-10 17:50 3", True),
        ("12,2 | 8,6 | 16", False),
    ],
)
def test_headline_like(line: str, expected: bool) -> None:
    assert headline_like(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("07/01/2018", True),
        ("August 31, 2021", True),
        ("Mittwoch | 31. Juli 2019", True),
        ("vor 1 Woche", True),
        ("4 de mayo de 2022", True),
        ("9. Todestag", False),
        ("Der 1. Mai ist ein Feiertag", False),
    ],
)
def test_date_line(line: str, expected: bool) -> None:
    assert date_line(line) is expected


def test_heading_file_is_package_data_for_every_language() -> None:
    assert load_block_headings("fr-FR") == load_block_headings("fr")
    for lang in [None, *PROMO_LANGS]:
        assert load_block_headings(lang)[1].fullmatch("zur startseite")
    assert load_block_headings("de")[0].fullmatch("neueste kommentare")
    assert not load_block_headings("en")[0].fullmatch("neueste kommentare")
    assert load_block_headings(None)[0].fullmatch("neueste kommentare")
