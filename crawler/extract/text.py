"""Text normalisers: whitespace, entities, invisible characters, comparison keys."""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from functools import lru_cache

logger = logging.getLogger(__name__)

ASCII_WS = " \t\n\r\f\v"
"""The whitespace HTML collapses. U+00A0 (from `&nbsp;`) is deliberately not in it."""

_ASCII_WS_RE = re.compile(r"[ \t\n\r\f\v]+")
_ANY_WS_RE = re.compile(r"\s+")
_NOT_ALNUM_RE = re.compile(r"[\W_]+")
_TAG_RE = re.compile(r"</?[a-zA-Z!][^<>]{0,2000}>")
_ENTITY_RE = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);?")
# Invisible characters that carry no meaning in metadata (soft hyphen, BOM, directional marks).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060"))
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-"})


_UNSAFE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""Control characters (all but tab, line feed and carriage return), lone surrogates, non-characters."""
_AS_SPACE = frozenset("\x0b\x0c\x85")
_CONTENT_WORD_RE = re.compile(r"\w{4,}")
"""Controls that separate words (vertical tab, form feed, next line): a space, so words stay apart."""


def safe_text(text: str) -> str:
    """Text without control characters or lone surrogates: what every field of an article is made of.

    Tab, line feed and carriage return stay; vertical tab, form feed and NEL become a space; other C0
    and C1 controls, DEL and the non-characters U+FFFE/U+FFFF are removed; a surrogate pair (from a
    JSON `\\ud83d\\ude00` escape) becomes its character and a lone surrogate U+FFFD, so the text can
    always be written as UTF-8. Never raises."""
    if not _UNSAFE_RE.search(text):
        return text
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _UNSAFE_RE.sub(lambda m: " " if m.group() in _AS_SPACE else "", text)


_NUMERIC_REFERENCE_RE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def drop_control_references(html: str) -> str:
    """HTML with the character references that name a control character (`&#x1F;`, `&#11;`) or U+FFFE/U+FFFF
    taken out (a vertical tab or form feed becomes a space), as safe_text takes out the characters. The HTML
    parser turns them into the characters, which lxml then refuses wherever text is written back into the
    tree. References to NUL, C1 codes, surrogates and beyond U+10FFFF are left to the parser, which maps
    them as browsers do (`&#150;` is an en dash). Never raises."""
    if "&#" not in html:
        return html

    def replace(match: re.Match[str]) -> str:
        hex_digits, digits = match.groups()
        code = int(hex_digits, 16) if hex_digits else int(digits)
        if (0 < code < 0x20 and code not in (0x09, 0x0A, 0x0D)) or code in (0x7F, 0xFFFE, 0xFFFF):
            return " " if code in (0x0B, 0x0C) else ""
        return match.group()

    return _NUMERIC_REFERENCE_RE.sub(replace, html)


def collapse_ascii_ws(text: str) -> str:
    """Collapse runs of ASCII whitespace to one space (NBSP is kept as it is)."""
    return _ASCII_WS_RE.sub(" ", text)


def strip_ascii(text: str) -> str:
    """Trim ASCII whitespace only: unlike str.strip(), a trailing U+00A0 survives."""
    return text.strip(ASCII_WS)


def clean_text(text: str | None) -> str:
    """Metadata text: entities decoded, tags and invisible characters removed, all whitespace collapsed."""
    if not text:
        return ""
    if "<" in text and ">" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text and _ENTITY_RE.search(text):
        text = html.unescape(text)
    text = text.translate(_INVISIBLE)
    return _ANY_WS_RE.sub(" ", text).strip()


def fold_for_compare(text: str) -> str:
    """A comparison key: NFKC, case-folded, typographic quotes and dashes folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", clean_text(text)).translate(_QUOTES)
    return _ANY_WS_RE.sub(" ", text).strip().casefold()


@lru_cache(maxsize=4096)
def loose_key(text: str) -> str:
    """Letters and digits only, case-folded: "A: B" and "A - B" have the same key (titles, site names)."""
    return _NOT_ALNUM_RE.sub("", fold_for_compare(text))


def content_words(text: str) -> set[str]:
    """The words of four letters or more in a text, case-folded (what a text is about, roughly)."""
    return {word.casefold() for word in _CONTENT_WORD_RE.findall(text)}


def word_share(words: set[str], text: str) -> float:
    """The share of `words` that `text` holds (1.0 for no words)."""
    return len(words & content_words(text)) / len(words) if words else 1.0
