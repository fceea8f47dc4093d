"""Discovery parsers (pure): sitemaps, feeds, listing pages, URL lists, and the URL memory."""

from __future__ import annotations

import gzip
import sqlite3
from datetime import UTC, datetime

import pytest

from crawler.discovery import parse_feed, parse_listing, parse_sitemap
from crawler.discovery.links import parse_datetime
from crawler.discovery.memory import UrlMemory
from crawler.discovery.sitemaps import robots_sitemaps
from crawler.discovery.urllist import parse_url_list
from tests.conftest import ORIGIN, REPLICA, expected_articles

PAGES = REPLICA / "pages"
MIRROR = "http://127.0.0.1:8000"


def _expected_dates() -> dict[str, datetime]:
    return {a["origin_url"]: datetime.fromisoformat(a["date"]) for a in expected_articles()}


# ---------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-10-25T08:30:22+07:00", datetime(2024, 10, 25, 1, 30, 22, tzinfo=UTC)),
        ("2024-10-25T01:30:22Z", datetime(2024, 10, 25, 1, 30, 22, tzinfo=UTC)),
        ("2024-10-25T01:30Z", datetime(2024, 10, 25, 1, 30, tzinfo=UTC)),  # W3C: minutes only
        ("2024-10-25T01:30:22.5+00:00", datetime(2024, 10, 25, 1, 30, 22, 500000, tzinfo=UTC)),
        ("2024-10-25", datetime(2024, 10, 25, tzinfo=UTC)),  # date only: midnight UTC
        ("2024-10", datetime(2024, 10, 1, tzinfo=UTC)),  # W3C year-month
        ("2024", datetime(2024, 1, 1, tzinfo=UTC)),
        ("Fri, 18 Oct 2024 10:58:50 +0700", datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)),  # RFC 822
        ("Fri, 18 Oct 2024 03:58:50 GMT", datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)),
        ("  2024-10-25T08:30:22+07:00\n", datetime(2024, 10, 25, 1, 30, 22, tzinfo=UTC)),
        ("", None),
        ("   ", None),
        (None, None),
        ("not a date", None),
        ("2024-13", None),  # no month 13
    ],
)
def test_parse_datetime(text, expected):
    assert parse_datetime(text) == expected


# ---------------------------------------------------------------------------- sitemaps


def test_replica_sitemap_index_points_to_the_monthly_sitemap():
    sitemap = parse_sitemap((PAGES / "sitemap.xml").read_bytes())
    assert sitemap.kind == "sitemapindex"
    assert [link.url for link in sitemap.links] == [f"{ORIGIN}/sitemap/articles-2024-10.xml"]
    assert sitemap.links[0].lastmod == datetime(2024, 10, 25, 1, 30, 22, tzinfo=UTC)
    assert not sitemap.truncated


def test_replica_article_sitemap_lists_every_expected_article_with_a_lastmod_not_before_publication():
    sitemap = parse_sitemap((PAGES / "sitemap" / "articles-2024-10.xml").read_bytes())
    assert sitemap.kind == "urlset"
    urls = [link.url for link in sitemap.links]
    assert len(urls) == len(set(urls)) == 14
    published = _expected_dates()
    assert set(urls) == set(published)
    for link in sitemap.links:
        assert link.lastmod is not None and link.lastmod.tzinfo is UTC
        assert link.lastmod >= published[link.url], link.url
    # image:loc inside <url> must not be taken for the page's <loc>
    assert not any("digitaloceanspaces" in url for url in urls)


def test_gzip_sitemap_reads_like_the_plain_one():
    plain = (PAGES / "sitemap" / "articles-2024-10.xml").read_bytes()
    assert parse_sitemap(gzip.compress(plain)).links == parse_sitemap(plain).links


def test_sitemap_namespaces_prefixes_and_no_namespace():
    prefixed = (
        b'<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sm:url><sm:loc>https://example.org/a</sm:loc><sm:lastmod>2024-01-02</sm:lastmod></sm:url></sm:urlset>"
    )
    bare = b"<urlset><url><loc> https://example.org/a </loc><lastmod>2024-01-02</lastmod></url></urlset>"
    for data in (prefixed, bare):
        sitemap = parse_sitemap(data)
        assert sitemap.kind == "urlset"
        assert [(link.url, link.lastmod) for link in sitemap.links] == [
            ("https://example.org/a", datetime(2024, 1, 2, tzinfo=UTC))
        ]


def test_news_sitemap_publication_date_stands_in_for_a_missing_lastmod():
    data = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>https://example.org/n</loc><news:news><news:publication>"
        b"<news:name>Example Org</news:name></news:publication>"
        b"<news:publication_date>2024-10-18T10:58:50+07:00</news:publication_date></news:news></url></urlset>"
    )
    assert parse_sitemap(data).links[0].lastmod == datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)


