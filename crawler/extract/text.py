"""Text normalisers: whitespace, entities, invisible characters, site-name decorations in titles."""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Iterable

logger = logging.getLogger(__name__)

ASCII_WS = " \t\n\r\f\v"
"""The whitespace HTML collapses. U+00A0 (from `&nbsp;`) is deliberately not in it."""

_ASCII_WS_RE = re.compile(r"[ \t\n\r\f\v]+")
_ANY_WS_RE = re.compile(r"\s+")
_TAG_RE = re.compile(r"</?[a-zA-Z!][^<>]{0,2000}>")
_ENTITY_RE = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);?")
# Invisible characters that carry no meaning in metadata (soft hyphen, BOM, directional marks).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060"))
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-"})
# Separators between a headline and the site name: "Title | Site", "Title - Site", "Site :: Title".
_TITLE_SEPARATORS = (" | ", " - ", " \u2013 ", " \u2014 ", " :: ", " \u00bb ", " \u00b7 ", " \u2022 ", " / ")


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


def strip_site_name(title: str, site_names: Iterable[str | None] = ()) -> str:
    """Remove a site-name decoration ("Headline | Site", "Site - Headline") from a title.

    Known site names are removed wherever they sit at either end. Without a known name, a short
    trailing segment after " | " (at most four words) is taken to be the site name.
    """
    title = clean_text(title)
    names = [fold_for_compare(n) for n in site_names if n and n.strip()]
    for name in names:
        for sep in _TITLE_SEPARATORS:
            head, found, tail = title.rpartition(sep)
            if found and head and fold_for_compare(tail) == name:
                return head.strip()
            head, found, tail = title.partition(sep)
            if found and tail and fold_for_compare(head) == name:
                return tail.strip()
    if " | " in title:
        head, _, tail = title.rpartition(" | ")
        if head and len(tail.split()) <= 4 and len(head) > len(tail):
            return head.strip()
    return title


def similar(a: str, b: str) -> bool:
    """True when two titles say the same thing (equal, one a truncation of the other, or nearly equal)."""
    fa, fb = fold_for_compare(a), fold_for_compare(b)
    if not fa or not fb:
        return False
    if fa == fb:
        return True
    short, long_ = sorted((fa.rstrip(".\u2026 "), fb.rstrip(".\u2026 ")), key=len)
    if len(short) >= 20 and (long_.startswith(short) or short in long_):
        return True
    from difflib import SequenceMatcher

    return SequenceMatcher(None, fa, fb, autojunk=False).ratio() >= 0.9
