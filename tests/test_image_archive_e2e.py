"""End to end: real crawls of the replica with the image archive on, its pictures served from 127.0.0.1
through MIRRORS (they live on the CDN's host), files checked on disk."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ORIGIN, REPLICA, SEED_SLUG, expected_articles, run_scrapy
from tests.crawl_helpers import (
    Post,
    archived,
    crawl,
    crawl_args,
    error_lines,
    last_stats,
    post_count,
    posts,
    snapshot,
    start_crawl,
    stop,
    summary_line,
    wait_for,
)
from tests.replay_server import ReplayServer, load_routes

pytestmark = pytest.mark.e2e

EXPECTED = {a["origin_url"]: a for a in expected_articles()}
SEED_URL = f"{ORIGIN}/national/{SEED_SLUG}"
IMAGE_RE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
ARCHIVE_BASE = "/assets/img/"
MIRRORED = json.loads((REPLICA / "mirrors.json").read_text(encoding="utf-8"))
ALL_PICTURES = sorted({url for a in EXPECTED.values() for url in a["images_in_order"]})
OPTIONAL = ("-s", "POST_OPTIONAL_FIELDS=author,image_origin")


def mirror_path(url: str) -> str:
    """The replica's path serving a picture's original URL."""
    origin = next(o for o in MIRRORED if url.startswith(o + "/"))
    return MIRRORED[origin] + url[len(origin):]


def served_bytes(url: str) -> bytes:
    """The bytes the replica serves for a picture's original URL."""
    return (REPLICA / load_routes(REPLICA)[mirror_path(url)]["file"]).read_bytes()


def shown(post: Post) -> list[str]:
    """Every picture URL a post shows, in order (the lead image's first)."""
    return IMAGE_RE.findall(post.text)


def stored(output: Path, url: str) -> Path:
    assert url.startswith(ARCHIVE_BASE), url
    return output / "assets" / "img" / url[len(ARCHIVE_BASE):]


def picture_files(output: Path) -> list[Path]:
    return sorted(p for p in (output / "assets" / "img").rglob("*") if p.is_file())


def cdn_requests(server: ReplayServer) -> list[str]:
    return [path for path in server.requests if path.startswith("/cdn/")]


@dataclass
class Crawled:
    output: Path
    run: Any
    cdn: list[str]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    output = tmp_path_factory.mktemp("archived") / "out"
    with ReplayServer(REPLICA) as server:
        run = crawl("phnompenhpost", server, output, *archived(server), *OPTIONAL)
        yield Crawled(output, run, cdn_requests(server))


def test_every_picture_is_stored_once_as_served_and_posts_point_at_the_copies(first_run):
    output, run = first_run.output, first_run.run
    assert run.returncode == 0, run.output[-3000:]
    assert error_lines(run) == []
    found = posts(output)
    assert set(found) == set(EXPECTED)
    for url, post in found.items():
        expected = EXPECTED[url]
        pictures = shown(post)
        assert len(pictures) == len(expected["images_in_order"]), url
        for copy, original in zip(pictures, expected["images_in_order"], strict=True):
            assert stored(output, copy).read_bytes() == served_bytes(original), (url, original)
        if expected["image"] is None:
            assert "image" not in post.meta and "image_origin" not in post.meta
        else:
            assert post.meta["image"] == pictures[0]
            assert post.meta["image_origin"] == expected["image"]
        body = post.text.split("\n---\n", 1)[1]
        assert not any(original in body for original in expected["images_in_order"])
    assert len(picture_files(output)) == len(ALL_PICTURES)  # each stored once, nothing else (no temp file)
    assert sorted(first_run.cdn) == sorted(mirror_path(url) for url in ALL_PICTURES)  # each fetched once
    assert f"pictures: {len(ALL_PICTURES)} archived, 0 reused, 0 not archived" in summary_line(run)


