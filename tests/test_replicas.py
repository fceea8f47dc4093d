"""Every site replica's expected/*.json holds: extraction plus normalisation give the expected values, and
a real crawl of the replica writes them. Runs over every site under tests/fixtures/sites/ (no site named)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from crawler.extract import extract_article
from crawler.pipelines.normalize import category_for, language_for, utc_millis
from crawler.posts.summary import fallback_description
from crawler.profiles import SITES_DIR, load_profiles
from tests.conftest import missing_in_order, reader_text
from tests.crawl_helpers import crawl, posts
from tests.replay_server import ReplayServer
from tests.replicas import SITES, Replica, replica_articles, replicas

ARTICLES = replica_articles()
IDS = [f"{replica}/{article['slug']}" for replica, article in ARTICLES]


def test_every_replica_has_a_profile_and_expected_articles() -> None:
    profiles = load_profiles(SITES_DIR)
    folders = sorted(p.parent.name for p in SITES.glob("*/routes.json"))
    assert folders == sorted(profiles), "each replica folder needs its profile, and each profile a replica"
    for replica in replicas():
        assert replica.expected, f"{replica}: no expected/*.json"
        for article in replica.expected:
            assert replica.profile.is_article_url(article["origin_url"]), article["origin_url"]
            assert article["origin_url"].startswith(replica.profile.origin + "/")


@pytest.mark.parametrize(("replica", "expected"), ARTICLES, ids=IDS)
def test_extraction_gives_the_expected_values(replica: Replica, expected: dict[str, Any]) -> None:
    body, charset = replica.page(expected)
    article = extract_article(body, expected["origin_url"], replica.profile, http_encoding=charset)
    assert article.page_type == "article"
    assert article.origin_url == expected["origin_url"]
    assert article.title == expected["title"]
    assert " ".join((article.description or fallback_description(article.body)).split()) == expected["description"]
    assert article.image == expected["image"]
    assert (article.authors[0] if article.authors else None) == expected["author"]
    assert category_for(article.origin_url, article.section, replica.profile) == expected["category"]
    assert language_for(article.origin_url, article.language, replica.profile) == expected["language"]
    assert article.published is not None
    published = utc_millis(article.published, replica.profile.timezone)
    assert published.strftime("%Y-%m-%dT%H:%M:%S.000Z") == expected["date"]
    assert published.astimezone(replica.profile.timezone).date().isoformat() == expected["local_date"]
    assert published.tzinfo is UTC
    shown = reader_text((article.image_caption or "") + "\n\n" + article.body)
    assert missing_in_order(shown, expected["must_contain_in_order"]) == []
    for chrome in expected["must_not_contain"]:
        assert chrome not in shown, f"page chrome leaked into the body: {chrome!r}"


@pytest.mark.e2e
@pytest.mark.parametrize("replica", replicas(), ids=str)
def test_a_crawl_of_the_replica_writes_every_expected_article(replica: Replica, tmp_path: Path) -> None:
    with ReplayServer(replica.folder) as server:
        run = crawl(replica.name, server, tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    written = posts(tmp_path)
    for expected in replica.expected:
        post = written[expected["origin_url"]]
        assert post.meta["title"] == expected["title"]
        assert post.meta.get("category") == expected["category"]
        assert post.meta["language"] == expected["language"]
        assert post.meta["date"].strftime("%Y-%m-%dT%H:%M:%S.000Z") == expected["date"]
        assert post.path.name.startswith(expected["local_date"] + "-")
