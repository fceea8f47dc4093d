"""Escaping for kramdown/GFM Markdown: text that must show literally, link destinations, code spans.

Only characters that would change the rendering are escaped, so the Markdown stays readable.
"""

from __future__ import annotations

import re

from crawler.extract.text import collapse_ascii_ws, safe_text

_TEXT_ESCAPE_RE = re.compile(
    r"[\\*_`\[\]<|]"         # always: emphasis, code, links, HTML, autolinks, tables, escapes
    r"|\{(?=[:#]|\Z)"         # attribute lists and extensions "{:", header ids "{#"; a last "{" could meet ":"
    r"|\$\$|\$\Z"             # math "$$"; a last "$" could meet the next piece's "$"
    r"|~~|~\Z"                 # GFM strikethrough and fences "~~"
    r"|&(?=#?[A-Za-z0-9]+;|\Z)"  # an entity written in the text ("&copy;") stays literal
)
"""What kramdown would read as syntax in a piece of text, wherever the piece ends up.

A piece is one HTML text node; the converter concatenates pieces with Markdown syntax and other
pieces in between, so a syntax that takes two characters ("{:", "$$", "~~", "&lt;") is escaped
not only inside a piece but also when the piece ends with its first character: whatever comes
next (another text node after an empty element or a comment, a link, a code span), the pair can
never assemble."""
_TEXT_ESCAPES = {"{": "\\{", "$$": "\\$\\$", "$": "\\$", "~~": "~&#126;", "~": "&#126;", "&": "&amp;"}
_LINE_START_RE = re.compile(r"^(?:[#>]|[-+](?=\s|$)|:(?=\s|$))")
_ORDERED_RE = re.compile(r"^(\d+)([.)])(?=\s|$)")  # "1." for kramdown, "1)" too for CommonMark readers
_RULE_LINE_RE = re.compile(r"^[-= \u00a0]*[-=][-= \u00a0]*$")
_FENCE_LINE_RE = re.compile(r"^~~~")
_URL_UNSAFE_RE = re.compile(r"[\s()<>|\[\]`\\\"{}]")


def _escape_match(match: re.Match[str]) -> str:
    piece = match.group()
    return _TEXT_ESCAPES.get(piece) or "\\" + piece


def escape_text(text: str) -> str:
    """Escape a piece of text for a kramdown paragraph so that it shows literally, whatever Markdown
    or other text is written before or after it (line-start rules are applied per line later).
    Control characters go first (`safe_text`), so none can be removed later from between two
    characters that escaping judged apart."""
    return _TEXT_ESCAPE_RE.sub(_escape_match, safe_text(text))


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
    """Percent-encode what would end or confuse a Markdown link destination (control characters go)."""
    return _URL_UNSAFE_RE.sub(lambda m: f"%{ord(m.group(0)):02X}", safe_text(url))


def code_span(text: str) -> str:
    """Inline code with a backtick fence longer than any run inside (control characters go first, so
    no run can grow after the fence was chosen)."""
    text = collapse_ascii_ws(safe_text(text))
    if not text.strip():
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
