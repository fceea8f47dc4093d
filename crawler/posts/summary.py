"""Description fallback: the first body paragraph as plain text, cut at a word boundary."""

from __future__ import annotations

import html
import re

DESCRIPTION_LIMIT = 200
ELLIPSIS = "…"

_BLOCK_SPLIT_RE = re.compile(r"\n[ \t\u00a0]*\n")
_SKIP_BLOCK_RE = re.compile(r"^(?:#{1,6}\s|\||[-*+]\s|\d+[.)]\s|```|~~~|-{3,}$|\*{3,}$|_{3,}$|<)")
_WHOLE_BOLD_RE = re.compile(r"^(\*\*|__)[^*_]+\1$")
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG_RE = re.compile(r"<[^>]+>")
_EMPHASIS_RE = re.compile(r"(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1")
_CODE_RE = re.compile(r"`([^`]*)`")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<\"'$&])")
_QUOTE_RE = re.compile(r"^>\s?", re.M)
_TRAILING_PUNCT = " \t,;:-–—(/"


def plain_text(markdown: str) -> str:
    """A Markdown fragment as a reader sees it: no image, link or emphasis syntax, whitespace collapsed."""
    text = _IMAGE_RE.sub(" ", markdown)
    text = _LINK_RE.sub(r"\1", text)
    text = _TAG_RE.sub("", text)
    text = _CODE_RE.sub(r"\1", text)
    text = _QUOTE_RE.sub("", text)
    for _ in range(2):  # nested emphasis (***bold italic*** is handled by one pass)
        text = _EMPHASIS_RE.sub(r"\2", text)
    text = _ESCAPE_RE.sub(r"\1", text)
    return " ".join(html.unescape(text).split())


def first_paragraph(markdown: str) -> str | None:
    """The first prose paragraph of a Markdown body as plain text (headings, subheads, lists, tables,
    rules, raw HTML and image-only blocks are skipped), or None."""
    for block in _BLOCK_SPLIT_RE.split(markdown.replace("\r\n", "\n")):
        block = block.strip()
        if not block or _SKIP_BLOCK_RE.match(block) or _WHOLE_BOLD_RE.match(block):
            continue
        text = plain_text(block)
        if text:
            return text
    return None


def cut_at_word(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """`text` when it fits in `limit` characters; else cut at the last word boundary with "…" appended
    (the result, ellipsis included, is at most `limit` characters)."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    cut = text[:room]
    if not text[room].isspace():
        space = max(cut.rfind(" "), cut.rfind("\u00a0"))
        if space > room // 2:
            cut = cut[:space]
    return cut.rstrip(_TRAILING_PUNCT) + ELLIPSIS


def fallback_description(body: str, limit: int = DESCRIPTION_LIMIT) -> str | None:
    """The first paragraph of `body`, cut to `limit`; None when the body has no prose paragraph."""
    paragraph = first_paragraph(body)
    return cut_at_word(paragraph, limit) if paragraph else None
