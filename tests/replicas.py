"""Every site replica under tests/fixtures/sites/<site>/ with its profile and expected articles.

Tests that must hold for every site iterate over `replicas()` instead of naming sites, so adding a
profile and its replica (see crawler/sites/README.md) is covered without touching any test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.profiles import SITES_DIR, SiteProfile, load_profiles
from tests.conftest import FIXTURES
from tests.replay_server import load_routes

SITES = FIXTURES / "sites"


@dataclass
class Replica:
    """One site's replica folder, its profile and the expected values of its articles."""

    name: str
    folder: Path
    profile: SiteProfile
    expected: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.name

    def page(self, article: dict[str, Any]) -> tuple[bytes, str | None]:
        """The bytes the replica serves at an article's first `served_at` path, and the charset its
        Content-Type header declares."""
        route = load_routes(self.folder)[article["served_at"][0]]
        match = re.search(r"charset=([\w-]+)", route.get("headers", {}).get("Content-Type", ""), re.I)
        return (self.folder / route["file"]).read_bytes(), match.group(1) if match else None


def expected_of(folder: Path) -> list[dict[str, Any]]:
    """Every expected/<slug>.json of a replica, with its slug under `slug`."""
    out = []
    for path in sorted((folder / "expected").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["slug"] = path.stem
        out.append(data)
    return out


def replicas() -> list[Replica]:
    """Every shipped profile that has a replica folder (tests/test_profiles.py requires one per profile)."""
    profiles = load_profiles(SITES_DIR)
    return [Replica(name, SITES / name, profile, expected_of(SITES / name))
            for name, profile in sorted(profiles.items()) if (SITES / name / "routes.json").is_file()]


def replica_articles() -> list[tuple[Replica, dict[str, Any]]]:
    """(replica, expected article) for every expected file of every replica."""
    return [(replica, article) for replica in replicas() for article in replica.expected]
