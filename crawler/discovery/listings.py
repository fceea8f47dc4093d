"""Section listing pages -> the links they show and the next-page link, for paginated discovery."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector

logger = logging.getLogger(__name__)

#: Used when a profile gives no next-page selectors.
DEFAULT_NEXT_PAGE = ("link[rel=next]", "a[rel=next]")


@dataclass
class Listing:
    """What one listing page links to."""

    links: list[str] = field(default_factory=list)
    """Every http(s) link on the page, absolute, without fragment, deduplicated, in page order."""
    next_page: str | None = None
    """The absolute URL of the next page, or None on the last page."""


def parse_listing(html: str, url: str, next_page: Sequence[str] = DEFAULT_NEXT_PAGE) -> Listing:
    """Collect a listing page's links and its next-page URL.

    `next_page` holds CSS selectors tried in order; each may select elements (their `href` is used)
    or end in `::attr(name)`. The caller decides which links are articles (the site profile).
    """
    selector = Selector(text=html or "<html></html>", base_url=url)
    base = selector.xpath("string(//base/@href)").get() or ""
    base_url = urljoin(url, base.strip()) if base.strip() else url
    links: list[str] = []
    seen: set[str] = set()
    for href in selector.xpath("//a/@href").getall():
        absolute = _absolute(base_url, href)
        if absolute and absolute not in seen:
            seen.add(absolute)
            links.append(absolute)
    return Listing(links, _next_page(selector, base_url, url, next_page))


def _next_page(selector: Selector, base_url: str, page_url: str, selectors: Sequence[str]) -> str | None:
    for css in selectors:
        matches = selector.css(css)
        values = matches.getall() if css.rstrip().endswith(")") and "::" in css else matches.xpath("@href").getall()
        for value in values:
            absolute = _absolute(base_url, value)
            if absolute and absolute != _absolute(page_url, page_url):
                return absolute
    return None


def _absolute(base_url: str, href: str) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    absolute = urljoin(base_url, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
