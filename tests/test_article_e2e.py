"""End to end: `scrapy crawl article -a urls=FILE` re-scrapes against the replica, posts checked on disk.

One crawl of a URL file covering every special case (seed, old path that redirects, 404, 503 then
200, windows-1252, Khmer, Liquid and scripts, comments, blank and refused lines) serves most tests.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import (
    EXPECTED,
    ORIGIN,
    REPLICA,
    SEED_SLUG,
    ScrapyRun,
    expected_articles,
    missing_in_order,
    reader_text,
)
from tests.crawl_helpers import DEAD_PATH, OLD_PATH, Post, crawl, last_stats, posts, snapshot, summary_line
from tests.replay_server import ReplayServer

pytestmark = pytest.mark.e2e

CASES = {a["slug"]: a for a in expected_articles()}
SEED = CASES[SEED_SLUG]
SHUTTLE = CASES["free-shuttle-bus-links-siem-reap-town-with-new-airport"]
MEKONG = CASES["mekong-countries-to-hold-joint-flood-warning-drill-next-month"]
CAFE = CASES["phnom-penh-cafe-owners-brace-for-rising-coffee-bean-prices"]
KHMER = CASES["kampot-pepper-farmers-expect-bigger-harvest-next-season"]
CODERS = CASES["young-coders-learn-to-build-websites-at-free-weekend-bootcamp"]
WRITTEN = [SEED, SHUTTLE, MEKONG, CAFE, KHMER, CODERS]

URLS_FILE = f"""\
# one-off re-scrape of the special cases

{SEED["origin_url"]}
{ORIGIN}{OLD_PATH}   # old path: 301 to the shuttle bus article
{ORIGIN}{DEAD_PATH}
{MEKONG["origin_url"]}?utm_source=newsletter&utm_medium=email
file:///etc/passwd
ftp://www.phnompenhpost.com/national/
{CAFE["origin_url"]}

   {KHMER["origin_url"]}
