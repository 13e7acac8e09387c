"""Scores: word 4-gram shingle precision/recall (as the Zyte article-extraction-benchmark) and snippet checks."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import mean

import regex

_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
SHINGLE = 4
METHOD = (
    "tokens = regex [\\p{L}\\p{M}\\p{N}]+ on NFC-lowercased text; shingles = SET of word 4-grams (a text of 1-3 "
    "tokens is one shorter shingle);\nper page P = |gold∩out|/|out|, R = |gold∩out|/|gold|; P averaged over pages "
    "with output, R over all pages (macro, as Zyte's evaluate.py);\nF1 = 2PR/(P+R) of those means (Zyte); mF1 = "
    "mean of per-page F1 (empty output = 0). Zyte differs only in tokens (\\w+, case kept) and multiset counts."
)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    words = tokens(text)
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))} if words else set()


@dataclass(frozen=True, slots=True)
class PageScore:
    precision: float | None  # None: the system returned no words
    recall: float
    gold: int  # shingles in the gold text
    out: int  # shingles in the output

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_page(gold: str, out: str) -> PageScore:
    g, o = shingles(gold), shingles(out)
    if not g and not o:
        return PageScore(1.0, 1.0, 0, 0)
    hit = len(g & o)
    return PageScore(hit / len(o) if o else None, hit / len(g) if g else 0.0, len(g), len(o))


@dataclass(frozen=True, slots=True)
class Summary:
    precision: float
    recall: float
    f1: float
    mean_f1: float
    empty: int


def summarize(scores: Iterable[PageScore]) -> Summary:
    scores = list(scores)
    p = mean([s.precision for s in scores if s.precision is not None] or [0.0])
    r = mean(s.recall for s in scores)
    return Summary(
        p, r, 2 * p * r / (p + r) if p + r else 0.0, mean(s.f1 for s in scores), sum(s.out == 0 for s in scores)
    )


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def present(snippets: Iterable[str], out: str) -> list[bool]:
    """Whether each snippet occurs in the output as written, ignoring case and how whitespace runs are spelled."""
    text = _flat(out)
    return [_flat(snippet) in text for snippet in snippets]
