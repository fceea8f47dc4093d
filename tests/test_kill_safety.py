"""Nothing lost: SIGKILL at random moments while posts are written and renamed, a disk that refuses
writes, a deleted state store.

What "the state store agrees with the posts" means here, precisely:

* after a completed run (strict): no pending renames and no temporary files; the records' files and
  the visible post files are the same set; each record's file has the record's origin_url and code
  in its front matter and the record's content_hash is the SHA-256 of the file, or None when the
  last write of that post was interrupted (the next run must fetch and rewrite it); no two posts
  share an origin_url or a code.
* right after a SIGKILL (before the next run repairs anything): every visible post is complete and
  valid and has a record: it is its record's file, or the old file of a pending rename (the only
  case of two posts of one article, until the next run completes the rename). Every
  record's file exists with the record's origin_url and code, unless its write was cut short: a
  pending rename points the record at a file not written yet, or a new record has no content_hash
  yet (the store hears of a file before it is written). Temporary files are dot files (Jekyll
  ignores them) and a run that got as far as writing removes those of runs killed before it.

And what "the feeds lose nothing" means (at-least-once delivery): once a run completes, every line of
every feed in OUTPUT_DIR/_feeds is whole JSON (a killed run's torn last line is cut, and no feed is
left marked open), and for every post file the union of all feeds has a line with its origin_url,
file and the SHA-256 of its final version. A post may be listed twice (a run killed after its line,
before its store record), never not at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.exporters import TEMP_PREFIX
from crawler.state import state_path
from tests.bench.crawl import PROFILE, ArticlePages, Site
from tests.conftest import ROOT, run_scrapy
from tests.crawl_helpers import FAST, ORIGINAL_IMAGES, last_stats, start_crawl, stop
from tests.replay_server import ReplayServer

pytestmark = pytest.mark.e2e

SIZE = 200
SMALL = 40
VERSIONS = 3
ROUNDS_PER_VERSION = 4
START = datetime(2024, 1, 1, tzinfo=UTC)
LAST_PARAGRAPH = ("He also noted that the MPTC would continue to work closely with other ministries and institutions "
                  "to explore cooperation opportunities across different sectors.")
"""The article template's last paragraph: a post ending with it was written whole."""
FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n", re.S)


# ---------------------------------------------------------------------------- a site that changes


class ChangingSite:
    """The benchmark's generated site, in versions: from version 1 on, a quarter of the articles get a
    new title in each version (their posts are renamed) and another quarter new text (updated in
    place), with a sitemap lastmod one day later per version that changed them."""

    def __init__(self, size: int, *, titles: bool = True, texts: bool = True, share: int = 4) -> None:
        self.site = Site(size, START)
        self.pages = ArticlePages(self.site)
        self.version = 0
        self.titles = titles
        self.texts = texts
        self.share = share
        """1 in `share` articles changes its title in each version, and another 1 in `share` its text."""

    def title_revision(self, i: int) -> int:
        return max((v for v in range(1, self.version + 1) if self.titles and i % self.share == v % self.share),
                   default=0)

    def text_revision(self, i: int) -> int:
        return max((v for v in range(1, self.version + 1) if self.texts and i % self.share == (v + 1) % self.share),
                   default=0)

    def url(self, i: int) -> str:
        return f"https://bench.example.org/news/{self.site.slug(i)}"

    def title(self, i: int) -> str:
        revision = self.title_revision(i)
        return self.site.title(i) + (f" (revised {revision})" if revision else "")

    def page(self, i: int) -> bytes:
        text = self.pages.page(i).decode("utf-8").replace(self.site.title(i), self.title(i))
        if revision := self.text_revision(i):
            text = text.replace(f"In report {i}, the ASEAN", f"In report {i} (revision {revision}), the ASEAN")
        return text.encode("utf-8")

    def lastmod(self, i: int) -> datetime:
        return self.site.published(i) + timedelta(days=max(self.title_revision(i), self.text_revision(i)))

    def sitemap(self) -> bytes:
        entries = "".join(f"<url><loc>https://bench.example.org/news/{self.site.slug(i)}</loc>"
                          f"<lastmod>{self.lastmod(i).isoformat()}</lastmod></url>" for i in range(self.site.size))
        return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{entries}</urlset>").encode()

    def serve(self, folder: Path) -> ReplayServer:
        folder.mkdir()
        (folder / "routes.json").write_text("[]", encoding="utf-8")
        server = ReplayServer(folder)
        server.custom["/robots.txt"] = lambda h: _send(h, b"User-agent: *\nDisallow: /admin\n", "text/plain")
        server.custom["/sitemap.xml"] = lambda h: _send(h, self.sitemap(), "application/xml")
        for page in range(1, self.site.listing_pages() + 1):
            server.custom[self.site.listing_path(page)] = lambda h, p=page: _send(h, self.site.listing(p))
        for i, path in enumerate(self.site.paths()):
            server.custom[path] = lambda h, i=i: _send(h, self.page(i))
        return server.start()


