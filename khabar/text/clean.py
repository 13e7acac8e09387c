"""Separate an article from the page around it, keeping every removed block for audit.

A dump is read as lines. Each line gets a kind from its wording (`lexicon`) and from its place:
the head (before the dateline or first paragraph), the body, and the tail (after the last
paragraph of prose). Lines of the body are kept unless their wording marks them; short lines of
the tail go only when they are part of a list. In doubt a line stays: lost text is worse than a
leftover prompt.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple, TypeVar

import regex

from khabar.records import ArticleMeta, CleanText, Dated, RemovedBlock
from khabar.text import dates, metadata
from khabar.text.lexicon import (
    JOINING_WORDS,
    LIST_HEADER_KINDS,
    SECTION_WORDS,
    SITE_WORDS,
    TEASER_END,
    disclaimer_cue,
    is_disclaimer,
    is_signoff,
    line_kind,
    may_disclaim,
    opens_disclaimer,
    tail_kind,
)
from khabar.text.normalize import line_keys, match_key
from khabar.text.sentences import tail_sentences

_SENTENCE_END = regex.compile(r"[।॥?!.…。！？]['\"”’)\]」]*$")
_CLOSERS = "'\"”’)]」"  # may follow the stop that ends a line
_FULL_STOPS = frozenset("।॥.。")  # end a statement; a headline may end with ? or !
_EXCLAIMS = frozenset("?!")  # end a question or an exclamation
_DEVANAGARI = regex.compile(r"\p{Devanagari}")
_NOT_DEVANAGARI = regex.compile(r"\P{Devanagari}+")
_NOT_LATIN = regex.compile(r"\P{Latin}+")
_TITLE_SITE = regex.compile(r"^(?P<rest>.{12,}?)\s+[|\-–—]\s+(?P<site>[^|\-–—:]{2,40})$")
_TITLE_PREFIX = regex.compile(r"^(?P<prefix>(?P<label>[^:：|]{1,30}?)\s*[:：|])\s*(?P<rest>\S.+)$")
_BYLINE_LABEL = regex.compile(
    r"^(?:by|written\s+by|authored\s+by|edited\s+by|posted\s+by|reported\s+by|author|लेखक|लेखिका|रिपोर्ट|रिपोर्टर|संवाददाता)\s*[:：\-–]?\s*",
    regex.IGNORECASE,
)
_BYLINE_END = regex.compile(
    r"\s*(?:[|,]|\b(?:updated|published|edited|last|अपडेट)\b|\d{1,2}\s+\p{L}+\s+\d{4}|\p{L}{3}\s+\d{1,2},).*$",
    regex.IGNORECASE,
)
_EDITOR = regex.compile(r"^(?:edited|published)\s+by", regex.IGNORECASE)
# Desks, teams and agencies sign articles too; they are not authors.
_NOT_A_NAME = regex.compile(
    r"[\d/]|(?i:desk|team|bureau|agency|agencies|news|feature|staff|online|web|jnn)|डेस्क|टीम|ब्यूरो|एजेंसी|न्यूज़?|संवाददाता|"
    r"जेएनएन|तस्वीर|फोटो|वीडियो|अपडेट|सुधार|(?:^|\s)(?:साथ|सहित|समेत)(?:\s|$)"
)
_BARE_NAME = regex.compile(
    r"^(?:(?:\p{Lu}\.)+|\p{Lu}\p{Ll}+)(?:\s+(?:(?:\p{Lu}\.)+|\p{Lu}\p{Ll}+))+$"
    r"|^[\p{Devanagari}&&[\p{L}\p{M}]]+(?:\s+[\p{Devanagari}&&[\p{L}\p{M}]]+)+$",
    regex.VERSION1,
)
T = TypeVar("T")
# Where tail_sentences may cut a line: a stop with text after it, or a bracket opening after a space.
_MAY_SPLIT = regex.compile(r"[।॥?!？！.](?=.)|\s[(\[]")
_SENTENCE_STOP = regex.compile(r"[।॥?!]\s+")
TAIL_CHARS = 1200  # characters at the end of a line that may hold its credits and disclaimer
_SLASH = regex.compile(r"\s*/\s*")
EXCLAIMED_PROSE = 12  # words: a line this long ending in ? or ! is a sentence, not a headline
LONG_PARAGRAPH = 45  # words: a line this long is prose even without a full stop; headlines are shorter
HEAD_WINDOW = 20  # lines searched for the dateline
META_WINDOW = 12  # lines in which a byline or timestamp still belongs to the head
TAIL_LINES = 3  # lines, from the last paragraph back, that may end in a credit, a sign-off or a disclaimer
DISCLAIMER_SENTENCES = 4  # sentences a disclaimer may run to


class Line(NamedTuple):  # not a frozen dataclass: one is made per line, and a tuple is made twice as fast
    text: str
    gap_before: bool  # a blank line separates it from the line before
    key: str  # folded words only, for comparing copies
    words: int
    prose: bool
    headline: bool
    wording: str | None  # the boilerplate kind its wording alone shows: a lexicon match, or a date and time


_Facts = tuple[str, int, bool, bool, str | None]  # what a Line says of its text alone: key to wording
# Facts by line text. Lines repeat: page furniture on every page of an outlet, agency copy on many outlets.
_FACTS: dict[str, _Facts] = {}
FACTS_KEPT = 1 << 15  # lines, about 40 MB of news text at most; past this the memory starts afresh


def forget_lines() -> None:
    """Forget what cleaning learnt of the lines it has seen (to measure its speed on unseen text)."""
    _FACTS.clear()
    metadata.parse_dateline.cache_clear()
    _tail_cut.cache_clear()
    _byline_name.cache_clear()
    metadata.agency_in.cache_clear()


def clean(
    text: str, hints: ArticleMeta | None = None, fetched_at: datetime | None = None, fetched_live: bool = False
) -> CleanText:
    """Split storage text into kept paragraphs, removed blocks and metadata. `fetched_at` bounds the dates
    found; `fetched_live` says it is the moment the page was downloaded, so "3 hours ago" can count from it."""
    hints = hints or ArticleMeta()
    lines = _lines(text)
    kinds: list[str | None] = [line.wording for line in lines]
    _table_rows(lines, kinds)
    # Parts cut off a line (a bracketed byline before it, a sign-off after it), by line: (kind, text) in order.
    before: dict[int, list[tuple[str, str]]] = {}
    after: dict[int, list[tuple[str, str]]] = {}
    _bracketed_bylines(lines, kinds, before)
    copies = _head_copies(lines)
    start = _body_start(lines, kinds, copies)
    title, title_prefix, site = _classify_head(lines, kinds, copies, start, hints.title, text)
    _bare_bylines(lines, kinds, start)
    last = _last_prose(lines, kinds, start)
    if _trailing_credits(lines, kinds, start, last, after):
        last = _last_prose(lines, kinds, start)
    _classify_body(lines, kinds, start, last, title)
    _classify_tail(lines, kinds, last)

    removed: list[RemovedBlock] = []
    paragraphs: list[str] = []
    for i, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        for cut_kind, cut_text in before.get(i, ()):
            removed.append(RemovedBlock(len(removed), cut_kind, cut_text))
        if kind is None:
            paragraphs.append(line.text)
        elif kind == "title" and (title_prefix or site) and title:
            if title_prefix:
                removed.append(RemovedBlock(len(removed), "category_label", title_prefix))
            removed.append(RemovedBlock(len(removed), "title", title))
            if site:
                removed.append(RemovedBlock(len(removed), "site_name", site))
        else:
            removed.append(RemovedBlock(len(removed), kind, line.text))
        for cut_kind, cut_text in after.get(i, ()):
            removed.append(RemovedBlock(len(removed), cut_kind, cut_text))
    meta = _metadata(paragraphs, removed, title, hints, fetched_at or datetime.now(UTC), fetched_live)
    return CleanText(tuple(paragraphs), tuple(removed), meta)


def _lines(text: str) -> list[Line]:
    raws = text.split("\n")
    known = [_FACTS.get(raw) for raw in raws]
    new = {raw: None for raw, facts in zip(raws, known, strict=True) if facts is None and raw and not raw.isspace()}
    found = dict(zip(new, map(_facts, new, line_keys("\n".join(new))), strict=True)) if new else {}
    if len(_FACTS) + len(found) > FACTS_KEPT:
        _FACTS.clear()
    _FACTS.update(found)
    lines, gap = [], False
    for raw, facts in zip(raws, known, strict=True):
        if raw and not raw.isspace():
            lines.append(Line(raw, gap, *(facts or found[raw])))
            gap = False
        else:
            gap = True
    return lines


def _facts(text: str, key: str) -> _Facts:
    words = key.count(" ") + 1 if key else 0
    last = text.removesuffix("\n").rstrip(_CLOSERS)[-1:]
    ends = last in _FULL_STOPS  # as the regex [।॥.。][closers]*$
    prose = (
        ((words >= 8 or len(text) >= 60) and ends)
        or (words >= EXCLAIMED_PROSE and last in _EXCLAIMS)
        or words >= LONG_PARAGRAPH
        or len(text) >= 400
    )
    wording = line_kind(text, key)
    if wording is None and not prose and words <= 25 and _is_stamp(text, words):
        wording = "timestamp"
    return key, words, prose, 1 <= words <= 30 and not ends, wording


def _table_rows(lines: list[Line], kinds: list[str | None]) -> None:
    """A date line beside another line of the same shape (a day and month, then numbers) is a row of a
    table ("7 अप्रैल	4789" under "6 अप्रैल	4250"), not a timestamp: it stays in the body."""
    rows = [kind == "timestamp" and metadata.is_table_row(line.text) for line, kind in zip(lines, kinds, strict=True)]
    for i, row in enumerate(rows):
        if row and any(0 <= j < len(lines) and metadata.is_table_row(lines[j].text) for j in (i - 1, i + 1)):
            kinds[i] = None


def _line(text: str, gap_before: bool) -> Line:
    """A Line for part of a line, cut where a credit or a byline was glued to it."""
    return Line(text, gap_before, *(_FACTS.get(text) or _facts(text, match_key(text))))


def _bracketed_bylines(lines: list[Line], kinds: list[str | None], before: dict[int, list[tuple[str, str]]]) -> None:
    """A bracketed note before an agency dateline ("(ललित के झा) वाशिंगटन, 12 जून (भाषा) …"), on the dateline's
    line or alone on the line above it: a reporter's name is the byline; any other note ("(तस्वीरों के साथ)") goes."""
    for i, line in enumerate(lines[:HEAD_WINDOW]):
        if kinds[i] is not None or not line.text.startswith("("):
            continue
        found = metadata.bracketed_byline(line.text)
        if found:
            note, rest = found
            before[i] = [("byline" if _author(note) else "other", note)]
            lines[i] = _line(rest, line.gap_before)
        elif (
            line.text.endswith(")")
            and i + 1 < len(lines)
            and metadata.bracketed_byline(line.text + " " + lines[i + 1].text)
            and _author(line.text)
        ):
            kinds[i] = "byline"


