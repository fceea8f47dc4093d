"""`scrapy checksites`: a short crawl of each site's newest articles against the replica, writing nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.commands.checksites import assess_site
from crawler.commands.sitereport import detail_lines, value_problems, warnings
from crawler.profiles import SITES_DIR, load_profiles
from tests.conftest import run_scrapy
from tests.crawl_helpers import (
    FAST,
    article_paths,
    last_stats,
    ppp_allowing_nothing,
    requested_articles,
    sites_dir,
    summary_line,
)
from tests.replay_server import ReplayServer
from tests.replicas import Replica, replicas

pytestmark = pytest.mark.e2e

LINE_RE = re.compile(r"^phnompenhpost: (OK|FAILED.*?) - (\d+) article URLs? from .*$", re.M)
PPP = "phnompenhpost"
"""The tests below that change the Phnom Penh Post replica check that site only (its replica serves no other)."""


def checksites(server: ReplayServer, tmp_path: Path, *args: str) -> tuple[int, str]:
    run = run_scrapy("checksites", "--base-url", server.base_url, *args,
                     env={"NEWS_OUTPUT_DIR": str(tmp_path / "archive")})
    return run.returncode, run.output


@pytest.mark.parametrize("site", replicas(), ids=str)
def test_every_site_checks_ok_against_its_replica(site: Replica, tmp_path: Path) -> None:
    with ReplayServer(site.folder) as server:
        status, output = checksites(server, tmp_path, site.name, "--articles", "2")
    assert status == 0, output[-3000:]
    line = re.search(rf"^{site.name}: (OK|FAILED.*?) - (\d+) article URLs? from .*$", output, re.M)
    assert line and line.group(1) == "OK", output[-3000:]
    assert int(line.group(2)) >= len(site.expected)  # every expected article was discovered
    assert "2 of 2 articles checked: title 2/2, date 2/2, body 2/2" in output
    shown = re.findall(r'^  article (\S+): title ("(?:[^"\\]|\\.)*"), date (\S+), category (\S+), language (\w+)$',
                       output, re.M)
    expected = {a["origin_url"]: a for a in site.expected}
    assert len(shown) == 2 and any(url in expected for url, *_ in shown), output[-3000:]
    for url, title, date, category, language in shown:  # the values the newest articles gave
        if url in expected:
            truth = expected[url]
            assert (json.loads(title), date[:19], category, language) == (
                truth["title"], truth["date"][:19], str(truth["category"]), truth["language"])
    assert re.search(rf"^  accepted: {re.escape(site.profile.origin)}/", output, re.M)
    assert not (tmp_path / "archive").exists()


def test_a_healthy_site_is_reported_in_one_line_and_nothing_is_written(replica: ReplayServer,
                                                                       tmp_path: Path) -> None:
    status, output = checksites(replica, tmp_path, PPP, "--articles", "2")
    assert status == 0, output[-3000:]
    line = LINE_RE.search(output)
    assert line and line.group(1) == "OK", output[-3000:]
    assert int(line.group(2)) >= 14  # every article of the replica was discovered
    assert "2 of 2 articles checked: title 2/2, date 2/2, body 2/2" in output
    assert len(set(requested_articles(replica))) == 2  # only the newest two were fetched (one after a 503)
    assert not (tmp_path / "archive").exists()  # no post, store, feed or stats in the archive


@pytest.mark.parametrize("articles", range(1, 9))
def test_every_number_of_articles_passes_a_healthy_site(replica: ReplayServer, tmp_path: Path,
                                                         articles: int) -> None:
    """Among the newest articles an old URL redirects to another of them: one article, not a page without one."""
    status, output = checksites(replica, tmp_path, "--articles", str(articles))
    assert status == 0, output[-3000:]
    [line] = [line for line in output.splitlines() if line.startswith("phnompenhpost: ")]
    assert line.startswith("phnompenhpost: OK - "), line
    checked = re.search(r"(\d+) of (\d+) articles checked: title (\d+)/(\d+)", line)
    assert checked and checked.group(1) == checked.group(2) == checked.group(3) == checked.group(4), line
    assert "Run summary" not in output  # the report line is the check's only line


def test_the_check_argument_counts_a_redirect_to_a_checked_article_once(replica: ReplayServer,
                                                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_scrapy("crawl", "phnompenhpost", "-a", f"base_url={replica.base_url}", "-a", "check=5",
                     "-s", f"OUTPUT_DIR={out}", *FAST)
    assert run.returncode == 0, run.output[-3000:]
    stats = last_stats(out)["stats"]
    assert stats["discovery/fetch/check"] == 5 and stats["check/redirects_to_checked"] == 1
    assert stats["articles/new"] == 4 and "articles/missing" not in stats
    assert "Run summary [phnompenhpost]: OK - 4 new" in summary_line(run)


def test_a_site_whose_article_pages_changed_layout_fails(replica: ReplayServer, tmp_path: Path) -> None:
    for path in article_paths(replica):
        replica.replace_file(path, "pages/index.html")  # every article URL now serves the home page
    status, output = checksites(replica, tmp_path, PPP, "--articles", "3")
    assert status == 1, output[-3000:]
    assert "phnompenhpost: FAILED (3 of 3 article pages gave no article" in output


def test_a_profile_that_matches_no_article_url_fails(replica: ReplayServer, tmp_path: Path) -> None:
    sites = sites_dir(tmp_path / "sites", phnompenhpost=ppp_allowing_nothing())
    status, output = checksites(replica, tmp_path, PPP, "-s", f"SITES_DIR={sites}")
    assert status == 1, output[-3000:]
    assert "phnompenhpost: FAILED (discovery found no article URL" in output
    assert requested_articles(replica) == []


@pytest.mark.parametrize(("args", "message"), [
    (("nosuchsite",), f"unknown site(s) nosuchsite (sites: {', '.join(sorted(load_profiles(SITES_DIR)))})"),
    (("--articles", "0"), "--articles must be at least 1"),
    (("--base-url", "ftp://mirror.example.org"), "base_url must be an http(s) URL"),
])
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    run = run_scrapy("checksites", *args)
    assert run.returncode == 2 and message in run.output and "Traceback" not in run.output


def test_the_verdict_needs_every_required_field_on_every_article() -> None:
    healthy = {"finish_reason": "finished", "discovery/article_urls": 9, "discovery/fetch/check": 3,
               "check/articles": 3, "check/fields/title": 3, "check/fields/date": 3, "check/fields/body": 3}
    assert assess_site(healthy) == []
    assert assess_site({**healthy, "check/fields/date": 2}) == ["date missing on 1 of 3"]
    assert assess_site({**healthy, "pages/dead": 1, "check/articles": 2, "check/fields/title": 2,
                        "check/fields/date": 2, "check/fields/body": 2}) == []  # a dead link is no layout change
    assert assess_site({**healthy, "finish_reason": "shutdown"}) == ["finish reason 'shutdown'"]



def test_the_check_argument_is_a_whole_number(tmp_path: Path) -> None:
    run = run_scrapy("crawl", "phnompenhpost", "-a", "check=several", "-s", f"OUTPUT_DIR={tmp_path}")
    assert run.returncode == 2 and "check must be a whole number of at least 1, got 'several'" in run.output


def checked(category: str | None, n: int = 1) -> list[dict[str, str | None]]:
    return [{"url": f"https://www.example.org/2024/10/18/story-{i}/", "title": f"Story {i}",
             "date": "2024-10-18T03:58:50Z", "category": category, "language": "en"} for i in range(n)]


def test_a_category_that_is_a_number_fails_the_site() -> None:
    assert value_problems(checked("2024", 3)) == [
        "category is a number on 3 of 3 articles ('2024'): a date permalink? use category.from: section"]
    assert value_problems(checked("NATIONAL", 3) + checked(None)) == []


def test_warnings_for_a_constant_category_non_article_candidates_and_empty_sources() -> None:
    stats = {"discovery/fetch/check": 10, "pages/not_article": 4}
    notes = warnings(stats, checked("NEWS", 3), ["https://www.example.org/feed/"])
    assert notes == [
        "every checked article has the category 'NEWS': is category.from right?",
        "4 of 10 fetched candidates hold no article (listings, tag or author pages?): tighten articles.allow "
        "or add articles.deny",
        "1 discovery source(s) gave no article URL: https://www.example.org/feed/"]
    varied = checked("NEWS", 2) + checked("SPORT")
    assert warnings({"discovery/fetch/check": 10, "pages/not_article": 2}, varied, []) == []


def test_the_details_show_sample_urls_and_the_checked_values() -> None:
    lines = detail_lines({"accepted": ["https://www.example.org/2024/10/18/a/"], "rejected": []},
                         checked("NEWS"), ["a note"])
    assert lines == [
        "  accepted: https://www.example.org/2024/10/18/a/",
        "  rejected: (none)",
        "  article https://www.example.org/2024/10/18/story-0/: title \"Story 0\", date 2024-10-18T03:58:50Z, "
        "category NEWS, language en",
        "  warning: a note"]
