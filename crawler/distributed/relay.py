"""The relay: what a worker finds goes back to the leader, the only run that writes.

A worker's item pipeline is `crawler.pipelines.relay.RelayPipeline` (articles) and its URL memory is `RelayMemory`
(redirect aliases, dead and revived links); both append JSON records to the spider's `relay` list
in Redis. The leader's frontier reads them with `RelayReader` at every heartbeat and when it goes
idle: articles go through the leader's own item pipelines (validate, normalise, store: the post,
the store and the run feed), the rest into its URL memory. Records are applied in the order the
workers wrote them. Records a leader did not read (it was killed) wait for the next leader.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import redis
from scrapy.utils.defer import deferred_from_coro

from crawler.distributed import key
from crawler.distributed.connection import connect
from crawler.distributed.serializer import SerializationError, dumps, loads
from crawler.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

READ_BATCH = 200
"""Records read per call (the rest wait for the next heartbeat or idle check)."""
_ARTICLE_FIELDS = frozenset(f.name for f in dataclasses.fields(Article))


def article_record(article: Article) -> dict[str, Any]:
    return {"type": "article", "article": dataclasses.asdict(article)}


def article_from_record(data: dict[str, Any]) -> Article:
    """The Article a record carries; fields this version does not know are ignored (machines may run
    different versions for a while), missing ones take their defaults."""
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise SerializationError("an article record without a url")
    return Article(**{name: value for name, value in data.items() if name in _ARTICLE_FIELDS})


class RelaySender:
    """Appends records to the relay list, counting them (`frontier/sent/<type>`)."""

    def __init__(self, crawler: Crawler) -> None:
        self.server = connect(crawler.settings)
        self.key = key(str(crawler.spidercls.name), "relay")
        self.stats = crawler.stats

    def send(self, record: dict[str, Any]) -> None:
        self.server.rpush(self.key, dumps(record))
        self.stats.inc_value(f"frontier/sent/{record['type']}")


class RelayMemory:
    """A worker's URL memory: knows nothing, tells the leader everything it learns."""

    def __init__(self, sender: RelaySender) -> None:
        self.sender = sender

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RelayMemory:
        return cls(RelaySender(crawler))

    def resolve(self, url: str) -> str:
        return url

    def dead_since(self, url: str) -> datetime | None:
        return None

    def add_alias(self, url: str, target: str) -> bool:
        if url == target:
            return False
        self.sender.send({"type": "alias", "url": url, "target": target})
        return True

    def mark_dead(self, url: str, status: int) -> None:
        self.sender.send({"type": "dead", "url": url, "status": status})

    def mark_alive(self, url: str) -> None:
        self.sender.send({"type": "alive", "url": url})

    def close(self) -> None:
        """Nothing to close: the connection belongs to the redis client's pool."""


class RelayReader:
    """The leader's side: applies relayed records to its pipelines and URL memory."""

    def __init__(self, server: redis.Redis, relay_key: str, crawler: Crawler) -> None:
        self.server = server
        self.key = relay_key
        self.crawler = crawler
        self.processing = 0

    @property
    def busy(self) -> bool:
        """Whether relayed articles are still in the item pipelines."""
        return self.processing > 0

    def pending(self) -> int:
        return int(self.server.llen(self.key))

    def drain(self) -> int:
        """Apply up to READ_BATCH records; how many were read."""
        records: list[bytes] = self.server.lpop(self.key, READ_BATCH) or []  # type: ignore[assignment]
        for raw in records:
            self.apply(raw)
        return len(records)

    def apply(self, raw: bytes | str) -> None:
        stats = self.crawler.stats
        try:
            record = loads(raw)
            kind = record.get("type") if isinstance(record, dict) else None
            if kind == "article":
                self._process(article_from_record(record["article"]))
            elif kind in ("alias", "dead", "alive"):
                self._remember(kind, record)
            else:
                raise SerializationError(f"unknown record type {kind!r}")
        except (SerializationError, KeyError, TypeError, ValueError) as exc:
            stats.inc_value("frontier/received/unreadable")
            logger.error("Unreadable relayed record %.200r: %s", raw, exc)
            return
        stats.inc_value(f"frontier/received/{kind}")

    def _remember(self, kind: str, record: dict[str, Any]) -> None:
        memory = self.crawler.spider.memory  # type: ignore[union-attr]
        url = str(record["url"])
        if kind == "alias":
            memory.add_alias(url, str(record["target"]))
        elif kind == "dead":
            memory.mark_dead(url, int(record["status"]))
        else:
            memory.mark_alive(url)

    def _process(self, article: Article) -> None:
        """Send the article through the item pipelines, as if this run had scraped it."""
        self.processing += 1
        done: Deferred[None] = deferred_from_coro(
            self.crawler.engine.scraper.start_itemproc_async(article, response=None)
        )

        def finished(result: Any) -> Any:
            self.processing -= 1
            return result

        done.addBoth(finished)
