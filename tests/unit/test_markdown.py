"""HTML -> Markdown: structure, escaping for kramdown, embeds, safety, and very deep nesting."""

from __future__ import annotations

import re
import subprocess
from html import escape

import lxml.etree
import lxml.html
import pytest

from crawler.extract.escaping import escape_line_start, escape_markdown, escape_text
from crawler.extract.markdown import html_to_markdown, inline_markdown

BASE = "https://www.example.org/news/story"


def md(html: str) -> str:
    return html_to_markdown(lxml.html.fragment_fromstring(html, create_parent="div"), BASE)


STRUCTURE = [
    # paragraphs: one blank line between, ASCII whitespace collapsed
    ("<p>One\n   two</p>\n<p>Three</p>", "One two\n\nThree"),
    # a whole-paragraph <strong> is a bold subhead on its own line
    ("<p>Intro.</p><p><strong>Subhead</strong></p><p>Text.</p>", "Intro.\n\n**Subhead**\n\nText."),
    ("<p><b> Spaced bold </b></p>", "**Spaced bold**"),
    # inline emphasis keeps surrounding spaces outside the markers
    ("<p>A <em>quiet </em>word and <strong>loud</strong>.</p>", "A *quiet* word and **loud**."),
    ("<p>x<i></i>y</p>", "xy"),
    # headings: the post's # is the title, so an h1 in the body becomes ##
    ("<h1>Top</h1><h2>Two</h2><h3>Three</h3><h6>Six</h6>", "## Top\n\n## Two\n\n### Three\n\n###### Six"),
    # lists, nested lists, ordered lists with a start
    ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
    ("<ol><li>a</li><li>b</li></ol>", "1. a\n2. b"),
    ("<ol start='4'><li>d</li><li>e</li></ol>", "4. d\n5. e"),
    ("<ul><li>a<ul><li>a1</li><li>a2</li></ul></li><li>b</li></ul>", "- a\n  - a1\n  - a2\n- b"),
    ("<ol><li>a<ol><li>a1</li></ol></li></ol>", "1. a\n   1. a1"),
    ("<ul><li><p>para one</p><p>para two</p></li></ul>", "- para one\n\n  para two"),
    # blockquotes
    ("<blockquote><p>Q1</p><p>Q2</p></blockquote>", "> Q1\n>\n> Q2"),
    # <br> is a hard line break; <br><br> separates paragraphs
    ("<p>line one<br>line two</p>", "line one  \nline two"),
    ("<div>para one<br><br>para two</div>", "para one\n\npara two"),
    # code
    ("<p>Run <code>ls  -la</code> now</p>", "Run `ls -la` now"),
    ("<p><code>a`b</code></p>", "``a`b``"),
    ("<pre>x = 1\n  y = 2</pre>", "```\nx = 1\n  y = 2\n```"),
    # links: absolute, only http(s)/mailto kept, handlers dropped, text kept
    ("<p><a href='/other'>rel</a></p>", "[rel](https://www.example.org/other)"),
    ("<p><a href='javascript:void(0)' onclick='x()'>js</a></p>", "js"),
    ("<p><a href='mailto:desk@example.org'>mail</a> <a href='tel:123'>call</a></p>",
     "[mail](mailto:desk@example.org) call"),
    ("<p><a href='#top'>anchor</a></p>", "anchor"),
    ("<p><a href='https://e.org/a (b)'>paren</a></p>", "[paren](https://e.org/a%20%28b%29)"),
    # images: absolute src, alt as given, lazy-loading attributes, largest srcset, tracking pixels dropped
    ("<p><img src='/i/a.jpg' alt='A cat'></p>", "![A cat](https://www.example.org/i/a.jpg)"),
    ("<p><img src='data:image/gif;base64,R0l' data-src='//cdn.example.org/b.jpg'></p>",
     "![](https://cdn.example.org/b.jpg)"),
    ("<p><img srcset='/s.jpg 320w, /l.jpg 1024w, /m.jpg 640w'></p>", "![](https://www.example.org/l.jpg)"),
    # srcset's largest rendition wins over src (a small default); commas inside its URLs stay in them
    ("<p><img src='/i/615/boats.jpg' srcset='/i/508/boats.jpg 508w, /i/810/boats.jpg 810w'></p>",
     "![](https://www.example.org/i/810/boats.jpg)"),
    ("<p><img src='/b.jpg?crop=2859,1787&w=654' srcset='/b.jpg?crop=2859,1787&w=680 680w, "
     "/b.jpg?crop=2859,1787&w=1360 1360w,/b.jpg?crop=2859,1787&w=327 327w'></p>",
     "![](https://www.example.org/b.jpg?crop=2859,1787&w=1360)"),
    ("<p><img srcset='https://res.cloudinary.com/d/upload/w_300,h_200/a.jpg 1x, "
     "https://res.cloudinary.com/d/upload/w_600,h_400/a.jpg 2x'></p>",
     "![](https://res.cloudinary.com/d/upload/w_600,h_400/a.jpg)"),
    # a lazy loader's data-src wins over a srcset that may hold the stand-in; its data-srcset wins over both
    ("<p><img src='/fallback.png' srcset='/fallback.png 1x' data-src='/uploads/quay.jpg'></p>",
     "![](https://www.example.org/uploads/quay.jpg)"),
    ("<p><img src='data:,' data-src='/q/640.jpg' data-srcset='/q/640.jpg 640w, /q/1280.jpg 1280w'></p>",
     "![](https://www.example.org/q/1280.jpg)"),
    # a lazy loader's attribute wins over src, whatever the stand-in in src is called (Metro, Rolling Stone)
    ("<p><img src='/branding/fallback.png' data-src='/uploads/boats.jpg'></p>",
     "![](https://www.example.org/uploads/boats.jpg)"),
    ("<p><img class='lazy' src='/img/preloaderbig.gif' data-lazy-src='/uploads/river.jpg'></p>",
     "![](https://www.example.org/uploads/river.jpg)"),
    # ...but a larger rendition does not replace a real src, and a lazy loader's JSON is no URL
    ("<p><img src='/crop/harbour.jpg' data-full-src='/full/harbour.jpg'></p>",
     "![](https://www.example.org/crop/harbour.jpg)"),
    ("<p><img src='/i/dock.jpg' data-src='{\"default\":{\"src\":\"/x.img\"}}'></p>",
     "![](https://www.example.org/i/dock.jpg)"),
    ("<p>Text<img src='/px.gif' width='1' height='1'></p>", "Text"),
    # interface icons, sprites and logo collections are furniture; a picture named after a logo stays
    ("<p>Text<img src='/images/common/icon_scale.svg' alt='Enlarge'><img src='/logos/small/701.png'>"
     "<img src='/static/icons/share.png'></p><p><img src='/uploads/new-logo-unveiled.jpg'></p>"
     "<p><img src='/icon/icon-of-style.jpg'></p>",
     "Text\n\n![](https://www.example.org/uploads/new-logo-unveiled.jpg)\n\n"
     "![](https://www.example.org/icon/icon-of-style.jpg)"),
    ("<p><a href='/big.jpg'><img src='/small.jpg'></a></p>", "![](https://www.example.org/small.jpg)"),
    ("<picture><source srcset='/p.webp 800w'><img></picture>", "![](https://www.example.org/p.webp)"),
    # figures: image, then its caption (credit spans joined by a space) as a paragraph
    ("<figure><img src='/f.jpg' alt=''><figcaption>A river at dawn.<span class='credit'>Staff</span>"
     "</figcaption></figure><p>After.</p>",
     "![](https://www.example.org/f.jpg)\n\nA river at dawn. Staff\n\nAfter."),
    # page furniture that must vanish entirely
    ("<p>Keep</p><script>var x = 1;</script><style>p{}</style><noscript>nojs</noscript>"
     "<form><input value='v'><button>Go</button></form><svg><text>svg</text></svg><p hidden>hid</p>"
     "<p style='display:none'>none</p><span class='sr-only'>reader</span>",
     "Keep"),
    ("<figure><img src='/m.jpg'><figcaption><span class='off-screen'>Image caption</span>Boats at dawn</figcaption>"
     "</figure>", "![](https://www.example.org/m.jpg)\n\nBoats at dawn"),
    ("<p>a<!-- comment -->b</p>", "ab"),
    # a paragraph that is only NBSP is dropped; a trailing NBSP is kept
    ("<p>&nbsp;</p><p>Text.&nbsp;</p><p> &nbsp; </p>", "Text.\u00a0"),
    ("<p>  Text.  </p>", "Text."),
    # ...and so is one that is only zero-width characters (a spacer paragraph of U+200B)
    ("<p>Before.</p><p>\u200b</p><p>&#8203;&nbsp;\ufeff</p><p>\u200b&nbsp;\u200b&nbsp;\u200b</p>"
     "<p>After\u200b.</p>", "Before.\n\nAfter\u200b."),
    # a rule separates blocks: kept between them, never first, last or twice in a row
    ("<p>before rule</p><hr><p>after rule</p>", "before rule\n\n* * *\n\nafter rule"),
    ("<hr><p>a</p><hr><hr><div><hr></div><p>b</p><hr>", "a\n\n* * *\n\nb"),
]


