"""Page-chrome evidence for generic extraction: tag sets, class/id conventions and boilerplate phrases."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from crawler.extract.vocabulary import BYLINE_PREFIXES, MONTH_NAMES, MORE_BYLINE_PREFIXES, alternation, weekday_names

# Elements that never hold article text (removed before anything is measured).
JUNK_TAGS = frozenset({
    "script", "style", "noscript", "template", "link", "meta", "button", "input", "select", "textarea",
    "option", "optgroup", "datalist", "dialog", "menu", "canvas", "map", "area", "object", "embed", "applet",
    "svg", "math", "head", "title", "base", "frame", "frameset", "param", "source", "track", "progress", "meter",
})

# Elements that are page chrome by definition when they are not the article itself.
CHROME_TAGS = frozenset({"nav", "aside", "footer", "form", "fieldset", "legend", "label"})

# Block-level elements: text inside one belongs to it (text inside inline elements belongs to the block).
BLOCK_TAGS = frozenset({
    "html", "body", "div", "section", "article", "main", "header", "footer", "aside", "nav", "p", "ul", "ol",
    "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "blockquote", "pre",
    "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "form", "fieldset", "center", "address",
    "details", "summary", "hgroup", "iframe", "picture", "video", "audio", "hr", "br",
})

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# ARIA landmark roles of page chrome.
CHROME_ROLES = frozenset({
    "navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu",
    "menubar", "toolbar", "tablist", "alert", "status", "tooltip",
})

# Class/id words (after splitting on -, _, camelCase) that mark page chrome across the web.
_STRONG_WORDS = frozenset({
    "share", "shares", "sharing", "sharebar", "social", "socials", "related", "relatedposts",
    "newsletter", "newsletters", "subscribe", "subscription", "subscriptions", "signup", "promo", "promos",
    "promotion", "advert", "adverts", "advertisement", "advertising", "ad", "ads", "adslot", "adunit", "dfp",
    "sponsor", "sponsored", "sponsors", "outbrain", "taboola", "comment", "comments", "disqus", "byline",
    "bylines", "breadcrumb", "breadcrumbs", "popup", "modal", "cookie", "cookies", "consent", "gdpr", "sidebar",
    "widget", "widgets", "nav", "navbar", "navigation", "menu", "footer", "toolbar", "pagination", "pager",
    "recommended", "recommendation", "recommendations", "recirculation", "readmore", "readnext", "rss",
    "masthead", "skip", "sr", "hidden", "visuallyhidden", "tags", "tagcloud", "tagged", "keywords", "author",
    "authors", "bio", "print", "follow", "trending", "login", "banner",
    "overlay", "lightbox", "offcanvas", "toc", "disclaimer", "affiliate",
    "infobox", "factbox", "pullquote", "disclosure", "cta", "offscreen", "vh", "whatsapp", "feedback", "toast",
    "favorite", "favorites", "favourite", "favourites", "bookmark", "bookmarks", "sticky", "accessibility", "a11y",
})
# Two-word conventions (checked on consecutive words).
_STRONG_PAIRS = frozenset({
    ("read", "more"), ("read", "next"), ("more", "stories"), ("more", "news"), ("more", "articles"),
    ("screen", "reader"), ("visually", "hidden"), ("sr", "only"), ("also", "read"), ("see", "also"),
    ("you", "may"), ("most", "popular"), ("most", "read"), ("top", "stories"), ("latest", "news"),
    ("pull", "quote"), ("key", "points"), ("fact", "box"), ("info", "box"), ("app", "hint"), ("off", "screen"),
})
# Words that mark small page furniture when the element is short (bylines, datelines, meta rows).
_WEAK_WORDS = frozenset({
    "meta", "date", "dateline", "time", "timestamp", "published", "updated", "info", "details",
    "tools", "actions", "label", "kicker", "eyebrow", "category",
    "headline", "title", "subtitle", "contact", "email", "avatar", "icon", "button", "btn", "link", "links",
})
# Words that positively mark the article container.
_POSITIVE_WORDS = frozenset({
    "article", "articlebody", "content", "entry", "post", "story", "body", "text", "main", "prose", "richtext",
    "blog", "news", "detail", "single",
})
_WORD_SPLIT_RE = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")


@lru_cache(maxsize=4096)
def attribute_words(value: str) -> tuple[str, ...]:
    """Lower-case words of class/id values: `article__shareBar js-x` -> (article, share, bar, js, x)."""
    return tuple(" ".join(_WORD_SPLIT_RE.split(value)).lower().split())


# Responsive-visibility utility classes (hidden-xs, visible-print...) say nothing about the content.
_RESPONSIVE_PREFIXES = ("hidden-", "visible-", "show-", "hide-")
_RESPONSIVE_RE = re.compile(rf"(?:^|\s)(?:{'|'.join(_RESPONSIVE_PREFIXES)})"
                            r"(?:xs|sm|md|lg|xl|xxl|print|mobile|tablet|desktop)(?:-\w+)?(?=\s|$)", re.I)


# Utility classes that only look like chrome words: CSS overflow clipping ("overflow-hidden",
# "text-ellipsis overflow-x-hidden"), and Tailwind's "hidden" undone at a breakpoint ("hidden md:block").
_UTILITY_RE = re.compile(r"(?:^|\s)(?:[\w:-]*:)?overflow(?:-[xy])?-hidden(?=\s|$)", re.I)
_SHOWN_AT_BREAKPOINT_RE = re.compile(r"(?:^|\s)(?:sm|md|lg|xl|2xl):(?:block|flex|inline|inline-block|inline-flex|grid"
                                     r"|table|contents|flow-root)(?=\s|$)")
_BARE_HIDDEN_RE = re.compile(r"(?:^|\s)hidden(?=\s|$)")


@lru_cache(maxsize=4096)
def chrome_strength(value: str) -> int:
    """2 when a class/id value names page chrome, 1 when it names small furniture, 0 otherwise."""
    lowered = value.lower()
    # Each utility pattern is tried only where its fixed part occurs (most class values hold none).
    if "overflow" in lowered:
        value = _UTILITY_RE.sub(" ", value)
    if ":" in value and _SHOWN_AT_BREAKPOINT_RE.search(value):
        value = _BARE_HIDDEN_RE.sub(" ", value)
    if any(prefix in lowered for prefix in _RESPONSIVE_PREFIXES):
        value = _RESPONSIVE_RE.sub(" ", value)
    words = attribute_words(value)
    if not words:
        return 0
    if not _STRONG_WORDS.isdisjoint(words):
        # A chrome word qualified by a content word is usually the content itself ("post-author" is
        # chrome, but "article-body-share-container" wraps the article): judged by the caller's size test.
        return 2
    if any(pair in _STRONG_PAIRS for pair in itertools.pairwise(words)):
        return 2
    if not _WEAK_WORDS.isdisjoint(words):
        return 1
    return 0


@lru_cache(maxsize=4096)
def is_positive(value: str) -> bool:
    """Whether a class/id value names the article container (article-body, entry-content, story...)."""
    return any(w in _POSITIVE_WORDS for w in attribute_words(value))


# Short blocks that are boilerplate in any article (exact phrases after folding case and punctuation).
_BOILERPLATE_PHRASES = frozenset({
    "advertisement", "advertising", "anzeige", "werbung", "publicité", "publicidad", "pubblicità", "reklama",
    "реклама", "iklan", "quảng cáo", "广告", "廣告", "広告", "광고", "reklam", "reklame", "annons", "annonse",
    "advertentie", "publicidade", "mainos", "hirdetés", "διαφήμιση", "sponsored", "sponsored content",
    "paid content", "ad", "ads", "continue reading",
    "read more", "read next", "read also", "see also", "related", "related articles", "related stories",
    "related content", "related news", "more on this story", "more from", "share", "share this",
    "share this article", "share this story", "share on facebook", "share on twitter", "share via email",
    "tweet", "email", "print", "comments", "comment", "leave a comment", "follow us", "subscribe",
    "sign up", "newsletter", "weiterlesen", "mehr zum thema", "lesen sie auch", "auch interessant",
    "das könnte sie auch interessieren", "leer más", "lee también", "te puede interesar", "lire aussi",
    "à lire aussi", "leggi anche", "läs också", "läs mer", "loading", "loading...", "skip advert",
    "skip to content", "back to top", "story continues below advertisement", "article continues below",
    "continue reading below", "scroll to continue with content", "trending", "most read", "most popular",
    "top stories", "you may also like", "recommended", "recommended for you", "image", "photo", "video",
    "watch", "listen", "play", "close", "open", "menu", "copy link", "link copied", "zoom", "enlarge",
    "zum inhalt springen", "story saved", "article saved", "saved", "bookmark", "add to bookmarks",
    "wie hat ihnen dieser artikel gefallen", "was this article helpful", "did you find this article helpful",
    "teilen", "teilen und weiterempfehlen", "artikel teilen", "compartir", "partager", "condividi", "dela",
    "don t miss", "must read", "editor s picks", "recommended reading", "in other news", "more stories",
    "more news", "mehr news", "top news", "más noticias", "related video", "related videos", "video player",
    "caption", "captions", "hide caption", "show caption", "toggle caption", "expand", "collapse", "show more",
    "show less", "back to gallery", "view gallery", "open gallery", "fullscreen", "full screen",
    "show comments", "hide comments", "view comments", "load comments", "mostrar comentarios", "ver comentarios",
    "kommentare anzeigen", "afficher les commentaires", "voir les commentaires", "mostra commenti",
    "click to hide", "click to show", "click to expand", "click to enlarge",
    "text size", "font size", "schriftgröße", "taille du texte", "tamaño del texto", "dimensione del testo",
    "字号", "大字号", "中字号", "小字号", "字體大小", "文字サイズ",
})
_FOLD_RE = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Case-folded words of a text joined by single spaces (punctuation dropped)."""
    return " ".join(_FOLD_RE.sub(" ", text.casefold()).split())


