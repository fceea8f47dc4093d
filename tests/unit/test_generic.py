"""Generic main-content finding on hand-made pages shaped like real news templates."""

from __future__ import annotations

import copy
import json

import lxml.etree
import lxml.html
import pytest

from crawler.extract.boilerplate import chrome_strength, is_dateline, is_meta_row, is_notice, is_reading_time
from crawler.extract.document import parse_document
from crawler.extract.generic import find_main_content

URL = "https://news.example.org/business/2024/10/rice-exporters-eye-new-markets"

PARAGRAPHS = [
    "Rice exporters shipped more grain in the third quarter than in any quarter since the trade "
    "association began keeping records, the association's director said on Tuesday.",
    "Shipments to buyers in the region rose by a fifth, while sales to more distant markets doubled, "
    "helped by new freight routes that cut the journey time to the main ports by several days.",
    "Millers said the harvest had been good, but warned that rising fuel prices could eat into the "
    "margins of smaller exporters who cannot negotiate long-term freight contracts.",
    "The ministry of commerce plans to open two more trade offices abroad next year, an official said, "
    "adding that quality certification would remain the main hurdle for new exporters.",
]

NAV = """
<header class="site-header"><nav class="main-nav"><ul>
  <li><a href="/national">National</a></li><li><a href="/business">Business</a></li>
  <li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li></ul></nav></header>
"""

FOOTER = """
<footer class="site-footer"><p>About us · Contact · Advertise with us · Terms of use · Privacy policy.
Example Org publishes news from the region every day of the year.</p></footer>
"""

TEASERS = """
<section class="more-coverage"><h2>More from Business</h2><ul class="grid">
  <li><h3><a href="/business/fuel-prices-ease">Fuel prices ease for a second straight period</a></h3>
      <p>Pump prices fell again this week as the regulator passed on lower import costs to drivers.</p></li>
  <li><h3><a href="/business/cafe-owners-brace">Cafe owners brace for rising coffee bean prices</a></h3>
      <p>Owners of small cafes say they will have to raise prices if bean costs keep climbing this year.</p></li>
  <li><h3><a href="/business/microfinance-statements">Microfinance borrowers to get clearer statements</a></h3>
      <p>A new code of conduct obliges lenders to show the full cost of a loan on every monthly statement.</p></li>
</ul></section>
"""


