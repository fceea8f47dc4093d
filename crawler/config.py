"""The project's own settings, read and checked before a crawl starts: a bad value is one `SettingError`
naming the setting and what is wrong, never a traceback half way through the crawl.

`check_settings()` is what `scrapy crawl` runs on its settings before anything is created (the log
file's folder is created here, so that Scrapy can open the log file); the components read the same
values through the same functions (`optional_fields()`).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.errors import SettingError
from crawler.mirrors import parse_mirrors
from crawler.pipelines.images import url_base
from crawler.posts.frontmatter import OPTIONAL_FIELDS

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
RATIOS = ("ARTICLES_MISSING_MAX_RATIO", "ARTICLES_FAILED_MAX_RATIO")
DURATIONS = ("IMAGES_RETRY_BASE", "IMAGES_RETRY_MAX")




def name_list(name: str, value: Any) -> list[str]:
    """A list setting given as a list, a JSON list (`'["tags", "author"]'`) or comma-separated words."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise SettingError(f"{name}: {value!r} is not a JSON list of names") from None
        else:
            value = [part for part in (word.strip() for word in text.split(",")) if part]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise SettingError(f"{name} must be a list of names, got {value!r}")
    return [item.strip() for item in value]


def optional_fields(settings: BaseSettings) -> tuple[str, ...]:
    """POST_OPTIONAL_FIELDS: the optional front matter keys to write, each one of OPTIONAL_FIELDS."""
    fields = name_list("POST_OPTIONAL_FIELDS", settings.get("POST_OPTIONAL_FIELDS", ["author"]))
    unknown = [field for field in fields if field not in OPTIONAL_FIELDS]
    if unknown:
        raise SettingError(
            f"POST_OPTIONAL_FIELDS: unknown field(s) {', '.join(map(repr, unknown))} "
            f"(allowed: {', '.join(OPTIONAL_FIELDS)})"
        )
    return tuple(dict.fromkeys(fields))


def log_level(settings: BaseSettings) -> None:
    """LOG_LEVEL (default from env NEWS_LOG_LEVEL) must be a level name or number."""
    value = settings.get("LOG_LEVEL")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().upper() in LOG_LEVELS):
        return
    raise SettingError(f"LOG_LEVEL (env NEWS_LOG_LEVEL) must be one of {', '.join(LOG_LEVELS)}, got {value!r}")


def log_file_folder(settings: BaseSettings) -> None:
    """LOG_FILE's folder is created when missing (as cron's `-s LOG_FILE=/var/log/news/ppp.log` needs)."""
    value = settings.get("LOG_FILE")
    if not value:
        return
    folder = Path(str(value)).expanduser().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingError(f"LOG_FILE: cannot create its folder {folder}: {exc.strerror or exc}") from None
    if Path(str(value)).is_dir():
        raise SettingError(f"LOG_FILE: {value} is a folder, not a file")


def ratio(settings: BaseSettings, name: str) -> None:
    """A share between 0 and 1."""
    _number(settings, name, lambda value: 0.0 <= value <= 1.0, "a share between 0 and 1 (such as 0.2)")


def duration(settings: BaseSettings, name: str) -> None:
    """A number of seconds, 0 or more."""
    _number(settings, name, lambda value: value >= 0.0, "a number of seconds, 0 or more (such as 3600)")


def _number(settings: BaseSettings, name: str, accept: Callable[[float], bool], what: str) -> None:
    raw = settings.get(name)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan  # refused by every comparison
    if not accept(value):
        raise SettingError(f"{name} must be {what}, got {raw!r}")


def check_settings(settings: BaseSettings) -> None:
    """Every check above, in order; raise the first SettingError."""
    log_level(settings)
    log_file_folder(settings)
    optional_fields(settings)
    for name in RATIOS:
        ratio(settings, name)
    for name in DURATIONS:
        duration(settings, name)
    parse_mirrors(settings.get("MIRRORS"))  # checked even when pictures are not archived: base_url's twin
    url_base(settings.get("IMAGES_URL_BASE", "/assets/img/"))


def usable_log_settings(settings: BaseSettings) -> None:
    """After a SettingError: a log level and log file Scrapy can open, so the error can be reported."""
    try:
        log_level(settings)
    except SettingError:
        settings.set("LOG_LEVEL", logging.getLevelName(logging.INFO), priority="cmdline")
    try:
        log_file_folder(settings)
    except SettingError:
        settings.set("LOG_FILE", None, priority="cmdline")
