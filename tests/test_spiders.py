"""Spider callbacks on responses built from the replica: requests, items, stop rules, counters."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.discovery.memory import UrlMemory, memory_path
from crawler.items import Article
from crawler.profiles import SITES_DIR, ProfileError, load_profiles
from crawler.spiderloader import SiteSpiderLoader
from crawler.spiders.article import ArticleSpider
from crawler.spiders.base import SpiderArgumentError
from crawler.spiders.site import SiteSpider, is_stale, parse_flag, parse_since
from crawler.state import Record, StateStore, state_path
from tests.conftest import ORIGIN, REPLICA, SEED_SLUG, expected_articles, replica_page

MIRROR = "http://127.0.0.1:8000"
PAGES = REPLICA / "pages"
SEED_URL = f"{ORIGIN}/national/{SEED_SLUG}"


def loader(sites_dir: Path = SITES_DIR, modules: tuple[str, ...] = ("crawler.spiders",)) -> SiteSpiderLoader:
    return SiteSpiderLoader.from_settings(Settings({"SPIDER_MODULES": list(modules), "SITES_DIR": str(sites_dir)}))


def make_spider(spidercls: type, output_dir: Path, settings: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    crawler = get_crawler(spidercls, {"OUTPUT_DIR": str(output_dir), "SITES_DIR": str(SITES_DIR), **(settings or {})})
    spider = crawler._create_spider(**kwargs)
    crawler.spider = spider
    return spider


@pytest.fixture
def site_spider(tmp_path):
    """The phnompenhpost spider crawling the mirror, with an empty output folder."""
    spider = make_spider(loader().load("phnompenhpost"), tmp_path / "out", base_url=MIRROR)
    yield spider
    spider._on_spider_closed(spider)


def stats(spider: Any) -> dict[str, Any]:
    return spider.crawler.stats.get_stats()


def response(cls: type, url: str, body: bytes, meta: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return cls(url=url, body=body, request=Request(url, meta=meta or {}), **kwargs)


def mirror(origin_url: str) -> str:
    return origin_url.replace(ORIGIN, MIRROR)


def remember(output_dir: Path, origin_url: str, lastmod: datetime | None = None) -> None:
    """Put an article into the state store as if a run had written it."""
    with StateStore.open(state_path(output_dir)) as store:
        slug = origin_url.rsplit("/", 1)[-1][:40]
        code = "ART2410180358" + format(abs(hash(origin_url)) % 36**6, "06d")[:6].upper()
        store.record(origin_url, code=code, file=f"_posts/2024-10-18-{slug}.md", content_hash="0" * 64,
                     date="2024-10-18T03:58:50.000Z", lastmod=lastmod)


class FakeEngine:
    def __init__(self) -> None:
        self.crawled: list[Request] = []

    def crawl(self, request: Request) -> None:
        self.crawled.append(request)


def collect_start(spider: Any) -> list[Any]:
    async def run() -> list[Any]:
        return [request async for request in spider.start()]

    return asyncio.run(run())


# ---------------------------------------------------------------------------- loader


def test_loader_lists_code_spiders_and_one_spider_per_profile():
    spiders = loader()
    assert spiders.list() == sorted(["article", *load_profiles(SITES_DIR)])
    site = spiders.load("phnompenhpost")
    assert issubclass(site, SiteSpider) and site.name == "phnompenhpost"
    assert site.profile is not None and site.profile.origin == ORIGIN
    assert spiders.load("article") is ArticleSpider
    with pytest.raises(KeyError, match="nosuchsite"):
        spiders.load("nosuchsite")
    assert spiders.find_by_request(Request(f"{ORIGIN}/national/x")) == ["phnompenhpost"]
    for site_id, profile in load_profiles(SITES_DIR).items():  # every profile, whatever the sites are
        assert spiders.load(site_id).profile == profile
        assert spiders.find_by_request(Request(f"{profile.origin}/some/story")) == [site_id]


def test_loader_reports_a_bad_profile_when_used_not_when_built(tmp_path):
    broken = "name: Broken\norigin: https://b.org\ntimezone: Mars/Base\n"
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    spiders = loader(tmp_path)  # Scrapy builds the loader before any command runs: no error yet
    with pytest.raises(ProfileError) as caught:
        spiders.list()
    assert caught.value.field == "timezone" and caught.value.file.endswith("broken.yaml")
    with pytest.raises(ProfileError):
        spiders.load("article")


def test_a_code_spider_with_a_profile_name_wins_and_gets_the_profile(tmp_path, monkeypatch):
    package = tmp_path / "odd_spiders"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "ppp.py").write_text(textwrap.dedent("""
        from crawler.spiders.site import SiteSpider

        class OddSiteSpider(SiteSpider):
            name = "phnompenhpost"
            odd = True
    """), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        site = loader(modules=("crawler.spiders", "odd_spiders")).load("phnompenhpost")
        assert site.odd is True and site.profile is not None and site.profile.id == "phnompenhpost"
    finally:
        for name in [m for m in sys.modules if m.startswith("odd_spiders")]:
            del sys.modules[name]


def test_a_profiles_crawl_section_sets_the_spiders_settings_below_the_command_line(tmp_path):
    from crawler.spiderloader import site_spider_class

    profile = loader().load("phnompenhpost").profile
    polite = site_spider_class(dataclasses.replace(profile, crawl_settings={"DOWNLOAD_DELAY": 2.0}))
    settings = Settings({"DOWNLOAD_DELAY": 0.25})
    polite.update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 2.0
    on_the_command_line = Settings()
    on_the_command_line.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    polite.update_settings(on_the_command_line)
    assert on_the_command_line.getfloat("DOWNLOAD_DELAY") == 0


# ---------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": "2024-13-01"}, "since must be a date"),
        ({"since": "yesterday"}, "since must be a date"),
        ({"full": "maybe"}, "full must be 1 or 0"),
        ({"base_url": "ftp://127.0.0.1"}, "base_url must be an http(s) URL"),
        ({"base_url": "127.0.0.1:8000"}, "base_url must be an http(s) URL"),
        ({"sinse": "2024-01-01"}, "unknown argument(s) sinse"),
    ],
)
def test_site_spider_refuses_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(SpiderArgumentError) as caught:
        make_spider(loader().load("phnompenhpost"), tmp_path, **kwargs)
    assert message in str(caught.value)


def test_site_spider_arguments(tmp_path):
    spider = make_spider(loader().load("phnompenhpost"), tmp_path, base_url=MIRROR + "/", since="2024-10-20",
                         full="yes", _job="scrapyd-job-1")
    assert spider.base_url == MIRROR
    assert spider.since == datetime(2024, 10, 19, 17, 0, tzinfo=UTC)  # midnight in Phnom Penh (UTC+7)
    assert spider.full is True
    assert "127.0.0.1" in spider.allowed_domains


@pytest.mark.parametrize(("value", "expected"), [(None, False), ("1", True), ("TRUE", True), ("0", False),
                                                 ("off", False), ("", False)])
def test_parse_flag(value, expected):
    assert parse_flag("full", value) is expected


def test_parse_since_uses_the_site_time_zone():
    profile = loader().load("phnompenhpost").profile
    assert parse_since("2024-10-18", profile).astimezone(UTC) == datetime(2024, 10, 17, 17, tzinfo=UTC)
    assert parse_since(None, profile) is None


def test_article_spider_arguments(tmp_path, caplog):
    with pytest.raises(SpiderArgumentError, match="url=URL or -a urls=FILE"):
        make_spider(ArticleSpider, tmp_path)
    with pytest.raises(SpiderArgumentError, match="does not exist"):
        make_spider(ArticleSpider, tmp_path, urls=str(tmp_path / "missing.txt"))
    only_bad = tmp_path / "bad.txt"
    only_bad.write_text("# nothing usable\nfile:///etc/passwd\n", encoding="utf-8")
    with pytest.raises(SpiderArgumentError, match="no usable http"):
        make_spider(ArticleSpider, tmp_path, urls=str(only_bad))
    with pytest.raises(SpiderArgumentError, match="no usable http"):
        make_spider(ArticleSpider, tmp_path, url="ftp://example.org/a")

    listing = tmp_path / "urls.txt"
    listing.write_text(f"# re-scrape\n\n{SEED_URL}?utm_source=x\nplain words\n{ORIGIN}/business/b\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        spider = make_spider(ArticleSpider, tmp_path / "out", urls=str(listing), base_url=MIRROR)
    assert any("line 4" in r.getMessage() and "plain words" in r.getMessage() for r in caplog.records)
    requests = collect_start(spider)
    assert [r.url for r in requests] == [mirror(SEED_URL) + "?utm_source=x", f"{MIRROR}/business/b"]
    assert requests[0].meta["key"] == SEED_URL  # tracking parameters are not part of the article's key
    assert stats(spider)["urls/refused"] == 1 and stats(spider)["urls/given"] == 2
    spider._on_spider_closed(spider)


# ---------------------------------------------------------------------------- discovery


def test_start_requests_every_discovery_source_from_the_mirror(tmp_path):
    site_spider = make_spider(loader().load("phnompenhpost"), tmp_path, {"SITEMAP_MAX_BYTES": 12345}, base_url=MIRROR)
    requests = collect_start(site_spider)
    urls = [r.url for r in requests]
    profile = site_spider.profile
    assert urls[0] == f"{MIRROR}/sitemap.xml" and f"{MIRROR}/rss.xml" in urls
    assert len(urls) == len(profile.discovery.sitemaps) + len(profile.discovery.feeds) + len(profile.discovery.listings)
    assert all(url.startswith(MIRROR + "/") for url in urls)
    assert requests[0].meta["download_maxsize"] == 12345  # sitemaps have their own size limit
    assert "download_maxsize" not in requests[-1].meta


def test_sitemap_index_leads_to_child_sitemaps_unless_older_than_since(site_spider, tmp_path):
    index = response(XmlResponse, f"{MIRROR}/sitemap.xml", (PAGES / "sitemap.xml").read_bytes())
    children = list(site_spider.parse_sitemap(index))
    assert [r.url for r in children] == [f"{MIRROR}/sitemap/articles-2024-10.xml"]
    later = make_spider(type(site_spider), tmp_path / "later", base_url=MIRROR, since="2024-11-01")
    assert list(later.parse_sitemap(index)) == []
    assert stats(later)["discovery/sitemaps_skipped_since"] == 1


def test_sitemap_and_feed_entries_become_candidates_with_their_newest_date(site_spider):
    sitemap = response(XmlResponse, f"{MIRROR}/sitemap/articles-2024-10.xml",
                       (PAGES / "sitemap" / "articles-2024-10.xml").read_bytes())
    assert list(site_spider.parse_sitemap(sitemap)) == []
    candidates = site_spider._candidates
    assert set(candidates) == {a["origin_url"] for a in expected_articles()}
    feed = response(XmlResponse, f"{MIRROR}/rss.xml", (PAGES / "rss.xml").read_bytes())
    site_spider.parse_feed(feed)
    # the feed's pubDate is older than the sitemap's lastmod: the newest stays
    assert candidates[SEED_URL] == datetime(2024, 10, 18, 7, 2, 13, tzinfo=UTC)
    # the feed's old path is a candidate of its own until a run learns where it redirects
    assert f"{ORIGIN}/national/siem-reap-shuttle-bus-to-new-airport-launched" in candidates
    site_spider.offer(SEED_URL + "?utm_source=fb&fbclid=1", datetime(2030, 1, 1, tzinfo=UTC), "feed")
    assert candidates[SEED_URL] == datetime(2030, 1, 1, tzinfo=UTC)
    site_spider.offer(f"{ORIGIN}/tags/asean", None, "listing")
    assert f"{ORIGIN}/tags/asean" not in candidates


def test_discovery_counts_candidates_once_and_urls_the_article_rules_reject(site_spider):
    sitemap = response(XmlResponse, f"{MIRROR}/sitemap/articles-2024-10.xml",
                       (PAGES / "sitemap" / "articles-2024-10.xml").read_bytes())
    list(site_spider.parse_sitemap(sitemap))
    site_spider.parse_feed(response(XmlResponse, f"{MIRROR}/rss.xml", (PAGES / "rss.xml").read_bytes()))
    site_spider.offer(f"{ORIGIN}/tags/asean", None, "listing")  # the site's, refused by articles.deny
    site_spider.offer("https://www.example.org/national/x", None, "listing")  # another site's
    counted = stats(site_spider)
    assert counted["discovery/candidates"] == len(site_spider._candidates) == len(expected_articles()) + 1
    assert counted["discovery/rejected_allow"] == 1 and counted["discovery/not_article"] == 2


def robots_profile(tmp_path: Path) -> Path:
    sites = tmp_path / "sites"
    sites.mkdir()
    text = (SITES_DIR / "phnompenhpost.yaml").read_text(encoding="utf-8")
    text = text.replace("sitemaps: [/sitemap.xml]", "sitemaps: auto").replace("feeds: [/rss.xml]", "feeds: []")
    (sites / "phnompenhpost.yaml").write_text(text.split("  listings:")[0] + "\n", encoding="utf-8")
    return sites


def test_sitemaps_auto_reads_the_sitemap_lines_of_robots_txt(tmp_path):
    spider = make_spider(loader(robots_profile(tmp_path)).load("phnompenhpost"), tmp_path / "out", base_url=MIRROR)
    requests = collect_start(spider)
    assert [r.url for r in requests] == [f"{MIRROR}/robots.txt"]
    robots = response(TextResponse, f"{MIRROR}/robots.txt", (PAGES / "robots.txt").read_bytes())
    sitemaps = list(requests[0].callback(robots))
    assert [r.url for r in sitemaps] == [f"{MIRROR}/sitemap.xml"]  # the real site's URL, fetched from the mirror
    assert sitemaps[0].callback == spider.parse_sitemap
    assert stats(spider)["discovery/sources"] == 1
    empty = response(TextResponse, f"{MIRROR}/robots.txt", b"User-agent: *\nDisallow: /admin\n")
    assert list(spider.parse_robots(empty)) == []
    assert stats(spider)["discovery/failed"] == 1


def test_links_to_the_origin_host_in_other_spellings_become_one_candidate(site_spider):
    path = "/national/" + SEED_SLUG
    for variant in (f"{MIRROR}{path}", f"http://www.phnompenhpost.com{path}", f"https://phnompenhpost.com{path}",
                    f"https://WWW.phnompenhpost.com{path}?utm_campaign=x#top"):
        site_spider.offer(variant, None, "listing")
    site_spider.offer(f"https://kh.phnompenhpost.com{path}", None, "listing")  # a subdomain is another host
    assert sorted(site_spider._candidates) == [f"https://kh.phnompenhpost.com{path}", SEED_URL]


def test_since_drops_entries_dated_before_it_even_when_a_listing_links_them(tmp_path):
    spider = make_spider(loader().load("phnompenhpost"), tmp_path, since="2024-10-24")
    engine = FakeEngine()
    spider.crawler.engine = engine
    old, undated, recent = (f"{ORIGIN}/national/{name}" for name in ("old", "undated", "recent"))
    spider.offer(old, None, "listing")
    spider.offer(old, datetime(2024, 10, 18, tzinfo=UTC), "sitemap")
    spider.offer(undated, None, "listing")
    spider.offer(recent, datetime(2024, 10, 25, tzinfo=UTC), "feed")
    with pytest.raises(DontCloseSpider):
        spider._on_idle(spider)
    assert sorted(r.meta["key"] for r in engine.crawled) == [recent, undated]
    assert stats(spider)["discovery/skipped_since"] == 1
    spider._on_spider_closed(spider)


HOSTILE_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>ftp://www.phnompenhpost.com/sitemap/articles-2024-09.xml</loc></sitemap>
  <sitemap><loc>s3://www.phnompenhpost.com/sitemap/articles-2024-08.xml</loc></sitemap>
  <sitemap><loc>file:///etc/passwd</loc></sitemap>
  <sitemap><loc>https://www.phnompenhpost.com/sitemap/articles-2024-10.xml</loc></sitemap>
</sitemapindex>"""


