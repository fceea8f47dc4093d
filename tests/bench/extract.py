"""Extraction benchmark: the project's extraction vs trafilatura on the bundled corpora.

Run `python -m tests.bench.extract` (or `make bench-extract`). Options: `--corpus NAME` (repeatable),
`--part all|tuning|checking` (repeatable; default all three), `--json FILE` (write the numbers), `--pages`
(per-page body scores), `--no-baseline` (skip trafilatura), `--generic` (score
crawler.extract.generic.find_main_content directly instead of extract_article), `--corpus-dir DIR` (where
corpora not bundled under tests/fixtures/corpus live; default `$NEWS_CORPUS_DIR`, else `../shared/corpus`
next to the project).

Corpora: aeb-dev and fundus-dev are bundled (tests/fixtures/corpus); trafeval-dev (trafilatura's own
benchmark, snippet metric) is read from the corpus folder when it is there and left out with a note when
it is not. Every corpus is reported whole and in its two parts split by site (tests/bench/split.py): the
tuning part, which rules are developed on, and the checking part, which says how they hold on sites they
were not tuned for.

The project row runs `crawler.extract.extract_article(html_bytes, url)` with no site profile (the
spiders' code path). Its body is scored twice:
- "as posted (with captions)": the post body as written (lead caption, then the Markdown body, every
  inline image caption included, as the post format requires), as plain text;
- "article text (captions excluded, the corpora's convention)": `extract_article(..., captions=False)`,
  the same code path with image captions left out by the converter, as the corpora's truth has it.
Only the first call is timed. On trafeval-dev the project's text is the article text (captions excluded),
and the count of pages with no text is reported next to the snippet scores. Baselines, on the same pages
in the same run: `trafilatura` is plain `trafilatura.extract(html)`; `trafilatura-nc` is the same without
comments (`include_comments=False`); their one output is scored in both columns.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.bench.scoring import (
    BodySummary,
    PageBody,
    SnippetCounts,
    authors_found,
    image_matches,
    markdown_to_text,
    same_day,
    score_body,
    score_snippets,
    summarize_body,
    title_matches,
)
from tests.bench.split import PARTS, part_of

CORPUS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
CORPORA = ("aeb-dev", "fundus-dev")
"""The bundled corpora (tests/test_corpus_quality.py holds floors for them)."""
SNIPPET_CORPORA = ("trafeval-dev",)
"""Corpora scored with trafilatura's snippet metric, read from the corpus folder when present."""
ALL_CORPORA = CORPORA + SNIPPET_CORPORA
SHARED_CORPUS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@dataclass
class Page:
    """One corpus page: its truth record and its raw bytes."""

    truth: dict[str, Any]
    html: bytes

    @property
    def id(self) -> str:
        return str(self.truth["id"])

    @property
    def url(self) -> str:
        """The page's URL; a page whose origin is unknown (`hard::NAME`) gets a local address, as if it
        were served from a replica."""
        url = str(self.truth["url"])
        return url if "://" in url else f"http://127.0.0.1:8765/{self.id}.html"

    @property
    def part(self) -> str:
        return part_of(self.truth)


def corpus_folder(name: str, corpus_dir: Path | None = None) -> Path | None:
    """Where a corpus lives: bundled under tests/fixtures/corpus, else in `corpus_dir`, `$NEWS_CORPUS_DIR`
    or ../shared/corpus; None when none of them holds it."""
    bases = [CORPUS_DIR, corpus_dir, Path(os.environ["NEWS_CORPUS_DIR"]) if os.environ.get("NEWS_CORPUS_DIR")
             else None, SHARED_CORPUS_DIR]
    for base in bases:
        if base is not None and ((base / name / "truth.jsonl.gz").is_file() or (base / name / "truth.jsonl").is_file()):
            return base / name
    return None


def _read(path: Path) -> bytes:
    packed = path.with_name(path.name + ".gz")
    return gzip.decompress(packed.read_bytes()) if packed.is_file() else path.read_bytes()


def load_corpus(name: str, corpus_dir: Path | None = None) -> list[Page]:
    """Every page of a corpus with its truth (gzip-compressed or plain files)."""
    folder = corpus_folder(name, corpus_dir)
    if folder is None:
        raise FileNotFoundError(f"corpus {name} not found (bundled, --corpus-dir, $NEWS_CORPUS_DIR, "
                                f"{SHARED_CORPUS_DIR})")
    text = _read(folder / "truth.jsonl").decode("utf-8")
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [Page(r, _read(folder / "pages" / f"{r['id']}.html")) for r in records]


