"""A labelled evaluation set for near-duplicate story grouping, built reproducibly from real Hindi news.

One story = one agency copy (the "original") and the republications of other outlets, each with small edits.
Hard negatives are separate stories that a naive near-duplicate detector is tempted to merge:

- ``bgN.a`` / ``bgN.b``: two different corpus stories that both end with the same background paragraph;
- ``eventN.a`` / ``eventN.b``: the same event reported in their own words by two outlets on the same day;
- ``tmpldistrict.NN`` / ``tmplstate.NN``: case-count bulletins from one template, differing in numbers, places
  and dates only;
- ``seed.NNN``: the five seed dumps (000 and 004 share the "व्यापक रणनीतिक साझेदारी" background; 000, 001 and 002
  report the same meeting; 003 is another visit's anniversary story).

A story label's hard-negative group is the part before the dot (`hard_negative_group`); plain stories are ``sNNN``.
Text is read at run time from the shared corpus and ``data/samples``; nothing of it is stored in the repository.

    python -m bench.dedup.evalset OUT.jsonl [--seed 11]
"""

from __future__ import annotations

import argparse
import json
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from random import Random

import regex

from bench.corpus import CORPUS, corpus_files

SEEDS = Path(__file__).resolve().parents[2] / "data" / "samples"
TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
OUTLETS = {
    "Amar Ujala": "amarujala",
    "Dainik Hindustan": "livehindustan",
    "Dainik Jagran": "jagran",
    "Navbharat Times": "navbharattimes",
    "Prabhat Khabar": "prabhatkhabar",
}
REPUBLISHERS = (
    "amarujala",
    "jagran",
    "livehindustan",
    "navbharattimes",
    "prabhatkhabar",
    "bhaskarhindi",
    "zeenews",
    "abplive",
    "aajtak",
    "ndtvindia",
    "patrika",
    "news18hindi",
)
N_REGULAR, N_EVENT_PAIRS, N_BACKGROUND_PAIRS = 80, 5, 4
MIN_PARA_WORDS, MAX_PARAS, MAX_DUP_JACCARD = 12, 10, 0.05
EDITS = ("trimmed", "split_merge", "intro", "reworded", "spelling", "digits", "punctuation")  # order of application
KINDS = ("original", "verbatim", "rewrapped", *EDITS)

