"""Metadata from text: datelines, agencies, authors, dates, language, outlet names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

import regex
from dateutil import parser as dateutil_parser

from khabar.text.lexicon import AGENCIES, DESK, SITE_WORDS
from khabar.text.normalize import DEVANAGARI_DIGITS, match_text

IST = timezone(timedelta(hours=5, minutes=30))
_F = regex.IGNORECASE | regex.VERSION1

# Month spellings as outlets write them; keys are folded with match_text (no nukta, anusvara).
_HINDI_MONTHS = {
    1: "जनवरी",
    2: "फरवरी",
    3: "मार्च",
    4: "अप्रैल|अप्रेल|अप्रील",
    5: "मई",
    6: "जून",
    7: "जुलाई|जुलाइ",
    8: "अगस्त",
    9: "सितंबर|सितम्बर",
    10: "अक्टूबर|अक्तूबर|अक्तुबर|अक्टुबर",
    11: "नवंबर|नवम्बर",
    12: "दिसंबर|दिसम्बर",
}
_ENGLISH_MONTHS = {
    1: "jan(?:uary)?",
    2: "feb(?:ruary)?",
    3: "mar(?:ch)?",
    4: "apr(?:il)?",
    5: "may",
    6: "june?",
    7: "july?",
    8: "aug(?:ust)?",
    9: "sep(?:t(?:ember)?)?",
    10: "oct(?:ober)?",
    11: "nov(?:ember)?",
    12: "dec(?:ember)?",
}
_ENGLISH_MONTH_RE = {number: regex.compile(pattern) for number, pattern in _ENGLISH_MONTHS.items()}
_HAS_DIGIT = regex.compile(r"\d")
_DEVANAGARI_START = regex.compile(r"\p{Devanagari}")  # undated datelines are a Hindi form
_NOT_LETTER = regex.compile(r"[\W\d_]+")
_MONTH_NUMBER = {match_text(name): number for number, names in _HINDI_MONTHS.items() for name in names.split("|")}
_HINDI_MONTH = "|".join(names for names in _HINDI_MONTHS.values()).replace("फ", "फ\u093c?")
_ENGLISH_MONTH = "|".join(_ENGLISH_MONTHS.values())
_MONTH = rf"(?:{_HINDI_MONTH}|{_ENGLISH_MONTH})\.?"
_DIGIT = r"[0-9०-९]"

_AGENCY_RE = {code: regex.compile(rf"^(?:{words})$", _F) for code, words in AGENCIES.items()}
_AGENCY_IN_TEXT = regex.compile(r"(?:^|[\s(\-–—/:])(" + "|".join(AGENCIES.values()) + r")(?=$|[\s)।.,/:|])", _F)
# An agency in brackets, as datelines print it: "(भाषा)", "(आईएएनएस)", "(एजेंसी)".
_AGENCY_IN_BRACKETS = regex.compile(r"\(\s*(" + "|".join(AGENCIES.values()) + r")\s*\)", _F)

# Days as PTI-Bhasha writes them up to ten and others beyond: in words ("तीन जून"), or as ordinals ("पहली जून",
# "पांचवीं"); keys folded with match_text.
_DAY_WORDS = (
    "एक दो तीन चार पांच|पाँच छह|छः|छ सात आठ नौ दस ग्यारह बारह तेरह चौदह पंद्रह|पन्द्रह सोलह सत्रह अठारह "
    "उन्नीस बीस इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस|सत्ताइस अट्ठाईस|अठ्ठाईस|अठाईस उनतीस|उन्तीस तीस "
    "इकतीस|इकत्तीस"
)
_ORDINALS = {"पहली": 1, "पहला": 1, "दूसरी": 2, "दूसरा": 2, "तीसरी": 3, "तीसरा": 3, "चौथी": 4, "चौथा": 4, "छठी": 6}
_DAY_NUMBER = {
    match_text(word + suffix): day
    for day, words in enumerate(_DAY_WORDS.split(), start=1)
    for word in words.split("|")
    for suffix in ("", "वीं", "वें", "वां", "वाँ")
} | {match_text(word): day for word, day in _ORDINALS.items()}
_DAY_WORD = (
    r"(?:(?:"
    + "|".join(sorted({w for ws in _DAY_WORDS.split() for w in ws.split("|")}, key=len, reverse=True))
    + r")(?:वीं|वें|वां|वाँ)?|"
    + "|".join(_ORDINALS)
    + r")(?![\p{L}\p{M}])"
)

# A place's letters; the visarga (ः) is left out: outlets print it as a colon after the place ("लखनऊः").
# Zero-width joiners stay inside a word as outlets type it ("दिल्‍ली").
_LETTER = r"[[\p{L}\p{M}\u200c\u200d]--[\u0903]]"
_PLACE_CHAR = r"[[\p{L}\p{M}.\-\u200c\u200d]--[\u0903]]"
_PLACE = rf"(?P<place>\p{{Lu}}?{_LETTER}{_PLACE_CHAR}*(?:[ /]{_LETTER}{_PLACE_CHAR}*){{0,3}}?)"
_DAY = rf"(?:{_DIGIT}{{1,2}}(?:st|nd|rd|th)?|{_DAY_WORD})"
# ANI adds the country in square brackets: "नई दिल्ली [भारत], 12 जून (एएनआई):".
_DATELINE = regex.compile(
    rf"^{_PLACE}(?:\s*\[[^\[\]]{{1,30}}\])?\s*[,،]?\s*(?:(?P<day>{_DAY})\s+(?P<month>{_MONTH})|(?P<month>{_MONTH})\s+(?P<day>{_DAY})"
    rf"|(?P<month>{_HINDI_MONTH})(?=\s*[(।:]))"
    rf"(?:,?\s+(?P<year>{_DIGIT}{{4}}))?\s*(?:\((?P<agency>[^()]{{1,30}})\))?(?:\s*(?P<sep>[।:ः|\-–—.])|(?<=\))\s|$)",
    _F | regex.VERSION1,
)
# The cheap test before _DATELINE: a digit or a Hindi month among the first words.
_DATE_HINT = regex.compile(rf"\d|{_HINDI_MONTH}", _F)
# Words are possessive (++): what may follow a word is never a letter, so giving letters back cannot help.
_DATELINE_NO_DATE = regex.compile(
    rf"^(?:(?:{_LETTER}++\s+)?(?:संवाददाता|ब्यूरो|डेस्क|जेएनएन),\s*)?"
    rf"(?P<place>{_LETTER}++(?:\s{_LETTER}++)?)\s*"
    rf"(?:,\s*(?:(?P<agency_word>एजेंसी|आईएएनएस|भाषा|वार्ता|यूएनआई|पीटीआई|एएनआई)|{DESK}|संवाददाता))?"
    r"\s*(?:\((?P<agency>[^()]{1,30})\))?\s*[।|:.ः]\s",
    _F | regex.VERSION1,
)
DATELINE_WORDS = 7  # words a dateline runs to: a place of up to four words, a day, a month, the agency
# A reporter's name in brackets before an agency dateline: "(ललित के झा) वाशिंगटन, 12 जून (भाषा)".
_BRACKETED = regex.compile(r"^\((?P<inner>(?=[^()]*\p{L})[^()]{2,40})\)\s*(?=\S)")
_DATE_DMY = regex.compile(
    rf"(?P<day>{_DIGIT}{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH}),?\s+(?P<year>{_DIGIT}{{4}})", _F
)
_DATE_MDY = regex.compile(rf"(?P<month>{_MONTH})\s+(?P<day>{_DIGIT}{{1,2}}),?\s+(?P<year>{_DIGIT}{{4}})", _F)
# Not inside a longer run of digits: "99999-01-01" holds no date.
_DATE_ISO = regex.compile(
    r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_DATE_NUMERIC = regex.compile(
    rf"\b(?P<day>{_DIGIT}{{1,2}})[/.-](?P<month>{_DIGIT}{{1,2}})[/.-](?P<year>{_DIGIT}{{4}})\b"
)
_TIME = regex.compile(
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::\d{2})?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?\s*(?P<tz>ist|gmt|utc)?",
    _F,
)
_RELATIVE = regex.compile(r"(?P<n>\d+)\s*(?P<unit>hours?|hrs?|minutes?|mins?|days?|घंटे|घंटा|मिनट|दिन)\s+(?:ago|पहले)", _F)
_NOT_DEVANAGARI = regex.compile(r"\P{Devanagari}+")
_NOT_LATIN = regex.compile(r"\P{Latin}+")
_OUTLET_DOMAIN = regex.compile(r"\b([A-Z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.(?:com|in|co\.in|net|org|news))\b")


@dataclass(frozen=True, slots=True)
class Dateline:
    place: str
    day: int | None
    month: int | None
    year: int | None
    agency: str | None
    text: str


def agency_code(text: str) -> str | None:
    """Map an agency's name as printed ("आईएएनएस", "हि.स.", "भाषा") to its code."""
    cleaned = text.strip(" ()-–—।.:/")
    for code, pattern in _AGENCY_RE.items():
        if pattern.match(cleaned):
            return code
    return None


