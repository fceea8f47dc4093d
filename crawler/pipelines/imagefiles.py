"""What the image archive stores: pictures recognised by their bytes, written atomically to a local folder.

`picture_extension` tells a picture by its first bytes (what a browser shows in `<img>`), whatever the
server's Content-Type says; SVG is refused on purpose (it can carry scripts). `AtomicFSFilesStore` is
Scrapy's local-folder store writing each file (in a thread) as a dot-prefixed temp file, fsynced, then
renamed, so a killed run never leaves a half-written picture under its final name (Jekyll skips dot
files, and the next run removes the leftovers).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.pipelines.files import FSFilesStore
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.defer import deferred_from_coro

from crawler.exporters import clean_temp_files, write_atomic

if TYPE_CHECKING:
    from os import PathLike

    from scrapy.pipelines.media import MediaPipeline
    from twisted.internet.defer import Deferred

_SIGNATURES = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
)
_SNIFF_BYTES = 1024


def picture_extension(body: bytes) -> str | None:
    """`.jpg`, `.png`, `.gif`, `.webp` or `.avif` when the bytes are such a picture, else None."""
    for signature, extension in _SIGNATURES:
        if body.startswith(signature):
            return extension
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return ".webp"
    if body[4:8] == b"ftyp" and body[8:12] in (b"avif", b"avis"):
        return ".avif"
    return None


def is_svg(body: bytes) -> bool:
    """Whether the bytes are an SVG document (markup whose start mentions `<svg`)."""
    head = body[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and b"<svg" in head


class AtomicFSFilesStore(FSFilesStore):
    """FSFilesStore that writes each file atomically (temp file, fsync, rename) and, when it opens,
    removes the temp files a killed run left behind."""

    def __init__(self, basedir: str | PathLike[str]) -> None:
        super().__init__(basedir)
        root = Path(self.basedir)
        for folder in [root, *(p for p in root.iterdir() if p.is_dir())]:
            clean_temp_files(folder)

    def persist_file(  # type: ignore[override]
        self,
        path: str | PathLike[str],
        buf: BytesIO,
        info: MediaPipeline.SpiderInfo,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Deferred[None]:
        """Write in a thread: the fsyncs must not hold up the crawl."""
        return deferred_from_coro(run_in_thread(self.write, path, buf.getvalue()))

    def write(self, path: str | PathLike[str], data: bytes) -> None:
        """Write one file atomically (temp file, fsync, rename, fsync of the folder)."""
        absolute_path = self._get_filesystem_path(path)
        absolute_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(absolute_path, data)