def _send(handler: BaseHTTPRequestHandler, body: bytes, content_type: str = "text/html; charset=utf-8") -> bool:
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except OSError:  # the crawler was killed mid-response
        handler.close_connection = True
    return True


@dataclass
class Bench:
    site: ChangingSite
    server: ReplayServer
    sites_dir: Path

    def args(self, output: Path) -> list[str]:
        return ["crawl", "benchsite", "-a", f"base_url={self.server.base_url}", "-s", f"OUTPUT_DIR={output}",
                "-s", f"SITES_DIR={self.sites_dir}", *FAST, *ORIGINAL_IMAGES,
                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]

    def crawl(self, output: Path) -> None:
        run = run_scrapy(*self.args(output))
        assert run.returncode == 0, run.output[-3000:]


@pytest.fixture
def make_bench(tmp_path) -> Iterator[Callable[..., Bench]]:
    """make_bench(size, titles=..., texts=...): a changing site served on 127.0.0.1 and its profile."""
    servers: list[ReplayServer] = []
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "benchsite.yaml").write_text(PROFILE, encoding="utf-8")

    def make(size: int, **changes: Any) -> Bench:
        site = ChangingSite(size, **changes)
        servers.append(site.serve(tmp_path / f"site-{len(servers)}"))
        return Bench(site, servers[-1], sites)

    yield make
    for server in servers:
        server.stop()


# ---------------------------------------------------------------------------- reading an output folder


@dataclass(frozen=True)
class PostFile:
    origin_url: str
    code: str
    sha256: str


def read_posts(output: Path) -> dict[str, PostFile]:
    """Every visible post (`_posts/<name>.md`, keyed `_posts/<name>.md`), each checked complete and valid."""
    found: dict[str, PostFile] = {}
    folder = output / "_posts"
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.name.startswith("."):
            continue  # Jekyll ignores dot files
        assert path.suffix == ".md" and path.is_file(), f"{path.name}: not a post file"
        data = path.read_bytes()
        text = data.decode("utf-8")
        match = FRONT_MATTER_RE.match(text)
        assert match, f"{path.name}: no front matter"
        meta = yaml.safe_load(match.group(1))
        for key in ("layout", "code", "origin_url", "title", "date"):
            assert meta.get(key), f"{path.name}: no {key}"
        body = text[match.end():]
        assert body.strip().startswith("# ") and body.rstrip().endswith(LAST_PARAGRAPH), f"{path.name}: incomplete"
        found[f"_posts/{path.name}"] = PostFile(meta["origin_url"], meta["code"], hashlib.sha256(data).hexdigest())
    return found


def assert_one_post_per_article(posts: dict[str, PostFile], renaming: set[tuple[str, str]] | None = None) -> None:
    """No two posts share an origin_url or a code, except the old file of a rename in flight."""
    kept = [post for file, post in posts.items() if (post.origin_url, file) not in (renaming or set())]
    urls = [post.origin_url for post in kept]
    codes = [post.code for post in kept]
    assert len(set(urls)) == len(urls), "two posts of one article"
    assert len(set(codes)) == len(codes), "two posts with one code"


@dataclass(frozen=True)
class Stored:
    code: str
    file: str
    content_hash: str | None


def read_state(output: Path) -> tuple[dict[str, Stored], list[tuple[str, str, str]]]:
    """Records by origin_url and pending renames, read-only (as the next run would find them)."""
    path = state_path(output)
    if not path.exists():
        return {}, []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "articles" not in tables:
            return {}, []
        records = {url: Stored(code, file, digest) for url, code, file, digest in
                   db.execute("SELECT origin_url, code, file, content_hash FROM articles")}
        pending = [tuple(row) for row in db.execute("SELECT origin_url, old_file, new_file FROM pending_renames")]
    finally:
        db.close()
    return records, pending  # type: ignore[return-value]


