"""What a user publishing the archive must never serve: active content in the built HTML pages.

`active_content()` lists, for one page, every script, frame, plugin, SVG or MathML island, `<base>`,
meta refresh, event handler, inline style that runs code, and every URL attribute with a
`javascript:`, `vbscript:` or `data:text/html` target (written the ways browsers still accept:
any case, with tabs, newlines or entities inside the scheme). The hostile-page and escaping tests
compare what they find with what the site skeleton itself has (nothing, today).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import lxml.html

ACTIVE_ELEMENTS = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base", "portal",
    "noembed", "template", "form",
})
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "srcset", "data", "poster", "xlink:href", "background", "cite",
    "lowsrc", "dynsrc", "ping", "codebase", "archive", "manifest", "icon",
})
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]+")
BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|livescript|data:text/html|data:image/svg|data:application)", re.I)
_STYLE_CODE = re.compile(r"expression\s*\(|javascript:|behavior\s*:|-moz-binding", re.I)
_RAW_TAGS = ("<script", "<iframe", "<svg", "<object", "<embed", "<base", "<math")


def bad_url(value: str) -> bool:
    """Whether a URL attribute would run code: the scheme as a browser reads it (entities decoded,
    controls and white space inside ignored)."""
    return bool(BAD_SCHEME.match(_IGNORED_IN_SCHEME.sub("", html.unescape(value))))


def active_content(raw: str, where: str = "") -> list[str]:
    """Every piece of active content in one HTML page, described for a message."""
    problems = []
    lowered = raw.lower()
    problems += [f"{where}: raw {tag!r} in the HTML" for tag in _RAW_TAGS if tag in lowered]
    tree = lxml.html.document_fromstring(raw)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower().rpartition("}")[2]
        if tag in ACTIVE_ELEMENTS:
            problems.append(f"{where}: <{tag}> element")
        if tag == "meta" and (element.get("http-equiv") or "").strip().lower() == "refresh":
            problems.append(f"{where}: <meta http-equiv=refresh>")
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                problems.append(f"{where}: {name}= on <{tag}>")
            elif name == "srcdoc":
                problems.append(f"{where}: srcdoc= on <{tag}>")
            elif name == "style" and _STYLE_CODE.search(value):
                problems.append(f"{where}: style={value!r} on <{tag}>")
            elif name in URL_ATTRIBUTES and any(bad_url(part) for part in value.split(",")):
                problems.append(f"{where}: {name}={value!r} on <{tag}>")
    return problems


def site_active_content(site: Path) -> list[str]:
    """Active content in every HTML page of a built site (`_site`)."""
    problems = []
    for path in sorted(site.rglob("*.html")):
        problems += active_content(path.read_text(encoding="utf-8"), path.relative_to(site).as_posix())
    return problems
