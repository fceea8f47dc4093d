"""Hostile pages: lying or missing charsets, absurd nesting, and (end to end) a crawl full of them.

The first part calls extraction directly on the replica's pages served the wrong way. The second
runs one `scrapy crawl article -a urls=FILE` over a good replica article and many hostile responses.
"""

from __future__ import annotations

import re

import pytest

from crawler.extract import extract_article
from crawler.extract.document import decode_html
from tests.conftest import REPLICA, expected_articles

CASES = {a["slug"]: a for a in expected_articles()}
CAFE = CASES["phnom-penh-cafe-owners-brace-for-rising-coffee-bean-prices"]
LAKE = CASES["living-with-the-lake-a-year-in-tonle-saps-floating-villages"]
ARTICLES = REPLICA / "pages" / "articles"
CAFE_FILE = ARTICLES / "business" / "phnom-penh-cafe-owners-brace-for-rising-coffee-bean-prices.html"
LAKE_FILE = ARTICLES / "special-reports" / "living-with-the-lake-a-year-in-tonle-saps-floating-villages.html"


def strip_meta_charset(page: bytes) -> bytes:
    stripped = re.sub(rb"<meta charset=\"[^\"]+\">\s*", b"", page, count=1)
    assert stripped != page
    return stripped


# ---------------------------------------------------------------------------- charsets


@pytest.mark.parametrize("header", [None, "utf-8"], ids=["no-charset-anywhere", "header-says-utf-8"])
def test_undeclared_windows_1252_is_read_as_windows_1252(header):
    """The café page is windows-1252; without its <meta charset> (and with a header that lies) it must
    still read "crème brûlée", not "crčme brűlée" (charset-normalizer ties cp1250/cp1252/cp1257 here)."""
    page = strip_meta_charset(CAFE_FILE.read_bytes())
    text, encoding = decode_html(page, header)
    assert encoding == "cp1252"
    assert "crème brûlée" in text and "’" in text and "“" in text
    article = extract_article(page, CAFE["origin_url"], http_encoding=header)
    declared = extract_article(CAFE_FILE.read_bytes(), CAFE["origin_url"])
    assert article.title == declared.title == CAFE["title"]
    assert article.body == declared.body


@pytest.mark.parametrize(("text", "encoding"), [
    ("Příliš žluťoučký kůň úpěl ďábelské ódy. Vláda schválila rozpočet na příští rok. ", "cp1250"),
    ("Правительство утвердило бюджет на следующий год после долгих обсуждений. ", "cp1251"),
])
def test_detection_still_finds_other_single_byte_encodings(text, encoding):
    page = f"<html><head><title>News</title></head><body><p>{text * 20}</p></body></html>"
    assert decode_html(page.encode(encoding)) == (page, encoding)


@pytest.mark.parametrize("header", ["iso-8859-1", None], ids=["header-says-latin-1", "no-charset-anywhere"])
def test_utf8_bytes_are_read_as_utf8_whatever_the_header_says(header):
    page = LAKE_FILE.read_bytes()
    if header is None:
        page = strip_meta_charset(page)
    article = extract_article(page, LAKE["origin_url"], http_encoding=header)
    assert article.title == LAKE["title"] == "Living with the lake: a year in Tonle Sap’s floating villages"
    assert article.body == extract_article(LAKE_FILE.read_bytes(), LAKE["origin_url"], http_encoding="utf-8").body
    assert "\ufffd" not in article.body and "â€" not in article.body
