"""Item pipelines with a real crawler: drop reasons and stats, normalisation, new/updated/unchanged, renames,
file-name collisions, stable codes, a failing disk and the run feed."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import json
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import exporters
from crawler.exporters import RunFeed, feed_line
from crawler.items import Article
from crawler.pipelines.normalize import NormalizePipeline
from crawler.pipelines.store import StorePipeline
from crawler.pipelines.validate import ValidatePipeline
from crawler.posts.code import make_code
from crawler.posts.frontmatter import parse_front_matter
from crawler.posts.summary import cut_at_word, fallback_description
from crawler.state import StateStore, state_path

PPP = "https://www.phnompenhpost.com"
URL = f"{PPP}/national/asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts"
TITLE = "ASEAN nations collaborate on AI governance: Cambodia leads regional efforts"
NOW = datetime(2024, 11, 2, 8, 30, 15, 987654, tzinfo=UTC)
ICT = timezone(timedelta(hours=7))




def raw(**changes) -> Article:
    """An article as extraction hands it over (raw fields, nothing normalised)."""
    values = {
        "url": URL, "origin_url": URL, "title": TITLE, "description": TITLE, "body": "The ASEAN member states.",
        "image": "https://pppenglish.sgp1.digitaloceanspaces.com/image/main/202410/18_10_2024_img_3946.jpg",
        "image_caption": "Caption. Vong Oun", "published": datetime(2024, 10, 18, 10, 58, 50, tzinfo=ICT),
        "language": "en", "site": "phnompenhpost",
    }
    values.update(changes)
    return Article(**values)


def make_crawler(tmp_path: Path, **settings):
    return get_crawler(settings_dict={"OUTPUT_DIR": str(tmp_path / "out"), **settings})


def stats(crawler) -> dict[str, int]:
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith(("articles/", "posts/"))}


# ---------------------------------------------------------------------- validate


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"page_type": "listing"}, "listing"),
        ({"page_type": "Paywall page!"}, "paywall_page"),
        ({"page_type": "empty_body"}, "empty_body"),
        ({"title": None}, "no_title"),
        ({"title": " \n\t"}, "no_title"),
        ({"body": ""}, "empty_body"),
        ({"body": "\n\n  \n"}, "empty_body"),
    ],
)
def test_validate_drops_with_a_reason_a_stat_and_one_info_line(tmp_path, caplog, changes, reason):
    crawler = make_crawler(tmp_path)
    pipeline = build_from_crawler(ValidatePipeline, crawler)
    caplog.set_level(logging.INFO, logger="crawler.pipelines.validate")
    with pytest.raises(DropItem) as info:
        pipeline.process_item(raw(**changes))
    assert str(info.value) == f"{reason}: {URL}"
    assert info.value.log_level == "DEBUG"  # Scrapy's own drop message (the whole item) stays out of INFO
    assert stats(crawler) == {f"articles/dropped/{reason}": 1}
    records = [r for r in caplog.records if r.name == "crawler.pipelines.validate"]
    assert [(r.levelno, r.getMessage()) for r in records] == [(logging.INFO, f"Dropped {URL}: {reason}")]


def test_validate_passes_articles_and_dict_items(tmp_path):
    crawler = make_crawler(tmp_path)
    pipeline = build_from_crawler(ValidatePipeline, crawler)
    item = raw()
    assert pipeline.process_item(item) is item
    assert pipeline.process_item({"url": URL, "title": "T", "body": "B"}) == {"url": URL, "title": "T", "body": "B"}
    assert stats(crawler) == {}


# ---------------------------------------------------------------------- normalize


def normalize(tmp_path: Path, item: Article, **settings) -> tuple[Article, object]:
    crawler = make_crawler(tmp_path, **settings)
    pipeline = build_from_crawler(NormalizePipeline, crawler)
    pipeline.now = lambda: NOW
    return pipeline.process_item(item), crawler


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, URL),
        ({"origin_url": URL + "?utm_source=fb&utm_medium=social&fbclid=x#top"}, URL),
        ({"origin_url": None, "url": URL + "?gclid=1"}, URL),
        # the profile owns it: onto the canonical origin (scheme and host)
        ({"origin_url": "http://phnompenhpost.com/national/x?page=2&utm_campaign=y"}, f"{PPP}/national/x?page=2"),
        ({"site": None, "origin_url": "https://example.org/World//Story/?ref_src=twsrc&id=7"},
         "https://example.org/World/Story/?id=7"),
    ],
)
def test_normalize_origin_url(tmp_path, changes, expected):
    item, _ = normalize(tmp_path, raw(**changes))
    assert item.origin_url == expected


@pytest.mark.parametrize(
    ("published", "site", "expected"),
    [
        (datetime(2024, 10, 18, 10, 58, 50, 123999, tzinfo=ICT), "phnompenhpost",
         datetime(2024, 10, 18, 3, 58, 50, 123000, tzinfo=UTC)),
        # naive: the site's time zone
        (datetime(2024, 10, 18, 10, 58, 50), "phnompenhpost", datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)),
        # naive on a generic page: UTC
        (datetime(2024, 10, 18, 10, 58, 50), None, datetime(2024, 10, 18, 10, 58, 50, tzinfo=UTC)),
        ("2024-10-18T10:58:50+07:00", "phnompenhpost", datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)),
    ],
)
def test_normalize_date(tmp_path, published, site, expected):
    url = URL if site else "https://example.org/news/story"
    item, crawler = normalize(tmp_path, raw(published=published, site=site, url=url, origin_url=url))
    assert item.date == expected and item.date.tzinfo == UTC
    assert item.date_estimated is False
    assert "articles/date_estimated" not in stats(crawler)


def test_normalize_missing_date_is_estimated_loudly(tmp_path, caplog):
    item, crawler = normalize(tmp_path, raw(published=None))
    assert item.date == NOW.replace(microsecond=987000)
    assert item.date_estimated is True
    assert stats(crawler) == {"articles/date_estimated": 1}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and URL in warnings[0].getMessage()


def test_a_missing_date_of_an_archived_page_is_its_capture_time(tmp_path):
    captured = datetime(2019, 5, 4, 3, 2, 1, 654321, tzinfo=UTC)
    item, crawler = normalize(tmp_path, raw(published=None, fetched=captured))
    assert item.date == captured.replace(microsecond=654000)  # not the time of the backfill (NOW)
    assert item.date_estimated is True
    assert stats(crawler) == {"articles/date_estimated": 1}


SECTION_PROFILE = """
name: Example Daily
origin: https://www.example-daily.test
timezone: Europe/Paris
code_prefix: EXD
language: fr
languages:
  - {path: ^/en/, language: en}
