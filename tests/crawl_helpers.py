"""Helpers for the end-to-end tests: run real `scrapy crawl` subprocesses against the replica and read
back what they wrote (posts, front matter, the run's stats file, the server's request log)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crawler.profiles import SITES_DIR
from tests.conftest import ORIGIN, ROOT, ScrapyRun, run_scrapy
from tests.replay_server import ReplayServer, load_routes

#: Settings that make test crawls fast; everything else is the project's.
FAST = ("-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_BACKOFF_BASE=0",
        "-s", "LOG_LEVEL=INFO", "-s", "PROGRESS_INTERVAL=0")
#: Posts show the original picture URLs, as the golden posts do; tests of the image archive add ARCHIVED.
ORIGINAL_IMAGES = ("-s", "ARCHIVE_IMAGES=0")
FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n", re.S)
OLD_PATH = "/national/siem-reap-shuttle-bus-to-new-airport-launched"
DEAD_PATH = "/national/ministry-clarifies-rules-for-motorbike-licence-tests"


def crawl_args(spider: str, server: ReplayServer, output: Path, *extra: str) -> list[str]:
    return ["crawl", spider, "-a", f"base_url={server.base_url}", "-s", f"OUTPUT_DIR={output}", *FAST,
            *ORIGINAL_IMAGES, *extra]


def archived(server: ReplayServer) -> tuple[str, ...]:
    """Settings that archive the pictures, fetched from the replica's mirrors of the CDN hosts."""
    return ("-s", "ARCHIVE_IMAGES=1", "-s", f"MIRRORS={server.mirrors}")


def crawl(spider: str, server: ReplayServer, output: Path, *extra: str) -> ScrapyRun:
    """Run `scrapy crawl` to the end."""
    return run_scrapy(*crawl_args(spider, server, output, *extra))


@dataclass
class Post:
    path: Path
    meta: dict[str, Any]
    text: str


def posts(output: Path) -> dict[str, Post]:
    """Every post under OUTPUT_DIR/_posts keyed by origin_url; fails on two posts of one article."""
    found: dict[str, Post] = {}
    for path in sorted((output / "_posts").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        match = FRONT_MATTER_RE.match(text)
        assert match, f"{path.name}: no front matter"
        meta = yaml.safe_load(match.group(1))
        url = meta["origin_url"]
        assert url not in found, f"{url} has two posts: {found[url].path.name} and {path.name}"
        found[url] = Post(path, meta, text)
    return found


def snapshot(output: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every post file (to prove a run changed nothing)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((output / "_posts").iterdir())}


def ppp_allowing_nothing() -> str:
    """The Phnom Penh Post's profile with an articles.allow that matches no article URL of the site."""
    profile = (SITES_DIR / "phnompenhpost.yaml").read_text(encoding="utf-8")
    changed = profile.replace("    - ^/(national|politics|", "    - ^/no-such-section/(national|politics|")
    assert changed != profile
    return changed


def sites_dir(folder: Path, **profiles: str) -> Path:
    """A SITES_DIR at `folder` holding the given profiles (file stem: YAML text)."""
    folder.mkdir()
    for name, text in profiles.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def post_count(output: Path) -> int:
    """How many posts a (maybe running) crawl has written: a hidden temporary file of a write in progress
    is no post."""
    folder = output / "_posts"
    return sum(1 for p in folder.glob("*.md") if not p.name.startswith(".")) if folder.is_dir() else 0


def stray_files(output: Path) -> list[str]:
    """Temporary or partial files left in _posts (dot files, *.tmp)."""
    return [p.name for p in (output / "_posts").iterdir() if p.name.startswith(".") or p.suffix != ".md"]


def last_stats(output: Path) -> dict[str, Any]:
    """The stats file of the most recent run in OUTPUT_DIR."""
    runs = sorted((output / ".crawler" / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    assert runs, f"no run stats in {output}"
    return json.loads(runs[-1].read_text(encoding="utf-8"))


def article_paths(server: ReplayServer) -> set[str]:
    """Replica paths that are article pages, plus the old path that redirects and the dead link."""
    routes = load_routes(server.site_dir)  # as shipped: tests may point routes at other files
    paths = {key.split("?", 1)[0] for key, route in routes.items()
             if (route.get("file") or "").startswith("pages/articles/")}
    return paths | {OLD_PATH, DEAD_PATH}


def requested_articles(server: ReplayServer) -> list[str]:
    paths = article_paths(server)
    return [path for path in server.requests if path.split("?", 1)[0] in paths]


def origin(path: str) -> str:
    return ORIGIN + path


def error_lines(run: ScrapyRun) -> list[str]:
    return [line for line in run.output.splitlines() if " ERROR: " in line or line.startswith("ERROR:")]


def summary_line(run: ScrapyRun) -> str:
    lines = [line for line in run.output.splitlines() if "Run summary [" in line]
    assert len(lines) == 1, run.output[-3000:]
    return lines[0]


def start_crawl(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start `scrapy` in the background (its own process group), logging to a file."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as handle:
        return subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=env, stdout=handle,
                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(condition: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL, timeout: float = 60.0) -> int:
    process.send_signal(sig)
    return process.wait(timeout=timeout)


def slow_articles(server: ReplayServer, delay: float) -> None:
    """Make every article page answer after `delay` seconds (to interrupt a crawl half way)."""

    def slow(handler: Any) -> bool:
        time.sleep(delay)
        return False  # then serve the route as usual

    for path in article_paths(server):
        server.custom[path] = slow