@pytest.mark.parametrize("base_url", [None, MIRROR])
def test_sitemap_index_entries_that_are_not_http_are_refused_counted_and_logged(tmp_path, caplog, base_url):
    """ftp: and s3: URLs on the site's own host would pass Scrapy's offsite filter and have download
    handlers, and from a mirror they would be fetched over http as if the site had said so: neither
    is requested, and the run says how many it refused."""
    spider = make_spider(loader().load("phnompenhpost"), tmp_path, base_url=base_url)
    index = response(XmlResponse, f"{base_url or ORIGIN}/sitemap.xml", HOSTILE_INDEX)
    with caplog.at_level(logging.WARNING):
        requests = list(spider.parse_sitemap(index))
    assert [r.url for r in requests] == [f"{base_url or ORIGIN}/sitemap/articles-2024-10.xml"]
    assert stats(spider)["discovery/refused_not_http"] == 3
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"Refused 3 entries of {index.url}: not http(s) URLs "
        "(first: ftp://www.phnompenhpost.com/sitemap/articles-2024-09.xml)"]
    spider._on_spider_closed(spider)


def test_article_links_that_are_not_http_are_refused_by_name(site_spider, caplog):
    urlset = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              b"<url><loc>ftp://www.phnompenhpost.com/national/" + SEED_SLUG.encode() + b"</loc></url>"
              b"<url><loc>" + SEED_URL.encode() + b"</loc></url></urlset>")
    feed = (b"<rss><channel><item><link>s3://www.phnompenhpost.com/national/x</link></item>"
            b"<item><link>" + SEED_URL.encode() + b"</link></item></channel></rss>")
    with caplog.at_level(logging.WARNING):
        assert list(site_spider.parse_sitemap(response(XmlResponse, f"{MIRROR}/sitemap/x.xml", urlset))) == []
        site_spider.parse_feed(response(XmlResponse, f"{MIRROR}/rss.xml", feed))
        site_spider.offer("file:///etc/passwd", None, "listing")
    assert list(site_spider._candidates) == [SEED_URL]
    assert stats(site_spider)["discovery/refused_not_http"] == 3
    assert "discovery/not_article" not in stats(site_spider)
    assert [r.getMessage() for r in caplog.records] == [
        f"Refused 1 entry of {MIRROR}/sitemap/x.xml: not http(s) URLs "
        f"(first: ftp://www.phnompenhpost.com/national/{SEED_SLUG})",
        f"Refused 1 entry of {MIRROR}/rss.xml: not http(s) URLs (first: s3://www.phnompenhpost.com/national/x)",
        "Refused listing link file:///etc/passwd: not an http(s) URL"]