@pytest.mark.parametrize(("html", "expected"), STRUCTURE, ids=[f"s{i}" for i in range(len(STRUCTURE))])
def test_structure(html: str, expected: str) -> None:
    assert md(html) == expected


TABLES = [
    ("<table><caption>Prices</caption><thead><tr><th>Fuel</th><th>Price</th></tr></thead>"
     "<tbody><tr><td>Petrol</td><td>4,150</td></tr><tr><td>Diesel</td><td>4,000</td></tr></tbody></table>",
     "Prices\n\n| Fuel | Price |\n| --- | --- |\n| Petrol | 4,150 |\n| Diesel | 4,000 |"),
    # every cell kept, rows in order, pipes escaped, short rows padded, colspan expanded
    ("<table><tr><td>a|b</td><td>c</td><td>d</td></tr><tr><td colspan='2'>wide</td><td>e</td></tr>"
     "<tr><td>f</td></tr></table>",
     "| a\\|b | c | d |\n| --- | --- | --- |\n| wide |   | e |\n| f |   |   |"),
    # block content inside a cell is flattened to one line
    ("<table><tr><td><p>one</p><p>two</p></td><td><ul><li>x</li><li>y</li></ul></td></tr></table>",
     "| one two | x y |\n| --- | --- |"),
    # a table in a cell becomes text in that cell
    ("<table><tr><td><table><tr><td>in1</td><td>in2</td></tr></table></td><td>out</td></tr></table>",
     "| in1 in2 | out |\n| --- | --- |"),
]


