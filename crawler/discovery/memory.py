"""What discovery remembers between runs besides the articles: URL aliases and dead URLs (SQLite).

An alias is a URL that led to an article stored under another URL (an old path that redirects, a
variant the canonical link corrects); a dead URL answered 404/410. Remembering both lets a
scheduled run skip them, so an unchanged site costs no article requests. The file sits next to the
article store (OUTPUT_DIR/.crawler/urls.sqlite) and, like it, is only a cache: deleting it costs
one extra request per alias or dead link on the next run.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from crawler.state import is_damaged

logger = logging.getLogger(__name__)

MEMORY_FILE = "urls.sqlite"
NOT_ARTICLE = 200
"""The status remembered for a candidate page that answered but holds no article (a listing, a soft 404):
like a dead link, it is not fetched again until discovery dates it later."""
_MAX_HOPS = 5
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS aliases (url TEXT PRIMARY KEY, target TEXT NOT NULL, seen TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dead (url TEXT PRIMARY KEY, status INTEGER NOT NULL, seen TEXT NOT NULL)",
)


def memory_path(output_dir: str | Path) -> Path:
    """OUTPUT_DIR/.crawler/urls.sqlite."""
    return Path(output_dir) / ".crawler" / MEMORY_FILE


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class UrlMemory:
    """URL aliases and dead URLs of one output folder. Every write is committed at once."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> UrlMemory:
        """Open or create the memory file. A damaged file is replaced (it is only a cache); a full or
        read-only disk raises (sqlite3.OperationalError) and leaves the file alone."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return cls(cls._connect(path), path)
        except sqlite3.DatabaseError as exc:
            if not is_damaged(exc):
                raise
            logger.warning("%s is damaged (%s); starting a new one", path, exc)
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            return cls(cls._connect(path), path)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            for statement in _SCHEMA:
                db.execute(statement)
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ aliases

    def resolve(self, url: str) -> str:
        """The URL an alias stands for (following chains, loop-safe), or `url` itself."""
        seen = {url}
        current = url
        for _ in range(_MAX_HOPS):
            row = self._db.execute("SELECT target FROM aliases WHERE url = ?", (current,)).fetchone()
            if row is None or row[0] in seen:
                break
            current = row[0]
            seen.add(current)
        return current

    def add_alias(self, url: str, target: str) -> bool:
        """Remember that `url` leads to `target`; returns True when that is new knowledge."""
        if url == target:
            return False
        row = self._db.execute("SELECT target FROM aliases WHERE url = ?", (url,)).fetchone()
        if row is not None and row[0] == target:
            return False
        self._db.execute(
            "INSERT INTO aliases (url, target, seen) VALUES (?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET target = excluded.target, seen = excluded.seen",
            (url, target, _now()),
        )
        return True

    # ------------------------------------------------------------------ dead URLs

    def dead_since(self, url: str) -> datetime | None:
        """When `url` was last seen dead (404/410), or None."""
        row = self._db.execute("SELECT seen FROM dead WHERE url = ?", (url,)).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def mark_dead(self, url: str, status: int) -> None:
        self._db.execute(
            "INSERT INTO dead (url, status, seen) VALUES (?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET status = excluded.status, seen = excluded.seen",
            (url, status, _now()),
        )

    def mark_alive(self, url: str) -> None:
        self._db.execute("DELETE FROM dead WHERE url = ?", (url,))

    def counts(self) -> tuple[int, int]:
        """(aliases, dead URLs) remembered."""
        aliases = self._db.execute("SELECT COUNT(*) FROM aliases").fetchone()[0]
        dead = self._db.execute("SELECT COUNT(*) FROM dead").fetchone()[0]
        return int(aliases), int(dead)
