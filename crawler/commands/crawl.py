"""`scrapy crawl`: Scrapy's command, plus an exit status cron can trust and one-line start-up errors.

Settings are checked before anything is created (`crawler.config.check_settings`); a run refused at
start (bad setting, argument or profile, unknown spider, the output folder locked, another leader of
the shared frontier, Redis unreachable) logs one ERROR line naming why and still ends with the
summary line every run ends with (and a stats file when OUTPUT_DIR exists). The exit status comes
from the same verdict as the summary line (`crawler.extensions.summary.assess`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred

from crawler.commands import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE
from crawler.config import check_settings, usable_log_settings
from crawler.distributed import BUSY_REASON, UNREACHABLE_REASON, FrontierBusy, FrontierUnreachable, FrontierUsageError
from crawler.errors import SettingError
from crawler.extensions.lock import RunLocked
from crawler.extensions.summary import REFUSED, Limits, RunSummary, assess, finish, refused_stats
from crawler.profiles import ProfileError
from crawler.spiders.base import SpiderArgumentError

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def refusal(error: BaseException) -> tuple[int, str, str]:
    """Exit status, finish reason and one-line message for an error that kept a crawl from starting."""
    if isinstance(error, RunLocked):
        return EXIT_LOCKED, REFUSED, str(error)
    if isinstance(error, FrontierBusy):
        return EXIT_LOCKED, BUSY_REASON, str(error)
    if isinstance(error, FrontierUnreachable):
        return EXIT_FAILED, UNREACHABLE_REASON, str(error)
    if isinstance(error, SpiderArgumentError):
        return EXIT_USAGE, REFUSED, f"Bad argument: {error}"
    if isinstance(error, ProfileError):
        return EXIT_USAGE, REFUSED, f"Bad site profile: {error}"
    if isinstance(error, SettingError | FrontierUsageError):
        return EXIT_USAGE, REFUSED, f"Bad setting: {error}"
    return EXIT_FAILED, REFUSED, f"The crawl could not start: {error}"


class Command(ScrapyCrawlCommand):
    setting_error: SettingError | None = None

    def short_desc(self) -> str:
        return "Run a spider; exit status 0 only for a healthy run (see crawler/commands/__init__.py)"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        try:
            check_settings(self.settings)
        except SettingError as exc:
            self.setting_error = exc  # reported by run(), once logging is set up
            usable_log_settings(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process is not None
        name = args[0]
        if self.setting_error is not None:
            self.exitcode = self._refuse(name, self.setting_error)
            return
        try:
            crawler = self._create_crawler(name)
        except ProfileError as exc:
            self.exitcode = self._refuse(name, exc)
            return
        except KeyError:
            known = ", ".join(self.crawler_process.spider_loader.list())
            self.exitcode = self._refuse(name, SpiderArgumentError(f"unknown spider {name!r} (known: {known})"),
                                         message=f"Unknown spider {name!r} (known: {known})")
            return
        outcome: dict[str, BaseException] = {}
        _capture_error(self.crawler_process.crawl(crawler, **opts.spargs), outcome)
        self.crawler_process.start()
        self.exitcode = self._exit_status(name, crawler, outcome.get("error"))

    def _refuse(self, name: str, error: BaseException, message: str | None = None) -> int:
        """Report a run that did not start: one ERROR line, the summary line, a stats file if OUTPUT_DIR exists."""
        assert self.settings is not None
        status, reason, text = refusal(error)
        text = message or text
        if status == EXIT_FAILED and reason == REFUSED:
            logger.error("%s", text, exc_info=error)  # unexpected: keep the traceback for a bug report
        else:
            logger.error("%s", text)
        finish(self.settings, name, datetime.now(UTC), refused_stats(reason, text), create=False)
        return status

    def _exit_status(self, name: str, crawler: Crawler, error: BaseException | None) -> int:
        summary = _summary(crawler)
        if error is not None and (summary is None or not summary.done):
            return self._refuse(name, error)
        if error is not None:
            return refusal(error)[0]
        problems = run_problems(crawler)
        if crawler.stats.get_value("finish_reason") == BUSY_REASON:
            return EXIT_LOCKED  # another run leads the shared frontier (logged by the frontier)
        return EXIT_FAILED if problems else EXIT_OK


def _summary(crawler: Crawler) -> RunSummary | None:
    """The run's RunSummary extension (None when the extensions were never built or it is disabled)."""
    try:
        return crawler.get_extension(RunSummary)
    except RuntimeError:
        return None


def run_problems(crawler: Crawler) -> list[str]:
    """Why a finished crawl failed (empty when healthy): what its summary line said, else `assess()` of its stats."""
    summary = _summary(crawler)
    if summary is None or summary.problems is None:
        return assess(crawler.stats.get_stats(), Limits.from_settings(crawler.settings))
    return summary.problems


def when_done(result: Any, done: Callable[[BaseException | None], None]) -> None:
    """Call `done(error)` once a crawl (an asyncio Task or a Deferred, by Scrapy's process class) ends;
    its exception is handled there (asyncio/Twisted do not print it)."""
    if isinstance(result, asyncio.Task):
        result.add_done_callback(lambda task: done(None if task.cancelled() else task.exception()))
    elif isinstance(result, Deferred):
        result.addCallbacks(lambda _: done(None), lambda failure: done(failure.value))


def _capture_error(result: Any, outcome: dict[str, BaseException]) -> None:
    """Keep the exception a crawl task/Deferred ends with (and stop asyncio/Twisted printing it)."""

    def done(error: BaseException | None) -> None:
        if error is not None:
            outcome["error"] = error

    when_done(result, done)
