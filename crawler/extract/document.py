"""Parse a page once: decoded text, the lxml tree, meta tags, JSON-LD objects, <html lang>, canonical.

Everything else in extraction reads from a Document, so a page is decoded and parsed exactly once.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import lxml.etree
import lxml.html

from crawler.extract.nesting import cap_nesting
from crawler.extract.text import drop_control_references, safe_text
from crawler.extract.urls import join_url
from crawler.extract.voids import release_void_content

logger = logging.getLogger(__name__)

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Declarations that browsers treat as windows-1252 (the WHATWG encoding standard).
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
                    "ascii": "cp1252", "iso8859-1": "cp1252", "windows-1252": "cp1252"}
_FALLBACK_ENCODING = "cp1252"
# Remove XML declarations that lxml refuses in str input.
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


@dataclass
class Document:
    """A parsed page. `tree` is shared: callers that modify it must work on a copy."""

    url: str
    """The URL the page came from; relative links resolve against it (or <base href>)."""
    text: str
    """The decoded HTML."""
    tree: lxml.html.HtmlElement
    """The parsed page (root <html> element)."""
    encoding: str
    """The encoding the bytes were decoded with."""
    lang: str | None = None
    """The <html lang> (or xml:lang / Content-Language meta) value as declared, e.g. `en-US`."""
    meta: dict[str, list[str]] = field(default_factory=dict)
    """<meta> contents keyed by lower-cased name/property/itemprop, in page order."""
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    """Every JSON-LD object on the page, with @graph members and top-level lists flattened."""
    canonical: str | None = None
    """Absolute <link rel=canonical> href, if any."""

    def first_meta(self, *keys: str) -> str | None:
        """The first non-empty meta content among the keys, in the order the keys are given."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value.strip():
                    return value.strip()
        return None

    @property
    def description(self) -> str:
        """The summary the page declares (og:description, else meta description); empty when none."""
        return self.first_meta("og:description") or self.first_meta("description") or ""

    def absolute(self, href: str | None) -> str | None:
        """Resolve a link against the page URL; protocol-relative URLs get the page's scheme."""
        if not href or not href.strip():
            return None
        return join_url(self.url, href.strip()) or None


