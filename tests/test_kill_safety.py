"""Nothing lost: SIGKILL at random moments while posts are written and renamed, a disk that refuses
writes, a deleted state store.

What "the state store agrees with the posts" means here, precisely:

* after a completed run (strict): no pending renames and no temporary files; the records' files and
  the visible post files are the same set; each record's file has the record's origin_url and code
  in its front matter and the record's content_hash is the SHA-256 of the file, or None when the
  last write of that post was interrupted (the next run must fetch and rewrite it); no two posts
  share an origin_url or a code.
* right after a SIGKILL (before the next run repairs anything): every visible post is complete and
  valid; every record's file exists with the record's origin_url and code, unless that record is
  being renamed (a pending rename points it at a file not written yet); every visible post either is
  its record's file, or is the old file of a pending rename, or belongs to an article with no record
  yet (written, not yet recorded: the next run fetches it again, as it is not known). Temporary
  files are dot files (Jekyll ignores them) and a run that got as far as writing removes those of
  runs killed before it.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml

from crawler.exporters import TEMP_PREFIX
from crawler.state import state_path
from tests.bench.crawl import PROFILE, ArticlePages, Site
from tests.conftest import ROOT, run_scrapy
from tests.crawl_helpers import FAST, last_stats
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

    def __init__(self, size: int, *, titles: bool = True, texts: bool = True) -> None:
        self.site = Site(size, START)
        self.pages = ArticlePages(self.site)
        self.version = 0
        self.titles = titles
        self.texts = texts

    def title_revision(self, i: int) -> int:
        return max((v for v in range(1, self.version + 1) if self.titles and i % 4 == v % 4), default=0)

    def text_revision(self, i: int) -> int:
        return max((v for v in range(1, self.version + 1) if self.texts and i % 4 == (v + 1) % 4), default=0)

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
                "-s", f"SITES_DIR={self.sites_dir}", *FAST, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]

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

    def make(size: int, **changes: bool) -> Bench:
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
    urls = [post.origin_url for post in found.values()]
    codes = [post.code for post in found.values()]
    assert len(set(urls)) == len(urls), "two posts of one article"
    assert len(set(codes)) == len(codes), "two posts with one code"
    return found


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
    for url, record in records.items():
        if record.file in posts:
            assert (posts[record.file].origin_url, posts[record.file].code) == (url, record.code), record.file
        else:
            assert (url, record.file) in renaming_to, f"{record.file} of {url} is missing"
    codes = {record.code: url for url, record in records.items()}
    for file, post in posts.items():
        record = records.get(post.origin_url)
        if record is None:
            assert codes.get(post.code) in (None, post.origin_url), f"{file}: code of another article"
        elif record.file != file:
            assert (post.origin_url, file) in renaming_from, f"{file}: {post.origin_url} is recorded at {record.file}"
    for name in temp_files(output):
        assert name.startswith(TEMP_PREFIX), f"unexpected dot file {name}"


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


@pytest.mark.parametrize("change", ["titles", "texts"])
def test_a_read_only_posts_folder_fails_the_run_loudly_and_keeps_every_post(make_bench, tmp_path, change):
    """Renames (a changed title) or updates in place (changed text) meet a read-only _posts: the run fails
    with one ERROR naming the file, every post stays byte-identical, and once the disk is writable
    again the next ordinary run does what the failed one could not."""
    bench = make_bench(SMALL, titles=change == "titles", texts=change == "texts")
    out = tmp_path / "out"
    bench.crawl(out)
    before = {file: (out / file).read_bytes() for file in assert_agrees(out)}
    bench.site.version = 1

    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(READ_ONLY_SHIM, encoding="utf-8")
    env = {"PYTHONPATH": f"{shim}{os.pathsep}{ROOT}", "N2J_READ_ONLY": str(out / "_posts")}
    run = run_scrapy(*bench.args(out), env=env)
    assert run.returncode == 1, run.output[-3000:]
    errors = [line for line in run.output.splitlines() if " ERROR: " in line]
    assert len(errors) == 1, errors
    assert re.search(rf"Cannot write post {re.escape(str(out))}/_posts/\S+\.md: Read-only file system$", errors[0])
    assert "finish reason 'output_error'" in run.output
    after = {file: (out / file).read_bytes() for file in assert_agrees(out)}
    assert after == before

    bench.crawl(out)
    unfinished = last_stats(out)["stats"].get("discovery/fetch/unfinished", 0)
    assert unfinished == (1 if change == "titles" else 0)  # an undone rename is fetched again whatever its date
    reference = tmp_path / "reference"
    bench.crawl(reference)
    assert assert_agrees(out) == assert_agrees(reference)
    changed = {bench.site.url(i) for i in range(SMALL) if bench.site.title_revision(i) or bench.site.text_revision(i)}
    assert len(changed) == SMALL // 4


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
