"""Rendering a whole post: the golden seed post byte for byte, and the body layout rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from crawler.items import Article
from crawler.posts.code import make_code
from crawler.posts.frontmatter import parse_front_matter, split_front_matter
from crawler.posts.render import content_hash, markdown_url, render_post
from tests.conftest import EXPECTED, SEED_SLUG

GOLDEN = EXPECTED / f"{SEED_SLUG}.md"
URL = "https://www.example.org/news/story"




def golden_article() -> tuple[Article, str]:
    """An Article built from the golden post's own values, and the golden text."""
    text = GOLDEN.read_text(encoding="utf-8")
    meta = parse_front_matter(text)
    parts = split_front_matter(text)
    assert meta is not None and parts is not None
    heading, image, caption, body = parts[1].split("\n\n", 3)
    assert heading == f"\n# {meta['title']}" and image == f"![]({meta['image']})"
    article = Article(
        url=meta["origin_url"], origin_url=meta["origin_url"], title=meta["title"], description=meta["description"],
        image=meta["image"], image_caption=caption, body=body, category=meta["category"],
        language=meta["language"], date=meta["date"], site="phnompenhpost",
    )
    article.code = make_code("ART", article.date, article.origin_url)
    return article, text


def test_golden_post_is_reproduced_byte_for_byte():
    article, golden = golden_article()
    rendered = render_post(article)
    # only the 6 hash characters of the code may differ
    expected = re.sub(r'^code: "ART2410180358[A-Z0-9]{6}"$', f'code: "{article.code}"', golden, count=1, flags=re.M)
    assert expected != golden or article.code in golden
    assert rendered == expected
    assert not rendered.endswith("\n")
    assert content_hash(rendered) == content_hash(expected)


def test_golden_body_keeps_trailing_nbsp_of_paragraphs():
    article, _ = golden_article()
    rendered = render_post(article)
    assert "October 17.\u00a0\n\n" in rendered


def article(**changes) -> Article:
    values = {
        "url": URL, "origin_url": URL, "title": "A story", "description": "d", "image": "https://cdn.example.org/a.jpg",
        "image_caption": "A caption. Photo desk", "body": "First paragraph.\n\nSecond paragraph.", "category": "NEWS",
        "language": "en", "date": datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC), "code": "ART2410180358A1B2C3",
    }
    values.update(changes)
    return Article(**values)


def content_of(text: str) -> str:
    parts = split_front_matter(text)
    assert parts is not None
    return parts[1]


@pytest.mark.parametrize(
    ("changes", "content"),
    [
        ({}, "\n# A story\n\n![](https://cdn.example.org/a.jpg)\n\nA caption. Photo desk\n\nFirst paragraph.\n\n"
             "Second paragraph."),
        ({"image_caption": None}, "\n# A story\n\n![](https://cdn.example.org/a.jpg)\n\nFirst paragraph.\n\n"
                                  "Second paragraph."),
        ({"image_caption": "  "}, "\n# A story\n\n![](https://cdn.example.org/a.jpg)\n\nFirst paragraph.\n\n"
                                  "Second paragraph."),
        # a caption belongs to the lead image: without an image it is not shown
        ({"image": None}, "\n# A story\n\nFirst paragraph.\n\nSecond paragraph."),
        ({"body": "\n\nOnly.\n\n\n"}, "\n# A story\n\n![](https://cdn.example.org/a.jpg)\n\nA caption. Photo desk"
                                      "\n\nOnly."),
        ({"body": "", "image": None}, "\n# A story"),
        ({"title": "Two\nlines\r\n here"}, "\n# Two lines here\n\n![](https://cdn.example.org/a.jpg)\n\n"
                                           "A caption. Photo desk\n\nFirst paragraph.\n\nSecond paragraph."),
        ({"image": "https://cdn.example.org/a b(1).jpg", "image_caption": None, "body": "x"},
         "\n# A story\n\n![](https://cdn.example.org/a%20b%281%29.jpg)\n\nx"),
    ],
)
def test_content_layout(changes, content):
    text = render_post(article(**changes))
    assert content_of(text) == content
    assert not text.endswith("\n")


def test_image_key_keeps_the_raw_url_and_is_omitted_without_image():
    raw = "https://cdn.example.org/a b(1).jpg"
    assert parse_front_matter(render_post(article(image=raw)))["image"] == raw
    text = render_post(article(image=None))
    assert "image" not in parse_front_matter(text)
    assert "![](" not in text