@dataclass
class Prediction:
    """What an extractor produced for one page (plain-text body plus metadata)."""

    body: str = ""
    """The body as posted (with captions), plain text."""
    body_without_captions: str | None = None
    """The article text without image captions (None: same as body)."""
    seconds: float | None = None
    """Time the extraction took, when the extractor measures it itself (else the whole call is timed)."""
    title: str | None = None
    date: Any = None
    authors: list[str] = field(default_factory=list)
    image: str | None = None


@dataclass
class Report:
    """Scores of one extractor on one corpus."""

    extractor: str
    corpus: str
    part: str
    """`all`, `tuning` or `checking` (tests/bench/split.py)."""
    body: BodySummary
    body_without_captions: BodySummary
    title: float | None
    date: float | None
    authors: float | None
    image_present: float | None
    image_url: float | None
    ms_per_page: float
    per_page: dict[str, dict[str, Any]]
    empty: int = 0
    """Pages for which the extractor gave no text."""
    snippets: SnippetCounts | None = None
    """Pooled snippet counts (snippet corpora only)."""

    def row(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("per_page")
        if self.snippets is not None:
            data["snippets"].update(precision=self.snippets.precision, recall=self.snippets.recall,
                                    f1=self.snippets.f1)
        return data


def project_extractor() -> Callable[[Page], Prediction]:
    """crawler.extract.extract_article (the spiders' code path, no profile), body as plain text.

    What a process loads once (the language detector's model, the fallback library) is loaded here,
    untimed, as trafilatura's own imports are."""
    from crawler.extract import extract_article, warm_up

    warm_up()

    def run(page: Page) -> Prediction:
        start = time.perf_counter()
        article = extract_article(page.html, page.url)
        seconds = time.perf_counter() - start
        body = markdown_to_text(article.body or "")
        if article.image_caption:
            body = f"{markdown_to_text(article.image_caption)}\n\n{body}"
        text = extract_article(page.html, page.url, captions=False)
        return Prediction(body, markdown_to_text(text.body or ""), seconds, article.title, article.published,
                          list(article.authors), article.image)

    return run


def generic_extractor() -> Callable[[Page], Prediction]:
    """crawler.extract.generic.find_main_content alone, the element's text (no metadata)."""
    from crawler.extract.document import parse_document
    from crawler.extract.generic import find_main_content

    def run(page: Page) -> Prediction:
        element = find_main_content(parse_document(page.html, page.url))
        return Prediction(element_text(element) if element is not None else "")

    return run


_BLOCKS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "table",
                     "figure", "figcaption", "section", "article", "ul", "ol", "dl", "dt", "dd", "br", "header"})


def element_text(element: Any) -> str:
    """Text of an element with blank lines between blocks (a stand-in for the Markdown conversion)."""
    parts: list[str] = []
    for event, el in _iterwalk(element):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCKS:
                parts.append("\n\n")
            if el.text and isinstance(el.tag, str):
                parts.append(el.text)
        else:
            if tag in _BLOCKS:
                parts.append("\n\n")
            if el.tail and el is not element:
                parts.append(el.tail)
    return "\n\n".join(" ".join(b.split()) for b in "".join(parts).split("\n\n") if b.strip())


def _iterwalk(element: Any) -> Iterator[tuple[str, Any]]:
    import lxml.etree

    yield from lxml.etree.iterwalk(element, events=("start", "end"))


def trafilatura_extractor(*, comments: bool = True) -> Callable[[Page], Prediction]:
    """trafilatura.extract(html) (timed; plain, or without comments), plus extract_metadata for the
    other fields (not timed)."""
    import trafilatura
    from trafilatura.metadata import extract_metadata

    def run(page: Page) -> Prediction:
        html = page.html.decode("utf-8", errors="replace")
        return Prediction(trafilatura.extract(html, include_comments=comments) or "")

    def metadata(page: Page, prediction: Prediction) -> None:
        meta = extract_metadata(page.html.decode("utf-8", errors="replace"), default_url=page.url)
        if meta is None:
            return
        prediction.title = meta.title
        prediction.date = meta.date
        prediction.authors = [a.strip() for a in (meta.author or "").split(";") if a.strip()]
        prediction.image = meta.image

    run.metadata = metadata  # type: ignore[attr-defined]
    return run


