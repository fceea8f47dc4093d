"""The README's examples are what the commands print and write on the bundled replica.

Only what changes from run to run is masked before comparing: the elapsed time, the time stamp in a
stats file's name, and the folder the test writes to (the README shows `output/`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPLICA, ROOT, SEED_SLUG, ScrapyRun, run_scrapy
from tests.crawl_helpers import archived, crawl, posts, summary_line
from tests.replay_server import ReplayServer

pytestmark = pytest.mark.e2e

README = (ROOT / "README.md").read_text(encoding="utf-8")


def block_after(marker: str) -> str:
    """The first fenced code block after `marker` in the README."""
    start = README.index(marker)
    match = re.search(r"```[a-z]*\n(.*?)\n```", README[start:], re.S)
    assert match, marker
    return match.group(1)


def masked(line: str, output: Path | None = None) -> str:
    """A summary line without what differs between runs."""
    line = re.sub(r"^.*? INFO: (?=Run summary)", "", line)
    if output is not None:
        line = line.replace(str(output), "output")
    line = re.sub(r", \d+\.\ds(?= \(stats: |, pictures: )", ", N.Ns", line)
    return re.sub(r"-\d{8}T\d{6}Z\.json\)$", "-STAMP.json)", line)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ScrapyRun, Path]]:
    """`make demo`'s crawl: a fresh replica into an empty output folder, pictures archived from its mirrors."""
    output = tmp_path_factory.mktemp("readme") / "output"
    with ReplayServer(REPLICA) as server:
        yield crawl("phnompenhpost", server, output, *archived(server)), output


def test_the_summary_line_example_is_what_a_first_run_prints(first_run: tuple[ScrapyRun, Path]) -> None:
    run, output = first_run
    assert run.returncode == 0, run.output[-3000:]
    example = block_after("ends with exactly one summary line on stderr")
    assert masked(summary_line(run), output) == masked(example)


def test_the_failed_summary_example_is_what_that_run_prints(tmp_path: Path) -> None:
    output = tmp_path / "output"
    with ReplayServer(REPLICA) as server:
        run = crawl("phnompenhpost", server, output, "-s", "DOWNLOAD_MAXSIZE=6000")
    assert run.returncode == 1
    example = block_after("for a run whose every article page was too large")
    assert masked(summary_line(run), output) == masked(example)


def test_the_example_post_is_what_a_run_writes(tmp_path: Path) -> None:
    """The README's post is shown with `-s ARCHIVE_IMAGES=0`, as the news site's picture URLs."""
    output = tmp_path / "output"
    with ReplayServer(REPLICA) as server:
        assert crawl("phnompenhpost", server, output).returncode == 0
    [post] = [post for url, post in posts(output).items() if url.endswith(SEED_SLUG)]
    written = post.text.splitlines()
    example = block_after("## A post").splitlines()
    for number, line in enumerate(example):
        if line.endswith("…"):  # the README cuts long lines
            assert written[number].startswith(line[:-1].rstrip()), (number, line)
        else:
            assert written[number] == line, (number, line)


def test_the_checksites_example_is_the_default_output() -> None:
    with ReplayServer(REPLICA) as server:
        run = run_scrapy("checksites", "--base-url", server.base_url)
    assert run.returncode == 0, run.output[-3000:]
    lines = run.stdout.strip().splitlines()
    assert lines[0] == block_after("This is `scrapy checksites --base-url …` on the bundled replica")
    for line in block_after("Under each site's line it shows what the profile decided").splitlines():
        prefix = line[:-1].rstrip() if line.endswith("…") else line
        assert any(printed.startswith(prefix) for printed in lines[1:]), line