def test_the_store_and_the_feed_keep_the_original_urls(first_run):
    output = first_run.output
    db = sqlite3.connect(output / ".crawler" / "state.sqlite")
    images = dict(db.execute("SELECT url, path FROM images").fetchall())
    missing = db.execute("SELECT SUM(images_missing) FROM articles").fetchone()[0]
    db.close()
    assert sorted(images) == ALL_PICTURES and missing == 0
    for url, path in images.items():
        assert (output / "assets" / "img" / path).read_bytes() == served_bytes(url)
    [feed] = list((output / "_feeds").glob("*.jsonl"))
    lines = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(EXPECTED)
    for line in lines:
        assert line["image_origin"] == EXPECTED[line["origin_url"]]["image"]
        if line["image"] is not None:
            assert line["image"] == ARCHIVE_BASE + images[line["image_origin"]]


def test_a_second_run_and_a_full_rescrape_download_no_picture(first_run, tmp_path):
    output = tmp_path / "out"
    shutil.copytree(first_run.output, output)
    before = snapshot(output)
    with ReplayServer(REPLICA) as server:
        again = crawl("phnompenhpost", server, output, *archived(server), *OPTIONAL)
        assert again.returncode == 0, again.output[-3000:]
        assert cdn_requests(server) == []
        assert snapshot(output) == before
        server.reset()
        full = crawl("phnompenhpost", server, output, *archived(server), *OPTIONAL, "-a", "full=1")
        assert full.returncode == 0, full.output[-3000:]
        assert cdn_requests(server) == []  # every article fetched again, every picture found in the store
    assert snapshot(output) == before
    assert f"0 new, 0 updated, {len(EXPECTED)} unchanged" in summary_line(full)
    assert f"pictures: 0 archived, {len(ALL_PICTURES)} reused, 0 not archived" in summary_line(full)


def test_a_changed_article_fetches_only_its_new_picture_and_a_shared_picture_is_stored_once(first_run, tmp_path):
    output = tmp_path / "out"
    shutil.copytree(first_run.output, output)
    files_before = picture_files(output)
    old = "https://github.com/user-attachments/assets/e343a584-18f6-43f0-b1bd-0f3752e79dc2"
    new = "https://pppenglish.sgp1.digitaloceanspaces.com/image/main/202410/18_10_2024_workshop_hall.jpg"
    reused = "https://pppenglish.sgp1.digitaloceanspaces.com/image/main/202410/19_10_2024_kampot_festival.jpg"
    page = (REPLICA / "pages" / "articles" / "national" / f"{SEED_SLUG}.html").read_text(encoding="utf-8")
    assert old in page
    edited = tmp_path / "seed.html"
    edited.write_text(page.replace(old, new), encoding="utf-8")
    with ReplayServer(REPLICA) as server:
        server.replace_file(SEED_URL.removeprefix(ORIGIN), str(edited))
        # the publisher reused a picture another article shows, under a new name
        server.routes[mirror_path(new)] = {**server.routes[mirror_path(reused)]}
        run = crawl("article", server, output, "-a", f"url={SEED_URL}", *archived(server), *OPTIONAL)
        assert run.returncode == 0, run.output[-3000:]
        assert cdn_requests(server) == [mirror_path(new)]
    assert picture_files(output) == files_before  # same bytes as the festival's lead image: no new file
    seed = posts(output)[SEED_URL]
    festival = next(p for url, p in posts(output).items() if "kampots-salt-pepper-festival" in url)
    assert shown(seed)[1] == festival.meta["image"]
    assert shown(seed)[0] == shown(posts(first_run.output)[SEED_URL])[0]
    assert "0 new, 1 updated, 0 unchanged" in summary_line(run)
    assert "pictures: 1 archived, 2 reused, 0 not archived" in summary_line(run)


