"""Shared spider behaviour: arguments, article pages (redirects, extraction, failures) and URL memory.

Both spiders fetch article pages the same way: redirects are followed here rather than by Scrapy's
RedirectMiddleware, so an old path that redirects is remembered as an alias of its target, and the
target is not fetched again when it is already known. As in RedirectMiddleware, only http(s)
targets are followed; loops are reported instead of being dropped by the duplicate filter. Article
pages are handed to extraction as bytes with the charset of the Content-Type header only, under their
canonical (origin) URL, so links in the post point at the real site even when the pages come from a
mirror (`base_url`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import datetime, time, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.encoding import http_content_type_encoding

from crawler.archive import ARCHIVE_URL
from crawler.discovery.memory import UrlMemory, memory_path
from crawler.distributed import is_worker
from crawler.distributed.relay import RelayMemory
from crawler.extract.urls import strip_tracking
from crawler.items import Article
from crawler.mirrors import mirror_base, swap_prefix
from crawler.output_errors import OutputError, stop_on_output_error
from crawler.profiles import SiteProfile

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
#: Our own meta keys that a followed redirect carries over (Scrapy's internal keys must not travel).
CARRIED_META = ("lastmod", "origin_root", "redirect_hops", "redirected_from", "followed")
DEAD_STATUSES = (404, 410)


def _too_large(error: BaseException | None) -> bool:
    """Whether a download failed on DOWNLOAD_MAXSIZE: cancelled while the body came in (the HTTP
    handler's only reason to cancel), or refused while decompressing (a gzip bomb)."""
    if isinstance(error, DownloadCancelledError):
        return True
    return isinstance(error, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(error)


class SpiderArgumentError(ValueError):
    """A spider argument (`-a NAME=VALUE`) that is unknown or has an unusable value."""


def midnight_of(value: str | None, tz: tzinfo) -> datetime | None:
    """`since=YYYY-MM-DD`: midnight of that day in `tz` (None when not given)."""
    if value is None:
        return None
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise SpiderArgumentError(f"since must be a date as YYYY-MM-DD, got {value!r}") from None
    return datetime.combine(day, time(0), tzinfo=tz)


def check_base_url(value: str | None) -> str | None:
    """A mirror base URL: http(s), a host, no query or fragment; returned without a trailing slash."""
    if value is None or value == "":
        return None
    base = mirror_base(value)
    if base is None:
        raise SpiderArgumentError(
            f"base_url must be an http(s) URL such as http://127.0.0.1:8000, got {value!r}"
        )
    return base


def header_charset(response: Response) -> str | None:
    """The charset the Content-Type header declares (never a guess from the body)."""
    content_type = response.headers.get(b"Content-Type")
    if not content_type:
        return None
    return http_content_type_encoding(content_type.decode("latin-1"))


def origin_root(url: str) -> str:
    """`scheme://host[:port]` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class NewsSpider(Spider):
    """Base of the project's spiders (not a spider itself: it has no name)."""

    allowed_arguments: ClassVar[tuple[str, ...]] = ()
    """Names accepted as `-a NAME=VALUE`; others are refused (a typo must not be ignored silently).
    Names starting with `_` (scrapyd's `_job`) are always accepted."""

    base_url: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        unknown = sorted(k for k in kwargs if k not in self.allowed_arguments and not k.startswith("_"))
        if args or unknown:
            allowed = ", ".join(self.allowed_arguments) or "none"
            raise SpiderArgumentError(
                f"spider {self.name!r}: unknown argument(s) {', '.join(unknown) or args!s} (allowed: {allowed})"
            )
        super().__init__(**{k: v for k, v in kwargs.items() if k.startswith("_")})
        self._memory: UrlMemory | RelayMemory | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._on_spider_closed, signal=signals.spider_closed)
        return spider

    # ------------------------------------------------------------------ places and stores

    @property
    def output_dir(self) -> Path:
        return Path(self.settings.get("OUTPUT_DIR") or "output")

    @property
    def worker(self) -> bool:
        """Whether this run is a worker of a shared frontier (it relays, it writes nothing)."""
        return is_worker(self.settings)

    @property
    def memory(self) -> UrlMemory | RelayMemory:
        """Aliases and dead URLs, opened on first use; a frontier worker's tells the leader instead."""
        if self._memory is None:
            if self.worker:
                self._memory = RelayMemory.from_crawler(self.crawler)
            else:
                self._memory = UrlMemory.open(memory_path(self.output_dir))
        return self._memory

    def _on_spider_closed(self, spider: Spider) -> None:
        if self._memory is not None:
            self._memory.close()
            self._memory = None
        self.close_stores()

    def close_stores(self) -> None:
        """Hook for subclasses holding other stores."""

    @contextlib.contextmanager
    def remembering(self) -> Iterator[None]:
        """Around writes to the URL memory: a write the disk refuses stops the run with one ERROR."""
        try:
            yield
        except OutputError as exc:
            stop_on_output_error(self.crawler, memory_path(self.output_dir), "URL memory", exc)

    def count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(key, n)

    # ------------------------------------------------------------------ URL mapping (overridden per spider)

    def origin_url_of(self, fetched_url: str, meta: Mapping[str, Any]) -> str:
        """The site URL a fetched (possibly mirror) URL stands for."""
        return swap_prefix(fetched_url, self.base_url, meta.get("origin_root"))

    def fetch_url_of(self, url: str, meta: Mapping[str, Any]) -> str:
        """The URL to download for a site URL (the mirror's when `base_url` is set)."""
        return swap_prefix(url, meta.get("origin_root"), self.base_url)

    def key_of(self, url: str) -> str:
        """The canonical form discovery and the stores use: no tracking parameters, aliases resolved."""
        return self.memory.resolve(strip_tracking(url))

    def profile_for(self, url: str) -> SiteProfile | None:
        raise NotImplementedError

    def should_follow(self, key: str, meta: Mapping[str, Any]) -> bool:
        """Whether a redirect target still needs fetching (the site spider skips known articles)."""
        return True

    # ------------------------------------------------------------------ article pages

    def article_request(self, key: str, meta: dict[str, Any], *, fetch_url: str | None = None) -> Request:
        """A request for the article page `key` (a canonical site URL); `meta` travels with it. Each page
        asked for (not each redirect followed) counts in `articles/requested`, what a run's health is measured by."""
        if not meta.get("redirected_from"):
            self.count("articles/requested")
        meta = {**meta, "key": key, "dont_redirect": True, "handle_httpstatus_list": list(REDIRECT_STATUSES)}
        fetch_url = fetch_url or self.fetch_url_of(key, meta)
        meta[ARCHIVE_URL] = self.origin_url_of(fetch_url, meta)  # the web archive files the page under this URL
        return Request(
            fetch_url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta=meta,
        )

    def parse_article(self, response: Response) -> Iterator[Article | Request]:
        """Extract one article page; follow a redirect; count pages that are not articles."""
        if response.status in REDIRECT_STATUSES:
            yield from self._follow_redirect(response)
            return
        meta = response.meta
        if not isinstance(response, TextResponse):
            self.count("pages/non_text")
            self.logger.warning(
                "Skipping %s: not a text page (Content-Type %s)",
                response.url,
                (response.headers.get(b"Content-Type") or b"none").decode("latin-1"),
            )
            return
        from crawler.extract import extract_article

        origin = self.origin_url_of(response.url, meta)
        profile = self.profile_for(origin)
        article = extract_article(response.body, origin, profile, http_encoding=header_charset(response))
        article.url = response.url
        if article.page_type != "article":
            yield from self.without_article(response, origin, article.page_type)
            return
        article.lastmod = meta.get("lastmod")
        yield article

    def without_article(self, response: Response, origin: str, page_type: str) -> Iterator[Request]:
        """A fetched page held no article: count and log it (a subclass may follow its links instead)."""
        self.count("articles/missing")
        self.count(f"articles/missing/{page_type}")
        self.logger.warning("No article found on %s (%s)", response.url, page_type)
        self.page_without_article(response.meta.get("key") or self.key_of(origin), page_type)
        yield from ()

    def page_without_article(self, key: str, page_type: str) -> None:
        """Hook: a fetched page held no article (`page_type` says what it was instead)."""

    def _follow_redirect(self, response: Response) -> Iterator[Request]:
        meta = {key: response.meta[key] for key in CARRIED_META if key in response.meta}
        location = response.headers.get(b"Location")
        hops = int(meta.get("redirect_hops", 0)) + 1
        target = location.decode("latin-1").strip() if location else ""
        if not target or hops > self.settings.getint("REDIRECT_MAX_TIMES", 10):
            self.count("pages/failed")
            self.count("pages/failed/redirect")
            self.logger.warning("Cannot follow the redirect of %s (Location %s, hop %d)", response.url,
                                repr(target) if target else "missing", hops)
            return
        target_fetch = response.urljoin(target)
        if urlsplit(target_fetch).scheme not in ("http", "https"):
            # Scrapy would fetch file:, data:, ftp: and s3: URLs: a server must not make us read local files.
            self.count("pages/failed")
            self.count("pages/failed/redirect_scheme")
            self.logger.warning("Refused the redirect of %s to %s: not an http(s) URL", response.url, target_fetch)
            return
        target_origin = self.origin_url_of(target_fetch, meta)
        target_key = self.key_of(target_origin)
        source_key = meta.get("key") or self.key_of(self.origin_url_of(response.url, meta))
        chain = [*meta.get("redirected_from", ()), source_key]
        if target_key in chain or strip_tracking(target_origin) in chain:
            # Scrapy's duplicate filter would drop the repeated request without a word.
            self.count("pages/failed")
            self.count("pages/failed/redirect_loop")
            self.logger.warning("Redirect loop at %s: %s", response.url, " -> ".join([*chain, target_origin]))
            return
        self.count("pages/redirected")
        with self.remembering():
            if self.memory.add_alias(source_key, target_key):
                self.logger.info("Remembered %s as an alias of %s (HTTP %d)", source_key, target_key,
                                 response.status)
        if not self.should_follow(target_key, meta):
            return
        meta["redirect_hops"] = hops
        meta["redirected_from"] = [*meta.get("redirected_from", ()), source_key]
        yield self.article_request(target_key, meta, fetch_url=self.fetch_url_of(target_fetch, meta))

    def article_failed(self, failure: Failure) -> None:
        """Count article pages that could not be fetched; remember dead ones (404/410)."""
        request: Request = failure.request  # type: ignore[attr-defined]
        key = request.meta.get("key") or request.url
        error = failure.value
        if isinstance(error, HttpError):
            status = error.response.status
            if status in DEAD_STATUSES:
                self.count("pages/dead")
                with self.remembering():
                    self.memory.mark_dead(key, status)
                mirror = f", fetched from {request.url}" if request.url != key else ""
                self.logger.info("Dead link %s (HTTP %d%s)", key, status, mirror)
                return
            self.count("pages/failed")
            self.count(f"pages/failed/{status}")
            self.logger.warning("Article page %s failed: HTTP %d", request.url, status)
        elif _too_large(error):
            maxsize = request.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
            self.count("pages/failed")
            self.count("pages/failed/too_large")
            self.logger.warning("Article page %s failed: too large (%s)", request.url,
                                str(error) or f"more than DOWNLOAD_MAXSIZE, {maxsize} bytes, came in")
        elif isinstance(error, IgnoreRequest):
            self.count("pages/ignored")
            self.logger.info("Not fetched: %s (%s)", request.url, failure.value)
        else:
            self.count("pages/failed")
            self.count(f"pages/failed/{type(error).__name__}")
            self.logger.warning("Article page %s failed: %s", request.url,
                                failure.getErrorMessage() or type(error).__name__)

    def _on_item_scraped(self, item: Any, response: Response | None, spider: Spider) -> None:
        """After the pipelines kept an article: every URL that led to it becomes an alias of it.
        (An article a frontier worker relayed has no response here: the worker sent its aliases.)"""
        if spider is not self or response is None or not isinstance(item, Article) or not item.origin_url:
            return
        variants = {response.meta.get("key"), self.key_of(self.origin_url_of(response.url, response.meta))}
        variants.update(response.meta.get("redirected_from") or ())
        with self.remembering():
            for variant in variants:
                if variant and variant != item.origin_url:
                    self.memory.add_alias(variant, item.origin_url)
                    self.memory.mark_alive(variant)
            self.memory.mark_alive(item.origin_url)

    async def start(self) -> AsyncIterator[Any]:  # pragma: no cover - subclasses implement
        return
        yield
