"""Mirrors of other hosts a crawl needs (an image CDN): the MIRRORS setting, a map of origins to mirror URLs.

    -s MIRRORS='{"https://cdn.example": "http://127.0.0.1:8001"}'

A URL on a mapped origin is downloaded from the mirror instead (`https://cdn.example/a/b.jpg` from
`http://127.0.0.1:8001/a/b.jpg`), while posts, the store and the feed keep the real URL. It is the
`base_url` spider argument for hosts that are not the site itself; that argument's own mappings (the
site's URLs to and from its mirror) are here too. Pure: no Scrapy import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.errors import SettingError

if TYPE_CHECKING:
    from crawler.profiles import SiteProfile

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(value: str, what: str) -> str:
    """`scheme://host[:port]` of an origin key, lower-cased, default port dropped; refuses paths and queries."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username:
        raise SettingError(f"MIRRORS: {what} {value!r} is not an origin such as https://cdn.example")
    port = parts.port if parts.port and parts.port != _DEFAULT_PORTS[parts.scheme.lower()] else None
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}" + (f":{port}" if port else "")


def mirror_base(value: str) -> str | None:
    """A mirror base URL (http(s), a host, optionally a path prefix, no query or fragment) without its
    trailing slash; None when `value` is not one. Also what `-a base_url=` takes (spiders.base.check_base_url)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc or parts.query or parts.fragment:
        return None
    return value.strip().rstrip("/")


def _mirror(value: object, key: str) -> str:
    """The mirror of `key` in MIRRORS, as `mirror_base` gives it."""
    if not isinstance(value, str):
        raise SettingError(f"MIRRORS: the mirror of {key} must be a URL string, got {value!r}")
    base = mirror_base(value)
    if base is None:
        raise SettingError(f"MIRRORS: the mirror of {key} must be an http(s) URL such as "
                           f"http://127.0.0.1:8001, got {value!r}")
    return base


def parse_mirrors(value: object) -> dict[str, str]:
    """The MIRRORS setting (a JSON object or a dict, empty or None for none) as {origin: mirror base URL}."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise SettingError(f"MIRRORS must be a JSON object such as "
                               f"'{{\"https://cdn.example\": \"http://127.0.0.1:8001\"}}' ({exc})") from None
    if not isinstance(value, Mapping):
        raise SettingError(f"MIRRORS must map origins to mirror URLs, got {type(value).__name__}")
    return {_origin(str(key), "key"): _mirror(mirror, str(key)) for key, mirror in value.items()}


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL (lower-cased, default port dropped); None for other URLs."""
    try:
        return _origin(f"{urlsplit(url).scheme}://{urlsplit(url).netloc}", "URL")
    except (SettingError, ValueError):
        return None


def to_mirror(url: str, mirrors: Mapping[str, str]) -> str:
    """The URL to download `url` from: its mirror's when its origin is mapped, else `url` itself."""
    origin = origin_of(url) if mirrors else None
    mirror = mirrors.get(origin) if origin else None
    if mirror is None:
        return url
    parts = urlsplit(url)
    rest = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return mirror + rest


# ------------------------------------------------------------------ the site's own mirror (-a base_url=)

def swap_prefix(url: str, old: str | None, new: str | None) -> str:
    """Replace the scheme-and-host prefix `old` of `url` by `new` (mirror <-> origin)."""
    if not old or not new or old == new:
        return url
    if url == old or url.startswith(old + "/") or url.startswith(old + "?"):
        return new + url[len(old):]
    return url


def to_site_origin(url: str, profile: SiteProfile, base_url: str | None = None) -> str:
    """Map a URL fetched from a mirror (`base_url`) back onto the site's canonical origin."""
    if base_url:
        base = base_url.rstrip("/")
        if url.startswith(base + "/") or url == base:
            return profile.origin + (url[len(base):] or "/")
    return url


def to_site_mirror(url: str, profile: SiteProfile, base_url: str | None) -> str:
    """Map a canonical site URL onto the mirror (`base_url`); other URLs are returned unchanged."""
    if not base_url or not profile.owns(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL the site can own (profile.owns refuses it first)
        return url
    target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return urljoin(base_url.rstrip("/") + "/", target.lstrip("/")) if target != "/" else base_url.rstrip("/") + "/"
