"""Article body: choose the content element (profile selectors first, generic otherwise), take out
the lead image with its caption, and convert the rest to Markdown."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, cast

import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

from crawler.extract.boilerplate import is_boilerplate_phrase
from crawler.extract.bylines import drop_byline_copies
from crawler.extract.fallback import fallback_content, second_opinion
from crawler.extract.markdown import DROP_TAGS, html_to_markdown, inline_markdown
from crawler.extract.media import embed_url, image_source, is_image_button
from crawler.extract.urls import url_host, url_path

if TYPE_CHECKING:
    from crawler.extract.document import Document
    from crawler.profiles import SiteProfile

logger = logging.getLogger(__name__)

_CAPTION_CLASS_RE = re.compile(r"caption|credit|copyright|legend", re.I)
_WRAPPER_TAGS = ("a", "picture", "p", "div", "span", "button")
"""Elements that wrap an image without adding anything (when they hold nothing else)."""
_FIGURE_CLASS_RE = re.compile(r"wp-caption|(?:^|[\s_-])(?:figure|image|photo|picture|media)(?:$|[\s_-])", re.I)
_NOT_LEAD_RE = re.compile(r"avatar|gravatar|logo|icon|sprite|badge|emoji|author", re.I)
_EMBED_TAGS = frozenset({"iframe", "video", "audio", "amp-iframe", "amp-youtube"})


@dataclass
class Body:
    """What body extraction found."""

    markdown: str
    """The article as Markdown, without the lead image and its caption."""
    image: str | None
    """Absolute URL of the lead image (from the content, else the page's declared image)."""
    image_caption: str | None
    """The lead image's caption as one line of Markdown (None when it has none or came from meta)."""
    source: str
    """Where the content came from: `profile`, `generic`, `declared` (JSON-LD articleBody),
    `trafilatura` or `none`."""
    text_length: int
    """Characters of text in the content element (whitespace collapsed)."""
    link_density: float
    """Share of that text inside links (high on listings)."""
    linked_headings: int = 0
    """Headings in the content whose whole text is a link (teaser headlines, as on listings)."""


@lru_cache(maxsize=256)
def _selector(css: str) -> CSSSelector:
    return CSSSelector(css, translator="html")


def select(root: lxml.html.HtmlElement, css: str) -> list[lxml.html.HtmlElement]:
    """Elements matching a CSS selector (compiled once per selector)."""
    try:
        return cast("list[lxml.html.HtmlElement]", _selector(css)(root))
    except (lxml.etree.XPathError, ValueError):
        logger.warning("unusable CSS selector %r", css)
        return []


def content_element(doc: Document, profile: SiteProfile | None) -> tuple[lxml.html.HtmlElement | None, str]:
    """A detached copy of the article content element and where it came from.

    The profile's `body.selector` wins (first match), with its `body.remove` chrome taken out;
    otherwise the generic main-content finder decides.
    """
    if profile is not None and profile.body.selector:
        matches = select(doc.tree, profile.body.selector)
        if matches:
            element = copy.deepcopy(matches[0])
            element.tail = None
            for css in profile.body.remove:
                for junk in select(element, css):
                    if junk is not element:
                        _drop(junk)
            return element, "profile"
        logger.debug("%s: body selector %r matched nothing; using generic extraction", doc.url, profile.body.selector)
    from crawler.extract.generic import find_main_content

    found = find_main_content(doc)
    return (found, "generic") if found is not None else (None, "none")


def extract_body(doc: Document, profile: SiteProfile | None, base_url: str, meta_image: str | None,
                 *, captions: bool = True, authors: list[str] | None = None, fallback: str = "all") -> Body:
    """Find the content, split off the lead image (or fall back to `meta_image`) and convert to Markdown.

    `captions=False` leaves every image caption out (the lead caption is then None): the article text
    alone, for scoring against truth that has no captions. Lines that only repeat `authors` at either end
    of the content are left out. When that leaves no text, the page's JSON-LD articleBody, then a second
    extraction strategy, are tried (crawler/extract/fallback.py): `fallback` says which (`all`, `declared`
    for the articleBody only, `none`).
    """
    content, source = content_element(doc, profile)
    if content is not None and source == "generic" and fallback == "all":
        other = second_opinion(doc, content)
        if other is not None:
            logger.debug("%s: the generic body is short and part of a longer text; body from trafilatura", doc.url)
            content, source = other, "trafilatura"
    body = _convert(content, source, base_url, meta_image, captions, authors or [])
    if body.markdown.strip() or fallback == "none":
        return body

    content, source = fallback_content(doc, second_strategy=fallback == "all")
    if content is None:
        return body
    logger.debug("%s: no main content found; body from %s", doc.url, source)
    return _convert(content, source, base_url, meta_image, captions, authors or [])


def _convert(content: lxml.html.HtmlElement | None, source: str, base_url: str, meta_image: str | None,
             captions: bool, authors: list[str]) -> Body:
    if content is None:
        return Body("", meta_image, None, source, 0, 0.0)
    text_length, link_density = _text_stats(content)
    linked_headings = _linked_headings(content)
    drop_byline_copies(content, authors)
    image, caption = take_lead_image(content, base_url, meta_image)
    markdown = html_to_markdown(content, base_url, captions=captions)
    return Body(markdown, image, caption if captions else None, source, text_length, link_density, linked_headings)


def take_lead_image(
    content: lxml.html.HtmlElement, base_url: str, meta_image: str | None
) -> tuple[str | None, str | None]:
    """Remove the lead image (and its caption) from `content`; return its URL and caption.

    The lead is the first image before any text of the content. Without one, the page's declared
    image (`meta_image`) is the lead; when that image also appears in the content, its figure is
    moved up (taken out of the body) so the post never shows it twice; when it does not, a caption
    before any text (its image was page chrome or loaded by a script) is taken as its caption. Later
    copies of the lead picture in the content (a gallery's slide) go too.
    """
    found = _first_image_before_text(content, base_url)
    if found is None and meta_image:
        found = _find_image(content, base_url, meta_image)
        if found is None:
            return meta_image, _take_leading_caption(content, base_url)
    if found is None:
        return None, None
    img, src = found
    caption = _take_figure(img, content, base_url)
    for again, _ in list(_images_showing(content, base_url, src)):
        if again is not content and again.getparent() is not None:  # not gone with an earlier copy's figure
            _take_figure(again, content, base_url)  # a gallery that shows the lead picture again
    return src, caption


def _take_figure(img: lxml.html.HtmlElement, content: lxml.html.HtmlElement, base_url: str) -> str | None:
    """Remove an image with its figure and caption from `content`; return the caption as Markdown."""
    block = _figure_of(img, content, base_url)
    caption_parts = _caption_elements(block, img)
    if not caption_parts:
        following = _next_caption_sibling(block)
        if following is not None:
            caption_parts.append(following)
    caption = " ".join(part for part in (inline_markdown(el, base_url) for el in caption_parts) if part) or None
    for el in caption_parts:
        if el.getparent() is not None and not _is_inside(el, block):
            _drop(el)
    _remove_with_empty_wrappers(block, content)
    return caption


def _take_leading_caption(content: lxml.html.HtmlElement, base_url: str) -> str | None:
    """Remove and return the caption elements (with the credit after them) that open the content before
    any text, when no image goes with them."""
    for el in _opening_elements(content):
        if el.tag in ("img", "amp-img", "picture", "figure") or el.tag in _EMBED_TAGS:
            return None
        if _is_caption_box(el):
            parts = [el]
            sibling = el.getnext()
            while sibling is not None and isinstance(sibling.tag, str) and _is_caption_box(sibling):
                parts.append(sibling)
                sibling = sibling.getnext()
            caption = " ".join(part for part in (inline_markdown(p, base_url) for p in parts) if part) or None
            for part in parts:
                _drop(part)
            return caption
    return None


def _first_image_before_text(content: lxml.html.HtmlElement, base_url: str) -> tuple[lxml.html.HtmlElement, str] | None:
    for el in _opening_elements(content):
        if el.tag in ("img", "amp-img"):
            src = image_source(el, base_url)
            if src and _lead_worthy(el, src):
                return el, src
        elif el.tag in _EMBED_TAGS and embed_url(el, base_url):
            return None  # the article opens with a video
    return None


def _opening_elements(content: lxml.html.HtmlElement) -> Iterator[lxml.html.HtmlElement]:
    """The elements that open `content` before any of its text, in document order. Junk is skipped (a
    lightbox button around an image is walked: the image is content); a caption is given but not walked
    into (caption text is not article text)."""
    walker = lxml.etree.iterwalk(content, events=("start", "end"))
    for event, el in walker:
        if event == "end":
            if el is not content and el.tail and el.tail.strip():
                return
            continue
        if not isinstance(el.tag, str) or (el.tag in DROP_TAGS and not is_image_button(el)):
            walker.skip_subtree()
            continue
        yield el
        if _is_caption_box(el):
            walker.skip_subtree()
        elif el.text and el.text.strip():
            return


def _is_caption_box(el: lxml.html.HtmlElement) -> bool:
    """A <figcaption>, or a caption/credit-classed element without an image of its own."""
    return el.tag == "figcaption" or (bool(_CAPTION_CLASS_RE.search(el.get("class", "")))
                                      and el.find(".//img") is None)


def _lead_worthy(img: lxml.html.HtmlElement, src: str) -> bool:
    if _NOT_LEAD_RE.search(src) or _NOT_LEAD_RE.search(img.get("class", "")):
        return False
    for attr, minimum in (("width", 150), ("height", 100)):
        value = img.get(attr, "").strip().removesuffix("px")
        if value.isdigit() and int(value) < minimum:
            return False
    return True


def _image_key(url: str) -> str:
    return f"{url_host(url)}{url_path(url)}"


def _find_image(content: lxml.html.HtmlElement, base_url: str, wanted: str) -> tuple[lxml.html.HtmlElement, str] | None:
    return next(_images_showing(content, base_url, wanted), None)


def _images_showing(content: lxml.html.HtmlElement, base_url: str,
                    wanted: str) -> Iterator[tuple[lxml.html.HtmlElement, str]]:
    """The images in `content` that show the picture at `wanted` (same host and path), with their URLs."""
    key = _image_key(wanted)
    for img in content.iter("img", "amp-img"):
        src = image_source(img, base_url)
        if src and _image_key(src) == key:
            yield img, src


def _figure_of(img: lxml.html.HtmlElement, content: lxml.html.HtmlElement, base_url: str) -> lxml.html.HtmlElement:
    """The figure-like block holding the image (a <figure>, a WordPress caption box), else the image.
    A block with another picture is a gallery, not this image's figure (a stand-in <img> that shows
    nothing does not count: BBC puts a grey placeholder beside every picture)."""
    el = img.getparent()
    for _ in range(4):
        if el is None or el is content:
            break
        if el.tag == "figure" or _FIGURE_CLASS_RE.search(el.get("class", "")):
            if all(other is img or not image_source(other, base_url) for other in el.iter("img")):
                return el
            break
        el = el.getparent()
    return img


def _caption_elements(block: lxml.html.HtmlElement, img: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    if block is img:
        return []
    captions = list(block.iter("figcaption"))
    if captions:
        return captions[:1]
    found = [el for el in block.iter() if el is not block and isinstance(el.tag, str)
             and _CAPTION_CLASS_RE.search(el.get("class", ""))]
    if not found:
        # Unnamed text beside the picture in its figure is its caption or credit ("Getty Images").
        found = [el for el in block.iter() if el is not block and isinstance(el.tag, str)
                 and el.tag not in DROP_TAGS and el.find(".//img") is None and el.tag != "img"
                 and (el.text or "").strip() and not is_boilerplate_phrase(el.text_content())]
    # Keep outermost caption elements only (a credit span inside a caption is part of it).
    return [el for el in found if not any(other is not el and _is_inside(el, other) for other in found)]


def _next_caption_sibling(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The caption-classed element right after an image or its figure-like block, past wrappers that
    hold nothing else (a link, a <picture>, a lightbox button, layout <div>s)."""
    anchor = el
    parent = el.getparent()
    while parent is not None and parent.tag in _WRAPPER_TAGS and len(parent) == 1 \
            and not (parent.text or "").strip():
        anchor, parent = parent, parent.getparent()
    sibling = anchor.getnext()
    if sibling is not None and isinstance(sibling.tag, str) and (
            sibling.tag == "figcaption" or _CAPTION_CLASS_RE.search(sibling.get("class", ""))):
        return sibling
    return None


def _is_inside(el: lxml.html.HtmlElement, ancestor: lxml.html.HtmlElement) -> bool:
    return any(node is ancestor for node in el.iterancestors())


def _remove_with_empty_wrappers(el: lxml.html.HtmlElement, content: lxml.html.HtmlElement) -> None:
    parent = el.getparent()
    _drop(el)
    while parent is not None and parent is not content and parent.tag in _WRAPPER_TAGS \
            and len(parent) == 0 and not parent.text_content().strip():
        grand = parent.getparent()
        _drop(parent)
        parent = grand


def _drop(el: lxml.html.HtmlElement) -> None:
    """Remove an element from its tree, keeping its tail text."""
    if el.getparent() is not None:
        el.drop_tree()


def _linked_headings(content: lxml.html.HtmlElement) -> int:
    count = 0
    for heading in content.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        text = " ".join(heading.text_content().split())
        linked = sum(len(" ".join(a.text_content().split())) for a in heading.iter("a"))
        count += bool(text) and linked >= len(text)
    return count


def _text_stats(content: lxml.html.HtmlElement) -> tuple[int, float]:
    text = len(" ".join(content.text_content().split()))
    if not text:
        return 0, 0.0
    links = sum(len(" ".join(a.text_content().split())) for a in content.iter("a"))
    return text, min(links / text, 1.0)
