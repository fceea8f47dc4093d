"""Site profiles: the YAML files in crawler/sites/ loaded into typed, validated dataclasses.

A profile is data only. Loading checks every key; a problem raises ProfileError naming the file,
the field and what is wrong, so a bad profile is refused at start-up instead of crawling nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

SITES_DIR = Path(__file__).parent / "sites"
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
"""A profile id: the file name and the spider name."""
_PREFIX_RE = re.compile(r"^[A-Z]{1,6}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")
_CATEGORY_SOURCES = ("path_segment", "section")
_HOST_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
AUTO = "auto"
"""`discovery.sitemaps: auto`: the sitemaps the site's robots.txt names in `Sitemap:` lines."""


class ProfileError(ValueError):
    """A site profile that cannot be used, with the file, the field and the problem."""

    def __init__(self, file: str | Path, field: str, problem: str) -> None:
        self.file = str(file)
        self.field = field
        self.problem = " ".join(problem.split())  # one line, whatever the cause says
        super().__init__(f"{self.file}: field '{field}': {self.problem}")


@dataclass(frozen=True)
class LanguageRule:
    """Pages whose URL path matches `path` are in `language`."""

    path: re.Pattern[str]
    language: str


@dataclass(frozen=True)
class BodyRules:
    """Where the article is on the site's pages."""

    selector: str | None = None
    """CSS selector of the element holding the lead image and the article body."""
    remove: tuple[str, ...] = ()
    """CSS selectors of page chrome inside that element (ads, share bars, related boxes)."""
    date_selector: str | None = None
    """CSS selector of the visible publication date line, for pages without machine-readable dates."""
    author_selector: str | None = None
    """CSS selector of the visible byline."""


@dataclass(frozen=True)
class Discovery:
    """Where a scheduled crawl finds articles."""

    sitemaps: tuple[str, ...] = ()
    """Sitemap or sitemap index paths (or absolute URLs on the site)."""
    robots_sitemaps: bool = False
    """Also read the sitemaps that robots.txt names (`sitemaps: auto`)."""
    feeds: tuple[str, ...] = ()
    """RSS/Atom feed paths."""
    listings: tuple[str, ...] = ()
    """Section listing paths; their pagination is followed."""
    next_page: tuple[str, ...] = ("link[rel=next]", "a[rel=next]")
    """CSS selectors of the next-page link on a listing, tried in order: elements (their href is
    followed) or a `::attr(name)` selector."""
    max_pages: int = 50
    """Upper bound on pages followed per listing."""


@dataclass(frozen=True)
class SiteProfile:
    """Everything the pipeline knows about one news site."""

    id: str
    """Profile id: the file name without .yaml; also the spider name."""
    name: str
    """Human-readable site name."""
    origin: str
    """Canonical scheme and host, e.g. https://www.phnompenhpost.com; origin_url always starts here."""
    domains: tuple[str, ...]
    """Host names (with their subdomains) that belong to the site."""
    timezone: ZoneInfo
    """The site's time zone: naive dates on its pages are in it, and post file names use it."""
    code_prefix: str = "ART"
    """Prefix of post codes."""
    language: str | None = None
    """Default language when neither URL rules nor the page say otherwise."""
    languages: tuple[LanguageRule, ...] = ()
    """Per-URL language rules, first match wins."""
    article_allow: tuple[re.Pattern[str], ...] = ()
    """Regexes on the URL path (with query): a link is an article when one matches..."""
    article_deny: tuple[re.Pattern[str], ...] = ()
    """...and none of these does."""
    category_from: str = "path_segment"
    """How the category is found: `path_segment` (first URL path segment) or `section` (the page's)."""
    category_map: Mapping[str, str] = field(default_factory=dict)
    """Optional renames applied before upper-casing (`post-khmer: post-khmer`)."""
    body: BodyRules = field(default_factory=BodyRules)
    discovery: Discovery = field(default_factory=Discovery)
    crawl_settings: Mapping[str, float | int] = field(default_factory=dict)
    """Scrapy settings for this site's spider (from the profile's `crawl` section, e.g.
    DOWNLOAD_DELAY); applied at spider priority, so `-s` on the command line still wins."""
    scheduled: bool = True
    """Whether `scrapy crawlall` crawls the site when no site is named (false: a paused or test-only site)."""
    source: str = ""
    """The file the profile was loaded from (for error messages)."""

    def owns(self, url: str) -> bool:
        """True when the URL's host is one of the site's domains or a subdomain of one."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def is_article_url(self, url: str) -> bool:
        """True when the URL is an http(s) URL on the site and its path matches the article rules."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not self.owns(url):
            return False
        target = parts.path + ("?" + parts.query if parts.query else "")
        if any(p.search(target) for p in self.article_deny):
            return False
        return any(p.search(target) for p in self.article_allow) if self.article_allow else True

    def language_for(self, url: str) -> str | None:
        """The language the profile's URL rules give, else the profile default."""
        path = urlsplit(url).path
        for rule in self.languages:
            if rule.path.search(path):
                return rule.language
        return self.language


