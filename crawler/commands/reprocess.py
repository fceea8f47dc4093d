"""`scrapy reprocess`: rebuild posts from the output folder's web archive, without any request.

Every article page the crawls archived (OUTPUT_DIR/.crawler/warc/) goes through extraction and the
item pipelines again, as `scrapy crawl` would have sent it: posts whose rendering changed are
updated in place (same file, same code), missing posts are written again, the others stay
byte-identical. The run has the usual summary line, stats file, run feed and exit status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.archive.replay import ReprocessSpider
from crawler.commands.crawl import Command as CrawlCommand
from crawler.commands.crawl import _capture_error

if TYPE_CHECKING:
    import argparse


class Command(CrawlCommand):
    """The project's `crawl` (its exit status), running the reprocess spider with these options."""

    requires_project = True

    def syntax(self) -> str:
        return "[--site SITE] [--url URL] [--since YYYY-MM-DD]"

    def short_desc(self) -> str:
        return "Rebuild posts from the archived pages (OUTPUT_DIR/.crawler/warc), without the network"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        ScrapyCommand.add_options(self, parser)  # not crawl's -a/-o: the spider and its output are fixed
        parser.add_argument("--site", action="append", default=[], metavar="SITE",
                            help="only this site's pages (repeatable; default: every page archived)")
        parser.add_argument("--url", action="append", default=[], metavar="URL",
                            help="only this article (repeatable)")
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="only pages archived on or after this day (UTC)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        ScrapyCommand.process_options(self, args, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected argument(s) {' '.join(args)}: use --site and --url")
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(ReprocessSpider)
        outcome: dict[str, BaseException] = {}
        _capture_error(self.crawler_process.crawl(crawler, sites=opts.site, urls=opts.url, since=opts.since),
                       outcome)
        self.crawler_process.start()
        self.exitcode = self._exit_status(crawler.spidercls.name, crawler, outcome.get("error"))
