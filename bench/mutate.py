"""More stories than the pool holds (follow-ups with new figures), and the small edits of a republication."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from random import Random

from bench.corpus import PLACES, Story
from bench.templates import Article

TAILS = (", जानें ताजा हाल", " - ताजा अपडेट", ": अब तक की बड़ी बातें", ", देखें रिपोर्ट", " (अपडेट)")
SPELLINGS = (
    ("पहुंच", "पहुँच"),
    ("वाशिंगटन", "वॉशिंगटन"),
    ("गई", "गयी"),
    ("किए", "किये"),
    ("लिए", "लिये"),
    ("जांच", "जाँच"),
    ("ज्यादा", "ज़्यादा"),
    ("अंतरराष्ट्रीय", "अंतर्राष्ट्रीय"),
    ("हिंदी", "हिन्दी"),
    ("नई दिल्ली", "नयी दिल्ली"),
    ("कोरोना वायरस", "कोरोनावायरस"),
)
REWORDS = (
    ("ने कहा कि", "ने बताया कि"),
    ("ने बताया कि", "ने कहा कि"),
    ("लेकिन", "मगर"),
    ("अब तक", "अभी तक"),
    ("के मुताबिक", "के अनुसार"),
    ("के अनुसार", "के मुताबिक"),
    ("इसके अलावा", "साथ ही"),
    ("ज्यादा", "अधिक"),
)
INTROS = (
    "इस मामले में नई जानकारी सामने आई है।",
    "कोरोना संकट के बीच एक अहम खबर सामने आई है।",
    "प्रशासन इस पूरे मामले पर नजर बनाए हुए है।",
    "अधिकारियों ने इस बारे में विस्तार से जानकारी दी।",
)
_NUMBER = re.compile(r"\d[\d,]*\d|\d")
_ASCII_TO_DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def story_for(k: int, pool: Sequence[Story], order: Sequence[int], seed: int) -> Story:
    """Distinct story number k: the pool in a shuffled order, then follow-ups with new figures and dates."""
    rng = Random(seed * 1_000_003 + k)
    base = pool[order[k % len(pool)]]
    rounds = k // len(pool)
    place = base.place or rng.choice(PLACES)
    if not rounds:
        return Story(base.title, list(base.paras), place, base.day)
    factor = rng.uniform(0.55, 1.8)
    seen: dict[str, str] = {}
    title = _NUMBER.sub(lambda m: _scaled(m[0], factor, seen), base.title)
    title = title if title != base.title else title + rng.choice(TAILS)
    paras = [_NUMBER.sub(lambda m: _scaled(m[0], factor, seen), p) for p in base.paras]
    if len(paras) > 4 and rng.random() < 0.5:
        del paras[rng.randrange(1, len(paras))]
    borrowed = [p for p in pool[rng.randrange(len(pool))].paras if len(p.split()) >= 10]  # prose, not a sub-heading
    paras.insert(rng.randrange(1, len(paras) + 1), rng.choice(borrowed))
    day = base.day + timedelta(days=(rounds * 97 + rng.randrange(30)) % 1900)
    return Story(title, paras, place, day)


def _scaled(number: str, factor: float, seen: dict[str, str]) -> str:
    """The same new figure for the same old one, so a headline and its body agree; years stay."""
    if number not in seen:
        value = int(number.replace(",", ""))
        if value < 10 or 1900 <= value <= 2030:
            seen[number] = number
        else:
            new = max(10, round(value * factor))
            seen[number] = f"{new:,}" if "," in number else str(new)
    return seen[number]


def republish(a: Article, rng: Random) -> tuple[Article, str]:
    """A copy of `a` with one small edit (sometimes two), as another outlet would print it."""
    names = rng.sample(list(EDITS), k=2 if rng.random() < 0.25 else 1)
    for name in names:
        a = EDITS[name](a, rng)
    return a, "+".join(names)


def _spelling(a: Article, rng: Random) -> Article:
    text = "\n".join([a.title, a.dateline, *a.paras])
    found = [pair for pair in SPELLINGS if pair[0] in text]
    if not found:
        return _reword(a, rng)
    for old, new in rng.sample(found, k=min(3, len(found))):
        text = text.replace(old, new)
    title, dateline, *paras = text.split("\n")
    return Article(title, dateline, paras, a.day)


def _digits(a: Article, rng: Random) -> Article:
    paras = [p.translate(_ASCII_TO_DEVANAGARI) for p in a.paras]
    return replace(a, dateline=a.dateline.translate(_ASCII_TO_DEVANAGARI), paras=paras)


def _drop_last(a: Article, rng: Random) -> Article:
    return replace(a, paras=a.paras[:-1]) if len(a.paras) >= 3 else _reword(a, rng)


def _add_intro(a: Article, rng: Random) -> Article:
    return replace(a, paras=[f"{rng.choice(INTROS)} {a.paras[0]}", *a.paras[1:]])


def _reword(a: Article, rng: Random) -> Article:
    paras = list(a.paras)
    hits = [(i, old, new) for i, p in enumerate(paras) for old, new in REWORDS if old in p]
    if hits:
        i, old, new = rng.choice(hits)
        paras[i] = paras[i].replace(old, new, 1)
    else:  # nothing to reword: swap the first two sentences of the longest paragraph
        i = max(range(len(paras)), key=lambda j: len(paras[j]))
        parts = re.split(r"(?<=[।?!])\s+", paras[i], maxsplit=2)
        if len(parts) >= 2:
            paras[i] = " ".join([parts[1], parts[0], *parts[2:]])
    return replace(a, paras=paras)


EDITS: dict[str, Callable[[Article, Random], Article]] = {
    "spelling": _spelling,
    "digits": _digits,
    "drop_last": _drop_last,
    "add_intro": _add_intro,
    "reword": _reword,
}
