"""Crawls shared by several machines: one Redis-backed frontier and duplicate filter (scrapy-redis).

Off unless REDIS_URL is set. Then one run *leads* and any number of *workers* help:

- The leader is the ordinary run on the machine that keeps the archive (`scrapy crawl phnompenhpost`
  from cron, as always). It discovers, decides what to fetch from its article store, and puts the
  article requests into the shared queue in Redis. It fetches from that queue like any worker, and it
  alone writes posts, the store and the run feed: every article a worker extracts comes back to it
  through Redis (the relay), so there is one writer and nothing to merge.
- A worker is the same command with `-s FRONTIER_WORKER=1` on another machine (or several). It takes
  requests from the shared queue (an idle one looks every second), fetches and extracts them, and
  relays the articles, redirects (aliases) and dead links it finds to the leader. It writes no posts
  and keeps no state; it waits up to FRONTIER_WAIT seconds for a leader and ends when the leader's run
  has ended and the queue is empty.

Each run starts with a fresh duplicate filter (the leader clears it when it starts and when it ends),
so an hourly run fetches the sitemaps again. Discovery requests (sitemaps, feeds, listings) stay in
the leader's own memory queue: the candidates they yield are judged against the leader's store. Roles
are kept alive by heartbeats with an expiry, so a killed leader or worker stops counting within
3 x FRONTIER_HEARTBEAT seconds. Articles a worker relayed to a leader that was killed wait in Redis
and are written by the next leader. Nothing crosses Redis as pickle (see `serializer`).

Redis keys, per spider (`news-to-jekyll:<spider>:...`): `requests` (the shared queue, a sorted set),
`dupefilter` (a set of request fingerprints), `leader` (who leads, with an expiry), `workers:<id>`
(one per worker: `busy` or `idle`, with an expiry) and `relay` (a list of JSON records).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

KEY_PREFIX = "news-to-jekyll"
BUSY_REASON = "frontier_busy"
"""The finish reason of a leader that found another leader (exit status 3, like a held output lock)."""
UNREACHABLE_REASON = "frontier_unreachable"
LOCAL = "frontier_local"
"""Request meta key: True keeps the request in the leader's own queue (discovery sources)."""


class FrontierUsageError(ValueError):
    """A setting of the shared frontier is wrong (FRONTIER_WORKER without REDIS_URL, a bad value)."""


class FrontierBusy(RuntimeError):
    """Another run already leads the frontier of this spider."""


class FrontierUnreachable(RuntimeError):
    """The Redis server of REDIS_URL does not answer."""


def key(spider_name: str, name: str) -> str:
    """The Redis key `name` of a spider's frontier (`news-to-jekyll:phnompenhpost:relay`)."""
    return f"{KEY_PREFIX}:{spider_name}:{name}"


def enabled(settings: BaseSettings) -> bool:
    """Whether this run shares a frontier (REDIS_URL is set)."""
    return bool((settings.get("REDIS_URL") or "").strip())


def is_worker(settings: BaseSettings) -> bool:
    """Whether this run is a worker of a shared frontier (FRONTIER_WORKER with REDIS_URL)."""
    return enabled(settings) and settings.getbool("FRONTIER_WORKER")
