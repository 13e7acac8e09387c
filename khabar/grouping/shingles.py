"""Word hashes, shingles, MinHash signatures and LSH band keys of many bodies at once, in numpy.

Words are `regex` tokens of the body folded for matching (`match_text`). Folding never joins or splits
words across whitespace, so a body's words are those of its whitespace-separated chunks in turn: each
distinct chunk is folded and hashed once, then looked up. Hashes are stable (blake2b of the word, then
fixed multipliers), so fingerprints agree across runs and machines.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain, groupby
from operator import itemgetter

import numpy as np
import regex

from khabar.text.normalize import match_text

TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it permutes 64-bit values
_PERMUTATION_SEED = 20260723
_PERM_BLOCK = 8  # permutations applied at once
_SLICE = 16384  # shingles hashed at once: with _PERM_BLOCK, 1 MiB of scratch
_CHUNK_LIMIT = 1 << 20  # distinct chunks remembered; the table starts over beyond


class _ChunkTable:
    """Whitespace-separated chunks already folded: chunk → id → its words' hashes, and its numbers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.ids: dict[str, int] = {}
        self.first = np.zeros(0, dtype=np.int64)  # id → index of its first word in `hashes`
        self.count = np.zeros(0, dtype=np.int64)  # id → words in the chunk
        self.hashes = np.zeros(0, dtype=np.uint64)
        self.numbered = np.zeros(0, dtype=bool)  # id → the chunk holds numbers
        self.numbers: dict[int, tuple[str, ...]] = {}

    def words(self, bodies: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[frozenset[str]]]:
        """All bodies' word hashes end to end, the number of words of each body, and each body's numbers."""
        splits = [body.split() for body in bodies]
        chunks = list(chain.from_iterable(splits))
        with self.lock:
            try:
                ids = np.fromiter(map(self.ids.__getitem__, chunks), dtype=np.int64, count=len(chunks))
            except KeyError:
                self._learn(chunks)
                ids = np.fromiter(map(self.ids.__getitem__, chunks), dtype=np.int64, count=len(chunks))
            counts, firsts, numbered = self.count[ids], self.first[ids], self.numbered[ids]
            hashes = self.hashes[np.repeat(firsts - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())]
            holders = ids[numbered].tolist()
            found = [self.numbers[i] for i in holders]
        chunk_ends = np.cumsum([len(split) for split in splits], dtype=np.int64)
        words_before = np.concatenate(([0], np.cumsum(counts)))
        lengths = np.diff(np.concatenate(([0], words_before[chunk_ends])))
        numbers: list[frozenset[str]] = [frozenset()] * len(bodies)
        owners = np.searchsorted(chunk_ends, np.flatnonzero(numbered), side="right").tolist()
        for owner, group in groupby(zip(owners, found, strict=True), key=itemgetter(0)):
            numbers[owner] = frozenset(chain.from_iterable(held for _, held in group))
        return hashes, lengths, numbers

    def _learn(self, chunks: list[str]) -> None:
        new = list(set(chunks).difference(self.ids))
        if len(self.ids) + len(new) > _CHUNK_LIMIT:
            self._reset()
            new = list(set(chunks))
        words = [TOKEN.findall(match_text(chunk)) for chunk in new]
        counts = np.array([len(w) for w in words], dtype=np.int64)
        numbered = []
        for chunk_id, (chunk, chunk_words) in enumerate(zip(new, words, strict=True), start=len(self.ids)):
            self.ids[chunk] = chunk_id
            if numbers := tuple(word for word in chunk_words if word.isdecimal()):
                self.numbers[chunk_id] = numbers
            numbered.append(bool(numbers))
        self.first = np.concatenate((self.first, len(self.hashes) + np.cumsum(counts) - counts))
        self.count = np.concatenate((self.count, counts))
        self.numbered = np.concatenate((self.numbered, np.array(numbered, dtype=bool)))
        hashed = {word: _word_hash(word) for word in set(chain.from_iterable(words))}
        fresh = np.fromiter(map(hashed.__getitem__, chain.from_iterable(words)), np.uint64, int(counts.sum()))
        self.hashes = np.concatenate((self.hashes, fresh))


_CHUNKS = _ChunkTable()


