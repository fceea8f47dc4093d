"""Run safety: the output-folder lock, start-up errors as one readable line, exit statuses, retries."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from crawler.extensions.lock import OutputLock, RunLocked, lock_path
from crawler.extensions.summary import assess, summary_line
from crawler.profiles import SITES_DIR
from tests.conftest import ORIGIN, ROOT, run_scrapy
from tests.crawl_helpers import (
    DEAD_PATH,
    crawl,
    crawl_args,
    last_stats,
    ppp_allowing_nothing,
    sites_dir,
    start_crawl,
    wait_for,
)
from tests.crawl_helpers import summary_line as summary_of
from tests.replay_server import ReplayServer
from tests.replicas import replicas

pytestmark = pytest.mark.e2e

DEAD_URL = ORIGIN + DEAD_PATH


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_clean_error(run, *fragments: str) -> str:
    """Exactly one ERROR line, no traceback; returns the line."""
    errors = [line for line in run.output.splitlines() if "ERROR" in line]
    assert len(errors) == 1, run.output[-3000:]
    assert "Traceback" not in run.output, run.output[-3000:]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


# ---------------------------------------------------------------------------- the lock


def test_output_lock_is_exclusive_and_says_who_holds_it(tmp_path):
    first = OutputLock(lock_path(tmp_path))
    first.acquire("phnompenhpost")
    try:
        with pytest.raises(RunLocked) as caught:
            OutputLock(lock_path(tmp_path)).acquire("article")
        assert "spider phnompenhpost" in caught.value.holder and "pid " in caught.value.holder
    finally:
        first.release()
    again = OutputLock(lock_path(tmp_path))
    again.acquire("article")  # free once released
    again.release()


def test_a_second_run_is_refused_and_touches_nothing(replica, tmp_path):
    out = tmp_path / "out"
    holder = OutputLock(lock_path(out))
    holder.acquire("phnompenhpost")
    before = tree(out)
    try:
        run = crawl("phnompenhpost", replica, out)
    finally:
        holder.release()
    assert run.returncode == 3
    assert_one_clean_error(run, "another crawl", "spider phnompenhpost", str(out))
    line = summary_of(run)
    assert "Run summary [phnompenhpost]: FAILED (refused at start: another crawl (pid " in line
    after = tree(out)
    [stats_file] = set(after) - set(before)  # the refused run's stats file, and nothing else
    assert stats_file.startswith(".crawler/runs/phnompenhpost-") and stats_file in line
    assert {name: after[name] for name in before} == before
    stats = json.loads(after[stats_file])
    assert not stats["healthy"] and stats["stats"]["finish_reason"] == "refused"
    assert replica.requests == []


def test_two_real_crawls_at_once(replica, tmp_path):
    out = tmp_path / "out"
    second_done = threading.Event()

    def slow(handler) -> bool:
        # The first run holds its page, and so its lock, until the second run has ended (a fixed 3 s wait
        # was once shorter than the second run's start on a loaded machine: it then found no lock).
        second_done.wait(timeout=100)
        return False

    replica.custom[DEAD_PATH] = slow
    first = start_crawl(crawl_args("article", replica, out, "-a", f"url={DEAD_URL}", "-s", "DOWNLOAD_TIMEOUT=120"),
                        tmp_path / "first.log")
    try:
        wait_for(lambda: str(first.pid) in _read(lock_path(out)), what="the first run's lock")
        second = crawl("article", replica, out, "-a", f"url={ORIGIN}/national/another")
        assert second.returncode == 3
        assert_one_clean_error(second, f"pid {first.pid}", "spider article")
    finally:
        second_done.set()
        assert first.wait(timeout=60) == 0, (tmp_path / "first.log").read_text(errors="replace")[-3000:]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def test_the_lock_of_a_killed_run_is_free_again(replica, tmp_path):
    out = tmp_path / "out"
    holder_code = textwrap.dedent(f"""
        import sys, time
        from crawler.extensions.lock import OutputLock, lock_path
        OutputLock(lock_path({str(out)!r})).acquire("phnompenhpost")
        print("locked", flush=True)
        time.sleep(120)
    """)
    holder = subprocess.Popen([sys.executable, "-c", holder_code], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
        assert crawl("article", replica, out, "-a", f"url={DEAD_URL}").returncode == 3
    finally:
        holder.kill()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
    run = crawl("article", replica, out, "-a", f"url={DEAD_URL}")
    assert run.returncode == 0, run.output[-3000:]
    assert last_stats(out)["stats"]["pages/dead"] == 1


# ---------------------------------------------------------------------------- start-up errors


@pytest.fixture
def broken_sites(tmp_path):
    sites = tmp_path / "sites"
    sites.mkdir()
    for profile in SITES_DIR.glob("*.yaml"):
        (sites / profile.name).write_bytes(profile.read_bytes())
    (sites / "example.yaml").write_text(
        "name: Example News\norigin: https://www.example.org\ntimezone: Asia/Phnom_Penh\n"
        "discovery:\n  sitemaps: [/sitemap.xml]\n  max_pages: lots\n",
        encoding="utf-8",
    )
    return sites


@pytest.mark.parametrize(
    "command", [["list"], ["crawl", "phnompenhpost"], ["crawl", "article", "-a", "url=" + DEAD_URL]]
)
def test_a_broken_profile_is_one_readable_line_and_a_failed_exit(broken_sites, tmp_path, command):
    out = tmp_path / "out"
    run = run_scrapy(*command, "-s", f"SITES_DIR={broken_sites}", "-s", f"OUTPUT_DIR={out}")
    assert run.returncode == 2
    assert_one_clean_error(run, str(broken_sites / "example.yaml"), "discovery.max_pages", "whole number")
    assert not out.exists()


@pytest.mark.parametrize(("profile", "field", "problem"), [
    ("timezone: UTC\n", "discovery", "names no sitemaps, feeds or listings"),
    ("timezone: UTC\ndomains: [https://www.example.org]\ndiscovery:\n  sitemaps: auto\n", "domains[0]",
     "must be a host name such as example.com, not a URL"),
])
@pytest.mark.parametrize("command", [["list"], ["crawl", "example"], ["crawlall"], ["checksites"]])
def test_a_profile_that_could_never_find_an_article_is_refused_at_start(tmp_path, command, profile, field, problem):
    sites = tmp_path / "sites"
    sites.mkdir()
    path = sites / "example.yaml"
    path.write_text("name: Example News\norigin: https://www.example.org\n" + profile, encoding="utf-8")
    out = tmp_path / "out"
    run = run_scrapy(*command, "-s", f"SITES_DIR={sites}", "-s", f"OUTPUT_DIR={out}")
    assert run.returncode == 2, run.output[-3000:]
    assert_one_clean_error(run, str(path), field, problem)
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["phnompenhpost", "-a", "since=last-tuesday"], "since must be a date as YYYY-MM-DD"),
        (["phnompenhpost", "-a", "full=maybe"], "full must be 1 or 0"),
        (["phnompenhpost", "-a", "base_url=ftp://127.0.0.1"], "base_url must be an http(s) URL"),
        (["phnompenhpost", "-a", "sinse=2024-01-01"], "unknown argument(s) sinse"),
        (["article"], "give -a url=URL or -a urls=FILE"),
        (["article", "-a", "urls=/nonexistent/urls.txt"], "does not exist"),
        (["article", "-a", "url=file:///etc/passwd"], "no usable http(s) URL"),
        (["nosuchspider"], "Unknown spider 'nosuchspider'"),
    ],
)
def test_bad_arguments_fail_cleanly_before_anything_is_written(tmp_path, args, fragment):
    out = tmp_path / "out"
    run = run_scrapy("crawl", *args, "-s", f"OUTPUT_DIR={out}")
    assert run.returncode == 2
    assert_one_clean_error(run, fragment)
    assert not out.exists()


# ---------------------------------------------------------------------------- exit status of a finished run


def test_pages_without_an_article_fail_the_run_past_the_threshold(replica, tmp_path):
    listing_as_article = f"url={ORIGIN}/national"  # a listing page is not an article
    out = tmp_path / "out"
    run = crawl("article", replica, out, "-a", listing_as_article)
    assert run.returncode == 1
    stats = last_stats(out)
    assert stats["stats"]["articles/missing"] == 1 and not stats["healthy"]
    assert "has the site changed its layout?" in stats["problems"][0]
    assert "FAILED" in run.output
    relaxed = crawl("article", replica, tmp_path / "relaxed", "-a", listing_as_article,
                    "-s", "ARTICLES_MISSING_MAX_RATIO=1.0")
    assert relaxed.returncode == 0, relaxed.output[-3000:]


def test_a_redesigned_site_fails_the_run(replica, tmp_path):
    home = (replica.site_dir / "pages" / "index.html").read_bytes()

    def redesigned(handler) -> bool:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(home)))
        handler.end_headers()
        handler.wfile.write(home)
        return True

    for key, route in replica.routes.items():
        if (route.get("file") or "").startswith("pages/articles/"):
            replica.custom[key] = redesigned
    out = tmp_path / "out"
    run = crawl("phnompenhpost", replica, out)
    assert run.returncode == 1
    stats = last_stats(out)["stats"]
    assert stats["articles/missing"] >= 14 and stats.get("articles/new", 0) == 0
    assert not list((out / "_posts").glob("*.md")) if (out / "_posts").exists() else True


def test_a_page_that_keeps_failing_is_retried_then_counted_and_fails_the_run(replica, tmp_path):
    url = "/business/fuel-prices-ease-for-second-straight-period"

    def unavailable(handler) -> bool:
        handler.send_response(503)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True

    replica.custom[url] = unavailable
    out = tmp_path / "out"
    run = crawl("article", replica, out, "-a", f"url={ORIGIN}{url}", "-s", "RETRY_TIMES=2",
                "-s", "RETRY_BACKOFF_BASE=0.05")
    assert run.returncode == 1
    assert replica.hits[url] == 3  # the first try and two retries
    stats = last_stats(out)["stats"]
    assert stats["pages/failed/503"] == 1 and stats["retry/max_reached"] == 1
    assert "Gave up retrying" in run.output


def test_a_404_is_counted_and_does_not_fail_the_run(replica, tmp_path):
    out = tmp_path / "out"
    run = crawl("article", replica, out, "-a", f"url={DEAD_URL}")
    assert run.returncode == 0, run.output[-3000:]
    stats = last_stats(out)
    assert stats["healthy"] and stats["stats"]["pages/dead"] == 1
    assert stats["spider"] == "article"
    runs = list((out / ".crawler" / "runs").glob("article-*.json"))
    assert len(runs) == 1 and json.loads(runs[0].read_text(encoding="utf-8"))["stats"]["finish_reason"] == "finished"


# ---------------------------------------------------------------------------- health rules (pure)


@pytest.mark.parametrize(
    ("stats", "healthy"),
    [
        ({"finish_reason": "finished"}, True),
        ({"finish_reason": "finished", "pages/dead": 3, "log_count/WARNING": 5}, True),
        ({"finish_reason": "shutdown"}, False),
        ({"finish_reason": "output_error"}, False),
        ({}, False),
        ({"finish_reason": "finished", "log_count/ERROR": 1}, False),
        ({"finish_reason": "finished", "articles/missing": 1, "item_scraped_count": 9}, True),  # 10%
        ({"finish_reason": "finished", "articles/missing": 3, "item_scraped_count": 9}, False),  # 25%
        ({"finish_reason": "finished", "articles/missing": 1}, False),  # 100%
        # candidates that are listings (pages/not_article) are not judged while other pages held articles
        ({"finish_reason": "finished", "articles/missing": 13, "pages/not_article": 13, "item_scraped_count": 12},
         True),
        ({"finish_reason": "finished", "articles/missing": 14, "pages/not_article": 12, "item_scraped_count": 4},
         False),
        ({"finish_reason": "finished", "articles/missing": 5, "pages/not_article": 5}, False),  # no article at all
        # a site crawl that discovered nothing, or whose articles.allow refused every URL, cannot be healthy
        ({"finish_reason": "finished", "discovery/sources": 2, "discovery/candidates": 3}, True),
        ({"finish_reason": "finished", "discovery/sources": 2}, False),
        ({"finish_reason": "finished", "discovery/sources": 2, "discovery/rejected_allow": 40}, False),
        ({"finish_reason": "finished", "discovery/sources": 1, "discovery/sitemaps_skipped_since": 1}, True),
        ({"finish_reason": "finished", "discovery/sources": 3, "item_scraped_count": 12}, True),  # resumed JOBDIR
    ],
)
def test_assess(stats, healthy):
    assert (assess(stats, 0.2) == []) is healthy


def test_a_discovery_that_finds_nothing_says_why():
    rejected = {"finish_reason": "finished", "discovery/sources": 3, "discovery/rejected_allow": 25}
    assert assess(rejected) == ["articles.allow/deny rejected all 25 URL(s) of the site that discovery saw: "
                                "discovery found no article URL"]
    assert assess({"finish_reason": "finished", "discovery/sources": 3}) == [
        "discovery found no article URL (the sources, or the profile's articles.allow?)"]


def test_summary_line_reads_the_stats():
    stats = {"finish_reason": "finished", "articles/new": 3, "articles/updated": 1, "articles/unchanged": 7,
             "articles/dropped/no_title": 2, "articles/dropped/empty_body": 1, "pages/dead": 1,
             "downloader/request_count": 40, "elapsed_time_seconds": 12.34, "urls/refused": 2}
    line = summary_line("phnompenhpost", stats, [])
    assert line.startswith("Run summary [phnompenhpost]: OK - 3 new, 1 updated, 7 unchanged, 3 dropped (")
    assert "empty_body 1" in line and "no_title 2" in line and "1 dead" in line and "40 requests" in line
    assert "12.3s" in line and "2 URL lines refused" in line
    assert "FAILED (finish reason 'shutdown')" in summary_line("x", {}, ["finish reason 'shutdown'"])


@pytest.mark.e2e
def test_a_profile_whose_allow_matches_nothing_fails_with_its_reason(replica, tmp_path):
    sites = sites_dir(tmp_path / "sites", phnompenhpost=ppp_allowing_nothing())
    out = tmp_path / "out"
    run = crawl("phnompenhpost", replica, out, "-s", f"SITES_DIR={sites}")
    assert run.returncode == 1, run.output[-3000:]
    assert "FAILED (articles.allow/deny rejected all " in run.output
    assert not last_stats(out)["healthy"]


@pytest.mark.e2e
def test_a_minimal_profile_remembers_candidates_that_are_no_article(tmp_path):
    """A WordPress site with only `sitemaps: auto`: the sitemaps also list pages, categories, tags and users.
    The category page holds no article: the run stays healthy, and the next run does not fetch it again."""
    site = next(r for r in replicas() if r.name == "riverside")  # the WordPress-style replica
    sites = tmp_path / "sites"
    sites.mkdir()
    minimal = f"name: Minimal\norigin: {site.profile.origin}\ntimezone: UTC\ndiscovery:\n  sitemaps: auto\n"
    (sites / f"{site.name}.yaml").write_text(minimal, encoding="utf-8")
    out = tmp_path / "out"
    with ReplayServer(site.folder) as server:
        first = crawl(site.name, server, out, "-s", f"SITES_DIR={sites}")
        assert first.returncode == 0, first.output[-3000:]
        stats = last_stats(out)["stats"]
        assert stats.get("pages/not_article", 0) >= 1 and stats["articles/new"] == len(site.expected), stats
        fetched = len(server.requests)
        second = crawl(site.name, server, out, "-s", f"SITES_DIR={sites}")
        assert second.returncode == 0, second.output[-3000:]
        again = server.requests[fetched:]
    assert not [path for path in again if "/category/" in path or path.startswith("/20")], again
