"""Several machines, one crawl: a leader and workers sharing a Redis frontier (crawler/distributed).

A real redis-server on 127.0.0.1 (make test installs it), real `scrapy crawl` processes against the
replica. The leader is the ordinary run; a worker is the same command with FRONTIER_WORKER=1 and its
own OUTPUT_DIR, as on another machine.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from scrapy import Request, Spider
from scrapy.settings import Settings
from scrapy.utils.request import request_from_dict
from scrapy.utils.test import get_crawler

from crawler.discovery.memory import UrlMemory
from crawler.distributed import serializer
from crawler.distributed.frontier import _POP_AND_MARK
from crawler.distributed.relay import RelayMemory, RelayReader, article_record
from crawler.extract import extract_article, language
from crawler.profiles import SITES_DIR
from crawler.spiderloader import SiteSpiderLoader
from tests.conftest import ORIGIN, SEED_SLUG, expected_articles, replica_page, run_scrapy
from tests.crawl_helpers import (
    crawl,
    crawl_args,
    last_stats,
    posts,
    requested_articles,
    slow_articles,
    start_crawl,
    stop,
    stray_files,
    summary_line,
)
from tests.redis_server import free_port, start_redis, stop_redis
from tests.replay_server import ReplayServer

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

EXPECTED = {a["origin_url"] for a in expected_articles()}
FAST_BEAT = ("-s", "FRONTIER_HEARTBEAT=1")
SEED_URL = f"{ORIGIN}/national/{SEED_SLUG}"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away redis-server on 127.0.0.1; a missing binary fails the tests (CI installs it)."""
    started = start_redis(tmp_path_factory.mktemp("redis"))
    if started is None:
        pytest.fail("redis-server is not installed (make test installs it): apt-get install redis-server")
    process, url = started
    try:
        yield url
    finally:
        stop_redis(process)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """The test server, emptied before each test."""
    client = redis.Redis.from_url(redis_server)
    client.flushall()
    yield redis_server
    client.close()


def keys(url: str) -> list[str]:
    return sorted(k.decode() for k in redis.Redis.from_url(url).keys("*"))


def aliases_and_dead(output: Path) -> tuple[set[tuple[str, str]], set[tuple[str, int]]]:
    with sqlite3.connect(output / ".crawler" / "urls.sqlite") as db:
        aliases = set(db.execute("SELECT url, target FROM aliases"))
        dead = set(db.execute("SELECT url, status FROM dead"))
    return aliases, dead


# ---------------------------------------------------------------------- what crosses Redis


def test_serializer_carries_requests_without_pickle() -> None:
    spider = Spider("s")
    lastmod = datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)
    request = Request("https://example.com/a?b=1", headers={"Accept": "text/html"}, body=b"\x00\xff",
                      meta={"lastmod": lastmod, "redirected_from": ["https://example.com/old"], "$b": 1,
                            "naive": datetime(2024, 1, 2, 3, 4)}, priority=-3)
    text = serializer.dumps(request.to_dict(spider=spider))
    assert "pickle" not in text and text.isprintable()
    copy = request_from_dict(serializer.loads(text), spider=spider)
    assert (copy.url, copy.body, copy.priority) == (request.url, b"\x00\xff", -3)
    assert copy.headers.getlist("Accept") == [b"text/html"]
    assert copy.meta == request.meta  # datetimes keep their zone (or its absence); a "$b" key stays a key


def test_serializer_refuses_what_it_cannot_carry_and_what_it_did_not_write() -> None:
    with pytest.raises(serializer.SerializationError, match="cannot send a object"):
        serializer.dumps({"meta": object()})
    with pytest.raises(serializer.SerializationError, match="not a record"):
        serializer.loads(b"\x80\x04\x95 pickled bytes")


