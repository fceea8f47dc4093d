"""End to end: a crawl of the replica keeps its article pages as WARC files; `scrapy reprocess` and
`scrapy crawl <site> -a warc=` write the same posts from them without a single request.

"No request" is proven, not assumed: those runs get `http_proxy`/`https_proxy` pointing at a tripwire
server on 127.0.0.1 that records anything sent to it, so a request to the real site (or anywhere)
would be seen there; the replica's own request log must stay empty too. A control test shows the
tripwire does catch a crawl that makes requests.
"""

from __future__ import annotations

import gzip
import io
import shutil
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive.reader import scan
from tests.conftest import REPLICA, ROOT, SEED_SLUG, ScrapyRun, expected_articles, run_scrapy
from tests.crawl_helpers import (
    DEAD_PATH,
    FAST,
    OLD_PATH,
    crawl,
    crawl_args,
    last_stats,
    origin,
    post_count,
    posts,
    slow_articles,
    snapshot,
    start_crawl,
    stop,
    summary_line,
    wait_for,
)
from tests.replay_server import LOOPBACK, ReplayServer, load_routes

pytestmark = pytest.mark.e2e

EXPECTED = {a["origin_url"] for a in expected_articles()}
SEED = origin(f"/national/{SEED_SLUG}")


class Tripwire:
    """An HTTP server (and proxy) on 127.0.0.1 that answers nothing useful and records every request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        tripwire = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one_request(self) -> None:
                self.raw_requestline = self.rfile.readline(65537)
                if self.raw_requestline:
                    tripwire.requests.append(self.raw_requestline.decode("latin-1").strip())
                    self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                self.close_connection = True

        self.httpd = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{LOOPBACK}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def env(self) -> dict[str, str]:
        """Environment that routes every request a Scrapy process makes through this server."""
        return {"http_proxy": self.url, "https_proxy": self.url, "HTTP_PROXY": self.url, "HTTPS_PROXY": self.url,
                "no_proxy": "", "NO_PROXY": ""}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def tripwire() -> Iterator[Tripwire]:
    trap = Tripwire()
    yield trap
    trap.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> tuple[Path, ScrapyRun, str]:
    """One crawl of the replica (through base_url): its output folder, run and the mirror's base URL."""
    out = tmp_path_factory.mktemp("crawl") / "out"
    with ReplayServer(REPLICA) as server:
        run = crawl("phnompenhpost", server, out)
        base_url = server.base_url
    assert run.returncode == 0, run.output[-4000:]
    assert set(posts(out)) == EXPECTED
    return out, run, base_url


@pytest.fixture
def archive(crawled, tmp_path) -> Path:
    """A copy of the crawled output folder, for a test to change."""
    copy = tmp_path / "out"
    shutil.copytree(crawled[0], copy)
    return copy


def post_bytes(output: Path) -> dict[str, bytes]:
    """The posts (not a killed write's hidden temporary file), by file name."""
    return {name: data for name, (data, _) in snapshot(output).items() if not name.startswith(".")}


def reprocess(output: Path, trap: Tripwire, *extra: str) -> ScrapyRun:
    return run_scrapy("reprocess", "-s", f"OUTPUT_DIR={output}", *FAST, *extra, env=trap.env)


