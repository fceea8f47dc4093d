"""Sitemaps and sitemap indexes (XML, gzip or plain text) -> links with their lastmod.

Streams the document with a recovering parser, so huge, namespaced or slightly broken files work
without holding a tree in memory; element names are matched without their namespace.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO
from urllib.parse import urljoin

from crawler.discovery.links import Link, http_url, parse_datetime
from crawler.discovery.xmlsource import DEFAULT_MAX_BYTES, iter_elements, local_name, open_document, release, text_of

logger = logging.getLogger(__name__)

#: The protocol allows 50,000 URLs per sitemap; twice that is a safe upper bound on memory.
DEFAULT_MAX_ENTRIES = 100_000
_SNIFF_BYTES = 512
_ENTRY_TAGS = {"urlset": "url", "sitemapindex": "sitemap"}
_URL_LIKE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")
"""A text sitemap line that names a URL of some scheme (`ftp://…`, `file:/…`), as opposed to noise."""


@dataclass
class Sitemap:
    """What one sitemap document holds."""

    kind: str
    """`urlset` (article URLs), `sitemapindex` (child sitemaps), `text` (one URL per line) or
    `unknown` (not a sitemap: an HTML error page, a feed, an empty body)."""
    links: list[Link] = field(default_factory=list)
    """Entries in document order: pages for a urlset, child sitemaps for an index."""
    truncated: bool = False
    """True when a size or entry limit cut the document short, or the gzip stream was broken."""
    refused: int = 0
    """Entries left out because their URL is not an absolute http(s) URL (ftp:, s3:, file:, relative)."""
    refused_example: str | None = None
    """The first of them, for the log."""

    def refuse(self, url: str) -> None:
        self.refused += 1
        if self.refused_example is None:
            self.refused_example = url


def parse_sitemap(
    data: bytes, *, max_entries: int = DEFAULT_MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_BYTES
) -> Sitemap:
    """Parse a sitemap or sitemap index. Never raises on bad input; see Sitemap.kind and .truncated."""
    stream = open_document(data, max_bytes)
    buffered = io.BufferedReader(stream, buffer_size=64 * 1024)
    head = buffered.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        sitemap = _parse_xml(buffered, max_entries)
    else:
        sitemap = _parse_text(buffered, max_entries)
    sitemap.truncated = sitemap.truncated or stream.truncated or stream.broken
    if sitemap.truncated:
        logger.warning("sitemap cut short (limits: %d bytes, %d entries; or broken gzip)", max_bytes, max_entries)
    return sitemap


def _parse_text(stream: IO[bytes], max_entries: int) -> Sitemap:
    sitemap = Sitemap("text")
    for raw in stream:
        line = raw.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
        if not line or " " in line:
            continue
        url = http_url(line)
        if url is None:
            if _URL_LIKE_RE.match(line):
                sitemap.refuse(line)
            continue
        if len(sitemap.links) >= max_entries:
            sitemap.truncated = True
            return sitemap
        sitemap.links.append(Link(url))
    if not sitemap.links:
        sitemap.kind = "unknown"
    return sitemap


def _parse_xml(stream: IO[bytes], max_entries: int) -> Sitemap:
    sitemap = Sitemap("unknown")
    entry_tag = ""
    depth = 0
    for event, element in iter_elements(stream):
        if event == "start":
            depth += 1
            if depth == 1:
                kind = local_name(element.tag)
                if kind not in _ENTRY_TAGS:
                    return Sitemap("unknown")
                sitemap.kind = kind
                entry_tag = _ENTRY_TAGS[kind]
            continue
        depth -= 1
        if depth != 1 or local_name(element.tag) != entry_tag:
            continue
        link = _entry(element)
        release(element)
        if link is None:
            continue
        if http_url(link.url) is None:
            sitemap.refuse(link.url)
            continue
        if len(sitemap.links) >= max_entries:
            sitemap.truncated = True
            return sitemap
        sitemap.links.append(link)
    return sitemap


def _entry(element: object) -> Link | None:
    loc = ""
    lastmod: datetime | None = None
    published: datetime | None = None
    for child in element:  # type: ignore[attr-defined]
        name = local_name(child.tag)
        if name == "loc":
            loc = text_of(child)
        elif name == "lastmod":
            lastmod = parse_datetime(text_of(child))
        elif name == "news":
            for sub in child.iter():
                if local_name(sub.tag) == "publication_date":
                    published = parse_datetime(text_of(sub))
    if not loc:
        return None
    return Link(http_url(loc) or loc, lastmod or published)


_ROBOTS_SITEMAP_RE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.I)


def robots_sitemaps(robots_txt: str, robots_url: str) -> list[str]:
    """The sitemap URLs a robots.txt names in `Sitemap:` lines (any group, any case), absolute, in order,
    without repeats; URLs that are not http(s) are left out."""
    found: list[str] = []
    for line in robots_txt.splitlines():
        match = _ROBOTS_SITEMAP_RE.match(line.split("#", 1)[0])
        url = http_url(urljoin(robots_url, match.group(1))) if match else None
        if url is not None and url not in found:
            found.append(url)
    return found
