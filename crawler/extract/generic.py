"""Generic main-content finding: the element holding the article, with page chrome removed.

The page is measured block by block (a block's own text is the text directly inside it and inside its
inline children). Long, link-poor text outside page chrome counts for an element; link lists, short
fragments and chrome count against it; the element whose subtree scores highest is the article
container. Chrome left inside it (share bars, related links, teaser cards, bylines, ads, orphaned
headings) is then pruned. Everything is iterative and works on a copy of the tree.
"""

from __future__ import annotations

import copy
import html
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from crawler.extract.boilerplate import (
    BLOCK_TAGS,
    CHROME_ROLES,
    CHROME_TAGS,
    HEADING_TAGS,
    JUNK_TAGS,
    attribute_words,
    chrome_strength,
    fold,
    is_boilerplate_line,
    is_boilerplate_phrase,
    is_copyright_notice,
    is_dateline,
)
from crawler.extract.document import Document

logger = logging.getLogger(__name__)

Element = lxml.html.HtmlElement

GOOD_CHARS = 40
"""A block needs this many characters of own text to count as article text."""
MAX_GOOD_LINK_DENSITY = 0.33
"""...and at most this share of its text inside links."""
MIN_ARTICLE_CHARS = 150
"""Less article text than this in the best container means the page holds no article."""
WRAPPER_SHARE = 0.5
"""An element named like chrome that holds this share of the page's article text is a wrapper, not chrome."""
CHROME_WEIGHT = 0.75
"""Text inside chrome counts this much (per character) against a container holding it."""
TITLE_LINK_CHARS = 8
"""A block that is one link of at least this many characters reads as the title of a teaser card."""
MAX_CARD_CHARS = 900
"""A teaser card (linked title + summary) is at most this long."""
MIN_CARDS = 3
"""Siblings that are teaser cards form a teaser list when there are at least this many."""
CAPTION_WORDS = frozenset({"caption", "captions", "credit", "credits", "figcaption", "gallery", "slideshow"})
DECLARED_BODY_RATIO = 1.6
"""JSON-LD articleBody replaces the visible text when it is this many times longer..."""
DECLARED_BODY_MIN_GAIN = 600
"""...and longer by at least this many characters..."""
DECLARED_BODY_CONTAINMENT = 0.5
"""...and contains at least this share of the visible text's word 4-grams..."""
DECLARED_BODY_UNIQUENESS = 0.8
"""...and does not repeat itself (at least this share of its word 4-grams are distinct)."""
_WORD_RE = re.compile(r"\w+")
_CELL_TAGS = frozenset({"td", "th", "li", "dd", "dt", "caption"})
_TEXT_TAGS = frozenset({"p", "div", "section", "li", "blockquote", "span", "h2", "h3", "h4", "h5", "h6"})
MAX_FORM_BOX_CHARS = 400
"""The box around a form control (newsletter signup, login, search) holds at most this much text."""
_CONTROL_TAGS = frozenset({"input", "select", "textarea", "form"})
DUPLICATE_CHARS = 50
"""A block at least this long that repeats an earlier block's text is a layout duplicate."""
DATE_RE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}|"
    r"\d{1,2}\.? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)\b",
    re.I,
)
"""Dates and times as news pages print them."""
FURNITURE_RE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}|"
    r"\d{1,2}\.? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|"
    r"by|von|por|par|di|av|door|updated|published|min(?:ute)?s? read|lesezeit)\b",
    re.I,
)
"""Dates, times, bylines and reading times: furniture when short and ahead of the article text."""


@dataclass(slots=True)
class _Block:
    chars: int = 0
    link: int = 0
    text: str = ""

    @property
    def density(self) -> float:
        return self.link / self.chars if self.chars else 0.0

    @property
    def good(self) -> bool:
        return self.chars >= GOOD_CHARS and self.density <= MAX_GOOD_LINK_DENSITY


