"""SiteSpider: crawl one news site from its profile (sitemaps, feeds, paginated listings), incrementally.

A run has two phases. Discovery fetches the profile's sitemaps, feeds and listing pages and
collects candidate article URLs (canonical, without tracking parameters, aliases resolved) with the
newest date any source reported. When discovery is done (the spider goes idle), each candidate is
checked against the article store: new articles and articles whose reported date is newer than
the stored one are fetched; everything else costs nothing. Collecting first means an article that a
feed and a sitemap both list is judged by its newest date, so an unchanged site is not re-fetched.
Articles whose last write was cut short (no content hash in the store) are fetched whether or not
discovery lists them, so every post written reaches some run's feed. Only http(s) URLs are fetched.

With `-a warc=PATH` there is no discovery and no request: the site's article pages are taken from WARC
files instead (crawler.archive.replay), those the store does not hold yet (all with `-a full=1`).

The loader (crawler.spiderloader) makes one subclass per profile, with `name` and `profile` set.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urljoin, urlsplit, urlunsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.archive.reader import ArchiveError, Capture, warc_files
from crawler.archive.replay import replay
from crawler.discovery.feeds import parse_feed
from crawler.discovery.links import http_url, parse_datetime
from crawler.discovery.listings import parse_listing
from crawler.discovery.memory import NOT_ARTICLE
from crawler.discovery.sitemaps import parse_sitemap, robots_sitemaps
from crawler.discovery.urlshapes import NOT_ARTICLE as NOT_ARTICLE_PATH
from crawler.distributed import LOCAL
from crawler.mirrors import to_site_mirror, to_site_origin
from crawler.spiders.base import NewsSpider, SpiderArgumentError, check_base_url, midnight_of
from crawler.state import Record, StateStore, state_path

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

    from crawler.profiles import SiteProfile

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
REFUSED_STAT = "discovery/refused_not_http"
CHECK_LISTING_PAGES = 2
"""A check (`-a check=N`) follows each listing's pagination once: enough to see that it works."""
_REFUSED_WARNINGS = 10
"""Warnings per run about discovered URLs that are not http(s); the rest go to DEBUG (all are counted)."""
SAMPLE_SIZE = 3
"""URLs kept per kind (accepted, rejected) for `scrapy checksites` to show."""
NOT_ARTICLE_PAGES = ("listing", "error_page", "not_html")
"""Page types of a candidate that is no article at all (a section page, a soft 404, a PDF), as opposed to an
article page extraction failed on. They are remembered like dead links so the next run does not fetch them
again, and the run's health judges only the pages that look like articles."""


def parse_since(value: str | None, profile: SiteProfile) -> datetime | None:
    """`-a since=YYYY-MM-DD`: midnight of that day in the site's time zone."""
    return midnight_of(value, profile.timezone)


def parse_warc(value: str | None) -> list[Path] | None:
    """`-a warc=PATH`: the WARC files of a file, a folder or a glob pattern."""
    if value is None:
        return None
    try:
        return warc_files(value.strip())
    except ArchiveError as exc:
        raise SpiderArgumentError(f"warc: {exc}") from None


def parse_flag(name: str, value: str | None) -> bool:
    """`-a full=1`: 1/true/yes/on or 0/false/no/off."""
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SpiderArgumentError(f"{name} must be 1 or 0 (or true/false), got {value!r}")


def parse_count(name: str, value: str | None) -> int | None:
    """`-a check=5`: a whole number of at least 1."""
    if value is None:
        return None
    try:
        count = int(value.strip())
    except ValueError:
        count = 0
    if count < 1:
        raise SpiderArgumentError(f"{name} must be a whole number of at least 1, got {value!r}")
    return count


def is_stale(lastmod: datetime | None, record: Record) -> bool:
    """Whether a stored article must be fetched again because discovery reports a newer date.

    The stored lastmod is what discovery said when the post was last written; without one, the
    time the post was written stands in (a page modified before we fetched it is not newer).
    """
    if lastmod is None:
        return False
    stored = parse_datetime(record.lastmod) or parse_datetime(record.last_written)
    return stored is None or lastmod > stored


