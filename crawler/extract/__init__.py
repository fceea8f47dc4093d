"""Extraction: HTML + URL (+ an optional site profile) in, an Article out. Pure: no Scrapy here.

`extract_article()` is the one entry point the spiders, the benchmark and the tests call.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import TYPE_CHECKING

from crawler.discovery.urlshapes import LISTING as LISTING_PATH
from crawler.extract.blocks import MAX_GOOD_LINK_DENSITY
from crawler.extract.body import extract_body
from crawler.extract.document import Document, parse_document
from crawler.extract.fallback import load_library
from crawler.extract.language import load_detector
from crawler.extract.metadata import (
    article_ld,
    find_authors,
    find_description,
    find_language,
    find_meta_image,
    find_modified,
    find_published,
    find_section,
    find_tags,
    find_title,
    has_article_signals,
    listing_declared,
    looks_like_error_page,
    origin_candidates,
    paywalled,
)
from crawler.extract.text import safe_text
from crawler.extract.urls import canonical_url, join_url, split_url
from crawler.items import Article

if TYPE_CHECKING:
    from crawler.profiles import SiteProfile

__all__ = ["extract_article", "warm_up"]

logger = logging.getLogger(__name__)

# Magic numbers of common non-HTML payloads served where a page was expected.
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF",
                 b"\x00\x00\x01\x00", b"OggS", b"ID3", b"fLaC", b"wOFF", b"wOF2")
_PROLOGUE = r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
"""What may come before a document's first tag: whitespace, an XML declaration, comments."""
_FEED_RE = re.compile(rf"^{_PROLOGUE}<(?:rss|feed|urlset|sitemapindex|rdf:RDF)\b", re.I | re.S)
_HTML_START_RE = re.compile(rb"(?:\xef\xbb\xbf)?" + _PROLOGUE.encode() + rb"<(?:!doctype\s+html|html|head|body)\b",
                            re.I | re.S)
"""Bytes that open as an HTML document (the WHATWG sniffing signatures, after a BOM or an XML declaration)."""
_MARKUP_RE = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|p|div|article|title|meta|h1)\b", re.I)
_LISTING_LINK_DENSITY = 0.5
"""A body with more of its text in links than this is a listing when nothing declares an article."""
_SUBSTANTIAL_TEXT = 1500
"""Characters of mostly unlinked text (at most _SUBSTANTIAL_LINK_DENSITY of it linked): an article whatever
the page declares."""
_SUBSTANTIAL_LINK_DENSITY = 0.3


def extract_article(html: str | bytes, url: str, profile: SiteProfile | None = None,
                    *, http_encoding: str | None = None, captions: bool = True) -> Article:
    """Extract an article from a page.

    Never raises on bad input: a page that is not an article comes back with `page_type` saying why
    (`empty`, `not_html`, `error_page`, `listing`, `no_title`, `paywall`, `empty_body`, `extract_error`).
    Before a page is declared without body, its JSON-LD articleBody and a second extraction strategy
    are tried (crawler/extract/fallback.py).
    `published`/`modified` are aware when the page names a zone, naive otherwise.
    `captions=False` leaves image captions out of the body (and `image_caption` None): the article text
    as the evaluation corpora record it. Posts always keep captions (the default).
    """
    article = Article(url=url, site=profile.id if profile is not None else None)
    try:
        _extract(article, html, url, profile, http_encoding, captions)
    except Exception:  # a bug must not stop a crawl: the item is dropped with this reason
        logger.exception("extraction failed for %s", safe_text(url))
        article.page_type = "extract_error"
    return clean_fields(article)


def warm_up() -> None:
    """Load now what extraction otherwise loads on the first page that needs it: the language detector's
    model and the second strategy's library (together about a second)."""
    load_library()
    load_detector()