def warc_records(output: Path) -> list[tuple[str, dict[str, str], StatusAndHeaders | None]]:
    found = []
    for path in sorted((output / ".crawler" / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            found.extend((r.rec_type, dict(r.rec_headers.headers), r.http_headers) for r in ArchiveIterator(fh))
    return found


# ---------------------------------------------------------------------------- capture


def test_a_crawl_archives_each_article_page_once_under_its_real_url(crawled):
    out, _, base_url = crawled
    records = warc_records(out)
    responses = [headers for kind, headers, _ in records if kind == "response"]
    requests = [(headers, http) for kind, headers, http in records if kind == "request"]
    assert sorted(h["WARC-Target-URI"] for h in responses) == sorted(EXPECTED)  # not the 301, 404 or 503
    for headers in responses:
        assert headers["WARC-Fetched-URI"] == headers["WARC-Target-URI"].replace(origin(""), base_url)
        assert headers["WARC-Payload-Digest"].startswith("sha1:")
    assert len(requests) == len(responses)
    assert {http.get_header("Host") for _, http in requests if http is not None} == {base_url.split("//")[1]}
    stats = last_stats(out)["stats"]
    assert stats["warc/records"] == len(EXPECTED)
    assert stats["warc/files"] == 1


def test_warc_enabled_0_archives_nothing_and_reprocess_says_so(tmp_path, replica, tripwire):
    out = tmp_path / "out"
    run = crawl("phnompenhpost", replica, out, "-s", "WARC_ENABLED=0")
    assert run.returncode == 0, run.output[-3000:]
    assert len(posts(out)) == len(EXPECTED)
    assert not (out / ".crawler" / "warc").exists()
    again = reprocess(out, tripwire)
    assert again.returncode == 2, again.output[-3000:]
    assert "nothing to reprocess: no WARC file in" in again.output
    assert "Traceback" not in again.output


# ---------------------------------------------------------------------------- reprocess


def test_reprocess_brings_back_every_deleted_post_byte_identical_without_a_request(crawled, archive, tripwire):
    before = post_bytes(archive)
    shutil.rmtree(archive / "_posts")
    run = reprocess(archive, tripwire)
    assert run.returncode == 0, run.output[-4000:]
    assert post_bytes(archive) == before
    assert tripwire.requests == []
    assert "OK - 0 new, 14 updated, 0 unchanged" in summary_line(run)
    assert ", 0 requests," in summary_line(run)
    stats = last_stats(archive)["stats"]
    assert "downloader/request_count" not in stats
    assert stats["archive/pages"] == len(EXPECTED)

    unchanged = snapshot(archive)  # and once more: nothing to do, nothing touched
    again = reprocess(archive, tripwire)
    assert again.returncode == 0, again.output[-4000:]
    assert "OK - 0 new, 0 updated, 14 unchanged" in summary_line(again)
    assert snapshot(archive) == unchanged
    assert tripwire.requests == []


def test_the_tripwire_sees_a_run_that_makes_requests(tmp_path, tripwire):
    """Control: with the same environment, a crawl that does fetch is caught."""
    run = run_scrapy("crawl", "article", "-a", f"url={SEED}", "-s", f"OUTPUT_DIR={tmp_path / 'out'}", *FAST,
                     "-s", "RETRY_TIMES=0", env=tripwire.env)
    assert run.returncode != 0
    assert tripwire.requests and all("www.phnompenhpost.com" in line for line in tripwire.requests)


def test_reprocess_after_a_profile_change_updates_only_the_changed_posts_in_place(archive, tripwire, tmp_path):
    sites = tmp_path / "sites"
    shutil.copytree(ROOT / "crawler" / "sites", sites)
    profile = sites / "phnompenhpost.yaml"
    text = profile.read_text(encoding="utf-8")
    assert "  from: path_segment\n" in text
    profile.write_text(text.replace("  from: path_segment\n", "  from: path_segment\n  map: {sport: sports}\n"),
                       encoding="utf-8")
    before = snapshot(archive)
    codes = {url: post.meta["code"] for url, post in posts(archive).items()}

    run = reprocess(archive, tripwire, "-s", f"SITES_DIR={sites}")
    assert run.returncode == 0, run.output[-4000:]
    after = snapshot(archive)
    assert set(after) == set(before)  # same files
    changed = {name for name in after if after[name] != before[name]}
    sport = {post.path.name for url, post in posts(archive).items() if url.startswith(origin("/sport/"))}
    assert sport and changed == sport
    assert all('category: "SPORTS"' in (archive / "_posts" / name).read_text(encoding="utf-8") for name in sport)
    assert {url: post.meta["code"] for url, post in posts(archive).items()} == codes
    assert f"OK - 0 new, {len(sport)} updated, {len(EXPECTED) - len(sport)} unchanged" in summary_line(run)
    assert tripwire.requests == []


def test_reprocess_url_and_site_choose_what_is_rebuilt(archive, tripwire):
    before = post_bytes(archive)
    shutil.rmtree(archive / "_posts")
    run = reprocess(archive, tripwire, "--url", SEED + "?utm_source=newsletter")
    assert run.returncode == 0, run.output[-4000:]
    assert set(posts(archive)) == {SEED}
    assert post_bytes(archive) == {name: data for name, data in before.items() if name in post_bytes(archive)}

    run = reprocess(archive, tripwire, "--url", origin(OLD_PATH))  # an old URL that redirected: its article
    assert run.returncode == 0, run.output[-4000:]
    assert set(posts(archive)) == {SEED, origin("/national/free-shuttle-bus-links-siem-reap-town-with-new-airport")}

    run = reprocess(archive, tripwire, "--site", "phnompenhpost", "--since", "2000-01-01")
    assert run.returncode == 0, run.output[-4000:]
    assert post_bytes(archive) == before

    missing = reprocess(archive, tripwire, "--url", origin("/national/never-archived"))
    assert missing.returncode == 1
    assert "Not in the archive" in missing.output and "never-archived" in missing.output
    unknown = reprocess(archive, tripwire, "--site", "nosuchsite")
    assert unknown.returncode == 2
    assert "unknown site(s) nosuchsite" in unknown.output and "Traceback" not in unknown.output
    assert tripwire.requests == []


# ---------------------------------------------------------------------------- backfill


def test_backfill_from_the_crawls_warc_into_an_empty_folder_gives_the_same_posts(crawled, tmp_path, tripwire):
    out, _, _ = crawled
    empty = tmp_path / "backfilled"
    run = run_scrapy("crawl", "phnompenhpost", "-a", f"warc={out / '.crawler' / 'warc'}", "-s", f"OUTPUT_DIR={empty}",
                     *FAST, env=tripwire.env)
    assert run.returncode == 0, run.output[-4000:]
    assert post_bytes(empty) == post_bytes(out)
    assert tripwire.requests == []
    assert "OK - 14 new, 0 updated, 0 unchanged" in summary_line(run)


def route_records() -> list[dict[str, object]]:
    """The replica's article routes as another archive would hold them (real URLs, the replica's headers)."""
    records = []
    for path, route in load_routes(REPLICA).items():
        if "?" in path or (not (route.get("file") or "").startswith("pages/articles/") and path != DEAD_PATH):
            continue
        body = (REPLICA / route["file"]).read_bytes() if route.get("file") else b"<html>Not found</html>"
        status = "200 OK" if route["status"] == 200 else f"{route['status']} Error"
        records.append({"url": origin(path), "status": status, "body": body,
                        "headers": list((route.get("headers") or {"Content-Type": "text/html"}).items())})
    return records


def write_foreign_warc(path: Path, entries: list[dict[str, object]], gz: bool = True) -> None:
    """A WARC file written with warcio directly, as Common Crawl or the Internet Archive write them."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for entry in entries:
            date = str(entry.get("date", "2026-11-20T00:00:00Z"))
            if entry.get("type") == "revisit":
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                record = writer.create_revisit_record(str(entry["url"]), digest="sha1:AAAA",
                                                      refers_to_uri=str(entry["url"]), refers_to_date=date,
                                                      http_headers=http)
            else:
                body = entry["body"]
                assert isinstance(body, bytes)
                http = StatusAndHeaders(str(entry["status"]), list(entry["headers"]), protocol="HTTP/1.1")  # type: ignore[call-overload]
                record = writer.create_warc_record(str(entry["url"]), "response", payload=io.BytesIO(body),
                                                   length=len(body), http_headers=http,
                                                   warc_headers_dict={"WARC-Date": date})
            writer.write_record(record)


def test_backfill_from_other_archives_takes_the_sites_articles_newest_first(crawled, tmp_path, tripwire):
    out, _, _ = crawled
    seed_page = (REPLICA / "pages" / "articles" / "national" / f"{SEED_SLUG}.html").read_bytes()
    sentence = b"The ASEAN member states are taking steps"
    assert sentence in seed_page
    html = [("Content-Type", "text/html; charset=utf-8")]
    older_seed = {"url": SEED, "status": "200 OK", "headers": html, "date": "2026-01-01T00:00:00Z",
                  "body": seed_page.replace(sentence, b"An OLD VERSION: the ASEAN member states are taking steps")}
    awkward = [
        older_seed,
        {"type": "revisit", "url": SEED, "date": "2026-12-01T00:00:00Z"},
        {"url": origin("/image.jpg"), "status": "200 OK", "headers": [("Content-Type", "image/jpeg")],
         "body": b"\xff\xd8\xff\xe0"},
        {"url": origin("/national"), "status": "200 OK", "headers": html,
         "body": (REPLICA / "pages" / "sections" / "national.html").read_bytes()},
        {"url": "https://www.example.org/national/other-site", "status": "200 OK", "headers": html, "body": seed_page},
        {"url": origin(OLD_PATH), "status": "301 Moved Permanently", "headers": [("Location", SEED)], "body": b""},
    ]
    folder = tmp_path / "cc"
    folder.mkdir()
    write_foreign_warc(folder / "CC-NEWS-1.warc.gz", [*awkward[:3], *route_records(), *awkward[3:]])
    write_foreign_warc(folder / "ia-2.warc", [older_seed, older_seed], gz=False)  # plain, older duplicates
    cut = folder / "CC-NEWS-3.warc.gz"
    write_foreign_warc(cut, [older_seed, {**older_seed, "date": "2026-12-02T00:00:00Z"}])
    cut.write_bytes(cut.read_bytes()[:-200])  # the newest capture of the seed of all is cut short: not used
    (folder / "notes.txt").write_text("not an archive", encoding="utf-8")

    empty = tmp_path / "backfilled"
    run = run_scrapy("crawl", "phnompenhpost", "-a", f"warc={folder}", "-s", f"OUTPUT_DIR={empty}", *FAST,
                     env=tripwire.env)
    assert run.returncode == 0, run.output[-4000:]
    assert post_bytes(empty) == post_bytes(out)  # the newest whole capture of each article, as the crawl wrote it
    assert tripwire.requests == []
    stats = last_stats(empty)["stats"]
    assert stats["archive/files"] == 3
    assert stats["archive/files_truncated"] == 1
    assert stats["archive/skipped/revisit"] == 1
    assert stats["archive/skipped/status_404"] == 1
    assert stats["archive/skipped/status_301"] == 1
    assert stats["archive/skipped/not_html"] == 1
    assert stats["archive/skipped/not_article"] == 1
    assert stats["archive/skipped/offsite"] == 1
    assert stats["archive/skipped/duplicate"] == 4  # the four older captures of the seed
    assert stats["archive/skipped/truncated"] == 1
    assert stats["archive/pages"] == len(EXPECTED)

    again = run_scrapy("crawl", "phnompenhpost", "-a", f"warc={folder}/*.warc*", "-s", f"OUTPUT_DIR={empty}", *FAST,
                       env=tripwire.env)
    assert again.returncode == 0, again.output[-4000:]
    assert "OK - 0 new, 0 updated, 0 unchanged" in summary_line(again)  # a backfill adds what is missing
    assert last_stats(empty)["stats"]["archive/skipped/known"] == len(EXPECTED) + 4  # each capture of each


def test_bad_warc_argument_is_one_line_and_exit_2(tmp_path):
    run = run_scrapy("crawl", "phnompenhpost", "-a", f"warc={tmp_path / 'missing.warc.gz'}",
                     "-s", f"OUTPUT_DIR={tmp_path / 'out'}", *FAST)
    assert run.returncode == 2
    assert "warc:" in run.output and "does not exist" in run.output and "Traceback" not in run.output


# ---------------------------------------------------------------------------- a killed crawl


def test_a_crawl_killed_with_sigkill_leaves_warc_files_the_next_reprocess_reads(crawled, tmp_path, tripwire):
    reference = post_bytes(crawled[0])
    out = tmp_path / "killed"
    with ReplayServer(REPLICA) as server:
        slow_articles(server, 0.4)
        process = start_crawl(crawl_args("phnompenhpost", server, out, "-s", "CONCURRENT_REQUESTS=2"),
                              tmp_path / "killed.log")
        try:
            wait_for(lambda: post_count(out) >= 3, what="three posts")
        finally:
            stop(process, signal.SIGKILL)
    written = post_bytes(out)
    assert 3 <= len(written) < len(EXPECTED), (tmp_path / "killed.log").read_text(errors="replace")[-3000:]
    counts: Counter[str] = Counter()
    captures = [c for path in sorted((out / ".crawler" / "warc").iterdir()) for c in scan(path, counts)]
    assert len({c.url for c in captures}) >= len(written)  # a page is archived before its post is written

    shutil.rmtree(out / "_posts")
    run = reprocess(out, tripwire)
    assert run.returncode == 0, run.output[-4000:]
    rebuilt = post_bytes(out)
    assert set(rebuilt) >= set(written)
    assert all(rebuilt[name] == reference[name] for name in rebuilt)
    assert tripwire.requests == []


def test_gzip_module_reads_our_files_whole(crawled):
    """Standard tools read our files: a gzip reader sees one WARC stream (each record a gzip member)."""
    [path] = sorted((crawled[0] / ".crawler" / "warc").glob("*.warc.gz"))
    text = gzip.decompress(path.read_bytes())
    assert text.startswith(b"WARC/1.1\r\nWARC-Type: warcinfo")
    assert text.count(b"WARC-Type: response") == len(EXPECTED)
