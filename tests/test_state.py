"""The SQLite state store: records, stable codes, corruption errors, rebuild from posts, pending renames."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.state import (
    SCHEMA_VERSION,
    Record,
    StateError,
    StateStore,
    open_state,
    rebuild_from_posts,
    state_path,
)

URL_A = "https://www.phnompenhpost.com/national/a-story"
URL_B = "https://www.phnompenhpost.com/business/b-story"


def post_text(url: str, code: str, date: str = "2024-10-18T03:58:50.000Z", extra: str = "") -> str:
    return (
        f'---\nlayout: post\ncode: "{code}"\norigin_url: "{url}"\ntitle: "T: \\"x\\""\ndescription: "d"\n'
        f'category: "NATIONAL"\nlanguage: "en"\ndate: {date}\n{extra}---\n\n# T\n\nBody'
    )


def write_post(output: Path, name: str, text: str) -> Path:
    path = output / "_posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path):
    with StateStore.open(state_path(tmp_path)) as s:
        yield s


def test_open_creates_a_wal_store_with_a_schema_version(tmp_path):
    path = state_path(tmp_path)
    assert path == tmp_path / ".crawler" / "state.sqlite"
    StateStore.open(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    columns = [row[1] for row in db.execute("PRAGMA table_info(articles)")]
    db.close()
    assert columns[:10] == ["origin_url", "code", "file", "content_hash", "date", "date_estimated", "lastmod",
                            "first_seen", "last_written", "last_checked"]


def test_record_get_known(store):
    assert store.get(URL_A) is None and not store.known(URL_A) and len(store) == 0
    rec = store.record(URL_A, code="ART2410180358AAAAAA", file="_posts/2024-10-18-a-story.md", content_hash="h1",
                       date=datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC), lastmod="2024-10-19T00:00:00.000Z")
    assert store.known(URL_A) and len(store) == 1
    assert store.get(URL_A) == rec
    assert rec.date == "2024-10-18T03:58:50.000Z"
    assert rec.lastmod == "2024-10-19T00:00:00.000Z"
    assert rec.first_seen == rec.last_written == rec.last_checked
    assert rec.first_seen.endswith("Z")
    assert store.code_owner("ART2410180358AAAAAA") == URL_A
    assert store.file_owner("_posts/2024-10-18-a-story.md") == URL_A
    assert store.code_owner("nope") is None and store.file_owner("nope") is None


def test_a_known_article_keeps_its_code_and_first_seen(store):
    first = store.record(URL_A, code="ART1", file="_posts/a.md", content_hash="h1", date="2024-10-18T03:58:50.000Z",
                         lastmod="2024-10-19T00:00:00.000Z")
    again = store.record(URL_A, code="ART2", file="_posts/b.md", content_hash="h2", date="2024-10-20T00:00:00.000Z")
    assert again.code == "ART1"
    assert again.first_seen == first.first_seen
    assert (again.file, again.content_hash, again.date) == ("_posts/b.md", "h2", "2024-10-20T00:00:00.000Z")
    assert again.lastmod == "2024-10-19T00:00:00.000Z"  # not erased by an unknown lastmod


def test_touch_checked(store):
    store.record(URL_A, code="ART1", file="_posts/a.md", content_hash="h", date=None)
    store.touch_checked(URL_A, datetime(2024, 11, 1, 12, 0, tzinfo=UTC))
    rec = store.get(URL_A)
    assert rec is not None and rec.lastmod == "2024-11-01T12:00:00.000Z"
    store.touch_checked(URL_A, None)
    assert store.get(URL_A).lastmod == "2024-11-01T12:00:00.000Z"
    store.touch_checked(URL_B)  # unknown: nothing happens
    assert not store.known(URL_B)


@pytest.mark.parametrize(("code", "file"), [("ART1", "_posts/other.md"), ("ART9", "_posts/a.md")])
def test_two_articles_cannot_share_a_code_or_a_file(store, code, file):
    store.record(URL_A, code="ART1", file="_posts/a.md", content_hash="h", date=None)
    with pytest.raises(StateError, match="UNIQUE"):
        store.record(URL_B, code=code, file=file, content_hash="h", date=None)
    assert not store.known(URL_B)


def test_upsert_writes_a_record_as_given(store):
    rec = Record(URL_A, "ART1", "_posts/a.md", "h", "2024-10-18T03:58:50.000Z", True, None)
    store.upsert(rec)
    assert store.get(URL_A) == rec and rec.first_seen is not None
    rec.code = "ART2"
    store.upsert(rec)
    assert store.get(URL_A).code == "ART2"
    assert [r.origin_url for r in store.records()] == [URL_A]


def test_two_connections_see_each_others_writes(tmp_path):
    with StateStore.open(state_path(tmp_path)) as one, StateStore.open(state_path(tmp_path)) as two:
        one.record(URL_A, code="ART1", file="_posts/a.md", content_hash="h", date=None)
        assert two.known(URL_A)


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_corrupt_store_gives_a_clear_error_naming_the_file_and_the_fix(tmp_path, content):
    path = state_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(StateError) as info:
        StateStore.open(path)
    message = str(info.value)
    assert str(path) in message
    assert "delete" in message and "rebuilt from the posts" in message
    assert str(tmp_path / "_posts") in message


def test_a_store_from_a_newer_version_is_refused(tmp_path):
    path = state_path(tmp_path)
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StateError, match="newer version"):
        StateStore.open(path)


def test_rebuild_from_posts_recreates_every_record(tmp_path):
    a = write_post(tmp_path, "2024-10-18-a-story.md", post_text(URL_A, "ART2410180358AAAAAA"))
    b = write_post(tmp_path, "2024/2024-10-19-b-story.md",
                   post_text(URL_B, "ART2410190000BBBBBB", "2024-10-19T00:00:00.000Z", "date_estimated: true\n"))
    write_post(tmp_path, "2024-01-01-hand-written.md", "---\nlayout: post\ntitle: About\n---\nhello")
    write_post(tmp_path, "2024-01-02-no-front-matter.md", "just text")
    write_post(tmp_path, ".n2j-tmp-1-ab-2024-10-18-a-story.md", post_text("https://x.example/tmp", "ART3"))
    write_post(tmp_path, "2024-01-03-broken.md", '---\ntitle: "unclosed\n---\n')
    (tmp_path / "_posts" / "2024-01-04-binary.md").write_bytes(b"---\n\xff\xfe\n---\n")

    with rebuild_from_posts(tmp_path) as store:
        records = {r.origin_url: r for r in store.records()}
        assert set(records) == {URL_A, URL_B}
        ra, rb = records[URL_A], records[URL_B]
        assert (ra.code, ra.file, ra.date, ra.date_estimated) == (
            "ART2410180358AAAAAA", "_posts/2024-10-18-a-story.md", "2024-10-18T03:58:50.000Z", False)
        assert ra.content_hash == hashlib.sha256(a.read_bytes()).hexdigest()
        assert (rb.file, rb.date_estimated) == ("_posts/2024/2024-10-19-b-story.md", True)
        assert rb.content_hash == hashlib.sha256(b.read_bytes()).hexdigest()


def test_a_rebuilt_record_dates_its_copy_by_the_posts_updated_key_else_by_the_files_mtime(tmp_path):
    """What discovery reported at the write is gone with the store: the page's own modification time,
    when the post shows it, stands in on the site's clock; otherwise the file's mtime does. A sitemap
    date after the page's `updated` is then a change even when the file was copied later."""
    from crawler.spiders.site import is_stale

    a = write_post(tmp_path, "2024-10-18-a.md", post_text(URL_A, "ART1", extra="updated: 2024-10-18T05:00:00.000Z\n"))
    b = write_post(tmp_path, "2024-10-18-b.md", post_text(URL_B, "ART2"))
    copied = datetime(2024, 10, 25, tzinfo=UTC).timestamp()  # a restored backup: mtimes a week late
    for path in (a, b):
        os.utime(path, (copied, copied))
    with rebuild_from_posts(tmp_path) as store:
        ra, rb = store.get(URL_A), store.get(URL_B)
    assert (ra.lastmod, ra.last_written) == ("2024-10-18T05:00:00.000Z", "2024-10-25T00:00:00.000Z")
    assert (rb.lastmod, rb.last_written) == (None, "2024-10-25T00:00:00.000Z")
    edited = datetime(2024, 10, 20, tzinfo=UTC)  # after the copy we have, before the files' mtime
    assert is_stale(edited, ra) and not is_stale(edited, rb)
    assert not is_stale(datetime(2024, 10, 18, 5, tzinfo=UTC), ra)


