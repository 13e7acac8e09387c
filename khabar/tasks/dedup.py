"""Near-duplicate stories: shingles, MinHash signatures, LSH bands, and the check that confirms a match.

Bodies are folded for matching (`match_text`), split into words with `regex`, and cut into word
n-gram shingles hashed to 64 bits with a stable hash, so fingerprints agree across runs and machines.
LSH bands of the MinHash signature propose candidates; a candidate is the same story only when its
shingles really overlap: by Jaccard (light edits), or by containment (a trimmed copy, or one with an
outlet's intro), and when the numbers both texts state agree (daily case counts share their template
but not their figures).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import regex

from khabar.tasks.normalize import match_text, nfc

_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it permutes 64-bit values
_PERMUTATION_SEED = 20260723
_PERM_BLOCK = 8


@dataclass(frozen=True, slots=True)
class DedupSettings:
    """Thresholds of near-duplicate matching. Defaults are chosen on bench/dedup's labelled set."""

    ngram: int = 5  # words per shingle
    num_perm: int = 120  # MinHash permutations
    bands: int = 40  # LSH bands; rows per band = num_perm // bands
    min_jaccard: float = 0.5  # shingle Jaccard at which two bodies are the same copy, lightly edited
    min_containment: float = 0.8  # share of the shorter body's shingles found in the longer one
    min_number_agreement: float = 0.5  # share of the shorter body's numbers found in the other
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
    """Shingles and numbers of a body in storage form (NFC), and its LSH band keys unless `bands` is False."""
    return fingerprints([body], settings, bands=bands)[0]


def fingerprints(
    bodies: Sequence[str], settings: DedupSettings = DedupSettings(), *, bands: bool = True
) -> list[Fingerprint]:
    """Fingerprints of many bodies at once: MinHash runs over the whole batch in a few numpy calls."""
    words = [_TOKEN.findall(match_text(body, is_nfc=True)) for body in bodies]
    shingles = [_shingles(w, settings.ngram) for w in words]
    keys = _band_keys(shingles, settings) if bands else [()] * len(bodies)
    return [
        Fingerprint(sh, frozenset(word for word in ws if word.isdecimal()), key)
        for ws, sh, key in zip(words, shingles, keys, strict=True)
    ]


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
    """Group (id, body) pairs in memory, in the order given: id → the first id of its group."""
    prints: dict[str, Fingerprint] = {}
    buckets: dict[tuple[int, int], list[str]] = {}
    parent: dict[str, str] = {}
    order: dict[str, int] = {}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    pending = list(items)
    made = [fp for start in range(0, len(pending), 2000) for fp in fingerprints(
        [nfc(body) for _, body in pending[start : start + 2000]], settings
    )]  # fmt: skip
    for (item_id, _), fp in zip(pending, made, strict=True):
        prints[item_id] = fp
        parent[item_id] = item_id
        order[item_id] = len(order)
        shared = Counter(other for band, key in enumerate(fp.bands) for other in buckets.get((band, key), ()))
        candidates = [other for other, count in shared.items() if count >= settings.min_shared_bands]
        for other in sorted(candidates, key=order.__getitem__):
            if root(other) != root(item_id) and same_story(fp, prints[other], settings):
                first, second = sorted((root(other), root(item_id)), key=order.__getitem__)
                parent[second] = first
        for band, key in enumerate(fp.bands):
            buckets.setdefault((band, key), []).append(item_id)
    return {item_id: root(item_id) for item_id in parent}


def _shingles(words: list[str], n: int) -> np.ndarray:
    if not words:
        return np.empty(0, dtype=np.uint64)
    hashes = np.fromiter((_word_hash(word) for word in words), dtype=np.uint64, count=len(words))
    if len(hashes) < n:
        n = len(hashes)
    count = len(hashes) - n + 1
    shingles = hashes[:count].copy()
    for offset in range(1, n):
        shingles = shingles * _MIX + hashes[offset : offset + count]
    return np.unique(shingles)


def _band_keys(shingles: list[np.ndarray], settings: DedupSettings) -> list[tuple[int, ...]]:
    """LSH band keys of each shingle set's MinHash signature; () for an empty set."""
    present = [i for i, sh in enumerate(shingles) if len(sh)]
    keys: list[tuple[int, ...]] = [()] * len(shingles)
    if not present:
        return keys
    flat = np.concatenate([shingles[i] for i in present])
    starts = np.cumsum([0] + [len(shingles[i]) for i in present[:-1]])
    multipliers, offsets = _permutations(settings.num_perm)
    signature = np.empty((settings.num_perm, len(present)), dtype=np.uint64)
    for row in range(0, settings.num_perm, _PERM_BLOCK):  # a block of permutations at a time bounds memory
        block = multipliers[row : row + _PERM_BLOCK, None] * flat[None, :] + offsets[row : row + _PERM_BLOCK, None]
        signature[row : row + _PERM_BLOCK] = np.minimum.reduceat(block, starts, axis=1)
    rows = signature[: settings.bands * settings.rows].reshape(settings.bands, settings.rows, len(present))
    band = rows[:, 0, :].copy()
    for column in range(1, settings.rows):
        band = band * _MIX + rows[:, column, :]
    for i, doc_keys in zip(present, (band >> np.uint64(1)).T.tolist(), strict=True):  # 63 bits: a signed BIGINT
        keys[i] = tuple(doc_keys)
    return keys


@lru_cache(maxsize=8)
def _permutations(count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` bijections x → a·x + b of 64-bit integers (a odd), the same on every run."""
    rng = np.random.default_rng(_PERMUTATION_SEED)
    multipliers = rng.integers(0, 2**63, size=count, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    offsets = rng.integers(0, 2**63, size=count, dtype=np.uint64)
    return multipliers, offsets


@lru_cache(maxsize=1 << 20)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
