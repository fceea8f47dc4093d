"""Discovery: pure parsers that turn sitemaps, feeds and listing pages into candidate article links.

Nothing here fetches anything or imports Scrapy: the site spider downloads, these functions read
bytes or text and return links with the dates the source reports.
"""

from __future__ import annotations

from crawler.discovery.feeds import Feed, parse_feed
from crawler.discovery.links import Link
from crawler.discovery.listings import Listing, parse_listing
from crawler.discovery.sitemaps import Sitemap, parse_sitemap

__all__ = ["Feed", "Link", "Listing", "Sitemap", "parse_feed", "parse_listing", "parse_sitemap"]