# ---------------------------------------------------------------- loading and validation

_TOP_KEYS = {
    "name", "origin", "domains", "timezone", "code_prefix", "language", "languages",
    "articles", "category", "body", "discovery", "crawl", "scheduled",
}
# Per-site politeness (profile key `crawl`): profile name -> (Scrapy setting, type, minimum).
_CRAWL_SETTINGS: dict[str, tuple[str, type, float]] = {
    "download_delay": ("DOWNLOAD_DELAY", float, 0.0),
    "concurrent_requests_per_domain": ("CONCURRENT_REQUESTS_PER_DOMAIN", int, 1),
    "autothrottle_target_concurrency": ("AUTOTHROTTLE_TARGET_CONCURRENCY", float, 0.1),
    "autothrottle_max_delay": ("AUTOTHROTTLE_MAX_DELAY", float, 0.0),
    "download_timeout": ("DOWNLOAD_TIMEOUT", float, 1.0),
}


class _Reader:
    """Reads typed values out of one YAML mapping, raising ProfileError with the field path."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, name: str, problem: str) -> ProfileError:
        return ProfileError(self.file, name, problem)

    def failure(self, name: str) -> Callable[[str], ProfileError]:
        """`fail` for one field, for checks that only know the problem."""
        return lambda problem: self.fail(name, problem)

    def mapping(self, value: Any, name: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(name, f"must be a mapping, got {type(value).__name__}")
        for key in value:
            if key not in allowed:
                where = f"{name}.{key}" if name else str(key)
                raise self.fail(where, f"unknown key (allowed: {', '.join(sorted(allowed))})")
        return value

    def string(self, data: dict[str, Any], key: str, name: str, *, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(name, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, "must be a non-empty string")
        return value.strip()

    def strings(self, data: dict[str, Any], key: str, name: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(name, "must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def regexes(self, data: dict[str, Any], key: str, name: str) -> tuple[re.Pattern[str], ...]:
        out = []
        for i, pattern in enumerate(self.strings(data, key, name)):
            try:
                out.append(re.compile(pattern))
            except re.error as exc:  # the pattern as written in the file, not its repr (no doubled backslashes)
                raise self.fail(f"{name}[{i}]", f"invalid regular expression '{pattern}': {exc}") from None
        return tuple(out)

    def css(self, value: str | None, name: str) -> str | None:
        if value is not None:
            _check_css(value, lambda problem: self.fail(name, problem))
        return value


def _check_css(selector: str, fail: Callable[[str], ProfileError], *, pseudo_elements: bool = False) -> None:
    """Refuse a selector cssselect cannot compile; `pseudo_elements` allows parsel's `::attr(name)`."""
    from cssselect import GenericTranslator, SelectorError

    translator: GenericTranslator = GenericTranslator()
    if pseudo_elements:
        from parsel.csstranslator import HTMLTranslator

        translator = HTMLTranslator()
    try:
        translator.css_to_xpath(selector)
    except SelectorError as exc:
        raise fail(f"invalid CSS selector {selector!r}: {exc}") from None


def _check_source(value: str, host: str, domains: tuple[str, ...], fail: Callable[[str], ProfileError]) -> None:
    """A discovery source is a path on the site (`/sitemap.xml`) or an absolute URL on one of its domains."""
    if value.startswith("/") and not value.startswith("//"):
        return
    parts = urlsplit(value)
    source_host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not source_host:
        raise fail(f"must be a path starting with '/' or an http(s) URL, got {value!r}")
    if not any(source_host == d or source_host.endswith("." + d) for d in (*domains, host)):
        raise fail(f"{value!r} is not on the site's domains ({', '.join(domains)})")


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    mark = getattr(exc, "problem_mark", None)
    where = f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else problem
    if "escape character" in problem:
        # `allow: ["^/news/\d+"]`: YAML reads backslashes in double quotes as escapes.
        where += " (a regular expression in double quotes? write it in single quotes: '^/news/\\d+/')"
    return where