def test_a_discovery_source_that_is_not_http_is_never_requested(site_spider, caplog):
    with caplog.at_level(logging.WARNING):
        assert site_spider._sitemap_request("ftp://www.phnompenhpost.com/sitemap.xml") is None
    assert site_spider._sitemap_request("/sitemap.xml").url == f"{MIRROR}/sitemap.xml"
    assert stats(site_spider)["discovery/refused_not_http"] == 1
    assert [r.getMessage() for r in caplog.records] == [
        "Refused discovery source ftp://www.phnompenhpost.com/sitemap.xml: not an http(s) URL"]


def national_page(number: int) -> Any:
    name = "national.html" if number == 1 else "national-page-2.html"
    url = f"{MIRROR}/national" + ("" if number == 1 else f"?page={number}")
    return response(HtmlResponse, url, (PAGES / "sections" / name).read_bytes(), meta={"page": number})


def article_links_on(page: Any, spider: Any) -> set[str]:
    from crawler.discovery.listings import parse_listing

    links = parse_listing(page.text, page.url).links
    keys = {spider.key_of(spider.origin_url_of(link, {})) for link in links}
    return {key for key in keys if spider.profile.is_article_url(key)}


def test_listing_pages_until_every_article_is_known(site_spider, tmp_path):
    page = national_page(1)
    follow = list(site_spider.parse_listing(page))
    assert [(r.url, r.meta["page"]) for r in follow] == [(f"{MIRROR}/national?page=2", 2)]
    assert list(site_spider.parse_listing(national_page(2))) == []  # the last page

    out = tmp_path / "known"
    known = make_spider(type(site_spider), out, base_url=MIRROR)
    for url in article_links_on(page, known):
        remember(out, url)
    known._open_store()
    assert list(known.parse_listing(page)) == []
    assert stats(known)["discovery/listing_stopped_known"] == 1
    known.close_stores()

    backfill = make_spider(type(site_spider), out, base_url=MIRROR, full="1")
    backfill._open_store()
    assert len(list(backfill.parse_listing(page))) == 1  # full=1 pages on regardless
    backfill.close_stores()


