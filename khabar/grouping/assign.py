"""Story membership: which story each new article joins, and how each member relates to its story.

Pure functions over what the writer reads from the warehouse: nothing here touches DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import numpy as np

from khabar.config import DedupSettings
from khabar.grouping.matching import (
    Fingerprint,
    found_in,
    paragraph_overlap,
    paragraph_shingles,
    similarity,
    verdict,
)
from khabar.grouping.windows import Compact

PARAGRAPH_SHARED = 0.5  # a paragraph is the canonical's when this share of its shingles is in the canonical
PARAGRAPH_KEPT = 0.9  # ... and kept as it was when its shingles' Jaccard with its canonical paragraph reaches this


@dataclass(frozen=True, slots=True)
class NewArticle:
    article_id: str
    body_sha256: str
    seen: tuple[Any, ...]  # sorts in the order articles were seen
    published: int | None = None  # publication time, epoch microseconds, when known
    day: int | None = None  # day of the year it was published or datelined (`day_of_year`), when known


@dataclass(frozen=True, slots=True)
class Grouping:
    story_of: dict[str, str]  # new article → story
    exact: set[str]  # new articles whose body equals one already grouped
    merges: list[tuple[str, str, str]] = field(default_factory=list)  # (from story, into story, via article)
    links: dict[tuple[str, str], float] = field(default_factory=dict)  # (later story, earlier story) → Jaccard


@dataclass(frozen=True, slots=True)
class Member:
    article_id: str
    body_sha256: str
    seen: tuple[Any, ...]
    agency: str | None
    relation: str  # as stored before this run's refresh
    joined_now: bool  # joined the story in this run
    published: int | None = None  # publication time, epoch µs, when known
    timed: bool = True  # published holds a time of day, not only a date (its 00:00 in India)


@dataclass(frozen=True, slots=True)
class MemberRow:
    article_id: str
    story_id: str
    relation: str  # canonical, exact or near
    similarity: float  # Jaccard of shingles with the canonical
    shared_ratio: float  # share of this article's text that is the canonical's
    added_paragraphs: int  # paragraphs of its own
    removed_paragraphs: int  # paragraphs of the canonical it leaves out
    paragraphs: tuple[ParagraphRow, ...] = ()  # paragraph by paragraph, against the canonical


@dataclass(frozen=True, slots=True)
class ParagraphRow:
    seq: int | None  # the member's paragraph (0-based); None for a canonical paragraph it dropped
    canonical_seq: int | None  # the canonical's paragraph it copies; None for one of its own
    status: str  # kept, edited, added or dropped


@dataclass(frozen=True, slots=True)
class Times:
    """What is known of when a story's members ran: the earliest and latest publication time (epoch µs) of
    those that have one, and the days of the year of all that have a publication time or a dateline."""

    first: int | None = None
    last: int | None = None
    days: frozenset[int] = frozenset()

    def __or__(self, other: Times) -> Times:
        firsts = [t for t in (self.first, other.first) if t is not None]
        lasts = [t for t in (self.last, other.last) if t is not None]
        return Times(min(firsts, default=None), max(lasts, default=None), self.days | other.days)

    def within(self, window: int | None) -> bool:
        """No two known times further apart than `window` µs; days of the year counted round the year's end."""
        if window is None:
            return True
        if self.first is not None and self.last is not None and self.last - self.first > window:
            return False
        return not self.days or _days_spread(self.days) * _DAY_US <= window


_DAY_US = 86_400_000_000
_IST = timedelta(hours=5, minutes=30)
_IST_US = 19_800_000_000  # +05:30 in µs