def forget_chunks() -> None:
    """Empty the chunk table, as in a new process (benchmarks time a cold start)."""
    with _CHUNKS.lock:
        _CHUNKS._reset()


def words(bodies: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[frozenset[str]]]:
    """Word hashes of all bodies end to end, each body's number of words, and each body's numbers
    (its words of decimal digits), as `TOKEN` finds them in `match_text` of the body."""
    return _CHUNKS.words(bodies)


def shingle_runs(hashes: np.ndarray, lengths: np.ndarray, n: int) -> list[np.ndarray]:
    """Each body's hashes of its runs of `n` words (one run of all its words when it has fewer), unsorted."""
    windows = len(hashes) - n + 1
    rolled = np.empty(0, dtype=np.uint64)
    if windows > 0:
        rolled = hashes[:windows].copy()
        for offset in range(1, n):
            rolled = rolled * MIX + hashes[offset : offset + windows]
        ends = np.cumsum(lengths)
        rolled = rolled[np.arange(windows) + n <= np.repeat(ends, lengths)[:windows]]  # windows inside one body
    runs = np.split(rolled, np.cumsum(np.maximum(lengths - n + 1, 0))[:-1]) if len(lengths) else []
    starts = np.cumsum(lengths) - lengths
    for i in np.flatnonzero((lengths > 0) & (lengths < n)).tolist():
        run = hashes[starts[i] : starts[i] + 1].copy()
        for word in hashes[starts[i] + 1 : starts[i] + lengths[i]]:
            run = run * MIX + word
        runs[i] = run
    return runs


def band_keys(shingles: Sequence[np.ndarray], num_perm: int, bands: int) -> list[tuple[int, ...]]:
    """LSH band keys of each shingle set's MinHash signature (duplicates in a set change nothing); () for
    an empty set. A key mixes the band's `num_perm // bands` rows into 63 bits, a signed BIGINT."""
    present = [i for i, sh in enumerate(shingles) if len(sh)]
    keys: list[tuple[int, ...]] = [()] * len(shingles)
    if not present:
        return keys
    rows_per_band = num_perm // bands
    signature = signatures([shingles[i] for i in present], num_perm)
    rows = signature[: bands * rows_per_band].reshape(bands, rows_per_band, len(present))
    band = rows[:, 0, :].copy()
    for column in range(1, rows_per_band):
        band = band * MIX + rows[:, column, :]
    for i, doc_keys in zip(present, (band >> np.uint64(1)).T.tolist(), strict=True):
        keys[i] = tuple(doc_keys)
    return keys


def signatures(shingles: Sequence[np.ndarray], num_perm: int) -> np.ndarray:
    """MinHash signatures (num_perm × sets) of non-empty shingle sets, a cache-sized slice of sets at a time."""
    multipliers, offsets = _permutations(num_perm)
    lengths = np.array([len(sh) for sh in shingles], dtype=np.int64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    flat = np.concatenate(shingles)
    signature = np.empty((num_perm, len(shingles)), dtype=np.uint64)
    scratch = np.empty((_PERM_BLOCK, max(_SLICE, int(lengths.max()))), dtype=np.uint64)
    first = 0
    while first < len(shingles):
        last = max(first + 1, int(np.searchsorted(ends, starts[first] + _SLICE, side="right")))
        values = flat[starts[first] : ends[last - 1]]
        at = starts[first:last] - starts[first]
        for row in range(0, num_perm, _PERM_BLOCK):
            block = scratch[: len(multipliers[row : row + _PERM_BLOCK]), : len(values)]
            np.multiply(multipliers[row : row + _PERM_BLOCK, None], values[None, :], out=block)
            np.add(block, offsets[row : row + _PERM_BLOCK, None], out=block)
            signature[row : row + _PERM_BLOCK, first:last] = np.minimum.reduceat(block, at, axis=1)
        first = last
    return signature


@lru_cache(maxsize=8)
def _permutations(count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` bijections x → a·x + b of 64-bit integers (a odd), the same on every run."""
    rng = np.random.default_rng(_PERMUTATION_SEED)
    multipliers = rng.integers(0, 2**63, size=count, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    offsets = rng.integers(0, 2**63, size=count, dtype=np.uint64)
    return multipliers, offsets


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
