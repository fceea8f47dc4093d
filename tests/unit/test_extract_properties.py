"""Property tests: any page built from the markup news pages use (figures, galleries, captions, toggles,
boxes, buttons, utility classes, headings, links, loose text) goes through the whole extraction without
an exception, and what comes out is safe Markdown that keeps the article's own paragraphs."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import extract_article

URL = "https://news.example.org/business/2024/10/rice-exporters-eye-new-markets"
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PARAGRAPHS = [
    "Rice exporters shipped more grain in the third quarter than in any quarter since records began.",
    "Shipments to buyers in the region rose by a fifth, while sales to more distant markets doubled.",
    "Millers said the harvest had been good, but warned that rising fuel prices could eat into margins.",
    "The ministry of commerce plans to open two more trade offices abroad next year, an official said.",
    "Quality certification would remain the main hurdle for new exporters, the official added on Tuesday.",
    "Freight companies said new routes had cut the journey time to the main ports by several days.",
]

CLASSES = ["caption", "credit", "gallery", "hidden", "overflow-hidden", "hidden md:block", "sticky", "share",
           "expandable-box", "meta__date", "favorite", "image", "media", "figure", "ImageCaption_caption",
           "caption-truncated", "more-caption", "count", "story-body", "related", "newsletter", ""]
ATTRIBUTES = ['class="{}"', 'role="button"', 'aria-expanded="false"', 'hidden', 'style="display:none"',
              'data-x="{}"', 'id="{}"']
TAGS = ["div", "section", "aside", "figure", "figcaption", "p", "span", "a", "button", "h2", "h3", "ul", "li",
        "picture", "blockquote", "details", "summary", "table", "td", "header", "em", "br"]
TEXTS = ["", "1 of 4", "... more", "less", "Caption", "4 min read", "Published 30 August 2023 at 14:52",
         "2024年04月24日23:52 | 来源：新华网", "Photo: Staff", "Follow us on Instagram", "Read more:",
         "{{ site.title }}",
         "<script>alert(1)</script>", "Jetzt abonnieren", "It also", "re-opened earlier this year.",
         "A caption for a picture of boats at dawn on the river",
         "<a href='/business/x'>" + "a long linked teaser headline " * 12 + "</a>"]


def attribute(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(ATTRIBUTES))
    return template.format(draw(st.sampled_from(CLASSES)))


@st.composite
def fragment(draw: st.DrawFn, depth: int = 0, max_depth: int = 4, texts: tuple[str, ...] = tuple(TEXTS)) -> str:
    """A random piece of markup: an element with random attributes, text, children, images and links."""
    if depth >= max_depth or draw(st.integers(0, 3)) == 0:
        choice = draw(st.integers(0, 3))
        if choice == 0:
            return draw(st.sampled_from(texts))
        if choice == 1:
            src = draw(st.sampled_from(["/img/a.jpg", "https://cdn.example.org/b.png", "data:image/gif;base64,AA",
                                        "javascript:alert(1)", ""]))
            alt = draw(st.sampled_from(["", "boats.jpg", "Boats at dawn", '"quoted" alt']))
            return f'<img src="{src}" alt="{alt}">'
        if choice == 2:
            href = draw(st.sampled_from(["/business/other-story", "https://elsewhere.example.com/x", "#top",
                                         "javascript:void(0)"]))
            return f'<a href="{href}">{draw(st.sampled_from(texts))}</a>'
        return "<p>A short filler line.</p>"
    tag = draw(st.sampled_from(TAGS))
    attrs = " ".join(attribute(draw) for _ in range(draw(st.integers(0, 2))))
    children = "".join(draw(fragment(depth + 1, max_depth, texts)) for _ in range(draw(st.integers(0, 3))))
    if tag == "br":
        return "<br>" + children
    return f"<{tag} {attrs}>{draw(st.sampled_from(texts))}{children}</{tag}>{draw(st.sampled_from(texts))}"


def page(before: str, middle: str, after: str) -> str:
    half = len(PARAGRAPHS) // 2
    first = "".join(f"<p>{text}</p>" for text in PARAGRAPHS[:half])
    second = "".join(f"<p>{text}</p>" for text in PARAGRAPHS[half:])
    return (f'<!DOCTYPE html><html lang="en"><head><title>Rice exporters eye new markets | Example</title>'
            f'</head><body><main><article class="story-body"><h1>Rice exporters eye new markets</h1>{before}'
            f"{first}{middle}{second}{after}</article></main></body></html>")


UNSAFE_RE = re.compile(r"<\s*(?:script|iframe|style)|javascript:|onerror|onclick", re.I)


@PROPERTY_SETTINGS
@given(before=fragment(), middle=fragment(), after=fragment())
def test_any_page_of_news_markup_extracts_without_error_and_safely(before: str, middle: str, after: str) -> None:
    """However much junk surrounds the article (even more text than the article has), extraction ends
    normally and writes nothing a browser would run."""
    article = extract_article(page(before, middle, after), URL)
    assert not UNSAFE_RE.search(article.body or "")
    assert not UNSAFE_RE.search(article.image_caption or "")


SHORT_TEXTS = tuple(t for t in TEXTS if len(t) < 60)


@PROPERTY_SETTINGS
@given(before=fragment(max_depth=2, texts=SHORT_TEXTS), middle=fragment(max_depth=2, texts=SHORT_TEXTS),
       after=fragment(max_depth=2, texts=SHORT_TEXTS))
def test_the_article_survives_any_chrome_smaller_than_it(before: str, middle: str, after: str) -> None:
    """Boxes, captions, toggles, hidden and clipped elements, datelines and notices around and between
    the paragraphs never cost a paragraph of the article (the junk is smaller than the article here)."""
    body = extract_article(page(before, middle, after), URL).body or ""
    for paragraph in PARAGRAPHS:
        assert paragraph in body