_INSTRUCTION_RE = re.compile(r"^(?:click|tap)(?: here)? to\s")
MAX_INSTRUCTION_CHARS = 60


def is_control_instruction(text: str) -> bool:
    """A short "Click to read more and view comments" / "Tap to expand": the label of a script-driven
    control. Without a link in it, it does nothing in a post."""
    folded = fold(text)
    return len(folded) <= MAX_INSTRUCTION_CHARS and bool(_INSTRUCTION_RE.match(folded + " "))


def is_boilerplate_phrase(text: str) -> bool:
    """Whether a short text is a known chrome phrase ("Advertisement", "Read more", "Share this")."""
    folded = fold(text)
    return len(folded) <= 60 and folded in _BOILERPLATE_PHRASES


_COPYRIGHT_RE = re.compile(r"^(?:©|\(c\)\s|copyright\b)", re.I)
_BYLINE_START_RE = re.compile(rf"^(?:{alternation(BYLINE_PREFIXES + MORE_BYLINE_PREFIXES)})\s", re.I)
_TIME_RE = re.compile(r"\b\d{1,2}(?:[:.]|h)\d{2}\b")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
"""Kana, CJK ideographs and Hangul: scripts whose sentences have no spaces between words."""
_CJK_DATE = r"\d{2,4}\s*[年년]\s*\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일](?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
_FULL_MONTH_NAMES = [name for names in MONTH_NAMES for name in names.split() if len(name) >= 4 or name == "mai"]
"""Month names in full (and German/French "mai"): abbreviations are too often other words here."""
_DATE_TOKENS_RE = re.compile(
    _CJK_DATE + r"|(?:来源|來源|출처)\s*[:：]"  # "source:" after a date on Chinese and Korean pages
    r"|\b(?:\d{1,4}[./-]\d{1,2}(?:[./-]\d{1,4})?|\d{1,2}(?:[:.]|h)\d{2}|\d{1,4}(?:st|nd|rd|th)?"
    r"|uhr|am|pm|a\.m|p\.m|gmt|utc|cet|cest|est|edt|pst|bst|ist"
    r"|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*"
    r"|mon\w*|tue\w*|wed\w*|thu\w*|fri\w*|sat\w*|sun\w*|"
    + alternation([*_FULL_MONTH_NAMES, *weekday_names("de", "fr", "es", "it", "pt")]) +
    r"|updated|published|modified|posted|last|aktualisiert|veröffentlicht|erstellt|stand|uppdaterad|publicerad"
    r"|actualizado|publicado|atualizado|mis à jour|publié|modifié|modifica|aggiornato|pubblicato|uppfært"
    r"|oppdatert|publisert|opdateret|bijgewerkt|gepubliceerd|päivitetty|julkaistu"
    r"|le|à|às|de|del|il|am|um|on|at|den|kl|min|mins|minutes?|read|lesezeit)\b",
    re.I,
)


