"""Byline strings to names: prefixes, joined names, roles, credits, dates, parentheticals, CJK credit lines."""

from __future__ import annotations

import pytest

from crawler.extract.bylines import parse_byline


@pytest.mark.parametrize(("byline", "names"), [
    # prefixes in several languages, and "<Word> by"
    ("By Desk One", ["Desk One"]),
    ("Analysis by Desk One", ["Desk One"]),
    ("Opinion by Desk One and Desk Two", ["Desk One", "Desk Two"]),
    ("Por Desk One y Desk Two", ["Desk One", "Desk Two"]),
    ("Von Desk One und Desk Two", ["Desk One", "Desk Two"]),
    ("Text: Desk One", ["Desk One"]),
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
    # abbreviations for "editorial desk" and "agencies", a desk with a slash
    ("red, Example.at/Agenturen", ["Example.at"]),
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