@dataclass(slots=True)
class _Page:
    """Measurements of the working copy of a page."""

    root: Element
    blocks: dict[Element, _Block] = field(default_factory=dict)
    title_links: set[Element] = field(default_factory=set)
    chrome: set[Element] = field(default_factory=set)
    raw_good: dict[Element, float] = field(default_factory=dict)
    goods: dict[Element, float] = field(default_factory=dict)
    chars: dict[Element, float] = field(default_factory=dict)
    links: dict[Element, float] = field(default_factory=dict)
    headlines: set[str] = field(default_factory=set)
    elements: list[Element] = field(default_factory=list)
    """Every element in document order (keeps lxml's proxies alive, so identities stay stable)."""
    index: dict[Element, int] = field(default_factory=dict)
    """Position of each element in `elements`."""
    parents: list[int] = field(default_factory=list)
    """Index in `elements` of each element's parent (-1 for the root)."""

    def __post_init__(self) -> None:
        self.elements = list(self.root.iter())
        self.index = {el: i for i, el in enumerate(self.elements)}
        self.parents = [self.index.get(el.getparent(), -1) for el in self.elements]
        self.parents[0] = -1

    def sums(self, values: dict[Element, float] | dict[Element, int]) -> dict[Element, float]:
        """For every element, the sum of `values` over it and its descendants."""
        totals = [0.0] * len(self.elements)
        index = self.index
        for el, value in values.items():
            i = index.get(el)
            if i is not None:
                totals[i] += value
        parents = self.parents
        for i in range(len(totals) - 1, 0, -1):
            totals[parents[i]] += totals[i]
        return dict(zip(self.elements, totals, strict=True))


def find_main_content(doc: Document) -> Element | None:
    """Return a detached, cleaned copy of the element holding the article, or None."""
    body = doc.tree.find("body")
    root: Element = copy.deepcopy(body if body is not None else doc.tree)
    everything = list(root.iter())  # one lxml proxy per element, kept alive while the page is built
    controls = _preclean(root, everything)
    page = _Page(root)
    del everything
    _measure(page, doc.url)
    page.chars = page.sums({el: b.chars for el, b in page.blocks.items()})
    page.links = page.sums({el: b.link for el, b in page.blocks.items()})
    page.raw_good = page.sums({el: b.chars for el, b in page.blocks.items() if b.good})
    total_good = page.raw_good.get(root, 0)
    if total_good < MIN_ARTICLE_CHARS:
        return None
    page.chrome = _chrome_elements(page, total_good)
    page.chrome.update(_form_boxes(page, controls))
    best = _choose(page)
    if best is not None:
        page.headlines = _headlines(doc)
        _prune(best, page)
        best.tail = None
        best = copy.deepcopy(best)  # a document of its own: absolute XPath from it stays inside it
    return _prefer_declared_body(doc, best)


def _prefer_declared_body(doc: Document, found: Element | None) -> Element | None:
    """The page's JSON-LD articleBody as paragraphs when the visible page holds only part of it (a
    paywall or a script-rendered body); otherwise what was found in the page."""
    declared = _declared_body(doc)
    if declared is None:
        return found
    found_chars = len(" ".join(found.text_content().split())) if found is not None else 0
    declared_chars = len(" ".join(declared.split()))
    if declared_chars < DECLARED_BODY_RATIO * found_chars or declared_chars - found_chars < DECLARED_BODY_MIN_GAIN:
        return found
    if found is not None and _containment(found.text_content(), declared) < DECLARED_BODY_CONTAINMENT:
        return found
    if _uniqueness(declared) < DECLARED_BODY_UNIQUENESS:
        return found  # the text repeats itself: a template glitch, not a better body
    logger.debug("%s: visible article text is a part of the JSON-LD articleBody; using articleBody", doc.url)
    element = _lead_part(found, declared) if found is not None else lxml.html.Element("div")
    for paragraph in re.split(r"\s*\n\s*\n\s*|\s*\n\s*(?=\S)", declared.strip()):
        if paragraph:
            lxml.etree.SubElement(element, "p").text = paragraph
    return element


def _lead_part(found: Element, declared: str) -> Element:
    """What the visible body shows before the text articleBody covers (standfirst, lead figure)."""
    for el in found.iter():
        text = " ".join(el.text_content().split())
        if len(text) >= GOOD_CHARS and el.tag in _TEXT_TAGS and _containment(text, declared) >= 0.8:
            node: Element | None = el
            while node is not None and node is not found:
                for sibling in list(node.itersiblings()):
                    node.getparent().remove(sibling)
                parent = node.getparent()
                if node is el:
                    parent.remove(node)
                node = parent
            break
    return found


