"""Pages nested deeper than libxml2 allows: re-emit the HTML with its nesting capped, keeping every word.

libxml2's HTML parser stops at 256 open elements and drops everything after that point, so a page
that wraps its article in hundreds of `<div>`s (or a hostile one nested 10 000 deep) loses all of
its text. `cap_nesting()` re-tokenises such a page with the standard library's tokenizer and writes
it out again with bounded nesting, for libxml2 to parse a second time:

- from SOFT_DEPTH on, a bare wrapper (`<div>`, `<span>`, … without attributes) opened as the first
  thing inside another bare wrapper merges into it: chains of empty wrappers become one element,
  and whatever they wrap keeps its own structure;
- from HARD_DEPTH on, no element adds a level: its content flows into the element at that depth,
  much as browsers attach elements past their own depth limit to an element higher up.
"""

from __future__ import annotations

import html
import logging
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

logger = logging.getLogger(__name__)

SOFT_DEPTH = 128
HARD_DEPTH = 192
VOID_TAGS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source",
    "track", "wbr", "basefont", "bgsound", "frame",
})
WRAPPER_TAGS = frozenset({"div", "span", "section", "article", "main", "font", "center"})
_NAME_RE = re.compile(r"^[A-Za-z_:][-A-Za-z0-9_:.]*$")


@dataclass(slots=True)
class _Element:
    tag: str
    written: bool
    """False for an element merged into its parent or opened past HARD_DEPTH (no tags in the output)."""
    bare: bool = False
    """A wrapper tag without attributes."""
    empty: bool = True
    """Nothing but white space inside so far."""
    count: int = 1
    """How many open elements of the input this entry stands for (runs of unwritten ones share one)."""


class _CappedWriter(HTMLParser):
    """Tokens in, HTML out, with at most HARD_DEPTH elements open in the output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[_Element] = []
        """Every open element of the input."""
        self.written: list[_Element] = []
        """The open elements that are in the output (its nesting is len(written))."""
        self.open_names: Counter[str] = Counter()
        self.merged = 0

    def _content(self, text: str) -> None:
        self.out.append(text)
        if self.written:
            self.written[-1].empty = False

    def handle_decl(self, decl: str) -> None:
        if decl.lower().startswith("doctype"):
            self.out.append(f"<!{decl}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not _NAME_RE.match(tag):
            return
        start = _start_tag(tag, attrs)
        if tag in VOID_TAGS:
            self._content(start)
            return
        bare = tag in WRAPPER_TAGS and not attrs
        parent = self.written[-1] if self.written else None
        depth = len(self.written)
        merge = bare and depth >= SOFT_DEPTH and parent is not None and parent.bare and parent.empty
        written = not merge and depth < HARD_DEPTH
        self.merged += merge
        self.open_names[tag] += 1
        top = self.stack[-1] if self.stack else None
        if not written and top is not None and not top.written and top.tag == tag:
            top.count += 1  # a run of unwritten elements: one entry (hostile pages nest millions)
            return
        element = _Element(tag, written=written, bare=bare)
        if written:
            self._content(start)
            self.written.append(element)
        self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if _NAME_RE.match(tag):
            self._content(_start_tag(tag, attrs) + ("" if tag in VOID_TAGS else f"</{tag}>"))

    def handle_endtag(self, tag: str) -> None:
        if not self.open_names[tag]:
            return  # a stray end tag
        while self.stack:
            element = self.stack[-1]
            self.open_names[element.tag] -= 1
            element.count -= 1
            if element.count == 0:
                self.stack.pop()
                if element.written:
                    self.out.append(f"</{element.tag}>")
                    self.written.pop()
            if element.tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.cdata_elem is not None:  # script/style: raw text, as the tokenizer gave it
            self._content(data)
        elif data.strip():
            self._content(html.escape(data, quote=False))
        else:
            self.out.append(data)

    def close(self) -> None:
        super().close()
        while self.stack:
            element = self.stack.pop()
            if element.written:
                self.out.append(f"</{element.tag}>")


def _start_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    parts = [tag]
    for name, value in attrs:
        if _NAME_RE.match(name):
            parts.append(name if value is None else f'{name}="{html.escape(value, quote=True)}"')
    return "<" + " ".join(parts) + ">"


def cap_nesting(text: str) -> str:
    """The page's HTML again, nested at most HARD_DEPTH elements deep (comments dropped)."""
    writer = _CappedWriter()
    writer.feed(text)
    writer.close()
    logger.debug("Capped the nesting of a page: %d bare wrapper(s) merged", writer.merged)
    return "".join(writer.out)