def test_listing_paging_stops_at_max_pages(site_spider):
    profile = site_spider.profile
    site_spider.profile = dataclasses.replace(profile, discovery=dataclasses.replace(profile.discovery, max_pages=1))
    assert list(site_spider.parse_listing(national_page(1))) == []
    assert stats(site_spider)["discovery/listing_max_pages"] == 1


def test_a_dead_link_counts_as_known_for_paging(site_spider):
    page2_links = article_links_on(national_page(2), site_spider)
    dead = f"{ORIGIN}/national/ministry-clarifies-rules-for-motorbike-licence-tests"
    assert dead in page2_links
    site_spider.memory.mark_dead(dead, 404)
    assert site_spider.is_known(dead)


# ---------------------------------------------------------------------------- phase 2: what to fetch


@pytest.mark.parametrize(
    ("discovered", "stored_lastmod", "stored_written", "stale"),
    [
        (None, "2024-10-18T07:02:13.000Z", None, False),  # no date from discovery: keep
        (datetime(2024, 10, 18, 7, 2, 13, tzinfo=UTC), "2024-10-18T07:02:13.000Z", None, False),  # same
        (datetime(2024, 10, 18, 7, 2, 14, tzinfo=UTC), "2024-10-18T07:02:13.000Z", None, True),  # newer
        (datetime(2024, 10, 1, tzinfo=UTC), None, "2024-10-20T00:00:00.000Z", False),  # older than our copy
        (datetime(2024, 10, 21, tzinfo=UTC), None, "2024-10-20T00:00:00.000Z", True),  # edited after
        (datetime(2024, 10, 21, tzinfo=UTC), None, None, True),  # nothing to compare with
    ],
)
def test_is_stale(discovered, stored_lastmod, stored_written, stale):
    record = Record(SEED_URL, "ART1", "_posts/x.md", lastmod=stored_lastmod, last_written=stored_written)
    assert is_stale(discovered, record) is stale