_SENTENCE_END = ("।", ".", "?", "!", '"', "'", "”", "’", "|", "॥")
_FILE_DAY = regex.compile(r"-(MAR|APR|ARP|MAY)-(\d{1,2})\.txt$", regex.IGNORECASE)
_SENTENCE = regex.compile(r"[^।?!|]+(?:[।?!|]+|$)\s*")
_NUMBER = regex.compile(r"\d+")
_WORD = regex.compile(r"(?<![\p{L}\p{M}])[\p{L}\p{M}]+(?![\p{L}\p{M}])")
_BACKGROUND_OPENERS = ("बता दें", "गौरतलब", "उल्लेखनीय", "इससे पहले", "बताते चलें")
_STOP_WORDS = (
    "के में की को से है और ने का पर भी हो हैं कि यह एक लिए तक इस कर था थे गया गई नहीं जा रहे रही ही बाद साथ वे वह "
    "तो अब किया करने दिया जो कहा लोगों कोरोना वायरस कोविड 19 मामले संक्रमण लॉकडाउन नए"
)
_STOP = frozenset(_STOP_WORDS.split())
# (plain, marked) spellings; the marked one is tried first, so a marked word is never marked twice
_SPELLINGS = (
    ("पहुंच", "पहुँच"),
    ("जांच", "जाँच"),
    ("यहां", "यहाँ"),
    ("वहां", "वहाँ"),
    ("गांव", "गाँव"),
    ("पांच", "पाँच"),
    ("वाशिंगटन", "वॉशिंगटन"),
    ("गई", "गयी"),
    ("गए", "गये"),
    ("किए", "किये"),
    ("लिए", "लिये"),
    ("दिए", "दिये"),
    ("नई", "नयी"),
    ("अंतरराष्ट्रीय", "अंतर्राष्ट्रीय"),
    ("हिंदी", "हिन्दी"),
    ("कोरोना वायरस", "कोरोनावायरस"),
    ("ज्याद", "ज़्याद"),
    ("जरूर", "ज़रूर"),
    ("फैसल", "फ़ैसल"),
    ("बाजार", "बाज़ार"),
    ("सिर्फ", "सिर्फ़"),
    ("खिलाफ", "खिलाफ़"),
    ("मरीज", "मरीज़"),
    ("हजार", "हज़ार"),
    ("फिलहाल", "फ़िलहाल"),
    ("तेज", "तेज़"),
)
_PRECOMPOSED = {"ज\u093c": "\u095b", "फ\u093c": "\u095e", "ड\u093c": "\u095c", "ढ\u093c": "\u095d", "ख\u093c": "\u0959"}
_REWORDS = (
    ("ने कहा कि", "के मुताबिक"),
    ("कहा", "बताया"),
    ("बताया", "कहा"),
    ("लेकिन", "हालांकि"),
    ("के अनुसार", "के मुताबिक"),
    ("के मुताबिक", "के अनुसार"),
    ("अब तक", "अभी तक"),
    ("इसके अलावा", "साथ ही"),
    ("ज्यादा", "अधिक"),
    ("दौरान", "बीच"),
    ("जानकारी", "सूचना"),
    ("मौत", "मृत्यु"),
    ("शुरू", "आरंभ"),
)
_TAGLINES = (
    "पढ़िए इस खबर से जुड़ी पूरी जानकारी।",
    "जानिए अब तक क्या-क्या हुआ।",
    "यहां पढ़ें पूरी रिपोर्ट।",
    "ताजा अपडेट के लिए हमारे साथ जुड़े रहें।",
    "आइए जानते हैं पूरा मामला।",
)
_DEVANAGARI_DIGITS = str.maketrans("0123456789", "०१२३४५६७८९")
# where a seed dump's article starts (its last line with this start) and stops
_SEED_BODIES = {
    "000": ("वाशिंगटन, 12 जुलाई", None),
    "001": ("प्योंगयांग, 13 जुलाई", "-----"),
    "002": ("सियोल।", None),
    "003": ("सियोल, 25 अप्रैल", "Have something"),
    "004": ("वाशिंगटन, 12 जुलाई", "अस्वीकरण:"),
}


@dataclass(frozen=True, slots=True)
class Item:
    article_id: str
    story_label: str
    outlet: str
    body: str
    edit_kind: str  # "original", or the republication's edits joined by "+"


@dataclass(slots=True)
class Source:
    """A story's agency copy before republication."""

    headline: str
    paras: list[str]
    outlet: str
    day: str = ""
    label: str = ""
    shingles: frozenset[str] = field(default_factory=frozenset)


def hard_negative_group(label: str) -> str | None:
    return label.split(".", 1)[0] if "." in label else None


