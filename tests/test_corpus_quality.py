"""Extraction quality gate on the bundled corpora (tests/fixtures/corpus).

1. The project's extraction (`extract_article`, no site profile: the generic path the spiders take for
   pages no profile covers) is scored over both corpora exactly as `make bench-extract` scores it; every
   number must stay at or above its floor in tests/bench/baseline.json (achieved value minus a margin),
   so a regression fails CI.
2. A handful of real pages with what must be in the body (the truth's first and last paragraphs) and
   what must not (teasers, comments, newsletter boxes, paywall notices found on the same page), plus the
   title, publication day and authors the truth records.

To raise the floors after an improvement: `python -m tests.bench.extract --no-baseline --json FILE`,
then copy the new values minus the margin into baseline.json.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler.extract import extract_article
from crawler.items import Article
from tests.bench.extract import CORPORA, Page, Report, evaluate, load_corpus, project_extractor
from tests.bench.scoring import authors_found, markdown_to_text, same_day, title_matches, tokens

BASELINE = Path(__file__).resolve().parent / "bench" / "baseline.json"


@cache
def corpus(name: str) -> tuple[Page, ...]:
    return tuple(load_corpus(name))


@cache
def report(name: str) -> Report:
    return evaluate("project", name, corpus(name), project_extractor())


def floors() -> dict[str, dict[str, float]]:
    return json.loads(BASELINE.read_text(encoding="utf-8"))["floors"]


def measured(rep: Report) -> dict[str, float | None]:
    return {
        "body_f1": rep.body.f1,
        "body_precision": rep.body.precision,
        "body_recall": rep.body.recall,
        "text_f1": rep.body_without_captions.f1,
        "text_precision": rep.body_without_captions.precision,
        "text_recall": rep.body_without_captions.recall,
        "title": rep.title,
        "date": rep.date,
        "authors": rep.authors,
        "image_present": rep.image_present,
        "image_url": rep.image_url,
    }


def test_the_corpora_are_complete() -> None:
    assert set(floors()) == set(CORPORA)
    assert len(corpus("aeb-dev")) == 61
    assert len(corpus("fundus-dev")) == 91
    for name in CORPORA:
        assert all(page.truth["body"] and page.html.lstrip()[:1] == b"<" for page in corpus(name))


@pytest.mark.parametrize("name", CORPORA)
def test_scores_stay_above_their_floors(name: str) -> None:
    got = measured(report(name))
    below = {}
    for metric, floor in floors()[name].items():
        value = got[metric]
        if value is None or value < floor:
            below[metric] = (value, floor)
    assert not below, f"{name}: below the floor (measured, floor): {below}"


def article_for(corpus_name: str, page_id: str) -> tuple[Page, Article, str]:
    page = next(p for p in corpus(corpus_name) if p.id == page_id)
    article = extract_article(page.html, page.url)
    return page, article, markdown_to_text(article.body)


def contains(text: str, passage: str) -> bool:
    """The passage's words appear in the text in order, next to each other (punctuation ignored)."""
    needle, haystack = tokens(passage), tokens(text)
    if not needle:
        return True
    first = needle[0]
    return any(haystack[i:i + len(needle)] == needle for i, token in enumerate(haystack) if token == first)


def count(text: str, passage: str) -> int:
    needle, haystack = tokens(passage), tokens(text)
    return sum(1 for i in range(len(haystack) - len(needle) + 1) if haystack[i:i + len(needle)] == needle)


