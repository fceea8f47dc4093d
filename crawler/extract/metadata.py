"""Article metadata from a parsed page: one function per field, each a short cascade.

Order of evidence: site profile selectors -> JSON-LD (the page's article object) -> OpenGraph,
article:* and other meta tags (twitter, Dublin Core, parsely, sailthru, itemprop) -> what the page
shows (<h1>, bylines, <time datetime>, date lines) -> heuristics. Functions return raw values
(datetimes as found, names as written); they never raise on odd input.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import lxml.etree
import lxml.html

from crawler.extract.body import select
from crawler.extract.bylines import parse_byline
from crawler.extract.dates import on_local_day, parse_date, parse_dateline
from crawler.extract.headline import choose_title, collect_candidates, name_keys
from crawler.extract.language import contradicting_language, detect_language, normalize_language, script_language
from crawler.extract.media import image_source
from crawler.extract.text import clean_text, fold_for_compare, loose_key
from crawler.extract.urls import domain_suffixes, split_url, url_host, url_path
from crawler.extract.vocabulary import CJK_CREDIT_WORDS, alternation

if TYPE_CHECKING:
    from crawler.extract.document import Document
    from crawler.profiles import SiteProfile

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "blogposting", "liveblogposting",
    "socialmediaposting", "techarticle", "scholarlyarticle", "report", "satiricalarticle", "medicalscholarlyarticle",
})
LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "website", "profilepage"})

# Chrome around an article whose dates, bylines and headlines are not the article's own.
_CHROME_TAGS = frozenset({"nav", "aside", "footer"})
_CHROME_RE = re.compile(
    r"related|most-?read|popular|trending|sidebar|ticker|topbar|top-bar|today|current-date|comment|recommend"
    r"|promo(?!ted)|breadcrumb|newsletter|more-stories|read-more|site-header|site-footer|menu|advert|cookie",
    re.I,
)
_URL_DATE_RE = re.compile(r"/(?P<y>(?:19|20)\d\d)[/-](?P<m>[01]\d)[/-](?P<d>[0-3]\d)(?:/|-|$)")
_ERROR_TITLE_RE = re.compile(r"\b(?:404|page not found|not found|error|no encontrada|nicht gefunden)\b", re.I)

_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published", "published_time",
    "datepublished", "publish-date", "publish_date", "publishdate", "pubdate", "dc.date.issued", "dcterms.issued",
    "dc.date", "dcterms.date", "dcterms.created", "date", "sailthru.date", "parsely-pub-date", "article.published",
    "citation_publication_date", "originalpublicationdate", "og:published_time", "release_date",
)
_MODIFIED_META = (
    "article:modified_time", "og:updated_time", "og:article:modified_time", "datemodified", "dcterms.modified",
    "dc.date.modified", "last-modified", "lastmod", "article.updated", "parsely-updated", "modified_time",
)


# --------------------------------------------------------------------------------------- JSON-LD

def ld_types(obj: dict[str, Any]) -> set[str]:
    """The object's @type values, lower-cased and without schema.org prefixes."""
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for v in values if v}


def article_ld(doc: Document, url: str | None = None) -> dict[str, Any] | None:
    """The page's own article object among its JSON-LD (the one whose URL matches, else the first)."""
    candidates = [o for o in doc.jsonld if ld_types(o) & ARTICLE_TYPES or
                  any(t.endswith("article") for t in ld_types(o))]
    if not candidates:
        candidates = [o for o in doc.jsonld if "headline" in o and not ld_types(o) & LISTING_TYPES]
    if len(candidates) > 1 and url:
        wanted = _url_key(url)
        for obj in candidates:
            if any(_url_key(u) == wanted for u in _ld_urls(obj)):
                return obj
    return candidates[0] if candidates else None


def _url_key(url: str) -> str:
    return url_host(url).removeprefix("www.") + url_path(url).rstrip("/")


def _ld_urls(obj: dict[str, Any]) -> list[str]:
    urls = []
    for key in ("url", "mainEntityOfPage", "@id"):
        value = obj.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, list):
            value = value[0] if value and isinstance(value[0], str) else None
        if isinstance(value, str) and value.strip().startswith(("http://", "https://", "/")):
            urls.append(value.strip())
    return urls


