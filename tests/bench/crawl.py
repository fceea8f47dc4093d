"""`make bench`: crawl a generated news site on 127.0.0.1 with the real spider and with a bare Scrapy spider.

    python -m tests.bench.crawl [--sizes 500 3000]

For each size, a site of that many articles is generated from the replica's article page (varied
titles, text and dates; a sitemap with lastmod and paginated listing pages) and served from this
process on 127.0.0.1. Then, as subprocesses:

* `scrapy crawl benchsite` with the project's spider, pipelines and exporters (politeness delays
  off, the same concurrency as the bare spider), into a fresh OUTPUT_DIR, with the image archive off
  (`ARCHIVE_IMAGES=0`: posts link the pictures' original URLs);
* the same command again (the incremental run: nothing is new);
* the same two runs with the image archive on, into another OUTPUT_DIR: every article shows three
  pictures of its own (a JPEG lead image and two PNGs, a few KB each, served from this process through
  MIRRORS), which the first run downloads and stores and the second finds stored; the difference from
  the runs without the archive is what archiving costs per article;
* a bare Scrapy spider (`scrapy runspider`, default settings, no project) that downloads the same
  pages and does nothing with them.

Printed per run: wall time, requests, article pages, requests per second, articles per second, peak
RSS and CPU time of the crawl process (from wait4) and requests per new article. Comparing the two sizes shows
whether memory stays flat as the site grows.

The first run is made twice, with the web archive off (`WARC_ENABLED=0`) and on (the default), and a
line per size gives what the capture costs per article (CPU time of the crawl process, from wait4,
and crawl time) and how many bytes of WARC files it writes per article.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.replay_server import ReplayServer

ROOT = Path(__file__).resolve().parents[2]
REPLICA = ROOT / "tests" / "fixtures" / "sites" / "phnompenhpost"
SEED_SLUG = "asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts"
SEED_TITLE = "ASEAN nations collaborate on AI governance: Cambodia leads regional efforts"
SEED_ORIGIN = "https://www.phnompenhpost.com"
ORIGIN = "https://bench.example.org"
PER_LISTING_PAGE = 25
CONCURRENCY = 16
PICTURE_ORIGIN = "https://images.bench.example.org"
"""Where the generated articles' own pictures live (served from this process through MIRRORS)."""
SEED_PICTURES = (
    ("https://pppenglish.sgp1.digitaloceanspaces.com/image/main/202410/18_10_2024_img_3946.jpg",
     "images/pppenglish/18_10_2024_img_3946.jpg", "lead.jpg", "image/jpeg"),
    ("https://github.com/user-attachments/assets/e343a584-18f6-43f0-b1bd-0f3752e79dc2",
     "images/github/e343a584-18f6-43f0-b1bd-0f3752e79dc2.png", "inline-1.png", "image/png"),
    ("https://github.com/user-attachments/assets/3c8e09e7-d8a0-467f-9b64-caa1db489632",
     "images/github/3c8e09e7-d8a0-467f-9b64-caa1db489632.png", "inline-2.png", "image/png"),
)
"""The seed page's pictures: (URL in the page, replica file, name of the generated article's own copy, type)."""

PROFILE = """\
# Generated for the crawl benchmark (tests/bench/crawl.py).
name: Bench Site
origin: https://bench.example.org
timezone: Asia/Phnom_Penh
language: en
discovery:
  sitemaps: [/sitemap.xml]
  listings: [/news]
  max_pages: 10000
articles:
  allow: ['^/news/[a-z0-9-]+$']
body:
  selector: div.article-content
  remove: [.ad-slot, .share-buttons, .newsletter-signup, .related-articles, .article-tags]
  date_selector: .article-header .publication-date
  author_selector: .article-header .byline
"""