# (corpus, page id, chrome that is on the page but must not be in the body, what the case is about)
PAGES: list[tuple[str, str, list[str], str]] = [
    ("aeb-dev", "e4c6a3b482403a8f60190ba27248cd52b250b86f5d4a8a10edcf7062c64fc3f5",
     ["Carlos Ghosn and the dark side of Japanese justice", "Our family always celebrates anniversaries"],
     "opinion column followed by more teaser text than the column itself"),
    ("aeb-dev", "2f42ef1d3ea0c96e56355d3db93d0e06b47e760b74f6f4261278b8cd1c246dd6",
     ["More Great WIRED Stories", "YouTubers must unionize"],
     "related-stories list after the last paragraph"),
    ("aeb-dev", "232a43fb15abde807427b2a7bf4f772e27b8760554370956d8291df4e8166dbf",
     ["Before he died, Steve Jobs gave Jony Ive", "I sure wish Apple would offer"],
     "short news item under a comment thread several times longer"),
    ("fundus-dev", "us-TechCrunch_2024_05_17", ["More TechCrunch", "OpenAI has reached a deal with Reddit"],
     "teaser cards below the article"),
    ("fundus-dev", "de-JungeWelt_2024_04_26", ["Fahndung nach Verrätern", "Aufklärung nur intern"],
     "'similar articles' cards inside the article element"),
    ("fundus-dev", "de-WAZ_2024_03_08", ["Mit meiner Anmeldung zum Newsletter", "Duisburg-Newsletter"],
     "newsletter signup box in utility-class markup"),
    ("fundus-dev", "es-ABC_2026_04_25", ["Esta funcionalidad es exclusiva para suscriptores"],
     "paywalled page: the full text is only in JSON-LD articleBody"),
    ("fundus-dev", "it-CorriereDellaSera_2025_02_04", [],
     "JSON-LD articleBody repeats itself and must not replace the page text"),
    ("fundus-dev", "jp-NikkanGeadai_2025_01_31", [], "Japanese article"),
    ("fundus-dev", "ch-NZZ_2024_07_18", [], "live ticker with nine authors"),
    ("fundus-dev", "es-ABC_2025_01_13",
     ["Detenida una madre por dejar encerrada a su hija desde que nació en un cajón"],
     "standfirst set as a heading, next to a linked teaser heading for another article"),
    ("fundus-dev", "lu-LuxemburgerWort_2026_07_12",
     ["Newsletter: Sport inside", "Jeden Montag die Topstorys der Woche aus der Sportredaktion"],
     "newsletter box built around a subscribe button, not a form"),
    ("fundus-dev", "ch-SRF_2024_04_15",
     ["Der Politologe Thomas Jäger ist Professor", "Hat sich die Unterstützung für Bidens Israelpolitik verändert"],
     "collapsible people box and side-story boxes inside an interview"),
    ("fundus-dev", "uk-Metro_2024_07_17",
     ["Follow Metro.co.uk on Twitter and Facebook for the latest news updates", "For more stories like this"],
     "follow-us and more-stories lines after the article"),
]


@pytest.mark.parametrize(("corpus_name", "page_id", "sentences"), [
    ("aeb-dev", "c7e39ac49fa1235f5d50f83bf2444248bd3aa4e6",
     ["The Swedish investigation had been shelved in 2017 but was re-opened earlier this year following his "
      "eviction from the embassy.",
      "Australian-born Assange faces a charge of conspiracy to commit computer intrusion in the US."]),
    ("fundus-dev", "uk-BBC_2026_04_25",  # each paragraph inside three wrapper <div>s
     ["It also co-ordinates military plans and carries out joint military exercises.",
      "According to Nato, every country in the alliance achieved at least 2% in 2025."]),
])
def test_paragraphs_that_are_mostly_one_link_stay(corpus_name: str, page_id: str, sentences: list[str]) -> None:
    """Paragraphs that are mostly one link are text, not link lines."""
    page = next(p for p in corpus(corpus_name) if p.id.startswith(page_id))
    body = article_for(corpus_name, page.id)[2]
    for sentence in sentences:
        assert sentence in page.truth["body"]
        assert count(body, sentence) == 1, sentence


def test_subheadings_between_loose_text_stay() -> None:
    """The body is text and <br>s, each subheading in its own wrapper: the subheadings head text."""
    page, _, body = article_for("fundus-dev", "ind-TimesOfIndia_2024_09_02")
    for heading in ("Munir's repeated attacks on social media", "Imran's ouster & rise of digital activism",
                    "National internet firewall"):
        assert heading in page.truth["body"]
        assert count(body, heading) == 1, heading


