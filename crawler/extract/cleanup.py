"""Chrome removal inside the chosen article container: chrome elements, link lists, header furniture
(kickers, datelines, bylines), headline copies, repeated captions and orphaned subheadings."""

from __future__ import annotations

import logging
import re

import lxml.etree

from crawler.extract.blocks import Block, Element, Page, clear_own_text, drop, has_ancestor, own_text
from crawler.extract.boilerplate import (
    BLOCK_TAGS,
    HEADING_TAGS,
    attribute_words,
    chrome_strength,
    fold,
    is_boilerplate_line,
    is_boilerplate_phrase,
    is_control_instruction,
    is_copyright_notice,
    is_dateline,
    is_meta_row,
    is_notice,
    is_reading_time,
)
from crawler.extract.document import Document
from crawler.extract.media import is_quote_embed
from crawler.extract.vocabulary import BYLINE_PREFIXES, MORE_LABELS, SLIDE_WORDS, alternation

logger = logging.getLogger(__name__)

CAPTION_WORDS = frozenset({"caption", "captions", "credit", "credits", "figcaption", "gallery", "slideshow"})
"""Class/id words of caption containers."""
DUPLICATE_CHARS = 50
"""A caption at least this long that repeats an earlier caption is a gallery duplicate."""
TRUNCATED_CHARS = 30
"""A caption at least this long that begins another caption is its shortened copy."""
MORE_TOGGLE_RE = re.compile(r"(?:\.{2,}|…)?\s*(?:(?:show|read|see) )?(?:more|mehr|más|plus)", re.I)
"""The whole text of the toggle that expands a shortened caption."""
CAPTION_CONTROL_RE = re.compile(
    rf"(?:(?:{alternation(SLIDE_WORDS)})\s*)?\d{{1,3}}\s*(?:of|/|von|de|sur|di|av|van)\s*\d{{1,3}}"
    r"|(?:\.{2,}|…)?\s*(?:(?:show|read|see) )?(?:less|weniger|menos|moins)|" + MORE_TOGGLE_RE.pattern, re.I)
"""The whole text of a caption's slide counter or expand/shorten toggle..."""
MAX_CONTROL_CHARS = 30
"""...which is at most this long."""
_COUNTER_RE = re.compile(r"\d{1,3}")
"""A block that is only a small number: a gallery's picture count, a comment or share counter."""
REPEAT_MIN_WORDS = 8
"""A block of at least this many words whose words another block of the article holds is a copy..."""
REPEAT_MAX_WORDS = 80
"""...when it has at most this many and stands apart from the paragraphs (pull quotes, repeating captions)."""
_WORD_RE = re.compile(r"[^\W\d_]{2,}")
LINKED_SENTENCE_CHARS = 25
"""A paragraph with this much unlinked text, ending like a sentence, is text however much of it is linked."""
MAX_STAMP_CHARS = 200
"""A block this short is judged a date stamp on its text left after pruning too."""
MAX_TAG_LABEL_CHARS = 40
"""A line of tag links (rel=tag or rel=category) has at most this much text of its own ("Filed under:")."""
_TAG_RELS = frozenset({"tag", "category"})
MAX_LABELLED_LINK_CHARS = 150
"""A 'Related: [headline]' line is at most this long."""
_MORE_LABEL_RE = re.compile(rf"(?:{alternation(MORE_LABELS)})\b", re.I)
"""Labels of a line that points to other articles ("Related coverage:", "More on this:", "Lesen Sie auch:")."""
SENTENCE_ENDS = frozenset(".!?…»“”\"'’)。！？")
PARAGRAPH_HEADING_WORDS = 15
"""A heading this many words long reads as a paragraph (a standfirst set as a heading), never an orphan."""
DATE_RE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}|"
    r"\d{1,2}\.? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)\b",
    re.I,
)
"""Dates and times as news pages print them."""
FURNITURE_RE = re.compile(DATE_RE.pattern[:-3] + f"|{alternation(BYLINE_PREFIXES)}" + r"|updated|published"
                          r"|min(?:ute)?s? read|lesezeit)\b", re.I)
