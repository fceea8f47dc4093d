"""Post codes: prefix + yyMMddHHmm of the publication instant (UTC) + 6 hash characters of the URL."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

CODE_RE = re.compile(r"^[A-Z]{1,6}\d{10}[A-Z0-9]{6}$")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_HASH_CHARS = 6


def url_hash(origin_url: str, salt: int = 0) -> str:
    """Six characters [A-Z0-9] from SHA-256 of the URL (and the salt, when not 0)."""
    data = origin_url if salt == 0 else f"{origin_url}\n{salt}"
    number = int.from_bytes(hashlib.sha256(data.encode("utf-8", "surrogatepass")).digest()[:8], "big")
    chars = []
    for _ in range(_HASH_CHARS):
        number, index = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)


def make_code(prefix: str, published_utc: datetime, origin_url: str, salt: int = 0) -> str:
    """The post code, e.g. `ART24101803585MDZE8`.

    `published_utc` may be aware (converted to UTC) or naive (taken as UTC). `salt` is only
    raised to resolve a collision with another URL's code; salt 0 is the normal code.
    """
    if published_utc.tzinfo is not None:
        published_utc = published_utc.astimezone(UTC)
    return f"{prefix}{published_utc:%y%m%d%H%M}{url_hash(origin_url, salt)}"