def predict(extractors: dict[str, Callable[[Page], Prediction]], pages: Sequence[Page]
            ) -> dict[str, tuple[list[Prediction], float]]:
    """Run every extractor on every page, page by page (so machine load hits all of them alike),
    timing only the extraction calls, after one untimed warm-up call each on the first page. Returns
    predictions and total seconds per extractor."""
    results: dict[str, tuple[list[Prediction], float]] = {name: ([], 0.0) for name in extractors}
    # Warm-up, untimed: what a process loads once (a model, a date parser's locale data) is no cost per page.
    for extractor in extractors.values() if pages else ():
        try:
            extractor(pages[0])
        except Exception:
            logging.getLogger(__name__).debug("warm-up failed", exc_info=True)
    for page in pages:
        for name, extractor in extractors.items():
            start = time.perf_counter()
            try:
                prediction = extractor(page)
            except Exception:
                logging.getLogger(__name__).exception("%s failed on %s", name, page.id)
                prediction = Prediction()
            seconds = time.perf_counter() - start if prediction.seconds is None else prediction.seconds
            prediction.seconds = seconds
            predictions, elapsed = results[name]
            predictions.append(prediction)
            results[name] = (predictions, elapsed + seconds)
    return results


def true_authors_of(truth: dict[str, Any]) -> list[str]:
    """The truth's author names: fundus's `authors` list, or trafeval's `author` (a name or a list)."""
    value = truth.get("authors") or truth.get("author")
    if isinstance(value, str):
        value = [value]
    return [name.strip() for name in value or [] if isinstance(name, str) and name.strip()]


def add_metadata(extractor: Callable[[Page], Prediction], pages: Sequence[Page],
                 predictions: Sequence[Prediction]) -> None:
    """Fill in the metadata of extractors that find it in a second, untimed step (trafilatura)."""
    metadata = getattr(extractor, "metadata", None)
    if metadata is not None:
        for page, prediction in zip(pages, predictions, strict=True):
            metadata(page, prediction)


def evaluate(name: str, corpus: str, pages: Sequence[Page], extractor: Callable[[Page], Prediction],
             predicted: tuple[list[Prediction], float] | None = None, *, part: str = "all",
             with_metadata: bool = True) -> Report:
    """Score an extractor's predictions on the pages (running it first unless `predicted` is given)."""
    predictions, elapsed = predicted if predicted is not None else predict({name: extractor}, pages)[name]
    if with_metadata:
        add_metadata(extractor, pages, predictions)
    bodies: list[PageBody] = []
    bare_bodies: list[PageBody] = []
    per_page: dict[str, dict[str, Any]] = {}
    titles, dates, images, image_urls = [], [], [], []
    true_authors = found_authors = empty = 0
    snippets: SnippetCounts | None = None
    for page, prediction in zip(pages, predictions, strict=True):
        truth = page.truth
        bare = prediction.body if prediction.body_without_captions is None else prediction.body_without_captions
        empty += not bare.strip()
        if "with" in truth:
            snippets = (snippets or SnippetCounts()) + score_snippets(bare, truth["with"], truth.get("without") or [])
        scores = score_body(prediction.body, truth.get("body") or "")
        bodies.append(scores)
        bare_bodies.append(score_body(bare, truth.get("body") or ""))
        per_page[page.id] = {"precision": scores.precision, "recall": scores.recall,
                             "text_precision": bare_bodies[-1].precision, "text_recall": bare_bodies[-1].recall}
        if truth.get("title"):
            titles.append(title_matches(prediction.title, truth["title"]))
        if truth.get("date"):
            dates.append(same_day(prediction.date, truth["date"]))
        names = true_authors_of(truth)
        if names:
            true_authors += len(names)
            found_authors += authors_found(prediction.authors, names)
        if truth.get("image"):
            images.append(bool(prediction.image))
            image_urls.append(image_matches(prediction.image, truth["image"]))

    def share(values: list[bool]) -> float | None:
        return sum(values) / len(values) if values else None

    return Report(name, corpus, part, summarize_body(bodies), summarize_body(bare_bodies), share(titles),
                  share(dates), found_authors / true_authors if true_authors else None, share(images),
                  share(image_urls), 1000 * elapsed / max(len(pages), 1), per_page, empty, snippets)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


_LEGEND = ("posted: the body as posted (with captions); text: the article text (captions excluded, the "
           "corpora's convention); P/R: precision/recall; exact: pages whose article text equals the truth token "
           "for token")


