"""The headline: candidates from every source a page declares, cleaned of decorations, then a weighted vote.

Sources and weights: the JSON-LD article headline (3), og:title (1), twitter:title, <title> and the visible
<h1> (0.5 each), other title meta tags (0.25). Before voting each candidate loses site-name and section
decorations ("Headline | Section | Site", "Site - Headline"), found by comparing with the site's names
(og:site_name, application-name, the JSON-LD publisher, the host name) and with the other candidates (a
candidate that is another one plus a separator and a tail is that other one). Candidates vote by a loose key
(letters and digits only), so "A: B" and "A - B" agree; the text shown is the form most sources use.

Kickers (overlines): an <h1> marked up as kicker + headline also offers the headline alone, and when two
sources put different kickers in front of the same headline, the headline alone is offered too. The
longer form wins only when the sources agree on it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import lxml.html

from crawler.extract.text import clean_text, fold_for_compare, loose_key
from crawler.extract.urls import HOST_NOISE, domain_suffixes, host_labels
from crawler.extract.vocabulary import TITLE_BYLINE_PREFIXES, alternation

if TYPE_CHECKING:
    from crawler.extract.document import Document

logger = logging.getLogger(__name__)

WEIGHTS = {"jsonld": 3.0, "og": 1.0, "twitter": 0.5, "title": 0.5, "h1": 0.5, "meta": 0.25}
"""Votes per source. JSON-LD is the publisher's declared headline for this one article; the others often
carry a social or SEO variant, and an agreement of og:title, twitter:title, <title> and <h1> (2.5) does not
outvote it. Without JSON-LD, og:title leads and the rest decide between variants."""
_PRIORITY = ("jsonld", "og", "h1", "twitter", "title", "meta")
_DISPLAY_ORDER = ("h1", "jsonld", "og", "twitter", "title", "meta")
_OTHER_META = ("dc.title", "parsely-title", "sailthru.title", "title")

# " | ", " - ", " – ", " — ", " :: ", " » ", " · ", " • ", " / ", " * ", " ~ ", full-width "｜", "--".
_SEPARATOR_RE = re.compile(r"\s+(?:\||-|\u2013|\u2014|::|\u00bb|\u00b7|\u2022|/|//|\*|~)\s+|\s*(?:\uff5c|--)\s*")
_KICKER_RE = re.compile(r"^(?P<head>[^:|]{2,80}?)(?::\s+|\s+[-\u2013\u2014]\s+)(?P<tail>\S.{10,})$")
_KICKER_CLASS_RE = re.compile(
    r"kicker|overline|over-line|dachzeile|topline|top-line|roofline|eyebrow|spitzmarke|supertitle|pretitle|"
    r"pre-title|flag", re.I)
_HIDDEN_CLASS_RE = re.compile(r"offscreen|visually-?hidden|sr-only|screen-reader|separator|implied", re.I)
_ELLIPSIS = ("\u2026", "...")
_MAX_KICKER_WORDS = 6
_MAX_SECTION_WORDS = 4
_MAX_NAME_ADDITION = 8  # letters: "news", "online", "digital", "the"
_MAX_NAME_LEAD_IN = 20
_BYLINE_SEGMENT_RE = re.compile(rf"^(?:{alternation(TITLE_BYLINE_PREFIXES)})\s", re.I)


@dataclass
class Candidate:
    """One source's headline: its cleaned text and the other forms it supports (e.g. without a kicker)."""

    source: str
    text: str
    forms: list[str] = field(default_factory=list)
    weight: float = 0.0
    """Votes; 0 means the source's weight in WEIGHTS."""

    def __post_init__(self) -> None:
        if not self.forms:
            self.forms = [self.text]
        if not self.weight:
            self.weight = WEIGHTS[self.source]


def name_keys(names: Iterable[str | None], url: str | None) -> set[str]:
    """Loose keys of the site's names, plus the distinctive labels of the URL's host name."""
    keys = {loose_key(n) for n in names if n}
    for i, domain in enumerate(domain_suffixes(url)):  # news.example.org, example.org
        label = domain.split(".", 1)[0]
        if i == 0 or (len(label) >= 3 and label not in HOST_NOISE):
            keys.add(loose_key(domain))
    keys.update(host_labels(url))
    return {k for k in keys if len(k) >= 2}


