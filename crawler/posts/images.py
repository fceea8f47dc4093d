"""The pictures a post shows, and the post pointing at the archive's copies of them.

A post shows its lead image (`Article.image`) and every `![alt](url)` of its Markdown body. The image
archive downloads each http(s) one once, then `use_archived_images` points the post at the copies:
the lead image's original URL moves to `image_origin`, the body's image URLs are replaced, and
pictures without a copy keep their original URL. Pure: no Scrapy import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from crawler.posts.render import markdown_url

if TYPE_CHECKING:
    from crawler.items import Article

#: `![alt](url)` with a backslash-escaped alt text, as the Markdown converter writes images.
IMAGE_RE = re.compile(r"!\[(?P<alt>(?:\\.|[^\\\]])*)\]\((?P<url>[^()\s]+)\)")
_ARCHIVABLE = ("http://", "https://")


def post_image_urls(article: Article) -> list[str]:
    """Every http(s) picture the post shows, lead image first, each once, as the post writes its URL."""
    urls: list[str] = []
    candidates = [markdown_url(article.image)] if article.image else []
    candidates += [match.group("url") for match in IMAGE_RE.finditer(article.body or "")]
    for url in candidates:
        if url.lower().startswith(_ARCHIVABLE) and url not in urls:
            urls.append(url)
    return urls


def archived_url(url_base: str, path: str) -> str:
    """The URL a post shows for a stored copy: IMAGES_URL_BASE (ending in `/`) + the stored path."""
    return url_base + path.lstrip("/")


def use_archived_images(article: Article, archived: Mapping[str, str]) -> None:
    """Point the post at the copies in `archived` ({URL as `post_image_urls` gives it: archive URL});
    count the pictures that have none in `images_missing`."""
    urls = post_image_urls(article)
    article.images_missing = sum(1 for url in urls if url not in archived)
    if article.image:
        copy = archived.get(markdown_url(article.image))
        if copy is not None:
            article.image_origin = article.image
            article.image = copy

    def swap(match: re.Match[str]) -> str:
        copy = archived.get(match.group("url"))
        return match.group(0) if copy is None else f"![{match.group('alt')}]({markdown_url(copy)})"

    if article.body:
        article.body = IMAGE_RE.sub(swap, article.body)
