"""`make bench-extract`, second half: the corpus pages through the real crawl, scored on the posts written.

    python -m tests.bench.posts [--corpus fundus-dev] [--corpus-dir DIR] [--workers 4]

`tests.bench.extract` scores `extract_article`; a user gets what `scrapy crawl article` writes, after
the request, the response's encoding, the item pipelines and the post's front matter. This serves every
page of a corpus from 127.0.0.1 under a mirror of its own site (`/<host>/<path>`), runs `scrapy crawl
article -a urls=FILE -a base_url=<mirror of the host>` once per site (pictures and the web archive off:
nothing leaves 127.0.0.1), reads the posts' front matter and prints, per part of the corpus (tuning,
checking; tests/bench/split.py): pages, pages without a post, exact title, publication day and author
recall, scored as the extraction benchmark scores them. A page without a post counts as a miss.

A post is matched to its page by its origin_url, or as the one post of a site crawled with one page. Pages
of one host that file themselves under other sites (web.archive.org captures name the original site as
their canonical URL) are written but not matched: `--missing` lists them with their run's summary.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from crawler.posts import parse_front_matter
from tests.bench.extract import ALL_CORPORA, Page, load_corpus, true_authors_of
from tests.bench.scoring import authors_found, same_day, title_matches
from tests.bench.split import PARTS

ROOT = Path(__file__).resolve().parents[2]
SCRAPY = Path(sys.executable).with_name("scrapy")
SETTINGS = ("ARCHIVE_IMAGES=0", "WARC_ENABLED=0", "LOG_LEVEL=INFO")
_REASONS = ("articles/missing/", "articles/dropped/", "pages/failed/")


def page_key(url: str) -> str:
    """What a page is known by, on the server and in the posts: host and path, no query or fragment (the
    crawl drops tracking parameters; the corpora's URLs carry some), percent-escapes decoded."""
    parts = urlsplit(url.strip())
    return f"{(parts.hostname or '').lower()}{unquote(parts.path or '/')}".rstrip("/")


@contextmanager
def serve(pages: Sequence[Page]) -> Iterator[str]:
    """The pages at http://127.0.0.1:PORT/<host>/<path>; the base URL."""
    by_key = {page_key(page.url): page.html for page in pages}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = by_key.get(page_key("http://" + self.path.lstrip("/")))
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Crawl:
    host: str
    returncode: int
    summary: str
    reasons: Counter[str]
    """Why pages gave no post: the run's `articles/missing/*`, `articles/dropped/*` and `pages/failed/*` stats."""


def crawl_site(host: str, urls: list[str], base: str, work: Path) -> Crawl:
    """`scrapy crawl article` over one site's pages, from its mirror; posts under work/<host>/_posts."""
    url_file = work / f"{host}.txt"
    url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    command = [str(SCRAPY), "crawl", "article", "-a", f"urls={url_file}", "-a", f"base_url={base}/{host}",
               "-s", f"OUTPUT_DIR={work / host}"]
    for setting in SETTINGS:
        command += ["-s", setting]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    summary = next((line.split("INFO: ", 1)[-1] for line in run.stderr.splitlines() if "Run summary" in line),
                   run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "no output")
    reasons: Counter[str] = Counter()
    for stats_file in (work / host / ".crawler" / "runs").glob("*.json"):
        stats = json.loads(stats_file.read_text(encoding="utf-8")).get("stats", {})
        reasons.update({key: int(n) for key, n in stats.items() if key.startswith(_REASONS) and key.count("/") == 2})
    return Crawl(host, run.returncode, summary, reasons)


def posts_by_page(work: Path, sites: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Front matter of every post written, by the page key of the URL crawled: the post's origin_url, or the
    one page of a site crawled alone (a page's canonical URL may name another address than the one linked)."""
    posts: dict[str, dict[str, Any]] = {}
    for host, urls in sites.items():
        fronts = [parse_front_matter(path.read_text(encoding="utf-8")) or {}
                  for path in (work / host / "_posts").glob("*.md")]
        if len(urls) == 1 and len(fronts) == 1:
            posts[page_key(urls[0])] = fronts[0]
            continue
        for front in fronts:
            if front.get("origin_url"):
                posts[page_key(str(front["origin_url"]))] = front
    return posts


@dataclass
class Score:
    pages: int = 0
    posts: int = 0
    titles: int = 0
    titled: int = 0
    days: int = 0
    dated: int = 0
    authors: int = 0
    names: int = 0

    def add(self, page: Page, front: dict[str, Any] | None) -> None:
        truth = page.truth
        self.pages += 1
        self.posts += front is not None
        front = front or {}
        if truth.get("title"):
            self.titled += 1
            self.titles += title_matches(front.get("title"), truth["title"])
        if truth.get("date"):
            self.dated += 1
            self.days += bool(front.get("date")) and same_day(front.get("date"), truth["date"])
        names = true_authors_of(truth)
        if names:
            self.names += len(names)
            written = front.get("author") or []
            self.authors += authors_found([written] if isinstance(written, str) else written, names)

    def row(self, label: str) -> str:
        def share(n: int, d: int) -> str:
            return f"{n / d:.3f}" if d else "—"
        return (f"{label:<34}{self.pages:>7}{self.pages - self.posts:>14}{share(self.titles, self.titled):>8}"
                f"{share(self.days, self.dated):>8}{share(self.authors, self.names):>9}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.posts", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", choices=ALL_CORPORA,
                        help="corpus to crawl (default: fundus-dev; pages without a real URL are left out)")
    parser.add_argument("--corpus-dir", type=Path, help="folder holding corpora that are not bundled")
    parser.add_argument("--workers", type=int, default=4, help="crawls run at once (default 4)")
    parser.add_argument("--missing", action="store_true", help="list pages without a post, with their run's summary")
    args = parser.parse_args(argv)
    for name in args.corpus or ["fundus-dev"]:
        pages = [page for page in load_corpus(name, args.corpus_dir) if "://" in str(page.truth["url"])]
        sites: dict[str, list[str]] = {}
        for page in pages:
            sites.setdefault(urlsplit(page.url.strip()).hostname or "", []).append(page.url.strip())
        with tempfile.TemporaryDirectory(prefix="bench-posts-") as folder, serve(pages) as base:
            work = Path(folder)
            with ThreadPoolExecutor(max(1, args.workers)) as pool:
                crawls = list(pool.map(crawl_site, sites, sites.values(), [base] * len(sites), [work] * len(sites)))
            posts = posts_by_page(work, sites)
        print(f"\n{name} through `scrapy crawl article` ({len(pages)} pages, {len(sites)} sites)")
        print(f"{'part':<34}{'pages':>7}{'without post':>14}{'title':>8}{'day':>8}{'authors':>9}")
        scores = {part: Score() for part in ("all", *PARTS)}
        for page in pages:
            front = posts.get(page_key(page.url))
            scores["all"].add(page, front)
            scores[page.part].add(page, front)
        for part, score in scores.items():
            label = {"all": "all pages", "tuning": "tuning part", "checking": "checking part (not tuned on)"}[part]
            print(score.row(label))
        reasons = sum((crawl.reasons for crawl in crawls), Counter[str]())
        if reasons:
            print("why pages gave no post: " + ", ".join(f"{key} {n}" for key, n in reasons.most_common()))
        for crawl in crawls:
            if crawl.returncode:
                print(f"  {crawl.host}: exit {crawl.returncode}: {crawl.summary}")
        if args.missing:
            summaries = {crawl.host: crawl.summary for crawl in crawls}
            for page in pages:
                if page_key(page.url) not in posts:
                    print(f"  no post: {page.url} ({page.part}): {summaries.get(urlsplit(page.url).hostname or '')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
