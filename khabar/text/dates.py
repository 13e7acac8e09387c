"""The time model: when an article was published, how precisely, and on whose word; and the year of a
dateline that prints none. docs/time-model.md sets out the rules; this module is their one home.

- Every source of a publication time gives a `Dated` (moment, precision, source). The best is the most
  trusted one within the bounds: page metadata (JSON-LD, then meta tags), the feed that listed the page,
  the sitemap, a record's own field, a date printed in the dump, the dateline.
- A date without a clock time is a date: kept as the start of that day in Asia/Kolkata with precision
  `date`, never as a UTC midnight. A naive time is Indian time.
- Nothing is dated before 1990 or after the fetch time plus one day.
- A year is never taken from the run: a dateline without one takes it from the article's own dated
  evidence, else from a weekday its paragraph names that fits a single candidate year, else stays unknown.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import regex
from dateutil import parser as dateutil_parser

from khabar.records import Dated
from khabar.text import metadata
from khabar.text.metadata import IST

TRUST = ("jsonld", "meta", "feed", "sitemap", "record", "dump_text", "dateline")  # most trusted first
PRECISIONS = ("datetime", "date", "month")
EARLIEST = datetime(metadata.EARLIEST_YEAR, 1, 1, tzinfo=IST)
SLACK = timedelta(days=1)  # a page may carry tomorrow's date in another time zone, or a clock a bit fast
# A weekday names a year only among the years up to the fetch's and this many before it, and only when
# just one of them has the dateline's day on that weekday (a day's weekday repeats every 5, 6 or 11 years,
# so about half the time two candidates fit and the year stays unknown).
WEEKDAY_YEARS = 10

_YEAR_MONTH = regex.compile(r"(?P<year>\d{4})-(?P<month>\d{2})")
_DATE_ONLY = regex.compile(r"\d{4}-\d{2}-\d{2}")
_WEEKDAYS = {
    0: "सोमवार|monday",
    1: "मंगलवार|tuesday",
    2: "बुधवार|wednesday",
    3: "गुरुवार|गुरूवार|बृहस्पतिवार|बृहस्‍पतिवार|वीरवार|thursday",
    4: "शुक्रवार|friday",
    5: "शनिवार|saturday",
    6: "रविवार|इतवार|sunday",
}
_WEEKDAY = regex.compile(
    r"(?<![\p{L}\p{M}])(?:" + "|".join(f"(?P<d{n}>{words})" for n, words in _WEEKDAYS.items()) + r")(?![\p{L}\p{M}])"
    # A weekday followed by its own date is about that date, not the dateline's: "शुक्रवार 1 मई को",
    # "सोमवार यानि चार मई को".
    r"(?!\s*,?\s*(?:[0-9०-९]|यानि|यानी|अर्थात|\())",
    regex.IGNORECASE,
)


def in_bounds(at: datetime, fetched_at: datetime) -> bool:
    """From 1990 to one day after the input was fetched or read."""
    return EARLIEST <= at <= fetched_at + SLACK


def start_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=IST)


def machine_time(value: object, source: str) -> Dated | None:
    """A time as machines write it in page metadata, feeds, sitemaps and records: ISO 8601 and the W3C
    forms (2025-07-13, 2025-07-13T10:00+05:30, 2025-07), RFC 822 (feeds), or a date as people print it."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    month = _YEAR_MONTH.fullmatch(text)
    if month:
        if 1 <= int(month["month"]) <= 12:
            return Dated(datetime(int(month["year"]), int(month["month"]), 1, tzinfo=IST), "month", source)
        return None
    if _DATE_ONLY.fullmatch(text):
        try:
            return Dated(start_of_day(date.fromisoformat(text)), "date", source)
        except ValueError:
            return None
    if text[:4].isdigit() and text[4:5] == "-":
        try:
            found = dateutil_parser.isoparse(text)
            return Dated(found if found.tzinfo else found.replace(tzinfo=IST), "datetime", source)
        except (ValueError, OverflowError):
            pass
    try:
        mailed = email.utils.parsedate_to_datetime(text)  # "Sun, 13 Jul 2025 10:00:00 +0530"
        if ":" not in text:  # "Sun, 13 Jul 2025": a day
            return Dated(start_of_day(mailed.date()), "date", source)
        return Dated(mailed if mailed.tzinfo else mailed.replace(tzinfo=IST), "datetime", source)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    printed = metadata.published_in(text)
    return Dated(printed[0], printed[1], source) if printed else None


def best(candidates: Iterable[Dated], fetched_at: datetime) -> Dated | None:
    """The most trusted candidate within the bounds; of equally trusted ones, the first given."""
    valid = [c for c in candidates if in_bounds(c.at, fetched_at)]
    return min(valid, key=lambda c: TRUST.index(c.source), default=None)


def weekdays_named(text: str) -> set[int]:
    """The weekdays a paragraph names (Monday is 0): "रविवार को", "शनिवार देर रात"."""
    return {int(name[1:]) for match in _WEEKDAY.finditer(text) for name, v in match.groupdict().items() if v}


def dateline_date(
    day: int | None,
    month: int | None,
    year: int | None,
    evidence: Dated | None,
    paragraph: str,
    fetched_at: datetime,
) -> tuple[date | None, str | None]:
    """The date of a dateline and where its year came from (`printed`, `published`, `weekday`). A printed
    year is used as printed. Without one, the year comes from the article's own dated evidence (the year
    that puts the day nearest that date: a 31 December dateline on a page dated 1 January is last year's),
    else from the weekdays its paragraph names when they fit a single candidate year; else it is unknown
    (None), never the year of the run. (A story's dated members are asked later, by the writer.)"""
    if day is None or month is None:
        return None, None
    if year is not None:
        found = _date(year, month, day)
        return (found, "printed") if found and in_bounds(start_of_day(found), fetched_at) else (None, None)
    if evidence is not None:
        anchor = evidence.at.astimezone(IST).date()
        near = [d for y in (anchor.year - 1, anchor.year, anchor.year + 1) if (d := _date(y, month, day))]
        found = min(near, key=lambda d: abs((d - anchor).days), default=None)
        return (found, "published") if found and in_bounds(start_of_day(found), fetched_at) else (None, None)
    named = weekdays_named(paragraph)
    if not named:
        return None, None
    latest = (fetched_at + SLACK).astimezone(IST).date()
    fits = [
        d
        for y in range(latest.year - WEEKDAY_YEARS, latest.year + 1)
        if (d := _date(y, month, day)) and d <= latest and d.weekday() in named
    ]
    return (fits[0], "weekday") if len(fits) == 1 else (None, None)


def from_dateline(day: date) -> Dated:
    return Dated(start_of_day(day), "date", "dateline")


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