@pytest.mark.parametrize(
    ("changes", "liquid"),
    [
        ({"body": "Use {{ site.title }} here"}, True),
        ({"body": "{% include x.html %}"}, True),
        ({"body": "{# comment #}"}, True),
        ({"image_caption": "Caption {{ x }}"}, True),
        ({"title": "Title {% raw %}"}, True),
        ({"body": "Braces { alone } and {single}"}, False),
        # the description is front matter only: Jekyll never renders it as Liquid
        ({"description": "{{ nope }}"}, False),
    ],
)
def test_liquid_text_turns_off_liquid_rendering(changes, liquid):
    text = render_post(article(**changes))
    assert ("\nrender_with_liquid: false\n---\n" in text) is liquid
    assert parse_front_matter(text).get("render_with_liquid", True) is not liquid


def test_lone_surrogates_never_reach_the_file():
    text = render_post(article(title="T\ud800", body="Body \udcff end", image_caption="c\ud83d\ude00"))
    text.encode("utf-8")  # would raise on a surrogate
    assert "Body \ufffd end" in text and "c😀" in text
    assert parse_front_matter(text)["title"] == "T\ufffd"


def test_optional_fields_are_passed_through():
    a = article(authors=["Post Staff"], tags=["Rice"], modified=datetime(2024, 10, 19, tzinfo=UTC))
    assert "author" in parse_front_matter(render_post(a))
    assert "author" not in parse_front_matter(render_post(a, optional_fields=()))
    meta = parse_front_matter(render_post(a, optional_fields=("tags", "updated")))
    assert meta["tags"] == ["Rice"] and meta["updated"] == datetime(2024, 10, 19, tzinfo=UTC)


def test_markdown_url():
    assert markdown_url(" https://x.org/a b(c)<d>.jpg ") == "https://x.org/a%20b%28c%29%3Cd%3E.jpg"
    assert markdown_url("https://x.org/ok.jpg?x=1&y=2") == "https://x.org/ok.jpg?x=1&y=2"


HEADING_TITLES = [
    "ASEAN nations collaborate on AI governance: Cambodia leads regional efforts",
    'Kampot\'s "Salt & Pepper" festival returns: #KampotFest expects 20,000 visitors',
    "C#", "Ends with ##", "##", "Title {#custom}", "{#a} and {#b}", "We are #1", "a # b", "x_y_z and *stars*",
    "[not a link](https://x.org)", "<b>not bold</b>", "back\\slash \\{#id}", "កសិករម្រេចកំពត",
    "1. Numbered", "- dash", "> quote", "Price $$5$$", "a ~~b~~ c", "&copy; entity", "Title {: .x}", "x | y",
]


@pytest.mark.parametrize(("title", "expected"), [
    ("C#", "# C#"),
    ("Ends with ##", "# Ends with \\##"),
    ("##", "# \\##"),
    ("Title {#custom}", "# Title \\{#custom}"),
    ("We are #1", "# We are #1"),
    ("Two\nlines", "# Two lines"),
])
def test_heading_guards_kramdown_heading_syntax(title, expected):
    from crawler.posts.render import heading

    assert heading(title) == expected


@pytest.mark.jekyll
def test_kramdown_shows_every_heading_as_the_title():
    """Jekyll's kramdown, with output/_config.yml's options, renders each `# Title` to exactly the title."""
    import json
    import subprocess

    import lxml.html

    from crawler.posts.render import heading

    script = (
        'require "kramdown"; require "json"; '
        'puts JSON.generate(JSON.parse(STDIN.read).map { |s| Kramdown::Document.new(s, input: "GFM", hard_wrap: false, '
        'smart_quotes: %w[apos apos quot quot], gfm_quirks: %w[paragraph_end no_auto_typographic]).to_html })'
    )
    proc = subprocess.run(["ruby", "-e", script], input=json.dumps([heading(t) for t in HEADING_TITLES]),
                          capture_output=True, text=True, encoding="utf-8", timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    for title, html in zip(HEADING_TITLES, json.loads(proc.stdout), strict=True):
        h1 = lxml.html.fragment_fromstring(html.strip())
        assert h1.tag == "h1" and len(h1) == 0, html  # no <em>, <a>, <b> made from the title
        assert h1.text_content() == title, html