@lru_cache(maxsize=1 << 12)  # credits and disclaimers repeat on every page of an outlet
def agency_in(text: str) -> str | None:
    """The first agency named anywhere in a credit line or disclaimer."""
    match = _AGENCY_IN_TEXT.search(text)
    return agency_code(match.group(1)) if match else None


def has_digit(text: str) -> bool:
    return _HAS_DIGIT.search(text) is not None


@lru_cache(maxsize=256)  # cleaning asks twice for a document's first paragraph
def parse_dateline(paragraph: str) -> Dateline | None:
    # A dated dateline has its day within its first seven words (a place of four words, a comma, a month):
    # most paragraphs are spared the costly full pattern.
    match = _DATELINE.match(paragraph) if _DATE_HINT.search(" ".join(paragraph.split(None, 7)[:7])) else None
    if match:
        return Dateline(
            place=match["place"].strip(),
            day=day_number(match["day"]) if match["day"] else None,
            month=month_number(match["month"]),
            year=int(match["year"].translate(DEVANAGARI_DIGITS)) if match["year"] else None,
            agency=agency_code(match["agency"]) if match["agency"] else None,
            text=match.group(0).rstrip("।:|-–—. "),
        )
    match = _DATELINE_NO_DATE.match(paragraph)
    if match and not _HAS_DIGIT.search(match["place"]) and _DEVANAGARI_START.match(match["place"]):
        agency = match["agency"] or match["agency_word"]
        return Dateline(
            place=match["place"].strip(),
            day=None,
            month=None,
            year=None,
            agency=agency_code(agency) if agency else None,
            text=match.group(0).rstrip("।|:ः. "),
        )
    return None


