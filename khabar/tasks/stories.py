"""Story membership: which story each new article joins, and how each member relates to its story.

Pure functions over what the writer reads from the warehouse: nothing here touches DuckDB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from khabar.tasks.dedup import DedupSettings, Fingerprint, fingerprint, fingerprints, same_story, similarity

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
    body: str
    body_sha256: str
    seen: tuple[Any, ...]
    agency: str | None


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
        others = [other for other in candidates.get(article.article_id, ()) if other in story and other in prints]
        matched = {
            current(story[other]) for other in others if same_story(prints[article.article_id], prints[other], settings)
        }
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


def describe(
    story_id: str,
    members: Sequence[Member],
    settings: DedupSettings = DedupSettings(),
    known: Mapping[str, Fingerprint] | None = None,
) -> list[MemberRow]:
    """Relations of a story's members to its canonical: the earliest member carrying an agency's
    credit, else the earliest member; and each member's lineage: what it shares, adds and leaves out.
    `known` holds fingerprints already made (without bands) so they are not made twice."""
    known = known or {}

    def whole(member: Member) -> Fingerprint:
        return known.get(member.article_id) or fingerprint(member.body, settings, bands=False)

    ordered = sorted(members, key=lambda m: m.seen)
    canonical = next((m for m in ordered if m.agency), ordered[0])
    canon_print = whole(canonical)
    canon_paragraphs = fingerprints(canonical.body.split("\n\n"), settings, bands=False)
    rows = []
    for member in ordered:
        if member is canonical:
            rows.append(MemberRow(member.article_id, story_id, "canonical", 1.0, 1.0, 0, 0))
            continue
        if member.body_sha256 == canonical.body_sha256:
            rows.append(MemberRow(member.article_id, story_id, "exact", 1.0, 1.0, 0, 0))
            continue
        mine = whole(member)
        paragraphs = fingerprints(member.body.split("\n\n"), settings, bands=False)
        rows.append(
            MemberRow(
                article_id=member.article_id,
                story_id=story_id,
                relation="near",
                similarity=round(similarity(mine, canon_print).jaccard, 4),
                shared_ratio=round(_share_in(mine, canon_print), 4),
                added_paragraphs=sum(_share_in(p, canon_print) < PARAGRAPH_SHARED for p in paragraphs),
                removed_paragraphs=sum(_share_in(p, mine) < PARAGRAPH_SHARED for p in canon_paragraphs),
            )
        )
    return rows


def _share_in(part: Fingerprint, whole: Fingerprint) -> float:
    if not len(part.shingles):
        return 1.0
    return len(np.intersect1d(part.shingles, whole.shingles, assume_unique=True)) / len(part.shingles)