def _trailing_credits(
    lines: list[Line], kinds: list[str | None], start: int, last: int, after: dict[int, list[tuple[str, str]]]
) -> bool:
    """Cut agency credits, sign-offs and disclaimers off the end of the article's last lines, where flattened
    pages glue them to the last sentence; return whether any line changed. Only whole sentences are cut."""
    changed = False
    i, rounds = last, 0
    while start <= i and rounds < TAIL_LINES:  # from the last paragraph back, while whole lines go
        if kinds[i] is None:
            rounds += 1
            cut = _cut_tail(lines, kinds, i, after)
            changed = changed or cut != "none"
            if cut != "whole":
                break
        i -= 1
    first = True
    names: set[str] = set()  # of a sign-off just cut: its last name may fall onto the next line
    for i in range(max(last, start - 1) + 1, len(lines)):  # lines after it: a sign-off only right after it
        if kinds[i] is None:
            if names and set(lines[i].text.split()) <= names:
                kinds[i], changed = "agency_credit", True
                continue
            changed = _cut_tail(lines, kinds, i, after, signoff=first) != "none" or changed
            first = False
        names = (
            _signoff_names(kinds[i], lines[i].text, after.get(i))
            if kinds[i] == "agency_credit" or i in after
            else set()
        )
    return changed