@pytest.mark.parametrize(("html", "expected"), TABLES, ids=[f"t{i}" for i in range(len(TABLES))])
def test_tables(html: str, expected: str) -> None:
    assert md(html) == expected


EMBEDS = [
    ("<iframe src='https://www.youtube.com/embed/kQ3f1xHc9Lk?rel=0'></iframe>",
     "https://www.youtube.com/watch?v=kQ3f1xHc9Lk"),
    ("<iframe src='//www.youtube-nocookie.com/embed/AbCdEf12345'></iframe>",
     "https://www.youtube.com/watch?v=AbCdEf12345"),
    ("<iframe data-src='https://player.vimeo.com/video/123456?h=abc'></iframe>", "https://vimeo.com/123456"),
    # a post embed whose script-rendered quote holds no text: the link alone
    ("<blockquote class='instagram-media' data-instgrm-permalink='https://www.instagram.com/p/C1a2B3/'>"
     "<a href='https://www.instagram.com/p/C1a2B3/'> </a></blockquote>", "https://www.instagram.com/p/C1a2B3/"),
    ("<video controls><source src='/media/clip.mp4' type='video/mp4'></video>",
     "https://www.example.org/media/clip.mp4"),
    ("<iframe src='https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fdesk%2Fvideos%2F42'>"
     "</iframe>", "https://www.facebook.com/desk/videos/42"),
]


