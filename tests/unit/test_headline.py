"""Headline choice: decorations removed, sources voting, kickers, truncations (one rule per table row)."""

from __future__ import annotations

import json

import pytest

from crawler.extract.document import parse_document
from crawler.extract.headline import name_keys, strip_decorations
from crawler.extract.metadata import article_ld, find_title

URL = "https://www.harbortimes.example/region/port-expansion-approved-12345"


def title_of(head: str, body: str = "", url: str = URL) -> str | None:
    html = f"<html><head>{head}</head><body>{body}<article><p>Text of the story.</p></article></body></html>"
    doc = parse_document(html, url)
    return find_title(doc, None, article_ld(doc, url))


def ld(headline: str, **extra: str) -> str:
    obj = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline, **extra}
    return f"<script type='application/ld+json'>{json.dumps(obj)}</script>"


def meta(prop: str, content: str) -> str:
    return f"<meta property='{prop}' content='{content}'>"


@pytest.mark.parametrize(("title", "names", "url", "expected"), [
    # the site's name at either end, whatever the separator
    ("Port expansion approved | Harbor Times", ["Harbor Times"], None, "Port expansion approved"),
    ("Harbor Times - Port expansion approved", ["Harbor Times"], None, "Port expansion approved"),
    ("Port expansion approved\uff5cHarbor Times", ["Harbor Times"], None, "Port expansion approved"),
    # a byline after the site's name goes with it
    ("Port expansion approved * Harbor Times * by the city desk", ["Harbor Times"], None, "Port expansion approved"),
    ("Port expansion approved | Harbor Times | Region", ["Harbor Times"], None, "Port expansion approved"),
    # a longer spelling of the name ("... News", "The ...") and the host name when no name is declared
    ("Port expansion approved | Politics News | Harbor Times News", ["Harbor Times"], None, "Port expansion approved"),
    ("Port expansion approved - harbortimes.example", [], URL, "Port expansion approved"),
    ("Port expansion approved - Die Neue Harbortimes", [], URL, "Port expansion approved"),
    # one short "| Section" segment goes; a dash inside the headline stays
    ("Port expansion approved | Business", [], None, "Port expansion approved"),
    ("Port vote - what the council decided", ["Harbor Times"], None, "Port vote - what the council decided"),
    # a headline segment that starts with the site's name is not the site's name
    ("Harbor workers strike - what it means", ["Harbor"], None, "Harbor workers strike - what it means"),
    ("Port expansion approved - India", ["The Times of India"], None, "Port expansion approved - India"),
    ("Port expansion approved - Times of India", ["The Times of India"], None, "Port expansion approved"),
    # a headline that merely starts with the site's name is not a site name
    ("Harbor Times readers pick the best beach of the summer season", ["Harbor Times"], None,
     "Harbor Times readers pick the best beach of the summer season"),
])
def test_strip_decorations(title: str, names: list[str], url: str | None, expected: str) -> None:
    assert strip_decorations(title, name_keys(names, url)) == expected


