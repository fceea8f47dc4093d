"""`scrapy crawl article -a url=` on a page of links: a sitemap, a feed, or (with follow=1) a listing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ORIGIN, REPLICA, expected_articles
from tests.crawl_helpers import crawl, last_stats, posts
from tests.replay_server import ReplayServer

pytestmark = pytest.mark.e2e

ARTICLES = {a["origin_url"] for a in expected_articles()}


def feed_links() -> set[str]:
    return {item.findtext("link") or "" for item in ET.parse(REPLICA / "pages" / "rss.xml").getroot().iter("item")}


def test_a_sitemap_index_leads_to_every_article_it_lists(replica: ReplayServer, tmp_path: Path) -> None:
    run = crawl("article", replica, tmp_path, "-a", f"url={ORIGIN}/sitemap.xml")
    assert run.returncode == 0, run.output[-3000:]
    assert set(posts(tmp_path)) == ARTICLES
    assert last_stats(tmp_path)["stats"]["pages/followed/sitemap"] == 1


def test_a_feed_leads_to_its_articles(replica: ReplayServer, tmp_path: Path) -> None:
    run = crawl("article", replica, tmp_path, "-a", f"url={ORIGIN}/rss.xml")
    assert run.returncode == 0, run.output[-3000:]
    written = set(posts(tmp_path))
    # the feed's old path redirects to its article: every post is an article the feed links, directly or not
    assert len(written) == len(feed_links()) and written <= ARTICLES


def test_a_listing_is_followed_only_when_asked(replica: ReplayServer, tmp_path: Path) -> None:
    refused = crawl("article", replica, tmp_path / "plain", "-a", f"url={ORIGIN}/national")
    assert refused.returncode == 1 and "-a follow=1 fetches the articles it links" in refused.output
    run = crawl("article", replica, tmp_path / "follow", "-a", f"url={ORIGIN}/national", "-a", "follow=1")
    assert run.returncode == 0, run.output[-3000:]
    written = set(posts(tmp_path / "follow"))
    national = {url for url in ARTICLES if url.startswith(f"{ORIGIN}/national/")}
    assert written and written <= ARTICLES and written & national
    assert all(url.startswith(f"{ORIGIN}/") for url in written)
