"""WARC files: the rotating writer, and the reader on files written by anyone (built here with warcio)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive import FETCHED_URI
from crawler.archive.reader import ArchiveError, read_pages, scan, warc_files
from crawler.archive.replay import newest_captures
from crawler.archive.writer import Exchange, RotatingWarcWriter
from tests.conftest import ORIGIN, SEED_SLUG, replica_page

SEED_URL = f"{ORIGIN}/national/{SEED_SLUG}"
MIRROR = "http://127.0.0.1:8123"
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
HTML = "text/html; charset=utf-8"


def exchange(url: str, body: bytes, when: datetime = T0, **changes: object) -> Exchange:
    values: dict[str, object] = {
        "target_uri": url, "fetched_uri": url.replace(ORIGIN, MIRROR), "date": when, "status": 200, "body": body,
        "response_headers": [("Content-Type", HTML), ("Content-Encoding", "gzip"), ("Content-Length", "17")],
        "request_headers": [("User-Agent", "news-to-jekyll/0.1"), ("Accept-Encoding", "gzip, deflate")],
    }
    values.update(changes)
    return Exchange(**values)  # type: ignore[arg-type]


def records(path: Path) -> list[tuple[str, dict[str, str], bytes]]:
    """(type, WARC headers, decoded payload) of every record of a file."""
    found = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            body = record.content_stream().read()
            found.append((record.rec_type, dict(record.rec_headers.headers), body))
    return found


# ---------------------------------------------------------------------------- writing


def test_a_page_is_a_request_and_a_response_record_under_its_real_url(tmp_path):
    page = replica_page(SEED_URL)
    writer = RotatingWarcWriter(tmp_path, "phnompenhpost", 10**9, "news-to-jekyll/test")
    writer.write(exchange(SEED_URL, page))
    writer.close()

    [path] = writer.files
    assert path.name.startswith("phnompenhpost-") and path.name.endswith(".warc.gz")
    kinds = [kind for kind, _, _ in records(path)]
    assert kinds == ["warcinfo", "request", "response"]
    _, request, _ = records(path)[1]
    _, response, body = records(path)[2]
    assert response["WARC-Target-URI"] == request["WARC-Target-URI"] == SEED_URL
    assert response[FETCHED_URI] == f"{MIRROR}/national/{SEED_SLUG}"
    assert request["WARC-Concurrent-To"] == response["WARC-Record-ID"]
    assert body == page
    digest = base64.b32encode(hashlib.sha1(page).digest()).decode()
    assert response["WARC-Payload-Digest"] == f"sha1:{digest}"
    assert response["WARC-Date"] == "2026-11-30T08:00:00.000000Z"


def test_the_stored_response_describes_the_decoded_payload(tmp_path):
    page = replica_page(SEED_URL)
    writer = RotatingWarcWriter(tmp_path, "site", 10**9, "test")
    writer.write(exchange(SEED_URL, page))
    writer.close()
    with writer.files[0].open("rb") as fh:
        response = next(r for r in ArchiveIterator(fh) if r.rec_type == "response")
        http = response.http_headers
        assert http.get_statuscode() == "200"
        assert http.get_header("Content-Encoding") is None  # the body is stored decoded
        assert http.get_header("Content-Length") == str(len(page))
        assert http.get_header("Content-Type") == HTML


def test_a_url_fetched_from_the_site_itself_has_no_fetched_uri(tmp_path):
    writer = RotatingWarcWriter(tmp_path, "site", 10**9, "test")
    writer.write(exchange(SEED_URL, b"<html></html>", fetched_uri=SEED_URL))
    writer.close()
    assert all(FETCHED_URI not in headers for _, headers, _ in records(writer.files[0]))


def test_files_rotate_by_size_and_every_record_stays_readable(tmp_path):
    page = replica_page(SEED_URL)
    writer = RotatingWarcWriter(tmp_path, "site", 12_000, "test")
    urls = [f"{ORIGIN}/national/story-{i}" for i in range(8)]
    for url in urls:
        writer.write(exchange(url, page))
    writer.close()
    assert len(writer.files) > 2
    assert all(path.stat().st_size < 12_000 + len(page) for path in writer.files)
    targets = [headers["WARC-Target-URI"] for path in writer.files for kind, headers, _ in records(path)
               if kind == "response"]
    assert targets == urls
    assert writer.bytes_written == sum(path.stat().st_size for path in writer.files)


def test_records_reach_the_file_before_it_is_closed(tmp_path):
    """What a SIGKILL leaves: records written so far are in the file without close()."""
    writer = RotatingWarcWriter(tmp_path, "site", 10**9, "test")
    writer.write(exchange(SEED_URL, b"<html><body>one</body></html>"))
    writer.write(exchange(SEED_URL + "-2", b"<html><body>two</body></html>"))
    counts: Counter[str] = Counter()
    captures = scan(writer.files[0], counts)  # still open for writing
    assert [c.url for c in captures] == [SEED_URL, SEED_URL + "-2"]
    writer.close()


# ---------------------------------------------------------------------------- reading anybody's WARC files


def write_warc(path: Path, entries: list[dict[str, object]], gz: bool = True) -> None:
    """A WARC file as other archives write them (warcio directly, not our writer)."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for entry in entries:
            kind = str(entry.get("type", "response"))
            headers = dict(entry.get("warc_headers", {}))  # type: ignore[call-overload]
            headers["WARC-Date"] = str(entry.get("date", "2026-11-01T00:00:00Z"))
            if kind == "revisit":
                http = StatusAndHeaders("200 OK", [("Content-Type", HTML)], protocol="HTTP/1.1")
                record = writer.create_revisit_record(
                    str(entry["url"]), digest="sha1:AAAA", refers_to_uri=str(entry["url"]),
                    refers_to_date="2026-10-01T00:00:00Z", http_headers=http)
                record.rec_headers.replace_header("WARC-Date", headers["WARC-Date"])
            elif kind == "metadata":
                record = writer.create_warc_record(
                    str(entry["url"]), "metadata", payload=io.BytesIO(b"via: x\r\n"), length=8,
                    warc_content_type="application/warc-fields", warc_headers_dict=headers)
            else:
                http_headers = list(entry.get("headers", [("Content-Type", HTML)]))  # type: ignore[call-overload]
                body = entry.get("body", b"<html><body>page</body></html>")
                assert isinstance(body, bytes)
                http = StatusAndHeaders(str(entry.get("status", "200 OK")), http_headers, protocol="HTTP/1.1")
                record = writer.create_warc_record(str(entry["url"]), kind, payload=io.BytesIO(body), length=len(body),
                                                   warc_headers_dict=headers, http_headers=http)
            writer.write_record(record)


