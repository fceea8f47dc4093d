"""The benchmark's tuning/checking split (tests/bench/split.py) and trafilatura's snippet metric
(tests/bench/scoring.py), on hand-checked values."""

from __future__ import annotations

from collections import Counter

from tests.bench.extract import load_corpus
from tests.bench.scoring import SnippetCounts, score_snippets
from tests.bench.split import part_of, site_of


def test_a_site_is_its_host_without_www_or_the_page_id() -> None:
    assert site_of({"id": "a", "url": "https://www.Example.org/news/1"}) == "example.org"
    assert site_of({"id": "b", "url": "https://m.example.org/news/1"}) == "m.example.org"
    assert site_of({"id": "c1", "url": "hard::example.org-story.html"}) == "id:c1"
    assert site_of({"id": "d", "url": "http://[ccpa-preferences]/"}) == "id:d"


def test_every_page_of_a_site_falls_in_the_same_part() -> None:
    first = part_of({"id": "1", "url": "https://www.example.org/a"})
    assert all(part_of({"id": str(i), "url": f"https://example.org/story-{i}"}) == first for i in range(20))


def test_the_bundled_corpora_split_by_site_into_two_parts() -> None:
    """Pinned counts: a change of the split (salt, share) must be deliberate, as it changes which numbers
    are the checking part's."""
    for name, expected in (("aeb-dev", {"tuning": 26, "checking": 35}), ("fundus-dev", {"tuning": 52, "checking": 39})):
        pages = load_corpus(name)
        assert Counter(page.part for page in pages) == expected
        parts_of_site: dict[str, set[str]] = {}
        for page in pages:
            parts_of_site.setdefault(site_of(page.truth), set()).add(page.part)
        assert all(len(parts) == 1 for parts in parts_of_site.values())


def test_snippets_are_whitespace_collapsed_substrings_without_case_folding() -> None:
    text = "The ferry  sailed\nat dawn.\n\nRead more: Ferry timetable"
    counts = score_snippets(text, ["ferry sailed at dawn", "The ferry sailed\tat dawn.", "The Ferry sailed",
                                   "missing line"], ["Read more: Ferry", "Comments (3)"])
    assert counts == SnippetCounts(tp=2, fn=2, fp=1, tn=1)  # no case folding: "The Ferry" is missed
    assert (counts.precision, counts.recall) == (2 / 3, 0.5)
    assert counts.f1 == 2 * 2 / (2 * 2 + 1 + 2)
    assert score_snippets("", ["a"], ["b"]) == SnippetCounts(tp=0, fn=1, fp=0, tn=1)
    assert counts + counts == SnippetCounts(4, 4, 2, 2)