"""Dates, times, bylines and reading times: furniture when short and ahead of the article text."""
_CELL_TAGS = frozenset({"td", "th", "li", "dd", "dt", "caption"})
_LIST_TAGS = frozenset({"ul", "ol"})
_HEADER_TAGS = frozenset({"header", "hgroup", "address"})
_FIGURE_TAGS = frozenset({"figure", "figcaption", "picture"})
_FIGURE_CAPTION_TAGS = frozenset({"figure", "figcaption"})
_SET_APART_TAGS = frozenset({"blockquote", "aside", "figure", "figcaption"})
_SEQUENCE_TAGS = HEADING_TAGS | {"p", "li", "table", "figure", "img", "blockquote", "pre"}


def prune(container: Element, page: Page, headlines: set[str]) -> None:
    """Remove page chrome left inside the chosen container (in place)."""
    doomed: list[Element] = []
    stack = list(reversed(container))
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if _is_chrome_inside(el, page):
            doomed.append(el)
            continue
        if is_quote_embed(el, el.tag):
            continue  # an embedded post (tweet...): short linked lines, but quoted content
        stack.extend(reversed(el))
    for el in doomed:
        drop(el)
    _drop_headline_copies(container, page, headlines)
    _drop_trailing_link_lists(container, page)
    _drop_header_furniture(container, page)
    _drop_datelines(container, page)
    for el in list(container.iter("h1")):
        drop(el)  # the headline: the post renders the title itself
    shortened = _drop_caption_controls(container)
    _drop_duplicate_captions(container, page, shortened)
    _drop_repeated_blocks(container)
    _drop_orphan_headings(container)


def declared_headlines(doc: Document) -> set[str]:
    """The page's headline as declared (og:title, twitter:title, JSON-LD headline, <title> parts), folded."""
    found = [doc.first_meta("og:title"), doc.first_meta("twitter:title")]
    found.extend(obj["headline"] for obj in doc.jsonld if isinstance(obj.get("headline"), str))
    title = doc.tree.findtext(".//title")
    if title:
        found.append(title)
        found.extend(re.split(r"\s+[|\-–—:·•»]\s+", title))
    return {folded for text in found if text and len(folded := fold(text)) >= 10}


def _is_chrome_inside(el: Element, page: Page) -> bool:
    if el in page.chrome:
        return True
    if is_quote_embed(el, el.tag):
        return False
    tag = el.tag
    block = page.blocks.get(el)
    if block is not None and block.chars == page.chars.get(el, 0) and _is_chrome_line(el, block):
        return True
    if page.goods.get(el, 0) > 0:
        return False
    text_chars = page.chars.get(el, 0)
    if text_chars == 0:
        return False
    if page.links.get(el, 0) / text_chars > 0.5 and tag not in HEADING_TAGS and not _is_linked_sentence(el, page):
        return True
    if block is not None and block.chars == text_chars and is_boilerplate_phrase(block.text):
        return True
    return (text_chars < 200 and tag not in HEADING_TAGS
            and chrome_strength(f"{el.get('class', '')} {el.get('id', '')}") == 1)


def _is_chrome_line(el: Element, block: Block) -> bool:
    """A block that is one line of its own text (no nested blocks) and page chrome by what it says: a
    notice, a copyright or date line, a tag or 'related' line, a control's label, a lone counter."""
    text, tag = block.text, el.tag
    return (is_boilerplate_line(text) or is_copyright_notice(text) or is_notice(text)
            or (tag not in _CELL_TAGS and is_dateline(text))
            or _is_tag_line(el, block) or _is_labelled_link(block)
            or (not block.link and is_control_instruction(text))
            or (tag not in _CELL_TAGS and tag not in HEADING_TAGS and _COUNTER_RE.fullmatch(text) is not None))


def _is_tag_line(el: Element, block: Block) -> bool:
    """A line of links to tag or category pages, marked rel=tag or rel=category (the microformat WordPress
    and others write), with at most a short label of its own: "Filed under: [Politics] | [Asia]"."""
    links = list(el.iter("a"))
    return bool(links) and block.chars - block.link <= MAX_TAG_LABEL_CHARS and all(
        _TAG_RELS.intersection((a.get("rel") or "").lower().split()) for a in links)


def _is_labelled_link(block: Block) -> bool:
    """A 'more to read' label, a colon, then only links: "Related Roundup: [MacBook Pro]", "See also: [..]"."""
    label, colon, rest = block.text.partition(":")
    if not colon or not block.link or block.chars > MAX_LABELLED_LINK_CHARS:
        return False
    return len(rest.strip()) <= block.link + 2 and bool(_MORE_LABEL_RE.match(label.strip()))


