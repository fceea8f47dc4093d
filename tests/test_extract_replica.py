"""extract_article() on every article page of the Phnom Penh Post replica equals the expected values."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from crawler.extract import extract_article
from crawler.items import Article
from crawler.profiles import load_profiles
from tests.conftest import (
    EXPECTED,
    ORIGIN,
    REPLICA,
    SEED_SLUG,
    expected_articles,
    missing_in_order,
    reader_text,
    replica_page,
)

PROFILE = load_profiles()["phnompenhpost"]
EXPECTED_ARTICLES = expected_articles()
IDS = [e["slug"] for e in EXPECTED_ARTICLES]
_ROUTES = json.loads((REPLICA / "routes.json").read_text(encoding="utf-8"))


def by_slug(slug: str) -> dict[str, Any]:
    return next(e for e in EXPECTED_ARTICLES if e["slug"] == slug)


def http_encoding(origin_url: str) -> str | None:
    """The charset of the route's Content-Type header, as a crawler would pass it."""
    path = origin_url.removeprefix(ORIGIN)
    route = next(r for r in _ROUTES if r["path"] == path)
    match = re.search(r"charset=([\w-]+)", route["headers"].get("Content-Type", ""), re.I)
    return match.group(1) if match else None


def extract(expected: dict[str, Any], url: str | None = None) -> Article:
    origin = expected["origin_url"]
    return extract_article(replica_page(origin), url or origin, PROFILE, http_encoding=http_encoding(origin))


def utc_string(published: datetime) -> str:
    if published.tzinfo is None:
        published = published.replace(tzinfo=PROFILE.timezone)
    return published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize("expected", EXPECTED_ARTICLES, ids=IDS)
def test_fields(expected: dict[str, Any]) -> None:
    article = extract(expected)
    assert article.page_type == "article"
    assert article.site == "phnompenhpost"
    assert article.origin_url == expected["origin_url"]
    assert article.title == expected["title"]
    assert article.description == expected["description"]
    assert article.image == expected["image"]
    assert (article.authors[0] if article.authors else None) == expected["author"]
    assert article.language == expected["language"]
    assert article.published is not None
    assert utc_string(article.published) == expected["date"]
    assert article.section, "the page declares its section"


@pytest.mark.parametrize("expected", EXPECTED_ARTICLES, ids=IDS)
def test_body_text(expected: dict[str, Any]) -> None:
    article = extract(expected)
    shown = reader_text((article.image_caption or "") + "\n\n" + article.body)
    assert missing_in_order(shown, expected["must_contain_in_order"]) == [], expected["slug"]
    for chrome in expected["must_not_contain"]:
        assert chrome not in shown, f"page chrome leaked into the body: {chrome!r}"
    for markup in expected.get("body_must_not_contain", []):
        assert markup not in article.body and markup not in (article.image_caption or "")
    assert not re.search(r"<\s*/?\s*[a-zA-Z][^>]*>", article.body), "raw HTML in the Markdown body"


@pytest.mark.parametrize("expected", EXPECTED_ARTICLES, ids=IDS)
def test_images_in_order(expected: dict[str, Any]) -> None:
    article = extract(expected)
    body_images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", article.body)
    lead = [article.image] if article.image else []
    assert lead + body_images == expected["images_in_order"]
    assert not article.body.startswith("!["), "the lead image is not repeated in the body"


@pytest.mark.parametrize("expected", [e for e in EXPECTED_ARTICLES if e.get("embeds")],
                         ids=[e["slug"] for e in EXPECTED_ARTICLES if e.get("embeds")])
def test_embeds_become_links(expected: dict[str, Any]) -> None:
    article = extract(expected)
    links = re.findall(r"\]\(([^)\s]+)\)", article.body)
    for embed in expected["embeds"]:
        assert any(embed["id"] in link for link in links), f"no link to embed {embed['id']}"


def test_body_starts_with_first_paragraph_and_has_no_title() -> None:
    expected = by_slug(SEED_SLUG)
    article = extract(expected)
    assert article.body.startswith("The ASEAN member states are taking steps")
    assert article.title not in article.body