@pytest.mark.parametrize(("page_id", "image", "caption"), [
    # the lead: a <picture class="... overflow-hidden"> (Tailwind clipping) inside the figure
    ("de-WAZ_2025_09_10", "409960902_1757490812_v16_9_1200.jpeg", "Ricarda Lang im Bundestag"),
    # the image in a lightbox <button>, the caption box after its wrappers
    ("lu-LuxemburgerWort_2026_07_12", "bpe573-argentina-v-switzerland", "Murat Yakin ärgerte sich"),
])
def test_inline_images_that_looked_hidden_keep_their_place_and_caption(page_id: str, image: str,
                                                                      caption: str) -> None:
    page = next(p for p in corpus("fundus-dev") if p.id == page_id)
    article = extract_article(page.html, page.url)
    if image in (article.image or ""):  # the lead image: its caption is the lead caption, not body text
        assert caption in (article.image_caption or "")
        assert caption not in article.body
        return
    at = article.body.find(image)
    assert at >= 0, "the image is missing"
    assert 0 <= article.body.find(caption, at) - at < 800, "the caption does not follow its image"


@pytest.mark.parametrize(("page_id", "stand_in"), [
    ("uk-Metro_2024_07_17", "metro-branding/images/fallback.png"),  # a gallery of 13 lazy images
    ("ind-TimesOfIndia_2026_04_16", "photo/83033472.cms"),  # one stand-in for every image
    ("us-RollingStone_2024_04_25", "lazyload-fallback.gif"),
])
def test_lazy_images_show_the_image_not_the_loaders_stand_in(page_id: str, stand_in: str) -> None:
    page, article, _ = article_for("fundus-dev", page_id)
    raw = page.html.decode("utf-8")
    images = [*re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", article.body), article.image or ""]
    assert stand_in in raw and not any(stand_in in url for url in images)
    assert all(html.unescape(url) in html.unescape(raw) for url in images if url)  # each is the page's own URL


@pytest.mark.parametrize("page_id", ["uk-BBC_2026_04_25", "vn-VnExpress_2025_10_22", "ua-Pravda_2026_01_08"])
def test_bylines_repeated_in_the_body_go(page_id: str) -> None:
    """The author line above or below the text (the post's front matter names the authors)."""
    page, article, _ = article_for("fundus-dev", page_id)
    assert authors_found(article.authors, page.truth["authors"]) == len(page.truth["authors"])
    paragraphs = {" ".join(tokens(p)) for p in article.body.split("\n\n")}
    names = " ".join(" ".join(tokens(n)) for n in article.authors)
    raw = html.unescape(page.html.decode("utf-8"))
    assert all(name in raw for name in article.authors)
    assert not any(p and (p in names) for p in paragraphs), "a paragraph only repeats the byline"


def test_header_meta_and_a_device_limit_notice_go() -> None:
    """A dateline beside a nested reading time and a save-for-later widget, under the standfirst, and a
    device-limit notice after the text whose FAQ is folded under a toggle button (the truth's author, the
    publisher's name, rules this page out of PAGES)."""
    page, _, body = article_for("fundus-dev", "fr-LeMonde_2023_09_01")
    paragraphs = page.truth["body"].split("\n\n")
    assert contains(body, paragraphs[0]) and contains(body, paragraphs[-1])
    for chrome in ("Publié le 30 août 2023 à 14h52", "Lecture 4 min", "Ajouter à vos sélections",
                   "Pour ajouter l’article à vos sélections", "Que se passera-t-il si vous continuez à lire ici",
                   "Ce dernier restera connecté avec ce compte"):
        assert chrome in html.unescape(page.html.decode("utf-8")), chrome
        assert not contains(body, chrome), chrome


def test_gallery_captions_appear_once_without_their_controls() -> None:
    """A gallery repeats its caption (full, shortened behind '... more', again in the controls) and its
    credit: the post shows each once, without the toggles."""
    page_id = "ecb46e3e489d2aac92b2563112e1801077b4219a6db9751f18e228bcaf457802"
    body = article_for("aeb-dev", page_id)[2]
    caption = ("New York Islanders' Brock Nelson (29) puts the game-winning overtime goal behind Pittsburgh "
               "Penguins goaltender Matt Murray (30)")
    assert count(body, caption) == 1
    assert count(body, "Gene J. Puskar") == 2  # the caption's own "(AP Photo/...)" and the credit line
    assert not contains(body, "The Islanders more") and not contains(body, "Gene J. Puskar less")
    assert not contains(body, "Caption")


@pytest.mark.parametrize(("corpus_name", "page_id", "chrome", "about"), PAGES, ids=[p[1][:24] for p in PAGES])
def test_key_pages(corpus_name: str, page_id: str, chrome: list[str], about: str) -> None:
    page, article, body = article_for(corpus_name, page_id)
    truth: dict[str, Any] = page.truth
    paragraphs = [p for p in truth["body"].split("\n\n") if len(tokens(p)) >= 4]
    assert article.page_type == "article", about
    for paragraph in (paragraphs[0], paragraphs[-1]):
        assert contains(body, paragraph), f"{about}: missing {paragraph[:80]!r}"
    assert count(body, paragraphs[-1]) == 1, f"{about}: the last paragraph is repeated"
    raw = html.unescape(page.html.decode("utf-8"))
    for text in chrome:
        assert text in raw, f"{text!r} is not on the page: the case tests nothing"
        assert not contains(body, text), f"{about}: chrome {text!r} is in the body"
    if truth.get("title"):
        assert title_matches(article.title, truth["title"]), (article.title, truth["title"])
    if truth.get("date"):
        assert same_day(article.published, truth["date"]), (article.published, truth["date"])
    if truth.get("authors"):
        assert authors_found(article.authors, truth["authors"]) == len(truth["authors"]), article.authors


# ---- the scorer itself (tests/bench/scoring.py), on hand-checked values


def test_shingle_scores_match_a_hand_count() -> None:
    from tests.bench.scoring import score_body, summarize_body

    truth = "one two three four five six"  # shingles: 1234 2345 3456
    page = score_body("one two three four five, and more", truth)  # 1234 2345 345and 45andmore
    assert (page.precision, page.recall, page.exact) == (0.5, 2 / 3, False)
    assert score_body("", truth).precision is None
    assert score_body("One two three four five six", truth).recall == 2 / 3  # case-sensitive tokens
    short = score_body("tiny text", "tiny text")  # shorter than four tokens: one shingle
    assert (short.precision, short.recall, short.exact) == (1.0, 1.0, True)
    summary = summarize_body([page, score_body("", truth)])
    assert summary.precision == 0.5  # pages without a prediction are left out of precision...
    assert summary.recall == (2 / 3 + 0) / 2  # ...but count as zero recall
    assert summary.f1 == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))


