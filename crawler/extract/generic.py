"""Generic main-content finding: the element holding the article, with page chrome removed.

On a copy of the page: junk (scripts, styles, forms' controls, hidden elements) goes; every block is
measured (blocks.py); chrome is recognised by tag, ARIA role, class/id conventions, the boxes around
form controls and teaser-card lists; the element whose subtree scores highest (long link-poor text
outside chrome for it; chrome, link lists and fragments against it) is the article container; chrome
left inside it is pruned (cleanup.py), and a comment section inside it is cut from its heading on. A
standfirst the page sets apart just before the container joins it when it says what the page's declared
description says. When the page's JSON-LD articleBody shows the visible text is only part of the
article, that text completes it (declared.py). Everything is iterative.
"""

from __future__ import annotations

import copy
import itertools
import logging
import re

import lxml.etree

from crawler.extract.blocks import Element, Page, drop, measure
from crawler.extract.boilerplate import (
    CHROME_ROLES,
    CHROME_TAGS,
    HEADING_TAGS,
    JUNK_TAGS,
    attribute_words,
    chrome_strength,
)
from crawler.extract.cleanup import declared_headlines, prune
from crawler.extract.declared import prefer_declared_body
from crawler.extract.document import Document
from crawler.extract.media import is_image_button
from crawler.extract.text import content_words, word_share
from crawler.extract.urls import host_labels, url_path
from crawler.extract.vocabulary import COMMENT_HEADINGS, alternation

logger = logging.getLogger(__name__)

MIN_ARTICLE_CHARS = 150
"""Less article text than this in the best container means the page holds no article."""
WRAPPER_SHARE = 0.5
"""An element named like chrome that holds this share of the page's article text is a wrapper, not chrome."""
CHROME_WEIGHT = 0.75
"""Text inside chrome counts this much (per character) against a container holding it."""
SHORT_WEIGHT = 0.3
"""Short or somewhat linked text outside chrome counts this much (per character) against a container."""
LINK_LIST_DENSITY = 0.5
"""A block with more of its text in links than this is a link list: it counts fully against a container."""
LINK_PENALTY = 2
"""Each linked character of an article-like block counts this many times against it."""
MAX_CARD_CHARS = 900
"""A teaser card (linked title + summary) is at most this long."""
MIN_CARDS = 3
"""Siblings that are teaser cards form a teaser list when there are at least this many."""
MAX_FORM_BOX_CHARS = 400
"""The box around a form control (newsletter signup, login, search) holds at most this much text."""
MAX_PROMO_BOX_CHARS = 500
"""The box around a link to a subscription offer holds at most this much text."""
_SUBSCRIBE_PATH_RE = re.compile(
    r"/(?:[a-z]*abo(?:s|nnement|nnements|nnieren)?|subscribe|subscriptions?|suscripci[oó]n(?:es)?|suscr[ií]bete"
    r"|abbonamenti|abbonamento|abbonati|prenumeration|prenumerera|membership|offers?)(?:[/?#._-]|$)", re.I)
_APP_STORE_RE = re.compile(
    r"^\s*https?://(?:play\.google\.com/store/apps/|(?:apps|itunes)\.apple\.com/(?:[a-z]{2}/)?app/)", re.I)
MAX_TOGGLE_HEADER_CHARS = 150
"""The clickable header that opens a collapsible box holds at most this much text (a title)..."""
MAX_COLLAPSIBLE_SHARE = 0.3
"""...and the box at most this share of the page's article text (it sits beside the text)..."""
MAX_FOLDED_SHARE = 0.5
"""...and all such boxes in the article container together at most this share of its article text."""
MAX_BYLINE_CHARS = 120
"""A line holding a link to an author page is a byline when it is at most this long..."""
MAX_BYLINE_BOX_CHARS = 200
"""The box around a byline (author link or <address>, photo, role, date) holds at most this much text."""
_AUTHOR_PATH_RE = re.compile(r"/(?:authors?|autor(?:en|in)?|auteurs?|autore|autori|journalists?|columnists?|writers?"
                             r"|staff|byline|profiles?)/", re.I)
