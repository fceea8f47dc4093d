"""The article state store: one SQLite row per article written (URL, code, file, content hash, times).

It lets scheduled runs skip what is known, keeps codes stable and makes re-scrapes update in
place. It also remembers every picture the image archive handled: its original URL, where its copy
is stored, or why it could not be archived. It is a cache of what the posts on disk say:
`rebuild_from_posts()` recreates the articles from their front matter, and `open_state()` does so by
itself when the store file is missing but posts exist.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from crawler.posts.filename import POSTS_DIR
from crawler.posts.frontmatter import format_date, parse_front_matter

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 3
STATE_DIR = ".crawler"
STATE_FILE = "state.sqlite"
BUSY_TIMEOUT_MS = 30_000
"""How long a write waits for another run holding the store (overlapping cron runs)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    origin_url     TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    file           TEXT NOT NULL UNIQUE,
    content_hash   TEXT,
    date           TEXT,
    date_estimated INTEGER NOT NULL DEFAULT 0,
    lastmod        TEXT,
    first_seen     TEXT NOT NULL,
    last_written   TEXT,
    last_checked   TEXT,
    images_missing INTEGER NOT NULL DEFAULT 0,
    images_tries   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS pending_renames (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    origin_url TEXT NOT NULL,
    old_file   TEXT NOT NULL,
    new_file   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS images (
    url        TEXT PRIMARY KEY,
    path       TEXT,
    checksum   TEXT,
    failure    TEXT,
    first_seen TEXT NOT NULL,
    last_tried TEXT
);
"""
_MIGRATIONS = {
    # version 1 -> 2: the image archive (the `images` table is created by _SCHEMA)
    2: ("ALTER TABLE articles ADD COLUMN images_missing INTEGER NOT NULL DEFAULT 0",),
    # version 2 -> 3: retries of missing pictures spaced out (images_tries)
    3: ("ALTER TABLE articles ADD COLUMN images_tries INTEGER NOT NULL DEFAULT 0",),
}


class StateError(RuntimeError):
    """The state store cannot be used; the message names the file and how to recover."""


_DAMAGED = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


def is_damaged(exc: sqlite3.Error) -> bool:
    """Whether SQLite says the file itself is damaged (not a database, corrupt), as opposed to a disk
    that is full, read-only or failing: only a damaged store may be thrown away and rebuilt."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name in _DAMAGED or "integrity check failed" in str(exc)


@dataclass
class Record:
    """One article the store knows. Times are UTC ISO strings (`2024-10-18T03:58:50.000Z`)."""

    origin_url: str
    code: str
    file: str
    """Post path relative to OUTPUT_DIR (`_posts/2024-10-18-slug.md`)."""
    content_hash: str | None = None
    """SHA-256 of the post text last written; None forces the next scrape to rewrite."""
    date: str | None = None
    """Publication instant (UTC) the post shows."""
    date_estimated: bool = False
    """True when `date` was the fetch time because the page had no date."""
    lastmod: str | None = None
    """What discovery last reported (sitemap lastmod, feed date); may be None."""
    first_seen: str | None = None
    last_written: str | None = None
    last_checked: str | None = None
    images_missing: int = 0
    """How many pictures of the post could not be archived when it was last fetched (the post shows
    their original URLs); a scheduled run fetches such an article again to retry them."""
    images_tries: int = 0
    """How many fetches in a row left pictures missing (0 once none is); spaces out the retries."""

    def images_retry_due(self, now: datetime, base: float, cap: float) -> bool:
        """Whether a scheduled run should fetch this article again for its missing pictures: the first
        retry is due at once (the next run), later ones `base` seconds after the last fetch, doubling
        with every fetch that left pictures missing, up to `cap` seconds (a picture that can never be
        archived, such as an SVG, costs a few fetches a week, not one an hour)."""
        if not self.images_missing:
            return False
        last = parse_stored_time(self.last_checked or self.last_written)
        if self.images_tries <= 1 or last is None:
            return True
        wait = min(base * 2.0 ** (self.images_tries - 2), cap)
        return (now - last).total_seconds() >= wait


@dataclass
class ImageRecord:
    """One picture the image archive handled, by its original URL."""

    url: str
    """The picture's URL on its site (never a mirror's)."""
    path: str | None = None
    """Where its copy is stored, relative to FILES_STORE; None while it could not be archived."""
    checksum: str | None = None
    """MD5 of the stored bytes (as Scrapy's FilesPipeline reports it)."""
    failure: str | None = None
    """Why the last attempt failed (`http_404`, `timeout`, `svg`, ...); None once archived."""
    first_seen: str | None = None
    last_tried: str | None = None


@dataclass(frozen=True)
class PendingRename:
    """A post being moved to a new file because its title changed."""

    origin_url: str
    old_file: str
    new_file: str


_COLUMNS = tuple(f.name for f in fields(Record))
_IMAGES_FETCHED = (
    "images_missing = excluded.images_missing, "
    "images_tries = CASE WHEN excluded.images_missing > 0 THEN articles.images_tries + 1 ELSE 0 END"
)
"""A fetch's pictures in an upsert: how many are missing, and how many fetches in a row left some missing."""
_IMAGE_COLUMNS = tuple(f.name for f in fields(ImageRecord))


def utc_now() -> str:
    return format_date(datetime.now(UTC))


def parse_stored_time(value: str | None) -> datetime | None:
    """A time as the store writes it (UTC), aware; None when missing or not a time (a hand-edited post)."""
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed is not None and parsed.tzinfo is None else parsed


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return format_date(value)


def state_path(output_dir: str | Path) -> Path:
    """Where the store of an output folder lives: OUTPUT_DIR/.crawler/state.sqlite."""
    return Path(output_dir) / STATE_DIR / STATE_FILE


def _recovery_hint(path: Path) -> str:
    return (
        f"The store is only a cache of the posts: delete {path} (and {path.name}-wal, {path.name}-shm "
        f"next to it, if present) and run again; it is rebuilt from the posts in "
        f"{path.parent.parent / POSTS_DIR}."
    )


class StateStore:
    """SQLite (WAL) store of written articles. Use `StateStore.open(path)` or `open_state(output_dir)`."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    def open(cls, path: str | Path) -> StateStore:
        """Open (creating when missing) the store file; raise StateError when it is not usable."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"{path}: cannot open the state store: {exc}") from exc
        try:
            cls._prepare(db, path)
        except sqlite3.DatabaseError as exc:
            db.close()
            if not is_damaged(exc):  # a full or read-only disk: the store is fine, the disk is not
                raise StateError(f"{path}: cannot write the state store: {exc}") from exc
            raise StateError(f"{path} is not a usable state store ({exc}). {_recovery_hint(path)}") from exc
        except BaseException:
            db.close()
            raise
        return cls(db, path)

    @staticmethod
    def _prepare(db: sqlite3.Connection, path: Path) -> None:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateError(
                f"{path} was written by a newer version of the crawler (schema {version}, this one "
                f"knows {SCHEMA_VERSION}). Upgrade, or {_recovery_hint(path)}"
            )
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {check}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        if version < SCHEMA_VERSION:
            db.execute("BEGIN IMMEDIATE")
            try:
                existing = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                if "articles" in existing:  # an older store: bring its tables up to date
                    for target in range(max(version, 1) + 1, SCHEMA_VERSION + 1):
                        for statement in _MIGRATIONS.get(target, ()):
                            db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # SQLite has already rolled back after a full disk
                    db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one transaction (committed on success, rolled back on error)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ------------------------------------------------------------------ reading

    def get(self, origin_url: str) -> Record | None:
        row = self._db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM articles WHERE origin_url = ?", (origin_url,)
        ).fetchone()
        return self._record(row) if row else None

    def known(self, origin_url: str) -> bool:
        return self._db.execute("SELECT 1 FROM articles WHERE origin_url = ?", (origin_url,)).fetchone() is not None

    def code_owner(self, code: str) -> str | None:
        """The origin_url holding a code, or None."""
        row = self._db.execute("SELECT origin_url FROM articles WHERE code = ?", (code,)).fetchone()
        return row[0] if row else None

    def file_owner(self, file: str) -> str | None:
        """The origin_url whose post is (or is being moved away from) `file`, or None."""
        row = self._db.execute(
            "SELECT origin_url FROM articles WHERE file = ? UNION ALL "
            "SELECT origin_url FROM pending_renames WHERE old_file = ? LIMIT 1",
            (file, file),
        ).fetchone()
        return row[0] if row else None

    def records(self) -> Iterator[Record]:
        """Every record, in origin_url order."""
        for row in self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM articles ORDER BY origin_url"):
            yield self._record(row)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    @staticmethod
    def _record(row: tuple[object, ...]) -> Record:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["date_estimated"] = bool(values["date_estimated"])
        return Record(**values)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ writing

    def upsert(self, record: Record) -> None:
        """Write a record as given (low level; `record()` is what pipelines use)."""
        if record.first_seen is None:
            record.first_seen = utc_now()
        values = astuple(record)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
        self._write(
            f"INSERT INTO articles ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
            f"ON CONFLICT(origin_url) DO UPDATE SET {updates}",
            values,
        )

    def record(
        self,
        origin_url: str,
        *,
        code: str,
        file: str,
        content_hash: str | None,
        date: datetime | str | None,
        date_estimated: bool = False,
        lastmod: datetime | str | None = None,
        images_missing: int = 0,
    ) -> Record:
        """Remember a post just written. A known article keeps its code and first_seen."""
        now = utc_now()
        self._write(
            "INSERT INTO articles (origin_url, code, file, content_hash, date, date_estimated, lastmod, "
            "first_seen, last_written, last_checked, images_missing, images_tries) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(origin_url) DO UPDATE SET file = excluded.file, content_hash = excluded.content_hash, "
            "date = excluded.date, date_estimated = excluded.date_estimated, "
            "lastmod = COALESCE(excluded.lastmod, lastmod), last_written = excluded.last_written, "
            f"last_checked = excluded.last_checked, {_IMAGES_FETCHED}",
            (origin_url, code, file, content_hash, _iso(date), int(date_estimated), _iso(lastmod), now, now, now,
             images_missing, int(images_missing > 0)),
        )
        record = self.get(origin_url)
        assert record is not None
        return record

    def announce(
        self, origin_url: str, *, code: str, file: str, date: datetime | str | None, date_estimated: bool = False
    ) -> Record:
        """Write ahead: name the file of a new article before it is written (no content hash, never written).

        A run killed before `record()` leaves this record, so the next run fetches the article again
        (`content_hash` None) and still reports it as new (`last_written` None)."""
        self._write(
            "INSERT INTO articles (origin_url, code, file, content_hash, date, date_estimated, first_seen) "
            "VALUES (?, ?, ?, NULL, ?, ?, ?)",
            (origin_url, code, file, _iso(date), int(date_estimated), utc_now()),
        )
        record = self.get(origin_url)
        assert record is not None
        return record

    def set_content_hash(self, origin_url: str, content_hash: str | None) -> None:
        """Set an article's content hash alone; None marks a write in progress (the next run redoes it)."""
        self._db.execute("UPDATE articles SET content_hash = ? WHERE origin_url = ?", (content_hash, origin_url))

    def unfinished(self) -> list[str]:
        """The origin_urls whose last write did not finish (content_hash None), in order."""
        rows = self._db.execute("SELECT origin_url FROM articles WHERE content_hash IS NULL ORDER BY origin_url")
        return [row[0] for row in rows]

    def forget(self, origin_url: str) -> None:
        """Remove an article's record (its post was never written)."""
        self._db.execute("DELETE FROM articles WHERE origin_url = ?", (origin_url,))

    def touch_checked(
        self, origin_url: str, lastmod: datetime | str | None = None, *, images_missing: int | None = None
    ) -> None:
        """Note that an article was checked now (and what discovery reported), without a write; with
        `images_missing`, how many of its pictures this fetch left without a copy."""
        self._write(
            "UPDATE articles SET last_checked = ?, lastmod = COALESCE(?, lastmod) WHERE origin_url = ?",
            (utc_now(), _iso(lastmod), origin_url),
        )
        if images_missing is not None:
            self._write(
                "UPDATE articles SET images_missing = ?, "
                "images_tries = CASE WHEN ? > 0 THEN images_tries + 1 ELSE 0 END WHERE origin_url = ?",
                (images_missing, images_missing, origin_url),
            )

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        try:
            self._db.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise StateError(f"{self.path}: {exc} (writing {params[0]!r})") from exc

    # ------------------------------------------------------------------ archived pictures

    def image(self, url: str) -> ImageRecord | None:
        """What the archive knows of a picture, by its original URL."""
        row = self._db.execute(
            f"SELECT {', '.join(_IMAGE_COLUMNS)} FROM images WHERE url = ?", (url,)
        ).fetchone()
        return ImageRecord(*row) if row else None

    def image_archived(self, url: str, path: str, checksum: str | None) -> None:
        """Remember that a picture's copy is stored at `path` (call once the file is in place)."""
        now = utc_now()
        self._db.execute(
            "INSERT INTO images (url, path, checksum, failure, first_seen, last_tried) VALUES (?, ?, ?, NULL, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET path = excluded.path, checksum = excluded.checksum, failure = NULL, "
            "last_tried = excluded.last_tried",
            (url, path, checksum, now, now),
        )

    def image_failed(self, url: str, reason: str) -> None:
        """Remember that a picture could not be archived (no stored copy), and why."""
        now = utc_now()
        self._db.execute(
            "INSERT INTO images (url, path, checksum, failure, first_seen, last_tried) VALUES (?, NULL, NULL, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET path = NULL, checksum = NULL, failure = excluded.failure, "
            "last_tried = excluded.last_tried",
            (url, reason, now, now),
        )

    # ------------------------------------------------------------------ renames

    def begin_rename(
        self,
        origin_url: str,
        new_file: str,
        *,
        content_hash: str | None,
        date: datetime | str | None,
        date_estimated: bool = False,
        lastmod: datetime | str | None = None,
    ) -> PendingRename:
        """Point a known article at `new_file` and remember the old file, in one transaction.

        Call before writing the new file; then `finish_pending()` removes the old file once the new
        one exists, or points the record back at the old file when the write never happened. A
        run killed anywhere in between is repaired by `finish_pending()` on the next open.
        """
        now = utc_now()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            row = self._db.execute("SELECT file FROM articles WHERE origin_url = ?", (origin_url,)).fetchone()
            if row is None:
                raise StateError(f"{self.path}: cannot rename unknown article {origin_url}")
            pending = PendingRename(origin_url, row[0], new_file)
            self._db.execute(
                "UPDATE articles SET file = ?, content_hash = ?, date = ?, date_estimated = ?, "
                "lastmod = COALESCE(?, lastmod), last_written = ?, last_checked = ? WHERE origin_url = ?",
                (new_file, content_hash, _iso(date), int(date_estimated), _iso(lastmod), now, now, origin_url),
            )
            self._db.execute(
                "INSERT INTO pending_renames (origin_url, old_file, new_file) VALUES (?, ?, ?)",
                (origin_url, pending.old_file, new_file),
            )
            self._db.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            self._db.execute("ROLLBACK")
            raise StateError(f"{self.path}: {exc} (renaming {origin_url} to {new_file})") from exc
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return pending

    def pending_renames(self) -> list[PendingRename]:
        rows = self._db.execute("SELECT origin_url, old_file, new_file FROM pending_renames ORDER BY id")
        return [PendingRename(*row) for row in rows]

    def finish_pending(self, output_dir: str | Path) -> int:
        """Complete or undo every pending rename; returns how many there were."""
        output_dir = Path(output_dir)
        pending = self._db.execute("SELECT id, origin_url, old_file, new_file FROM pending_renames ORDER BY id")
        done = 0
        for row_id, origin_url, old_file, new_file in pending.fetchall():
            new_path = output_dir / new_file
            record = self.get(origin_url)
            if new_path.exists():
                # The new post is in place: the old one goes, unless another article took its name.
                others = self._db.execute(
                    "SELECT 1 FROM articles WHERE file = ? AND origin_url != ?", (old_file, origin_url)
                ).fetchone()
                if old_file != new_file and others is None:
                    (output_dir / old_file).unlink(missing_ok=True)
                if record is not None and record.content_hash != _file_hash(new_path):
                    self._db.execute("UPDATE articles SET content_hash = NULL WHERE origin_url = ?", (origin_url,))
            elif record is not None and record.file == new_file and self._article_with_file(old_file) is None:
                # The new post was never written: point back at the old one, and rewrite next time.
                self._db.execute(
                    "UPDATE articles SET file = ?, content_hash = NULL WHERE origin_url = ?", (old_file, origin_url)
                )
            elif record is not None:
                self._db.execute("UPDATE articles SET content_hash = NULL WHERE origin_url = ?", (origin_url,))
            self._db.execute("DELETE FROM pending_renames WHERE id = ?", (row_id,))
            done += 1
        if done:
            logger.info("Finished %d interrupted post rename(s) in %s", done, output_dir)
        return done

    def _article_with_file(self, file: str) -> str | None:
        row = self._db.execute("SELECT origin_url FROM articles WHERE file = ?", (file,)).fetchone()
        return row[0] if row else None


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# ---------------------------------------------------------------------- rebuilding


