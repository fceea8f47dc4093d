"""Hostile pages: nothing crashes, nothing blocks, nothing is lost quietly, memory stays bounded.

The first part calls extraction directly on replica pages served the wrong way (lying or missing
charsets) and on pages nested far past libxml2's depth limit. The second runs one real
`scrapy crawl article -a urls=FILE` over good replica articles mixed with hostile responses served
from 127.0.0.1 — empty bodies, the home and a listing page, HTML nested 10 000 deep, pages over
DOWNLOAD_MAXSIZE, binary payloads labelled text/html, charsets that lie, gzip bombs, redirect loops,
URL lines that are not http(s) — and a second crawl meets a server that trickles one byte a second
forever. Each crawl is a subprocess whose own peak RSS comes from wait4.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import re
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import lxml.etree
import pytest

from crawler.extensions.summary import Limits, assess
from crawler.extract import extract_article
from crawler.extract.document import decode_html, parse_document
from crawler.extract.nesting import HARD_DEPTH, cap_nesting
from crawler.profiles import SITES_DIR, load_profiles
from tests.conftest import ORIGIN, REPLICA, ROOT, SEED_SLUG, ScrapyRun, expected_articles
from tests.crawl_helpers import FAST, ORIGINAL_IMAGES, Post, last_stats, posts, stray_files
from tests.replay_server import ReplayServer

CASES = {a["slug"]: a for a in expected_articles()}
SEED = CASES[SEED_SLUG]
CAFE = CASES["phnom-penh-cafe-owners-brace-for-rising-coffee-bean-prices"]
LAKE = CASES["living-with-the-lake-a-year-in-tonle-saps-floating-villages"]
ARTICLES = REPLICA / "pages" / "articles"
SEED_FILE = ARTICLES / "national" / f"{SEED_SLUG}.html"
CAFE_FILE = ARTICLES / "business" / "phnom-penh-cafe-owners-brace-for-rising-coffee-bean-prices.html"
LAKE_FILE = ARTICLES / "special-reports" / "living-with-the-lake-a-year-in-tonle-saps-floating-villages.html"
DEPTH = 10_000


def strip_meta_charset(page: bytes) -> bytes:
    stripped = re.sub(rb"<meta charset=\"[^\"]+\">\s*", b"", page, count=1)
    assert stripped != page
    return stripped


# ---------------------------------------------------------------------------- charsets


@pytest.mark.parametrize("header", [None, "utf-8"], ids=["no-charset-anywhere", "header-says-utf-8"])
def test_undeclared_windows_1252_is_read_as_windows_1252(header):
    """The café page is windows-1252; without its <meta charset> (and with a header that lies) it must
    still read "crème brûlée", not "crčme brűlée" (charset-normalizer ties cp1250/cp1252/cp1257 here)."""
    page = strip_meta_charset(CAFE_FILE.read_bytes())
    text, encoding = decode_html(page, header)
    assert encoding == "cp1252"
    assert "crème brûlée" in text and "’" in text and "“" in text
    article = extract_article(page, CAFE["origin_url"], http_encoding=header)
    declared = extract_article(CAFE_FILE.read_bytes(), CAFE["origin_url"])
    assert article.title == declared.title == CAFE["title"]
    assert article.body == declared.body


@pytest.mark.parametrize(("text", "encoding"), [
    ("Příliš žluťoučký kůň úpěl ďábelské ódy. Vláda schválila rozpočet na příští rok. ", "cp1250"),
    ("Правительство утвердило бюджет на следующий год после долгих обсуждений. ", "cp1251"),
])
def test_detection_still_finds_other_single_byte_encodings(text, encoding):
    page = f"<html><head><title>News</title></head><body><p>{text * 20}</p></body></html>"
    assert decode_html(page.encode(encoding)) == (page, encoding)


@pytest.mark.parametrize("header", ["iso-8859-1", None], ids=["header-says-latin-1", "no-charset-anywhere"])
def test_utf8_bytes_are_read_as_utf8_whatever_the_header_says(header):
    page = LAKE_FILE.read_bytes()
    if header is None:
        page = strip_meta_charset(page)
    article = extract_article(page, LAKE["origin_url"], http_encoding=header)
    assert article.title == LAKE["title"] == "Living with the lake: a year in Tonle Sap’s floating villages"
    assert article.body == extract_article(LAKE_FILE.read_bytes(), LAKE["origin_url"], http_encoding="utf-8").body
    assert "\ufffd" not in article.body and "â€" not in article.body


# ---------------------------------------------------------------------------- nesting past libxml2's limit


def wrapped_in_divs(page: str, depth: int = DEPTH) -> str:
    """The page with its whole <body> content wrapped in `depth` nested <div>s."""
    head, rest = page.split("<body", 1)
    body_tag, rest = rest.split(">", 1)
    content, tail = rest.rsplit("</body>", 1)
    return head + "<body" + body_tag + ">" + "<div>" * depth + content + "</div>" * depth + "</body>" + tail


def tree_depth(root) -> int:
    deepest = depth = 0
    for event, _ in lxml.etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.parametrize("depth", [300, DEPTH])
def test_an_article_inside_deep_nesting_is_extracted_as_if_it_were_not(depth):
    """libxml2 stops at 256 open elements and drops the rest of the page; the capped re-parse keeps it."""
    page = SEED_FILE.read_text(encoding="utf-8")
    plain = extract_article(page.encode(), SEED["origin_url"])
    deep = extract_article(wrapped_in_divs(page, depth).encode(), SEED["origin_url"])
    assert deep.page_type == "article"
    assert (deep.title, deep.image, deep.published, deep.body) == (plain.title, plain.image, plain.published,
                                                                   plain.body)


def test_text_after_a_deep_block_is_kept():
    paragraph = "The provincial hall approved the new road budget after a long session on Friday. "
    html = ("<html><head><title>Council budget</title></head><body><p>before</p>" + "<div>" * 300 + "deep"
            + "</div>" * 300 + f"<p>{paragraph}</p></body></html>")
    doc = parse_document(html, "https://www.example.org/a")
    text = doc.tree.text_content()
    assert "before" in text and "deep" in text and paragraph in text
    assert tree_depth(doc.tree) <= HARD_DEPTH + 2


def test_deep_nesting_of_elements_that_do_not_merge_is_capped_without_losing_words():
    levels = 5_000
    opening = "".join(f"<b class='l{i}'>word{i} " for i in range(levels))
    html = "<html><head><title>Levels</title></head><body>" + opening + "</b>" * levels + "<p>the end</p></body></html>"
    capped = cap_nesting(html)
    doc = parse_document(html, "https://www.example.org/a")
    assert tree_depth(doc.tree) <= HARD_DEPTH + 2
    words = doc.tree.body.text_content().split()
    assert words[0] == "word0" and words[-2:] == ["the", "end"]
    assert [w for w in words if w.startswith("word")] == [f"word{i}" for i in range(levels)]
    assert capped.count("<b ") == HARD_DEPTH - 2  # html and body take two levels


def test_capping_keeps_scripts_attributes_and_entities():
    html = ('<!DOCTYPE html><html lang="km"><head><script type="application/ld+json">{"headline": "A < B & C"}'
            '</script></head><body>' + "<div>" * 400 + '<p class="lead" data-x=\'"q"\'>Tom &amp; Jerry &lt;3</p>'
            + "</div>" * 400 + "</body></html>")
    doc = parse_document(html, "https://www.example.org/a")
    assert doc.lang == "km"
    assert doc.jsonld == [{"headline": "A < B & C"}]
    paragraph = doc.tree.xpath("//p")[0]
    assert paragraph.get("class") == "lead" and paragraph.get("data-x") == '"q"'
    assert paragraph.text_content() == "Tom & Jerry <3"


# ---------------------------------------------------------------------------- links with other schemes


@pytest.mark.parametrize("scheme", ["ftp", "s3", "file", "data", "javascript"])
def test_a_discovered_link_with_another_scheme_is_never_an_article(scheme):
    """Scrapy fetches ftp: and s3: URLs too, and the offsite filter lets the site's own host through."""
    profile = load_profiles(SITES_DIR)["phnompenhpost"]
    assert profile.is_article_url(SEED["origin_url"])
    assert not profile.is_article_url(scheme + SEED["origin_url"].removeprefix("https"))