def _ld_strings(value: Any, keys: tuple[str, ...] = ("name",)) -> Iterator[str]:
    """Strings from a JSON-LD value that may be a string, an object or a list of either."""
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, str):
            yield item
        elif isinstance(item, list):
            stack[:0] = item[:50]
        elif isinstance(item, dict):
            for key in keys:
                if isinstance(item.get(key), str | list):
                    stack.insert(0, item[key])
                    break


def _resolve_ref(doc: Document, value: Any) -> Any:
    """Replace {"@id": X} references with the @graph object of that id, when there is one."""
    if isinstance(value, list):
        return [_resolve_ref(doc, v) for v in value[:50]]
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id"):
        for obj in doc.jsonld:
            if obj.get("@id") == value["@id"] and obj is not value and len(obj) > 1:
                return obj
    return value


# --------------------------------------------------------------------------------------- visible page

def in_chrome(el: lxml.html.HtmlElement) -> bool:
    """True when the element sits in navigation, sidebars, related boxes, tickers, comments, footers."""
    node: lxml.html.HtmlElement | None = el
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("body", "html"):
            return False  # their classes describe the whole page ("no-sidebars", "menu-light"), not a region
        if tag in _CHROME_TAGS:
            return True
        attrs = f"{node.get('class', '')} {node.get('id', '')}"
        if attrs.strip() and _CHROME_RE.search(attrs):
            return True
        if tag in ("article", "main"):
            return False
        node = node.getparent()
    return False


@lru_cache(maxsize=128)
def _compiled(expr: str) -> lxml.etree.XPath:
    return lxml.etree.XPath(expr)


def _xpath(doc: Document, expr: str) -> list[lxml.html.HtmlElement]:
    result = _compiled(expr)(doc.tree)
    return [el for el in result if isinstance(el, lxml.html.HtmlElement)] if isinstance(result, list) else []


def _element_date(el: lxml.html.HtmlElement) -> datetime | None:
    """A date from an element: its datetime/content attribute, a <time> inside, else its text."""
    for attr in ("datetime", "content", "data-datetime", "data-timestamp"):
        value = el.get(attr)
        if value and (parsed := parse_date(value)):
            return parsed
    for time_el in el.iter("time"):
        value = time_el.get("datetime")
        if value and (parsed := parse_date(value)):
            return parsed
    return parse_dateline(el.text_content())


# --------------------------------------------------------------------------------------- fields

def site_names(doc: Document, profile: SiteProfile | None, ld: dict[str, Any] | None) -> list[str]:
    names = [profile.name if profile else None, doc.first_meta("og:site_name", "application-name", "twitter:site")]
    if ld is not None:
        names.extend(_ld_strings(ld.get("publisher")))
    return [n.lstrip("@") for n in names if n]


def find_title(doc: Document, profile: SiteProfile | None, ld: dict[str, Any] | None) -> str | None:
    """The headline, voted among JSON-LD, og:title, twitter:title, <title>, other title meta tags and the
    visible <h1>, each cleaned of site-name and section decorations (see crawler.extract.headline)."""
    names = site_names(doc, profile, ld)
    headlines: list[str] = []
    if ld is not None:  # "name" is sometimes an id or a slug: only a text with spaces is a title
        headlines = [h for h in _ld_strings(ld.get("headline"), ()) if clean_text(h)][:1]
        headlines += [n for n in _ld_strings(ld.get("name"), ()) if " " in clean_text(n)][:1]
    site_keys = {n.casefold() for n in names}
    h1s = []
    for h1 in doc.tree.iter("h1"):
        text = clean_text(h1.text_content())
        if text and text.casefold() not in site_keys and not in_chrome(h1):
            h1s.append(h1)
        if len(h1s) >= 5:
            break
    return choose_title(collect_candidates(doc, headlines, h1s, names))


