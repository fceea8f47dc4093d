"""A reader's eyes for the tests: Debian's Chromium, headless, driven by Playwright, on a built site served
from 127.0.0.1.

Nothing is downloaded at run time: Playwright's Python package drives the system's `chromium` (installed by
tests/provision.sh), never a browser of its own (`playwright install` is not used). Each launch gets a
fresh temporary profile.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

#: Every <img> of the page once the page has loaded: did it load, at what size, and how big is its box.
PICTURES_JS = """() => Array.from(document.images, img => {
  const box = img.getBoundingClientRect();
  return {src: img.getAttribute('src'), complete: img.complete, naturalWidth: img.naturalWidth,
          naturalHeight: img.naturalHeight, width: box.width, height: box.height,
          visible: getComputedStyle(img).visibility !== 'hidden' && getComputedStyle(img).display !== 'none'};
})"""


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Picture:
    src: str
    complete: bool
    naturalWidth: int  # the DOM's names
    naturalHeight: int
    width: float
    height: float
    visible: bool

    @property
    def shown(self) -> bool:
        """Loaded, decoded and on the page with a box a reader can see."""
        return self.complete and self.naturalWidth > 0 and self.width > 0 and self.height > 0 and self.visible


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve a built site folder on 127.0.0.1 (a free port); yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@contextmanager
def chromium(executable: str) -> Iterator[Any]:
    """A headless Chromium (Playwright's Browser) from the given executable."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def pictures_on(browser: Any, url: str) -> list[Picture]:
    """Open `url` in a fresh page, wait until it and its pictures have loaded, and report every <img>."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(url, wait_until="load")
        return [Picture(**found) for found in page.evaluate(PICTURES_JS)]
    finally:
        page.close()