def test_write_ahead_unfinished_and_restored_hashes(store):
    announced = store.announce(URL_A, code="ART1", file="_posts/a.md", date="2024-10-18T03:58:50.000Z")
    assert (announced.content_hash, announced.last_written, announced.first_seen is not None) == (None, None, True)
    store.record(URL_B, code="ART2", file="_posts/b.md", content_hash="h", date=None)
    assert store.unfinished() == [URL_A]
    store.set_content_hash(URL_B, None)
    assert store.unfinished() == [URL_B, URL_A]
    store.set_content_hash(URL_B, "h")
    written = store.record(URL_A, code="ART1", file="_posts/a.md", content_hash="x", date=None)
    assert written.last_written is not None and store.unfinished() == []
    with pytest.raises(StateError):
        store.announce(URL_B, code="ART3", file="_posts/b3.md", date=None)  # only a new article is announced


def test_rebuild_keeps_one_post_per_article_and_per_code(tmp_path, caplog):
    write_post(tmp_path, "2024-10-18-a.md", post_text(URL_A, "ART1"))
    write_post(tmp_path, "2024-10-18-a-2.md", post_text(URL_A, "ART1"))
    write_post(tmp_path, "2024-10-18-b.md", post_text(URL_B, "ART1"))
    with rebuild_from_posts(tmp_path) as store:
        assert [(r.origin_url, r.file) for r in store.records()] == [(URL_A, "_posts/2024-10-18-a-2.md")]
    assert "Two posts for" in caplog.text and "already used by" in caplog.text


