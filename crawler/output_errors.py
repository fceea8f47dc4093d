"""A write the output folder refuses (full disk, read-only folder, a store SQLite cannot write) stops the run.

The first failed write logs one ERROR naming the file and the cause (never the article), records it in
the stats for the summary line (`run/error`) and closes the spider with reason `output_error`; what
was written before stays as it was. Later failures of the same run are counted and logged at DEBUG
only, so a full disk is one line, not one traceback per article.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import deferred_from_coro

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

CLOSE_REASON = "output_error"
ERROR_STAT = "run/error"
"""What stopped or refused the run, in one line (the summary line shows it)."""
COUNT_STAT = "posts/write_errors"

OutputError = (OSError, sqlite3.Error)
"""What a refused write raises: the file system's errors and SQLite's (`database or disk is full`)."""


def cause(exc: BaseException) -> str:
    """The cause of a failed write in a few words (`No space left on device`)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def stop_on_output_error(crawler: Crawler, path: Path | str, what: str, exc: BaseException) -> None:
    """Report a failed write and stop the run (once per run; later ones go to DEBUG)."""
    stats = crawler.stats
    stats.inc_value(COUNT_STAT)
    message = f"Cannot write {what} {path}: {cause(exc)}"
    if stats.get_value(ERROR_STAT):
        logger.debug("%s", message)
        return
    stats.set_value(ERROR_STAT, message)
    logger.error("%s", message)
    try:
        engine = crawler.engine
    except RuntimeError:  # no crawl running (a component used on its own): nothing to stop
        return
    if engine.running:
        closing = deferred_from_coro(engine.close_spider_async(reason=CLOSE_REASON))
        closing.addErrback(_log_close_failure)


def refuse_output_folder(crawler: Crawler, output_dir: Path | str, exc: BaseException) -> NoReturn:
    """A component cannot open what it needs in the output folder (the state store, the posts folder):
    one ERROR naming the folder and the cause (once, whichever component finds it first), and the run
    closes with reason `output_error` before it fetches anything."""
    message = f"Cannot use the output folder {output_dir}: {cause(exc)}"
    if not crawler.stats.get_value(ERROR_STAT):
        logger.error("%s", message)
        crawler.stats.set_value(ERROR_STAT, message)
    raise CloseSpider(CLOSE_REASON) from None


def _log_close_failure(failure: Failure) -> None:
    logger.error("Closing the spider after a write error failed: %s", failure.getErrorMessage())