class SiteSpider(NewsSpider):
    """Profile-driven incremental crawl of one site. Arguments: base_url, since, full, check, warc."""

    profile: ClassVar[SiteProfile | None] = None
    allowed_arguments = ("base_url", "since", "full", "check", "warc")

    def __init__(
        self, base_url: str | None = None, since: str | None = None, full: str | None = None,
        check: str | None = None, warc: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if self.profile is None:
            raise SpiderArgumentError(f"spider {self.name!r} has no site profile (crawler/sites/{self.name}.yaml)")
        self.base_url = check_base_url(base_url)
        self.since = parse_since(since, self.profile)
        self.full = parse_flag("full", full)
        self.check = parse_count("check", check)
        self.warc = parse_warc(warc)
        self.offline = self.warc is not None  # a backfill makes no request, pictures included
        if self.warc is not None and self.check is not None:
            raise SpiderArgumentError("check and warc cannot be combined: a check fetches the site's newest articles")
        self.allowed_domains = list(self.profile.domains)
        if self.base_url:
            self.allowed_domains.append(urlsplit(self.base_url).hostname or "")
        self._candidates: dict[str, datetime | None] = {}
        self._checking: set[str] = set()
        """The articles a check (`-a check=N`) fetches."""
        self._store: StateStore | None = None
        self._discovery_done = False
        self._refused_logged = 0
        self.samples: dict[str, list[str]] = {"accepted": [], "rejected": []}
        """A few URLs the article rules accepted and rejected (what `scrapy checksites` shows)."""
        self.empty_sources: list[str] = []
        """Discovery sources that gave no article URL (a sitemap, feed or first listing page)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """The profile's `crawl` section (politeness for this site) at spider priority."""
        super().update_settings(settings)
        if cls.profile is not None and cls.profile.crawl_settings:
            settings.setdict(dict(cls.profile.crawl_settings), priority="spider")

    @property
    def site(self) -> SiteProfile:
        assert self.profile is not None
        return self.profile

    # ------------------------------------------------------------------ URL mapping

    def origin_url_of(self, fetched_url: str, meta: Mapping[str, Any]) -> str:
        """The canonical site URL: mirror prefix replaced, and `http://` or a missing/extra `www.` on the
        origin's own host brought onto the origin (subdomains are other hosts and stay as they are)."""
        url = to_site_origin(fetched_url, self.site, self.base_url)
        parts = urlsplit(url)
        origin = urlsplit(self.site.origin)
        host = (parts.hostname or "").lower().removeprefix("www.")
        if parts.scheme in ("http", "https") and host == (origin.hostname or "").removeprefix("www."):
            return urlunsplit((origin.scheme, origin.netloc, parts.path, parts.query, parts.fragment))
        return url

    def fetch_url_of(self, url: str, meta: Mapping[str, Any]) -> str:
        return to_site_mirror(url, self.site, self.base_url)

    def profile_for(self, url: str) -> SiteProfile | None:
        return self.site

    # ------------------------------------------------------------------ stores

    def _open_store(self) -> None:
        path = state_path(self.output_dir)
        if self._store is None and path.exists():
            self._store = StateStore.open(path)

    def close_stores(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def is_known(self, key: str) -> bool:
        """Stored, or remembered as dead."""
        if self._store is not None and self._store.known(key):
            return True
        return self.memory.dead_since(key) is not None

    def fetch_reason(self, key: str, lastmod: datetime | None) -> str | None:
        """Why an article must be fetched (`new`, `changed`, `unfinished`, `images`, `revived`, `full`, `check`),
        or None to skip it."""
        if self.check is not None:
            return "check"
        if self.full:
            return "full"
        record = self._store.get(key) if self._store is not None else None
        if record is None:
            dead = self.memory.dead_since(key)
            if dead is None:
                return "new"
            return "revived" if lastmod is not None and lastmod > dead else None
        if record.content_hash is None:
            # A write of this post was interrupted (a new post or a rename, by a kill or a disk
            # error): the stored dates may already say "written", so only this marks it for another try.
            return "unfinished"
        if self.settings.getbool("ARCHIVE_IMAGES", True) and record.images_retry_due(
            datetime.now(UTC),
            self.settings.getfloat("IMAGES_RETRY_BASE"),
            self.settings.getfloat("IMAGES_RETRY_MAX"),
        ):
            return "images"  # pictures the image archive could not store last time: try them again
        return "changed" if is_stale(lastmod, record) else None

    def should_follow(self, key: str, meta: Mapping[str, Any]) -> bool:
        if key in self._checking:
            # A check fetches that article anyway: the redirect is one more URL of it, not a page without one.
            self.count("check/redirects_to_checked")
            return False
        reason = self.fetch_reason(key, meta.get("lastmod"))
        if reason is None:
            self.count("discovery/skipped_known")
        return reason is not None

    # ------------------------------------------------------------------ phase 1: discovery

    async def start(self) -> AsyncIterator[Any]:
        if self.worker:
            # The leader discovers; a worker takes article requests from the shared queue. It loads what
            # extraction loads once (the language model, about a second) now, holding no request: on its first
            # page the process would stall with requests taken, and a stall of 3 heartbeats (FRONTIER_HEARTBEAT)
            # reads as a dead worker to the leader, which may then end its run without the worker's articles.
            from crawler.extract import warm_up

            warm_up()
            return
        self._open_store()
        if self.warc is not None:
            self.logger.info("Backfilling %s from %d WARC file(s), without requests", self.site.origin, len(self.warc))
            async for item in replay(self, self.warc, self.choose_capture):
                yield item
            return
        state = getattr(self, "state", None)  # set by Scrapy's SpiderState extension when JOBDIR is used
        if isinstance(state, dict):
            self._candidates = state.setdefault("candidates", {})
        discovery = self.site.discovery
        if not (discovery.sitemaps or discovery.robots_sitemaps or discovery.feeds or discovery.listings):
            self.logger.error("Profile %s lists no sitemaps, feeds or listings to discover from", self.site.source)
            return
        self.logger.info(
            "Discovering %s%s%s", self.site.origin,
            f" from mirror {self.base_url}" if self.base_url else "",
            " (full backfill)" if self.full else (f" since {self.since:%Y-%m-%d}" if self.since else ""),
        )
        requests = [
            *([self._discovery_request("/robots.txt", self.parse_robots)] if discovery.robots_sitemaps else []),
            *(self._sitemap_request(path) for path in discovery.sitemaps),
            *(self._discovery_request(path, self.parse_feed) for path in discovery.feeds),
            *(self._discovery_request(path, self.parse_listing, page=1) for path in discovery.listings),
        ]
        for request in requests:
            if request is not None:
                self.count("discovery/sources")  # the health check knows discovery ran (crawler.extensions.summary)
                yield request

    def _discovery_request(self, url: str, callback: Any, **meta: Any) -> Request | None:
        """A request for a discovery source (sitemap, feed, listing page); None for a URL that is not http(s)."""
        origin = urljoin(self.site.origin + "/", url)
        if not self._http(origin, "discovery source"):
            return None
        meta[LOCAL] = True  # a shared frontier keeps discovery on the leader, next to the store
        return Request(self.fetch_url_of(origin, meta), callback=callback, errback=self.discovery_failed, meta=meta)

    def _sitemap_request(self, url: str) -> Request | None:
        # Sitemaps may be far bigger than a page (50 MB uncompressed): their own size limit.
        return self._discovery_request(url, self.parse_sitemap, download_maxsize=self.sitemap_max_bytes)

    def _http(self, url: str, what: str) -> bool:
        """Whether a discovered URL is http(s). Scrapy would fetch ftp:, s3:, file: and data: URLs too (and
        the offsite filter lets ftp://<the site's host>/ through): those are refused, counted and logged.
        The sitemap and feed readers leave such entries out already (see `_refused_entries`)."""
        if http_url(url) is not None:
            return True
        self.count(REFUSED_STAT)
        self._refused_logged += 1
        log = self.logger.warning if self._refused_logged <= _REFUSED_WARNINGS else self.logger.debug
        log("Refused %s %s: not an http(s) URL", what, url)
        return False

    def _refused_entries(self, source: str, refused: int, example: str | None) -> None:
        """Count and log the entries a sitemap or feed held that are not http(s) URLs (one line per document)."""
        if not refused:
            return
        self.count(REFUSED_STAT, refused)
        self._refused_logged += 1
        log = self.logger.warning if self._refused_logged <= _REFUSED_WARNINGS else self.logger.debug
        log("Refused %d entr%s of %s: not http(s) URLs (first: %s)", refused, "y" if refused == 1 else "ies",
            source, example)

    @property
    def sitemap_max_bytes(self) -> int:
        return self.settings.getint("SITEMAP_MAX_BYTES", 50 * 1024 * 1024)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """`discovery.sitemaps: auto`: the sitemaps robots.txt names in its `Sitemap:` lines."""
        urls = robots_sitemaps(getattr(response, "text", ""), self.origin_url_of(response.url, response.meta))
        if not urls:
            self.count("discovery/failed")
            self.logger.error("%s names no sitemap (Sitemap: lines), and the profile says `sitemaps: auto`",
                              response.url)
        for url in urls:
            request = self._sitemap_request(self.origin_url_of(url, {}))
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        sitemap = parse_sitemap(response.body, max_bytes=self.sitemap_max_bytes)
        self.count("discovery/sitemaps")
        self._refused_entries(response.url, sitemap.refused, sitemap.refused_example)
        if sitemap.kind == "sitemapindex":
            for link in sitemap.links:
                if self.since is not None and link.lastmod is not None and link.lastmod < self.since:
                    self.count("discovery/sitemaps_skipped_since")
                    continue
                request = self._sitemap_request(link.url)
                if request is not None:
                    yield request
        elif sitemap.kind in ("urlset", "text"):
            accepted = [self.offer(link.url, link.lastmod, "sitemap") for link in sitemap.links]
            if not any(accepted):
                self._empty_source(response.url)
        else:
            self.count("discovery/failed")
            self.logger.error("%s is not a sitemap (Content-Type %s)", response.url, _content_type(response))

    def parse_feed(self, response: Response) -> None:
        feed = parse_feed(response.body, self.origin_url_of(response.url, response.meta))
        self.count("discovery/feeds")
        self._refused_entries(response.url, feed.refused, feed.refused_example)
        if feed.kind == "unknown":
            self.count("discovery/failed")
            self.logger.error("%s is not an RSS or Atom feed (Content-Type %s)", response.url, _content_type(response))
        accepted = [self.offer(link.url, link.lastmod, "feed") for link in feed.links]
        if feed.kind != "unknown" and not any(accepted):
            self._empty_source(response.url)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        page = int(response.meta.get("page", 1))
        self.count("discovery/listing_pages")
        listing = parse_listing(getattr(response, "text", ""), response.url, self.site.discovery.next_page)
        keys = []
        for link in listing.links:
            key = self.key_of(self.origin_url_of(link, response.meta))
            if self.offer(key, None, "listing"):
                keys.append(key)
        unknown = [key for key in keys if not self.is_known(key)]
        if not keys:
            if page == 1:
                self._empty_source(response.url)
            self.count("discovery/listing_empty")
            self.logger.warning("Listing page %s links no article (stopping its pagination)", response.url)
        elif not unknown and not self.full:
            self.count("discovery/listing_stopped_known")
            self.logger.debug("Listing page %s: all %d articles known, not paging further", response.url, len(keys))
        elif self.check is not None and page >= CHECK_LISTING_PAGES:
            self.count("discovery/listing_check_pages")
        elif page >= self.site.discovery.max_pages:
            self.count("discovery/listing_max_pages")
            self.logger.info("Listing page %s is page %d, the profile's max_pages", response.url, page)
        elif listing.next_page:
            next_origin = self.origin_url_of(listing.next_page, response.meta)
            request = self._discovery_request(next_origin, self.parse_listing, page=page + 1)
            if request is not None:
                yield request

    def _empty_source(self, url: str) -> None:
        self.count("discovery/empty_sources")
        self.empty_sources.append(url)

    def _sample(self, kind: str, url: str) -> None:
        if len(self.samples[kind]) < SAMPLE_SIZE and url not in self.samples[kind]:
            self.samples[kind].append(url)

    def offer(self, url: str, lastmod: datetime | None, source: str) -> bool:
        """Add a discovered URL to the candidates, keeping the newest date any source gave; True when the
        URL is an article candidate of the site.

        `-a since=` is applied when discovery is done, to that newest date: an article a sitemap
        dates before `since` is skipped even when a listing also links it (listings give no dates).
        """
        key = self.key_of(self.origin_url_of(url, {}))
        if not self._http(key, f"{source} link"):
            return False
        if not self.site.is_article_url(key):
            self.count("discovery/not_article")
            if self.site.owns(key):
                self.count("discovery/rejected_allow")  # on the site, refused by articles.allow/deny
                self._sample("rejected", key)
            return False
        self.count(f"discovery/links/{source}")
        if key in self._candidates:
            known = self._candidates[key]
            if lastmod is None or (known is not None and known >= lastmod):
                return True
        else:
            self.count("discovery/candidates")
            self._sample("accepted", key)
        self._candidates[key] = lastmod
        return True

    def discovery_failed(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        error = failure.value
        if isinstance(error, IgnoreRequest) and not isinstance(error, HttpError):
            self.count("discovery/ignored")
            self.logger.warning("Discovery source not fetched: %s (%s)", request.url, error)
            return
        self.count("discovery/failed")
        if isinstance(error, HttpError):
            self.logger.error("Discovery source %s failed: HTTP %d", request.url, error.response.status)
        else:
            self.logger.error("Discovery source %s failed: %s", request.url, failure.getErrorMessage())

    # ------------------------------------------------------------------ backfill from web archives

    def choose_capture(self, capture: Capture) -> str | None:
        """An archived page of this site's articles that the archive lacks (any with `-a full=1`), keyed by
        its canonical URL; None (counted) for the rest."""
        key = self.key_of(self.origin_url_of(capture.url, {}))
        if not self.site.owns(key):
            self.count("archive/skipped/offsite")
            return None
        if not self.site.is_article_url(key):
            self.count("archive/skipped/not_article")
            return None
        if self.since is not None and capture.date < self.since:
            self.count("archive/skipped/since")
            return None
        record = self._store.get(key) if self._store is not None else None
        if record is not None and record.content_hash is not None and not self.full:
            self.count("archive/skipped/known")  # a backfill adds what is missing; a crawl keeps the rest fresh
            return None
        return key

    # ------------------------------------------------------------------ phase 2: articles

    def page_without_article(self, key: str, page_type: str) -> None:
        """A candidate that is no article at all is remembered like a dead link: not fetched again until a
        sitemap or feed dates it later than now. That is a page extraction calls a listing, an error page or
        not HTML, and any page without an article at a tag, author, category or pagination path (a
        WordPress category page of teasers leaves no article text: `empty_body`)."""
        if page_type in NOT_ARTICLE_PAGES or NOT_ARTICLE_PATH.match(urlsplit(key).path or "/"):
            self.count("pages/not_article")
            self.memory.mark_dead(key, NOT_ARTICLE)

    def _add_unfinished(self) -> None:
        """Articles of this site whose last write was cut short (killed run, disk error) are fetched
        even when discovery no longer lists them: their post may be on disk with no run feed listing
        it yet. Dead links are left alone (they would be fetched again every run)."""
        if self._store is None:
            return
        added = 0
        for url in self._store.unfinished():
            if url in self._candidates or not self.site.owns(url) or self.memory.dead_since(url) is not None:
                continue
            self._candidates[url] = None
            added += 1
        if added:
            self.count("discovery/unfinished_unlisted", added)
            self.logger.info("%d unfinished article(s) that discovery did not list are fetched again", added)

    def _on_idle(self, spider: Spider) -> None:
        if spider is not self or self.warc is not None:
            return
        if not self._discovery_done:
            self._discovery_done = True
            self._add_unfinished()
        if not self._candidates:
            return
        # Scrapy's default queues are last-in first-out: enqueuing the oldest first fetches the newest first.
        batch = sorted(self._candidates.items(), key=_newest_first, reverse=True)
        self._candidates.clear()
        if self.check is not None:
            self.count("discovery/article_urls", len(batch))
            batch = batch[-self.check:]  # the newest N (undated URLs last)
        scheduled = 0
        skipped: dict[str, int] = {}
        for key, lastmod in batch:
            if self.since is not None and lastmod is not None and lastmod < self.since:
                self.count("discovery/skipped_since")
                continue
            reason = self.fetch_reason(key, lastmod)
            if reason is None:
                dead = self._store is None or not self._store.known(key)
                label = "dead" if dead else "known"
                skipped[label] = skipped.get(label, 0) + 1
                self.count(f"discovery/skipped_{label}")
                continue
            self.count(f"discovery/fetch/{reason}")
            if reason == "check":
                self._checking.add(key)
            self.crawler.engine.crawl(self.article_request(key, {"lastmod": lastmod}))
            scheduled += 1
        self.logger.info(
            "Discovery found %d article URLs: fetching %d, skipping %d known and unchanged, %d dead",
            len(batch), scheduled, skipped.get("known", 0), skipped.get("dead", 0),
        )
        if scheduled:
            raise DontCloseSpider


def _newest_first(item: tuple[str, datetime | None]) -> tuple[int, float, str]:
    key, lastmod = item
    return (0, -lastmod.timestamp(), key) if lastmod is not None else (1, 0.0, key)


def _content_type(response: Response) -> str:
    return (response.headers.get(b"Content-Type") or b"none").decode("latin-1")
