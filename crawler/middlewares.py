"""Downloader middlewares: retries with exponential backoff (Scrapy's RetryMiddleware retries at once), and
Scrapy's robots.txt middleware without tracebacks for a robots.txt that cannot be downloaded.

A retried request waits RETRY_BACKOFF_BASE * 2**(attempt-1) seconds (capped at RETRY_BACKOFF_MAX,
with up to 25% random jitter) before it goes back to the scheduler; a `Retry-After` header in
seconds on a 429/503 answer is honoured up to the cap. Everything else (which codes and exceptions
are retried, RETRY_TIMES, the give-up log line and stats) is Scrapy's RetryMiddleware unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.utils.asyncio import is_asyncio_available

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that sleeps before handing a retry back (RETRY_BACKOFF_BASE, RETRY_BACKOFF_MAX)."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = max(0.0, settings.getfloat("RETRY_BACKOFF_BASE", 1.0))
        self.backoff_max = max(0.0, settings.getfloat("RETRY_BACKOFF_MAX", 60.0))

    def delay_for(self, retry: Request, response: Response | None = None) -> float:
        """Seconds to wait before `retry` (its meta holds the attempt number as `retry_times`)."""
        attempt = max(1, int(retry.meta.get("retry_times", 1)))
        delay = self.backoff_base * 2 ** (attempt - 1)
        delay *= 1 + random.uniform(0, 0.25)  # jitter, not cryptography
        if response is not None:
            retry_after = _retry_after_seconds(response)
            if retry_after is not None:
                delay = max(delay, retry_after)
        return float(min(delay, self.backoff_max))

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._sleep(self.delay_for(result, response), result)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._sleep(self.delay_for(result), result)
        return result

    @staticmethod
    async def _sleep(delay: float, request: Request) -> None:
        if delay > 0:
            logger.debug("Waiting %.1fs before retrying %s", delay, request.url)
            if is_asyncio_available():
                await asyncio.sleep(delay)
            else:
                from twisted.internet import reactor
                from twisted.internet.task import deferLater

                await deferLater(reactor, delay)


def _retry_after_seconds(response: Response) -> float | None:
    if response.status not in (429, 503):
        return None
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value.decode("latin-1").strip()))
    except ValueError:
        return None  # an HTTP date: rare, and the exponential delay applies


def _without_traceback(record: logging.LogRecord) -> bool:
    """Log filter: the record's message stays, its traceback goes (the message already names the error)."""
    record.exc_info = None
    record.exc_text = None
    return True


class QuietRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, but a robots.txt that cannot be downloaded (DNS, refused connection)
    is one ERROR line naming the error, as every other failed download is, instead of two chained
    tracebacks. Obeying robots.txt is unchanged."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        logging.getLogger(RobotsTxtMiddleware.__module__).addFilter(_without_traceback)  # added once