_FULL_DATE_RE = re.compile(
    _CJK_DATE + r"|\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|\b[^\W\d_]{3,12}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\b\d{1,2}\.? (?:de )?[^\W\d_]{3,12}\.? (?:de )?\d{4}",
    re.I,
)


def is_copyright_notice(text: str) -> bool:
    """A short copyright line ("© Example Org", "Copyright 2024 ...")."""
    return len(text) <= 100 and bool(_COPYRIGHT_RE.match(text.strip()))


def is_dateline(text: str) -> bool:
    """A short line that is a date/time stamp ("Updated 15.59 | Published 14.14") or a byline with one
    ("By a reporter 06.11.2025, 17:06")."""
    if len(text) > 100:
        return False
    if _BYLINE_START_RE.match(text) and (_TIME_RE.search(text) or re.search(r"\d{1,2}\.\d{1,2}\.\d{2,4}", text)):
        return True
    if not (_TIME_RE.search(text) or _FULL_DATE_RE.search(text)):
        return False
    words = [w for w in re.split(r"[\W_]+", _DATE_TOKENS_RE.sub(" ", text)) if w]
    # One word left (a name, a label); in scripts written without spaces, a short one (not a sentence).
    return len(words) <= 1 and not any(len(w) > 6 and _CJK_RE.search(w) for w in words)