def day_number(text: str) -> int | None:
    """A day of the month as datelines print it: "3", "०३", "3rd", "तीन", "पहली", "पांचवीं"."""
    digits = text.translate(DEVANAGARI_DIGITS).rstrip("stndrhSTNDRH")
    if digits.isdigit():
        return int(digits)
    return _DAY_NUMBER.get(match_text(text))


def bracketed_byline(paragraph: str) -> tuple[str, str] | None:
    """A bracketed note before a dateline ("(ललित के झा) वाशिंगटन, …") and the paragraph after it."""
    match = _BRACKETED.match(paragraph)
    if not match or agency_code(match["inner"]):
        return None
    rest = paragraph[match.end() :]
    return (match.group(0).strip(), rest) if parse_dateline(rest) else None


def agency_in_brackets(text: str) -> str | None:
    """An agency in brackets among a paragraph's first words, where a dateline that did not parse still shows it
    ("नई दिल्ली, चार अप्रैल (आईएएनएस)।"); not later, where "(भाषा)" may be a word of the text."""
    head = text[:120]
    if "(" not in head:
        return None
    head = " ".join(head.split(None, DATELINE_WORDS)[:DATELINE_WORDS])
    match = _AGENCY_IN_BRACKETS.search(head)
    return agency_code(match.group(1)) if match else None


@lru_cache(maxsize=1024)  # a few dozen spellings
def month_number(name: str) -> int | None:
    name = name.rstrip(".").casefold()
    folded = match_text(name)
    if folded in _MONTH_NUMBER:
        return _MONTH_NUMBER[folded]
    for number, pattern in _ENGLISH_MONTH_RE.items():
        if pattern.fullmatch(name):
            return number
    return None


EARLIEST_YEAR = 1990  # no news khabar reads is older; a smaller "year" is a number of something


def plausible_year(year: int) -> bool:
    """A year a publication date can have: from 1990 to next year (a table's "6797" is a count)."""
    return EARLIEST_YEAR <= year <= datetime.now(UTC).year + 1


def parse_published(text: str, reference: datetime | None = None) -> datetime | None:
    """A publication time from a timestamp line: English, Hindi, ISO 8601, or relative to `reference`."""
    found = published_in(text, reference)
    return found[0] if found else None