def test_pictures_on_the_sites_own_host_come_from_base_url_and_robots_txt_applies(tmp_path):
    page = (REPLICA / "pages" / "articles" / "national" / f"{SEED_SLUG}.html").read_text(encoding="utf-8")
    own = "/media/2024/10/workshop-hall.jpg"
    forbidden = "/admin/uploads/workshop-badge.jpg"  # robots.txt: Disallow: /admin
    edited = tmp_path / "seed.html"
    edited.write_text(page.replace("https://github.com/user-attachments/assets/e343a584-18f6-43f0-b1bd-0f3752e79dc2",
                                   own).replace("https://github.com/user-attachments/assets/3c8e09e7-d8a0-467f-9b64-"
                                                "caa1db489632", forbidden), encoding="utf-8")
    output = tmp_path / "out"
    with ReplayServer(REPLICA) as server:
        server.replace_file(SEED_URL.removeprefix(ORIGIN), str(edited))
        jpeg = server.routes[mirror_path(ALL_PICTURES[0])]
        server.routes[own] = server.routes[forbidden] = {**jpeg}
        run = crawl("article", server, output, "-a", f"url={SEED_URL}", *archived(server))
        assert run.returncode == 0, run.output[-3000:]
        assert own in server.requests and forbidden not in server.requests
    lead, inline, refused = shown(posts(output)[SEED_URL])
    assert stored(output, inline).read_bytes() == (REPLICA / jpeg["file"]).read_bytes()
    assert lead.startswith(ARCHIVE_BASE) and refused == ORIGIN + forbidden  # not archived: the original URL
    db = sqlite3.connect(output / ".crawler" / "state.sqlite")
    images = {url: (path, failure) for url, path, failure in db.execute("SELECT url, path, failure FROM images")}
    db.close()
    assert images[ORIGIN + own] == (inline.removeprefix(ARCHIVE_BASE), None)  # the real URL, not the mirror's
    assert images[ORIGIN + forbidden] == (None, "robots")
    assert last_stats(output)["stats"]["images/failed/robots"] == 1


def answer(status: int, body: bytes, content_type: str, delay: float = 0.0) -> Any:
    def handler(request: Any) -> bool:
        if delay:
            time.sleep(delay)
        try:
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up first (timeout)
        return True

    return handler


