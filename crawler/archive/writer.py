"""Rotating WARC files written with warcio: a request and a response record per page, one gzip member each.

Each record is flushed to the operating system as soon as it is written, so a run killed at any
moment (even with SIGKILL) leaves files whose every complete record is readable; at worst the last
record is cut short, and readers skip it. A file is closed (and fsynced) once it reaches
`max_size` bytes; the next record starts a new file. Files are named
`<prefix>-<UTC time>-<pid>-<serial>.warc.gz`, so runs never write into each other's files.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive import FETCHED_URI

WARC_VERSION = "WARC/1.1"
DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
"""The payload is stored as the crawl used it (decoded, de-chunked): these would describe other bytes."""

Headers = list[tuple[str, str]]


@dataclass
class Exchange:
    """One fetched page: what was asked and what came back."""

    target_uri: str
    """The site's real URL (WARC-Target-URI)."""
    fetched_uri: str
    """The URL actually requested (a mirror's, with `base_url`)."""
    date: datetime
    status: int
    body: bytes
    """The payload as the crawl used it (Content-Encoding decoded)."""
    response_headers: Headers = field(default_factory=list)
    request_headers: Headers = field(default_factory=list)
    method: str = "GET"
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date: UTC with microseconds (`2026-12-03T10:16:27.123456Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RotatingWarcWriter:
    """WARC files in `folder`, rotated by size; files are created on the first record."""

    def __init__(self, folder: Path, prefix: str, max_size: int, software: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.max_size = max(1, max_size)
        self.software = software
        self.files: list[Path] = []
        self.bytes_written = 0
        self._fh: BinaryIO | None = None
        self._writer: WARCWriter | None = None

    @property
    def path(self) -> Path | None:
        """The file being written, if one is open."""
        return self.files[-1] if self._fh is not None else None

    def write(self, exchange: Exchange) -> int:
        """Append the request and response records of `exchange`; return the bytes added to disk."""
        writer = self._open()
        assert self._fh is not None
        start = self._fh.tell()
        response = self._response_record(writer, exchange)
        request = self._request_record(writer, exchange, response.rec_headers.get_header("WARC-Record-ID"))
        for record in (request, response):
            writer.write_record(record)
            self._fh.flush()  # each record reaches the OS now: a killed run loses at most the one being written
        added = self._fh.tell() - start
        self.bytes_written += added
        if self._fh.tell() >= self.max_size:
            self.close()
        return added

    def close(self) -> None:
        """Finish the current file (fsync, close); the next record opens a new one."""
        if self._fh is None:
            return
        fh, self._fh, self._writer = self._fh, None, None
        try:
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()

    # ------------------------------------------------------------------ internals

    def _open(self) -> WARCWriter:
        if self._writer is not None:
            return self._writer
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        serial = len(self.files)
        path = self.folder / f"{self.prefix}-{stamp}-{os.getpid()}-{serial:05d}.warc.gz"
        fh = path.open("xb")
        self.files.append(path)
        self._fh = fh
        self._writer = WARCWriter(fh, gzip=True, warc_version=WARC_VERSION)
        info = self._writer.create_warcinfo_record(path.name, {
            "software": self.software,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        })
        self._writer.write_record(info)
        fh.flush()
        self.bytes_written += fh.tell()
        return self._writer

    @staticmethod
    def _response_record(writer: WARCWriter, exchange: Exchange) -> ArcWarcRecord:
        headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in DROPPED_RESPONSE_HEADERS]
        headers.append(("Content-Length", str(len(exchange.body))))
        status_line = f"{exchange.status} {_reason(exchange.status)}".rstrip()
        http = StatusAndHeaders(status_line, headers, protocol=exchange.protocol)
        warc_headers = {"WARC-Date": warc_date(exchange.date)}
        if exchange.fetched_uri != exchange.target_uri:
            warc_headers[FETCHED_URI] = exchange.fetched_uri
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        return writer.create_warc_record(
            exchange.target_uri, "response", payload=io.BytesIO(exchange.body), length=len(exchange.body),
            warc_headers_dict=warc_headers, http_headers=http,
        )

    @staticmethod
    def _request_record(writer: WARCWriter, exchange: Exchange, concurrent_to: str) -> ArcWarcRecord:
        parts = urlsplit(exchange.fetched_uri)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [(k, v) for k, v in exchange.request_headers if k.lower() != "host"]
        headers.insert(0, ("Host", parts.netloc))
        http = StatusAndHeaders(f"{exchange.method} {target} {exchange.protocol}", headers, is_http_request=True)
        warc_headers = {"WARC-Date": warc_date(exchange.date), "WARC-Concurrent-To": concurrent_to}
        if exchange.fetched_uri != exchange.target_uri:
            warc_headers[FETCHED_URI] = exchange.fetched_uri
        return writer.create_warc_record(
            exchange.target_uri, "request", payload=io.BytesIO(b""), length=0,
            warc_headers_dict=warc_headers, http_headers=http,
        )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