@pytest.mark.parametrize(("html", "url"), EMBEDS, ids=[f"e{i}" for i in range(len(EMBEDS))])
def test_embeds_become_a_link_paragraph(html: str, url: str) -> None:
    out = md(f"<p>Before.</p>{html}<p>After.</p>")
    paragraphs = out.split("\n\n")
    assert paragraphs[0] == "Before." and paragraphs[-1] == "After."
    assert len(paragraphs) == 3
    link = re.fullmatch(r"\[(.+)\]\((\S+)\)", paragraphs[1])
    assert link is not None, paragraphs[1]
    assert link.group(2).replace("%3F", "?") == url or link.group(2) == url
    assert "<" not in out


QUOTE_EMBEDS = [
    # a tweet: its text and attribution stay as a quote, the link to it (share tracking removed) follows
    ("<blockquote class='twitter-tweet' data-width='550'><p lang='en'>River levels fall<br>Ferries resume "
     "<a href='https://t.co/AbC'>pic.twitter.com/AbC</a></p>&mdash; Port Authority (@port) "
     "<a href='https://twitter.com/port/status/1850000000000000000?ref_src=twsrc%5Etfw'>October 18, 2024</a>"
     "</blockquote>",
     "> River levels fall  \n> Ferries resume [pic.twitter.com/AbC](https://t.co/AbC)\n>\n"
     "> \u2014 Port Authority (@port) [October 18, 2024]"
     "(https://twitter.com/port/status/1850000000000000000?ref_src=twsrc%5Etfw)",
     "https://twitter.com/port/status/1850000000000000000"),
    # Instagram: the permalink attribute, without the embed's utm parameters
    ("<blockquote class='instagram-media' data-instgrm-permalink='https://www.instagram.com/p/C1a2B3/?utm_source=ig_embed"
     "&amp;utm_campaign=loading'><div><p>Harvest festival in the old town</p>"
     "<p>A post shared by Example Org (@example)</p></div></blockquote>",
     "> Harvest festival in the old town\n>\n> A post shared by Example Org (@example)",
     "https://www.instagram.com/p/C1a2B3/"),
    # TikTok: the cite attribute
    ("<blockquote class='tiktok-embed' cite='https://www.tiktok.com/@example/video/7300000000000000000'>"
     "<section><a href='https://www.tiktok.com/@example'>@example</a> Morning market tour</section></blockquote>",
     "> [@example](https://www.tiktok.com/@example) Morning market tour",
     "https://www.tiktok.com/@example/video/7300000000000000000"),
]


@pytest.mark.parametrize(("html", "quote", "url"), QUOTE_EMBEDS, ids=[f"q{i}" for i in range(len(QUOTE_EMBEDS))])
def test_post_embeds_keep_their_text_as_a_quote_then_the_link(html: str, quote: str, url: str) -> None:
    out = md(f"<p>Before.</p>{html}<p>After.</p>")
    assert out == f"Before.\n\n{quote}\n\n[{escape_text(url)}]({url})\n\nAfter."


def test_a_post_embed_inside_a_table_cell_is_a_link() -> None:
    out = md("<table><tr><td><blockquote class='twitter-tweet'><p>Tweet text</p>"
             "<a href='https://twitter.com/desk/status/1?s=20'>date</a></blockquote></td></tr></table>")
    assert "https://twitter.com/desk/status/1)" in out and "Tweet text" not in out


def test_ad_iframes_and_empty_iframes_vanish() -> None:
    out = md("<p>A</p><iframe src='https://securepubads.g.doubleclick.net/x'></iframe><iframe></iframe><p>B</p>")
    assert out == "A\n\nB"