def temp_files(output: Path) -> list[str]:
    folder = output / "_posts"
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) if folder.is_dir() else []


def assert_agrees(output: Path) -> dict[str, PostFile]:
    """The strict agreement of a completed run (see the module docstring)."""
    posts = read_posts(output)
    assert_one_post_per_article(posts)
    records, pending = read_state(output)
    assert pending == []
    assert temp_files(output) == []
    assert {record.file for record in records.values()} == set(posts)
    for url, record in records.items():
        post = posts[record.file]
        assert (post.origin_url, post.code) == (url, record.code), record.file
        assert record.content_hash in (post.sha256, None), record.file
    return posts


def assert_consistent_after_kill(output: Path) -> None:
    """The agreement right after a SIGKILL (see the module docstring)."""
    posts = read_posts(output)
    records, pending = read_state(output)
    renaming_to = {(url, new) for url, _, new in pending}
    renaming_from = {(url, old) for url, old, _ in pending}
    assert_one_post_per_article(posts, renaming_from)  # until the next run ends the rename, both files exist
    for url, record in records.items():
        if record.file in posts:
            assert (posts[record.file].origin_url, posts[record.file].code) == (url, record.code), record.file
        else:  # a write announced to the store and cut short
            assert record.content_hash is None or (url, record.file) in renaming_to, f"{record.file} is missing"
    for file, post in posts.items():
        record = records.get(post.origin_url)
        assert record is not None, f"{file}: no record of {post.origin_url}"
        if record.file != file:
            assert (post.origin_url, file) in renaming_from, f"{file}: {post.origin_url} is recorded at {record.file}"
    for name in temp_files(output):
        assert name.startswith(TEMP_PREFIX), f"unexpected dot file {name}"


def feed_entries(output: Path, torn: int = 0) -> list[dict[str, Any]]:
    """Every line of every run feed of the folder, oldest feed first; each must be whole JSON, except the
    last line of `torn` feeds (a killed run's, before the next run cuts it), which is left out."""
    entries = []
    for path in sorted((output / "_feeds").glob("*.jsonl")) if (output / "_feeds").is_dir() else []:
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            torn -= 1
            assert torn >= 0, f"{path.name}: torn last line"
            data = data[:data.rfind(b"\n") + 1]
        entries.extend(json.loads(line) for line in data.decode("utf-8").splitlines())
    assert torn == 0, "no torn feed"
    return entries


def assert_feeds_list_every_post(output: Path, posts: dict[str, PostFile]) -> list[dict[str, Any]]:
    """The union of the feeds lists the final version of every post (see the module docstring)."""
    entries = feed_entries(output)
    assert sorted(p.name for p in (output / "_feeds").glob(".*.open")) == []  # killed runs' feeds all checked
    listed = {(entry["origin_url"], entry["file"], entry["content_hash"]) for entry in entries}
    missing = sorted(file for file, post in posts.items() if (post.origin_url, file, post.sha256) not in listed)
    assert missing == [], f"{len(missing)} post(s) in no feed: {missing[:5]}"
    return entries


def snapshot(output: Path) -> dict[str, int]:
    folder = output / "_posts"
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} if folder.is_dir() else {}


def _mtime(folder: Path) -> int:
    """A folder's mtime changes whenever a file in it is created, renamed or removed."""
    try:
        return folder.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def temp_pid(name: str) -> int:
    return int(name[len(TEMP_PREFIX):].split("-", 1)[0])


# ---------------------------------------------------------------------------- SIGKILL at random moments


