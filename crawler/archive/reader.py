"""Read the HTML pages of WARC files written by anyone (ours, Common Crawl's news crawl, the Internet Archive).

Reading takes two passes over each file, so that memory holds only a small index, however large the
archive: `scan()` lists the usable captures (200 responses with an HTML payload) and counts every
record it passes over and why; `read_pages()` then reads the bodies of the captures the caller chose
(the newest per URL, say). Files may be gzipped per record (the norm), gzipped whole, or plain.

Nothing here raises on bad data: records that are not responses (requests, warcinfo, metadata,
revisits), other statuses, other media types, records cut short (a killed writer, `WARC-Truncated`)
and files that end in garbage are counted under a reason and left out. Counts are slash-separated
keys (`skipped/revisit`, `skipped/status_404`, `files_truncated`) for the caller's stats.
"""

from __future__ import annotations

import glob
import gzip
import logging
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from crawler.archive import FETCHED_URI

logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
PAYLOAD_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
"""Headers that describe the bytes on the wire, not the decoded payload a Page holds."""
_SNIFF_BYTES = 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_READ_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, OSError, EOFError, zlib.error, ValueError,
                AttributeError)
"""What warcio raises on damaged files (AttributeError: a record cut inside its WARC headers)."""


class ArchiveError(ValueError):
    """A WARC path given by the user names no readable WARC file."""


@dataclass(frozen=True)
class Capture:
    """A usable response record: a 200 HTML page, located by its position in its file."""

    url: str
    """WARC-Target-URI: the page's URL (the real site URL in our own files)."""
    date: datetime
    """WARC-Date: when it was fetched (UTC)."""
    path: Path
    index: int
    """The record's position in its file (0 = first record)."""
    fetched_url: str | None = None
    """Where it was actually fetched from, when our crawl used a mirror (`WARC-Fetched-URI`)."""


@dataclass(frozen=True)
class Page:
    """A capture's HTTP response, payload decoded."""

    capture: Capture
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def warc_files(spec: str | Path) -> list[Path]:
    """The WARC files a path names: a file, a folder (its *.warc and *.warc.gz files) or a glob pattern."""
    path = Path(spec).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(WARC_SUFFIXES))
        if not found:
            raise ArchiveError(f"folder {str(path)!r} holds no .warc or .warc.gz file")
        return found
    if glob.has_magic(str(spec)):
        # Path.glob takes relative patterns only; a user may give /data/cc/*.warc.gz
        found = sorted(Path(p) for p in glob.glob(str(path)) if Path(p).is_file())  # noqa: PTH207
        if not found:
            raise ArchiveError(f"no file matches {str(spec)!r}")
        return found
    raise ArchiveError(f"{str(path)!r} does not exist")


def scan(path: Path, counts: Counter[str]) -> list[Capture]:
    """The usable captures of one file, in file order; what was left out is counted in `counts`."""
    try:
        captures, file_counts = _scan(path, whole_gzip=False)
    except _WholeGzip:
        captures, file_counts = _scan(path, whole_gzip=True)
    counts.update(file_counts)
    return captures


def read_pages(path: Path, indexes: set[int], max_bytes: int, counts: Counter[str]) -> Iterator[Page]:
    """The pages of the records at `indexes` (from `scan()`), payloads over `max_bytes` left out."""
    if not indexes:
        return
    done: set[int] = set()
    whole_gzip = False
    while True:
        try:
            with _open(path, whole_gzip) as fh:
                for index, record in enumerate(ArchiveIterator(fh)):
                    if index in indexes and index not in done:
                        done.add(index)
                        page = _page(record, path, index, max_bytes, counts)
                        if page is not None:
                            yield page
            return
        except ArchiveLoadFailed as exc:
            if whole_gzip or "non-chunked gzip" not in str(exc):
                return  # scan() counted the damage already; what came before it was read
            whole_gzip = True
        except _READ_ERRORS as exc:
            logger.debug("Stopped reading %s: %s", path, exc)
            return


# ---------------------------------------------------------------------- internals


class _WholeGzip(Exception):
    """The file is one gzip stream around all its records (not one member per record)."""


def _open(path: Path, whole_gzip: bool) -> IO[bytes]:
    if whole_gzip:
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile is a binary file
    return path.open("rb")