def test_idle_schedules_new_and_changed_articles_and_skips_the_rest(tmp_path):
    out = tmp_path / "out"
    old = datetime(2024, 10, 18, 7, 2, 13, tzinfo=UTC)
    unchanged, changed, new, dead = (f"{ORIGIN}/national/{name}" for name in ("same", "edited", "fresh", "gone"))
    remember(out, unchanged, lastmod=old)
    remember(out, changed, lastmod=old)
    spider = make_spider(loader().load("phnompenhpost"), out, base_url=MIRROR)
    spider.memory.mark_dead(dead, 404)
    engine = FakeEngine()
    spider.crawler.engine = engine
    spider._open_store()
    spider.offer(unchanged, old, "sitemap")
    spider.offer(changed, old + timedelta(hours=1), "sitemap")
    spider.offer(new, None, "listing")
    spider.offer(dead, None, "listing")
    with pytest.raises(DontCloseSpider):
        spider._on_idle(spider)
    fetched = {r.meta["key"]: r for r in engine.crawled}
    assert set(fetched) == {changed, new}
    assert fetched[changed].url == mirror(changed) and fetched[changed].meta["lastmod"] == old + timedelta(hours=1)
    assert fetched[changed].callback == spider.parse_article and fetched[changed].meta["dont_redirect"] is True
    s = stats(spider)
    assert s["discovery/fetch/new"] == 1 and s["discovery/fetch/changed"] == 1
    assert s["discovery/skipped_known"] == 1 and s["discovery/skipped_dead"] == 1
    spider._on_idle(spider)  # nothing left: the spider may close
    assert len(engine.crawled) == 2
    spider._on_spider_closed(spider)


