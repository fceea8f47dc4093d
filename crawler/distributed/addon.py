"""The Scrapy add-on (ADDONS) that turns a run into a leader or worker of a shared frontier.

With REDIS_URL unset it changes nothing. With it set, the scheduler becomes the shared frontier
(crawler.distributed.frontier.Frontier); a worker (FRONTIER_WORKER=1) also swaps the item
pipelines for the relay, so it never writes posts, the store or a run feed of its own. Before any of
that, Redis must answer and, for a leader, no other run may lead the spider (`preflight`): a run
refused there has created nothing (no lock, store or posts folder).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from crawler.distributed import FrontierUsageError, enabled, is_worker
from crawler.distributed.connection import connect, preflight

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

SCHEDULER = "crawler.distributed.frontier.Frontier"
RELAY_PIPELINE = "crawler.pipelines.relay.RelayPipeline"
_SCHEMES = ("redis://", "rediss://", "unix://")


def positive(settings: BaseSettings, name: str) -> float:
    """A setting that must be a number of seconds above 0; FrontierUsageError otherwise."""
    try:
        value = float(settings.get(name))
    except (TypeError, ValueError):
        value = -1.0
    if value <= 0:
        raise FrontierUsageError(f"{name} must be a number of seconds above 0, got {settings.get(name)!r}")
    return value


class SharedFrontier:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.getbool("FRONTIER_WORKER") and not enabled(settings):
            raise FrontierUsageError("FRONTIER_WORKER=1 needs REDIS_URL, the Redis server of the leader's run")
        if not enabled(settings):
            return
        url = str(settings.get("REDIS_URL")).strip()
        if not url.startswith(_SCHEMES):
            raise FrontierUsageError(
                f"REDIS_URL must start with redis://, rediss:// or unix://, got {url.split('@')[-1]!r}"
            )
        connect(settings)  # a URL redis cannot read is refused here (no connection is made yet)
        for name in ("FRONTIER_WAIT", "FRONTIER_HEARTBEAT"):
            positive(settings, name)
        preflight(settings, str(self.crawler.spidercls.name), leader=not is_worker(settings))
        settings.set("SCHEDULER", SCHEDULER, priority="addon")
        if is_worker(settings):
            # Replaced at the priority they were set with: a worker must never write posts.
            priority = max(settings.getpriority("ITEM_PIPELINES") or 0, 15)
            settings.set("ITEM_PIPELINES", {RELAY_PIPELINE: 100}, priority=priority)
