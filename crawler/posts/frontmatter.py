"""Jekyll front matter: the seed's keys, order and style, with YAML double-quoted scalars that round-trip.

Strings are written as YAML double-quoted scalars by hand: backslash, double quote, control
characters, YAML line breaks (NEL, LS, PS) and the few code points YAML forbids in a stream are
escaped; every other character, Khmer and emoji included, stays readable. A value is always one
line, so nothing is ever folded. tests/test_frontmatter_properties.py proves the round trip
through yaml.safe_load with hypothesis.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from crawler.items import Article

OPTIONAL_FIELDS = ("author", "updated", "tags", "image_origin")
"""Optional keys a post may carry (setting POST_OPTIONAL_FIELDS chooses which)."""
DEFAULT_OPTIONAL_FIELDS = ("author",)
"""The golden post has neither `updated` nor `tags`, so only `author` is on by default."""

_ESCAPES = {
    "\\": "\\\\", '"': '\\"', "\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n",
    "\v": "\\v", "\f": "\\f", "\r": "\\r", "\x1b": "\\e", "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P",
}
# C0 and C1 controls, DEL, YAML line breaks, BOM and the two non-characters YAML refuses in a stream.
_NEEDS_ESCAPE_RE = re.compile('[\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]')
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# libyaml's safe loader when PyYAML was built with it (the parser Jekyll's Psych uses, and ~10x faster).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.S)


def fix_surrogates(text: str) -> str:
    """Join surrogate pairs into their character and replace lone surrogates with U+FFFD.

    Lone surrogates come from broken decoding; they cannot be written as UTF-8 at all.
    """
    if not _SURROGATE_RE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    cp = ord(ch)
    return f"\\x{cp:02X}" if cp <= 0xFF else f"\\u{cp:04X}"


def quote(value: str) -> str:
    """A YAML double-quoted scalar that loads back as `value` (with surrogates fixed)."""
    return '"' + _NEEDS_ESCAPE_RE.sub(_escape_char, fix_surrogates(value)) + '"'


def format_date(value: datetime) -> str:
    """`2024-10-18T03:58:50.000Z`: UTC, milliseconds (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _flow_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(quote(v) for v in values) + "]"


def front_matter_lines(
    article: Article, *, optional_fields: Collection[str] = DEFAULT_OPTIONAL_FIELDS, render_with_liquid: bool = True
) -> list[str]:
    """The `key: value` lines between the `---` fences, in the seed's order."""
    if not article.code or article.date is None:
        raise ValueError(f"{article.url}: a post needs a code and a date")
    unknown = set(optional_fields) - set(OPTIONAL_FIELDS)
    if unknown:
        raise ValueError(f"unknown optional front matter fields: {', '.join(sorted(unknown))}")
    lines = [
        "layout: post",
        f"code: {quote(article.code)}",
        f"origin_url: {quote(article.origin_url or article.url)}",
    ]
    if article.image:
        lines.append(f"image: {quote(article.image)}")
    lines += [
        f"title: {quote(article.title or '')}",
        f"description: {quote(article.description or '')}",
        f"category: {quote(article.category or '')}",
        f"language: {quote(article.language or '')}",
        f"date: {format_date(article.date)}",
    ]
    if "author" in optional_fields and article.authors:
        lines.append(f"author: {quote(', '.join(article.authors))}")
    if "updated" in optional_fields and article.modified is not None:
        lines.append(f"updated: {format_date(article.modified)}")
    if "tags" in optional_fields and article.tags:
        lines.append(f"tags: {_flow_list(article.tags)}")
    if "image_origin" in optional_fields and article.image:
        lines.append(f"image_origin: {quote(article.image_origin or article.image)}")
    if article.date_estimated:
        lines.append("date_estimated: true")
    if not render_with_liquid:
        lines.append("render_with_liquid: false")
    return lines


def render_front_matter(
    article: Article, *, optional_fields: Collection[str] = DEFAULT_OPTIONAL_FIELDS, render_with_liquid: bool = True
) -> str:
    """The whole front matter block, from the opening `---` to the closing `---` line (with its newline)."""
    lines = front_matter_lines(article, optional_fields=optional_fields, render_with_liquid=render_with_liquid)
    return "---\n" + "\n".join(lines) + "\n---\n"


def split_front_matter(text: str) -> tuple[str, str] | None:
    """(front matter YAML, content after the closing fence), or None when `text` has no front matter."""
    match = _FRONT_MATTER_RE.match(text)
    if match is None:
        return None
    return match.group(1) or "", text[match.end():]


def parse_front_matter(text: str) -> dict[str, Any] | None:
    """The front matter of a post as a dict, or None when there is none or it is not a YAML mapping."""
    parts = split_front_matter(text)
    if parts is None:
        return None
    try:
        data = yaml.load(parts[0], Loader=_SafeLoader)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None
