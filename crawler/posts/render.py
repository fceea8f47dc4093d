"""Render an Article as the whole text of a Jekyll post: front matter, `# Title`, lead image, caption, body.

The format has no final newline (the seed post has none). Text Jekyll would execute as Liquid
(`{{`, `{%`, `{#`) switches the post to `render_with_liquid: false`, so it shows literally.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from crawler.posts.frontmatter import DEFAULT_OPTIONAL_FIELDS, fix_surrogates, render_front_matter

if TYPE_CHECKING:
    from crawler.items import Article

LIQUID_RE = re.compile(r"\{[{%#]")
_LINE_BREAKS_RE = re.compile(r"\s*[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+\s*")
_HEADING_ID_RE = re.compile(r"(?<!\\)((?:\\\\)*)\{#")  # `{#` after an even number of backslashes
_CLOSING_HASHES_RE = re.compile(r"(?:(?<=\s)|^)#(?=#*\s*$)")
_URL_UNSAFE = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\t": "%09", "\n": "", "\r": ""}
_URL_UNSAFE_RE = re.compile("[ ()<>\t\r\n]")


def _escape_markdown(text: str) -> str:
    from crawler.extract.escaping import escape_markdown  # lazily: extraction imports heavier libraries

    return escape_markdown(text)


def markdown_url(url: str) -> str:
    """A URL that can stand inside `![](…)`: spaces, parentheses and angle brackets percent-encoded."""
    return _URL_UNSAFE_RE.sub(lambda m: _URL_UNSAFE[m.group(0)], url.strip())


def heading(title: str) -> str:
    """`# Title`: one line, escaped for Markdown, and safe from kramdown's heading syntax: a trailing
    run of `#` would be dropped as closing hashes, and `{#id}` would become the heading's id."""
    text = _escape_markdown(_LINE_BREAKS_RE.sub(" ", title).strip())
    text = _HEADING_ID_RE.sub(r"\1\\{#", text)
    text = _CLOSING_HASHES_RE.sub(r"\\#", text, count=1)
    return "# " + text


def render_content(article: Article) -> str:
    """Everything after the front matter: blank line, `# Title`, lead image, caption, body."""
    blocks = [heading(article.title or "")]
    if article.image:
        blocks.append(f"![]({markdown_url(article.image)})")
        if article.image_caption and article.image_caption.strip():
            blocks.append(article.image_caption.strip("\r\n"))
    body = (article.body or "").strip("\r\n")
    if body:
        blocks.append(body)
    return "\n" + "\n\n".join(blocks)


def render_post(article: Article, *, optional_fields: Collection[str] = DEFAULT_OPTIONAL_FIELDS) -> str:
    """The complete post text, without a final newline."""
    content = fix_surrogates(render_content(article))
    liquid = bool(LIQUID_RE.search(content))
    front = render_front_matter(article, optional_fields=optional_fields, render_with_liquid=not liquid)
    return front + content


def content_hash(text: str) -> str:
    """SHA-256 (hex) of a post's text as written (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
