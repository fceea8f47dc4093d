"""What cron sees of a run: the exit status, exactly one summary line on stderr that says why, and the
stats file under OUTPUT_DIR/.crawler/runs/, for runs that failed, were refused, or did nothing."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.extensions.summary import Limits, assess
from tests.conftest import ORIGIN, REPLICA, ROOT, SEED_SLUG, ScrapyRun, run_scrapy
from tests.crawl_helpers import (
    DEAD_PATH,
    FAST,
    archived,
    crawl,
    crawl_args,
    last_stats,
    posts,
    ppp_allowing_nothing,
    requested_articles,
    sites_dir,
    snapshot,
    stray_files,
)
from tests.redis_server import free_port
from tests.replay_server import ReplayServer

pytestmark = pytest.mark.e2e

SUMMARY_RE = re.compile(r"Run summary \[(?P<spider>[\w-]+)\]: (?P<status>OK|FAILED \((?P<why>.*)\)) - ")


def summary(run: ScrapyRun) -> re.Match[str]:
    """The one summary line of a run, on stderr (whatever the log settings)."""
    lines = [line for line in run.stderr.splitlines() if "Run summary [" in line]
    assert len(lines) == 1, run.output[-3000:]
    assert "Run summary [" not in run.stdout
    match = SUMMARY_RE.search(lines[0])
    assert match, lines[0]
    return match


def error_lines(run: ScrapyRun) -> list[str]:
    return [line for line in run.output.splitlines() if " ERROR: " in line]


# ---------------------------------------------------------------------------- the verdict (pure)


def finished(**stats: object) -> dict[str, object]:
    return {"finish_reason": "finished", **stats}


@pytest.mark.parametrize(("stats", "reason"), [
    (finished(**{"articles/requested": 14, "pages/failed": 14, "pages/failed/too_large": 14}),
     "none of 14 article page(s) became a post: 14 failed (too_large 14)"),
    (finished(**{"articles/requested": 10, "articles/new": 7, "pages/failed": 3, "pages/failed/400": 3}),
     "3 of 10 article pages could not be fetched (30% > ARTICLES_FAILED_MAX_RATIO 20%; 400 3)"),
    (finished(**{"discovery/sources": 14, "discovery/sitemaps": 2}),
     "discovery found no article URL (the sources, or the profile's articles.allow?)"),
    ({"finish_reason": "output_error", "run/error": "Cannot write post _posts/x.md: No space left on device"},
     "stopped at a failed write: Cannot write post _posts/x.md: No space left on device"),
    ({"finish_reason": "frontier_unreachable", "run/error": "Cannot reach Redis at redis://127.0.0.1:1"},
     "the shared frontier is unreachable: Cannot reach Redis at redis://127.0.0.1:1"),
    ({"finish_reason": "refused", "run/error": "Bad setting: LOG_LEVEL ..."},
     "refused at start: Bad setting: LOG_LEVEL ..."),
])
def test_each_kind_of_unhealthy_run_has_its_own_reason(stats: dict[str, object], reason: str) -> None:
    assert reason in assess(stats)


@pytest.mark.parametrize("stats", [
    finished(**{"articles/requested": 14, "articles/new": 13, "pages/failed": 1}),  # 7% failed
    finished(**{"articles/requested": 1, "pages/dead": 1}),  # a dead link is not a failure
    finished(**{"discovery/sources": 14, "discovery/links/sitemap": 14, "discovery/skipped_known": 14}),  # unchanged
    finished(**{"frontier/role": "worker", "articles/requested": 3, "pages/failed": 3}),  # the leader's to count
])
def test_healthy_runs_stay_healthy(stats: dict[str, object]) -> None:
    assert assess(stats) == []


def test_the_failed_share_is_a_setting() -> None:
    stats = finished(**{"articles/requested": 10, "articles/new": 7, "pages/failed": 3})
    assert assess(stats, Limits(failed_max_ratio=0.5)) == []


# ---------------------------------------------------------------------------- runs that did not do their job


def test_every_article_too_large_fails_the_run(replica: ReplayServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = crawl("phnompenhpost", replica, out, "-s", "DOWNLOAD_MAXSIZE=6000")
    assert run.returncode == 1, run.output[-3000:]
    why = summary(run)["why"]
    assert why.startswith("none of 14 article page(s) became a post: 14 failed (too_large 14)"), why
    stats = last_stats(out)
    assert not stats["healthy"] and stats["problems"][0].startswith("none of 14 article page(s)")
    assert not list(out.glob("_posts/*.md"))


def test_too_many_failed_article_pages_fail_the_run(replica: ReplayServer, tmp_path: Path) -> None:
    refused = sorted(path for path in replica.routes if path.startswith("/national/"))[:4]
    assert len(refused) == 4

    def bad_request(handler: object) -> bool:
        handler.send_response(400)  # type: ignore[attr-defined]
        handler.send_header("Content-Length", "0")  # type: ignore[attr-defined]
        handler.end_headers()  # type: ignore[attr-defined]
        return True

    for path in refused:
        replica.custom[path] = bad_request
    out = tmp_path / "out"
    run = crawl("phnompenhpost", replica, out)
    assert run.returncode == 1, run.output[-3000:]
    failed = last_stats(out)["stats"]["pages/failed/400"]
    assert failed >= 3
    assert re.search(rf"{failed} of \d+ article pages could not be fetched \(\d+% > ARTICLES_FAILED_MAX_RATIO 20%",
                     summary(run)["why"])
    tolerant = crawl("phnompenhpost", replica, tmp_path / "tolerant", "-s", "ARTICLES_FAILED_MAX_RATIO=0.5")
    assert tolerant.returncode == 0, tolerant.output[-3000:]
    assert summary(tolerant)["status"] == "OK"


def test_discovery_that_finds_nothing_fails_the_run(replica: ReplayServer, tmp_path: Path) -> None:
    sites = sites_dir(tmp_path / "sites", phnompenhpost=ppp_allowing_nothing())
    out = tmp_path / "out"
    run = crawl("phnompenhpost", replica, out, "-s", f"SITES_DIR={sites}")
    assert run.returncode == 1, run.output[-3000:]
    assert "discovery found no article URL" in summary(run)["why"]
    assert requested_articles(replica) == []


def test_a_finished_jobdir_starts_a_new_crawl(replica: ReplayServer, tmp_path: Path) -> None:
    jobdir = tmp_path / "job"
    first = crawl("phnompenhpost", replica, tmp_path / "first", "-s", f"JOBDIR={jobdir}")
    assert first.returncode == 0, first.output[-3000:]
    assert len(posts(tmp_path / "first")) == 14
    replica.reset()
    again = crawl("phnompenhpost", replica, tmp_path / "empty", "-s", f"JOBDIR={jobdir}")
    assert again.returncode == 0, again.output[-3000:]
    assert f"JOBDIR {jobdir} holds a crawl that finished" in again.output
    assert summary(again)["status"] == "OK" and "14 new" in again.stderr
    assert len(posts(tmp_path / "empty")) == 14  # a new crawl, into the empty folder
    assert last_stats(tmp_path / "empty")["stats"]["jobdir/restarted"] is True


# ---------------------------------------------------------------------------- the summary line, whatever the log says


def test_a_quiet_run_still_ends_with_one_summary_line(replica: ReplayServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_scrapy(*crawl_args("phnompenhpost", replica, out, "-s", "LOG_LEVEL=WARNING"),
                     env={"NEWS_LOG_LEVEL": "WARNING"})
    assert run.returncode == 0, run.output[-3000:]
    assert summary(run)["status"] == "OK"
    assert run.stderr.rstrip().splitlines()[-1].startswith("Run summary [phnompenhpost]: OK - 14 new")
    assert " INFO: " not in run.output


def test_the_log_file_folder_is_created_and_stderr_gets_only_the_summary(replica: ReplayServer,
                                                                        tmp_path: Path) -> None:
    log = tmp_path / "var" / "log" / "news" / "ppp.log"
    run = crawl("phnompenhpost", replica, tmp_path / "out", "-s", f"LOG_FILE={log}")
    assert run.returncode == 0, run.output[-3000:]
    line = summary(run).string
    assert run.stderr.strip() == line and run.stdout == ""
    logged = log.read_text(encoding="utf-8")
    assert "Spider closed (finished)" in logged and line in logged


# ---------------------------------------------------------------------------- bad settings: one line, exit 2


@pytest.mark.parametrize(("settings", "env", "named"), [
    (("-s", "POST_OPTIONAL_FIELDS=foo"), {}, "POST_OPTIONAL_FIELDS: unknown field(s) 'foo' (allowed: author, updated, "
                                             "tags, image_origin)"),
    (("-s", 'POST_OPTIONAL_FIELDS=["tags", "summary"]'), {}, "POST_OPTIONAL_FIELDS: unknown field(s) 'summary'"),
    (("-s", "POST_OPTIONAL_FIELDS=[tags"), {}, "POST_OPTIONAL_FIELDS: '[tags' is not a JSON list"),
    ((), {"NEWS_LOG_LEVEL": "bogus"}, "LOG_LEVEL (env NEWS_LOG_LEVEL) must be one of CRITICAL, ERROR, WARNING, INFO, "
                                      "DEBUG, got 'bogus'"),
    (("-s", "ARTICLES_FAILED_MAX_RATIO=most"), {}, "ARTICLES_FAILED_MAX_RATIO must be a share between 0 and 1"),
    (("-s", "LOG_FILE=/proc/no-such-folder/ppp.log"), {}, "LOG_FILE: cannot create its folder /proc/no-such-folder"),
])
def test_a_bad_setting_is_one_line_and_exit_2_before_the_crawl(replica: ReplayServer, tmp_path: Path,
                                                              settings: tuple[str, ...], env: dict[str, str],
                                                              named: str) -> None:
    out = tmp_path / "out"
    run = run_scrapy("crawl", "phnompenhpost", "-a", f"base_url={replica.base_url}", "-s", f"OUTPUT_DIR={out}",
                     *settings, env=env)
    assert run.returncode == 2, run.output[-3000:]
    assert "Traceback" not in run.output
    [error] = error_lines(run)
    assert f"Bad setting: {named}" in error
    assert named in summary(run)["why"]
    assert replica.requests == [] and not out.exists()


def test_optional_fields_as_a_json_list(replica: ReplayServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = crawl("phnompenhpost", replica, out, "-s", 'POST_OPTIONAL_FIELDS=["tags", "author"]')
    assert run.returncode == 0, run.output[-3000:]
    written = posts(out).values()
    assert any("tags" in post.meta for post in written) and any("author" in post.meta for post in written)


def test_a_bad_argument_ends_with_the_summary_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    run = run_scrapy("crawl", "phnompenhpost", "-a", "since=yesterday", "-s", f"OUTPUT_DIR={out}")
    assert run.returncode == 2, run.output[-3000:]
    assert "Traceback" not in run.output and len(error_lines(run)) == 1
    assert summary(run)["why"].startswith("refused at start: Bad argument: since must be a date as YYYY-MM-DD")
    stats = last_stats(out)  # the output folder exists: the refused run has its stats file
    assert stats["stats"]["finish_reason"] == "refused" and not stats["healthy"]


# ---------------------------------------------------------------------------- a full disk


def mount_tiny_disk(folder: Path, size: str) -> None:
    """A real file system of `size` (tmpfs; CI runs as root). Fails loudly when it cannot be mounted."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"this test needs root to mount a {size} tmpfs: {mounted.stderr.strip()}")


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 200 KiB file system: room for a few posts."""
    folder = tmp_path / "disk"
    mount_tiny_disk(folder, "200k")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize("pictures", [False, True], ids=["posts", "posts-and-pictures"])
def test_a_disk_too_full_for_the_store_refuses_cleanly_and_keeps_it(replica: ReplayServer, tmp_path: Path,
                                                                   pictures: bool) -> None:
    """64 KiB: the store cannot even be set up. One ERROR, no advice to delete it, no traceback; the same
    when the image archive, which also reads the store, opens it first."""
    folder = tmp_path / "disk"
    mount_tiny_disk(folder, "64k")
    try:
        run = crawl("phnompenhpost", replica, folder / "out", *(archived(replica) if pictures else ()))
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
    assert run.returncode == 1, run.output[-3000:]
    assert "Traceback" not in run.output and "delete" not in run.output.lower()
    [error] = error_lines(run)
    assert "database or disk is full" in error or "No space left on device" in error, error
    assert summary(run)["why"].startswith("stopped at a failed write: Cannot use the output folder ")
    assert requested_articles(replica) == []


def test_a_store_that_cannot_be_opened_is_one_error_with_pictures_archived(replica: ReplayServer,
                                                                           tmp_path: Path) -> None:
    """The store's path is taken by a folder: the image archive, the first component to open the store,
    stops the run with the error that names it (it used to end in another component's traceback)."""
    out = tmp_path / "out"
    (out / ".crawler" / "state.sqlite").mkdir(parents=True)
    run = crawl("phnompenhpost", replica, out, *archived(replica))
    assert run.returncode == 1, run.output[-3000:]
    assert "Traceback" not in run.output
    [error] = error_lines(run)
    assert "Cannot use the output folder" in error and "state.sqlite: cannot open the state store" in error, error
    assert requested_articles(replica) == []


def test_a_full_disk_stops_the_run_at_the_first_failed_write(replica: ReplayServer, tmp_path: Path,
                                                             tiny_disk: Path) -> None:
    out = tiny_disk / "out"
    run = crawl("phnompenhpost", replica, out)
    assert run.returncode == 1, run.output[-3000:]
    assert "Traceback" not in run.output
    errors = error_lines(run)
    assert len(errors) == 1, errors
    [error] = errors
    assert re.search(r"ERROR: Cannot write (post|run feed|state store|URL memory|the web archive) \S+: "
                     r"(No space left on device|database or disk is full)$", error), error
    assert "delete" not in run.output.lower()
    assert "The ASEAN member states are taking steps" not in run.output  # no article body in the log
    assert summary(run)["why"].startswith("stopped at a failed write: Cannot write ")
    written = posts(out)  # every post on the full disk parses
    assert len(written) < 14 and stray_files(out) == []
    kept = snapshot(out)

    subprocess.run(["mount", "-o", "remount,size=20m", str(tiny_disk)], check=True)
    replica.reset()
    again = crawl("phnompenhpost", replica, out)
    assert again.returncode == 0, again.output[-3000:]
    assert len(posts(out)) == 14
    assert {name: data for name, (data, _) in snapshot(out).items() if name in kept} == {
        name: data for name, (data, _) in kept.items()}  # what the full disk kept was whole
    assert json.loads(next((out / ".crawler" / "runs").glob("*.json")).read_text(encoding="utf-8"))["spider"]


# ---------------------------------------------------------------------------- messages a user reads


def test_an_unreachable_site_is_clear_errors_without_tracebacks(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_scrapy("crawl", "phnompenhpost", "-a", f"base_url=http://127.0.0.1:{free_port()}",
                     "-s", f"OUTPUT_DIR={out}", *FAST, "-s", "RETRY_TIMES=0")
    assert run.returncode == 1, run.output[-3000:]
    assert "Traceback" not in run.output
    robots = [line for line in error_lines(run) if "robotstxt" in line]
    assert robots and all("Connection refused" in line for line in robots)
    assert "discovery found no article URL" in summary(run)["why"]


def test_the_redirect_limit_warning_shows_the_location_as_text(tmp_path: Path) -> None:
    def hop(number: int) -> Callable[[Any], bool]:
        def answer(handler: Any) -> bool:
            handler.send_response(301)
            handler.send_header("Location", f"/hop{number + 1}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return True
        return answer

    custom = {f"/hop{number}": hop(number) for number in range(1, 13)}
    with ReplayServer(REPLICA, custom=custom) as server:
        run = crawl("article", server, tmp_path / "out", "-a", f"url={ORIGIN}/hop1")
    [warning] = [line for line in run.output.splitlines() if "Cannot follow the redirect" in line]
    assert warning.endswith(f"Cannot follow the redirect of {server.base_url}/hop11 (Location '/hop12', hop 11)")
    assert last_stats(tmp_path / "out")["stats"]["pages/failed/redirect"] == 1


def test_a_dead_link_is_logged_under_its_real_url(replica: ReplayServer, tmp_path: Path) -> None:
    run = crawl("article", replica, tmp_path / "out", "-a", f"url={ORIGIN}{DEAD_PATH}")
    assert run.returncode == 0, run.output[-3000:]
    [line] = [line for line in run.output.splitlines() if "Dead link" in line]
    assert line.endswith(f"Dead link {ORIGIN}{DEAD_PATH} (HTTP 404, fetched from {replica.base_url}{DEAD_PATH})")


def test_settings_get_sites_dir_names_the_profile_folder() -> None:
    run = run_scrapy("settings", "--get", "SITES_DIR")
    assert run.returncode == 0 and Path(run.stdout.strip()) == ROOT / "crawler" / "sites"
    assert (Path(run.stdout.strip()) / "phnompenhpost.yaml").is_file()


def test_a_resumed_jobdir_run_that_found_its_work_in_the_job_is_not_an_empty_discovery() -> None:
    resumed = finished(**{"discovery/sources": 13, "articles/new": 12, "pages/dead": 1})
    assert assess(resumed) == []


def test_a_pipeline_error_names_the_article_without_printing_it(replica: ReplayServer, tmp_path: Path) -> None:
    """An article that reaches the store without NormalizePipeline has no date: the ERROR names it."""
    url = f"{ORIGIN}/national/{SEED_SLUG}"
    run = crawl("article", replica, tmp_path / "out", "-a", f"url={url}",
                "-s", 'ITEM_PIPELINES={"crawler.pipelines.store.StorePipeline": 300}')
    assert run.returncode == 1
    [error] = [line for line in run.output.splitlines() if "Error processing" in line]
    assert error.endswith(f"Error processing <Article {url}>")
    assert "The ASEAN member states are taking steps" not in run.output
