"""Configuration errors that `scrapy crawl` reports as one line with exit status 2 (no traceback)."""

from __future__ import annotations


class SettingError(ValueError):
    """A project setting has an unusable value; the message names the setting and what is wrong."""
