"""Second chances for a page whose main content was not found: before a page is declared "no article",
what the page itself offers is tried (its JSON-LD articleBody), then a second extraction strategy
(trafilatura, a maintained library with other heuristics, in its fast mode). The second strategy also
gives a second opinion on a short body that is a small part of the page's paragraph text. Both run only on
those pages, so they cost little on the others."""

from __future__ import annotations

import logging
from functools import lru_cache

import lxml.etree
import lxml.html

from crawler.extract.blocks import Element
from crawler.extract.declared import add_paragraphs, containment, declared_body
from crawler.extract.document import Document
from crawler.extract.text import content_words, word_share

logger = logging.getLogger(__name__)

MIN_FALLBACK_CHARS = 80
"""Less text than this from a fallback is no article (a cookie notice, a one-line error)."""
SECOND_OPINION_CHARS = 1000
SECOND_OPINION_RATIO = 2.0
SECOND_OPINION_CONTAINMENT = 0.7
"""A body shorter than SECOND_OPINION_CHARS whose page has SECOND_OPINION_RATIO times more paragraph text
gets a second opinion: the second strategy's text replaces it when that text is at least
SECOND_OPINION_RATIO times longer and holds at least SECOND_OPINION_CONTAINMENT of its word 4-grams (the
generic finder chose one block of an article split into several, or a teaser). On the tuning part of the
corpora, longer bodies gained nothing from it, and each second opinion costs a trafilatura run."""
DESCRIPTION_MIN_WORDS = 5
OFF_TOPIC_SHARE = 0.3
ON_TOPIC_SHARE = 0.6
PART_CONTAINMENT = 0.5
"""A body also gets the second strategy's text when it holds under OFF_TOPIC_SHARE of the content words
of the page's declared description (at least DESCRIPTION_MIN_WORDS of them) and the
second text holds ON_TOPIC_SHARE of them, while under PART_CONTAINMENT of the body's 4-grams are in it."""


def fallback_content(doc: Document, *, second_strategy: bool = True) -> tuple[Element | None, str]:
    """Content for a page the generic finder left empty, and where it came from: `declared` (JSON-LD
    articleBody), `trafilatura` (unless `second_strategy` is False), or (None, `none`)."""
    declared = declared_body(doc)
    if declared is not None and len(" ".join(declared.split())) >= MIN_FALLBACK_CHARS:
        return add_paragraphs(lxml.html.Element("div"), declared), "declared"
    found = _trafilatura_content(doc) if second_strategy else None
    if found is not None and len(" ".join(found.text_content().split())) >= MIN_FALLBACK_CHARS:
        return found, "trafilatura"
    return None, "none"


def second_opinion(doc: Document, found: Element) -> Element | None:
    """The second strategy's content when the generic finder's short `found` is plainly only a part of
    it, or not about what the page says it is about; else None. Only asked when the page's paragraphs
    hold SECOND_OPINION_RATIO times more text than `found` (else there is nothing more to find)."""
    text = " ".join(found.text_content().split())
    if len(text) >= SECOND_OPINION_CHARS or _paragraph_chars(doc) < SECOND_OPINION_RATIO * len(text):
        return None
    other = _trafilatura_content(doc)
    if other is None:
        return None
    other_text = " ".join(other.text_content().split())
    if _off_topic(doc, text, other_text):
        return other  # the generic finder chose a box beside the article
    if len(other_text) < SECOND_OPINION_RATIO * max(len(text), 1):
        return None
    if containment(text, other_text) < SECOND_OPINION_CONTAINMENT:
        return None
    return other


def _off_topic(doc: Document, text: str, other_text: str) -> bool:
    """Whether the generic finder's `text` misses what the page says it is about while the second
    strategy's text has it: few of the words of the page's declared description are in `text`, most are
    in `other_text`, and `text` is not a part of `other_text` (the finder chose a box beside the
    article, such as a newsletter form, not a part of it)."""
    words = content_words(doc.description)
    return (len(words) >= DESCRIPTION_MIN_WORDS and word_share(words, text) < OFF_TOPIC_SHARE
            and word_share(words, other_text) >= ON_TOPIC_SHARE and containment(text, other_text) < PART_CONTAINMENT)


def _paragraph_chars(doc: Document) -> int:
    """Characters of text in the page's paragraphs (a cheap bound on what another extractor can find)."""
    return sum(len(" ".join(p.text_content().split())) for p in doc.tree.iter("p"))


def load_library() -> None:
    """Import the second strategy's library now (about half a second, once per process) rather than on the
    first page that asks for a second opinion."""
    import trafilatura  # noqa: F401


@lru_cache(maxsize=1)
def _trafilatura_html(text: str, url: str) -> str | None:
    """trafilatura's main text of a page as HTML, or None. Kept for the page being extracted: its second
    opinion and its fallback both ask for it, and each parses the HTML afresh (the converter edits it)."""
    try:
        import trafilatura

        html: str | None = trafilatura.extract(text, url=url, output_format="html", include_comments=False,
                                               fast=True, include_links=True, include_images=False,
                                               include_tables=True)
    except Exception:  # a bug in a library must not cost the page: it just finds nothing
        logger.debug("trafilatura failed on %s", url, exc_info=True)
        return None
    return html


def _trafilatura_content(doc: Document) -> Element | None:
    """trafilatura's main text as an HTML element (paragraphs, headings, lists, tables, links), or None."""
    html = _trafilatura_html(doc.text, doc.url)
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
