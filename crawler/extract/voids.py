"""Void elements libxml2 does not know as void: what it nested inside them goes back after them.

HTML5 made `<embed>`, `<source>`, `<track>`, `<wbr>` (and the obsolete `<keygen>`, `<bgsound>`) void:
they never have content, so `<embed src=x>` needs no end tag. libxml2's HTML parser predates that and
keeps such an element open until its parent closes, nesting the rest of the paragraph (or of the
article) inside it; dropping the embed would then drop that text too. `release_void_content()` moves
it back where a browser has it: right after the element.
"""

from __future__ import annotations

import lxml.html

UNKNOWN_VOID_TAGS = ("embed", "source", "track", "param", "wbr", "keygen", "bgsound", "basefont")
"""Void in HTML5; libxml2 opens them as ordinary elements (`param` it already closes; kept for safety)."""


def release_void_content(root: lxml.html.HtmlElement) -> None:
    """Move the text and elements nested inside void elements to just after them, in order. In place."""
    for el in list(root.iter(*UNKNOWN_VOID_TAGS)):
        parent = el.getparent()
        if parent is None or (not el.text and len(el) == 0):
            continue
        tail = el.tail or ""
        el.tail = el.text
        el.text = None
        last = el
        for offset, child in enumerate(list(el), start=1):
            parent.insert(parent.index(el) + offset, child)  # moves the child with its tail
            last = child
        last.tail = (last.tail or "") + tail