LEAD_MIN_WORDS = 5
LEAD_DESCRIPTION_SHARE = 0.8
LEAD_MIN_CHARS = 30
LEAD_LENGTH_RATIO = 1.3
LEAD_SLACK_CHARS = 20
LEAD_SIBLINGS = 3
LEAD_LEVELS = 2
"""The lead (standfirst) set apart before the chosen text joins the body: one of the LEAD_SIBLINGS
elements before the text or before its parent (LEAD_LEVELS), of LEAD_MIN_CHARS characters and at most
LEAD_LENGTH_RATIO times the declared description plus LEAD_SLACK_CHARS, holding LEAD_DESCRIPTION_SHARE
of the description's content words (a description of at least LEAD_MIN_WORDS of them)."""
COMMENT_HEADING_TAGS = ("h2", "h3", "h4", "h5")
MAX_COMMENT_HEADING_CHARS = 120
_CONTROL_TAGS = frozenset({"input", "select", "textarea"})
_COMPONENT_WORDS = frozenset({"widget", "widgets"})
"""Chrome words some CMSs put on every component of a page, the article's own pictures included."""
MAX_CAPTION_CHARS = 400
"""A picture's box with more text than this holds more than the picture and its caption."""
_SIGNUP_BUTTON_RE = re.compile(
    r"(?:jetzt |now |gratis |kostenlos |free )?(?:abonnieren|subscribe|sign ?up|register|registrieren|anmelden"
    r"|s'abonner|s’abonner|s'inscrire|s’inscrire|je m'abonne|suscr[ií]bete|suscribirse|suscribir|iscriviti|abbonati"
    r"|prenumerera|registrera|abonner|meld deg på|tilmeld|aanmelden|inschrijven|join now)(?: (?:now|jetzt|free|gratis"
    r"|for free|kostenlos|today))?", re.I)
"""The whole text of a button that subscribes to a newsletter or offer, signs up or registers."""
_COMMENT_WORDS = frozenset({"comment", "comments", "disqus"})
_BOX_TAGS = frozenset({"div", "section", "aside", "details", "article"})


def find_main_content(doc: Document) -> Element | None:
    """Return a detached, cleaned copy of the element holding the article, or None when the page
    holds no article-like text. `doc.tree` is never modified."""
    body = doc.tree.find("body")
    root: Element = copy.deepcopy(body if body is not None else doc.tree)
    everything = list(root.iter())  # one lxml proxy per element, kept alive while the page is measured
    controls, toggled = _preclean(root, everything)
    declared = (doc.canonical, doc.first_meta("og:url"))  # the site's own address, when fetched from a mirror
    page = measure(root, doc.url, *declared)
    del everything
    total_good = page.raw_good.get(root, 0)
    if total_good < MIN_ARTICLE_CHARS:
        return None
    page.chrome = _chrome_elements(page, total_good)
    page.chrome.update(_form_boxes(page, controls))
    best = _choose(page)
    if best is None:
        # The article text sits inside elements named like chrome (a section flagged "--Ads" because it
        # holds an ad slot, a forum's posts named "comment"): choose again by structure alone.
        page.chrome = _chrome_elements(page, total_good, by_name=False)
        page.chrome.update(_form_boxes(page, controls))
        best = _choose(page)
    # Pruned, but no weight in the choice: their text is often article-like.
    page.chrome.update(_promo_boxes(page, [label for url in (doc.url, *declared) for label in host_labels(url)]))
    page.chrome.update(_collapsible_boxes(page, total_good, toggled, best))
    if best is not None:
        lead = _lead_before(best, doc.description, page.chrome)
        _cut_at_comments(best)
        prune(best, page, declared_headlines(doc))
        best.tail = None
        best = copy.deepcopy(best)  # a document of its own: absolute XPath from it stays inside it
        if lead is not None:
            lead = copy.deepcopy(lead)
            lead.tail = None
            best.insert(0, lead)
    return prefer_declared_body(doc, best)


_COMMENT_LABEL = alternation(COMMENT_HEADINGS)
_COMMENT_HEADING_RE = re.compile(
    # "Comments", "12 Comments", "Kommentare (4)"; "3 thoughts on “Title”", "One response to “Title”"
    rf"^(?:(?:\d+|one)\s+)?(?:{_COMMENT_LABEL})(?:\s*\(\d+\))?$"
    rf"|^(?:\d+|one)\s+(?:{_COMMENT_LABEL}|thoughts?)\s+(?:on|to|zu|sur|su|sobre|op|på|om)\s.+$",
    re.I)


