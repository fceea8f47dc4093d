"""URLs given by hand (`-a url=…`, `-a urls=FILE`): one per line, blank lines and `#` comments allowed."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class RefusedLine:
    """A line that is not an http(s) URL, with its 1-based number and why it was refused."""

    number: int
    text: str
    reason: str


@dataclass
class UrlList:
    urls: list[str] = field(default_factory=list)
    """Usable URLs in file order, without duplicates."""
    refused: list[RefusedLine] = field(default_factory=list)


def check_url(text: str) -> str | None:
    """Why `text` is not a usable http(s) URL, or None when it is."""
    if any(ch.isspace() for ch in text):
        return "contains white space"
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a malformed port
    except ValueError as exc:
        return f"malformed URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"scheme {parts.scheme + ':' if parts.scheme else '(none)'} is not http or https"
    if not parts.hostname:
        return "no host name"
    return None


def parse_url_list(text: str) -> UrlList:
    """Read a URL list. A line may end with a comment after white space (`URL  # note`)."""
    result = UrlList()
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        words = line.split(None, 1)
        candidate = words[0]
        comment = words[1] if len(words) > 1 else ""
        if comment and not comment.startswith("#"):
            result.refused.append(RefusedLine(number, line, "more than one word on the line"))
            continue
        reason = check_url(candidate)
        if reason is not None:
            result.refused.append(RefusedLine(number, line, reason))
        elif candidate not in seen:
            seen.add(candidate)
            result.urls.append(candidate)
    return result
