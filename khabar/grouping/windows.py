"""Compact shingles: what the warehouse keeps of each body, to verify candidates and work out lineage
without reading the body again.

A body's n-word windows are kept in body order, each hash cut to its top 32 bits, with the number of
words in each paragraph. A paragraph's words are a run of the body's (folding never crosses
whitespace), so the windows starting in a paragraph and ending in it are the paragraph's own shingles;
a paragraph of fewer than n words keeps the one hash of all its words. Similarities on 32-bit hashes
differ from the 64-bit ones only where two hashes collide: for bodies of 400 shingles, about one pair in
20,000 gains or loses one shared shingle.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from khabar.config import DedupSettings
from khabar.grouping.matching import Fingerprint, Parts
from khabar.grouping.shingles import MIX, band_keys, shingle_runs, words

_BATCH = 2000  # bodies at once


@dataclass(frozen=True, slots=True)
class Compact:
    windows: np.ndarray  # uint32: top bits of each n-word window's hash in body order (one hash when fewer words)
    paragraph_words: tuple[int, ...]  # words in each paragraph, in order
    short: np.ndarray  # uint32: the hash of each paragraph with fewer than n words but some, in order
    numbers: frozenset[str]
    bands: tuple[int, ...] = ()  # LSH band keys, when made from the body
    paragraph_keys: tuple[int, ...] = ()  # MinHash keys of its paragraphs (`paragraph_keys`), with the bands
    # (ngram, whole(ngram)) once made: grouping and lineage both ask for it
    made: tuple[int, Fingerprint] | None = field(default=None, init=False, repr=False, compare=False)

    def whole(self, ngram: int = 5) -> Fingerprint:
        """The body's shingle set, and each paragraph's (made when first asked for), for verification and lineage."""
        if self.made is not None and self.made[0] == ngram:
            return self.made[1]
        parts = partial(paragraph_parts, self.windows, self.paragraph_words, self.short, ngram)
        made = Fingerprint(_sorted_unique(self.windows), self.numbers, self.bands, parts)
        object.__setattr__(self, "made", (ngram, made))
        return made

    def paragraphs(self, n: int) -> tuple[np.ndarray, ...]:
        """Each paragraph's shingle set (sorted unique uint32): its windows, or its one hash when it has fewer than
        n words."""
        return self.whole(n).paragraphs


def paragraph_parts(windows: np.ndarray, paragraph_words: Sequence[int], short: np.ndarray, n: int) -> Parts:
    """Each paragraph's shingle set (sorted unique uint32) end to end in body order, and each one's size: its
    windows, or its one hash (`short`) when it has fewer than n words but some. All paragraphs are sorted in one
    pass, keyed by paragraph in the high bits: a body has tens of them, and grouping asks for thousands of bodies."""
    counts = np.array(paragraph_words, np.int64)
    spans = np.where(counts >= n, counts - n + 1, 0)  # windows starting and ending in each paragraph
    ends = np.cumsum(spans)
    total = int(ends[-1]) if len(ends) else 0
    flat = np.repeat(np.cumsum(counts) - counts - (ends - spans), spans) + np.arange(total)
    owner = np.repeat(np.arange(len(counts), dtype=np.uint64), spans)
    shorts = np.flatnonzero((counts > 0) & (counts < n)).astype(np.uint64)
    keyed = _sorted_unique(
        np.concatenate(((owner << np.uint64(32)) | windows[flat], (shorts << np.uint64(32)) | short.astype(np.uint64)))
    )
    sizes = np.bincount((keyed >> np.uint64(32)).astype(np.intp), minlength=len(counts))
    return keyed.astype(np.uint32), sizes


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique of a small array, without its per-call overhead (a run reads tens of thousands of bodies)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    fresh = np.empty(len(ordered), bool)
    fresh[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=fresh[1:])
    return ordered[fresh]


class Prints(Mapping[str, Fingerprint]):
    """Article → `Compact.whole`, made when first asked for: most articles of a run are never compared."""

    def __init__(self, kept: Mapping[str, Compact], ngram: int) -> None:
        self._kept, self._ngram = kept, ngram

    def __getitem__(self, article_id: str) -> Fingerprint:
        return self._kept[article_id].whole(self._ngram)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._kept

    def __iter__(self) -> Iterator[str]:
        return iter(self._kept)

    def __len__(self) -> int:
        return len(self._kept)


PARAGRAPH_BAND = -1  # lsh_bands.band of anchor keys
ANCHOR_EVERY = 8  # about one window in this many anchors a key
_ANCHOR_SPAN = 4  # an anchor key joins a window with the one this many words on: a run of n + 4 words
_ANCHOR_MIX = np.uint32(0x9E3779B1)


def paragraph_keys(compact: Compact) -> tuple[int, ...]:
    """Keys proposing candidates by shared runs of text, wherever paragraph breaks fall: the windows whose
    hash falls in one of `ANCHOR_EVERY` slots (chosen by content, so two copies of a passage anchor the same
    windows) each give the hash of the run of n + 4 words starting there. Two bodies sharing a few
    sentences share several keys even when their whole bodies are far apart (re-topped, trimmed, embedded
    copy); runs that long are rarely common phrases."""
    windows = compact.windows
    if len(windows) <= _ANCHOR_SPAN:
        return ()
    starts = np.flatnonzero((windows[:-_ANCHOR_SPAN] * _ANCHOR_MIX) % np.uint32(ANCHOR_EVERY) == 0)
    keys = (windows[starts].astype(np.uint64) << np.uint64(32)) | windows[starts + _ANCHOR_SPAN].astype(np.uint64)
    return tuple(sorted({int(k) for k in ((keys * MIX) >> np.uint64(1)).tolist()}))


def paragraph_bodies(body: str) -> list[str]:
    return body.split("\n\n")


def compact_bodies(
    bodies: Sequence[str], settings: DedupSettings = DedupSettings(), *, bands: bool = False
) -> list[Compact]:
    """The compact shingles of bodies, with their LSH band keys when `bands`."""
    made: list[Compact] = []
    for start in range(0, len(bodies), _BATCH):
        paragraphs = [paragraph_bodies(body) for body in bodies[start : start + _BATCH]]
        hashes, lengths, numbers = words([p for ps in paragraphs for p in ps])
        per_body = np.cumsum([len(ps) for ps in paragraphs])
        body_words = np.add.reduceat(lengths, per_body - [len(ps) for ps in paragraphs]) if len(lengths) else lengths
        windows = shingle_runs(hashes, body_words, settings.ngram)
        own = shingle_runs(hashes, lengths, settings.ngram)
        keys = band_keys(windows, settings.num_perm, settings.bands) if bands else [()] * len(paragraphs)
        first = 0
        for body_windows, count, key in zip(windows, [len(ps) for ps in paragraphs], keys, strict=True):
            counts = lengths[first : first + count].tolist()
            short = [
                run[0]
                for run, words_in in zip(own[first : first + count], counts, strict=True)
                if 0 < words_in < settings.ngram
            ]
            made.append(
                Compact(
                    _top(body_windows),
                    tuple(counts),
                    _top(np.array(short, dtype=np.uint64)),
                    frozenset().union(*numbers[first : first + count]),
                    key,
                )
            )
            if bands:
                made[-1] = replace(made[-1], paragraph_keys=paragraph_keys(made[-1]))
            first += count
    return made


def _top(hashes: np.ndarray) -> np.ndarray:
    return (hashes >> np.uint64(32)).astype(np.uint32)