# ============================================================================ end to end

MAX_SIZE = 2 * 1024 * 1024
"""DOWNLOAD_MAXSIZE of the hostile crawl (the project default is 10 MiB)."""
RSS_LIMIT_MB = 500
BOMB_MIB = 1024
"""The gzip bombs expand to 1 GiB of zeros."""

Handler = Callable[[BaseHTTPRequestHandler], bool]


def _send(handler: BaseHTTPRequestHandler, data: bytes) -> bool:
    try:
        handler.wfile.write(data)
        handler.wfile.flush()
    except OSError:  # the crawler hung up (size limit, timeout): expected
        handler.close_connection = True
        return False
    return True


def answer(body: bytes, content_type: str = "text/html; charset=utf-8", headers: dict[str, str] | None = None,
           ) -> Handler:
    """A route that sends exactly these bytes (the replay server would gzip its own routes)."""

    def handle(handler: BaseHTTPRequestHandler) -> bool:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        _send(handler, body)
        return True

    return handle


def chunked(body: bytes, chunk: int = 64 * 1024) -> Handler:
    """Transfer-Encoding: chunked, so no Content-Length warns the client before the bytes come."""

    def handle(handler: BaseHTTPRequestHandler) -> bool:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for start in range(0, len(body), chunk):
            piece = body[start:start + chunk]
            if not _send(handler, b"%x\r\n%s\r\n" % (len(piece), piece)):
                return True
        _send(handler, b"0\r\n\r\n")
        return True

    return handle


