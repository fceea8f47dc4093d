"""Hostile article pages, as a user publishing the archive meets them: served from 127.0.0.1, re-scraped
with `scrapy crawl article -a urls=FILE`, built with Jekyll and the project's skeleton.

Each page is a real article (JSON-LD, a headline, paragraphs) carrying one kind of attack: raw scripts,
frames, plugins, SVG, MathML, `<base>` and meta refresh in the body; script URLs written the ways
browsers still accept; kramdown syntax split across elements and comments; Liquid; an unclosed
`<embed>`; control characters in the title; lone surrogates in every JSON-LD text field. The run must
exit 0, every page must get its post, the build must pass, and no built page may hold active content
(the skeleton itself holds none). A second pair of tests runs two loopback origins: a page on another
port or host name cannot take over an existing article's post by naming it as canonical.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from tests.active_content import site_active_content
from tests.conftest import ScrapyRun, fold, run_scrapy
from tests.crawl_helpers import FAST, Post, last_stats, posts, snapshot, stray_files
from tests.replay_server import ReplayServer
from tests.site import copy_skeleton, jekyll_build_command, jekyll_env

pytestmark = [pytest.mark.e2e, pytest.mark.jekyll]

FILLER = ("<p>Officials from four provinces met in the capital on Thursday to plan the flood drill that will "
          "test sirens, boats and shelters along the river before the rainy season ends.</p>"
          "<p>Volunteers will walk families to higher ground while rescue teams practise with the police, and "
          "the results will be shared with the neighbouring provinces by the end of the month.</p>")
SPLIT = "{<span></span>:"
"""A `{` and a `:` in two text nodes: one node each side of an empty element."""


@dataclass(frozen=True)
class Hostile:
    """One hostile article page."""

    path: str
    title: str
    body: str
    head: str = ""
    ld: dict[str, Any] | None = None
    must_show: tuple[str, ...] = ()
    """Text the built page must show (the attack as text, or what followed it)."""

    def html(self) -> bytes:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": self.title,
              "datePublished": "2024-10-18T10:00:00+07:00", "articleSection": "National"} | (self.ld or {})
        return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{self.title}</title>"
                f"<meta property='og:type' content='article'>{self.head}"
                f"<script type='application/ld+json'>{json.dumps(ld)}</script></head><body><article>"
                f"<h1>{self.title}</h1>{self.body}{FILLER}</article></body></html>").encode("utf-8", "surrogatepass")


PAGES = [
    Hostile("/hostile/raw-html", "Markup that must not run",
            "<p>Before<script>alert(1)</script> the <iframe src='https://evil.example/'></iframe>frames"
            "<object data='/x.swf'></object><svg onload='alert(1)'><circle r='4'/></svg><math><mi "
            "xlink:href='javascript:alert(1)'>x</mi></math> and after.</p>"
            "<p onclick='alert(1)' style='background:url(javascript:alert(1))'>Handlers<img src='/i.jpg' "
            "onerror='alert(1)'> <form action='javascript:alert(1)'><button>Go</button></form>end.</p>"
            "<base href='https://evil.example/'><meta http-equiv='refresh' content='0;url=https://evil.example/'>",
            must_show=("Before the https://evil.example/ frames and after.", "Handlers end.")),  # embeds: links
    Hostile("/hostile/script-urls", "Links that must not run",
            "<p><a href='javascript:alert(1)'>one</a> <a href='JaVaScRiPt:alert(1)'>two</a> "
            "<a href='java&#9;script:alert(1)'>three</a> <a href='&#106;avascript:alert(1)'>four</a> "
            "<a href='vbscript:msgbox(1)'>five</a> <a href='data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;'>"
            "six</a> <img src='javascript:alert(1)' srcset='javascript:alert(1) 2x'> "
            "<video poster='javascript:alert(1)' src='javascript:alert(1)'></video>seven.</p>",
            must_show=("one two three four five six seven.",)),
    Hostile("/hostile/split-attributes", "Attribute lists split across elements",
            f"<p>Read the <a href='/r'>report</a>{SPLIT} onclick=\"alert(1)\"}}.</p>"
            f"<p>Photo <img src='/i.jpg'>{SPLIT} onerror=\"alert(1)\"}}</p>"
            f"<p>End of a paragraph.{SPLIT} onmouseover=\"alert(1)\" style=\"position:fixed\"}}</p>"
            f"<p><em>quoted</em>{SPLIT} onclick=\"alert(1)\"}} and <code>code</code>{SPLIT} onclick=\"x\"}}</p>"
            f"<h2>Heading{SPLIT} onclick=\"alert(1)\"}}</h2>"
            f"<table><tr><th>h</th></tr><tr><td>cell{SPLIT} onclick=\"alert(1)\"}}</td></tr></table>"
            f"<p>A <a href='/r'>link</a>{{<!-- c -->: href=\"javascript:alert(1)\"}}</p>",
            must_show=('report{: onclick="alert(1)"}.', 'End of a paragraph.{: onmouseover="alert(1)"',
                       'link{: href="javascript:alert(1)"}')),
    Hostile("/hostile/split-extensions", "Extensions split across elements",
            "<p>{<span>:</span>:nomarkdown}&lt;script&gt;alert(1)&lt;/script&gt;{<span>:</span>/}</p>"
            "<p>{<b>:</b>:nomarkdown}&lt;iframe src=x&gt;&lt;/iframe&gt;&lt;svg onload=alert(1)&gt;{<b>:</b>/}</p>"
            "<p>{<i>:</i>:nomarkdown}&lt;base href=\"https://evil.example/\"&gt;&lt;meta http-equiv=\"refresh\" "
            "content=\"0\"&gt;{<i>:</i>/}</p>"
            "<p>{<span>:</span>:options parse_block_html=\"true\" /}</p>",
            must_show=("{::nomarkdown}<script>alert(1)</script>{:/}",)),
    Hostile("/hostile/math-and-liquid", "Math and Liquid split across elements",
            "<p>$<i></i>$\\href{javascript:alert(1)}{x}$<i></i>$ and {<b></b>{ site.title }} and "
            "{<b></b>% include x.html %}.</p>",
            must_show=("$$\\href{javascript:alert(1)}{x}$$ and {{ site.title }} and {% include x.html %}.",)),
    Hostile("/hostile/unclosed-embed", "An unclosed embed mid-article",
            "<p>The clip <embed src='/clip.swf' type='application/x-shockwave-flash'> ends here, and the "
            "rest of the text follows.</p><p>A paragraph after the embed.</p>",
            must_show=("ends here, and the rest of the text follows.", "A paragraph after the embed.")),
    Hostile("/hostile/control-title", "Control characters\x1b in\x7f the title&#27;",
            "<p>Text with an escape\x1b and a delete\x7f character.</p>",
            ld={"headline": "Control\x00 characters\x1b in\x7f the title", "description": "Nul\x00 and escape\x1b"},
            must_show=("Text with an escape and a delete character.",)),
    Hostile("/hostile/lone-surrogates", "Budget talks resume",
            "<p>The budget talks resume on Monday.</p>",
            ld={"headline": "Budget talks resume\udfff", "description": "Talks\udfff resume",
                "author": {"@type": "Person", "name": "Desk\udfff"}, "articleSection": "National\udfff"}),
]
TITLES = {"/hostile/control-title": "Control characters in the title"}


def serve(folder: Path, pages: dict[str, bytes]) -> Path:
    """A replay-server folder holding these pages (text/html, no charset in the header)."""
    folder.mkdir(parents=True, exist_ok=True)
    routes = []
    for number, (path, body) in enumerate(pages.items()):
        (folder / f"{number}.html").write_bytes(body)
        routes.append({"path": path, "file": f"{number}.html", "status": 200,
                       "headers": {"Content-Type": "text/html"}, "redirect": None})
    (folder / "routes.json").write_text(json.dumps(routes), encoding="utf-8")
    return folder


def crawl_urls(urls: list[str], output: Path, list_file: Path) -> ScrapyRun:
    list_file.write_text("".join(f"{url}\n" for url in urls), encoding="utf-8")
    return run_scrapy("crawl", "article", "-a", f"urls={list_file}", "-s", f"OUTPUT_DIR={output}", *FAST)


@dataclass
class Crawled:
    server_url: str
    output: Path
    runs: list[ScrapyRun]
    posts: dict[str, Post]
    built: Path
    build_log: str


@pytest.fixture(scope="module")
def crawled(jekyll: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """The hostile pages crawled twice (a rerun must not fail either), then the output built."""
    root = tmp_path_factory.mktemp("hostile-content")
    output = root / "out"
    output.mkdir()
    copy_skeleton(output)
    site = serve(root / "pages", {page.path: page.html() for page in PAGES})
    with ReplayServer(site) as server:
        urls = [server.base_url + page.path for page in PAGES]
        runs = [crawl_urls(urls, output, root / "urls.txt") for _ in range(2)]
    dest = output / "_site"
    proc = subprocess.run(jekyll_build_command(jekyll, output, dest), env=jekyll_env(), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    yield Crawled(server.base_url, output, runs, posts(output), dest, proc.stdout + proc.stderr)


def built_page(crawled: Crawled, path: str) -> lxml.html.HtmlElement:
    url = crawled.server_url + path
    for page in crawled.built.rglob("*.html"):
        tree = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
        if url in tree.xpath("//a[@class='origin-url']/@href"):
            return tree
    raise AssertionError(f"no built page links to {url}")


def test_both_runs_exit_0_and_every_page_gets_one_post(crawled: Crawled) -> None:
    for run in crawled.runs:
        assert run.returncode == 0, run.output[-4000:]
        assert "Traceback" not in run.output and "UnicodeEncodeError" not in run.output
    assert set(crawled.posts) == {crawled.server_url + page.path for page in PAGES}
    assert stray_files(crawled.output) == []
    stats = last_stats(crawled.output)["stats"]
    assert stats["articles/unchanged"] == len(PAGES)  # the rerun found the same posts


def test_no_built_page_holds_active_content(crawled: Crawled) -> None:
    assert len(list(crawled.built.rglob("*.html"))) > len(PAGES)  # the posts and the skeleton's index
    assert site_active_content(crawled.built) == []


@pytest.mark.parametrize("page", PAGES, ids=[page.path.rsplit("/", 1)[1] for page in PAGES])
def test_each_page_shows_its_text_literally(crawled: Crawled, page: Hostile) -> None:
    tree = built_page(crawled, page.path)
    article = tree.xpath("//article[@class='post']")[0]
    text = fold(article.text_content())
    for wanted in page.must_show:
        assert fold(wanted) in text, (wanted, text)
    assert fold(article.xpath(".//h1")[0].text_content()) == TITLES.get(page.path, page.title)


def test_lone_surrogates_degrade_to_a_replacement_character_everywhere(crawled: Crawled) -> None:
    post = crawled.posts[crawled.server_url + "/hostile/lone-surrogates"]
    assert post.meta["description"] == "Talks\ufffd resume"
    assert post.meta["author"] == "Desk\ufffd"
    assert post.meta["category"] == "NATIONAL\ufffd"
    feeds = sorted((crawled.output / "_feeds").glob("*.jsonl"))
    assert feeds, "no run feed written"
    lines = [json.loads(line) for line in feeds[0].read_text(encoding="utf-8").splitlines()]
    assert any(line.get("origin_url") == crawled.server_url + "/hostile/lone-surrogates" for line in lines)


def test_control_characters_never_reach_a_post(crawled: Crawled) -> None:
    for post in crawled.posts.values():
        assert not any(ch in post.text for ch in "\x00\x1b\x7f"), post.path.name


# ---------------------------------------------------------------------------- canonical hijack

ORIGINAL = Hostile("/national/flood-drill", "Provinces plan a flood drill", "<p>The original report.</p>")


def hijacker(path: str, target: str) -> Hostile:
    return Hostile(path, "Provinces plan a flood drill", "<p>A copy that claims to be the original.</p>",
                   head=f"<link rel='canonical' href='{target}'><meta property='og:url' content='{target}'>",
                   ld={"url": target, "mainEntityOfPage": target})


def test_a_page_on_another_origin_cannot_replace_an_existing_post(tmp_path: Path) -> None:
    """127.0.0.1:PORT1 has the article. A page on 127.0.0.1:PORT2 and one reached as localhost:PORT1 name
    it as their canonical URL: each is another site, filed under its own URL; the original stays."""
    output = tmp_path / "out"
    first = serve(tmp_path / "first", {ORIGINAL.path: b""})
    with ReplayServer(first) as one:
        target = one.base_url + ORIGINAL.path
        port = one.base_url.rsplit(":", 1)[1]
        (first / "0.html").write_bytes(ORIGINAL.html())
        (first / "1.html").write_bytes(hijacker("/copy", target).html())
        one.routes["/copy"] = {**one.routes[ORIGINAL.path], "file": "1.html"}
        second = serve(tmp_path / "second", {"/national/flood-drill": hijacker("/national/flood-drill", target).html()})
        with ReplayServer(second) as two:
            run = crawl_urls([target], output, tmp_path / "first.txt")
            assert run.returncode == 0, run.output[-3000:]
            before = snapshot(output)
            original = posts(output)[target]
            others = [two.base_url + "/national/flood-drill", f"http://localhost:{port}/copy"]
            run = crawl_urls(others, output, tmp_path / "second.txt")
            assert run.returncode == 0, run.output[-3000:]
    written = posts(output)
    assert set(written) == {target, *others}
    assert snapshot(output)[original.path.name] == before[original.path.name]
    assert "The original report." in written[target].text
    for url in others:
        assert "A copy that claims to be the original." in written[url].text
        assert written[url].path != original.path
