"""The shared frontier: a scrapy-redis scheduler that knows whether this run leads or helps.

See the package docstring for the roles. This scheduler adds to scrapy-redis's:

- roles kept alive by heartbeats: the leader holds the `leader` key, each worker its `workers:<id>`
  key (`busy` or `idle`), all with an expiry of 3 heartbeats, so a killed process stops counting;
- a fresh duplicate filter and queue per run (the leader clears both when it starts and when it
  finishes), so an hourly run is not filtered by the last one;
- discovery requests (meta `frontier_local`) kept in the leader's memory, not shared;
- a worker marks itself busy in the same Redis call that takes a request off the queue, so the
  leader never sees "queue empty, every worker idle" while a worker still holds a request;
- an idle worker takes a request off the shared queue itself every POLL_SECONDS and hands it to the
  engine (engine.crawl), which wakes it sooner than Scrapy's 5 s engine heartbeat would;
- closing rules: the leader stays open while a worker is busy or relayed records are unread; a
  worker stays open while a leader runs (or, before one came, up to FRONTIER_WAIT seconds).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Self

import redis
from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.distributed import (
    BUSY_REASON,
    LOCAL,
    UNREACHABLE_REASON,
    FrontierBusy,
    is_worker,
    key,
)
from crawler.distributed import serializer as json_serializer
from crawler.distributed.connection import connect, safe_url
from crawler.distributed.relay import RelayReader
from crawler.distributed.serializer import SerializationError

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.utils.asyncio import AsyncioLoopingCall
    from twisted.internet.task import LoopingCall

logger = logging.getLogger(__name__)

DEFAULT_HEARTBEAT = 5.0
DEFAULT_WAIT = 60.0
POLL_SECONDS = 1.0
"""How often an idle worker looks at the shared queue (Scrapy's own engine heartbeat is 5 s)."""
_BUSY, _IDLE = "busy", "idle"
_BUSY_BYTES = _BUSY.encode()

# Take the best request off the queue and mark the worker busy, in one step (KEYS: queue, worker key).
_POP_AND_MARK = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found > 0 then
    redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
    redis.call('SET', KEYS[2], 'busy', 'PX', ARGV[1])
end
return found
"""
# Extend or release a claim only while it is still ours (KEYS: leader key; ARGV: our id, ttl ms or 0).
_REFRESH_OR_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then return redis.call('DEL', KEYS[1]) end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""


class Frontier(Scheduler):  # type: ignore[misc]  # scrapy-redis has no type hints
    """SCHEDULER when REDIS_URL is set (crawler.distributed.addon)."""

    def __init__(self, server: redis.Redis, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.spider_name = str(crawler.spidercls.name)
        self.worker = is_worker(settings)
        self.redis_url = safe_url(str(settings.get("REDIS_URL")).strip())
        self.heartbeat = settings.getfloat("FRONTIER_HEARTBEAT", DEFAULT_HEARTBEAT)
        self.wait = settings.getfloat("FRONTIER_WAIT", DEFAULT_WAIT)
        self.ttl_ms = int(self.heartbeat * 3 * 1000)
        dupefilter = RFPDupeFilter(server, key=key(self.spider_name, "dupefilter"),
                                   debug=settings.getbool("DUPEFILTER_DEBUG"))
        super().__init__(server, persist=True, dupefilter=dupefilter)
        self.stats = crawler.stats
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.id = f"{socket.gethostname()}:{os.getpid()}:{started}"
        self.leader_key = key(self.spider_name, "leader")
        self.worker_key = key(self.spider_name, f"workers:{self.id}")
        self.workers_pattern = key(self.spider_name, "workers:*")
        self.relay = RelayReader(server, key(self.spider_name, "relay"), crawler)
        self._local: deque[Request] = deque()
        self._pop = server.register_script(_POP_AND_MARK)
        self._refresh = server.register_script(_REFRESH_OR_RELEASE)
        self._loop: AsyncioLoopingCall | LoopingCall | None = None
        self._poll_loop: AsyncioLoopingCall | LoopingCall | None = None
        self._handoff: Request | None = None
        self._started = time.monotonic()
        self._saw_leader = False
        self._waiting_logged = False
        self._leading = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        frontier = cls(connect(crawler.settings), crawler)
        crawler.signals.connect(frontier.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(frontier.spider_idle, signal=signals.spider_idle)
        return frontier

    @property
    def role(self) -> str:
        return "worker" if self.worker else "leader"

    # ------------------------------------------------------------------ opening and closing

    def open(self, spider: Spider) -> None:
        """The queue; joining the run in Redis waits for spider_opened (a CloseSpider there is clean)."""
        self.spider = spider
        self.queue = PriorityQueue(self.server, spider, key(self.spider_name, "requests"), serializer=json_serializer)

    def spider_opened(self, spider: Spider) -> None:
        """Join the run: claim the lead or register as a worker, then start the heartbeats."""
        try:
            self.server.ping()
            if self.worker:
                self._mark(_IDLE)
                logger.info("Frontier worker %s: helping the %s crawl through %s", self.id, self.spider_name,
                            self.redis_url)
            else:
                self._claim()
                stale = len(self.queue)
                self.flush()  # a fresh duplicate filter and queue for this run
                logger.info("Frontier leader %s: sharing the %s crawl through %s%s", self.id, self.spider_name,
                            self.redis_url, f" (dropped {stale} requests of an earlier run)" if stale else "")
                waiting = self.relay.pending()
                if waiting:
                    logger.info("%d relayed records of an earlier run are written by this run", waiting)
        except FrontierBusy as exc:
            logger.error("%s", exc)
            raise CloseSpider(BUSY_REASON) from None
        except redis.RedisError as exc:
            logger.error("Cannot reach Redis at %s: %s", self.redis_url, exc)
            raise CloseSpider(UNREACHABLE_REASON) from None
        self.stats.set_value("frontier/role", self.role)
        self._loop = create_looping_call(self._beat)
        self._loop.start(self.heartbeat, now=False)
        if self.worker:
            self._poll_loop = create_looping_call(self._poll)
            self._poll_loop.start(POLL_SECONDS, now=False)

    def _claim(self) -> None:
        if self.server.set(self.leader_key, self.id, nx=True, px=self.ttl_ms):
            self._leading = True
            return
        holder = _text(self.server.get(self.leader_key)) or "a run that just ended"
        raise FrontierBusy(
            f"another run ({holder}) leads the {self.spider_name} crawl at {self.redis_url}; not starting "
            f"(a killed leader's claim expires {self.ttl_ms / 1000:.0f} s after its last heartbeat)"
        )

    def close(self, reason: str) -> None:
        for loop in (self._loop, self._poll_loop):
            if loop is not None and loop.running:
                loop.stop()
        if self._loop is None:
            return  # never joined the run
        try:
            if self.worker:
                self.server.delete(self.worker_key)
            elif self._leading:
                if reason == "finished":
                    self.flush()
                self._refresh(keys=[self.leader_key], args=[self.id, "0"])
                self._leading = False
        except redis.RedisError as exc:
            logger.warning("Could not tidy the frontier in Redis at %s: %s", self.redis_url, exc)

    # ------------------------------------------------------------------ heartbeats

    def _mark(self, state: str) -> None:
        self.server.set(self.worker_key, state, px=self.ttl_ms)

    def _beat(self) -> None:
        try:
            if self.worker:
                engine = self.crawler.engine
                if engine.scheduler is None:
                    return  # the engine is closing: close() ends the heartbeats
                self._mark(_IDLE if engine.spider_is_idle() else _BUSY)
                return
            if not self._refresh(keys=[self.leader_key], args=[self.id, str(self.ttl_ms)]):
                self._lost_lead()
                return
            self.relay.drain()
        except redis.RedisError as exc:
            self.stats.inc_value("frontier/redis_errors")
            logger.warning("Frontier heartbeat failed (Redis at %s): %s", self.redis_url, exc)

    def _lost_lead(self) -> None:
        """Our claim expired (the process stalled longer than 3 heartbeats): take it back if it is free."""
        if self.server.set(self.leader_key, self.id, nx=True, px=self.ttl_ms):
            logger.warning("The leader's claim had expired (a stall of %.0f s?); claimed it again", self.ttl_ms / 1000)
            return
        self._leading = False
        logger.error("Another run took the lead of the %s crawl; this run stops", self.spider_name)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="frontier_lost"))

    def _poll(self) -> None:
        """An idle worker takes a request off the shared queue itself rather than wait for the engine's
        next heartbeat; engine.crawl() hands it over and wakes the engine, which then takes the rest."""
        engine = self.crawler.engine
        if engine.scheduler is None or engine.downloader.active or self._local:
            return
        try:
            request = self._take()
        except redis.RedisError as exc:
            self.stats.inc_value("frontier/redis_errors")
            logger.warning("Could not read the shared queue (Redis at %s): %s", self.redis_url, exc)
            return
        if request is None:
            return
        self.stats.inc_value("frontier/handoffs")
        self._handoff = request
        try:
            engine.crawl(request)
        finally:
            self._handoff = None

    def _take(self) -> Request | None:
        """The best request of the shared queue; a worker is marked busy in the same step."""
        found = self._pop(keys=[self.queue.key, self.worker_key], args=[self.ttl_ms])
        return request_from_dict(json_serializer.loads(found[0]), spider=self.spider) if found else None

    # ------------------------------------------------------------------ the scheduler interface

    def enqueue_request(self, request: Request) -> bool:
        if request is self._handoff:  # taken off the shared queue by _poll(): filtered when it was queued
            self._local.append(request)
            return True
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if request.meta.get(LOCAL) and not self.worker:
            self._local.append(request)
            self.stats.inc_value("scheduler/enqueued/local")
            return True
        try:
            self.queue.push(request)
        except SerializationError as exc:
            logger.error("Cannot share the request %s: %s", request.url, exc)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self._local:
            self.stats.inc_value("scheduler/dequeued/local")
            return self._local.popleft()
        request = self._take() if self.worker else self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return bool(self._local) or len(self.queue) > 0

    # ------------------------------------------------------------------ when to close

    def spider_idle(self, spider: Spider) -> None:
        if self.worker:
            self._worker_idle()
        else:
            self._leader_idle()

    def _leader_idle(self) -> None:
        # Workers first: a worker relays what it holds before its heartbeat says idle, so once every
        # worker is idle the relay holds all there is to read.
        if self.relay.busy:
            raise DontCloseSpider
        busy = self.busy_workers()
        if busy:
            self.stats.inc_value("frontier/waits_for_workers")
            logger.debug("Waiting for %d busy worker(s) of the %s crawl", busy, self.spider_name)
            raise DontCloseSpider
        if self.relay.drain():
            raise DontCloseSpider

    def busy_workers(self) -> int:
        """Workers whose heartbeat says they hold requests (an expired heartbeat no longer counts)."""
        keys = list(self.server.scan_iter(match=self.workers_pattern, count=100))
        states = self.server.mget(keys) if keys else []
        return sum(1 for state in states if state in (_BUSY, _BUSY_BYTES))

    def _worker_idle(self) -> None:
        if self.server.exists(self.leader_key):
            if not self._saw_leader:
                self._saw_leader = True
                logger.info("Joined the run of leader %s", _text(self.server.get(self.leader_key)))
            raise DontCloseSpider
        if self._saw_leader:
            logger.info("The leader's run has ended and the queue is empty")
            return
        waited = time.monotonic() - self._started
        if waited < self.wait:
            if not self._waiting_logged:
                self._waiting_logged = True
                logger.info("No leader of the %s crawl yet; waiting up to %.0f s (FRONTIER_WAIT)",
                            self.spider_name, self.wait)
            raise DontCloseSpider
        logger.info("No leader of the %s crawl came within %.0f s (FRONTIER_WAIT): nothing to help with",
                    self.spider_name, self.wait)


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
