"""`scrapy crawl`: Scrapy's command, plus an exit status cron can trust and one-line start-up errors."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.commands import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE
from crawler.distributed import BUSY_REASON, FrontierUsageError
from crawler.errors import SettingError
from crawler.extensions.lock import RunLocked
from crawler.extensions.summary import DEFAULT_MISSING_MAX_RATIO, assess
from crawler.profiles import ProfileError
from crawler.spiders.base import SpiderArgumentError

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider; exit status 0 only for a healthy run (see crawler/commands/__init__.py)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process is not None
        name = args[0]
        try:
            crawler = self._create_crawler(name)
        except ProfileError as exc:
            logger.error("Bad site profile: %s", exc)
            self.exitcode = EXIT_USAGE
            return
        except KeyError:
            known = ", ".join(self.crawler_process.spider_loader.list())
            logger.error("Unknown spider %r (known: %s)", name, known)
            self.exitcode = EXIT_USAGE
            return
        outcome: dict[str, BaseException] = {}
        _capture_error(self.crawler_process.crawl(crawler, **opts.spargs), outcome)
        self.crawler_process.start()
        self.exitcode = self._exit_status(crawler, outcome.get("error"))

    def _exit_status(self, crawler: Crawler, error: BaseException | None) -> int:
        if isinstance(error, RunLocked):
            logger.error("%s", error)
            return EXIT_LOCKED
        if isinstance(error, SpiderArgumentError | ProfileError):
            logger.error("Bad argument: %s", error)
            return EXIT_USAGE
        if isinstance(error, FrontierUsageError | SettingError):
            logger.error("Bad setting: %s", error)
            return EXIT_USAGE
        if error is not None:
            logger.error("The crawl could not start: %s", error, exc_info=error)
            return EXIT_FAILED
        if self.crawler_process is not None and self.crawler_process.bootstrap_failed:
            return EXIT_FAILED
        if crawler.stats.get_value("finish_reason") == BUSY_REASON:
            return EXIT_LOCKED  # another run leads the shared frontier (logged by the frontier)
        ratio = crawler.settings.getfloat("ARTICLES_MISSING_MAX_RATIO", DEFAULT_MISSING_MAX_RATIO)
        return EXIT_FAILED if assess(crawler.stats.get_stats(), ratio) else EXIT_OK


def _capture_error(result: Any, outcome: dict[str, BaseException]) -> None:
    """Keep the exception a crawl task/Deferred ends with (and stop asyncio/Twisted printing it)."""

    def task_done(task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            outcome["error"] = error

    def deferred_failed(failure: Failure) -> None:
        if failure.value is not None:
            outcome["error"] = failure.value

    if isinstance(result, asyncio.Task):
        result.add_done_callback(task_done)
    elif isinstance(result, Deferred):
        result.addErrback(deferred_failed)
