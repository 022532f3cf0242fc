"""A news agency's credits under its story (`is_story_credit`), and the merge of trafilatura's
two passes keeping them when the precision pass drops them (`combine_passes`)."""

from __future__ import annotations

import pytest

from cleaners.text.page_byline import STORY_CREDIT_MAX_WORDS, is_story_credit
from cleaners.text.page_passes import combine_passes

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
    "Compiled by Vickie Kavanagh",
    # its French, German and Spanish services
    "(Reportage Jean Dupont, version française Marc Joanny)",
    "(Version française Jean-Stéphane Brosse, édité par Sophie Louet)",
    "(Bericht von Klaus Lauer, redigiert von Olaf Brenner)",
    "(Reporte de Juan Pérez; Editado en español por Ana Ruiz)",
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
