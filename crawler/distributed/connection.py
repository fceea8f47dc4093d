"""Connecting to the frontier's Redis server, with errors that say what to fix."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import redis
from scrapy_redis.connection import get_redis_from_settings

from crawler.distributed import FrontierBusy, FrontierUnreachable, FrontierUsageError, key


def safe_url(url: str) -> str:
    """A Redis URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return parts._replace(netloc=f"{user}{host}{port}").geturl()


def connect(settings: Any) -> redis.Redis:
    """A client for REDIS_URL (it connects on first use); FrontierUsageError for a URL redis cannot read."""
    url = str(settings.get("REDIS_URL") or "").strip()
    try:
        server: redis.Redis = get_redis_from_settings(settings)
    except ValueError as exc:
        raise FrontierUsageError(f"REDIS_URL {safe_url(url)!r} is not a Redis URL ({exc})") from None
    return server


def preflight(settings: Any, spider_name: str, *, leader: bool) -> None:
    """Before the run creates anything: Redis answers (FrontierUnreachable), and for a leader no other
    run leads this spider (FrontierBusy), so a refused run leaves no lock, store or posts behind. The
    claim itself is taken when the spider opens (another leader may still win the race there)."""
    url = safe_url(str(settings.get("REDIS_URL") or "").strip())
    server = connect(settings)
    try:
        server.ping()
        holder = server.get(key(spider_name, "leader")) if leader else None
    except redis.RedisError as exc:
        raise FrontierUnreachable(f"Cannot reach Redis at {url}: {exc}") from None
    finally:
        server.close()
    if holder is not None:
        name = holder.decode("utf-8", "replace") if isinstance(holder, bytes) else str(holder)
        raise FrontierBusy(f"another run ({name}) leads the {spider_name} crawl at {url}; not starting")