def _domains(r: _Reader, data: dict[str, Any], origin_host: str) -> tuple[str, ...]:
    """`domains`: bare host names (no scheme, path or port), one of which covers the origin's host."""
    domains = tuple(d.lower() for d in r.strings(data, "domains", "domains"))
    for i, domain in enumerate(domains):
        if not _HOST_RE.match(domain):
            hint = f" (write {urlsplit(domain).hostname!r})" if urlsplit(domain).hostname else ""
            raise r.fail(f"domains[{i}]", f"must be a host name such as example.com, not a URL or a path, "
                                          f"got {domain!r}{hint}")
    if domains and not any(origin_host == d or origin_host.endswith("." + d) for d in domains):
        raise r.fail("domains", f"none of {', '.join(domains)} covers the origin's host {origin_host!r}: "
                                "no discovered link could ever be an article of the site")
    return domains or (origin_host,)


def load_profile(path: Path) -> SiteProfile:
    """Load and validate one profile file."""
    r = _Reader(path)
    profile_id = path.stem
    if not ID_RE.match(profile_id):
        raise r.fail("(file name)", "profile ids are lower-case letters, digits and '_' (it is the spider name)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise r.fail("(file)", f"cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        raise r.fail("(file)", f"is not valid YAML: {_yaml_problem(exc)}") from None
    data = r.mapping(data, "", _TOP_KEYS)

    name = r.string(data, "name", "name", required=True)
    origin = r.string(data, "origin", "origin", required=True)
    assert name is not None and origin is not None
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise r.fail("origin", f"must be a scheme and host such as https://www.example.com, got {origin!r}")
    origin = f"{parts.scheme}://{parts.netloc}"
    domains = _domains(r, data, parts.hostname or "")

    tz_name = r.string(data, "timezone", "timezone", required=True)
    try:
        timezone = ZoneInfo(tz_name or "")
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("timezone", f"unknown time zone {tz_name!r} (use an IANA name like Asia/Phnom_Penh)") from None

    code_prefix = r.string(data, "code_prefix", "code_prefix") or "ART"
    if not _PREFIX_RE.match(code_prefix):
        raise r.fail("code_prefix", f"must be 1-6 upper-case letters, got {code_prefix!r}")
    language = r.string(data, "language", "language")
    if language is not None and not _LANG_RE.match(language):
        raise r.fail("language", f"must be an ISO 639-1 code such as 'en', got {language!r}")

    languages = []
    raw_langs = data.get("languages", [])
    if not isinstance(raw_langs, list):
        raise r.fail("languages", "must be a list of {path, language}")
    for i, item in enumerate(raw_langs):
        item = r.mapping(item, f"languages[{i}]", {"path", "language"})
        pattern = r.regexes(item, "path", f"languages[{i}].path")
        lang = r.string(item, "language", f"languages[{i}].language", required=True)
        if not pattern or not lang or not _LANG_RE.match(lang):
            raise r.fail(f"languages[{i}]", "needs a 'path' regex and an ISO 639-1 'language'")
        languages.append(LanguageRule(pattern[0], lang))

    articles = r.mapping(data.get("articles", {}), "articles", {"allow", "deny"})
    category = r.mapping(data.get("category", {}), "category", {"from", "map"})
    category_from = r.string(category, "from", "category.from") or "path_segment"
    if category_from not in _CATEGORY_SOURCES:
        raise r.fail("category.from", f"must be one of {', '.join(_CATEGORY_SOURCES)}, got {category_from!r}")
    category_map = category.get("map", {})
    if not isinstance(category_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in category_map.items()
    ):
        raise r.fail("category.map", "must map section names to category names")

    body = r.mapping(data.get("body", {}), "body", {"selector", "remove", "date_selector", "author_selector"})
    body_rules = BodyRules(
        selector=r.css(r.string(body, "selector", "body.selector"), "body.selector"),
        remove=tuple(
            r.css(s, f"body.remove[{i}]") or s for i, s in enumerate(r.strings(body, "remove", "body.remove"))
        ),
        date_selector=r.css(r.string(body, "date_selector", "body.date_selector"), "body.date_selector"),
        author_selector=r.css(r.string(body, "author_selector", "body.author_selector"), "body.author_selector"),
    )

    disc = r.mapping(
        data.get("discovery", {}), "discovery", {"sitemaps", "feeds", "listings", "next_page", "max_pages"}
    )
    max_pages = disc.get("max_pages", 50)
    if not isinstance(max_pages, int) or isinstance(max_pages, bool) or not 1 <= max_pages <= 10_000:
        raise r.fail("discovery.max_pages", f"must be a whole number from 1 to 10000, got {max_pages!r}")
    next_page = r.strings(disc, "next_page", "discovery.next_page") or Discovery.next_page
    for i, sel in enumerate(next_page):
        _check_css(sel, r.failure(f"discovery.next_page[{i}]"), pseudo_elements=True)
    sources: dict[str, tuple[str, ...]] = {}
    robots_sitemaps = False
    for key in ("sitemaps", "feeds", "listings"):
        sources[key] = r.strings(disc, key, f"discovery.{key}")
        if key == "sitemaps" and AUTO in sources[key]:
            robots_sitemaps = True
            sources[key] = tuple(value for value in sources[key] if value != AUTO)
        for i, value in enumerate(sources[key]):
            _check_source(value, parts.hostname or "", domains, r.failure(f"discovery.{key}[{i}]"))
    if not (robots_sitemaps or any(sources.values())):
        raise r.fail("discovery", "names no sitemaps, feeds or listings: a crawl could never find an article "
                                  "(for the sitemaps of robots.txt write `sitemaps: auto`)")
    discovery = Discovery(
        sitemaps=sources["sitemaps"],
        robots_sitemaps=robots_sitemaps,
        feeds=sources["feeds"],
        listings=sources["listings"],
        next_page=next_page,
        max_pages=max_pages,
    )

    scheduled = data.get("scheduled", True)
    if not isinstance(scheduled, bool):
        raise r.fail("scheduled", f"must be true or false, got {scheduled!r}")

    return SiteProfile(
        id=profile_id,
        scheduled=scheduled,
        name=name,
        origin=origin,
        domains=domains,
        timezone=timezone,
        code_prefix=code_prefix,
        language=language,
        languages=tuple(languages),
        article_allow=r.regexes(articles, "allow", "articles.allow"),
        article_deny=r.regexes(articles, "deny", "articles.deny"),
        category_from=category_from,
        category_map=dict(category_map),
        body=body_rules,
        discovery=discovery,
        crawl_settings=_crawl_settings(r, data.get("crawl", {})),
        source=str(path),
    )


def _crawl_settings(r: _Reader, value: Any) -> dict[str, float | int]:
    section = r.mapping(value, "crawl", set(_CRAWL_SETTINGS))
    settings: dict[str, float | int] = {}
    for key, raw in section.items():
        name, kind, minimum = _CRAWL_SETTINGS[key]
        if isinstance(raw, bool) or not isinstance(raw, int | float) or (kind is int and not isinstance(raw, int)):
            raise r.fail(f"crawl.{key}", f"must be a {'whole ' if kind is int else ''}number, got {raw!r}")
        if raw < minimum:
            raise r.fail(f"crawl.{key}", f"must be at least {minimum:g}, got {raw!r}")
        settings[name] = kind(raw)
    return settings


def load_profiles(directory: Path = SITES_DIR) -> dict[str, SiteProfile]:
    """Load every `*.yaml` profile in a folder, keyed by id. The first bad file raises ProfileError."""
    if not directory.is_dir():
        raise ProfileError(directory, "(folder)", "is not a folder of site profiles (check the SITES_DIR setting)")
    return {p.id: p for p in (load_profile(path) for path in sorted(directory.glob("*.yaml")))}


def sites_dir(settings: Mapping[str, Any]) -> Path:
    """The profile folder the SITES_DIR setting names; the profiles shipped in crawler/sites/ when empty."""
    configured = settings.get("SITES_DIR")
    return Path(configured) if configured else SITES_DIR


def configured_profiles(settings: Mapping[str, Any]) -> dict[str, SiteProfile]:
    """The profiles of the SITES_DIR setting (any mapping with .get, such as Scrapy's settings)."""
    return load_profiles(sites_dir(settings))


def profile_for_url(url: str, profiles: Mapping[str, SiteProfile]) -> SiteProfile | None:
    """The profile whose domains own the URL, or None (generic extraction)."""
    return next((p for p in profiles.values() if p.owns(url)), None)
