"""Never lose an article: before a page is declared without one, the generic finder chooses again by
structure alone, then the page's JSON-LD articleBody and a second extraction strategy are tried; pages
that truly hold no article say why."""

from __future__ import annotations

import json

import pytest

from crawler.extract import extract_article
from crawler.extract.document import parse_document
from crawler.extract.fallback import fallback_content

URL = "https://www.harbour-news.example.org/region/2023/03/new-ferry-terminal-opens"
PARAGRAPHS = [
    "The new ferry terminal opened on Saturday after two years of building work on the northern quay.",
    "It has room for four ships at once, twice as many as the old terminal, and a covered waiting hall.",
    "The port authority said crossings to the islands would leave every half hour during the summer.",
    "Local traders welcomed the opening, saying the old terminal had been too small for the tourist season.",
    "The old building will be turned into a maritime museum, with the first rooms open next spring.",
]


def page(body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><title>New ferry terminal opens | Harbour News</title>{head}"
            f"</head><body><header><nav><a href='/'>Home</a> <a href='/region'>Region</a></nav></header>"
            f"{body}<footer><p>© Harbour News</p></footer></body></html>")


def paragraphs(items: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in items)


def test_article_text_in_sections_named_like_chrome_is_found() -> None:
    """Every section of the text is flagged with a modifier naming the ad slot it holds, and a cookie
    dialog sits beside it: the article is still chosen, by structure."""
    sections = "".join(f"<section class='Report__Section Report__Section--Ads'><div class='ad-slot'></div>"
                       f"<p>{text}</p></section>" for text in PARAGRAPHS)
    html = page(f"<main><article class='Report'><h1>New ferry terminal opens</h1>{sections}</article></main>"
                "<div class='cookie-banner' role='dialog'><p>We use cookies to improve your experience on our "
                "website and to show you relevant advertising.</p></div>")
    article = extract_article(html, URL)
    assert article.page_type == "article"
    for text in PARAGRAPHS:
        assert text in article.body
    assert "cookies" not in article.body


def test_a_short_visible_body_falls_back_to_the_declared_article_body() -> None:
    """The page renders its text with a script: only the JSON-LD articleBody holds it."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "New ferry terminal opens",
          "articleBody": "\n\n".join(PARAGRAPHS[:3])}
    html = page("<main><div id='app'><h1>New ferry terminal opens</h1></div></main>",
                f"<script type='application/ld+json'>{json.dumps(ld)}</script>")
    article = extract_article(html, URL)
    assert article.page_type == "article"
    assert article.body.split("\n\n") == PARAGRAPHS[:3]


def test_a_short_blog_post_is_kept_by_the_second_strategy() -> None:
    """A post of two sentences is shorter than any article the generic finder accepts; trafilatura still
    reads it, and the post keeps it."""
    text = "Snow again this morning. The ferry still sailed, and the harbour looked like a postcard at dawn."
    html = page(f"<div id='content'><div class='post'><h2>Snow at the harbour</h2><div class='entry'>"
                f"<p>{text}</p></div></div></div>")
    article = extract_article(html, URL)
    assert article.page_type == "article"
    assert text in article.body
    assert "Harbour News" not in article.body
    doc = parse_document(html, URL)
    assert fallback_content(doc)[1] == "trafilatura"


def test_a_site_wide_website_declaration_does_not_make_an_article_a_listing() -> None:
    """og:type website and a JSON-LD WebSite (a site search box) sit on every page of many sites."""
    ld = {"@context": "https://schema.org", "@type": "WebSite", "url": "https://www.harbour-news.example.org/",
          "potentialAction": {"@type": "SearchAction", "target": "https://www.harbour-news.example.org/?s={q}"}}
    html = page(f"<main><h1>New ferry terminal opens</h1>{paragraphs(PARAGRAPHS[:3])}</main>",
                f"<meta property='og:type' content='website'><script type='application/ld+json'>{json.dumps(ld)}"
                "</script>")
    article = extract_article(html, URL)
    assert article.page_type == "article"
    assert PARAGRAPHS[0] in article.body


@pytest.mark.parametrize(("html", "reason"), [
    (page("<main><h1>Region</h1>" + "".join(
        f"<h2><a href='/region/2023/03/story-{i}'>Story number {i} from the region this week</a></h2>"
        f"<p>A short summary of story {i}.</p>" for i in range(8)) + "</main>",
        "<meta property='og:type' content='website'>"), "listing"),
    (page("<main><h1>Region</h1>" + "".join(
        f"<article><h2><a href='/region/2023/03/story-{i}'>Story {i} from the region</a></h2>"
        f"<p>{PARAGRAPHS[i % 5]}</p></article>" for i in range(6)) + "</main>",
        "<script type='application/ld+json'>{\"@type\": \"CollectionPage\", \"name\": \"Region\"}</script>"),
     "listing"),
    (page("<main><h1>New ferry terminal opens</h1><p>Subscribe to read this article.</p></main>",
          "<meta property='og:type' content='article'><script type='application/ld+json'>"
          "{\"@type\": \"NewsArticle\", \"headline\": \"New ferry terminal opens\", \"isAccessibleForFree\": false}"
          "</script>"), "paywall"),
    (page("<main><h1>New ferry terminal opens</h1></main>", "<meta property='og:type' content='article'>"),
     "empty_body"),
])
def test_pages_without_an_article_say_why(html: str, reason: str) -> None:
    assert extract_article(html, URL).page_type == reason


def _element(html: str) -> object:
    import lxml.html

    return lxml.html.fragment_fromstring(html, create_parent="div")


def test_a_short_body_that_is_part_of_a_longer_text_gets_the_longer_text() -> None:
    """The generic finder chose one paragraph of the article (a box around it looked like the article):
    the second strategy's text, which holds that paragraph and the rest, replaces it."""
    from crawler.extract.fallback import second_opinion

    html = page(f"<main><article><h1>New ferry terminal opens</h1>{paragraphs(PARAGRAPHS)}</article></main>")
    doc = parse_document(html, URL)
    other = second_opinion(doc, _element(f"<p>{PARAGRAPHS[1]}</p>"))  # type: ignore[arg-type]
    assert other is not None
    text = " ".join(other.text_content().split())
    assert all(paragraph in text for paragraph in PARAGRAPHS)


