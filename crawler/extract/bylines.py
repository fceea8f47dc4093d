"""Author names from byline strings: prefixes, joined names, roles, credits, dates and URLs taken apart.

"Analysis by A, Senior Editor, and B | Monday, 18 November 2024" -> ["A", "B"]. Works on meta values,
JSON-LD names and visible byline text alike; never returns a URL, an e-mail address or a bare role.
Also removes the byline lines an article body repeats (the post shows its authors in the front matter).
"""

from __future__ import annotations

import logging
import re

import lxml.html

from crawler.extract.boilerplate import HEADING_TAGS, fold
from crawler.extract.text import clean_text
from crawler.extract.vocabulary import (
    DATE_PREPOSITIONS,
    ENGLISH_MONTHS,
    PICTURE_WORDS,
    PUBLISHED_WORDS,
    alternation,
    weekday_names,
)

logger = logging.getLogger(__name__)

# "By", "Written by", "Analysis by", "Von", "Por", "Par", "Veröffentlicht von", "Publié par"... at the start.
# Italian/Portuguese "di"/"da" only in lower case: capitalised they begin surnames ("Di Stefano").
_PREFIX_RE = re.compile(
    rf"^\s*(?:(?i:{alternation(PUBLISHED_WORDS)})\s+(?=(?i:von|por|par|door|av|af|przez|da)\s))?"  # "Publié par"
    r"(?:(?:[A-Za-z\u00c0-\u024f]+\s+){0,2}?(?i:by)|(?i:von|por|par|oleh|door|av|af|przez|from)|di|da"
    r"|(?i:author|autor|autorin|auteur|text|texto|reporter|reporting)(?=\s*:))"
    r"\s*[:\-]?\s+"
)
_CJK_PREFIX_RE = re.compile(r"^[\s(\uff08\[]*(?:作者|记者|責任編集|责编|责任编辑|編集|编辑|文|撰文|取材)"
                            r"\s*[:\uff1a]\s*")
_CJK_CLOSE_RE = re.compile(r"[)\uff09\]]+\s*$")
# Where the names stop: a bar or bullet, "Published 18 ...", "am 18.", a weekday, "October 18", "18.10.2024", a time.
_WEEKDAYS = alternation(weekday_names("en", "de", "fr", "es"))
_MONTHS = alternation(name for names in ENGLISH_MONTHS for name in names.split())
_CUT_RE = re.compile(
    r"\s+(?:\||\u2022|\u00b7|\u2014\s*\d)\s*"
    rf"|\s+(?:published|updated|posted|aktualisiert|veröffentlicht|{alternation(DATE_PREPOSITIONS)})\s+\d"
    rf"|\s+-\s+\d|,?\s+(?:{_WEEKDAYS})\b|,?\s+(?:{_MONTHS})\.?\s+\d|\s+\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}"
    r"|\s+\d{1,2}:\d\d",
    re.I,
)
# Between names: commas, semicolons, ampersands, ideographic commas, " / ", and the word "and" in several
# languages (lower case or all caps, so the initial "Y." in "Alex Y. Example" is not Spanish "y").
_SPLIT_RE = re.compile(
    r"\s*(?:[,;&+\u3001\uff0c\uff1b]|\s/\s)\s*|\s+(?:and|AND|And|und|UND|y|et|ET|dan|og|och)\s+"
)
_SLASH_RE = re.compile(r"(?<=\w)/(?=[A-Z\u00c0-\u024f])")
# "Name. Publication" and "Name - Role": a period after a lowercase word, or a spaced dash, ends the name.
_SENTENCE_END_RE = re.compile(r"(?<=[a-z\u00df-\u00ff]{2})\.\s+(?=\S)|\s+[-\u2013\u2014]\s+")
# A trailing "(abc)" after a name: initials, a handle, a city or a role.
_PARENTHETICAL_RE = re.compile(r"\s*[(\[][^()\[\]]{0,40}[)\]]?\s*$")
_URL_LIKE_RE = re.compile(r"^(?:https?:)?//|^www\.|@|\.(?:com|org|net|html?|php)\b|://", re.I)
_CREDIT_RE = re.compile(
    rf"^\(|\b(?:{alternation(PICTURE_WORDS)})\s*:|"
    r"getty\s*images|istock|shutterstock|\bcopyright\b|\u00a9",
    re.I,
)
_ROLES = frozenset({
    "editor", "editors", "editor-at-large", "correspondent", "reporter", "writer", "columnist", "contributor",
    "journalist", "photographer", "producer", "analyst", "redakteur", "redakteurin", "korrespondent",
    "korrespondentin", "corresponsal", "redactor", "redactora", "journaliste", "envoyé", "envoyée",
})
# Words that qualify a role ("Senior Editor", "Staff Writer"); alone ("Post Staff") they are part of a desk name.
_ROLE_MODIFIERS = frozenset({
    "staff", "chief", "senior", "deputy", "managing", "contributing", "executive", "associate", "political",
    "special", "freelance", "news", "sports", "business", "foreign", "spécial", "spéciale",
})
_NOT_NAMES = frozenset({
    "by", "and", "staff", "admin", "administrator", "red", "red.", "agenturen", "agencies", "wires",
    "agency", "agences", "agencias", "guest", "anonymous", "unknown", "editor", "editors", "none", "null",
})
MAX_NAME_LENGTH = 80
MAX_NAME_WORDS = 8


