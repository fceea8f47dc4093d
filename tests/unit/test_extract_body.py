"""Body extraction: profile selectors and chrome removal, lead image choice, caption, no repetition."""

from __future__ import annotations

import dataclasses
import re

import lxml.html
import pytest

from crawler.extract import extract_article
from crawler.extract.body import take_lead_image
from crawler.profiles import BodyRules, load_profiles

URL = "https://www.phnompenhpost.com/national/story"
PROFILE = load_profiles()["phnompenhpost"]
PARAS = "".join(f"<p>Body paragraph number {i} with enough words to be real article text.</p>" for i in range(6))


def content(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


@pytest.mark.parametrize(("html", "image", "caption"), [
    # a figure before the text: lead image with its caption (credit span joined by a space)
    ("<figure><img src='/lead.jpg'><figcaption>Boats at dawn. <span class='credit'>Staff</span></figcaption>"
     "</figure>" + PARAS, "https://www.phnompenhpost.com/lead.jpg", "Boats at dawn. Staff"),
    # a bare image in a link in a paragraph, caption in the next sibling
    ("<p><a href='/big.jpg'><img src='/lead.jpg'></a></p><p class='caption'>Boats.</p>" + PARAS,
     "https://www.phnompenhpost.com/lead.jpg", "Boats."),
    # WordPress caption box
    ("<div class='wp-caption'><img src='/lead.jpg'><p class='wp-caption-text'>Boats.</p></div>" + PARAS,
     "https://www.phnompenhpost.com/lead.jpg", "Boats."),
    # lazy-loaded, no caption
    ("<div><img src='data:image/gif;base64,AA' data-src='/lead.jpg'></div>" + PARAS,
     "https://www.phnompenhpost.com/lead.jpg", None),
    # an image wrapper named like media inside a <figure>, the figcaption beside the wrapper
    ("<figure class='go-media'><div class='go-media__wrap'><img src='/lead.jpg'></div>"
     "<figcaption><span class='go-media__caption'>Boats at dawn.</span></figcaption></figure>" + PARAS,
     "https://www.phnompenhpost.com/lead.jpg", "Boats at dawn."),
    # the image in a lightbox button inside layout wrappers, the caption box after them
    ("<div class='hero'><div class='image_image'><div class='image_media'><button class='enlarge'>"
     "<img src='/lead.jpg'></button></div></div><div class='ImageCaption_caption'>Boats at dawn.</div></div>" + PARAS,
     "https://www.phnompenhpost.com/lead.jpg", "Boats at dawn."),
    # a stand-in <img> beside the picture in its figure, and an unnamed credit span (BBC)
    ("<figure><div><img src='/grey-placeholder.png'><img src='/lead.jpg' alt='Boats'><span class='x1'>Boats Agency"
     "</span></div></figure>" + PARAS, "https://www.phnompenhpost.com/lead.jpg", "Boats Agency"),
])
def test_lead_image_before_text(html: str, image: str, caption: str | None) -> None:
    element = content(html)
    assert take_lead_image(element, URL, None) == (image, caption)
    remaining = element.text_content()
    assert "lead.jpg" not in lxml.html.tostring(element, encoding="unicode")
    assert (caption or "Boats") not in remaining
    assert remaining.strip().startswith("Body paragraph number 0")


def test_image_after_the_first_paragraph_is_not_the_lead() -> None:
    element = content(PARAS[:80] + "<figure><img src='/inline.jpg'><figcaption>Inline.</figcaption></figure>" + PARAS)
    assert take_lead_image(element, URL, None) == (None, None)
    assert "inline.jpg" in lxml.html.tostring(element, encoding="unicode")


def test_icons_and_avatars_are_not_lead_images() -> None:
    element = content("<img src='/img/author-avatar.png'><img src='/x.png' width='40' height='40'>" + PARAS)
    assert take_lead_image(element, URL, "https://cdn.example.org/og.jpg") == ("https://cdn.example.org/og.jpg", None)


def test_declared_image_is_the_lead_when_content_has_none() -> None:
    element = content(PARAS)
    assert take_lead_image(element, URL, "https://cdn.example.org/og.jpg") == ("https://cdn.example.org/og.jpg", None)


def test_declared_image_found_in_the_body_moves_up_with_its_caption() -> None:
    element = content(PARAS[:80] + "<figure><img src='https://cdn.example.org/og.jpg?w=800'>"
                      "<figcaption>Moved.</figcaption></figure>" + PARAS)
    assert take_lead_image(element, URL, "https://cdn.example.org/og.jpg") == (
        "https://cdn.example.org/og.jpg?w=800", "Moved.")
    assert "og.jpg" not in lxml.html.tostring(element, encoding="unicode")


def test_a_gallery_slide_that_repeats_the_lead_picture_goes() -> None:
    """The lead picture shown again further down (a gallery's first or last slide) is not shown twice;
    the gallery's other slides stay."""
    gallery = ("<div class='gallery'><figure><img src='/slide-1.jpg'><figcaption>Smoke over the roofs."
               "</figcaption></figure><figure><img src='/lead.jpg?w=1200'><figcaption>Again the lead."
               "</figcaption></figure></div>")
    element = content("<figure><img src='/lead.jpg'><figcaption>Boats at dawn.</figcaption></figure>"
                      + PARAS + gallery)
    assert take_lead_image(element, URL, None) == ("https://www.phnompenhpost.com/lead.jpg", "Boats at dawn.")
    markup = lxml.html.tostring(element, encoding="unicode")
    assert "lead.jpg" not in markup and "Again the lead." not in markup
    assert "slide-1.jpg" in markup and "Smoke over the roofs." in markup


def test_content_that_is_only_the_lead_image_ends() -> None:
    """A content element that is itself the image: nothing to take out after it (no endless search)."""
    element = lxml.html.fragment_fromstring("<img src='/lead.jpg'>")
    assert take_lead_image(element, URL, None) == ("https://www.phnompenhpost.com/lead.jpg", None)


def test_profile_selector_and_remove_list() -> None:
    html = ("<html><head><title>Story | Phnom Penh Post</title></head><body><article><h1>Story</h1>"
            "<div class='article-content'><figure class='lead-image'><img src='/lead.jpg'>"
            "<figcaption>Lead caption.</figcaption></figure><div class='article-body'>" + PARAS +
            "<div class='ad-slot'><span class='ad-label'>Advertisement</span></div>"
            "<div class='share-buttons'>Share on Facebook</div></div></div>"
            "<section class='related-articles'><h2>Related articles</h2></section></article></body></html>")
    article = extract_article(html, URL, PROFILE)
    assert article.image == "https://www.phnompenhpost.com/lead.jpg"
    assert article.image_caption == "Lead caption."
    assert article.body.startswith("Body paragraph number 0")
    assert article.body.count("\n\n") == 5
    for chrome in ("Advertisement", "Share on Facebook", "Related articles", "lead.jpg"):
        assert chrome not in article.body


def test_selector_that_matches_nothing_falls_back_to_generic_extraction() -> None:
    profile = dataclasses.replace(PROFILE, body=BodyRules(selector="div.no-such-class"))
    html = f"<html><head><title>Story</title></head><body><article><h1>Story</h1>{PARAS}</article></body></html>"
    article = extract_article(html, URL, profile)
    assert article.page_type == "article"
    assert re.search(r"^Body paragraph number 0.*number 5", article.body, re.S)


def test_body_never_contains_raw_html_or_handlers() -> None:
    html = ("<html><head><title>Story</title></head><body><div class='article-content'>"
            "<p onclick='x()'>Text <a href='javascript:alert(1)'>link</a> <b onmouseover='y()'>bold</b>.</p>"
            "<script>alert(1)</script><iframe src='https://www.youtube.com/embed/AbCdEf12345'></iframe>"
            "<object data='/x.swf'></object><form><input></form>" + PARAS + "</div></body></html>")
    article = extract_article(html, URL, PROFILE)
    assert article.body.startswith("Text link **bold**.\n\n[https://www.youtube.com/watch?v=AbCdEf12345](")
    assert not re.search(r"<\s*[a-zA-Z]|javascript:|onclick|onmouseover", article.body)


def test_captions_false_leaves_every_image_caption_out_and_changes_nothing_else() -> None:
    html = ("<html><head><title>Story</title></head><body><article><h1>Story</h1>"
            "<figure><img src='/lead.jpg'><figcaption>Lead caption.</figcaption></figure>" + PARAS +
            "<figure><img src='/inline.jpg'><figcaption>Inline caption.</figcaption></figure>" + PARAS +
            "</article></body></html>")
    posted = extract_article(html, URL)
    text = extract_article(html, URL, captions=False)
    assert (posted.image_caption, text.image_caption) == ("Lead caption.", None)
    assert "Inline caption." in posted.body and "Inline caption." not in text.body
    assert text.body == posted.body.replace("\n\nInline caption.", "")
    assert (text.image, text.title) == (posted.image, posted.title)


def test_images_keep_their_captions_and_stray_captions_go() -> None:
    """An image in a lightbox <button> or a clipped <picture> (Tailwind's overflow-hidden) is content; a
    caption whose image a script would load (no image in the page) is a stray line; a file name is no alt."""
    html = ("<html><head><title>Story</title></head><body><article><h1>Story</h1>" + PARAS +
            "<figure><div class='image'><button class='enlarge'><img src='/in-button.jpg' alt='pier.jpg'>"
            "</button></div><div class='caption'>Pier at noon.</div></figure>" + PARAS +
            "<figure><picture class='isolate block relative overflow-hidden'><img src='/clipped.jpg'></picture>"
            "<figcaption>Market at dusk.</figcaption></figure>" + PARAS +
            "<div class='InlineImage-imageEmbed'><div class='InlineImage-placeholder'></div>"
            "<div class='InlineImage-imageEmbedCaption'>A picture the page never loads.</div>"
            "<div class='InlineImage-imageEmbedCredit'>Agency</div></div>" + PARAS +
            "</article></body></html>")
    body = extract_article(html, URL).body
    assert "![](https://www.phnompenhpost.com/in-button.jpg)\n\nPier at noon." in body
    assert "![](https://www.phnompenhpost.com/clipped.jpg)\n\nMarket at dusk." in body
    assert "never loads" not in body and "Agency" not in body
    assert body.count("Body paragraph number 5") == 4


def test_a_caption_opening_the_content_without_its_image_goes_with_the_declared_image() -> None:
    """The hero image was page chrome (or is loaded by a script); its caption and credit still open the
    content: they are the declared lead image's caption, not body text."""
    element = content("<div class='box'><div class='caption-text'>Boats at dawn.</div>"
                      "<div class='credit'>(Image: Staff)</div></div>" + PARAS)
    assert take_lead_image(element, URL, "https://cdn.example.org/og.jpg") == (
        "https://cdn.example.org/og.jpg", "Boats at dawn. (Image: Staff)")
    assert element.text_content().strip().startswith("Body paragraph number 0")


def test_a_caption_after_the_first_text_is_not_taken_for_the_declared_image() -> None:
    element = content(PARAS[:80] + "<div class='caption'>Boats at dawn.</div>" + PARAS)
    assert take_lead_image(element, URL, "https://cdn.example.org/og.jpg") == ("https://cdn.example.org/og.jpg", None)
    assert "Boats at dawn." in element.text_content()
