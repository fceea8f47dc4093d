"""SiteSpiderLoader: Scrapy's spider loader plus one SiteSpider subclass per site profile.

`scrapy list` shows the code spiders of SPIDER_MODULES (`article`) and every profile in SITES_DIR
(`phnompenhpost`), and `scrapy crawl <site_id>` runs the profile's spider. A code spider whose
`name` equals a profile id wins over the generated class (for truly odd sites) and gets the profile.

Profiles are loaded on first use, not when Scrapy builds the loader: a bad profile then raises
ProfileError from `list()`/`load()`, where the project's `list` and `crawl` commands turn it into
one readable line and a non-zero exit instead of a traceback.
"""

from __future__ import annotations

import builtins
import logging
from typing import TYPE_CHECKING, Self

from scrapy.spiderloader import SpiderLoader

from crawler.profiles import SiteProfile, load_profiles, sites_dir
from crawler.spiders.site import SiteSpider

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


def site_spider_class(profile: SiteProfile, base: type[SiteSpider] = SiteSpider) -> type[SiteSpider]:
    """A SiteSpider subclass named after the profile, with the profile attached."""
    class_name = "".join(part.capitalize() for part in profile.id.split("_")) + "Spider"
    attrs = {
        "name": profile.id,
        "profile": profile,
        "allowed_domains": list(profile.domains),
        "__module__": base.__module__,
        "__doc__": f"Crawl {profile.name} ({profile.origin}) from the profile {profile.source}.",
    }
    return type(class_name, (base,), attrs)


class SiteSpiderLoader:
    """Implements scrapy.spiderloader.SpiderLoaderProtocol."""

    def __init__(self, settings: BaseSettings) -> None:
        self._code = SpiderLoader(settings)
        self._sites_dir = sites_dir(settings)
        self._spiders: dict[str, type[Spider]] | None = None

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(settings)

    def _all(self) -> dict[str, type[Spider]]:
        if self._spiders is None:
            spiders = {name: self._code.load(name) for name in self._code.list()}
            for site_id, profile in load_profiles(self._sites_dir).items():
                code = spiders.get(site_id)
                if code is None:
                    spiders[site_id] = site_spider_class(profile)
                elif issubclass(code, SiteSpider) and code.profile is None:
                    spiders[site_id] = site_spider_class(profile, base=code)
                else:
                    logger.debug("Spider %r comes from code (%s), not generated", site_id, code.__module__)
            self._spiders = spiders
        return self._spiders

    def load(self, spider_name: str) -> type[Spider]:
        """The spider class; KeyError for an unknown name, ProfileError for a bad profile."""
        spiders = self._all()
        try:
            return spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None

    def list(self) -> builtins.list[str]:
        return sorted(self._all())

    def find_by_request(self, request: Request) -> builtins.list[str]:
        return [name for name, cls in self._all().items() if cls.handles_request(request)]