def parse_byline(text: str | None, *, by_line: bool = False) -> list[str]:
    """Names from a byline: "By A, B and C | 18 October 2024" -> ["A", "B", "C"].

    With `by_line`, the text is a visible block whose line breaks separate the byline from what follows
    (a date, the desk, a bio): the names come from the first line that has any.
    """
    if by_line and text and "\n" in text:
        for line in text.split("\n"):
            if names := parse_byline(line):
                return names
        return []
    text = clean_text(text)
    if not text:
        return []
    text = _CUT_RE.split(text, maxsplit=1)[0]
    text = _CJK_CLOSE_RE.sub("", _CJK_PREFIX_RE.sub("", text))
    text = _PREFIX_RE.sub("", text)
    text = _SLASH_RE.sub(" / ", text)
    names = []
    for part in _SPLIT_RE.split(text):
        name = clean_name(part)
        if name:
            names.append(name)
    return names


def clean_name(part: str) -> str | None:
    """One name from one byline part, or None: prefix, trailing role and "Name. Publication" tails removed."""
    if _CREDIT_RE.search(part):
        return None
    name = _PREFIX_RE.sub("", part.strip())
    label, colon, rest = name.rpartition(":")
    if colon and len(label.split()) <= 3 and rest.strip():
        name = rest  # "Text: Name", "Reporting: Name" (credits were refused above)
    name = _SENTENCE_END_RE.split(name, maxsplit=1)[0]
    name = _PARENTHETICAL_RE.sub("", name)
    name = _strip_role(name).strip(" .:-\u2013\u2014\"'()[]")
    return name if plausible_name(name) else None


def _strip_role(name: str) -> str:
    """ "Desk One Staff Writer" -> "Desk One"; "Senior Editor" -> "" (a role alone names nobody).

    Only a role noun ("editor", "correspondent") starts a role; "Post Staff" stays a desk's name.
    """
    words = name.split()
    for index, word in enumerate(words):
        if word.casefold().strip(",.") in _ROLES:
            start = index
            while start > 0 and words[start - 1].casefold() in _ROLE_MODIFIERS:
                start -= 1
            return " ".join(words[:start])
    return name


def plausible_name(name: str) -> bool:
    """A person's or desk's name: short, no digits, no URL or e-mail, not a filler word, not only the words
    that introduce a byline ("Von", "Publié par": a byline whose name is elsewhere)."""
    words = [w.strip(",.:;") for w in name.casefold().split()]
    return (1 < len(name) <= MAX_NAME_LENGTH and len(words) <= MAX_NAME_WORDS
            and not any(ch.isdigit() for ch in name) and not _URL_LIKE_RE.search(name)
            and name.casefold() not in _NOT_NAMES
            and not all(w in _BYLINE_FILLER or w in PUBLISHED_WORDS for w in words))


BYLINE_EDGE_BLOCKS = 3
"""Bylines repeated in the body sit among the first or the last few text blocks..."""
MAX_BYLINE_COPY_CHARS = 150
"""...and are short."""
_TEXT_BLOCK_TAGS = frozenset({"p", "div", "address", "li", "section"}) | HEADING_TAGS
_BYLINE_FILLER = frozenset({
    "by", "von", "por", "par", "de", "di", "da", "from", "av", "af", "door", "oleh", "przez", "and", "und", "y",
    "et", "e", "og", "och", "en", "text", "texto", "author", "autor", "autorin", "auteur", "reporter", "written",
    "reporting", "words",
})


def drop_byline_copies(content: lxml.html.HtmlElement, authors: list[str]) -> None:
    """Remove text blocks at either end of the content that only repeat the article's authors ("By A
    and B", "A", "**A, B**"): the post names its authors in the front matter."""
    keys = {key for name in authors if (key := fold(name))}
    if not keys:
        return
    elements = [el for el in content.iter() if isinstance(el.tag, str)]
    holds_block: dict[lxml.html.HtmlElement, bool] = {}
    for el in reversed(elements):  # children before parents: one pass
        holds_block[el] = any(child.tag in _TEXT_BLOCK_TAGS or holds_block.get(child, False)
                              for child in el if isinstance(child.tag, str))
    leaves = [el for el in elements if el.tag in _TEXT_BLOCK_TAGS and el is not content
              and not holds_block[el] and el.find(".//img") is None and el.text_content().strip()]
    edges = leaves[:BYLINE_EDGE_BLOCKS] + leaves[-BYLINE_EDGE_BLOCKS:]
    for el in dict.fromkeys(edges):
        if _only_names(" ".join(el.text_content().split()), keys) and el.getparent() is not None:
            el.drop_tree()  # keeps the tail text


def _only_names(text: str, keys: set[str]) -> bool:
    if len(text) > MAX_BYLINE_COPY_CHARS:
        return False
    names = parse_byline(text)
    if not names or any(fold(name) not in keys for name in names):
        return False
    rest = f" {fold(text)} "
    for name in names:
        rest = rest.replace(f" {fold(name)} ", " ")
    return all(word in _BYLINE_FILLER for word in rest.split())
