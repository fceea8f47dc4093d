"""Post and feed exporters: Jekyll post files written atomically, and the JSON Lines feed of each run
(appended and fsynced post by post, so a killed run loses no entry)."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter
from scrapy.utils.serialize import ScrapyJSONEncoder

from crawler.items import Article
from crawler.posts.filename import POSTS_DIR, post_filename
from crawler.posts.frontmatter import DEFAULT_OPTIONAL_FIELDS, format_date
from crawler.posts.render import render_post

if sys.platform != "win32":
    import fcntl
else:  # pragma: no cover - no advisory locks on Windows; the run lock keeps runs apart
    fcntl = None

logger = logging.getLogger(__name__)

TEMP_PREFIX = ".n2j-tmp-"
"""Temporary files start with a dot, so Jekyll ignores them, and carry the writer's pid."""
TEMP_MAX_AGE = 600.0
"""A temporary file older than this (seconds) is a leftover even if its pid is alive again."""
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

FEED_DIR = "_feeds"
"""Default folder of the run feeds, under OUTPUT_DIR (Jekyll ignores it: it starts with an underscore)."""
FEED_FIELDS = (
    "code", "status", "origin_url", "file", "title", "description", "date", "category", "language", "image",
    "image_origin", "authors", "content_hash",
)
"""The keys of a feed line, in order. `image` is the lead image the post shows; when that is the archive's
copy, `image_origin` is the picture's own URL on its site (else null: `image` is the original)."""
FEED_SUFFIX = ".jsonl"
OPEN_SUFFIX = ".open"
_MARKER_RE = re.compile(rf"^\.(.+{re.escape(FEED_SUFFIX)})\.\d+-[0-9a-f]+{re.escape(OPEN_SUFFIX)}$")
_TAIL_CHUNK = 64 * 1024
_ENCODER = ScrapyJSONEncoder(ensure_ascii=False)


def feed_line(item: Any) -> bytes:
    """One feed entry: FEED_FIELDS of the item in order, dates written like the posts' `date`
    (`2024-10-18T03:58:50.000Z`), as one UTF-8 JSON line ending in a newline."""
    article = as_article(item)
    values = {}
    for name in FEED_FIELDS:
        value = getattr(article, name)
        values[name] = format_date(value) if isinstance(value, datetime) else value
    return (_ENCODER.encode(values) + "\n").encode("utf-8")


def file_stamp(started: datetime) -> str:
    """The UTC time in the names of a run's files (feed, stats): `20241018T035850Z`."""
    return f"{started.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def feed_file_name(spider_name: str, started: datetime) -> str:
    """`<spider>-<UTC start time>.jsonl` (`phnompenhpost-20241018T035850Z.jsonl`), the time as in the run's
    stats file."""
    return f"{spider_name}-{file_stamp(started)}{FEED_SUFFIX}"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _lock(fd: int, *, exclusive: bool) -> bool:
    """An advisory lock on an open file, released when the fd closes or the process dies. Writers share
    it (waiting only for a repair in progress); a repair takes it exclusively or not at all."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
    except BlockingIOError:
        return False
    return True


def _open_marker(feed: Path) -> Path:
    """`.<feed name>.<pid>-<random>.open`: exists from the feed's creation until its writer closes it, so
    only the feeds of killed runs are checked for a torn last line (not every feed ever written)."""
    return feed.with_name(f".{feed.name}.{os.getpid()}-{secrets.token_hex(4)}{OPEN_SUFFIX}")


class RunFeed:
    """The JSON Lines feed of one run: one line per post written (new or updated), in the order written.

    The store pipeline appends a post's line after the post file is in place and before the store
    records the post as written, and `append` returns only once the line is on disk (flushed and
    fsynced). A run killed between the two leaves the post unfinished in the store, so a later run
    fetches it and lists it again: every post written is in some run's feed, at least once (a kill
    after the line but before the store heard of it repeats the line in a later feed).

    The file is created on the first line (a run that writes nothing leaves none), with an `.open`
    marker beside it until `close()`, and held under a shared `flock` while open, so `repair_feeds`
    of a later run looks at the feeds of killed runs only and never at one a live run writes.
    """

    def __init__(self, folder: str | Path, name: str) -> None:
        self.folder = Path(folder)
        self.path = self.folder / name
        self.lines = 0
        self._fd: int | None = None
        self._marker = _open_marker(self.path)

    def append(self, item: Any) -> None:
        """Write the item's line and fsync it; OSError when the disk refuses (nothing of the line stays)."""
        data = feed_line(item)
        fd = self._open()
        size = os.fstat(fd).st_size
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)  # no torn line after a full disk
            raise
        self.lines += 1

    def _open(self) -> int:
        if self._fd is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._marker.touch()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
            try:
                _lock(fd, exclusive=False)
                _fsync_dir(self.folder)  # the file's name must survive as surely as its lines
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
            logger.debug("Writing the run feed %s", self.path)
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            with contextlib.suppress(OSError):
                self._marker.unlink()


def _cut_torn_tail(fd: int, size: int) -> int:
    """Truncate an open file after its last newline; returns how many bytes went."""
    end = size
    while end > 0:
        start = max(0, end - _TAIL_CHUNK)
        chunk = os.pread(fd, end - start, start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            end = start + newline + 1
            break
        end = start
    os.ftruncate(fd, end)
    os.fsync(fd)
    return size - end


def _repair_feed(path: Path) -> bool | None:
    """Cut a killed run's torn last line from one feed: True when cut, False when whole, None when a live
    run holds the file."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return False  # killed before its first line
    try:
        if not _lock(fd, exclusive=True):
            return None
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return False
        cut = _cut_torn_tail(fd, size)
    finally:
        os.close(fd)
    logger.warning("Removed the incomplete last line (%d bytes) an interrupted run left in %s", cut, path)
    return True


def repair_feeds(folder: str | Path) -> int:
    """Cut the incomplete last line a killed run left in its feed in `folder`: only feeds whose run never
    closed them (an `.open` marker remains) and no live run holds. Returns how many were cut."""
    folder = Path(folder)
    try:
        markers = {entry.name: match.group(1) for entry in os.scandir(folder)
                   if (match := _MARKER_RE.match(entry.name))}
    except (FileNotFoundError, NotADirectoryError):
        return 0
    repaired = 0
    for name, feed in sorted(markers.items()):
        marker = folder / name
        try:
            state = _repair_feed(folder / feed)
            if state is None:
                continue  # a live run's feed: its marker stays
            repaired += int(state)
            marker.unlink(missing_ok=True)
        except OSError as exc:
            logger.warning("Cannot repair the feed of %s: %s", marker, exc.strerror or exc)
    return repaired
