"""Image archive pipeline (250): the archive keeps its own copy of every picture a post shows.

A Scrapy FilesPipeline: every http(s) picture of a post (the lead `image` and each `![](…)` of the
body) is downloaded once through the crawl itself (robots.txt, politeness, retries, DOWNLOAD_MAXSIZE
apply), checked by its bytes (JPEG, PNG, GIF, WebP, AVIF; SVG is refused: it can carry scripts) and
stored as served, named by the SHA-256 of its bytes (`ab/ab12….jpg` under FILES_STORE, default
OUTPUT_DIR/assets/img), so a picture many posts show is stored once. The post then points at
IMAGES_URL_BASE + that path. The state store maps each original URL to its stored path, so a re-scrape
finds a picture already stored and downloads nothing; the file is in place before the post is written.

A picture that cannot be archived (HTTP error, timeout, too large, not a picture, SVG) never holds the
post back: it keeps its original URL, a WARNING names the reason, `images/failed/<reason>` counts it,
and the post's record says how many are missing, so the next scheduled run fetches it again.
Pictures on other hosts are fetched from their mirror when MIRRORS maps their origin (and the site's own
URLs from the spider's `base_url`); the posts keep the real URLs. `-s ARCHIVE_IMAGES=0` turns it off.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.http.request import NO_CALLBACK, Request
from scrapy.pipelines.files import FilesPipeline, FilesStoreProtocol
from scrapy.pipelines.media import _MediaRequestFiltered
from scrapy.utils.defer import ensure_awaitable, maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from crawler.errors import SettingError
from crawler.exporters import as_article
from crawler.mirrors import origin_of, parse_mirrors, to_mirror
from crawler.output_errors import OutputError, refuse_output_folder
from crawler.pipelines.imagefiles import AtomicFSFilesStore, is_svg, picture_extension
from crawler.posts.images import archived_url, post_image_urls, use_archived_images
from crawler.state import StateError, StateStore, open_state

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.pipelines.files import StatInfo
    from scrapy.pipelines.media import FileInfo, FileInfoOrError, MediaPipeline
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

IMAGES_DIR = Path("assets") / "img"
"""Default FILES_STORE, under OUTPUT_DIR: Jekyll publishes it with the site."""
DEFAULT_URL_BASE = "/assets/img/"
IMAGE_URL = "image_url"
"""Request meta key: the picture's original URL (the request itself may go to a mirror)."""
REQUEST_META = {
    "allow_offsite": True,  # pictures live on other hosts (CDNs) than the spider's allowed_domains
    "give_up_log_level": "WARNING",  # a picture that keeps failing is not an error of the run
}