def test_markdown_to_text_keeps_words_and_drops_markup() -> None:
    markdown = ("## A *subheading*\n\n### 2. A numbered subheading\n\n![](https://img.example.org/a.jpg)\n\n"
                "The **caption**, credit: Example Org\n\n"
                "A [linked phrase](https://news.example.org/x \"title\") and \\*stars\\* and snake\\_case.\n\n"
                "- first item\n1. numbered item\n> quoted line\n\n"
                "Set `PAYMENT_DRIVER_NAME` and read http_response_len, _one_ and __two__.\n\n"
                "[https://twitter.com/example/status/1](https://twitter.com/example/status/1)")
    assert markdown_to_text(markdown) == (
        "A subheading\n\n2. A numbered subheading\n\nThe caption, credit: Example Org\n\n"
        "A linked phrase and *stars* and snake_case.\n\n"
        "first item\nnumbered item\nquoted line\n\n"
        "Set PAYMENT_DRIVER_NAME and read http_response_len, one and two.")


def test_title_day_and_author_rules() -> None:
    assert title_matches("\u201cQuoted\u201d  head\u00adline\u200b", '"Quoted" headline')
    assert not title_matches(None, "x")
    assert same_day("2024-10-18T23:30:00-05:00", "2024-10-19T04:30:00Z")  # same UTC day
    assert not same_day("2024-10-18", "2024-10-19T01:00:00+07:00")
    assert authors_found(["By A. Writer and B. Editor"], ["a writer", "B Editor", "C Other"]) == 2


