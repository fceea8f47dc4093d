"""ArticleSpider: fetch given article URLs now and write or update their posts (one-off re-scrapes).

    scrapy crawl article -a url=https://www.phnompenhpost.com/national/some-article
    scrapy crawl article -a urls=urls.txt        # one URL per line, blank lines and # comments allowed

Every URL is fetched, known or not; the store pipeline updates an existing post in place. The
profile is chosen by the URL's host (generic extraction otherwise). `-a base_url=URL` fetches every
given URL's path from that mirror while the posts keep the real URLs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from crawler.discovery.urllist import UrlList, parse_url_list
from crawler.distributed import is_worker
from crawler.profiles import SiteProfile, configured_profiles, profile_for_url
from crawler.spiders.base import NewsSpider, SpiderArgumentError, check_base_url, origin_root

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


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


class ArticleSpider(NewsSpider):
    """Fetch the given article URLs. Arguments: url, urls (a file), base_url."""

    name = "article"
    allowed_arguments = ("url", "urls", "base_url")

    def __init__(
        self, url: str | None = None, urls: str | None = None, base_url: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = check_base_url(base_url)
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
