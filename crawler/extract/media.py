"""Images and embeds in an HTML fragment: link targets, image sources (srcset, lazy loaders), embed URLs,
and which elements are image figures, captions, credits and embeds.

Pure lxml element inspection; the Markdown converter (`crawler.extract.markdown`) decides what to write.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import lxml.html

from crawler.extract.urls import join_url, split_url, url_path

IMAGE_TAGS = ("img", "amp-img", "picture")
_MEDIA_TAGS = ("video", "audio", "iframe", "object", "embed", "svg", "canvas", "amp-video", "amp-iframe", "blockquote")
_CAPTION_CLASS_RE = re.compile(r"caption|credit|copyright|photographer", re.I)
MAX_ORPHAN_CAPTION_CHARS = 400
"""A caption-classed element longer than this is not a stray caption (it may be misnamed content)."""
_NOT_IMAGE_FIGURE_TAGS = ("table", "blockquote", "pre", "ul", "ol", "code")
_LINK_SCHEMES = ("http", "https", "mailto")
_AD_HOSTS = ("doubleclick.net", "googlesyndication.com", "amazon-adsystem.com", "adnxs.com", "taboola.com",
             "outbrain.com", "googletagmanager.com", "facebook.com/tr")


def link_target(href: str | None, base_url: str) -> str | None:
    """Absolute http(s)/mailto link target, or None for javascript:, in-page anchors and the like."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    absolute = join_url(base_url, href)
    return absolute if absolute and split_url(absolute).scheme.lower() in _LINK_SCHEMES else None


_SRCSET_URL_RE = re.compile(r"[^\s,][^\s]*")
_SRCSET_DESCRIPTOR_RE = re.compile(r"\s*([^,]*)")


def srcset_candidates(srcset: str) -> Iterator[tuple[str, float]]:
    """(URL, size) of each srcset candidate, parsed as the HTML standard does: a URL runs to the next
    whitespace (commas inside it stay: "w_300,h_200" crops, "crop=2859,1787"), a comma that ends it or
    the descriptor after it ends the candidate. Size: the width ("800w") or density ("2x"); 1 without one."""
    pos = 0
    while True:
        match = _SRCSET_URL_RE.search(srcset, pos)
        if match is None:
            return
        url = match.group()
        pos = match.end()
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            found = _SRCSET_DESCRIPTOR_RE.match(srcset, pos)
            if found is not None:
                descriptor = found.group(1).strip()
                pos = found.end() + 1
        size = 1.0
        for part in descriptor.split():
            if part[-1:] in ("w", "x"):
                try:
                    size = float(part[:-1])
                except ValueError:
                    continue
        if url:
            yield url, size


def _largest_from_srcset(srcset: str | None) -> str | None:
    best: tuple[float, str] | None = None
    for url, size in srcset_candidates(srcset or ""):
        if best is None or size > best[0]:
            best = (size, url)
    return best[1] if best else None


_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-lazy")
"""Attributes a lazy loader copies into `src`: the image itself, while `src` holds a stand-in."""
_OTHER_SOURCES = ("data-url", "data-full-src", "data-hi-res-src")
"""Other renditions of the image, used when `src` is missing or a stand-in."""


def _is_placeholder(src: str) -> bool:
    """A stand-in, or no URL at all (a lazy loader's JSON or template in the attribute)."""
    lowered = src.lower()
    return lowered.startswith("data:") or any(char in src for char in '{}"<> ') or any(
        word in lowered for word in ("placeholder", "blank.gif", "spacer.gif", "pixel.gif", "lazy-load", "1x1")
    )


def image_source(img: lxml.html.HtmlElement, base_url: str) -> str | None:
    """The image URL of an <img>: the largest rendition a lazy loader's data-srcset lists, else a lazy
    loader's attribute, else the largest rendition srcset lists, else src, else another rendition.

    srcset names the renditions the page offers for the picture in src; the largest is what an archive
    keeps (src is often a small default). A lazy loader swaps its attribute into `src` when the image
    scrolls into view, so until then `src` holds a stand-in (a spinner, a site-wide "fallback.png", a
    blurred thumbnail) whatever its name."""
    width, height = img.get("width", ""), img.get("height", "")
    if width.strip() in ("0", "1") and height.strip() in ("0", "1"):
        return None  # tracking pixel
    candidates = [_largest_from_srcset(img.get("data-srcset"))]
    candidates += [img.get(attr) for attr in _LAZY_SOURCES]
    candidates += [_largest_from_srcset(img.get("srcset")), img.get("src")]
    candidates += [img.get(attr) for attr in _OTHER_SOURCES]
    parent = img.getparent()
    if parent is not None and parent.tag == "source":  # libxml2 nests <img> inside a non-void <source>
        parent = parent.getparent()
    if parent is not None and parent.tag == "picture":
        candidates += [_largest_from_srcset(s.get("srcset") or s.get("data-srcset")) for s in parent.iter("source")]
    for candidate in candidates:
        if candidate and candidate.strip() and not _is_placeholder(candidate.strip()):
            url = link_target(candidate.strip(), base_url)
            if url and not url.startswith("mailto:"):
                return None if _ICON_PATH_RE.search(url_path(url)) else url
    return None


