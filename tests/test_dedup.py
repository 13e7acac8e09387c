"""Fingerprints made in batches equal those made the plain way, word by word, and grouping equals brute force."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np

from khabar.tasks.compact import compact_bodies
from khabar.tasks.dedup import DedupSettings, candidate_pairs, cluster_bodies, fingerprints, same_story
from khabar.tasks.normalize import match_text
from khabar.tasks.shingle import MIX, TOKEN, _permutations, _word_hash, band_keys, shingle_runs, signatures, words
from tests.conftest import FIXTURES, SAMPLES

BODIES = [p.read_text(encoding="utf-8") for p in sorted([*SAMPLES.glob("*.txt"), *(FIXTURES / "golden").glob("*.txt")])]
# Characters the folding rewrites, joins or drops: nukta forms, chandrabindu, zero-width, digits, pipes, spaces.
TRICKY = [*"कखनमङञणऴ्ँंािॉऑॅ०१२३45 \t\n\u00a0\u2000|।॥.,\u200b\u200c\u200d\u00adßΣς²\x00", "क़", "न्क", "ऩ्ह"]


def tricky_texts(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 40))) for _ in range(count)]


def plain_shingles(body: str, n: int) -> np.ndarray:
    """The definition: hashes of each word of match_text, rolled over n words (all of them when fewer)."""
    hashes = np.array([_word_hash(w) for w in TOKEN.findall(match_text(body))], dtype=np.uint64)
    n = min(n, len(hashes))
    if not n:
        return hashes
    rolled = hashes[: len(hashes) - n + 1].copy()
    for offset in range(1, n):
        rolled = rolled * MIX + hashes[offset : offset + len(rolled)]
    return np.unique(rolled)


def test_words_are_those_of_the_folded_whole_body() -> None:
    texts = BODIES + tricky_texts(3000)
    hashes, lengths, numbers = words(texts)
    ends = np.cumsum(lengths)
    for text, end, length, found in zip(texts, ends, lengths, numbers, strict=True):
        expected = TOKEN.findall(match_text(text))
        assert hashes[end - length : end].tolist() == [_word_hash(w) for w in expected], repr(text)
        assert found == {w for w in expected if w.isdecimal()}, repr(text)


def test_batched_shingles_and_bands_match_one_body_at_a_time() -> None:
    settings = DedupSettings()
    texts = BODIES * 3 + tricky_texts(300)  # more shingles than one MinHash slice holds
    batch = fingerprints(texts, settings)
    for text, made in zip(texts, batch, strict=True):
        assert np.array_equal(made.shingles, plain_shingles(text, settings.ngram))
        assert made.bands == fingerprints([text], settings)[0].bands
        assert (len(made.bands) == settings.bands) == bool(len(made.shingles))


def test_minhash_is_the_minimum_of_each_permutation() -> None:
    sets = [fp.shingles for fp in fingerprints(BODIES) if len(fp.shingles)]
    multipliers, offsets = _permutations(24)
    expected = np.array([[(a * s + b).min() for s in sets] for a, b in zip(multipliers, offsets, strict=True)])
    assert np.array_equal(signatures(sets, 24), expected)
    runs = shingle_runs(*words(BODIES)[:2], 5)  # duplicates in a set change no band
    assert band_keys(runs, 120, 40) == [fp.bands for fp in fingerprints(BODIES)]


def test_candidate_pairs_are_those_sharing_enough_bands() -> None:
    rng = random.Random(5)
    bands = [tuple(rng.randrange(4) for _ in range(6)) if rng.random() > 0.1 else () for _ in range(120)]
    for min_shared in (1, 2, 4):
        expected = sorted(
            ((i, j) for i, j in combinations(range(len(bands)), 2)
             if bands[i] and bands[j] and sum(a == b for a, b in zip(bands[i], bands[j], strict=True)) >= min_shared),
            key=lambda p: (p[1], p[0]),
        )  # fmt: skip
        assert candidate_pairs(bands, min_shared) == expected


def test_groups_are_components_of_confirmed_candidate_pairs() -> None:
    rng = random.Random(7)
    paragraphs = [p for body in BODIES for p in body.split("\n\n") if len(p.split()) > 15]
    items = []
    for i in range(150):  # copies, trims and mixes of real paragraphs
        if items and rng.random() < 0.5:
            source = rng.choice(items)[1].split("\n\n")
            body = "\n\n".join(source[: max(1, len(source) - rng.randint(0, 2))])
        else:
            body = "\n\n".join(rng.sample(paragraphs, rng.randint(2, 6)))
        items.append((f"a{i:03d}", body))
    settings = DedupSettings()
    prints = fingerprints([body for _, body in items], settings)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        return i if parent[i] == i else root(parent[i])

    for i, j in combinations(range(len(items)), 2):
        shared = sum(a == b for a, b in zip(prints[i].bands, prints[j].bands, strict=False))
        if shared >= settings.min_shared_bands and same_story(prints[i], prints[j], settings):
            a, b = sorted((root(i), root(j)))
            parent[b] = a
    expected = {item_id: items[root(i)][0] for i, (item_id, _) in enumerate(items)}
    assert cluster_bodies(items, settings) == expected
    assert len(set(expected.values())) < len(items)


def test_compact_shingles_are_the_top_bits_of_the_body_and_paragraph_shingles() -> None:
    settings = DedupSettings()
    texts = BODIES + ["\n\n".join(t.split("\n")) for t in tricky_texts(300)] + ["", "एक दो\n\nतीन चार पांच छह सात"]
    kept = compact_bodies(texts, settings, bands=True)
    for text, k, fp in zip(texts, kept, fingerprints(texts, settings), strict=True):
        assert np.array_equal(k.whole().shingles, np.unique(fp.shingles >> np.uint64(32))), repr(text)
        assert k.numbers == fp.numbers and k.bands == fp.bands
        paragraphs = fingerprints(text.split("\n\n"), settings, bands=False)
        assert len(k.paragraphs(settings.ngram)) == len(paragraphs)
        for mine, plain in zip(k.paragraphs(settings.ngram), paragraphs, strict=True):
            assert np.array_equal(mine.shingles, np.unique(plain.shingles >> np.uint64(32))), repr(text)


def test_a_follow_up_with_new_figures_is_not_the_same_story() -> None:
    story = (SAMPLES / "000_e840aa923773798b.txt").read_text(encoding="utf-8")
    figures = "वुहान में {} दिन बाद लॉकडाउन खत्म हुआ, {} हफ्ते बाद 9 अप्रैल को {} उड़ानें चलीं।"
    original, follow_up = story + figures.format(76, 11, 35), story + figures.format(88, 13, 41)
    a, b = fingerprints([original, follow_up])
    assert 0.5 <= len(a.numbers & b.numbers) / len(a.numbers) < 0.67
    assert same_story(a, b, DedupSettings(min_number_agreement=0.5)) is not None  # the text alone says "same"
    assert same_story(a, b) is None
