"""Item pipelines, one step per module: validate (100), normalize (200), store (300)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crawler.profiles import SITES_DIR, SiteProfile, load_profiles

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def site_profiles(settings: BaseSettings) -> dict[str, SiteProfile]:
    """The site profiles from the SITES_DIR setting (the shipped crawler/sites/ when empty), keyed by id."""
    directory = settings.get("SITES_DIR") or ""
    return load_profiles(Path(directory) if directory else SITES_DIR)
