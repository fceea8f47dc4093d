"""Tuning and checking parts of the development corpora, split by site.

Rules are tuned on the tuning part and kept only when the checking part agrees, so that what is measured
on the checking part says how extraction does on sites it was not tuned for. Every page of a site falls
in the same part: its host name (without `www.`), hashed with a fixed salt, decides. Pages whose origin
is unknown (trafeval's `hard::NAME` pseudo URLs) are split by their id. The split is deterministic and
independent of the order of the pages; it is not the split that separates the dev corpora from the
hidden pages (that one uses an unsalted hash).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

Part = Literal["tuning", "checking"]
PARTS: tuple[Part, ...] = ("tuning", "checking")
SALT = "news-to-jekyll/tuning-split/1"
CHECKING_SHARE = 0.5
"""The share of sites set aside for checking."""


def site_of(truth: Mapping[str, Any]) -> str:
    """The site a page belongs to: its URL's host without `www.`, else `id:<page id>`."""
    url = str(truth.get("url") or "")
    try:
        host = (urlsplit(url).hostname or "") if "://" in url else ""
    except ValueError:
        host = ""
    return host.lower().removeprefix("www.") or f"id:{truth.get('id')}"


def part_of(truth: Mapping[str, Any]) -> Part:
    """`tuning` or `checking`, from a salted hash of the page's site."""
    digest = hashlib.sha1(f"{SALT}:{site_of(truth)}".encode()).digest()
    return "checking" if int.from_bytes(digest[:8], "big") / 2**64 < CHECKING_SHARE else "tuning"