def test_rebuild_replaces_an_existing_store(tmp_path):
    with open_state(tmp_path) as store:
        store.record(URL_B, code="ARTOLD", file="_posts/gone.md", content_hash="h", date=None)
    write_post(tmp_path, "2024-10-18-a.md", post_text(URL_A, "ART1"))
    with rebuild_from_posts(tmp_path) as store:
        assert [r.origin_url for r in store.records()] == [URL_A]
    assert sorted(p.name for p in (tmp_path / ".crawler").iterdir() if "rebuild" in p.name) == []


def test_open_state_rebuilds_a_missing_store_when_posts_exist(tmp_path):
    write_post(tmp_path, "2024-10-18-a.md", post_text(URL_A, "ART2410180358AAAAAA"))
    with open_state(tmp_path) as store:
        assert store.get(URL_A).code == "ART2410180358AAAAAA"
    state_path(tmp_path).unlink()
    with open_state(tmp_path) as store:  # deleted by the user: rebuilt again
        assert store.get(URL_A).code == "ART2410180358AAAAAA"


def test_open_state_without_posts_starts_empty(tmp_path):
    with open_state(tmp_path) as store:
        assert len(store) == 0
    assert state_path(tmp_path).is_file()


# ---------------------------------------------------------------------- renames interrupted at every step


def _renaming_store(tmp_path: Path) -> tuple[StateStore, Path, Path]:
    store = open_state(tmp_path)
    old = write_post(tmp_path, "2024-10-18-old-title.md", post_text(URL_A, "ART1"))
    store.record(URL_A, code="ART1", file="_posts/2024-10-18-old-title.md",
                 content_hash=hashlib.sha256(old.read_bytes()).hexdigest(), date=None)
    return store, old, tmp_path / "_posts" / "2024-10-18-new-title.md"


def test_rename_completed_after_the_new_file_was_written(tmp_path):
    store, old, new = _renaming_store(tmp_path)
    new_text = post_text(URL_A, "ART1", extra="")
    pending = store.begin_rename(URL_A, "_posts/2024-10-18-new-title.md",
                                 content_hash=hashlib.sha256(new_text.encode()).hexdigest(), date=None)
    assert (pending.old_file, pending.new_file) == ("_posts/2024-10-18-old-title.md", "_posts/2024-10-18-new-title.md")
    assert store.file_owner("_posts/2024-10-18-old-title.md") == URL_A  # still reserved while pending
    new.write_text(new_text, encoding="utf-8")
    store.close()  # killed here: the old file is still on disk
    with open_state(tmp_path) as reopened:
        assert not old.exists() and new.exists()
        assert reopened.pending_renames() == []
        rec = reopened.get(URL_A)
        assert rec.file == "_posts/2024-10-18-new-title.md"
        assert rec.content_hash == hashlib.sha256(new.read_bytes()).hexdigest()


def test_rename_undone_when_the_new_file_was_never_written(tmp_path):
    store, old, new = _renaming_store(tmp_path)
    store.begin_rename(URL_A, "_posts/2024-10-18-new-title.md", content_hash="whatever", date=None)
    store.close()  # killed before the new file existed
    with open_state(tmp_path) as reopened:
        assert old.exists() and not new.exists()
        rec = reopened.get(URL_A)
        assert rec.file == "_posts/2024-10-18-old-title.md"
        assert rec.content_hash is None  # the next scrape rewrites it
        assert reopened.pending_renames() == []


def test_rename_with_a_stale_new_file_forces_a_rewrite(tmp_path):
    store, old, new = _renaming_store(tmp_path)
    store.begin_rename(URL_A, "_posts/2024-10-18-new-title.md", content_hash="expected-hash", date=None)
    new.write_text("stale leftover", encoding="utf-8")
    assert store.finish_pending(tmp_path) == 1
    assert not old.exists()
    assert store.get(URL_A).content_hash is None
    store.close()


def test_rename_of_an_unknown_article_is_refused(store):
    with pytest.raises(StateError, match="unknown article"):
        store.begin_rename(URL_B, "_posts/x.md", content_hash=None, date=None)
    assert store.pending_renames() == []


def test_a_failed_transaction_writes_nothing(store):
    with pytest.raises(StateError), store.transaction():
        store.record(URL_A, code="ART1", file="_posts/a.md", content_hash="h", date=None)
        store.record(URL_B, code="ART1", file="_posts/b.md", content_hash="h", date=None)  # duplicate code
    assert len(store) == 0
    with store.transaction():
        store.record(URL_A, code="ART1", file="_posts/a.md", content_hash="h", date=None)
    assert store.known(URL_A)