def test_unfinished_articles_are_fetched_even_when_discovery_no_longer_lists_them(tmp_path):
    """A post written but not yet listed in any run feed (its run was killed) must be written and listed
    again, also when it is too old for the site's sitemaps and feeds."""
    out = tmp_path / "out"
    unlisted, listed, finished, dead = (f"{ORIGIN}/national/{name}" for name in ("old", "recent", "done", "gone"))
    elsewhere = "https://elsewhere.example.org/news/story"
    for url in (unlisted, listed, finished, dead, elsewhere):
        remember(out, url)
    with StateStore.open(state_path(out)) as store:
        for url in (unlisted, listed, dead, elsewhere):
            store.set_content_hash(url, None)
    spider = make_spider(loader().load("phnompenhpost"), out, base_url=MIRROR, since="2024-10-01")
    spider.memory.mark_dead(dead, 404)
    engine = FakeEngine()
    spider.crawler.engine = engine
    spider._open_store()
    spider.offer(listed, datetime(2024, 10, 18, tzinfo=UTC), "sitemap")
    with pytest.raises(DontCloseSpider):
        spider._on_idle(spider)
    assert sorted(r.meta["key"] for r in engine.crawled) == [unlisted, listed]
    s = stats(spider)
    assert s["discovery/fetch/unfinished"] == 2 and s["discovery/unfinished_unlisted"] == 1
    spider._on_idle(spider)  # discovery is done once: nothing is added again
    assert len(engine.crawled) == 2
    spider._on_spider_closed(spider)


def test_idle_does_not_keep_the_spider_open_when_nothing_is_new(site_spider):
    site_spider.crawler.engine = FakeEngine()
    site_spider._on_idle(site_spider)  # no candidates at all: must not raise DontCloseSpider


# ---------------------------------------------------------------------------- article pages


def article_response(origin_url: str, meta: dict[str, Any] | None = None,
                     content_type: str = "text/html; charset=utf-8") -> Any:
    meta = {"key": origin_url, **(meta or {})}
    headers = {"Content-Type": content_type}
    return response(HtmlResponse, mirror(origin_url), replica_page(origin_url), meta=meta, headers=headers)


