"""`scrapy addsite NAME URL [--base-url MIRROR]`: draft SITES_DIR/NAME.yaml from what the site shows, then check it.

A short crawl reads robots.txt (its `Sitemap:` lines), the home page (its name and feed links), the
sitemaps (well-known paths when robots.txt names none) and feeds, then a few article pages. The
decisions and their reasons come from crawler/profiledraft.py; the profile is written (never over an
existing one) and checked at once as `scrapy checksites NAME` would. Nothing else is written. Exit
status: 0 when the drafted profile checks OK, 1 when the check found a problem (the draft is still
there to fix), 2 for bad usage or an existing profile.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import DontCloseSpider, UsageError

from crawler.commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from crawler.commands.checksites import check_crawl_settings, quiet_log, site_report
from crawler.commands.crawl import when_done
from crawler.discovery.feeds import parse_feed
from crawler.discovery.sitemaps import parse_sitemap, robots_sitemaps
from crawler.discovery.urlshapes import looks_like_article
from crawler.mirrors import swap_prefix
from crawler.profiledraft import PageEvidence, SiteEvidence, draft_profile
from crawler.profiles import ID_RE, ProfileError, load_profile, sites_dir
from crawler.spiders.base import SpiderArgumentError, check_base_url

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

WELL_KNOWN_SITEMAPS = ("/sitemap.xml", "/wp-sitemap.xml", "/sitemap_index.xml")
SAMPLE_PAGES = 5
MAX_CHILD_SITEMAPS = 20
MAX_URLS = 5000


class DraftSpider(Spider):
    """Collects a site's evidence for a draft profile, in three rounds (each starts when the last is done):
    robots.txt and the home page; the sitemaps and feeds they name (well-known sitemaps when none); a few
    article pages."""

    name = "addsite"

    def __init__(self, origin: str, base_url: str | None, evidence: SiteEvidence, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.origin = origin
        self.base_url = base_url
        self.evidence = evidence
        self.round = 1

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DraftSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    def get(self, url: str, callback: Any, **meta: Any) -> Request:
        """A request for a site URL (or path), fetched from the mirror when there is one."""
        absolute = url if "://" in url else self.origin + url
        meta["origin_url"] = absolute
        return Request(swap_prefix(absolute, self.origin, self.base_url), callback=callback,
                       errback=self.failed, meta=meta, dont_filter=True)

    async def start(self) -> AsyncIterator[Request]:
        yield self.get("/robots.txt", self.parse_robots)
        yield self.get("/", self.parse_home)

    def failed(self, failure: Failure) -> None:
        self.logger.info("Not found: %s", failure.request.url)  # type: ignore[attr-defined]

    def parse_robots(self, response: Response) -> Iterator[Request]:
        for url in robots_sitemaps(getattr(response, "text", ""), response.meta["origin_url"]):
            yield self.get(url, self.parse_sitemap, robots=True)

    def parse_home(self, response: Response) -> Iterator[Request]:
        if not hasattr(response, "css"):
            return
        self.evidence.site_name = response.css("meta[property='og:site_name']::attr(content)").get()
        for link in response.css("link[rel=alternate]"):
            kind = (link.attrib.get("type") or "").lower()
            if "rss" in kind or "atom" in kind:
                feed = swap_prefix(response.urljoin(link.attrib.get("href", "")), self.base_url, self.origin)
                yield self.get(feed, self.parse_feed)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        sitemap = parse_sitemap(response.body)
        if sitemap.kind == "unknown":
            return
        if not response.meta.get("child"):
            found = self.evidence.robots_sitemaps if response.meta.get("robots") else self.evidence.other_sitemaps
            found.append(response.meta["origin_url"])
        if sitemap.kind == "sitemapindex":
            for link in sitemap.links[:MAX_CHILD_SITEMAPS]:
                yield self.get(link.url, self.parse_sitemap, child=True)
        else:
            room = MAX_URLS - len(self.evidence.sitemap_urls)
            self.evidence.sitemap_urls.extend(link.url for link in sitemap.links[:max(room, 0)])

    def parse_feed(self, response: Response) -> None:
        feed = parse_feed(response.body, response.meta["origin_url"])
        if feed.kind != "unknown":
            self.evidence.feeds.append(response.meta["origin_url"])
            self.evidence.feed_urls.extend(link.url for link in feed.links)

    def parse_page(self, response: Response) -> None:
        from crawler.extract import extract_article

        url = response.meta["origin_url"]
        article = extract_article(response.body, url)
        if article.page_type == "article":
            self.evidence.pages.append(PageEvidence(url, article.published, article.section, article.language))

    def idle(self, spider: Spider) -> None:
        if spider is not self or self.round > 2:
            return
        self.round += 1
        assert self.crawler.engine is not None
        if self.round == 2 and not self.evidence.robots_sitemaps:
            for path in WELL_KNOWN_SITEMAPS:
                self.crawler.engine.crawl(self.get(path, self.parse_sitemap))
            raise DontCloseSpider
        if self.round == 2:
            self.round = 3
        samples = [u for u in dict.fromkeys(self.evidence.feed_urls or self.evidence.sitemap_urls)
                   if looks_like_article(u) and u.startswith(self.origin)][:SAMPLE_PAGES]
        for url in samples:
            self.crawler.engine.crawl(self.get(url, self.parse_page))
        if samples:
            raise DontCloseSpider


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] NAME URL"

    def short_desc(self) -> str:
        return "Draft a site profile from the site's robots.txt, sitemaps, feeds and articles, then check it"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--base-url", metavar="URL",
                            help="read the site from this mirror or replica (as checksites --base-url)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) != 2:
            raise UsageError("give the site's id and its address: scrapy addsite NAME https://www.example.org")
        try:
            self.base_url = check_base_url(opts.base_url)
            origin = check_base_url(args[1])
        except SpiderArgumentError as exc:
            raise UsageError(str(exc).replace("base_url", "the address")) from None
        assert origin is not None
        if urlsplit(origin).path not in ("", "/") or not ID_RE.match(args[0]):
            raise UsageError("NAME is lower-case letters, digits and '_', and URL the site's scheme and host "
                             f"(such as https://www.example.org), got {args[0]!r} {args[1]!r}")
        self.origin = origin
        assert self.settings is not None
        self.scratch = check_crawl_settings(self.settings, "addsite-")
        quiet_log(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            self.exitcode = self._add(args[0])
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _add(self, site_id: str) -> int:
        assert self.crawler_process is not None and self.settings is not None
        path = sites_dir(self.settings) / f"{site_id}.yaml"
        if path.exists():
            sys.stderr.write(f"ERROR: {path} exists; addsite never overwrites a profile\n")
            return EXIT_USAGE
        process = self.crawler_process
        evidence = SiteEvidence(self.origin)
        checks: list[Crawler] = []
        outcome: dict[str, Any] = {}

        def drafted(error: BaseException | None) -> None:
            draft = draft_profile(site_id, evidence)
            try:
                with path.open("x", encoding="utf-8") as handle:
                    handle.write(draft.yaml)
                profile = load_profile(path)
            except (OSError, ProfileError) as exc:
                outcome["error"] = exc
                return
            print(f"Wrote {path}:", *(f"  {reason}" for reason in draft.reasons), sep="\n", flush=True)
            from crawler.spiderloader import site_spider_class

            check = process.create_crawler(site_spider_class(profile))
            checks.append(check)
            args = {"check": "3", **({"base_url": self.base_url} if self.base_url else {})}
            when_done(process.crawl(check, **args), lambda error: None)

        draft_crawler = process.create_crawler(DraftSpider)
        when_done(process.crawl(draft_crawler, origin=self.origin, base_url=self.base_url, evidence=evidence),
                  drafted)
        process.start()
        if "error" in outcome:
            sys.stderr.write(f"ERROR: could not write a usable draft: {outcome['error']}\n")
            return EXIT_USAGE if isinstance(outcome["error"], ProfileError) else EXIT_FAILED
        if not checks:
            return EXIT_FAILED
        return self._report(site_id, checks[0])

    def _report(self, site_id: str, crawler: Crawler) -> int:
        problems, line, details = site_report(site_id, crawler)
        print(f"Checked it (scrapy checksites {site_id}):", line, sep="\n")
        print("\n".join(details), flush=True)
        print(f"Review {Path(crawler.spidercls.profile.source)} (crawler/sites/README.md), then record its replica: "  # type: ignore[attr-defined]
              f"scrapy record {site_id} tests/fixtures/sites/{site_id}", flush=True)
        return EXIT_FAILED if problems else EXIT_OK
