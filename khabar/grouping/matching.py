"""Near-duplicate stories: shingles, MinHash signatures, LSH bands, and the check that confirms a match.

Bodies are folded for matching (`match_text`), split into words with `regex`, and cut into word
n-gram shingles hashed to 64 bits with a stable hash (`khabar.grouping.shingles`), so fingerprints agree
across runs and machines. LSH bands of the MinHash signature propose candidates; a candidate is the
same story only when its shingles really overlap: by Jaccard (light edits), or by containment (a
trimmed copy, or one with an outlet's intro), or paragraph by paragraph (`paragraph_containment`: a run of
one body's paragraphs found, in order, in the other: re-topped, trimmed or embedded agency copy), and when
the numbers both texts state agree (daily case counts share their template but not their figures). A pair
whose text overlaps but whose figures disagree is `related`: a follow-up, linked rather than merged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from khabar.config import DedupSettings

Parts = tuple[np.ndarray, np.ndarray]  # paragraphs' shingle sets end to end, in body order; and each one's size
_NO_PARTS: Parts = (np.zeros(0, np.uint32), np.zeros(0, np.int64))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    shingles: np.ndarray  # sorted unique hashes (compact shingles: uint32, the top bits of 64-bit ones)
    numbers: frozenset[str]
    bands: tuple[int, ...]
    # each paragraph's shingles (sorted unique) end to end and their sizes (`Parts`), or what makes them, called when
    # first asked for: most comparisons are decided on the whole body's shingles
    parts: Parts | Callable[[], Parts] = _NO_PARTS
    # the paragraphs as flat arrays (`_flat`), made once when first compared: a body meets many candidates
    flat: tuple[np.ndarray, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def paragraph_parts(self) -> Parts:
        if callable(self.parts):
            object.__setattr__(self, "parts", self.parts())
        assert not callable(self.parts)
        return self.parts

    @property
    def paragraphs(self) -> tuple[np.ndarray, ...]:
        """Each paragraph's shingles (sorted unique), in body order."""
        values, sizes = self.paragraph_parts
        ends = np.cumsum(sizes).tolist()
        return tuple(values[end - size : end] for end, size in zip(ends, sizes.tolist(), strict=True))


@dataclass(frozen=True, slots=True)
class Similarity:
    jaccard: float
    containment: float
    numbers: float
    paragraphs: float = 0.0  # `paragraph_containment` where it reaches the floor: a's in b, else b's in a


def similarity(a: Fingerprint, b: Fingerprint, in_b: np.ndarray | None = None) -> Similarity:
    """`in_b`, when given: which of a's shingles are b's (`found_in`)."""
    return _similarity(a, b, int(np.count_nonzero(found_in(a.shingles, b.shingles) if in_b is None else in_b)))


def _similarity(a: Fingerprint, b: Fingerprint, common: int) -> Similarity:
    union = len(a.shingles) + len(b.shingles) - common
    smaller = min(len(a.shingles), len(b.shingles))
    few, many = sorted((a.numbers, b.numbers), key=len)
    return Similarity(
        jaccard=common / union if union else 0.0,
        containment=common / smaller if smaller else 0.0,
        numbers=len(few & many) / len(few) if few else 1.0,
    )


