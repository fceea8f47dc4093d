"""crawler/config.py: the project's settings read the way a user writes them, or one SettingError naming them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.config import SettingError, check_settings, optional_fields


def settings(**values: object) -> Settings:
    return Settings({"LOG_LEVEL": "INFO", "ARTICLES_MISSING_MAX_RATIO": 0.2, "ARTICLES_FAILED_MAX_RATIO": 0.2,
                     "IMAGES_RETRY_BASE": 3600.0, "IMAGES_RETRY_MAX": 604800.0,
                     "POST_OPTIONAL_FIELDS": ["author"], **values})


@pytest.mark.parametrize(("value", "fields"), [
    (["author"], ("author",)),
    ('["tags", "author"]', ("tags", "author")),
    ("author, updated", ("author", "updated")),
    ("tags", ("tags",)),
    ("", ()),
    ("[]", ()),
    ('["tags", "tags"]', ("tags",)),
])
def test_optional_fields_are_read_in_every_form(value: object, fields: tuple[str, ...]) -> None:
    assert optional_fields(settings(POST_OPTIONAL_FIELDS=value)) == fields


@pytest.mark.parametrize(("value", "message"), [
    ("foo", "POST_OPTIONAL_FIELDS: unknown field(s) 'foo' (allowed: author, updated, tags, image_origin)"),
    ('["tags", 3]', "POST_OPTIONAL_FIELDS must be a list of names, got ['tags', 3]"),
    ("author; tags",
     "POST_OPTIONAL_FIELDS: unknown field(s) 'author; tags' (allowed: author, updated, tags, image_origin)"),
    ("[tags", "POST_OPTIONAL_FIELDS: '[tags' is not a JSON list of names"),
])
def test_bad_optional_fields_name_the_setting(value: str, message: str) -> None:
    with pytest.raises(SettingError) as caught:
        optional_fields(settings(POST_OPTIONAL_FIELDS=value))
    assert str(caught.value) == message


@pytest.mark.parametrize(("values", "message"), [
    ({"LOG_LEVEL": "loud"}, "LOG_LEVEL (env NEWS_LOG_LEVEL) must be one of"),
    ({"ARTICLES_MISSING_MAX_RATIO": "1.5"}, "ARTICLES_MISSING_MAX_RATIO must be a share between 0 and 1"),
    ({"ARTICLES_FAILED_MAX_RATIO": "most"}, "ARTICLES_FAILED_MAX_RATIO must be a share between 0 and 1"),
    ({"IMAGES_RETRY_BASE": "1h"}, "IMAGES_RETRY_BASE must be a number of seconds, 0 or more"),
    ({"IMAGES_RETRY_MAX": "-5"}, "IMAGES_RETRY_MAX must be a number of seconds, 0 or more"),
    ({"IMAGES_RETRY_MAX": "nan"}, "IMAGES_RETRY_MAX must be a number of seconds, 0 or more"),
])
def test_bad_values_are_refused_with_their_name(values: dict[str, object], message: str) -> None:
    with pytest.raises(SettingError, match=re.escape(message)):
        check_settings(settings(**values))


def test_the_log_files_folder_is_created(tmp_path: Path) -> None:
    log = tmp_path / "var" / "log" / "news" / "ppp.log"
    check_settings(settings(LOG_FILE=str(log), LOG_LEVEL="warning"))
    assert log.parent.is_dir() and not log.exists()
    with pytest.raises(SettingError, match=r"LOG_FILE: .* is a folder, not a file"):
        check_settings(settings(LOG_FILE=str(log.parent)))
