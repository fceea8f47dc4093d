"""Generic main-content finding: the element holding the article, with page chrome removed."""

from __future__ import annotations

import copy
import logging
import re

import lxml.html

from crawler.extract.document import Document

logger = logging.getLogger(__name__)

# Tags that never hold article content.
_DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "link", "meta", "button", "input", "select", "textarea",
    "nav", "aside", "footer", "form", "label", "option", "dialog", "menu", "object", "canvas", "map",
})
_BLOCK_TAGS = frozenset({"p", "pre", "blockquote", "li", "td", "dd", "h2", "h3", "h4", "h5", "h6"})
_NEGATIVE_RE = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|related|newsletter|subscribe|subscription|comments?|byline|author"
    r"|promo|advert\w*|ads?|sponsor\w*|sidebar|widget|breadcrumbs?|popup|modal|cookie|tags|recommend\w*"
    r"|outbrain|taboola|toolbar|meta|signup|paywall|more-stories|read-more|readmore)(?:$|[\s_-])",
    re.I,
)


def _text_len(el: lxml.html.HtmlElement) -> int:
    return len(" ".join(el.text_content().split()))


def _link_len(el: lxml.html.HtmlElement) -> int:
    return sum(len(" ".join(a.text_content().split())) for a in el.iter("a"))


def find_main_content(doc: Document) -> lxml.html.HtmlElement | None:
    """Return a detached, cleaned copy of the element holding the article, or None."""
    body = doc.tree.find("body")
    if body is None:
        body = doc.tree
    work = copy.deepcopy(body)
    for el in list(work.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        _drop(el)
    for el in list(work.iter(*_DROP_TAGS)):
        _drop(el)
    scores: dict[lxml.html.HtmlElement, float] = {}
    for el in work.iter(*_BLOCK_TAGS):
        length = _text_len(el)
        if length < 25:
            continue
        score = 1 + el.text_content().count(",") + min(length / 100, 3)
        parent = el.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + score / 2
    if not scores:
        return None
    best = max(scores, key=lambda e: scores[e] * (1 - _link_len(e) / max(_text_len(e), 1)))
    for el in list(best.iter()):
        if el is best or not isinstance(el.tag, str):
            continue
        attrs = f"{el.get('class', '')} {el.get('id', '')}"
        if _NEGATIVE_RE.search(attrs):
            _drop(el)
    best.getparent().remove(best) if best.getparent() is not None else None
    best.tail = None
    return best


def _drop(el: lxml.html.HtmlElement) -> None:
    """Remove an element (keeping its tail text in the tree)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)
