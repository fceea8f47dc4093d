"""JSON for what crosses Redis: scheduled requests (SCHEDULER_SERIALIZER) and relayed records.

scrapy-redis pickles requests by default, and unpickling runs code: anyone who can write to the
Redis server could then run code on every machine of the crawl. This codec is plain JSON with
tags for the few types requests and articles carry that JSON lacks: bytes (`{"$b": base64}`),
datetimes (`{"$dt": ISO 8601}`, time zone kept or naive as given) and mappings whose keys are not
plain strings (`{"$map": [[key, value], ...]}`, request headers have bytes keys). Anything else
is refused when it is written, so a request that cannot travel fails at once, on the machine that
made it, instead of somewhere else later.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

_TAGS = ("$b", "$dt", "$map")


class SerializationError(ValueError):
    """A value that this codec cannot write, or data that is not what it wrote."""


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, Mapping):
        if all(isinstance(key, str) for key in value) and not any(key in _TAGS for key in value):
            return {key: _encode(item) for key, item in value.items()}
        return {"$map": [[_encode(key), _encode(item)] for key, item in value.items()]}
    raise SerializationError(f"cannot send a {type(value).__name__} through Redis: {value!r:.100}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, payload), = value.items()
        if tag == "$b":
            return base64.b64decode(payload)
        if tag == "$dt":
            return datetime.fromisoformat(payload)
        if tag == "$map":
            return {_hashable(_decode(key)): _decode(item) for key, item in payload}
    return {key: _decode(item) for key, item in value.items()}


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def dumps(obj: Any) -> str:
    """The JSON text of `obj` (raises SerializationError for a type it cannot carry)."""
    return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":"))


def loads(data: str | bytes) -> Any:
    """The value `dumps` wrote (raises SerializationError for anything else)."""
    try:
        return _decode(json.loads(data))
    except (ValueError, TypeError) as exc:
        raise SerializationError(f"not a record this crawler wrote: {str(data)[:100]!r} ({exc})") from None