@pytest.mark.parametrize(("text", "escaped"), [
    ("plain text, with (parens), 'quotes', \"dq\", 100% & $5 #tag. Done.",
     "plain text, with (parens), 'quotes', \"dq\", 100% & $5 #tag. Done."),
    ("a*b_c`d", "a\\*b\\_c\\`d"),
    ("[link](x)", "\\[link\\](x)"),
    ("<script>", "\\<script>"),
    ("a | b", "a \\| b"),
    ("back\\slash", "back\\\\slash"),
    ("{: .cls} {::nomarkdown}", "\\{: .cls} \\{::nomarkdown}"),
    ("$$x^2$$", "\\$\\$x^2\\$\\$"),
    ("&copy; stays literal", "&amp;copy; stays literal"),
    ("{{ site.title }} {% raw %}", "{{ site.title }} {% raw %}"),
])
def test_escape_text(text: str, escaped: str) -> None:
    assert escape_text(text) == escaped


@pytest.mark.parametrize(("line", "escaped"), [
    ("#hashtag", "\\#hashtag"),
    ("# heading", "\\# heading"),
    ("> quote", "\\> quote"),
    ("- item", "\\- item"),
    ("+ item", "\\+ item"),
    ("-", "\\-"),
    ("-5 degrees", "-5 degrees"),
    ("1. first", "1\\. first"),
    ("1) first", "1\\) first"),  # an ordered-list marker in CommonMark, which downstream readers may use
    ("2024. A year", "2024\\. A year"),
    ("1.5 million", "1.5 million"),
    ("---", "\\-\\-\\-"),
    ("===", "\\=\\=\\="),
    ("- - -", "\\- \\- \\-"),
    (": definition", "\\: definition"),
    ("~~~", "&#126;~~"),
    ("Mid-line # and > and - are fine", "Mid-line # and > and - are fine"),
])
def test_escape_line_start(line: str, escaped: str) -> None:
    assert escape_line_start(line) == escaped


