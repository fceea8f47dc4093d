"""The output/ skeleton builds with Debian's jekyll, and the built HTML shows articles safely and literally."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler.extract.escaping import escape_markdown
from crawler.items import Article
from crawler.posts import make_code, post_filename, render_post, with_suffix
from tests.conftest import REPLICA, ROOT, expected_articles, fold, missing_in_order, run_scrapy
from tests.crawl_helpers import ORIGINAL_IMAGES
from tests.replay_server import ReplayServer
from tests.site import copy_skeleton, jekyll_build_command, jekyll_env, skeleton_files

pytestmark = pytest.mark.jekyll

ICT = timezone(timedelta(hours=7), "ICT")
SITE_TITLE = "News archive"
SITE_DESCRIPTION = "Articles collected by news-to-jekyll, one post per article, grouped by section."
#: What Ruby's strip and Jekyll's normalize_whitespace treat as white space.
ASCII_SPACE = " \t\n\v\f\r\0"
#: URL attributes an article could smuggle a script through.
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "srcset", "data", "poster", "xlink:href")
ACTIVE_ELEMENTS = ("script", "iframe", "object", "embed", "frame", "frameset", "applet", "base", "form")
BAD_SCHEMES = re.compile(r"^\s*(javascript|vbscript|data\s*:\s*text/html)", re.IGNORECASE)


@dataclass
class Page:
    """One built HTML file."""

    path: Path
    url: str
    raw: str
    tree: lxml.html.HtmlElement

    @property
    def lang(self) -> str | None:
        return self.tree.get("lang")

    @property
    def title(self) -> str:
        return fold(self.tree.findtext(".//title") or "")

    @property
    def article(self) -> lxml.html.HtmlElement:
        found = self.tree.xpath("//article[contains(concat(' ', @class, ' '), ' post ')]")
        assert len(found) == 1, f"{self.url}: expected one <article class=post>, found {len(found)}"
        return found[0]

    @property
    def article_text(self) -> str:
        return fold(self.article.text_content())

    @property
    def origin_links(self) -> list[str]:
        return self.tree.xpath("//a[contains(@class, 'origin-url')]/@href")

    @property
    def authors(self) -> list[str]:
        return [fold(span.text_content()) for span in self.article.xpath(".//span[@class='post-author']")]

    @property
    def published(self) -> str:
        """The `datetime` of the post's publication <time>."""
        return self.article.xpath(".//p[@class='post-meta']/time/@datetime")[0]

    def meta(self, name: str) -> str | None:
        values = self.tree.xpath(f"//meta[@name='{name}']/@content")
        return values[0] if values else None


@dataclass
class BuiltSite:
    """A Jekyll source folder and the site jekyll built from it."""

    source: Path
    dest: Path
    build_log: str
    pages: dict[str, Page] = field(default_factory=dict)

    def load(self) -> BuiltSite:
        for path in sorted(self.dest.rglob("*.html")):
            rel = path.relative_to(self.dest).as_posix()
            url = "/" + rel.removesuffix("index.html")
            raw = path.read_text(encoding="utf-8")
            self.pages[url] = Page(path, url, raw, lxml.html.document_fromstring(raw))
        return self

    @property
    def index(self) -> Page:
        return self.pages["/"]

    @property
    def posts(self) -> dict[str, Page]:
        """Built pages that hold an article, by URL."""
        return {
            url: page
            for url, page in self.pages.items()
            if page.tree.xpath("//article[contains(concat(' ', @class, ' '), ' post ')]")
        }

    def post_by_origin(self, origin_url: str) -> Page:
        found = [page for page in self.posts.values() if origin_url in page.origin_links]
        assert len(found) == 1, f"{origin_url}: expected one built page linking to it, found {len(found)}"
        return found[0]

    def index_sections(self) -> dict[str, list[tuple[str, str]]]:
        """The index page's sections: heading -> [(link text, href)] in page order."""
        sections: dict[str, list[tuple[str, str]]] = {}
        for section in self.index.tree.xpath("//section[contains(@class, 'category')]"):
            heading = fold(section.findtext(".//h2") or "")
            sections[heading] = [(fold(a.text_content()), unquote(a.get("href"))) for a in section.xpath(".//li/a")]
        return sections


def active_content(site: BuiltSite) -> list[str]:
    """Every script, frame, event handler or script URL in any built page, described for a message."""
    problems = []
    for url, page in site.pages.items():
        lowered = page.raw.lower()
        for tag in ("<script", "<iframe"):
            if tag in lowered:
                problems.append(f"{url}: raw {tag!r} in the HTML")
        for element in page.tree.iter():
            if not isinstance(element.tag, str):
                continue
            if element.tag.lower() in ACTIVE_ELEMENTS:
                problems.append(f"{url}: <{element.tag}> element")
            for name, value in element.attrib.items():
                if name.lower().startswith("on"):
                    problems.append(f"{url}: {name}= attribute on <{element.tag}>")
                if name.lower() in URL_ATTRIBUTES and BAD_SCHEMES.match(value):
                    problems.append(f"{url}: {name}={value!r} on <{element.tag}>")
    return problems


