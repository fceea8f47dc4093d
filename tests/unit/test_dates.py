"""Date parsing: machine-readable values and visible date lines (English, Khmer, European)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.extract.dates import parse_date, parse_dateline, to_ascii_digits

ICT = timezone(timedelta(hours=7))


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-10-18T10:58:50+07:00", datetime(2024, 10, 18, 10, 58, 50, tzinfo=ICT)),
    ("2024-10-18T03:58:50Z", datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)),
    ("2024-10-18T03:58:50.123Z", datetime(2024, 10, 18, 3, 58, 50, 123000, tzinfo=UTC)),
    ("2024-10-18T10:58:50", datetime(2024, 10, 18, 10, 58, 50)),  # no zone: naive, the site's zone applies later
    ("2024-10-18", datetime(2024, 10, 18)),
    ("  2024-10-18 10:58  ", datetime(2024, 10, 18, 10, 58)),
    ("Fri, 18 Oct 2024 10:58:50 +0700", datetime(2024, 10, 18, 10, 58, 50, tzinfo=ICT)),  # RFC 2822
    ("Fri, 18 Oct 2024 03:58:50 GMT", datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)),
    ("October 18, 2024 10:58 ICT", datetime(2024, 10, 18, 10, 58, tzinfo=ICT)),
    (1729223930, datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)),  # epoch seconds
    ("1729223930000", datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC)),  # epoch milliseconds
    ("២០២៤-១០-១៨", datetime(2024, 10, 18)),  # Khmer digits
])
def test_parse_date(value: object, expected: datetime) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", [None, "", "   ", "garbage", "3 hours ago", "yesterday", "1850-01-01", "9999-01-01",
                                   True, ["2024-10-18"], "October 18", "x" * 500])
def test_parse_date_rejects(value: object) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(("line", "expected"), [
    ("Publication date 18 October 2024 | 10:58 ICT", datetime(2024, 10, 18, 10, 58, tzinfo=ICT)),
    ("Publication date 22 October 2024 | 15:40 ICT", datetime(2024, 10, 22, 15, 40, tzinfo=ICT)),
    ("កាលបរិច្ឆេទចេញផ្សាយ ២៥ តុលា ២០២៤ | ០៨:៣០ ICT", datetime(2024, 10, 25, 8, 30, tzinfo=ICT)),
    ("២ មករា ២០២៥", datetime(2025, 1, 2)),
    ("October 18, 2024 10:58 am", datetime(2024, 10, 18, 10, 58)),
    ("Oct. 3, 2023 at 5:07 p.m. EDT", datetime(2023, 10, 3, 17, 7, tzinfo=timezone(timedelta(hours=-4)))),
    ("Updated 12:15 am, 1 March 2024", datetime(2024, 3, 1, 0, 15)),
    ("Posted: 2024-10-18 10:58 GMT+7", datetime(2024, 10, 18, 10, 58, tzinfo=ICT)),
    ("18.10.2024, 14:05 Uhr", datetime(2024, 10, 18, 14, 5)),
    ("le 5 mars 2024 à 10h30", datetime(2024, 3, 5, 10, 30)),
    ("18 de octubre de 2024", datetime(2024, 10, 18)),
    ("Friday, 25 October 2024", datetime(2024, 10, 25)),
    ("Published 1st Feb 2024 09:00 UTC", datetime(2024, 2, 1, 9, 0, tzinfo=UTC)),
])
def test_parse_dateline(line: str, expected: datetime) -> None:
    assert parse_dateline(line) == expected


@pytest.mark.parametrize("line", ["", "Breaking News", "3 hours ago", "31 February 2024", "Mayor 12 says 2024",
                                  "Page 2 of 10"])
def test_parse_dateline_rejects(line: str) -> None:
    assert parse_dateline(line) is None


def test_ict_line_and_iso_value_give_the_same_instant() -> None:
    visible = parse_dateline("Publication date 18 October 2024 | 10:58 ICT")
    machine = parse_date("2024-10-18T10:58:00+07:00")
    assert visible == machine
    assert visible is not None and visible.astimezone(UTC) == datetime(2024, 10, 18, 3, 58, tzinfo=UTC)


def test_to_ascii_digits() -> None:
    assert to_ascii_digits("០១២៣៤៥៦៧៨៩ ๐๙ ٣ ７") == "0123456789 09 3 7"
    assert to_ascii_digits("plain 123") == "plain 123"


def test_a_dotted_date_in_a_machine_field_is_day_first() -> None:
    """Some CMSs write article:published_time as "10.12.2022, 07:00:03": 10 December, not 12 October."""
    from crawler.extract.dates import parse_date

    found = parse_date("10.12.2022, 07:00:03")
    assert found is not None and (found.year, found.month, found.day, found.hour) == (2022, 12, 10, 7)
    found = parse_date("03.04.2021")
    assert found is not None and (found.month, found.day) == (4, 3)
