"""Shared fixtures: the Phnom Penh Post replica on 127.0.0.1, expected values, and `scrapy` runs."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.replay_server import ReplayServer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
REPLICA = FIXTURES / "sites" / "phnompenhpost"
EXPECTED = REPLICA / "expected"
SEED_SLUG = "asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts"
ORIGIN = "https://www.phnompenhpost.com"


def expected_articles() -> list[dict[str, Any]]:
    """Every expected/<slug>.json of the replica, with its slug under `slug`."""
    out = []
    for path in sorted(EXPECTED.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["slug"] = path.stem
        out.append(data)
    return out


def replica_page(origin_url: str) -> bytes:
    """The raw bytes the replica serves for a canonical article URL."""
    routes = json.loads((REPLICA / "routes.json").read_text(encoding="utf-8"))
    path = origin_url.removeprefix(ORIGIN)
    route = next(r for r in routes if r["path"] == path)
    return (REPLICA / route["file"]).read_bytes()


def fold(text: str) -> str:
    """Whitespace (NBSP included) folded to single spaces, as a reader sees text."""
    return " ".join(text.replace("\u00a0", " ").split())


def reader_text(markdown: str) -> str:
    """A post body as a reader sees it (tests/fixtures/sites/README.md): Markdown syntax and backslash
    escapes removed, entities decoded, whitespace folded."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", markdown)  # images
    text = re.sub(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"^\s*(?:#{1,6}\s|[-*+]\s|\d+\.\s|>\s?)", "", text, flags=re.M)  # block markers
    text = re.sub(r"^\|(?: -{3,} \|)+$", " ", text, flags=re.M)  # table separator rows
    text = re.sub(r"^\| (.*) \|$", lambda m: re.sub(r"(?<!\\) \| ", " ", m.group(1)), text, flags=re.M)  # rows
    text = re.sub(r"(?<!\\)\*\*|(?<!\\)\*|(?<!\\)`+", "", text)  # emphasis and code spans
    text = re.sub(r"\\(.)", r"\1", text)  # backslash escapes
    return fold(html.unescape(text))


def missing_in_order(text: str, needles: list[str]) -> list[str]:
    """The needles not found in `text` after the end of the previous one found (empty: all in order)."""
    missing, position = [], 0
    for needle in needles:
        found = text.find(fold(needle), position)
        if found < 0:
            missing.append(needle)
        else:
            position = found + len(fold(needle))
    return missing


@pytest.fixture(scope="session")
def jekyll() -> str:
    """The jekyll executable; make test installs it (tests/provision.sh), so a missing one is a failure, not a skip."""
    from tests.site import find_jekyll, install_hint

    found = find_jekyll()
    if found is None:
        pytest.fail(f"jekyll is not installed (tests/provision.sh installs it). Install it with: {install_hint()}")
    return found


@pytest.fixture
def replica() -> Iterator[ReplayServer]:
    """A fresh replica server per test (status sequences and hit counters start at zero)."""
    with ReplayServer(REPLICA) as server:
        yield server


@dataclass
class ScrapyRun:
    """The result of one `scrapy` subprocess."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_scrapy(*args: str, cwd: Path = ROOT, timeout: float = 180, env: dict[str, str] | None = None) -> ScrapyRun:
    """Run `python -m scrapy ARGS` in the project, the way a user (or cron) runs it.

    Pictures are archived only when a test asks (`-s ARCHIVE_IMAGES=1`, see crawl_helpers.archived): the
    pages' pictures name hosts on the internet, and no test may reach it."""
    if args and not any(arg.startswith("ARCHIVE_IMAGES=") for arg in args):
        args = (*args, "-s", "ARCHIVE_IMAGES=0")
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return ScrapyRun(proc.returncode, proc.stdout, proc.stderr)
