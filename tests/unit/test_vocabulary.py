"""One vocabulary (crawler/extract/vocabulary.py): the words every recogniser takes its patterns from."""

from __future__ import annotations

import re

from crawler.extract.dates import parse_dateline
from crawler.extract.vocabulary import MONTH_NAMES, WEEKDAYS, alternation, month_names, weekday_names


def test_every_month_has_names_and_each_name_one_number() -> None:
    months = month_names()
    assert len(MONTH_NAMES) == 12
    assert (months["january"], months["märz"], months["août"], months["dicembre"], months["okt"]) == (1, 3, 8, 12, 10)
    assert set(months.values()) == set(range(1, 13))


def test_an_alternation_prefers_the_longer_word() -> None:
    pattern = re.compile(rf"^(?:{alternation(['sep', 'sept', 'september', 'a.b'])})")
    assert pattern.match("september 5").group(0) == "september"
    assert pattern.match("sept. 5").group(0) == "sept"
    assert not pattern.match("axb")  # escaped: the dot is a dot


def test_weekdays_by_language() -> None:
    assert weekday_names("de")[:2] == ["montag", "dienstag"]
    assert len(weekday_names()) == sum(len(names.split()) for names in WEEKDAYS.values())


def test_a_month_added_to_the_vocabulary_is_a_date_everywhere() -> None:
    """Dates in the languages of the vocabulary parse (the dates module builds its pattern from it)."""
    for line, day in (("Publié le 3 août 2023", (2023, 8, 3)), ("12 de diciembre de 2024", (2024, 12, 12)),
                      ("Aktualisiert am 5. März 2025", (2025, 3, 5)), ("7 agustus 2022", (2022, 8, 7))):
        found = parse_dateline(line)
        assert found is not None and (found.year, found.month, found.day) == day, line