category:
  from: section
  map: {"Monde": "International"}
discovery:
  sitemaps: auto
"""


@pytest.mark.parametrize(
    ("url", "section", "site", "expected"),
    [
        (URL, "Politics", "phnompenhpost", "NATIONAL"),  # path_segment rule wins over the page's section
        (f"{PPP}/post-khmer/x", None, "phnompenhpost", "POST-KHMER"),
        (f"{PPP}/special-reports/x", None, "phnompenhpost", "SPECIAL-REPORTS"),
        (f"{PPP}/lonely-article", "Business", "phnompenhpost", "BUSINESS"),  # no section segment: the section
        (f"{PPP}/lonely-article", None, "phnompenhpost", None),
        (f"{PPP}/2024/10/18/rice-story/", "Business", "phnompenhpost", "BUSINESS"),  # a year is no section
        (f"{PPP}/2024/10/18/rice-story/", None, "phnompenhpost", None),
        ("https://example.org/2024/10/story", None, None, None),
        ("https://example.org/20241018/story", "World", None, "WORLD"),
        ("https://example.org/world/story", "  World   news ", None, "WORLD NEWS"),  # generic: section first
        ("https://example.org/world/story", None, None, "WORLD"),
        ("https://example.org/story", None, None, None),
        ("https://www.example-daily.test/a/b", "Monde", "exampledaily", "INTERNATIONAL"),  # section rule + map
        ("https://www.example-daily.test/sport/b", None, "exampledaily", "SPORT"),
    ],
)
def test_normalize_category(tmp_path, url, section, site, expected):
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "exampledaily.yaml").write_text(SECTION_PROFILE, encoding="utf-8")
    (sites / "phnompenhpost.yaml").write_text(
        (Path(__file__).parent.parent / "crawler" / "sites" / "phnompenhpost.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    item, _ = normalize(tmp_path, raw(url=url, origin_url=url, section=section, site=site), SITES_DIR=str(sites))
    assert item.category == expected


@pytest.mark.parametrize(
    ("url", "declared", "site", "expected"),
    [
        (URL, "en-US", "phnompenhpost", "en"),
        (URL, None, "phnompenhpost", "en"),  # the profile's default
        (f"{PPP}/post-khmer/x", "en", "phnompenhpost", "km"),  # the profile's URL rule wins
        ("https://example.org/a/b", "EN_gb", None, "en"),
        ("https://example.org/a/b", "km-KH", None, "km"),
        ("https://example.org/a/b", "english", None, None),
        ("https://example.org/a/b", None, None, None),
    ],
)
def test_normalize_language(tmp_path, url, declared, site, expected):
    item, _ = normalize(tmp_path, raw(url=url, origin_url=url, language=declared, site=site))
    assert item.language == expected


def test_normalize_infers_the_site_from_the_url(tmp_path):
    item, _ = normalize(tmp_path, raw(site=None, published=datetime(2024, 10, 18, 10, 58, 50)))
    assert item.site == "phnompenhpost"
    assert item.date == datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)


LONG_PARAGRAPH = ("Phnom Penh’s riverside promenade will close to traffic every weekend from November, the municipal "
                  "hall said on Monday, as officials try to make the capital’s busiest public space safer for "
                  "families, joggers and the street vendors who depend on evening crowds for their income.")


@pytest.mark.parametrize(
    ("description", "body", "expected"),
    [
        ("  Given\n description\u00a0 here ", "Body.", "Given description here"),
        (None, "![](https://x.org/a.jpg)\n\nCaption as *a* [link](https://x.org) \\#1.\n\nMore.",
         "Caption as a link #1."),
        ("", "## Heading\n\n**Bold subhead**\n\n- list item\n\n| a | b |\n\nFirst **real** paragraph.",
         "First real paragraph."),
        (None, LONG_PARAGRAPH, LONG_PARAGRAPH[:LONG_PARAGRAPH.rfind(" ", 0, 199)].rstrip(",") + "…"),
        (None, "![](https://x.org/a.jpg)", None),
    ],
)
def test_normalize_description(tmp_path, description, body, expected):
    item, _ = normalize(tmp_path, raw(description=description, body=body, title="  A\ttitle \n here "))
    assert item.description == expected
    assert item.title == "A title here"
    if expected and expected.endswith("…"):
        assert len(expected) <= 200 and LONG_PARAGRAPH.startswith(expected[:-1])


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 200, "short"),
        ("one two three four", 10, "one two…"),
        ("one two, three", 10, "one two…"),
        ("abcdefghijklmnop", 10, "abcdefghi…"),
        ("exactly ten", 11, "exactly ten"),
    ],
)
def test_cut_at_word(text, limit, expected):
    assert cut_at_word(text, limit) == expected
    assert len(cut_at_word(text, limit)) <= limit


def test_fallback_description_of_an_empty_body():
    assert fallback_description("") is None


# ---------------------------------------------------------------------- store


class FakeEngine:
    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.running = True

    async def close_spider_async(self, *, reason: str = "cancelled") -> None:
        self.reasons.append(reason)


class Run:
    """validate -> normalize -> store, with one crawler, as a crawl would run them."""

    def __init__(self, tmp_path: Path, **settings) -> None:
        self.output = tmp_path / "out"
        self.crawler = make_crawler(tmp_path, **settings)
        self.crawler.engine = FakeEngine()
        self.pipelines = [build_from_crawler(cls, self.crawler)
                          for cls in (ValidatePipeline, NormalizePipeline, StorePipeline)]
        self.pipelines[1].now = lambda: NOW
        self.store = self.pipelines[2]
        self.store.open_spider()

    def __call__(self, item: Article) -> Article:
        for pipeline in self.pipelines:
            item = pipeline.process_item(item)
        return item

    def close(self) -> None:
        self.store.close_spider()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def posts(self) -> list[str]:
        return sorted(p.relative_to(self.output).as_posix() for p in (self.output / "_posts").rglob("*")
                      if p.is_file())


SEED_FILE = "_posts/2024-10-18-asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts.md"


def test_new_then_unchanged_then_updated(tmp_path):
    with Run(tmp_path) as run:
        first = run(raw())
        assert (first.status, first.file) == ("new", SEED_FILE)
        assert first.code == make_code("ART", datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC), URL)
        path = run.output / SEED_FILE
        text = path.read_text(encoding="utf-8")
        assert first.content_hash == hashlib.sha256(text.encode()).hexdigest()
        meta = parse_front_matter(text)
        assert (meta["code"], meta["category"], meta["date"]) == (
            first.code, "NATIONAL", datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC))
        mtime = path.stat().st_mtime_ns

        again = run(raw())
        assert again.status == "unchanged" and again.code == first.code and again.file == SEED_FILE
        assert path.stat().st_mtime_ns == mtime and path.read_text(encoding="utf-8") == text

        changed = run(raw(body="The ASEAN member states, corrected."))
        assert changed.status == "updated" and changed.code == first.code and changed.file == SEED_FILE
        assert "corrected" in path.read_text(encoding="utf-8")
        assert run.posts() == [SEED_FILE]
        assert stats(run.crawler) == {"articles/new": 1, "articles/unchanged": 1, "articles/updated": 1}


def test_state_survives_runs_and_a_deleted_store(tmp_path):
    with Run(tmp_path) as run:
        code = run(raw()).code
    state_path(tmp_path / "out").unlink()
    with Run(tmp_path) as run:  # rebuilt from the post on disk
        item = run(raw())
        assert (item.status, item.code) == ("unchanged", code)


def test_a_deleted_post_file_is_written_again(tmp_path):
    with Run(tmp_path) as run:
        run(raw())
        (run.output / SEED_FILE).unlink()
        assert run(raw()).status == "updated"
        assert (run.output / SEED_FILE).is_file()


def test_title_change_renames_the_post_and_keeps_the_code(tmp_path):
    with Run(tmp_path) as run:
        first = run(raw())
        renamed = run(raw(title="ASEAN agrees AI governance guide"))
        assert renamed.status == "updated" and renamed.code == first.code
        assert renamed.file == "_posts/2024-10-18-asean-agrees-ai-governance-guide.md"
        assert run.posts() == [renamed.file]
        with StateStore.open(state_path(run.output)) as store:
            assert store.get(URL).file == renamed.file
            assert store.pending_renames() == []


def test_corrected_date_keeps_the_code_but_moves_the_file(tmp_path):
    with Run(tmp_path) as run:
        first = run(raw())
        moved = run(raw(published=datetime(2024, 10, 20, 9, 0, tzinfo=ICT)))
        assert moved.code == first.code
        assert moved.file == SEED_FILE.replace("2024-10-18", "2024-10-20")
        assert run.posts() == [moved.file]
        assert parse_front_matter((run.output / moved.file).read_text(encoding="utf-8"))["code"] == first.code


def test_an_estimated_date_reuses_the_stored_date(tmp_path):
    with Run(tmp_path) as run:
        first = run(raw())
        again = run(raw(published=None))
        assert again.status == "unchanged"
        assert again.date == first.date and again.date_estimated is False
    with Run(tmp_path) as run:
        url = f"{PPP}/politics/no-date-anywhere"
        estimated = run(raw(url=url, origin_url=url, published=None))
        assert estimated.date_estimated and estimated.date == NOW.replace(microsecond=987000)
        run.pipelines[1].now = lambda: NOW + timedelta(days=3)
        assert run(raw(url=url, origin_url=url, published=None)).status == "unchanged"


def test_two_articles_with_the_same_date_and_title_get_two_files(tmp_path):
    other = f"{PPP}/national/asean-nations-collaborate-on-ai-governance-cambodia-leads-regional-efforts-0"
    with Run(tmp_path) as run:
        a = run(raw())
        b = run(raw(url=other, origin_url=other))
        assert a.file == SEED_FILE
        assert b.file == SEED_FILE.replace(".md", "-2.md")
        assert a.code != b.code
        assert run.posts() == sorted([a.file, b.file])
        # stable on re-scrape, in either order
        assert run(raw(url=other, origin_url=other)).status == "unchanged"
        assert run(raw()).status == "unchanged"


def test_a_file_on_disk_from_another_article_is_not_overwritten(tmp_path):
    foreign = tmp_path / "out" / SEED_FILE
    foreign.parent.mkdir(parents=True)
    foreign.write_text('---\nlayout: post\norigin_url: "https://elsewhere.example/x"\n---\nhand-written', "utf-8")
    hand = tmp_path / "out" / SEED_FILE.replace(".md", "-2.md")
    hand.write_text("no front matter at all", encoding="utf-8")
    with Run(tmp_path) as run:
        item = run(raw())
        assert item.file == SEED_FILE.replace(".md", "-3.md")
    assert foreign.read_text(encoding="utf-8").endswith("hand-written")
    assert hand.read_text(encoding="utf-8") == "no front matter at all"


def test_a_code_collision_is_resolved_with_a_salt(tmp_path):
    date = datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)
    taken = make_code("ART", date, URL)
    with StateStore.open(state_path(tmp_path / "out")) as store:
        store.record("https://www.phnompenhpost.com/national/someone-else", code=taken,
                     file="_posts/2024-10-18-someone-else.md", content_hash="h", date=date)
    with Run(tmp_path) as run:
        item = run(raw())
        assert item.code == make_code("ART", date, URL, salt=1) != taken


def test_dict_items_get_the_store_fields(tmp_path):
    with Run(tmp_path) as run:
        item = {k: v for k, v in vars(raw()).items()}
        out = run(item)
        assert out is item and item["status"] == "new" and item["file"] == SEED_FILE and item["code"]


def test_unknown_optional_fields_setting_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"POST_OPTIONAL_FIELDS.*summary"):
        build_from_crawler(StorePipeline, make_crawler(tmp_path, POST_OPTIONAL_FIELDS=["author", "summary"]))


def test_optional_fields_setting_reaches_the_post(tmp_path):
    with Run(tmp_path, POST_OPTIONAL_FIELDS=["tags"]) as run:
        item = run(raw(authors=["Post Staff"], tags=["ASEAN", "AI"]))
        meta = parse_front_matter((run.output / item.file).read_text(encoding="utf-8"))
        assert meta["tags"] == ["ASEAN", "AI"] and "author" not in meta


# ---------------------------------------------------------------------- a disk that refuses writes


def _read_only(monkeypatch):
    def refuse(path, data):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(exporters, "write_atomic", refuse)


def test_a_read_only_output_folder_fails_the_run_loudly(tmp_path, caplog, monkeypatch):
    async def scenario() -> None:
        with Run(tmp_path) as run:
            first = run(raw())
            before = (run.output / SEED_FILE).read_bytes()
            _read_only(monkeypatch)
            with pytest.raises(DropItem, match="output_error") as info:
                run(raw(body="An update that cannot be written."))
            assert info.value.log_level == "DEBUG"
            url = f"{PPP}/national/another"
            with pytest.raises(DropItem, match="output_error"):
                run(raw(url=url, origin_url=url, title="Another"))  # no more writes after the first error
            await asyncio.sleep(0)
            assert run.crawler.engine.reasons == ["output_error"]
            assert (run.output / SEED_FILE).read_bytes() == before
            assert run.posts() == [SEED_FILE]
            post = run.output / SEED_FILE
            assert stats(run.crawler) == {"articles/new": 1, "posts/write_errors": 1}
            assert run.crawler.stats.get_value("run/error") == f"Cannot write post {post}: Read-only file system"
            with StateStore.open(state_path(run.output)) as store:
                assert store.get(URL).content_hash == first.content_hash
                assert not store.known(url)

    asyncio.run(scenario())
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [f"Cannot write post {tmp_path / 'out' / SEED_FILE}: Read-only file system"]


def test_a_failed_rename_keeps_the_old_post_and_record(tmp_path, monkeypatch):
    async def scenario() -> None:
        with Run(tmp_path) as run:
            first = run(raw())
            _read_only(monkeypatch)
            with pytest.raises(DropItem, match="output_error"):
                run(raw(title="A new title that cannot be written"))
            await asyncio.sleep(0)
            assert run.posts() == [SEED_FILE]
            with StateStore.open(state_path(run.output)) as store:
                record = store.get(URL)
                assert record.file == SEED_FILE and record.code == first.code
                assert store.pending_renames() == []

    asyncio.run(scenario())


def test_a_posts_folder_that_became_a_file_is_a_write_error_too(tmp_path):
    async def scenario() -> None:
        with Run(tmp_path) as run:
            posts = run.output / "_posts"
            posts.rmdir()
            posts.write_text("not a folder")  # a real OSError, no simulation
            with pytest.raises(DropItem, match="output_error"):
                run(raw())
            await asyncio.sleep(0)
            assert run.crawler.engine.reasons == ["output_error"]
            assert stats(run.crawler) == {"posts/write_errors": 1}
            assert posts.read_text() == "not a folder"

    asyncio.run(scenario())


def test_a_directory_in_the_way_is_treated_as_taken(tmp_path):
    (tmp_path / "out" / SEED_FILE).mkdir(parents=True)
    with Run(tmp_path) as run:
        assert run(raw()).file == SEED_FILE.replace(".md", "-2.md")


def test_copying_articles_between_runs_is_not_needed(tmp_path):
    """Items are processed as given: a fresh Article equal to the first gives the same post."""
    with Run(tmp_path) as run:
        a = run(raw())
        b = run(replace(raw()))
        assert (a.file, a.code, a.content_hash) == (b.file, b.code, b.content_hash)


def test_an_unreadable_stored_date_is_not_reused(tmp_path):
    with StateStore.open(state_path(tmp_path / "out")) as store:
        store.record(URL, code="ART2410180358AAAAAA", file=SEED_FILE, content_hash="h", date="18 Oct 2024")
    with Run(tmp_path) as run:
        item = run(raw(published=None))
        assert item.date_estimated and item.date == NOW.replace(microsecond=987000)
        assert (item.code, item.status) == ("ART2410180358AAAAAA", "updated")


# ---------------------------------------------------------------------- the run feed


def feed_entries(folder: Path) -> list[dict]:
    """Every line of every feed in the folder, in file-name order (each line must be whole JSON)."""
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_run_feed_lists_what_was_written_as_it_is_written(tmp_path):
    feeds = tmp_path / "out" / "_feeds"
    with Run(tmp_path) as run:
        first = run(raw())
        [feed] = feeds.glob("*.jsonl")
        assert re.fullmatch(r"default-\d{8}T\d{6}Z\.jsonl", feed.name)
        assert feed_entries(feeds) == [json.loads(feed_line(first))]  # on disk before the run ends
        run(raw())  # unchanged: not listed
        updated = run(raw(body="The ASEAN member states, corrected."))
        renamed = run(raw(title="ASEAN agrees AI governance guide"))
    entries = feed_entries(feeds)
    assert [(e["status"], e["file"], e["content_hash"]) for e in entries] == [
        ("new", SEED_FILE, first.content_hash), ("updated", SEED_FILE, updated.content_hash),
        ("updated", renamed.file, renamed.content_hash)]
    assert entries[2]["title"] == "ASEAN agrees AI governance guide" and entries[2]["code"] == first.code
    assert hashlib.sha256((run.output / renamed.file).read_bytes()).hexdigest() == renamed.content_hash


class Killed(BaseException):
    """Stands for a SIGKILL: nothing after it runs."""


@pytest.mark.parametrize("change", ["new", "text", "title"])
def test_each_feed_line_comes_after_its_post_and_before_its_content_hash(tmp_path, monkeypatch, change):
    """At the moment the line is written the post is in place and the store still calls it unfinished;
    a run killed right there leaves the article for the next run, which writes and lists it (a new
    article is still listed as new)."""
    changes = {"new": {}, "text": {"body": "Corrected."}, "title": {"title": "ASEAN agrees AI governance guide"}}
    with Run(tmp_path) as run:
        if change != "new":
            run(raw())
        seen = []

        def append(feed, item):
            path = run.output / item.file
            with StateStore.open(state_path(run.output)) as store:
                seen.append((hashlib.sha256(path.read_bytes()).hexdigest(), store.get(URL).content_hash))
            raise Killed

        monkeypatch.setattr(RunFeed, "append", append)
        with pytest.raises(Killed):
            run(raw(**changes[change]))
        monkeypatch.undo()
        item_hash = hashlib.sha256((run.output / run.posts()[0]).read_bytes()).hexdigest()
        assert seen == [(item_hash, None)] and len(run.posts()) == 1
    before = len(feed_entries(tmp_path / "out" / "_feeds"))
    with Run(tmp_path) as run:
        again = run(raw(**changes[change]))
        assert again.status == ("new" if change == "new" else "updated")
        assert again.content_hash == item_hash
    entries = feed_entries(tmp_path / "out" / "_feeds")
    assert len(entries) == before + 1 and entries[-1]["content_hash"] == item_hash
    with StateStore.open(state_path(tmp_path / "out")) as store:
        assert store.get(URL).content_hash == item_hash


def test_a_write_ahead_record_without_a_post_is_still_new(tmp_path):
    with StateStore.open(state_path(tmp_path / "out")) as store:  # a run killed before the file was written
        store.announce(URL, code="ART2410180358AAAAAA", file=SEED_FILE, date="2024-10-18T03:58:50.000Z")
    with Run(tmp_path) as run:
        item = run(raw())
        assert (item.status, item.code) == ("new", "ART2410180358AAAAAA")


def test_a_feed_the_disk_refuses_fails_the_run_and_the_next_run_lists_the_post(tmp_path, caplog):
    feeds = tmp_path / "out" / "_feeds"
    feeds.parent.mkdir()
    feeds.write_text("not a folder")

    async def scenario() -> None:
        with Run(tmp_path) as run:
            with pytest.raises(DropItem, match="output_error"):
                run(raw())
            await asyncio.sleep(0)
            assert run.crawler.engine.reasons == ["output_error"]
            assert stats(run.crawler) == {"posts/write_errors": 1}
            assert run.posts() == [SEED_FILE]
            with StateStore.open(state_path(run.output)) as store:
                assert store.get(URL).content_hash is None  # unfinished: fetched and listed again

    asyncio.run(scenario())
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and re.fullmatch(rf"Cannot write run feed {re.escape(str(feeds))}/default-\S+\.jsonl: .+",
                                             errors[0]), errors
    feeds.unlink()
    with Run(tmp_path) as run:
        assert run(raw()).status == "new"
    assert [e["file"] for e in feed_entries(feeds)] == [SEED_FILE]


def test_the_run_feed_can_move_or_be_turned_off(tmp_path):
    elsewhere = tmp_path / "feeds"
    with Run(tmp_path, POST_FEED_DIR=str(elsewhere)) as run:
        run(raw())
    assert [e["file"] for e in feed_entries(elsewhere)] == [SEED_FILE]
    with Run(tmp_path, POST_FEED_ENABLED=False) as run:
        assert run(raw(body="Corrected.")).status == "updated"
    assert not (tmp_path / "out" / "_feeds").exists() and len(feed_entries(elsewhere)) == 1