def redirect(location: str) -> Handler:
    def handle(handler: BaseHTTPRequestHandler) -> bool:
        handler.send_response(301)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True

    return handle


def gzip_bomb(mib: int = BOMB_MIB) -> bytes:
    """A valid gzip stream of `mib` MiB of zeros (about 1 KB per MiB): one compressed MiB, repeated."""
    mebibyte = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(mebibyte) + compressor.flush(zlib.Z_FULL_FLUSH)  # byte-aligned, no history
    last = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty final block
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(mebibyte, crc)
    trailer = struct.pack("<II", crc, (mib * len(mebibyte)) & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + block * mib + last + trailer


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = b"".join(b"\x00" + bytes(range(192)) for _ in range(64))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b""))


def zip_bytes() -> bytes:
    """A zip archive holding the seed article itself: an article, but not a page."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", SEED_FILE.read_bytes())
        archive.writestr("notes.txt", "Desk notes for the weekend edition.\n" * 200)
    return buffer.getvalue()


def oversize_page() -> bytes:
    """An article-looking page twice DOWNLOAD_MAXSIZE long."""
    paragraph = b"<p>" + b"The provincial hall approved the road budget after a long session. " * 20 + b"</p>\n"
    head = b"<!DOCTYPE html><html lang='en'><head><title>Huge page</title></head><body><article><h1>Huge</h1>"
    return head + paragraph * (2 * MAX_SIZE // len(paragraph)) + b"</article></body></html>"


@dataclass
class Measured:
    run: ScrapyRun
    seconds: float
    peak_rss_mb: float


def run_measured(args: list[str], log: Path, timeout: float) -> Measured:
    """Run `scrapy ARGS`; its own peak RSS comes from wait4 (RUSAGE_CHILDREN would mix in other children).
    A run that is still going after `timeout` seconds is killed and fails the test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    with log.open("wb") as handle:
        process = subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=env, stdout=handle,
                                   stderr=subprocess.STDOUT)
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            process.kill()
            os.wait4(process.pid, 0)
            raise AssertionError(f"still running after {timeout}s: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(encoding="utf-8", errors="replace")
    return Measured(ScrapyRun(process.returncode, output, ""), time.monotonic() - started, usage.ru_maxrss / 1024)


def crawl_args(server: ReplayServer, urls: Path, output: Path, *extra: str) -> list[str]:
    return ["crawl", "article", "-a", f"base_url={server.base_url}", "-a", f"urls={urls}", "-s",
            f"OUTPUT_DIR={output}", *FAST, *ORIGINAL_IMAGES, *extra]


#: Hostile path -> the reason its WARNING line gives (after the URL the line names).
NOT_ARTICLES = {
    "/": "(listing)",
    "/national": "(listing)",
    "/hostile/empty": "(empty)",
    "/hostile/empty-html": "(no_title)",
    "/hostile/deep": "(empty_body)",
    "/hostile/image.png": "(not_html)",
    "/hostile/archive.zip": "(not_html)",
    "/hostile/random-bytes": "(not_html)",
}
TOO_LARGE = ["/hostile/oversize", "/hostile/oversize-chunked", "/hostile/gzip-bomb", "/hostile/gzip-bomb-nested"]
LOOPS = {"/hostile/loop-a": ["/hostile/loop-a", "/hostile/loop-b", "/hostile/loop-a"],
         "/hostile/loop-self": ["/hostile/loop-self", "/hostile/loop-self"]}
LOCAL_ARTICLE = ARTICLES / "sport" / "kun-khmer-fighters-sharpen-skills-ahead-of-phnom-penh-championship.html"
#: Redirects to schemes Scrapy would happily fetch: a local file (here a readable article page, so a
#: followed redirect would publish it) and a data: URL.
BAD_REDIRECTS = {"/hostile/to-local-file": LOCAL_ARTICLE.as_uri(),
                 "/hostile/to-data-url": "data:text/html,<html><head><title>Injected</title></head></html>"}
#: Served the wrong way, decoded right: each gives the same post as the page served properly.
SAME_POST = {
    "/hostile/deep-article": SEED,
    "/hostile/cafe-says-utf-8": CAFE,
    "/hostile/cafe-no-charset": CAFE,
    "/hostile/lake-says-iso-8859-1": LAKE,
    "/hostile/lake-no-charset": LAKE,
}
GOOD = [SEED, CAFE, LAKE]
REFUSED = {"file:///etc/passwd": "scheme file: is not http or https",
           "ftp://example.org/x": "scheme ftp: is not http or https",
           "plain words": "more than one word on the line",
           "javascript:alert(1)": "scheme javascript: is not http or https",
           "www.phnompenhpost.com/national": "scheme (none) is not http or https",
           "headlines": "scheme (none) is not http or https",
           "https:///national": "no host name"}


def hostile_routes() -> dict[str, Handler]:
    bomb = gzip_bomb()
    cafe = strip_meta_charset(CAFE_FILE.read_bytes())
    deep = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Deep</title></head><body>"
            + "<div>" * DEPTH + "</div>" * DEPTH + "</body></html>").encode()
    return {
        "/hostile/empty": answer(b""),
        "/hostile/empty-html": answer(b"<html><body></body></html>"),
        "/hostile/deep": answer(deep),
        "/hostile/deep-article": answer(wrapped_in_divs(SEED_FILE.read_text(encoding="utf-8")).encode()),
        "/hostile/oversize": answer(oversize_page()),
        "/hostile/oversize-chunked": chunked(oversize_page()),
        "/hostile/image.png": answer(png_bytes(), "text/html"),
        "/hostile/archive.zip": answer(zip_bytes()),
        "/hostile/random-bytes": answer(random.Random(20241018).randbytes(300_000), "text/html"),
        "/hostile/gzip-bomb": answer(bomb, headers={"Content-Encoding": "gzip"}),
        "/hostile/gzip-bomb-nested": answer(gzip.compress(bomb, 9, mtime=0),
                                            headers={"Content-Encoding": "gzip, gzip"}),
        "/hostile/loop-a": redirect("/hostile/loop-b"),
        "/hostile/loop-b": redirect("/hostile/loop-a"),
        "/hostile/loop-self": redirect("/hostile/loop-self"),
        **{path: redirect(target) for path, target in BAD_REDIRECTS.items()},
        "/hostile/cafe-says-utf-8": answer(cafe, "text/html; charset=utf-8"),
        "/hostile/cafe-no-charset": answer(cafe, "text/html"),
        "/hostile/lake-says-iso-8859-1": answer(LAKE_FILE.read_bytes(), "text/html; charset=iso-8859-1"),
        "/hostile/lake-no-charset": answer(strip_meta_charset(LAKE_FILE.read_bytes()), "text/html"),
    }