_READING_TIME_RE = re.compile(
    r"(?:(?:estimated |temps de )?(?:reading time|read time|lecture|lesezeit|lesedauer|tiempo de lectura|lectura"
    r"|tempo di lettura|lettura|läsningstid|lesetid|leestijd)\W{0,3}(?:ca\.? |approx\.? |env\.? )?\d{1,3}\s*"
    r"(?:min|mins|minutes?|minuten|minutos|minuti|minuter|minutter)\.?"
    r"|\d{1,3}\s*(?:-|–)?\s*(?:min|mins|minutes?|minuten|minutos|minuti|minuter|minutter)\.?"
    r" (?:read|reading time|de lecture|lesezeit|lesedauer|de lectura|di lettura|läsning|lesing|lezen))",
    re.I,
)


def is_reading_time(text: str) -> bool:
    """A line that only gives the reading time ("4 min read", "Lecture 4 min.", "Lesezeit: 3 Minuten")."""
    return len(text) <= 40 and bool(_READING_TIME_RE.fullmatch(" ".join(text.split()).strip(" ·|•")))


_META_SEPARATOR_RE = re.compile(r"\s+[|\u00b7\u2022]\s+")
_DASH_SEPARATOR_RE = re.compile(r"\s[-\u2013\u2014]\s")
MAX_META_SEGMENT_WORDS = 4


def is_meta_row(text: str) -> bool:
    """A short row of page furniture joined by bars or dots, one of them a date or time
    ("Politics | Agency | 11.2.2025 | 23:55 | Updated 12.2.2025 7:25")."""
    if len(text) > 120:
        return False
    segments = [s for s in _META_SEPARATOR_RE.split(text.strip()) if s]
    if len(segments) >= 3:
        return (all(len(s.split()) <= MAX_META_SEGMENT_WORDS for s in segments)
                and any(_TIME_RE.search(s) or _FULL_DATE_RE.search(s) for s in segments))
    # "Source - Date" (a wire credit and the date, "- Associated Press - Friday, April 28, 2023")
    pieces = [s for s in _DASH_SEPARATOR_RE.split(f" {text.strip()} ") if s.strip()]
    return (len(pieces) == 2 and all(len(s.split()) <= MAX_META_SEGMENT_WORDS for s in pieces)
            and any(_FULL_DATE_RE.search(s) and is_dateline(s.strip()) for s in pieces))


