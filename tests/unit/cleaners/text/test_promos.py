"""Interstitial promo stripping (cleaners.text.promos)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from cleaners.edits import Edit
from cleaners.text.promos import (
    PROMO_LANGS,
    find_promo_lines,
    load_promo_rules,
    match_promo_line,
    strip_promos,
)
from cleaners.text.shortcodes import strip_shortcodes
from tests.support.data import ROOT

SAMPLES = ROOT / "raw" / "samples"
EN_SEED = SAMPLES / "000_5579c1d2ab6f9191.txt"
FR_SEED = SAMPLES / "004_8ee08c2d1de8db32.txt"
ENURESIE = "A (re) lire : Énurésie : Des astuces pour faire face au pipi au lit"


def _read(path: Path) -> str:
    if not path.exists():
        pytest.skip(f"seed article not found at {path}")
    return path.read_text(encoding="utf-8")


def en_paragraphs() -> list[str]:
    return [p for p in _read(EN_SEED).split("\n") if p.strip()]


def fr_clean_paragraphs() -> list[str]:
    text = strip_shortcodes(_read(FR_SEED))[0]
    return [p for p in text.split("\n") if p.strip() and "Énurésie" not in p]


def embed(paras: list[str], line: str, sep: str = "\n\n") -> str:
    mid = len(paras) // 2
    return sep.join([*paras[:mid], line, *paras[mid:]])


# --------------------------------------------------------------------------- the seed


def test_french_seed_promo_removed_and_logged() -> None:
    text = strip_shortcodes(_read(FR_SEED))[0]
    out, edits = strip_promos(text, "fr")
    assert "Énurésie" not in out
    assert edits == [Edit("promo", ENURESIE)]
    # nothing else changed: the text is the input minus that one line
    assert out == "\n".join(line for line in text.split("\n") if line != ENURESIE)
    # the same without a language hint
    assert strip_promos(text)[0] == out


def test_french_seed_unrelated_headline_removed_on_structure_alone() -> None:
    text = strip_shortcodes(_read(FR_SEED))[0].replace("A (re) lire : ", "")
    out, edits = strip_promos(text, "fr")
    assert edits == [Edit("promo", "Énurésie : Des astuces pour faire face au pipi au lit")]
    assert find_promo_lines(text.split("\n"), "fr") == {5: "structure"}
    assert "Énurésie" not in out


def test_structure_alone_keeps_a_related_label_headline() -> None:
    # same shape, but it shares vocabulary with the article: a subheading, not a promo
    paras = fr_clean_paragraphs()
    line = "Cybersécurité : la Chine veut un nouveau paradigme"
    out, edits = strip_promos(embed(paras, line, "\n"), "fr")
    assert edits == [] and line in out.split("\n")


def test_structure_alone_needs_prose_neighbours_and_a_long_article() -> None:
    line = "Énurésie : Des astuces pour faire face au pipi au lit"
    paras = fr_clean_paragraphs()
    short = "\n".join([paras[0], line, paras[1]])
    assert strip_promos(short, "fr")[1] == []  # article too short to judge
    listing = "\n".join([*paras, "Au programme", line, "Autre : Un autre titre sans rapport"])
    assert strip_promos(listing, "fr")[1] == []  # not between prose paragraphs


# --------------------------------------------------------------------------- families

PROMOS = {
    "fr": [
        "A (re) lire : Énurésie : Des astuces pour faire face au pipi au lit",
        "À lire aussi » Les pompiers fêtent la Sainte-Barbe",
        "À lire aussi : Les pompiers fêtent la Sainte-Barbe",
        "À lire aussi\u00a0: Les pompiers fêtent la Sainte-Barbe",
        "À LIRE AUSSI",
        "LIRE AUSSI SUR LE MONDE : Les pompiers fêtent la Sainte-Barbe",
        "Lire aussi Les pompiers fêtent la Sainte-Barbe",
        "Sur le même sujet",
        "» À lire également : Le budget 2021 adopté",
        "Voir aussi : Le budget 2021 adopté",
        "Chargement en cours…",
        "Publicité",
        "Vous aimerez aussi",
        "Inscrivez-vous à notre newsletter",
    ],
    "en": [
        "RELATED: China hits back at new US tariffs",
        "SEE ALSO: The 10 best laptops of the year",
        "READ MORE: Why the bond market is flashing red",
        "Read more: Looted colonial art",
        "Related Stories",
        "Related Articles",
        "Advertisement",
        "ADVERTISEMENT - CONTINUE READING BELOW",
        "Story continues below advertisement",
        "Sign up for our newsletter",
        "Sign up for our newsletter. We won’t share your email address.",
        "You might also like",
        "Don’t miss: The 10 best laptops of the year",
        "Also read: Tesla recalls 2 million cars",
        "ALSO READ | Tesla recalls 2 million cars",
        "More from Business",
        "Top Stories",
        "Loading...",
        "LOADING …",
        "Please wait...",
    ],
    "de": [
        "Lesen Sie auch: Die Bahn erhöht die Preise",
        "Lesen Sie auch",
        "LESEN SIE AUCH",
        "Mehr zum Thema",
        "Mehr zum Thema: Die Bahn erhöht die Preise",
        "Mehr zum Thema Job und Karriere",
        "ANZEIGE",
        "- Anzeige -",
        "Das könnte Sie auch interessieren",
        "Das könnte Dich auch interessieren …",
        "Auch interessant",
        "Weitere Artikel zum Thema",
        "Siehe auch: Die Bahn erhöht die Preise",
        "Abonniere unseren Newsletter",
        "Jetzt Newsletter abonnieren",
        "Wird geladen …",
    ],
    "es": [
        "Lee también: El Gobierno aprueba los presupuestos",
        "LEE TAMBIÉN",
        "Te puede interesar: El Gobierno aprueba los presupuestos",
        "Noticias relacionadas",
        "Temas Relacionados",
        "Publicidad",
        "Otras noticias",
        "Suscríbete a nuestro newsletter",
        # Latin American sites' imperatives: weak lead-ins (a speaker can be named so)
        "Lea: Consejo Permanente de la OEA se reúne este miércoles",
        "Mire: Cantante dominicano lanza nuevo disco",
        "MIRA: Madre se acerca a conocer los motivos de captura de su hijo",
        "Vea: Las fotos del carnaval de Barranquilla",
        "Cargando...",
    ],
    "it": [
        "Leggi anche: Il governo approva la manovra",
        "LEGGI ANCHE",
        "Potrebbe interessarti: Il governo approva la manovra",
        "Articoli correlati",
        "Pubblicità",
        "Iscriviti alla nostra newsletter",
        "Caricamento in corso...",
        "(Leggi anche su: I Cavalieri dello Zodiaco: ecco gli attori che interpreteranno Pegasus –FOTO)",
    ],
    "pt": [
        "Leia: Cantor baiano lança disco de samba",
        "Veja: Cantor baiano lança disco de samba",
        "Leia também: Governo aprova o orçamento",
        "LEIA TAMBÉM",
        "Veja também: Governo aprova o orçamento",
        "Saiba mais",
        "Publicidade",
        "Notícias relacionadas",
        "Carregando...",
    ],
}

SENTENCES = [
    # article sentences that start like a lead-in, or contain its words
    "Read more about the plan in the ministry's report, published on Monday.",
    "Related research has shown that the effect is small.",
    # a speaker named like a lead-in (Mira, Lea), saying what the article is about
    "Mira: I think the new paradigm for the internet needs all countries at the table.",
    "Lea: We have to build cybersecurity together, the delegate said.",
    "See also the table below, which lists every region.",
    "Advertisement revenue fell by 12 percent in the third quarter.",
    "Loading the ferry took two hours, the captain said.",
    "(Read more about the plan in the ministry's report.)",
    "Related reading: the democratization of data.",
    # prose after a lead-in stays, in parentheses too (an article's own cross-reference)
    "(See also: the box below, which explains how the index is calculated.)",
    "(Related: a 2019 city audit found the same problem at two other plants.)",
    # a placeholder's words without its ellipsis: a heading, a line of dialogue
    "Loading",
    "Ładowanie",
    "Chargement",
    "— Aguarde!",
    "—Por favor, espere.",
    "- Please wait.",
    "Bitte warten!",
    "Please wait for the council's decision, the mayor told residents.",
    "Lesen Sie dazu auch die",
    "Lesen Sie auch unsere Datenschutzerklärung, bevor Sie sich anmelden.",
    "Zum Thema Klimaschutz sagte er nichts.",
    "Mehr zum Thema Rente will die Regierung im Herbst vorlegen.",
    "À lire aussi, selon lui, les rapports de la Cour des comptes.",
    "Sur le même sujet, le ministre a refusé de s'exprimer.",
    "Lee también el informe del Banco de España, que advierte de riesgos.",
    "Leggi anche tu il rapporto, dice il ministro.",
    "Leia também o relatório do banco central.",
    "The newsletter was founded in 1990 by two former reporters.",
    "Subscribers to the newsletter received a warning on Monday.",
    "Anzeigen wurde vom 1. bis einschließlich",
    "Video: the moment the bridge collapsed, filmed by a resident",
]


#: Page furniture a page's main text keeps: credits, copyright notices, bylines, comment
#: sections, sponsored-content disclosures (``line`` rules), and more lead-ins.
FURNITURE = {
    "en": [
        "© 2021 Example Media Group. All rights reserved.",
        "Copyright © 2019 The Daily Courier",
        "Photo credit: Jane Doe/Reuters",
        "Photo courtesy of NASA/JPL",
        "Photo by Jane Doe",
        "Image source: Reuters",
        "Credit: AP Photo",
        "By Maria Lopez and John Smith",
        "By Maria Lopez | Reuters",
        "12 responses to “Why the bridge fell”",
        "No comments yet",
        "Leave a reply",
        "Your email address will not be published. Required fields are marked *",
        "This post contains affiliate links",
        "Tags: politics, budget, Senate",
        "Photo: Getty Images",
        "Image: Reuters/John Smith",
        "Back to top",
        "Print this article",
        "Errors and omissions excepted.",
        "All prices without guarantee",
        "2024-03-12",
        "19:49",
        "Last updated: March 3, 2021",
        "Updated March 3, 2021",
        "Table of Contents",
        "Next Post",
        "Subscribers only",
        "Send a tip",
    ],
    "de": [
        "Titelbild: Max Mustermann/dpa",
        "Foto: dpa",
        "Bildquelle: Pixabay",
        "Bild via Wikimedia Commons",
        "Bild vergrößern",
        "Von Anna Schmidt und Jonas Weber",
        "3 Kommentare zu „Die Bahn erhöht die Preise“",
        "Keine Kommentare",
        "Deine E-Mail-Adresse wird nicht veröffentlicht.",
        "Werbung: Dieser Artikel enthält Affiliate-Links",
        "Schlagwörter: Bahn, Preise, Verkehr",
        "Schon gelesen?",
        "Zurück zur Übersicht",
        "Nach oben",
        "(Alle Angaben ohne Gewähr)",
        "Irrtümer und Druckfehler vorbehalten.",
        "23.10.2018",
        "28.04.2020 21:38 Uhr",
        "Letzte Änderung 14.02.2019",
        "Aktualisiert: 30.12.2016",
        "Inhaltsverzeichnis",
        "Vorheriger Beitrag",
        "Nächster Artikel » Immer mehr Wildschweine in Köln",
        "Mehr Themen:",
        "Weitere aktuelle Themen aus der Arbeitswelt",
        "Bereits Abonnent? Einloggen",
        "Nur für Abonnenten",
    ],
    "fr": [
        "Crédit photo : AFP",
        "Par Jean Dupont",
        "3 commentaires",
        "Votre adresse e-mail ne sera pas publiée.",
        "Imprimer cet article",
        "Sous réserve de modifications.",
    ],
    "es": [
        "VEA TAMBIÉN: El Gobierno aprueba los presupuestos",
        "PUEDES VER: El Gobierno aprueba los presupuestos",
        "Mira también: El Gobierno aprueba los presupuestos",
        "Créditos: EFE",
        "Por María López",
        "Sin comentarios",
        "Volver arriba",
        "Salvo error u omisión.",
    ],
    "it": ["Lascia un commento", "Crediti foto: Ansa", "Articolo riservato agli abbonati"],
    "pt": ["Deixe um comentário", "Créditos: Agência Brasil", "Atualizado em 4 de maio de 2022, 05:35"],
    "nl": ["Foto: ANP", "Laat een reactie achter"],
    "pl": ["Fot. PAP", "Dodaj komentarz"],
}

#: Article lines that start like furniture and stay.
FURNITURE_LIKE_SENTENCES = [
    "Copyright law was rewritten in 2019, the court said.",
    "Alle Angaben ohne Gewähr, sagte der Sprecher des Veranstalters am Montag.",
    "Am 23.10.2018 wurde in Bayern ein neuer Landtag gewählt.",
    "Last updated in 2019, the guidance now covers e-scooters too.",
    "Updated figures show a 3% rise in March 2021.",
    "Aktualisiert am 3. März 2021 hat das Ministerium die Liste der Risikogebiete.",
    "Das Inhaltsverzeichnis der Akte umfasst 300 Seiten.",
    "Next post office closures were announced on Monday.",
    "Next Post Office closures will hit rural villages hardest.",
    "Previous Story Bridge repairs cost the council £2m.",
    "Artículo anterior: la Constitución de 1978 regula el caso.",
    "Mehr Beiträge: Krankenkassen erhöhen den Zusatzbeitrag",
    "Mehr Nachrichten – weniger Vertrauen",
    # calls that only the attribution saves (`_SPEECH`: suggests, advises, pedía)
    "Got a news tip? Email us at tips@example.com, the editor suggests.",
    "Download our app for the latest news, the council advises.",
    "Únete a nuestro canal de WhatsApp, pedía el cartel de la entrada.",
    "Mehr Themen als je zuvor standen auf der Tagesordnung.",
    "Category: Best Picture",
    "Send a tip to your delivery driver through the app.",
    "98:87",
    "1:0",
    "Der Verein hat sich Änderungen am Programm vorbehalten, wie er mitteilte.",
    "Errors and omissions excepted, the contract said, no refund is due.",
    "By Monday, the talks had collapsed and both sides left Geneva.",
    "By then the ministry had already spent most of the budget.",
    "Von Montag an gilt in Berlin eine neue Regel für Radfahrer.",
    "Von Virales Marketing habe ich zum ersten Mal 2010 gehört.",
    "Par ailleurs, le ministre a refusé de commenter la décision.",
    "Por la tarde, el Gobierno aprobó los presupuestos del Estado.",
    "Photo booths are back in fashion at weddings this year.",
    "Twelve comments were filed with the regulator before the deadline.",
    "Foto und Video zeigen, wie die Brücke einstürzte.",
    "Werbung für Tabak ist in Deutschland weitgehend verboten.",
    "Photo: the minister arrives at the summit in Brussels",
    "Print media lost a fifth of its readers in a decade.",
    "Zurück in Berlin traf er den Kanzler.",
    "(c) the buyer pays the price within 30 days",
    # lines a first, broader version of the furniture rules removed (a review found them)
    "No comment on the matter, a spokesman said.",
    "3 replies to critics of the plan",
    "Join the conversation about the future of downtown at the library Thursday.",
    "Affiliate links are increasingly used by publishers, the FTC says.",
    "Video courtesy of a bystander shows the moment the bridge collapsed.",
    "Photo credits are now required by the new law.",
    # headings of a post a probe of WordPress exports found removed (hazealign.github.io)
    "Image Source Binding",
    "Image Credits Matter",
    "Credit: tighter lending hits small firms hardest",
    "Copyright 2019 ruling upheld by appeals court",
    "By The Numbers",
    "By Land, Sea and Air",
    "Category: Best Picture",
    "Von Jahr zu Jahr",
    "Von Wölfen und Menschen",
    "Keine Antworten auf die drängenden Fragen",
    "Werbung, die nicht als solche gekennzeichnet ist, ist verboten.",
    "Das Video enthält Werbung für ein Sportwettenportal, kritisiert die Medienanstalt.",
    "Grafik: So verteilen sich die Sitze im Bundestag",
    "Aucun commentaire n'a été fait par l'Élysée.",
    "Crédits photos : les agences se rebiffent",
    "Sin comentarios, respondió el portavoz al salir de la reunión.",
    "Créditos: la banca endurece las condiciones para las pymes",
    "Puedes ver Madrid desde el mirador del Faro de Moncloa",
    "Nessun commento da parte di Palazzo Chigi.",
    "1500 reacties op de internetconsultatie",
    "Volver",
    "Zurück",
]


#: Calls to the reader (``call`` rules: whole lines of up to 40 words): signing up for the
#: site's edition, supporting its work, following its channel, its affiliate disclosure, its
#: reprint notice.
CALLS = {
    "en": [
        "Get The Times of Israel's Daily Edition by email and never miss our top stories "
        "Free Sign Up",
        "If you enjoyed reading this post – would you consider supporting our work? Just "
        "click here. Thanks!",
        "Click here to support our independent journalism with a monthly donation.",
        "We recommend the best products through an independent review process, and "
        "advertisers do not influence our picks. We may receive compensation if you visit "
        "partners we recommend.",
        "Subscribe to our YouTube channel for the latest videos from the newsroom.",
        "© 2022, Example News. This article is the copyrighted property of Example News. "
        "Written permission must be obtained before reprint in online or hard copy.",

        "Our site uses cookies and other technologies so that we, and our partners, can "
        "remember you. Further use of this site will be considered consent.",
        "Please accept YouTube cookies to play this video.",
        "I have read and understood the Example Privacy Notice. Do not show this message again.",
        "Join our Study Facebook group to connect with fellow learners",
        "Follow us on Twitter and Instagram for the latest news",
        "Enjoyed this article? Consider supporting independent journalism with a donation.",
        "When you buy through links on our site, we may earn an affiliate commission.",
        "This material may not be published, broadcast, rewritten or redistributed. "
        "All rights reserved.",
        "This content is not available due to your privacy preferences. Update your settings "
        "here to see it.",
        "By clicking 'Accept all', you agree to the storing of cookies on your device.",
        "Support quality journalism. Become a subscriber today.",
        "Did you find this article useful? Share it with your friends!",
        "Content not available due to your cookie preferences.",
        # the site's named accounts, app, letters and tips, paywall and channel (from
        # publishers' pages, the first three of half B's leaked strings)
        "Follow The Gleaner on Twitter and Instagram @JamaicaGleaner and on Facebook "
        "@GleanerJamaica. Send us a message on WhatsApp or email us at onlinefeedback@gleanerjm.com",
        "For the latest stories and breaking news updates download the Nationnews apps for iOS "
        "and Android.",
        "We want to hear what you think about this article. Submit a letter to the editor or "
        "write to letters@theatlantic.com.",
        "Follow Example Times on Instagram for the latest news.",
        "Get the Example News app for breaking news.",
        "Got a news tip? Email us at tips@example.com",
        "Send A Tip",
        "If you're seeing this message but you're already a subscriber, please log in.",
        "To continue reading this article, you must be a subscriber. Already a subscriber? Sign in.",
        "This article is available to subscribers only. Subscribe now for $1 a week.",
        "We're on WhatsApp! Join our channel for the day's top stories.",
    ],
    "de": [
        "DHB jetzt auch digital! Einfach hier klicken und für das digitale DHB registrieren!",
        "Die aktuelle Ausgabe der L-MAG jetzt an jedem Bahnhofskiosk, im Abo, als e-Paper und "
        "bei Readly erhältlich.",
        "Ob Produkttests, Gewinnspiele oder News – mit unserem Newsletter sind Sie immer auf "
        "dem neuesten Stand.",
        "Für Links auf dieser Seite erhält die Redaktion ggf. eine Provision vom Händler.",
        "Wenn Ihnen dieser Artikel gefallen hat, unterstützen Sie unsere Arbeit mit einem Abo.",

        "Die Cookie-Einstellungen auf dieser Website sind auf „Cookies zulassen“ eingestellt. "
        "Wenn Sie diese Website ohne Änderung verwenden, erklären Sie sich einverstanden.",
        "Wir würden hier gerne einen externen Inhalt zeigen. Leider haben Sie uns hierfür keine "
        "Zustimmung gegeben.",
        "Unterstütze unsere Arbeit und abonniere das Magazin gedruckt oder als E-Paper!",
        "Alle mit einem Stern gekennzeichneten Links sind Affiliate-Links. Wenn du über diese "
        "Links kaufst, erhält die Redaktion eine kleine Provision.",
        "Tragen Sie sich für unseren Newsletter ein, damit Sie immer auf dem Laufenden sind!",
        "Hat dir der Artikel gefallen? Dann teile den Artikel mit deinen Freunden!",
        "Liken Sie uns auf Facebook",
        "Folgen Sie dem Tagesspiegel auf Twitter und Instagram.",
        "Laden Sie sich jetzt unsere App herunter, um keine Nachrichten zu verpassen.",
        "Bereits Abonnent? Einloggen",
        "Dieser Artikel ist nur für Abonnenten verfügbar.",
    ],
    "fr": [
        "Soutenez notre journalisme indépendant : abonnez-vous dès aujourd'hui pour un euro.",
        "Nous pouvons percevoir une commission lorsque vous achetez via nos liens.",

        "Vous pouvez paramétrer les cookies en cliquant sur « Paramétrer mes choix » ci-dessous.",
        "Toute reproduction, même partielle, est interdite sans autorisation écrite.",
        "Suivez Le Parisien sur Facebook et Instagram.",
        "Téléchargez gratuitement notre application pour suivre toute l'actualité.",
        "Pour lire la suite de cet article, abonnez-vous.",
        "Cet article est réservé aux abonnés. Déjà abonné ? Connectez-vous.",
        "Mis à jour le 12 mars 2021 à 10h30",
    ],
    "es": [
        "¡Mira lo que tiene nuestro canal de YouTube!",
        "Suscríbete a nuestro boletín y recibe cada mañana las noticias más importantes.",
        "Para ver este contenido debes aceptar las cookies de terceros.",
        "¿Te ha gustado este artículo? Ayúdanos a seguir con una donación.",
        "Recibe gratis nuestro boletín diario en tu correo.",
        "¿Ya sabías que en Guatemala.com tenemos canal de Telegram? Únete desde tu celular en "
        "este enlace de invitación.",
        "Descarga nuestra app y recibe las últimas noticias.",
        "Para seguir leyendo, suscríbete a El Diario.",
        "Este contenido es exclusivo para suscriptores.",
    ],
    "it": [
        "Iscriviti alla nostra newsletter per ricevere ogni giorno le notizie.",
        "Questo sito utilizza cookie tecnici e di profilazione per migliorare la tua esperienza.",
    ],
    "pt": [
        "Assine a nossa newsletter e receba as principais notícias do dia.",
        "Este artigo contém links de afiliados e podemos receber uma comissão pelas compras.",
        "Conteúdo exclusivo para assinantes",
        "Já é assinante?",
    ],
}

#: Article sentences that name a newsletter, a donation, a channel or a permission and stay.
CALL_LIKE_SENTENCES = [
    "He used the photos without written permission, the lawsuit says.",
    "The company said it may receive compensation from the insurer next year.",
    "The newspaper said readers could sign up for its daily edition by email from Monday.",
    "If you enjoyed the first season, the second one will not disappoint, critics say.",
    "The charity asked supporters to click here and there on its site, the report found.",
    "The European Commission said it may receive the proposal by the end of the month.",
    "The band's YouTube channel has ten million subscribers, its label said.",
    "« Soutenez notre combat », a lancé la syndicaliste devant les grévistes.",
    "Der Händler erhält eine Provision, wenn Kunden über den Link kaufen, sagt die Studie.",
    "Die aktuelle Ausgabe des Magazins erscheint wegen des Streiks eine Woche später.",
    "La donación de sangre bajó un 10 % en verano, según el ministerio.",
    "Websites that use cookies must ask for consent, the court ruled.",
    "The regulator said the site uses cookies without asking users for consent.",
    "Google will stop using third-party cookies next year, the company said on Tuesday.",
    "Join our protest, the group wrote on Facebook.",
    "Follow us, the officer shouted, and the crowd moved toward Twitter's headquarters.",
    "Les sites utilisent des cookies pour suivre les internautes, selon la CNIL.",
    "Unterstützen Sie uns nicht mit Ihrer Stimme, sagte der Sprecher der Partei.",
    # sentences a review of the first call rules wrote, which those rules removed
    "The CNIL fined Google €150 million over its cookie consent banners last year.",
    "The company quietly updated its cookie policy last week after the ruling.",
    "Regulators found that by clicking \"accept all cookies\", most users did not consent.",
    "Users had to accept cookies to view the content, a practice the watchdog called unlawful.",
    "\"Follow us on Telegram!\" a protester shouted through a megaphone outside parliament.",
    "\"Folgt uns auf Telegram!\", riefen die Demonstranten auf dem Marktplatz in Leipzig.",
    "Die Polizei ist jetzt auch auf TikTok aktiv, um junge Menschen zu erreichen.",
    "Young people like us use TikTok to get our news, said a student from Leeds.",
    "\"We lost 40 percent of the views on our YouTube channel,\" the creator said.",
    "The Guardian said readers could sign up for its climate newsletter, which arrives in "
    "your inbox on Fridays.",
    "The FTC says disclosures such as \"we may earn a commission\" are often buried.",
    "The email read: \"Click here to support our campaign\", and linked to a fake page.",
    "Viele Influencer verdienen über Affiliate-Links eine Provision, kritisiert die "
    "Verbraucherzentrale.",
    "Die Polizei beschlagnahmte die aktuelle Ausgabe des Magazins am Kiosk.",
    "Die Gewerkschaft unterstützt uns jetzt, sagte der Betriebsratsvorsitzende.",
    "Nous devons soutenir l'indépendance de l'Ukraine, a déclaré le ministre.",
    "Faites un don, nous a demandé le président de l'association, car notre journal ferme.",
    "Ce site utilise des cookies publicitaires, a constaté la CNIL lors de son contrôle.",
    "El alcalde apoya la reforma, nos explicó en medio de la rueda de prensa.",
    "La política de cookies de la web incumplía el RGPD, según la sentencia.",
    "Gli abbonati al canale sono cresciuti del 30%, ci ha detto il fondatore.",
    "Questo sito utilizza cookie di profilazione senza consenso, ha stabilito il Garante.",
    "O presidente quer que o ministro assine o decreto nos próximos dias, informou o canal.",
    "Este site utiliza cookies sem consentimento, concluiu a ANPD.",
    "Deze website gebruikt cookies zonder toestemming, oordeelt de toezichthouder.",
    # and by a second review, after the first narrowing
    "To change your cookie settings in Chrome, open Settings and choose Privacy.",
    "Allow cookies in Safari to stay signed in: here's how",
    "Subscribe to a newsletter only if you will actually read it, experts advise, or it will "
    "clog your inbox.",
    "If you liked the Pixel 7, the Pixel 8 adds support for satellite SOS.",
    "We may get a Commission proposal on AI liability before the summer.",
    "So ändern Sie die Cookie-Einstellungen in Firefox",
    "Ich habe das Buch in zwei Tagen gelesen und war begeistert.",
    "Ohne Ihre Zustimmung darf die Ärztin keine Befunde an den Arbeitgeber weitergeben.",
    "Melden Sie sich vom Newsletter ab, indem Sie auf den Link am Ende klicken.",
    "Die neue Ausgabe von Charlie Hebdo ist ab Mittwoch an jedem Kiosk erhältlich.",
    "Folgen Sie uns auf Instagram? Wie Behörden um junge Follower buhlen",
    "Suivez-nous sur Instagram : la nouvelle stratégie de la gendarmerie pour recruter",
    "Queda prohibida la reproducción de animales exóticos en criaderos sin licencia.",
    "Li e gostei muito do livro, que recomendo a todos.",
    "Share this post to win a free cruise? Experts warn the giveaway is a scam",
    # and by a third review
    "We use crushed ginger cookies to make the base, then chill it for an hour.",
    "Subscribe to the newsletters of your favourite shops: most offer a welcome discount of 10 "
    "to 15 per cent.",
    "If you enjoyed the first season, becoming a subscriber for a month is worth it.",
    "Like us, millions of Facebook users never read the terms before clicking.",
    "I have read and understood my tenancy agreement, but the landlord says otherwise.",
    "The site showed: content not available, after a faulty cookie update on Tuesday.",
    "Support independent journalism, not billionaires, is the campaign's slogan this spring",
    "Unterstützt uns als Mitglied – so wirbt der Tierschutzverein um Nachwuchs",
    "Der Satz «Wir verwenden Cookies, um Ihr Erlebnis zu verbessern» reicht nach Ansicht des "
    "Gerichts nicht aus.",
    "Leider haben Sie ohne Zustimmung des Vermieters untervermietet, deshalb ist die "
    "Kündigung wirksam.",
    "Soutenez votre journal local en offrant un abonnement à vos proches pour Noël.",
    "¿Podemos recibir una comisión por los enlaces? La CNMC obliga a los influencers a avisarlo",
    "Entre o nosso canal no YouTube e o podcast, já somamos dois milhões de seguidores.",
    "Gli abbonati al canale sono cresciuti, e la nostra newsletter anche.",
    # near the named accounts, app, letters and tips, paywall and channel calls
    "Download the Zoom app for iOS or Android and sign in with your work email.",
    "Download the Met Office app for the latest weather warnings.",
    "To read the full report, click on the link below.",
    "Netflix subscribers get unlimited access to games from next month.",
    "If you are already a member, please sign in to vote in the primary, the party said.",
    "Follow Elon Musk on Twitter and you will see his views change by the hour.",
    "Like Apple on Facebook, Google has been fined by the regulator.",
    "Fans who follow Taylor Swift on Instagram and TikTok saw the post within minutes.",
    "We have a channel on YouTube where we post every week, the founder said.",
    "We would like to hear your views on the tax, the minister wrote in a letter to residents.",
    "Have a tip for saving on heating? Share it in the comments below.",
    "Send a letter to the council before 5 May to object to the plans.",
    "This content is exclusive to subscribers of Disney+ in the United States.",
    "Get the app, the company's chief executive urged investors at the launch.",
    "Submit your tax return by 31 January to avoid a penalty.",
    "Das Angebot gilt nur für Abonnenten der Zeitung.",
    "Abonnenten? Nur für Abonnenten gibt es den Rabatt, kritisiert die Verbraucherzentrale.",
    "Tenemos un grupo de WhatsApp con los vecinos. Únete si vives en el barrio, dijo Ana.",
    "Le contenu est réservé aux abonnés de Canal+ depuis janvier.",
]


@pytest.mark.parametrize(
    ("lang", "line"),
    [(lang, line) for table in (PROMOS, FURNITURE, CALLS) for lang, lines in table.items() for line in lines],
)
def test_promo_family_removed(lang: str, line: str) -> None:
    paras = en_paragraphs()
    for hint in (lang, None):
        out, edits = strip_promos(embed(paras, line), hint)
        assert edits == [Edit("promo", line.strip())], hint
        assert out == "\n\n".join(paras)


@pytest.mark.parametrize("line", SENTENCES + FURNITURE_LIKE_SENTENCES + CALL_LIKE_SENTENCES)
def test_article_sentences_kept(line: str) -> None:
    paras = en_paragraphs()
    text = embed(paras, line)
    assert strip_promos(text) == (text, [])


def test_calls_are_looked_for_in_markup_only() -> None:
    """`clean_text` strips calls to the reader from what was markup (a page, a CMS body), and
    leaves them in plain text, which is spared the scan (``calls=False``)."""
    from cleaners.text.clean import clean_text

    paras = en_paragraphs()
    call = CALLS["en"][1]
    plain = embed(paras, call)
    assert call in clean_text(plain, "en").text
    assert strip_promos(plain, "en", calls=False) == (plain, [])
    body = "".join(f"<p>{p}</p>" for p in [*paras[:2], call, *paras[2:4]])
    cleaned = clean_text(body, "en")
    assert call not in cleaned.text and paras[2] in cleaned.text
    assert Edit("promo", call) in cleaned.edits


def test_a_call_rule_needs_a_lookahead_of_literal_words(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    """A ``call`` rule is tried on lines of up to 40 words, only when the line has the words
    of one of its first lookahead's alternatives: a rule without such a lookahead is refused
    with the file and line."""
    from cleaners.text.promos import rules

    data = tmp_path / "data" / "promos"
    data.mkdir(parents=True)
    (data / "xx.txt").write_text("line  hello\ncall  .*(?:support|donate).*\n", encoding="utf-8")
    monkeypatch.setattr(rules.resources, "files", lambda _package: tmp_path)
    rules._load_lang.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"promos/xx.txt line 2: a call rule starts with"):
            rules._load_lang("xx")
        (data / "xx.txt").write_text("call  (?=.*\\b(?:support us|donate)\\b).+\n",
                                     encoding="utf-8")
        (rule,) = rules._load_lang("xx")
        assert rule.cues == (frozenset({"support", "us"}), frozenset({"donate"}))
    finally:
        rules._load_lang.cache_clear()


def test_curly_and_straight_apostrophes_and_guillemet_spacing() -> None:
    for line in (
        "Don't miss: The 10 best laptops",
        "Don’t miss: The 10 best laptops",
        "À lire aussi »  Le budget adopté",
        "À lire aussi\u202f» Le budget adopté",
        "A lire aussi >> Le budget adopté",
        "• À lire aussi : Le budget adopté",
        "(À lire aussi : Le budget adopté)",
        "[LIRE AUSSI] Le budget adopté",
        "Lesen Sie auch unseren Kommentar: Die Bahn und ihre Preise",
    ):
        assert match_promo_line(line) is not None, line


def test_weak_lead_in_needs_an_unrelated_headline() -> None:
    paras = en_paragraphs()
    unrelated = "Video: Giant panda cub takes first steps at Vienna zoo"
    related = "Video: Xi calls for cooperation in cyberspace at the Wuzhen forum"
    out, edits = strip_promos(embed(paras, unrelated), "en")
    assert edits == [Edit("promo", unrelated)]
    assert out == "\n\n".join(paras)
    text = embed(paras, related)
    assert strip_promos(text, "en") == (text, [])


def test_list_header_takes_following_unrelated_headlines() -> None:
    paras = en_paragraphs()
    block = "\n\n".join(
        [
            "Related Stories",
            "Giant panda cub takes first steps at Vienna zoo",
            "Ten recipes for a rainy weekend",
        ]
    )
    out, edits = strip_promos(embed(paras, block), "en")
    assert out == "\n\n".join(paras)
    assert [e.detail for e in edits] == [
        "Related Stories",
        "Giant panda cub takes first steps at Vienna zoo",
        "Ten recipes for a rainy weekend",
    ]
    # a following prose paragraph or related subheading stops the list
    block = "Related Stories\n\nChina and 5G: the road ahead"
    out, edits = strip_promos(embed(paras, block), "en")
    assert [e.detail for e in edits] == ["Related Stories"]
    assert "China and 5G: the road ahead" in out.split("\n\n")
    # in a text too short to judge, nothing but the header goes
    short = "Related Stories\n\nGiant panda cub takes first steps at Vienna zoo\n\n" + paras[2]
    assert [e.detail for e in strip_promos(short, "en")[1]] == ["Related Stories"]


def test_a_lone_headline_in_the_header_paragraph_goes_with_it() -> None:
    paras = en_paragraphs()
    head = "Giant panda cub takes first steps at Vienna zoo"
    out, edits = strip_promos(embed(paras, f"LIRE AUSSI\n{head}"))
    assert out == "\n\n".join(paras)
    assert [e.detail for e in edits] == ["LIRE AUSSI", head]
    # as a paragraph of its own, a single line after the header could be a subheading
    text = embed(paras, f"LIRE AUSSI\n\n{head}")
    assert [e.detail for e in strip_promos(text)[1]] == ["LIRE AUSSI"]


def test_blank_lines_are_collapsed_not_multiplied() -> None:
    text = "First paragraph.\n\nREAD MORE: Something else entirely\n\nSecond paragraph."
    assert strip_promos(text)[0] == "First paragraph.\n\nSecond paragraph."
    text = "First paragraph.\nAdvertisement\nSecond paragraph.\n"
    assert strip_promos(text)[0] == "First paragraph.\nSecond paragraph.\n"
    assert strip_promos("Advertisement\n\nBody text here.")[0] == "Body text here."


def test_idempotent_and_empty() -> None:
    text = strip_shortcodes(_read(FR_SEED))[0]
    once = strip_promos(text)[0]
    assert strip_promos(once) == (once, [])
    assert strip_promos("") == ("", [])
    assert strip_promos("   \n") == ("   \n", [])


def test_pattern_files_are_package_data_with_every_language() -> None:
    folder = resources.files("cleaners").joinpath("data", "promos")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".txt"))
    assert names == sorted(f"{lang}.txt" for lang in PROMO_LANGS)
    assert {"en", "fr", "de", "es", "it", "pt"} <= set(PROMO_LANGS)
    for lang in PROMO_LANGS:
        rules = load_promo_rules(lang)
        assert {r.kind for r in rules if r.lang == lang} >= {"line", "lead", "weak"}, lang
        assert {r.lang for r in rules} == {lang, "en"}
        assert rules[0].lang == lang
    assert load_promo_rules("fr-FR") == load_promo_rules("fr")
    assert load_promo_rules("pt_BR") == load_promo_rules("pt")
    everything = load_promo_rules(None)
    assert len(everything) > len(load_promo_rules("en"))
    assert load_promo_rules("xx") == everything


@pytest.mark.parametrize("tag", ["pt", "pt-BR", "pt_BR", " PT_br "])
def test_one_reading_of_the_language_tag_for_rules_and_vocabulary(
    tag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pt_BR`` gets the Portuguese rules and the Portuguese vocabulary (stopwords, lemmas)."""
    from cleaners.text.promos import detect

    seen: list[str | None] = []

    class Spy(detect.Vocabulary):
        def __init__(self, lines: list[str], lang: str | None, *rest: object) -> None:
            seen.append(lang)
            super().__init__(lines, lang, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(detect, "Vocabulary", Spy)
    assert load_promo_rules(tag) is load_promo_rules("pt")
    find_promo_lines(["Leia também: O governo aprova o orçamento", "O texto."], tag)
    assert seen == ["pt"]


def test_a_line_of_another_language_needs_its_patterns() -> None:
    paras = en_paragraphs()
    text = embed(paras, "Lesen Sie auch: Die Bahn erhöht die Preise")
    assert strip_promos(text, "fr") == (text, [])
    assert strip_promos(text, "de")[1] != []
    # English promos are found whatever the language
    text = embed(paras, "READ MORE: Why the bond market is flashing red")
    assert strip_promos(text, "fr")[0] == "\n\n".join(paras)


WMT = ROOT.parent / "shared" / "eval" / "wmt"


@pytest.mark.parametrize(
    ("name", "lang"),
    [
        ("newstest2013-src.en.sgm", "en"),
        ("newstest2013-src.fr.sgm", "fr"),
        ("newstest2013-src.de.sgm", "de"),
        ("newstest2013-src.es.sgm", "es"),
        ("newsdiscussdev2015-fren-src.fr.sgm", "fr"),
    ],
)
def test_no_line_of_real_news_articles_is_removed(name: str, lang: str) -> None:
    """Every document of a WMT set, one sentence per line (titles and subheadings
    included): nothing is a promo, with or without the language hint."""
    path = WMT / name
    if not path.exists():
        pytest.skip(f"evaluation data not found at {path} (no ../shared/eval)")
    raw = path.read_text(encoding="utf-8")
    docs = re.findall(r"<doc [^>]*>(.*?)</doc>", raw, re.S)
    assert len(docs) >= 50
    for doc in docs:
        text = "\n".join(s.strip() for s in re.findall(r"<seg[^>]*>(.*?)</seg>", doc, re.S))
        assert strip_promos(text, lang) == (text, [])
        assert strip_promos(text) == (text, [])


def test_never_raises_and_only_removes_whole_lines() -> None:
    import random

    rng = random.Random(5)
    pieces = ["READ MORE", ":", " ", "\n", "\n\n", "Lire aussi", "»", "Video", "Related Stories",
              "China", "Énurésie", " : ", "The end.", "Advertisement", "(", ")", "’", "\u00a0"]  # fmt: skip
    for _ in range(1500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        out, edits = strip_promos(text)
        kept = out.split("\n")
        lines = text.split("\n")
        assert all(line in lines for line in kept if line.strip())
        # one edit per removed line, or per removed block (its lines joined by "\n")
        assert sum(len(e.detail.split("\n")) for e in edits) == len(
            [ln for ln in lines if ln.strip()]
        ) - len([ln for ln in kept if ln.strip()])


def test_real_news_loses_only_its_bylines() -> None:
    """newstest2012 in four languages: the only lines removed are bylines made of a name
    alone (`By Julia Stanek`, `Von …`, `Por …`), page furniture for the pattern files; every
    other line of every article stays."""
    byline = re.compile(r"(?:By|Von|Par|Por|por) (?:[A-ZÄÖÜÉ][\w.'-]+ ?){1,4}")
    removed = []
    for lang in ("en", "fr", "de", "es"):
        path = WMT / f"newstest2012-src.{lang}.sgm"
        if not path.exists():
            pytest.skip(f"evaluation data not found at {path} (no ../shared/eval)")
        for doc in re.findall(r"<doc [^>]*>(.*?)</doc>", path.read_text(encoding="utf-8"), re.S):
            text = "\n".join(s.strip() for s in re.findall(r"<seg[^>]*>(.*?)</seg>", doc, re.S))
            out, edits = strip_promos(text, lang)
            assert out == "\n".join(line for line in text.split("\n")
                                    if line not in {e.detail for e in edits})
            removed += [e.detail for e in edits]
    assert removed and all(byline.fullmatch(line) for line in removed), removed


def _review_lines(name: str) -> list[str]:
    path = Path(__file__).parent / "data" / name
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def test_lines_of_reviews_near_calls_are_kept() -> None:
    """91 article lines a review built around the words of the calls for a site's accounts,
    app, letters and tips, paywall and channel (`Like NASA on YouTube and X, the agency…`,
    `Download the FEMA app for the latest updates`, `Send a tip to your delivery driver`,
    `Déjà abonné ? Le passe Navigo…`), each removed by a first version of those rules."""
    lines = _review_lines("article_lines_near_calls.txt")
    assert len(lines) == 91
    paras = en_paragraphs()
    removed = [line for line in lines if strip_promos(embed(paras, line))[1]]
    assert not removed, removed


def test_calls_of_reviews_are_removed() -> None:
    """The same review's genuine calls that the rules take, in six languages."""
    lines = _review_lines("calls_by_review.txt")
    assert len(lines) == 54
    paras = en_paragraphs()
    kept = [line for line in lines if not strip_promos(embed(paras, line))[1]]
    assert not kept, kept


@pytest.mark.parametrize(("line", "removed"), [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", True),  # WordPress embeds a URL alone
    ("https://youtu.be/dQw4w9WgXcQ", True),
    ("https://twitter.com/jack/status/20", True),
    ("https://vimeo.com/12345", True),
    ("See https://www.youtube.com/watch?v=abc for the video.", False),  # a sentence stays
    ("https://www.example.org/report.pdf", False),  # not a player's URL
])
def test_a_players_url_alone_on_its_line_is_removed(line: str, removed: bool) -> None:
    # an embed block or an auto-embedded URL left the URL as a paragraph of the text
    text = f"The minister spoke on Tuesday.\n\n{line}\n\nThe speech lasted an hour."
    out, _ = strip_promos(text)
    assert (line not in out) == removed


def _made_up_word(k: int) -> str:
    """A word no dictionary has, whose first five letters (`Vocabulary.keys` compares them)
    no other ``k`` under 160,000 gives: ``k`` in four base-20 digits of consonants."""
    consonants = "bcdfghjklmnpqrstvwxz"
    return "".join(consonants[k // 20**e % 20] for e in range(4)).capitalize() + "ux"


@pytest.mark.timeout(30)
def test_thousands_of_promos_are_judged_in_linear_time() -> None:
    # each judgment of a line against the article counted every promo found before it again,
    # and each list header looked itself up in the whole text: this text (about 1 MB) took 70 s,
    # 1.6 s since the judgments cost the judged line's words. Headlines of words no other
    # line has: each is judged unrelated to the article.
    n = 3_000
    words = iter(_made_up_word(k) for k in range(9 * n))
    article = en_paragraphs()
    parts, promos = [], []
    for k in range(n):
        video = f"Video: {next(words)} {next(words)} {next(words)}"
        related = ["Related Stories", *(" ".join(next(words) for _ in range(3)) for _ in "ab")]
        parts += [article[k % len(article)], video, *related]
        promos += [video, *related]
    out, edits = strip_promos("\n\n".join(parts), "en")
    assert out == "\n\n".join(article[k % len(article)] for k in range(n))
    assert [e.detail for e in edits] == promos


@pytest.mark.timeout(30)
def test_promo_lines_in_a_row_are_stepped_over_in_linear_time() -> None:
    # each heading's run walked over every promo line after it (later headings of no block):
    # 16,000 "Related Stories" took 25 s, quadratic (2026-12-07); 32,000 here, under 3 s
    article = en_paragraphs()
    text = "\n\n".join([*article, *["Related Stories"] * 32_000, *article])
    out, edits = strip_promos(text, "en")
    assert out == "\n\n".join([*article, *article])
    assert [e.detail for e in edits] == ["Related Stories"] * 32_000


def test_a_rule_set_remembers_a_bounded_number_of_line_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    from cleaners.text.promos import rules as promo_rules

    monkeypatch.setattr(promo_rules, "MAX_STARTS", 3)
    fresh = promo_rules.RuleSet(tuple(load_promo_rules("en")), 2)
    lines = ["READ MORE: a", "Advertisement", "zz top", "qq", "Related stories"]
    for line in lines:
        assert promo_rules.match(line, fresh) == promo_rules.match(line, fresh, fast_reject=False)
    assert 0 < len(fresh._by_start) <= 3
    assert fresh.without_calls().start_length == 2