def test_a_worker_is_marked_busy_in_the_same_step_that_takes_a_request(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    take = client.register_script(_POP_AND_MARK)
    assert take(keys=["q", "w"], args=[5000]) == []
    assert client.get("w") is None  # nothing taken, nothing claimed
    client.zadd("q", {"second": 0, "first": -1})
    assert take(keys=["q", "w"], args=[5000]) == [b"first"]
    assert client.get("w") == b"busy" and 0 < client.pttl("w") <= 5000
    assert client.zrange("q", 0, -1) == [b"second"]


class _Site(Spider):
    name = "site"


def test_what_a_worker_learns_about_urls_reaches_the_leaders_memory_in_order(redis_url: str, tmp_path: Path,
                                                                            caplog: pytest.LogCaptureFixture) -> None:
    worker = get_crawler(_Site, {"REDIS_URL": redis_url, "FRONTIER_WORKER": True})
    leader = get_crawler(_Site, {"REDIS_URL": redis_url})
    told = RelayMemory.from_crawler(worker)
    assert told.resolve("https://example.com/old") == "https://example.com/old"  # a worker knows nothing
    assert told.add_alias("https://example.com/old", "https://example.com/new")
    assert not told.add_alias("https://example.com/same", "https://example.com/same")
    told.mark_dead("https://example.com/gone", 410)
    redis.Redis.from_url(redis_url).rpush("news-to-jekyll:site:relay", b"\x80\x04garbage")
    told.mark_dead("https://example.com/back", 404)
    told.mark_alive("https://example.com/back")
    assert worker.stats.get_value("frontier/sent/dead") == 2

    memory = UrlMemory.open(tmp_path / "urls.sqlite")
    leader.spider = SimpleNamespace(memory=memory)
    reader = RelayReader(redis.Redis.from_url(redis_url), "news-to-jekyll:site:relay", leader)
    assert reader.drain() == 5 and reader.pending() == 0
    assert memory.resolve("https://example.com/old") == "https://example.com/new"
    assert memory.dead_since("https://example.com/gone") is not None
    assert memory.dead_since("https://example.com/back") is None  # revived after it died: order kept
    assert leader.stats.get_value("frontier/received/unreadable") == 1  # one bad record loses no other
    assert "Unreadable relayed record" in caplog.text
    memory.close()


def test_a_worker_loads_extraction_before_it_takes_a_request(redis_url: str, tmp_path: Path) -> None:
    """The first page's one-off loading (the language model, about a second, several under load) stalled a
    worker that held requests; past 3 heartbeats the leader read it as dead and ended its run without the
    worker's articles (a CI run of the leader-and-worker crawl below). A worker loads it in start()."""
    spidercls = SiteSpiderLoader.from_settings(Settings({"SPIDER_MODULES": ["crawler.spiders"],
                                                         "SITES_DIR": str(SITES_DIR)})).load("phnompenhpost")
    crawler = get_crawler(spidercls, {"REDIS_URL": redis_url, "FRONTIER_WORKER": True,
                                      "OUTPUT_DIR": str(tmp_path / "out"), "SITES_DIR": str(SITES_DIR)})
    crawler.spider = spider = crawler._create_spider()
    language._identifier.cache_clear()

    async def started() -> list[Any]:
        return [request async for request in spider.start()]

    assert asyncio.run(started()) == []  # a worker discovers nothing: the leader does
    assert language._identifier.cache_info().currsize == 1
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------- crawls


def test_a_leader_and_a_worker_write_what_one_machine_writes(replica: ReplayServer, redis_url: str,
                                                             tmp_path: Path) -> None:
    shared = ("-s", f"REDIS_URL={redis_url}", *FAST_BEAT)
    worker = start_crawl(crawl_args("phnompenhpost", replica, tmp_path / "worker", *shared,
                                    "-s", "FRONTIER_WORKER=1"), tmp_path / "worker.log")
    # A slow leader (one request every 0.5 s, 7 s for the articles) leaves articles to the worker, which
    # looks at the queue at least every 5 s (Scrapy's engine heartbeat).
    leader = crawl("phnompenhpost", replica, tmp_path / "leader", *shared,
                   "-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0.5")
    assert worker.wait(timeout=120) == 0, (tmp_path / "worker.log").read_text()[-4000:]
    assert leader.returncode == 0, leader.output[-4000:]

    worker_stats = last_stats(tmp_path / "worker")["stats"]
    leader_stats = last_stats(tmp_path / "leader")["stats"]
    relayed = worker_stats.get("frontier/sent/article", 0)
    assert relayed > 0, "the worker fetched no article"
    assert leader_stats["frontier/received/article"] == relayed
    assert f"leader: {relayed} articles from workers" in summary_line(leader)
    assert not (tmp_path / "worker" / "_posts").exists()  # a worker writes no posts and keeps no store
    assert not (tmp_path / "worker" / ".crawler" / "state.sqlite").exists()
    assert keys(redis_url) == []  # the run's queue, duplicate filter and claims are gone

    single = crawl("phnompenhpost", replica, tmp_path / "single")
    assert single.returncode == 0, single.output[-4000:]
    shared_posts, single_posts = posts(tmp_path / "leader"), posts(tmp_path / "single")
    assert set(shared_posts) == set(single_posts) == EXPECTED
    for url, post in single_posts.items():
        assert shared_posts[url].path.name == post.path.name and shared_posts[url].text == post.text, url
    # Redirects and dead links the worker met reached the leader's URL memory.
    assert aliases_and_dead(tmp_path / "leader") == aliases_and_dead(tmp_path / "single")

    replica.reset()  # the next hourly run: a fresh duplicate filter, and nothing new to fetch
    again = crawl("phnompenhpost", replica, tmp_path / "leader", *shared)
    assert again.returncode == 0, again.output[-4000:]
    assert "OK - 0 new, 0 updated, 0 unchanged" in summary_line(again)
    assert requested_articles(replica) == []
    assert any(path.startswith("/sitemap") for path in replica.requests)


def test_a_second_leader_is_refused_with_exit_status_3(replica: ReplayServer, redis_url: str,
                                                        tmp_path: Path) -> None:
    redis.Redis.from_url(redis_url).set("news-to-jekyll:phnompenhpost:leader", "archive-1:4242:x", px=60_000)
    run = crawl("phnompenhpost", replica, tmp_path / "out", "-s", f"REDIS_URL={redis_url}")
    assert run.returncode == 3, run.output[-4000:]
    assert "another run (archive-1:4242:x) leads the phnompenhpost crawl" in run.output
    assert "Traceback" not in run.output
    assert "FAILED (another run leads the shared frontier: another run (archive-1:4242:x)" in summary_line(run)
    assert replica.requests == [] and not (tmp_path / "out").exists()  # no lock, store or _posts/
    out = tmp_path / "existing"
    out.mkdir()
    again = crawl("phnompenhpost", replica, out, "-s", f"REDIS_URL={redis_url}")
    assert again.returncode == 3, again.output[-4000:]
    assert [p.relative_to(out).parent.as_posix() for p in out.rglob("*") if p.is_file()] == [".crawler/runs"]
    assert not last_stats(out)["healthy"]  # only its stats file


def test_articles_relayed_to_a_leader_that_died_are_written_by_the_next_one(replica: ReplayServer, redis_url: str,
                                                                           tmp_path: Path) -> None:
    other = next(url for url in EXPECTED if url != SEED_URL)
    waiting = extract_article(replica_page(other), other)
    redis.Redis.from_url(redis_url).rpush("news-to-jekyll:article:relay", serializer.dumps(article_record(waiting)))
    run = crawl("article", replica, tmp_path / "out", "-a", f"url={SEED_URL}", "-s", f"REDIS_URL={redis_url}")
    assert run.returncode == 0, run.output[-4000:]
    assert set(posts(tmp_path / "out")) == {SEED_URL, other}
    assert keys(redis_url) == []


def test_a_worker_without_a_leader_waits_then_ends(replica: ReplayServer, redis_url: str, tmp_path: Path) -> None:
    run = crawl("phnompenhpost", replica, tmp_path / "out", "-s", f"REDIS_URL={redis_url}",
                "-s", "FRONTIER_WORKER=1", "-s", "FRONTIER_WAIT=1", *FAST_BEAT)
    assert run.returncode == 0, run.output[-4000:]
    assert "No leader of the phnompenhpost crawl came within 1 s" in run.output
    assert replica.requests == [] and keys(redis_url) == []


def test_a_killed_worker_stops_counting_and_its_articles_come_next_run(replica: ReplayServer, redis_url: str,
                                                                        tmp_path: Path) -> None:
    shared = ("-s", f"REDIS_URL={redis_url}", *FAST_BEAT)
    slow_articles(replica, 30.0)  # the worker holds article requests until it is killed
    worker = start_crawl(crawl_args("phnompenhpost", replica, tmp_path / "worker", *shared,
                                    "-s", "FRONTIER_WORKER=1", "-s", "DOWNLOAD_TIMEOUT=60"),
                         tmp_path / "worker.log")
    leader = start_crawl(crawl_args("phnompenhpost", replica, tmp_path / "leader", *shared,
                                    "-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_TIMEOUT=0.5",
                                    "-s", "RETRY_TIMES=0"),
                         tmp_path / "leader.log")
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 60
    while b"busy" not in [client.get(k) for k in client.keys("news-to-jekyll:phnompenhpost:workers:*")]:
        assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-3000:]
        time.sleep(0.05)
    stop(worker, signal.SIGKILL)
    leader.wait(timeout=120)  # it waits for the dead worker only until its heartbeat expires
    assert client.keys("news-to-jekyll:phnompenhpost:workers:*") == []
    assert client.get("news-to-jekyll:phnompenhpost:leader") is None

    replica.custom.clear()
    again = crawl("phnompenhpost", replica, tmp_path / "leader", *shared)
    assert again.returncode == 0, again.output[-4000:]
    assert set(posts(tmp_path / "leader")) == EXPECTED  # what the dead worker held is fetched again