_ICON_PATH_RE = re.compile(r"/(?:icons|logos|sprites?)/|/(?:icon|sprite)[-_.][^/]*\.(?:svg|png|gif|ico)$", re.I)
"""An interface icon, a sprite sheet or a logo collection ("/images/common/icon_scale.svg", "/logos/701.png"):
page furniture, not a picture of the article."""


_YOUTUBE_RE = re.compile(r"(?:youtube(?:-nocookie)?\.com/(?:embed|v|shorts)/|youtu\.be/)([A-Za-z0-9_-]{6,})")


def embed_url(el: lxml.html.HtmlElement, base_url: str) -> str | None:
    """The canonical URL of an embed (iframe, video, audio, tweet/instagram/tiktok blockquote), or None."""
    tag = el.tag
    if tag in ("iframe", "amp-iframe", "amp-youtube"):
        if tag == "amp-youtube" and el.get("data-videoid"):
            return f"https://www.youtube.com/watch?v={el.get('data-videoid')}"
        src = el.get("src") or el.get("data-src") or el.get("data-lazy-src")
        return _canonical_embed(link_target(src, base_url))
    if tag in ("video", "audio"):
        src = el.get("src") or next((s.get("src") for s in el.iter("source") if s.get("src")), None)
        return link_target(src, base_url)
    if tag == "blockquote":
        return _without_tracking(_quote_embed_url(el, base_url))
    return link_target(el.get("data-href") or el.get("cite"), base_url)


def _quote_embed_url(el: lxml.html.HtmlElement, base_url: str) -> str | None:
    for attr in ("data-instgrm-permalink", "data-text-post-permalink", "data-embed-url", "cite"):
        if el.get(attr):
            target = link_target(el.get(attr), base_url)
            if target:
                return target
    hrefs = [h for h in (link_target(a.get("href"), base_url) for a in el.iter("a")) if h]
    for needle in ("/status/", "/post/", "instagram.com/", "tiktok.com/", "facebook.com/", "reddit.com/"):
        matches = [h for h in hrefs if needle in h]
        if matches:
            return matches[-1] if needle in ("/status/", "/post/") else matches[0]
    return hrefs[-1] if hrefs else None


_TRACKING_PARAMS_RE = re.compile(r"^(?:utm_\w+|ref_src|ref_url|ref_source|igshid|igsh|s|t|src|ref)$")


def _without_tracking(url: str | None) -> str | None:
    """An embedded post's URL without the share-tracking parameters the embed code adds (`?ref_src=twsrc`)."""
    if not url or "?" not in url:
        return url
    parts = urlsplit(url)
    query = "&".join(pair for pair in parts.query.split("&")
                     if pair and not _TRACKING_PARAMS_RE.match(pair.split("=")[0]))
    return parts._replace(query=query, fragment="").geturl()


