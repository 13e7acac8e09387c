"""Story membership: which story each new article joins, and how each member relates to its story.

Pure functions over what the writer reads from the warehouse: nothing here touches DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from khabar.config import DedupSettings
from khabar.grouping.matching import Fingerprint, same_story, similarity
from khabar.grouping.windows import Compact

PARAGRAPH_SHARED = 0.5  # a paragraph is the canonical's when this share of its shingles is in the canonical


@dataclass(frozen=True, slots=True)
class NewArticle:
    article_id: str
    body_sha256: str
    seen: tuple[Any, ...]  # sorts in the order articles were seen


@dataclass(frozen=True, slots=True)
class Grouping:
    story_of: dict[str, str]  # new article → story
    exact: set[str]  # new articles whose body equals one already grouped
    merges: list[tuple[str, str, str]] = field(default_factory=list)  # (from story, into story, via article)


@dataclass(frozen=True, slots=True)
class Member:
    article_id: str
    body_sha256: str
    seen: tuple[Any, ...]
    agency: str | None
    relation: str  # as stored before this run's refresh
    joined_now: bool  # joined the story in this run


@dataclass(frozen=True, slots=True)
class MemberRow:
    article_id: str
    story_id: str
    relation: str  # canonical, exact or near
    similarity: float  # Jaccard of shingles with the canonical
    shared_ratio: float  # share of this article's text that is the canonical's
    added_paragraphs: int  # paragraphs of its own
    removed_paragraphs: int  # paragraphs of the canonical it leaves out


def group(
    new_articles: Sequence[NewArticle],
    exact_story: Mapping[str, str],
    candidates: Mapping[str, Sequence[str]],
    story_of_known: Mapping[str, str],
    story_seen: Mapping[str, tuple[Any, ...]],
    prints: Mapping[str, Fingerprint],
    settings: DedupSettings = DedupSettings(),
) -> Grouping:
    """Assign new articles, in the order seen, to stories.

    `exact_story` maps body hashes already stored to their story; `candidates` maps a new article to the
    articles sharing an LSH bucket with it, stored or new; `story_of_known` gives stored articles'
    stories and `story_seen` when each stored story was first seen. An article that matches several
    stories bridges them: they merge into the earliest, which keeps its id.
    """
    story = dict(story_of_known)
    seen = dict(story_seen)
    by_hash = dict(exact_story)
    merged_into: dict[str, str] = {}
    grouping = Grouping({}, set())

    def current(story_id: str) -> str:
        while story_id in merged_into:
            story_id = merged_into[story_id]
        return story_id

    for article in sorted(new_articles, key=lambda a: a.seen):
        if article.body_sha256 in by_hash:
            story[article.article_id] = current(by_hash[article.body_sha256])
            grouping.exact.add(article.article_id)
            continue
        matched: set[str] = set()
        for other in candidates.get(article.article_id, ()):
            if other not in story or other not in prints:
                continue
            other_story = current(story[other])  # one confirmed member is enough: skip the rest of its story
            if other_story not in matched and same_story(prints[article.article_id], prints[other], settings):
                matched.add(other_story)
        if not matched:
            story[article.article_id] = article.article_id
            seen[article.article_id] = article.seen
        else:
            target, *others = sorted(matched, key=lambda s: (seen[s], s))
            for other_story in others:
                merged_into[other_story] = target
                grouping.merges.append((other_story, target, article.article_id))
            story[article.article_id] = target
        by_hash[article.body_sha256] = story[article.article_id]
    for article in new_articles:
        grouping.story_of[article.article_id] = current(story[article.article_id])
    return grouping


def canonical_of(members: Sequence[Member]) -> Member:
    """The member closest to the agency's original: the earliest carrying an agency's credit, else the earliest."""
    ordered = sorted(members, key=lambda m: m.seen)
    return next((m for m in ordered if m.agency), ordered[0])


def to_describe(members: Sequence[Member], merged: bool) -> tuple[Member, list[Member]]:
    """A story's canonical, and the members whose relation must be worked out: all of them when the story
    absorbed another or its canonical changed, else only those that joined in this run (the others' rows
    were worked out against the same canonical before)."""
    canonical = canonical_of(members)
    if merged or canonical.relation != "canonical" or canonical.joined_now:
        return canonical, list(members)
    return canonical, [m for m in members if m.joined_now]


def lineage_needed(plans: Iterable[tuple[Member, Sequence[Member]]]) -> set[str]:
    """Articles whose shingles `describe` needs for these (canonical, members) plans: near members, and
    the canonicals they are compared with; canonical and exact rows need none."""
    needed = set()
    for canonical, members in plans:
        near = {m.article_id for m in members if m.body_sha256 != canonical.body_sha256}
        needed |= near | ({canonical.article_id} if near else set())
    return needed


def describe(
    story_id: str,
    canonical: Member,
    members: Sequence[Member],
    kept: Mapping[str, Compact],
    settings: DedupSettings = DedupSettings(),
) -> list[MemberRow]:
    """Relations of these members to the story's canonical, and each member's lineage: what it shares, adds
    and leaves out, from the compact shingles of the near members and the canonical."""
    rows = []
    for member in members:
        if member.article_id == canonical.article_id:
            rows.append(MemberRow(member.article_id, story_id, "canonical", 1.0, 1.0, 0, 0))
            continue
        if member.body_sha256 == canonical.body_sha256:
            rows.append(MemberRow(member.article_id, story_id, "exact", 1.0, 1.0, 0, 0))
            continue
        mine, canon = kept[member.article_id], kept[canonical.article_id]
        whole, canon_whole = mine.whole(), canon.whole()
        rows.append(
            MemberRow(
                article_id=member.article_id,
                story_id=story_id,
                relation="near",
                similarity=round(similarity(whole, canon_whole).jaccard, 4),
                shared_ratio=round(_share_in(whole, canon_whole), 4),
                added_paragraphs=sum(
                    _share_in(p, canon_whole) < PARAGRAPH_SHARED for p in mine.paragraphs(settings.ngram)
                ),
                removed_paragraphs=sum(
                    _share_in(p, whole) < PARAGRAPH_SHARED for p in canon.paragraphs(settings.ngram)
                ),
            )
        )
    return rows


def _share_in(part: Fingerprint, whole: Fingerprint) -> float:
    if not len(part.shingles):
        return 1.0
    return len(np.intersect1d(part.shingles, whole.shingles, assume_unique=True)) / len(part.shingles)
