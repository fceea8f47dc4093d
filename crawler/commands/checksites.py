"""`scrapy checksites [SITE ...]`: are the site profiles still right? A short crawl that writes nothing.

For each site (default: every profile) the site's spider runs with `-a check=N`: discovery as usual
(each listing's pagination is followed once), then the N newest article URLs are fetched, extracted,
validated and normalised, but nothing is written: no post, no store, no feed, and the URL memory lives
in a temporary folder that is deleted afterwards. One line per site says what was found; the exit
status is 0 when every site looks right, 1 when one does not, 2 for usage errors.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from crawler.commands.crawlall import site_profiles
from crawler.commands.sitereport import detail_lines, value_problems, warnings
from crawler.extensions.summary import finish_problem, stat_count
from crawler.pipelines.check import CHECKED_FIELDS, CheckPipeline
from crawler.profiles import ProfileError
from crawler.spiders.base import SpiderArgumentError, check_base_url

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

REQUIRED_FIELDS = ("title", "date", "body")
"""Fields every checked article must have; the others are reported only."""
PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.normalize.NormalizePipeline": 200,
    "crawler.pipelines.check.CheckPipeline": 300,
}


def assess_site(stats: Mapping[str, Any]) -> list[str]:
    """What is wrong with a site, from its check crawl's stats (empty when it looks right)."""
    problems = [problem] if (problem := finish_problem(stats)) else []
    failed = stat_count(stats, "discovery/failed")
    if failed:
        problems.append(f"{failed} discovery source(s) failed")
    if not stat_count(stats, "discovery/article_urls"):
        problems.append("discovery found no article URL (the discovery sources, or articles.allow?)")
        return problems
    pages = checked_pages(stats)
    articles = stat_count(stats, "check/articles")
    dead = stat_count(stats, "pages/dead")
    if articles < pages - dead:
        problems.append(f"{pages - dead - articles} of {pages - dead} article pages gave no article "
                        "(body.selector, or the page layout?)")
    for name in REQUIRED_FIELDS:
        have = stat_count(stats, f"check/fields/{name}")
        if have < articles:
            problems.append(f"{name} missing on {articles - have} of {articles}")
    return problems


def checked_pages(stats: Mapping[str, Any]) -> int:
    """The article pages a check fetched: the newest N URLs, less those that redirect to another of them
    (an old URL and its new one are one article)."""
    return stat_count(stats, "discovery/fetch/check") - stat_count(stats, "check/redirects_to_checked")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def report_line(site: str, stats: Mapping[str, Any], problems: list[str]) -> str:
    """`phnompenhpost: OK - 16 article URLs from 2 sitemaps, 1 feed, 11 listing pages; 3 of 3 articles
    checked: title 3/3, ...`"""
    articles = stat_count(stats, "check/articles")
    sources = ", ".join(_count(stat_count(stats, f"discovery/{key}"), noun) for key, noun in
                        (("sitemaps", "sitemap"), ("feeds", "feed"), ("listing_pages", "listing page")))
    parts = [f"{_count(stat_count(stats, 'discovery/article_urls'), 'article URL')} from {sources}"]
    if articles:
        fields = ", ".join(f"{name} {stat_count(stats, f'check/fields/{name}')}/{articles}" for name in CHECKED_FIELDS)
        average = stat_count(stats, "check/body_chars") // articles
        parts.append(f"{articles} of {checked_pages(stats)} articles checked: {fields} "
                     f"(body {average:,} characters on average)")
    status = "OK" if not problems else "FAILED (" + "; ".join(problems) + ")"
    return f"{site}: {status} - " + "; ".join(parts)


def site_report(site: str, crawler: Crawler) -> tuple[list[str], str, list[str]]:
    """A finished check crawl of a site: its problems, its report line and the lines under it."""
    stats = crawler.stats.get_stats()
    pipeline = crawler.get_item_pipeline(CheckPipeline)
    checked = pipeline.checked if pipeline is not None else []
    problems = assess_site(stats) + value_problems(checked)
    spider = crawler.spider
    notes = warnings(stats, checked, getattr(spider, "empty_sources", []))
    return problems, report_line(site, stats, problems), detail_lines(getattr(spider, "samples", {}), checked, notes)