def _cut_at_comments(best: Element) -> None:
    """Remove a comment section inside the chosen text: its heading ("12 Comments", "Leave a Reply",
    "27 commentaires") and everything after it, when article text comes before it."""
    for heading in best.iter(*COMMENT_HEADING_TAGS):
        text = " ".join(heading.text_content().split()).strip(" .:")
        if len(text) > MAX_COMMENT_HEADING_CHARS or not _COMMENT_HEADING_RE.match(text):
            continue
        if _text_before(best, heading) < MIN_ARTICLE_CHARS:
            return
        node = heading
        while node is not best and node is not None:
            for follower in list(node.itersiblings()):
                drop(follower)
            parent = node.getparent()
            if node is heading:
                drop(node)
            node = parent
        return


def _text_before(root: Element, stop: Element) -> int:
    """Characters of text in `root` before the element `stop` starts."""
    enclosing = set(stop.iterancestors())  # their tails come after `stop`
    count = 0
    for _, el in lxml.etree.iterwalk(root, events=("start",)):
        if el is stop:
            break
        count += len((el.text or "").strip()) + (len((el.tail or "").strip()) if el not in enclosing else 0)
    return count


def _lead_before(best: Element, description: str, chrome: set[Element]) -> Element | None:
    """The article's lead (standfirst) when the page sets it apart from the text the finder chose: a
    short block just before `best` (or before its parent) that says what the page's declared
    description says (LEAD_DESCRIPTION_SHARE of its content words), little more, and holds no <h1>."""
    words = content_words(description)
    if len(words) < LEAD_MIN_WORDS:
        return None
    own = " ".join(best.text_content().split())
    node: Element | None = best
    for _ in range(LEAD_LEVELS):
        if node is None:
            break
        for sibling in itertools.islice(node.itersiblings(preceding=True), LEAD_SIBLINGS):
            if not isinstance(sibling.tag, str) or sibling in chrome:
                continue
            text = " ".join(sibling.text_content().split())
            if (LEAD_MIN_CHARS <= len(text) <= LEAD_LENGTH_RATIO * len(description) + LEAD_SLACK_CHARS
                    and text[:60] not in own and sibling.tag != "h1" and sibling.find(".//h1") is None
                    and word_share(words, text) >= LEAD_DESCRIPTION_SHARE):
                return sibling
        node = node.getparent()
    return None


def _preclean(root: Element, everything: list[Element]) -> tuple[list[Element], list[Element]]:
    """Drop comments, processing instructions, junk elements and hidden elements; return the parents
    of the form controls and signup buttons that were dropped (newsletter, login and comment boxes are
    built around them), and the boxes that a dropped toggle button opened (the button first in its box)."""
    doomed = [el for el in everything if el is not root and (
        not isinstance(el.tag, str) or (el.tag in JUNK_TAGS and not is_image_button(el)) or _is_hidden(el))]
    controls = [parent for el in doomed if (el.tag in _CONTROL_TAGS or _is_signup_button(el))
                and (parent := el.getparent()) is not None]
    toggled = [parent for el in doomed if el.tag == "button" and _is_toggle(el)
               and (parent := el.getparent()) is not None and _first_child(parent) is el]
    for el in doomed:
        drop(el)
    return controls, toggled


def _is_toggle(el: Element) -> bool:
    """A control that opens and closes a box: ARIA's aria-expanded, or a toggle data attribute (data-toggle,
    data-bs-toggle). aria-controls alone is not enough: players and tabs name what they control too."""
    return any(name == "aria-expanded" or (name.startswith("data-") and name.endswith("toggle"))
               for name in el.attrib)


def _first_child(el: Element) -> Element | None:
    return next((child for child in el if isinstance(child.tag, str)), None)


def _is_signup_button(el: Element) -> bool:
    """A <button> that subscribes, signs up or registers (its box is a newsletter or offer box)."""
    if el.tag != "button":
        return False
    return bool(_SIGNUP_BUTTON_RE.fullmatch(" ".join(el.text_content().split()).rstrip(" .!→›»>")))