def decode_html(data: bytes, http_encoding: str | None = None) -> tuple[str, str]:
    """Decode page bytes, returning (text, encoding).

    Order: a BOM; then valid UTF-8 (pages often declare a charset they no longer use, and a
    multibyte UTF-8 sequence almost never occurs by chance in another encoding); then the HTTP
    header's charset; then a <meta> declaration; then detection by charset-normalizer.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace"), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    if http_encoding:
        candidates.append(http_encoding)
    match = _META_CHARSET_RE.search(data[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "ignore"))
    for name in candidates:
        name = _CHARSET_ALIASES.get(name.strip().lower(), name.strip().lower())
        if name.replace("-", "").replace("_", "") == "utf8":
            continue  # we know it is not valid UTF-8
        try:
            codecs.lookup(name)
        except LookupError:
            continue
        return data.decode(name, errors="replace"), name
    encoding = _detect_encoding(data[:200_000])
    return data.decode(encoding, errors="replace"), encoding


def _detect_encoding(sample: bytes) -> str:
    """charset-normalizer's best guess; windows-1252 when it ties with the guess (or nothing fits).

    Latin-script text often decodes equally well as cp1250, cp1252 and cp1257 (same mess, same
    coherence) and the detector then returns whichever it tried first, turning "crème brûlée" into
    "crčme brűlée". windows-1252 is what browsers assume for an undeclared page, so it wins ties.
    """
    from charset_normalizer import from_bytes

    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        return _FALLBACK_ENCODING
    for match in matches:
        tied = abs(match.chaos - best.chaos) < 1e-9 and abs(match.coherence - best.coherence) < 1e-9
        if tied and _FALLBACK_ENCODING in match.could_be_from_charset:
            return _FALLBACK_ENCODING
    return str(best.encoding)


def parse_document(html: str | bytes, url: str, http_encoding: str | None = None) -> Document:
    """Decode (when given bytes) and parse a page, collecting meta tags, JSON-LD and canonical."""
    if isinstance(html, bytes):
        text, encoding = decode_html(html, http_encoding)
    else:
        text, encoding = html, "utf-8"
    # Control characters and lone surrogates are no text, and lxml refuses them wherever extraction
    # writes text back into the tree (the tail it keeps when it drops an element): out before parsing,
    # with the character references that name them.
    text = drop_control_references(safe_text(_XML_DECL_RE.sub("", text, count=1)))
    tree = _parse_html(text, url)
    release_void_content(tree)
    base = tree.xpath("string(//base/@href)")
    doc = Document(url=join_url(url, base) or url if base else url, text=text, tree=tree, encoding=encoding)
    doc.lang = _find_lang(tree)
    doc.meta = _collect_meta(tree)
    doc.jsonld = _collect_jsonld(tree)
    canonical = tree.xpath("string(//link[contains(concat(' ', normalize-space(translate(@rel, "
                           "'CANONICAL', 'canonical')), ' '), ' canonical ')]/@href)")
    doc.canonical = doc.absolute(canonical) if canonical else None
    if doc.lang is None:
        doc.lang = doc.first_meta("content-language", "og:locale", "dc.language", "language")
    return doc


def _parse_html(text: str, url: str) -> lxml.html.HtmlElement:
    """libxml2's parse of the page; a page nested past libxml2's depth limit (which drops everything
    after the point where it gave up) is parsed again with its nesting capped (crawler.extract.nesting)."""
    parser = lxml.html.HTMLParser()  # one per page: its error log says whether libxml2 gave up
    try:
        tree = lxml.html.document_fromstring(text or "<html></html>", parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html></html>")
    if not any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        return tree
    logger.info("%s is nested deeper than the HTML parser allows; parsed again with its nesting capped", url)
    try:
        return lxml.html.document_fromstring(cap_nesting(text) or "<html></html>", parser=lxml.html.HTMLParser())
    except (lxml.etree.ParserError, ValueError):
        return tree


def _find_lang(tree: lxml.html.HtmlElement) -> str | None:
    for attr in ("lang", "{http://www.w3.org/XML/1998/namespace}lang", "xml:lang"):
        value = tree.get(attr)
        if value and value.strip():
            return str(value).strip()
    return None


def _collect_meta(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = el.get(attr)
            if key:
                meta.setdefault(key.strip().lower(), []).append(content)
    return meta


def _collect_jsonld(tree: lxml.html.HtmlElement) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for script in tree.xpath("//script[contains(translate(@type, 'JSONLD', 'jsonld'), 'ld+json')]"):
        raw = _strip_cdata((script.text or "").strip())
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            # Common breakage: raw newlines/tabs inside strings, trailing commas, HTML comments.
            cleaned = re.sub(r"[\x00-\x1f]", " ", raw.replace("<!--", "").replace("-->", ""))
            cleaned = re.sub(r",\s*([}\]])", r"\1", cleaned)
            try:
                data = json.loads(cleaned)
            except ValueError:
                logger.debug("unparsable JSON-LD block skipped")
                continue
        _flatten_jsonld(data, objects, depth=0)
    return objects


def _strip_cdata(raw: str) -> str:
    """Remove the CDATA wrapper some CMSs put around JSON-LD ("//<![CDATA[ ... //]]>")."""
    if "<![CDATA[" not in raw[:40]:
        return raw
    raw = raw.split("<![CDATA[", 1)[1]
    if raw.rstrip().endswith("]]>"):
        raw = raw.rstrip()[:-3].rstrip().removesuffix("//")
    return raw.strip()


def _flatten_jsonld(data: Any, out: list[dict[str, Any]], depth: int) -> None:
    if depth > 5:
        return
    if isinstance(data, list):
        for item in data:
            _flatten_jsonld(item, out, depth + 1)
    elif isinstance(data, dict):
        graph = data.get("@graph")
        if isinstance(graph, list):
            _flatten_jsonld(graph, out, depth + 1)
        if "@type" in data or "headline" in data:
            out.append(data)