def test_sigkill_at_random_moments_loses_nothing(make_bench, tmp_path):
    """12 crawls of one OUTPUT_DIR, killed after 0.2-3 s or a moment after they start writing, while the
    site moves through three versions (new articles, then renames and updates); then a normal run.
    Each kill leaves a consistent folder; the end result equals uninterrupted runs over the same
    versions, file for file and byte for byte."""
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    bench = make_bench(SIZE)
    reference = tmp_path / "reference"
    for version in range(VERSIONS):
        bench.site.version = version
        bench.crawl(reference)
    expected = assert_agrees(reference)
    assert len(expected) == SIZE

    out = tmp_path / "killed"
    killed: list[int] = []
    mid_write = 0
    for number in range(VERSIONS * ROUNDS_PER_VERSION):
        bench.site.version = number // ROUNDS_PER_VERSION
        before = snapshot(out)
        log = tmp_path / f"round-{number}.log"
        process = start_crawl(bench.args(out), log)
        if number % 2 == 0:
            deadline = time.monotonic() + rng.uniform(0.2, 3.0)
        else:  # aim at the writing itself: a moment just after the run's first change to _posts
            deadline = time.monotonic() + 4.0
            folder_mtime = _mtime(out / "_posts")
            while process.poll() is None and time.monotonic() < deadline and _mtime(out / "_posts") == folder_mtime:
                time.sleep(0.005)
            deadline = min(deadline, time.monotonic() + rng.uniform(0.0, 0.3))
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        context = f"seed {seed}, round {number}: {log.read_text(errors='replace')[-2000:]}"
        if process.poll() is None:
            stop(process, signal.SIGKILL)
            killed.append(process.pid)
        else:
            assert process.returncode == 0, context  # finished before its kill: a normal run
        wrote = snapshot(out) != before
        if wrote and killed and killed[-1] == process.pid:
            mid_write += 1
        assert_consistent_after_kill(out)
        leftovers = {temp_pid(name) for name in temp_files(out)}
        assert leftovers <= set(killed), context
        if wrote:  # it got as far as writing, so it had cleaned what earlier runs left
            assert leftovers <= {process.pid}, context

    bench.site.version = VERSIONS - 1
    bench.crawl(out)
    final = assert_agrees(out)
    assert final == expected, f"seed {seed}"
    for file in expected:
        assert (out / file).read_bytes() == (reference / file).read_bytes(), file
    assert_feeds_list_every_post(reference, expected)
    assert_feeds_list_every_post(out, final)
    assert mid_write >= 3, f"seed {seed}: only {mid_write} of the kills hit a run while it wrote posts"


# ---------------------------------------------------------------------------- SIGKILL at exact moments

KILL_SHIM = '''
"""Test shim: SIGKILL this process at the Nth operation of one kind (N2J_KILL_AT is "kind:N"):
open: right after a temporary post file is created under N2J_KILL_DIR; replace: right after a post
file is moved into place there; write: right before a line is written to a run feed under
N2J_FEED_DIR; tear: after the first half of a feed line is written; fsync: right after a feed line
is fsynced there."""
import os
import signal

_ROOT = os.path.realpath(os.environ["N2J_KILL_DIR"]) + os.sep
_FEEDS = os.path.realpath(os.environ["N2J_FEED_DIR"]) + os.sep
_WHEN, _N = os.environ["N2J_KILL_AT"].split(":")
_seen = 0
_feed_fds = set()
_real = {name: getattr(os, name) for name in ("open", "replace", "write", "fsync", "close")}


def _under(path, root):
    return os.path.realpath(os.fspath(path)).startswith(root)


def _tick(when):
    global _seen
    if when == _WHEN:
        _seen += 1
        if _seen == int(_N):
            os.kill(os.getpid(), signal.SIGKILL)


def _open(path, flags, *args, **kwargs):
    fd = _real["open"](path, flags, *args, **kwargs)
    if _under(path, _ROOT):
        _tick("open")
    if flags & os.O_APPEND and _under(path, _FEEDS):
        _feed_fds.add(fd)
    return fd


def _replace(src, dst, *args, **kwargs):
    result = _real["replace"](src, dst, *args, **kwargs)
    if _under(dst, _ROOT):
        _tick("replace")
    return result


def _write(fd, data):
    if fd in _feed_fds:
        if _WHEN == "tear" and _seen + 1 == int(_N):
            _real["write"](fd, bytes(data)[:len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        _tick("tear")
        _tick("write")
    return _real["write"](fd, data)


def _fsync(fd):
    result = _real["fsync"](fd)
    if fd in _feed_fds:
        _tick("fsync")
    return result


def _close(fd):
    _feed_fds.discard(fd)
    return _real["close"](fd)


os.open, os.replace, os.write, os.fsync, os.close = _open, _replace, _write, _fsync, _close
'''


