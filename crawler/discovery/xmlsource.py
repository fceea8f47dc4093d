"""Read XML discovery documents safely: gzip or plain, bounded in size, streamed, broken XML tolerated."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from typing import IO

import lxml.etree

GZIP_MAGIC = b"\x1f\x8b"
#: The sitemap protocol caps an uncompressed sitemap at 50 MB; feeds are far smaller.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class BoundedReader(io.RawIOBase):
    """A read-only stream that stops (and says so) after `limit` bytes of its source."""

    def __init__(self, source: IO[bytes], limit: int) -> None:
        self.source = source
        self.remaining = limit
        self.truncated = False
        self.broken = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.remaining <= 0:
            try:
                self.truncated = bool(self.source.read(1))
            except (OSError, EOFError, zlib.error):
                self.broken = True
            return 0
        try:
            chunk = self.source.read(min(len(buffer), self.remaining))
        except (OSError, EOFError, zlib.error):
            # A truncated or corrupt gzip stream: keep what was decompressed so far.
            self.broken = True
            return 0
        n = len(chunk)
        if not n and getattr(self.source, "broken", False):
            self.broken = True
        buffer[:n] = chunk
        self.remaining -= n
        return n


class GunzipReader(io.RawIOBase):
    """Incremental gzip decompression that keeps every byte before a truncation or corruption.

    (gzip.GzipFile raises on a cut-off stream and loses the block it was decoding.) Handles
    multi-member files; `broken` tells whether the stream ended early or was corrupt.
    """

    _CHUNK = 64 * 1024

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.broken = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = len(buffer)
        while size:
            source = self._inflater.unconsumed_tail
            if not source:
                if self._inflater.eof:
                    rest = self._inflater.unused_data + bytes(self._data[self._pos:])
                    self._pos = len(self._data)
                    if not rest.startswith(GZIP_MAGIC):
                        return 0  # end of the last member (trailing garbage ignored)
                    self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    source = rest
                else:
                    source = bytes(self._data[self._pos:self._pos + self._CHUNK])
                    self._pos += len(source)
                    if not source:
                        self.broken = True  # cut off before the end of the gzip member
                        return 0
            try:
                out = self._inflater.decompress(source, size)
            except zlib.error:
                self.broken = True
                return 0
            if out:
                buffer[:len(out)] = out
                return len(out)
        return 0


def open_document(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> BoundedReader:
    """A bounded stream over `data`, decompressed when it is gzip (a `.xml.gz` sitemap)."""
    raw: IO[bytes] = GunzipReader(data) if data.startswith(GZIP_MAGIC) else io.BytesIO(data)  # type: ignore[assignment]
    return BoundedReader(raw, max_bytes)


def iter_elements(stream: IO[bytes] | io.RawIOBase) -> Iterator[tuple[str, lxml.etree._Element]]:
    """Yield (event, element) for 'start' and 'end' events; never raises on malformed XML.

    Entities are not resolved and nothing is fetched from the network (no XXE). Callers must clear
    elements they are done with to keep memory flat on huge documents.
    """
    parser_events = lxml.etree.iterparse(
        stream,
        events=("start", "end"),
        recover=True,
        huge_tree=True,
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        yield from parser_events
    except lxml.etree.XMLSyntaxError:
        return  # unrecoverable (e.g. empty document): what was yielded stands


def local_name(tag: object) -> str:
    """The tag without its namespace, lower-cased ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def text_of(element: lxml.etree._Element) -> str:
    """The element's text content with surrounding whitespace removed."""
    return "".join(str(part) for part in element.itertext()).strip()


def release(element: lxml.etree._Element) -> None:
    """Free a finished element and the siblings before it (iterparse keeps them otherwise)."""
    element.clear(keep_tail=False)  # type: ignore[call-arg]  # lxml-stubs lag lxml 4.4+
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