AWKWARD = [
    {"type": "request", "url": f"{ORIGIN}/national/a", "body": b""},
    {"url": f"{ORIGIN}/national/a", "body": b"<html>old a</html>", "date": "2026-10-01T00:00:00Z"},
    {"url": f"{ORIGIN}/national/a", "body": b"<html>new a</html>", "date": "2026-11-02T00:00:00Z"},
    {"url": f"{ORIGIN}/national/a", "body": b"<html>middle a</html>", "date": "2026-10-15T00:00:00Z"},
    {"type": "revisit", "url": f"{ORIGIN}/national/b", "date": "2026-11-05T00:00:00Z"},
    {"url": f"{ORIGIN}/national/gone", "status": "404 Not Found"},
    {"url": f"{ORIGIN}/national/moved", "status": "301 Moved Permanently",
     "headers": [("Location", f"{ORIGIN}/national/a")]},
    {"url": f"{ORIGIN}/image.jpg", "headers": [("Content-Type", "image/jpeg")], "body": b"\xff\xd8\xff\xe0"},
    {"type": "metadata", "url": f"{ORIGIN}/national/a"},
    {"url": f"{ORIGIN}/national/untyped", "headers": [], "body": b"<!DOCTYPE html><html>no type</html>"},
    {"url": f"{ORIGIN}/national/chunked", "body": gzip.compress(b"<html>zipped</html>"),
     "headers": [("Content-Type", HTML), ("Content-Encoding", "gzip")]},
    {"url": f"{ORIGIN}/national/cut", "warc_headers": {"WARC-Truncated": "length"}},
]


@pytest.mark.parametrize("form", ["gzip per record", "plain", "gzip whole file"])
def test_awkward_records_are_counted_and_left_out(tmp_path, form):
    path = tmp_path / ("archive.warc" if form == "plain" else "archive.warc.gz")
    write_warc(path, AWKWARD, gz=form == "gzip per record")
    if form == "gzip whole file":
        path.write_bytes(gzip.compress((tmp_path / "archive.warc.gz").read_bytes()))
    counts: Counter[str] = Counter()
    captures = scan(path, counts)
    assert [c.url.rsplit("/", 1)[1] for c in captures] == ["a", "a", "a", "untyped", "chunked"]
    assert counts == Counter({
        "files": 1, "records/request": 1, "records/response": 9, "records/revisit": 1, "records/metadata": 1,
        "skipped/request": 1, "skipped/revisit": 1, "skipped/metadata": 1, "skipped/status_404": 1,
        "skipped/status_301": 1, "skipped/not_html": 1, "skipped/truncated": 1,
    })
    bodies = {p.capture.index: p.body for p in read_pages(path, {c.index for c in captures}, 10**6, counts)}
    assert sorted(bodies.values()) == sorted([b"<html>old a</html>", b"<html>new a</html>", b"<html>middle a</html>",
                                             b"<!DOCTYPE html><html>no type</html>", b"<html>zipped</html>"])