def _declared_body(doc: Document) -> str | None:
    """The longest JSON-LD articleBody on the page (markup removed), or None."""
    best: str | None = None
    for obj in doc.jsonld:
        value = obj.get("articleBody")
        if isinstance(value, list):
            value = "\n\n".join(v for v in value if isinstance(v, str))
        if not isinstance(value, str) or len(value) < MIN_ARTICLE_CHARS:
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


def _uniqueness(text: str) -> float:
    """Share of distinct word 4-grams among all of a text's word 4-grams."""
    words = _WORD_RE.findall(text)
    grams = [tuple(words[i:i + 4]) for i in range(max(len(words) - 3, 0))]
    return len(set(grams)) / len(grams) if grams else 1.0


def _containment(part: str, whole: str) -> float:
    """Share of the word 4-grams of `part` that occur in `whole`."""
    words = _WORD_RE.findall(part)
    grams = {tuple(words[i:i + 4]) for i in range(max(len(words) - 3, 0))}
    if not grams:
        return 1.0
    other = _WORD_RE.findall(whole)
    known = {tuple(other[i:i + 4]) for i in range(max(len(other) - 3, 0))}
    return len(grams & known) / len(grams)


def _choose(page: _Page) -> Element | None:
    """The element whose subtree scores highest: article text minus chrome, link lists and fragments."""
    in_chrome = _inside(page.root, page.chrome)
    weights: dict[Element, float] = {}
    good: dict[Element, float] = {}
    for el, block in page.blocks.items():
        if in_chrome.get(el, False):
            weights[el] = -CHROME_WEIGHT * block.chars
        elif block.good:
            weights[el] = block.chars - 2 * block.link
            good[el] = block.chars
        elif block.density > 0.5:
            weights[el] = -block.chars
        else:
            weights[el] = -0.3 * block.chars
    values = page.sums(weights)
    best = max(values, key=values.__getitem__)
    page.goods = page.sums(good)
    if page.goods.get(best, 0) < MIN_ARTICLE_CHARS:
        return None
    return best


def _preclean(root: Element, everything: list[Element]) -> list[Element]:
    """Drop comments, processing instructions, junk elements and hidden elements; return the parents
    of the form controls that were dropped (newsletter, login and comment boxes are built around them)."""
    doomed = [el for el in everything if el is not root and (
        not isinstance(el.tag, str) or el.tag in JUNK_TAGS or _is_hidden(el))]
    controls = [el.getparent() for el in doomed if el.tag in _CONTROL_TAGS and el.getparent() is not None]
    for el in doomed:
        _drop(el)
    return controls


def _form_boxes(page: _Page, controls: list[Element]) -> set[Element]:
    """The largest small element around each form control: a signup, login, search or poll box."""
    boxes: set[Element] = set()
    for el in controls:
        box = None
        node: Element | None = el
        while node is not None and node is not page.root and page.chars.get(node, 0) <= MAX_FORM_BOX_CHARS:
            box = node
            node = node.getparent()
        if box is not None and page.chars.get(box, 0) > 0:
            boxes.add(box)
    return boxes


def _is_hidden(el: Element) -> bool:
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if style:
        compact = style.replace(" ", "").lower()
        if "display:none" in compact or "visibility:hidden" in compact:
            return True
    return False


