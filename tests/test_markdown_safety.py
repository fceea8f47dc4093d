"""No page can assemble live kramdown or Liquid in a post: attack strings cut into pieces at random, the
pieces wrapped in random inline elements with empty elements, comments and images between them, put
in random blocks (paragraph, heading, list item, table cell, caption, quote), converted by the real
Markdown converter, written by the real post renderer and built by Jekyll with the project's skeleton
(kramdown, as a user publishing the archive builds it). Every case must show its text literally and
nothing but plain Markdown elements, and no built page may hold active content.

Each hypothesis example is one Jekyll build of many cases (Jekyll is slow to start); a failure names
every failing case of the batch, so hypothesis does not shrink (that would mean dozens of builds).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from crawler.extract.markdown import html_to_markdown
from crawler.items import Article
from crawler.posts import make_code, render_post
from tests.active_content import active_content, bad_url
from tests.site import copy_skeleton, jekyll_build_command, jekyll_env

pytestmark = pytest.mark.jekyll

BASE = "https://www.example.org/news/story"
#: Kramdown and Liquid syntax that would turn text into markup if it reached kramdown unescaped.
ATTACKS = [
    '{: onclick="alert(1)"}',
    '{:.lead onmouseover="alert(1)" style="position:fixed;top:0;left:0;width:100%;height:100%"}',
    '{: href="javascript:alert(1)"}',
    '{: src="javascript:alert(1)"}',
    "{::nomarkdown}<script>alert(1)</script>{:/}",
    '{::nomarkdown type="html"}<iframe src="javascript:alert(1)"></iframe>{:/nomarkdown}',
    "{::nomarkdown}<svg onload=alert(1)>{:/}",
    '{::nomarkdown}<base href="https://evil.example/">{:/}',
    '{::nomarkdown}<meta http-equiv="refresh" content="0;url=https://evil.example/">{:/}',
    '{::options parse_block_html="true" /}<div onclick="alert(1)">x</div>',
    "{:toc}",
    "{::comment}hidden{:/comment}",
    "{:ref: .x onclick=alert(1)}",
    "{#evil}",
    "$$\\href{javascript:alert(1)}{x}$$",
    "$$x^2$$",
    "{{ site.title }}",
    "{% include x.html %}",
    "{%raw%}",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[x](javascript:alert(1))",
    "[x]: javascript:alert(1)",
    "[x][x]",
    "*[HTML]: Hyper Text",
    "[^1]",
    "~~struck~~",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#106;avascript:alert(1)",
    "<http://evil.example/>",
    "| a | b |",
    "```",
    "~~~",
    ": definition",
    "# heading",
    "> quote",
    "1. item",
    "- item",
    "---",
    "^",
]
INLINE = ["span", "em", "strong", "b", "i", "u", "sup", "small", "mark", "abbr", "font", "a"]
SEPARATORS = ["", "", "<!-- note -->", "<span></span>", "<b></b>", "<img src='/pic.jpg' alt='{:'>", "<wbr>",
              "<embed src='/clip.swf'>", "<br>"]
BLOCKS = {
    "p": "<p>{}</p>",
    "h2": "<h2>{}</h2>",
    "h3": "<h3>Title {}</h3>",
    "li": "<ul><li>one</li><li>{}</li></ul>",
    "ol": "<ol><li>{}</li></ol>",
    "td": "<table><tr><th>Head</th></tr><tr><td>{}</td></tr></table>",
    "figcaption": "<figure><img src='/photo.jpg'><figcaption>{}</figcaption></figure>",
    "blockquote": "<blockquote><p>{}</p></blockquote>",
    "after-link": "<p>Read the <a href='/r'>report</a>{}</p>",
    "after-code": "<p>Run <code>make</code>{}</p>",
    "after-image": "<p>Photo <img src='/i.jpg' alt='A photo'>{}</p>",
    "in-link": "<p>See <a href='/r'>{}</a></p>",
    "in-emphasis": "<p><em>{}</em></p>",
}
ALLOWED_TAGS = frozenset({
    "article", "p", "time", "span", "footer", "a", "code", "h1", "h2", "h3", "h4", "h5", "h6", "img", "em",
    "strong", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "br", "hr", "pre",
})
"""What plain Markdown and the post layout produce. `del`, `div`, `math`, `dl`, `abbr`, `sup` (footnotes)
or anything else in an article means some syntax came alive."""
ALLOWED_ATTRIBUTES = {"a": {"href", "class"}, "img": {"src", "alt"}, "time": {"datetime"}, "h1": {"id"},
                      "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"}}
LAYOUT_CLASSES = {"post", "post-meta", "post-category", "post-author", "post-footer", "origin-url",
                  "language-plaintext highlighter-rouge"}
"""The layout's classes, and the one Jekyll gives inline code."""
_SQUEEZE_RE = re.compile(r"[\s*]+")


