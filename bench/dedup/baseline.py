"""The datasketch baseline: word n-gram shingles, MinHash, MinHashLSH, connected components of the candidate graph.

Bodies are split into words with `regex` (``[\\p{L}\\p{M}\\p{N}]+``), nothing else is normalized. Each body is
queried against the bodies before it and then inserted, so every pair sharing an LSH band becomes an edge once;
clusters are the connected components (union-find). With ``verify`` an edge also needs the MinHash Jaccard
estimate to reach the threshold.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from random import Random

import psutil
import regex
from datasketch import MinHash, MinHashLSH

from bench.dedup.evalset import CORPUS, Item, sections
from bench.dedup.metrics import Scores, score

TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
NUM_PERM = 128
THRESHOLDS = tuple(round(0.1 + 0.05 * i, 2) for i in range(17))  # 0.1 .. 0.9
SystemFn = Callable[[list[tuple[str, str]]], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Row:
    k: int
    threshold: float
    verify: bool
    scores: Scores
    predicted: dict[str, str]


@dataclass(frozen=True, slots=True)
class Throughput:
    articles: int
    seconds: float
    clusters: int
    rss_before: int  # bytes, the process with the articles in memory
    rss_peak: int  # bytes, sampled every 20 ms during the call

    @property
    def rate(self) -> float:
        return self.articles / self.seconds


def shingles(body: str, k: int) -> list[bytes]:
    words = TOKEN.findall(body)
    if len(words) <= k:
        return [" ".join(words).encode()]
    return list({" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)})


def signatures(bodies: Iterable[str], k: int) -> list[MinHash]:
    return list(MinHash.generator((shingles(body, k) for body in bodies), num_perm=NUM_PERM))


def lsh_clusters(
    ids: Sequence[str], hashes: Sequence[MinHash], threshold: float, verify: bool = False
) -> dict[str, str]:
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    parent = list(range(len(ids)))
    for i, minhash in enumerate(hashes):
        for j in lsh.query(minhash):
            if not verify or minhash.jaccard(hashes[j]) >= threshold:
                _union(parent, i, j)
        lsh.insert(i, minhash)
    return {ids[i]: ids[_find(parent, i)] for i in range(len(ids))}


def cluster_bodies(docs: Iterable[tuple[str, str]], threshold: float = 0.5, k: int = 5) -> dict[str, str]:
    """The whole pipeline in one pass, streaming: shingles, MinHash, LSH query then insert, union-find."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    prototype = MinHash(num_perm=NUM_PERM)
    ids: list[str] = []
    parent: list[int] = []
    for i, (article_id, body) in enumerate(docs):
        minhash = prototype.copy()
        minhash.update_batch(shingles(body, k))
        ids.append(article_id)
        parent.append(i)
        for j in lsh.query(minhash):
            _union(parent, i, j)
        lsh.insert(i, minhash)
    return {ids[i]: ids[_find(parent, i)] for i in range(len(ids))}


def sweep(items: Sequence[Item], ks: Sequence[int] = (5, 3), thresholds: Sequence[float] = THRESHOLDS) -> list[Row]:
    ids = [item.article_id for item in items]
    rows = []
    for k in ks:
        hashes = signatures((item.body for item in items), k)
        for threshold in thresholds:
            for verify in (False, True):
                predicted = lsh_clusters(ids, hashes, threshold, verify)
                rows.append(Row(k, threshold, verify, score(items, predicted), predicted))
    return rows


def best(rows: Sequence[Row], k: int, verify: bool = False) -> Row:
    return max((r for r in rows if r.k == k and r.verify == verify), key=lambda r: (r.scores.f1, -r.threshold))


def datasketch_system(threshold: float, k: int = 5) -> SystemFn:
    return partial(cluster_bodies, threshold=threshold, k=k)


# --- throughput ----------------------------------------------------------------------------------------------------


def throughput(system_fn: SystemFn, n: int = 100_000, seed: int = 5) -> Throughput:
    """Wall time and peak RSS of one call of `system_fn` on `n` synthetic articles (made before the clock starts)."""
    docs = synthetic_articles(n, seed)
    gc.collect()
    process = psutil.Process()
    before = peak = process.memory_info().rss
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    result = system_fn(list(docs))
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    peak = max(peak, process.memory_info().rss)
    return Throughput(n, seconds, len(set(result.values())), before, peak)


@cache
def synthetic_articles(n: int, seed: int = 5) -> tuple[tuple[str, str], ...]:
    """5-8 paragraphs of 2-4 corpus sentences each, lightly mutated; 30% are edited copies of an earlier article."""
    rng = Random(seed)
    pool = _corpus_sentences()
    docs: list[tuple[str, str]] = []
    for i in range(n):
        if docs and rng.random() < 0.3:
            paras = docs[rng.randrange(len(docs))][1].split("\n\n")
            if len(paras) > 4 and rng.random() < 0.5:
                paras = paras[:-1]
            paras = [_mutate(p, rng) if rng.random() < 0.3 else p for p in paras]
        else:
            paras = [
                _mutate(" ".join(rng.choice(pool) for _ in range(rng.randint(2, 4))), rng)
                for _ in range(rng.randint(5, 8))
            ]
        docs.append((f"x{i:06d}", "\n\n".join(paras)))
    return tuple(docs)


_SENTENCE = regex.compile(r"[^।?!|]+[।?!|]")
_SWAPS = (("पहुंच", "पहुँच"), ("गई", "गयी"), ("किए", "किये"), ("लिए", "लिये"), ("जांच", "जाँच"), ("मरीज", "मरीज़"))


@cache
def _corpus_sentences() -> tuple[str, ...]:
    sentences = []
    for path in sorted(CORPUS.glob("*/*/*.txt")):
        for _, paras in sections(path.read_text(encoding="utf-8")):
            sentences += [s.strip() for p in paras for s in _SENTENCE.findall(p) if len(s.split()) >= 6]
    return tuple(sentences)


def _mutate(text: str, rng: Random) -> str:
    draw = rng.random()
    if draw < 0.3:
        return regex.sub(r"\d+", lambda m: str(int(m[0]) + rng.randint(1, 9)), text, count=1)
    if draw < 0.6:
        plain, marked = rng.choice(_SWAPS)
        return text.replace(plain, marked)
    if draw < 0.8:
        words = text.split(" ")
        del words[rng.randrange(len(words))]
        return " ".join(words)
    return text


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent: list[int], i: int, j: int) -> None:
    a, b = _find(parent, i), _find(parent, j)
    if a != b:
        parent[max(a, b)] = min(a, b)
