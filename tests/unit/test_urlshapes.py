"""The shapes of article URLs, and the allow rules learned from them."""

from __future__ import annotations

import re

import pytest

from crawler.discovery.urlshapes import DENY_RULES, allow_rules, article_shape


@pytest.mark.parametrize(("url", "shape"), [
    ("https://news.example.org/2024/10/18/rice-prices-rise/", "date"),
    ("https://news.example.org/news/2024/10/rice-prices-rise", "date"),
    ("https://news.example.org/national/asean-nations-collaborate-on-ai", "section_slug"),
    ("https://news.example.org/world/asia/floods-close-three-roads.html", "section_slug"),
    ("https://news.example.org/news/123456", "numeric"),
    ("https://news.example.org/node/42", "numeric"),
    ("https://news.example.org/story/rice-prices-climb-123456.html", "numeric"),
    ("https://news.example.org/tag/rice/", None),
    ("https://news.example.org/category/business/page/2/", None),
    ("https://news.example.org/author/staff-reporter/", None),
    ("https://news.example.org/about-us/", None),
    ("https://news.example.org/national", None),
    ("https://news.example.org/2024/10/", None),
    ("https://news.example.org/", None),
])
def test_article_shape(url: str, shape: str | None) -> None:
    assert article_shape(url) == shape


def test_allow_rules_cover_the_samples_and_refuse_listing_pages() -> None:
    samples = ["https://x.org/2024/10/18/rice-prices-rise/", "https://x.org/2024/10/19/bus-routes-open/",
               "https://x.org/2024/09/30/port-adds-cranes/", "https://x.org/national/roads-reopen-after-rain",
               "https://x.org/tag/rice/", "https://x.org/about-us/"]
    rules = allow_rules(samples)
    assert [(rule.shape, rule.matched) for rule in rules] == [("date", 3), ("section_slug", 1)]
    assert rules[1].pattern == r"^/(national)/(?:[a-z0-9_-]+/)?[^/]+-[^/]+-[^/]+?/?$"
    for url in samples[:4]:
        path = url.removeprefix("https://x.org")
        assert any(re.search(rule.pattern, path) for rule in rules), url
    for listing in ("/tag/rice/", "/2024/10/", "/national", "/category/business/page/2/", "/sport/a-b-c"):
        assert not any(re.search(rule.pattern, listing) for rule in rules), listing
    assert all(any(re.search(deny, path) for deny in DENY_RULES)
               for path in ("/tag/rice/", "/author/staff/", "/category/business/", "/news/page/2/", "/news?page=3"))