@dataclass
class Batch:
    server: ReplayServer
    output: Path
    measured: Measured
    stats: dict[str, Any]
    posts: dict[str, Post]

    @property
    def log(self) -> str:
        return self.measured.run.output

    def warnings_about(self, text: str) -> list[str]:
        """WARNING lines that contain `text` followed by a non-URL character (so /x does not match /x-y)."""
        pattern = re.compile(re.escape(text) + r"(?![\w/.-])")
        return [line for line in self.log.splitlines() if " WARNING: " in line and pattern.search(line)]


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Iterator[Batch]:
    folder = tmp_path_factory.mktemp("hostile")
    hostile = [*NOT_ARTICLES, *TOO_LARGE, *LOOPS, *BAD_REDIRECTS, *SAME_POST]
    lines = [case["origin_url"] for case in GOOD] + [ORIGIN + path for path in hostile] + list(REFUSED)
    random.Random(7).shuffle(lines)  # the good articles are not simply first
    urls = folder / "urls.txt"
    urls.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = folder / "out"
    with ReplayServer(REPLICA, custom=hostile_routes()) as server:
        args = crawl_args(server, urls, output, "-s", f"DOWNLOAD_MAXSIZE={MAX_SIZE}")
        measured = run_measured(args, folder / "crawl.log", timeout=180)
        yield Batch(server, output, measured, last_stats(output), posts(output))


