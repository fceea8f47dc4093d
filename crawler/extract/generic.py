"""Generic main-content finding: the element holding the article, with page chrome removed.

The page is measured block by block (a block's own text is the text directly inside it and inside its
inline children). Long, link-poor text outside page chrome counts for an element, link lists, short
fragments and chrome count against it; the element whose subtree scores highest is the article
container. Chrome left inside it (share bars, related links, bylines, ads, orphaned headings) is then
pruned. Everything is iterative and works on a copy of the tree.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

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
    is_boilerplate_phrase,
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
WRAPPER_SHARE = 0.66
"""An element named like chrome that holds this share of the page's article text is a wrapper, not chrome."""
_KEEP_EMPTY = frozenset({"img", "picture", "figure", "video", "audio", "iframe", "table", "br", "hr", "source"})


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


def find_main_content(doc: Document) -> Element | None:
    """Return a detached, cleaned copy of the element holding the article, or None."""
    body = doc.tree.find("body")
    root: Element = copy.deepcopy(body if body is not None else doc.tree)
    _preclean(root)
    blocks = _measure(root)
    raw_good = _subtree_sums(root, {el: b.chars for el, b in blocks.items() if b.good})
    total_good = raw_good.get(root, 0)
    if total_good < MIN_ARTICLE_CHARS:
        return None
    chrome = _chrome_elements(root, raw_good, total_good)
    in_chrome = _inside(root, chrome)
    weights: dict[Element, float] = {}
    good: dict[Element, float] = {}
    for el, block in blocks.items():
        if in_chrome.get(el, False):
            weights[el] = -block.chars
        elif block.good:
            weights[el] = block.chars - 2 * block.link
            good[el] = block.chars
        elif block.density > 0.5:
            weights[el] = -block.chars
        else:
            weights[el] = -0.3 * block.chars
    values = _subtree_sums(root, weights)
    best = max(values, key=values.__getitem__)
    goods = _subtree_sums(root, good)
    if goods.get(best, 0) < MIN_ARTICLE_CHARS:
        return None
    chars = _subtree_sums(root, {el: b.chars for el, b in blocks.items()})
    links = _subtree_sums(root, {el: b.link for el, b in blocks.items()})
    _prune(best, _Sums(chrome, blocks, goods, chars, links))
    parent = best.getparent()
    if parent is not None:
        parent.remove(best)
    best.tail = None
    return best


def _preclean(root: Element) -> None:
    """Drop comments, processing instructions, junk elements and hidden elements."""
    doomed = []
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str) or tag in JUNK_TAGS or _is_hidden(el):
            doomed.append(el)
    for el in doomed:
        _drop(el)


def _is_hidden(el: Element) -> bool:
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if style:
        compact = style.replace(" ", "").lower()
        if "display:none" in compact or "visibility:hidden" in compact:
            return True
    return False


def _measure(root: Element) -> dict[Element, _Block]:
    """Own text of every block element: text directly in it or in its inline descendants."""
    blocks: dict[Element, _Block] = {}
    stack: list[Element] = []
    texts: dict[Element, list[str]] = {}
    links: dict[Element, int] = {}
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
            blocks[el] = _Block(len(text), min(links.get(el, 0), len(text)), text)
    return blocks


def _subtree_sums(root: Element, values: dict[Element, float] | dict[Element, int]) -> dict[Element, float]:
    """For every element, the sum of `values` over it and its descendants (iterative, post-order)."""
    sums: dict[Element, float] = {}
    for el in reversed(list(root.iter())):
        total = sums.get(el, 0.0) + values.get(el, 0)
        sums[el] = total
        parent = el.getparent()
        if parent is not None and el is not root:
            sums[parent] = sums.get(parent, 0.0) + total
    return sums


def _chrome_elements(root: Element, raw_good: dict[Element, float], total_good: float) -> set[Element]:
    """Elements that are page chrome by tag, ARIA role or class/id naming (wrappers of the article excepted)."""
    chrome: set[Element] = set()
    for el in root.iter():
        if el is root:
            continue
        tag = el.tag
        named = tag in CHROME_TAGS or (el.get("role") or "").strip().lower() in CHROME_ROLES
        if not named:
            attrs = f"{el.get('class', '')} {el.get('id', '')}"
            named = chrome_strength(attrs) == 2
        if not named:
            continue
        share = raw_good.get(el, 0) / total_good if total_good else 0.0
        if share >= WRAPPER_SHARE and not _names_comments(el):
            continue
        chrome.add(el)
    return chrome


def _names_comments(el: Element) -> bool:
    words = attribute_words(f"{el.get('class', '')} {el.get('id', '')}")
    return any(w in {"comment", "comments", "disqus"} for w in words)


def _inside(root: Element, marked: set[Element]) -> dict[Element, bool]:
    """For every element, whether it or an ancestor (below root) is in `marked`."""
    inside: dict[Element, bool] = {root: root in marked}
    for el in root.iter():
        if el is root:
            continue
        parent = el.getparent()
        inside[el] = el in marked or inside.get(parent, False)
    return inside


@dataclass(slots=True)
class _Sums:
    chrome: set[Element]
    blocks: dict[Element, _Block]
    goods: dict[Element, float]
    chars: dict[Element, float]
    links: dict[Element, float]


def _prune(container: Element, sums: _Sums) -> None:
    """Remove page chrome left inside the chosen container."""
    doomed: list[Element] = []
    stack = list(reversed(container))
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if _is_chrome_inside(el, sums):
            doomed.append(el)
            continue
        stack.extend(reversed(el))
    for el in doomed:
        _drop(el)
    _drop_orphan_headings(container)


def _is_chrome_inside(el: Element, sums: _Sums) -> bool:
    if el in sums.chrome:
        return True
    tag = el.tag
    if tag == "h1":
        return True
    if sums.goods.get(el, 0) > 0:
        return False
    text_chars = sums.chars.get(el, 0)
    link_chars = sums.links.get(el, 0)
    if text_chars == 0:
        return False
    if link_chars / text_chars > 0.5 and tag not in HEADING_TAGS:
        return True
    block = sums.blocks.get(el)
    if block is not None and block.chars == text_chars and is_boilerplate_phrase(block.text):
        return True
    attrs = f"{el.get('class', '')} {el.get('id', '')}"
    return text_chars < 200 and chrome_strength(attrs) == 1


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