def _measure(page: _Page, url: str) -> None:
    """Own text of every block element (text directly in it or in its inline descendants) and the
    blocks that are one internal link (teaser titles)."""
    root = page.root
    stack: list[Element] = []
    texts: dict[Element, list[str]] = {}
    links: dict[Element, int] = {}
    anchors: list[tuple[Element, Element]] = []
    in_link = 0

    def add(text: str, linked: bool) -> None:
        block = stack[-1]
        texts.setdefault(block, []).append(text)
        if linked:
            links[block] = links.get(block, 0) + len(" ".join(text.split()))

    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if event == "start":
            if tag in BLOCK_TAGS or el is root:
                stack.append(el)
            if tag == "a":
                in_link += 1
                anchors.append((el, stack[-1]))
            if el.text:
                add(el.text, in_link > 0)
        else:
            if tag == "a":
                in_link -= 1
            if tag in BLOCK_TAGS or el is root:
                stack.pop()
            if el.tail and el is not root:
                add(el.tail, in_link > 0)
    blocks: dict[Element, _Block] = {}
    for el, parts in texts.items():
        text = " ".join(" ".join(parts).split())
        if text:
            blocks[el] = _Block(len(text), min(links.get(el, 0), len(text)), text)
    page.blocks = blocks
    host = _host(url)
    for anchor, block_el in anchors:
        block = blocks.get(block_el)
        if block is None or block.chars < TITLE_LINK_CHARS or block.link < 0.8 * block.chars:
            continue
        if _is_internal(anchor.get("href"), host, url):
            page.title_links.add(block_el)


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _is_internal(href: str | None, host: str, url: str) -> bool:
    """Whether a link points to another page of the same site (not an anchor on this page)."""
    if not href:
        return False
    href = href.strip()
    if href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return False
    parts = urlsplit(href)
    if parts.hostname is None:
        return bool(parts.path) and parts.path != urlsplit(url).path
    other = parts.hostname.lower().removeprefix("www.")
    return (other == host or other.endswith("." + host) or host.endswith("." + other)) and \
        parts.path != urlsplit(url).path


def _chrome_elements(page: _Page, total_good: float) -> set[Element]:
    """Elements that are page chrome by tag, ARIA role or class/id naming (wrappers of the article
    excepted), plus teaser cards (lists of linked titles with summaries)."""
    chrome: set[Element] = set()
    for el in page.root.iter():
        if el is page.root:
            continue
        tag = el.tag
        named = tag in CHROME_TAGS or (el.get("role") or "").strip().lower() in CHROME_ROLES
        if not named:
            attrs = f"{el.get('class', '')} {el.get('id', '')}"
            named = chrome_strength(attrs) == 2
        if not named:
            continue
        share = page.raw_good.get(el, 0) / total_good if total_good else 0.0
        if share >= WRAPPER_SHARE and not _names_comments(el):
            continue
        chrome.add(el)
    chrome.update(_teaser_cards(page))
    return chrome


def _teaser_cards(page: _Page) -> list[Element]:
    """Siblings that each hold a linked title (to another page of the site) and at most a short summary.

    A card starts with its title or a short line (kicker, date), not with article text, and holds at
    most two paragraphs; at least MIN_CARDS such siblings make a teaser list.
    """
    titles = page.sums(dict.fromkeys(page.title_links, 1))
    chars = page.chars
    good_blocks = page.sums({el: 1 for el, b in page.blocks.items() if b.good})
    cards: list[Element] = []
    for parent in page.root.iter():
        if len(parent) < MIN_CARDS:
            continue
        children = [c for c in parent if 1 <= titles.get(c, 0) <= 3 and chars.get(c, 0) <= MAX_CARD_CHARS
                    and good_blocks.get(c, 0) <= 2 and not _starts_with_text(c, page)]
        if len(children) >= MIN_CARDS:
            cards.extend(children)
    return cards


def _starts_with_text(el: Element, page: _Page) -> bool:
    """Whether the first block with text inside el is article-like text (not a title link or a short line)."""
    for sub in el.iter():
        block = page.blocks.get(sub)
        if block is not None:
            return block.good and sub not in page.title_links
    return False


def _names_comments(el: Element) -> bool:
    words = attribute_words(f"{el.get('class', '')} {el.get('id', '')}")
    return any(w in {"comment", "comments", "disqus"} for w in words)


def _inside(root: Element, marked: set[Element]) -> dict[Element, bool]:
    """For every element, whether it or an ancestor (below root) is in `marked`."""
    inside: dict[Element, bool] = {root: root in marked}
    for el in root.iter():
        if el is root:
            continue
        inside[el] = el in marked or inside.get(el.getparent(), False)
    return inside