def clean_fields(article: Article) -> Article:
    """Every text field (and every string of a list field) made `safe_text`: the one place where what
    a page says (body, JSON-LD, meta tags, bylines, sections, URLs) loses control characters and lone
    surrogates before it can reach a post, the state store or the run feed."""
    for field in dataclasses.fields(article):
        value = getattr(article, field.name)
        if isinstance(value, str):
            setattr(article, field.name, safe_text(value))
        elif isinstance(value, list):
            setattr(article, field.name, [safe_text(v) if isinstance(v, str) else v for v in value])
    return article


def _reject_payload(html: str | bytes | None) -> str | None:
    """`empty` or `not_html` for payloads that cannot be an article page, else None."""
    if not html or (isinstance(html, str) and not html.strip()):
        return "empty"
    if isinstance(html, bytes):
        if not html[:4096].strip():
            return "empty"
        if html.startswith(_BINARY_MAGIC):
            return "not_html"
        if html.startswith((b"\xff\xfe", b"\xfe\xff")):
            sample = html[:40000].decode("utf-16", errors="replace")
        elif b"\x00" in html[:1024] and not _HTML_START_RE.match(html[:1024]):
            return "not_html"  # binary (or UTF-16 without a BOM); an HTML start wins, as in browsers' sniffing
        else:
            sample = html[:20000].decode("latin-1")
    else:
        sample = html[:20000]
    if _FEED_RE.match(sample[:2048]) or not _MARKUP_RE.search(sample):
        return "not_html"
    return None


def _extract(article: Article, html: str | bytes, url: str, profile: SiteProfile | None,
             http_encoding: str | None, captions: bool) -> None:
    rejected = _reject_payload(html)
    if rejected:
        article.page_type = rejected
        return
    doc = parse_document(html, url, http_encoding)
    ld = article_ld(doc, doc.canonical or url)
    article.origin_url = canonical_url(url, origin_candidates(doc, ld, url), profile)
    _rebase(doc, article.origin_url)

    article.title = find_title(doc, profile, ld)
    article.description = find_description(doc, ld)
    article.authors = find_authors(doc, profile, ld)
    article.published = find_published(doc, profile, ld, article.origin_url)
    article.modified = find_modified(doc, ld)
    article.tags = find_tags(doc, ld)
    article.section = find_section(doc, ld)

    declared = has_article_signals(doc, ld)
    listing = listing_declared(doc)
    error_title = looks_like_error_page(article.title)
    # Second chances only where an article may be: none on a page that declares a collection or an
    # error, or on a tag, category, author or pagination URL; the page's own articleBody only where
    # something hints at a listing; else the articleBody and another extractor.
    if declared:
        fallback = "all"
    elif listing == 2 or error_title or LISTING_PATH.match(split_url(url).path or "/"):
        fallback = "none"
    else:
        fallback = "declared" if listing else "all"
    body = extract_body(doc, profile, doc.url, find_meta_image(doc, ld), captions=captions, authors=article.authors,
                        fallback=fallback)
    article.body = body.markdown
    article.image = body.image
    article.image_caption = body.image_caption
    sample = " ".join(filter(None, (article.title, article.description, body.markdown[:3000])))
    article.language = find_language(doc, profile, article.origin_url, ld, sample)

    substantial = body.text_length >= _SUBSTANTIAL_TEXT and body.link_density < _SUBSTANTIAL_LINK_DENSITY
    if not declared and not substantial and error_title:
        article.page_type = "error_page"
    elif not declared and not substantial and (listing == 2 or body.link_density > _LISTING_LINK_DENSITY or (
            listing and (not body.markdown.strip() or body.link_density > MAX_GOOD_LINK_DENSITY
                         or body.linked_headings > 0))):
        article.page_type = "listing"
    elif not article.title:
        article.page_type = "no_title"
    elif not body.markdown.strip():
        article.page_type = "paywall" if paywalled(doc) else "empty_body"


def _rebase(doc: Document, origin_url: str) -> None:
    """Resolve the page's relative links against its canonical URL (not the mirror it came from)."""
    base = doc.tree.xpath("string(//base/@href)")
    doc.url = (join_url(origin_url, str(base)) or origin_url) if base else origin_url