def find_description(doc: Document, ld: dict[str, Any] | None) -> str | None:
    candidates = [doc.first_meta("og:description", "description", "twitter:description")]
    if ld is not None and isinstance(ld.get("description"), str):
        candidates.append(ld["description"])
    candidates.append(doc.first_meta("dc.description", "dcterms.abstract", "sailthru.description"))
    for candidate in candidates:
        text = clean_text(candidate)
        if text:
            return text
    return None


def find_meta_image(doc: Document, ld: dict[str, Any] | None) -> str | None:
    """The page's declared lead image (JSON-LD image, og:image, twitter:image, itemprop, image_src), as the
    page itself shows it: when an <img> outside the chrome shows the same picture, its URL.

    Declared images are often a social-media rendition (a 1200x630 crop, sometimes with a logo burnt in);
    the article's own <img> of the same picture is the editorial one, and using its URL lets body
    extraction recognise the picture in the content instead of showing it twice.
    """
    candidates: list[str | None] = []
    if ld is not None:
        candidates.extend(_ld_strings(_resolve_ref(doc, ld.get("image")), ("url", "contentUrl", "@id")))
    candidates.append(doc.first_meta("og:image:secure_url", "og:image", "og:image:url", "twitter:image",
                                     "twitter:image:src", "image", "thumbnailurl"))
    link = doc.tree.xpath("string(//link[@rel='image_src']/@href)")
    candidates.append(str(link) if link else None)
    for candidate in candidates:
        url = doc.absolute(candidate)
        if url and split_url(url).scheme in ("http", "https"):
            return _shown_rendition(doc, url) or url
    return None


_IMAGE_TOKEN_SPLIT_RE = re.compile(r"[_.,;=+\-]+")
_SIZE_TOKEN_RE = re.compile(r"^(?:\d{2,5}x\d{2,5}|[a-z]?\d{2,5}[a-z]?)$", re.I)
_MAX_IMAGES_SCANNED = 300
_MIN_STEM = 12


def _picture_tokens(url: str) -> set[str]:
    """Identifying tokens of an image URL: a long file name, and the ids and hashes in its last two path
    segments (not sizes, not single words)."""
    segments = [s for s in unquote(url_path(url)).split("/") if s][-2:]
    tokens = set()
    stem = segments[-1].lower().split(".")[0] if segments else ""
    if len(stem) >= _MIN_STEM:  # a descriptive file name: "0_crowd-at-the-castle", "best-sleeping-bags-guide"
        tokens.add(stem)
    for segment in segments:
        for token in _IMAGE_TOKEN_SPLIT_RE.split(segment.lower()):
            if len(token) >= 6 and not token.isalpha() and not _SIZE_TOKEN_RE.match(token):
                tokens.add(token)
    return tokens


def _shown_rendition(doc: Document, declared: str) -> str | None:
    """The URL of the first sizeable <img> outside the chrome that shows the declared picture."""
    tokens = _picture_tokens(declared)
    if not tokens:
        return None
    for img in itertools.islice(doc.tree.iter("img"), _MAX_IMAGES_SCANNED):
        src = image_source(img, doc.url)
        if not src or not tokens & _picture_tokens(src) or in_chrome(img):
            continue
        width = img.get("width", "").strip().removesuffix("px")
        if width.isdigit() and int(width) < _MIN_LEAD_WIDTH:
            continue
        return src
    return None


