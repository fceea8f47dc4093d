"""A reader's check of the archived pictures: the replica crawled with the image archive on, built with
Jekyll, served from 127.0.0.1 and opened in headless Chromium; every picture of every post must load."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest

from tests.browser import chromium, chromium_path, pictures_on, serve_folder
from tests.conftest import REPLICA, expected_articles
from tests.crawl_helpers import archived, crawl
from tests.replay_server import ReplayServer
from tests.site import copy_skeleton, jekyll_build_command, jekyll_env

pytestmark = [pytest.mark.jekyll, pytest.mark.e2e, pytest.mark.slow]

EXPECTED = {a["origin_url"]: a for a in expected_articles()}
JPEG = (REPLICA / "images" / "pppenglish" / "18_10_2024_img_3946.jpg").read_bytes()


@dataclass
class Site:
    output: Path
    root: Path
    pages: dict[str, Path]
    """Each article's built page by origin_url."""


def browser_executable() -> str:
    found = chromium_path()
    if found is None:
        pytest.fail("chromium is not installed (tests/provision.sh installs it for make test). Install it with: "
                    "sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends chromium'")
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, jekyll: str) -> Iterator[Site]:
    output = tmp_path_factory.mktemp("archived-site")
    copy_skeleton(output)
    with ReplayServer(REPLICA) as server:
        run = crawl("phnompenhpost", server, output, *archived(server))
    assert run.returncode == 0, run.output[-3000:]
    root = output / "_site"
    built = subprocess.run(jekyll_build_command(jekyll, output, root), env=jekyll_env(), capture_output=True,
                           text=True, timeout=300, check=False)
    assert built.returncode == 0, (built.stdout + built.stderr)[-4000:]
    pages: dict[str, Path] = {}
    for page in root.rglob("*.html"):
        origin = lxml.html.fromstring(page.read_bytes()).xpath("//a[@class='origin-url']/@href")
        if origin:
            pages[origin[0]] = page
    yield Site(output, root, pages)


def test_every_src_of_every_built_page_is_a_file_of_the_site(site: Site) -> None:
    assert set(site.pages) == set(EXPECTED)
    sources = 0
    for page in site.root.rglob("*.html"):
        for src in lxml.html.fromstring(page.read_bytes()).xpath("//@src"):
            parts = urlsplit(src)
            assert not parts.scheme and not parts.netloc, f"{page}: {src} is not the archive's copy"
            assert parts.path.startswith("/assets/img/"), f"{page}: {src}"
            assert (site.root / unquote(parts.path).lstrip("/")).is_file(), f"{page}: {src} is not in _site"
            sources += 1
    assert sources == sum(len(a["images_in_order"]) for a in EXPECTED.values())


def test_a_reader_sees_every_picture_of_every_post(site: Site) -> None:
    with serve_folder(site.root) as base, chromium(browser_executable()) as browser:
        for origin, page in sorted(site.pages.items()):
            path = "/" + page.relative_to(site.root).as_posix().removesuffix("index.html")
            pictures = pictures_on(browser, base + path)
            assert len(pictures) == len(EXPECTED[origin]["images_in_order"]), origin
            assert [p.src for p in pictures if not p.shown] == [], origin


def test_the_readers_check_sees_a_missing_picture(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "here.jpg").write_bytes(JPEG)
    (tmp_path / "index.html").write_text('<!DOCTYPE html><p><img src="/assets/here.jpg" alt=""></p>'
                                         '<p><img src="/assets/gone.jpg" alt=""></p>', encoding="utf-8")
    with serve_folder(tmp_path) as base, chromium(browser_executable()) as browser:
        pictures = pictures_on(browser, base + "/")
    assert [(p.src, p.shown) for p in pictures] == [("/assets/here.jpg", True), ("/assets/gone.jpg", False)]
    assert (pictures[0].naturalWidth, pictures[0].naturalHeight) == (240, 160)
