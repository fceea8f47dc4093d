"""How a run went: a progress line while it runs, one summary line at the end, a JSON stats file.

Everything is read from the crawl's stats. `assess()` is the single definition of a healthy run;
the summary line reports it and the project's `crawl` command turns it into the exit status:
the run failed when it did not finish normally, when an ERROR was logged, or when too many article
pages held no article (ARTICLES_MISSING_MAX_RATIO: the sign of a site redesign).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.utils.asyncio import AsyncioLoopingCall
    from twisted.internet.task import LoopingCall

logger = logging.getLogger(__name__)

RUNS_DIR = Path(".crawler") / "runs"
DEFAULT_MISSING_MAX_RATIO = 0.2


def stat_count(stats: Mapping[str, Any], key: str) -> int:
    """A counter from the stats (0 when absent or not a number)."""
    value = stats.get(key, 0)
    return int(value) if isinstance(value, int | float) else 0


def finish_problem(stats: Mapping[str, Any]) -> str | None:
    """What is wrong with how the crawl ended (None when it finished normally)."""
    reason = stats.get("finish_reason")
    if reason == "finished":
        return None
    return f"finish reason {reason!r}" if reason else "did not finish"


def missing_ratio(stats: Mapping[str, Any]) -> float:
    """Share of fetched article pages (200, text) that held no article."""
    missing = stat_count(stats, "articles/missing")
    pages = missing + stat_count(stats, "item_scraped_count") + stat_count(stats, "item_dropped_count")
    return missing / pages if pages else 0.0


def assess(stats: Mapping[str, Any], missing_max_ratio: float = DEFAULT_MISSING_MAX_RATIO) -> list[str]:
    """Why a run counts as failed (empty when it was healthy)."""
    problems = [problem] if (problem := finish_problem(stats)) else []
    errors = stat_count(stats, "log_count/ERROR")
    if errors:
        problems.append(f"{errors} error(s) logged")
    missing = stat_count(stats, "articles/missing")
    if missing and missing_ratio(stats) > missing_max_ratio:
        problems.append(
            f"{missing} article page(s) without an article ({missing_ratio(stats):.0%} > "
            f"ARTICLES_MISSING_MAX_RATIO {missing_max_ratio:.0%}): has the site changed its layout?"
        )
    return problems


def dropped(stats: Mapping[str, Any]) -> dict[str, int]:
    """Dropped items by reason (the pipelines' `articles/dropped/<reason>` stats)."""
    prefix = "articles/dropped/"
    return {key[len(prefix):]: stat_count(stats, key) for key in sorted(stats) if key.startswith(prefix)}


def images_part(stats: Mapping[str, Any]) -> str | None:
    """`pictures: 12 archived, 3 reused, 2 not archived (http_404 1, svg 1)`; None when the run handled none."""
    archived = stat_count(stats, "file_status_count/downloaded") + stat_count(stats, "file_status_count/cached")
    reused = stat_count(stats, "file_status_count/uptodate")
    prefix = "images/failed/"
    failed = {key[len(prefix):]: stat_count(stats, key) for key in sorted(stats) if key.startswith(prefix)}
    if not (archived or reused or failed):
        return None
    text = f"pictures: {archived} archived, {reused} reused, {sum(failed.values())} not archived"
    if failed:
        text += " (" + ", ".join(f"{reason} {n}" for reason, n in failed.items()) + ")"
    return text


def summary_line(spider_name: str, stats: Mapping[str, Any], problems: list[str]) -> str:
    """`Run summary [phnompenhpost]: OK - 14 new, 0 updated, ...` from the stats."""
    drops = dropped(stats)
    drop_text = f"{sum(drops.values())} dropped"
    if drops:
        drop_text += " (" + ", ".join(f"{reason} {n}" for reason, n in drops.items()) + ")"
    failed = sum(stat_count(stats, key) for key in ("pages/failed", "discovery/failed", "posts/write_errors"))
    parts = [
        f"{stat_count(stats, 'articles/new')} new",
        f"{stat_count(stats, 'articles/updated')} updated",
        f"{stat_count(stats, 'articles/unchanged')} unchanged",
        drop_text,
        f"{stat_count(stats, 'articles/missing')} without article",
        f"{stat_count(stats, 'pages/dead')} dead",
        f"{failed} failed",
        f"{stat_count(stats, 'log_count/ERROR')} errors",
        f"{stat_count(stats, 'downloader/request_count')} requests",
        f"{float(stats.get('elapsed_time_seconds') or 0.0):.1f}s",
    ]
    if pictures := images_part(stats):
        parts.append(pictures)
    if stat_count(stats, "urls/refused"):
        parts.append(f"{stat_count(stats, 'urls/refused')} URL lines refused")
    role = stats.get("frontier/role")
    if role == "worker":
        parts.append(f"worker: {stat_count(stats, 'frontier/sent/article')} articles relayed to the leader")
    elif role == "leader":
        parts.append(f"leader: {stat_count(stats, 'frontier/received/article')} articles from workers")
    status = "OK" if not problems else "FAILED (" + "; ".join(problems) + ")"
    return f"Run summary [{spider_name}]: {status} - " + ", ".join(parts)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


class RunSummary:
    """Scrapy extension: progress every PROGRESS_INTERVAL seconds, summary + stats file at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 60.0)
        self.missing_max_ratio = crawler.settings.getfloat("ARTICLES_MISSING_MAX_RATIO", DEFAULT_MISSING_MAX_RATIO)
        self.output_dir = Path(crawler.settings.get("OUTPUT_DIR") or "output")
        self.started = datetime.now(UTC)
        self.task: AsyncioLoopingCall | LoopingCall | None = None
        self.done = False
        self.stats_file: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    @property
    def spider_name(self) -> str:
        return str(self.crawler.spidercls.name)

    def spider_opened(self, spider: Spider) -> None:
        self.started = datetime.now(UTC)
        if self.interval > 0:
            self.task = create_looping_call(self.progress)
            self.task.start(self.interval, now=False)

    def progress(self) -> None:
        stats = self.crawler.stats.get_stats()
        logger.info(
            "Progress: %d new, %d updated, %d unchanged, %d dropped, %d without article, %d requests",
            stat_count(stats, "articles/new"), stat_count(stats, "articles/updated"),
            stat_count(stats, "articles/unchanged"), sum(dropped(stats).values()),
            stat_count(stats, "articles/missing"), stat_count(stats, "downloader/request_count"),
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()

    def engine_stopped(self) -> None:
        if self.done:
            return
        self.done = True
        stats = self.crawler.stats.get_stats()
        problems = assess(stats, self.missing_max_ratio)
        self.stats_file = self._write_stats(stats, problems)
        where = f" (stats: {self.stats_file})" if self.stats_file else ""
        logger.info("%s%s", summary_line(self.spider_name, stats, problems), where)

    def _write_stats(self, stats: Mapping[str, Any], problems: list[str]) -> Path | None:
        folder = self.output_dir / RUNS_DIR
        # A frontier worker may share OUTPUT_DIR with its leader: its file must not replace the leader's.
        role = "-worker" if stats.get("frontier/role") == "worker" else ""
        path = folder / f"{self.spider_name}{role}-{self.started:%Y%m%dT%H%M%SZ}.json"
        document = {
            "spider": self.spider_name,
            "started": self.started.isoformat(),
            "healthy": not problems,
            "problems": problems,
            "stats": {key: _jsonable(value) for key, value in sorted(stats.items())},
        }
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".{path.name}.{time.monotonic_ns()}.tmp"
            temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            temporary.replace(path)
        except OSError as exc:
            logger.warning("Could not write the run's stats file %s: %s", path, exc)
            return None
        return path