def _dedupe(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for name in names:
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def find_authors(doc: Document, profile: SiteProfile | None, ld: dict[str, Any] | None) -> list[str]:
    """Byline names in page order: profile selector, JSON-LD author, meta tags, then the visible byline.

    A source that names only the publication itself ("Example News") gives way to a later source
    that names people; it is kept when nothing better exists. Next to people, the publication's own
    name ("Desk One, Example News") is left out.
    """
    names_of_site = site_names(doc, profile, ld)
    publication = [fold_for_compare(n) for n in names_of_site]
    keys = name_keys(names_of_site, doc.url)
    fallback: list[str] = []
    for names in _author_sources(doc, profile, ld):
        names = _dedupe(names)
        if not names:
            continue
        people = [n for n in names if not _is_publication(n, publication, keys)]
        if people:
            return people
        fallback = fallback or names
    return fallback


def _is_publication(name: str, publication: list[str], keys: set[str]) -> bool:
    key = fold_for_compare(name)
    if any(len(p) >= 3 and (key.startswith(p) or p.startswith(key)) for p in publication):
        return True
    return loose_key(name) in keys


_AUTHOR_META = ("author", "article:author", "og:article:author", "og:author", "parsely-author", "sailthru.author",
                "cxenseparse:author", "dc.creator", "dcterms.creator", "byl", "citation_author", "authors",
                "shareaholic:article_author_name", "dcsext.author", "atc-metaauthor", "rbauthors")


def _page_ld_with_author(doc: Document) -> dict[str, Any] | None:
    """The JSON-LD WebPage (or posting) that names the page's author, for pages whose JSON-LD has no article
    object (WordPress SEO plugins put `author` on the WebPage of a blog post)."""
    for obj in doc.jsonld:
        types = ld_types(obj)
        if obj.get("author") and any(t.endswith(("page", "posting", "article")) for t in types) \
                and not types & COLLECTION_TYPES:
            return obj
    return None


def _author_sources(doc: Document, profile: SiteProfile | None, ld: dict[str, Any] | None) -> Iterator[list[str]]:
    if profile is not None and profile.body.author_selector:
        for el in select(doc.tree, profile.body.author_selector)[:1]:
            yield _linked_names(el) or parse_byline(block_text(el), by_line=True)
    authored = ld if ld is not None and ld.get("author") else _page_ld_with_author(doc)
    if authored is not None:
        yield [n for raw in _ld_strings(_resolve_ref(doc, authored["author"])) for n in parse_byline(raw)]
    for key in _AUTHOR_META:
        yield [n for raw in doc.meta.get(key, ()) for n in parse_byline(raw)]
    yield _visible_byline(doc)
    yield _credit_line(doc)
    yield _signature(doc)


_BLOCK_TAGS = frozenset({"div", "p", "li", "ul", "ol", "br", "section", "header", "footer", "h2", "h3", "h4", "h5",
                         "h6", "dl", "dt", "dd", "table", "tr", "td", "address", "figure", "figcaption", "time"})


def block_text(el: lxml.html.HtmlElement) -> str:
    """An element's text with its HTML whitespace collapsed and a line break between block elements."""
    parts: list[str] = []

    def walk(node: lxml.html.HtmlElement) -> None:
        block = isinstance(node.tag, str) and node.tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in ("script", "style"):
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(el)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _linked_names(el: lxml.html.HtmlElement) -> list[str]:
    """Names written as links inside a byline element (each link one name)."""
    names = []
    for a in el.iter("a"):
        found = parse_byline(a.text_content())
        if len(found) == 1:
            names.extend(found)
    return names


# Byline containers by class: "byline", "author", "autor", "auteur", "writer", "journalist" in any class name.
_BYLINE_CLASS_RE = re.compile(r"byline|author|autor|auteur|writer|journalist", re.I)
_AUTHOR_HREF_XPATH = (
    "//a[contains(@href, '/author/') or contains(@href, '/authors/') or contains(@href, '/autor/') or "
    "contains(@href, '/autoren/') or contains(@href, '/auteur/') or contains(@href, '/journalist/') or "
    "contains(@href, '/journalists/') or contains(@href, '/profile/') or contains(@href, '/writers/')]"
)
_NOT_BYLINE_CLASS_RE = re.compile(r"bio|avatar|image|img|photo|picture|follow|social|share|about|desc", re.I)
_SHORT_BYLINE = 120
_MIN_LEAD_WIDTH = 150


def _visible_byline(doc: Document) -> list[str]:
    """Names the page shows: itemprop=author, rel=author links, byline/author-classed elements, author links."""
    names: list[str] = []
    for query in ("//*[@itemprop='author']//*[@itemprop='name']", "//*[@itemprop='author']",
                  "//a[contains(concat(' ', normalize-space(@rel), ' '), ' author ')]"):
        for el in _xpath(doc, query)[:5]:
            if not in_chrome(el):
                names.extend(parse_byline(el.get("content") or block_text(el), by_line=True))
        if names:
            return names
    first: lxml.html.HtmlElement | None = None
    classed = (el for el in _xpath(doc, "//body//*[@class]") if _BYLINE_CLASS_RE.search(el.get("class", "")))
    for el in itertools.islice(classed, 40):
        if first is not None and not _near(el, first):
            continue  # further bylines belong to teasers and boxes, not to this article
        if _NOT_BYLINE_CLASS_RE.search(el.get("class", "")) or in_chrome(el):
            continue
        if el.tag in ("body", "html", "article", "main", "section", "img", "script", "style"):
            continue
        text = block_text(el)
        found = parse_byline(text, by_line=True) if len(text) <= _SHORT_BYLINE else _linked_names(el)
        if found:
            names.extend(found)
            first = first if first is not None else el
    if names:
        return names[:10]
    for a in _xpath(doc, _AUTHOR_HREF_XPATH)[:10]:
        if not in_chrome(a) and len(found := parse_byline(a.text_content())) == 1:
            names.extend(found)
    return names[:5]


def _near(el: lxml.html.HtmlElement, anchor: lxml.html.HtmlElement) -> bool:
    """True when `el` is inside `anchor` or a sibling of it (one byline split over several elements)."""
    return el.getparent() is anchor.getparent() or any(node is anchor for node in el.iterancestors())


_CREDIT_LINE_RE = re.compile(rf"^[\s(\uff08]*(?:{alternation(CJK_CREDIT_WORDS)})\s*[:\uff1a]")
_CREDIT_XPATH = "//body//text()[" + " or ".join(f"contains(., '{w}')" for w in CJK_CREDIT_WORDS) + "]"


def _credit_line(doc: Document) -> list[str]:
    """A short CJK credit line ("（责编：A、B）", "作者：A") outside the page chrome."""
    if not any(word in doc.text for word in CJK_CREDIT_WORDS):
        return []
    result = _compiled(_CREDIT_XPATH)(doc.tree)
    for node in result if isinstance(result, list) else []:
        el = getattr(node, "getparent", lambda: None)()
        if not isinstance(el, lxml.html.HtmlElement) or el.tag in ("script", "style", "title"):
            continue
        text = clean_text(el.text_content())
        if len(text) < 60 and _CREDIT_LINE_RE.match(text) and not in_chrome(el):
            return parse_byline(text)
    return []


def _signature(doc: Document) -> list[str]:
    """A right-aligned closing paragraph that is only a short bold name (a common signature layout)."""
    if "right" not in doc.text:
        return []
    query = ("//p[contains(translate(@style, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ ', 'abcdefghijklmnopqrstuvwxyz'), "
             "'text-align:right') or @align='right']"
             "[strong or b][string-length(normalize-space()) < 50]")
    for el in reversed(_xpath(doc, query)[-3:]):
        text = clean_text(el.text_content())
        if not in_chrome(el) and 2 <= len(text.split()) <= 4 and not text.endswith((".", ":", "?", "!")):
            return parse_byline(text)
    return []


def find_published(doc: Document, profile: SiteProfile | None, ld: dict[str, Any] | None,
                   url: str | None = None) -> datetime | None:
    """The publication instant: profile date line, JSON-LD, meta tags, the visible page, a date in the
    URL, and htmldate as the last resort.

    Never dateModified, a "today" bar, or the dates of related articles.
    """
    if profile is not None and profile.body.date_selector:
        for el in select(doc.tree, profile.body.date_selector)[:1]:
            if found := _element_date(el):
                return found
    declared = _declared_published(doc, ld)
    if declared is None:
        return _visible_dateline(doc) or _url_date(url) or _htmldate(doc)
    if declared.utcoffset() != timedelta(0):
        return declared  # written as the site's readers saw it (or without a zone)
    if (twin := _local_twin(declared, doc)) is not None:
        return twin
    shown = _url_date(url) or _visible_dateline(doc)
    return on_local_day(declared, shown.date() if shown is not None else None)


_SAME_INSTANT = timedelta(minutes=1)


def _local_twin(instant: datetime, doc: Document) -> datetime | None:
    """The same instant as another meta tag writes it in local time (`Sat, 19 Oct 2019 00:04:00 +0200`
    next to JSON-LD's `2019-10-18T22:04:00Z`): the day its readers saw."""
    for key in _PUBLISHED_META:
        for value in doc.meta.get(key, ()):
            found = parse_date(value)
            if (found is not None and found.tzinfo is not None and found.utcoffset() != timedelta(0)
                    and abs(found - instant) <= _SAME_INSTANT):
                return found
    return None


def _declared_published(doc: Document, ld: dict[str, Any] | None) -> datetime | None:
    """The publication instant the page declares for machines: JSON-LD, meta tags, `<time datetime>`."""
    if ld is not None:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            if found := parse_date(ld.get(key)):
                return found
    for key in _PUBLISHED_META:
        for value in doc.meta.get(key, ()):
            if found := parse_date(value):
                return found
    for query in ("//*[@itemprop='datePublished']", "//time[@pubdate]", "//time[@datetime]"):
        for el in _xpath(doc, query)[:10]:
            if not in_chrome(el) and (found := _element_date(el)):
                return found
    return None


def _url_date(url: str | None) -> datetime | None:
    match = _URL_DATE_RE.search(url_path(url)) if url else None
    if match is None:
        return None
    try:
        return datetime(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def _htmldate(doc: Document) -> datetime | None:
    """htmldate (markup first, then a scan of the text), on the page text so our tree stays intact."""
    from htmldate import find_date

    try:
        found = find_date(doc.text, extensive_search=True, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S")
    except Exception:  # a third-party heuristic must not break extraction
        logger.debug("htmldate failed on %s", doc.url, exc_info=True)
        return None
    return parse_date(found) if found else None


_DATELINE_TAGS = ("div", "span", "p", "time", "small", "li")
_DATELINE_CLASS_RE = re.compile(r"date|publish", re.I)
_DATELINE_CLASS_WORDS = ("posted", "timestamp")
"""A date line's class names a date or publishing in any case ("date", "Published"), or holds "posted" or
"timestamp"."""


def _dateline_elements(doc: Document) -> Iterator[lxml.html.HtmlElement]:
    for el in doc.tree.iter(*_DATELINE_TAGS):
        cls = el.get("class")
        if cls and (_DATELINE_CLASS_RE.search(cls) or any(word in cls for word in _DATELINE_CLASS_WORDS)):
            yield el


def _visible_dateline(doc: Document) -> datetime | None:
    for el in itertools.islice(_dateline_elements(doc), 20):
        if in_chrome(el):
            continue
        text = el.text_content()
        if len(text) > 200:
            continue
        if found := parse_dateline(text):
            return found
    return None


def find_modified(doc: Document, ld: dict[str, Any] | None) -> datetime | None:
    if ld is not None and (found := parse_date(ld.get("dateModified"))):
        return found
    for key in _MODIFIED_META:
        for value in doc.meta.get(key, ()):
            if found := parse_date(value):
                return found
    for el in _xpath(doc, "//*[@itemprop='dateModified']")[:3]:
        if found := _element_date(el):
            return found
    return None


def find_tags(doc: Document, ld: dict[str, Any] | None) -> list[str]:
    sources: list[list[str]] = []
    if ld is not None and ld.get("keywords"):
        keywords = ld["keywords"]
        items = keywords.split(",") if isinstance(keywords, str) else list(_ld_strings(keywords))
        sources.append(items)
    sources.append(doc.meta.get("article:tag", []))
    for key in ("news_keywords", "keywords", "parsely-tags", "sailthru.tags"):
        sources.append([item for value in doc.meta.get(key, ()) for item in value.split(",")])
    for items in sources:
        tags = _dedupe(t for t in (clean_text(i) for i in items) if t and len(t) <= 100)
        if tags:
            return tags[:30]
    return []


_NO_SECTION = frozenset({"uncategorized", "uncategorised"})
"""Section names that say the article has none (WordPress's default category)."""


def find_section(doc: Document, ld: dict[str, Any] | None) -> str | None:
    """The page's section: JSON-LD articleSection, else the section meta tags. A section that is the site's
    host name (`gizmodo.com` on gizmodo.com) or says "Uncategorized" is no section; a sub-brand that is also
    the og:site_name ("Post Khmer" on phnompenhpost.com) and a subdomain's name ("Sport" on
    sport.example.com) are sections."""
    values = list(_ld_strings(ld.get("articleSection"), ())) if ld is not None else []
    values.extend(v for key in ("article:section", "parsely-section", "og:section", "section")
                  for v in doc.meta.get(key, ()))
    keys = {loose_key(domain) for domain in domain_suffixes(doc.url)}  # sport.example.org, example.org
    for value in values:
        text = clean_text(value)
        if text and text.casefold() not in _NO_SECTION and loose_key(text) not in keys:
            return text
    return None


def find_language(
    doc: Document, profile: SiteProfile | None, url: str, ld: dict[str, Any] | None, sample: str
) -> str | None:
    """ISO 639-1 language: <html lang>, meta/og:locale, JSON-LD inLanguage, profile URL rules, detection.

    A declaration is overruled only when the text is plainly in another script (a Khmer article
    in a template that says lang="en") or, by the detector, near-certainly in another language.
    """
    declared = [doc.lang, doc.first_meta("content-language", "og:locale", "dc.language", "language")]
    if ld is not None:
        declared.extend(_ld_strings(ld.get("inLanguage"), ("alternateName", "name")))
    if profile is not None:
        declared.append(profile.language_for(url))
    seen_script = script_language(sample, min_share=0.5)
    for value in declared:
        code = normalize_language(value)
        if code:
            if seen_script and seen_script != code and code in _LATIN_LANGUAGES:
                return seen_script
            return contradicting_language(code, sample) or code
    return detect_language(sample)


_LATIN_LANGUAGES = frozenset({"en", "de", "fr", "es", "pt", "it", "nl", "sv", "id", "ms", "vi", "tr", "pl"})


def origin_candidates(doc: Document, ld: dict[str, Any] | None, fetched_url: str) -> list[str | None]:
    """Canonical URL candidates in order of trust, without ones that point at the site's home page."""
    candidates: list[str | None] = [doc.canonical, doc.first_meta("og:url")]
    if ld is not None:
        candidates.extend(_ld_urls(ld))
    fetched_path = url_path(fetched_url)
    out = []
    for candidate in candidates:
        if not candidate:
            continue
        absolute = doc.absolute(candidate)
        if absolute and url_path(absolute) in ("", "/") and fetched_path not in ("", "/"):
            continue  # a template that points every page at the home page
        out.append(absolute)
    return out


def has_article_signals(doc: Document, ld: dict[str, Any] | None) -> bool:
    """Evidence that the page presents one article (not a listing or an error page)."""
    if ld is not None and (ld_types(ld) & ARTICLE_TYPES or any(t.endswith("article") for t in ld_types(ld))):
        return True
    if (doc.first_meta("og:type") or "").lower() == "article":
        return True
    if any(doc.meta.get(k) for k in ("article:published_time", "datepublished")):
        return True
    return bool(doc.tree.xpath("boolean(//*[@itemprop='articleBody'])"))


def paywalled(doc: Document) -> bool:
    """The page declares its content not freely accessible (JSON-LD `isAccessibleForFree: false`)."""
    for obj in doc.jsonld:
        value = obj.get("isAccessibleForFree")
        if value is False or (isinstance(value, str) and value.strip().lower() == "false"):
            return True
    return False


COLLECTION_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "profilepage"})
"""JSON-LD types of a page that lists other pages."""


def listing_declared(doc: Document) -> int:
    """How strongly the page declares itself a collection: 2 for a JSON-LD CollectionPage, ItemList,
    SearchResultsPage or ProfilePage; 1 for og:type `website` or a JSON-LD WebSite alone, which many
    CMSs put on every page, articles included (evidence only when the page shows no article text); 0
    otherwise."""
    types = set().union(*(ld_types(o) for o in doc.jsonld)) if doc.jsonld else set()
    if types & COLLECTION_TYPES:
        return 2
    return int("website" in types or (doc.first_meta("og:type") or "").lower() == "website")


def looks_like_error_page(title: str | None) -> bool:
    return bool(title and _ERROR_TITLE_RE.search(title))