def build(jekyll: str, source: Path) -> BuiltSite:
    """Build `source` into source/_site the way `make site` does; fail the test with jekyll's output."""
    dest = source / "_site"
    proc = subprocess.run(
        jekyll_build_command(jekyll, source, dest),
        env=jekyll_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        pytest.fail(f"jekyll build of {source} failed with exit status {proc.returncode}:\n{log[-4000:]}")
    return BuiltSite(source, dest, log).load()


# --- the skeleton and tests/site.py ---------------------------------------------------------------


def test_skeleton_holds_the_site_files_and_nothing_generated() -> None:
    files = {path.as_posix() for path in skeleton_files()}
    assert {"_config.yml", "_layouts/default.html", "_layouts/post.html", "index.html"} <= files
    assert not any(name.startswith(("_posts/", "_site/", ".crawler/", "_feeds/")) for name in files), files


def test_copy_skeleton_keeps_existing_files(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("my own index", encoding="utf-8")
    copied = {path.as_posix() for path in copy_skeleton(tmp_path)}
    assert "index.html" not in copied
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == "my own index"
    assert "_config.yml" in copied
    assert (tmp_path / "_layouts" / "post.html").is_file()


def run_site_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "tests" / "site.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_site_script_builds_a_folder_without_skeleton(jekyll: str, tmp_path: Path) -> None:
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2024-10-18-one.md").write_text(
        '---\ntitle: "One"\ncategory: "NATIONAL"\nlanguage: "en"\ndate: 2024-10-18T03:58:50.000Z\n---\n\n# One\n',
        encoding="utf-8",
    )
    proc = run_site_script("build", "--output", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "copied the site skeleton" in proc.stderr
    assert (tmp_path / "_config.yml").is_file()
    built = (tmp_path / "_site" / "national" / "2024" / "10" / "18" / "one" / "index.html").read_text(encoding="utf-8")
    assert "<title>One · News archive</title>" in built


def test_site_script_sums_up_posts_without_a_category(jekyll: str, tmp_path: Path) -> None:
    """A generic site often declares no section: jekyll warns once per such post about an empty slug; the
    script says it once, in words, and the pages are built without a category folder."""
    (tmp_path / "_posts").mkdir()
    for name in ("one", "two"):
        (tmp_path / "_posts" / f"2024-10-18-{name}.md").write_text(
            f'---\ntitle: "{name}"\ncategory: ""\nlanguage: "en"\ndate: 2024-10-18T03:58:50.000Z\n---\n\n# {name}\n',
            encoding="utf-8",
        )
    proc = run_site_script("build", "--output", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Empty `slug`" not in proc.stderr
    assert "site: 2 post(s) have no category" in proc.stderr
    assert (tmp_path / "_site" / "2024" / "10" / "18" / "two" / "index.html").is_file()


def test_site_script_reports_a_missing_folder_without_traceback(tmp_path: Path) -> None:
    proc = run_site_script("build", "--output", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_site_script_passes_on_jekyll_failure_without_ruby_backtrace(jekyll: str, tmp_path: Path) -> None:
    copy_skeleton(tmp_path)
    (tmp_path / "_posts").mkdir()
    # An unterminated quoted title: strict_front_matter makes this fail the build instead of skipping the post.
    (tmp_path / "_posts" / "2024-10-18-broken.md").write_text('---\ntitle: "a: b" c"\n---\n\ntext\n', encoding="utf-8")
    proc = run_site_script("build", "--output", str(tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2024-10-18-broken.md" in proc.stderr
    assert "jekyll build failed with exit status 1" in proc.stderr
    assert "\tfrom /" not in proc.stderr


# --- hand-made hostile posts: the config and layouts on their own ---------------------------------

LIQUID_BODY = """\
A line such as {{ site.title }} is replaced by the name of the website when the page is built.

The tag `{% include x.html %}` pulls in a shared header, and `{{ page.date | date: "%d %B %Y" }}` prints a date.

Front matter opens and closes with a line of three dashes:

\\---

The page said &lt;script&gt;alert("x")&lt;/script&gt; in plain text, and -- two dashes -- too.
"""


@dataclass
class HandPost:
    """A post written by hand the way the post writer writes them (front matter values JSON-quoted)."""

    file: str
    front: dict[str, str]
    body: str

    def render(self) -> str:
        lines = ["---", "layout: post"]
        for key, value in self.front.items():
            bare = key in {"date", "updated", "render_with_liquid", "date_estimated", "tags"}
            lines.append(f"{key}: {value if bare else json.dumps(value, ensure_ascii=False)}")
        lines.append("---")
        return "\n".join(lines) + "\n\n" + self.body

    @property
    def slug(self) -> str:
        return self.file[len("2024-10-16-") : -len(".md")]


HOSTILE_TITLE = "Kampot's \"Salt & Pepper\": {{ site.title }} {% if x %} <script>alert('t')</script> #1"
HOSTILE_DESCRIPTION = 'He said: "yes" & <b onmouseover="alert(1)">bold</b> {{ page.title }}'
HOSTILE_CATEGORY = 'Life & Style / "Culture" <b>'
KHMER_TITLE = "កសិករម្រេចកំពតរំពឹងទិន្នផលច្រើនជាងមុន"
QUOTES_TEXT = "“We raised prices once,” she said – “but I don’t think we can do it again…” — crème brûlée"
STRAIGHT_TEXT = 'Kampot\'s "Salt & Pepper" festival, 20-25 October'

HAND_POSTS = [
    HandPost(
        "2024-10-16-templates-in-the-classroom.md",
        {
            "code": "ART2410160630TPL001",
            "origin_url": "https://www.example.org/national/templates-in-the-classroom",
            "image": "https://images.example.org/2024/10/lead.jpg",
            "title": "Templates in the classroom",
            "description": "Students learn templates.",
            "category": "NATIONAL",
            "language": "en",
            "date": "2024-10-16T06:30:44.000Z",
            "render_with_liquid": "false",
        },
        "# Templates in the classroom\n\n![](https://images.example.org/2024/10/lead.jpg)\n\n"
        "Students at work on Sunday. Supplied\n\n" + LIQUID_BODY,
    ),
    HandPost(
        # 20:15 UTC on the 16th is 03:15 ICT on the 17th: the file name carries the site's local date.
        "2024-10-17-liquid-without-the-flag.md",
        {
            "code": "ART2410162015LIQ002",
            "origin_url": "https://www.example.org/national/liquid-without-the-flag",
            "title": "Liquid without the flag",
            "description": "The config's defaults alone keep Liquid out of posts.",
            "category": "NATIONAL",
            "language": "en",
            "date": "2024-10-16T20:15:00.000Z",
        },
        "# Liquid without the flag\n\n" + LIQUID_BODY,
    ),
    HandPost(
        "2024-10-19-hostile-title.md",
        {
            "code": "ART2410190945HOS003",
            "origin_url": "javascript:alert(document.cookie)",
            "title": HOSTILE_TITLE,
            "description": HOSTILE_DESCRIPTION,
            "category": HOSTILE_CATEGORY,
            "language": "en",
            "date": "2024-10-19T09:45:05.000Z",
            "author": 'Desk "<i>" & {{ site.title }}',
        },
        "# Kampot's \"Salt &amp; Pepper\": {{ site.title }} {% if x %} &lt;script&gt;alert('t')&lt;/script&gt; \\#1\n\n"
        "The festival returns.\n",
    ),
    HandPost(
        "2024-10-25-kampot-pepper-farmers.md",
        {
            "code": "ART2410250130KHM004",
            "origin_url": "https://www.example.org/post-khmer/kampot-pepper-farmers",
            "title": KHMER_TITLE,
            "description": "កសិករម្រេចកំពត",
            "category": "POST-KHMER",
            "language": "km",
            "date": "2024-10-25T01:30:22.000Z",
        },
        f"# {KHMER_TITLE}\n\nកសិករម្រេចនៅខេត្តកំពតរំពឹងថានឹងទទួលបានទិន្នផលច្រើនជាងមុន។\n",
    ),
    HandPost(
        "2024-10-17-cafe-owners.md",
        {
            "code": "ART2410170405CAF005",
            "origin_url": "https://www.example.org/business/cafe-owners",
            "title": "Phnom Penh café owners brace for rising prices",
            "description": "Café owners say beans cost more.",
            "category": "BUSINESS",
            "language": "en",
            "date": "2024-10-17T04:05:19.000Z",
            "updated": "2024-10-18T01:00:00.000Z",
            "author": "Business Desk",
        },
        f"# Phnom Penh café owners brace for rising prices\n\n{QUOTES_TEXT}\n\n{STRAIGHT_TEXT}\n",
    ),
    HandPost(
        "2024-10-13-no-section.md",
        {
            "code": "ART2410130000NOS006",
            "origin_url": "https://www.example.org/no-section",
            "title": "An article without a section",
            "description": "No category.",
            "category": "",
            "language": "en",
            "date": "2024-10-13T00:00:00.000Z",
            "date_estimated": "true",
            "tags": '["Rice", "Exports & Trade"]',
        },
        "# An article without a section\n\nText.\n",
    ),
]


@pytest.fixture(scope="module")
def hand_site(jekyll: str, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    source = tmp_path_factory.mktemp("hand-site")
    copy_skeleton(source)
    (source / "_posts").mkdir()
    for post in HAND_POSTS:
        (source / "_posts" / post.file).write_text(post.render(), encoding="utf-8")
    # Crawler files that must not reach the site.
    (source / ".crawler").mkdir()
    (source / ".crawler" / "state.sqlite").write_bytes(b"SQLite format 3\x00")
    (source / "_feeds").mkdir()
    (source / "_feeds" / "run.jsonl").write_text("{}\n", encoding="utf-8")
    return build(jekyll, source)


def hand_page(site: BuiltSite, post: HandPost) -> Page:
    found = [page for url, page in site.posts.items() if url.rstrip("/").endswith("/" + post.slug)]
    assert len(found) == 1, f"{post.file}: expected one built page, found {[p.url for p in found]}"
    return found[0]


def test_hand_site_builds_one_page_per_post_and_nothing_else(hand_site: BuiltSite) -> None:
    assert len(hand_site.posts) == len(HAND_POSTS)
    for post in HAND_POSTS:
        hand_page(hand_site, post)
    built = {path.relative_to(hand_site.dest).as_posix() for path in hand_site.dest.rglob("*") if path.is_file()}
    assert not any(".crawler" in name or "_feeds" in name or name.endswith((".sqlite", ".jsonl")) for name in built)
    assert "assets/style.css" in built


def test_hand_site_permalinks_use_the_file_name_date_in_site_time(hand_site: BuiltSite) -> None:
    urls = set(hand_site.posts)
    assert "/national/2024/10/16/templates-in-the-classroom/" in urls
    assert "/national/2024/10/17/liquid-without-the-flag/" in urls
    assert "/post-khmer/2024/10/25/kampot-pepper-farmers/" in urls
    assert "/life-style-culture-b/2024/10/19/hostile-title/" in urls
    assert "/2024/10/13/no-section/" in urls


@pytest.mark.parametrize("post", HAND_POSTS[:2], ids=["render_with_liquid-false", "config-default-only"])
def test_hand_site_shows_liquid_literally(hand_site: BuiltSite, post: HandPost) -> None:
    page = hand_page(hand_site, post)
    text = page.article_text
    for literal in ("{{ site.title }}", "{% include x.html %}", '{{ page.date | date: "%d %B %Y" }}'):
        assert literal in text, f"{post.file}: {literal!r} not shown literally"
    assert SITE_TITLE not in text


@pytest.mark.parametrize("post", HAND_POSTS[:2], ids=["render_with_liquid-false", "config-default-only"])
def test_hand_site_keeps_dashes_and_script_text_as_text(hand_site: BuiltSite, post: HandPost) -> None:
    page = hand_page(hand_site, post)
    paragraphs = [fold(p.text_content()) for p in page.article.iter("p")]
    assert "---" in paragraphs
    assert not page.article.xpath(".//hr")
    assert "and -- two dashes -- too" in page.article_text
    assert 'The page said <script>alert("x")</script> in plain text' in page.article_text


def test_hand_site_escapes_hostile_front_matter(hand_site: BuiltSite) -> None:
    page = hand_page(hand_site, HAND_POSTS[2])
    assert page.title == f"{HOSTILE_TITLE} · {SITE_TITLE}"
    assert page.meta("description") == HOSTILE_DESCRIPTION
    assert page.authors == ['Desk "<i>" & {{ site.title }}']
    assert fold(page.article.xpath(".//h1")[0].text_content()) == HOSTILE_TITLE
    # A javascript: origin_url is not linked.
    assert page.origin_links == []
    assert "javascript:" not in page.raw


def test_hand_site_shows_the_post_meta(hand_site: BuiltSite) -> None:
    page = hand_page(hand_site, HAND_POSTS[0])
    assert page.origin_links == ["https://www.example.org/national/templates-in-the-classroom"]
    times = page.article.xpath(".//p[@class='post-meta']/time")
    # 06:30:44 UTC shown in the site's time zone (ICT, UTC+7).
    assert times[0].get("datetime") == "2024-10-16T13:30:44+07:00"
    assert fold(times[0].text_content()) == "16 October 2024, 13:30 UTC+07:00"
    assert page.article.xpath(".//a[@class='post-category']/text()") == ["NATIONAL"]
    assert page.article.xpath(".//img/@src") == ["https://images.example.org/2024/10/lead.jpg"]
    assert "Students at work on Sunday. Supplied" in page.article_text
    assert "ART2410160630TPL001" in page.article_text
    assert page.authors == []

    cafe = hand_page(hand_site, HAND_POSTS[4])
    assert cafe.authors == ["Business Desk"]
    assert not cafe.article.xpath(".//*[@class='post-date-estimated']")
    assert not cafe.article.xpath(".//*[@class='post-tags']")

    undated = hand_page(hand_site, HAND_POSTS[5])
    assert undated.article.xpath(".//*[@class='post-category']") == []
    assert fold(undated.article.xpath(".//*[@class='post-date-estimated']")[0].text_content()) == "(date estimated)"
    assert fold(undated.article.xpath(".//*[@class='post-tags']")[0].text_content()) == "Tags: Rice, Exports & Trade"
    assert cafe.article.xpath(".//span[@class='post-updated']/time/@datetime") == ["2024-10-18T08:00:00+07:00"]


def test_hand_site_language_goes_to_html_lang(hand_site: BuiltSite) -> None:
    langs = {post.slug: hand_page(hand_site, post).lang for post in HAND_POSTS}
    assert langs["kampot-pepper-farmers"] == "km"
    assert {slug: lang for slug, lang in langs.items() if slug != "kampot-pepper-farmers"} == {
        post.slug: "en" for post in HAND_POSTS if post.slug != "kampot-pepper-farmers"
    }
    assert hand_site.index.lang == "en"
    khmer = hand_page(hand_site, HAND_POSTS[3])
    assert khmer.title == f"{KHMER_TITLE} · {SITE_TITLE}"
    assert "កសិករម្រេចនៅខេត្តកំពតរំពឹងថានឹងទទួលបានទិន្នផលច្រើនជាងមុន។" in khmer.article_text


def test_hand_site_keeps_quotes_and_dashes_as_published(hand_site: BuiltSite) -> None:
    text = hand_page(hand_site, HAND_POSTS[4]).article_text
    assert QUOTES_TEXT in text
    # No smart quotes or typographic dashes added by kramdown.
    assert STRAIGHT_TEXT in text


def test_hand_site_index_groups_posts_by_category_newest_first(hand_site: BuiltSite) -> None:
    sections = hand_site.index_sections()
    titles = {heading: [text for text, _ in links] for heading, links in sections.items()}
    assert titles == {
        "BUSINESS": ["Phnom Penh café owners brace for rising prices"],
        HOSTILE_CATEGORY: [HOSTILE_TITLE],
        "NATIONAL": ["Liquid without the flag", "Templates in the classroom"],
        "POST-KHMER": [KHMER_TITLE],
        "Other": ["An article without a section"],
    }
    for links in sections.values():
        for _, href in links:
            assert href in hand_site.posts, f"index links {href}, which was not built"


def test_hand_site_has_no_active_content(hand_site: BuiltSite) -> None:
    assert active_content(hand_site) == []


# --- the real crawl of the replica, built -----------------------------------------------------------


@pytest.fixture(scope="module")
def crawled_site(jekyll: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    output = tmp_path_factory.mktemp("crawled-site")
    copy_skeleton(output)
    with ReplayServer(REPLICA) as replica:
        run = run_scrapy(
            "crawl",
            "phnompenhpost",
            "-a",
            f"base_url={replica.base_url}",
            "-s",
            f"OUTPUT_DIR={output}",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            "DOWNLOAD_DELAY=0",
            *ORIGINAL_IMAGES,  # compared with the original URLs (test_image_archive_site.py: the archived form)
        )
    if run.returncode != 0:
        pytest.fail(f"scrapy crawl phnompenhpost failed with exit status {run.returncode}:\n{run.output[-4000:]}")
    yield build(jekyll, output)


@pytest.fixture(scope="module")
def expected() -> list[dict[str, Any]]:
    return expected_articles()


def test_crawled_site_has_a_page_per_article(crawled_site: BuiltSite, expected: list[dict[str, Any]]) -> None:
    assert len(expected) == 14
    assert len(list((crawled_site.source / "_posts").glob("*.md"))) == len(expected)
    assert len(crawled_site.posts) == len(expected)
    for article in expected:
        page = crawled_site.post_by_origin(str(article["origin_url"]))
        assert page.url.endswith(f"/{str(article['local_date']).replace('-', '/')}/{page.url.split('/')[-2]}/")


def test_crawled_site_pages_show_title_language_date_and_category(
    crawled_site: BuiltSite, expected: list[dict[str, Any]]
) -> None:
    for article in expected:
        page = crawled_site.post_by_origin(str(article["origin_url"]))
        slug = article["slug"]
        assert page.title == f"{article['title']} · {SITE_TITLE}", slug
        assert page.lang == article["language"], slug
        assert fold(page.article.xpath(".//h1")[0].text_content()) == article["title"], slug
        local = datetime.fromisoformat(str(article["date"]).replace("Z", "+00:00")).astimezone(ICT)
        assert page.published == local.isoformat(), slug
        assert page.article.xpath(".//a[@class='post-category']/text()") == [article["category"]], slug
        assert page.authors == ([] if article["author"] is None else [article["author"]]), slug


def test_crawled_site_pages_show_images_and_text_in_order(
    crawled_site: BuiltSite, expected: list[dict[str, Any]]
) -> None:
    for article in expected:
        page = crawled_site.post_by_origin(str(article["origin_url"]))
        slug = article["slug"]
        assert page.article.xpath(".//img/@src") == article["images_in_order"], slug
        if article["image"] is not None:
            assert page.article.xpath(".//img/@src")[0] == article["image"], slug
        assert missing_in_order(page.article_text, article["must_contain_in_order"]) == [], slug
        leaked = [chrome for chrome in article["must_not_contain"] if fold(chrome) in page.article_text]
        assert leaked == [], slug


def test_crawled_site_shows_liquid_and_dashes_literally(crawled_site: BuiltSite) -> None:
    page = crawled_site.post_by_origin(
        "https://www.phnompenhpost.com/national/young-coders-learn-to-build-websites-at-free-weekend-bootcamp"
    )
    text = page.article_text
    for literal in ("{{ site.title }}", "{% include x.html %}", '{{ page.date | date: "%d %B %Y" }}'):
        assert literal in text
    assert "is replaced by the name of the website" in text
    assert SITE_TITLE not in text
    paragraphs = [fold(p.text_content()) for p in page.article.iter("p")]
    assert "---" in paragraphs
    assert not page.article.xpath(".//hr")
    assert page.article.xpath(".//a[contains(@href, 'kQ3f1xHc9Lk')]"), "the video embed is not a link"
    assert page.article.xpath(".//a[@href='https://bootcamp.example.org/materials']")


def test_crawled_site_has_no_active_content(crawled_site: BuiltSite) -> None:
    assert active_content(crawled_site) == []
    for page in crawled_site.pages.values():
        for code in ("pppEmbeds", "pppTrackOutbound", "googletag", "gtag("):
            assert code not in page.raw, f"{page.url}: {code}"


def test_crawled_site_shows_windows_1252_text_correctly(crawled_site: BuiltSite) -> None:
    page = crawled_site.post_by_origin(
        "https://www.phnompenhpost.com/business/phnom-penh-cafe-owners-brace-for-rising-coffee-bean-prices"
    )
    text = page.article_text
    assert "“People used to think ‘local’ meant lower quality – now they ask for it by name,”" in text
    assert "remained limited… and that prices" in text
    assert "crème brûlée" in text
    assert page.title.startswith("Phnom Penh café owners")
    for mojibake in ("Ã", "â€", "\ufffd"):
        assert mojibake not in page.raw


def test_crawled_site_khmer_page_is_marked_km(crawled_site: BuiltSite) -> None:
    page = crawled_site.post_by_origin(
        "https://www.phnompenhpost.com/post-khmer/kampot-pepper-farmers-expect-bigger-harvest-next-season"
    )
    assert page.lang == "km"
    assert re.search(r"[\u1780-\u17ff]{5}", page.article_text)


def test_crawled_site_index_lists_every_post_under_its_category(
    crawled_site: BuiltSite, expected: list[dict[str, Any]]
) -> None:
    sections = crawled_site.index_sections()
    assert set(sections) == {str(article["category"]) for article in expected}
    for article in expected:
        page = crawled_site.post_by_origin(str(article["origin_url"]))
        hrefs = [href for _, href in sections[str(article["category"])]]
        assert page.url in hrefs, f"{article['slug']}: not listed under {article['category']}"
    for heading, links in sections.items():
        instants = [datetime.fromisoformat(crawled_site.posts[href].published) for _, href in links]
        assert instants == sorted(instants, reverse=True), f"{heading}: not newest first"
    assert sum(len(links) for links in sections.values()) == len(expected)


# --- property: posts rendered by crawler.posts with hostile values build and show them literally --------

HOSTILE_PIECES = [
    '"',
    "'",
    "\\",
    ":",
    ": ",
    " #",
    "#",
    "---",
    "...",
    "&",
    "&amp;",
    "&lt;",
    "*",
    "_",
    "`",
    "[",
    "]",
    "(",
    ")",
    "|",
    ">",
    "<",
    "!",
    "~~~",
    "- ",
    "1. ",
    "{{ site.title }}",
    "{% include x.html %}",
    "{% raw %}",
    "{#",
    "{:",
    "{::comment}",
    "$$",
    "*[HTML]:",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:",
    "\u00a0",
    "\u2028",
    "\u200b",
    "é",
    "កសិករម្រេចកំពត",
    "😀",
    "ASEAN nations: Cambodia leads",
    "word",
]
HOSTILE_CATEGORIES = [
    "NATIONAL",
    "POST-KHMER",
    'Life & Style / "Culture" <b>',
    "{{ site.title }}",
    "<script>x</script>",
    "ព័ត៌មាន",
    "",
]
printable = st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn"))
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(printable, max_size=6)), max_size=8).map(
    "".join
)
hostile_title = hostile_text.filter(lambda text: fold(text) != "")


@dataclass
class Values:
    """The hostile values of one generated post."""

    title: str
    description: str
    category: str
    authors: list[str]
    caption: str
    paragraph: str


post_values = st.builds(
    Values,
    title=hostile_title,
    description=hostile_text,
    category=st.sampled_from(HOSTILE_CATEGORIES),
    authors=st.lists(hostile_title, max_size=2),
    caption=hostile_title,
    paragraph=hostile_title,
)


def write_property_site(source: Path, posts: list[Values]) -> list[str]:
    """Render `posts` with the real post renderer into source/_posts; return their origin URLs."""
    copy_skeleton(source)
    (source / "_posts").mkdir()
    origins = []
    for i, values in enumerate(posts):
        origin = f"https://www.example.org/property/{i}"
        date = datetime(2024, 10, 1, 3, 0, tzinfo=UTC) + timedelta(hours=13 * i)
        article = Article(
            url=origin,
            origin_url=origin,
            title=values.title,
            description=values.description,
            body=escape_markdown(fold(values.paragraph)),
            image=f"https://images.example.org/{i}.jpg",
            image_caption=escape_markdown(fold(values.caption)),
            date=date,
            category=values.category,
            language="en",
            authors=values.authors,
        )
        article.code = make_code("ART", date, origin)
        name = post_filename(date, values.title, origin, article.code, ZoneInfo("Asia/Phnom_Penh"))
        number = 1
        while (source / with_suffix(name, number)).exists():
            number += 1
        (source / with_suffix(name, number)).write_text(render_post(article), encoding="utf-8")
        origins.append(origin)
    return origins


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@example(
    posts=[
        Values(HOSTILE_TITLE, HOSTILE_DESCRIPTION, HOSTILE_CATEGORIES[2], ['Desk "<i>"'], "{{ x }}", "---"),
        Values("# ---", "", "", [], "1. {:toc}", "{::comment}hidden{:/comment}"),
        Values(KHMER_TITLE, "ភ្នំពេញ", HOSTILE_CATEGORIES[5], [], "*[HTML]: x", "<script>alert(1)</script>"),
        Values("Title: with colon # and hash ###", "a\nb", HOSTILE_CATEGORIES[3], [], "| a | b |", "$$x$$"),
    ]
)
@given(posts=st.lists(post_values, min_size=8, max_size=8))
def test_hostile_values_build_and_show_literally(jekyll: str, posts: list[Values]) -> None:
    with tempfile.TemporaryDirectory(prefix="jekyll-property-") as tmp:
        origins = write_property_site(Path(tmp), posts)
        site = build(jekyll, Path(tmp))
        assert active_content(site) == []
        assert len(site.posts) == len(posts)
        listed = {href: (heading, text) for heading, links in site.index_sections().items() for text, href in links}
        for origin, values in zip(origins, posts, strict=True):
            page = site.post_by_origin(origin)
            title = fold(values.title)
            assert page.title == f"{title} · {SITE_TITLE}"
            assert fold(page.article.xpath(".//h1")[0].text_content()) == title
            if values.description.strip(ASCII_SPACE):
                assert fold(page.meta("description") or "") == fold(values.description)
            else:
                assert page.meta("description") == SITE_DESCRIPTION
            assert page.authors == ([fold(", ".join(values.authors))] if values.authors else [])
            text = page.article_text
            assert missing_in_order(text, [title, fold(values.caption), fold(values.paragraph)]) == []
            category = values.category.strip(ASCII_SPACE)
            assert listed[page.url] == (fold(category) if category else "Other", title)


# --- the article spider on pages of many other sites, built ------------------------------------------

#: Corpus pages from many publishers, scripts and page builders, each with something that once went wrong
#: on the way from page to built post (the comment says what).
CORPUS_PAGES = {
    "fundus-dev": [
        "cn-People_2024_04_24",  # declares GB2312 (the bytes are UTF-8) and no language; 小字号, (责编：…)
        "es-ElMundo_2024_12_02",  # declares ISO-8859-15
        "jp-YomiuriShimbun_2024_12_03",  # Japanese: the file name falls back to the URL
        "ua-Pravda_2026_01_08",  # Cyrillic
        "de-Hessenschau_2024_04_27",
        "fr-LeMonde_2023_09_01",
        "uk-BBC_2026_04_25",
        "uk-EuronewsEN_2026_01_06",  # "Go to accessibility shortcuts"
        "us-TechCrunch_2024_05_17",  # related lists are found only with the canonical host in mind
        "us-WashingtonTimes_2023_04_28",  # "Click to Read More and View Comments"
        "vn-VnExpress_2025_10_22",
    ],
    "aeb-dev": [
        "87bf60570e6e2e33cb1f0fdb5600d6c85012e60be25ba6fa587b8f90eb9a3770",  # escaped <img> tracking pixel text
        "d0382c0d9573a0a7beb1e649012d04ec7275ac23513ca6ca59e51477b028283c",  # a gallery's picture count "4"
        "85439e26c41c75901820d01a13e8cea7836abb58635ea3986f71a163ab0311d3",  # Japanese blog post
    ],
}
#: Text that is page chrome on those pages and must not reach a built post.
CORPUS_CHROME = ['<img height="1"', "Click to Read More", "小字号", "责编", "Go to accessibility shortcuts"]


@dataclass
class CorpusSite:
    site: BuiltSite
    pages: dict[str, Any]
    """Served URL -> the corpus page (tests.bench.extract.Page)."""
    run_output: str


@pytest.fixture(scope="module")
def corpus_site(jekyll: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorpusSite]:
    """The corpus pages served from 127.0.0.1 (as text/html without a charset), re-scraped with
    `scrapy crawl article -a urls=FILE`, and the output folder built with jekyll."""
    from tests.bench.extract import load_corpus

    served = tmp_path_factory.mktemp("corpus-pages")
    routes = []
    by_path: dict[str, Any] = {}
    for corpus_name, ids in CORPUS_PAGES.items():
        wanted = set(ids)
        for page in load_corpus(corpus_name):
            if page.id in wanted:
                (served / f"{page.id}.html").write_bytes(page.html)
                routes.append({"path": f"/{page.id}.html", "file": f"{page.id}.html", "status": 200,
                               "headers": {"Content-Type": "text/html"}, "redirect": None})
                by_path[f"/{page.id}.html"] = page
    (served / "routes.json").write_text(json.dumps(routes), encoding="utf-8")
    output = tmp_path_factory.mktemp("corpus-site")
    copy_skeleton(output)
    with ReplayServer(served) as server:
        urls = output.parent / f"{output.name}-urls.txt"
        urls.write_text("".join(f"{server.base_url}{path}\n" for path in by_path), encoding="utf-8")
        run = run_scrapy("crawl", "article", "-a", f"urls={urls}", "-s", f"OUTPUT_DIR={output}",
                         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
                         *ORIGINAL_IMAGES)  # the corpus pages' pictures live on the internet
        pages = {f"{server.base_url}{path}": page for path, page in by_path.items()}
    if run.returncode != 0:
        pytest.fail(f"scrapy crawl article failed with exit status {run.returncode}:\n{run.output[-4000:]}")
    yield CorpusSite(build(jekyll, output), pages, run.output)


def test_corpus_site_has_one_page_per_url(corpus_site: CorpusSite) -> None:
    wanted = sum(len(ids) for ids in CORPUS_PAGES.values())
    assert len(corpus_site.pages) == wanted
    assert f"{wanted} new, 0 updated" in corpus_site.run_output
    assert len(list((corpus_site.site.source / "_posts").glob("*.md"))) == wanted
    assert len(corpus_site.site.posts) == wanted
    for url in corpus_site.pages:
        corpus_site.site.post_by_origin(url)  # exactly one built page links back to it


def test_corpus_site_pages_show_the_articles_title_language_and_text(corpus_site: CorpusSite) -> None:
    """Title, language and text as the page has them, read right whatever charset it declares: the
    truth's title (or its headline without the site's decorations), and its paragraphs."""
    from tests.bench.scoring import title_matches, tokens

    for url, corpus_page in corpus_site.pages.items():
        page = corpus_site.site.post_by_origin(url)
        truth = corpus_page.truth
        headline = page.article.xpath(".//h1")[0].text_content()
        if truth.get("title"):
            assert title_matches(headline, truth["title"]) or fold(headline) in fold(truth["title"]), url
        if truth.get("language"):
            assert page.lang == truth["language"], url
        text = " ".join(tokens(page.article.text_content()))
        paragraphs = [p for p in truth["body"].split("\n\n") if len(tokens(p)) >= 8]
        for paragraph in (paragraphs[len(paragraphs) // 3], paragraphs[2 * len(paragraphs) // 3]):
            assert " ".join(tokens(paragraph)) in text, f"{url}: {paragraph[:80]!r} missing"
        assert "Ã" not in text and "â€" not in text, url
    people = corpus_site.site.post_by_origin(next(u for u in corpus_site.pages if "cn-People" in u))
    assert people.lang == "zh"  # declared nowhere; Han text with a stray kana sign


def test_corpus_site_leaves_the_pages_chrome_out(corpus_site: CorpusSite) -> None:
    for url in corpus_site.pages:
        text = corpus_site.site.post_by_origin(url).article.text_content()
        leaked = [chrome for chrome in CORPUS_CHROME if chrome in text]
        assert leaked == [], url
    gallery = corpus_site.site.post_by_origin(next(u for u in corpus_site.pages if "d0382c0d" in u))
    blocks = [" ".join(p.text_content().split()) for p in gallery.article.iter("p")]
    assert "4" not in blocks


def test_corpus_site_files_pages_without_a_category_outside_any_category_folder(corpus_site: CorpusSite) -> None:
    sections = corpus_site.site.index_sections()
    uncategorised = {href for _, href in sections.get("Other", [])}
    assert uncategorised, "some of these pages declare no section"
    for href in uncategorised:
        assert re.fullmatch(r"/\d{4}/\d{2}/\d{2}/[^/]+/", href), href


def test_corpus_site_has_no_active_content(corpus_site: CorpusSite) -> None:
    assert active_content(corpus_site.site) == []
