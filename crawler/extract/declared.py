"""JSON-LD articleBody as evidence of the true article text: it replaces a visible body that holds only
part of it (paywalls, bodies rendered by scripts), keeping what the page shows before that text."""

from __future__ import annotations

import html
import logging
import re

import lxml.etree
import lxml.html

from crawler.extract.blocks import GOOD_CHARS, Element
from crawler.extract.document import Document

logger = logging.getLogger(__name__)

MIN_DECLARED_CHARS = 150
"""A shorter articleBody is a description, not a body."""
DECLARED_BODY_RATIO = 1.6
"""articleBody replaces the visible text when it is this many times longer..."""
DECLARED_BODY_MIN_GAIN = 600
"""...and longer by at least this many characters..."""
DECLARED_BODY_CONTAINMENT = 0.5
"""...and contains at least this share of the visible text's word 4-grams..."""
DECLARED_BODY_UNIQUENESS = 0.8
"""...and does not repeat itself (at least this share of its word 4-grams are distinct)."""
LEAD_CUT_CONTAINMENT = 0.8
"""The first visible block with this share of its word 4-grams in articleBody is where articleBody starts."""
_WORD_RE = re.compile(r"\w+")
_PARAGRAPH_RE = re.compile(r"\s*\n\s*\n\s*|\s*\n\s*(?=\S)")
_TEXT_TAGS = frozenset({"p", "div", "section", "li", "blockquote", "span", "h2", "h3", "h4", "h5", "h6"})


def prefer_declared_body(doc: Document, found: Element | None) -> Element | None:
    """The visible lead of `found` followed by the JSON-LD articleBody as paragraphs when the page shows
    only part of that text; otherwise `found` unchanged."""
    declared = declared_body(doc)
    if declared is None:
        return found
    found_chars = len(" ".join(found.text_content().split())) if found is not None else 0
    declared_chars = len(" ".join(declared.split()))
    if declared_chars < DECLARED_BODY_RATIO * found_chars or declared_chars - found_chars < DECLARED_BODY_MIN_GAIN:
        return found
    if found is not None and containment(found.text_content(), declared) < DECLARED_BODY_CONTAINMENT:
        return found
    if uniqueness(declared) < DECLARED_BODY_UNIQUENESS:
        return found  # the text repeats itself: a template glitch, not a better body
    logger.debug("%s: the visible text is part of the JSON-LD articleBody; using articleBody", doc.url)
    return add_paragraphs(_lead_part(found, declared) if found is not None else lxml.html.Element("div"), declared)


def add_paragraphs(element: Element, text: str) -> Element:
    """`element` with the paragraphs of a plain `text` (articleBody) appended as <p> elements."""
    for paragraph in _PARAGRAPH_RE.split(text.strip()):
        if paragraph:
            lxml.etree.SubElement(element, "p").text = paragraph
    return element


def declared_body(doc: Document) -> str | None:
    """The longest JSON-LD articleBody on the page as plain text (markup and entities resolved), or None."""
    best: str | None = None
    for obj in doc.jsonld:
        value = obj.get("articleBody")
        if isinstance(value, list):
            value = "\n\n".join(v for v in value if isinstance(v, str))
        if not isinstance(value, str) or len(value) < MIN_DECLARED_CHARS:
            continue
        if "<" in value and ">" in value:
            try:
                value = lxml.html.fragment_fromstring(value, create_parent="div").text_content()
            except (lxml.etree.ParserError, ValueError):
                continue
        value = html.unescape(value)
        if best is None or len(value) > len(best):
            best = value
    return best


def _lead_part(found: Element, declared: str) -> Element:
    """Cut `found` (in place) just before the first text block articleBody covers, keeping what comes
    before it (a standfirst, the lead figure)."""
    for el in found.iter():
        if el.tag not in _TEXT_TAGS:
            continue
        text = " ".join(el.text_content().split())
        if len(text) < GOOD_CHARS or containment(text, declared) < LEAD_CUT_CONTAINMENT:
            continue
        node: Element | None = el
        while node is not None and node is not found:
            parent = node.getparent()
            for sibling in list(node.itersiblings()):
                parent.remove(sibling)
            if node is el:
                parent.remove(node)
            node = parent
        break
    return found


def _grams(text: str) -> list[tuple[str, ...]]:
    words = _WORD_RE.findall(text)
    return [tuple(words[i:i + 4]) for i in range(max(len(words) - 3, 0))]


def uniqueness(text: str) -> float:
    """Share of distinct word 4-grams among all of a text's word 4-grams."""
    grams = _grams(text)
    return len(set(grams)) / len(grams) if grams else 1.0


def containment(part: str, whole: str) -> float:
    """Share of the word 4-grams of `part` that occur in `whole`."""
    grams = set(_grams(part))
    if not grams:
        return 1.0
    return len(grams & set(_grams(whole))) / len(grams)
