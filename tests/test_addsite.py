"""`scrapy addsite`: a profile drafted from what a site shows, with its reasons, checked at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.profiledraft import PageEvidence, SiteEvidence, category_rule, draft_profile, zone_for
from crawler.profiles import load_profile
from tests.conftest import run_scrapy
from tests.replay_server import ReplayServer
from tests.replicas import Replica, replicas

WP = "https://www.riverside-ledger.example"


def wordpress_evidence() -> SiteEvidence:
    posts = [f"{WP}/2024/10/{day}/story-number-{day}/" for day in range(10, 16)]
    offset = timezone(timedelta(hours=3))
    return SiteEvidence(
        origin=WP, site_name="Riverside Ledger", robots_sitemaps=[f"{WP}/wp-sitemap.xml"], feeds=[f"{WP}/feed/"],
        sitemap_urls=[*posts, f"{WP}/about/", f"{WP}/category/city/", f"{WP}/tag/markets/", f"{WP}/author/newsdesk/"],
        feed_urls=posts,
        pages=[PageEvidence(url, datetime(2024, 10, 14, 9, 0, tzinfo=offset), "City", "en-GB") for url in posts[:3]],
    )


def test_a_wordpress_site_gets_date_permalinks_a_deny_list_and_the_pages_section(tmp_path: Path) -> None:
    draft = draft_profile("riverside", wordpress_evidence())
    path = tmp_path / "riverside.yaml"
    path.write_text(draft.yaml, encoding="utf-8")
    profile = load_profile(path)
    assert profile.name == "Riverside Ledger" and profile.domains == ("riverside-ledger.example",)
    assert profile.discovery.robots_sitemaps and profile.discovery.feeds == ("/feed/",)
    assert profile.category_from == "section" and profile.language == "en"
    assert datetime(2024, 1, 1, tzinfo=profile.timezone).utcoffset() == timedelta(hours=3)
    assert profile.is_article_url(f"{WP}/2024/10/18/harvest-fair-returns/")
    for page in ("/about/", "/category/city/", "/tag/markets/", "/author/newsdesk/", "/2024/10/", "/category/x/page/2"):
        assert not profile.is_article_url(WP + page), page
    assert ("articles.allow '^/\\d{4}/\\d{2}/(?:\\d{2}/)?[^/]+/?$': 6 of 6 feed and sitemap URLs of the feed's "
            "shapes are date URLs") in draft.reasons
    assert any(r.startswith("category.from: section (article URLs start with a year") for r in draft.reasons)


@pytest.mark.parametrize(("urls", "sections", "rule"), [
    (["/2024/10/18/a-b-c/", "/2024/10/19/d-e-f/"], [None, None], "section"),  # never a year
    (["/news/a-b-c-10452", "/news/d-e-f-10467", "/news/g-h-i-10481"], ["Town", "Sport", "Town"], "section"),
    (["/national/a-b-c", "/business/d-e-f", "/sport/g-h-i"], ["National", "Business", "Sport"], "path_segment"),
    (["/national/a-b-c", "/business/d-e-f"], ["World", "Money"], "section"),
])
def test_the_category_source_is_never_a_number_or_a_constant(
        urls: list[str], sections: list[str | None], rule: str) -> None:
    pages = [PageEvidence("https://x.org" + url, None, section) for url, section in zip(urls, sections, strict=True)]
    assert category_rule(pages, ["https://x.org" + url for url in urls])[0] == rule


def test_the_time_zone_comes_from_the_pages_own_offsets() -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    zone, why = zone_for([datetime(2024, 10, 14, 10, tzinfo=india), datetime(2024, 10, 18, 19, tzinfo=india)])
    assert zone is not None and "+05:30" in why
    assert datetime(2024, 1, 1, tzinfo=__import__("zoneinfo").ZoneInfo(zone)).utcoffset() == timedelta(hours=5.5)
    assert zone_for([datetime(2024, 10, 14, tzinfo=UTC)])[0] == "UTC"
    assert zone_for([datetime(2024, 10, 14)])[0] is None  # naive dates say nothing
    summer, winter = timezone(timedelta(hours=2)), timezone(timedelta(hours=1))
    assert zone_for([datetime(2024, 7, 1, tzinfo=summer), datetime(2024, 12, 1, tzinfo=winter)])[0] is None


@pytest.mark.e2e
@pytest.mark.parametrize("site", replicas(), ids=str)
def test_addsite_drafts_a_profile_that_finds_the_replicas_articles(site: Replica, tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    with ReplayServer(site.folder) as server:
        run = run_scrapy("addsite", "draft", site.profile.origin, "--base-url", server.base_url,
                         "-s", f"SITES_DIR={sites}", "-s", f"OUTPUT_DIR={tmp_path / 'out'}")
        again = run_scrapy("addsite", "draft", site.profile.origin, "-s", f"SITES_DIR={sites}")
    assert f"Wrote {sites / 'draft.yaml'}:" in run.output and "\n  articles.allow '" in run.output
    verdict = re.search(r"^draft: (OK|FAILED)", run.output, re.M)  # checked at once, as checksites does
    assert verdict and run.returncode == (0 if verdict.group(1) == "OK" else 1), run.output[-3000:]
    draft = load_profile(sites / "draft.yaml")
    assert draft.origin == site.profile.origin and draft.owns(site.profile.origin + "/")
    taken = [a["origin_url"] for a in site.expected if draft.is_article_url(a["origin_url"])]
    assert len(taken) * 4 >= len(site.expected) * 3, taken  # the learned rules take (nearly) every article
    assert again.returncode == 2 and "addsite never overwrites a profile" in again.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["Bad-Name", "https://www.example.org"], "NAME is lower-case letters"),
    (["example", "https://www.example.org/news"], "URL the site's scheme and host"),
    (["example", "ftp://www.example.org"], "the address must be an http(s) URL"),
    (["example"], "give the site's id and its address"),
])
def test_addsite_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    run = run_scrapy("addsite", *args, "-s", f"SITES_DIR={tmp_path}")
    assert run.returncode == 2 and message in run.output and "Traceback" not in run.output
    assert list(tmp_path.iterdir()) == []