BARE_SPIDER = '''\
"""A bare spider: download the given URLs, keep nothing."""
import json
from datetime import datetime, timezone
from pathlib import Path

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls, stats, **kwargs):
        super().__init__(**kwargs)
        self.url_file = urls
        self.stats_file = stats

    async def start(self):
        for url in Path(self.url_file).read_text().split():
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        self.crawler.stats.inc_value("bare/pages")

    def closed(self, reason):
        raw = self.crawler.stats.get_stats()
        stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in raw.items()}
        stats["elapsed_time_seconds"] = (datetime.now(timezone.utc) - raw["start_time"]).total_seconds()
        Path(self.stats_file).write_text(json.dumps(stats))
'''

_ADJECTIVES = ("New", "Rural", "Provincial", "Regional", "Urban", "Coastal", "Northern", "Southern", "Young",
               "Local", "National", "Small")
_SUBJECTS = ("farmers", "schools", "traders", "clinics", "councils", "fishers", "exporters", "students",
             "builders", "drivers", "markets", "libraries", "cooperatives")
_VERBS = ("prepare for", "welcome", "debate", "plan for", "count the cost of", "adapt to", "question",
          "celebrate", "study", "invest in", "look beyond")
_OBJECTS = ("the rainy season", "new rules", "higher prices", "a record harvest", "faster internet",
            "cleaner water", "longer school days", "a new bridge", "the festival", "digital payments")