def test_pictures_that_cannot_be_archived_never_hold_a_post_back_and_the_next_run_retries_them(tmp_path):
    cdn = "https://pppenglish.sgp1.digitaloceanspaces.com/image/main/202410/"
    github = "https://github.com/user-attachments/assets/"
    failing = {
        f"{cdn}18_10_2024_img_3946.jpg": ("http_404", answer(404, b"<h1>Not Found</h1>", "text/html")),
        f"{github}e343a584-18f6-43f0-b1bd-0f3752e79dc2": (
            "svg", answer(200, b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                          "image/svg+xml")),
        f"{github}3c8e09e7-d8a0-467f-9b64-caa1db489632": (
            "not_image", answer(200, b"<!DOCTYPE html><title>Sign in</title>", "image/png")),
        f"{cdn}21_10_2024_fuel_station.jpg": (
            "too_large", answer(200, b"\xff\xd8\xff\xe0" + os.urandom(400_000), "image/jpeg")),
        # The timeout is far from what an article page takes on a loaded machine (the suite runs in parallel).
        f"{cdn}24_10_2024_kandal_flood.jpg": ("timeout", answer(200, b"\xff\xd8\xff\xe0", "image/jpeg", delay=12)),
    }
    output = tmp_path / "out"
    with ReplayServer(REPLICA) as server:
        for url, (_, handler) in failing.items():
            server.custom[mirror_path(url)] = handler
        run = crawl("phnompenhpost", server, output, *archived(server), "-s", "DOWNLOAD_MAXSIZE=300000",
                    "-s", "DOWNLOAD_TIMEOUT=4", "-s", "RETRY_TIMES=1")
        assert run.returncode == 0, run.output[-3000:]
        assert error_lines(run) == [] and "Traceback" not in run.output
        found = posts(output)
        assert set(found) == set(EXPECTED)  # every post written
        for url, post in found.items():
            for copy, original in zip(shown(post), EXPECTED[url]["images_in_order"], strict=True):
                if original in failing:
                    assert copy == original, url  # the post keeps the original URL
                else:
                    assert stored(output, copy).read_bytes() == served_bytes(original)
        stats = last_stats(output)["stats"]
        reasons = sorted(reason for reason, _ in failing.values())
        assert {key: value for key, value in stats.items() if key.startswith("images/failed/")} == {
            f"images/failed/{reason}": 1 for reason in reasons}
        assert (f"pictures: {len(ALL_PICTURES) - len(failing)} archived, 0 reused, {len(failing)} not archived "
                f"({', '.join(f'{reason} 1' for reason in reasons)})") in summary_line(run)
        for reason in reasons:
            warnings = [line for line in run.output.splitlines() if " WARNING: Picture " in line]
            assert sum(f"not archived ({reason}" in line for line in warnings) == 1, reason

        # The CDN recovers, but for the SVG: the next scheduled run fetches the articles missing
        # pictures, and only them.
        [svg] = [url for url, (reason, _) in failing.items() if reason == "svg"]
        server.custom = {mirror_path(svg): failing[svg][1]}
        server.reset()
        retry = crawl("phnompenhpost", server, output, *archived(server))
        assert retry.returncode == 0, retry.output[-3000:]
        articles_missing = {url for url, post in found.items()
                            if set(EXPECTED[url]["images_in_order"]) & set(failing)}
        assert sorted(cdn_requests(server)) == sorted(mirror_path(url) for url in failing)
        assert last_stats(output)["stats"]["discovery/fetch/images"] == len(articles_missing)
        with_svg = {url for url in articles_missing if svg in EXPECTED[url]["images_in_order"]}
        only_svg = {url for url in with_svg if set(EXPECTED[url]["images_in_order"]) & set(failing) == {svg}}
        assert (f"0 new, {len(articles_missing - only_svg)} updated, {len(only_svg)} unchanged"
                in summary_line(retry))
        for url, post in posts(output).items():
            assert all(copy.startswith(ARCHIVE_BASE) or copy == svg for copy in shown(post)), url

        # A picture that fails again is retried ever less often: the run right after skips its article
        # (it waits IMAGES_RETRY_BASE, then doubling), a run once the wait is over fetches it again.
        server.reset()
        soon = crawl("phnompenhpost", server, output, *archived(server))
        assert soon.returncode == 0, soon.output[-3000:]
        assert cdn_requests(server) == []
        assert "discovery/fetch/images" not in last_stats(output)["stats"]
        later = crawl("phnompenhpost", server, output, *archived(server), "-s", "IMAGES_RETRY_BASE=0")
        assert later.returncode == 0, later.output[-3000:]
        assert cdn_requests(server) == [mirror_path(svg)]
        assert last_stats(output)["stats"]["discovery/fetch/images"] == len(with_svg)


def hang_up(request: Any) -> bool:
    """No answer at all: the connection closes (a CDN whose robots.txt cannot be fetched)."""
    request.close_connection = True
    return True


def test_a_picture_cdn_whose_robots_txt_cannot_be_fetched_is_a_warning_not_a_failed_run(tmp_path):
    output = tmp_path / "out"
    with ReplayServer(REPLICA) as site, ReplayServer(REPLICA, custom={"/robots.txt": hang_up}) as cdn:
        run = crawl("phnompenhpost", site, output, "-s", "ARCHIVE_IMAGES=1", "-s", f"MIRRORS={cdn.mirrors}",
                    "-s", "RETRY_TIMES=1")
        assert run.returncode == 0, run.output[-3000:]
        assert cdn.requests.count("/robots.txt") == 2  # tried, and retried once
        assert sorted(cdn_requests(cdn)) == sorted(mirror_path(url) for url in ALL_PICTURES)
    assert error_lines(run) == [] and "Traceback" not in run.output
    warnings = [line for line in run.output.splitlines() if " WARNING: " in line and "robots.txt" in line]
    assert warnings, run.output[-3000:]
    assert "OK - " in summary_line(run)
    assert f"pictures: {len(ALL_PICTURES)} archived, 0 reused, 0 not archived" in summary_line(run)
    for post in posts(output).values():
        assert all(stored(output, copy).is_file() for copy in shown(post))