@pytest.mark.parametrize(("head", "body", "expected"), [
    # JSON-LD leads: og, twitter, <title> and <h1> agreeing on another wording do not outvote it
    (ld("Council backs port expansion") + meta("og:title", "Port expansion approved after long night")
     + meta("twitter:title", "Port expansion approved after long night")
     + "<title>Port expansion approved after long night</title>",
     "<h1>Port expansion approved after long night</h1>", "Council backs port expansion"),
    # without JSON-LD og:title leads a tie with <title> + <h1>
    (meta("og:title", "Port expansion approved") + "<title>Council backs the port plan | Harbor Times</title>",
     "<h1>Council backs the port plan</h1>", "Port expansion approved"),
    # ... but loses when <title>, <h1> and twitter:title agree on something else
    (meta("og:title", "Port expansion approved") + meta("twitter:title", "Council backs the port plan")
     + "<title>Council backs the port plan | Harbor Times</title>",
     "<h1>Council backs the port plan</h1>", "Council backs the port plan"),
    # only <title> and <h1>: they agree once the site name is gone
    ("<title>Council backs the port plan - Harbor Times</title>", "<h1>Council backs the port plan</h1>",
     "Council backs the port plan"),
    # a declared title that is another candidate plus a tail ("- Region") is that candidate
    (meta("og:title", "Harbor dredging: work starts in May") + "<title>Harbor dredging: work starts in May - Region"
     "</title>", "", "Harbor dredging: work starts in May"),
    # JSON-LD with a section suffix agrees with og:title
    (ld("Harbor dredging: work starts in May | Region") + meta("og:title", "Harbor dredging: work starts in May"),
     "", "Harbor dredging: work starts in May"),
    # "A - B" and "A: B" agree; the wording most sources use is shown
    (ld("Harbor dredging - work starts in May") + meta("og:title", "Harbor dredging: work starts in May")
     + "<title>Harbor dredging: work starts in May - Region</title>", "", "Harbor dredging: work starts in May"),
    # JSON-LD naming the article twice (headline and a different name) splits its votes: the others decide
    (ld("Tears, then a comeback in the final", name="Games day 9: Tears for the pole vaulter, then a comeback")
     + meta("og:title", "Games day 9: Tears for the pole vaulter, then a comeback"),
     "<h1>Tears, then a comeback in the final</h1>", "Games day 9: Tears for the pole vaulter, then a comeback"),
    # a JSON-LD "name" that is an id is not a headline
    ("<script type='application/ld+json'>{\"@type\": \"NewsArticle\", \"name\": \"a-60a0111a-c2d2\"}</script>"
     + meta("og:title", "Port expansion approved"), "", "Port expansion approved"),
    # the logo <h1> (the site's name) is not the headline
    ("<title>Port expansion approved | Harbor Times</title>" + meta("og:site_name", "Harbor Times"),
     "<header><h1><a href='/'>Harbor Times</a></h1></header><h1>Port expansion approved</h1>",
     "Port expansion approved"),
    # a truncated og:title ("...") supports the full headline it starts
    (meta("og:title", "Port expansion approved after a long night of\u2026")
     + "<title>Council meets on Tuesday | Harbor Times</title>",
     "<h1>Port expansion approved after a long night of debate</h1>",
     "Port expansion approved after a long night of debate"),
])
def test_title_vote(head: str, body: str, expected: str) -> None:
    assert title_of(head, body) == expected


KICKER_H1 = ("<h1 class='article-title'><span class='article-title__overline'>Port vote</span>"
             "<span class='visually-hidden'>: </span><span class='article-title__text'>Expansion approved after a "
             "long night</span></h1>")


@pytest.mark.parametrize(("head", "expected"), [
    # og:title is the headline without the kicker the <h1> shows above it
    (meta("og:title", "Expansion approved after a long night"), "Expansion approved after a long night"),
    # og:title carries the same kicker: the kicker belongs to the headline
    (meta("og:title", "Port vote: Expansion approved after a long night"),
     "Port vote: Expansion approved after a long night"),
    # og:title carries a different kicker: the headline is what they share
    (meta("og:title", "City council: Expansion approved after a long night")
     + "<title>City council: Expansion approved after a long night - Region</title>",
     "Expansion approved after a long night"),
])
def test_kicker_in_h1_markup(head: str, expected: str) -> None:
    assert title_of(head, KICKER_H1) == expected


def test_a_quoted_headline_with_a_dash_is_not_split_at_its_dash() -> None:
    head = meta("og:title", "'I sell harbour cruises - booking early saves you hundreds'")
    body = "<h1>'I sell harbour boat cruises - booking early saves you hundreds'</h1>"
    title = title_of(head + "<title>'I sell harbour boat cruises - booking early saves you hundreds' - Harbor Times"
                     "</title>", body)
    assert title is not None and title.startswith("'I sell harbour")


def test_the_visible_h1_spelling_is_shown_when_it_agrees() -> None:
    head = ld("'Light and Sound': the harbour festival returns") + \
        meta("og:title", "'Light and Sound': the harbour festival returns")
    body = "<h1>\u2018Light and Sound\u2019: the harbour festival returns</h1>"
    assert title_of(head, body) == "\u2018Light and Sound\u2019: the harbour festival returns"
