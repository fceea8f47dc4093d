"""Second chances for a page whose main content was not found: before a page is declared "no article",
what the page itself offers is tried (its JSON-LD articleBody), then a second extraction strategy
(trafilatura, a maintained library with other heuristics). Both run only on pages the generic finder
left empty, so they cost nothing on the others."""

from __future__ import annotations

import logging
import re

import lxml.etree
import lxml.html

from crawler.extract.blocks import Element
from crawler.extract.declared import declared_body
from crawler.extract.document import Document

logger = logging.getLogger(__name__)

MIN_FALLBACK_CHARS = 80
"""Less text than this from a fallback is no article (a cookie notice, a one-line error)."""
_PARAGRAPH_RE = re.compile(r"\s*\n\s*\n\s*|\s*\n\s*(?=\S)")


def fallback_content(doc: Document, *, second_strategy: bool = True) -> tuple[Element | None, str]:
    """Content for a page the generic finder left empty, and where it came from: `declared` (JSON-LD
    articleBody), `trafilatura` (unless `second_strategy` is False), or (None, `none`)."""
    declared = declared_body(doc)
    if declared is not None and len(" ".join(declared.split())) >= MIN_FALLBACK_CHARS:
        element = lxml.html.Element("div")
        for paragraph in _PARAGRAPH_RE.split(declared.strip()):
            if paragraph:
                lxml.etree.SubElement(element, "p").text = paragraph
        return element, "declared"
    found = _trafilatura_content(doc) if second_strategy else None
    if found is not None and len(" ".join(found.text_content().split())) >= MIN_FALLBACK_CHARS:
        return found, "trafilatura"
    return None, "none"


def _trafilatura_content(doc: Document) -> Element | None:
    """trafilatura's main text as an HTML element (paragraphs, headings, lists, tables, links), or None."""
    try:
        import trafilatura

        html = trafilatura.extract(doc.text, url=doc.url, output_format="html", include_comments=False,
                                   include_links=True, include_images=False, include_tables=True)
    except Exception:  # a bug in a library must not cost the page: it just finds nothing
        logger.debug("trafilatura failed on %s", doc.url, exc_info=True)
        return None
    if not html:
        return None
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    body = tree.find("body")
    if body is None:
        return None
    body.tag = "div"
    return body
