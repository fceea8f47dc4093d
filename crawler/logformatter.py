"""Log lines about items name the article, never print it: Scrapy's LogFormatter (LOG_FORMATTER) writes
the whole item into "Scraped from", "Dropped" and "Error processing" lines, which for an article is
its entire body. Here the item stands as `<Article https://…/the-article>`; everything else is Scrapy's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter, is_item
from scrapy.logformatter import LogFormatter

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Response
    from scrapy.logformatter import LogFormatterResult
    from twisted.python.failure import Failure


def item_label(item: Any) -> str:
    """`<Article URL>`: the item's class and the URL that names it (origin_url, else url)."""
    if not is_item(item):
        return f"<{type(item).__name__}>"
    adapter = ItemAdapter(item)
    url = adapter.get("origin_url") or adapter.get("url") or "?"
    return f"<{type(item).__name__} {url}>"


class ArticleLogFormatter(LogFormatter):
    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> LogFormatterResult:
        return _labelled(super().scraped(item, response, spider), item)

    def dropped(self, item: Any, exception: BaseException, response: Response | Failure | None,
                spider: Spider) -> LogFormatterResult:
        return _labelled(super().dropped(item, exception, response, spider), item)

    def item_error(self, item: Any, exception: BaseException, response: Response | Failure | None,
                   spider: Spider) -> LogFormatterResult:
        return _labelled(super().item_error(item, exception, response, spider), item)


def _labelled(result: LogFormatterResult, item: Any) -> LogFormatterResult:
    args = dict(result["args"])
    args["item"] = item_label(item)
    return {**result, "args": args}
