"""One crawl per output folder: an exclusive flock on OUTPUT_DIR/.crawler/lock for the whole run.

The lock is taken when Scrapy builds its extensions, before the pipelines open the store or any
file is written, so a second concurrent run is refused before it touches anything. flock locks
belong to the open file: the kernel frees them when the process ends, however it ends, so the lock
of a killed run never needs cleaning up. The file holds the pid and spider of the run holding it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.distributed import is_worker

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

LOCK_FILE = "lock"


class RunLocked(RuntimeError):
    """Another run holds the lock of this output folder."""

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        super().__init__(f"another crawl ({holder}) is using {path.parent.parent}; not starting (lock {path})")


def lock_path(output_dir: str | Path) -> Path:
    return Path(output_dir) / ".crawler" / LOCK_FILE


class OutputLock:
    """An exclusive, non-blocking flock on a lock file, recording who holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, spider_name: str) -> None:
        """Take the lock or raise RunLocked; never blocks."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _describe(os.pread(fd, 4096, 0))
            os.close(fd)
            raise RunLocked(self.path, holder) from None
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        info = {"pid": os.getpid(), "spider": spider_name, "started": started}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def _describe(raw: bytes) -> str:
    try:
        info = json.loads(raw.decode("utf-8"))
        return f"pid {info['pid']}, spider {info['spider']}, started {info['started']}"
    except (ValueError, KeyError, TypeError):
        return "unknown process"


class RunLock:
    """Scrapy extension holding the OUTPUT_DIR lock from start-up to engine stop (RUN_LOCK_ENABLED)."""

    def __init__(self, lock: OutputLock) -> None:
        self.lock = lock

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("RUN_LOCK_ENABLED", True) or is_worker(crawler.settings):
            raise NotConfigured  # a frontier worker writes nothing into OUTPUT_DIR
        spider: Spider | None = crawler.spider
        name = spider.name if spider is not None else crawler.spidercls.name
        extension = cls(OutputLock(lock_path(crawler.settings.get("OUTPUT_DIR") or "output")))
        extension.lock.acquire(name)  # raises RunLocked: the crawl does not start
        logger.debug("Holding %s", extension.lock.path)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        self.lock.release()
