"""`scrapy crawlall`: every site one after another in one process, under one lock, one exit status for cron."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extensions.lock import OutputLock, lock_path
from crawler.profiles import SITES_DIR
from tests.conftest import REPLICA, expected_articles, run_scrapy
from tests.crawl_helpers import FAST, posts, ppp_allowing_nothing, sites_dir
from tests.replay_server import ReplayServer

pytestmark = pytest.mark.e2e


def two_sites(tmp_path: Path) -> Path:
    """The Phnom Penh Post's profile three times: as is, as `wrongallow` whose articles.allow matches nothing, and
    as `paused`, left out of schedules."""
    profile = (SITES_DIR / "phnompenhpost.yaml").read_text(encoding="utf-8")
    return sites_dir(tmp_path / "sites", phnompenhpost=profile, wrongallow=ppp_allowing_nothing(),
                     paused=profile + "scheduled: false\n")


def crawlall(server: ReplayServer, out: Path, sites: Path, *args: str) -> tuple[int, str]:
    run = run_scrapy("crawlall", *args, "-a", f"base_url={server.base_url}", "-s", f"OUTPUT_DIR={out}",
                     "-s", f"SITES_DIR={sites}", *FAST)
    return run.returncode, run.output


def test_every_site_runs_in_turn_and_the_exit_status_names_the_failed_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with ReplayServer(REPLICA) as server:
        status, output = crawlall(server, out, two_sites(tmp_path))
    assert status == 1, output[-3000:]
    summaries = [line.split("Run summary ", 1)[1] for line in output.splitlines() if "Run summary [" in line]
    assert [s.split(":", 1)[0] for s in summaries] == ["[phnompenhpost]", "[wrongallow]"]  # not the paused one
    assert summaries[0].startswith(f"[phnompenhpost]: OK - {len(expected_articles())} new")
    assert summaries[1].startswith("[wrongallow]: FAILED (articles.allow/deny rejected all ")
    assert "crawlall: 1 of 2 site(s) failed: wrongallow" in output
    assert set(posts(out)) == {a["origin_url"] for a in expected_articles()}  # the healthy site wrote its posts
    assert not OutputLock(lock_path(out)).held


def test_named_sites_only_and_a_healthy_run_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with ReplayServer(REPLICA) as server:
        status, output = crawlall(server, out, two_sites(tmp_path), "paused")
    assert status == 0, output[-3000:]
    assert "Run summary [wrongallow]" not in output and "crawlall: all 1 site(s) OK: paused" in output


def test_another_run_holding_the_output_folder_refuses_the_whole_schedule(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = OutputLock(lock_path(out))
    holder.acquire("phnompenhpost")
    try:
        with ReplayServer(REPLICA) as server:
            status, output = crawlall(server, out, two_sites(tmp_path))
            assert server.requests == []
    finally:
        holder.release()
    assert status == 3 and "another crawl (pid" in output and "Run summary" not in output


def test_an_unknown_site_is_a_usage_error(tmp_path: Path) -> None:
    run = run_scrapy("crawlall", "nosuchsite", "-s", f"OUTPUT_DIR={tmp_path}")
    assert run.returncode == 2 and "Unknown site(s) nosuchsite" in run.output and "Traceback" not in run.output


def test_a_site_is_judged_by_the_same_limits_as_its_summary_line() -> None:
    """crawlall once judged a site with ARTICLES_MISSING_MAX_RATIO only: a run whose failed share was over
    the user's ARTICLES_FAILED_MAX_RATIO said FAILED in its summary line while crawlall counted it healthy."""
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from crawler.commands.crawlall import site_problems

    stats = {"finish_reason": "finished", "articles/requested": 10, "articles/new": 9, "item_scraped_count": 9,
             "pages/failed": 1, "pages/failed/too_large": 1}
    strict = get_crawler(Spider, {"ARTICLES_FAILED_MAX_RATIO": 0.05})
    strict.stats.set_stats(stats)
    default = get_crawler(Spider)
    default.stats.set_stats(dict(stats))
    [problem] = site_problems(strict, None)
    assert problem.startswith("1 of 10 article pages could not be fetched (10% > ARTICLES_FAILED_MAX_RATIO 5%")
    assert site_problems(default, None) == []
