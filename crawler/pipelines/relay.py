"""Relay pipeline: a frontier worker's only item pipeline (FRONTIER_WORKER=1, see crawler.distributed).

The article goes to the leader through Redis; the leader's own pipelines validate, normalise and
store it. The item passes on unchanged, so the worker's stats count it as scraped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from crawler.distributed.relay import RelaySender, article_record
from crawler.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class RelayPipeline:
    """A worker's only item pipeline: the article goes to the leader (FRONTIER_WORKER=1)."""

    def __init__(self, sender: RelaySender) -> None:
        self.sender = sender

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(RelaySender(crawler))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article):
            self.sender.send(article_record(item))
        return item
