"""Near-duplicate stories: shingles, MinHash signatures, LSH bands, and the check that confirms a match.

Bodies are folded for matching (`match_text`), split into words with `regex`, and cut into word
n-gram shingles hashed to 64 bits with a stable hash (`khabar.tasks.shingle`), so fingerprints agree
across runs and machines. LSH bands of the MinHash signature propose candidates; a candidate is the
same story only when its shingles really overlap: by Jaccard (light edits), or by containment (a
trimmed copy, or one with an outlet's intro), and when the numbers both texts state agree (daily case
counts share their template but not their figures).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from khabar.tasks.shingle import band_keys, shingle_runs, words

_BATCH = 2000  # bodies fingerprinted at once: bounds the memory of a large run


@dataclass(frozen=True, slots=True)
class DedupSettings:
    """Thresholds of near-duplicate matching. Defaults are chosen on bench/dedup's labelled set."""

    ngram: int = 5  # words per shingle
    num_perm: int = 120  # MinHash permutations
    bands: int = 40  # LSH bands; rows per band = num_perm // bands
    min_jaccard: float = 0.5  # shingle Jaccard at which two bodies are the same copy, lightly edited
    min_containment: float = 0.8  # share of the shorter body's shingles found in the longer one
    min_number_agreement: float = 0.67  # share of the shorter body's numbers found in the other
    min_numbers: int = 1  # bodies with fewer numbers skip the number check
    min_shared_bands: int = 2  # LSH bands two bodies must share to be compared at all

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


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


def fingerprint(body: str, settings: DedupSettings = DedupSettings(), *, bands: bool = True) -> Fingerprint:
    """Shingles and numbers of a body, and its LSH band keys unless `bands` is False."""
    return fingerprints([body], settings, bands=bands)[0]


def fingerprints(
    bodies: Sequence[str], settings: DedupSettings = DedupSettings(), *, bands: bool = True
) -> list[Fingerprint]:
    """Fingerprints of many bodies at once: words, shingles and MinHash run over slices of `_BATCH` bodies
    in numpy."""
    made = []
    for start in range(0, len(bodies), _BATCH):
        hashes, lengths, numbers = words(bodies[start : start + _BATCH])
        shingles = [np.unique(run) for run in shingle_runs(hashes, lengths, settings.ngram)]
        keys = band_keys(shingles, settings.num_perm, settings.bands) if bands else [()] * len(shingles)
        made += [Fingerprint(*parts) for parts in zip(shingles, numbers, keys, strict=True)]
    return made


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


def cluster_bodies(items: Iterable[tuple[str, str]], settings: DedupSettings = DedupSettings()) -> dict[str, str]:
    """Group (id, body) pairs in memory: id → the first id of its group.

    Groups are the connected components of candidate pairs (bodies sharing `min_shared_bands` LSH bands)
    that `same_story` confirms; a pair already joined through others is not compared again. Only bodies
    in a candidate pair have their shingles sorted for the comparison.
    """
    pending = list(items)
    runs: list[np.ndarray] = []
    numbers: list[frozenset[str]] = []
    keys: list[tuple[int, ...]] = []
    for start in range(0, len(pending), _BATCH):
        hashes, lengths, found = words([body for _, body in pending[start : start + _BATCH]])
        batch = shingle_runs(hashes, lengths, settings.ngram)
        runs += batch
        numbers += found
        keys += band_keys(batch, settings.num_perm, settings.bands)
    prints: dict[int, Fingerprint] = {}

    def made(i: int) -> Fingerprint:
        if i not in prints:
            prints[i] = Fingerprint(np.unique(runs[i]), numbers[i], keys[i])
        return prints[i]

    parent = list(range(len(pending)))
    for first, second in candidate_pairs(keys, settings.min_shared_bands):
        a, b = _root(parent, first), _root(parent, second)
        if a != b and same_story(made(first), made(second), settings):
            parent[max(a, b)] = min(a, b)
    return {item_id: pending[_root(parent, i)][0] for i, (item_id, _) in enumerate(pending)}


def candidate_pairs(bands: Sequence[tuple[int, ...]], min_shared: int) -> list[tuple[int, int]]:
    """Index pairs (i < j) of band-key tuples equal in at least `min_shared` bands, ordered by j then i."""
    present = np.array([i for i, keys in enumerate(bands) if keys], dtype=np.int64)
    if len(present) < 2:
        return []
    keys = np.array([bands[i] for i in present], dtype=np.int64)
    codes = []
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        column, ranked = keys[order, band], present[order]
        alive = np.arange(len(column) - 1)
        for step in range(1, len(column)):  # pairs `step` apart in a run of equal keys
            alive = alive[alive + step < len(column)]
            alive = alive[column[alive + step] == column[alive]]
            if not len(alive):
                break
            low, high = ranked[alive], ranked[alive + step]
            codes.append(np.maximum(low, high) * len(bands) + np.minimum(low, high))
    if not codes:
        return []
    pairs, shared = np.unique(np.concatenate(codes), return_counts=True)
    later, earlier = np.divmod(pairs[shared >= min_shared], len(bands))
    return list(zip(earlier.tolist(), later.tolist(), strict=True))


def _root(parent: list[int], node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node
