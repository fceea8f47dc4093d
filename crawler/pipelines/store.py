"""Store pipeline (300): stable code and file per article, render, write new/updated posts, skip unchanged.

Codes never change once stored. A file name owned by another article (in the store, or on disk
with another origin_url) gets a numbered suffix. The store hears of every file before it is written:
a new post is recorded without a content hash first, an update in place loses its hash first, and a
title change renames the post through `StateStore.begin_rename` / `finish_pending`, so a run killed
mid-way leaves no post the store does not know. Each written post then gets its line in the run feed
(`RunFeed`, fsynced) and only after that its content hash in the store: a run killed anywhere in
between leaves the article unfinished (no hash), and the site spider fetches it again, writes it and
lists it in its own feed (at-least-once delivery). A write the disk refuses fails the run: ERROR,
`posts/write_errors`, close reason `output_error`, and the file on disk stays as it was.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.config import optional_fields
from crawler.exporters import FEED_DIR, JekyllPostExporter, RunFeed, as_article, feed_file_name, repair_feeds
from crawler.output_errors import CLOSE_REASON, OutputError, cause, refuse_output_folder, stop_on_output_error
from crawler.posts.code import make_code
from crawler.posts.filename import post_filename, with_suffix
from crawler.posts.frontmatter import parse_front_matter
from crawler.posts.render import content_hash
from crawler.profiles import configured_profiles
from crawler.state import Record, StateError, StateStore, open_state, parse_stored_time

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.items import Article
    from crawler.profiles import SiteProfile

logger = logging.getLogger(__name__)

DEFAULT_CODE_PREFIX = "ART"
_MAX_SALT = 1000
_MAX_SUFFIX = 1000
_HEAD_BYTES = 64 * 1024


class StorePipeline:
    """Decides new / updated / unchanged against the state store and writes the post files."""

    def __init__(self, crawler: Crawler, profiles: dict[str, SiteProfile]) -> None:
        self.crawler = crawler
        self.profiles = profiles
        settings = crawler.settings
        self.output_dir = Path(settings.get("OUTPUT_DIR") or "output")
        self.exporter = JekyllPostExporter(self.output_dir, optional_fields=optional_fields(settings))
        self.feed_dir: Path | None = None
        """Where the run feeds go (POST_FEED_DIR, default OUTPUT_DIR/_feeds); None when POST_FEED_ENABLED is off."""
        if settings.getbool("POST_FEED_ENABLED", True):
            configured = settings.get("POST_FEED_DIR")
            self.feed_dir = Path(configured) if configured else self.output_dir / FEED_DIR
        self.feed: RunFeed | None = None
        self._store: StateStore | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler, configured_profiles(crawler.settings))

    @property
    def store(self) -> StateStore:
        if self._store is None:
            raise RuntimeError("StorePipeline used before open_spider()")
        return self._store

    def open_spider(self) -> None:
        try:
            self.exporter.start_exporting()
            self._store = open_state(self.output_dir)
        except (*OutputError, StateError) as exc:
            refuse_output_folder(self.crawler, self.output_dir, exc)
        if self.feed_dir is not None:
            repair_feeds(self.feed_dir)
            name = feed_file_name(str(self.crawler.spidercls.name), datetime.now(UTC))
            self.feed = RunFeed(self.feed_dir, name)

    def close_spider(self) -> None:
        if self.feed is not None:
            if self.feed.lines:
                logger.info("Run feed: %d post(s) listed in %s", self.feed.lines, self.feed.path)
            self.feed.close()
        if self._store is not None:
            self._store.close()
            self._store = None
        self.exporter.finish_exporting()

    # ------------------------------------------------------------------ per item

    def process_item(self, item: Any) -> Any:
        if self.failed:
            raise DropItem(f"{CLOSE_REASON}: not written after an earlier write error", log_level="DEBUG")
        try:
            return self._process(item)
        except (sqlite3.Error, StateError) as exc:  # the store refused a write (database or disk is full)
            self._fail(self.store.path, "state store", exc)

    def _process(self, item: Any) -> Any:
        article = as_article(item)
        url = article.origin_url or article.url
        record = self.store.get(url)
        profile = self.profiles.get(article.site) if article.site else None
        if article.date is None:
            raise ValueError(f"{url}: no date; is NormalizePipeline enabled before StorePipeline?")
        stored_date = parse_stored_time(record.date) if record is not None else None
        if record is not None and article.date_estimated and stored_date is not None:
            # Keep the date the post already shows, so a re-scrape stays byte-identical.
            article.date = stored_date
            article.date_estimated = record.date_estimated
        prefix = profile.code_prefix if profile is not None else DEFAULT_CODE_PREFIX
        article.code = record.code if record is not None else self._new_code(prefix, article.date, url)
        zone = profile.timezone if profile is not None else None
        desired = post_filename(article.date, article.title, url, article.code, zone)
        article.file = self._choose_file(desired, url, record)
        text = self.exporter.render(article)
        article.content_hash = content_hash(text)

        if (
            record is not None
            and record.file == article.file
            and record.content_hash == article.content_hash
            and self.exporter.path_of(article.file).is_file()
        ):
            self.store.touch_checked(url, article.lastmod, images_missing=article.images_missing)
            article.status = "unchanged"
        else:
            # A record that was never written (last_written None) is the write-ahead of a killed run:
            # no feed has listed the article yet, so it is still new.
            article.status = "new" if record is None or record.last_written is None else "updated"
            self._write(article, url, text, record)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"articles/{article.status}")
        if article is not item:
            adapter = ItemAdapter(item)
            for name in ("origin_url", "date", "date_estimated", "code", "file", "status", "content_hash"):
                with contextlib.suppress(KeyError):  # item classes that do not declare the field
                    adapter[name] = getattr(article, name)
        return item

    def _new_code(self, prefix: str, date: datetime, url: str) -> str:
        for salt in range(_MAX_SALT):
            code = make_code(prefix, date, url, salt)
            owner = self.store.code_owner(code)
            if owner is None or owner == url:
                if salt:
                    logger.info("Code collision for %s resolved with salt %d: %s", url, salt, code)
                return code
        raise StateError(f"no free code for {url} after {_MAX_SALT} attempts")

    def _choose_file(self, desired: str, url: str, record: Record | None) -> str:
        """The desired file, or its first numbered variant no other article owns. A known article
        already on a numbered variant of the desired name keeps it (no churn when the other goes)."""
        if record is not None and record.file != desired:
            variants = {with_suffix(desired, n) for n in range(2, _MAX_SUFFIX)}
            if record.file in variants:
                return record.file
        for number in range(1, _MAX_SUFFIX):
            candidate = with_suffix(desired, number)
            if self._may_use(candidate, url):
                return candidate
        raise StateError(f"no free file name for {url} near {desired}")

    def _may_use(self, file: str, url: str) -> bool:
        owner = self.store.file_owner(file)
        if owner is not None:
            return owner == url
        path = self.exporter.path_of(file)
        if not path.exists():
            return True
        return _origin_url_on_disk(path) == url

    def _write(self, article: Article, url: str, text: str, record: Record | None) -> None:
        """Post file, then feed line, then content hash: each step durable before the next starts."""
        assert article.file is not None and article.code is not None
        store = self.store
        try:
            if record is not None and record.file != article.file:
                # The hash is committed once the feed lists the post (below), not with the rename.
                store.begin_rename(
                    url, article.file, content_hash=None, date=article.date,
                    date_estimated=article.date_estimated, lastmod=article.lastmod,
                )
                try:
                    self.exporter.write_post(article.file, text)
                finally:
                    store.finish_pending(self.output_dir)
                logger.info("Renamed post %s -> %s", record.file, article.file)
            else:
                if record is None:
                    # Write-ahead: the store names the file before it exists (content_hash None), so a
                    # run killed in between leaves an article to finish, never a post no record owns
                    # (which a later title change would duplicate under a second file name).
                    store.announce(url, code=article.code, file=article.file, date=article.date,
                                   date_estimated=article.date_estimated)
                elif record.content_hash is not None:
                    store.set_content_hash(url, None)  # updated in place: unfinished until the feed lists it
                try:
                    self.exporter.write_post(article.file, text)
                except OSError:
                    with contextlib.suppress(sqlite3.Error):  # on a full disk the store may refuse this too
                        if record is None:
                            store.forget(url)
                        elif record.content_hash is not None:
                            store.set_content_hash(url, record.content_hash)  # the old post is still in place
                    raise
        except OSError as exc:
            self._fail(self.output_dir / article.file, "post", exc)
        if self.feed is not None:
            try:
                self.feed.append(article)
            except OSError as exc:
                self._fail(self.feed.path, "run feed", exc)  # the article stays unfinished: listed next run
        store.record(
            url, code=article.code, file=article.file, content_hash=article.content_hash,
            date=article.date, date_estimated=article.date_estimated, lastmod=article.lastmod,
            images_missing=article.images_missing,
        )

    def _fail(self, path: Path, what: str, exc: BaseException) -> NoReturn:
        """Stop the run at this failed write (one ERROR naming the file and the cause) and drop the item."""
        self.failed = True
        stop_on_output_error(self.crawler, path, what, exc)
        raise DropItem(f"{CLOSE_REASON}: {path}: {cause(exc)}", log_level="DEBUG") from exc


def _origin_url_on_disk(path: Path) -> str | None:
    """The origin_url in the front matter of an existing post file (None when unreadable or foreign)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    meta = parse_front_matter(head)
    value = meta.get("origin_url") if meta else None
    return value if isinstance(value, str) else None
