"""Site profiles: every shipped profile loads and has fixtures; bad profiles name file, field and problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from crawler.profiles import SITES_DIR, ProfileError, load_profile, load_profiles, profile_for_url
from tests.conftest import FIXTURES, ORIGIN, expected_articles

GOOD = """\
name: Example News
origin: https://www.example.org
timezone: Asia/Phnom_Penh
discovery:
  sitemaps: [/sitemap.xml]
"""


def write_profile(folder: Path, text: str, name: str = "example") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_every_shipped_profile_loads_and_has_a_replica():
    profiles = load_profiles(SITES_DIR)
    assert profiles, "no profile in crawler/sites"
    for site_id, profile in profiles.items():
        assert profile.id == site_id == Path(profile.source).stem
        assert (FIXTURES / "sites" / site_id / "routes.json").is_file(), f"{site_id}: no replica fixture"
        assert profile.discovery.sitemaps or profile.discovery.feeds or profile.discovery.listings


def test_phnompenhpost_article_rules_match_the_replica():
    profile = load_profiles(SITES_DIR)["phnompenhpost"]
    for article in expected_articles():
        assert profile.is_article_url(article["origin_url"]), article["origin_url"]
        assert profile.language_for(article["origin_url"]) == article["language"], article["slug"]
    for not_article in ("/", "/national", "/national?page=2", "/tags/rice", "/author/post-staff",
                        "/about-us", "/national/a/b", "/sitemap.xml"):
        assert not profile.is_article_url(ORIGIN + not_article), not_article
    assert not profile.is_article_url("https://www.example.org/national/some-story")  # another site
    assert profile.owns("https://phnompenhpost.com/x") and profile.owns("https://kh.phnompenhpost.com/x")
    assert not profile.owns("https://notphnompenhpost.com/x")


def test_profile_for_url_picks_by_host():
    profiles = load_profiles(SITES_DIR)
    assert profile_for_url(f"{ORIGIN}/national/x", profiles) is profiles["phnompenhpost"]
    assert profile_for_url("https://www.example.org/news/x", profiles) is None


def test_good_profile_defaults_and_next_page_attr_selector(tmp_path):
    path = write_profile(tmp_path, GOOD + '  listings: [/news]\n  next_page: ["a.pager-next::attr(href)"]\n')
    profile = load_profile(path)
    assert profile.id == "example" and profile.code_prefix == "ART" and profile.domains == ("www.example.org",)
    assert profile.discovery.next_page == ("a.pager-next::attr(href)",)
    assert profile.discovery.max_pages == 50
    assert profile.crawl_settings == {} and profile.scheduled
    assert not load_profile(write_profile(tmp_path, GOOD + "scheduled: false\n", name="paused")).scheduled
    crawl = "crawl:\n  download_delay: 2\n  concurrent_requests_per_domain: 1\n"
    polite = load_profile(write_profile(tmp_path, GOOD + crawl, name="polite"))
    assert polite.crawl_settings == {"DOWNLOAD_DELAY": 2.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("name: X\norigin: https://x.org\n", "timezone", "is required"),
        (GOOD.replace("Asia/Phnom_Penh", "Mars/Olympus"), "timezone", "unknown time zone"),
        (GOOD.replace("https://www.example.org", "www.example.org"), "origin", "scheme and host"),
        (GOOD + "colour: blue\n", "colour", "unknown key"),
        (GOOD + "code_prefix: art\n", "code_prefix", "upper-case"),
        (GOOD + "language: english\n", "language", "ISO 639-1"),
        (GOOD + "articles:\n  allow: ['^/(news']\n", "articles.allow[0]", "invalid regular expression"),
        (GOOD + "body:\n  selector: 'div[[x'\n", "body.selector", "invalid CSS selector"),
        (GOOD + "  max_pages: 0\n", "discovery.max_pages", "whole number"),
        (GOOD + "  max_pages: yes\n", "discovery.max_pages", "whole number"),
        (GOOD + "  next_page: ['a::nonsense(']\n", "discovery.next_page[0]", "invalid CSS selector"),
        (GOOD + "  feeds: [rss.xml]\n", "discovery.feeds[0]", "path starting with '/'"),
        (GOOD + "  feeds: ['https://elsewhere.net/rss.xml']\n", "discovery.feeds[0]", "not on the site's domains"),
        (GOOD + "  listings: [42]\n", "discovery.listings", "list of non-empty strings"),
        (GOOD + "category:\n  from: tea_leaves\n", "category.from", "must be one of"),
        (GOOD + "languages:\n  - {path: '^/km/'}\n", "languages[0].language", "is required"),
        (GOOD + "crawl:\n  download_delay: -1\n", "crawl.download_delay", "at least 0"),
        (GOOD + "crawl:\n  concurrent_requests_per_domain: 2.5\n", "crawl.concurrent_requests_per_domain",
         "whole number"),
        (GOOD + "crawl:\n  user_agent: me\n", "crawl.user_agent", "unknown key"),
        (GOOD + "scheduled: sometimes\n", "scheduled", "must be true or false"),
        (GOOD + "domains: ['https://www.example.org']\n", "domains[0]",
         "must be a host name such as example.com, not a URL or a path, got 'https://www.example.org' "
         "(write 'www.example.org')"),
        (GOOD + "domains: [example.org/news]\n", "domains[0]", "not a URL or a path"),
        (GOOD + "domains: [example.net]\n", "domains",
         "none of example.net covers the origin's host 'www.example.org'"),
        ("name: X\norigin: https://x.org\ntimezone: UTC\n", "discovery", "names no sitemaps, feeds or listings"),
        (GOOD.replace("  sitemaps: [/sitemap.xml]\n", "  next_page: [a.next]\n"), "discovery",
         "names no sitemaps, feeds or listings"),
        (GOOD + 'articles:\n  allow: ["^/news/\\d+/"]\n', "(file)",
         "found unknown escape character 'd' at line 7, column 20 (a regular expression in double quotes? "
         "write it in single quotes: '^/news/\\d+/')"),
        (GOOD + "articles:\n  allow: ['^/(news/\\d+']\n", "articles.allow[0]",
         "invalid regular expression '^/(news/\\d+': missing ), unterminated subpattern at position 2"),
        ("name: [unclosed\n", "(file)", "not valid YAML"),
        ("- just\n- a list\n", "", "must be a mapping"),
    ],
)
def test_bad_profiles_name_file_field_and_problem(tmp_path, text, field, problem):
    path = write_profile(tmp_path, text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    error = caught.value
    assert error.file == str(path)
    assert error.field == field
    assert problem in error.problem
    message = str(error)
    assert "\n" not in message and str(path) in message and problem in message


def test_domains_cover_subdomains_and_sitemaps_may_come_from_robots_txt(tmp_path):
    text = GOOD.replace("  sitemaps: [/sitemap.xml]", "  sitemaps: auto") + "domains: [example.org]\n"
    profile = load_profile(write_profile(tmp_path, text))
    assert profile.domains == ("example.org",) and profile.owns("https://news.example.org/a")
    assert profile.discovery.robots_sitemaps and profile.discovery.sitemaps == ()
    both = load_profile(write_profile(tmp_path, GOOD.replace("[/sitemap.xml]", "[auto, /extra.xml]"), "both"))
    assert both.discovery.robots_sitemaps and both.discovery.sitemaps == ("/extra.xml",)
    assert not load_profile(write_profile(tmp_path, GOOD, "plain")).discovery.robots_sitemaps


def test_bad_file_name_is_refused(tmp_path):
    path = write_profile(tmp_path, GOOD, name="Bad-Name")
    with pytest.raises(ProfileError, match="file name"):
        load_profile(path)


def test_load_profiles_stops_at_the_first_bad_file(tmp_path):
    write_profile(tmp_path, GOOD, name="alpha")
    write_profile(tmp_path, GOOD.replace("Asia/Phnom_Penh", "Nowhere/Town"), name="beta")
    with pytest.raises(ProfileError) as caught:
        load_profiles(tmp_path)
    assert caught.value.file.endswith("beta.yaml") and caught.value.field == "timezone"


def test_a_missing_profile_folder_is_an_error(tmp_path):
    with pytest.raises(ProfileError, match="SITES_DIR"):
        load_profiles(tmp_path / "nowhere")


def test_the_example_profile_in_the_sites_readme_loads(tmp_path):
    readme = (SITES_DIR / "README.md").read_text(encoding="utf-8")
    block = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example_news.yaml"
    path.write_text(textwrap.dedent(block), encoding="utf-8")
    profile = load_profile(path)
    assert profile.code_prefix == "EXN" and profile.discovery.max_pages == 20
    assert profile.is_article_url("https://www.example-news.org/national/2024/10/a-story/")
    assert not profile.is_article_url("https://www.example-news.org/tag/a-story")