def test_the_newest_capture_of_a_url_wins(tmp_path):
    first, second = tmp_path / "1.warc.gz", tmp_path / "2.warc.gz"
    write_warc(first, AWKWARD)
    older = {"url": f"{ORIGIN}/national/a", "body": b"<html>older a</html>", "date": "2026-09-01T00:00:00Z"}
    write_warc(second, [older])
    counts: Counter[str] = Counter()
    chosen = newest_captures([first, second], lambda c: c.url, counts)
    assert second not in chosen
    pages = list(read_pages(first, chosen[first], 10**6, counts))
    assert {p.capture.url.rsplit("/", 1)[1]: p.body for p in pages}["a"] == b"<html>new a</html>"
    assert counts["skipped/duplicate"] == 3


def test_a_file_cut_inside_a_record_keeps_every_record_before_it(tmp_path):
    path = tmp_path / "killed.warc.gz"
    writer = RotatingWarcWriter(tmp_path, "site", 10**9, "test")
    for i in range(3):
        text = "".join(hashlib.sha256(f"{i}-{j}".encode()).hexdigest() for j in range(100))  # compresses little
        writer.write(exchange(f"{ORIGIN}/national/story-{i}", f"<html><body>story {i} {text}</body></html>".encode()))
    writer.close()
    data = writer.files[0].read_bytes()
    for cut in (len(data) - 40, len(data) - 900):
        path.write_bytes(data[:cut])
        counts: Counter[str] = Counter()
        captures = scan(path, counts)
        assert [c.url[-1] for c in captures] == ["0", "1"], cut
        assert counts["files_truncated"] == 1
        pages = list(read_pages(path, {c.index for c in captures}, 10**6, counts))
        assert [p.body[:20] for p in pages] == [b"<html><body>story 0 ", b"<html><body>story 1 "]


def test_a_file_of_garbage_is_counted_not_fatal(tmp_path):
    path = tmp_path / "junk.warc.gz"
    path.write_bytes(b"this is not a web archive\r\n\r\n" * 10)
    counts: Counter[str] = Counter()
    assert scan(path, counts) == []  # warcio reads junk lines as header-less records: each is counted, none used
    assert counts["files"] == 1 and sum(n for key, n in counts.items() if key.startswith("skipped/")) >= 1


def test_a_payload_over_the_size_limit_is_left_out(tmp_path):
    path = tmp_path / "big.warc.gz"
    write_warc(path, [{"url": f"{ORIGIN}/national/big", "body": b"<html>" + b"x" * 5000 + b"</html>"},
                      {"url": f"{ORIGIN}/national/small", "body": b"<html>small</html>"}])
    counts: Counter[str] = Counter()
    captures = scan(path, counts)
    pages = list(read_pages(path, {c.index for c in captures}, 1000, counts))
    assert [p.capture.url for p in pages] == [f"{ORIGIN}/national/small"]
    assert counts["skipped/too_large"] == 1


def test_capture_dates_and_fetched_urls_are_read(tmp_path):
    writer = RotatingWarcWriter(tmp_path, "site", 10**9, "test")
    writer.write(exchange(SEED_URL, b"<html></html>", when=T0 + timedelta(microseconds=250)))
    writer.close()
    [capture] = scan(writer.files[0], Counter())
    assert capture.date == T0 + timedelta(microseconds=250)
    assert capture.fetched_url == f"{MIRROR}/national/{SEED_SLUG}"


def test_warc_paths_may_be_a_file_a_folder_or_a_glob(tmp_path):
    for name in ("b.warc.gz", "a.warc", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert warc_files(tmp_path / "a.warc") == [tmp_path / "a.warc"]
    assert warc_files(tmp_path) == [tmp_path / "a.warc", tmp_path / "b.warc.gz"]
    assert warc_files(str(tmp_path / "*.gz")) == [tmp_path / "b.warc.gz"]
    with pytest.raises(ArchiveError, match="does not exist"):
        warc_files(tmp_path / "missing.warc.gz")
    with pytest.raises(ArchiveError, match="no file matches"):
        warc_files(str(tmp_path / "*.arc"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArchiveError, match=r"holds no \.warc"):
        warc_files(tmp_path / "empty")