def test_a_body_that_is_long_enough_or_not_part_of_the_text_keeps_its_own() -> None:
    from crawler.extract.fallback import second_opinion

    html = page(f"<main><article><h1>New ferry terminal opens</h1>{paragraphs(PARAGRAPHS)}</article></main>")
    doc = parse_document(html, URL)
    assert second_opinion(doc, _element(paragraphs(PARAGRAPHS))) is None  # the whole text: nothing to add
    unrelated = "<p>Island bus timetables change on Monday, with later evening services on all routes.</p>"
    assert second_opinion(doc, _element(unrelated)) is None  # not a part of the other text


def test_a_short_body_beside_the_article_gives_way_to_the_text_the_description_announces() -> None:
    """The generic finder chose a newsletter box: none of the words of the page's description are in it,
    most are in the second strategy's text, which replaces it. Without a description, or with a body the
    description's words are in, the body stays."""
    from crawler.extract.fallback import second_opinion

    newsletter = _element("<p>Fill in this form to receive our weekly letter. You can unsubscribe at any time "
                          "with the link at the end of each message; your address is never given to anyone.</p>")
    article = f"<main><article><h1>New ferry terminal opens</h1>{paragraphs(PARAGRAPHS)}</article></main>"
    described = page(article, "<meta property='og:description' content='The new ferry terminal on the northern "
                              "quay opened on Saturday, with room for four ships and a covered waiting hall.'>")
    other = second_opinion(parse_document(described, URL), newsletter)  # type: ignore[arg-type]
    assert other is not None
    assert all(paragraph in " ".join(other.text_content().split()) for paragraph in PARAGRAPHS)
    assert second_opinion(parse_document(page(article), URL), newsletter) is None  # type: ignore[arg-type]
    on_topic = _element(f"<p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p>")
    assert second_opinion(parse_document(described, URL), on_topic) is None  # type: ignore[arg-type]


def test_one_block_of_an_article_split_into_several_gets_the_whole_text_also_over_500_characters() -> None:
    """A site writes each part of the text in a block of its own; the generic finder chose one block of
    over 500 characters (under SECOND_OPINION_CHARS): the second strategy's text, which holds it and the
    others, replaces it."""
    from crawler.extract.fallback import second_opinion

    parts = [[p.replace("terminal", word) for p in PARAGRAPHS] for word in ("terminal", "quay", "pier", "dock", "hall")]
    blocks = "".join(f"<div class='textblock'>{paragraphs(part)}</div><div class='ad'></div>" for part in parts)
    doc = parse_document(page(f"<main><article><h1>New ferry terminal opens</h1>{blocks}</article></main>"), URL)
    found = _element(paragraphs(parts[1] + parts[2]))
    assert len(" ".join(found.text_content().split())) > 500
    other = second_opinion(doc, found)  # type: ignore[arg-type]
    assert other is not None
    text = " ".join(other.text_content().split())
    assert all(paragraph in text for part in parts for paragraph in part)
