"""Hostile pages: lying or missing charsets, absurd nesting, and (end to end) a crawl full of them.

The first part calls extraction directly on the replica's pages served the wrong way. The second
runs one `scrapy crawl article -a urls=FILE` over a good replica article and many hostile responses.
"""

from __future__ import annotations

import re

import lxml.etree
import pytest

from crawler.extract import extract_article
from crawler.extract.document import decode_html, parse_document
from crawler.extract.nesting import HARD_DEPTH, cap_nesting
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


# ---------------------------------------------------------------------------- nesting past libxml2's limit

SEED_FILE = ARTICLES / "national" / "asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts.html"
SEED_URL = "https://www.phnompenhpost.com/national/asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts"
DEPTH = 10_000


def wrapped_in_divs(page: str, depth: int = DEPTH) -> str:
    """The page with its whole <body> content wrapped in `depth` nested <div>s."""
    head, rest = page.split("<body", 1)
    body_tag, rest = rest.split(">", 1)
    content, tail = rest.rsplit("</body>", 1)
    return head + "<body" + body_tag + ">" + "<div>" * depth + content + "</div>" * depth + "</body>" + tail


def tree_depth(root) -> int:
    deepest = depth = 0
    for event, _ in lxml.etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.parametrize("depth", [300, DEPTH])
def test_an_article_inside_deep_nesting_is_extracted_as_if_it_were_not(depth):
    """libxml2 stops at 256 open elements and drops the rest of the page; the capped re-parse keeps it."""
    page = SEED_FILE.read_text(encoding="utf-8")
    plain = extract_article(page.encode(), SEED_URL)
    deep = extract_article(wrapped_in_divs(page, depth).encode(), SEED_URL)
    assert deep.page_type == "article"
    assert (deep.title, deep.image, deep.published, deep.body) == (plain.title, plain.image, plain.published,
                                                                   plain.body)


def test_text_after_a_deep_block_is_kept():
    paragraph = "The provincial hall approved the new road budget after a long session on Friday. "
    html = ("<html><head><title>Council budget</title></head><body><p>before</p>" + "<div>" * 300 + "deep"
            + "</div>" * 300 + f"<p>{paragraph}</p></body></html>")
    doc = parse_document(html, "https://www.example.org/a")
    text = doc.tree.text_content()
    assert "before" in text and "deep" in text and paragraph in text
    assert tree_depth(doc.tree) <= HARD_DEPTH + 2


def test_deep_nesting_of_elements_that_do_not_merge_is_capped_without_losing_words():
    levels = 5_000
    opening = "".join(f"<b class='l{i}'>word{i} " for i in range(levels))
    html = "<html><head><title>Levels</title></head><body>" + opening + "</b>" * levels + "<p>the end</p></body></html>"
    capped = cap_nesting(html)
    doc = parse_document(html, "https://www.example.org/a")
    assert tree_depth(doc.tree) <= HARD_DEPTH + 2
    words = doc.tree.body.text_content().split()
    assert words[0] == "word0" and words[-2:] == ["the", "end"]
    assert [w for w in words if w.startswith("word")] == [f"word{i}" for i in range(levels)]
    assert capped.count("<b ") == HARD_DEPTH - 2  # html and body take two levels


def test_capping_keeps_scripts_attributes_and_entities():
    html = ('<!DOCTYPE html><html lang="km"><head><script type="application/ld+json">{"headline": "A < B & C"}'
            '</script></head><body>' + "<div>" * 400 + '<p class="lead" data-x=\'"q"\'>Tom &amp; Jerry &lt;3</p>'
            + "</div>" * 400 + "</body></html>")
    doc = parse_document(html, "https://www.example.org/a")
    assert doc.lang == "km"
    assert doc.jsonld == [{"headline": "A < B & C"}]
    paragraph = doc.tree.xpath("//p")[0]
    assert paragraph.get("class") == "lead" and paragraph.get("data-x") == '"q"'
    assert paragraph.text_content() == "Tom & Jerry <3"