def _signoff_names(kind: str | None, text: str, cut: list[tuple[str, str]] | None) -> set[str]:
    """The editors' names of a sign-off ("भाषा सुरेश माधव") that line ends with, if it does."""
    last = cut[-1] if cut else (kind, text)
    return set(last[1].split()[1:]) if last[0] == "agency_credit" and is_signoff(last[1]) else set()


def _cut_tail(
    lines: list[Line], kinds: list[str | None], i: int, after: dict[int, list[tuple[str, str]]], signoff: bool = True
) -> str:
    """Cut line i's trailing boilerplate sentences; say what went: "none", "part" or "whole"."""
    kept, blocks = _tail_cut(lines[i].text, signoff)
    if not blocks:
        return "none"
    if kept:
        lines[i] = _line(kept, lines[i].gap_before)
        after[i] = list(blocks)
        return "part"
    (kind, text), *rest = blocks
    lines[i] = _line(text, lines[i].gap_before)
    kinds[i] = kind
    if rest:
        after[i] = rest
    return "whole"


@lru_cache(maxsize=1 << 12)  # agency copy ends the same way on every outlet that prints it
def _tail_cut(text: str, signoff: bool) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What stays of a line whose wording marks nothing, and the boilerplate sentences cut off its end."""
    # Only a line's last sentences can go: a long paragraph is cut into sentences from a sentence end on that
    # leaves more than any credit and disclaimer together.
    head = ""
    if len(text) > TAIL_CHARS:
        stop = _SENTENCE_STOP.search(text, len(text) - TAIL_CHARS)
        if stop:
            head, text = text[: stop.end()], text[stop.end() :]
    pieces = tail_sentences(text) if _MAY_SPLIT.search(text) else [text]
    if head:
        pieces.insert(0, head)
    cut, blocks = _credit_suffix(pieces, signoff, may_disclaim(text))
    return "".join(pieces[:cut]).rstrip(), tuple(blocks)


def _credit_suffix(pieces: list[str], signoff: bool, disclaiming: bool) -> tuple[int, list[tuple[str, str]]]:
    """The index of the first trailing sentence that is boilerplate, and the blocks they make, in order."""
    blocks: list[tuple[str, str]] = []
    cut = len(pieces)  # pieces[cut:] are boilerplate
    for j in range(len(pieces) - 1, -1, -1):
        text = pieces[j].strip()
        if len(pieces) == 1:  # the whole line, whose wording marks nothing: a sign-off or a disclaimer
            kind = "agency_credit" if signoff and is_signoff(text) else "disclaimer" if opens_disclaimer(text) else None
        else:
            kind = tail_kind(text, signoff)
        cue = disclaiming and kind is None and disclaimer_cue(text)
        if kind == "disclaimer" or (cue and is_disclaimer("".join(pieces[j:cut]))):
            blocks.append(("disclaimer", "".join(pieces[j:cut]).strip()))
            cut = j
        elif kind is not None and j + 1 == cut:  # nothing pending after it that might be a disclaimer's
            blocks.append((kind, text))
            cut = j
        elif not (cue and cut - j < DISCLAIMER_SENTENCES):
            break
    return cut, blocks[::-1]


def _is_stamp(text: str, words: int) -> bool:
    """A date alone, or a short line with a date and a clock time."""
    if not metadata.has_digit(text):  # every date has one
        return False
    return (words <= 8 and metadata.is_date_line(text)) or metadata.is_stamp_line(text)


@lru_cache(maxsize=64)  # a title's key is wanted a few times while its document is cleaned
def _key(text: str) -> str:
    return match_key(text)


def _head_copies(lines: list[Line]) -> set[int]:
    """Head paragraphs that a later line contains whole (teasers, ledes)."""
    keys = "\n".join(line.key for line in lines)  # keys have no line breaks: a match lies within one key
    found: set[int] = set()
    start = 0  # of the key of the line after line i
    for i, line in enumerate(lines[:HEAD_WINDOW]):
        start += len(line.key) + 1
        if line.prose and i + 1 < len(lines) and keys.find(line.key, start) != -1:
            found.add(i)
    return found


def _body_start(lines: list[Line], kinds: list[str | None], copies: set[int]) -> int:
    """Index of the article's first paragraph."""
    prose_seen = 0
    for i, line in enumerate(lines[:HEAD_WINDOW]):
        if kinds[i] is not None or i in copies or not line.prose:
            continue
        if metadata.parse_dateline(line.text):
            if TEASER_END.search(line.text):
                continue  # a teaser ("…। पढ़ें पूरी खबर।") may open with the dateline it copies
            return i
        prose_seen += 1
        if prose_seen > 1:  # two paragraphs before any dateline: the article began without one
            break
    prose_seen = 0
    after_meta = -1
    for i, line in enumerate(lines[:META_WINDOW]):
        if kinds[i] is not None:
            if prose_seen <= 1:
                after_meta = i
        elif line.prose and i not in copies:
            prose_seen += 1
    for i in range(after_meta + 1, len(lines)):
        if kinds[i] is None and i not in copies and lines[i].prose:
            return i + 1 if _is_standfirst(lines, kinds, i) else i  # only the first paragraph can be one
        if kinds[i] is None and _wrapped(lines, i):
            return i
    return after_meta + 1