@pytest.mark.parametrize(("text", "escaped"), [
    ("Kampot's \"Salt & Pepper\" festival returns: #KampotFest expects 20,000 visitors",
     "Kampot's \"Salt & Pepper\" festival returns: #KampotFest expects 20,000 visitors"),
    ("#1 seed wins", "\\#1 seed wins"),
    ("1. FC Köln *wins*", "1\\. FC Köln \\*wins\\*"),
    ("<b>not bold</b>", "\\<b>not bold\\</b>"),
])
def test_escape_markdown_for_plain_text(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_three_dash_paragraph_stays_text() -> None:
    out = md("<p>which opens and closes with a line of three dashes:</p><p>---</p><p>Next.</p>")
    assert out == "which opens and closes with a line of three dashes:\n\n\\-\\-\\-\n\nNext."


def test_liquid_stays_literal_in_text_and_code() -> None:
    out = md('<p>A line such as {{ site.title }} and <code>{% include x.html %}</code>, '
             '<code>{{ page.date | date: "%d %B %Y" }}</code>.</p>')
    assert out == ('A line such as {{ site.title }} and `{% include x.html %}`, '
                   '`{{ page.date | date: "%d %B %Y" }}`.')


def test_script_text_shows_literally_and_no_raw_html_survives() -> None:
    out = md("<p>Type &lt;script&gt;alert(1)&lt;/script&gt; to test.</p>"
             "<p onclick='evil()'>Click <a href='https://e.org' onmouseover='x()'>here</a></p>"
             "<script>document.write('x')</script><iframe src='javascript:alert(1)'></iframe>")
    assert out == "Type \\<script>alert(1)\\</script> to test.\n\nClick [here](https://e.org)"
    assert "onclick" not in out and "onmouseover" not in out and "document.write" not in out


def test_inline_markdown_is_one_line() -> None:
    caption = lxml.html.fragment_fromstring("<figcaption>Line one<br>line <em>two</em>. <p>Credit</p></figcaption>")
    assert inline_markdown(caption, BASE) == "Line one line *two*. Credit"


CAPTIONS = [
    # a figure: the image stays, its caption (with the credit) goes
    ("<figure><img src='/f.jpg'><figcaption>A river at dawn. <span class='credit'>Staff</span></figcaption>"
     "</figure>", "![](https://www.example.org/f.jpg)", "A river at dawn. Staff"),
    # text inside an image figure outside a figcaption is caption text too
    ("<figure><a href='/big.jpg'><img src='/f.jpg'></a><p>Photo: Example Org</p></figure>",
     "![](https://www.example.org/f.jpg)", "Photo: Example Org"),
    # a WordPress caption box, and a credit line right after a bare image
    ("<div class='wp-caption'><img src='/w.jpg'><p class='wp-caption-text'>Boats.</p></div>",
     "![](https://www.example.org/w.jpg)", "Boats."),
    ("<div><img src='/c.jpg'></div><div class='image-credit'>Example Org</div>",
     "![](https://www.example.org/c.jpg)", "Example Org"),
    # a video figure keeps its link, not its caption
    ("<figure><iframe src='https://www.youtube.com/embed/AbCdEf12345'></iframe><figcaption>Watch the launch."
     "</figcaption></figure>", "https://www.youtube.com/watch?v=AbCdEf12345", "Watch the launch."),
]


@pytest.mark.parametrize(("html", "kept", "caption"), CAPTIONS, ids=[f"c{i}" for i in range(len(CAPTIONS))])
def test_captions_can_be_left_out(html: str, kept: str, caption: str) -> None:
    page = f"<p>Before.</p>{html}<p>After.</p>"
    element = lxml.html.fragment_fromstring(page, create_parent="div")
    posted = html_to_markdown(element, BASE)
    text = html_to_markdown(element, BASE, captions=False)
    assert caption in posted and kept in posted  # the post keeps every caption
    assert caption not in text and kept in text
    assert text.startswith("Before.\n\n") and text.endswith("\n\nAfter.")


@pytest.mark.parametrize("html", [
    "<figure><table><tr><td>Rice</td><td>12</td></tr></table><figcaption>Exports by month</figcaption></figure>",
    "<figure><blockquote><p>We will export more.</p></blockquote><figcaption>Trade minister</figcaption></figure>",
    "<div class='credit-rating'>Credit ratings of the region's banks improved in the quarter.</div>",
])
def test_captions_of_tables_quotes_and_caption_like_classes_without_an_image_stay(html: str) -> None:
    element = lxml.html.fragment_fromstring(f"<p>Before.</p>{html}", create_parent="div")
    assert html_to_markdown(element, BASE, captions=False) == html_to_markdown(element, BASE)


def test_strong_wrapping_a_paragraph_keeps_the_subhead() -> None:
    assert md("<strong><p>Subhead</p></strong><p>Text</p>") == "**Subhead**\n\nText"


def test_deep_nesting_does_not_recurse() -> None:
    """10 000 nested elements (built directly: the HTML parser itself stops at 256 levels)."""
    root = lxml.html.Element("div")
    node = root
    for i in range(10_000):
        node = lxml.etree.SubElement(node, ("div", "span", "blockquote", "ul", "li", "b")[i % 6])
    node.text = "deep text"
    lxml.etree.SubElement(root, "p").text = "after"
    out = html_to_markdown(root, BASE)
    assert "deep text" in out and out.rstrip().endswith("after")


def test_deep_lists_are_capped_not_recursed() -> None:
    root = lxml.html.Element("div")
    node = root
    for _ in range(5_000):
        node = lxml.etree.SubElement(lxml.etree.SubElement(node, "ul"), "li")
    node.text = "bottom"
    out = html_to_markdown(root, BASE)
    assert out.strip().endswith("bottom")
    assert max(len(line) - len(line.lstrip(" ")) for line in out.split("\n")) < 100


KRAMDOWN = r"""
require "kramdown"
require "kramdown-parser-gfm"
print Kramdown::Document.new(STDIN.read, input: "GFM", hard_wrap: false).to_html
"""


@pytest.mark.jekyll
def test_kramdown_renders_escaped_text_literally() -> None:
    """Jekyll's renderer shows tricky text as written: no rules, headings, lists, tables, HTML or math."""
    paragraphs = ["---", "===", "#KampotFest returns", "- not a list", "+ not a list", "1. not a list",
                  "> not a quote", ": not a definition", "a | b | c", "| leading pipe", "{: .not-an-ial}",
                  "$$ not math $$", "<script>alert(1)</script>", "*not em* _not em_ `not code`",
                  "[not](a-link)", "Tom &copy; literal", "~~not struck~~", "~~~"]
    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    markdown = md(html)
    rendered = subprocess.run(["ruby", "-e", KRAMDOWN], input=markdown, capture_output=True, text=True,
                              check=True).stdout
    tree = lxml.html.fragment_fromstring(rendered, create_parent="div")
    assert [p.text_content() for p in tree.findall("p")] == paragraphs
    assert [el.tag for el in tree] == ["p"] * len(paragraphs)


# --- syntax split across text nodes (issue 12): each piece is escaped so that no neighbour completes it


@pytest.mark.parametrize(("html", "markdown"), [
    ('<p>Read the <a href="/r">report</a>{<span></span>: onclick="alert(1)"}</p>',
     'Read the [report](https://www.example.org/r)\\{: onclick="alert(1)"}'),
    ('<p>Photo <img src="/i.jpg">{<!-- c -->: onerror="alert(1)"}</p>',
     'Photo ![](https://www.example.org/i.jpg)\\{: onerror="alert(1)"}'),
    ('<p>Text{<b></b>: onmouseover="alert(1)" style="position:fixed"}</p>',
     'Text\\{: onmouseover="alert(1)" style="position:fixed"}'),
    ('<p><em>word</em>{<span></span>:.x}, <code>c</code>{<i></i>: .y}</p>', '*word*\\{:.x}, `c`\\{: .y}'),
    ('<p>{<span>:</span>:nomarkdown}&lt;script&gt;x&lt;/script&gt;{<span>:</span>/}</p>',
     '\\{::nomarkdown}\\<script>x\\</script>\\{:/}'),
    ('<p>$<i></i>$x^2$<b></b>$ cost</p>', '\\$$x^2\\$$ cost'),
    ('<h2>Intro {<span></span>#evil}</h2>', '## Intro \\{#evil}'),
    ('<p>A ~<span></span>~struck~<span></span>~ word</p>', 'A &#126;~struck&#126;~ word'),
    ('<p>A &amp;<span></span>lt;b&amp;<span></span>gt;</p>', 'A &amp;lt;b&amp;gt;'),
    ('<p>US$5 and $2.6 trillion</p>', 'US$5 and $2.6 trillion'),
])
def test_syntax_split_across_elements_stays_text(html: str, markdown: str) -> None:
    assert md(html) == markdown


def test_control_characters_never_reach_the_markdown() -> None:
    """Escaping sees the text without them: removing one later could join "{" and ":"."""
    out = md("<p>a{\x1b: onclick=x} \x7f<code>`\x08`</code> &#27;</p><pre>line\x0bone</pre>")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", out)
    assert out.startswith("a\\{: onclick=x}")


@pytest.mark.parametrize("tag", ["embed", "source", "track", "wbr", "keygen"])
def test_an_unclosed_void_element_keeps_the_text_after_it(tag: str) -> None:
    """libxml2 nests what follows these HTML5 void elements inside them; the rest of the article stays."""
    from crawler.extract.document import parse_document

    doc = parse_document(f"<html><body><article><p>Before the clip <{tag} src='/v.swf'> after the clip, "
                         "<b>bold</b>.</p><p>Next paragraph.</p></article></body></html>", "https://www.example.org/a")
    out = html_to_markdown(doc.tree.find(".//article"), "https://www.example.org/a")
    assert out == "Before the clip after the clip, **bold**.\n\nNext paragraph."


def test_link_text_that_starts_with_a_caret_is_not_a_footnote_reference() -> None:
    assert md("<p>See <a href='/r'>^2 notes</a></p>") == "See [&#94;2 notes](https://www.example.org/r)"