def run_killed(bench: Bench, out: Path, tmp_path: Path, kill_at: str) -> None:
    """One crawl with the kill shim, which must have killed it."""
    shim = tmp_path / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(KILL_SHIM, encoding="utf-8")
    env = {"PYTHONPATH": f"{shim}{os.pathsep}{ROOT}", "N2J_KILL_DIR": str(out / "_posts"),
           "N2J_FEED_DIR": str(out / "_feeds"), "N2J_KILL_AT": kill_at}
    killed = run_scrapy(*bench.args(out), env=env)
    assert killed.returncode == -signal.SIGKILL, killed.output[-3000:]


@pytest.mark.parametrize(("case", "kill_at"), [
    ("new", "open:3"),  # the third new post's temporary file exists, nothing in it
    ("new", "replace:3"),  # the third new post is in place, the store not yet told it is done
    ("renamed", "replace:3"),  # the third renamed post is in place, its old file still there
])
def test_a_kill_at_an_exact_moment_of_a_write_is_repaired_by_the_next_run(make_bench, tmp_path, case, kill_at):
    """Then every title changes: the next run must rename, not duplicate, what the killed run left."""
    bench = make_bench(SMALL, texts=False, share=1)
    out = tmp_path / "out"
    if case == "renamed":
        bench.crawl(out)
        bench.site.version = 1
    run_killed(bench, out, tmp_path, kill_at)
    assert_consistent_after_kill(out)
    records, pending = read_state(out)
    if kill_at.startswith("open"):
        assert len(temp_files(out)) == 1 and len(read_posts(out)) == 2
    elif case == "new":
        assert len(read_posts(out)) == 3 and sum(r.content_hash is None for r in records.values()) == 1
    else:
        assert len(pending) == 1 and len(read_posts(out)) == SMALL + 1  # the old and the new file of one post

    bench.site.version = 1 if case == "new" else 2
    bench.crawl(out)
    reference = tmp_path / "reference"
    bench.crawl(reference)
    assert assert_agrees(out) == assert_agrees(reference)
    assert_feeds_list_every_post(out, read_posts(out))


@pytest.mark.parametrize(("case", "kill_at", "listed_twice"), [
    ("new", "write:3", 0),  # the third new post is in place, its feed line about to be written
    ("new", "tear:3", 0),  # half of the third line is written: the next run cuts it and lists the post
    ("new", "fsync:3", 1),  # the third line is on disk, the store not yet told: a later feed repeats it
    ("updated", "write:3", 0),  # the same for a post updated in place
    ("renamed", "write:3", 0),  # and for a renamed one (its old file already gone)
])
def test_a_kill_between_a_post_and_its_feed_line_loses_no_feed_entry(make_bench, tmp_path, case, kill_at,
                                                                       listed_twice):
    bench = make_bench(SMALL, titles=case == "renamed", texts=case == "updated", share=1)
    out = tmp_path / "out"
    if case != "new":
        bench.crawl(out)
        bench.site.version = 1
    before = feed_entries(out)
    run_killed(bench, out, tmp_path, kill_at)
    assert_consistent_after_kill(out)
    killed_lines = feed_entries(out, torn=kill_at.startswith("tear"))[len(before):]
    assert len(killed_lines) == (3 if kill_at.startswith("fsync") else 2)
    records, pending = read_state(out)
    assert pending == []
    unfinished = [url for url, record in records.items() if record.content_hash is None]
    assert len(unfinished) == 1
    posts = read_posts(out)
    [post] = [p for p in posts.values() if p.origin_url == unfinished[0]]  # in place, in its final version
    listed = {(entry["origin_url"], entry["content_hash"]) for entry in killed_lines}
    assert ((post.origin_url, post.sha256) in listed) is bool(listed_twice)

    bench.crawl(out)
    assert last_stats(out)["stats"]["discovery/fetch/unfinished"] == 1
    final = assert_agrees(out)
    entries = assert_feeds_list_every_post(out, final)
    next_lines = entries[len(before) + len(killed_lines):]
    assert len(next_lines) == SMALL - len(killed_lines) + listed_twice
    assert sum(entry["origin_url"] == post.origin_url for entry in next_lines) == 1
    expected_status = "new" if case == "new" else "updated"
    assert {entry["status"] for entry in killed_lines + next_lines} == {expected_status}
    lines = [(entry["origin_url"], entry["content_hash"]) for entry in entries]
    assert len(lines) - len(set(lines)) == listed_twice
    reference = tmp_path / "reference"
    for version in range(bench.site.version + 1):
        bench.site.version = version
        bench.crawl(reference)
    assert final == assert_agrees(reference)