def _is_linked_sentence(el: Element, page: Page) -> bool:
    """A paragraph of text that happens to be mostly a link ("The inquiry was shelved in 2017 but
    [re-opened this year after new evidence came to light].", "It also [co-ordinates joint exercises]."),
    unlike a link line ("Read more: [Headline]")."""
    while el.tag != "p" and len(el) == 1 and not (el.text or "").strip():
        el = el[0]  # wrappers around one paragraph
    block = page.blocks.get(el)
    if el.tag != "p" or block is None or block.chars == block.link:
        return False
    links = [" ".join(a.text_content().split()) for a in el.iter("a")]
    if block.text[-1:] == ":":
        # A lead-in to a quote or an embed: words of its own after the link ("[Financial Times] reported:"),
        # unlike a label before one ("Read more: [Headline]") or a list's title ("More from [Site]:").
        after = block.text[block.text.rfind(links[-1]) + len(links[-1]):] if links and links[-1] else ""
        return bool(_WORD_RE.search(after))
    if block.text[-1:] not in SENTENCE_ENDS:
        return False
    if block.chars - block.link >= LINKED_SENTENCE_CHARS:
        return True
    # A few words leading into links that continue the sentence ("It also [co-ordinates joint exercises].")
    return bool(links) and all(text[:1].islower() for text in links)


def _drop_headline_copies(container: Element, page: Page, headlines: set[str]) -> None:
    """Remove blocks that repeat the headline (the post renders the title itself)."""
    if not headlines:
        return
    doomed = [el for el in container.iter() if (block := page.blocks.get(el)) is not None
              and block.chars <= 300 and fold(block.text) in headlines]
    for el in doomed:
        clear_own_text(el)


def _drop_trailing_link_lists(container: Element, page: Page) -> None:
    """Remove link lists after the last paragraph of article text ("More stories" lists whose items
    mix a few words with a linked headline), with the short line that introduces them."""
    order = [el for el in container.iter() if isinstance(el.tag, str)]
    last_good = max((i for i, el in enumerate(order) if (b := page.blocks.get(el)) is not None and b.good
                     and el.tag not in _CELL_TAGS and not has_ancestor(el, _LIST_TAGS, container)), default=None)
    if last_good is None:
        return
    lists = [el for el in order[last_good + 1:] if el.tag in _LIST_TAGS and _is_link_list(el, page)
             and not has_ancestor(el, _LIST_TAGS, container)]
    for el in lists:
        intro = el.getprevious()
        if intro is None:
            parent = el.getparent()
            intro = parent.getprevious() if parent is not None and parent is not container else None
        drop(el)
        if intro is not None and page.chars.get(intro, 0) <= 80 and page.goods.get(intro, 0) == 0 \
                and intro.find(".//img") is None:
            drop(intro)


def _is_link_list(el: Element, page: Page) -> bool:
    items = [li for li in el if li.tag == "li"]
    if len(items) < 2:
        return False
    linked = sum(1 for li in items if li.find(".//a") is not None)
    chars = page.chars.get(el, 0)
    return linked >= 0.8 * len(items) and chars > 0 and page.links.get(el, 0) >= 0.3 * chars


def _drop_header_furniture(container: Element, page: Page) -> None:
    """Remove header furniture before the first paragraph of article text: whatever precedes the
    headline (kickers, breadcrumbs), and short blocks inside a header or naming a date, time or author
    (datelines, bylines, reading times), and headings that are one link to another page (teasers).
    Figures and other subheadings stay."""
    blocks: list[tuple[Element, Block]] = []
    for el in container.iter():
        block = page.blocks.get(el)
        if block is None:
            continue
        if block.good and el.tag not in HEADING_TAGS and not _is_dateline(el, block, container):
            break
        blocks.append((el, block))
    last_h1 = max((i for i, (el, _) in enumerate(blocks) if el.tag == "h1"), default=-1)
    for index, (el, block) in enumerate(blocks):
        if el.tag in HEADING_TAGS and el.tag != "h1" and el in page.title_links:
            clear_own_text(el)  # a linked headline above the text: a teaser for another article
            continue
        if el.tag in HEADING_TAGS or _within(el, _FIGURE_TAGS, container):
            continue
        if index < last_h1 or (block.chars <= 120 and (_within(el, _HEADER_TAGS, container)
                                                       or _looks_like_furniture(el, block))):
            clear_own_text(el)


