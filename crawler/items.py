"""The Article item: what extraction produces and what pipelines normalise and write.

Plain dataclasses from the standard library (Scrapy handles them through itemadapter), so the
pure layer (extraction, posts, state) can build and read them without importing Scrapy. Field
declaration order is the order of the JSON Lines feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Article:
    """One news article, from extraction (raw fields) to the written post (normalised fields)."""

    url: str
    """The URL the page was fetched from (after redirects; a mirror URL when crawling a mirror)."""

    origin_url: str | None = None
    """The canonical article URL. Extraction fills it from canonical/og:url when they point into the
    same site; the normalise pipeline maps it onto the site's canonical origin and strips tracking
    parameters."""

    title: str | None = None
    """The headline, entities decoded, whitespace collapsed, without site-name decorations."""

    description: str | None = None
    """The page's description (meta/og/JSON-LD); the normalise pipeline falls back to the first
    paragraph cut at a word boundary."""

    body: str = ""
    """The article body as Markdown, WITHOUT the `# Title` heading and WITHOUT the lead image and its
    caption (the post renderer puts those first). Safe Markdown: no raw script/iframe/handlers."""

    image: str | None = None
    """Absolute URL of the lead image, or None when the page has none."""

    image_caption: str | None = None
    """Caption (with credit) of the lead image, as one line of Markdown, or None."""

    published: datetime | None = None
    """Publication instant as found. Timezone-aware when the page says which zone; naive when it
    does not (the normalise pipeline then applies the site's time zone)."""

    modified: datetime | None = None
    """Last modification instant as found (same rules as `published`); never used as `date`."""

    lastmod: datetime | None = None
    """The modification time discovery reported for this URL (sitemap lastmod, feed date), kept in
    the state store so the next scheduled run can tell whether the article changed."""

    date: datetime | None = None
    """Normalised publication instant in UTC (set by the normalise pipeline)."""

    date_estimated: bool = False
    """True when no publication date was found anywhere and `date` is the fetch time."""

    authors: list[str] = field(default_factory=list)
    """Byline names in page order, without 'By' and without duplicates."""

    tags: list[str] = field(default_factory=list)
    """Keywords/tags the page declares."""

    section: str | None = None
    """The site's section as found on the page (articleSection, article:section, breadcrumb)."""

    category: str | None = None
    """The section in upper case as the post shows it (`NATIONAL`), set by the normalise pipeline
    from the site profile's category rule."""

    language: str | None = None
    """ISO 639-1 code (`en`, `km`)."""

    site: str | None = None
    """The site profile id the page was extracted with, or None for generic extraction."""

    page_type: str = "article"
    """What extraction judged the page to be: `article`, or a reason it is not (`listing`,
    `empty_body`, ...). The validate pipeline drops non-articles with this reason."""

    code: str | None = None
    """The post's permanent code (`ART2410180358A1B2C3`), assigned by the store pipeline."""

    file: str | None = None
    """The post's path relative to OUTPUT_DIR (`_posts/2024-10-18-slug.md`), set when written."""

    status: str | None = None
    """What the run did with this article: `new`, `updated` or `unchanged`."""

    content_hash: str | None = None
    """SHA-256 of the rendered post, to tell an unchanged re-scrape from an update."""

    fetched: datetime | None = None
    """When the page was fetched, when that was not just now: the capture time (WARC-Date) of a page
    taken from a web archive. A page without a publication date gets it as its estimated date."""

    image_origin: str | None = None
    """The lead image's own URL when `image` points at the archive's copy (set by the image archive);
    None when `image` is the original URL."""

    images_missing: int = 0
    """How many pictures of the post the image archive could not store (they keep their original URL)."""
