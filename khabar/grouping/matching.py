"""Near-duplicate stories: shingles, MinHash signatures, LSH bands, and the check that confirms a match.

Bodies are folded for matching (`match_text`), split into words with `regex`, and cut into word
n-gram shingles hashed to 64 bits with a stable hash (`khabar.grouping.shingles`), so fingerprints agree
across runs and machines. LSH bands of the MinHash signature propose candidates; a candidate is the
same story only when its shingles really overlap: by Jaccard (light edits), or by containment (a
trimmed copy, or one with an outlet's intro), and when the numbers both texts state agree (daily case
counts share their template but not their figures).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from khabar.config import DedupSettings


@dataclass(frozen=True, slots=True)
class Fingerprint:
    shingles: np.ndarray  # sorted unique uint64
    numbers: frozenset[str]
    bands: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Similarity:
    jaccard: float
    containment: float
    numbers: float


def similarity(a: Fingerprint, b: Fingerprint) -> Similarity:
    common = len(np.intersect1d(a.shingles, b.shingles, assume_unique=True))
    union = len(a.shingles) + len(b.shingles) - common
    smaller = min(len(a.shingles), len(b.shingles))
    few, many = sorted((a.numbers, b.numbers), key=len)
    return Similarity(
        jaccard=common / union if union else 0.0,
        containment=common / smaller if smaller else 0.0,
        numbers=len(few & many) / len(few) if few else 1.0,
    )


def same_story(a: Fingerprint, b: Fingerprint, settings: DedupSettings = DedupSettings()) -> Similarity | None:
    """The similarity of a and b when they are copies of one story, else None."""
    found = similarity(a, b)
    overlaps = found.jaccard >= settings.min_jaccard or found.containment >= settings.min_containment
    checks_numbers = min(len(a.numbers), len(b.numbers)) >= settings.min_numbers
    if overlaps and (not checks_numbers or found.numbers >= settings.min_number_agreement):
        return found
    return None
