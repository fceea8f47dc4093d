"""Extraction is total: no href, URL or garbled markup makes it fail.

`extract_article` catches any exception and reports the page as `extract_error`, so a crash shows there:
these tests assert that no input reaches that branch.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import extract_article
from crawler.extract.blocks import is_internal
from crawler.extract.urls import canonical_url, join_url, same_host, split_url, strip_tracking, url_host, url_path

URL = "https://news.example.org/world/2024/05/ferry-service-resumes-after-storm"

ODD_HREFS = [
    "http://[ccpa-preferences]/",  # a consent manager's pseudo link (crashed urllib in is_internal)
    "https://[do-not-sell]/settings",
    "http://[::1",  # unclosed IPv6 bracket
    "http://example.org:99999/",  # port out of range
    "http://example.org:port/",
    "//[broken",
    "https://",
    "http://%zz/",
    "\x00javascript:alert(1)",
    "mailto:",
    " ",
    "?page=2",
    "#",
]

PARAGRAPHS = [
    "The ferry between the two islands sailed again on Monday, three days after the storm closed the port.",
    "Operators said the first crossings were full, with residents returning home and traders restocking shops.",
    "Harbour officials checked the piers overnight and found only minor damage to the mooring posts.",
    "The weather service expects calmer seas for the rest of the week, with winds easing by Wednesday.",
]


def article_page(link: str) -> str:
    body = "".join(f"<p>{text}</p>" for text in PARAGRAPHS)
    return (f'<!DOCTYPE html><html lang="en"><head><title>Ferry service resumes after storm</title>'
            f'<link rel="canonical" href="{link}"></head><body>'
            f'<nav><a href="{link}">Privacy choices</a> <a href="/world">World</a></nav>'
            f'<main><article><h1>Ferry service resumes after storm</h1>{body}'
            f'<p>Read the <a href="{link}">operator\'s notice</a> for timetables.</p>'
            f'<img src="{link}" alt=""><iframe src="{link}"></iframe></article></main>'
            f'<footer><a href="{link}">Do not sell my personal information</a></footer></body></html>')


def test_url_helpers_never_raise() -> None:
    for href in ODD_HREFS:
        split_url(href)
        url_host(href)
        url_path(href)
        join_url(URL, href)
        strip_tracking(href)
        same_host(href, URL)
        is_internal(href, {"news.example.org"}, {"/world/2024/05/ferry-service-resumes-after-storm"})
        assert canonical_url(URL, [href]).startswith(("http://", "https://"))
    for unreadable in ODD_HREFS[:3]:
        assert canonical_url(URL, [unreadable]) == URL


def test_a_bracketed_pseudo_host_is_no_url() -> None:
    assert url_host("http://[ccpa-preferences]/") == ""
    assert not is_internal("http://[ccpa-preferences]/", {"news.example.org"}, set())
    assert url_host("http://[::1]:8080/x") == "::1"  # a real IPv6 address still reads
    assert is_internal("https://www.news.example.org/world", {"news.example.org"}, set())


def test_a_consent_link_with_a_bracketed_host_does_not_lose_the_article() -> None:
    """Regression: `http://[ccpa-preferences]/` in a page's links made urllib raise in blocks.is_internal,
    and the whole page came back as `extract_error`."""
    article = extract_article(article_page("http://[ccpa-preferences]/"), URL)
    assert article.page_type == "article"
    assert article.origin_url == URL
    for paragraph in PARAGRAPHS:
        assert paragraph in (article.body or "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(link=st.one_of(st.sampled_from(ODD_HREFS), st.text(max_size=30)))
def test_any_href_anywhere_leaves_the_article_intact(link: str) -> None:
    html = article_page(link.replace('"', "").replace("<", "").replace(">", ""))
    article = extract_article(html, URL)
    assert article.page_type == "article", link
    assert PARAGRAPHS[0] in (article.body or "")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 40),
                               st.text(alphabet="<>/=\"'&;#[]{}!- abpdivhrefsc\x00\u202e\ufeff", max_size=12)),
                     max_size=6))
def test_garbled_markup_never_breaks_extraction(cuts: list[tuple[int, int, str]]) -> None:
    """Bytes cut out of a page and replaced by stray markup characters (as a truncated download or a
    broken template leaves them): extraction ends normally, as text or with a reason, never with an error."""
    html = article_page("http://[ccpa-preferences]/")
    for at, length, junk in cuts:
        at = min(at, len(html))
        html = html[:at] + junk + html[at + length:]
    for payload in (html, html.encode("utf-8", errors="surrogatepass")):
        article = extract_article(payload, URL)
        assert article.page_type != "extract_error"
        assert article.page_type is not None


CONTROLS = [("\x00", "\x00"), ("\x01", "\x01"), ("\x0b", "\x0b"), ("\x0c", "\x0c"), ("\x1b", "\x1b"),
            ("\ufffe", "\ufffe"), ("\ud800", "\ud800"), ("&#x1F;", "\x1f"), ("&#11;", "\x0b"), ("&#0012", "\x0c"),
            ("&#xFFFE;", "\ufffe"), ("&#127;", "\x7f")]
"""Control characters as they come in pages (raw, or as a character reference) and the character each is."""


@pytest.mark.parametrize(("control", "character"), CONTROLS)
def test_a_control_character_in_the_text_does_not_lose_the_article(control: str, character: str) -> None:
    """Regression: a control character (a vertical tab or an escape pasted from a word processor, a NUL
    from a broken template) in text that extraction moved when it dropped an element (the text after a
    <script>) made lxml raise, and the whole page came back as `extract_error`; a NUL anywhere made the
    parser give up, and the page had no text. (A NUL in the first kilobyte still marks a binary file: the
    page opens with a long head here.) A character reference to a control character did the same."""
    html = article_page("https://news.example.org/world").replace("<head>", "<head>" + "<!-- -->" * 200).replace(
        "<p>Read the", f"<script>track()</script>Crossings run{control} hourly until the weekend, the operator said."
                       f"<p>Ferry tickets are{control} valid for a month.</p><p>Read the")
    for payload in (html, html.encode("utf-8", errors="surrogatepass")):
        article = extract_article(payload, URL)
        assert article.page_type == "article", repr(control)
        body = article.body or ""
        for paragraph in PARAGRAPHS:
            assert paragraph in body
        assert "hourly until the weekend" in body
        assert "valid for a month" in body
        assert character not in body


def test_a_nul_byte_in_the_head_of_an_html_page_does_not_make_it_binary() -> None:
    """Regression: a NUL byte in a page's first kilobyte made it `not_html`, even when the page opens
    as HTML (browsers' sniffing lets the HTML signature win); bytes that do not open as HTML still are."""
    html = article_page("https://news.example.org/world").replace(
        "<title>", '<meta name="generator" content="CMS\x00 5"><title>')
    article = extract_article(html.encode(), URL)
    assert article.page_type == "article"
    assert PARAGRAPHS[0] in (article.body or "")
    assert extract_article(b"\xef\xbb\xbf" + html.encode(), URL).page_type == "article"  # after a UTF-8 BOM too
    xhtml = '<?xml version="1.0" encoding="UTF-8"?>\n' + html
    assert extract_article(xhtml.encode(), URL).page_type == "article"  # and after an XML declaration
    assert extract_article(b"\x00\x01binary" + html.encode(), URL).page_type == "not_html"


def test_references_to_windows_1252_codes_still_read_as_browsers_read_them() -> None:
    """Only references to control characters are taken out: `&#146;` and `&#150;` (the Windows-1252 codes
    of a quote and a dash, which old pages write) stay a quote and a dash, and `&#0;` stays U+FFFD."""
    html = article_page("https://news.example.org/world").replace(
        "<p>Read the", "<p>Crossings don&#146;t stop &#150; not even at night&#0;.</p><p>Read the")
    assert "Crossings don\u2019t stop \u2013 not even at night\ufffd." in (extract_article(html, URL).body or "")