def article_page(body: str, *, head: str = "", around: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><title>Rice exporters eye new markets | Example Org</title>
<meta property="og:title" content="Rice exporters eye new markets as shipments climb">{head}</head>
<body>{NAV}<main><article class="story">{body}</article>{around}</main>
<aside class="sidebar"><h3>Most read</h3><ol>
  <li><a href="/a">A long headline about something else entirely that many readers clicked</a></li>
  <li><a href="/b">Another long headline about a different story on the same site today</a></li></ol></aside>
{FOOTER}</body></html>"""


def paragraphs(items: list[str] = PARAGRAPHS) -> str:
    return "".join(f"<p>{text}</p>" for text in items)


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def find(html: str, url: str = URL) -> lxml.html.HtmlElement | None:
    return find_main_content(parse_document(html, url))


def test_finds_the_article_and_leaves_navigation_sidebar_and_footer_out() -> None:
    found = find(article_page("<h1>Rice exporters eye new markets as shipments climb</h1>" + paragraphs()))
    assert found is not None
    text = text_of(found)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for chrome in ("National", "Most read", "Advertise with us", "A long headline"):
        assert chrome not in text


def test_returns_a_detached_copy_and_leaves_the_document_untouched() -> None:
    doc = parse_document(article_page(paragraphs() + '<div class="share-bar"><a href="#">Share</a></div>'), URL)
    before = lxml.html.tostring(doc.tree)
    found = find_main_content(doc)
    assert found is not None
    assert found.getparent() is None
    assert found.getroottree().getroot() is found
    assert lxml.html.tostring(doc.tree) == before
    found.clear()  # changing the result does not touch the document either
    assert lxml.html.tostring(doc.tree) == before


def test_keeps_figures_captions_subheadings_lists_and_tables() -> None:
    body = (
        '<figure><img src="/img/harvest.jpg" alt=""><figcaption>Farmers load rice onto a truck near the port. '
        "Photo: Example Org</figcaption></figure>"
        + paragraphs(PARAGRAPHS[:2])
        + "<h2>Freight routes</h2>"
        + paragraphs(PARAGRAPHS[2:])
        + "<ul><li>Quarterly exports rose to a record level across all grades</li>"
        "<li>Fragrant rice made up the largest share of the growth this quarter</li></ul>"
        "<table><tr><th>Market</th><th>Change</th></tr><tr><td>Region</td><td>+20%</td></tr>"
        "<tr><td>Overseas</td><td>+100%</td></tr></table>"
    )
    found = find(article_page(body))
    assert found is not None
    assert found.find(".//figure/img") is not None
    assert "Farmers load rice onto a truck" in text_of(found)
    assert [h.text for h in found.iter("h2")] == ["Freight routes"]
    assert len(found.findall(".//li")) == 2
    assert found.find(".//table") is not None and "Overseas" in text_of(found)


def test_removes_chrome_inside_the_article() -> None:
    body = (
        "<h1>Rice exporters eye new markets as shipments climb</h1>"
        '<div class="byline">By the business desk</div><time datetime="2024-10-18">18 October 2024</time>'
        '<div class="social-share"><a href="https://facebook.com/sharer">Facebook</a>'
        '<a href="https://x.com/share">X</a><span>Share this article with your friends and family</span></div>'
        + paragraphs(PARAGRAPHS[:2])
        + "<p>Advertisement</p>"
        + '<div class="newsletter-box"><h3>Get the morning briefing</h3><p>The stories that matter, in your '
        'inbox before breakfast every weekday.</p><form><input type="email" name="email"><button>Sign up'
        "</button></form></div>"
        + paragraphs(PARAGRAPHS[2:])
        + '<div class="related-articles"><h3>Related</h3><ul><li><a href="/x">Exporters face new rules on '
        "grain quality certificates</a></li><li><a href=\"/y\">Port expansion to finish early next year"
        "</a></li></ul></div>"
    )
    found = find(article_page(body))
    assert found is not None
    text = text_of(found)
    assert all(paragraph in text for paragraph in PARAGRAPHS)
    for chrome in ("Rice exporters eye new markets", "business desk", "18 October 2024", "Share this article",
                   "Advertisement", "morning briefing", "inbox before breakfast", "Related", "Port expansion"):
        assert chrome not in text, chrome


def test_a_short_embedded_tweet_is_kept_with_the_article() -> None:
    tweet = ('<blockquote class="twitter-tweet"><p lang="en">Ferries run again <a href="https://twitter.com/'
             'hashtag/monsoon">#monsoon</a> <a href="https://t.co/x1AbCd">pic.twitter.com/x1AbCd</a></p>&mdash; '
             'Port Desk (@portdesk) <a href="https://twitter.com/portdesk/status/1850000000000000000">October 18, '
             '2024</a></blockquote>')
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + tweet + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert all(paragraph in text for paragraph in PARAGRAPHS)
    assert "Ferries run again #monsoon pic.twitter.com/x1AbCd" in text
    assert "Port Desk (@portdesk) October 18, 2024" in text


@pytest.mark.parametrize("href", ["/abo/probeabo.php", "https://subscribe.example.org/subscribe/digital?src=x",
                                  "/v2/offers/spring"])
def test_unnamed_box_around_a_subscription_link_is_left_out(href: str) -> None:
    box = ('<div class="col-md-8 mx-auto mt-4 bg-light"><p class="mt-3">Two weeks free</p><p>Read the newspaper '
           "that covers the region's farms and markets every day: try it for two weeks, delivered to your door, "
           f'and the trial ends by itself.</p><div class="text-center"><a href="{href}">Order now</a></div></div>')
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + box + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert text == "".join(PARAGRAPHS)


@pytest.mark.parametrize("byline", [
    '<figure class="flex gap-2"><img src="/img/reporter.jpg" alt=""><figcaption><address>By <a href="/authors/'
    'a-reporter/">A. Reporter</a>, business correspondent</address> 18.10.2024, 10:58</figcaption></figure>',
    '<div class="mt-2"><a href="/autoren/eine-redakteurin/">Eine Redakteurin</a>, Wirtschaftsredaktion</div>',
])
def test_byline_boxes_are_left_out_and_author_links_in_the_text_stay(byline: str) -> None:
    mention = ('<p>The association\'s figures were first analysed by <a href="/authors/a-reporter/">our '
               "correspondent</a>, who has covered the rice trade for a decade and spoke to several exporters.</p>")
    found = find(article_page(byline + paragraphs(PARAGRAPHS[:2]) + mention + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert "Reporter" not in text and "Redakteurin" not in text and found.find(".//img") is None
    assert "who has covered the rice trade for a decade" in text
    assert all(paragraph in text for paragraph in PARAGRAPHS)


def test_a_byline_box_never_takes_the_standfirst_next_to_it() -> None:
    standfirst = "Shipments climbed to a record in the third quarter as exporters found buyers further afield"
    header = (f'<header><h1>Rice exporters eye new markets</h1><div class="teaser lead">{standfirst}</div>'
              '<address class="author">By A. Reporter</address></header>')
    found = find(article_page(header + paragraphs()))
    assert found is not None
    text = text_of(found)
    assert standfirst in text and "A. Reporter" not in text


def test_unnamed_signup_box_around_a_form_is_left_out() -> None:
    box = ('<div class="mt-4 grid p-2"><h3 class="text-lg">Your city, every morning</h3><p class="text-sm">'
           "The day's local news in your inbox, free of charge, every weekday morning.</p><form action='/s'>"
           '<input type="email" name="e"><button>Go</button></form><p class="text-xs">You can unsubscribe '
           "at any time with one click.</p></div>")
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + box + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert all(paragraph in text for paragraph in PARAGRAPHS)
    assert "every morning" not in text and "unsubscribe" not in text


@pytest.mark.parametrize("heading", ['<h2 id="toc_1">', '<h2 class="article-middle-headline headline_size-1">',
                                     '<h3 class="voc-d-c__s-title">'])
def test_subheadings_named_like_furniture_stay(heading: str) -> None:
    tag = heading[1:3]
    body = paragraphs(PARAGRAPHS[:2]) + f"{heading}Freight routes</{tag}>" + paragraphs(PARAGRAPHS[2:])
    found = find(article_page(body))
    assert found is not None
    assert [h.text for h in found.iter(tag)] == ["Freight routes"]


def test_a_subheading_repeating_the_headline_is_left_out() -> None:
    body = ('<div class="head"><h2 class="title">Rice exporters eye new markets as shipments climb</h2></div>'
            + paragraphs() + "<h2>What comes next</h2><p>" + PARAGRAPHS[0].replace("Tuesday", "Friday") + "</p>")
    found = find(article_page(body))
    assert found is not None
    assert [h.text for h in found.iter("h2")] == ["What comes next"]


def test_teaser_cards_below_the_article_are_left_out() -> None:
    found = find(article_page(paragraphs(), around=TEASERS))
    assert found is not None
    text = text_of(found)
    assert PARAGRAPHS[-1] in text
    for teaser in ("More from Business", "Fuel prices ease", "Pump prices fell", "full cost of a loan"):
        assert teaser not in text


def test_many_teaser_cards_do_not_pull_the_container_away_from_a_short_article() -> None:
    """Teaser summaries with more text than the article itself still stay out."""
    many = TEASERS.replace('<ul class="grid">', '<ul class="grid">' + TEASERS.split('<ul class="grid">')[1]
                           .split("</ul>")[0] * 3)
    found = find(article_page(paragraphs(PARAGRAPHS[:2]), around=many))
    assert found is not None
    text = text_of(found)
    assert PARAGRAPHS[0] in text and PARAGRAPHS[1] in text
    assert "Pump prices fell" not in text


def test_comment_threads_longer_than_the_article_are_left_out() -> None:
    comments = "".join(
        f'<li class="comment"><div class="comment-body"><p>Reader comment number {i}: I have been following '
        "the rice trade for years and I think the numbers hide how hard this year was for small farmers "
        "who sold early.</p></div></li>" for i in range(12)
    )
    found = find(article_page(paragraphs(), around=f'<section id="comments"><ol>{comments}</ol></section>'))
    assert found is not None
    text = text_of(found)
    assert PARAGRAPHS[0] in text
    assert "Reader comment" not in text


@pytest.mark.parametrize("box", [
    # a fact box beside the text (the text's own paragraphs are the article)
    '<div class="article-factbox"><h3>Rice exports at a glance</h3><p>Main buyers are in the region; the '
    "association has published quarterly figures since the trade body was founded.</p></div>",
    '<div class="flexmodule flexmodule--infobox"><p>Further information about the quarterly figures of the '
    "association can be requested from its secretariat on working days.</p></div>",
    # a pull quote, an affiliate disclosure, a call-to-action box and a screen-reader hint
    '<div class="pullQuote"><p>Millers said the harvest had been good this year, but warned about fuel.</p></div>',
    '<div class="vl_disclosure">Example Org may earn a commission when you buy through links on this page, '
    "which helps to fund our reporting.</div>",
    '<div class="nrplus-cta"><h4>Something to consider</h4><p>If you enjoyed this article, become a member and '
    "read all of our journalism without limits.</p></div>",
    '<p><a href="/freight">freight routes<span class="go-vh"> opens in a new window, with more details</span>'
    "</a> were mentioned in the report by several of the exporters.</p>",
])
def test_boxes_named_as_page_furniture_are_left_out(box: str) -> None:
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + box + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert all(paragraph in text for paragraph in PARAGRAPHS)
    for chrome in ("at a glance", "secretariat", "fuel.", "commission", "without limits", "new window"):
        assert chrome not in text, chrome


@pytest.mark.parametrize("notice", [
    "<p><em>Example Org may earn a commission from purchases made through links in this article.</em></p>",
    "<p><strong>You have read 3 of 5 free stories. Subscribe now to continue reading.</strong></p>",
    "<p>Il vous reste 57.09% de cet article à lire. La suite est réservée aux abonnés.</p>",
    "<p>Bitte aktivieren Sie JavaScript, um alle Funktionen dieser Seite zu nutzen.</p>",
    "<p><b><i>For more stories like this, sign up for our free morning newsletter.</i></b></p>",
    "<p><b>Got a story? Get in touch with our news team by emailing us at desk@example.org.</b></p>",
    "<div class='player-with-placeholder__caption'>Media playback is unsupported on your device</div>",
    "<p><span class='off-screen'>Image copyright </span><span class='off-screen'>Image caption </span></p>",
])
def test_site_notices_inside_the_article_are_left_out(notice: str) -> None:
    found = find(article_page(paragraphs(PARAGRAPHS[:3]) + notice + paragraphs(PARAGRAPHS[3:])))
    assert found is not None
    text = text_of(found)
    assert all(paragraph in text for paragraph in PARAGRAPHS)
    assert text == "".join(PARAGRAPHS)


@pytest.mark.parametrize("line", [
    "Publié le 30 août 2023 à 14h52, modifié le 30 août 2023 à 15h54",
    "5 gennaio 2025 (modifica il 6 gennaio 2025 | 15:24)",
    "sexta-feira, 22 de outubro de 2010 às 20:13",
    "Lundi 3 juin 2024 à 9h05",
    "18.07.2024, 11.08 Uhr · 7 min",
])
def test_date_stamps_in_many_languages_are_left_out(line: str) -> None:
    sentence = "<p>The talks on 5 May 2024 ended at 14:00 without a deal.</p>"
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + f"<p>{line}</p>" + sentence + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert line not in text and "The talks on 5 May 2024 ended at 14:00 without a deal." in text


def test_pull_quotes_and_captions_repeating_the_text_are_left_out() -> None:
    quote = "<blockquote><p>Rising fuel prices could eat into the margins of smaller exporters</p></blockquote>"
    caption = ('<div class="image"><img src="/img/port.jpg"><p class="image-caption">New freight routes that cut the '
               "journey time to the main ports by several days</p></div>")
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + quote + caption + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert all(paragraph in text for paragraph in PARAGRAPHS)
    assert text.count("eat into the margins") == 1 and text.count("cut the journey time") == 1


def test_paragraphs_repeating_words_of_other_paragraphs_stay() -> None:
    """Plain paragraphs are the text: a short one inside a longer one (a recipe line, a repeated question) stays,
    and so does a quote that is not a copy."""
    lines = ["<p>Rice salad: one cup of rice, half a cup of beans and a spoon of oil</p>",
             "<p>Rice salad: one cup of rice, half a cup of beans and a spoon of oil, plus herbs for the second "
             "week</p>", "<blockquote><p>We have never shipped this much rice in a single quarter before</p>"
             "</blockquote>"]
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + "".join(lines) + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert text.count("one cup of rice, half a cup of beans and a spoon of oil") == 2
    assert "never shipped this much rice" in text


def test_repeated_gallery_captions_are_kept_once() -> None:
    caption = "A worker weighs sacks of milled rice at a warehouse on the outskirts of the capital."
    slides = "".join(f'<figure><img src="/img/{i}.jpg"><figcaption>{caption}</figcaption></figure>' for i in range(3))
    found = find(article_page(slides + paragraphs()))
    assert found is not None
    assert text_of(found).count(caption) == 1
    assert len(found.findall(".//img")) == 3


def test_pages_without_article_text_give_none() -> None:
    listing = "".join(f'<li><a href="/business/story-{i}">Headline of business story number {i} on the '
                      "listing page</a></li>" for i in range(30))
    assert find(f"<html><body>{NAV}<ul>{listing}</ul>{FOOTER}</body></html>") is None
    assert find("<html><body></body></html>") is None
    assert find("<html><body><p>Page not found.</p></body></html>") is None


MORE_PARAGRAPHS = [
    "Traders expect the new season's crop to arrive at the mills a few weeks early, after the rains came "
    "sooner than usual in the main growing provinces.",
    "Several exporters said they were negotiating with shipping lines for dedicated container slots, "
    "which would protect them from the sudden freight surcharges seen last year.",
    "Buyers from overseas markets have asked for more detailed records on how the rice was grown, "
    "and the association is drafting a common form that all of its members can use.",
    "The association will publish its next quarterly figures in January, together with a forecast "
    "for the first half of the coming year.",
]


def test_json_ld_article_body_replaces_a_truncated_visible_body() -> None:
    full = "\n\n".join(PARAGRAPHS + MORE_PARAGRAPHS)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "articleBody": full})
    standfirst = "Shipments climbed to a record in the third quarter as exporters found buyers further afield."
    html = article_page(f'<p class="standfirst">{standfirst}</p><figure><img src="/lead.jpg"></figure>'
                        + paragraphs(PARAGRAPHS[:1]) + '<div class="paywall-prompt"><p>Subscribe to read the rest '
                        "of this story.</p></div>", head=f'<script type="application/ld+json">{ld}</script>')
    found = find(html)
    assert found is not None
    assert [" ".join(p.text_content().split()) for p in found.iter("p")] == [standfirst, *PARAGRAPHS, *MORE_PARAGRAPHS]
    assert found.find(".//figure/img") is not None  # the lead figure shown before the text stays


def test_json_ld_article_body_is_ignored_when_the_page_holds_the_whole_text() -> None:
    ld = json.dumps({"@type": "NewsArticle", "articleBody": " ".join(PARAGRAPHS)})
    found = find(article_page("<figure><img src='/a.jpg'></figure>" + paragraphs(),
                              head=f'<script type="application/ld+json">{ld}</script>'))
    assert found is not None
    assert found.find(".//img") is not None  # the page's own element, not a rebuilt one


def test_json_ld_article_body_that_repeats_itself_is_not_trusted() -> None:
    doubled = " ".join(PARAGRAPHS * 2) + " " + " ".join(PARAGRAPHS * 2)
    ld = json.dumps({"@type": "NewsArticle", "articleBody": doubled})
    found = find(article_page(paragraphs(PARAGRAPHS[:2]), head=f'<script type="application/ld+json">{ld}</script>'))
    assert found is not None
    assert text_of(found).count(PARAGRAPHS[0]) == 1


def test_scripts_styles_and_hidden_elements_never_come_back() -> None:
    body = (paragraphs(PARAGRAPHS[:2]) + "<script>var tracking = 'track this reader everywhere';</script>"
            "<style>.story { color: red }</style><div style='display: none'>Hidden promotional text that "
            "readers never see on the page at all.</div><p hidden>Another hidden paragraph that no one reads "
            "on this page.</p>" + paragraphs(PARAGRAPHS[2:]))
    found = find(article_page(body))
    assert found is not None
    assert not found.findall(".//script") and not found.findall(".//style")
    text = text_of(found)
    assert "tracking" not in text and "Hidden promotional" not in text and "Another hidden" not in text


def test_deeply_nested_pages_do_not_crash() -> None:
    doc = parse_document(article_page("<div id='deep'></div>"), URL)
    node = doc.tree.get_element_by_id("deep")
    for _ in range(10_000):
        node = lxml.etree.SubElement(node, "div")
    for text in PARAGRAPHS:
        lxml.etree.SubElement(node, "p").text = text
    found = find_main_content(doc)
    assert found is not None
    assert PARAGRAPHS[-1] in found.text_content()


@pytest.mark.parametrize("wrapper", ["form", 'div class="layout-with-sidebar"', 'div id="share-root"'])
def test_a_chrome_named_wrapper_around_the_whole_page_is_not_chrome(wrapper: str) -> None:
    tag = wrapper.split()[0]
    html = article_page(paragraphs()).replace("<body>", f"<body><{wrapper}>").replace("</body>", f"</{tag}></body>")
    found = find(html)
    assert found is not None
    assert all(paragraph in text_of(found) for paragraph in PARAGRAPHS)


def test_the_same_page_gives_the_same_element_twice() -> None:
    doc = parse_document(article_page(paragraphs(), around=TEASERS), URL)
    first, second = find_main_content(doc), find_main_content(copy.deepcopy(doc))
    assert first is not None and second is not None
    assert lxml.html.tostring(first) == lxml.html.tostring(second)


def replica_cases() -> list[tuple[str, bytes, dict]]:
    from tests.conftest import EXPECTED, REPLICA

    routes = {r["path"]: r for r in json.loads((REPLICA / "routes.json").read_text(encoding="utf-8"))}
    cases = []
    for path in sorted(EXPECTED.glob("*.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        route = routes[expected["served_at"][0]]
        cases.append((path.stem, (REPLICA / route["file"]).read_bytes(), expected))
    return cases


@pytest.mark.parametrize(("slug", "page", "expected"), replica_cases(), ids=[c[0][:30] for c in replica_cases()])
def test_replica_articles_without_a_profile(slug: str, page: bytes, expected: dict) -> None:
    """The generic finder alone gets every replica article right: text in order, chrome left out."""
    found = find_main_content(parse_document(page, expected["origin_url"]))
    assert found is not None, slug
    text = text_of(found)
    position = 0
    for passage in expected["must_contain_in_order"]:
        at = text.find(" ".join(passage.split()), position)
        assert at >= 0, f"{slug}: {passage!r} missing or out of order"
        position = at
    for chrome in expected["must_not_contain"]:
        assert chrome not in text, f"{slug}: {chrome!r}"


GALLERY_CAPTION = ("Dock workers load bags of milled rice onto a freighter bound for a regional port, "
                   "on the first day of the new shipping season.")


def test_gallery_captions_lose_their_controls_and_copies_but_each_image_keeps_its_credit() -> None:
    slide = """<li class="gallery-item"><img src="/img/{n}.jpg" alt="">
      <div class="caption"><span class="count">{n}<span>of</span>2</span>
        <div class="caption-full">{text}<a class="more-caption"> less</a></div>
        <div class="caption-truncated">{short}<a class="more-caption"> ... more</a></div>
        <span class="credit">Photo: Staff photographer</span></div></li>"""
    short = GALLERY_CAPTION[:60].rsplit(" ", 1)[0]
    gallery = ('<div class="gallery"><ul>'
               + slide.format(n=1, text=GALLERY_CAPTION, short=short)
               + slide.format(n=2, text="Sacks of rice wait in a warehouse near the port.",
                              short="Sacks of rice wait in a")
               + '</ul><div class="control-bar"><span class="credit">Photo: Staff photographer</span>'
               '<div class="caption-remote"><div class="caption-truncated">' + short + "</div></div></div></div>")
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + gallery + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert text.count(GALLERY_CAPTION) == 1
    assert text.count(short) == 1  # only inside the full caption
    assert text.count("Sacks of rice wait in a") == 1
    assert text.count("Photo: Staff photographer") == 2  # one per image; the controls' copy goes
    for control in ("1of2", "2of2", " less", "... more"):
        assert control not in text
    assert all(paragraph in text for paragraph in PARAGRAPHS)


def test_a_standfirst_set_as_a_heading_stays_and_a_linked_teaser_heading_goes() -> None:
    standfirst = ("Exporters expect the best year on record as new freight routes cut journey times and "
                  "buyers in distant markets double their orders")
    header = (f'<div class="headline-box"><h1>Rice exporters eye new markets as shipments climb</h1>'
              f'<h2 class="subtitle">{standfirst}</h2><h2 class="subtitle">'
              f'<a href="/business/fuel-prices-ease">Fuel prices ease for a second straight period</a></h2></div>')
    found = find(article_page(header + paragraphs()))
    assert found is not None
    text = text_of(found)
    assert standfirst in text
    assert "Fuel prices ease" not in text
    assert all(paragraph in text for paragraph in PARAGRAPHS)


@pytest.mark.parametrize("button", ["Jetzt abonnieren", "Subscribe now", "Sign up"])
def test_a_newsletter_box_around_a_signup_button_goes_but_a_figure_with_a_play_button_stays(button: str) -> None:
    box = (f'<div class="paper"><h2>Newsletter: Business weekly</h2><p>Every Monday the week\'s top stories '
           f'from the business desk</p><button><span>{button}</span></button></div>')
    figure = ('<div class="player"><img src="/img/port.jpg" alt=""><button>Play</button>'
              '<p class="note">Video: a freighter leaves the port at dawn with a full load of rice.</p></div>')
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + figure + paragraphs(PARAGRAPHS[2:]) + box))
    assert found is not None
    text = text_of(found)
    assert "Newsletter: Business weekly" not in text and "top stories from the business desk" not in text
    assert "a freighter leaves the port at dawn" in text
    assert all(paragraph in text for paragraph in PARAGRAPHS)


@pytest.mark.parametrize(("line", "notice"), [
    ("Follow Example.org on Twitter and Facebook for the latest news updates.", True),
    ("Follow us on Instagram", True),
    ("Her book is out now. Follow her on Twitter @example. Follow us on Twitter @examplenews or Facebook.", True),
    ("For more stories like this, check our news page.", True),
    ("Are protests breaking out in your area? Get in touch at news@example.org", True),
    ("And if you have a news tip, correction or comment, let us know.", True),
    ("Follow AP's full coverage of the election at https://news.example.org/elections", True),
    ("ATENÇÃO: Comentários com textos ininteligíveis não serão aprovados pelo moderador.", True),
    ("Comments that break the rules will not be published.", True),
    ("His comments, which were approved by the cabinet, angered the unions.", False),
    ("Follow him on Twitter, the minister told reporters, and you will see what he means.", False),
    ("Residents were told to follow the advice on Facebook from the council.", False),
    ("(责编：本网编辑)", True), ("责任编辑：值班编辑", True),
    ("责任编辑部门表示，新规将于下月实施。", False),  # "the editorial department said...": text, no credit
])
def test_follow_us_and_news_tip_lines_are_notices(line: str, notice: bool) -> None:
    assert is_notice(line) is notice


def collapsible(title: str, body: str) -> str:
    return (f'<div class="expandable-box"><div class="expandable-box__header" role="button" tabindex="0">'
            f'<h2>{title}</h2></div><div class="expandable-box__body">{body}</div></div>')


def test_a_collapsible_box_beside_the_text_goes() -> None:
    box = collapsible("What the trade association does",
                      "<p>The association represents about two hundred millers and exporters and publishes "
                      "shipment figures every quarter, together with a price index for milled rice.</p>")
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + box + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert "What the trade association does" not in text and "two hundred millers" not in text
    assert all(paragraph in text for paragraph in PARAGRAPHS)


TOGGLE_BUTTONS = [
    '<button type="button" data-toggle="collapse" data-toggle-target=".faq">Why do you see this message?</button>',
    '<button aria-expanded="false" aria-controls="faq-1">Why do you see this message?</button>',
    '<button aria-expanded="false">Why do you see this message?</button>',
    '<button class="accordion__trigger" data-bs-toggle="collapse">Why do you see this message?</button>',
]


@pytest.mark.parametrize("button", TOGGLE_BUTTONS)
def test_a_box_opened_by_a_toggle_button_goes(button: str) -> None:
    """An FAQ folded under a <button> that toggles it (a paywall's 'why this message' box, an accordion)
    sits beside the text: it goes, like a box under a role=button header, and the text stays."""
    faq = (f'<section class="notice">{button}<ul class="faq"><li><p>Because somebody else is reading with '
           'this account on another device at the same time, which the subscription does not allow.</p></li>'
           '<li><p>You can sign in on as many devices as you like, but use them at different times.</p></li>'
           '</ul></section>')
    found = find(article_page(paragraphs() + faq))
    assert found is not None
    text = text_of(found)
    assert "somebody else is reading" not in text and "as many devices" not in text
    assert all(paragraph in text for paragraph in PARAGRAPHS)


@pytest.mark.parametrize("button", ['<button type="button">Listen</button>',
                                    '<button type="button" aria-controls="audio-player">Listen</button>'])
def test_a_button_that_toggles_nothing_leaves_its_box(button: str) -> None:
    """Only a toggle button makes its box collapsible: the text after a plain button, or after a player's
    button that names what it controls (aria-controls), stays."""
    box = (f'<section class="note">{button}<p>The association represents about '
           'two hundred millers and exporters and publishes shipment figures every quarter.</p></section>')
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + box + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    assert "two hundred millers" in text_of(found)


@pytest.mark.parametrize("header", [
    '<div class="acc__head" role="button" tabindex="0"><h2>{}</h2></div>',
    '<button type="button" data-toggle="collapse">{}</button>',
])
def test_an_explainer_whose_sections_fold_keeps_them(header: str) -> None:
    """Each section of the article under its own toggle, each a small share of the text: together they
    are the article, not boxes beside it."""
    sections = "".join(f'<section class="acc">{header.format(f"Question {i}")}<div>{paragraphs([p])}</div>'
                       '</section>' for i, p in enumerate(PARAGRAPHS))
    found = find(article_page(f"<p>{PARAGRAPHS[0]}</p>" + sections))
    assert found is not None
    text = text_of(found)
    assert all(paragraph in text for paragraph in PARAGRAPHS[1:])


def test_an_article_inside_a_collapsible_box_stays() -> None:
    """A page that folds the whole text under a 'Read the full story' toggle keeps the text."""
    found = find(article_page(collapsible("Read the full story", paragraphs())))
    assert found is not None
    assert all(paragraph in text_of(found) for paragraph in PARAGRAPHS)


def test_a_dateline_beside_a_reading_time_and_a_save_widget_go_after_the_standfirst() -> None:
    standfirst = ("Exporters expect the best year on record as new freight routes cut journey times, the trade "
                  "association said.")
    meta = ('<section class="meta-row"><span class="stamp">Published on 30 August 2023 at 14:52, '
            'updated on 30 August 2023 at 15:54</span><p class="reading">4 min read</p></section>'
            '<div class="catcher__favorite"><span>Add to your selection</span>'
            '<p>To add the article to your selection, log in to your account first</p></div>')
    found = find(article_page(f'<p class="standfirst">{standfirst}</p>{meta}' + paragraphs()))
    assert found is not None
    text = text_of(found)
    assert standfirst in text
    for chrome in ("Published on 30 August", "4 min read", "Add to your selection", "To add the article"):
        assert chrome not in text
    assert all(paragraph in text for paragraph in PARAGRAPHS)


@pytest.mark.parametrize(("line", "reading_time"), [
    ("4 min read", True), ("Lecture 4 min.", True), ("Lesezeit: 3 Minuten", True),
    ("Reading time: 6 min", True), ("Tiempo de lectura: 3 min", True), ("5 minutes", False),
    ("He ran the last lap in 4 minutes", False), ("Read the 10-minute guide to the new freight routes", False),
])
def test_reading_time_lines(line: str, reading_time: bool) -> None:
    assert is_reading_time(line) is reading_time


@pytest.mark.parametrize(("kept", "sentence", "dropped"), [
    # a paragraph mostly linked, next to a "Read more: [headline]" line
    ('<p>The freight study was shelved in 2021 but was <a href="/business/freight-study-reopened">'
     're-opened earlier this year after exporters complained about the cost of the long routes</a>.</p>',
     "The freight study was shelved in 2021 but was re-opened earlier this year",
     '<p>Read more: <a href="/business/fuel-prices-ease">Fuel prices ease for a second straight '
     'period as the regulator passes on lower import costs</a></p>'),
    # a few words leading into a link that continues the sentence, inside wrapper <div>s
    ('<div class="text-block"><div><p>It also <a href="https://ministry.example.org/freight">'
     'publishes monthly freight rates for the main export routes</a>.</p></div></div>',
     "It also publishes monthly freight rates for the main export routes.",
     '<div class="text-block"><div><p>See also: <a href="/business/fuel-prices-ease">'
     'Fuel prices ease for a second straight period.</a></p></div></div>'),
    # a lead-in to a quote, its source linked ("[Financial Times] reported:"), next to a list title
    ('<p><a href="https://news.example.org/freight-report">The Freight Gazette</a> reported:</p>'
     '<p><em>"Exporters have asked the ministry to publish the new rates every week."</em></p>',
     "The Freight Gazette reported:",
     '<p>More from <a href="/business">Business and the economy</a>:</p><ul><li><a href="/business/fuel-prices-ease">'
     'Fuel prices ease for a second straight period</a></li></ul>'),
])
def test_a_sentence_mostly_linked_stays_but_a_link_line_goes(kept: str, sentence: str, dropped: str) -> None:
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + kept + dropped + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert sentence in text
    assert "Fuel prices ease" not in text and "More from" not in text
    assert all(paragraph in text for paragraph in PARAGRAPHS)


def test_subheadings_of_a_body_written_as_text_and_breaks_stay() -> None:
    body = ('<div class="body">' + "<br/><br/>".join(PARAGRAPHS[:2])
            + '<div class="crosshead"><h2>New freight routes</h2></div><br/>' + "<br/><br/>".join(PARAGRAPHS[2:])
            + '<div class="crosshead"><h2>Related topics</h2></div></div>')
    found = find(article_page(body))
    assert found is not None
    text = text_of(found)
    assert "New freight routes" in text
    assert "Related topics" not in text  # nothing follows it: an orphan
    assert all(paragraph in text for paragraph in PARAGRAPHS)


@pytest.mark.parametrize(("line", "dateline"), [
    ("2024年04月24日23:52 | 来源：新华网", True),
    ("2024년 4월 24일 09:15", True),
    ("Published 30 August 2023 at 14:52, updated 30 August 2023 at 15:54", True),
    ("Veröffentlichungsdatum: 12.03.2024 14:00", True),
    ("2024年4月24日，习近平主席向首届论坛致贺信，祝贺论坛开幕。", False),  # a sentence that starts with a date
    ("On 30 August 2023 at 14:52 the first freighter left the port with a full load.", False),
])
def test_datelines_in_several_scripts(line: str, dateline: bool) -> None:
    assert is_dateline(line) is dateline


@pytest.mark.parametrize(("classes", "strength"), [
    ("isolate block object-cover relative overflow-hidden", 0),  # CSS clipping, not hiding
    ("lg:overflow-x-hidden aspect-video", 0),
    ("hidden md:block", 0),  # Tailwind: hidden on phones only
    ("hidden", 2), ("visually-hidden", 2), ("share-bar overflow-hidden", 2),
    ("julep-sticky-player rounded-md", 2),
    ("accessibility-bar__goto", 2), ("a11y-menu", 2),  # skip links and accessibility menus
])
def test_utility_classes_that_look_like_chrome_words(classes: str, strength: int) -> None:
    assert chrome_strength(classes) == strength


def test_a_paragraph_opening_with_an_expandable_glossary_term_stays() -> None:
    glossary = ('<p><span role="button" aria-expanded="false" class="term">Milled rice</span> exports rose '
                'fastest, the association said, as buyers in distant markets placed larger orders.</p>')
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + glossary + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    assert "Milled rice exports rose fastest" in text_of(found)


@pytest.mark.parametrize(("line", "meta"), [
    ("Innlent | mbl | 11.2.2025 | 23:55 | Uppfært 12.2.2025 7:25", True),
    ("Politik · dpa · 12. März 2024", True),
    ("Home | News | Business", False),  # no date: a breadcrumb, judged elsewhere
    ("Exports rose 12% | imports fell 3% in the year to 12.3.2024, the ministry said in its report", False),
    # a wire credit and the date, joined by a dash
    ("- Associated Press - Friday, April 28, 2023", True),
    ("Agence France-Presse – 28.04.2023", True),
    ("Reuters - 12:30", False),  # a time alone may be a ticker entry's heading
    ("Berlin - The government said on Friday, April 28, 2023 that exports rose", False),
    ("Sport - Fußball", False),
])
def test_rows_of_furniture_around_a_date(line: str, meta: bool) -> None:
    assert is_meta_row(line) is meta


def test_a_promo_for_the_sites_own_app_goes_but_a_link_to_another_app_stays() -> None:
    promo = ('<ul><li>News on your phone? Get the <strong>Example News app</strong> for '
             '<a href="https://play.google.com/store/apps/details?id=org.example.news">Android</a> and '
             '<a href="https://apps.apple.com/gb/app/example-news/id123456">iOS</a>.</li>'
             '<li>Example News on <a href="https://www.instagram.com/examplenews/">Instagram</a>.</li></ul>')
    review = ('<p>The association also launched <a href="https://apps.apple.com/gb/app/rice-prices/id987654">'
              'an app that shows daily rice prices</a> at the main ports, free for members.</p>')
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + promo + review + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert "News on your phone" not in text and "Instagram" not in text
    assert "an app that shows daily rice prices at the main ports" in text
    assert all(paragraph in text for paragraph in PARAGRAPHS)


@pytest.mark.parametrize("line", [
    'Filed under: <a href="/category/asia/" rel="category tag">Asia</a> |',
    'Tags: <a href="/tag/rice/" rel="tag">rice</a>, <a href="/tag/exports/" rel="tag">exports</a>',
    '<a href="/tag/rice/" rel="tag">rice</a> <a href="/tag/trade/" rel="tag">trade</a>',
])
def test_a_line_of_tag_links_goes(line: str) -> None:
    """Links marked rel=tag or rel=category (the rel-tag microformat) with a short label are a tag line."""
    found = find(article_page(paragraphs() + f'<p class="postinfo">{line}</p>'))
    assert found is not None
    text = text_of(found)
    assert "Filed under" not in text and "Tags:" not in text and "rice" not in text.split(".")[-1]
    assert all(paragraph in text for paragraph in PARAGRAPHS)


def test_a_sentence_with_a_tag_link_stays() -> None:
    """A sentence of the text that links a tag page is text: its words of its own are too many for a label."""
    sentence = ('Exporters in <a href="/tag/asia/" rel="tag">Asia</a> expect the best season in a decade, '
                'the trade association said.')
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + f"<p>{sentence}</p>" + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    assert "Exporters in Asia expect the best season in a decade" in " ".join(text_of(found).split())


@pytest.mark.parametrize("label", ["Iklan", "Quảng cáo", "广告", "Reklam", "Annons", "Advertentie", "Publicidade",
                                   "Mostrar comentarios", "Show comments", "Click to Hide", "Text size", "小字号"])
def test_advertisement_and_control_labels_go(label: str) -> None:
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + f'<div class="wpa"><span>{label}</span></div>'
                              + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    assert label not in text_of(found)


def test_a_script_control_instruction_goes_but_a_linked_one_stays() -> None:
    """"Click to Read More and View Comments" opens the rest of the page with a script: in a post it does
    nothing. "Click here to read the report" with its link is a pointer the reader can follow."""
    control = ('<p class="expand" data-track-event="StoryMore"><i class="fa fa-arrow-down"></i> Click to Read More '
               'and View Comments <i class="fa fa-arrow-down"></i></p>')
    linked = '<p>Click here to read <a href="/docs/report.pdf">the full report</a>.</p>'
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + linked + paragraphs(PARAGRAPHS[2:]) + control))
    assert found is not None
    text = " ".join(text_of(found).split())
    assert "View Comments" not in text
    assert "Click here to read the full report." in text


def test_a_lone_counter_goes_but_numbers_in_lists_and_headings_stay() -> None:
    """A gallery's picture count ("4") or a comment counter is a block of one small number: it says nothing
    in a post. A list item or a listicle's heading that is a number is part of the text."""
    gallery = ('<div class="gallery"><div class="gallery--count"><span>4</span></div>'
               '<figure><img src="https://cdn.example.org/p/1.jpg"><figcaption>Farmers at the market.</figcaption>'
               '</figure></div>')
    listed = "<h2>3</h2><ol><li>12</li><li>Rice</li></ol>"
    found = find(article_page(gallery + paragraphs(PARAGRAPHS[:2]) + listed + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    texts: dict[str, list[str]] = {}
    for el in found.iter():
        texts.setdefault(str(el.tag), []).append(el.text_content().strip())
    assert "4" not in texts.get("span", []) + texts.get("div", [])
    assert texts["h2"] == ["3"] and "12" in texts["li"]


def test_a_picture_named_as_a_cms_widget_stays_but_a_linked_or_authors_one_goes() -> None:
    """Some CMSs call every component a widget, the article's pictures too: a <figure> that links nowhere
    and is named chrome only by that word is the article's picture. A teaser's picture links elsewhere;
    an author's picture says so."""
    own = ('<figure class="image widget rich"><img src="https://cdn.example.org/p/final.jpg" alt="">'
           '<figcaption><p>FINAL: The team will compete on Wednesday after all.</p></figcaption></figure>')
    teaser = ('<a href="/sport/other-story"><figure class="image widget lean plug-image">'
              '<img src="https://cdn.example.org/p/teaser.jpg" alt=""><figcaption>Another story</figcaption>'
              '</figure></a>')
    author = '<figure class="author-image widget"><img src="https://cdn.example.org/p/desk.jpg" alt=""></figure>'
    wrapped = ('<div class="widget widget--type-image"><div class="widget__wrapper"><figure class="widget__figure">'
               '<img class="widgetImage__image" src="https://cdn.example.org/p/dock.jpg" alt="">'
               '<figcaption class="widget__caption"><span class="widget__captionText">A tanker at the dock.</span>'
               '</figcaption></figure></div></div>')
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + own + teaser + author + paragraphs(PARAGRAPHS[2:3])
                              + wrapped + paragraphs(PARAGRAPHS[3:])))
    assert found is not None
    sources = found.xpath(".//img/@src")
    assert "https://cdn.example.org/p/final.jpg" in sources and "https://cdn.example.org/p/dock.jpg" in sources
    assert "The team will compete on Wednesday after all." in text_of(found)
    assert "A tanker at the dock." in text_of(found)
    assert not {"https://cdn.example.org/p/teaser.jpg", "https://cdn.example.org/p/desk.jpg"} & set(sources)


def test_a_date_line_whose_author_part_was_chrome_goes() -> None:
    """One line holds the desk's name (an element named as chrome, pruned) and the date with a reading
    time: what is left after pruning is a date stamp, and it goes too."""
    meta = ('<div class="metainfo"><span class="metainfo__item--author">Foreign desk</span> '
            '<span class="metainfo__item--date"><time datetime="2024-07-18T09:08:27Z">18.07.2024, 11.08 Uhr</time>'
            ' <span>7 min</span></span></div>')
    standfirst = ("Exporters expect the best year on record as new freight routes cut journey times, the trade "
                  "association said.")
    found = find(article_page(f'<p class="standfirst">{standfirst}</p>' + meta + paragraphs()))
    assert found is not None
    text = text_of(found)
    assert "18.07.2024" not in text and "7 min" not in text and "Foreign desk" not in text
    assert standfirst in text and all(paragraph in text for paragraph in PARAGRAPHS)



@pytest.mark.parametrize("line", [
    'Related Roundup: <a href="/roundup/macbook-pro/">MacBook Pro</a>',
    'Related post: <a href="/pickled-sprouts/">Pickled Brussels Sprouts Recipe</a>',
    'See also: <a href="/a/">Rice prices</a>, <a href="/b/">Port expansion</a>',
    'Lesen Sie auch: <a href="/reis/">Reispreise steigen im dritten Quartal</a>',
])
def test_a_labelled_line_of_links_to_other_articles_goes(line: str) -> None:
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + f"<p>{line}</p>" + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    text = text_of(found)
    assert "Related" not in text and "See also" not in text and "Lesen Sie" not in text
    assert all(paragraph in text for paragraph in PARAGRAPHS)


def test_a_linked_photo_credit_is_no_pointer_line() -> None:
    """'Photo: [agency]' credits a picture; only 'more to read' labels make a pointer line."""
    figure = ('<figure><img src="/uploads/harbour.jpg" alt=""><figcaption>Photo: '
              '<a href="https://agency.example.com/">AP</a></figcaption></figure>')
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + figure + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    assert "Photo: AP" in " ".join(text_of(found).split())


def test_a_sentence_about_related_things_with_a_link_stays() -> None:
    """Words of its own after the colon: a sentence, not a label before links."""
    line = ('More exporters: <a href="/assoc/">the association</a> says membership doubled in a year as '
            'new buyers in distant markets placed larger orders.')
    found = find(article_page(paragraphs(PARAGRAPHS[:2]) + f"<p>{line}</p>" + paragraphs(PARAGRAPHS[2:])))
    assert found is not None
    assert "membership doubled in a year" in text_of(found)


STANDFIRST = ("Exporters shipped a record amount of rice in the third quarter, helped by new freight routes, "
              "but millers warn that fuel prices could squeeze smaller firms.")


def standfirst_page(description: str) -> str:
    """The standfirst in a box of its own before the text, a long list of links after it: the finder
    chooses the text's own box."""
    head = f'<meta property="og:description" content="{description}">' if description else ""
    links = "".join(f"<li><a href='/business/story-{number}'>Another business story, number {number}, about "
                    f"trade and markets in the region</a></li>" for number in range(12))
    body = (f"<h1>Rice exporters eye new markets as shipments climb</h1>"
            f"<div class='story-lead'><h2>{STANDFIRST}</h2></div><div class='story-text'>{paragraphs()}</div>"
            f"<ul class='links'>{links}</ul>")
    return article_page(body, head=head, around=TEASERS)


def test_a_standfirst_set_apart_from_the_text_joins_it_when_it_says_what_the_description_says(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import crawler.extract.generic as generic

    found = find(standfirst_page(STANDFIRST))
    assert found is not None
    text = text_of(found)
    assert text.startswith(STANDFIRST) and all(paragraph in text for paragraph in PARAGRAPHS)
    assert "Rice exporters eye new markets as shipments climb" not in text  # the headline is not the lead
    monkeypatch.setattr(generic, "LEAD_MIN_WORDS", 1000)  # the rule off: the finder chose the text alone
    alone = find(standfirst_page(STANDFIRST))
    assert alone is not None and STANDFIRST not in text_of(alone)


def test_a_block_before_the_text_that_says_something_else_stays_out() -> None:
    found = find(standfirst_page("Quarterly figures from the trade association, with comments from millers."))
    assert found is not None and STANDFIRST not in text_of(found)


@pytest.mark.parametrize("heading", ["3 thoughts on “Rice exporters eye new markets”", "Leave a Reply",
                                     "27 commentaires", "Kommentare (4)", "12 Comments"])
def test_a_comment_section_inside_the_article_is_cut_from_its_heading_on(heading: str) -> None:
    """A blog engine puts the readers' comments inside the post's own element, under a heading."""
    comments = "".join(f"<li class='reply'><p>I read this with interest, and I think the freight routes will "
                       f"matter more than the harvest in the end, as reader {n} said before.</p></li>"
                       for n in range(8))
    found = find(article_page(f"<h1>Rice exporters eye new markets as shipments climb</h1>{paragraphs()}"
                              f"<div class='discussion'><h3>{heading}</h3><ol>{comments}</ol>"
                              f"<p>Your email address will not be published.</p></div>"))
    assert found is not None
    text = text_of(found)
    assert all(paragraph in text for paragraph in PARAGRAPHS)
    assert heading not in text and "I read this with interest" not in text and "email address" not in text


@pytest.mark.parametrize("heading", ["Comments on the budget plan", "Responses to the crisis", "Comment"])
def test_a_subheading_that_only_mentions_comments_or_opens_the_text_cuts_nothing(heading: str) -> None:
    body = (f"<h1>Rice exporters eye new markets as shipments climb</h1><h2>{heading}</h2>{paragraphs()}"
            if heading == "Comment" else
            f"<h1>Rice exporters eye new markets as shipments climb</h1>{paragraphs(PARAGRAPHS[:2])}"
            f"<h2>{heading}</h2>{paragraphs(PARAGRAPHS[2:])}")
    found = find(article_page(body))
    assert found is not None
    assert all(paragraph in text_of(found) for paragraph in PARAGRAPHS)
