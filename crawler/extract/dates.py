"""Date parsing: machine-readable values (ISO 8601, RFC 2822, epoch) and visible date lines.

Results are datetimes, aware when the source names a zone or offset and naive when it does not
(the normalise pipeline applies the site's zone). Visible lines may use English or Khmer month
names and any decimal digits (Khmer ០-៩ included): "Publication date 18 October 2024 | 10:58 ICT".
"""

from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from datetime import UTC, date, datetime, timedelta, timezone

from dateutil import parser as dateutil_parser

from crawler.extract.vocabulary import month_names

logger = logging.getLogger(__name__)

MIN_YEAR = 1990
MAX_YEAR = 2100

# Zone abbreviations that are unambiguous enough on news pages.
ZONE_OFFSETS: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "CET": 1, "CEST": 2, "MEZ": 1, "MESZ": 2, "EET": 2,
    "EEST": 3, "MSK": 3, "ICT": 7, "WIB": 7, "WITA": 8, "WIT": 9, "SGT": 8, "MYT": 8, "HKT": 8, "PHT": 8,
    "AWST": 8, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
    "EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6, "PDT": -7,
}
_DATEUTIL_TZINFOS = {name: int(hours * 3600) for name, hours in ZONE_OFFSETS.items()}

MONTHS: dict[str, int] = month_names()
"""Month names and abbreviations in the languages of crawler/extract/vocabulary.py, with their numbers."""

_MONTH_ALT = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|\.)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_MONTH = rf"(?P<month>{_MONTH_ALT})(?![^\W\d_])\.?"
_SEP = r"[\s,.\-/]*(?:de\s+)?"
_DATE_PATTERNS = (
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<mnum>[01]?\d)-(?P<day>[0-3]?\d)(?!\d)"),
    re.compile(rf"(?<![\w]){_DAY}{_SEP}{_MONTH}{_SEP}{_YEAR}(?!\d)", re.I),
    re.compile(rf"(?<![\w]){_MONTH}{_SEP}{_DAY}{_SEP}{_YEAR}(?!\d)", re.I),
    re.compile(rf"(?<![\d.]){_DAY}[./](?P<mnum>[01]?\d)[./]{_YEAR}(?!\d)"),
    re.compile(rf"(?<!\d){_YEAR}/(?P<mnum>[01]?\d)/(?P<day>[0-3]?\d)(?!\d)"),
)
_TIME_RE = re.compile(
    r"(?<![\d:])(?P<h>[0-2]?\d)[:.h](?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?(?![\d:])"
    r"(?:\s*(?P<ampm>[ap]\.?\s?m\.?)(?![a-z]))?",
    re.I,
)
_ZONE_RE = re.compile(
    r"(?:(?<![A-Za-z])(?P<abbr>[A-Z]{1,5})(?![A-Za-z]))?\s*(?P<off>[+-]\d{1,2}(?::?\d{2})?)?"
)
_EPOCH_RE = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_ISO_Z_RE = re.compile(r"(\d)Z$")
_RELATIVE_RE = re.compile(r"\b(ago|yesterday|today|hours?|minutes?|mins?)\b", re.I)


def to_ascii_digits(text: str) -> str:
    """Replace every decimal digit (Khmer, Thai, Arabic-Indic, full-width, ...) with its ASCII digit."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in text)


def _valid(dt: datetime) -> datetime | None:
    return dt if MIN_YEAR <= dt.year <= MAX_YEAR else None


def _fixed_zone(hours: float) -> timezone:
    return UTC if hours == 0 else timezone(timedelta(hours=hours))


_DOTTED_DMY_RE = re.compile(r"^\d{1,2}\.\s?\d{1,2}\.\s?\d{4}\b")
"""A date written day.month.year (European usage; nobody writes month.day.year with dots)."""


def parse_date(value: object) -> datetime | None:
    """Parse a machine-readable date (meta content, JSON-LD, <time datetime>, feed dates).

    ISO 8601 first (with or without zone; date-only gives midnight), then epoch seconds or
    milliseconds, then dateutil for RFC 2822 and other spelled-out forms. None when unusable.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = to_ascii_digits(value.strip())
    if not text or len(text) > 100:
        return None
    if _EPOCH_RE.match(text):
        return _from_epoch(float(text))
    try:
        return _valid(datetime.fromisoformat(_ISO_Z_RE.sub(r"\1+00:00", text)))
    except ValueError:
        pass
    if _RELATIVE_RE.search(text):
        return None
    if _DOTTED_DMY_RE.match(text):
        return parse_dateline(text)  # "10.12.2022, 07:00": day first, as everywhere dots separate a date
    try:
        with warnings.catch_warnings():  # unknown zone names warn; they are simply ignored
            warnings.simplefilter("ignore")
            parsed = dateutil_parser.parse(text, default=datetime(1, 1, 1), tzinfos=_DATEUTIL_TZINFOS)
    except (ValueError, OverflowError, TypeError, dateutil_parser.ParserError):
        return parse_dateline(text)
    if parsed.year == 1:  # no year in the text
        return None
    return _valid(parsed)