def _wrapped(lines: list[Line], i: int) -> bool:
    """A sentence hard-wrapped over lines: this line ends mid-sentence and the next carries on."""
    return (
        lines[i].words >= 6
        and lines[i].text.rstrip().endswith((",", ";"))
        and i + 1 < len(lines)
        and not lines[i + 1].gap_before
        and lines[i + 1].words >= 6
    )


def _is_standfirst(lines: list[Line], kinds: list[str | None], i: int) -> bool:
    """A short paragraph ending in a teaser ("…। जानिए इसके लक्षण और बचाव के तरीके।") right before more prose."""
    return (
        lines[i].words <= 40
        and i + 1 < len(lines)
        and kinds[i + 1] is None
        and lines[i + 1].prose
        and TEASER_END.search(lines[i].text) is not None
    )


def _classify_head(
    lines: list[Line],
    kinds: list[str | None],
    copies: set[int],
    start: int,
    hinted_title: str | None,
    text: str,
) -> tuple[str | None, str | None, str | None]:
    """Name every line before the body; return the title and the category prefix and site name cut from it."""
    title: str | None = None
    prefix: str | None = None
    site: str | None = None
    title_keys: set[str] = set()
    if hinted_title:
        title_keys.add(_key(hinted_title))
        title, prefix, site = _split_title(hinted_title, lines)
        title_keys.add(_key(title))
    has_lede = False
    for i in range(start):
        line = lines[i]
        if kinds[i] is not None:
            continue
        if line.key in title_keys:
            kinds[i] = "repeated_title"
        elif i in copies:
            kinds[i] = "lede" if line.prose and not has_lede and _ends_sentence(line) else "repeated_lead"
            has_lede = has_lede or kinds[i] == "lede"
        elif title is None and line.headline and not line.prose:
            if _is_section_label(line, lines[i + 1 : start]):
                kinds[i] = "category_label"
                continue
            if not _DEVANAGARI.search(line.text) and _mostly_devanagari(text):
                kinds[i] = "other"  # an English slug above a Hindi headline
                continue
            title, prefix, site = _split_title(line.text, lines)
            kinds[i] = "title"
            title_keys.update({line.key, _key(title)})
        elif line.prose and not has_lede:
            kinds[i] = "lede"
            has_lede = True
        else:
            kinds[i] = "other"
    return title, prefix, site