def group(
    new_articles: Sequence[NewArticle],
    exact_story: Mapping[str, str],
    candidates: Mapping[str, Sequence[str]],
    story_of_known: Mapping[str, str],
    story_seen: Mapping[str, tuple[Any, ...]],
    prints: Mapping[str, Fingerprint],
    settings: DedupSettings = DedupSettings(),
    story_times: Mapping[str, Times] | None = None,
    published: Mapping[str, int] | None = None,
) -> Grouping:
    """Assign new articles, in the order seen, to stories.

    `exact_story` maps body hashes already stored to their story; `candidates` maps a new article to the
    articles sharing an LSH bucket with it, stored or new; `story_of_known` gives stored articles'
    stories, `story_seen` when each stored story was first seen, `story_times` what is known of when its
    members ran, and `published` the known publication times of stored candidates. An article that
    matches several stories bridges them: they merge into the earliest, which keeps its id.

    Time (`publish_window_days`): a story never holds two copies published further apart than the window,
    nor, where the year is unknown, two whose days of the year (a dateline's day and month) are: a copy
    that would stretch it further starts its own story, linked to the one it repeats (`links`). So does a
    copy whose figures disagree (a follow-up), and one matched by paragraph evidence alone but published
    `paragraph_window_hours` or more apart (a later story quoting an earlier one whole).
    """
    story = dict(story_of_known)
    seen = dict(story_seen)
    times: dict[str, Times] = dict(story_times or {})
    window = int(settings.publish_window_days * _DAY_US) if settings.publish_window_days > 0 else None
    near = int(settings.paragraph_window_hours * _DAY_US / 24) if settings.paragraph_window_hours > 0 else None
    when = dict(published or {}) | {a.article_id: a.published for a in new_articles if a.published is not None}
    by_hash = dict(exact_story)
    merged_into: dict[str, str] = {}
    grouping = Grouping({}, set())
    related: list[tuple[str, str, float]] = []  # (new article, story, Jaccard)

    def current(story_id: str) -> str:
        while story_id in merged_into:
            story_id = merged_into[story_id]
        return story_id

    def with_story(story_id: str, own: Times) -> Times:
        return times.get(story_id, Times()) | own

    for article in sorted(new_articles, key=lambda a: a.seen):
        own = Times(article.published, article.published, frozenset({article.day} if article.day else ()))
        exact = current(by_hash[article.body_sha256]) if article.body_sha256 in by_hash else None
        if exact is not None and with_story(exact, own).within(window):
            story[article.article_id] = exact
            times[exact] = with_story(exact, own)
            grouping.exact.add(article.article_id)
            continue
        matched: dict[str, float] = {}
        for other in candidates.get(article.article_id, ()):
            if other not in story or other not in prints:
                continue
            other_story = current(story[other])  # one confirmed member is enough: skip the rest of its story
            if other_story in matched:
                continue
            kind, found = verdict(prints[article.article_id], prints[other], settings)
            if kind == "same" and found.paragraphs and _apart(article.published, when.get(other), near):
                kind = "related"  # paragraph evidence alone, a day or more apart: a later story quoting an earlier one
            if kind == "same" and with_story(other_story, own).within(window):
                matched[other_story] = found.jaccard
            elif kind != "none":
                related.append((article.article_id, other_story, found.jaccard))
        joined, target = own, article.article_id
        for other_story in sorted(matched, key=lambda s: (seen[s], s)):
            wider = with_story(other_story, joined)
            if target == article.article_id:
                target, joined = other_story, wider
            elif wider.within(window):  # bridged: the later story merges into the earlier
                merged_into[other_story] = target
                grouping.merges.append((other_story, target, article.article_id))
                joined = wider
            else:  # bridging would stretch the story past the window: linked instead
                related.append((article.article_id, other_story, matched[other_story]))
        if target == article.article_id:
            seen[target] = article.seen
        story[article.article_id] = target
        times[target] = joined
        by_hash.setdefault(article.body_sha256, target)
    for article in new_articles:
        grouping.story_of[article.article_id] = current(story[article.article_id])
    for article_id, other_story, jaccard in related:
        later, earlier = current(story[article_id]), current(other_story)
        if later != earlier:
            key = (later, earlier) if _runs_later(later, earlier, times, seen) else (earlier, later)
            grouping.links[key] = max(jaccard, grouping.links.get(key, 0.0))
    return grouping


def _runs_later(a: str, b: str, times: Mapping[str, Times], seen: Mapping[str, Any]) -> bool:
    """Whether story `a` came after `b`: by their first known publication, else in the order they were seen."""
    first_a, first_b = times.get(a, Times()).first, times.get(b, Times()).first
    if first_a is not None and first_b is not None and first_a != first_b:
        return first_a > first_b
    return bool((seen[a], a) > (seen[b], b))


def _apart(a: int | None, b: int | None, limit: int | None) -> bool:
    return a is not None and b is not None and limit is not None and abs(a - b) >= limit


def _days_spread(days: frozenset[int]) -> int:
    """The fewest days of a stretch of the year (round its end) holding all these days of the year."""
    ordered = sorted(days)
    gaps = [b - a for a, b in pairwise(ordered)] + [ordered[0] + 366 - ordered[-1]]
    return 366 - max(gaps)


def day_of_year(
    published_us: int | None, dateline: date | None, month: int | None = None, day: int | None = None
) -> int | None:
    """The day of the year (1-366, counted in a leap year so that every year agrees) an article was published,
    in India, else its dateline's, else a year-less dateline's day and month; None when none is known."""
    if published_us is not None:
        dateline = (datetime.fromtimestamp(published_us / 1e6, UTC) + _IST).date()
    if dateline is not None:
        month, day = dateline.month, dateline.day
    if month is None or day is None:
        return None
    try:
        return date(2000, month, day).timetuple().tm_yday
    except ValueError:
        return None


def canonical_of(members: Sequence[Member]) -> Member:
    """The member closest to the agency's original: the earliest-published carrying an agency's credit, else the
    earliest-published; members without a publication time come after, in the order seen. On one day in
    India, a copy whose time is known comes before one dated only by the day, whose time that day is unknown."""

    def when(m: Member) -> tuple[Any, ...]:
        if m.published is None:
            return (True, 0, False, 0, m.seen)
        day = (m.published + _IST_US) // _DAY_US
        return (False, day, not m.timed, m.published, m.seen)

    ordered = sorted(members, key=when)
    return next((m for m in ordered if m.agency), ordered[0])


