"""Scoring of extracted fields against the corpus truth, exactly as tests/fixtures/corpus/README.md defines it."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_TOKEN_RE = re.compile(r"\w+")
SHINGLE = 4


def tokens(text: str) -> list[str]:
    """Word tokens (`\\w+`, case-sensitive, punctuation ignored)."""
    return _TOKEN_RE.findall(text or "")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Runs of 4 consecutive tokens, with multiplicity; a shorter non-empty text is one shingle."""
    toks = tokens(text)
    if not toks:
        return Counter()
    if len(toks) < SHINGLE:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i:i + SHINGLE]) for i in range(len(toks) - SHINGLE + 1))


@dataclass(frozen=True)
class PageBody:
    """Body scores of one page; precision is None when nothing was predicted."""

    precision: float | None
    recall: float | None
    exact: bool


def score_body(predicted: str, truth: str) -> PageBody:
    """Shingle precision and recall of one page, and whether the token sequences are equal."""
    pred, true = shingles(predicted), shingles(truth)
    shared = sum((pred & true).values())
    precision = shared / sum(pred.values()) if pred else None
    recall = shared / sum(true.values()) if true else None
    return PageBody(precision, recall, tokens(predicted) == tokens(truth))


@dataclass(frozen=True)
class BodySummary:
    """Corpus-level body scores: averages of per-page precision/recall and F1 of those averages."""

    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int


def summarize_body(pages: Sequence[PageBody]) -> BodySummary:
    precisions = [p.precision for p in pages if p.precision is not None]
    recalls = [p.recall if p.recall is not None else 0.0 for p in pages if p.recall is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(p.exact for p in pages) / len(pages) if pages else 0.0
    return BodySummary(precision, recall, f1, accuracy, len(pages))


_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
})


def normalize_title(title: str | None) -> str:
    """NFKC, no invisible format characters, typographic quotes folded, whitespace collapsed."""
    if not title:
        return ""
    text = unicodedata.normalize("NFKC", title)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.translate(_QUOTES).split())


def title_matches(predicted: str | None, truth: str) -> bool:
    return bool(predicted) and normalize_title(predicted) == normalize_title(truth)


def _parse_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        try:
            return datetime.fromisoformat(text[:10])
        except ValueError:
            return None


def same_day(predicted: Any, truth: str) -> bool:
    """Same calendar day: as written, or in UTC when both carry a zone."""
    pred, true = _parse_datetime(predicted), _parse_datetime(truth)
    if pred is None or true is None:
        return False
    if pred.tzinfo is not None and true.tzinfo is not None:
        return pred.astimezone(UTC).date() == true.astimezone(UTC).date()
    return pred.date() == true.date()


def _fold_name(name: str) -> str:
    return " ".join(tokens(unicodedata.normalize("NFKC", name).casefold()))


def authors_found(predicted: Iterable[str], truth: Sequence[str]) -> int:
    """How many true authors were found: case and punctuation ignored; a name inside one predicted
    string (e.g. "By A and B") also counts."""
    folded = [_fold_name(p) for p in predicted if p]
    found = 0
    for name in truth:
        target = _fold_name(name)
        if target and any(p == target or f" {target} " in f" {p} " for p in folded):
            found += 1
    return found


def image_matches(predicted: str | None, truth: dict[str, Any]) -> bool:
    """The predicted URL equals the true image URL or one of its listed sizes."""
    if not predicted:
        return False
    urls = {truth.get("url")} | set(truth.get("alternatives") or [])
    return predicted in urls


_IMAGE_LINE_RE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*$", re.M)
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)")
_URL_TEXT_RE = re.compile(r"^\s*(?:https?://|www\.)\S*\s*$")
_AUTOLINK_RE = re.compile(r"<((?:https?|mailto):[^>]+)>")
_HEADING_RE = re.compile(r"^[ ]{0,3}#{1,6}[ \t]+", re.M)
_LIST_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+", re.M)
_QUOTE_RE = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)
_EMPHASIS_RE = re.compile(r"(\*{1,3}|(?<!\w)_{1,3})(?=\S)(.+?)(?<=\S)\1(?!(?<=_)\w)")
"""`*a*`, `**a**`, `_a_`: underscores only at word edges (`snake_case_name` is no emphasis, in kramdown
as in CommonMark)."""
_CODE_SPAN_RE = re.compile(r"(?<!\\)`([^`\n]+)`")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~\"'$&%=:;,/?@^])")
_RULE_RE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.M)


def _strip_block_marks(line: str) -> str:
    """A heading line loses its `#`s only ("## 1. Evergrande ..." shows "1. Evergrande ..."); any other
    line loses quote marks, then a list marker."""
    if _HEADING_RE.match(line):
        return _HEADING_RE.sub("", line, count=1)
    return _LIST_RE.sub("", _QUOTE_RE.sub("", line, count=1), count=1)


def markdown_to_text(markdown: str) -> str:
    """Plain text of a post body: no image lines, link syntax, emphasis, escapes, code marks, heading or
    list marks.

    A link whose text is its bare URL (how embeds such as tweets and videos are written) is dropped
    like an image: it carries no article text.
    """
    escaped: list[str] = []

    def hide(match: re.Match[str]) -> str:
        escaped.append(match.group(1))
        return f"\x00{len(escaped) - 1}\x00"

    text = _ESCAPE_RE.sub(hide, markdown or "")
    text = _CODE_SPAN_RE.sub(hide, text)  # code is shown as written: `http_response_len` keeps its underscores
    text = _IMAGE_LINE_RE.sub("", text)
    text = _IMAGE_RE.sub("", text)
    text = _LINK_RE.sub(lambda m: "" if _URL_TEXT_RE.match(m.group(1)) else m.group(1), text)
    text = _AUTOLINK_RE.sub(r"\1", text)
    text = _RULE_RE.sub("", text)
    text = "\n".join(_strip_block_marks(line) for line in text.split("\n"))
    for _ in range(3):  # nested emphasis: ***a***, **a _b_**
        text = _EMPHASIS_RE.sub(r"\2", text)
    text = re.sub("\x00(\\d+)\x00", lambda m: escaped[int(m.group(1))], text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@dataclass(frozen=True)
class SnippetCounts:
    """Pooled snippet counts of trafilatura's benchmark (its tests/evaluate.py)."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def __add__(self, other: SnippetCounts) -> SnippetCounts:
        return SnippetCounts(self.tp + other.tp, self.fn + other.fn, self.fp + other.fp, self.tn + other.tn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else 0.0


def _collapse(text: str) -> str:
    return " ".join(text.split())


def score_snippets(text: str, with_: Iterable[str], without: Iterable[str]) -> SnippetCounts:
    """Whitespace runs collapsed to one space and stripped, no case folding; a snippet counts when it
    is a plain substring of the text. An empty text misses every "with" snippet (and contains no
    "without" snippet)."""
    haystack = _collapse(text or "")
    tp = fn = fp = tn = 0
    for snippet in with_:
        if haystack and _collapse(snippet) in haystack:
            tp += 1
        else:
            fn += 1
    for snippet in without:
        if haystack and _collapse(snippet) in haystack:
            fp += 1
        else:
            tn += 1
    return SnippetCounts(tp, fn, fp, tn)