def _bare_bylines(lines: list[Line], kinds: list[str | None], start: int) -> None:
    """A person's name alone on a head line, next to a byline or timestamp, is the byline ("संजय शर्मा")."""
    for i in range(min(start, META_WINDOW)):
        if (
            kinds[i] == "other"
            and _is_bare_name(lines[i].text)
            and not SECTION_WORDS.match(lines[i].text)
            and any(kind in ("byline", "timestamp") for kind in kinds[max(i - 2, 0) : min(i + 3, start)])
        ):
            kinds[i] = "byline"


def _is_section_label(line: Line, following: list[Line]) -> bool:
    if SECTION_WORDS.match(line.text.strip(" :|")):
        return True
    return line.words <= 2 and any(nxt.headline and nxt.words > line.words for nxt in following[:2])


def _split_title(title: str, lines: list[Line]) -> tuple[str, str | None, str | None]:
    """Cut a category prefix ("कूटनीति: …", "UK Heatwave: …") and a site name ("… | Navbharat Times") off a
    title when the page shows they are not part of it."""
    prefix: str | None = None
    site: str | None = None
    suffix = _TITLE_SITE.match(title)
    if suffix and (not _DEVANAGARI.search(suffix["site"]) or SITE_WORDS.search(suffix["site"])):
        title, site = suffix["rest"].strip(), suffix["site"].strip()
    match = _TITLE_PREFIX.match(title)
    if match:
        label, rest = match["label"].strip(), match["rest"].strip()
        english_label = not _DEVANAGARI.search(label) and _DEVANAGARI.search(rest) and len(label.split()) <= 6
        hindi_label = len(label.split()) <= 2 and (
            SECTION_WORDS.match(label) or any(other.key == _key(rest) for other in lines)
        )
        if english_label or hindi_label:
            title, prefix = rest, match["prefix"].strip()
    return title, prefix, site


