"""Check pipeline: what `scrapy checksites` keeps of each article instead of writing a post.

It follows validate and normalise, so an article counts here only when it would have become a post,
and records in the stats which fields it has (`check/articles`, `check/fields/<field>`) and its body
length (`check/body_chars`), and keeps the values `scrapy checksites` shows (`checked`). Nothing is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

CHECKED_FIELDS = ("title", "date", "body", "image", "author", "category", "language")


def present_fields(item: Any) -> list[str]:
    """The CHECKED_FIELDS an article has (`date` only when found on the page, not estimated)."""
    adapter = ItemAdapter(item)
    found = []
    for name in CHECKED_FIELDS:
        if name == "date":
            ok = adapter.get("date") is not None and not adapter.get("date_estimated")
        elif name == "author":
            ok = bool(adapter.get("authors"))
        else:
            value = adapter.get(name)
            ok = bool(value.strip()) if isinstance(value, str) else value is not None
        if ok:
            found.append(name)
    return found


def shown_values(item: Any) -> dict[str, str | None]:
    """The values of an article that `scrapy checksites` prints: URL, title, date, category, language."""
    adapter = ItemAdapter(item)
    date = adapter.get("date")
    return {
        "url": adapter.get("origin_url") or adapter.get("url"),
        "title": adapter.get("title"),
        "date": date.strftime("%Y-%m-%dT%H:%M:%SZ") if date is not None else None,
        "category": adapter.get("category"),
        "language": adapter.get("language"),
    }


class CheckPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.checked: list[dict[str, str | None]] = []
        """shown_values() of every checked article."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        stats = self.crawler.stats
        stats.inc_value("check/articles")
        for name in present_fields(item):
            stats.inc_value(f"check/fields/{name}")
        stats.inc_value("check/body_chars", len(ItemAdapter(item).get("body") or ""))
        self.checked.append(shown_values(item))
        return item
