"""Page measurement for generic extraction: every block's own text and link text, and subtree sums.

A block is a block-level element; its own text is the text directly inside it and inside its inline
descendants (text inside a nested block belongs to that block). Everything here is iterative.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TypeAlias

import lxml.etree
import lxml.html

from crawler.extract.boilerplate import BLOCK_TAGS
from crawler.extract.urls import split_url, url_host

logger = logging.getLogger(__name__)

Element: TypeAlias = lxml.html.HtmlElement

GOOD_CHARS = 40
"""A block needs this many characters of own text to count as article text..."""
MAX_GOOD_LINK_DENSITY = 0.33
"""...and at most this share of its text inside links."""
TITLE_LINK_CHARS = 8
"""A block that is one link (to another page of the site) of at least this many characters reads as a title."""


@dataclass(slots=True)
class Block:
    """The own text of one block element."""

    chars: int
    """Characters of own text, whitespace collapsed."""
    link: int
    """How many of those characters are inside links."""
    text: str
    """The own text, whitespace collapsed."""

    @property
    def density(self) -> float:
        return self.link / self.chars if self.chars else 0.0

    @property
    def good(self) -> bool:
        """Long, link-poor text: what article paragraphs look like."""
        return self.chars >= GOOD_CHARS and self.density <= MAX_GOOD_LINK_DENSITY


@dataclass(slots=True)
class Page:
    """Measurements of a working copy of a page (elements are identified by their lxml proxies, which
    `elements` keeps alive)."""

    root: Element
    blocks: dict[Element, Block] = field(default_factory=dict)
    """Every block element with own text."""
    title_links: set[Element] = field(default_factory=set)
    """Blocks that are one internal link: headlines of teasers for other pages."""
    chars: dict[Element, float] = field(default_factory=dict)
    """Characters of text in each element's subtree."""
    links: dict[Element, float] = field(default_factory=dict)
    """Characters of link text in each element's subtree."""
    raw_good: dict[Element, float] = field(default_factory=dict)
    """Characters of good-block text in each element's subtree, chrome or not."""
    goods: dict[Element, float] = field(default_factory=dict)
    """Characters of good-block text outside chrome in each element's subtree (set by the container choice)."""
    chrome: set[Element] = field(default_factory=set)
    """Elements judged to be page chrome."""
    elements: list[Element] = field(default_factory=list)
    """Every element in document order."""
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


def measure(root: Element, url: str, *also: str | None) -> Page:
    """Measure a (cleaned) working copy: own text of every block, teaser titles, subtree sums.

    Links count as internal when they point to the host of `url` or of any URL in `also` (the page's
    declared canonical address, when it was fetched from a mirror or an old domain)."""
    page = Page(root)
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
    for el, parts in texts.items():
        text = " ".join(" ".join(parts).split())
        if text:
            page.blocks[el] = Block(len(text), min(links.get(el, 0), len(text)), text)
    own = [u for u in (url, *also) if u]
    hosts = {_host(u) for u in own} - {""}
    page_paths = {split_url(u).path for u in own}
    for anchor, block_el in anchors:
        block = page.blocks.get(block_el)
        if block is None or block.chars < TITLE_LINK_CHARS or block.link < 0.8 * block.chars:
            continue
        if is_internal(anchor.get("href"), hosts, page_paths):
            page.title_links.add(block_el)
    page.chars = page.sums({el: b.chars for el, b in page.blocks.items()})
    page.links = page.sums({el: b.link for el, b in page.blocks.items()})
    page.raw_good = page.sums({el: b.chars for el, b in page.blocks.items() if b.good})
    return page


def _host(url: str) -> str:
    return url_host(url).removeprefix("www.")


def is_internal(href: str | None, hosts: Collection[str], page_paths: Collection[str]) -> bool:
    """Whether a link points to another page of the same site (one of `hosts`, or a subdomain), not to
    this page itself (one of `page_paths`) or an anchor on it. An href no URL parser reads is not a link."""
    if not href:
        return False
    href = href.strip()
    if href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return False
    parts = split_url(href)
    if not parts.path and not parts.netloc:
        return False
    if parts.path in page_paths:
        return False
    if parts.hostname is None:
        return bool(parts.path)
    other = parts.hostname.lower().removeprefix("www.")
    return any(other == host or other.endswith("." + host) or host.endswith("." + other) for host in hosts)


def has_ancestor(el: Element, tags: frozenset[str], container: Element) -> bool:
    """Whether an ancestor of el below container has one of the tags."""
    for node in el.iterancestors():
        if node is container:
            return False
        if node.tag in tags:
            return True
    return False


def drop(el: Element) -> None:
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


def own_text(el: Element) -> str:
    """A block's own text as it is now (its text and its inline descendants', not nested blocks'),
    whitespace collapsed: after pruning, what `Block.text` measured may have lost a part."""
    parts: list[str] = [el.text or ""]
    walker = lxml.etree.iterwalk(el, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        if node is el:
            continue
        if event in ("comment", "pi"):
            parts.append(node.tail or "")
        elif event == "start":
            if node.tag in BLOCK_TAGS:
                walker.skip_subtree()  # its end event still comes, with its tail
            elif isinstance(node.tag, str):
                parts.append(node.text or "")
        else:
            parts.append(node.tail or "")
    return " ".join(" ".join(parts).split())


def clear_own_text(el: Element) -> None:
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
        drop(el)