def test_a_killed_run_leaves_no_half_written_picture_and_no_post_pointing_at_a_missing_one(tmp_path):
    output = tmp_path / "out"
    with ReplayServer(REPLICA) as server:
        for url in ALL_PICTURES:
            route = server.routes[mirror_path(url)]
            body = (REPLICA / route["file"]).read_bytes()
            server.custom[mirror_path(url)] = answer(200, body, route["headers"]["Content-Type"], delay=0.4)
        process = start_crawl(crawl_args("phnompenhpost", server, output, *archived(server),
                                         "-s", "CONCURRENT_REQUESTS=2"), tmp_path / "killed.log")
        try:
            wait_for(lambda: post_count(output) >= 3, what="three posts")
        finally:
            stop(process)
        written = posts(output)
        assert 3 <= len(written) < len(EXPECTED)
        originals = {served_bytes(url) for url in ALL_PICTURES}
        for path in picture_files(output):
            assert path.name.startswith(".") or path.read_bytes() in originals, path  # whole, or a temp file
        for post in written.values():
            for copy in shown(post):
                assert stored(output, copy).is_file()

        server.custom.clear()
        rerun = crawl("phnompenhpost", server, output, *archived(server))
        assert rerun.returncode == 0, rerun.output[-3000:]
    assert set(posts(output)) == set(EXPECTED)
    assert [p for p in picture_files(output) if p.name.startswith(".")] == []  # the leftovers are cleaned up
    assert len(picture_files(output)) == len(ALL_PICTURES)
    for post in posts(output).values():
        assert all(stored(output, copy).read_bytes() in originals for copy in shown(post))


def test_without_the_archive_no_picture_is_fetched_and_nothing_is_stored(tmp_path):
    output = tmp_path / "out"
    with ReplayServer(REPLICA) as server:
        run = crawl("phnompenhpost", server, output, "-s", f"MIRRORS={server.mirrors}")  # ARCHIVE_IMAGES=0
        assert run.returncode == 0, run.output[-3000:]
        assert cdn_requests(server) == []
    assert not (output / "assets").exists()
    assert "pictures:" not in summary_line(run)
    for url, post in posts(output).items():
        assert shown(post) == EXPECTED[url]["images_in_order"]


@pytest.mark.parametrize(("setting", "message"), [
    ('MIRRORS={"cdn.example": "http://127.0.0.1:1"}', "MIRRORS: key 'cdn.example' is not an origin"),
    ("MIRRORS=http://127.0.0.1:1", "MIRRORS must be a JSON object"),
    ("IMAGES_URL_BASE=assets img", "IMAGES_URL_BASE must be a path such as /assets/img/"),
    ("ARCHIVE_IMAGES=maybe", "ARCHIVE_IMAGES must be 0 or 1"),
])
def test_a_bad_image_setting_is_refused_in_one_line(setting, message, tmp_path):
    run = run_scrapy("crawl", "article", "-a", f"url={SEED_URL}", "-a", "base_url=http://127.0.0.1:9",
                     "-s", f"OUTPUT_DIR={tmp_path / 'out'}", "-s", setting)
    assert run.returncode == 2, run.output[-3000:]
    assert f"Bad setting: {message}" in run.output and "Traceback" not in run.output
    assert not (tmp_path / "out" / "_posts").exists()
