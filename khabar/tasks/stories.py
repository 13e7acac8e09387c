"""Story membership: which story each new article joins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Membership:
    article_id: str
    story_id: str
    relation: str  # canonical, exact or near
    similarity: float


def assign_exact(new_articles: Iterable[tuple[str, str]], known: Mapping[str, str]) -> list[Membership]:
    """Give each (article_id, body_sha256), in the order seen, the story of its first equal body.

    `known` maps body hashes already in the warehouse to their story. An article whose body is new
    starts a story of its own and is its canonical member.
    """
    story_of = dict(known)
    members = []
    for article_id, body_hash in new_articles:
        story_id = story_of.get(body_hash)
        if story_id is None:
            story_of[body_hash] = article_id
            members.append(Membership(article_id, article_id, "canonical", 1.0))
        else:
            members.append(Membership(article_id, story_id, "exact", 1.0))
    return members
