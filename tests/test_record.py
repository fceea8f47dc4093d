"""`scrapy record SITE DIR`: a crawl saved as a replica the replay server serves, with drafted expectations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.replica import chrome_texts, page_file, plain_paragraphs, route_path
from tests.conftest import expected_articles, run_scrapy
from tests.crawl_helpers import FAST, crawl, posts
from tests.replay_server import ReplayServer


@pytest.mark.parametrize(("path", "content_type", "file"), [
    ("/", "text/html", "pages/index.html"),
    ("/2024/10/18/a-story/", "text/html; charset=UTF-8", "pages/2024/10/18/a-story/index.html"),
    ("/national?page=2", "text/html", "pages/national__page-2.html"),
    ("/rss.xml", "application/rss+xml", "pages/rss.xml"),
    ("/feed/", "application/rss+xml; charset=UTF-8", "pages/feed/index.xml"),
    ("/robots.txt", "text/plain", "pages/robots.txt"),
])
def test_page_files(path: str, content_type: str, file: str) -> None:
    assert page_file(path, content_type) == file
    assert route_path("http://127.0.0.1:8000" + path) == path


def test_drafted_phrases_are_plain_paragraphs_and_chrome_outside_the_body() -> None:
    body = ("A first paragraph with enough words.\n\n## A heading\n\n![](https://x.org/a.jpg)\n\n"
            "A paragraph with a [link](https://x.org/).\n\nShort.\n\nThe   last plain paragraph,\nfolded.")
    assert plain_paragraphs(body) == ["A first paragraph with enough words.", "The last plain paragraph, folded."]
    assert chrome_texts(["Share this story", "  Share this story ", "A first paragraph with enough words.", "Hi"],
                        body) == ["Share this story"]


@pytest.mark.e2e
def test_a_recorded_replica_serves_what_the_crawl_saw_and_drafts_expected_values(replica: ReplayServer,
                                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "recorded"
    run = run_scrapy("record", "phnompenhpost", str(folder), "--base-url", replica.base_url, *FAST)
    assert run.returncode == 0, run.output[-3000:]
    routes = {route["path"]: route for route in json.loads((folder / "routes.json").read_text(encoding="utf-8"))}
    for path in ("/robots.txt", "/sitemap.xml", "/sitemap/articles-2024-10.xml", "/rss.xml", "/national?page=2"):
        assert routes[path]["status"] == 200 and (folder / routes[path]["file"]).is_file(), path
    old = "/national/siem-reap-shuttle-bus-to-new-airport-launched"
    new = "/national/free-shuttle-bus-links-siem-reap-town-with-new-airport"
    assert routes[old]["status"] == 301 and routes[old]["redirect"] == new
    truth = {a["origin_url"]: a for a in expected_articles()}
    drafted = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((folder / "expected").glob("*.json"))]
    assert {d["origin_url"] for d in drafted} == set(truth)
    for draft in drafted:
        real = truth[draft["origin_url"]]
        for key in ("title", "category", "language", "date", "local_date", "image", "author"):
            assert draft[key] == real[key], (draft["origin_url"], key)
        assert draft["must_contain_in_order"] and draft["served_at"] == [real["served_at"][0]]
    # the recording is a replica: a crawl of it writes every article again
    with ReplayServer(folder) as server:
        again = crawl("phnompenhpost", server, tmp_path / "out")
    assert again.returncode == 0, again.output[-3000:]
    assert set(posts(tmp_path / "out")) == set(truth)
    refused = run_scrapy("record", "phnompenhpost", str(folder), "--base-url", replica.base_url)
    assert refused.returncode == 2 and "already holds a replica" in refused.output