# ---------------------------------------------------------------------------- a disk that refuses writes

READ_ONLY_SHIM = '''
"""Test shim: the posts folder under N2J_READ_ONLY behaves like a read-only file system (EROFS)."""
import errno
import os

_ROOT = os.path.realpath(os.environ["N2J_READ_ONLY"])
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _inside(path):
    try:
        return os.path.realpath(os.fspath(path)).startswith(_ROOT + os.sep)
    except TypeError:
        return False


def _refuse(path):
    raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))


def _guard(real, *positions):
    def guarded(*args, **kwargs):
        if any(_inside(args[i]) for i in positions if i < len(args)):
            _refuse(args[positions[0]])
        return real(*args, **kwargs)
    return guarded


_real_open = os.open


def _open(path, flags, *args, **kwargs):
    if flags & _WRITE and _inside(path):
        _refuse(path)
    return _real_open(path, flags, *args, **kwargs)


os.open = _open
os.replace = _guard(os.replace, 0, 1)
os.rename = _guard(os.rename, 0, 1)
os.unlink = _guard(os.unlink, 0)
os.remove = _guard(os.remove, 0)
'''


@pytest.mark.parametrize("change", ["new", "titles", "texts"])
def test_a_read_only_posts_folder_fails_the_run_loudly_and_keeps_every_post(make_bench, tmp_path, change):
    """New posts, renames (a changed title) or updates in place (changed text) meet a read-only _posts:
    the run fails with one ERROR naming the file, every post stays byte-identical (the store still
    agrees with them), and once the disk is writable again the next ordinary run does what the
    failed one could not."""
    bench = make_bench(SMALL, titles=change == "titles", texts=change == "texts")
    out = tmp_path / "out"
    if change != "new":
        bench.crawl(out)
        bench.site.version = 1
    before = {file: (out / file).read_bytes() for file in assert_agrees(out)}

    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(READ_ONLY_SHIM, encoding="utf-8")
    env = {"PYTHONPATH": f"{shim}{os.pathsep}{ROOT}", "N2J_READ_ONLY": str(out / "_posts")}
    run = run_scrapy(*bench.args(out), env=env)
    assert run.returncode == 1, run.output[-3000:]
    errors = [line for line in run.output.splitlines() if " ERROR: " in line]
    assert len(errors) == 1, errors
    assert re.search(rf"Cannot write post {re.escape(str(out))}/_posts/\S+\.md: Read-only file system$", errors[0])
    assert "FAILED (stopped at a failed write: Cannot write post " in run.output
    after = {file: (out / file).read_bytes() for file in assert_agrees(out)}
    assert after == before

    bench.crawl(out)
    unfinished = last_stats(out)["stats"].get("discovery/fetch/unfinished", 0)
    assert unfinished == (1 if change == "titles" else 0)  # an undone rename is fetched again whatever its date
    reference = tmp_path / "reference"
    bench.crawl(reference)
    assert assert_agrees(out) == assert_agrees(reference)


# ---------------------------------------------------------------------------- a deleted state store


def test_a_deleted_state_store_is_rebuilt_with_the_same_codes_and_files(make_bench, tmp_path):
    bench = make_bench(SMALL)
    out = tmp_path / "out"
    bench.crawl(out)
    first = assert_agrees(out)
    contents = {file: (out / file).read_bytes() for file in first}
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state_path(out)}{suffix}").unlink(missing_ok=True)
    run = run_scrapy(*bench.args(out), "-a", "full=1")  # fetch every article again against the rebuilt store
    assert run.returncode == 0, run.output[-3000:]
    assert f"Rebuilt the state store {state_path(out)} from {SMALL} post(s)" in run.output
    assert f"OK - 0 new, 0 updated, {SMALL} unchanged" in run.output
    assert assert_agrees(out) == first  # same files, same codes, one post per article
    assert {file: (out / file).read_bytes() for file in first} == contents