def _drop_datelines(container: Element, page: Page) -> None:
    """Remove the own text of blocks that are a date/time stamp, a reading time or a row of furniture
    around a date ("Politics | Agency | 11.2.2025 | 23:55"), wherever they are
    ("Published 30 August 2023 at 14:52, updated 15:54" next to a nested "4 min read"), judged on the
    text measured and, for a short block, on what is left of it after pruning (an author's name in it
    was chrome: "[Desk] 18.07.2024, 11.08 Uhr 7 min")."""
    doomed = [el for el in container.iter() if (block := page.blocks.get(el)) is not None
              and el.tag not in _CELL_TAGS and el.tag not in HEADING_TAGS
              and _has_digit(block.text)  # every stamp has one; what pruning left is part of this text
              and (_is_stamp(block.text) or (block.chars <= MAX_STAMP_CHARS and _is_stamp(own_text(el))))]
    for el in doomed:
        clear_own_text(el)


_DIGIT_RE = re.compile(r"\d")


def _has_digit(text: str) -> bool:
    return _DIGIT_RE.search(text) is not None


def _is_stamp(text: str) -> bool:
    return bool(text) and (is_dateline(text) or is_reading_time(text) or is_meta_row(text))


def _is_dateline(el: Element, block: Block, container: Element) -> bool:
    """A short line holding a <time> element, or a date inside a header ("Published 21 October 2024")."""
    if block.chars > 80:
        return False
    if el.tag == "time" or el.find(".//time") is not None:
        return True
    return _within(el, _HEADER_TAGS, container) and bool(DATE_RE.search(block.text))


def _looks_like_furniture(el: Element, block: Block) -> bool:
    return el.tag == "time" or el.find(".//time") is not None or bool(FURNITURE_RE.search(block.text))


def _within(el: Element, tags: frozenset[str], container: Element) -> bool:
    """Whether el or one of its ancestors below container has one of the tags."""
    return el.tag in tags or has_ancestor(el, tags, container)


def _drop_caption_controls(container: Element) -> set[Element]:
    """Remove the controls of captions and galleries: slide counters ("1 of 4") and the toggles that
    expand or shorten a caption ("... more", "less"). Return the blocks that held a "more" toggle (the
    shortened copies of a caption)."""
    controls = [(el, text) for el in _inside_captions(container) if el.tag not in HEADING_TAGS
                and len(el) <= 3 and (text := _short_text(el, MAX_CONTROL_CHARS)) is not None
                and CAPTION_CONTROL_RE.fullmatch(text) and el.find(".//img") is None]
    shortened: set[Element] = set()
    for el, text in controls:
        if MORE_TOGGLE_RE.fullmatch(text) and (block := next(
                (a for a in el.iterancestors() if a.tag in BLOCK_TAGS), None)) is not None:
            shortened.add(block)
        drop(el)
    return shortened


def _inside_captions(container: Element) -> list[Element]:
    """The elements that are or sit inside a caption, figure or gallery below `container` (what
    `_is_caption` says of each, in one pass over the tree)."""
    found: list[Element] = []
    inside: dict[Element, bool] = {container: False}
    for el in container.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        parent = el.getparent()
        flag = inside.get(parent, False) if parent is not None else False
        inside[el] = flag = flag or _names_caption(el)
        if flag:
            found.append(el)
    return found


def _short_text(el: Element, limit: int) -> str | None:
    """The element's text, whitespace collapsed, when it is at most `limit` characters (read no further)."""
    parts: list[str] = []
    size = 0
    for piece in el.itertext():
        size += len(piece)
        if size > 4 * limit:  # whitespace included: stop early on big elements
            return None
        parts.append(piece)
    text = " ".join("".join(parts).split())
    return text if len(text) <= limit else None


def _drop_duplicate_captions(container: Element, page: Page, shortened: set[Element]) -> None:
    """Remove captions repeating another one: shortened copies (the teaser of an expandable caption),
    copies of a long caption anywhere (galleries, slideshow copies) and copies of any caption before the
    next image (a credit repeated by the gallery's controls). A credit under each of several images stays."""
    captions: list[tuple[Element, str]] = []
    for el in container.iter():
        if el.tag == "img":
            captions.append((el, ""))  # an image: a caption after it may repeat one before it
        elif el in page.blocks and _is_caption(el, container) and (text := fold(_own_text(el))):
            captions.append((el, text))
    texts = [text for _, text in captions if text]
    seen: set[str] = set()
    seen_since_image: set[str] = set()
    doomed = []
    for el, text in captions:
        if not text:
            seen_since_image.clear()
            continue
        if (text in seen_since_image or (len(text) >= DUPLICATE_CHARS and text in seen)
                or ((el in shortened or len(text) >= TRUNCATED_CHARS)
                    and any(other.startswith(f"{text} ") for other in texts))):
            doomed.append(el)
        seen.add(text)
        seen_since_image.add(text)
    for el in doomed:
        clear_own_text(el)


