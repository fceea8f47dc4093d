"""Byline strings to names: prefixes, joined names, roles, credits, dates, parentheticals, CJK credit lines."""

from __future__ import annotations

import lxml.html
import pytest

from crawler.extract.bylines import drop_byline_copies, parse_byline


@pytest.mark.parametrize(("byline", "names"), [
    # prefixes in several languages, and "<Word> by"
    ("By Desk One", ["Desk One"]),
    ("Analysis by Desk One", ["Desk One"]),
    ("Opinion by Desk One and Desk Two", ["Desk One", "Desk Two"]),
    ("Por Desk One y Desk Two", ["Desk One", "Desk Two"]),
    ("Von Desk One und Desk Two", ["Desk One", "Desk Two"]),
    ("Text: Desk One", ["Desk One"]),
    # "published by" in other languages: the lead-in is no part of the name
    ("veröffentlicht von gartenblog", ["gartenblog"]),
    ("Publié par Desk One", ["Desk One"]),
    ("Publicado por Desk One y Desk Two", ["Desk One", "Desk Two"]),
    ("Autor: Desk One", ["Desk One"]),
    # Italian "di" is a prefix only in lower case; capitalised it starts a surname
    ("di Desk One", ["Desk One"]),
    ("Di Stefano Desk", ["Di Stefano Desk"]),
    # an initial "Y." is not Spanish "y"
    ("Alex Y. Example", ["Alex Y. Example"]),
    ("BY DESK ONE AND DESK TWO", ["DESK ONE", "DESK TWO"]),
    # joined names: commas, semicolons, ampersands, " / ", CJK enumeration commas
    ("Desk One; Desk Two & Desk Three", ["Desk One", "Desk Two", "Desk Three"]),
    ("Desk One / Desk Two", ["Desk One", "Desk Two"]),
    # roles after a name go; a role alone names nobody; a desk called "... Staff" stays
    ("Desk One, Senior Editor", ["Desk One"]),
    ("Desk One Staff Writer", ["Desk One"]),
    ("Example Wire Editor-at-large", ["Example Wire"]),
    ("Desk One News Editor", ["Desk One"]),
    ("Chief Correspondent", []),
    ("Post Staff", ["Post Staff"]),
    # "Name. Publication", "Name (initials)", "Name - Role"
    ("Desk One. Example Wire Service", ["Desk One"]),
    ("Desk One (dso), Desk Two (dst.)", ["Desk One", "Desk Two"]),
    ("Desk One - Example Wire", ["Desk One"]),
    # dates and times after the names
    ("By Desk One and Desk Two Monday, November 18, 2019, 04:05 pm PT", ["Desk One", "Desk Two"]),
    ("Desk One 18.10.2024 10:58", ["Desk One"]),
    ("Desk One October 18, 2024", ["Desk One"]),
    ("Desk One | 18 October 2024", ["Desk One"]),
    # a date joined by a preposition ("am", "le", "el", "on") is no part of the name
    ("Von Desk One am 19. Oktober 2019 um 11:14 Uhr", ["Desk One"]),
    ("Von Desk One am 03.05.2021", ["Desk One"]),
    ("Par Desk One le 3 mai 2021", ["Desk One"]),
    ("Por Desk One el 3 de mayo", ["Desk One"]),
    # abbreviations for "editorial desk" and "agencies", a desk with a slash
    ("red, Example.at/Agenturen", ["Example.at"]),
    # "Redaktion" (the editorial desk) names the desk, as "Post Staff" does; the corpora record it as the author
    ("Von Redaktion", ["Redaktion"]),
    ("desk/abc", ["desk/abc"]),
    # picture credits, URLs and e-mail addresses are not names
    ("(Image: Getty Images/iStockphoto)", []),
    ("Foto: Example Photo Agency", []),
    ("https://www.example.org/authors/desk-one", []),
    ("desk.one@example.org", []),
    # CJK credit lines
    ("（责编：编辑部、新闻部）", ["编辑部", "新闻部"]),
    ("作者：新闻中心", ["新闻中心"]),
    ("", []),
])
def test_parse_byline(byline: str, names: list[str]) -> None:
    assert parse_byline(byline) == names


@pytest.mark.parametrize(("text", "names"), [
    # a visible block: the byline is the first line with names, the date or the desk on the next line is not
    ("By Desk One and Desk Two\nMonday, November 18, 2019", ["Desk One", "Desk Two"]),
    ("By\nDesk One", ["Desk One"]),
    ("By DESK ONE and DESK TWO\nExample Wire Service", ["DESK ONE", "DESK TWO"]),
])
def test_parse_byline_by_line(text: str, names: list[str]) -> None:
    assert parse_byline(text, by_line=True) == names


PARAGRAPH_LIST = [f"<p>Paragraph {i} of the story, with enough words to read as article text.</p>" for i in range(8)]
PARAGRAPHS = "".join(PARAGRAPH_LIST)


@pytest.mark.parametrize(("lead", "tail", "authors"), [
    ("<p>By Dara Sok and Lina Chan</p>", "", ["Dara Sok", "Lina Chan"]),
    ("<div class='x'>Dara Sok</div>", "", ["Dara Sok"]),
    ("", "<p><strong>Dara Sok</strong></p>", ["Dara Sok"]),
    ("", "<p><em>Dara Sok, Lina Chan</em></p>", ["Lina Chan", "Dara Sok"]),
])
def test_byline_copies_at_either_end_of_the_body_go(lead: str, tail: str, authors: list[str]) -> None:
    content = lxml.html.fragment_fromstring(lead + PARAGRAPHS + tail, create_parent="div")
    drop_byline_copies(content, authors)
    text = " ".join(content.text_content().split())
    assert "Dara Sok" not in text
    assert text.startswith("Paragraph 0") and text.endswith("Paragraph 7 of the story, with enough words to read as "
                                                             "article text.")


@pytest.mark.parametrize(("block", "where"), [
    ("<p>Dara Sok said the harvest was good.</p>", "start"),  # a sentence naming the author
    ("<p>By Dara Sok and the Example Desk</p>", "start"),  # a name that is not one of the authors
    ("<p>Dara Sok</p>", "middle"),  # inside the text: a name label (an interview), not a byline
])
def test_other_lines_naming_the_author_stay(block: str, where: str) -> None:
    half = len(PARAGRAPH_LIST) // 2
    html = block + PARAGRAPHS if where == "start" else "".join([*PARAGRAPH_LIST[:half], block, *PARAGRAPH_LIST[half:]])
    content = lxml.html.fragment_fromstring(html, create_parent="div")
    drop_byline_copies(content, ["Dara Sok"])
    assert "Dara Sok" in content.text_content()


@pytest.mark.parametrize("line", ["Von", "Publié par", "Published by", "Veröffentlicht von:", "By"])
def test_a_byline_lead_in_without_a_name_gives_no_author(line: str) -> None:
    """The name sits in another element (a link, an image's alt): the lead-in alone is no author."""
    assert parse_byline(line) == []