def _from_epoch(seconds: float) -> datetime | None:
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    try:
        return _valid(datetime.fromtimestamp(seconds, tz=UTC))
    except (OverflowError, OSError, ValueError):
        return None


def parse_dateline(text: str | None) -> datetime | None:
    """Find and parse the first date (with its time and zone when given) in a visible line of text.

    Understands "18 October 2024 | 10:58 ICT", "October 18, 2024 10:58 am", "2024-10-18 10:58",
    "18.10.2024", Khmer "២៥ តុលា ២០២៤ | ០៨:៣០ ICT", and several European month names. A zone
    abbreviation from ZONE_OFFSETS or a numeric offset makes the result aware. Relative dates
    ("3 hours ago") give None.
    """
    if not text:
        return None
    line = to_ascii_digits(" ".join(text.split()))[:300]
    for pattern in _DATE_PATTERNS:
        match = pattern.search(line)
        if match is None:
            continue
        parts = match.groupdict()
        month = int(parts["mnum"]) if parts.get("mnum") else MONTHS.get(parts["month"].lower().rstrip("."))
        try:
            day = datetime(int(parts["year"]), month or 0, int(parts["day"]))
        except (TypeError, ValueError):
            continue
        rest = line[match.end():match.end() + 40]
        before = line[max(0, match.start() - 25):match.start()]
        time_match = _TIME_RE.search(rest) or _TIME_RE.search(before)
        if time_match is None:
            return _valid(day)
        hour, minute = int(time_match["h"]), int(time_match["m"])
        second = int(time_match["s"] or 0)
        ampm = (time_match["ampm"] or "").lower().replace(".", "").replace(" ", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if hour > 23:
            return _valid(day)
        result = day.replace(hour=hour, minute=minute, second=second)
        zone = _zone_after(time_match.string[time_match.end():time_match.end() + 20])
        return _valid(result.replace(tzinfo=zone) if zone else result)
    return None


def _zone_after(text: str) -> timezone | None:
    match = _ZONE_RE.match(text.lstrip(" ,()"))
    if match is None:
        return None
    abbr, off = match["abbr"], match["off"]
    if off:
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        hours = int(digits[:-2] or 0) if len(digits) > 2 else int(digits)
        minutes = int(digits[-2:]) if len(digits) > 2 else 0
        if hours > 14 or minutes > 59:
            return None
        if abbr in (None, "UTC", "GMT"):
            return _fixed_zone(sign * (hours + minutes / 60))
    if abbr and abbr in ZONE_OFFSETS:
        return _fixed_zone(ZONE_OFFSETS[abbr])
    return None


MIN_OFFSET_HOURS, MAX_OFFSET_HOURS = -12, 14
"""The UTC offsets in use on Earth, in whole hours."""


def on_local_day(instant: datetime, day: date | None) -> datetime:
    """`instant` written on the page's own local `day`, when it is written in UTC and `day` (the date the
    page shows for it: in its URL, on its date line) is the day before or after its UTC day: the same
    instant at the smallest whole-hour offset that puts it on that day. A page declares
    `2018-12-31T23:11:59Z` and shows 1 January 2019: its readers' day is the second. Otherwise `instant`."""
    if day is None or instant.tzinfo is None or instant.utcoffset() != timedelta(0):
        return instant
    step = (day - instant.date()).days
    if step not in (-1, 1):
        return instant
    for hours in range(step, step * (MAX_OFFSET_HOURS if step > 0 else -MIN_OFFSET_HOURS) + step, step):
        local = instant.astimezone(_fixed_zone(hours))
        if local.date() == day:
            return local
    return instant