def _is_caption(el: Element, container: Element) -> bool:
    """Whether el is or sits inside a caption, figure or gallery below `container`."""
    for node in (el, *el.iterancestors()):
        if node is container:
            return False
        if _names_caption(node):
            return True
    return False


def _names_caption(el: Element) -> bool:
    """A figure, a figcaption, or an element whose class or id names a caption, credit or gallery."""
    return el.tag in _FIGURE_CAPTION_TAGS or bool(CAPTION_WORDS.intersection(
        attribute_words(f"{el.get('class', '')} {el.get('id', '')}")))


def _drop_repeated_blocks(container: Element) -> None:
    """Remove blocks set apart from the text flow (quotes, captions, boxes) whose words a block of the
    text already holds: pull quotes, highlighted sentences and captions repeating the text."""
    blocks = [(el, f" {text} ", _set_apart(el, container)) for el in container.iter()
              if isinstance(el.tag, str) and el.tag in BLOCK_TAGS and el.tag not in HEADING_TAGS
              and el.tag not in _CELL_TAGS and (text := fold(_own_text(el)))]
    doomed = []
    for el, text, set_apart in blocks:
        if not set_apart or not REPEAT_MIN_WORDS <= text.count(" ") - 1 <= REPEAT_MAX_WORDS:
            continue
        if any(other_el is not el and text in other and (len(other) > len(text) or not other_apart)
               for other_el, other, other_apart in blocks):
            doomed.append(el)
    for el in doomed:
        clear_own_text(el)


def _set_apart(el: Element, container: Element) -> bool:
    """Whether a block stands apart from the paragraphs of the text: not a <p>, or inside a quote, box or figure."""
    return el.tag != "p" or has_ancestor(el, _SET_APART_TAGS, container) or _is_caption(el, container)


def _own_text(el: Element) -> str:
    """The text directly inside a block and inside its inline descendants (nested blocks excluded)."""
    parts: list[str] = []
    walker = lxml.etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        if event == "start":
            if node is not el and node.tag in BLOCK_TAGS:
                walker.skip_subtree()
            elif node.text:
                parts.append(node.text)
        elif node is not el and node.tail:
            parts.append(node.tail)
    return " ".join(" ".join(parts).split())


def _drop_orphan_headings(container: Element) -> None:
    """Remove subheadings that no longer head any content (their section was chrome); headings as long as
    a paragraph (standfirsts set as headings) stay, and so do headings followed by loose text (a body
    written as text and <br>s rather than paragraphs)."""
    order = [el for el in container.iter() if isinstance(el.tag, str)]
    position = {el: i for i, el in enumerate(order)}
    sequence = [el for el in order if el.tag in _SEQUENCE_TAGS]
    doomed = []
    for index, el in enumerate(sequence):
        if el.tag not in HEADING_TAGS:
            continue
        following = next((n for n in sequence[index + 1:] if not any(a is el for a in n.iterancestors())), None)
        if (following is None or (following.tag in HEADING_TAGS and following.tag <= el.tag)) \
                and len(el.text_content().split()) < PARAGRAPH_HEADING_WORDS \
                and not _loose_text_after(el, order, position, following, container):
            doomed.append(el)
    for el in doomed:
        drop(el)


def _loose_text_after(heading: Element, order: list[Element], position: dict[Element, int],
                      following: Element | None, container: Element) -> bool:
    """Whether text outside any block follows a heading before the next element of the sequence (the
    tails of the heading, of its wrappers and of the elements after it, such as <br>s)."""
    end = position[following] if following is not None else len(order)
    for node in (heading, *heading.iterancestors()):
        if node is container:
            break
        if (node.tail or "").strip() and (following is None or not any(a is node for a in following.iterancestors())):
            return True
    return any((node.tail or "").strip() for node in order[position[heading] + 1:end]
               if not any(a is heading for a in node.iterancestors()))
