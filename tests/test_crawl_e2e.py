"""End to end: `scrapy crawl phnompenhpost` against the replica on 127.0.0.1, files checked on disk."""

from __future__ import annotations

import json
import shutil
import signal
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.discovery.sitemaps import parse_sitemap
from tests.conftest import REPLICA, SEED_SLUG, expected_articles, run_scrapy
from tests.crawl_helpers import (
    DEAD_PATH,
    OLD_PATH,
    crawl,
    crawl_args,
    last_stats,
    origin,
    post_count,
    posts,
    requested_articles,
    slow_articles,
    snapshot,
    start_crawl,
    stop,
    stray_files,
    summary_line,
    wait_for,
)
from tests.replay_server import ReplayServer

pytestmark = pytest.mark.e2e

EXPECTED = {a["origin_url"]: a for a in expected_articles()}
SEED_PATH = f"/national/{SEED_SLUG}"
MEKONG_PATH = "/international/mekong-countries-to-hold-joint-flood-warning-drill-next-month"


@pytest.fixture
def first_run(replica, tmp_path):
    """One complete crawl of the replica into tmp_path/out."""
    out = tmp_path / "out"
    run = crawl("phnompenhpost", replica, out)
    assert run.returncode == 0, run.output[-4000:]
    return replica, out, run


def test_full_crawl_writes_every_article_exactly_once(first_run):
    server, out, run = first_run
    written = posts(out)
    assert set(written) == set(EXPECTED)  # 14 posts, each origin_url once
    for url, post in written.items():
        expected = EXPECTED[url]
        assert post.path.name.startswith(expected["local_date"] + "-"), post.path.name
        for key in ("title", "category", "language"):
            assert post.meta[key] == expected[key], (url, key)
        assert post.meta["date"] == datetime.fromisoformat(expected["date"]), url
        assert post.meta.get("image") == expected["image"], url
    assert stray_files(out) == []

    stats = last_stats(out)
    assert stats["healthy"] is True and stats["problems"] == []
    counters = stats["stats"]
    assert counters["articles/new"] == 14
    assert counters["pages/dead"] == 1  # the listed article that answers 404
    assert counters["pages/redirected"] == 1
    assert counters.get("articles/missing", 0) == 0
    assert "OK - 14 new, 0 updated, 0 unchanged" in summary_line(run)
    assert run.output.rstrip().splitlines()[-1] == summary_line(run)  # the summary ends the run

    # every article page was fetched once: the tracking-parameter variant never, the old path once
    # (its 301), the 404 once, and the page that answers 503 first twice
    fetched = Counter(path.split("?", 1)[0] for path in requested_articles(server))
    assert not [p for p in server.requests if "utm_" in p]
    assert fetched[OLD_PATH] == 1 and fetched[DEAD_PATH] == 1 and fetched[MEKONG_PATH] == 2
    assert all(n == 1 for path, n in fetched.items() if path != MEKONG_PATH), fetched

    feeds = list((out / "_feeds").glob("phnompenhpost-*.jsonl"))
    assert len(feeds) == 1
    lines = [json.loads(line) for line in feeds[0].read_text(encoding="utf-8").splitlines()]
    assert sorted(entry["origin_url"] for entry in lines) == sorted(EXPECTED)
    assert {entry["status"] for entry in lines} == {"new"}


def test_second_run_requests_no_article_page_and_changes_nothing(first_run):
    server, out, _ = first_run
    before = snapshot(out)
    server.reset()
    run = crawl("phnompenhpost", server, out)
    assert run.returncode == 0, run.output[-4000:]
    assert requested_articles(server) == []
    assert snapshot(out) == before
    assert "OK - 0 new, 0 updated, 0 unchanged" in summary_line(run)
    assert last_stats(out)["stats"]["discovery/skipped_known"] >= 14
    assert len(list((out / "_feeds").glob("*.jsonl"))) == 1  # an empty run leaves no feed file


def test_a_newer_lastmod_fetches_that_article_once_and_updates_it_in_place(first_run, tmp_path):
    server, out, _ = first_run
    seed = origin(SEED_PATH)
    before = snapshot(out)
    seed_file = posts(out)[seed].path

    sitemap = (REPLICA / "pages" / "sitemap" / "articles-2024-10.xml").read_text(encoding="utf-8")
    edited_sitemap = tmp_path / "articles-2024-10.xml"
    old_entry = f"<loc>{seed}</loc>\n    <lastmod>2024-10-18T14:02:13+07:00</lastmod>"
    assert old_entry in sitemap
    edited_sitemap.write_text(sitemap.replace(old_entry, old_entry.replace("14:02:13", "18:30:00")), encoding="utf-8")
    page = (REPLICA / "pages" / "articles" / "national" / f"{SEED_SLUG}.html").read_text(encoding="utf-8")
    sentence = "The ASEAN member states are taking steps"
    assert sentence in page
    edited_page = tmp_path / "seed.html"
    edited_page.write_text(page.replace(sentence, "The ten ASEAN member states are taking steps"), encoding="utf-8")
    server.replace_file("/sitemap/articles-2024-10.xml", str(edited_sitemap))
    server.replace_file(SEED_PATH, str(edited_page))
    server.reset()

    run = crawl("phnompenhpost", server, out)
    assert run.returncode == 0, run.output[-4000:]
    assert requested_articles(server) == [SEED_PATH]
    after = snapshot(out)
    assert set(after) == set(before)  # same files: updated in place, nothing new
    changed = [name for name in after if after[name] != before[name]]
    assert changed == [seed_file.name]
    assert "The ten ASEAN member states are taking steps" in seed_file.read_text(encoding="utf-8")
    assert posts(out)[seed].path == seed_file  # same file, same code
    assert "0 new, 1 updated, 0 unchanged" in summary_line(run)

    server.reset()  # and the run after that is quiet again
    assert crawl("phnompenhpost", server, out).returncode == 0
    assert requested_articles(server) == []