def test_a_leader_whose_claim_was_taken_over_stops(replica: ReplayServer, redis_url: str, tmp_path: Path) -> None:
    """A leader that stalled past its claim and finds another leader in its place stops (exit 1) rather
    than write beside it; what it wrote stays whole."""
    slow_articles(replica, 0.5)
    leader = start_crawl(crawl_args("phnompenhpost", replica, tmp_path / "out", "-s", f"REDIS_URL={redis_url}",
                                    *FAST_BEAT, "-s", "CONCURRENT_REQUESTS=1"), tmp_path / "leader.log")
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 60
    while not requested_articles(replica):
        assert time.monotonic() < deadline and leader.poll() is None, (tmp_path / "leader.log").read_text()[-3000:]
        time.sleep(0.05)
    client.set("news-to-jekyll:phnompenhpost:leader", "archive-2:99:y", px=60_000)
    assert leader.wait(timeout=60) == 1
    log = (tmp_path / "leader.log").read_text()
    assert "Another run took the lead of the phnompenhpost crawl; this run stops" in log
    assert "'finish_reason': 'frontier_lost'" in log
    assert client.get("news-to-jekyll:phnompenhpost:leader") == b"archive-2:99:y"  # not released: not ours
    assert len(posts(tmp_path / "out")) < len(EXPECTED)  # each post parses (posts() reads them all)
    assert stray_files(tmp_path / "out") == []