def to_describe(members: Sequence[Member], merged: bool) -> tuple[Member, list[Member]]:
    """A story's canonical, and the members whose relation must be worked out: all of them when the story
    absorbed another or its canonical changed, else the canonical (whose paragraph rows a story of one
    article does not have yet) and those that joined in this run (the others' rows were worked out against
    the same canonical before)."""
    canonical = canonical_of(members)
    if merged or canonical.relation != "canonical" or canonical.joined_now:
        return canonical, list(members)
    return canonical, [m for m in members if m.joined_now or m is canonical]


def lineage_needed(plans: Iterable[tuple[Member, Sequence[Member]]]) -> set[str]:
    """Articles whose shingles `describe` needs for these (canonical, members) plans: near members, and
    the canonicals they are compared with (whose paragraphs exact copies keep too)."""
    needed = set()
    for canonical, members in plans:
        needed |= {m.article_id for m in members if m.body_sha256 != canonical.body_sha256} | {canonical.article_id}
    return needed


def describe(
    story_id: str,
    canonical: Member,
    members: Sequence[Member],
    kept: Mapping[str, Compact],
    settings: DedupSettings = DedupSettings(),
) -> list[MemberRow]:
    """Relations of these members to the story's canonical, and each member's lineage: which of its
    paragraphs it keeps, edits or adds and which of the canonical's it drops, from the compact shingles of
    the near members and the canonical."""
    canon = kept[canonical.article_id]
    canon_whole = canon.whole(settings.ngram)
    same_rows = tuple(ParagraphRow(seq, seq, "kept") for seq, p in enumerate(canon_whole.paragraphs) if len(p))
    rows = []
    for member in members:
        if member.article_id == canonical.article_id or member.body_sha256 == canonical.body_sha256:
            relation = "canonical" if member.article_id == canonical.article_id else "exact"
            rows.append(MemberRow(member.article_id, story_id, relation, 1.0, 1.0, 0, 0, same_rows))
            continue
        whole = kept[member.article_id].whole(settings.ngram)
        paragraphs = paragraph_lineage(whole, canon_whole)
        rows.append(
            MemberRow(
                article_id=member.article_id,
                story_id=story_id,
                relation="near",
                similarity=round(similarity(whole, canon_whole).jaccard, 4),
                shared_ratio=round(_share_in(whole.shingles, canon_whole.shingles), 4),
                added_paragraphs=sum(p.status == "added" for p in paragraphs),
                removed_paragraphs=sum(p.status == "dropped" for p in paragraphs),
                paragraphs=paragraphs,
            )
        )
    return rows


def paragraph_lineage(member: Fingerprint, canonical: Fingerprint) -> tuple[ParagraphRow, ...]:
    """Each paragraph of `member` against the canonical: `kept` (its shingles are the canonical paragraph's,
    near enough), `edited` (mostly the canonical's text, changed or re-wrapped), `added` (its own); then the
    canonical's paragraphs it leaves out, `dropped`. A paragraph shorter than a shingle is one hash of its own
    words, found among the other body's paragraphs rather than its shingles."""
    sizes, inside = _found_by_paragraph(member, _with_short(canonical))
    # shared[i, j]: the shingles of the member's paragraph i in the canonical's paragraph j
    values, paragraph, _ = paragraph_shingles(member)
    shared = paragraph_overlap(values, paragraph, len(sizes), canonical)
    bests = shared.argmax(axis=1) if shared.shape[1] else np.zeros(len(sizes), np.int64)  # the first sharing most
    mosts = shared[np.arange(len(sizes)), bests].tolist() if shared.shape[1] else [0] * len(sizes)
    rows = []
    for seq, (size, common, best, most) in enumerate(zip(sizes, inside, bests.tolist(), mosts, strict=True)):
        if not size:
            continue
        if common / size < PARAGRAPH_SHARED:
            rows.append(ParagraphRow(seq, None, "added"))
            continue
        union = size + int(canonical.paragraph_parts[1][best]) - most
        rows.append(ParagraphRow(seq, best, "kept" if most >= PARAGRAPH_KEPT * union else "edited"))
    for seq, (size, common) in enumerate(zip(*_found_by_paragraph(canonical, _with_short(member)), strict=True)):
        if size and common / size < PARAGRAPH_SHARED:
            rows.append(ParagraphRow(None, seq, "dropped"))
    return tuple(rows)


def _found_by_paragraph(body: Fingerprint, other: np.ndarray) -> tuple[list[int], list[int]]:
    """How many shingles each paragraph of `body` has, and how many of them are in `other` (sorted unique)."""
    values, paragraph, sizes = paragraph_shingles(body)
    inside = np.bincount(paragraph[found_in(values, other)], minlength=len(sizes))
    return sizes.tolist(), inside.tolist()


def _with_short(body: Fingerprint) -> np.ndarray:
    """The body's shingles and the hashes of its paragraphs shorter than a shingle."""
    short = [p for p in body.paragraphs if len(p) == 1]
    return np.union1d(body.shingles, np.concatenate(short)) if short else body.shingles


def _share_in(part: np.ndarray, whole: np.ndarray) -> float:
    if not len(part):
        return 1.0
    return len(np.intersect1d(part, whole, assume_unique=True)) / len(part)
