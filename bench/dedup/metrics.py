"""Scores of a story clustering against the labelled set: pairwise precision/recall/F1, adjusted Rand index, errors.

A predicted pair is two articles in one predicted cluster; a true pair is two articles with one story label.
Articles missing from a prediction count as singletons.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from bench.dedup.evalset import Item, hard_negative_group


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float
    ari: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    clusters: int


@dataclass(frozen=True, slots=True)
class PairError:
    a: str
    b: str
    label_a: str
    label_b: str
    kind_a: str
    kind_b: str


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _predicted(items: Sequence[Item], predicted: Mapping[str, str]) -> dict[str, str]:
    return {item.article_id: predicted.get(item.article_id, f"<single>{item.article_id}") for item in items}


def score(items: Sequence[Item], predicted: Mapping[str, str]) -> Scores:
    """Pair counts from the contingency table of story labels by predicted clusters."""
    clusters = _predicted(items, predicted)
    table = Counter((item.story_label, clusters[item.article_id]) for item in items)
    correct = sum(_pairs(n) for n in table.values())
    true = sum(_pairs(n) for n in Counter(item.story_label for item in items).values())
    made = sum(_pairs(n) for n in Counter(clusters.values()).values())
    precision = correct / made if made else 1.0
    recall = correct / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    expected = true * made / _pairs(len(items)) if len(items) > 1 else 0.0
    top = (true + made) / 2
    ari = (correct - expected) / (top - expected) if top != expected else 1.0
    return Scores(precision, recall, f1, ari, true, made, correct, len(set(clusters.values())))


def false_merges(items: Sequence[Item], predicted: Mapping[str, str]) -> list[PairError]:
    """Pairs put in one cluster that belong to different stories."""
    clusters = _predicted(items, predicted)
    members: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        members[clusters[item.article_id]].append(item)
    return [
        _error(a, b) for group in members.values() for a, b in combinations(group, 2) if a.story_label != b.story_label
    ]


def missed_pairs(items: Sequence[Item], predicted: Mapping[str, str]) -> list[PairError]:
    """Pairs of one story that were put in different clusters."""
    clusters = _predicted(items, predicted)
    stories: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        stories[item.story_label].append(item)
    return [
        _error(a, b)
        for group in stories.values()
        for a, b in combinations(group, 2)
        if clusters[a.article_id] != clusters[b.article_id]
    ]


def recall_by_kind(items: Sequence[Item], predicted: Mapping[str, str]) -> dict[str, tuple[int, int]]:
    """For each edit kind: (republications with it found in their original's cluster, republications with it)."""
    clusters = _predicted(items, predicted)
    original = {item.story_label: clusters[item.article_id] for item in items if item.edit_kind == "original"}
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for item in items:
        if item.edit_kind != "original":
            for kind in item.edit_kind.split("+"):
                total[kind] += 1
                found[kind] += clusters[item.article_id] == original[item.story_label]
    return {kind: (found[kind], total[kind]) for kind in total}


def merged_stories(errors: Sequence[PairError]) -> list[tuple[str, str, int]]:
    """False merges summed by story pair: (label, label, article pairs), most first."""
    counts = Counter(tuple(sorted((e.label_a, e.label_b))) for e in errors)
    return [(a, b, n) for (a, b), n in counts.most_common()]


def hard_negative_merges(errors: Sequence[PairError]) -> list[tuple[str, str, int]]:
    """The false merges between two stories of one hard-negative group."""
    return [
        (a, b, n)
        for a, b, n in merged_stories(errors)
        if hard_negative_group(a) is not None and hard_negative_group(a) == hard_negative_group(b)
    ]


def _error(a: Item, b: Item) -> PairError:
    return PairError(a.article_id, b.article_id, a.story_label, b.story_label, a.edit_kind, b.edit_kind)