def _prune(container: Element, page: _Page) -> None:
    """Remove page chrome left inside the chosen container."""
    doomed: list[Element] = []
    stack = list(reversed(container))
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if _is_chrome_inside(el, page):
            doomed.append(el)
            continue
        stack.extend(reversed(el))
    for el in doomed:
        _drop(el)
    _drop_headline_copies(container, page)
    _drop_trailing_link_lists(container, page)
    _drop_header_furniture(container, page)
    for el in list(container.iter("h1")):
        _drop(el)  # the headline: the post renders the title itself
    _drop_duplicates(container, page)
    _drop_orphan_headings(container)


def _is_chrome_inside(el: Element, page: _Page) -> bool:
    if el in page.chrome:
        return True
    tag = el.tag
    block = page.blocks.get(el)
    if block is not None and block.chars == page.chars.get(el, 0) and (
            is_boilerplate_line(block.text) or is_copyright_notice(block.text)
            or (tag not in _CELL_TAGS and is_dateline(block.text))):
        return True
    if page.goods.get(el, 0) > 0:
        return False
    text_chars = page.chars.get(el, 0)
    if text_chars == 0:
        return False
    if page.links.get(el, 0) / text_chars > 0.5 and tag not in HEADING_TAGS:
        return True
    if block is not None and block.chars == text_chars and is_boilerplate_phrase(block.text):
        return True
    attrs = f"{el.get('class', '')} {el.get('id', '')}"
    return text_chars < 200 and chrome_strength(attrs) == 1


def _headlines(doc: Document) -> set[str]:
    """The page's headline as declared (og:title, twitter:title, JSON-LD headline, <title> parts), folded."""
    found = [doc.first_meta("og:title"), doc.first_meta("twitter:title")]
    found.extend(obj.get("headline") for obj in doc.jsonld if isinstance(obj.get("headline"), str))
    title = doc.tree.findtext(".//title")
    if title:
        found.append(title)
        found.extend(re.split(r"\s+[|\-–—:·•»]\s+", title))
    return {folded for text in found if text and len(folded := fold(text)) >= 10}


def _drop_headline_copies(container: Element, page: _Page) -> None:
    """Remove blocks that repeat the headline (the post renders the title itself)."""
    if not page.headlines:
        return
    doomed = [el for el in container.iter() if (block := page.blocks.get(el)) is not None
              and block.chars <= 300 and fold(block.text) in page.headlines]
    for el in doomed:
        _clear_own_text(el)


def _drop_trailing_link_lists(container: Element, page: _Page) -> None:
    """Remove link lists after the last paragraph of article text ("More stories" lists whose items
    mix a few words with a linked headline), with the short line that introduces them."""
    order = [el for el in container.iter() if isinstance(el.tag, str)]
    last_good = max((i for i, el in enumerate(order) if (b := page.blocks.get(el)) is not None and b.good
                     and el.tag not in {"li", "dd", "td"} and not _has_ancestor(el, ("ul", "ol"), container)),
                    default=None)
    if last_good is None:
        return
    after = order[last_good + 1:]
    lists = [el for el in after if el.tag in {"ul", "ol"} and _is_link_list(el, page)
             and not _has_ancestor(el, ("ul", "ol"), container)]
    for el in lists:
        intro = el.getprevious()
        if intro is None:
            parent = el.getparent()
            intro = parent.getprevious() if parent is not None and parent is not container else None
        _drop(el)
        if intro is not None and page.chars.get(intro, 0) <= 80 and page.goods.get(intro, 0) == 0 \
                and intro.find(".//img") is None:
            _drop(intro)


def _has_ancestor(el: Element, tags: tuple[str, ...], container: Element) -> bool:
    for node in el.iterancestors():
        if node is container:
            return False
        if node.tag in tags:
            return True
    return False


def _is_link_list(el: Element, page: _Page) -> bool:
    items = [li for li in el if li.tag == "li"]
    if len(items) < 2:
        return False
    linked = sum(1 for li in items if li.find(".//a") is not None)
    chars = page.chars.get(el, 0)
    return linked >= 0.8 * len(items) and chars > 0 and page.links.get(el, 0) >= 0.3 * chars