def paragraph_containment(
    a: Fingerprint,
    b: Fingerprint,
    settings: DedupSettings = DedupSettings(),
    in_b: np.ndarray | None = None,
    floor: float = 0.0,
) -> float:
    """Share of a's shingles in a run of its paragraphs copied, in order, in b.

    A paragraph of a (of at least `min_paragraph_shingles` shingles) is copied when `paragraph_copy` of its
    shingles are in b's body, wherever b's paragraph breaks fall (outlets re-wrap copy); it sits at the
    paragraph of b sharing most of them. The run is the longest chain of copied paragraphs whose places in
    b never go back; what is shared as one background paragraph or a quote stays a small share of a.
    `in_b`, when given: which of a's shingles are b's (`found_in`). `floor`: 0 is returned at once when the
    copied paragraphs together hold less than this share of a's shingles (the run cannot reach it).
    """
    if not len(a.paragraph_parts[1]) or not len(b.paragraph_parts[1]) or not len(a.shingles):
        return 0.0
    own_values, own_paragraph, own_sizes, _, _, at, elsewhere, _, _ = _flat(a)
    # each of a's paragraph shingles found in b's body, counted per paragraph of a
    found = (found_in(a.shingles, b.shingles) if in_b is None else in_b)[at]
    if len(elsewhere):  # hashes of short paragraphs that are not among a's windows
        found[elsewhere] = found_in(own_values[elsewhere], b.shingles)
    inside = np.bincount(own_paragraph[found], minlength=len(own_sizes))
    copied = (own_sizes >= settings.min_paragraph_shingles) & (inside >= settings.paragraph_copy * own_sizes)
    if not copied.any() or int(own_sizes[copied].sum()) < floor * len(a.shingles) * (1 - 1e-9):
        return 0.0
    # shared[i, j]: the shingles of a's copied paragraph i that are in b's body and in b's paragraph j
    keep = found & copied[own_paragraph]
    shared = paragraph_overlap(own_values[keep], own_paragraph[keep], len(own_sizes), b)
    places = shared[copied].argmax(axis=1)  # the first of the paragraphs sharing most, as in body order
    return _heaviest_run(places.tolist(), own_sizes[copied].tolist()) / len(a.shingles)