@dataclass
class Site:
    """A generated site: article slugs with their dates, listing pages, the sitemap."""

    size: int
    start: datetime

    def title(self, i: int) -> str:
        words = (_ADJECTIVES[i % len(_ADJECTIVES)], _SUBJECTS[(i // 3) % len(_SUBJECTS)],
                 _VERBS[(i // 7) % len(_VERBS)], _OBJECTS[(i // 11) % len(_OBJECTS)])
        return f"{words[0]} {words[1]} {words[2]} {words[3]}, report {i}"

    def slug(self, i: int) -> str:
        return "-".join(self.title(i).lower().replace(",", "").split())

    def published(self, i: int) -> datetime:
        return self.start + timedelta(minutes=37 * i)

    def paths(self) -> list[str]:
        return [f"/news/{self.slug(i)}" for i in range(self.size)]

    def listing_pages(self) -> int:
        return (self.size + PER_LISTING_PAGE - 1) // PER_LISTING_PAGE

    def listing_path(self, page: int) -> str:
        return "/news" if page == 1 else f"/news?page={page}"

    def sitemap(self) -> bytes:
        entries = "".join(
            f"<url><loc>{ORIGIN}/news/{self.slug(i)}</loc><lastmod>{self.published(i).isoformat()}</lastmod></url>"
            for i in range(self.size)
        )
        return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{entries}</urlset>").encode()

    def listing(self, page: int) -> bytes:
        first = (page - 1) * PER_LISTING_PAGE
        items = "".join(f'<li><a href="/news/{self.slug(i)}">{self.title(i)}</a></li>'
                        for i in range(first, min(first + PER_LISTING_PAGE, self.size)))
        nxt = f'<link rel="next" href="/news?page={page + 1}">' if page < self.listing_pages() else ""
        head = f"<head><title>News</title>{nxt}</head>"
        return f"<!DOCTYPE html><html>{head}<body><ul>{items}</ul></body></html>".encode()


class ArticlePages:
    """Article pages made from the replica's seed page (with `pictures`, each shows pictures of its own)."""

    def __init__(self, site: Site, pictures: bool = False) -> None:
        self.site = site
        self.pictures = pictures
        self.template = (REPLICA / "pages" / "articles" / "national" / f"{SEED_SLUG}.html").read_text(encoding="utf-8")

    def page(self, i: int) -> bytes:
        site = self.site
        published = site.published(i).astimezone(UTC).replace(tzinfo=None)
        local = published + timedelta(hours=7)
        text = self.template.replace(f"{SEED_ORIGIN}/national/{SEED_SLUG}", f"{ORIGIN}/news/{site.slug(i)}")
        text = text.replace(f"/national/{SEED_SLUG}", f"/news/{site.slug(i)}")
        text = text.replace(SEED_TITLE, site.title(i))
        text = text.replace("2024-10-18T10:58:50+07:00", local.strftime("%Y-%m-%dT%H:%M:%S+07:00"))
        text = text.replace("2024-10-18T14:02:13+07:00", local.strftime("%Y-%m-%dT%H:%M:%S+07:00"))
        text = text.replace("18 October 2024 | 10:58 ICT", local.strftime("%-d %B %Y | %H:%M ICT"))
        text = text.replace("The ASEAN member states are taking steps",
                            f"In report {i}, the ASEAN member states are taking steps")
        if self.pictures:
            for url, _, name, _ in SEED_PICTURES:
                text = text.replace(url, f"{PICTURE_ORIGIN}/{i}/{name}")
        return text.encode("utf-8")


def picture(i: int, file: str) -> bytes:
    """Article i's own copy of a replica picture: the same image, bytes of its own (after the image data)."""
    return (REPLICA / file).read_bytes() + f"article {i}".encode()


def _send(handler: BaseHTTPRequestHandler, body: bytes, content_type: str) -> bool:
    headers = {"Content-Type": content_type}
    if "gzip" in handler.headers.get("Accept-Encoding", ""):
        body = gzip.compress(body, compresslevel=5, mtime=0)
        headers["Content-Encoding"] = "gzip"
    handler.send_response(200)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
    return True


def serve(site: Site, folder: Path, pictures: bool = False) -> ReplayServer:
    """Serve the site; with `pictures`, every article shows three pictures of its own, served under /img/
    (MIRRORS maps PICTURE_ORIGIN there)."""
    (folder / "routes.json").write_text("[]", encoding="utf-8")
    server = ReplayServer(folder)
    pages = ArticlePages(site, pictures)
    server.custom["/robots.txt"] = lambda h: _send(h, b"User-agent: *\nDisallow: /admin\n", "text/plain")
    sitemap = site.sitemap()
    server.custom["/sitemap.xml"] = lambda h: _send(h, sitemap, "application/xml")
    for page in range(1, site.listing_pages() + 1):
        body = site.listing(page)
        server.custom[site.listing_path(page)] = lambda h, body=body: _send(h, body, "text/html; charset=utf-8")
    for i, path in enumerate(site.paths()):
        server.custom[path] = lambda h, i=i: _send(h, pages.page(i), "text/html; charset=utf-8")
        for _, file, name, kind in SEED_PICTURES if pictures else ():
            server.custom[f"/img/{i}/{name}"] = lambda h, i=i, file=file, kind=kind: _send(h, picture(i, file), kind)
    return server.start()


def picture_mirrors(server: ReplayServer) -> tuple[str, ...]:
    """Settings that archive the pictures, fetched from this process."""
    return ("-s", "ARCHIVE_IMAGES=1", "-s", f"MIRRORS={json.dumps({PICTURE_ORIGIN: server.base_url + '/img'})}")


@dataclass
class Result:
    label: str
    seconds: float
    """Wall time of the process, start-up included."""
    crawl_seconds: float
    """The crawl itself (Scrapy's elapsed time): the rates are per crawl second."""
    requests: int
    articles: int
    new: int
    peak_rss_mb: float
    exit_status: int
    cpu_seconds: float = 0.0
    """User + system CPU time of the crawl process."""
    archive_bytes: int = 0
    """Size of the WARC files the run left in OUTPUT_DIR/.crawler/warc."""

    def row(self) -> str:
        rate = self.requests / self.crawl_seconds if self.crawl_seconds else 0.0
        article_rate = self.articles / self.crawl_seconds if self.crawl_seconds else 0.0
        per_new = f"{self.requests / self.new:.2f}" if self.new else "-"
        return (f"{self.label:<38} {self.seconds:6.1f} {self.crawl_seconds:7.1f} {self.requests:8d} "
                f"{self.articles:8d} {rate:7.1f} {article_rate:7.1f} {self.peak_rss_mb:8.1f} {per_new:>8} "
                f"{self.exit_status:4d} {self.cpu_seconds:6.1f}")


HEADER = (f"{'run':<38} {'wall s':>6} {'crawl s':>7} {'requests':>8} {'articles':>8} {'req/s':>7} {'art/s':>7} "
          f"{'peak MB':>8} {'req/new':>8} {'exit':>4} {'cpu s':>6}")


def archive_cost(without: Result, with_pictures: Result) -> str:
    """What the image archive costs per new article: the two first runs of the same site compared."""
    if not (without.new and with_pictures.new):
        return "image archive: no article written, nothing to compare"
    n = with_pictures.new
    return (f"image archive, per article (3 pictures each): "
            f"+{(with_pictures.requests - without.requests) / n:.2f} requests, "
            f"+{(with_pictures.crawl_seconds - without.crawl_seconds) / n * 1000:.1f} ms of crawl time, "
            f"+{(with_pictures.cpu_seconds - without.cpu_seconds) / n * 1000:.1f} ms of CPU")




def run_measured(command: list[str], cwd: Path, log: Path) -> tuple[int, float, float]:
    """Run a subprocess; (exit status, wall seconds, peak RSS in MB of that process)."""
    status, seconds, peak, _ = run_measured_cpu(command, cwd, log)
    return status, seconds, peak


def run_measured_cpu(command: list[str], cwd: Path, log: Path) -> tuple[int, float, float, float]:
    """Run a subprocess; (exit status, wall seconds, peak RSS in MB, user + system CPU seconds)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    with log.open("wb") as handle:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    peak_kb = usage.ru_maxrss  # kilobytes on Linux
    return process.returncode, time.monotonic() - started, peak_kb / 1024, usage.ru_utime + usage.ru_stime


def run_stats(out: Path) -> dict[str, Any]:
    """The stats of the latest `benchsite` run (not a worker's) in OUTPUT_DIR `out`; {} when there is none."""
    runs = sorted((out / ".crawler" / "runs").glob("benchsite-2*.json"), key=lambda p: p.stat().st_mtime_ns)
    return json.loads(runs[-1].read_text(encoding="utf-8"))["stats"] if runs else {}


def project_command(server: ReplayServer, work: Path, out: Path, concurrency: int = CONCURRENCY,
                    extra: tuple[str, ...] = ()) -> list[str]:
    """`scrapy crawl benchsite` against the generated site, politeness delays off."""
    return [sys.executable, "-m", "scrapy", "crawl", "benchsite", "-a", f"base_url={server.base_url}",
            "-s", f"OUTPUT_DIR={out}", "-s", f"SITES_DIR={work / 'sites'}", "-s", "AUTOTHROTTLE_ENABLED=0",
            "-s", "DOWNLOAD_DELAY=0", "-s", f"CONCURRENT_REQUESTS={concurrency}",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "-s", "LOG_LEVEL=WARNING",
            "-s", "ARCHIVE_IMAGES=0", *extra]


def crawl_project(server: ReplayServer, work: Path, label: str, concurrency: int = CONCURRENCY,
                  extra: tuple[str, ...] = (), out_name: str = "out") -> Result:
    out = work / out_name
    command = project_command(server, work, out, concurrency, extra)
    status, seconds, peak, cpu = run_measured_cpu(command, ROOT, work / f"{label}.log")
    stats = run_stats(out)
    articles = int(stats.get("item_scraped_count", 0)) + int(stats.get("item_dropped_count", 0))
    new = int(stats.get("articles/new", 0))
    crawl_seconds = float(stats.get("elapsed_time_seconds", 0.0))
    archive = sum(p.stat().st_size for p in (out / ".crawler" / "warc").glob("*.warc.gz"))
    return Result(label, seconds, crawl_seconds, int(stats.get("downloader/request_count", 0)), articles, new, peak,
                  status, cpu, archive)


def capture_line(size: int, with_warc: Result, without: Result) -> str:
    """What the web archive costs per article written: CPU and crawl time, and WARC bytes."""
    n = with_warc.new or 1
    cpu = (with_warc.cpu_seconds - without.cpu_seconds) / n * 1000
    crawl = (with_warc.crawl_seconds - without.crawl_seconds) / n * 1000
    return (f"WARC capture ({size}): {cpu:+.2f} ms CPU per article ({with_warc.cpu_seconds / n * 1000:.1f} ms with, "
            f"{without.cpu_seconds / (without.new or 1) * 1000:.1f} ms without), {crawl:+.2f} ms crawl time per "
            f"article; archive {with_warc.archive_bytes / n / 1024:.1f} KiB per article "
            f"({with_warc.archive_bytes / 1024 / 1024:.1f} MiB for {with_warc.new} articles)")


def crawl_bare(server: ReplayServer, site: Site, work: Path) -> Result:
    bare = work / "bare"
    bare.mkdir()
    (bare / "bare_spider.py").write_text(BARE_SPIDER, encoding="utf-8")
    urls = [server.base_url + "/sitemap.xml"]
    urls += [server.base_url + site.listing_path(p) for p in range(1, site.listing_pages() + 1)]
    urls += [server.base_url + path for path in site.paths()]
    (bare / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
    command = [sys.executable, "-m", "scrapy", "runspider", "bare_spider.py", "-a", "urls=urls.txt",
               "-a", "stats=stats.json", "-s", "ROBOTSTXT_OBEY=True", "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}",
               "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}", "-s", "LOG_LEVEL=WARNING",
               "-s", "TELNETCONSOLE_ENABLED=0", "-s", "REMOTE_CONTROL_ENABLED=0"]
    status, seconds, peak, cpu = run_measured_cpu(command, bare, work / "bare.log")  # cwd outside the project
    stats = json.loads((bare / "stats.json").read_text(encoding="utf-8")) if (bare / "stats.json").exists() else {}
    return Result(f"bare Scrapy spider, downloads ({site.size})", seconds, float(stats.get("elapsed_time_seconds", 0)),
                  int(stats.get("downloader/request_count", 0)), site.size, site.size, peak, status,
                  cpu)


def workspace(size: int, prefix: str) -> tuple[Site, Path]:
    """A generated site of `size` articles and a work folder holding its profile."""
    site = Site(size, datetime(2024, 1, 1, tzinfo=UTC))
    work = Path(tempfile.mkdtemp(prefix=f"{prefix}-{size}-"))
    (work / "sites").mkdir()
    (work / "sites" / "benchsite.yaml").write_text(PROFILE, encoding="utf-8")
    (work / "site").mkdir()
    return site, work


def bench(size: int, keep: bool) -> list[Result]:
    site, work = workspace(size, "bench-crawl")
    server = serve(site, work / "site", pictures=True)
    try:
        plain = crawl_project(server, work, f"project spider, first run, no WARC ({size})",
                              extra=("-s", "WARC_ENABLED=0"), out_name="out-nowarc")
        first = crawl_project(server, work, f"project spider, first run ({size})")
        again = crawl_project(server, work, f"project spider, rerun ({size})")
        pictures = picture_mirrors(server)
        archived = crawl_project(server, work, f"  + image archive, first run ({size})", extra=pictures,
                                 out_name="out-pictures")
        archived_again = crawl_project(server, work, f"  + image archive, rerun ({size})", extra=pictures,
                                       out_name="out-pictures")
        bare = crawl_bare(server, site, work)
    finally:
        server.stop()
    if not keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"  (work folder kept: {work})")
    return [plain, first, again, archived, archived_again, bare]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=textwrap.dedent(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 3000], help="site sizes (articles)")
    parser.add_argument("--keep", action="store_true", help="keep the generated output folders")
    args = parser.parse_args(argv)
    print(f"Crawl benchmark: generated sites of {', '.join(map(str, args.sizes))} articles on 127.0.0.1, "
          f"concurrency {CONCURRENCY}, politeness delays off")
    print(HEADER)
    failed = False
    captures = []
    for size in args.sizes:
        results = bench(size, args.keep)
        for result in results:
            print(result.row(), flush=True)
            failed |= result.exit_status != 0
        captures.append(capture_line(size, results[1], results[0]))
        print(f"  {archive_cost(results[1], results[3])}", flush=True)
    for line in captures:
        print(line)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(the benchmark process serving the sites peaked at {own:.0f} MB)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