def build(seed: int = 11) -> list[Item]:
    rng = Random(seed)
    pool = read_corpus()
    chosen: list[Source] = []
    seen_paras: set[str] = set()

    def fits(src: Source, extra: frozenset[str] = frozenset()) -> bool:
        keys = {_key(p) for p in src.paras}
        return not keys & (seen_paras | extra) and all(
            _jaccard(src.shingles, c.shingles) < MAX_DUP_JACCARD for c in chosen
        )

    def accept(src: Source, label: str) -> None:
        src.label = label
        chosen.append(src)
        seen_paras.update(_key(p) for p in src.paras)

    for number, src in read_seeds().items():
        accept(src, f"seed.{number}")
    for g, (a, b) in enumerate(_event_pairs(pool), 1):
        if g > N_EVENT_PAIRS:
            break
        if fits(a) and fits(b):
            accept(a, f"event{g}.a")
            accept(b, f"event{g}.b")
    used = {id(s) for s in chosen}
    rest = [s for s in pool if id(s) not in used]
    rng.shuffle(rest)
    backgrounds = [p for s in rest for p in s.paras if p.startswith(_BACKGROUND_OPENERS) and 25 <= len(p.split()) <= 70]
    for g in range(1, N_BACKGROUND_PAIRS + 1):
        background = next(p for p in backgrounds if _key(p) not in seen_paras)
        pair: list[Source] = []
        for src in rest:
            if id(src) in used or background in src.paras or not fits(src, frozenset({_key(background)})):
                continue
            if pair and (_jaccard(_content(pair[0]), _content(src)) >= 0.1 or pair[0].day == src.day):
                continue
            pair.append(src)
            used.add(id(src))
            if len(pair) == 2:
                break
        for src, member in zip(pair, "ab", strict=True):
            accept(src, f"bg{g}.{member}")
            src.paras = src.paras[: rng.randint(4, MAX_PARAS - 1)]
            src.paras.insert(len(src.paras) - (member == "b" and rng.random() < 0.5), background)
        seen_paras.add(_key(background))
    regular = 0
    for src in rest:
        if regular < N_REGULAR and id(src) not in used and fits(src):
            regular += 1
            accept(src, f"s{regular:03d}")
    chosen += _templated(rng)

    items: list[Item] = []
    for src in chosen:
        items.append(Item("", src.label, src.outlet, _body(src.paras), "original"))
        hard = hard_negative_group(src.label) is not None
        outlets = rng.sample([o for o in REPUBLISHERS if o != src.outlet], rng.randint(1, 3 if hard else 8))
        for outlet in outlets:
            kinds, paras = republish(src, outlet, rng)
            items.append(Item("", src.label, outlet, _body(paras), "+".join(kinds)))
    rng.shuffle(items)
    items = [replace(item, article_id=f"a{i:04d}") for i, item in enumerate(items)]
    _check(items)
    return items


# --- sources -------------------------------------------------------------------------------------------------------


def read_corpus(root: Path = CORPUS) -> list[Source]:
    """Headline-led sections of the corpus with 4+ prose paragraphs, the first ten of them, in a stable order."""
    out: list[Source] = []
    for path in corpus_files(root):
        match = _FILE_DAY.search(path.name)
        day = f"{match[1].upper().replace('ARP', 'APR')}-{int(match[2]):02d}" if match else ""
        for headline, paras in sections(unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))):
            prose = [p for p in paras if len(p.split()) >= MIN_PARA_WORDS]
            if len(prose) >= 4:
                out.append(_source(headline, prose[:MAX_PARAS], OUTLETS[path.parts[-3]], day))
    if not out:
        raise FileNotFoundError(f"no corpus stories under {root}")
    return out


def read_seeds(folder: Path = SEEDS) -> dict[str, Source]:
    """The article paragraphs of the five seed dumps, without their page wrappers."""
    seeds: dict[str, Source] = {}
    for number, (start, stop) in _SEED_BODIES.items():
        (path,) = folder.glob(f"{number}_*.txt")
        lines = [line.strip() for line in unicodedata.normalize("NFC", path.read_text(encoding="utf-8")).splitlines()]
        begin = max(i for i, line in enumerate(lines) if line.startswith(start))
        end = next((i for i in range(begin, len(lines)) if stop and lines[i].startswith(stop)), len(lines))
        headline = next(line for line in lines if len(line.split()) >= 4)
        seeds[number] = _source(headline, [line for line in lines[begin:end] if line], f"seed{number}")
    return seeds


def sections(text: str) -> Iterator[tuple[str, list[str]]]:
    headline, paras = "", list[str]()
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if len(line.split()) <= 25 and not line.endswith(_SENTENCE_END):
            if len(line.split()) <= 3 and not paras:
                continue  # a place on a line of its own under the headline
            if paras:
                yield headline, paras
            headline, paras = line, []
        elif headline:
            paras.append(line)
    if paras:
        yield headline, paras


def _source(headline: str, paras: list[str], outlet: str, day: str = "") -> Source:
    return Source(headline, paras, outlet, day, shingles=frozenset(_shingles(" ".join(paras))))