def check_crawl_settings(settings: Settings, prefix: str, **extra: Any) -> str:
    """Settings for a crawl that keeps nothing (checksites, record, addsite): OUTPUT_DIR a new scratch folder
    (returned, for the command to delete), validate and normalise only (PIPELINES), no lock, no shared
    frontier, no progress line; `extra` settings on top."""
    scratch = tempfile.mkdtemp(prefix=prefix)
    overrides = {
        "OUTPUT_DIR": scratch,  # the URL memory and run stats of the crawl, deleted afterwards
        "ITEM_PIPELINES": PIPELINES,  # validate and normalise, then count: no post, store or feed
        "RUN_LOCK_ENABLED": False,  # the folder is the crawl's own; the sites are crawled side by side
        "REDIS_URL": "",  # never joins a shared frontier
        "PROGRESS_INTERVAL": 0,
        **extra,
    }
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return scratch


def quiet_log(settings: Settings) -> None:
    """Log warnings and errors only, unless -L/--loglevel was given: the command prints its own report."""
    if (settings.getpriority("LOG_LEVEL") or 0) < 40:
        settings.set("LOG_LEVEL", "WARNING", priority="spider")


def base_url_option(value: str | None) -> str | None:
    """The --base-url option, checked as `-a base_url=` is."""
    try:
        return check_base_url(value)
    except SpiderArgumentError as exc:
        raise UsageError(str(exc)) from None


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] [SITE ...]"

    def short_desc(self) -> str:
        return "Check site profiles against their sites: a short crawl of the newest articles that writes nothing"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--articles", type=int, default=3, metavar="N",
                            help="how many of the newest articles to fetch per site (default: 3)")
        parser.add_argument("--base-url", metavar="URL",
                            help="fetch every site's URLs from this mirror (as -a base_url= does)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if opts.articles < 1:
            raise UsageError("--articles must be at least 1")
        self.base_url = base_url_option(opts.base_url)
        assert self.settings is not None
        self.scratch = check_crawl_settings(
            self.settings, "checksites-",
            WARC_ENABLED=False,  # a check keeps none of the pages it fetched
            # The report line per site replaces the crawl's summary line and stats file.
            EXTENSIONS={**self.settings.getdict("EXTENSIONS"), "crawler.extensions.summary.RunSummary": None},
        )
        quiet_log(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        try:
            self.exitcode = self._check(args, opts)
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _check(self, args: list[str], opts: argparse.Namespace) -> int:
        assert self.crawler_process is not None
        try:
            profiles = site_profiles(self.crawler_process.spider_loader)
        except ProfileError as exc:
            sys.stderr.write(f"ERROR: bad site profile: {exc}\n")
            return EXIT_USAGE
        unknown = sorted(set(args) - set(profiles))
        if unknown:
            sys.stderr.write(f"ERROR: unknown site(s) {', '.join(unknown)} (sites: {', '.join(profiles) or 'none'})\n")
            return EXIT_USAGE
        crawlers: dict[str, Crawler] = {}
        spider_args = {"check": str(opts.articles), **({"base_url": self.base_url} if self.base_url else {})}
        scheduled = [name for name, profile in profiles.items() if profile.scheduled]
        for name in args or scheduled:  # without names: the sites crawlall crawls
            crawler = self.crawler_process.create_crawler(name)
            self.crawler_process.crawl(crawler, **spider_args)
            crawlers[name] = crawler
        self.crawler_process.start()
        failed = False
        for name, crawler in crawlers.items():
            problems, line, details = site_report(name, crawler)
            failed |= bool(problems)
            print(line, flush=True)
            print("\n".join(details), flush=True)
        return EXIT_FAILED if failed else EXIT_OK
