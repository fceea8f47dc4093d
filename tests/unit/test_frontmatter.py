"""Front matter: the seed's keys, order and style; double-quoted scalars that load back exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import yaml

from crawler.items import Article
from crawler.posts.frontmatter import (
    fix_surrogates,
    format_date,
    parse_front_matter,
    quote,
    render_front_matter,
    split_front_matter,
)

URL = "https://www.phnompenhpost.com/national/example-story"


def article(**changes) -> Article:
    values = {
        "url": URL, "origin_url": URL, "title": "Example story", "description": "What happened",
        "image": "https://cdn.example.org/a.jpg", "category": "NATIONAL", "language": "en",
        "date": datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC), "code": "ART2410180358A1B2C3",
    }
    values.update(changes)
    return Article(**values)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", '"plain"'),
        ('say "hi"', r'"say \"hi\""'),
        ("C:\\path\\n", r'"C:\\path\\n"'),
        ("line1\nline2\r\n", r'"line1\nline2\r\n"'),
        ("tab\there", r'"tab\there"'),
        ("nul\x00bell\x07esc\x1b", r'"nul\0bell\aesc\e"'),
        ("del\x7f c1\x9b", r'"del\x7F c1\x9B"'),
        ("nel\x85 ls\u2028 ps\u2029", r'"nel\N ls\L ps\P"'),
        ("bom\ufeff nonchar\ufffe\uffff", r'"bom\uFEFF nonchar\uFFFE\uFFFF"'),
        # printable non-ASCII stays readable
        ("កសិករម្រេចកំពត", '"កសិករម្រេចកំពត"'),
        ("café – “quoted” 😀 \u00a0nbsp", '"café – “quoted” 😀 \u00a0nbsp"'),
        ("עברית العربية", '"עברית العربية"'),
        # YAML syntax is inert inside double quotes
        ("key: value # not a comment", '"key: value # not a comment"'),
        ("--- !!python/object:os.system", '"--- !!python/object:os.system"'),
        # lone surrogates are replaced, pairs are joined
        ("bad\ud800end", '"bad\ufffdend"'),
        ("\ud83d\ude00", '"😀"'),
    ],
)
def test_quote(value, expected):
    assert quote(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", " ", "  padded  ", "null", "~", "true", "no", "1e3", "0x10", "2024-10-18", "@handle", "%TAG", "*alias",
     "&anchor", "!tag", "|", ">", "'single'", "[a, b]", "{a: b}", "a\\", "\\", '"', "#", "\t", "\n\n",
     "x" * 5000 + " " + "y" * 5000, "end with space ", "\u00a0", "\x00" * 3],
)
def test_quoted_values_load_back_exactly(value):
    assert yaml.safe_load(f"k: {quote(value)}") == {"k": value}


def test_fix_surrogates():
    assert fix_surrogates("ok") == "ok"
    assert fix_surrogates("\udc80x\ud83d") == "\ufffdx\ufffd"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC), "2024-10-18T03:58:50.000Z"),
        (datetime(2024, 10, 18, 10, 58, 50, 123999, tzinfo=timezone(timedelta(hours=7))), "2024-10-18T03:58:50.123Z"),
        (datetime(2024, 1, 1), "2024-01-01T00:00:00.000Z"),
    ],
)
def test_format_date(value, expected):
    assert format_date(value) == expected


def test_seed_order_and_style():
    text = render_front_matter(article())
    assert text == (
        "---\n"
        "layout: post\n"
        'code: "ART2410180358A1B2C3"\n'
        f'origin_url: "{URL}"\n'
        'image: "https://cdn.example.org/a.jpg"\n'
        'title: "Example story"\n'
        'description: "What happened"\n'
        'category: "NATIONAL"\n'
        'language: "en"\n'
        "date: 2024-10-18T03:58:50.000Z\n"
        "---\n"
    )


@pytest.mark.parametrize(
    ("changes", "options", "present", "absent"),
    [
        ({"image": None}, {}, [], ["image:"]),
        ({"authors": ["Post Staff", "Business Desk"]}, {}, ['author: "Post Staff, Business Desk"'], []),
        ({"authors": ["Post Staff"]}, {"optional_fields": ()}, [], ["author:"]),
        ({"authors": []}, {}, [], ["author:"]),
        ({"date_estimated": True}, {}, ["date_estimated: true"], []),
        ({"modified": datetime(2024, 10, 19, tzinfo=UTC), "tags": ["Mekong", 'a "b"']}, {},
         [], ["updated:", "tags:"]),
        ({"modified": datetime(2024, 10, 19, tzinfo=UTC), "tags": ["Mekong", 'a "b"']},
         {"optional_fields": ("author", "updated", "tags")},
         ["updated: 2024-10-19T00:00:00.000Z", 'tags: ["Mekong", "a \\"b\\""]'], []),
        ({}, {"render_with_liquid": False}, ["render_with_liquid: false"], []),
        ({}, {}, [], ["render_with_liquid", "date_estimated", "author"]),
    ],
)
def test_optional_keys(changes, options, present, absent):
    text = render_front_matter(article(**changes), **options)
    for line in present:
        assert f"\n{line}\n" in text
    for key in absent:
        assert key not in text
    loaded = parse_front_matter(text)
    assert loaded is not None
    keys = list(loaded)
    assert keys[:1] == ["layout"] and "date" in keys
    # optional keys always come after the seed's keys
    assert keys.index("date") == len([k for k in keys if k not in {
        "author", "updated", "tags", "date_estimated", "render_with_liquid"}]) - 1


def test_loads_back_with_the_intended_types():
    data = parse_front_matter(render_front_matter(article(authors=["Editorial Board"], date_estimated=True)))
    assert data == {
        "layout": "post", "code": "ART2410180358A1B2C3", "origin_url": URL, "image": "https://cdn.example.org/a.jpg",
        "title": "Example story", "description": "What happened", "category": "NATIONAL", "language": "en",
        "date": datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC), "author": "Editorial Board", "date_estimated": True,
    }


def test_missing_code_or_date_is_refused():
    with pytest.raises(ValueError, match="code and a date"):
        render_front_matter(article(code=None))
    with pytest.raises(ValueError, match="code and a date"):
        render_front_matter(article(date=None))
    with pytest.raises(ValueError, match="unknown optional"):
        render_front_matter(article(), optional_fields=("author", "summary"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\na: 1\n---\nbody", ("a: 1\n", "body")),
        ("---\r\na: 1\r\n---\r\nbody\n---\nmore", ("a: 1\r\n", "body\n---\nmore")),
        ("---\n---\n", ("", "")),
        ("---\na: 1\n---", ("a: 1\n", "")),
        ("no front matter", None),
        ("---\nnever closed\n", None),
        ("\n---\na: 1\n---\n", None),
    ],
)
def test_split_front_matter(text, expected):
    assert split_front_matter(text) == expected


def test_parse_front_matter_rejects_non_mappings_and_bad_yaml():
    assert parse_front_matter("---\n- a\n---\n") is None
    assert parse_front_matter('---\na: "unclosed\n---\n') is None
    assert parse_front_matter("---\na: 1\n---\n") == {"a": 1}