def test_article_page_becomes_an_article_with_the_canonical_url_and_discovered_lastmod(site_spider):
    lastmod = datetime(2024, 10, 18, 7, 2, 13, tzinfo=UTC)
    items = list(site_spider.parse_article(article_response(SEED_URL, {"lastmod": lastmod})))
    assert len(items) == 1
    article = items[0]
    assert isinstance(article, Article)
    assert article.url == mirror(SEED_URL)
    assert article.origin_url == SEED_URL
    assert article.lastmod == lastmod
    assert article.site == "phnompenhpost"
    assert MIRROR not in article.body  # links and images point at the real site


def test_charset_comes_from_the_header_only(site_spider):
    cafe = next(a for a in expected_articles() if a["slug"].startswith("phnom-penh-cafe"))
    # header without charset, as the replica serves it: the page's <meta charset> decides
    article = next(iter(site_spider.parse_article(article_response(cafe["origin_url"], content_type="text/html"))))
    assert article.title == cafe["title"] and "’" in article.body and "\ufffd" not in article.body


def test_a_page_without_an_article_is_counted_missing(site_spider, caplog):
    listing = response(HtmlResponse, mirror(f"{ORIGIN}/national/looks-like-an-article"),
                       (PAGES / "sections" / "national.html").read_bytes(), meta={"key": f"{ORIGIN}/national/x"})
    with caplog.at_level(logging.WARNING):
        assert list(site_spider.parse_article(listing)) == []
    assert stats(site_spider)["articles/missing"] == 1
    assert any(key.startswith("articles/missing/") for key in stats(site_spider))
    assert any("No article found" in r.getMessage() for r in caplog.records)


def test_a_candidate_that_is_a_listing_is_remembered_and_not_fetched_again(tmp_path):
    out = tmp_path / "out"
    spider = make_spider(loader().load("phnompenhpost"), out, base_url=MIRROR)
    key = f"{ORIGIN}/national/looks-like-an-article"
    listing = response(HtmlResponse, mirror(key), (PAGES / "sections" / "national.html").read_bytes(),
                       meta={"key": key})
    assert list(spider.parse_article(listing)) == []
    assert stats(spider)["pages/not_article"] == 1 and stats(spider)["articles/missing/listing"] == 1
    spider._on_spider_closed(spider)
    later = make_spider(loader().load("phnompenhpost"), out, base_url=MIRROR)
    assert later.fetch_reason(key, None) is None  # the next run skips it, like a dead link
    assert later.fetch_reason(key, datetime.now(UTC) + timedelta(days=1)) == "revived"  # unless dated later
    later._on_spider_closed(later)


def test_non_text_responses_are_counted_and_skipped(site_spider):
    image = response(Response, mirror(SEED_URL), b"\x89PNG\r\n\x1a\n....", headers={"Content-Type": "image/png"})
    assert list(site_spider.parse_article(image)) == []
    assert stats(site_spider)["pages/non_text"] == 1


def test_redirects_are_remembered_and_known_targets_not_fetched_again(site_spider, tmp_path):
    old = f"{ORIGIN}/national/siem-reap-shuttle-bus-to-new-airport-launched"
    new = f"{ORIGIN}/national/free-shuttle-bus-links-siem-reap-town-with-new-airport"
    moved = response(TextResponse, mirror(old), b"", status=301, meta={"key": old, "lastmod": None},
                     headers={"Location": "/national/free-shuttle-bus-links-siem-reap-town-with-new-airport"})
    follow = list(site_spider.parse_article(moved))
    assert [(r.url, r.meta["key"], r.meta["redirected_from"]) for r in follow] == [(mirror(new), new, [old])]
    assert "download_latency" not in follow[0].meta
    assert site_spider.memory.resolve(old) == new

    out = tmp_path / "known"
    remember(out, new, lastmod=datetime(2024, 10, 24, 3, 41, 55, tzinfo=UTC))
    known = make_spider(type(site_spider), out, base_url=MIRROR)
    known._open_store()
    assert list(known.parse_article(moved)) == []  # the target is stored and unchanged
    assert stats(known)["discovery/skipped_known"] == 1
    known._on_spider_closed(known)


def test_item_scraped_turns_every_url_that_led_to_an_article_into_an_alias(site_spider):
    old = f"{ORIGIN}/national/old-path"
    page = article_response(SEED_URL, {"redirected_from": [old]})
    article = Article(url=page.url, origin_url=SEED_URL)
    site_spider._on_item_scraped(article, page, site_spider)
    assert site_spider.memory.resolve(old) == SEED_URL
    with UrlMemory.open(memory_path(site_spider.output_dir)) as memory:
        assert memory.resolve(old) == SEED_URL  # committed, visible to the next run


