"""Pure post building: codes, file names, front matter and the rendered Jekyll post text."""

from __future__ import annotations

from crawler.posts.code import CODE_RE, make_code
from crawler.posts.filename import POSTS_DIR, is_safe_name, post_filename, post_slug, with_suffix
from crawler.posts.frontmatter import (
    DEFAULT_OPTIONAL_FIELDS,
    OPTIONAL_FIELDS,
    format_date,
    parse_front_matter,
    quote,
    split_front_matter,
)
from crawler.posts.render import content_hash, render_post

__all__ = [
    "CODE_RE",
    "DEFAULT_OPTIONAL_FIELDS",
    "OPTIONAL_FIELDS",
    "POSTS_DIR",
    "content_hash",
    "format_date",
    "is_safe_name",
    "make_code",
    "parse_front_matter",
    "post_filename",
    "post_slug",
    "quote",
    "render_post",
    "split_front_matter",
    "with_suffix",
]
