"""URL normalisers: tracking-parameter removal, canonical origin URLs, mirror (base_url) mapping."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

if TYPE_CHECKING:
    from crawler.profiles import SiteProfile

# Query parameters that only track the visitor or the campaign, never select content.
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "ga_", "_hs")
_TRACKING_NAMES = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "ref_url", "cmpid", "ocid", "ito", "at_medium",
    "at_campaign", "s_cid", "share", "smid", "cid_source", "mkt_tok", "spm", "oly_anon_id",
    "oly_enc_id", "vero_id", "rb_clickid", "__twitter_impression", "wt_mc", "at_custom1",
})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SLASHES_RE = re.compile(r"/{2,}")
HOST_NOISE = frozenset({"www", "com", "org", "net", "news", "co", "online", "web", "edu", "gov", "amp", "m"})
"""Host name labels that say nothing about which site it is."""


_EMPTY = SplitResult("", "", "", "", "")


@lru_cache(maxsize=8192)
def split_url(url: str | None) -> SplitResult:
    """`urlsplit` that never raises: a URL the standard library refuses (a bracketed host that is no IP
    address, `http://[ccpa-preferences]/`, an unclosed `[`) splits into empty parts. Cached: pages repeat
    their links."""
    if not url:
        return _EMPTY
    try:
        return urlsplit(url)
    except ValueError:
        return _EMPTY


def url_host(url: str | None) -> str:
    """The URL's host name in lower case, "" when it has none or cannot be read."""
    return (split_url(url).hostname or "").lower()


def url_path(url: str | None) -> str:
    """The URL's path, "" when it cannot be read."""
    return split_url(url).path


def url_port(parts: SplitResult) -> int | None:
    """The port of a split URL, None when absent or out of range."""
    try:
        return parts.port
    except ValueError:
        return None


def join_url(base: str, href: str) -> str:
    """`urljoin` that never raises: an unreadable href or base gives ""."""
    try:
        joined = urljoin(base, href)
        urlsplit(joined).hostname  # noqa: B018
    except ValueError:
        return ""
    return joined


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def domain_suffixes(url: str | None) -> list[str]:
    """The URL's host name (without "www.") and its parent domains down to two labels:
    `news.example.org`, `example.org` for https://www.news.example.org/."""
    host = url_host(url).removeprefix("www.")
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def host_labels(url: str | None) -> list[str]:
    """The distinctive labels of a URL's host name: `waz` for www.waz.de, `bbc` for news.bbc.co.uk."""
    host = url_host(url)
    return [label for label in host.split(".") if len(label) >= 3 and label not in HOST_NOISE]


def strip_tracking(url: str) -> str:
    """Drop tracking parameters and the fragment; keep every other parameter in its order.

    Also lower-cases scheme and host, drops a default port and collapses repeated slashes in the
    path, so that the same article always yields the same string.
    """
    parts = split_url(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = url_port(parts)
    port = port if port and port != _DEFAULT_PORTS.get(scheme) else None
    netloc = f"{host}:{port}" if port else host
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    path = _SLASHES_RE.sub("/", parts.path) or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def _host_and_port(url: str) -> tuple[str, int | None]:
    """(host without "www.", port unless it is the scheme's default) — what tells two sites apart."""
    parts = split_url(url)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: never the same host as anything
        return "", None
    scheme = parts.scheme.lower()
    return (parts.hostname or "").lower().removeprefix("www."), None if port == _DEFAULT_PORTS.get(scheme) else port


def same_host(url: str, other: str) -> bool:
    """True when both URLs are on the same host, allowing only harmless variants: http or https, a
    "www." prefix, a default port written out. Another port, another host, a subdomain or a parent
    domain is another site (`127.0.0.1:8001` is not `127.0.0.1:8002`, `news.example.org` is not
    `example.org`)."""
    host, port = _host_and_port(url)
    return bool(host) and (host, port) == _host_and_port(other)


def canonical_url(fetched_url: str, candidates: list[str | None], profile: SiteProfile | None = None) -> str:
    """The article's canonical URL: the first candidate (canonical link, og:url, JSON-LD url) on the
    fetched URL's host (`same_host`) or on one of the site profile's domains, else the fetched URL;
    always without tracking parameters. A page cannot file itself under another site's URL."""
    for candidate in candidates:
        if not candidate:
            continue
        absolute = join_url(fetched_url, candidate.strip())
        if split_url(absolute).scheme not in ("http", "https"):
            continue
        if (profile is not None and profile.owns(absolute)) or same_host(absolute, fetched_url):
            return strip_tracking(absolute)
    return strip_tracking(fetched_url)
