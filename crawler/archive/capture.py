"""Downloader middleware: archive every article page a crawl fetches as WARC request/response records.

It sits just after HttpCompressionMiddleware (585 < 590: responses pass it after decompression), so it
stores the payload exactly as the spider extracts it, bounded by DOWNLOAD_MAXSIZE like every download.
Only requests the spiders mark as article pages (the `archive_url` meta key) are archived, and only
their 200 answers: sitemaps, feeds, listings, robots.txt, redirects and errors are not. Files go to
OUTPUT_DIR/.crawler/warc/ and rotate at WARC_MAX_SIZE bytes; WARC_ENABLED=0 turns capture off.

A record that cannot be written (a full disk) logs one ERROR (the run then fails, exit status 1), stops
the capture for the rest of the run and changes nothing else: the page still reaches the spider.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler import __version__
from crawler.archive import ARCHIVE_URL, warc_dir
from crawler.archive.writer import Exchange, RotatingWarcWriter
from crawler.output_errors import stop_on_output_error

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Request, Response

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 1024**3
"""1 GiB, the customary size of a WARC file (Common Crawl, Heritrix)."""


def _headers(headers: Headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


class WarcCapture:
    """Writes the article pages of a run to rotating WARC files (WARC_ENABLED, WARC_MAX_SIZE)."""

    def __init__(self, crawler: Crawler, writer: RotatingWarcWriter) -> None:
        self.crawler = crawler
        self.writer = writer
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED", True):
            raise NotConfigured
        max_size = settings.getint("WARC_MAX_SIZE", DEFAULT_MAX_SIZE)
        folder = warc_dir(settings.get("OUTPUT_DIR") or "output")
        writer = RotatingWarcWriter(folder, str(crawler.spidercls.name), max_size,
                                    software=f"news-to-jekyll/{__version__} (warcio)")
        middleware = cls(crawler, writer)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        target = request.meta.get(ARCHIVE_URL)
        if not target or response.status != 200 or self.failed:
            return response
        exchange = Exchange(
            target_uri=str(target), fetched_uri=response.url, date=datetime.now(UTC), status=response.status,
            body=response.body, response_headers=_headers(response.headers),
            request_headers=_headers(request.headers), method=request.method,
            protocol=response.protocol or "HTTP/1.1",
            ip_address=str(response.ip_address) if response.ip_address is not None else None,
        )
        stats = self.crawler.stats
        assert stats is not None
        try:
            written = self.writer.write(exchange)
        except Exception as exc:  # a full disk, or a record warcio refuses: the page itself must go on
            self.failed = True
            stats.inc_value("warc/write_errors")
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
            if isinstance(exc, OSError):  # a full or read-only disk: the first failed write stops the run
                stop_on_output_error(self.crawler, self.writer.path or self.writer.folder, "the web archive", exc)
                return response
            logger.error("Cannot write the web archive %s: %s; no more pages are archived in this run",
                         self.writer.path or self.writer.folder, reason)
            return response
        stats.inc_value("warc/records")
        stats.inc_value("warc/bytes", written)
        stats.set_value("warc/files", len(self.writer.files))
        return response

    def spider_closed(self, spider: Spider) -> None:
        try:
            self.writer.close()
        except OSError as exc:
            if self.failed:  # the failed write was reported already, and stopped the run
                logger.debug("Cannot finish the web archive %s: %s", self.writer.folder, exc.strerror or exc)
            else:
                stop_on_output_error(self.crawler, self.writer.folder, "the web archive", exc)
