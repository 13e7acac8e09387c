"""Compact shingles made in batches equal those made the plain way, word by word, and the stories `khabar ingest`
makes equal brute force over the bodies it stored."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import combinations, permutations
from pathlib import Path

import duckdb
import numpy as np
import pytest

from khabar.config import DedupSettings
from khabar.flows.ingest import ingest_dumps
from khabar.flows.params import DedupOptions
from khabar.grouping.assign import Times, day_of_year, paragraph_lineage
from khabar.grouping.matching import (
    Fingerprint,
    _heaviest_run,
    found_in,
    paragraph_containment,
    same_story,
    similarity,
    verdict,
)
from khabar.grouping.shingles import MIX, TOKEN, _permutations, _word_hash, band_keys, shingle_runs, signatures, words
from khabar.grouping.windows import compact_bodies
from khabar.text.normalize import match_text
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


def plain_numbers(body: str) -> frozenset[str]:
    return frozenset(w for w in TOKEN.findall(match_text(body)) if w.isdecimal())


def top(shingles: np.ndarray) -> np.ndarray:
    return np.unique(shingles >> np.uint64(32))


def test_batched_shingles_and_bands_match_one_body_at_a_time() -> None:
    settings = DedupSettings()
    texts = BODIES * 3 + tricky_texts(300)  # more shingles than one MinHash slice holds
    batch = compact_bodies(texts, settings, bands=True)
    for text, made in zip(texts, batch, strict=True):
        plain = plain_shingles(text, settings.ngram)
        assert np.array_equal(made.whole().shingles, top(plain))
        assert made.bands == compact_bodies([text], settings, bands=True)[0].bands
        assert made.bands == (tuple(band_keys([plain], settings.num_perm, settings.bands)[0]) if len(plain) else ())
        assert (len(made.bands) == settings.bands) == bool(len(plain))


def test_minhash_is_the_minimum_of_each_permutation() -> None:
    sets = [shingles for body in BODIES if len(shingles := plain_shingles(body, 5))]
    multipliers, offsets = _permutations(24)
    expected = np.array([[(a * s + b).min() for s in sets] for a, b in zip(multipliers, offsets, strict=True)])
    assert np.array_equal(signatures(sets, 24), expected)
    runs = shingle_runs(*words(BODIES)[:2], 5)  # duplicates in a set change no band
    assert band_keys(runs, 120, 40) == [k.bands for k in compact_bodies(BODIES, bands=True)]


@pytest.mark.usefixtures("prefect_api")
def test_ingested_stories_are_components_of_confirmed_candidate_pairs(tmp_path: Path, db: str) -> None:
    """`khabar ingest`'s stories equal brute force over the bodies it stored: the connected components of
    equal bodies and of pairs sharing enough LSH bands, or enough anchor keys (runs of copied text), that
    `same_story` confirms."""
    rng = random.Random(7)
    paragraphs = [p for body in BODIES for p in body.split("\n\n") if len(p.split()) > 15]
    bodies: list[str] = []
    for _ in range(150):  # copies, trims and mixes of real paragraphs
        if bodies and rng.random() < 0.5:
            source = rng.choice(bodies).split("\n\n")
            bodies.append("\n\n".join(source[: max(1, len(source) - rng.randint(0, 2))]))
        else:
            bodies.append("\n\n".join(rng.sample(paragraphs, rng.randint(2, 6))))
    folder = tmp_path / "dumps"
    folder.mkdir()
    for i, body in enumerate(bodies):
        (folder / f"a{i:03d}.txt").write_text(body + "\n", encoding="utf-8")
    # the text alone decides here: mixed paragraphs carry their seeds' datelines, which the windows would weigh
    ingest_dumps(paths=[str(folder)], db=db, dedup=DedupOptions(publish_window_days=0, paragraph_window_hours=0))
    con = duckdb.connect(db, read_only=True)
    rows = con.execute(
        "SELECT a.article_id, a.body_sha256, a.body, m.story_id FROM articles a JOIN story_members m USING (article_id)"
    ).fetchall()
    con.close()
    settings = DedupSettings()
    compact = compact_bodies([row[2] for row in rows], settings, bands=True)
    prints: list[Fingerprint] = [replace(k.whole(), bands=k.bands) for k in compact]
    anchors = [set(k.paragraph_keys) for k in compact]
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        return i if parent[i] == i else root(parent[i])

    for i, j in combinations(range(len(rows)), 2):
        shared = sum(a == b for a, b in zip(prints[i].bands, prints[j].bands, strict=False))
        exact = rows[i][1] == rows[j][1]
        candidate = (
            shared >= settings.min_shared_bands or len(anchors[i] & anchors[j]) >= settings.min_shared_paragraph_keys
        )
        if exact or (candidate and same_story(prints[i], prints[j], settings)):
            a, b = sorted((root(i), root(j)))
            parent[b] = a
    expected: dict[int, set[str]] = {}
    for i, row in enumerate(rows):
        expected.setdefault(root(i), set()).add(row[0])
    stories: dict[str, set[str]] = {}
    for article_id, _, _, story_id in rows:
        stories.setdefault(story_id, set()).add(article_id)
    assert sorted(map(sorted, stories.values())) == sorted(map(sorted, expected.values()))
    assert 20 < len(stories) < len(rows) - 20


def test_compact_shingles_are_the_top_bits_of_the_body_and_paragraph_shingles() -> None:
    settings = DedupSettings()
    texts = BODIES + ["\n\n".join(t.split("\n")) for t in tricky_texts(300)] + ["", "एक दो\n\nतीन चार पांच छह सात"]
    kept = compact_bodies(texts, settings, bands=True)
    for text, k in zip(texts, kept, strict=True):
        assert np.array_equal(k.whole().shingles, top(plain_shingles(text, settings.ngram))), repr(text)
        assert k.numbers == plain_numbers(text)
        paragraphs = [plain_shingles(p, settings.ngram) for p in text.split("\n\n")]
        assert len(k.paragraphs(settings.ngram)) == len(paragraphs)
        for mine, plain in zip(k.paragraphs(settings.ngram), paragraphs, strict=True):
            assert np.array_equal(mine, top(plain)) and mine.dtype == np.uint32, repr(text)


def test_paragraph_shingles_are_made_only_for_the_comparisons_that_need_them() -> None:
    settings = DedupSettings()
    whole, trimmed = (k.whole() for k in compact_bodies([BODIES[0], BODIES[0] + " अंत"], settings))
    assert verdict(whole, trimmed, settings)[0] == "same"
    assert callable(whole.parts) and callable(trimmed.parts)  # the whole bodies' shingles decided it
    first, other = (k.whole() for k in compact_bodies([BODIES[0], BODIES[1]], settings))
    verdict(first, other, settings)  # too little in common: paragraph by paragraph decides
    assert not callable(first.parts) and not callable(other.parts)
    made_at_once = compact_bodies([BODIES[0]], settings)[0].paragraphs(settings.ngram)
    assert all(np.array_equal(a, b) for a, b in zip(first.paragraphs, made_at_once, strict=True))


def test_a_follow_up_with_new_figures_is_not_the_same_story() -> None:
    story = (SAMPLES / "000_e840aa923773798b.txt").read_text(encoding="utf-8")
    figures = "वुहान में {} दिन बाद लॉकडाउन खत्म हुआ, {} हफ्ते बाद 9 अप्रैल को {} उड़ानें चलीं।"
    original, follow_up = story + figures.format(76, 11, 35), story + figures.format(88, 13, 41)
    a, b = (k.whole() for k in compact_bodies([original, follow_up]))
    assert 0.5 <= len(a.numbers & b.numbers) / len(a.numbers) < 0.67
    assert same_story(a, b, DedupSettings(min_number_agreement=0.5)) is not None  # the text alone says "same"
    assert same_story(a, b) is None


def test_days_of_the_year_agree_across_years_and_wrap_round_the_years_end() -> None:
    ist_noon_1_march_2025 = int(datetime(2025, 3, 1, 6, 30, tzinfo=UTC).timestamp() * 1e6)
    assert (
        day_of_year(ist_noon_1_march_2025, None) == day_of_year(None, date(2024, 3, 1)) == day_of_year(None, None, 3, 1)
    )
    assert day_of_year(None, None, 2, 29) == 60 and day_of_year(None, None, 2, 30) is None
    assert day_of_year(None, None, 7, None) is None
    week = 7 * 86_400_000_000
    new_year = Times(days=frozenset({day_of_year(None, None, 12, 29), day_of_year(None, None, 1, 3)}))  # type: ignore[arg-type]
    assert new_year.within(week) and not new_year.within(week // 2)
    assert not Times(days=frozenset({day_of_year(None, None, 7, 12), day_of_year(None, None, 10, 20)})).within(week)  # type: ignore[arg-type]


def _paragraph_containment_pairwise(a: Fingerprint, b: Fingerprint, settings: DedupSettings) -> float:
    """paragraph_containment as first written: one intersection per pair of paragraphs."""
    if not a.paragraphs or not b.paragraphs or not len(a.shingles):
        return 0.0
    places, weights = [], []
    for own in a.paragraphs:
        if len(own) < settings.min_paragraph_shingles:
            continue
        inside = np.intersect1d(own, b.shingles, assume_unique=True)
        if len(inside) < settings.paragraph_copy * len(own):
            continue
        shared = [len(np.intersect1d(inside, theirs, assume_unique=True)) for theirs in b.paragraphs]
        places.append(int(np.argmax(shared)))
        weights.append(len(own))
    return _heaviest_run(places, weights) / len(a.shingles)


def _paragraph_lineage_pairwise(member: Fingerprint, canonical: Fingerprint) -> list[tuple[int | None, ...]]:
    """paragraph_lineage as first written: one intersection per pair of paragraphs."""

    def share(part: np.ndarray, whole: np.ndarray) -> float:
        return len(np.intersect1d(part, whole, assume_unique=True)) / len(part) if len(part) else 1.0

    def with_short(body: Fingerprint) -> np.ndarray:
        short = [p for p in body.paragraphs if len(p) == 1]
        return np.union1d(body.shingles, np.concatenate(short)) if short else body.shingles

    rows: list[tuple[int | None, ...]] = []
    for seq, own in enumerate(member.paragraphs):
        if not len(own):
            continue
        if share(own, with_short(canonical)) < 0.5:
            rows.append((seq, None, "added"))
            continue
        shared = [len(np.intersect1d(own, theirs, assume_unique=True)) for theirs in canonical.paragraphs]
        best = int(np.argmax(shared))
        union = len(own) + len(canonical.paragraphs[best]) - shared[best]
        rows.append((seq, best, "kept" if shared[best] >= 0.9 * union else "edited"))
    for seq, theirs in enumerate(canonical.paragraphs):
        if len(theirs) and share(theirs, with_short(member)) < 0.5:
            rows.append((None, seq, "dropped"))
    return rows


def test_paragraph_lineage_equals_the_pairwise_intersections() -> None:
    """The flat-array paragraph_lineage gives what one intersection per pair of paragraphs gave, on bodies sharing
    paragraphs, short ones, and ones printed twice."""
    rng = random.Random(17)
    settings = DedupSettings()
    pool = [[f"शब्द{rng.randrange(300)}" for _ in range(rng.randrange(2, 30))] for _ in range(40)]
    pool += [[*words[:-2], "नया"] for words in pool[:20]]  # edited: its last words changed
    pool += [a + b for a, b in zip(pool[:10], pool[10:20], strict=True)]  # two paragraphs run together
    bodies = []
    for _ in range(60):
        paragraphs = [" ".join(words) for words in rng.sample(pool, rng.randrange(1, 8))]
        if rng.random() < 0.3:
            paragraphs.append(paragraphs[0])  # a paragraph printed twice: the lookup of several places
        bodies.append("\n\n".join(paragraphs))
    prints = [k.whole(settings.ngram) for k in compact_bodies(bodies, settings)]
    statuses: Counter[str] = Counter()
    for member, canonical in permutations(prints, 2):
        rows = [(r.seq, r.canonical_seq, r.status) for r in paragraph_lineage(member, canonical)]
        assert rows == _paragraph_lineage_pairwise(member, canonical)
        statuses.update(status for *_, status in rows)
    assert min(statuses[s] for s in ("kept", "edited", "added", "dropped")) > 50, statuses


def test_paragraph_containment_equals_the_pairwise_intersections() -> None:
    """The flat-array paragraph_containment gives what one intersection per pair of paragraphs gave, on
    compact shingles of edited copies (trimmed, re-topped, shuffled, repeated paragraphs) and random sets."""
    rng = random.Random(16)
    settings = DedupSettings()
    pool = [" ".join(f"शब्द{rng.randrange(400)}" for _ in range(rng.randrange(3, 40))) for _ in range(60)]
    bodies = []
    for _ in range(120):
        paragraphs = rng.sample(pool, rng.randrange(1, 9))
        if rng.random() < 0.3:
            paragraphs.append(paragraphs[0])  # a paragraph printed twice
        bodies.append("\n\n".join(paragraphs))
    prints = [k.whole(settings.ngram) for k in compact_bodies(bodies, settings)]
    compared = skipped = 0
    for a, b in combinations(prints, 2):
        for x, y in ((a, b), (b, a)):
            for each in (settings, replace(settings, min_paragraph_shingles=1)):  # short paragraphs counted too
                expected = _paragraph_containment_pairwise(x, y, each)
                assert paragraph_containment(x, y, each) == expected
                assert paragraph_containment(x, y, each, found_in(x.shingles, y.shingles)) == expected
                floored = paragraph_containment(x, y, each, floor=0.5)  # 0 only where it cannot reach 0.5
                assert floored == expected or (floored == 0 and expected < 0.5)
            compared += paragraph_containment(x, y, settings) > 0
        common = len(np.intersect1d(a.shingles, b.shingles, assume_unique=True))
        assert similarity(a, b).jaccard == common / (len(a.shingles) + len(b.shingles) - common)
        for each in (settings, replace(settings, min_paragraph_containment=0.2), replace(settings, paragraph_copy=0.9)):
            kind, found = verdict(a, b, each)
            one, other = _paragraph_containment_pairwise(a, b, each), _paragraph_containment_pairwise(b, a, each)
            floor = each.min_paragraph_containment
            overlaps = found.jaccard >= each.min_jaccard or found.containment >= each.min_containment
            if not overlaps:  # a's in b where it reaches the floor, else b's in a; 0 where neither does
                assert found.paragraphs == (one if one >= floor else other if other >= floor else 0)
                assert (kind == "none") == (max(one, other) < floor)
                skipped += found.paragraphs == 0 < max(one, other)
    assert compared > 100
    assert skipped > 10
