"""A discovered link and the date parsing shared by the sitemap and feed readers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

_YEAR_MONTH_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class Link:
    """One URL a discovery source points to, with the modification time it reports (aware, UTC)."""

    url: str
    lastmod: datetime | None = None


def http_url(value: str) -> str | None:
    """`value` when it is an absolute http(s) URL with a host (scheme lower-cased: `HTTPS://` is https),
    else None. Discovery fetches nothing else: Scrapy would download ftp:, s3:, file: and data: URLs too."""
    value = value.strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # a broken IPv6 literal or port
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return parts.scheme + value[len(parts.scheme):]


def parse_datetime(text: str | None) -> datetime | None:
    """Parse a sitemap (W3C/ISO 8601) or feed (RFC 822) date into an aware UTC datetime.

    Date-only and naive values are taken as UTC (sitemaps mostly give a zone; when they do not,
    any fixed choice keeps run-to-run comparisons consistent). Unparsable text gives None.
    """
    if not text:
        return None
    value = text.strip()
    if not value:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        match = _YEAR_MONTH_RE.match(value)
        if match:
            try:
                parsed = datetime(int(match.group(1)), int(match.group(2) or 1), 1)
            except ValueError:
                return None
        else:
            try:
                parsed = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                parsed = _parse_loose(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_loose(value: str) -> datetime | None:
    from dateutil import parser as dateutil_parser

    try:
        parsed: datetime = dateutil_parser.parse(value)
    except (ValueError, OverflowError):
        return None
    return parsed