def _is_hidden(el: Element) -> bool:
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if style:
        compact = style.replace(" ", "").lower()
        return "display:none" in compact or "visibility:hidden" in compact
    return False


def _chrome_elements(page: Page, total_good: float, *, by_name: bool = True) -> set[Element]:
    """Elements that are page chrome by tag, ARIA role or (unless `by_name` is False) class/id naming
    (wrappers of the article excepted), plus teaser cards (lists of linked titles with summaries)."""
    chrome: set[Element] = set()
    for el in page.elements:
        if el is page.root:
            continue
        named = el.tag in CHROME_TAGS or (el.get("role") or "").strip().lower() in CHROME_ROLES
        if not named and by_name and el.tag not in HEADING_TAGS:  # a heading's id is often a table-of-contents anchor
            cls, ident = el.get("class"), el.get("id")
            if cls or ident:
                names = f"{cls or ''} {ident or ''}"
                named = chrome_strength(names) == 2 and not _is_plain_picture(el, names, page)
        if not named:
            continue
        share = page.raw_good.get(el, 0) / total_good if total_good else 0.0
        if share >= WRAPPER_SHARE and not _names_comments(el):
            continue
        chrome.add(el)
    chrome.update(_teaser_cards(page))
    return chrome


def _is_plain_picture(el: Element, names: str, page: Page) -> bool:
    """A picture, its box or its caption, linking nowhere, holding no more text than a caption, and named
    chrome (`names`: its class and id) only by a CMS's generic component word ("image widget rich",
    "widget widget--type-image", "widget__caption"): part of the article's own picture. A teaser's
    picture links to the other article; an author's or a logo's box says so."""
    if el.find(".//a") is not None or page.chars.get(el, 0) > MAX_CAPTION_CHARS:
        return False
    ancestors = [ancestor.tag for ancestor in el.iterancestors()]
    if "a" in ancestors or not (el.tag == "img" or el.find(".//img") is not None or "figure" in ancestors):
        return False
    words = [w for w in attribute_words(names) if w not in _COMPONENT_WORDS]
    return chrome_strength(" ".join(words)) != 2


def _names_comments(el: Element) -> bool:
    return bool(_COMMENT_WORDS.intersection(attribute_words(f"{el.get('class', '')} {el.get('id', '')}")))


def _teaser_cards(page: Page) -> list[Element]:
    """Siblings that each hold a linked title (to another page of the site) and at most a short summary.

    A card starts with its title or a short line (kicker, date), not with article text, and holds at
    most two paragraphs; at least MIN_CARDS such siblings make a teaser list.
    """
    titles = page.sums(dict.fromkeys(page.title_links, 1))
    good_blocks = page.sums({el: 1 for el, b in page.blocks.items() if b.good})
    cards: list[Element] = []
    for parent in page.elements:
        if len(parent) < MIN_CARDS:
            continue
        children = [c for c in parent if 1 <= titles.get(c, 0) <= 3 and page.chars.get(c, 0) <= MAX_CARD_CHARS
                    and good_blocks.get(c, 0) <= 2 and not _starts_with_text(c, page)]
        if len(children) >= MIN_CARDS:
            cards.extend(children)
    return cards


def _starts_with_text(el: Element, page: Page) -> bool:
    """Whether the first block with text inside el is article-like text (not a title link or a short line)."""
    for sub in el.iter():
        block = page.blocks.get(sub)
        if block is not None:
            return block.good and sub not in page.title_links
    return False


def _form_boxes(page: Page, controls: list[Element]) -> set[Element]:
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