def squeeze(text: str) -> str:
    """Text without white space and asterisks: adjacent emphasis (`*a**b*`) may move or add asterisks
    and spaces, and that is all it may change."""
    return _SQUEEZE_RE.sub("", text)


@dataclass(frozen=True)
class Case:
    html: str
    """An HTML fragment of an article body."""

    @property
    def text(self) -> str:
        """What a reader of the page sees: the fragment's text without its comments."""
        tree = lxml.html.fragment_fromstring(self.html, create_parent="div")
        for comment in tree.xpath("//comment()"):
            comment.drop_tree()
        return tree.text_content()


@st.composite
def cases(draw: st.DrawFn) -> Case:
    text = " ".join(draw(st.lists(st.sampled_from(ATTACKS), min_size=1, max_size=3)))
    cuts = sorted(cut for cut in draw(st.sets(st.integers(1, len(text)), max_size=6)) if cut < len(text))
    pieces = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    out = []
    for piece in pieces:
        out.append(draw(st.sampled_from(SEPARATORS)))
        wrapper = draw(st.sampled_from([None, None, *INLINE]))
        piece_html = escape(piece, quote=False)
        if wrapper == "a":
            piece_html = f"<a href='/r'>{piece_html}</a>"
        elif wrapper:
            piece_html = f"<{wrapper}>{piece_html}</{wrapper}>"
        out.append(piece_html)
    out.append(draw(st.sampled_from(SEPARATORS)))
    return Case(BLOCKS[draw(st.sampled_from(sorted(BLOCKS)))].format("".join(out)))


def origin(number: int) -> str:
    return f"https://www.example.org/case/{number}"