def test_since_skips_older_articles(replica, tmp_path):
    out = tmp_path / "out"
    run = crawl("phnompenhpost", replica, out, "-a", "since=2024-10-23")
    assert run.returncode == 0, run.output[-4000:]
    # every replica article is in the sitemap: those whose lastmod is before the 23rd (Phnom Penh
    # time) are skipped, even though listings link them too
    sitemap = parse_sitemap((REPLICA / "pages" / "sitemap" / "articles-2024-10.xml").read_bytes())
    since = datetime(2024, 10, 23, tzinfo=ZoneInfo("Asia/Phnom_Penh"))
    recent = {link.url for link in sitemap.links if link.lastmod >= since}
    assert 0 < len(recent) < 14
    assert set(posts(out)) == recent
    assert last_stats(out)["stats"]["discovery/skipped_since"] == 14 - len(recent)


def test_full_backfill_fetches_known_articles_again(first_run):
    server, out, _ = first_run
    before = snapshot(out)
    server.reset()
    run = crawl("phnompenhpost", server, out, "-a", "full=1")
    assert run.returncode == 0, run.output[-4000:]
    fetched = {path.split("?", 1)[0] for path in requested_articles(server)}
    assert {origin(p) for p in fetched} >= set(EXPECTED)
    assert snapshot(out) == before  # nothing changed on the site, so nothing is rewritten
    assert "0 new, 0 updated, 14 unchanged" in summary_line(run)


def test_sigkill_mid_crawl_then_rerun_equals_an_uninterrupted_crawl(tmp_path):
    reference = tmp_path / "reference"
    with ReplayServer(REPLICA) as server:
        assert crawl("phnompenhpost", server, reference).returncode == 0

    out = tmp_path / "killed"
    with ReplayServer(REPLICA) as server:
        slow_articles(server, 0.4)
        process = start_crawl(crawl_args("phnompenhpost", server, out, "-s", "CONCURRENT_REQUESTS=2"),
                              tmp_path / "killed.log")
        try:
            wait_for(lambda: post_count(out) >= 3, what="three posts")
        finally:
            stop(process, signal.SIGKILL)
        partial = post_count(out)
        assert 3 <= partial < 14, (tmp_path / "killed.log").read_text(errors="replace")[-3000:]
        server.custom.clear()
        server.reset()
        rerun = crawl("phnompenhpost", server, out)
        assert rerun.returncode == 0, rerun.output[-4000:]
        fetched_again = {origin(p.split("?", 1)[0]) for p in requested_articles(server)}

    assert snapshot_bytes(out) == snapshot_bytes(reference)
    assert stray_files(out) == []
    assert len(fetched_again & set(EXPECTED)) <= 14 - partial + 1  # what the killed run wrote is not fetched again


def snapshot_bytes(output):
    return {name: data for name, (data, _) in snapshot(output).items()}


def test_sigint_with_jobdir_then_resume_finishes_the_crawl(tmp_path):
    out = tmp_path / "out"
    jobdir = tmp_path / "job"
    with ReplayServer(REPLICA) as server:
        slow_articles(server, 0.4)
        args = crawl_args("phnompenhpost", server, out, "-s", f"JOBDIR={jobdir}", "-s", "CONCURRENT_REQUESTS=1")
        process = start_crawl(args, tmp_path / "first.log")
        try:
            wait_for(lambda: post_count(out) >= 2, what="two posts")
            code = stop(process, signal.SIGINT)
        finally:
            if process.poll() is None:
                stop(process, signal.SIGKILL)
        log = (tmp_path / "first.log").read_text(errors="replace")
        assert code != 0, log[-3000:]  # an interrupted run is not a healthy run
        assert "finish reason 'shutdown'" in log
        first_requests = list(server.requests)
        partial = set(posts(out))
        assert 2 <= len(partial) < 14
        server.custom.clear()
        resumed = run_scrapy(*args)
        assert resumed.returncode == 0, resumed.output[-4000:]
        second_requests = server.requests[len(first_requests):]

    assert set(posts(out)) == set(EXPECTED)
    assert stray_files(out) == []
    # the resumed run continued the job: no article fetched in the first run was fetched again
    first_articles = {p for p in first_requests if origin(p) in partial}
    assert not first_articles & set(second_requests)
    assert f"/national/{SEED_SLUG}" in first_requests + second_requests


def test_crawl_from_a_copy_of_the_output_folder_keeps_codes(first_run, tmp_path):
    """Moving an archive (copying OUTPUT_DIR) keeps it incremental: the state travels with it."""
    server, out, _ = first_run
    moved = tmp_path / "moved"
    shutil.copytree(out, moved)
    server.reset()
    run = crawl("phnompenhpost", server, moved)
    assert run.returncode == 0, run.output[-4000:]
    assert requested_articles(server) == []
    assert {u: p.meta["code"] for u, p in posts(moved).items()} == {u: p.meta["code"] for u, p in posts(out).items()}