def _canonical_embed(src: str | None) -> str | None:
    if not src:
        return None
    parts = urlsplit(src)
    host = (parts.hostname or "").lower()
    if any(ad in host or ad in src for ad in _AD_HOSTS):
        return None
    if "youtube" in host or host == "youtu.be":
        query = parse_qs(parts.query)
        if "/embed/videoseries" in parts.path and query.get("list"):
            return f"https://www.youtube.com/playlist?list={query['list'][0]}"
        match = _YOUTUBE_RE.search(src)
        if match:
            return f"https://www.youtube.com/watch?v={match.group(1)}"
    if host == "player.vimeo.com":
        match = re.search(r"/video/(\d+)", parts.path)
        if match:
            return f"https://vimeo.com/{match.group(1)}"
    if host.endswith("facebook.com") and parts.path.startswith("/plugins/"):
        href = parse_qs(parts.query).get("href")
        if href:
            return unquote(href[0])
    if host == "platform.twitter.com":
        tweet_id = parse_qs(parts.query).get("id")
        if tweet_id:
            return f"https://twitter.com/i/status/{tweet_id[0]}"
    if host.endswith("instagram.com"):
        match = re.match(r"(/(?:p|reel|tv)/[^/]+/)", parts.path)
        if match:
            return f"https://www.instagram.com{match.group(1)}"
    if host == "open.spotify.com" and parts.path.startswith("/embed/"):
        return "https://open.spotify.com/" + parts.path.removeprefix("/embed/")
    if host.endswith("dailymotion.com") and "/embed/video/" in parts.path:
        return "https://www.dailymotion.com/video/" + parts.path.rsplit("/", 1)[-1]
    return src if parts.scheme in ("http", "https") else None


_QUOTE_EMBED_CLASSES = ("twitter-tweet", "twitter-video", "instagram-media", "tiktok-embed", "reddit-embed",
                        "reddit-card", "bluesky-embed", "mastodon-embed", "text-post-media", "fb-xfbml")
"""Class names of the blockquotes that social networks' embed scripts turn into a post (the quote holds its text)."""


def is_quote_embed(el: lxml.html.HtmlElement, tag: str) -> bool:
    """A blockquote an embed script would replace by a social-media post (tweet, Instagram, TikTok, ...)."""
    if tag != "blockquote":
        return False
    classes = el.get("class", "")
    return any(c in classes for c in _QUOTE_EMBED_CLASSES)


def is_embed(el: lxml.html.HtmlElement, tag: str) -> bool:
    """An element the converter writes as a link to what it embeds (iframe, video, audio, social post)."""
    if tag in ("iframe", "video", "audio", "amp-iframe", "amp-youtube"):
        return True
    if is_quote_embed(el, tag):
        return True
    classes = el.get("class", "")
    return tag == "div" and ("fb-post" in classes or "fb-video" in classes) and bool(el.get("data-href"))


def is_image_figure(figure: lxml.html.HtmlElement) -> bool:
    """Whether a <figure> presents images (or media): its text is then their caption. A figure holding a
    table, quote, code or list presents that instead."""
    return next(figure.iter(*_NOT_IMAGE_FIGURE_TAGS), None) is None


def is_image_caption(el: lxml.html.HtmlElement, tag: str) -> bool:
    """Whether an element is an image caption: a <figcaption> of an image figure, or a caption/credit-classed
    element without an image of its own next to one (in the same small box, or right after it)."""
    if tag == "figcaption":
        figure = el.getparent()
        return figure is None or figure.tag != "figure" or is_image_figure(figure)
    if not _CAPTION_CLASS_RE.search(el.get("class", "")) or next(el.iter(*IMAGE_TAGS), None) is not None:
        return False
    previous = el.getprevious()
    if previous is not None and isinstance(previous.tag, str) and (
            previous.tag in IMAGE_TAGS or next(previous.iter(*IMAGE_TAGS), None) is not None):
        return True
    node = el.getparent()
    for _ in range(3):
        if node is None:
            return False
        if next(node.iter(*IMAGE_TAGS), None) is not None:
            return True
        node = node.getparent()
    return False


def is_image_button(el: lxml.html.HtmlElement) -> bool:
    """A <button> around an image (a picture that opens a lightbox): the image is article content."""
    return el.tag == "button" and next(el.iter(*IMAGE_TAGS), None) is not None


def is_orphan_caption(el: lxml.html.HtmlElement, tag: str) -> bool:
    """Whether an element is the caption or credit of an image that is not in the page (a script would
    load it): caption/credit-classed, short, with no image or media in it or near it. Without its image
    it reads as a stray line."""
    if tag in IMAGE_TAGS or not _CAPTION_CLASS_RE.search(el.get("class", "")):
        return False
    chars = len(el.text_content())
    if next(el.iter(*IMAGE_TAGS, *_MEDIA_TAGS), None) is not None or chars > MAX_ORPHAN_CAPTION_CHARS:
        return False
    node = el.getparent()
    for _ in range(3):  # the figure box around the caption: little text besides it
        if node is None or len(node.text_content()) > chars + MAX_ORPHAN_CAPTION_CHARS:
            return True
        if next(node.iter(*IMAGE_TAGS, *_MEDIA_TAGS), None) is not None:
            return False
        node = node.getparent()
    return True