def published_in(text: str, reference: datetime | None = None) -> tuple[datetime, str] | None:
    """A time printed in a line and its precision: `datetime` when a clock time is given, else `date`
    (the start of the day in IST). A relative time ("3 hours ago") needs the moment the page was read."""
    iso = _DATE_ISO.search(text)
    if iso:
        try:
            found = dateutil_parser.isoparse(iso.group(0))
            precision = "datetime" if len(iso.group(0)) > 10 else "date"
            return (found if found.tzinfo else found.replace(tzinfo=IST)), precision
        except ValueError:
            pass
    for pattern in (_DATE_DMY, _DATE_MDY, _DATE_NUMERIC):
        match = pattern.search(text)
        if match:
            return _with_time(match, text[match.end() :])
    relative = _RELATIVE.search(text)
    if relative and reference:
        unit = relative["unit"].casefold()
        hours = 1 / 60 if unit.startswith(("min", "मिनट")) else 24 if unit.startswith(("day", "दिन")) else 1
        return reference - timedelta(hours=int(relative["n"]) * hours), "datetime" if hours < 24 else "date"
    return None


def _with_time(match: regex.Match[str], after: str) -> tuple[datetime, str] | None:
    month_text = match["month"]
    month = int(month_text.translate(DEVANAGARI_DIGITS)) if month_text.isdigit() else month_number(month_text)
    if month is None:
        return None
    try:
        day = date(
            int(match["year"].translate(DEVANAGARI_DIGITS)), month, int(match["day"].translate(DEVANAGARI_DIGITS))
        )
    except ValueError:
        return None
    hour = minute = 0
    tz = IST
    clock = _TIME.match(after.lstrip(" ,|-–at"))
    precision = "date"
    if clock:
        hour, minute = int(clock["hour"]), int(clock["minute"])
        ampm = (clock["ampm"] or "").casefold().replace(".", "")
        hour = hour % 12 + 12 if ampm == "pm" else (0 if ampm == "am" and hour == 12 else hour)
        if clock["tz"] and clock["tz"].casefold() in ("gmt", "utc"):
            tz = UTC
        if hour > 23 or minute > 59:
            hour = minute = 0
        else:
            precision = "datetime"
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz), precision


def is_date_line(text: str) -> bool:
    """True when a short line is a date and little else ("April 25, 2024", "12 जुलाई 2025, 10:30 IST"), with a
    year a publication can have: "07 अप्रैल  6797" is a row of a table, not a date."""
    for pattern in (_DATE_ISO, _DATE_DMY, _DATE_MDY, _DATE_NUMERIC):
        match = pattern.search(text)
        if match:
            year = int((match.groupdict().get("year") or match.group(0)[:4]).translate(DEVANAGARI_DIGITS))
            rest = _TIME.sub("", text[: match.start()] + text[match.end() :])
            return plausible_year(year) and len(_NOT_LETTER.sub("", rest)) <= 12
    return False


# A row of a table that starts with a day and a month: "7 अप्रैल	4789", "Apr 12 | 1,204 | 3.5%".
_TABLE_ROW = regex.compile(
    rf"^\s*(?:{_DIGIT}{{1,2}}\s+{_MONTH}|{_MONTH}\s+{_DIGIT}{{1,2}})[\s,.:|\-–]+{_DIGIT}[0-9०-९,.\s|%\-–]*$", _F
)


def is_table_row(text: str) -> bool:
    """A day and month followed by numbers only: one row of a table, when its neighbours look the same."""
    return _TABLE_ROW.match(text) is not None


_UPDATE_LABEL = regex.compile(r"\b(?:last\s+)?updated\b|अपडेटेड?|अद्यतन", regex.IGNORECASE)
_PUBLISH_LABEL = regex.compile(
    r"\b(?:published|publish\s+date|first\s+published|created\s+on|posted\s+on)\b|प्रकाशित|प्रकाशन", regex.IGNORECASE
)
_CLOCK = regex.compile(r"\d{1,2}[:.]\d{2}")
_REPORTER_PLACE = regex.compile(
    r"(?:संवाददाता|ब्यूरो|डेस्क),\s*(?P<place>\p{Devanagari}[\p{Devanagari}\p{M}]*(?:\s\p{Devanagari}[\p{Devanagari}\p{M}]*)?)"
    r"(?=\s+\P{Devanagari}|$)"
    r"|^(?P<place2>\p{Devanagari}[\p{Devanagari}\p{M}]+(?:\s\p{Devanagari}[\p{Devanagari}\p{M}]+)?)\s*\d+\s*(?:घंटे|मिनट|दिन)\s+पहले"
)


def is_stamp_line(text: str) -> bool:
    """A short line that carries a date and a clock time: a timestamp, whatever else it says."""
    return bool(_CLOCK.search(text)) and parse_published(text) is not None


