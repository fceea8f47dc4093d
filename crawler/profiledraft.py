"""A draft site profile from what a site shows about itself: robots.txt, sitemaps, feeds and a few articles.

`scrapy addsite` (crawler/commands/addsite.py) fetches the evidence; this module decides, and says why:
the discovery sources, an `articles.allow` learned from the shapes of the article URLs, a `deny` for
tag/author/category/pagination pages, the category source (never a number), the time zone from the
offsets the pages' own dates carry, the language. Pure: evidence in, YAML text and reasons out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import TZPATH, ZoneInfo, available_timezones

import yaml

from crawler.discovery.urlshapes import DENY_RULES, AllowRule, allow_rules, article_shape

_REGIONS = ("Africa/", "America/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")
"""Where news sites are (Antarctica's research stations share offsets with whole countries)."""


@dataclass
class PageEvidence:
    """What generic extraction found on one sampled article page."""

    url: str
    published: datetime | None = None
    section: str | None = None
    language: str | None = None


@dataclass
class SiteEvidence:
    """What the site showed `scrapy addsite`."""

    origin: str
    site_name: str | None = None
    robots_sitemaps: list[str] = field(default_factory=list)
    """Sitemaps robots.txt names that answered as sitemaps."""
    other_sitemaps: list[str] = field(default_factory=list)
    """Sitemaps found at well-known paths when robots.txt names none."""
    feeds: list[str] = field(default_factory=list)
    """Feeds the home page links that answered as feeds."""
    sitemap_urls: list[str] = field(default_factory=list)
    feed_urls: list[str] = field(default_factory=list)
    pages: list[PageEvidence] = field(default_factory=list)


@dataclass
class Draft:
    yaml: str
    reasons: list[str]
    allow: list[str]


def _on_site_path(url: str, origin: str) -> str:
    """A discovery source as the profile writes it: a path when it is on the origin, else the URL."""
    parts, home = urlsplit(url), urlsplit(origin)
    if parts.hostname == home.hostname:
        return parts.path + ("?" + parts.query if parts.query else "")
    return url


def _matching(rules: list[AllowRule], urls: list[str]) -> list[str]:
    return [u for u in urls if any(re.search(rule.pattern, _path(u)) for rule in rules)]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + ("?" + parts.query if parts.query else "")


def canonical_zones() -> list[str]:
    """Canonical region zones (tzdata's zone1970.tab when it can be read, else every region zone)."""
    for folder in TZPATH:
        table = Path(folder) / "zone1970.tab"
        if table.is_file():
            lines = table.read_text(encoding="utf-8").splitlines()
            zones = (line.split("\t")[2] for line in lines if line and not line.startswith("#"))
            return sorted(zone for zone in zones if zone.startswith(_REGIONS))
    return sorted(name for name in available_timezones() if name.startswith(_REGIONS))


def zone_for(instants: list[datetime]) -> tuple[str | None, str]:
    """A zone whose offset equals the one every dated page shows, preferring zones without daylight saving."""
    offsets = {value.utcoffset() for value in instants if value.utcoffset() is not None}
    if not offsets:
        return None, "the sampled pages give no UTC offset with their dates"
    if len(offsets) > 1:
        shown = ", ".join(sorted(_offset(o) for o in offsets if o is not None))
        return None, f"the sampled pages show several offsets ({shown}): a zone with daylight saving"
    offset = next(iter(offsets))
    assert offset is not None
    if offset == timedelta(0):
        return "UTC", "every sampled page dates its articles in UTC (+00:00)"
    year = instants[0].year
    seasons = [datetime(year, 1, 15, 12), datetime(year, 7, 15, 12)]
    fitting = [name for name in canonical_zones()
               if all(value.astimezone(ZoneInfo(name)).utcoffset() == offset for value in instants)]
    steady = [name for name in fitting if all(s.replace(tzinfo=ZoneInfo(name)).utcoffset() == offset for s in seasons)]
    chosen = (steady or fitting)[0] if (steady or fitting) else None
    return chosen, (f"every sampled page dates its articles at {_offset(offset)}; {chosen} has that offset "
                    f"{'all year' if steady else 'on those dates'} (review: use the site's own city)")


def _offset(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def category_rule(pages: list[PageEvidence], article_urls: list[str]) -> tuple[str, str]:
    """`path_segment` when the first path segment names the page's own section, else `section`."""
    firsts = [_path(u).strip("/").split("/")[0] for u in article_urls if _path(u).strip("/")]
    if firsts and all(f.isdigit() for f in firsts):
        return "section", "article URLs start with a year (date permalinks): the page's section is the category"
    if len(set(firsts)) == 1 and len(firsts) > 2:
        return "section", f"every article URL starts with /{firsts[0]}/: the page's section is the category"
    agree = [p for p in pages if p.section and _path(p.url).strip("/").split("/")[0].lower() ==
             re.sub(r"\s+", "-", p.section.strip().lower())]
    if pages and len(agree) * 2 > len(pages):
        return "path_segment", (f"on {len(agree)} of {len(pages)} sampled pages the first path segment is the "
                                "page's own section")
    return "section", "the first path segment is not the pages' section: the page's section is the category"


def draft_profile(site_id: str, evidence: SiteEvidence) -> Draft:
    """The draft profile and why each value was chosen."""
    reasons: list[str] = []
    host = urlsplit(evidence.origin).hostname or ""
    domain = host.removeprefix("www.")
    reasons.append(f"domains: {domain} (the origin's host{' without www.' if domain != host else ''}; "
                   "subdomains included)")

    discovery: dict[str, object] = {}
    if evidence.robots_sitemaps:
        discovery["sitemaps"] = "auto"
        reasons.append(f"discovery.sitemaps: auto (robots.txt names {', '.join(evidence.robots_sitemaps)})")
    elif evidence.other_sitemaps:
        discovery["sitemaps"] = [_on_site_path(u, evidence.origin) for u in evidence.other_sitemaps]
        reasons.append("discovery.sitemaps: robots.txt names none; found " + ", ".join(evidence.other_sitemaps))
    if evidence.feeds:
        discovery["feeds"] = [_on_site_path(u, evidence.origin) for u in evidence.feeds]
        reasons.append("discovery.feeds: the home page links " + ", ".join(evidence.feeds))
    if not discovery:
        reasons.append("discovery: no sitemap and no feed found; add the site's listing pages by hand")
        discovery["listings"] = ["/"]

    # Feed entries are articles: their shapes are the article shapes, and the sitemaps' URLs of those shapes
    # add the sections a feed of the latest articles may not reach. A shape a fifth of the URLs or fewer use
    # is left out (a stray page, an old URL scheme): the review adds it when it matters.
    shapes = {article_shape(url) for url in evidence.feed_urls} - {None}
    known = evidence.feed_urls + [u for u in evidence.sitemap_urls if article_shape(u) in shapes] if shapes \
        else evidence.sitemap_urls
    known = list(dict.fromkeys(known))
    rules = [rule for rule in allow_rules(known) if rule.matched * 5 > len(known)]
    allow = [rule.pattern for rule in rules]
    source = "feed and sitemap URLs of the feed's shapes" if shapes else "sitemap URLs"
    for rule in rules:
        reasons.append(f"articles.allow '{rule.pattern}': {rule.matched} of {len(known)} {source} are "
                       f"{rule.shape.replace('_', '/')} URLs")
    if evidence.sitemap_urls and rules:
        taken = _matching(rules, evidence.sitemap_urls)
        reasons.append(f"  it takes {len(taken)} of the {len(evidence.sitemap_urls)} sitemap URLs "
                       "(the others are pages, categories, tags, authors)")
    if not rules:
        reasons.append("articles.allow: no article URL shape found; every URL of the site is a candidate")
    reasons.append("articles.deny: tag, author, category and pagination pages are never articles")

    article_urls = _matching(rules, known) if rules else known
    category_from, why = category_rule(evidence.pages, article_urls)
    reasons.append(f"category.from: {category_from} ({why})")

    dated = [p.published for p in evidence.pages if p.published is not None]
    zone, why = zone_for(dated)
    reasons.append(f"timezone: {zone or 'UTC'} ({why})")
    languages = Counter(p.language.split("-")[0].lower() for p in evidence.pages if p.language)
    language = languages.most_common(1)[0][0] if languages else None
    if language:
        reasons.append(f"language: {language} ({languages[language]} of {len(evidence.pages)} sampled pages)")

    profile: dict[str, object] = {
        "name": evidence.site_name or site_id,
        "origin": evidence.origin,
        "domains": [domain],
        "timezone": zone or "UTC",
        **({"language": language} if language else {}),
        "discovery": discovery,
        "articles": {"allow": allow, "deny": list(DENY_RULES)} if allow else {"deny": list(DENY_RULES)},
        "category": {"from": category_from},
    }
    header = (f"# {profile['name']}: drafted by `scrapy addsite {site_id} {evidence.origin}`.\n"
              "# Review every value (crawler/sites/README.md), then record a replica with `scrapy record`.\n")
    text = header + yaml.safe_dump(profile, sort_keys=False, allow_unicode=True, default_flow_style=None, width=120)
    return Draft(text, reasons, allow)