just some words
{CODERS["origin_url"]}
"""
REFUSED = {7: "file:///etc/passwd", 8: "ftp://www.phnompenhpost.com/national/", 12: "just some words"}


@dataclass
class Batch:
    server: ReplayServer
    output: Path
    run: ScrapyRun
    posts: dict[str, Post]


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Iterator[Batch]:
    folder = tmp_path_factory.mktemp("article_batch")
    urls = folder / "urls.txt"
    urls.write_text(URLS_FILE, encoding="utf-8")
    with ReplayServer(REPLICA) as server:
        run = crawl("article", server, folder / "out", "-a", f"urls={urls}")
        yield Batch(server, folder / "out", run, posts(folder / "out"))


def body_of(post: Post) -> str:
    return post.text.split("\n---\n", 1)[1]


def test_the_run_is_healthy_and_counts_what_happened(batch):
    assert batch.run.returncode == 0, batch.run.output[-4000:]
    stats = last_stats(batch.output)
    assert stats["healthy"] and stats["spider"] == "article"
    counters = stats["stats"]
    assert counters["urls/given"] == 7 and counters["urls/refused"] == len(REFUSED)
    assert counters["pages/dead"] == 1 and counters["pages/redirected"] == 1
    assert counters["articles/new"] == len(WRITTEN)
    assert "6 new" in summary_line(batch.run) and "3 URL lines refused" in summary_line(batch.run)


def test_refused_lines_are_named_in_warnings(batch):
    warnings = [line for line in batch.run.output.splitlines() if " WARNING: Refused line" in line]
    assert len(warnings) == len(REFUSED)
    for number, text in REFUSED.items():
        assert any(f"line {number} " in w and text in w for w in warnings), (number, warnings)


def test_each_url_gives_one_post_at_its_canonical_url(batch):
    assert set(batch.posts) == {case["origin_url"] for case in WRITTEN}


def test_seed_post_equals_the_golden_post(batch):
    golden = (EXPECTED / f"{SEED_SLUG}.md").read_text(encoding="utf-8").split("\n")
    written = batch.posts[SEED["origin_url"]].text.split("\n")
    code = re.compile(r"ART2410180358[A-Z0-9]{6}")
    assert code.search(batch.posts[SEED["origin_url"]].meta["code"])
    assert len(written) == len(golden)
    for number, (ours, theirs) in enumerate(zip(written, golden, strict=True), start=1):
        assert code.sub("ART2410180358XXXXXX", ours).rstrip() == code.sub("ART2410180358XXXXXX", theirs).rstrip(), (
            f"line {number}"
        )


def test_an_old_path_redirects_to_one_post_at_the_canonical_url(batch):
    post = batch.posts[SHUTTLE["origin_url"]]
    assert post.meta["title"] == SHUTTLE["title"]
    new_path = SHUTTLE["origin_url"].removeprefix(ORIGIN)
    assert batch.server.hits[OLD_PATH] == 1 and batch.server.hits[new_path] == 1


def test_a_404_is_counted_not_written(batch):
    assert batch.server.hits[DEAD_PATH] == 1
    assert not [url for url in batch.posts if "ministry-clarifies" in url]


def test_503_then_200_is_retried_and_written(batch):
    path = MEKONG["origin_url"].removeprefix(ORIGIN)
    assert sum(n for key, n in batch.server.hits.items() if key.split("?", 1)[0] == path) == 2
    assert batch.posts[MEKONG["origin_url"]].meta["title"] == MEKONG["title"]  # no tracking parameters


def test_windows_1252_page_keeps_its_curly_quotes(batch):
    post = batch.posts[CAFE["origin_url"]]
    assert post.meta["title"] == CAFE["title"] == "Phnom Penh café owners brace for rising coffee bean prices"
    body = body_of(post)
    assert "’" in body and "“" in body and "…" in body and "—" in body and "crème brûlée" in body
    assert "\ufffd" not in post.text and "â€" not in post.text


def test_khmer_article(batch):
    post = batch.posts[KHMER["origin_url"]]
    assert post.meta["language"] == "km" and post.meta["category"] == "POST-KHMER"
    assert post.meta["title"] == KHMER["title"]
    assert post.path.name == f"{KHMER['local_date']}-kampot-pepper-farmers-expect-bigger-harvest-next-season.md"


def test_liquid_and_script_page(batch):
    post = batch.posts[CODERS["origin_url"]]
    assert post.meta.get("render_with_liquid") is False
    body = body_of(post)
    assert "{{ site.title }}" in body and "{% include x.html %}" in body
    for fragment in CODERS["body_must_not_contain"]:
        assert fragment not in body, fragment
    for embed in CODERS["embeds"]:
        assert re.search(r"\]\([^)]*" + re.escape(embed["id"]) + r"[^)]*\)|https?://\S*" + embed["id"], body)


@pytest.mark.parametrize("case", WRITTEN, ids=[case["slug"][:40] for case in WRITTEN])
def test_post_matches_the_expected_values(batch, case):
    post = batch.posts[case["origin_url"]]
    meta = post.meta
    for key in ("title", "description", "category", "language"):
        assert meta[key] == case[key], key
    assert meta["date"] == datetime.fromisoformat(case["date"])
    assert meta.get("image") == case["image"]
    assert meta.get("author") == case["author"]
    body = body_of(post)
    assert re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", body) == case["images_in_order"]
    text = reader_text(body)
    assert missing_in_order(text, case["must_contain_in_order"]) == [], f"{case['slug']}: missing or out of order"
    for chrome in case["must_not_contain"]:
        assert chrome not in text, f"{case['slug']}: page chrome in the post: {chrome!r}"


def test_a_rescrape_always_fetches_and_updates_in_place(batch, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch.output, out)
    before = snapshot(out)
    seed_file = batch.posts[SEED["origin_url"]].path.name
    with ReplayServer(REPLICA) as server:
        same = crawl("article", server, out, "-a", f"url={SEED['origin_url']}")
        assert same.returncode == 0, same.output[-3000:]
        assert server.hits[SEED["origin_url"].removeprefix(ORIGIN)] == 1  # known, fetched anyway
        assert snapshot(out) == before  # unchanged page: the file is not even rewritten
        assert "0 new, 0 updated, 1 unchanged" in summary_line(same)

        page = (REPLICA / "pages" / "articles" / "national" / f"{SEED_SLUG}.html").read_text(encoding="utf-8")
        edited = tmp_path / "seed.html"
        edited.write_text(page.replace("The ASEAN member states", "All ten ASEAN member states"), encoding="utf-8")
        server.replace_file(SEED["origin_url"].removeprefix(ORIGIN), str(edited))
        changed = crawl("article", server, out, "-a", f"url={SEED['origin_url']}")
        assert changed.returncode == 0, changed.output[-3000:]
    after = snapshot(out)
    assert set(after) == set(before)
    assert [name for name in after if after[name] != before[name]] == [seed_file]
    assert "All ten ASEAN member states" in (out / "_posts" / seed_file).read_text(encoding="utf-8")
    assert posts(out)[SEED["origin_url"]].meta["code"] == batch.posts[SEED["origin_url"]].meta["code"]
    assert "0 new, 1 updated, 0 unchanged" in summary_line(changed)