def _event_pairs(pool: list[Source]) -> list[tuple[Source, Source]]:
    """Same day, different outlets, overlapping headline and vocabulary, little shared wording: best first."""
    scored: list[tuple[float, int, int]] = []
    heads = [frozenset(w for w in TOKEN.findall(s.headline) if w not in _STOP) for s in pool]
    words = [_content(s) for s in pool]
    for i, a in enumerate(pool):
        for j in range(i + 1, len(pool)):
            b = pool[j]
            if a.day != b.day or a.outlet == b.outlet or _jaccard(a.shingles, b.shingles) >= MAX_DUP_JACCARD:
                continue
            head = _jaccard(heads[i], heads[j])
            score = head + _jaccard(words[i], words[j])
            if head >= 0.1 and score >= 0.24:
                scored.append((-score, i, j))
    pairs: list[tuple[Source, Source]] = []
    taken: set[int] = set()
    for _, i, j in sorted(scored):
        if not {i, j} & taken:
            taken |= {i, j}
            pairs.append((pool[i], pool[j]))
    return pairs


def _templated(rng: Random) -> list[Source]:
    """Case-count bulletins from two templates: same wording, other figures, districts and dates."""
    out: list[Source] = []
    district_days = [("आगरा", date(2020, 4, 20) + timedelta(days=d)) for d in range(3)]
    district_days += [(d, date(2020, 4, rng.randint(5, 28))) for d in ("मेरठ", "कानपुर नगर", "गोरखपुर", "सहारनपुर")]
    total = rng.randint(300, 900)
    for n, (district, day) in enumerate(district_days, 1):
        new = rng.randint(5, 90)
        total = total + new if district == "आगरा" else rng.randint(150, 1500)  # a daily series adds up
        out.append(_district_bulletin(rng, district, day, new, total, f"tmpldistrict.{n:02d}"))
    state_days = [("बिहार", date(2020, 5, 2) + timedelta(days=d)) for d in range(2)]
    state_days += [(s, date(2020, 5, rng.randint(1, 15))) for s in ("उत्तर प्रदेश", "राजस्थान", "मध्य प्रदेश", "झारखंड")]
    total = rng.randint(400, 700)
    for n, (state, day) in enumerate(state_days, 1):
        new = rng.randint(40, 400)
        total = total + new if state == "बिहार" else rng.randint(300, 4000)
        out.append(_state_bulletin(rng, state, day, new, total, f"tmplstate.{n:02d}"))
    return out


_WEEKDAYS = ("सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार")
_MONTHS = {4: "अप्रैल", 5: "मई"}
_LOCALITIES = ("शाहगंज", "लोहामंडी", "ताजगंज", "सदर बाजार", "कोतवाली", "रामनगर", "सिविल लाइंस", "गांधी नगर", "कटरा", "चौक")
_STATES = {
    "बिहार": ("पटना", ("पटना", "मुंगेर", "सीवान", "बक्सर", "नालंदा")),
    "उत्तर प्रदेश": ("लखनऊ", ("आगरा", "मेरठ", "लखनऊ", "कानपुर नगर", "मुरादाबाद")),
    "राजस्थान": ("जयपुर", ("जयपुर", "जोधपुर", "अजमेर", "कोटा", "भरतपुर")),
    "मध्य प्रदेश": ("भोपाल", ("इंदौर", "भोपाल", "उज्जैन", "जबलपुर", "खरगोन")),
    "झारखंड": ("रांची", ("रांची", "धनबाद", "बोकारो", "हजारीबाग", "कोडरमा")),
}


def _n(value: int) -> str:
    return f"{value:,}"


