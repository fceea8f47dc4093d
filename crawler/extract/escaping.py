"""Escaping for kramdown/GFM Markdown: text that must show literally, link destinations, code spans.

Only characters that would change the rendering are escaped, so the Markdown stays readable.
"""

from __future__ import annotations

import re

from crawler.extract.text import collapse_ascii_ws

_INLINE_ESCAPE_RE = re.compile(r"([\\*_`\[\]<|])")
_ENTITY_LIKE_RE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START_RE = re.compile(r"^(?:[#>]|[-+](?=\s|$)|:(?=\s|$))")
_ORDERED_RE = re.compile(r"^(\d+)([.)])(?=\s|$)")  # "1." for kramdown, "1)" too for CommonMark readers
_RULE_LINE_RE = re.compile(r"^[-= \u00a0]*[-=][-= \u00a0]*$")
_FENCE_LINE_RE = re.compile(r"^~~~")
_URL_UNSAFE_RE = re.compile(r"[\s()<>|\[\]`\\\"]")


def escape_text(text: str) -> str:
    """Escape text for use inside a kramdown paragraph (line-start rules are applied per line later)."""
    text = _INLINE_ESCAPE_RE.sub(r"\\\1", text)
    if "{:" in text:
        text = text.replace("{:", "\\{:")
    if "$$" in text:
        text = text.replace("$$", "\\$\\$")
    if "&" in text:
        text = _ENTITY_LIKE_RE.sub("&amp;", text)  # "&copy;" written in the text stays literal
    if "~~" in text:
        text = text.replace("~~", "~&#126;")  # GFM strikethrough
    return text


def escape_line_start(line: str) -> str:
    """Escape what kramdown would read as block syntax at the start of a line of text."""
    if not line:
        return line
    if _RULE_LINE_RE.match(line):  # "---", "===", "- - -": rule or setext underline
        return line.replace("-", "\\-").replace("=", "\\=")
    if _LINE_START_RE.match(line):
        return "\\" + line
    match = _ORDERED_RE.match(line)
    if match:
        return f"{match.group(1)}\\{match.group(2)}{line[match.end():]}"
    if _FENCE_LINE_RE.match(line):
        return "&#126;" + line[1:]
    return line


def escape_markdown(text: str) -> str:
    """Escape plain text (a title, a caption written by hand) so kramdown shows it literally."""
    return "\n".join(escape_line_start(escape_text(line)) for line in text.split("\n"))


def escape_url(url: str) -> str:
    """Percent-encode what would end or confuse a Markdown link destination."""
    return _URL_UNSAFE_RE.sub(lambda m: f"%{ord(m.group(0)):02X}", url)


def code_span(text: str) -> str:
    """Inline code with a backtick fence longer than any run inside."""
    text = collapse_ascii_ws(text)
    if not text.strip():
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