def build_cases(jekyll: str, source: Path, batch: list[Case]) -> dict[str, str]:
    """Write one post per case with the real converter and renderer, build, return built HTML by origin URL."""
    copy_skeleton(source)
    (source / "_posts").mkdir()
    for number, case in enumerate(batch):
        date = datetime(2024, 10, 1, 3, 0, tzinfo=UTC) + timedelta(minutes=number)
        article = Article(url=origin(number), origin_url=origin(number), title=f"Case {number}", description="",
                          body=html_to_markdown(lxml.html.fragment_fromstring(case.html, create_parent="div"), BASE),
                          date=date, category="CASES", language="en")
        article.code = make_code("ART", date, origin(number))
        (source / "_posts" / f"2024-10-01-case-{number}.md").write_text(render_post(article), encoding="utf-8")
    dest = source / "_site"
    proc = subprocess.run(jekyll_build_command(jekyll, source, dest), env=jekyll_env(), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    built = {}
    for path in dest.rglob("*.html"):
        raw = path.read_text(encoding="utf-8")
        for link in lxml.html.document_fromstring(raw).xpath("//a[@class='origin-url']/@href"):
            built[link] = raw
    return built


def problems_in(case: Case, raw: str, where: str) -> list[str]:
    """Everything wrong with one built case: active content, markup plain Markdown does not make, text
    that does not show as written."""
    problems = active_content(raw, where)
    article = lxml.html.document_fromstring(raw).xpath("//article[@class='post']")[0]
    for element in article.iter():
        if not isinstance(element.tag, str):
            problems.append(f"{where}: {element!r} in the article")
            continue
        if element.tag not in ALLOWED_TAGS:
            problems.append(f"{where}: <{element.tag}> in the article")
        for name, value in element.attrib.items():
            if name not in ALLOWED_ATTRIBUTES.get(element.tag, {"class"}):
                problems.append(f"{where}: {name}={value!r} on <{element.tag}>")
            elif name == "class" and value not in LAYOUT_CLASSES:
                problems.append(f"{where}: class={value!r} on <{element.tag}>")
            elif name in ("href", "src") and (bad_url(value) or not value.startswith(("https://", "/"))):
                problems.append(f"{where}: {name}={value!r} on <{element.tag}>")
    if squeeze(case.text) not in squeeze(article.text_content()):
        problems.append(f"{where}: text {case.text!r} not shown as written in {article.text_content()!r}")
    return problems


def check(jekyll: str, batch: list[Case]) -> None:
    with tempfile.TemporaryDirectory(prefix="markdown-safety-") as tmp:
        built = build_cases(jekyll, Path(tmp), batch)
        assert len(built) == len(batch)
        problems = []
        for number, case in enumerate(batch):
            problems += problems_in(case, built[origin(number)], f"case {number} {case.html!r}")
        assert problems == [], "\n".join(problems)


#: The ways the issue found to assemble syntax from several text nodes, one case each.
ISSUE_CASES = [
    Case('<p>Read the <a href="/r">report</a>{<span></span>: onclick="alert(1)"}</p>'),
    Case('<p>Photo <img src="/i.jpg">{<span></span>: onerror="alert(1)"}</p>'),
    Case('<p>End of the paragraph.{<span></span>: onmouseover="alert(1)" style="position:fixed;top:0"}</p>'),
    Case('<p><em>quoted</em>{<span></span>: onclick="alert(1)"}</p>'),
    Case('<h2>Heading{<span></span>: onclick="alert(1)"}</h2>'),
    Case('<table><tr><th>h</th></tr><tr><td>cell{<span></span>: onclick="alert(1)"}</td></tr></table>'),
    Case('<figure><img src="/p.jpg"><figcaption>Caption{<span></span>: onclick="alert(1)"}</figcaption></figure>'),
    Case('<p><code>code</code>{<span></span>: onclick="alert(1)"}</p>'),
    Case('<p>A <a href="/r">link</a>{<!-- -->: href="javascript:alert(1)"}</p>'),
    Case("<p>{<span>:</span>:nomarkdown}&lt;script&gt;alert(1)&lt;/script&gt;{<span>:</span>/}</p>"),
    Case("<p>{<span>:</span>:nomarkdown}&lt;iframe src=x&gt;&lt;/iframe&gt;{<span>:</span>/}</p>"),
    Case("<p>{<span>:</span>:nomarkdown}&lt;svg onload=alert(1)&gt;{<span>:</span>/}</p>"),
    Case('<p>{<span>:</span>:nomarkdown}&lt;base href="https://evil.example/"&gt;{<span>:</span>/}</p>'),
    Case('<p>{<b>:</b>:nomarkdown}&lt;meta http-equiv="refresh" content="0;url=/x"&gt;{<b>:</b>/}</p>'),
    Case("<p>$<i></i>$\\href{javascript:alert(1)}{x}$<i></i>$</p>"),
    Case("<p>An unclosed <embed src='/clip.swf'> embed mid-article, then the rest of the text.</p>"),
]


def test_the_issues_split_syntax_shows_as_text(jekyll: str) -> None:
    check(jekyll, ISSUE_CASES)


@settings(max_examples=5, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@example(batch=[Case(BLOCKS[block].format(escape(attack, quote=False)))
                for block in sorted(BLOCKS) for attack in ATTACKS[:3]])
@given(batch=st.lists(cases(), min_size=40, max_size=40))
def test_attack_strings_split_across_elements_never_come_alive(jekyll: str, batch: list[Case]) -> None:
    check(jekyll, batch)
