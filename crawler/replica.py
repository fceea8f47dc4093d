"""Site replicas for the tests: where a recorded page is stored, and the expected values drafted from an article.

A replica (tests/fixtures/sites/<site>/, see its README) is a `routes.json` of the paths a site answered,
the bodies under `pages/`, and `expected/<slug>.json` per article. `scrapy record` (crawler/commands/record.py)
fetches a site and uses these pure functions to write one; a person then reviews the drafted values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from slugify import slugify

from crawler.posts.frontmatter import format_date

KEPT_HEADERS = ("Content-Type", "Content-Language", "Last-Modified", "Cache-Control")
"""Response headers a route keeps (as the site sent them); the rest (dates, cookies, encodings) go."""
PHRASES = 8
"""How many paragraphs of an article its drafted `must_contain_in_order` lists."""
CHROME_PHRASES = 5
"""How many texts of the page's chrome its drafted `must_not_contain` lists."""
_MARKDOWN_SYNTAX = re.compile(r"[\[\]*_`#|!<>\\]|^\s*(?:\d+[.)]|[-+>])\s")
_EXTENSIONS = {"html": ".html", "xml": ".xml", "rss": ".xml", "atom": ".xml", "plain": ".txt", "json": ".json"}


def route_path(url: str) -> str:
    """The replica path of a URL: its path and query (`/national?page=2`), percent-decoded like the server's."""
    parts = urlsplit(url)
    return unquote(parts.path or "/") + ("?" + parts.query if parts.query else "")


def page_file(path: str, content_type: str) -> str:
    """The file (under the replica folder) that stores the body served at `path`: `pages/` + the path,
    `index` for a folder, the query folded into the name, an extension from the content type."""
    parts = urlsplit(path)
    name = parts.path.strip("/") or "index"
    if parts.path.endswith("/") and parts.path != "/":
        name += "/index"
    if parts.query:
        name += "__" + re.sub(r"[^A-Za-z0-9]+", "-", parts.query).strip("-")
    if "." not in name.rsplit("/", 1)[-1]:
        kind = next((ext for key, ext in _EXTENSIONS.items() if key in content_type.lower()), ".html")
        name += kind
    return "pages/" + "/".join(re.sub(r"[^A-Za-z0-9._-]+", "-", part) for part in name.split("/"))


def plain_paragraphs(markdown: str, limit: int = PHRASES) -> list[str]:
    """Up to `limit` paragraphs of a post body that hold no Markdown syntax, whitespace folded: what a reader
    sees of them is their text exactly."""
    found = []
    for block in re.split(r"\n\s*\n", markdown):
        text = " ".join(block.split())
        if len(text) >= 20 and not _MARKDOWN_SYNTAX.search(text):
            found.append(text)
        if len(found) >= limit:
            break
    return found


def chrome_texts(candidates: Iterable[str], body_text: str, limit: int = CHROME_PHRASES) -> list[str]:
    """Texts of the page's chrome (navigation, footers, forms, related boxes) that the post must not hold."""
    found: list[str] = []
    for text in candidates:
        text = " ".join(text.split())
        if 10 <= len(text) <= 120 and text not in body_text and text not in found:
            found.append(text)
        if len(found) >= limit:
            break
    return found


def expected_entry(
    article: Mapping[str, Any], served_at: list[str], redirects_from: list[str], zone: ZoneInfo,
    chrome: list[str], source: str,
) -> dict[str, Any]:
    """A draft of expected/<slug>.json from a normalised article (the fields tests/fixtures/sites/README.md
    describes)."""
    date: datetime = article["date"]
    authors = article.get("authors") or []
    return {
        "origin_url": article["origin_url"],
        "served_at": served_at,
        "redirects_from": redirects_from,
        "title": article.get("title"),
        "description": article.get("description"),
        "category": article.get("category"),
        "language": article.get("language"),
        "date": format_date(date),
        "local_date": date.astimezone(zone).date().isoformat(),
        "image": article.get("image"),
        "author": authors[0] if authors else None,
        "must_contain_in_order": plain_paragraphs(article.get("body") or ""),
        "must_not_contain": chrome,
        "notes": f"Drafted by `scrapy record` from {source}; review every value against the page.",
    }


def expected_name(origin_url: str) -> str:
    """The file name of an article's expected values: the slug of its URL's last path segment."""
    segments = [s for s in urlsplit(origin_url).path.split("/") if s]
    return (slugify(segments[-1] if segments else "index") or "index") + ".json"
