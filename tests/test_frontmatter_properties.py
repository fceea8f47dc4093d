"""Property tests: any title, caption, description, category, author or URL renders to a post whose
front matter loads back to exactly the intended values, and whose file name is safe and stable."""

from __future__ import annotations

import json
import random
import re
import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.items import Article
from crawler.posts.code import CODE_RE, make_code
from crawler.posts.filename import MAX_NAME_LENGTH, is_safe_name, post_filename, with_suffix
from crawler.posts.frontmatter import fix_surrogates, parse_front_matter, quote, split_front_matter
from crawler.posts.render import render_content, render_post

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NASTY = [
    '"', "'", "\\", '\\"', "\\n", ":", ": ", " #", "#", "---", "...", "\n---\n", "\n...\n", "\n", "\r\n", "\r",
    "\t", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\u00a0", "\u2028", "\u2029", "\ufeff", "\ufffe",
    "\uffff", "\ud800", "\udfff", "\ud83d\ude00", "😀", "👩‍👩‍👧", "កសិករម្រេចកំពត", "ភ្នំពេញ", "עברית", "العربية",
    "\u202e", "\u200b", "null", "~", "true", "False", "yes", "NO", "on", "1e3", "0o17", "0x1F", ".inf", "-.nan",
    "2024-10-18", "12:30:00", "@", "%", "*", "&", "!", "|", ">", "`", "{{ site.title }}", "{% raw %}", "{#",
    "[a, b]", "{a: b}", "<<", "? ", "- ", "=", "ASEAN nations: Cambodia leads", "x" * 3000,
]
ZONES = [None, ZoneInfo("Asia/Phnom_Penh"), ZoneInfo("Pacific/Kiritimati"), ZoneInfo("America/Adak")]

any_char = st.characters(exclude_categories=())  # surrogates included
nasty_text = st.one_of(
    st.text(any_char, max_size=60),
    st.sampled_from(NASTY),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(any_char, max_size=8)), max_size=6).map("".join),
)
urls = st.one_of(
    st.builds(lambda path: "https://www.example.org/" + path, nasty_text),
    st.sampled_from([
        "https://www.phnompenhpost.com/national/asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts",
        "https://x.example/a?b=1&c=%22#frag", "https://x.example/%E1%9E%80", "https://x.example/../..",
    ]),
    nasty_text,
)
instants = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2099, 12, 30), timezones=st.just(UTC)
)




@PROPERTY_SETTINGS
@given(value=nasty_text)
def test_quote_round_trips_any_string(value):
    quoted = quote(value)
    assert "\n" not in quoted and "\r" not in quoted  # one line, never folded
    assert yaml.safe_load("k: " + quoted) == {"k": fix_surrogates(value)}


