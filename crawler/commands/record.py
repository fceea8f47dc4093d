"""`scrapy record SITE DIR`: save what a crawl of the site fetched as a test replica, with drafted expectations.

The site's spider runs as `scrapy checksites` runs it (validate and normalise, nothing written to the
archive), from `--base-url` when given; by default every article (`-a full=1`), with `--articles N`
only the N newest (a short crawl of a big site). Every response it received becomes a route of
DIR/routes.json with its body under DIR/pages/ (status, the headers a replica keeps, redirects as
relative paths), robots.txt, sitemaps, feeds and listing pages included. Every article it extracted
gets DIR/expected/<slug>.json, drafted from the normalised values for a person to review. DIR must not
hold a replica already. The format is the one tests/replay_server.py serves (tests/fixtures/sites/README.md).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from lxml import html as lxml_html
from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from crawler.commands.checksites import base_url_option, check_crawl_settings
from crawler.extensions.summary import finish_problem
from crawler.profiles import ProfileError
from crawler.replica import (
    KEPT_HEADERS,
    chrome_texts,
    expected_entry,
    expected_name,
    page_file,
    plain_paragraphs,
    route_path,
)

if TYPE_CHECKING:
    import argparse

    from scrapy import Request, Spider
    from scrapy.http import Response

CHROME_XPATH = ("//header | //footer | //nav | //form | //aside | //*[contains(@class, 'related') or "
                "contains(@class, 'share') or contains(@class, 'comment') or contains(@class, 'newsletter')]")


class Recording:
    """The responses and articles of one crawl, written out as a replica."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.routes: dict[str, dict[str, Any]] = {}
        self.bodies: dict[str, bytes] = {}
        self.articles: list[tuple[dict[str, Any], str, list[str], bytes]] = []

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        path = route_path(response.url)
        if path in self.routes and self.routes[path]["status"] == 200 and response.status != 200:
            return  # a retried page: keep the answer that worked
        headers = {name: (response.headers.get(name) or b"").decode("latin-1") for name in KEPT_HEADERS
                   if response.headers.get(name)}
        location = response.headers.get(b"Location")
        redirect = route_path(response.urljoin(location.decode("latin-1"))) if location else None
        body_file = page_file(path, headers.get("Content-Type", "")) if response.body and not redirect else None
        self.routes[path] = {"path": path, "file": body_file, "status": response.status, "headers": headers,
                             "redirect": redirect}
        if body_file:
            self.bodies[path] = response.body

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        redirected = [route_path(url) for url in response.meta.get("redirected_from") or ()]
        self.articles.append((ItemAdapter(item).asdict(), route_path(response.url), redirected, response.body))

    def write(self, zone: Any, source: str) -> int:
        """Write routes.json, the pages and the expected files; the number of expected files."""
        for path, body in self.bodies.items():
            target = self.folder / self.routes[path]["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        routes = [self.routes[path] for path in sorted(self.routes)]
        (self.folder / "routes.json").write_text(json.dumps(routes, indent=2) + "\n", encoding="utf-8")
        expected = self.folder / "expected"
        expected.mkdir(exist_ok=True)
        for article, path, redirected, body in self.articles:
            body_text = " ".join(plain_paragraphs(article.get("body") or "", limit=10_000))
            chrome = chrome_texts(_chrome_candidates(body), body_text + " " + (article.get("title") or ""))
            entry = expected_entry(article, [path], redirected, zone, chrome, source)
            (expected / expected_name(article["origin_url"])).write_text(
                json.dumps(entry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return len(self.articles)


def _chrome_candidates(body: bytes) -> list[str]:
    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    texts: list[str] = []
    found = tree.xpath(CHROME_XPATH)
    for element in found if isinstance(found, list) else []:
        if isinstance(element, lxml_html.HtmlElement):
            texts.extend(child.text_content() for child in element.iter("a", "p", "h2", "h3", "li", "label")
                         if isinstance(child, lxml_html.HtmlElement))
    return texts


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] SITE DIR"

    def short_desc(self) -> str:
        return "Record a crawl of a site as a test replica (routes.json, pages, drafted expected/*.json)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--base-url", metavar="URL", help="fetch the site's URLs from this mirror")
        parser.add_argument("--articles", type=int, metavar="N",
                            help="record only the N newest articles (default: every article discovery finds)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) != 2:
            raise UsageError("give the site and the folder: scrapy record SITE DIR")
        if opts.articles is not None and opts.articles < 1:
            raise UsageError("--articles must be at least 1")
        self.base_url = base_url_option(opts.base_url)
        assert self.settings is not None
        self.scratch = check_crawl_settings(self.settings, "record-", HTTPCACHE_ENABLED=False)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            self.exitcode = self._record(args[0], Path(args[1]), opts)
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _record(self, site: str, folder: Path, opts: argparse.Namespace) -> int:
        assert self.crawler_process is not None
        if (folder / "routes.json").exists():
            sys.stderr.write(f"ERROR: {folder} already holds a replica (routes.json); not overwriting it\n")
            return EXIT_USAGE
        try:
            spidercls = self.crawler_process.spider_loader.load(site)
        except ProfileError as exc:
            sys.stderr.write(f"ERROR: bad site profile: {exc}\n")
            return EXIT_USAGE
        except KeyError:
            sys.stderr.write(f"ERROR: unknown site {site!r}\n")
            return EXIT_USAGE
        profile = getattr(spidercls, "profile", None)
        if profile is None:
            sys.stderr.write(f"ERROR: {site!r} is not a site spider (it has no profile)\n")
            return EXIT_USAGE
        folder.mkdir(parents=True, exist_ok=True)
        recording = Recording(folder)
        crawler = self.crawler_process.create_crawler(spidercls)
        crawler.signals.connect(recording.response_received, signal=signals.response_received)
        crawler.signals.connect(recording.item_scraped, signal=signals.item_scraped)
        spider_args = {"check": str(opts.articles)} if opts.articles else {"full": "1"}
        if self.base_url:
            spider_args["base_url"] = self.base_url
        self.crawler_process.crawl(crawler, **spider_args)
        self.crawler_process.start()
        count = recording.write(profile.timezone, profile.origin)
        print(f"{site}: recorded {len(recording.routes)} routes and {count} expected article(s) in {folder} "
              "(review expected/*.json against the pages)", flush=True)
        problem = finish_problem(crawler.stats.get_stats())
        return EXIT_FAILED if problem or not count else EXIT_OK
