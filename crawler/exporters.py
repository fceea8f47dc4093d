"""Post and feed exporters: Jekyll post files written atomically, and the JSON Lines feed of each run."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import logging
import os
import re
import secrets
import time
from collections.abc import Collection
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter, JsonLinesItemExporter
from scrapy.extensions.feedexport import ItemFilter

from crawler.items import Article
from crawler.posts.filename import POSTS_DIR, post_filename
from crawler.posts.frontmatter import DEFAULT_OPTIONAL_FIELDS, format_date
from crawler.posts.render import render_post

if TYPE_CHECKING:
    from scrapy import Spider

logger = logging.getLogger(__name__)

TEMP_PREFIX = ".n2j-tmp-"
"""Temporary files start with a dot, so Jekyll ignores them, and carry the writer's pid."""
TEMP_MAX_AGE = 600.0
"""A temporary file older than this (seconds) is a leftover even if its pid is alive again."""
FEED_STATUSES = frozenset({"new", "updated"})
_TEMP_RE = re.compile(rf"^{re.escape(TEMP_PREFIX)}(\d+)-[0-9a-f]+-")
_ARTICLE_FIELDS = frozenset(f.name for f in dataclasses.fields(Article))


def as_article(item: Any) -> Article:
    """The item as an Article (itself when it is one; built from its fields otherwise)."""
    if isinstance(item, Article):
        return item
    values = {k: v for k, v in ItemAdapter(item).items() if k in _ARTICLE_FIELDS}
    return Article(**values)


# ---------------------------------------------------------------------- atomic files


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return  # directories cannot be opened for fsync on Windows; NTFS journals the rename
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that readers see the old file or the new one, never a mix.

    Temp file in the same folder (dot-prefixed), write, flush, fsync, rename over the target,
    fsync the folder. On any failure the temp file is removed and the old file is untouched.
    """
    tmp = path.with_name(f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}-{path.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # rely on the age rule alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


def clean_temp_files(folder: Path, max_age: float = TEMP_MAX_AGE) -> int:
    """Remove temp files a killed run left in `folder`: their pid is gone, or they are older than max_age.

    A concurrent run's temp file (live pid, seconds old) is left alone. Returns how many were removed.
    """
    removed = 0
    if not folder.is_dir():
        return 0
    now = time.time()
    for path in folder.glob(TEMP_PREFIX + "*"):
        match = _TEMP_RE.match(path.name)
        try:
            stale = match is None or not _pid_alive(int(match.group(1))) or now - path.stat().st_mtime > max_age
            if stale and path.is_file():
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    if removed:
        logger.info("Removed %d temporary file(s) left by an interrupted run in %s", removed, folder)
    return removed


# ---------------------------------------------------------------------- posts


class JekyllPostExporter(BaseItemExporter):
    """Writes each item as its own post file under OUTPUT_DIR/_posts, atomically.

    The store pipeline drives it (render, compare hashes, `write_post`/`remove_post`);
    `export_item` renders and writes in one step for other callers.
    """

    def __init__(
        self, output_dir: str | Path, *, optional_fields: Collection[str] = DEFAULT_OPTIONAL_FIELDS, **kwargs: Any
    ) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.output_dir = Path(output_dir)
        self.posts_dir = self.output_dir / POSTS_DIR
        self.optional_fields = tuple(optional_fields)

    def start_exporting(self) -> None:
        """Create the posts folder and remove temp files a killed run left behind."""
        self.posts_dir.mkdir(parents=True, exist_ok=True)
        clean_temp_files(self.posts_dir)

    def path_of(self, file: str) -> Path:
        """The absolute path of a post path relative to OUTPUT_DIR; refuses anything outside _posts."""
        rel = PurePosixPath(file)
        if rel.is_absolute() or ".." in rel.parts or rel.parts[:1] != (POSTS_DIR,) or len(rel.parts) < 2:
            raise ValueError(f"refusing post path outside {POSTS_DIR}/: {file!r}")
        if any(part.startswith(".") for part in rel.parts):
            raise ValueError(f"refusing hidden post path: {file!r}")
        return self.output_dir.joinpath(*rel.parts)

    def render(self, item: Any) -> str:
        return render_post(as_article(item), optional_fields=self.optional_fields)

    def write_post(self, file: str, text: str) -> Path:
        """Write a post's text to its file atomically; OSError when the disk refuses."""
        path = self.path_of(file)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
        return path

    def remove_post(self, file: str) -> None:
        self.path_of(file).unlink(missing_ok=True)

    def export_item(self, item: Any) -> None:
        """BaseItemExporter API: render and write one item (see `write_item`)."""
        self.write_item(item)

    def write_item(self, item: Any) -> Path:
        """Render and write one item (its `file`, else the name made from its date and title, in UTC)."""
        article = as_article(item)
        if article.date is None or not article.code:
            raise ValueError(f"{article.url}: a post needs a code and a date")
        file = article.file or post_filename(article.date, article.title, article.origin_url, article.code, None)
        return self.write_post(file, self.render(article))


# ---------------------------------------------------------------------- the run feed


class PostFeedFilter(ItemFilter):
    """FEEDS `item_filter`: only articles this run wrote (status `new` or `updated`)."""

    def accepts(self, item: Any) -> bool:
        return ItemAdapter(item).get("status") in FEED_STATUSES


class PostFeedItemExporter(JsonLinesItemExporter):
    """JSON Lines with datetimes written like the posts' `date` (`2024-10-18T03:58:50.000Z`)."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if isinstance(value, datetime):
            return format_date(value)
        return super().serialize_field(field, name, value)


def feed_uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """FEEDS `uri_params`: adds `output_dir` (absolute OUTPUT_DIR), so the feed follows `-s OUTPUT_DIR=…`."""
    output_dir = spider.crawler.settings.get("OUTPUT_DIR") or "output"
    return {**params, "output_dir": str(Path(output_dir).resolve())}
