"""Article metadata from a parsed page: one function per field, each a short cascade.

Order of evidence: site profile selectors -> JSON-LD (the page's article object) -> OpenGraph,
article:* and other meta tags (twitter, Dublin Core, parsely, sailthru, itemprop) -> what the page
shows (<h1>, bylines, <time datetime>, date lines) -> heuristics. Functions return raw values
(datetimes as found, names as written); they never raise on odd input.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import lxml.html

from crawler.extract.body import select
from crawler.extract.dates import parse_date, parse_dateline
from crawler.extract.language import detect_language, normalize_language, script_language
from crawler.extract.text import clean_text, fold_for_compare, similar, strip_site_name

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
    r"related|most-?read|popular|trending|sidebar|ticker|topbar|top-bar|today|current-date|comment|recommend|promo"
    r"|breadcrumb|newsletter|more-stories|read-more|site-header|site-footer|menu|advert|cookie",
    re.I,
)
_BYLINE_PREFIX_RE = re.compile(
    r"^\s*(?:(?:written|words|reported|story|text|photos?|posted)\s+by|by|from|von|por|par|oleh|di|av)\s*[:\-]?\s+",
    re.I,
)
_BYLINE_CUT_RE = re.compile(
    r"\s+(?:\||\u2022|\u00b7)\s+|\s+(?:published|updated|posted|on)\s+\d|\s+-\s+\d|\n", re.I)
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\by\b|\bet\b|\bdan\b)\s*", re.I)
_URL_LIKE_RE = re.compile(r"^(?:https?:)?//|^www\.|@|\.(?:com|org|net)\b", re.I)
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
    parts = urlsplit(url)
    return (parts.hostname or "").lower().removeprefix("www.") + parts.path.rstrip("/")


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
        if tag in _CHROME_TAGS:
            return True
        attrs = f"{node.get('class', '')} {node.get('id', '')}"
        if attrs.strip() and _CHROME_RE.search(attrs):
            return True
        if tag in ("article", "main", "body"):
            return False
        node = node.getparent()
    return False


def _xpath(doc: Document, expr: str) -> list[lxml.html.HtmlElement]:
    result = doc.tree.xpath(expr)
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
    """The headline: the <h1> when it agrees with og:title/JSON-LD, else the declared title without
    site-name decorations, else the first <h1>, else <title>."""
    names = site_names(doc, profile, ld)
    declared: list[str | None] = []
    if ld is not None:
        declared.extend(_ld_strings(ld.get("headline"), ()))
        declared.extend(_ld_strings(ld.get("name"), ()))
    declared += [doc.first_meta(k) for k in ("og:title", "twitter:title", "dc.title", "parsely-title",
                                             "sailthru.title", "title")]
    title_el = doc.tree.find(".//title")
    page_title = title_el.text_content() if title_el is not None else None
    cleaned = [t for t in (strip_site_name(c, names) for c in [*declared, page_title] if c) if t]
    site_keys = {n.casefold() for n in names}
    headings = []
    for h1 in doc.tree.iter("h1"):
        text = clean_text(h1.text_content())
        if text and text.casefold() not in site_keys and not in_chrome(h1):
            headings.append(text)
        if len(headings) >= 5:
            break
    for heading in headings:
        if any(similar(heading, c) for c in cleaned):
            return heading
    if cleaned:
        return cleaned[0]
    return headings[0] if headings else None


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
    """The page's declared lead image: JSON-LD image, og:image, twitter:image, itemprop, image_src."""
    candidates: list[str | None] = []
    if ld is not None:
        candidates.extend(_ld_strings(_resolve_ref(doc, ld.get("image")), ("url", "contentUrl", "@id")))
    candidates.append(doc.first_meta("og:image:secure_url", "og:image", "og:image:url", "twitter:image",
                                     "twitter:image:src", "image", "thumbnailurl"))
    link = doc.tree.xpath("string(//link[@rel='image_src']/@href)")
    candidates.append(str(link) if link else None)
    for candidate in candidates:
        url = doc.absolute(candidate)
        if url and urlsplit(url).scheme in ("http", "https"):
            return url
    return None


def parse_byline(text: str | None) -> list[str]:
    """Names from a byline: "By A, B and C | 18 October 2024" -> ["A", "B", "C"]."""
    text = clean_text(text)
    if not text:
        return []
    text = _BYLINE_CUT_RE.split(text, maxsplit=1)[0]
    text = _BYLINE_PREFIX_RE.sub("", text)
    names = []
    for part in _NAME_SPLIT_RE.split(text):
        name = _BYLINE_PREFIX_RE.sub("", part).strip(" .:-\u2013\u2014")
        if _plausible_name(name):
            names.append(name)
    return names