def _district_bulletin(rng: Random, district: str, day: date, new: int, total: int, label: str) -> Source:
    deaths, recovered = rng.randint(2, 40), rng.randint(total // 4, total // 2)
    men = rng.randint(1, new)
    contacts = rng.randint(0, new)
    samples = rng.randint(total * 8, total * 20)
    area1, area2 = rng.sample(_LOCALITIES, 2)
    dateline = f"{district}, {day.day} {_MONTHS[day.month]} (भाषा)।"
    paras = [
        f"{dateline} {district} जिले में {_WEEKDAYS[day.weekday()]} को कोरोना वायरस संक्रमण के {new} नए मामले सामने आए, "
        f"जिसके बाद जिले में संक्रमितों की कुल संख्या बढ़कर {_n(total)} हो गई है। स्वास्थ्य विभाग की ओर से देर शाम जारी "
        "बुलेटिन में यह जानकारी दी गई।",
        f"मुख्य चिकित्सा अधिकारी ने बताया कि नए संक्रमितों में {men} पुरुष और {new - men} महिलाएं शामिल हैं। इनमें से "
        f"{contacts} लोग पहले से संक्रमित मरीजों के संपर्क में आए थे, जबकि {new - contacts} लोग हाल ही में दूसरे राज्यों "
        "से लौटे थे।",
        f"जिले में अब तक {_n(recovered)} मरीज स्वस्थ होकर घर लौट चुके हैं, जबकि {_n(total - recovered - deaths)} मरीजों "
        f"का इलाज विभिन्न अस्पतालों में चल रहा है। संक्रमण से अब तक जिले में {deaths} लोगों की मौत हो चुकी है।",
        f"प्रशासन ने {area1} और {area2} समेत {rng.randint(8, 60)} इलाकों को कंटेनमेंट जोन घोषित किया है। इन इलाकों में "
        "आवश्यक सेवाओं को छोड़कर सभी गतिविधियों पर रोक रहेगी और स्वास्थ्य विभाग की टीमें घर-घर जाकर लोगों की स्क्रीनिंग "
        "करेंगी।",
        f"अब तक जिले से {_n(samples)} नमूने जांच के लिए भेजे गए हैं, जिनमें से {_n(rng.randint(50, 900))} की रिपोर्ट आनी "
        "बाकी है। जिलाधिकारी ने लोगों से अपील की है कि वे घर से बाहर निकलते समय मास्क पहनें और सामाजिक दूरी का पालन करें।",
    ]
    headline = f"{district} में कोरोना के {new} नए मामले, कुल संक्रमित {_n(total)}"
    src = _source(headline, paras, "bhasha", f"{day:%b-%d}".upper())
    src.label = label
    return src


def _state_bulletin(rng: Random, state: str, day: date, new: int, total: int, label: str) -> Source:
    capital, districts = _STATES[state]
    deaths, recovered = rng.randint(5, 120), rng.randint(total // 4, total // 2)
    d1, d2, d3 = rng.sample(districts, 3)
    first = rng.randint(new // 4, new // 2)
    second = rng.randint(1, new - first - 1)
    tests = rng.randint(total * 15, total * 30)
    paras = [
        f"{capital}, {day.day} {_MONTHS[day.month]} (भाषा)। {state} में {_WEEKDAYS[day.weekday()]} को कोरोना वायरस के {new} "
        f"नए मामले सामने आने के बाद राज्य में संक्रमितों की कुल संख्या {_n(total)} हो गई है। राज्य के स्वास्थ्य विभाग ने "
        "यह जानकारी दी।",
        f"विभाग के अनुसार पिछले 24 घंटे में {rng.randint(1, 9)} मरीजों की मौत हुई, जिसके बाद राज्य में इस महामारी से जान "
        f"गंवाने वालों की संख्या {deaths} पहुंच गई है। वहीं {rng.randint(10, 150)} मरीजों को ठीक होने के बाद अस्पताल से "
        "छुट्टी दे दी गई।",
        f"राज्य में फिलहाल {_n(total - recovered - deaths)} मरीजों का इलाज चल रहा है। सबसे ज्यादा {first} नए मामले {d1} "
        f"जिले से आए हैं, जबकि {d2} में {second} और {d3} में {new - first - second} लोग संक्रमित पाए गए।",
        f"अधिकारियों ने बताया कि अब तक राज्य में {_n(tests)} नमूनों की जांच की जा चुकी है। पिछले 24 घंटे में ही "
        f"{_n(rng.randint(1500, 9000))} नमूनों की जांच हुई है और जांच की क्षमता लगातार बढ़ाई जा रही है।",
        "स्वास्थ्य मंत्री ने कहा कि संक्रमण की दर पर नजर रखी जा रही है और जिन इलाकों से ज्यादा मामले आ रहे हैं वहां "
        "निगरानी बढ़ा दी गई है। उन्होंने लोगों से बिना जरूरी काम के घरों से बाहर न निकलने की अपील की।",
    ]
    src = _source(f"{state} में कोरोना के {new} नए मामले, कुल {_n(total)}", paras, "bhasha", f"{day:%b-%d}".upper())
    src.label = label
    return src


# --- republication -------------------------------------------------------------------------------------------------


def republish(src: Source, outlet: str, rng: Random) -> tuple[list[str], list[str]]:
    """The edit kinds actually applied, and the republished paragraphs."""
    draw = rng.random()
    if draw < 0.2:
        return ["verbatim" if draw < 0.1 else "rewrapped"], list(src.paras)
    wanted = set(rng.sample(EDITS, rng.choice((1, 1, 2, 2, 3))))
    paras, kinds = list(src.paras), list[str]()
    for kind in EDITS:
        if kind in wanted:
            edited = _EDIT_FUNCTIONS[kind](paras, rng, src)
            if edited is not None and edited != paras:
                paras, kinds = edited, [*kinds, kind]
    if not kinds:
        paras, kinds = _intro(paras, rng, src) or paras, ["intro"]
    return kinds, paras


def _trimmed(paras: list[str], rng: Random, src: Source) -> list[str] | None:
    most = min(3, len(paras) - math.ceil(len(paras) / 2))
    return paras[: len(paras) - rng.randint(1, most)] if most >= 1 else None


def _split_merge(paras: list[str], rng: Random, src: Source) -> list[str] | None:
    splittable = [i for i, p in enumerate(paras) if len(_SENTENCE.findall(p)) >= 2]
    if splittable and (len(paras) < 2 or rng.random() < 0.5):
        i = rng.choice(splittable)
        sentences = _SENTENCE.findall(paras[i])
        cut = rng.randint(1, len(sentences) - 1)
        return [*paras[:i], "".join(sentences[:cut]).strip(), "".join(sentences[cut:]).strip(), *paras[i + 1 :]]
    if len(paras) < 2:
        return None
    i = rng.randrange(len(paras) - 1)
    return [*paras[:i], f"{paras[i]} {paras[i + 1]}", *paras[i + 2 :]]


def _intro(paras: list[str], rng: Random, src: Source) -> list[str] | None:
    return [f"{src.headline.rstrip(' ।|')}। {rng.choice(_TAGLINES)}", *paras]


def _reworded(paras: list[str], rng: Random, src: Source) -> list[str] | None:
    """Synonyms in, or two words swapped in, one or two sentences."""
    spots = [(i, m.span()) for i, p in enumerate(paras) for m in _SENTENCE.finditer(p) if len(m[0].split()) >= 6]
    out = list(paras)
    for i, (start, end) in sorted(rng.sample(spots, min(len(spots), rng.randint(1, 2))), reverse=True):
        sentence = out[i][start:end]
        options = [(a, b) for a, b in _REWORDS if _word_pattern(a).search(sentence)]
        if options:
            for a, b in rng.sample(options, min(2, len(options))):
                sentence = _word_pattern(a).sub(b, sentence, count=1)
        else:
            words = sentence.split(" ")
            k = rng.randrange(1, max(2, len(words) - 3))
            words[k], words[k + 1] = words[k + 1], words[k]
            sentence = " ".join(words)
        out[i] = out[i][:start] + sentence + out[i][end:]
    return out


def _spelling(paras: list[str], rng: Random, src: Source) -> list[str] | None:
    text = "\n\n".join(paras)
    options: list[Callable[[str], str]] = []
    for plain, marked in _SPELLINGS:
        if marked in text:
            options.append(partial(_respell, old=marked, new=plain))
        elif plain in text:
            options.append(partial(_respell, old=plain, new=marked))
    if regex.search("[जफ]\u093c", text):
        options.append(lambda t: regex.sub("(?<=[जफ])\u093c", "", t))  # नुक्ता dropped from ज़ and फ़; ड़ stays
    if "\u093c" in text:
        options.append(lambda t: regex.sub("|".join(_PRECOMPOSED), lambda m: _PRECOMPOSED[m[0]], t))
    if not options:
        return None
    for option in rng.sample(options, min(len(options), rng.randint(1, 3))):
        text = option(text)
    return text.split("\n\n")


def _respell(text: str, old: str, new: str) -> str:
    """`old` to `new`, except where `old` already carries a नुक्ता or चंद्रबिंदु (so ज़ never becomes ज़़)."""
    return regex.sub(regex.escape(old) + "(?![\u093c\u0901])", new, text)


def _digits(paras: list[str], rng: Random, src: Source) -> list[str] | None:
    text = "\n\n".join(paras)
    numbers = list(_NUMBER.finditer(text))
    if not numbers:
        return None
    chosen = {m.start() for m in rng.sample(numbers, max(1, round(len(numbers) * rng.uniform(0.3, 1))))}
    text = _NUMBER.sub(lambda m: m[0].translate(_DEVANAGARI_DIGITS) if m.start() in chosen else m[0], text)
    return text.split("\n\n")


def _punctuation(paras: list[str], rng: Random, src: Source) -> list[str] | None:
    text = "\n\n".join(paras)
    options = []
    if regex.search(r"\s।", text):
        options.append((r"\s+।", "।"))
    if regex.search(r"\S।", text):
        options.append((r"(?<=\S)।", " ।"))
    if "।" in text:
        options.append((r"\s*।", rng.choice(("|", " |"))))
    if not options:
        return None
    pattern, replacement = rng.choice(options)
    return regex.sub(pattern, replacement, text).split("\n\n")


_EDIT_FUNCTIONS: dict[str, Callable[[list[str], Random, Source], list[str] | None]] = {
    "trimmed": _trimmed,
    "split_merge": _split_merge,
    "intro": _intro,
    "reworded": _reworded,
    "spelling": _spelling,
    "digits": _digits,
    "punctuation": _punctuation,
}


# --- helpers -------------------------------------------------------------------------------------------------------


def _body(paras: list[str]) -> str:
    return "\n\n".join(paras)


def _key(paragraph: str) -> str:
    return " ".join(TOKEN.findall(paragraph))


def _shingles(text: str, k: int = 5) -> set[str]:
    words = TOKEN.findall(text)
    return {" ".join(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}


def _content(src: Source) -> frozenset[str]:
    return frozenset(w for p in src.paras for w in TOKEN.findall(p) if w not in _STOP and len(w) > 1)


def _jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _word_pattern(phrase: str) -> regex.Pattern[str]:
    return regex.compile(rf"(?<![\p{{L}}\p{{M}}]){regex.escape(phrase)}(?![\p{{L}}\p{{M}}])")


def _check(items: list[Item]) -> None:
    stories = Counter(item.story_label for item in items)
    hard = sum(n for label, n in stories.items() if hard_negative_group(label))
    if len(items) < 400 or len(stories) < 80 or not 0.15 <= hard / len(items) <= 0.25:
        raise AssertionError(f"{len(items)} articles, {len(stories)} stories, {hard} in hard-negative stories")
    if any(not 1 <= n - 1 <= 8 for n in stories.values()):
        raise AssertionError("every story needs 1-8 republications")


# --- files and summary ---------------------------------------------------------------------------------------------


def save(items: list[Item], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")


def load(path: Path) -> list[Item]:
    with path.open(encoding="utf-8") as lines:
        return [Item(**json.loads(line)) for line in lines]


def summary(items: list[Item]) -> str:
    stories = Counter(item.story_label for item in items)
    kinds = Counter(kind for item in items for kind in item.edit_kind.split("+"))
    combos = Counter(len(item.edit_kind.split("+")) for item in items if item.edit_kind not in ("original",))
    groups: dict[str, list[str]] = {}
    for label in sorted(stories):
        if group := hard_negative_group(label):
            groups.setdefault(group, []).append(label)
    hard = sum(stories[label] for labels in groups.values() for label in labels)
    lines = [
        f"articles {len(items)}, stories {len(stories)} (republications per story {min(stories.values()) - 1}-"
        f"{max(stories.values()) - 1}), hard-negative stories {sum(map(len, groups.values()))} with {hard} articles "
        f"({hard / len(items):.1%})",
        "edit kinds (a republication can have several): " + ", ".join(f"{k} {kinds[k]}" for k in KINDS),
        "edits per republication: " + ", ".join(f"{n}: {combos[n]}" for n in sorted(combos)),
        "hard-negative groups:",
    ]
    for group, labels in groups.items():
        lines.append(f"  {group:<13} {len(labels):>2} stories, {sum(stories[x] for x in labels):>3} articles")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    items = build(args.seed)
    save(items, args.out)
    print(f"wrote {args.out}\n{summary(items)}")


if __name__ == "__main__":
    main()