class ImageNotArchived(_MediaRequestFiltered):
    """A picture that could not be archived; the pipeline has logged and counted it.

    A subclass of Scrapy's internal "filtered media request" exception, so that the media pipeline
    does not log it a second time as an ERROR with a traceback (an image is not worth failing a run)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


def failure_reason(error: BaseException | None) -> str:
    """The stats name of a failed download (`timeout`, `too_large`, `robots`, …)."""
    if isinstance(error, DownloadTimeoutError | TwistedTimeoutError | TimeoutError):
        return "timeout"
    if isinstance(error, DownloadCancelledError):
        return "too_large"  # the HTTP handler cancels a body larger than DOWNLOAD_MAXSIZE
    if isinstance(error, IgnoreRequest):
        text = str(error)
        if "DOWNLOAD_MAXSIZE" in text:
            return "too_large"
        return "robots" if "robots.txt" in text else "filtered"
    return type(error).__name__ if error is not None else "unknown"


def refusal(response: Response) -> str | None:
    """Why a downloaded answer cannot be archived (`http_404`, `empty`, `svg`, `not_image`), or None."""
    if response.status != 200:
        return f"http_{response.status}"
    if not response.body:
        return "empty"
    if is_svg(response.body):
        return "svg"
    return None if picture_extension(response.body) else "not_image"


def url_base(value: Any) -> str:
    """IMAGES_URL_BASE, ending in `/`: site-relative (`/assets/img/`) or absolute http(s)."""
    text = str(value or DEFAULT_URL_BASE).strip()
    if not (text.startswith("/") or text.startswith(("http://", "https://"))) or any(c in text for c in ' "<>'):
        raise SettingError(f"IMAGES_URL_BASE must be a path such as /assets/img/ or an http(s) URL, got {value!r}")
    return text if text.endswith("/") else text + "/"


class ImageArchivePipeline(FilesPipeline):
    """Downloads and stores the pictures of each post and points the post at the copies."""

    STORE_SCHEMES: ClassVar[dict[str, type[FilesStoreProtocol]]] = {
        **FilesPipeline.STORE_SCHEMES, "": AtomicFSFilesStore, "file": AtomicFSFilesStore,
    }

    def __init__(self, store_uri: str, *, crawler: Crawler) -> None:
        super().__init__(store_uri, crawler=crawler)
        settings = crawler.settings
        self.url_base = url_base(settings.get("IMAGES_URL_BASE"))
        self.mirrors = parse_mirrors(settings.get("MIRRORS"))
        self.output_dir = Path(settings.get("OUTPUT_DIR") or "output")
        self._state: StateStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        try:
            enabled = settings.getbool("ARCHIVE_IMAGES", True)
        except ValueError:
            raise SettingError(f"ARCHIVE_IMAGES must be 0 or 1, got {settings.get('ARCHIVE_IMAGES')!r}") from None
        if not enabled:
            raise NotConfigured("ARCHIVE_IMAGES is off: posts show the original picture URLs")
        cls._update_stores(settings)
        output_dir = Path(settings.get("OUTPUT_DIR") or "output")
        return cls(str(settings.get("FILES_STORE") or output_dir / IMAGES_DIR), crawler=crawler)

    @property
    def state(self) -> StateStore:
        if self._state is None:
            raise RuntimeError("ImageArchivePipeline used before open_spider()")
        return self._state

    def open_spider(self) -> None:  # type: ignore[override]
        super().open_spider()
        try:
            self._state = open_state(self.output_dir)
        except (*OutputError, StateError) as exc:
            refuse_output_folder(self.crawler, self.output_dir, exc)

    def close_spider(self) -> None:
        if self._state is not None:
            self._state.close()
            self._state = None

    # ------------------------------------------------------------------ requests

    def fetch_url(self, url: str, item: Any) -> str:
        """Where to download a picture: its MIRRORS mirror, else the spider's mirror of its own site."""
        mirrored = to_mirror(url, self.mirrors)
        if mirrored != url:
            return mirrored
        spider_map = getattr(self.crawler.spider, "fetch_url_of", None)  # the spider's base_url mapping
        adapter = ItemAdapter(item)
        page_origin = origin_of(str(adapter.get("origin_url") or adapter.get("url") or url))
        if spider_map is None or page_origin is None:
            return url
        return str(spider_map(url, {"origin_root": page_origin}))

    def offline(self) -> bool:
        """A run that makes no request (`scrapy reprocess`, `-a warc=` backfills): only pictures already
        stored are used; the others keep their original URL until a crawl archives them."""
        return bool(getattr(self.crawler.spider, "offline", False))

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        return [
            Request(self.fetch_url(url, item), callback=NO_CALLBACK, meta={**REQUEST_META, IMAGE_URL: url})
            for url in post_image_urls(as_article(item))
        ]

    async def media_to_download(  # type: ignore[override]
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> FileInfo | None:
        """The stored copy when the store knows one and the file is still there (nothing downloaded)."""
        known = self.state.image(request.meta[IMAGE_URL])
        if known is None or not known.path:
            if self.offline():
                self._not_archived(request.meta[IMAGE_URL], "offline")
            return None
        try:
            answer = self.store.stat_file(known.path, info)
            stat: StatInfo = await maybe_deferred_to_future(answer) if isinstance(answer, Deferred) else answer
        except Exception as exc:  # a remote store that cannot answer: download again
            logger.debug("Cannot check the stored copy %s: %s", known.path, exc)
            return None
        modified = stat.get("last_modified")
        if not modified or (time.time() - modified) / 86400 > self.expires:
            return None
        self.inc_stats("uptodate")
        return {"url": known.url, "path": known.path, "checksum": stat.get("checksum"), "status": "uptodate"}

    # ------------------------------------------------------------------ downloads

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        """`ab/ab12….jpg`: the SHA-256 of the bytes, in a folder named by its first two digits, with the
        extension of the picture type its bytes show."""
        if response is None:
            raise ValueError("an archived picture is named by its bytes: file_path() needs the response")
        digest = hashlib.sha256(response.body).hexdigest()
        return f"{digest[:2]}/{digest}{picture_extension(response.body) or ''}"

    async def media_downloaded(
        self, response: Response, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> FileInfo:
        url = request.meta[IMAGE_URL]
        reason = refusal(response)
        if reason is not None:
            self._not_archived(url, reason)
        path = self.file_path(request, response=response, info=info, item=item)
        try:
            checksum = str(await ensure_awaitable(self.file_downloaded(response, request, info, item=item)))
        except Exception as exc:
            self._not_archived(url, "store_error", str(exc))
        status = "cached" if "cached" in response.flags else "downloaded"
        self.inc_stats(status)
        self.state.image_archived(url, path, checksum)
        logger.debug("Archived picture %s as %s", url, path)
        return {"url": url, "path": path, "checksum": checksum, "status": status}

    def media_failed(self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo) -> NoReturn:
        if isinstance(failure.value, ImageNotArchived):
            raise failure.value
        self._not_archived(request.meta[IMAGE_URL], failure_reason(failure.value), failure.getErrorMessage())

    def _not_archived(self, url: str, reason: str, detail: str = "") -> NoReturn:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("images/failed")
        stats.inc_value(f"images/failed/{reason}")
        self.state.image_failed(url, reason)
        logger.warning("Picture %s not archived (%s%s); its posts keep the original URL and the next run "
                       "tries again", url, reason, f": {detail}" if detail else "")
        raise ImageNotArchived(url, reason)

    # ------------------------------------------------------------------ the post

    def item_completed(self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo) -> Any:
        article = as_article(item)
        urls = post_image_urls(article)  # the order get_media_requests() gave the results
        archived = {
            url: archived_url(self.url_base, result["path"])
            for url, (ok, result) in zip(urls, results, strict=True)
            if ok and isinstance(result, dict) and result.get("path")
        }
        use_archived_images(article, archived)
        if article is not item:
            adapter = ItemAdapter(item)
            for name in ("image", "image_origin", "body", "images_missing"):
                if name in adapter.field_names():
                    adapter[name] = getattr(article, name)
        return item
