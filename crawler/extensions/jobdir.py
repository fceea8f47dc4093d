"""A JOBDIR whose crawl finished starts a new crawl instead of silently doing nothing.

Scrapy's JOBDIR keeps a paused crawl's duplicate filter (`requests.seen`), request queue and spider
state so that the same command resumes it. Once that crawl has *finished*, the same files would make
the next run with that JOBDIR drop every request as already seen and end at once, reporting nothing
done. This extension marks a JOBDIR whose crawl finished (finish reason `finished`) and, when the next
run starts with it, removes the finished crawl's files before Scrapy opens them, so that run is a
new crawl. A paused or killed crawl leaves no mark and resumes as usual.
"""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

FINISHED_MARK = "finished"
"""The file a finished crawl leaves in its JOBDIR (holding the time it finished)."""
CRAWL_FILES = ("requests.seen", "requests.queue", "spider.state")
"""What Scrapy keeps in a JOBDIR: the duplicate filter, the disk queue, the spider's state."""


def clear_finished(folder: Path) -> str | None:
    """Remove a finished crawl's files from a JOBDIR; returns when it finished, None when it had not."""
    mark = folder / FINISHED_MARK
    if not mark.is_file():
        return None
    finished = mark.read_text(encoding="utf-8").strip() or "an earlier run"
    for name in CRAWL_FILES:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    mark.unlink()
    return finished


class FinishedJob:
    """Scrapy extension (only with JOBDIR): mark a finished crawl, start afresh after one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        folder = job_dir(crawler.settings)
        if not folder:
            raise NotConfigured
        extension = cls(Path(folder))
        finished = clear_finished(extension.folder)
        if finished is not None:
            crawler.stats.set_value("jobdir/restarted", True)
            logger.info("JOBDIR %s holds a crawl that finished (%s): starting a new crawl", folder, finished)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if reason == "finished":
            (self.folder / FINISHED_MARK).write_text(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}\n", encoding="utf-8")
