"""Post exporter (atomic files), leftover temp files, the run feed (lines, file name, durability, torn lines)
and real runs writing posts, the run feed and a user's own Scrapy feed."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from scrapy.exporters import JsonLinesItemExporter

from crawler import exporters
from crawler.exporters import (
    FEED_FIELDS,
    TEMP_PREFIX,
    JekyllPostExporter,
    RunFeed,
    clean_temp_files,
    feed_file_name,
    feed_line,
    repair_feeds,
    write_atomic,
)
from crawler.extensions.summary import stats_file_name
from crawler.items import Article
from crawler.posts.frontmatter import split_front_matter
from crawler.posts.render import render_content
from tests.conftest import ROOT

URL = "https://www.phnompenhpost.com/lifestyle/kampots-salt-pepper-festival-returns-kampotfest-expects-20000-visitors"


def article(**changes) -> Article:
    values = {
        "url": URL, "origin_url": URL,
        "title": 'Kampot\'s "Salt & Pepper" festival returns: #KampotFest expects 20,000 visitors',
        "description": "Organisers expect 20,000 visitors: {{ not liquid here }} — “quoted” & more",
        "image": "https://pppenglish.sgp1.digitaloceanspaces.com/image/main/202410/kampot.jpg",
        "image_caption": "Salt fields near Kampot town. Supplied",
        "body": "The festival returns.\u00a0\n\n**Programme**\n\nMusic {% raw %} and food.",
        "category": "LIFESTYLE", "language": "en", "authors": ["Post Staff"],
        "date": datetime(2024, 10, 19, 9, 45, 5, tzinfo=UTC), "code": "ART2410190945ABC123",
        "file": "_posts/2024-10-19-kampots-salt-pepper-festival-returns-kampotfest-expects-20000-visitors.md",
    }
    values.update(changes)
    return Article(**values)


def test_round_trip_render_write_load(tmp_path):
    exporter = JekyllPostExporter(tmp_path)
    exporter.start_exporting()
    item = article()
    path = exporter.write_item(item)
    assert path == tmp_path / item.file
    text = path.read_bytes().decode("utf-8")
    front, content = split_front_matter(text)
    assert yaml.safe_load(front) == {
        "layout": "post", "code": item.code, "origin_url": URL, "image": item.image, "title": item.title,
        "description": item.description, "category": "LIFESTYLE", "language": "en", "date": item.date,
        "author": "Post Staff", "render_with_liquid": False,
    }
    assert content == render_content(item)
    assert not text.endswith("\n")
    assert [p.name for p in (tmp_path / "_posts").iterdir()] == [Path(item.file).name]


def test_export_item_names_the_file_when_the_item_has_none(tmp_path):
    exporter = JekyllPostExporter(tmp_path, optional_fields=())
    path = exporter.write_item(article(file=None))
    assert path.relative_to(tmp_path).as_posix() == (
        "_posts/2024-10-19-kampots-salt-pepper-festival-returns-kampotfest-expects-20000-visitors.md")
    assert "author:" not in path.read_text(encoding="utf-8")


def test_export_item_accepts_dict_items(tmp_path):
    item = vars(article())
    path = JekyllPostExporter(tmp_path).write_item(dict(item))
    assert path.read_text(encoding="utf-8").startswith("---\nlayout: post\n")
    path.unlink()
    JekyllPostExporter(tmp_path).export_item(dict(item))  # the BaseItemExporter entry point
    assert path.read_text(encoding="utf-8").startswith("---\nlayout: post\n")


@pytest.mark.parametrize("file", ["../x.md", "/tmp/x.md", "_posts/../../x.md", "other/x.md", "_posts/.hidden.md",
                                  "_posts", "_posts/../_posts/x.md"])
def test_post_paths_outside_posts_are_refused(tmp_path, file):
    with pytest.raises(ValueError, match="refusing"):
        JekyllPostExporter(tmp_path).write_post(file, "x")
    assert not any(tmp_path.rglob("x.md"))


def _fail_on(monkeypatch, name: str, target) -> None:
    def boom(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(target, name, boom)


@pytest.mark.parametrize(("target", "name"), [(os, "fsync"), (Path, "replace")])
def test_a_failure_mid_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch, target, name):
    path = tmp_path / "post.md"
    path.write_bytes(b"old content")
    before = path.stat()
    _fail_on(monkeypatch, name, target)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, b"new content that never lands")
    monkeypatch.undo()
    assert path.read_bytes() == b"old content"
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post.md"]


def test_a_failure_while_writing_bytes_leaves_no_temp_file(tmp_path, monkeypatch):
    real_fdopen = os.fdopen

    class Exploding:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[:3])
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(exporters.os, "fdopen", lambda fd, mode: Exploding(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="Input/output"):
        write_atomic(tmp_path / "new.md", b"abcdef")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_content(tmp_path):
    path = tmp_path / "post.md"
    path.write_bytes(b"old")
    write_atomic(path, "nouveau – ភ្នំពេញ".encode())
    assert path.read_text(encoding="utf-8") == "nouveau – ភ្នំពេញ"
    assert [p.name for p in tmp_path.iterdir()] == ["post.md"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftover_temp_files_are_cleaned_on_start(tmp_path):
    posts = tmp_path / "_posts"
    posts.mkdir()
    dead = posts / f"{TEMP_PREFIX}{_dead_pid()}-0a1b2c3d-2024-10-18-x.md"
    live = posts / f"{TEMP_PREFIX}{os.getpid()}-0a1b2c3d-2024-10-18-y.md"
    old_live = posts / f"{TEMP_PREFIX}{os.getpid()}-ffff0000-2024-10-18-z.md"
    odd = posts / f"{TEMP_PREFIX}garbage"
    keep = [posts / ".gitkeep", posts / "2024-10-18-real.md"]
    for path in (dead, live, old_live, odd, *keep):
        path.write_text("x")
    os.utime(old_live, (0, 0))
    JekyllPostExporter(tmp_path).start_exporting()
    assert sorted(p.name for p in posts.iterdir()) == sorted([live.name, *(p.name for p in keep)])
    assert clean_temp_files(tmp_path / "missing") == 0


# ---------------------------------------------------------------------- the run feed


class ScrapyFeedExporter(JsonLinesItemExporter):
    """What wrote the feed before (a Scrapy feed export): the format the run feed must keep."""

    def serialize_field(self, field, name, value):
        if isinstance(value, datetime):
            return exporters.format_date(value)
        return super().serialize_field(field, name, value)


def scrapy_feed_line(item: Article) -> bytes:
    buffer = BytesIO()
    exporter = ScrapyFeedExporter(buffer, fields_to_export=list(FEED_FIELDS), encoding="utf-8")
    exporter.start_exporting()
    exporter.export_item(item)
    exporter.finish_exporting()
    return buffer.getvalue()


def test_a_feed_line_has_the_fields_in_order_with_post_style_dates():
    line = feed_line(article(status="new", content_hash="ab" * 32, image=None)).decode("utf-8")
    assert line.endswith("\n") and line.count("\n") == 1
    data = json.loads(line)
    assert list(data) == ["code", "status", "origin_url", "file", "title", "description", "date", "category",
                          "language", "image", "image_origin", "authors", "content_hash"]
    assert data["date"] == "2024-10-19T09:45:05.000Z"
    assert data["image"] is None and data["image_origin"] is None and data["authors"] == ["Post Staff"]
    assert "body" not in data
    assert "“quoted”" in line  # UTF-8, not \u escapes


def test_a_feed_line_keeps_the_original_url_of_an_archived_lead_image():
    original = "https://pppenglish.sgp1.digitaloceanspaces.com/image/main/202410/kampot.jpg"
    archived = "/assets/img/3f/3f9a.jpg"
    data = json.loads(feed_line(article(status="new", image=archived, image_origin=original)))
    assert (data["image"], data["image_origin"]) == (archived, original)
    not_archived = json.loads(feed_line(article(status="new", image=original)))
    assert (not_archived["image"], not_archived["image_origin"]) == (original, None)


@pytest.mark.parametrize("changes", [
    {"status": "new", "content_hash": "ab" * 32},
    {"status": "updated", "image": None, "authors": [], "description": None, "title": "ភ្នំពេញ \"quoted\" \\ tab\t"},
    {"status": "new", "date": datetime(2024, 10, 19, 2, 45, 5, 123456, tzinfo=UTC), "language": None},
    {"status": "new", "image": "/assets/img/3f/3f9a.jpg", "image_origin": "https://cdn.example/a.jpg"},
])
def test_feed_lines_are_byte_for_byte_what_the_scrapy_feed_export_wrote(changes):
    item = article(**changes)
    assert feed_line(item) == scrapy_feed_line(item)
    assert feed_line(dict(vars(item))) == feed_line(item)  # dict items too


def test_feed_file_name_is_the_spider_and_the_utc_time_stamp_of_the_stats_file():
    started = datetime(2024, 10, 18, 10, 58, 50, 987654, tzinfo=timezone(timedelta(hours=7)))
    assert feed_file_name("phnompenhpost", started) == "phnompenhpost-20241018T035850Z.jsonl"
    assert stats_file_name("phnompenhpost", started) == "phnompenhpost-20241018T035850Z.json"


def test_the_run_feed_is_created_on_the_first_line_and_appends(tmp_path):
    folder = tmp_path / "out" / "_feeds"
    feed = RunFeed(folder, "site-2024-10-18T03-58-50+00-00.jsonl")
    assert not folder.exists()  # nothing written, no file (not even the folder)
    feed.close()
    assert not folder.exists()
    first, second = article(status="new"), article(status="updated", title="Second")
    feed.append(first)
    assert feed.path.read_bytes() == feed_line(first)  # on disk as soon as append returns
    assert sorted(p.name for p in folder.iterdir()) == [feed._marker.name, feed.path.name]
    assert re.fullmatch(rf"\.{re.escape(feed.path.name)}\.{os.getpid()}-[0-9a-f]{{8}}\.open", feed._marker.name)
    feed.append(second)
    again = RunFeed(folder, feed.path.name)  # a run started in the same second: appends, never replaces,
    again.append(first)  # and two writers share the file's lock
    again.close()
    feed.close()
    assert feed.path.read_bytes() == feed_line(first) + feed_line(second) + feed_line(first)
    assert (feed.lines, again.lines) == (2, 1)
    assert [p.name for p in folder.iterdir()] == [feed.path.name]  # closed: no marker left


def test_a_feed_line_the_disk_refuses_leaves_no_torn_line(tmp_path, monkeypatch):
    feed = RunFeed(tmp_path, "site.jsonl")
    feed.append(article(status="new"))
    before = feed.path.read_bytes()
    real_write = os.write

    def half_then_full_disk(fd, data):
        if fd == feed._fd and len(data) > 10:
            return real_write(fd, bytes(data[:10]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(exporters.os, "write", half_then_full_disk)
    with pytest.raises(OSError, match="No space left"):
        feed.append(article(status="updated"))
    monkeypatch.undo()
    feed.close()
    assert feed.path.read_bytes() == before and feed.lines == 1


def killed_feed(folder: Path, name: str, data: bytes) -> Path:
    """A feed as a killed run leaves it: its `.open` marker still beside it."""
    path = folder / name
    path.write_bytes(data)
    (folder / f".{name}.4242-0a1b2c3d.open").touch()
    return path


def test_repair_cuts_the_torn_last_line_of_killed_runs_only(tmp_path, caplog):
    folder = tmp_path / "_feeds"
    folder.mkdir()
    line = feed_line(article(status="new"))
    torn = killed_feed(folder, "site-a.jsonl", line + line[:40])
    only_torn = killed_feed(folder, "site-b.jsonl", line[:-1])  # killed before its first newline
    whole = killed_feed(folder, "site-c.jsonl", line + line)  # killed between two lines
    os.utime(whole, (0, 0))
    closed = folder / "site-d.jsonl"  # no marker: not a feed a killed run left; never touched
    closed.write_bytes(line[:-1])
    (folder / ".site-e.jsonl.4243-0a1b2c3d.open").touch()  # killed before its first line was written
    live = RunFeed(folder, "site-f.jsonl")  # a run still writing: its half-written line is not a torn one
    live.append(article(status="new"))
    with live.path.open("ab") as fh:
        fh.write(line[:30])

    assert repair_feeds(folder) == 2
    assert torn.read_bytes() == line
    assert only_torn.read_bytes() == b""
    assert whole.read_bytes() == line + line and whole.stat().st_mtime == 0
    assert closed.read_bytes() == line[:-1]
    assert live.path.read_bytes() == line + line[:30]
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == [live._marker.name]
    assert [r.levelname for r in caplog.records if "incomplete last line" in r.getMessage()] == ["WARNING"] * 2

    os.close(live._fd)  # the live run is killed: its lock goes, its marker stays
    live._fd = None
    assert repair_feeds(folder) == 1
    assert live.path.read_bytes() == line
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
    assert repair_feeds(folder) == 0 and repair_feeds(tmp_path / "missing") == 0


SPIDER = '''
from datetime import datetime, timezone
import scrapy
from crawler.items import Article


class FeedCheckSpider(scrapy.Spider):
    name = "feedcheck"

    async def start(self):
        for slug, title, published in [
            ("first-story", "First story", datetime(2024, 10, 18, 10, 58, 50)),
            ("second-story", "Second story", datetime(2024, 10, 19, 7, 0, 0)),
        ]:
            yield Article(url="https://www.phnompenhpost.com/national/" + slug, title=title,
                          body=TITLE_BODY + title, published=published, site="phnompenhpost",
                          authors=["Post Staff"])
        yield Article(url="https://www.phnompenhpost.com/national", page_type="listing")
'''


def _run_spider(tmp_path: Path, output: Path, body: str, *extra: str) -> subprocess.CompletedProcess[str]:
    spider = tmp_path / "feedcheck_spider.py"
    spider.write_text(SPIDER.replace("TITLE_BODY", repr(body)), encoding="utf-8")
    overrides = {
        "OUTPUT_DIR": str(output), "SPIDER_LOADER_CLASS": "scrapy.spiderloader.SpiderLoader", "SPIDER_MODULES": "",
        "EXTENSIONS": "{}", "LOG_LEVEL": "INFO", "ROBOTSTXT_OBEY": "False",
    }
    args = [arg for key, value in overrides.items() for arg in ("-s", f"{key}={value}")] + list(extra)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scrapy", "runspider", str(spider), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_real_run_writes_posts_and_a_feed_of_what_it_wrote(tmp_path):
    """`scrapy runspider` with the project settings: pipelines, post files, the run feed of what was written."""
    output = tmp_path / "out"
    first = _run_spider(tmp_path, output, "Body of ")
    assert first.returncode == 0, first.stderr
    posts = sorted(p.relative_to(output).as_posix() for p in (output / "_posts").iterdir())
    assert posts == ["_posts/2024-10-18-first-story.md", "_posts/2024-10-19-second-story.md"]
    feeds = list((output / "_feeds").iterdir())
    assert len(feeds) == 1 and re.fullmatch(r"feedcheck-\d{8}T\d{6}Z\.jsonl", feeds[0].name)
    lines = [json.loads(line) for line in feeds[0].read_text(encoding="utf-8").splitlines()]
    assert [(d["status"], d["file"]) for d in lines] == [("new", p) for p in posts]
    assert lines[0]["date"] == "2024-10-18T03:58:50.000Z"  # naive page time in Asia/Phnom_Penh
    assert lines[0]["category"] == "NATIONAL" and lines[0]["description"] == "Body of First story"
    assert "Dropped https://www.phnompenhpost.com/national: listing" in first.stderr
    mtimes = {p: (output / p).stat().st_mtime_ns for p in posts}
    os.utime(feeds[0], (0, 0))

    second = _run_spider(tmp_path, output, "Body of ")  # nothing changed: no rewrite, no feed file
    assert second.returncode == 0, second.stderr
    assert {p: (output / p).stat().st_mtime_ns for p in posts} == mtimes
    assert list((output / "_feeds").iterdir()) == feeds
    assert "'articles/unchanged': 2" in second.stderr

    third = _run_spider(tmp_path, output, "New body of ")
    assert third.returncode == 0, third.stderr
    newest = max((output / "_feeds").iterdir(), key=lambda p: p.stat().st_mtime)
    statuses = [json.loads(line)["status"] for line in newest.read_text(encoding="utf-8").splitlines()]
    assert statuses == ["updated", "updated"]


def test_a_users_own_scrapy_feed_comes_next_to_the_run_feed_which_can_move(tmp_path):
    """`-O`/`-o` are ordinary Scrapy feeds of every item; the run feed is not one of them, so it stays
    (in POST_FEED_DIR here) and still lists only what the run wrote."""
    output, feeds, mine = tmp_path / "out", tmp_path / "feeds", tmp_path / "items.jsonl"
    run = _run_spider(tmp_path, output, "Body of ", "-O", str(mine), "-s", f"POST_FEED_DIR={feeds}")
    assert run.returncode == 0, run.stderr
    items = [json.loads(line) for line in mine.read_text(encoding="utf-8").splitlines()]
    assert sorted(item["file"] for item in items) == ["_posts/2024-10-18-first-story.md",
                                                        "_posts/2024-10-19-second-story.md"]
    assert all(item["body"].startswith("Body of ") for item in items)  # the whole item, as Scrapy exports it
    [run_feed] = feeds.iterdir()
    assert sorted(json.loads(line)["file"] for line in run_feed.read_text(encoding="utf-8").splitlines()) == \
        sorted(item["file"] for item in items)
    assert not (output / "_feeds").exists()
    assert f"Run feed: 2 post(s) listed in {run_feed}" in run.stderr


FAILING_SPIDER = '''
import shutil
from datetime import datetime
from pathlib import Path
import scrapy
from crawler.items import Article


def story(i):
    return Article(url=f"https://www.phnompenhpost.com/national/story-{i}", title=f"Story {i}", body="Body.",
                   published=datetime(2024, 10, 18, 10, 0), site="phnompenhpost")


class FeedCheckSpider(scrapy.Spider):
    name = "feedcheck"
    start_urls = ["data:,first"]  # items from callbacks, as in a real crawl (no network)

    def parse(self, response):
        yield story(0)
        yield scrapy.Request("data:,second", callback=self.parse_second)

    def parse_second(self, response):
        posts = Path(self.settings["OUTPUT_DIR"]) / "_posts"
        shutil.rmtree(posts)  # the disk goes away under the run: _posts becomes a file
        posts.write_text("not a folder")
        yield story(1)
        yield story(2)
'''


def test_a_write_error_closes_a_real_run_with_output_error(tmp_path):
    output = tmp_path / "out"
    spider = tmp_path / "feedcheck_spider.py"
    spider.write_text(FAILING_SPIDER, encoding="utf-8")
    overrides = {"OUTPUT_DIR": str(output), "SPIDER_LOADER_CLASS": "scrapy.spiderloader.SpiderLoader",
                 "SPIDER_MODULES": "", "EXTENSIONS": "{}", "LOG_LEVEL": "INFO", "ROBOTSTXT_OBEY": "False"}
    args = [arg for key, value in overrides.items() for arg in ("-s", f"{key}={value}")]
    proc = subprocess.run([sys.executable, "-m", "scrapy", "runspider", str(spider), *args], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60,
                          check=False)
    assert "Closing spider (output_error)" in proc.stderr, proc.stderr
    assert "'finish_reason': 'output_error'" in proc.stderr
    assert "'posts/write_errors': 1" in proc.stderr
    assert re.search(r"ERROR: Cannot write post .*_posts/2024-10-18-story-1\.md: ", proc.stderr), proc.stderr[-3000:]
    feed = next((output / "_feeds").iterdir())
    assert [json.loads(line)["file"] for line in feed.read_text(encoding="utf-8").splitlines()] == [
        "_posts/2024-10-18-story-0.md"]