def failure_for(request: Request, exc: Exception) -> Failure:
    failure = Failure(exc)
    failure.request = request  # what Scrapy's scraper sets before calling an errback
    return failure


def test_failed_article_pages_are_counted(site_spider):
    gone = f"{ORIGIN}/national/ministry-clarifies-rules-for-motorbike-licence-tests"
    request = site_spider.article_request(gone, {})
    not_found = HtmlResponse(url=request.url, status=404, body=b"", request=request)
    site_spider.article_failed(failure_for(request, HttpError(not_found, "404")))
    assert stats(site_spider)["pages/dead"] == 1
    assert site_spider.memory.dead_since(gone) is not None
    unavailable = HtmlResponse(url=request.url, status=503, body=b"", request=request)
    site_spider.article_failed(failure_for(request, HttpError(unavailable, "503")))
    site_spider.article_failed(failure_for(request, IgnoreRequest("Forbidden by robots.txt")))
    site_spider.article_failed(failure_for(request, ConnectionRefusedError("refused")))
    s = stats(site_spider)
    assert s["pages/failed/503"] == 1 and s["pages/ignored"] == 1 and s["pages/failed/ConnectionRefusedError"] == 1
    assert s["pages/failed"] == 2


def test_discovery_failures_are_errors(site_spider, caplog):
    request = Request(f"{MIRROR}/sitemap.xml")
    with caplog.at_level(logging.ERROR):
        site_spider.discovery_failed(
            failure_for(request, HttpError(HtmlResponse(url=request.url, status=404, request=request), "404"))
        )
    assert stats(site_spider)["discovery/failed"] == 1
    assert any(r.levelno == logging.ERROR and "sitemap.xml" in r.getMessage() for r in caplog.records)
    html = response(HtmlResponse, f"{MIRROR}/sitemap.xml", (PAGES / "index.html").read_bytes())
    assert list(site_spider.parse_sitemap(html)) == []
    assert stats(site_spider)["discovery/failed"] == 2


# ---------------------------------------------------------------------------- retries with backoff


def backoff_middleware(tmp_path: Path, **settings: Any) -> Any:
    from crawler.middlewares import BackoffRetryMiddleware

    crawler = get_crawler(ArticleSpider, {"RETRY_TIMES": 3, **settings})
    crawler.spider = crawler._create_spider(url=SEED_URL)
    return BackoffRetryMiddleware.from_crawler(crawler)


def test_backoff_grows_exponentially_honours_retry_after_and_is_capped(tmp_path):
    middleware = backoff_middleware(tmp_path, RETRY_BACKOFF_BASE=1.0, RETRY_BACKOFF_MAX=30.0)
    request = Request(SEED_URL)
    for attempt, low in ((1, 1.0), (2, 2.0), (3, 4.0)):
        delay = middleware.delay_for(request.replace(meta={"retry_times": attempt}))
        assert low <= delay <= low * 1.25, (attempt, delay)
    assert middleware.delay_for(request.replace(meta={"retry_times": 9})) == 30.0
    busy = TextResponse(SEED_URL, status=503, headers={"Retry-After": "12"}, request=request)
    assert 12.0 <= middleware.delay_for(request.replace(meta={"retry_times": 1}), busy) <= 30.0
    too_busy = TextResponse(SEED_URL, status=429, headers={"Retry-After": "3600"}, request=request)
    assert middleware.delay_for(request.replace(meta={"retry_times": 1}), too_busy) == 30.0


def test_backoff_middleware_still_retries_like_scrapy(tmp_path):
    middleware = backoff_middleware(tmp_path, RETRY_BACKOFF_BASE=0.0)
    request = Request(SEED_URL)
    unavailable = TextResponse(SEED_URL, status=503, request=request)
    retry = asyncio.run(middleware.process_response(request, unavailable))
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1 and retry.dont_filter
    fine = TextResponse(SEED_URL, status=200, request=request)
    assert asyncio.run(middleware.process_response(request, fine)) is fine
    gone = TextResponse(SEED_URL, status=404, request=request)
    assert asyncio.run(middleware.process_response(request, gone)) is gone
    exhausted = request.replace(meta={"retry_times": 3})
    assert asyncio.run(middleware.process_response(exhausted, unavailable)) is unavailable
    assert middleware.crawler.stats.get_value("retry/max_reached") == 1
