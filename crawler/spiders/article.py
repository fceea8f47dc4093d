"""ArticleSpider: fetch given article URLs now and write or update their posts (one-off re-scrapes).

    scrapy crawl article -a url=https://www.phnompenhpost.com/national/some-article
    scrapy crawl article -a urls=urls.txt        # one URL per line, blank lines and # comments allowed
    scrapy crawl article -a url=https://www.phnompenhpost.com/national -a follow=1   # a section's articles

Every URL is fetched, known or not; the store pipeline updates an existing post in place. The
profile is chosen by the URL's host (generic extraction otherwise). `-a base_url=URL` fetches every
given URL's path from that mirror while the posts keep the real URLs.

A page of links is not an article: a given URL that turns out to be a sitemap (or sitemap index) or an
RSS/Atom feed is recognised by its content and the articles it lists are fetched instead; a listing
page (a section, a home page) is followed the same way with `-a follow=1`. Links are followed one level
deep only, and only to article URLs: the profile's `articles.allow/deny` when the site has one, else
the usual shapes of article URLs (crawler/discovery/urlshapes.py). A followed link that holds no article
is counted (`pages/not_article`), not failed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from crawler.discovery.feeds import parse_feed
from crawler.discovery.listings import parse_listing
from crawler.discovery.sitemaps import parse_sitemap
from crawler.discovery.urllist import UrlList, parse_url_list
from crawler.discovery.urlshapes import NOT_ARTICLE, looks_like_article
from crawler.distributed import is_worker
from crawler.profiles import SiteProfile, configured_profiles, profile_for_url
from crawler.spiders.base import NewsSpider, SpiderArgumentError, check_base_url, origin_root
from crawler.spiders.site import parse_flag

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.items import Article


def read_urls(url: str | None, urls: str | None) -> UrlList:
    """The URLs of `-a url=` and `-a urls=FILE` together; raise when the file cannot be read."""
    if url is None and urls is None:
        raise SpiderArgumentError("give -a url=URL or -a urls=FILE (one URL per line)")
    text = "" if url is None else url + "\n"
    if urls is not None:
        path = Path(urls).expanduser()
        try:
            text += path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise SpiderArgumentError(f"urls file {str(path)!r} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SpiderArgumentError(f"urls file {str(path)!r} cannot be read: {exc}") from None
    return parse_url_list(text)


LISTING_PAGES = ("listing", "empty_body")
"""Page types `-a follow=1` follows: a page of links, and a page whose teasers leave no article text (a
WordPress category page)."""


class ArticleSpider(NewsSpider):
    """Fetch the given article URLs. Arguments: url, urls (a file), base_url, follow."""

    name = "article"
    allowed_arguments = ("url", "urls", "base_url", "follow")

    def __init__(
        self, url: str | None = None, urls: str | None = None, base_url: str | None = None,
        follow: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = check_base_url(base_url)
        self.follow = parse_flag("follow", follow)
        self.url_list = read_urls(url, urls)
        for line in self.url_list.refused:
            self.logger.warning("Refused line %d %r: %s", line.number, line.text, line.reason)
        if not self.url_list.urls:
            source = f"file {urls!r}" if urls is not None else "url argument"
            raise SpiderArgumentError(f"no usable http(s) URL in the {source}")
        self.profiles: dict[str, SiteProfile] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        if is_worker(crawler.settings):
            raise SpiderArgumentError(
                "the article spider fetches the URLs it is given on this machine; frontier workers "
                "(FRONTIER_WORKER=1) run a site spider such as phnompenhpost"
            )
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.profiles = configured_profiles(crawler.settings)
        return spider

    def profile_for(self, url: str) -> SiteProfile | None:
        return profile_for_url(url, self.profiles)

    async def start(self) -> AsyncIterator[Any]:
        if self.url_list.refused:
            self.count("urls/refused", len(self.url_list.refused))
        self.count("urls/given", len(self.url_list.urls))
        for url in self.url_list.urls:
            meta = {"origin_root": origin_root(url)}
            yield self.article_request(self.key_of(url), meta, fetch_url=self.fetch_url_of(url, meta))

    # ------------------------------------------------------------------ pages of links

    def parse_article(self, response: Response) -> Iterator[Article | Request]:
        """A given sitemap or feed leads to its articles; anything else is an article page."""
        if response.status == 200 and not response.meta.get("followed"):
            followed = self._links_document(response)
            if followed is not None:
                yield from followed
                return
        yield from super().parse_article(response)

    def _links_document(self, response: Response) -> list[Request] | None:
        """Requests for what a sitemap, sitemap index or feed lists; None when the page is none of them."""
        origin = self.origin_url_of(response.url, response.meta)
        sitemap = parse_sitemap(response.body)
        if sitemap.kind == "sitemapindex" and not response.meta.get("child_sitemap"):
            self.count("pages/followed/sitemapindex")
            return [self._request(link.url, followed=False, child_sitemap=True) for link in sitemap.links]
        if sitemap.kind == "urlset":
            return self._follow(response, origin, [link.url for link in sitemap.links], "sitemap")
        feed = parse_feed(response.body, origin)
        if feed.kind != "unknown":
            return self._follow(response, origin, [link.url for link in feed.links], "feed")
        return None

    def without_article(self, response: Response, origin: str, page_type: str) -> Iterator[Request]:
        if response.meta.get("followed"):
            self.count("pages/not_article")
            self.logger.info("Followed link %s holds no article (%s)", response.url, page_type)
            return
        if page_type in LISTING_PAGES and self.follow:
            links = parse_listing(getattr(response, "text", ""), origin).links
            yield from self._follow(response, origin, links, "listing")
            return
        if page_type == "listing":
            self.logger.warning("%s is a page of links: -a follow=1 fetches the articles it links", response.url)
        yield from super().without_article(response, origin, page_type)

    def _follow(self, response: Response, origin: str, urls: list[str], source: str) -> list[Request]:
        """Article requests for the links of a page of links (its own site's article URLs only)."""
        profile = self.profile_for(origin)
        host = urlsplit(origin).hostname
        chosen = []
        for url in dict.fromkeys(urls):
            if profile is not None:
                keep = profile.is_article_url(url)
            elif source == "listing":  # every link of the page: only the site's own URLs shaped like articles
                keep = urlsplit(url).hostname == host and looks_like_article(url)
            else:  # what a sitemap or feed lists is the site's pages: all but tag, author, pagination pages
                keep = not NOT_ARTICLE.match(urlsplit(url).path or "/")
            if keep and url != origin:
                chosen.append(url)
        if not chosen:
            self.logger.warning("The %s %s links no article URL", source, response.url)
            return list(super().without_article(response, origin, f"{source}_without_articles"))
        self.count(f"pages/followed/{source}")
        self.count("urls/followed", len(chosen))
        self.logger.info("Following %d article link(s) of the %s %s", len(chosen), source, response.url)
        return [self._request(url, followed=True) for url in chosen]

    def _request(self, url: str, **meta: Any) -> Request:
        meta["origin_root"] = origin_root(url)
        return self.article_request(self.key_of(url), meta, fetch_url=self.fetch_url_of(url, meta))