@pytest.mark.e2e
def test_the_good_articles_are_written_once_each(batch):
    assert set(batch.posts) == {case["origin_url"] for case in GOOD}
    for case in GOOD:
        post = batch.posts[case["origin_url"]]
        assert (post.meta["title"], post.meta["category"]) == (case["title"], case["category"])
    assert stray_files(batch.output) == []
    assert "crème brûlée" in batch.posts[CAFE["origin_url"]].text
    assert "Tonle Sap’s" in batch.posts[LAKE["origin_url"]].text


@pytest.mark.e2e
def test_pages_served_the_wrong_way_give_byte_identical_posts(batch):
    """Deep nesting and lying or missing charsets: the same content hash as the page served properly,
    so each such page counts as `unchanged` next to the `new` post of its proper twin."""
    stats = batch.stats["stats"]
    assert stats["articles/new"] == len(GOOD)
    assert stats["articles/unchanged"] == len(SAME_POST)
    assert stats.get("articles/updated", 0) == 0


@pytest.mark.e2e
def test_pages_without_an_article_are_named_with_their_reason_and_counted(batch):
    for path, reason in NOT_ARTICLES.items():
        lines = batch.warnings_about(f"No article found on {batch.server.base_url}{path} {reason}")
        assert len(lines) == 1, (path, reason)
    stats = batch.stats["stats"]
    assert stats["articles/missing"] == len(NOT_ARTICLES)
    for reason in {r.strip("()") for r in NOT_ARTICLES.values()}:
        expected = sum(1 for r in NOT_ARTICLES.values() if r == f"({reason})")
        assert stats[f"articles/missing/{reason}"] == expected, reason


@pytest.mark.e2e
def test_too_large_pages_and_gzip_bombs_are_refused_by_size(batch):
    for path in TOO_LARGE:
        lines = batch.warnings_about(f"Article page {batch.server.base_url}{path} failed: too large")
        assert len(lines) == 1, (path, batch.log[-3000:])
    bombs = [line for line in batch.log.splitlines() if "exceeded DOWNLOAD_MAXSIZE" in line and "gzip-bomb" in line]
    assert bombs and all(f"({MAX_SIZE} B) during decompression" in line for line in bombs)
    assert batch.stats["stats"]["pages/failed/too_large"] == len(TOO_LARGE)


@pytest.mark.e2e
def test_redirect_loops_are_named_and_counted(batch):
    for start, chain in LOOPS.items():
        lines = [line for line in batch.log.splitlines()
                 if " WARNING: Redirect loop at " in line and line.endswith(" -> ".join(ORIGIN + p for p in chain))]
        assert len(lines) == 1, (start, batch.log[-3000:])
    assert batch.stats["stats"]["pages/failed/redirect_loop"] == len(LOOPS)
    assert batch.server.hits["/hostile/loop-a"] == batch.server.hits["/hostile/loop-b"] == 1
    assert batch.server.hits["/hostile/loop-self"] == 1


@pytest.mark.e2e
def test_redirects_to_other_schemes_are_refused(batch):
    for path, target in BAD_REDIRECTS.items():
        lines = batch.warnings_about(f"Refused the redirect of {batch.server.base_url}{path}")
        assert len(lines) == 1 and lines[0].endswith(f"to {target}: not an http(s) URL"), (path, lines)
    assert batch.stats["stats"]["pages/failed/redirect_scheme"] == len(BAD_REDIRECTS)
    assert "kun-khmer" not in " ".join(batch.posts)