def _plausible_name(name: str) -> bool:
    return (1 < len(name) <= 80 and len(name.split()) <= 8 and not any(ch.isdigit() for ch in name)
            and not _URL_LIKE_RE.search(name) and name.casefold() not in ("by", "staff", "admin", "and"))


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
    that names people; it is kept when nothing better exists.
    """
    publication = [fold_for_compare(n) for n in site_names(doc, profile, ld)]
    fallback: list[str] = []
    for names in _author_sources(doc, profile, ld):
        names = _dedupe(names)
        if not names:
            continue
        if not all(_is_publication(n, publication) for n in names):
            return names
        fallback = fallback or names
    return fallback


def _is_publication(name: str, publication: list[str]) -> bool:
    key = fold_for_compare(name)
    return any(len(p) >= 3 and (key.startswith(p) or p.startswith(key)) for p in publication)


def _author_sources(doc: Document, profile: SiteProfile | None, ld: dict[str, Any] | None) -> Iterator[list[str]]:
    if profile is not None and profile.body.author_selector:
        for el in select(doc.tree, profile.body.author_selector)[:1]:
            linked = [clean_text(a.text_content()) for a in el.iter("a")]
            yield [n for n in linked if _plausible_name(n)] or parse_byline(el.text_content())
    if ld is not None and ld.get("author"):
        yield [n for raw in _ld_strings(_resolve_ref(doc, ld["author"])) for n in parse_byline(raw)]
    for key in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "dcterms.creator",
                "byl", "citation_author"):
        yield [n for raw in doc.meta.get(key, ()) for n in parse_byline(raw)]
    yield _visible_byline(doc)


def _visible_byline(doc: Document) -> list[str]:
    queries = (
        "//*[@itemprop='author']//*[@itemprop='name']",
        "//*[@itemprop='author']",
        "//a[contains(concat(' ', normalize-space(@rel), ' '), ' author ')]",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' byline ')]",
        "//*[contains(@class, 'author-name') or contains(@class, 'byline__name') or contains(@class, 'author__name')]",
    )
    for query in queries:
        names = []
        for el in _xpath(doc, query)[:5]:
            if in_chrome(el):
                continue
            names.extend(parse_byline(el.get("content") or el.text_content()))
        if names:
            return names
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
    return _visible_dateline(doc) or _url_date(url) or _htmldate(doc)


def _url_date(url: str | None) -> datetime | None:
    match = _URL_DATE_RE.search(urlsplit(url).path) if url else None
    if match is None:
        return None
    try:
        return datetime(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def _htmldate(doc: Document) -> datetime | None:
    """htmldate's markup-based search (no free-text scan), on the page text so our tree stays intact."""
    from htmldate import find_date

    try:
        found = find_date(doc.text, extensive_search=False, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S")
    except Exception:  # a third-party heuristic must not break extraction
        logger.debug("htmldate failed on %s", doc.url, exc_info=True)
        return None
    return parse_date(found) if found else None


def _visible_dateline(doc: Document) -> datetime | None:
    query = ("//*[self::div or self::span or self::p or self::time or self::small or self::li]"
             "[contains(translate(@class, 'DATEPUBLISHED', 'datepublished'), 'date') or "
             "contains(translate(@class, 'PUBLISHED', 'published'), 'publish') or contains(@class, 'posted') or "
             "contains(@class, 'dateline') or contains(@class, 'timestamp')]")
    for el in _xpath(doc, query)[:20]:
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


def find_section(doc: Document, ld: dict[str, Any] | None) -> str | None:
    if ld is not None:
        for value in _ld_strings(ld.get("articleSection"), ()):
            if text := clean_text(value):
                return text
    return clean_text(doc.first_meta("article:section", "parsely-section", "og:section", "section")) or None


def find_language(
    doc: Document, profile: SiteProfile | None, url: str, ld: dict[str, Any] | None, sample: str
) -> str | None:
    """ISO 639-1 language: <html lang>, meta/og:locale, JSON-LD inLanguage, profile URL rules, detection.

    A declaration is overruled only when the text is plainly in another script (a Khmer article
    in a template that says lang="en").
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
            return code
    return detect_language(sample)


_LATIN_LANGUAGES = frozenset({"en", "de", "fr", "es", "pt", "it", "nl", "sv", "id", "ms", "vi", "tr", "pl"})


def origin_candidates(doc: Document, ld: dict[str, Any] | None, fetched_url: str) -> list[str | None]:
    """Canonical URL candidates in order of trust, without ones that point at the site's home page."""
    candidates: list[str | None] = [doc.canonical, doc.first_meta("og:url")]
    if ld is not None:
        candidates.extend(_ld_urls(ld))
    fetched_path = urlsplit(fetched_url).path
    out = []
    for candidate in candidates:
        if not candidate:
            continue
        absolute = doc.absolute(candidate)
        if absolute and urlsplit(absolute).path in ("", "/") and fetched_path not in ("", "/"):
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


def listing_declared(doc: Document) -> bool:
    """The page declares itself a collection (JSON-LD CollectionPage/ItemList, og:type website)."""
    if any(ld_types(o) & LISTING_TYPES for o in doc.jsonld):
        return True
    return (doc.first_meta("og:type") or "").lower() == "website"


def looks_like_error_page(title: str | None) -> bool:
    return bool(title and _ERROR_TITLE_RE.search(title))
