"""Validate pipeline (100): drop what is not an article, with a reason, a stat and one INFO line."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_REASON_RE = re.compile(r"[^a-z0-9_]+")


def drop_reason(item: Any) -> str | None:
    """Why an item is not a publishable article (`listing`, `no_title`, `empty_body`, …), or None."""
    adapter = ItemAdapter(item)
    page_type = adapter.get("page_type") or "article"
    if page_type != "article":
        return _REASON_RE.sub("_", str(page_type).lower()).strip("_") or "not_article"
    if not (adapter.get("title") or "").strip():
        return "no_title"
    if not (adapter.get("body") or "").strip():
        return "empty_body"
    return None


class ValidatePipeline:
    """Drops non-articles. Scrapy's own per-item drop message goes to DEBUG (it prints the whole item);
    this pipeline logs one INFO line with the URL and the reason, and counts `articles/dropped/<reason>`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        reason = drop_reason(item)
        if reason is None:
            return item
        url = ItemAdapter(item).get("url")
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"articles/dropped/{reason}")
        logger.info("Dropped %s: %s", url, reason)
        raise DropItem(f"{reason}: {url}", log_level="DEBUG")
