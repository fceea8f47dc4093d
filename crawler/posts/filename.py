"""Post file names: `_posts/YYYY-MM-DD-<slug>.md`, safe on every file system and stable for the same input."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, tzinfo
from urllib.parse import unquote, urlsplit

from slugify import slugify

POSTS_DIR = "_posts"
MAX_NAME_LENGTH = 100
"""Upper bound on a post's file name (date, slug, suffix and `.md`)."""
MAX_SLUG_LENGTH = 80
"""Upper bound on the slug part made from a title or URL."""
LATIN_SHARE = 0.5
"""A text is Latin when at least this share of its letters is Latin script."""

_APOSTROPHE_RE = re.compile(r"(?<=\w)['’ʼ‘](?=\w)")
_PAGE_EXTENSION_RE = re.compile(r"\.(?:s?html?|php\d?|aspx?|jsp|cms)$", re.I)
_SAFE_NAME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*\.md$")
_SUFFIX_BUDGET = len("YYYY-MM-DD-") + len(".md")


def latin_share(text: str) -> float | None:
    """Share of Latin-script letters among the letters of `text`; None when it has no letters."""
    letters = [ch for ch in text if unicodedata.category(ch).startswith("L")]
    if not letters:
        return None
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    return latin / len(letters)


def _latin_only(text: str) -> str:
    """`text` with letters and marks of other scripts blanked out (mixed titles keep their Latin words)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        foreign_letter = category.startswith("L") and "LATIN" not in unicodedata.name(ch, "")
        foreign_mark = category.startswith("M") and not "\u0300" <= ch <= "\u036f"
        out.append(" " if foreign_letter or foreign_mark else ch)
    return "".join(out)


def _slug(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Slugify Latin (or letter-free) text; "" for other scripts, which slugify would turn into gibberish."""
    share = latin_share(text)
    if share is not None and share < LATIN_SHARE:
        return ""
    text = _APOSTROPHE_RE.sub("", _latin_only(text))
    slug = slugify(text, max_length=max_length, word_boundary=True, save_order=True)
    if not slug:  # a first word longer than max_length: cut it instead
        slug = slugify(text, max_length=max_length).strip("-")
    return slug


def url_slug(url: str) -> str:
    """The slug of a URL's last path segment (percent-decoded, page extension dropped), or ""."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return ""
    segment = _PAGE_EXTENSION_RE.sub("", unquote(segments[-1], errors="replace"))
    return _slug(segment)


def post_slug(title: str | None, origin_url: str | None, code: str) -> str:
    """Slug from the title; for non-Latin titles the URL's last segment; then the code in lower case."""
    for slug in (_slug(title or ""), url_slug(origin_url or "")):
        if slug:
            return slug
    fallback = slugify(code, max_length=MAX_SLUG_LENGTH)
    if not fallback:
        raise ValueError(f"cannot make a file name from code {code!r}")
    return fallback


def local_date(date: datetime, zone: tzinfo | None) -> str:
    """`YYYY-MM-DD` of an instant in the site's time zone (naive instants are UTC)."""
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return date.astimezone(zone or UTC).strftime("%Y-%m-%d")


def post_filename(date: datetime, title: str | None, origin_url: str | None, code: str, zone: tzinfo | None) -> str:
    """The post's path relative to OUTPUT_DIR: `_posts/YYYY-MM-DD-<slug>.md`."""
    return f"{POSTS_DIR}/{local_date(date, zone)}-{post_slug(title, origin_url, code)}.md"


def with_suffix(file: str, number: int) -> str:
    """The `number`-th alternative of a post path (`…-slug-2.md`), still within MAX_NAME_LENGTH."""
    if number < 2:
        return file
    folder, _, name = file.rpartition("/")
    date, slug = name[:10], name[11:-3]
    suffix = f"-{number}"
    budget = MAX_NAME_LENGTH - _SUFFIX_BUDGET - len(suffix)
    if len(slug) > budget:
        cut = slug[:budget]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    new_name = f"{date}-{slug.strip('-')}{suffix}.md"
    return f"{folder}/{new_name}" if folder else new_name


def is_safe_name(name: str) -> bool:
    """True for a post file name we produce: date, lower-case ASCII slug, `.md`, bounded length.

    Such a name has no separators, no traversal, no leading dot and cannot be a Windows device
    name (it starts with a date), on any file system.
    """
    return len(name) <= MAX_NAME_LENGTH and bool(_SAFE_NAME_RE.match(name))