def _mostly_devanagari(text: str) -> bool:
    sample = text[:800]
    return len(_NOT_DEVANAGARI.sub("", sample)) > len(_NOT_LATIN.sub("", sample))


def _last_prose(lines: list[Line], kinds: list[str | None], start: int) -> int:
    for i in range(len(lines) - 1, start - 1, -1):
        if kinds[i] is None and lines[i].prose:
            return i
    return min(start, len(lines)) - 1  # no prose: everything after the head is tail


def _classify_body(lines: list[Line], kinds: list[str | None], start: int, last: int, title: str | None) -> None:
    """Inside the body only marked lines go: lexicon hits, repeated titles, repeated paragraphs."""
    title_key = _key(title) if title else None
    seen: set[str] = set()
    lead_key = lines[start].key if start < len(lines) else None
    list_kind: str | None = None
    items = 0  # a list under a header ends at the first blank line after its first item
    for i in range(start, last + 1):
        line = lines[i]
        if kinds[i] is not None:
            list_kind = kinds[i] if kinds[i] in LIST_HEADER_KINDS and _header_alone(line) else None
            items = 0
            continue
        if line.key == title_key:
            kinds[i] = "repeated_title"
        elif line.words >= 8 and line.key in seen:
            kinds[i] = "repeated_lead" if line.key == lead_key else "other"
        elif list_kind and line.headline and not line.prose and not (line.gap_before and items):
            kinds[i] = list_kind
            items += 1
        else:
            list_kind = None
        seen.add(line.key)


def _classify_tail(lines: list[Line], kinds: list[str | None], last: int) -> None:
    """After the last paragraph: lists (a header and its items, repeated or runs of headlines) go."""
    tail = range(last + 1, len(lines))
    keys = [lines[i].key for i in tail]
    list_kind: str | None = None
    for i in tail:
        line = lines[i]
        if kinds[i] is not None:
            if kinds[i] in LIST_HEADER_KINDS:
                list_kind = kinds[i]
            continue
        if list_kind and line.headline:
            kinds[i] = list_kind
        elif (line.headline and keys.count(line.key) > 1) or (
            line.headline and _in_headline_run(lines, kinds, i, last)
        ):
            kinds[i] = "related"


def _in_headline_run(lines: list[Line], kinds: list[str | None], i: int, last: int) -> bool:
    """True when line i is one of three or more adjacent unmarked headline-like lines."""

    def unmarked_headline(j: int) -> bool:
        return last < j < len(lines) and kinds[j] in (None, "related") and lines[j].headline

    lo = hi = i
    while unmarked_headline(lo - 1):
        lo -= 1
    while unmarked_headline(hi + 1):
        hi += 1
    return hi - lo + 1 >= 3


def _header_alone(line: Line) -> bool:
    return line.words <= 4


def _ends_sentence(line: Line) -> bool:
    return bool(_SENTENCE_END.search(line.text))


