"""Post file names: `_posts/YYYY-MM-DD-<slug>.md` in the site's time zone, safe and stable."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.posts.filename import (
    MAX_NAME_LENGTH,
    is_safe_name,
    latin_share,
    local_date,
    post_filename,
    post_slug,
    url_slug,
    with_suffix,
)
from tests.conftest import expected_articles

PP = ZoneInfo("Asia/Phnom_Penh")
CODE = "ART2410180358A1B2C3"
D = datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("ASEAN nations collaborate on AI governance: Cambodia leads regional efforts", None,
         "asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts"),
        # apostrophes inside words vanish (as the site's own URL does); & # : and the thousands comma too
        ('Kampot\'s "Salt & Pepper" festival returns: #KampotFest expects 20,000 visitors', None,
         "kampots-salt-pepper-festival-returns-kampotfest-expects-20000-visitors"),
        ("Living with the lake: a year in Tonle Sap’s floating villages", None,
         "living-with-the-lake-a-year-in-tonle-saps-floating-villages"),
        ("Phnom Penh café owners brace for rising coffee bean prices", None,
         "phnom-penh-cafe-owners-brace-for-rising-coffee-bean-prices"),
        # Khmer title: the URL's last segment, not a transliteration
        ("កសិករម្រេចកំពតរំពឹងថាទិន្នផលនឹងកើនឡើងនៅរដូវប្រមូលផលខាងមុខ",
         "https://www.phnompenhpost.com/post-khmer/kampot-pepper-farmers-expect-bigger-harvest-next-season",
         "kampot-pepper-farmers-expect-bigger-harvest-next-season"),
        # Khmer title and Khmer (percent-encoded) URL: the code
        ("កសិករម្រេច", "https://www.phnompenhpost.com/post-khmer/%E1%9E%80%E1%9E%9F%E1%9E%B7", "art2410180358a1b2c3"),
        # mostly Latin with a Khmer word: the Khmer word is left out, not transliterated
        ("ASEAN summit អាស៊ាន opens in Phnom Penh", None, "asean-summit-opens-in-phnom-penh"),
        ("Новости дня", "https://example.org/news/novosti-dnya.html", "novosti-dnya"),
        ("中文标题", "https://example.org/", "art2410180358a1b2c3"),
        ("😀🎉", "https://example.org/a/12345?x=1", "12345"),
        ("", None, "art2410180358a1b2c3"),
        (None, "https://example.org/story.php", "story"),
        ("../../etc/passwd", None, "etc-passwd"),
        (".htaccess", None, "htaccess"),
        ("CON", None, "con"),
        ("A\x00B\tC\nD", None, "a-b-c-d"),
    ],
)
def test_slug(title, url, expected):
    assert post_slug(title, url, CODE) == expected


def test_every_replica_title_gives_the_sites_own_slug():
    for article in expected_articles():
        url = article["origin_url"]
        assert post_slug(article["title"], url, CODE) == url.rsplit("/", 1)[1], article["slug"]


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (D, PP, "2024-10-18"),
        (datetime(2024, 10, 17, 18, 30, tzinfo=UTC), PP, "2024-10-18"),  # 01:30 ICT next day
        (datetime(2024, 10, 17, 18, 30, tzinfo=UTC), None, "2024-10-17"),  # generic pages: UTC
        (datetime(2024, 10, 17, 16, 59, 59), PP, "2024-10-17"),  # naive = UTC; 23:59:59 ICT
    ],
)
def test_date_part_is_in_the_sites_time_zone(instant, zone, expected):
    assert local_date(instant, zone) == expected


def test_replica_file_names_use_the_local_date():
    for article in expected_articles():
        date = datetime.fromisoformat(article["date"])
        file = post_filename(date, article["title"], article["origin_url"], CODE, PP)
        assert file == f"_posts/{article['local_date']}-{article['origin_url'].rsplit('/', 1)[1]}.md"


def test_long_titles_are_cut_at_a_word_boundary_within_the_limit():
    title = "Government announces " + "extraordinarily " * 20 + "measures"
    file = post_filename(D, title, None, CODE, PP)
    name = file.removeprefix("_posts/")
    assert len(name) <= MAX_NAME_LENGTH
    assert is_safe_name(name)
    slug = name[11:-3]
    assert slug.startswith("government-announces-extraordinarily")
    assert all(word in {"government", "announces", "extraordinarily"} for word in slug.split("-"))


def test_a_single_overlong_word_is_cut_rather_than_lost():
    slug = post_slug("x" * 300, None, CODE)
    assert slug and set(slug) == {"x"} and len(slug) <= 80


@pytest.mark.parametrize("number", [2, 3, 10, 999])
def test_suffixes_keep_names_safe_and_bounded(number):
    long_file = post_filename(D, "word " * 40, None, CODE, PP)
    for file in (post_filename(D, "Short title", None, CODE, PP), long_file):
        variant = with_suffix(file, number)
        name = variant.removeprefix("_posts/")
        assert variant.startswith("_posts/2024-10-18-")
        assert name.endswith(f"-{number}.md")
        assert is_safe_name(name), name
    assert with_suffix("_posts/2024-10-18-short-title.md", number) == f"_posts/2024-10-18-short-title-{number}.md"
    assert with_suffix("_posts/2024-10-18-short-title.md", 1) == "_posts/2024-10-18-short-title.md"


@pytest.mark.parametrize(
    "name",
    ["../2024-10-18-x.md", ".2024-10-18-x.md", "2024-10-18-x/y.md", "CON.md", "2024-10-18-.md",
     "2024-10-18-x.md.exe", "2024-10-18-X.md", "2024-10-18-" + "a" * 90 + ".md", "2024-10-18-a--b.md"],
)
def test_unsafe_names_are_recognised(name):
    assert not is_safe_name(name)


def test_latin_share():
    assert latin_share("abc") == 1.0
    assert latin_share("123 !") is None
    assert latin_share("ab កខ") == 0.5
    assert latin_share("កសិករ") == 0.0


def test_url_slug_decodes_and_drops_page_extensions():
    assert url_slug("https://example.org/section/My%20Story.HTML") == "my-story"
    assert url_slug("https://example.org/") == ""
    assert url_slug("https://example.org/a/b/") == "b"
