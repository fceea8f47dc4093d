"""Replay archived pages through a spider's own article callback: posts from WARC files, no request made.

`replay()` is what `scrapy crawl <site> -a warc=PATH` (backfill) and `scrapy reprocess` (rebuild) run
from their spider's `start()`: every usable capture the spider chooses is turned back into the Scrapy
response the crawl had (same URL, headers and body) and handed to `parse_article`, so extraction,
the item pipelines and the post files are exactly those of a crawl. Of several captures of one
article the newest wins. Everything left out is counted under `archive/...` in the run's stats.

`ReprocessSpider` is the spider of `scrapy reprocess`: the output folder's own archive, every site.
It is not in SPIDER_MODULES, so `scrapy list` does not show it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.archive import ARCHIVE_URL, warc_dir
from crawler.archive.reader import ArchiveError, Capture, Page, read_pages, scan, warc_files
from crawler.extract.urls import strip_tracking
from crawler.items import Article
from crawler.profiles import SiteProfile, configured_profiles, profile_for_url
from crawler.spiders.base import NewsSpider, SpiderArgumentError, midnight_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

STATS_PREFIX = "archive/"
ARCHIVED_AT = "archived_at"
"""Response meta key: when the replayed page was captured (WARC-Date)."""

Chooser = Callable[[Capture], str | None]
"""The key under which a capture competes with other captures of one article, or None to leave it out
(the chooser counts why)."""


def archived_response(page: Page) -> Response:
    """The Scrapy response a crawl would have handed to the spider for this capture."""
    url = page.capture.url
    headers = Headers(page.headers)
    request = Request(url, meta={ARCHIVE_URL: url, ARCHIVED_AT: page.capture.date})
    cls = responsetypes.from_args(headers=headers, url=url, body=page.body)
    return cls(url=url, status=page.status, headers=headers, body=page.body, request=request)


def newest_captures(files: Iterable[Path], choose: Chooser, counts: Counter[str]) -> dict[Path, set[int]]:
    """Scan the files; the record positions, per file, of the newest capture of each article chosen."""
    newest: dict[str, Capture] = {}
    for path in files:
        for capture in scan(path, counts):
            key = choose(capture)
            if key is None:
                continue
            known = newest.get(key)
            if known is not None:
                counts["skipped/duplicate"] += 1
                if known.date > capture.date:
                    continue  # of equal dates, the later record wins
            newest[key] = capture
    chosen: dict[Path, set[int]] = {}
    for capture in newest.values():
        chosen.setdefault(capture.path, set()).add(capture.index)
    return chosen


async def replay(spider: NewsSpider, files: Sequence[Path], choose: Chooser) -> AsyncIterator[Any]:
    """The articles of the chosen captures of `files`, through `spider.parse_article`."""
    counts: Counter[str] = Counter()
    chosen = newest_captures(files, choose, counts)
    _flush(spider, counts)
    spider.logger.info("Archive: %d page(s) to extract from %d WARC file(s)", sum(map(len, chosen.values())),
                       len(files))
    max_bytes = spider.settings.getint("DOWNLOAD_MAXSIZE", 10 * 1024 * 1024)
    for path in files:
        for page in read_pages(path, chosen.get(path, set()), max_bytes, counts):
            counts["pages"] += 1
            _flush(spider, counts)
            for result in spider.parse_article(archived_response(page)):
                if isinstance(result, Article):
                    result.fetched = page.capture.date  # an undated page is dated when it was captured
                    yield result
    _flush(spider, counts)


def _flush(spider: NewsSpider, counts: Counter[str]) -> None:
    for key, n in counts.items():
        spider.count(STATS_PREFIX + key, n)
    counts.clear()


def parse_since_utc(value: str | None) -> datetime | None:
    """`--since YYYY-MM-DD`: midnight UTC of that day."""
    return midnight_of(value, UTC)


class ReprocessSpider(NewsSpider):
    """Rebuild posts from the output folder's own archive. Arguments: sites, urls (lists), since."""

    name = "reprocess"
    offline = True  # no request, pictures included (crawler.pipelines.images)
    allowed_arguments = ("sites", "urls", "since")

    def __init__(self, sites: Sequence[str] = (), urls: Sequence[str] = (), since: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites = list(sites)
        self.urls = {strip_tracking(url) for url in urls}
        self.since = parse_since_utc(since)
        self.profiles: dict[str, SiteProfile] = {}
        self.files: list[Path] = []
        self._found: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.profiles = configured_profiles(crawler.settings)
        unknown = sorted(set(spider.sites) - set(spider.profiles))
        if unknown:
            raise SpiderArgumentError(f"unknown site(s) {', '.join(unknown)} "
                                      f"(sites: {', '.join(sorted(spider.profiles)) or 'none'})")
        folder = warc_dir(spider.output_dir)
        try:
            spider.files = warc_files(folder)
        except ArchiveError:
            raise SpiderArgumentError(f"nothing to reprocess: no WARC file in {folder} (WARC_ENABLED must be on "
                                      "while crawling)") from None
        return spider

    def profile_for(self, url: str) -> SiteProfile | None:
        return profile_for_url(url, self.profiles)

    def choose(self, capture: Capture) -> str | None:
        """Captures of the chosen sites, URLs and days, keyed by canonical URL."""
        if self.since is not None and capture.date < self.since:
            self.count(STATS_PREFIX + "skipped/since")
            return None
        key = self.key_of(capture.url)
        if self.urls:
            if key not in self.urls:
                self.count(STATS_PREFIX + "skipped/other_url")
                return None
            self._found.add(key)
        if self.sites:
            profile = self.profile_for(capture.url)
            if profile is None or profile.id not in self.sites:
                self.count(STATS_PREFIX + "skipped/other_site")
                return None
        return key

    async def start(self) -> AsyncIterator[Any]:
        self.urls = {self.key_of(url) for url in self.urls}  # an old URL that redirects means its article
        async for item in replay(self, self.files, self.choose):
            yield item
        missing = sorted(self.urls - self._found)
        if missing:
            self.count(STATS_PREFIX + "urls_not_found", len(missing))
            self.logger.error("Not in the archive (%s): %s", warc_dir(self.output_dir), ", ".join(missing))
