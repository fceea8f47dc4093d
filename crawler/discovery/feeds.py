"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds -> entry links with their dates.

An entry's date is the newest of what it declares (Atom `updated`/`published`, RSS `pubDate`,
`dc:date`), so an edited article compares newer than the stored copy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from crawler.discovery.links import Link, http_url, parse_datetime
from crawler.discovery.xmlsource import iter_elements, local_name, open_document, release, text_of

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ENTRIES = 10_000
_FEED_ROOTS = {"rss": "item", "rdf": "item", "feed": "entry"}
_DATE_TAGS = {"pubdate", "date", "updated", "published", "modified", "issued"}


@dataclass
class Feed:
    """What one feed document holds."""

    kind: str
    """`rss`, `rdf`, `atom` or `unknown` (not a feed)."""
    links: list[Link] = field(default_factory=list)
    """Entry links in document order."""
    truncated: bool = False
    """True when a size or entry limit cut the document short."""
    refused: int = 0
    """Entries left out because their link is not an http(s) URL (ftp:, s3:, file:, a `urn:` id)."""
    refused_example: str | None = None
    """The first of them, for the log."""


def parse_feed(
    data: bytes,
    base_url: str = "",
    *,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Feed:
    """Parse an RSS or Atom feed; relative entry links resolve against `base_url`. Never raises."""
    stream = open_document(data, max_bytes)
    kind = "unknown"
    entry_tag = ""
    links: list[Link] = []
    truncated = False
    refused = 0
    refused_example: str | None = None
    for event, element in iter_elements(stream):
        name = local_name(element.tag)
        if event == "start":
            if kind == "unknown":
                if name not in _FEED_ROOTS:
                    return Feed("unknown")
                kind = "atom" if name == "feed" else name
                entry_tag = _FEED_ROOTS[name]
            continue
        if name != entry_tag:
            continue
        link = _entry(element, base_url)
        release(element)
        if link is None:
            continue
        if http_url(link.url) is None:
            refused += 1
            refused_example = refused_example or link.url
            continue
        if len(links) >= max_entries:
            truncated = True
            break
        links.append(link)
    truncated = truncated or stream.truncated or stream.broken
    if truncated:
        logger.warning("feed cut short (size limit %d bytes or entry limit %d)", max_bytes, max_entries)
    return Feed(kind, links, truncated, refused, refused_example)


def _entry(element: Any, base_url: str) -> Link | None:
    href = ""
    guid = ""
    dates: list[datetime] = []
    for child in element:
        name = local_name(child.tag)
        if name == "link":
            href = href or _link_href(child)
        elif name in ("guid", "id"):
            is_permalink = child.get("isPermaLink", "true").strip().lower() != "false"
            if is_permalink:
                guid = text_of(child)
        elif name in _DATE_TAGS:
            parsed = parse_datetime(text_of(child))
            if parsed is not None:
                dates.append(parsed)
    if not href:
        about = element.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about", "")
        href = about or guid
    url = urljoin(base_url, href.strip()) if href else ""
    if not url:
        return None
    return Link(http_url(url) or url, max(dates) if dates else None)


def _link_href(element: Any) -> str:
    """RSS <link>URL</link>, or Atom <link rel="alternate" href="URL"/> (no rel means alternate)."""
    href = element.get("href")
    if href is None:
        return text_of(element)
    rel = (element.get("rel") or "alternate").strip().lower()
    return href if rel == "alternate" else ""
