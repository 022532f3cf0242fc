"""A news agency's credits under its story (`is_story_credit`), and the merge of trafilatura's
two passes keeping them when the precision pass drops them (`combine_passes`)."""

from __future__ import annotations

import pytest

from cleaners.text.page_passes import combine_passes
from cleaners.text.story_credits import STORY_CREDIT_MAX_WORDS, is_story_credit

STORY_CREDITS = [
    # Reuters' English services, with and without brackets
    "Additional reporting by Steve Gorman; Editing by Marguerita Choy, Nick Zieminski and "
    "Simon Cameron-Moore",
    "(Reporting by Will Dunham; Editing by Tom Brown)",
    "(Reporting by Andy Bruce in London and Ankur Banerjee in Bengaluru; Editing by Joyjeet Das)",
    "Reporting by Rodrigo Campos; additional reporting by Stephanie Kelly",
    "(Additional reporting by Wilda Asmarini, Fransiska Nangoy and Cindy Silviana)",
    "With reporting by Laura Bradley.",
    "Writing by Kate Holton; Editing by Guy Faulconbridge",
    "REPORTING BY STEVE GORMAN; EDITING BY TOM BROWN",
    "Reporting by: Jane Doe",
    "Reporting and writing by Jane Doe",
    "Additional reporting by the Associated Press",
    "(Reporting by Greg Roumeliotis, Joshua Franklin, Koh Gui Qing, with reporting by Herb Lash "
    "and Megan Davies in New York)",
    "--With assistance from Jane Doe.",  # Bloomberg
    # its French, German and Spanish services
    "(Reportage Jean Dupont, version française Marc Joanny)",
    "(Version française Jean-Stéphane Brosse, édité par Sophie Louet)",
    "(Bericht von Klaus Lauer, redigiert von Olaf Brenner)",
    "(Reporte de Juan Pérez; Editado en español por Ana Ruiz)",
    "(Reportage de Jean Dupont)",
]

NOT_STORY_CREDITS = [
    "Reporting by the Times found that the council knew.",  # a sentence: no name after "by"
    "Editing by hand is slow",
    "Writing by Hand: a Beginner's Guide",  # a name followed by a colon
    "Written by Jane Doe",  # a page's byline above its article
    "Edited June 19, 2024 by ColdJ",  # a forum post's edit note
    "Reportage : la grève des cheminots",  # a French heading, no bracket
    "Reportage Jean Dupont",  # the French form needs its bracket
    "Reporting",
    "",
    # a review: headings, UI strings and sentences that open with a credit's words; a name is
    # two words or more, or an agency, and nothing but credits may follow it
    "Reporting by Category",
    "Reporting by Numbers",
    "Writing by Hand",
    "Writing by Hand Is Good for Your Brain",
    "Writing by Hand – a Beginner's Guide",
    "Editing by AI tools is hard",
    "Editing by AI Is Coming for Hollywood",
    "Editing by Moderator",
    "Compiled by Our Staff",
    "Compiled by Google Translate",
    "Reporting by Reuters found that the council knew",
    "(Reporte de Mercado)",
    "(Bericht von Gestern)",
    "(Editado por Admin)",
    "(Version Française Disponible)",
    "Reporting by Jane Doe in",
]


@pytest.mark.parametrize("line", STORY_CREDITS)
def test_an_agencys_credits_are_a_story_credit(line: str) -> None:
    assert is_story_credit(line)


@pytest.mark.parametrize("line", NOT_STORY_CREDITS)
def test_a_sentence_or_byline_is_no_story_credit(line: str) -> None:
    assert not is_story_credit(line)


def test_a_story_credit_is_short() -> None:
    names = ", ".join(f"Reporter {chr(65 + i % 26)}" for i in range(STORY_CREDIT_MAX_WORDS))
    assert not is_story_credit(f"(Reporting by {names})")


STORY = [
    "The council voted on Tuesday to extend the tram line to the airport by 2027.",
    "Work starts in the spring, and the line will carry 20,000 people a day.",
]
CREDIT = "Additional reporting by Steve Gorman; Editing by Marguerita Choy and Nick Zieminski"


def test_the_merge_keeps_the_credits_under_a_kept_line() -> None:
    """reuters.com (`tests/eval/test_eval_html_pages.py`): the precision pass ends with the
    story's last paragraph, the default pass has the credits under it, with no full stop."""
    broad = "\n".join([*STORY, CREDIT, "Our Standards"])
    assert combine_passes("\n".join(STORY), broad).split("\n") == [*STORY, CREDIT]


def test_the_merge_keeps_no_credits_under_a_dropped_line() -> None:
    """Credits under a line the merge drops (another story's teaser, a menu) go with it."""
    broad = "\n".join([*STORY, "More from Reuters", CREDIT])
    assert combine_passes("\n".join(STORY), broad).split("\n") == STORY


def test_the_merge_keeps_credits_only_under_a_line_of_the_story() -> None:
    """A review: a short line the precision pass holds as words (``Tram``), a line the
    default pass repeats (a teaser of the story under it, whose copy the merge drops) and
    credits are no line of the story: nothing under them is kept, and credits do not chain."""
    precise = "\n".join(STORY)
    for under in (["Tram"], ["Most read", STORY[0]], [CREDIT]):
        broad = "\n".join([*STORY, *under, "Editing by Jane Doe"])
        assert "Editing by Jane Doe" not in combine_passes(precise, broad), under
    assert combine_passes(precise, "\n".join([*STORY, "Reporting by Jane Doe"])).split(
        "\n") == [*STORY, "Reporting by Jane Doe"]