@pytest.mark.parametrize(("page_id", "declared"), [
    ("cn-People_2024_04_24", b"charset=GB2312"),
    ("es-ElMundo_2024_12_02", b"iso-8859-15"),
])
def test_a_page_that_declares_the_wrong_charset_decodes_right(page_id: str, declared: bytes) -> None:
    """The bytes are UTF-8 while the page's <meta> names another charset: the text reads as the truth
    has it, not as mojibake."""
    page, article, body = article_for("fundus-dev", page_id)
    assert declared in page.html[:5000]
    assert page.truth["title"].startswith(article.title or "-")
    paragraphs = [p for p in page.truth["body"].split("\n\n") if len(tokens(p)) >= 4]
    assert contains(body, paragraphs[len(paragraphs) // 2]) and contains(body, paragraphs[-1])
    assert "Ã" not in body and "â€" not in body


def test_a_chinese_page_without_a_declared_language_is_chinese() -> None:
    """The page declares no language and writes foreign names with the katakana middle dot "・"; a kana
    sign among Han text must not make it Japanese."""
    page, article, _ = article_for("fundus-dev", "cn-People_2024_04_24")
    assert b"<html lang" not in page.html and "\u30fb".encode() in page.html
    assert article.language == "zh"


@pytest.mark.parametrize(("corpus_name", "page_id"), [
    ("aeb-dev", "87bf60570e6e2e33cb1f0fdb5600d6c85012e60be25ba6fa587b8f90eb9a3770"),
    ("aeb-dev", "e4c6a3b482403a8f60190ba27248cd52b250b86f5d4a8a10edcf7062c64fc3f5"),
    ("fundus-dev", "us-TechCrunch_2024_05_17"),
    ("fundus-dev", "es-ABC_2025_01_13"),
])
def test_a_page_fetched_from_a_mirror_reads_as_on_its_own_site(corpus_name: str, page_id: str) -> None:
    """Fetched from another host (a mirror, an old domain), the page's links to its declared canonical
    site are still its own: teaser lists are still found and the text is the same as on the real site.
    (Judged by the fetched host alone, these pages kept their whole <body>, related lists and all.)"""
    page, _, real = article_for(corpus_name, page_id)
    mirrored = extract_article(page.html, f"http://127.0.0.1:8765/{page_id}.html")
    assert markdown_to_text(mirrored.body) == real


def test_a_picture_the_cms_names_a_widget_stays_in_the_text() -> None:
    """NRK names every component "widget", the article's pictures too ("image widget rich"): the picture
    between two paragraphs stays there, with its caption."""
    _, article, _ = article_for("fundus-dev", "no-NRK_2024_08_05")
    body = article.body or ""
    picture = body.find("BalcUHjnWsABtnZe8d0tFg")
    assert picture != -1
    assert body.find("sier NRK-kommentator Christina Vukicevic") < picture < body.find("Det var lenge etter selve")
    assert "FINALEKLAR: Lene Retzius skal hoppe i onsdagens finale likevel." in body[picture:]


def test_pictures_in_widget_boxes_stay_with_their_captions() -> None:
    """Euronews wraps each picture in "widget" boxes, down to the <img> and the caption's class: the three
    pictures of the text stay in place, each followed by its caption."""
    _, article, _ = article_for("fundus-dev", "uk-EuronewsEN_2026_01_06")
    body = article.body or ""
    for caption in ("A woman takes a picture of the dock of El Palito refinery near Puerto Cabello, Venezuela.",
                    "A flag flies over a refinery complex in Carson, California."):
        at = body.find("![" + caption)  # the picture, its alt text naming it...
        assert at != -1, caption
        assert body.find("\n\n" + caption, at + 2) != -1, caption  # ...and the caption, a paragraph after it
    assert body.count("](https://images.euronews.com/") == 3


def test_pages_once_left_without_text_are_articles_with_their_text() -> None:
    """Four trafeval pages that generic extraction once gave no body (the text in sections named like ad
    slots, a two-sentence blog post, an article declared og:type website, a page whose text the finder
    missed): each is an article now, and the text holds the snippets trafilatura's benchmark requires."""
    from tests.bench.scoring import SnippetCounts, score_snippets

    pages = load_corpus("trafeval-sample")
    assert len(pages) == 4
    pooled = SnippetCounts()
    for page in pages:
        article = extract_article(page.html, page.url, captions=False)
        assert article.page_type == "article", page.url
        text = markdown_to_text(article.body or "")
        assert text.strip(), page.url
        pooled += score_snippets(text, page.truth["with"], page.truth["without"])
    assert pooled.recall >= 0.9 and pooled.precision >= 0.9, pooled