def print_table(reports: Sequence[Report], out: Any = sys.stdout) -> None:
    print(_LEGEND, file=out)
    for corpus, part in dict.fromkeys((r.corpus, r.part) for r in reports):
        rows = [r for r in reports if r.corpus == corpus and r.part == part]
        print(f"\n{corpus}, {_PART_NAMES.get(part, part)} ({rows[0].body.pages} pages)", file=out)
        if rows[0].snippets is not None:
            columns: tuple[str, ...] = ("extractor", "snip F1", "snip P", "snip R", "empty", "title", "day",
                                        "authors", "ms/page")
        else:
            columns = ("extractor", "posted F1", "posted P", "posted R", "text F1", "text P", "text R", "exact",
                       "empty", "title", "day", "authors", "img", "img url", "ms/page")
        print(f"{columns[0]:>14}  " + "  ".join(f"{c:>9}" for c in columns[1:]), file=out)
        for r in rows:
            text = r.body_without_captions
            if r.snippets is not None:
                cells: tuple[str, ...] = (_fmt(r.snippets.f1), _fmt(r.snippets.precision), _fmt(r.snippets.recall),
                                          str(r.empty), _fmt(r.title), _fmt(r.date), _fmt(r.authors),
                                          _fmt(r.ms_per_page, 1))
            else:
                cells = (_fmt(r.body.f1), _fmt(r.body.precision), _fmt(r.body.recall), _fmt(text.f1),
                         _fmt(text.precision), _fmt(text.recall), _fmt(text.accuracy), str(r.empty), _fmt(r.title),
                         _fmt(r.date), _fmt(r.authors), _fmt(r.image_present), _fmt(r.image_url),
                         _fmt(r.ms_per_page, 1))
            print(f"{r.extractor:>14}  " + "  ".join(f"{c:>9}" for c in cells), file=out)


_PART_NAMES = {"all": "all pages", "tuning": "tuning part", "checking": "checking part (sites not tuned on)"}


def print_pages(reports: Sequence[Report], out: Any = sys.stdout) -> None:
    """Per-page article-text precision/recall (captions excluded) of the first extractor next to the
    others (worst F1 first)."""
    for corpus in dict.fromkeys(r.corpus for r in reports):
        rows = [r for r in reports if r.corpus == corpus]
        first = rows[0]

        def f1(scores: dict[str, Any]) -> float:
            p, r = scores["text_precision"] or 0.0, scores["text_recall"] or 0.0
            return 2 * p * r / (p + r) if p + r else 0.0

        print(f"\n{corpus}: per page ({' vs '.join(r.extractor for r in rows)})", file=out)
        for page_id in sorted(first.per_page, key=lambda k: f1(first.per_page[k])):
            cells = [f"{_fmt(r.per_page[page_id]['text_precision'], 2)}/{_fmt(r.per_page[page_id]['text_recall'], 2)}"
                     for r in rows]
            print(f"  {page_id[:40]:40} " + "   ".join(cells), file=out)


def run(corpora: Sequence[str], *, baseline: bool = True, generic: bool = False,
        parts: Sequence[str] = ("all", *PARTS), corpus_dir: Path | None = None) -> list[Report]:
    """Score every extractor on every corpus, whole and in its tuning and checking parts."""
    reports = []
    extractors = {"generic" if generic else "project": generic_extractor() if generic else project_extractor()}
    if baseline:
        extractors["trafilatura"] = trafilatura_extractor()
        extractors["trafilatura-nc"] = trafilatura_extractor(comments=False)
    for corpus in corpora:
        if corpus_folder(corpus, corpus_dir) is None:
            print(f"note: corpus {corpus} not found (--corpus-dir, $NEWS_CORPUS_DIR or {SHARED_CORPUS_DIR}); "
                  "left out", file=sys.stderr)
            continue
        pages = load_corpus(corpus, corpus_dir)
        if "all" not in parts:
            pages = [page for page in pages if page.part in parts]
        results = predict(extractors, pages)
        for name, extractor in extractors.items():
            predictions = results[name][0]
            add_metadata(extractor, pages, predictions)
            for part in parts:
                chosen = [i for i, page in enumerate(pages) if part in ("all", page.part)]
                subset = [predictions[i] for i in chosen]
                seconds = sum(p.seconds or 0.0 for p in subset)
                reports.append(evaluate(name, corpus, [pages[i] for i in chosen], extractor, (subset, seconds),
                                        part=part, with_metadata=False))
    return reports


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.extract", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", choices=ALL_CORPORA, help="corpus to score (default: all)")
    parser.add_argument("--part", action="append", choices=("all", *PARTS),
                        help="which pages: all, the tuning part or the checking part (default: the three)")
    parser.add_argument("--corpus-dir", type=Path, help="folder holding corpora that are not bundled")
    parser.add_argument("--json", type=Path, help="write the numbers to this file")
    parser.add_argument("--pages", action="store_true", help="print per-page body precision/recall")
    parser.add_argument("--no-baseline", action="store_true", help="do not run trafilatura")
    parser.add_argument("--generic", action="store_true", help="score find_main_content instead of extract_article")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    reports = run(args.corpus or ALL_CORPORA, baseline=not args.no_baseline, generic=args.generic,
                  parts=args.part or ("all", *PARTS), corpus_dir=args.corpus_dir)
    print_table(reports)
    if args.pages:
        print_pages([r for r in reports if r.part == "all"] or reports)
    if args.json:
        args.json.write_text(json.dumps([r.row() for r in reports], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
