"""Where archived pictures are remembered and written: the state store's images table (and its upgrade from
a store written before the archive), and the local store's atomic writes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from crawler.exporters import TEMP_PREFIX
from crawler.pipelines.imagefiles import AtomicFSFilesStore
from crawler.state import SCHEMA_VERSION, StateStore, state_path
from tests.conftest import REPLICA

URL = "https://www.phnompenhpost.com/national/asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts"
PICTURE = "https://pppenglish.sgp1.digitaloceanspaces.com/image/main/202410/18_10_2024_img_3946.jpg"
JPEG = (REPLICA / "images" / "pppenglish" / "18_10_2024_img_3946.jpg").read_bytes()

#: The schema of version 1 (before the image archive), as earlier releases created it.
SCHEMA_1 = """
CREATE TABLE articles (
    origin_url TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, file TEXT NOT NULL UNIQUE, content_hash TEXT,
    date TEXT, date_estimated INTEGER NOT NULL DEFAULT 0, lastmod TEXT, first_seen TEXT NOT NULL,
    last_written TEXT, last_checked TEXT
);
CREATE TABLE pending_renames (
    id INTEGER PRIMARY KEY AUTOINCREMENT, origin_url TEXT NOT NULL, old_file TEXT NOT NULL, new_file TEXT NOT NULL
);
"""


def test_a_store_from_before_the_archive_is_upgraded_in_place_and_keeps_its_articles(tmp_path):
    path = state_path(tmp_path)
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_1)
    db.execute("INSERT INTO articles (origin_url, code, file, content_hash, first_seen) VALUES (?, ?, ?, ?, ?)",
               (URL, "ART24101803585MDZE8", "_posts/2024-10-18-asean.md", "ab" * 32, "2024-10-18T04:00:00.000Z"))
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with StateStore.open(path) as store:
        record = store.get(URL)
        assert record is not None and record.code == "ART24101803585MDZE8" and record.content_hash == "ab" * 32
        assert record.images_missing == 0
        assert store.image(PICTURE) is None
        store.record(URL, code=record.code, file=record.file, content_hash="cd" * 32, date=None, images_missing=2)
        assert store.get(URL).images_missing == 2  # type: ignore[union-attr]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    db.close()


def test_a_store_of_version_2_gains_the_retry_count_and_keeps_its_missing_pictures(tmp_path):
    path = state_path(tmp_path)
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_1)
    db.execute("ALTER TABLE articles ADD COLUMN images_missing INTEGER NOT NULL DEFAULT 0")
    db.execute("INSERT INTO articles (origin_url, code, file, content_hash, first_seen, last_checked, images_missing) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)", (URL, "ART1", "_posts/a.md", "ab" * 32, "2024-10-18T04:00:00.000Z",
                                                "2024-10-18T04:00:00.000Z", 1))
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    with StateStore.open(path) as store:
        record = store.get(URL)
        assert record is not None and (record.images_missing, record.images_tries) == (1, 0)
        assert record.images_retry_due(datetime.now(UTC), 3600, 86400)  # retried by the next run, as before


def test_missing_pictures_are_retried_by_the_next_run_then_ever_less_often(tmp_path):
    base, cap = 3600.0, 4 * 3600.0
    with StateStore.open(state_path(tmp_path)) as store:
        record = store.record(URL, code="ART1", file="_posts/a.md", content_hash="h", date=None, images_missing=1)
        assert record.images_tries == 1
        assert record.images_retry_due(datetime.now(UTC), base, cap)  # the next run tries again
        waits = []
        for _ in range(5):  # each scheduled fetch that leaves the picture missing (post unchanged)
            store.touch_checked(URL, images_missing=1)
            record = store.get(URL)
            assert record is not None
            checked = datetime.fromisoformat(record.last_checked or "")
            assert not record.images_retry_due(checked + timedelta(seconds=base / 2), base, cap)
            waits.append(next(hours for hours in range(1, 10)
                              if record.images_retry_due(checked + timedelta(hours=hours), base, cap)))
        assert waits == [1, 2, 4, 4, 4]  # doubling, up to the cap
        store.touch_checked(URL, images_missing=0)  # the last picture was stored (or the post no longer shows it)
        record = store.get(URL)
        assert record is not None and (record.images_missing, record.images_tries) == (0, 0)
        assert not record.images_retry_due(datetime.now(UTC) + timedelta(days=30), base, cap)
        store.record(URL, code="ART1", file="_posts/a.md", content_hash="h2", date=None, images_missing=2)
        assert store.get(URL).images_tries == 1  # type: ignore[union-attr]  # a new streak starts at once


def test_the_store_maps_each_original_url_to_its_copy_or_to_why_it_has_none(tmp_path):
    with StateStore.open(state_path(tmp_path)) as store:
        store.image_failed(PICTURE, "http_404")
        failed = store.image(PICTURE)
        assert failed is not None and (failed.path, failed.failure) == (None, "http_404")
        store.image_archived(PICTURE, "93/93aa.jpg", "0f" * 16)
        archived = store.image(PICTURE)
        assert archived is not None and (archived.path, archived.checksum, archived.failure) == (
            "93/93aa.jpg", "0f" * 16, None)
        assert archived.first_seen == failed.first_seen
        store.image_failed(PICTURE, "timeout")  # the copy went missing and the download failed: no copy
        assert store.image(PICTURE).path is None  # type: ignore[union-attr]
        record = store.record(URL, code="ART1", file="_posts/a.md", content_hash="h", date=None)
        assert record.images_missing == 0


def test_a_picture_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    store = AtomicFSFilesStore(str(tmp_path / "img"))
    store.write("93/93aa.jpg", JPEG)
    assert (tmp_path / "img" / "93" / "93aa.jpg").read_bytes() == JPEG

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        store.write("5c/5cbb.jpg", JPEG)
    assert sorted(p.name for p in (tmp_path / "img" / "5c").iterdir()) == []  # no partial file, no temp file


def test_temp_files_of_a_killed_run_are_removed_when_the_store_opens(tmp_path):
    folder = tmp_path / "img" / "93"
    folder.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = folder / f"{TEMP_PREFIX}{int(dead.stdout)}-0a1b2c3d-93aa.jpg"
    leftover.write_bytes(JPEG[:100])  # what a kill -9 in the middle of a write leaves
    kept = folder / "93aa.jpg"
    kept.write_bytes(JPEG)
    AtomicFSFilesStore(str(tmp_path / "img"))
    assert sorted(p.name for p in folder.iterdir()) == ["93aa.jpg"]
    assert kept.read_bytes() == JPEG