def _posts(output_dir: Path) -> list[Path]:
    folder = output_dir / POSTS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*.md")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _record_from_post(path: Path, output_dir: Path) -> Record | None:
    try:
        data = path.read_bytes()
        meta = parse_front_matter(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        logger.warning("Skipping unreadable post %s: %s", path, exc)
        return None
    if meta is None or not isinstance(meta.get("origin_url"), str) or not isinstance(meta.get("code"), str):
        logger.info("Skipping %s: no origin_url/code in its front matter (not written by the crawler)", path)
        return None
    date = meta.get("date")
    updated = meta.get("updated")
    mtime = format_date(datetime.fromtimestamp(path.stat().st_mtime, UTC))
    return Record(
        origin_url=meta["origin_url"],
        code=meta["code"],
        file=path.relative_to(output_dir).as_posix(),
        content_hash=hashlib.sha256(data).hexdigest(),
        date=format_date(date) if isinstance(date, datetime) else (str(date) if date is not None else None),
        date_estimated=meta.get("date_estimated") is True,
        # What discovery reported when the post was written is lost with the store. The page's own
        # modification time (`updated`, when POST_OPTIONAL_FIELDS writes it) stands in for it on the
        # site's clock; otherwise the file's mtime (last_written) does, in `is_stale`.
        lastmod=format_date(updated) if isinstance(updated, datetime) else None,
        first_seen=mtime,
        last_written=mtime,
    )


def _remove_db_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def rebuild_from_posts(output_dir: str | Path, path: str | Path | None = None) -> StateStore:
    """Recreate the store of `output_dir` from the front matter of its posts, replacing any old store."""
    output_dir = Path(output_dir)
    target = Path(path) if path is not None else state_path(output_dir)
    scratch = target.with_name(f"{target.name}.rebuild-{os.getpid()}")
    _remove_db_files(scratch)
    loaded = 0
    with StateStore.open(scratch) as store, store.transaction():
        seen_codes: dict[str, str] = {}
        for post in _posts(output_dir):
            record = _record_from_post(post, output_dir)
            if record is None:
                continue
            earlier = store.get(record.origin_url)
            if earlier is not None:
                logger.warning("Two posts for %s: %s and %s; keeping %s", record.origin_url, earlier.file,
                               record.file, earlier.file)
                continue
            if record.code in seen_codes:
                logger.warning("Code %s of %s is already used by %s; skipping %s", record.code, record.file,
                               seen_codes[record.code], record.file)
                continue
            seen_codes[record.code] = record.file
            store.upsert(record)
            loaded += 1
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    scratch.replace(target)
    _remove_db_files(scratch)
    logger.info("Rebuilt the state store %s from %d post(s) in %s", target, loaded, output_dir / POSTS_DIR)
    return StateStore.open(target)


def open_state(output_dir: str | Path) -> StateStore:
    """Open the store of an output folder, rebuilding it from the posts when its file is missing,
    and finish renames a killed run left pending."""
    output_dir = Path(output_dir)
    path = state_path(output_dir)
    store = rebuild_from_posts(output_dir) if not path.exists() and _posts(output_dir) else StateStore.open(path)
    try:
        store.finish_pending(output_dir)
    except BaseException:
        store.close()
        raise
    return store