def publication_times(stamps: list[str], reference: datetime | None) -> list[tuple[datetime, str]]:
    """The publication times among timestamp and byline lines with their precision, labelled publication
    times first, then unlabelled ones; an update time is not a publication time and is never used."""
    labelled, unlabelled = [], []
    for text in stamps:
        update = _UPDATE_LABEL.search(text)
        publish = _PUBLISH_LABEL.search(text)
        if publish and (not update or publish.start() < update.start()):
            labelled.append(text[publish.start() : update.start() if update else None])
        elif publish and update:
            labelled.append(text[publish.start() :])
        elif not update:
            unlabelled.append(text)
    return [found for text in labelled + unlabelled if (found := published_in(text, reference))]


def reporter_place(text: str) -> str | None:
    """The place of an own reporter's byline: "संवाददाता, गुमला", "भोपाल2 घंटे पहले"."""
    match = _REPORTER_PLACE.search(text)
    return (match["place"] or match["place2"]) if match else None


def language_of(text: str) -> str:
    sample = text[:2000]
    devanagari = len(_NOT_DEVANAGARI.sub("", sample))
    latin = len(_NOT_LATIN.sub("", sample))
    if devanagari >= latin and devanagari:
        return "hi"
    return "en" if latin else "und"


_COPYRIGHT_HOLDER = regex.compile(
    r"(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)?(?P<name>[^.,|©\d][^.,|©]{1,39}?)\s*[.,|]",
    regex.IGNORECASE,
)


def outlet_in(text: str) -> str | None:
    """An outlet's name printed in a disclaimer ("BhaskarHindi.com") or copyright line ("© 2025 Jansatta.")."""
    match = _OUTLET_DOMAIN.search(text)
    if match:
        return match.group(1)
    holder = _COPYRIGHT_HOLDER.search(text)
    if holder and not regex.match(r"(?i)all\s+rights", holder["name"]):
        return holder["name"].strip()
    return None


_NAME_WORDS = r"[\p{L}\p{M}.]+(?:\s+[\p{L}\p{M}.]+){0,3}?"
# "… सबसे पहले मिलेगी आपको सिर्फ Zee News Hindi पर." in a promo line.
_OUTLET_PROMO = regex.compile(
    rf"(?:सिर्फ|केवल)\s+(?P<name>{_NAME_WORDS})\s+पर(?![\p{{L}}\p{{M}}])|only\s+on\s+(?P<name>{_NAME_WORDS})(?=[.,!|]|$)"
)
# "… । वेबदुनिया इनकी चिकित्सकीय पुष्टि नहीं करता।": a disclaimer whose subject is the outlet.
_OUTLET_DENIES = regex.compile(
    r"(?:^|[।.:]\s+)(?P<name>[\p{L}\p{M}.]+(?:\s+[\p{L}\p{M}.]+){0,2}?)\s+"
    r"(?:इसकी|इनकी|इस\s+बात\s+की|इस\s+(?:जानकारी|खबर|ख़बर|दावे)\s+की|इनमें\s+से\s+किसी\s+की)\s+"
    r"(?:[\p{L}\p{M}]+\s+)?पुष्टि\s+नहीं\s+कर(?:ता|ती)"
)
_TITLE_CASE = regex.compile(r"^\p{Lu}[\p{L}.]*(?:\s+\p{Lu}[\p{L}.]*)*$")


def outlet_promoted(text: str) -> str | None:
    """The outlet a promo line sends readers to: a name in title case or with a news word ("सिर्फ X पर")."""
    match = _OUTLET_PROMO.search(text)
    name = match["name"] if match else ""
    return name if _TITLE_CASE.match(name) or SITE_WORDS.search(name) else None


def outlet_disclaiming(text: str) -> str | None:
    """The outlet that, in its disclaimer, does not vouch for what it printed ("X इसकी पुष्टि नहीं करता")."""
    match = _OUTLET_DENIES.search(text)
    return match["name"] if match else None


# "Ratan Gupta लाइव हिन्दुस्तान, पटना…": a writer's name and the outlet glued, told apart by their scripts.
_CREDIT = regex.compile(
    r"^(?P<author>\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+){1,3})\s+(?P<outlet>\p{Devanagari}+(?:\s+\p{Devanagari}+){0,2})\s*,"
    r"|^(?P<author>\p{Devanagari}+(?:\s+\p{Devanagari}+){1,3})\s+(?P<outlet>\p{Lu}[\p{L}.]*(?:\s+\p{Lu}[\p{L}.]*){0,2})\s*,"
)


def credit_line(text: str) -> tuple[str, str] | None:
    """A writer and an outlet from a byline that runs them together, when the outlet's name has a news word."""
    match = _CREDIT.match(text)
    return (match["author"], match["outlet"]) if match and SITE_WORDS.search(match["outlet"]) else None