# ---------------------------------------------------------------------- bad settings


@pytest.mark.parametrize(("settings", "message"), [
    (("-s", "FRONTIER_WORKER=1"), "FRONTIER_WORKER=1 needs REDIS_URL"),
    (("-s", "REDIS_URL=http://127.0.0.1:6379"), "REDIS_URL must start with redis://"),
    (("-s", "REDIS_URL=redis://127.0.0.1:port"), "is not a Redis URL"),
    (("-s", "REDIS_URL=redis://127.0.0.1:6379", "-s", "FRONTIER_WAIT=soon"), "FRONTIER_WAIT must be a number"),
])
def test_bad_frontier_settings_are_refused_in_one_line(settings: tuple[str, ...], message: str,
                                                        tmp_path: Path) -> None:
    run = run_scrapy("crawl", "phnompenhpost", "-s", f"OUTPUT_DIR={tmp_path}", *settings)
    assert run.returncode == 2, run.output[-3000:]
    assert "Bad setting: " in run.output and message in run.output and "Traceback" not in run.output


def test_an_unreachable_redis_fails_the_run_without_crawling(replica: ReplayServer, tmp_path: Path) -> None:
    run = crawl("phnompenhpost", replica, tmp_path / "out", "-s", f"REDIS_URL=redis://127.0.0.1:{free_port()}")
    assert run.returncode == 1, run.output[-3000:]
    assert "Cannot reach Redis at redis://127.0.0.1:" in run.output and "Traceback" not in run.output
    assert "FAILED (the shared frontier is unreachable: Cannot reach Redis at redis://127.0.0.1:" in summary_line(run)
    assert replica.requests == [] and not (tmp_path / "out").exists()


def test_the_password_of_a_redis_url_is_never_printed(tmp_path: Path) -> None:
    run = run_scrapy("crawl", "phnompenhpost", "-s", f"OUTPUT_DIR={tmp_path}",
                     "-s", f"REDIS_URL=redis://:s3cret@127.0.0.1:{free_port()}/0")
    assert run.returncode == 1 and "s3cret" not in run.output
    assert "redis://:***@127.0.0.1:" in run.output


def test_the_article_spider_cannot_be_a_worker(tmp_path: Path) -> None:
    run = run_scrapy("crawl", "article", "-a", f"url={SEED_URL}", "-s", f"OUTPUT_DIR={tmp_path}",
                     "-s", "REDIS_URL=redis://127.0.0.1:6379", "-s", "FRONTIER_WORKER=1")
    assert run.returncode == 2 and "frontier workers (FRONTIER_WORKER=1) run a site spider" in run.output