@pytest.mark.e2e
def test_lines_that_are_not_http_urls_are_refused_by_name(batch):
    for text, reason in REFUSED.items():
        lines = [line for line in batch.log.splitlines() if " WARNING: Refused line " in line and f"{text!r}" in line]
        assert len(lines) == 1 and lines[0].endswith(reason), (text, lines)
    assert batch.stats["stats"]["urls/refused"] == len(REFUSED)
    assert not [path for path in batch.server.requests if "passwd" in path or "alert" in path]


@pytest.mark.e2e
def test_each_hostile_url_is_fetched_once_and_the_run_fails_only_on_its_shares(batch):
    """Exit status 1 because 8 of 16 article pages held no article (ARTICLES_MISSING_MAX_RATIO 20%) and
    more than 20% of the pages could not be fetched (ARTICLES_FAILED_MAX_RATIO): with both checks off,
    nothing else would fail the run — no ERROR, no traceback, a normal finish."""
    for path in [*NOT_ARTICLES, *TOO_LARGE, *BAD_REDIRECTS, *SAME_POST]:
        assert batch.server.hits[path] == 1, path  # no retries of what cannot succeed
    assert batch.measured.run.returncode == 1
    problems = batch.stats["problems"]
    assert len(problems) == 2 and "without an article" in problems[0]
    assert "could not be fetched" in problems[1] and "ARTICLES_FAILED_MAX_RATIO" in problems[1]
    assert assess(batch.stats["stats"], Limits(missing_max_ratio=1.0, failed_max_ratio=1.0)) == []
    assert "Traceback" not in batch.log and " ERROR: " not in batch.log
    stats = batch.stats["stats"]
    assert stats["urls/given"] == (len(GOOD) + len(NOT_ARTICLES) + len(TOO_LARGE) + len(LOOPS) + len(BAD_REDIRECTS)
                                   + len(SAME_POST))
    assert stats["pages/failed"] == len(TOO_LARGE) + len(LOOPS) + len(BAD_REDIRECTS)


@pytest.mark.e2e
def test_memory_stays_bounded(batch):
    """Two 4 MiB pages, two 1 GiB gzip bombs and 10 000-deep nesting: the crawl's peak RSS stays low."""
    assert batch.measured.peak_rss_mb < RSS_LIMIT_MB, batch.measured


# ---------------------------------------------------------------------------- a server that never finishes


@pytest.mark.e2e
def test_a_response_that_trickles_forever_times_out_and_the_run_ends(tmp_path):
    stop = threading.Event()

    def trickle(handler: BaseHTTPRequestHandler) -> bool:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        while not stop.is_set() and _send(handler, b"<"):
            stop.wait(1.0)
        return True

    urls = tmp_path / "urls.txt"
    urls.write_text(f"{ORIGIN}/hostile/trickle\n{SEED['origin_url']}\n", encoding="utf-8")
    output = tmp_path / "out"
    with ReplayServer(REPLICA, custom={"/hostile/trickle": trickle}) as server:
        try:
            measured = run_measured(crawl_args(server, urls, output, "-s", "DOWNLOAD_TIMEOUT=2", "-s",
                                               "RETRY_TIMES=1"), tmp_path / "crawl.log", timeout=90)
        finally:
            stop.set()
    log = measured.run.output
    assert set(posts(output)) == {SEED["origin_url"]}
    assert server.hits["/hostile/trickle"] == 2  # the first try and one retry, each cut by the timeout
    url = f"{server.base_url}/hostile/trickle"
    assert re.search(rf"ERROR: Gave up retrying <GET {re.escape(url)}> \(failed 2 times\): .*took longer than 2", log)
    assert re.search(rf"WARNING: Article page {re.escape(url)} failed: .*took longer than 2", log), log[-3000:]
    stats = last_stats(output)["stats"]
    assert stats["pages/failed/DownloadTimeoutError"] == 1 and stats["articles/new"] == 1
    assert measured.run.returncode == 1  # a page given up after retries fails the run (as any failed retry)