_BOILERPLATE_LINE_RE = re.compile(
    r"^(?:ad ?block(?:er)? (?:users?|detected)|advertisement\b|anzeige\b|werbung\b"
    r"|to view this video please enable javascript|your browser does not support|media playback is (?:un)?supported)",
    re.I,
)


def is_boilerplate_line(text: str) -> bool:
    """Whether a line is an advertising, ad-blocker or video-player fallback notice, however long."""
    return len(text) <= 300 and bool(_BOILERPLATE_LINE_RE.match(text.strip()))


_NOTICE_RE = re.compile(
    # affiliate disclosures
    r"\b(?:earns?|receives?|gets?|makes?) (?:an? )?(?:small )?(?:share of (?:the )?(?:sales|revenue)"
    r"|(?:affiliate )?commissions?)\b"
    # paywall notices
    r"|\bil vous reste \d|\bla suite est réservée|\bréservée? aux abonnés"
    r"|\b(?:this|the) (?:article|story|content) is (?:only )?(?:available )?(?:exclusively )?(?:for|to) (?:our )?"
    r"(?:subscribers|members)|\bsubscribe (?:now )?to (?:continue|keep) reading|\balready a (?:subscriber|member)\b"
    r"|\bto continue reading\b|\bjetzt abonnieren\b|\bexklusiv für abonnenten|\bsolo para suscriptores"
    r"|\b(?:artículo|contenido) exclusivo para suscriptores"
    # script notices
    r"|\b(?:please )?(?:enable|turn on|activate) javascript\b|\baktivieren sie javascript\b"
    r"|\bjavascript (?:is )?(?:disabled|required)\b"
    # newsletter and news-tip calls to action
    r"|\bsign(?:ing)? up (?:for|to) (?:our|the) (?:free )?(?:[\w'’-]+ ){0,3}newsletters?\b"
    r"|\b(?:subscribe|sign up) (?:to|for) (?:our|the) (?:free )?(?:[\w'’-]+ ){0,3}newsletters?\b"
    r"|\bnewsletter abonnieren\b|\b(?:do you have|have you got|got|if you have) a (?:story|news tip|tip)\b"
    r"|\bget in touch with (?:our|the) (?:news ?)?(?:team|desk)\b|\bemail us at\b|\bget in touch at \S+@"
    # calls to follow the site elsewhere
    r"|\bfollow us on (?:twitter|x|facebook|instagram|tiktok|threads|linkedin|youtube|bluesky)\b"
    r"|^follow (?!(?:him|her|them|me|you|it|this|that|the advice)\b)(?:us|[\w.'’-]+(?: [\w.'’-]+){0,2})"
    r" on (?:twitter|x|facebook|instagram|tiktok|threads|linkedin"
    r"|youtube|whatsapp|telegram|bluesky|google news)\b|\bfor more stories like this\b"
    r"|^follow (?:[\w.-]+['’]s )?(?:full |complete |all |live |latest |our |more )?coverage\b"
    # comment-section rules
    r"|\b(?:comments?|coment[aá]rios?|kommentare?|commentaires?|commenti|reacties)\b[^.]{0,120}"
    r"\b(?:moderat\w*|moderador\w*|freigeschaltet|(?:will|shall) not be (?:approved|published)"
    r"|não serão (?:aprovad|publicad)[oa]s|no serán (?:aprobad|publicad)[oa]s|non saranno pubblicat[ie])\b"
    r"|\bsign up (?:for|to) (?:our )?(?:daily |breaking news )?(?:push )?(?:alerts|notifications)\b"
    # the editor in charge, as Chinese sites credit them under the text: "(责编：…)", "责任编辑：…"
    r"|^[(（]?\s*(?:责任编辑|责编)\s*[:：]",
    re.I,
)


def is_notice(text: str) -> bool:
    """Whether a short block is a site notice rather than article text: an affiliate disclosure, a paywall
    or script notice, a newsletter, news-tip or follow-us call to action, a comment-section rule."""
    return len(text) <= 300 and bool(_NOTICE_RE.search(text))