def is_site_name(segment: str, keys: set[str], *, at_end: bool = False) -> bool:
    """True when a title segment names the site: one of its names, or a name with a short addition
    ("Example News" for "Example", "The Example Online"). At the end of a title, where site names
    usually sit, a longer lead-in is allowed ("Die Neue Example-Zeitung" for the host "example-zeitung")."""
    key = loose_key(segment)
    if not key or key in keys:
        return True
    if len(segment.split()) > 5:
        return False
    for name in keys:
        if len(name) < 4:
            continue
        if key.startswith(name) and len(key) - len(name) <= _MAX_NAME_ADDITION:
            return True
        if key.endswith(name) and len(key) - len(name) <= (_MAX_NAME_LEAD_IN if at_end else _MAX_NAME_ADDITION):
            return True
        if name.endswith(key) and len(key) >= 0.6 * len(name):  # "Times of Example" for "The Times of Example"
            return True
    return False


def strip_decorations(title: str, keys: set[str]) -> str:
    """Remove site-name segments at either end, bylines ("| by Desk") and one short " | Section" at the end."""
    text = clean_text(title)
    parts = _SEPARATOR_RE.split(text)
    if len(parts) == 1:
        return text
    seps = _SEPARATOR_RE.findall(text)
    section_removed = False
    while len(parts) > 1:
        if is_site_name(parts[-1], keys, at_end=True) or _BYLINE_SEGMENT_RE.match(parts[-1]):
            parts.pop()
            seps.pop()
        elif is_site_name(parts[0], keys):
            parts.pop(0)
            seps.pop(0)
        elif not section_removed and _is_section(parts, seps):
            parts.pop()
            seps.pop()
            section_removed = True
        else:
            break
    out = parts[0]
    for sep, part in zip(seps, parts[1:], strict=True):
        out += sep + part
    return out.strip()


def _is_section(parts: list[str], seps: list[str]) -> bool:
    """A short last segment after " | " that is shorter than the headline before it ("... | Business")."""
    words = len(parts[-1].split())
    return seps[-1].strip() == "|" and words <= _MAX_SECTION_WORDS and sum(len(p.split()) for p in parts[:-1]) > words


def _cut_at_separator(text: str, prefix_key: str) -> str | None:
    """The head of `text` before a separator when that head is `prefix_key` (loosely), else None."""
    for match in _SEPARATOR_RE.finditer(text):
        if loose_key(text[:match.start()]) == prefix_key:
            return text[:match.start()].strip()
    return None


def _reduce_to_others(candidates: list[Candidate]) -> None:
    """A candidate that is another candidate + separator + tail ("Headline - Section") becomes that head."""
    keys = {loose_key(c.text) for c in candidates}
    for cand in candidates:
        full = loose_key(cand.text)
        for other in sorted(keys, key=len, reverse=True):
            if other and other != full and full.startswith(other) and len(other) >= 0.3 * len(full):
                head = _cut_at_separator(cand.text, other)
                if head:
                    cand.text = head
                    cand.forms = [head]
                    break


def _add_kicker_free_forms(candidates: list[Candidate]) -> None:
    """When sources put different kickers before the same headline, every one also offers the headline alone."""
    splits: dict[str, list[str]] = {}
    for cand in candidates:
        for form in cand.forms:
            match = _kicker_split(form)
            if match:
                splits.setdefault(loose_key(match[1]), []).append(match[0])
    shared = {tail for tail, heads in splits.items() if _unrelated(heads)}
    if not shared:
        return
    for cand in candidates:
        for form in list(cand.forms):
            match = _kicker_split(form)
            if match and loose_key(match[1]) in shared and match[1] not in cand.forms:
                cand.forms.append(match[1])


def _kicker_split(text: str) -> tuple[str, str] | None:
    """(kicker, headline) when the text starts with a short kicker and a separator; None otherwise.

    A head that opens a quotation it does not close is not a kicker ("'I said - this'").
    """
    match = _KICKER_RE.match(text)
    if match is None or len(match["head"].split()) > _MAX_KICKER_WORDS:
        return None
    head = fold_for_compare(match["head"])
    if head.count('"') % 2 or head.count("'") % 2:
        return None
    return match["head"].strip(), match["tail"].strip()


def _unrelated(heads: list[str]) -> bool:
    """True when at least two kickers share (almost) no words: different kickers, not spelling variants."""
    words = [set(loose_key(w) for w in h.split()) - {""} for h in heads]
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if a and b and len(a & b) / len(a | b) < 0.34:
                return True
    return False


def _extend_truncated(candidates: list[Candidate]) -> None:
    """A candidate cut short with an ellipsis supports the full text it starts."""
    for cand in candidates:
        if not cand.text.endswith(_ELLIPSIS):
            continue
        stem = loose_key(cand.text)
        for other in candidates:
            if other is not cand and len(loose_key(other.text)) > len(stem) and loose_key(other.text).startswith(stem):
                cand.forms.append(other.text)
                break