def _drop_header_furniture(container: Element, page: _Page) -> None:
    """Remove header furniture before the first paragraph of article text: whatever precedes the
    headline (kickers, breadcrumbs), and short blocks inside a header or naming a date, time or author
    (datelines, bylines, reading times). Figures and subheadings stay."""
    blocks = []
    for el in container.iter():
        block = page.blocks.get(el)
        if block is None:
            continue
        if block.good and el.tag not in HEADING_TAGS and not _is_dateline(el, block, container):
            break
        blocks.append((el, block))
    last_h1 = max((i for i, (el, _) in enumerate(blocks) if el.tag == "h1"), default=-1)
    for index, (el, block) in enumerate(blocks):
        if el.tag in HEADING_TAGS or _in_figure(el, container):
            continue
        if index < last_h1 or (block.chars <= 120 and (_in_header(el, container) or _looks_like_furniture(el, block))):
            _clear_own_text(el)


def _is_dateline(el: Element, block: _Block, container: Element) -> bool:
    """A short line holding a <time> element, or a date inside a header ("Published 21 October 2024")."""
    if block.chars > 80:
        return False
    if el.tag == "time" or el.find(".//time") is not None:
        return True
    return _in_header(el, container) and bool(DATE_RE.search(block.text))


def _in_header(el: Element, container: Element) -> bool:
    for node in (el, *el.iterancestors()):
        if node is container:
            return False
        if node.tag in {"header", "hgroup", "address"}:
            return True
    return False


def _looks_like_furniture(el: Element, block: _Block) -> bool:
    return el.find(".//time") is not None or el.tag == "time" or bool(FURNITURE_RE.search(block.text))


def _in_figure(el: Element, container: Element) -> bool:
    for node in (el, *el.iterancestors()):
        if node is container:
            return False
        if node.tag in {"figure", "figcaption", "picture"}:
            return True
    return False


def _drop_duplicates(container: Element, page: _Page) -> None:
    """Remove captions repeating an earlier caption (galleries, slideshow copies)."""
    seen: set[str] = set()
    doomed = []
    for el in container.iter():
        block = page.blocks.get(el)
        if block is None or block.chars < DUPLICATE_CHARS or not _is_caption(el, container):
            continue
        if block.text in seen:
            doomed.append(el)
        seen.add(block.text)
    for el in doomed:
        _clear_own_text(el)


def _is_caption(el: Element, container: Element) -> bool:
    for node in (el, *el.iterancestors()):
        if node is container:
            return False
        if node.tag in {"figure", "figcaption"} or CAPTION_WORDS.intersection(
                attribute_words(f"{node.get('class', '')} {node.get('id', '')}")):
            return True
    return False


def _clear_own_text(el: Element) -> None:
    """Remove a block's own text (its text and inline children), keeping child blocks and images;
    the block itself goes when nothing is left in it."""
    el.text = None
    for child in list(el):
        if child.tag in BLOCK_TAGS or child.tag == "img" or child.find(".//img") is not None:
            child.tail = None
            if child.tag not in BLOCK_TAGS:
                for sub in child.iter():
                    if sub is not child:
                        sub.tail = None
                    sub.text = None
            continue
        el.remove(child)
    if len(el) == 0 and el.getparent() is not None:
        _drop(el)


def _drop_orphan_headings(container: Element) -> None:
    """Remove subheadings that no longer head any content (their section was chrome)."""
    sequence = [el for el in container.iter() if isinstance(el.tag, str) and (
        el.tag in HEADING_TAGS or el.tag in {"p", "li", "table", "figure", "img", "blockquote", "pre"})]
    doomed = []
    for index, el in enumerate(sequence):
        if el.tag not in HEADING_TAGS:
            continue
        following = next((n for n in sequence[index + 1:] if not _contains(el, n)), None)
        if following is None or (following.tag in HEADING_TAGS and following.tag <= el.tag):
            doomed.append(el)
    for el in doomed:
        _drop(el)


def _contains(ancestor: Element, el: Element) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _drop(el: Element) -> None:
    """Remove an element, keeping its tail text in the tree."""
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