def test_broken_sitemap_keeps_the_entries_before_the_damage():
    data = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://example.org/1</loc></url>"
        b"<url><loc>https://example.org/2?a=1&b=2</loc></url>"  # unescaped ampersand
        b"<url><loc>https://example.org/3</loc></url>"
        b"<url><loc>https://example.org/4"  # cut off mid-entry
    )
    urls = [link.url for link in parse_sitemap(data).links]
    assert urls[0] == "https://example.org/1"
    assert "https://example.org/3" in urls


def test_truncated_gzip_sitemap_is_flagged_and_keeps_what_was_readable():
    entries = b"".join(b"<url><loc>https://example.org/%d</loc></url>" % i for i in range(2000))
    compressed = gzip.compress(b"<urlset>" + entries + b"</urlset>")
    sitemap = parse_sitemap(compressed[: len(compressed) // 2])
    assert sitemap.truncated
    assert 0 < len(sitemap.links) < 2000
    assert sitemap.links[0].url == "https://example.org/0"


def test_sitemap_limits_bound_entries_and_decompressed_bytes():
    entries = b"".join(b"<url><loc>https://example.org/%d</loc></url>" % i for i in range(5000))
    data = b"<urlset>" + entries + b"</urlset>"
    limited = parse_sitemap(data, max_entries=1000)
    assert limited.truncated and len(limited.links) == 1000
    # a gzip bomb: 64 MB of blanks inside a few kilobytes
    bomb = gzip.compress(b"<urlset><url><loc>https://example.org/x</loc></url>" + b" " * (64 * 1024 * 1024))
    assert len(bomb) < 200_000
    bounded = parse_sitemap(bomb, max_bytes=1024 * 1024)
    assert bounded.truncated
    assert [link.url for link in bounded.links] == ["https://example.org/x"]


def test_text_sitemap_and_non_sitemaps():
    text = b"\xef\xbb\xbfhttps://example.org/a\n\nnot a url\nhttps://example.org/b\r\nftp://example.org/c\n"
    sitemap = parse_sitemap(text)
    assert sitemap.kind == "text"
    assert [link.url for link in sitemap.links] == ["https://example.org/a", "https://example.org/b"]
    assert parse_sitemap((PAGES / "404.html").read_bytes()).kind == "unknown"
    assert parse_sitemap((PAGES / "rss.xml").read_bytes()).kind == "unknown"
    assert parse_sitemap(b"").kind == "unknown"
    assert parse_sitemap(b"\x00\x01binary").kind == "unknown"


def test_sitemap_entries_that_are_not_http_urls_are_left_out_and_counted():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>ftp://www.phnompenhpost.com/a.xml</loc></sitemap>
      <sitemap><loc> s3://www.phnompenhpost.com/b.xml </loc></sitemap>
      <sitemap><loc>file:///etc/passwd</loc></sitemap>
      <sitemap><loc>/relative.xml</loc></sitemap>
      <sitemap><loc>https:///no-host.xml</loc></sitemap>
      <sitemap><loc></loc></sitemap>
      <sitemap><loc>HTTPS://www.phnompenhpost.com/Upper.xml</loc></sitemap>
      <sitemap><loc>https://www.phnompenhpost.com/c.xml</loc></sitemap>
    </sitemapindex>"""
    sitemap = parse_sitemap(index)
    assert [link.url for link in sitemap.links] == ["https://www.phnompenhpost.com/Upper.xml",
                                                     "https://www.phnompenhpost.com/c.xml"]
    assert (sitemap.refused, sitemap.refused_example) == (5, "ftp://www.phnompenhpost.com/a.xml")
    text = parse_sitemap(b"ftp://www.phnompenhpost.com/x\nnot a url\nhttps://www.phnompenhpost.com/y\nfile:/etc/z\n")
    assert [link.url for link in text.links] == ["https://www.phnompenhpost.com/y"]
    assert (text.kind, text.refused, text.refused_example) == ("text", 2, "ftp://www.phnompenhpost.com/x")
    assert parse_sitemap((PAGES / "sitemap.xml").read_bytes()).refused == 0


def test_sitemap_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<urlset><url><loc>https://example.org/&xxe;</loc></url></urlset>"
    ).encode()
    sitemap = parse_sitemap(data)
    assert all("TOP-SECRET" not in link.url for link in sitemap.links)


# ---------------------------------------------------------------------------- feeds


def test_replica_rss_feed_dates_are_the_publication_instants():
    feed = parse_feed((PAGES / "rss.xml").read_bytes(), ORIGIN + "/")
    assert feed.kind == "rss"
    assert len(feed.links) == 10
    published = _expected_dates()
    old_path = f"{ORIGIN}/national/siem-reap-shuttle-bus-to-new-airport-launched"
    assert old_path in [link.url for link in feed.links]  # the feed links the redirecting old path
    new_path = f"{ORIGIN}/national/free-shuttle-bus-links-siem-reap-town-with-new-airport"
    for link in feed.links:
        url = new_path if link.url == old_path else link.url
        assert link.lastmod == published[url], url
    # <atom:link rel="self"> of the channel is not an entry
    assert f"{ORIGIN}/rss.xml" not in [link.url for link in feed.links]


def test_atom_feed_links_and_newest_date():
    data = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom">
      <link rel="self" href="https://example.org/atom.xml"/>
      <entry>
        <link rel="self" href="https://example.org/api/1"/>
        <link rel="alternate" type="text/html" href="/news/one"/>
        <published>2024-10-01T10:00:00+07:00</published>
        <updated>2024-10-02T10:00:00+07:00</updated>
      </entry>
      <entry><link href="https://example.org/news/two"/><updated>2024-10-03T00:00:00Z</updated></entry>
      <entry><id>urn:uuid:1234</id><title>no link</title></entry>
    </feed>"""
    feed = parse_feed(data, "https://example.org/atom.xml")
    assert feed.kind == "atom"
    assert [(link.url, link.lastmod) for link in feed.links] == [
        ("https://example.org/news/one", datetime(2024, 10, 2, 3, 0, tzinfo=UTC)),
        ("https://example.org/news/two", datetime(2024, 10, 3, tzinfo=UTC)),
    ]


def test_rss1_rdf_feed_and_permalink_guid():
    rdf = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
      xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://example.org/"><link>https://example.org/</link></channel>
      <item rdf:about="https://example.org/a"><title>A</title><dc:date>2024-05-01T12:00:00Z</dc:date></item>
    </rdf:RDF>"""
    feed = parse_feed(rdf)
    assert feed.kind == "rdf"
    assert [(link.url, link.lastmod) for link in feed.links] == [
        ("https://example.org/a", datetime(2024, 5, 1, 12, tzinfo=UTC))
    ]
    guid_only = b"""<rss version="2.0"><channel>
      <item><guid>https://example.org/g</guid></item>
      <item><guid isPermaLink="false">ppp-1</guid></item>
    </channel></rss>"""
    assert [link.url for link in parse_feed(guid_only).links] == ["https://example.org/g"]


def test_feed_entries_that_are_not_http_urls_are_left_out_and_counted():
    feed = parse_feed(b"""<rss><channel>
      <item><link>ftp://www.phnompenhpost.com/national/a</link></item>
      <item><guid>urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66</guid></item>
      <item><link>/national/relative</link></item>
      <item><link>HTTP://www.phnompenhpost.com/national/upper</link></item>
    </channel></rss>""", f"{ORIGIN}/rss.xml")
    assert [link.url for link in feed.links] == [f"{ORIGIN}/national/relative", "http://www.phnompenhpost.com/national/upper"]
    assert (feed.refused, feed.refused_example) == (2, "ftp://www.phnompenhpost.com/national/a")


def test_broken_and_non_feeds():
    broken = b"<rss><channel><item><link>https://example.org/1</link></item><item><link>https://example.org/2"
    assert parse_feed(broken).links[0].url == "https://example.org/1"
    assert parse_feed((PAGES / "sitemap.xml").read_bytes()).kind == "unknown"
    assert parse_feed((PAGES / "index.html").read_bytes()).kind == "unknown"
    assert parse_feed(b"").kind == "unknown"


# ---------------------------------------------------------------------------- listings


def test_replica_listing_pages_and_pagination():
    page1 = parse_listing((PAGES / "sections" / "national.html").read_text(encoding="utf-8"), f"{MIRROR}/national")
    assert page1.next_page == f"{MIRROR}/national?page=2"
    seed = "asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts"
    assert f"{MIRROR}/national/{seed}" in page1.links
    assert all(link.startswith(("http://", "https://")) and "#" not in link for link in page1.links)
    assert len(page1.links) == len(set(page1.links))
    page2 = parse_listing(
        (PAGES / "sections" / "national-page-2.html").read_text(encoding="utf-8"), f"{MIRROR}/national?page=2"
    )
    assert page2.next_page is None
    assert f"{MIRROR}/national/ministry-clarifies-rules-for-motorbike-licence-tests" in page2.links


def test_listing_keeps_tracking_links_as_found():
    listing = parse_listing((PAGES / "sections" / "business.html").read_text(encoding="utf-8"), f"{MIRROR}/business")
    assert any("utm_source=fb" in link for link in listing.links)


def test_listing_next_page_selectors_attr_base_and_self_links():
    html = """<html><head><base href="https://example.org/news/"></head><body>
      <a href="story-1">one</a> <a href="#top">top</a> <a href="javascript:void(0)">js</a>
      <a href="mailto:desk@example.org">mail</a> <a class="more" data-next="?p=3" href="#">more</a>
      <a rel="next" href="https://example.org/news/">self</a></body></html>"""
    listing = parse_listing(html, "https://example.org/news/", ["a[rel=next]", "a.more::attr(data-next)"])
    assert listing.links == ["https://example.org/news/story-1", "https://example.org/news/"]
    assert listing.next_page == "https://example.org/news/?p=3"  # the rel=next link points to the page itself
    assert parse_listing("", "https://example.org/").links == []


# ---------------------------------------------------------------------------- URL lists


def test_url_list_comments_blank_lines_and_refused_lines():
    text = (
        "\ufeff# re-scrape list\n"
        "\n"
        "https://www.phnompenhpost.com/national/a\n"
        "   https://www.phnompenhpost.com/national/b   # trailing note\n"
        "file:///etc/passwd\n"
        "ftp://example.org/file\n"
        "hello\n"
        "https://www.phnompenhpost.com/national/a\n"
        "https://example.org/x extra words\n"
        "http://:80/no-host\n"
        "HTTPS://Example.org/Upper\n"
    )
    result = parse_url_list(text)
    assert result.urls == [
        "https://www.phnompenhpost.com/national/a",
        "https://www.phnompenhpost.com/national/b",
        "HTTPS://Example.org/Upper",
    ]
    assert [(line.number, line.text) for line in result.refused] == [
        (5, "file:///etc/passwd"),
        (6, "ftp://example.org/file"),
        (7, "hello"),
        (9, "https://example.org/x extra words"),
        (10, "http://:80/no-host"),
    ]
    assert "file" in result.refused[0].reason and "no host" in result.refused[-1].reason


# ---------------------------------------------------------------------------- URL memory


def test_url_memory_aliases_dead_urls_and_persistence(tmp_path):
    path = tmp_path / ".crawler" / "urls.sqlite"
    with UrlMemory.open(path) as memory:
        assert memory.resolve("https://e.org/old") == "https://e.org/old"
        assert memory.add_alias("https://e.org/old", "https://e.org/mid")
        assert memory.add_alias("https://e.org/mid", "https://e.org/new")
        assert not memory.add_alias("https://e.org/mid", "https://e.org/new")  # nothing new
        assert not memory.add_alias("https://e.org/x", "https://e.org/x")  # never an alias of itself
        memory.add_alias("https://e.org/loop-a", "https://e.org/loop-b")
        memory.add_alias("https://e.org/loop-b", "https://e.org/loop-a")
        memory.mark_dead("https://e.org/gone", 404)
    with UrlMemory.open(path) as memory:
        assert memory.resolve("https://e.org/old") == "https://e.org/new"
        assert memory.resolve("https://e.org/loop-a") in {"https://e.org/loop-a", "https://e.org/loop-b"}
        seen = memory.dead_since("https://e.org/gone")
        assert seen is not None and seen.tzinfo is not None
        memory.mark_alive("https://e.org/gone")
        assert memory.dead_since("https://e.org/gone") is None
        assert memory.counts() == (4, 0)


def test_damaged_url_memory_is_replaced(tmp_path):
    path = tmp_path / "urls.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with UrlMemory.open(path) as memory:
        memory.add_alias("https://e.org/a", "https://e.org/b")
        assert memory.resolve("https://e.org/a") == "https://e.org/b"
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM aliases").fetchone()[0] == 1


def test_robots_txt_sitemap_lines_in_any_group_and_case():
    robots = (REPLICA / "pages" / "robots.txt").read_text(encoding="utf-8")
    assert robots_sitemaps(robots, f"{ORIGIN}/robots.txt") == [f"{ORIGIN}/sitemap.xml"]
    text = ("User-agent: *\nDisallow: /admin\nsitemap: /wp-sitemap.xml  # the index\n"
            "SITEMAP:https://www.example.org/news.xml\nSitemap: /wp-sitemap.xml\nSitemap: ftp://x.org/s.xml\n")
    assert robots_sitemaps(text, "https://www.example.org/robots.txt") == [
        "https://www.example.org/wp-sitemap.xml", "https://www.example.org/news.xml"]
    assert robots_sitemaps("User-agent: *\nDisallow:\n", "https://www.example.org/robots.txt") == []
