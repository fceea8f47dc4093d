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
from collections.abc import Mapping
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.asyncio import is_asyncio_available
from scrapy.utils.httpobj import urlparse_cached

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


def _quiet_robots_log(record: logging.LogRecord) -> bool:
    """Log filter of Scrapy's robots.txt middleware: the record's message stays, its traceback goes (the
    message already names the error), and a failure logged for a request that fails at a lower level
    (`give_up_log_level`, such as a picture's WARNING) is logged at that level."""
    record.exc_info = None
    record.exc_text = None
    request = record.args.get("request") if isinstance(record.args, Mapping) else None
    level = _level(request.meta.get("give_up_log_level")) if isinstance(request, Request) else None
    if level is not None and level < record.levelno:
        record.levelno, record.levelname = level, logging.getLevelName(level)
    return True


def _level(value: object) -> int | None:
    """A logging level given as a number or a name; None when it is neither."""
    level = logging.getLevelName(value.upper()) if isinstance(value, str) else value
    return level if isinstance(level, int) else None


class QuietRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, but a robots.txt that cannot be downloaded (DNS, refused connection)
    is one line naming the error, as every other failed download is, instead of two chained tracebacks;
    and it fails at the level of the request that needed it: the robots.txt of a picture CDN (pictures
    give up at WARNING) is a WARNING, not an ERROR that fails a run whose posts were all written.
    Obeying robots.txt is unchanged."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._give_up: dict[str, object] = {}
        """Host -> give_up_log_level of the first request to it, the one whose robots.txt fetch it starts."""
        logging.getLogger(RobotsTxtMiddleware.__module__).addFilter(_quiet_robots_log)  # added once

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        netloc = urlparse_cached(request).netloc
        if not request.meta.get("dont_obey_robotstxt"):
            self._give_up.setdefault(netloc, request.meta.get("give_up_log_level"))
        elif request.callback is NO_CALLBACK and urlparse_cached(request).path == "/robots.txt":
            level = self._give_up.get(netloc)  # this middleware's own robots.txt request
            if level is not None:
                request.meta.setdefault("give_up_log_level", level)
        await super().process_request(request)
