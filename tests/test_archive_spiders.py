"""The web archive inside a crawl: which responses the capture middleware keeps, and how a site spider
chooses archived pages to backfill (no server, no subprocess)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.archive import ARCHIVE_URL, warc_dir
from crawler.archive.capture import WarcCapture
from crawler.archive.reader import Capture, scan
from crawler.profiles import SITES_DIR
from crawler.spiderloader import SiteSpiderLoader
from crawler.spiders.base import SpiderArgumentError
from crawler.state import open_state
from tests.conftest import ORIGIN, SEED_SLUG, replica_page

SEED = f"{ORIGIN}/national/{SEED_SLUG}"
MIRROR = "http://127.0.0.1:8765"


def site_spider(output: Path, **kwargs: Any) -> Any:
    settings = {"OUTPUT_DIR": str(output), "SITES_DIR": str(SITES_DIR)}
    spidercls = SiteSpiderLoader.from_settings(get_crawler(settings_dict=settings).settings).load("phnompenhpost")
    crawler = get_crawler(spidercls, settings)
    spider = crawler._create_spider(**kwargs)
    crawler.spider = spider
    return spider


def capture_middleware(output: Path, **settings: Any) -> WarcCapture:
    crawler = get_crawler(settings_dict={"OUTPUT_DIR": str(output), **settings})
    crawler.stats.open_spider()
    return build_from_crawler(WarcCapture, crawler)


def fetched(url: str, status: int = 200, **meta: Any) -> tuple[Request, HtmlResponse]:
    request = Request(url, meta=meta)
    body = replica_page(SEED) if status == 200 else b"<html>error</html>"
    return request, HtmlResponse(url, status=status, body=body, request=request,
                                 headers={"Content-Type": "text/html; charset=utf-8"})


def test_article_requests_carry_the_real_url_the_archive_files_them_under(tmp_path):
    spider = site_spider(tmp_path, base_url=MIRROR)
    request = spider.article_request(SEED, {})
    assert request.url == f"{MIRROR}/national/{SEED_SLUG}"
    assert request.meta[ARCHIVE_URL] == SEED
    spider._on_spider_closed(spider)


def test_the_middleware_keeps_only_200_answers_to_article_requests(tmp_path):
    middleware = capture_middleware(tmp_path)
    mirror_url = f"{MIRROR}/national/{SEED_SLUG}"
    gone = {ARCHIVE_URL: f"{ORIGIN}/national/gone"}
    for request, response in (fetched(mirror_url, **{ARCHIVE_URL: SEED}),
                              fetched(f"{MIRROR}/sitemap.xml"),  # not an article request
                              fetched(f"{MIRROR}/national/gone", status=404, **gone)):
        assert middleware.process_response(request, response) is response
    middleware.spider_closed(None)  # type: ignore[arg-type]
    [path] = sorted(warc_dir(tmp_path).iterdir())
    [capture] = scan(path, Counter())
    assert (capture.url, capture.fetched_url) == (SEED, mirror_url)
    assert middleware.crawler.stats.get_value("warc/records") == 1


def test_warc_enabled_0_turns_the_middleware_off(tmp_path):
    with pytest.raises(NotConfigured):
        capture_middleware(tmp_path, WARC_ENABLED=False)


def test_an_archive_that_cannot_be_written_fails_loudly_and_loses_no_page(tmp_path, caplog):
    (tmp_path / ".crawler").mkdir()
    (tmp_path / ".crawler" / "warc").write_text("a file where the folder should be", encoding="utf-8")
    middleware = capture_middleware(tmp_path)
    request, response = fetched(SEED, **{ARCHIVE_URL: SEED})
    with caplog.at_level(logging.ERROR):
        assert middleware.process_response(request, response) is response  # the spider still gets the page
        assert middleware.process_response(request, response) is response
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "Cannot write the web archive" in errors[0].getMessage()
    assert middleware.crawler.stats.get_value("warc/write_errors") == 1


def test_check_and_warc_cannot_be_combined(tmp_path):
    (tmp_path / "a.warc.gz").write_bytes(b"")
    with pytest.raises(SpiderArgumentError, match="check and warc"):
        site_spider(tmp_path, check="3", warc=str(tmp_path))


def capture(url: str) -> Capture:
    return Capture(url, datetime(2026, 11, 1, tzinfo=UTC), Path("x.warc.gz"), 0)


def test_a_backfill_takes_the_sites_articles_the_store_lacks(tmp_path):
    (tmp_path / "a.warc.gz").write_bytes(b"")
    with open_state(tmp_path) as store:
        store.record(SEED, code="ART2410180358AAAAAA", file="_posts/2024-10-18-seed.md", content_hash="ab",
                     date=datetime(2024, 10, 18, tzinfo=UTC))
    spider = site_spider(tmp_path, warc=str(tmp_path))
    spider._open_store()
    other = f"{ORIGIN}/business/a-new-story?utm_source=x"
    assert spider.choose_capture(capture(other)) == f"{ORIGIN}/business/a-new-story"
    assert spider.choose_capture(capture("http://phnompenhpost.com/business/a-new-story")) == \
        f"{ORIGIN}/business/a-new-story"  # the same article, however the archive spelled its URL
    assert spider.choose_capture(capture(SEED)) is None  # known: a crawl keeps it fresh
    assert spider.choose_capture(capture(f"{ORIGIN}/tags/asean")) is None
    assert spider.choose_capture(capture("https://www.example.org/national/story")) is None
    stats = spider.crawler.stats.get_stats()
    assert {k: v for k, v in stats.items() if k.startswith("archive/")} == {
        "archive/skipped/known": 1, "archive/skipped/not_article": 1, "archive/skipped/offsite": 1}
    spider._on_spider_closed(spider)

    full = site_spider(tmp_path, warc=str(tmp_path), full="1")
    full._open_store()
    assert full.choose_capture(capture(SEED)) == SEED
    full._on_spider_closed(full)