def _promo_boxes(page: Page, site_labels: list[str]) -> set[Element]:
    """Small boxes around links to a subscription or offer page or to the site's own app in an app store
    (promos), and around bylines: an <address>
    or a short line linking to an author page, with the author's photo and the date next to it (a byline
    box never takes in other article-like text, such as the standfirst next to it)."""
    boxes: set[Element] = set()
    for el in page.root.iter("a", "address"):
        byline = True
        if el.tag == "a":
            path = _path(el.get("href"))
            if _SUBSCRIBE_PATH_RE.search(path) or _is_own_app(el.get("href") or "", site_labels):
                byline = False
            elif not _AUTHOR_PATH_RE.search(path) or _block_chars(el, page) > MAX_BYLINE_CHARS:
                continue
        limit = MAX_BYLINE_BOX_CHARS if byline else MAX_PROMO_BOX_CHARS
        box = None
        good = None
        node: Element | None = el
        while node is not None and node is not page.root and page.chars.get(node, 0) <= limit:
            if byline and good is not None and page.raw_good.get(node, 0) > good:
                break
            box = node
            good = page.raw_good.get(node, 0) if page.chars.get(node, 0) else None
            node = node.getparent()
        if box is not None and page.chars.get(box, 0) > 0:
            boxes.add(box)
    return boxes


def _collapsible_boxes(page: Page, total_good: float, toggled: list[Element], best: Element | None) -> set[Element]:
    """Boxes that open and close under a clickable header (an element with role=button or aria-expanded
    first in the box, or a toggle <button> dropped as junk: `toggled` holds its boxes): fact boxes, people
    boxes, FAQs and side stories beside the text, never most of it. When such boxes hold most of the
    article container's text together, they are the article (an explainer whose sections fold) and stay."""
    boxes: set[Element] = set()
    for el in page.elements:
        if el.get("role") != "button" and el.get("aria-expanded") is None:
            continue
        box = el.getparent()
        if box is None or box is page.root or box[0] is not el or box.tag not in _BOX_TAGS:
            continue  # (a glossary term opening a paragraph is no box)
        header_chars = page.chars.get(el, 0)
        box_chars = page.chars.get(box, 0)
        if header_chars <= MAX_TOGGLE_HEADER_CHARS and box_chars > header_chars \
                and page.raw_good.get(box, 0) <= MAX_COLLAPSIBLE_SHARE * total_good:
            boxes.add(box)
    boxes.update(box for box in toggled if box.tag in _BOX_TAGS and page.chars.get(box, 0) > 0
                 and page.raw_good.get(box, 0) <= MAX_COLLAPSIBLE_SHARE * total_good)
    if best is not None:
        inside = [box for box in boxes if any(node is best for node in box.iterancestors())]
        outermost = [box for box in inside if not any(node in boxes for node in box.iterancestors())]
        if sum(page.raw_good.get(box, 0) for box in outermost) > MAX_FOLDED_SHARE * page.raw_good.get(best, 0):
            boxes.difference_update(inside)
    return boxes


def _block_chars(el: Element, page: Page) -> int:
    """Characters of own text of the block holding an inline element."""
    for node in el.iterancestors():
        block = page.blocks.get(node)
        if block is not None:
            return block.chars
    return 0


def _is_own_app(href: str, site_labels: list[str]) -> bool:
    """A link to the site's own app in an app store, named by its host name's labels (an article about
    another app links that app instead)."""
    found = _APP_STORE_RE.match(href)
    if found is None:
        return False
    app = href[found.end():].lower()
    return any(label in app for label in site_labels)


def _path(href: str | None) -> str:
    return url_path((href or "").strip())


def _choose(page: Page) -> Element | None:
    """The element whose subtree scores highest: article text minus chrome, link lists and fragments."""
    in_chrome: dict[Element, bool] = {}
    for el, parent in zip(page.elements, page.parents, strict=True):
        in_chrome[el] = el in page.chrome or (parent >= 0 and in_chrome[page.elements[parent]])
    weights: dict[Element, float] = {}
    good: dict[Element, float] = {}
    for el, block in page.blocks.items():
        if in_chrome.get(el, False):
            weights[el] = -CHROME_WEIGHT * block.chars
        elif block.good:
            weights[el] = block.chars - LINK_PENALTY * block.link
            good[el] = block.chars
        elif block.density > LINK_LIST_DENSITY:
            weights[el] = -block.chars
        else:
            weights[el] = -SHORT_WEIGHT * block.chars
    values = page.sums(weights)
    best = max(values, key=values.__getitem__)
    page.goods = page.sums(good)
    if page.goods.get(best, 0) < MIN_ARTICLE_CHARS:
        return None
    logger.debug("article container: <%s class=%r id=%r>", best.tag, best.get("class"), best.get("id"))
    return best
