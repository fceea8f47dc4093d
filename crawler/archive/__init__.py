"""Web archives (WARC, ISO 28500): what a run fetched, kept so posts can be rebuilt and backfilled offline.

- `writer`: rotating WARC files, one gzip member per record, flushed record by record (no Scrapy).
- `reader`: the response records of WARC files written by anyone, newest capture per URL (no Scrapy).
- `capture`: the downloader middleware that archives every article page a crawl fetches.

Our own files live in OUTPUT_DIR/.crawler/warc/. A response record's WARC-Target-URI is the site's
real URL, also when the page came from a mirror (`-a base_url=`): the URL actually fetched is kept
in the `WARC-Fetched-URI` field, so a rebuild files the post under the same URL as the crawl did.
"""

from __future__ import annotations

from pathlib import Path

WARC_SUBDIR = Path(".crawler") / "warc"
ARCHIVE_URL = "archive_url"
"""Request meta key: the real (site) URL an article request stands for. Requests carrying it are
the article pages the spiders extract; their 200 responses are archived under that URL."""
FETCHED_URI = "WARC-Fetched-URI"
"""WARC header of our response records: the URL the page was fetched from, when it is not the
WARC-Target-URI (a mirror)."""


def warc_dir(output_dir: str | Path) -> Path:
    """Where a run in `output_dir` writes its WARC files (and where `scrapy reprocess` reads them)."""
    return Path(output_dir) / WARC_SUBDIR