def _scan(path: Path, whole_gzip: bool) -> tuple[list[Capture], Counter[str]]:
    counts: Counter[str] = Counter(files=1)
    captures: list[Capture] = []
    end = 0
    try:
        with _open(path, whole_gzip) as fh:
            iterator = ArchiveIterator(fh)
            for index, record in enumerate(iterator):
                counts[f"records/{record.rec_type}"] += 1
                capture, reason = _judge(record, path, index)
                iterator.read_to_end(record)
                if not whole_gzip:
                    end = iterator.get_record_offset() + iterator.get_record_length()
                if record.raw_stream.limit > 0:  # the file ends inside this record
                    counts["files_truncated"] += 1
                    counts["skipped/truncated"] += 1
                    logger.warning("%s: the last record (#%d) is cut short; skipped", path, index)
                    return captures, counts
                if capture is None:
                    counts[f"skipped/{reason}"] += 1
                else:
                    captures.append(capture)
    except ArchiveLoadFailed as exc:
        if not whole_gzip and "non-chunked gzip" in str(exc):
            raise _WholeGzip from None
        counts["files_truncated"] += 1
        logger.warning("%s: unreadable after %d usable record(s) (%s); the rest is skipped", path,
                       len(captures), str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return captures, counts
    except _READ_ERRORS as exc:
        counts["files_truncated"] += 1
        logger.warning("%s: unreadable after %d usable record(s) (%s: %s); the rest is skipped", path,
                       len(captures), type(exc).__name__, exc)
        return captures, counts
    if not whole_gzip and _trailing_garbage(path, end):
        counts["files_truncated"] += 1  # bytes after the last whole record: a cut gzip member, or junk
        logger.warning("%s: %d byte(s) at the end are not a whole record; skipped", path, path.stat().st_size - end)
    return captures, counts


def _trailing_garbage(path: Path, end: int) -> bool:
    """Whether anything but blank lines (which end uncompressed records) follows the last record."""
    with path.open("rb") as fh:
        fh.seek(end)
        while chunk := fh.read(64 * 1024):
            if chunk.strip():
                return True
    return False


def _judge(record: Any, path: Path, index: int, sniff: bool = True) -> tuple[Capture | None, str]:
    """A usable capture, or None and the reason it is not one. `sniff`: look at the payload of a response
    without Content-Type (which consumes its start: scanning only)."""
    if record.rec_type != "response":
        return None, record.rec_type or "unknown"
    headers = record.rec_headers
    url = (headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    if not url.startswith(("http://", "https://")):
        return None, "not_http"
    http = record.http_headers
    if http is None:
        return None, "no_http_headers"
    status = http.get_statuscode() or ""
    if status != "200":
        return None, f"status_{status or 'unknown'}"
    if headers.get_header("WARC-Truncated"):
        return None, "truncated"
    encoding = (http.get_header("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", *BufferedReader.get_supported_decompressors()):
        return None, "unknown_encoding"
    if sniff and not _is_html(record):
        return None, "not_html"
    return Capture(url, _warc_date(headers.get_header("WARC-Date")), path, index,
                   headers.get_header(FETCHED_URI)), ""


def _is_html(record: Any) -> bool:
    content_type = record.http_headers.get_header("Content-Type")
    if content_type:
        return content_type.split(";", 1)[0].strip().lower() in HTML_TYPES
    head: bytes = record.content_stream().read(_SNIFF_BYTES).lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _warc_date(value: str | None) -> datetime:
    try:
        parsed = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return _EPOCH
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _page(record: Any, path: Path, index: int, max_bytes: int, counts: Counter[str]) -> Page | None:
    capture, _ = _judge(record, path, index, sniff=False)  # scan() judged it: this is the same record
    if capture is None:
        return None
    try:
        body = record.content_stream().read(max_bytes + 1)
    except (zlib.error, OSError, EOFError, ValueError):
        counts["skipped/undecodable"] += 1
        return None
    if len(body) > max_bytes:
        counts["skipped/too_large"] += 1
        logger.warning("%s: %s is larger than %d bytes; skipped", path, capture.url, max_bytes)
        return None
    http = record.http_headers
    headers = [(k, v) for k, v in http.headers if k.lower() not in PAYLOAD_HEADERS]
    return Page(capture, int(http.get_statuscode()), headers, body)
