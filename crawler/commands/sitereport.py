"""What `scrapy checksites` shows under each site's line: sample URLs, the checked articles' values, warnings.

Counting fields is not enough to judge a profile: a category present on every article may be the year
of a date permalink, or the same word on every page. So the report shows a few URLs the article rules
accepted and rejected, and the title, date, category and language of each checked article, and warns
about values that look wrong. Pure functions of the check crawl's stats and samples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from crawler.extensions.summary import stat_count

NOT_ARTICLE_WARN_RATIO = 0.2
"""Warn when more than this share of the fetched candidates held no article at all (listings, soft 404s)."""
_NUMBER_RE = re.compile(r"^[\d\s_.-]+$")

Checked = Mapping[str, str | None]


def value_problems(checked: Sequence[Checked]) -> list[str]:
    """Values no profile should produce (the site then counts as failed): a category that is a number."""
    numeric = [c["category"] for c in checked if c.get("category") and _NUMBER_RE.match(c["category"] or "")]
    if numeric:
        return [f"category is a number on {len(numeric)} of {len(checked)} articles ({numeric[0]!r}): "
                "a date permalink? use category.from: section"]
    return []


def warnings(stats: Mapping[str, Any], checked: Sequence[Checked], empty_sources: Sequence[str]) -> list[str]:
    """What looks suspicious without being certainly wrong."""
    out = []
    categories = {c.get("category") for c in checked}
    if len(checked) >= 3 and len(categories) == 1:
        out.append(f"every checked article has the category {next(iter(categories))!r}: is category.from right?")
    fetched = stat_count(stats, "discovery/fetch/check")
    not_article = stat_count(stats, "pages/not_article")
    if fetched and not_article / fetched > NOT_ARTICLE_WARN_RATIO:
        out.append(f"{not_article} of {fetched} fetched candidates hold no article (listings, tag or author "
                   "pages?): tighten articles.allow or add articles.deny")
    if empty_sources:
        out.append(f"{len(empty_sources)} discovery source(s) gave no article URL: {', '.join(empty_sources)}")
    return out


def detail_lines(samples: Mapping[str, Sequence[str]], checked: Sequence[Checked], notes: Sequence[str]) -> list[str]:
    """The indented lines under a site's report line."""
    lines = [f"  {kind}: {', '.join(urls) or '(none)'}" for kind, urls in samples.items()]
    for values in checked:  # the title as a JSON string: quotes in it stay readable and unambiguous
        lines.append(f"  article {values.get('url')}: title {json.dumps(values.get('title'), ensure_ascii=False)}, "
                     f"date {values.get('date')}, category {values.get('category')}, language {values.get('language')}")
    lines.extend(f"  warning: {note}" for note in notes)
    return lines
