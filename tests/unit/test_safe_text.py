"""safe_text and the one place it is applied: every text field extraction returns (issue 12)."""

from __future__ import annotations

import json

import pytest

from crawler.extract import extract_article
from crawler.extract.text import safe_text

URL = "https://news.example.org/national/flood-drill"
PARAGRAPH = "<p>Officials from four provinces met in the capital to plan next month's flood drill on the river.</p>"


@pytest.mark.parametrize(("text", "clean"), [
    ("plain text, Khmer ភ្នំពេញ and 😀", "plain text, Khmer ភ្នំពេញ and 😀"),
    ("lone \udfff surrogate", "lone \ufffd surrogate"),
    ("\ud83d\ude00 a pair from a JSON escape", "😀 a pair from a JSON escape"),
    ("NUL\x00 ESC\x1b DEL\x7f C1\x9b gone", "NUL ESC DEL C1 gone"),
    ("tab\tand\nnewline\r\nstay", "tab\tand\nnewline\r\nstay"),
    ("form\x0cfeed, vertical\x0btab, next\x85line", "form feed, vertical tab, next line"),
    ("non\ufffe\uffffcharacters", "noncharacters"),
])
def test_safe_text(text: str, clean: str) -> None:
    assert safe_text(text) == clean
    safe_text(text).encode("utf-8")  # always writable


def page(ld: dict[str, object], title: str = "Flood drill") -> str:
    return (f"<html lang='en'><head><title>{title}</title><script type='application/ld+json'>{json.dumps(ld)}"
            f"</script></head><body><article><h1>{title}</h1>{PARAGRAPH * 4}</article></body></html>")


def test_every_field_from_json_ld_loses_surrogates_and_controls() -> None:
    bad = "\udfff\x00\x1b\x7f"
    ld = {"@type": "NewsArticle", "headline": f"Flood{bad} drill", "description": f"Four{bad} provinces",
          "author": {"@type": "Person", "name": f"Desk{bad}"}, "articleSection": f"National{bad}",
          "keywords": [f"flood{bad}"], "datePublished": "2024-10-18T10:00:00+07:00"}
    article = extract_article(page(ld, "Flood\x1b drill"), URL)
    assert article.page_type == "article"
    assert article.title == "Flood drill"  # the ESC of <title> and <h1> is gone; they outvote JSON-LD
    assert article.description == "Four\ufffd provinces"
    assert article.authors == ["Desk\ufffd"]
    assert article.section == "National\ufffd"
    for value in (article.title, article.description, article.section, article.body, *article.authors,
                  *article.tags):
        assert value is not None
        value.encode("utf-8")
        assert not any(ch in value for ch in "\x00\x1b\x7f")