def paragraph_overlap(values: np.ndarray, rows: np.ndarray, n_rows: int, b: Fingerprint) -> np.ndarray:
    """shared[i, j]: how many of `values` in row i (`rows`, of `n_rows`) are in b's paragraph j."""
    if not len(b.paragraph_parts[1]):
        return np.zeros((n_rows, 0), np.int64)
    _, _, their_sizes, their_values, their_paragraph, _, _, _, once = _flat(b)
    if not len(their_values):
        return np.zeros((n_rows, len(their_sizes)), np.int64)
    if once:  # each of b's paragraph shingles in one paragraph: one lookup finds it
        at = np.minimum(np.searchsorted(their_values, values), len(their_values) - 1)
        hit = their_values[at] == values
        cells = rows[hit] * len(their_sizes) + their_paragraph[at[hit]]
    else:
        first = np.searchsorted(their_values, values, "left")
        count = np.searchsorted(their_values, values, "right") - first
        starts = np.repeat(first - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
        cells = np.repeat(rows, count) * len(their_sizes) + their_paragraph[starts]
    return np.bincount(cells, minlength=n_rows * len(their_sizes)).reshape(n_rows, len(their_sizes))


def paragraph_shingles(p: Fingerprint) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p's paragraph shingles in one array, the paragraph of each, and each paragraph's size."""
    if not len(p.paragraph_parts[1]):
        return np.zeros(0, np.uint32), np.zeros(0, np.int32), np.zeros(0, np.int64)
    values, paragraph, sizes, *_ = _flat(p)
    return values, paragraph, sizes


def _flat(p: Fingerprint) -> tuple[np.ndarray, ...]:
    """p's paragraph shingles in one array with the paragraph of each, each paragraph's size, the same
    shingles sorted with their paragraphs, the place of each in p.shingles, those not in p.shingles, the
    most paragraphs one shingle of p.shingles is in, and whether no shingle is in two paragraphs."""
    if p.flat is None:
        values, sizes = p.paragraph_parts
        values = values.astype(p.shingles.dtype, copy=False)
        paragraph = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
        order = np.argsort(values, kind="stable")
        at = np.minimum(np.searchsorted(p.shingles, values), max(len(p.shingles) - 1, 0))
        elsewhere = np.flatnonzero(p.shingles[at] != values) if len(p.shingles) else np.arange(len(values))
        inside = np.delete(at, elsewhere)
        most = np.bincount(inside).max(initial=0) if len(inside) else np.int64(0)
        ordered = values[order]
        once = not bool(np.any(ordered[1:] == ordered[:-1]))
        flat = (values, paragraph, sizes, ordered, paragraph[order], at, elsewhere, most, once)
        object.__setattr__(p, "flat", flat)
    assert p.flat is not None
    return p.flat


def found_in(values: np.ndarray, sorted_unique: np.ndarray) -> np.ndarray:
    """Which of `values` are in `sorted_unique`."""
    if not len(sorted_unique):
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(sorted_unique, values), len(sorted_unique) - 1)
    return np.asarray(sorted_unique[at] == values)


def _may_copy(p: Fingerprint, common: int, settings: DedupSettings) -> bool:
    """Whether `paragraph_containment` of p in a body sharing `common` of p's shingles can reach
    `min_paragraph_containment`: its copied paragraphs have `paragraph_copy` of their shingles in that body, and
    p's paragraphs hold those `common` shingles at most `most` times each, plus their short-paragraph hashes."""
    if not len(p.paragraph_parts[1]) or not len(p.shingles) or settings.paragraph_copy <= 0:
        return True  # paragraph_containment answers at once
    *_, elsewhere, most, _ = _flat(p)
    bound = int(most) * common + len(elsewhere)  # shingles of p's paragraphs found in the other body, at most
    needed = settings.min_paragraph_containment * settings.paragraph_copy * len(p.shingles)
    return bool(bound >= needed * (1 - 1e-9))  # a hair low: rounding never rules out a copy


def _heaviest_run(places: list[int], weights: list[int]) -> int:
    """The largest total weight of a subsequence whose places never decrease."""
    if all(p <= q for p, q in pairwise(places)):  # in order: the copy kept the paragraphs' order
        return sum(weights)
    best: list[int] = []
    for i, (place, weight) in enumerate(zip(places, weights, strict=True)):
        before = [best[j] for j in range(i) if places[j] <= place]
        best.append(weight + max(before, default=0))
    return max(best, default=0)


def verdict(a: Fingerprint, b: Fingerprint, settings: DedupSettings = DedupSettings()) -> tuple[str, Similarity]:
    """`same` (copies of one story), `related` (the text overlaps but the figures disagree: a follow-up) or
    `none`, with the similarity found. Paragraph containment is worked out only when the shingles the bodies
    share could make it reach `min_paragraph_containment` (`_may_copy`), b's in a only when a's in b does not reach
    it; it is 0 when neither does, and the verdict is then `none`.
    """
    in_b = found_in(a.shingles, b.shingles)
    common = int(np.count_nonzero(in_b))
    found = _similarity(a, b, common)
    overlaps = found.jaccard >= settings.min_jaccard or found.containment >= settings.min_containment
    if (
        not overlaps
        and settings.min_paragraph_containment <= 1
        and (_may_copy(a, common, settings) or _may_copy(b, common, settings))
    ):
        floor = settings.min_paragraph_containment
        copied = paragraph_containment(a, b, settings, in_b, floor)
        if copied < floor:  # the other way round only when this way does not reach it
            copied = paragraph_containment(b, a, settings, found_in(b.shingles, a.shingles), floor)
        overlaps = copied >= floor
        found = Similarity(found.jaccard, found.containment, found.numbers, copied if overlaps else 0.0)
    if not overlaps:
        return "none", found
    checks_numbers = min(len(a.numbers), len(b.numbers)) >= settings.min_numbers
    if checks_numbers and found.numbers < settings.min_number_agreement:
        return "related", found
    return "same", found


def same_story(a: Fingerprint, b: Fingerprint, settings: DedupSettings = DedupSettings()) -> Similarity | None:
    """The similarity of a and b when they are copies of one story, else None."""
    kind, found = verdict(a, b, settings)
    return found if kind == "same" else None
