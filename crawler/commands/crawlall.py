"""`scrapy crawlall [SITE ...]`: crawl every site (or the ones named) one after another, for one cron line.

Without names, the sites are every profile not marked `scheduled: false`. The sites run in one process,
one after another, under one lock on the output folder: the command
takes OUTPUT_DIR/.crawler/lock itself for the whole run (a second `crawlall`, or a `scrapy crawl` of
any site, is refused with exit status 3), and each site's crawl runs without its own lock. Each site
ends with its usual `Run summary [site]: ...` line and stats file; a last line names the sites that
failed. Exit status: 0 when every site's run was healthy, 1 when one was not (its summary says why),
2 for bad usage or a bad profile, 3 when another run holds the output folder.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.commands import BaseRunSpiderCommand

from crawler.commands import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE
from crawler.commands.crawl import run_problems, when_done
from crawler.extensions.lock import OutputLock, RunLocked, lock_path
from crawler.profiles import ProfileError, SiteProfile

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler
    from scrapy.spiderloader import SpiderLoaderProtocol

logger = logging.getLogger(__name__)


def site_problems(crawler: Crawler, error: BaseException | None) -> list[str]:
    """Why one site's crawl failed (empty when it was healthy)."""
    if error is not None:
        return [f"could not start: {error}"]
    return run_problems(crawler)


def site_profiles(loader: SpiderLoaderProtocol) -> dict[str, SiteProfile]:
    """The profile of every site spider, by spider name (ProfileError for a bad one)."""
    profiles: dict[str, SiteProfile] = {}
    for name in loader.list():
        if (profile := getattr(loader.load(name), "profile", None)) is not None:
            profiles[name] = profile
    return profiles


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] [SITE ...]"

    def short_desc(self) -> str:
        return "Crawl every site (or the sites named) one after another under one lock; exit 1 if one failed"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        # The command holds the output folder's lock for all the sites; their crawls must not take it again.
        self.lock = OutputLock(lock_path(self.settings.get("OUTPUT_DIR") or "output"))
        self.settings.set("RUN_LOCK_ENABLED", False, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        try:
            profiles = site_profiles(self.crawler_process.spider_loader)
            sites = list(profiles)
            scheduled = [name for name, profile in profiles.items() if profile.scheduled]
        except ProfileError as exc:
            logger.error("Bad site profile: %s", exc)
            self.exitcode = EXIT_USAGE
            return
        unknown = sorted(set(args) - set(sites))
        if unknown:
            logger.error("Unknown site(s) %s (sites: %s)", ", ".join(unknown), ", ".join(sites) or "none")
            self.exitcode = EXIT_USAGE
            return
        try:
            self.lock.acquire("crawlall")
        except RunLocked as exc:
            logger.error("%s", exc)
            self.exitcode = EXIT_LOCKED
            return
        try:
            self.exitcode = self._crawl_all(args or scheduled, opts.spargs)
        finally:
            self.lock.release()

    def _crawl_all(self, sites: list[str], spider_args: dict[str, str]) -> int:
        assert self.crawler_process is not None
        process = self.crawler_process
        waiting = list(sites)
        failed: dict[str, list[str]] = {}

        def crawl_next() -> None:
            if not waiting:
                return
            name = waiting.pop(0)
            crawler = self._create_crawler(name)

            def done(error: BaseException | None) -> None:
                problems = site_problems(crawler, error)
                if problems:
                    failed[name] = problems
                    if error is not None:
                        logger.error("Site %s: %s", name, problems[0])
                crawl_next()  # before the process sees no crawl left and stops

            when_done(process.crawl(crawler, **spider_args), done)

        crawl_next()
        process.start()
        if waiting:  # stopped early (Ctrl-C twice): the sites not crawled count as failed
            failed.update({name: ["not crawled"] for name in waiting})
        if failed:
            logger.error("crawlall: %d of %d site(s) failed: %s", len(failed), len(sites), ", ".join(failed))
            return EXIT_FAILED
        logger.info("crawlall: all %d site(s) OK: %s", len(sites), ", ".join(sites))
        return EXIT_OK
