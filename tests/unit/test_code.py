"""Post codes: prefix + yyMMddHHmm (UTC) + 6 hash characters of the canonical URL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.posts.code import CODE_RE, make_code, url_hash
from tests.conftest import expected_articles

SEED_URL = "https://www.phnompenhpost.com/national/asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts"
SEED_DATE = datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)
ICT = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    ("prefix", "published", "expected_start"),
    [
        ("ART", SEED_DATE, "ART2410180358"),
        # an aware instant in another zone is converted to UTC first
        ("ART", datetime(2024, 10, 18, 10, 58, 50, tzinfo=ICT), "ART2410180358"),
        # naive means UTC
        ("ART", datetime(2024, 10, 18, 3, 58, 50), "ART2410180358"),
        # the UTC day differs from the local one: 2024-01-01 06:30 ICT is 2023-12-31 23:30 UTC
        ("ART", datetime(2024, 1, 1, 6, 30, tzinfo=ICT), "ART2312312330"),
        ("PK", datetime(2001, 2, 3, 4, 5, 59, 999999, tzinfo=UTC), "PK0102030405"),
    ],
)
def test_code_is_prefix_then_utc_minute_then_hash(prefix, published, expected_start):
    code = make_code(prefix, published, SEED_URL)
    assert code.startswith(expected_start)
    assert re.fullmatch(re.escape(expected_start) + r"[A-Z0-9]{6}", code)
    assert CODE_RE.match(code)


def test_seed_code_matches_the_golden_pattern_and_is_frozen():
    code = make_code("ART", SEED_DATE, SEED_URL)
    assert re.fullmatch(r"ART2410180358[A-Z0-9]{6}", code)
    # Frozen on purpose: codes are permanent, so the hash function must never change. If this fails,
    # every existing post would get a new code on its next re-scrape without a stored record.
    assert code == "ART241018035876YD7Q"


def test_hash_depends_on_the_url_only():
    later = make_code("ART", datetime(2025, 5, 5, 5, 5, tzinfo=UTC), SEED_URL)
    assert later[-6:] == make_code("ART", SEED_DATE, SEED_URL)[-6:]
    assert make_code("ART", SEED_DATE, SEED_URL + "?page=2")[-6:] != make_code("ART", SEED_DATE, SEED_URL)[-6:]


def test_every_replica_article_gets_a_distinct_code():
    urls = [a["origin_url"] for a in expected_articles()]
    hashes = {url_hash(url) for url in urls}
    assert len(urls) == 14
    assert len(hashes) == len(urls)


def test_salt_changes_only_the_hash_and_is_stable():
    plain = make_code("ART", SEED_DATE, SEED_URL)
    salted = [make_code("ART", SEED_DATE, SEED_URL, salt) for salt in range(1, 6)]
    assert all(s[:13] == plain[:13] for s in salted)
    assert len({plain, *salted}) == 6
    assert salted == [make_code("ART", SEED_DATE, SEED_URL, salt) for salt in range(1, 6)]


@pytest.mark.parametrize("url", ["", "https://x.example/ü/ñ", "https://x.example/\ud800", "x" * 10_000])
def test_hash_characters_are_upper_alphanumerics_for_any_url(url):
    assert re.fullmatch(r"[A-Z0-9]{6}", url_hash(url))