def _metadata(
    paragraphs: list[str],
    removed: list[RemovedBlock],
    title: str | None,
    hints: ArticleMeta,
    fetched_at: datetime,
    fetched_live: bool,
) -> ArticleMeta:
    by_kind: dict[str, list[str]] = {}
    for block in removed:
        by_kind.setdefault(block.kind, []).append(block.text)
    dateline = metadata.parse_dateline(paragraphs[0]) if paragraphs else None
    stamps = by_kind.get("timestamp", []) + by_kind.get("byline", [])
    printed = [
        Dated(at, precision, "dump_text")
        for at, precision in metadata.publication_times(stamps, fetched_at if fetched_live else None)
    ]
    evidence = dates.best([*hints.dates, *printed], fetched_at)
    on_dateline, year_from = (
        dates.dateline_date(dateline.day, dateline.month, dateline.year, evidence, paragraphs[0], fetched_at)
        if dateline
        else (None, None)
    )
    published = evidence or (dates.from_dateline(on_dateline) if on_dateline else None)
    # Every cue names the agency: the dateline, a credit or sign-off, a bracketed agency near the start, the page's
    # own metadata, a disclaimer. A named agency wins over an unnamed one ("एजेंसी").
    cues = itertools.chain(
        (dateline.agency if dateline else None,),
        map(metadata.agency_in, by_kind.get("agency_credit", [])),
        (metadata.agency_code(_byline_name(t)) for t in by_kind.get("byline", [])),
        (metadata.agency_in_brackets(paragraphs[0]) if paragraphs else None, hints.agency),
        (metadata.agency_code(hints.author) if hints.author else None,),
        map(metadata.agency_in, by_kind.get("disclaimer", [])),
    )
    agency = None
    for code in cues:
        agency = agency or code
        if code and code != "AGENCY":
            agency = code
            break
    credit = _first(map(metadata.credit_line, stamps))
    outlet = (
        hints.outlet
        or _first(iter(by_kind.get("site_name", [])))
        or (credit and credit[1])
        or _first(metadata.outlet_in(text) for text in by_kind.get("disclaimer", []) + by_kind.get("other", []))
        or _first(map(metadata.outlet_disclaiming, by_kind.get("disclaimer", [])))
        or _first(metadata.outlet_promoted(t) for t in by_kind.get("other", []) if line_kind(t) == "other")
    )
    return ArticleMeta(
        title=title or hints.title,
        lede=_first(iter(by_kind.get("lede", []))) or hints.lede,
        agency=agency,
        author=_person(hints.author)
        or _first(_author(text) for text in by_kind.get("byline", []) + by_kind.get("agency_credit", []))
        or (credit and _author(credit[0])),
        dateline_place=dateline.place
        if dateline
        else _first(metadata.reporter_place(t) for t in stamps + by_kind.get("other", [])),
        dateline_date=on_dateline,
        published_at=published.at if published else None,
        outlet=outlet,
        published_precision=published.precision if published else None,
        published_source=published.source if published else None,
        dateline_day=dateline.day if dateline else None,
        dateline_month=dateline.month if dateline else None,
        dateline_year_source=year_from,
    )


def _author(text: str) -> str | None:
    """A person's name from a byline or an agency credit ("हिन्दुस्थान समाचार / name / name")."""
    parts = [part.strip() for part in _SLASH.split(text)]
    if len(parts) > 1 and metadata.agency_code(parts[0]):
        name = parts[1]
    elif text.startswith("(") and text.endswith(")"):  # "(ललित के झा)" before an agency dateline
        name = text[1:-1].strip()
    elif _BYLINE_LABEL.match(text) and not _EDITOR.match(text):
        name = _byline_name(text)
    elif _is_bare_name(text):
        name = text.strip()
    else:
        return None
    if not name or metadata.agency_in(name) or len(name.split()) > 4 or _NOT_A_NAME.search(name):
        return None
    return name


def _person(name: str | None) -> str | None:
    """A name the page's metadata gives as author, unless it is an agency or a desk ("IANS", "Digital Desk")."""
    return None if not name or metadata.agency_in(name) or _NOT_A_NAME.search(name) else name


@lru_cache(maxsize=1 << 12)  # an outlet prints the same bylines on many pages
def _byline_name(text: str) -> str:
    """What a byline names, its label and the date or outlet after the name cut off ("By X | Updated …" → "X")."""
    return _BYLINE_END.sub("", _BYLINE_LABEL.sub("", text)).strip()


def _is_bare_name(text: str) -> bool:
    """Two to four words of one script and nothing else ("संजय शर्मा", "R.K. Singh"): how a name stands alone."""
    words = text.split()
    return (
        2 <= len(words) <= 4
        and bool(_BARE_NAME.match(text))
        and not JOINING_WORDS.intersection(words)
        and not _NOT_A_NAME.search(text)
    )


def _first(values: Iterable[T | None]) -> T | None:
    return next((value for value in values if value), None)