def h1_forms(h1: lxml.html.HtmlElement) -> list[str]:
    """The <h1> text, and the headline alone when the <h1> marks up a kicker (overline) in front of it."""
    full = clean_text(h1.text_content())
    kicker_parts = [el for el in h1.iterdescendants() if isinstance(el.tag, str)
                    and _KICKER_CLASS_RE.search(el.get("class", ""))]
    if not kicker_parts or not full:
        return [full] if full else []
    drop = set(kicker_parts)
    drop.update(el for el in h1.iterdescendants() if isinstance(el.tag, str)
                and _HIDDEN_CLASS_RE.search(el.get("class", "")) and len(clean_text(el.text_content())) <= 3)
    pieces: list[str] = []
    _collect_text(h1, drop, pieces)
    rest = clean_text(" ".join(pieces)).strip(" :-\u2013\u2014|")
    return [full, rest] if rest and rest != full else [full]


def _collect_text(el: lxml.html.HtmlElement, drop: set[lxml.html.HtmlElement], out: list[str]) -> None:
    if el.text:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str) and child not in drop:
            _collect_text(child, drop, out)
        if child.tail:
            out.append(child.tail)


def collect_candidates(doc: Document, ld_titles: list[str], h1s: list[lxml.html.HtmlElement],
                       site_names: list[str]) -> list[Candidate]:
    """Every source's headline, cleaned of decorations (site names, sections, the other candidates' tails).

    `ld_titles` are the article object's headline and, when it differs, its name: JSON-LD's votes are then
    split between the two, and the other sources decide.
    """
    keys = name_keys(site_names, doc.url)
    raw: list[tuple[str, str]] = [("jsonld", title) for title in _distinct(ld_titles)[:2]]
    for source, meta in (("og", "og:title"), ("twitter", "twitter:title")):
        value = doc.first_meta(meta)
        if value:
            raw.append((source, value))
    title_el = doc.tree.find(".//title")
    if title_el is not None:
        raw.append(("title", title_el.text_content()))
    for meta in _OTHER_META:
        value = doc.first_meta(meta)
        if value:
            raw.append(("meta", value))
            break
    candidates: list[Candidate] = []
    ld_count = sum(1 for source, _ in raw if source == "jsonld")
    for source, value in raw:
        text = strip_decorations(value, keys)
        if text:
            weight = WEIGHTS[source] / ld_count if source == "jsonld" else 0.0
            candidates.append(Candidate(source, text, weight=weight))
    declared = {loose_key(c.text) for c in candidates}
    best: list[str] = []
    for h1 in h1s:
        forms = [f for f in h1_forms(h1) if f and not is_site_name(f, keys)]
        if forms and (not best or any(loose_key(f) in declared for f in forms)):
            best = forms
            if any(loose_key(f) in declared for f in forms):
                break
    if best:
        candidates.append(Candidate("h1", best[0], list(best)))
    _reduce_to_others(candidates)
    _add_kicker_free_forms(candidates)
    _extend_truncated(candidates)
    return candidates


def _distinct(texts: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for text in texts:
        key = loose_key(text)
        if key and key not in seen:
            seen.add(key)
            out.append(text)
    return out


def choose_title(candidates: list[Candidate]) -> str | None:
    """The form with the most weighted support; ties go to the more trusted source, then the full form."""
    if not candidates:
        return None
    support: dict[str, float] = {}
    rank: dict[str, tuple[int, int]] = {}
    for cand in candidates:
        seen: set[str] = set()
        for position, form in enumerate(cand.forms):
            key = loose_key(form)
            if not key or key in seen:
                continue
            seen.add(key)
            support[key] = support.get(key, 0.0) + cand.weight
            order = (_PRIORITY.index(cand.source), position)
            rank[key] = min(rank.get(key, order), order)
    if not support:
        return None
    winner = max(support, key=lambda k: (support[k], -rank[k][1], -rank[k][0]))
    return _display_form(winner, candidates)


def _display_form(key: str, candidates: list[Candidate]) -> str:
    """Among the texts with the winning key, the wording most sources use (quotes and dashes folded), written
    as the visible <h1> writes it when it uses that wording, else as the most trusted source does."""
    texts: list[tuple[str, str]] = []
    for cand in sorted(candidates, key=lambda c: _DISPLAY_ORDER.index(c.source)):
        form = next((f for f in cand.forms if loose_key(f) == key), None)
        if form is not None:
            texts.append((fold_for_compare(form), unicodedata.normalize("NFC", form)))
    counts: dict[str, int] = {}
    for folded, _ in texts:
        counts[folded] = counts.get(folded, 0) + 1
    wording = max(counts, key=lambda f: (counts[f], -next(i for i, t in enumerate(texts) if t[0] == f)))
    return next(text for folded, text in texts if folded == wording)
