"""Which canonical URL a page may claim: only its own host, with harmless variants (issue 12)."""

from __future__ import annotations

import pytest

from crawler.extract.urls import canonical_url, same_host
from crawler.profiles import SITES_DIR, load_profiles

FETCHED = "http://127.0.0.1:8001/national/flood-drill?utm_source=feed"


@pytest.mark.parametrize(("candidate", "origin_url"), [
    # harmless variants of the fetched host: the page's canonical wins
    ("https://127.0.0.1:8001/national/flood-drill-2024", "https://127.0.0.1:8001/national/flood-drill-2024"),
    ("http://www.127.0.0.1:8001/a", "http://www.127.0.0.1:8001/a"),
    ("/national/flood-drill", "http://127.0.0.1:8001/national/flood-drill"),
    # another port, another host name for the same machine: another site, the fetched URL stays
    ("http://127.0.0.1:8002/national/other", "http://127.0.0.1:8001/national/flood-drill"),
    ("http://localhost:8001/national/other", "http://127.0.0.1:8001/national/flood-drill"),
    ("javascript:alert(1)", "http://127.0.0.1:8001/national/flood-drill"),
])
def test_canonical_url_only_from_the_same_host(candidate: str, origin_url: str) -> None:
    assert canonical_url(FETCHED, [candidate]) == origin_url


@pytest.mark.parametrize(("url", "other", "same"), [
    ("https://www.example.org/a", "http://example.org/b", True),
    ("https://example.org:443/a", "https://example.org/b", True),
    ("http://example.org:80/a", "https://example.org/b", True),
    ("https://news.example.org/a", "https://example.org/a", False),
    ("https://example.org/a", "https://news.example.org/a", False),
    ("https://example.org:8443/a", "https://example.org/a", False),
    ("https://example.org.evil.example/a", "https://example.org/a", False),
    ("https://example.org:port/a", "https://example.org/a", False),
])
def test_same_host(url: str, other: str, same: bool) -> None:
    assert same_host(url, other) is same
    assert same_host(other, url) is same


def test_a_site_profile_still_claims_its_own_domains_from_a_mirror() -> None:
    """A replica served from 127.0.0.1 names the real site as canonical: the profile owns that domain."""
    profile = load_profiles(SITES_DIR)["phnompenhpost"]
    origin = "https://www.phnompenhpost.com/national/a-story"
    assert canonical_url("http://127.0.0.1:8001/national/a-story", [origin], profile) == origin
    assert canonical_url("http://127.0.0.1:8001/national/a-story", ["https://www.example.org/x"], profile) == (
        "http://127.0.0.1:8001/national/a-story")
