"""How a run went: a progress line while it runs, one summary line at the end, a JSON stats file.

Everything is read from the crawl's stats. `assess()` is the single definition of a healthy run: a
list of reasons, each naming what went wrong (empty when the run did its job). The summary line
reports it and the project's `crawl` command turns it into the exit status. A run is unhealthy when
it did not finish normally (stopped at a failed write, refused at start, the shared frontier
unreachable, interrupted), when an ERROR was logged, when discovery found no article URL, when article
pages were wanted but none became a post, when more than ARTICLES_FAILED_MAX_RATIO of the article
pages could not be fetched, or when more than ARTICLES_MISSING_MAX_RATIO held no article (what a site
redesign looks like).

Every run ends with exactly one summary line on stderr, whatever LOG_LEVEL and LOG_FILE say (`report`),
and with a stats file in OUTPUT_DIR/.crawler/runs/ when the output folder is writable. A run that
never started (refused at start) is reported by the `crawl` command with `refused_stats()`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from crawler.exporters import file_stamp
from crawler.output_errors import ERROR_STAT

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.utils.asyncio import AsyncioLoopingCall
    from twisted.internet.task import LoopingCall

logger = logging.getLogger(__name__)

RUNS_DIR = Path(".crawler") / "runs"
DEFAULT_MISSING_MAX_RATIO = 0.2
DEFAULT_FAILED_MAX_RATIO = 0.2
REFUSED = "refused"
"""The finish reason of a run refused at start (bad argument or setting, output folder locked)."""
WRITTEN_STATUSES = ("new", "updated", "unchanged")
_FINISH_REASONS = {
    REFUSED: "refused at start",
    "output_error": "stopped at a failed write",
    "frontier_unreachable": "the shared frontier is unreachable",
    "frontier_busy": "another run leads the shared frontier",
    "frontier_lost": "another run took the lead of the shared frontier",
}


@dataclass(frozen=True)
class Limits:
    """The shares above which a run fails (ARTICLES_MISSING_MAX_RATIO, ARTICLES_FAILED_MAX_RATIO)."""

    missing_max_ratio: float = DEFAULT_MISSING_MAX_RATIO
    failed_max_ratio: float = DEFAULT_FAILED_MAX_RATIO

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Limits:
        """The limits a run was given (the defaults for a value `crawl` refused: that run never started)."""
        return cls(_share(settings, "ARTICLES_MISSING_MAX_RATIO", DEFAULT_MISSING_MAX_RATIO),
                   _share(settings, "ARTICLES_FAILED_MAX_RATIO", DEFAULT_FAILED_MAX_RATIO))


def _share(settings: BaseSettings, name: str, default: float) -> float:
    try:
        return settings.getfloat(name, default)
    except (TypeError, ValueError):
        return default


def stat_count(stats: Mapping[str, Any], key: str) -> int:
    """A counter from the stats (0 when absent or not a number)."""
    value = stats.get(key, 0)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def prefixed(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    """The counters under `prefix` by their remaining name (`pages/failed/` -> {"too_large": 14})."""
    return {key[len(prefix):]: stat_count(stats, key) for key in sorted(stats) if key.startswith(prefix)}


def finish_problem(stats: Mapping[str, Any]) -> str | None:
    """What is wrong with how the crawl ended (None when it finished normally)."""
    reason = stats.get("finish_reason")
    if reason == "finished":
        return None
    detail = stats.get(ERROR_STAT)
    text = _FINISH_REASONS.get(str(reason), f"finish reason {reason!r}") if reason else "did not finish"
    return f"{text}: {detail}" if detail else text


def missing_ratio(stats: Mapping[str, Any]) -> float:
    """Share of fetched article pages (200, text) that held no article.

    Candidates that are no article at all (`pages/not_article`: a section page or a soft 404 that the
    discovery rules let through; the site spider remembers them) do not count while some page held an
    article: only pages that look like articles are judged. When none did, every page counts.
    """
    missing = stat_count(stats, "articles/missing")
    found = stat_count(stats, "item_scraped_count") + stat_count(stats, "item_dropped_count")
    if found:
        missing -= min(missing, stat_count(stats, "pages/not_article"))
    pages = missing + found
    return missing / pages if pages else 0.0


def _breakdown(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items() if n and "/" not in name)


def article_problems(stats: Mapping[str, Any], limits: Limits) -> list[str]:
    """Article pages were wanted but none became a post, or too many could not be fetched."""
    wanted = stat_count(stats, "articles/requested")
    if not wanted or stats.get("frontier/role") == "worker":
        return []  # a worker's pages are the leader's to count
    failed = stat_count(stats, "pages/failed")
    written = sum(stat_count(stats, f"articles/{status}") for status in WRITTEN_STATUSES)
    kinds = _breakdown(prefixed(stats, "pages/failed/"))
    # Pages without an article have their own rule (ARTICLES_MISSING_MAX_RATIO, which 1.0 turns off).
    lost = {"failed" + (f" ({kinds})" if kinds else ""): failed, "dropped": stat_count(stats, "item_dropped_count")}
    if not written and any(lost.values()):
        why = ", ".join(f"{n} {what}" for what, n in lost.items() if n)
        return [f"none of {wanted} article page(s) became a post: {why}"]
    if failed and failed / wanted > limits.failed_max_ratio:
        return [f"{failed} of {wanted} article pages could not be fetched ({failed / wanted:.0%} > "
                f"ARTICLES_FAILED_MAX_RATIO {limits.failed_max_ratio:.0%}" + (f"; {kinds}" if kinds else "") + ")"]
    return []


NOTHING_DISCOVERED = "discovery found no article URL"


def discovery_problem(stats: Mapping[str, Any]) -> str | None:
    """A site crawl whose discovery ran and found nothing to do can never write anything. None when it
    found a candidate article URL or an article link, when the run had no discovery, when `-a since=`
    skipped every sitemap, or when article pages were asked for or fetched all the same (a run resumed
    from JOBDIR continues the requests its first part discovered)."""
    if not stat_count(stats, "discovery/sources") or prefixed(stats, "discovery/links/"):
        return None
    done = ("discovery/candidates", "discovery/sitemaps_skipped_since", "articles/requested", "articles/missing",
            "item_scraped_count", "item_dropped_count", *(f"articles/{status}" for status in WRITTEN_STATUSES))
    if any(stat_count(stats, key) for key in done):
        return None
    rejected = stat_count(stats, "discovery/rejected_allow")
    if rejected:
        return (f"articles.allow/deny rejected all {rejected} URL(s) of the site that discovery saw: "
                f"{NOTHING_DISCOVERED}")
    return f"{NOTHING_DISCOVERED} (the sources, or the profile's articles.allow?)"


def assess(stats: Mapping[str, Any], limits: Limits | float = Limits()) -> list[str]:
    """Why a run counts as failed (empty when it was healthy). `limits` may be just the missing ratio."""
    if not isinstance(limits, Limits):
        limits = Limits(missing_max_ratio=limits)
    problems = [problem] if (problem := finish_problem(stats)) else []
    if stats.get("finish_reason") == REFUSED:
        return problems  # nothing ran: the refusal is the whole story
    errors = stat_count(stats, "log_count/ERROR")
    if errors:
        problems.append(f"{errors} error(s) logged")
    if problem := discovery_problem(stats):
        problems.append(problem)
    missing = stat_count(stats, "articles/missing")
    if missing and missing_ratio(stats) > limits.missing_max_ratio:
        problems.append(
            f"{missing} article page(s) without an article ({missing_ratio(stats):.0%} > "
            f"ARTICLES_MISSING_MAX_RATIO {limits.missing_max_ratio:.0%}): has the site changed its layout?"
        )
    problems.extend(article_problems(stats, limits))
    return problems


def dropped(stats: Mapping[str, Any]) -> dict[str, int]:
    """Dropped items by reason (the pipelines' `articles/dropped/<reason>` stats)."""
    return prefixed(stats, "articles/dropped/")


def images_part(stats: Mapping[str, Any]) -> str | None:
    """`pictures: 12 archived, 3 reused, 2 not archived (http_404 1, svg 1)`; None when the run handled none."""
    archived = stat_count(stats, "file_status_count/downloaded") + stat_count(stats, "file_status_count/cached")
    reused = stat_count(stats, "file_status_count/uptodate")
    failed = prefixed(stats, "images/failed/")
    if not (archived or reused or failed):
        return None
    text = f"pictures: {archived} archived, {reused} reused, {sum(failed.values())} not archived"
    if failed:
        text += " (" + ", ".join(f"{reason} {n}" for reason, n in failed.items()) + ")"
    return text


def summary_line(spider_name: str, stats: Mapping[str, Any], problems: list[str]) -> str:
    """`Run summary [phnompenhpost]: OK - 14 new, 0 updated, ...` from the stats."""
    status = "OK" if not problems else "FAILED (" + "; ".join(problems) + ")"
    if stats.get("finish_reason") == REFUSED:
        return f"Run summary [{spider_name}]: {status} - nothing fetched or written"
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
    return f"Run summary [{spider_name}]: {status} - " + ", ".join(parts)


def refused_stats(finish_reason: str, message: str) -> dict[str, Any]:
    """The stats of a run that never started: why, and when."""
    now = datetime.now(UTC)
    return {"start_time": now, "finish_time": now, "finish_reason": finish_reason, ERROR_STAT: message}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def stats_file_name(spider_name: str, started: datetime, *, worker: bool = False) -> str:
    """`<spider>-<UTC start time>.json` (`phnompenhpost-20261126T152045Z.json`); a frontier worker's
    has `-worker`, because a worker may share OUTPUT_DIR with its leader."""
    return f"{spider_name}{'-worker' if worker else ''}-{file_stamp(started)}.json"


def write_stats(output_dir: Path, spider_name: str, started: datetime, stats: Mapping[str, Any],
                problems: list[str], *, create: bool = True) -> Path | None:
    """Write the run's stats file atomically; None (and a warning) when the output folder refuses it.
    With create=False nothing is written unless OUTPUT_DIR exists (a refused run creates no folder)."""
    folder = output_dir / RUNS_DIR
    path = folder / stats_file_name(spider_name, started, worker=stats.get("frontier/role") == "worker")
    if not create and not output_dir.is_dir():
        return None
    document = {
        "spider": spider_name,
        "started": started.isoformat(),
        "healthy": not problems,
        "problems": problems,
        "stats": {key: _jsonable(value) for key, value in sorted(stats.items())},
    }
    temporary = folder / f".{path.name}.{time.monotonic_ns()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        logger.warning("Could not write the run's stats file %s: %s", path, exc.strerror or exc)
        return None
    return path


def _info_reaches_stderr(settings: BaseSettings) -> bool:
    """Whether an INFO log line of this run shows on stderr (logging on, no LOG_FILE, LOG_LEVEL INFO or lower)."""
    if not settings.getbool("LOG_ENABLED", True) or settings.get("LOG_FILE"):
        return False
    level = settings.get("LOG_LEVEL", "DEBUG")
    number = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
    return isinstance(number, int) and number <= logging.INFO


def report(line: str, settings: BaseSettings) -> None:
    """Log the summary line, and make sure it reaches stderr exactly once whatever the log settings."""
    logger.info("%s", line)
    if not _info_reaches_stderr(settings):
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def finish(settings: BaseSettings, spider_name: str, started: datetime, stats: Mapping[str, Any],
           *, create: bool = True) -> list[str]:
    """End a run: assess it, write its stats file, report the summary line; returns the problems."""
    problems = assess(stats, Limits.from_settings(settings))
    output_dir = Path(settings.get("OUTPUT_DIR") or "output")
    stats_file = write_stats(output_dir, spider_name, started, stats, problems, create=create)
    where = f" (stats: {stats_file})" if stats_file else ""
    report(summary_line(spider_name, stats, problems) + where, settings)
    return problems


class RunSummary:
    """Scrapy extension: progress every PROGRESS_INTERVAL seconds, summary + stats file at the end.

    A run ends at `engine_stopped`; a run closed before its engine started (a CloseSpider while
    opening, such as an unreachable Redis) ends at `spider_closed`. `problems` is None until then.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 60.0)
        self.started = datetime.now(UTC)
        self.task: AsyncioLoopingCall | LoopingCall | None = None
        self.problems: list[str] | None = None

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

    @property
    def done(self) -> bool:
        return self.problems is not None

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
        engine = self.crawler.engine
        if not engine.running:  # closed while opening: no engine_stopped will follow
            self.crawler.stats.set_value("finish_reason", reason)
            self.end()

    def engine_stopped(self) -> None:
        self.end()

    def end(self) -> None:
        if self.done:
            return
        self.problems = finish(self.crawler.settings, self.spider_name, self.started,
                               self.crawler.stats.get_stats())