@PROPERTY_SETTINGS
@given(
    title=nasty_text, description=nasty_text, category=nasty_text, language=nasty_text, url=urls,
    image=st.one_of(st.none(), urls), caption=st.one_of(st.none(), nasty_text), body=nasty_text,
    authors=st.lists(nasty_text, max_size=3), tags=st.lists(nasty_text, max_size=3), date=instants,
    estimated=st.booleans(),
)
def test_rendered_front_matter_loads_back_to_the_same_values(
    title, description, category, language, url, image, caption, body, authors, tags, date, estimated
):
    article = Article(
        url=url, origin_url=url, title=title, description=description, category=category, language=language,
        image=image, image_caption=caption, body=body, authors=authors, tags=tags, date=date,
        date_estimated=estimated, modified=date + timedelta(hours=1), code=make_code("ART", date, url),
    )
    text = render_post(article, optional_fields=("author", "updated", "tags"))
    meta = parse_front_matter(text)
    assert meta is not None
    expected = {
        "layout": "post", "code": article.code, "origin_url": fix_surrogates(url), "title": fix_surrogates(title),
        "description": fix_surrogates(description), "category": fix_surrogates(category),
        "language": fix_surrogates(language), "date": date.replace(microsecond=date.microsecond // 1000 * 1000),
    }
    if image:
        expected["image"] = fix_surrogates(image)
    if authors:
        expected["author"] = fix_surrogates(", ".join(authors))
    expected["updated"] = expected["date"] + timedelta(hours=1)
    if tags:
        expected["tags"] = [fix_surrogates(t) for t in tags]
    if estimated:
        expected["date_estimated"] = True
    assert yaml.safe_load(split_front_matter(text)[0]) == meta  # the pure-Python loader agrees with libyaml's
    liquid = meta.pop("render_with_liquid", None)
    assert meta == expected
    assert list(meta)[:4] == ["layout", "code", "origin_url", "image" if image else "title"]
    # the content after the front matter is exactly what the renderer made: no value leaked out of its line
    parts = split_front_matter(text)
    assert parts is not None
    content = fix_surrogates(render_content(article))
    assert parts[1] == content
    assert (liquid is False) == bool(re.search(r"\{[{%#]", content))
    assert not text.endswith("\n")
    text.encode("utf-8")


@PROPERTY_SETTINGS
@given(title=st.one_of(st.none(), nasty_text), url=st.one_of(st.none(), urls), date=instants,
       zone=st.sampled_from(ZONES), number=st.integers(min_value=1, max_value=5000))
def test_file_names_are_safe_and_stable(title, url, date, zone, number):
    code = make_code("ART", date, url or "")
    assert CODE_RE.match(code)
    file = post_filename(date, title, url, code, zone)
    assert file == post_filename(date, title, url, code, zone)
    for candidate in (file, with_suffix(file, number)):
        folder, name = candidate.split("/")
        assert folder == "_posts"
        assert is_safe_name(name), name
        assert len(name) <= MAX_NAME_LENGTH
        assert name[:10] == date.astimezone(zone or UTC).strftime("%Y-%m-%d")


# ---------------------------------------------------------------------- the same values through Jekyll's YAML

JEKYLL_READER = r"""
require "json"
require "yaml"
require "date"
# Jekyll 4 (lib/jekyll/document.rb, utils.rb): this regexp, then Psych.safe_load with Date and Time
FRONT = %r!\A(---\s*\n.*?\n?)^((---|\.\.\.)\s*$\n?)!m
out = JSON.parse(STDIN.read).map do |text|
  m = FRONT.match(text)
  data = Psych.safe_load(m[1], permitted_classes: [Date, Time], aliases: true)
  data.transform_values { |v| v.is_a?(Time) ? v.utc.strftime("%Y-%m-%dT%H:%M:%S.%LZ") : v }
      .merge("__content" => m.post_match)
end
puts JSON.generate(out)
"""


@pytest.mark.jekyll
def test_jekylls_yaml_reader_sees_the_same_values():
    """Ruby's Psych, as Jekyll calls it, loads 300 rendered posts with nasty values to the same strings."""
    rng = random.Random(20241018)
    alphabet = [*NASTY, *"abc XYZ-_:#\"'\\"]
    posts, expected = [], []
    for i in range(300):
        pick = lambda: "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))  # noqa: E731
        date = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10**8), milliseconds=i)
        url = "https://www.example.org/" + pick()
        article = Article(url=url, origin_url=url, title=pick(), description=pick(), category=pick(),
                          language=pick(), image=pick() or None, body=pick(), authors=[pick()] if i % 2 else [],
                          date=date, code=make_code("ART", date, url))
        text = render_post(article)
        posts.append(text)
        meta = parse_front_matter(text)
        meta["date"] = meta["date"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        meta["__content"] = split_front_matter(text)[1]
        expected.append(meta)
    proc = subprocess.run(["ruby", "-e", JEKYLL_READER], input=json.dumps(posts), capture_output=True, text=True,
                          encoding="utf-8", timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    for got, want in zip(json.loads(proc.stdout), expected, strict=True):
        # Jekyll's fence regexp also eats the blank line after the closing `---`
        want["__content"] = want["__content"].removeprefix("\n")
        assert got == want
