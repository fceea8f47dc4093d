"""Normalize pipeline (200): canonical origin_url, UTC date, category, language, title and description."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from itemadapter import ItemAdapter

from crawler.extract.urls import strip_tracking
from crawler.posts.summary import fallback_description
from crawler.profiles import SiteProfile, configured_profiles, profile_for_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_LANG_RE = re.compile(r"^[a-z]{2}$")
_NUMBER_RE = re.compile(r"^[\d_.-]+$")
"""A path segment made of digits (a year, a date, an id) is never a category."""


def _collapse(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(text.split()) or None


def origin_url_for(url: str, origin_url: str | None, profile: SiteProfile | None) -> str:
    """The canonical URL without tracking parameters, on the profile's origin when the profile owns it."""
    clean = strip_tracking(origin_url or url)
    if profile is not None and profile.owns(clean):
        parts = urlsplit(clean)
        clean = profile.origin + urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return clean


def utc_millis(value: datetime | str, zone: tzinfo | None) -> datetime:
    """An instant in UTC truncated to milliseconds; naive values are in `zone` (UTC when None)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or UTC)
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _path_segments(url: str) -> list[str]:
    return [unquote(s) for s in urlsplit(url).path.split("/") if s]


def category_for(origin_url: str, section: str | None, profile: SiteProfile | None) -> str | None:
    """The category in upper case, by the profile's rule.

    `path_segment`: the first URL path segment (only when the URL has a section segment before the
    article's own, and never a number: `/2024/10/18/slug/` is a date permalink, not a section);
    `section`: the page's section. Each falls back to the other; generic pages (no profile) use the
    section first.
    """
    segments = _path_segments(origin_url)
    segment = segments[0] if len(segments) >= 2 and not _NUMBER_RE.match(segments[0]) else None
    section = _collapse(section)
    by_path = profile is not None and profile.category_from == "path_segment"
    raw = (segment or section) if by_path else (section or segment)
    if raw is None:
        return None
    if profile is not None:
        raw = profile.category_map.get(raw, profile.category_map.get(raw.lower(), raw))
    return _collapse(raw.upper())


def _language_code(value: str | None) -> str | None:
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip(), maxsplit=1)[0].lower()
    return primary if _LANG_RE.match(primary) else None


def language_for(origin_url: str, declared: str | None, profile: SiteProfile | None) -> str | None:
    """ISO 639-1: the profile's URL rule, else the page's declaration, else the profile default."""
    if profile is not None:
        path = urlsplit(origin_url).path
        for rule in profile.languages:
            if rule.path.search(path):
                return rule.language
    return _language_code(declared) or (profile.language if profile is not None else None)


class NormalizePipeline:
    """Turns raw extracted fields into the values a post shows."""

    def __init__(
        self, crawler: Crawler, profiles: dict[str, SiteProfile], now: Callable[[], datetime] | None = None
    ) -> None:
        self.crawler = crawler
        self.profiles = profiles
        self.now = now or (lambda: datetime.now(UTC))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler, configured_profiles(crawler.settings))

    def profile_for(self, adapter: ItemAdapter) -> SiteProfile | None:
        site = adapter.get("site")
        if site:
            return self.profiles.get(site)
        return profile_for_url(adapter.get("origin_url") or adapter["url"], self.profiles)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        profile = self.profile_for(adapter)
        if profile is not None:
            adapter["site"] = profile.id
        zone = profile.timezone if profile is not None else None
        origin_url = origin_url_for(adapter["url"], adapter.get("origin_url"), profile)
        adapter["origin_url"] = origin_url

        published = adapter.get("published")
        if published:
            adapter["date"] = utc_millis(published, zone)
            adapter["date_estimated"] = False
        else:
            adapter["date"] = utc_millis(adapter.get("fetched") or self.now(), UTC)
            adapter["date_estimated"] = True
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("articles/date_estimated")
            logger.warning("No publication date found for %s; using the fetch time (date_estimated)", origin_url)
        for name in ("modified", "lastmod"):
            if adapter.get(name):
                adapter[name] = utc_millis(adapter[name], zone)

        adapter["category"] = category_for(origin_url, adapter.get("section"), profile)
        adapter["language"] = language_for(origin_url, adapter.get("language"), profile)
        adapter["title"] = _collapse(adapter.get("title"))
        description = _collapse(adapter.get("description"))
        if description is None:
            description = fallback_description(adapter.get("body") or "")
        adapter["description"] = description
        return item
