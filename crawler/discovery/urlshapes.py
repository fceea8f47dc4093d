"""The shapes of article URLs: date permalinks, section/slug, numeric ids; and the URLs that are never articles.

News sites name their articles in a few ways: `/2024/10/18/slug/` (WordPress date permalinks),
`/section/slug` or `/section/sub/slug`, and numeric ids (`/news/123456`, `/123456-slug`, `/node/42`).
Tag, author, category, search and pagination pages share none of them. `article_shape()` names the
shape of one URL path; `looks_like_article()` is what `scrapy crawl article -a follow=1` uses on a page
of links without a profile; `allow_rules()` learns a profile's `articles.allow` from sample URLs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

_DATE = re.compile(r"^/(?:[a-z0-9-]+/)?(\d{4})/(\d{2})(?:/(\d{2}))?/[^/?#]+/?$")
_NUMERIC = re.compile(r"^/(?:[^/]+/)*(?:\d{4,}|\d{4,}-[^/]+|[^/]+-\d{5,}|[^/]+-\d{5,}\.html?|node/\d+)/?$")
_SECTION_SLUG = re.compile(r"^/([a-z0-9][a-z0-9_-]*)/(?:[a-z0-9_-]+/)?([^/?#]+-[^/?#]+-[^/?#]+?)(?:\.html?)?/?$")
NOT_ARTICLE = re.compile(
    r"^/(?:[^/]+/)*(?:tags?|topics?|authors?|category|categories|section|sections|page|search|feed|rss|"
    r"wp-json|wp-admin|wp-content|user|users|login|comments|amp|newsletter|subscribe)(?:/|$)",
    re.I,
)
"""Paths of tag, author, category, pagination, search, feed and account pages, wherever they sit."""
LISTING = re.compile(r"^/(?:[^/]+/)*(?:tags?|topics?|authors?|category|categories|page)(?:/|$)", re.I)
"""Paths of tag, topic, author, category and pagination listings: the part of NOT_ARTICLE that is never
an article page (an AMP copy or a `/sections/…` path may be one)."""
DENY_RULES = (r"/(tag|tags|topic|topics|author|authors|category|categories)/", r"/page/\d+", r"[?&]page=")
"""The `articles.deny` a drafted profile gets: listing pages that article rules must never take."""


def article_shape(url: str) -> str | None:
    """`date`, `numeric`, `section_slug` or None for a URL path that has none of the article shapes."""
    path = urlsplit(url).path or "/"
    if NOT_ARTICLE.match(path):
        return None
    if _DATE.match(path):
        return "date"
    if _NUMERIC.match(path):
        return "numeric"
    if _SECTION_SLUG.match(path):
        return "section_slug"
    return None


def looks_like_article(url: str) -> bool:
    """Whether a URL has an article's shape (for pages of links met without a site profile)."""
    return article_shape(url) is not None


@dataclass(frozen=True)
class AllowRule:
    """One learned `articles.allow` regex, the shape it stands for and how many sample URLs it matched."""

    pattern: str
    shape: str
    matched: int


def allow_rules(urls: Iterable[str]) -> list[AllowRule]:
    """`articles.allow` regexes for the article shapes the sample URLs use, most common first.

    Section/slug URLs give one rule naming the sections seen (`^/(national|business)/[^/]+-[^/]+/?$`);
    date permalinks and numeric ids give one generic rule each.
    """
    shapes: Counter[str] = Counter()
    sections: Counter[str] = Counter()
    prefixes: Counter[str] = Counter()
    for url in urls:
        shape = article_shape(url)
        if shape is None:
            continue
        shapes[shape] += 1
        path = urlsplit(url).path
        if shape == "section_slug" and (match := _SECTION_SLUG.match(path)):
            sections[match.group(1)] += 1
        elif shape == "date":
            first = path.split("/")[1]
            prefixes["" if first.isdigit() else first] += 1
    rules = []
    for shape, count in shapes.most_common():
        if shape == "date":
            prefix = "|".join(sorted(p for p in prefixes if p))
            lead = f"(?:(?:{prefix})/)?" if prefix and "" in prefixes else (f"(?:{prefix})/" if prefix else "")
            rules.append(AllowRule(rf"^/{lead}\d{{4}}/\d{{2}}/(?:\d{{2}}/)?[^/]+/?$", shape, count))
        elif shape == "numeric":
            rules.append(AllowRule(r"^/(?:[^/]+/)*(?:\d{4,}|\d{4,}-[^/]+|[^/]+-\d{5,}(?:\.html?)?|node/\d+)/?$",
                                   shape, count))
        else:
            names = "|".join(sorted(sections))
            rules.append(AllowRule(rf"^/({names})/(?:[a-z0-9_-]+/)?[^/]+-[^/]+-[^/]+?/?$", shape, count))
    return rules