def test_golden_post_tail_is_rebuilt_exactly() -> None:
    """`# Title`, lead image, caption and body, line by line, as in the golden post."""
    expected = by_slug(SEED_SLUG)
    article = extract(expected)
    golden = (EXPECTED / f"{SEED_SLUG}.md").read_text(encoding="utf-8")
    golden_tail = golden.split("\n---\n", 1)[1].lstrip("\n")
    rebuilt = f"# {article.title}\n\n![]({article.image})\n\n{article.image_caption}\n\n{article.body}"
    assert [line.rstrip() for line in rebuilt.split("\n")] == [line.rstrip() for line in golden_tail.split("\n")]
    # NBSPs that end paragraphs on the page survive (the rstrip above would hide their loss).
    assert rebuilt.count("\u00a0") == golden_tail.count("\u00a0") > 0
    assert rebuilt == golden_tail


@pytest.mark.parametrize("slug", [SEED_SLUG, "kun-khmer-fighters-sharpen-skills-ahead-of-phnom-penh-championship",
                                  "kampot-pepper-farmers-expect-bigger-harvest-next-season"])
def test_mirror_url_still_gives_canonical_origin(slug: str) -> None:
    expected = by_slug(slug)
    mirror = "http://127.0.0.1:9" + expected["origin_url"].removeprefix(ORIGIN)
    article = extract(expected, url=mirror)
    assert article.url == mirror
    assert article.origin_url == expected["origin_url"]
    assert article.image == expected["image"], "protocol-relative and relative URLs resolve against the origin"
    assert "127.0.0.1" not in article.body


def test_windows_1252_page_decodes_from_meta_charset() -> None:
    expected = by_slug("phnom-penh-cafe-owners-brace-for-rising-coffee-bean-prices")
    assert http_encoding(expected["origin_url"]) is None
    article = extract(expected)
    assert "\ufffd" not in article.body
    assert "café" in article.body or "caf\u00e9" in article.title


def test_date_only_in_visible_line_uses_the_profile_date_selector() -> None:
    expected = by_slug("commune-councillors-begin-training-on-open-budget-rules")
    page = replica_page(expected["origin_url"]).decode("utf-8")
    assert "datePublished" not in page and "article:published_time" not in page
    article = extract(expected)
    assert article.published is not None and utc_string(article.published) == expected["date"]


def test_modified_is_not_taken_as_published() -> None:
    expected = by_slug(SEED_SLUG)
    article = extract(expected)
    assert article.modified is not None and article.published is not None
    assert article.modified > article.published


@pytest.mark.parametrize("path", ["/national", "/national?page=2", "/business", "/post-khmer", "/"])
def test_listing_pages_are_not_articles(path: str) -> None:
    route = next(r for r in _ROUTES if r["path"] == path)
    article = extract_article((REPLICA / route["file"]).read_bytes(), ORIGIN + path, PROFILE)
    assert article.page_type == "listing"


def test_not_found_page_is_an_error_page() -> None:
    route = next(r for r in _ROUTES if r["status"] == 404 and r["file"])
    article = extract_article((REPLICA / route["file"]).read_bytes(), ORIGIN + route["path"], PROFILE)
    assert article.page_type == "error_page"


@pytest.mark.parametrize("expected", EXPECTED_ARTICLES, ids=IDS)
def test_generic_extraction_without_profile_keeps_metadata(expected: dict[str, Any]) -> None:
    """No profile: the metadata cascade alone still finds the same title, date, image and language."""
    origin = expected["origin_url"]
    article = extract_article(replica_page(origin), origin, None, http_encoding=http_encoding(origin))
    assert article.site is None
    assert article.page_type == "article"
    assert article.origin_url == origin
    assert article.title == expected["title"]
    assert article.language == expected["language"]
    assert article.published is not None and utc_string(article.published) == expected["date"]
    assert article.image == expected["image"]


@pytest.mark.parametrize("expected", EXPECTED_ARTICLES, ids=IDS)
def test_generic_extraction_without_profile_keeps_the_body(expected: dict[str, Any]) -> None:
    """No profile: the generic content finder gives every expected passage in order, no chrome, and the
    same images (a site the extraction corpora never saw)."""
    origin = expected["origin_url"]
    article = extract_article(replica_page(origin), origin, None, http_encoding=http_encoding(origin))
    shown = reader_text((article.image_caption or "") + "\n\n" + article.body)
    assert missing_in_order(shown, expected["must_contain_in_order"]) == [], expected["slug"]
    for chrome in expected["must_not_contain"]:
        assert chrome not in shown, f"page chrome leaked into the body: {chrome!r}"
    body_images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", article.body)
    assert ([article.image] if article.image else []) + body_images == expected["images_in_order"]

