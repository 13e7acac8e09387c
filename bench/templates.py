"""Page templates modelled on the five seed dumps in data/samples, and the outlets that use them."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from random import Random

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
OUTLETS: tuple[tuple[str, str], ...] = (  # (folder name = outlet, template)
    ("BhaskarHindi", "ians"),
    ("Amar Ujala Web", "own"),
    ("NavbharatTimes Online", "portal"),
    ("Dainik Portal", "portal"),
    ("HS Feed", "hs"),
    ("Jagran Samvad", "own"),
    ("Agency Wire Hindi", "agency"),
    ("Khabar Express", "agency"),
)
HI_MONTHS = ["जनवरी", "फरवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"]
EN_MONTHS = tuple(calendar.month_name)[1:]  # English: Python never sets LC_TIME by itself
HS_NAMES = ("आकाश कुमार राय", "सुनील शुक्ला", "प्रभात मिश्रा", "नीलम सिंह", "अजीत तिवारी", "रवि प्रकाश", "दधिबल यादव")
BYLINES = ("Sandeep malviya", "Priya Sharma", "Rahul Verma", "Anjali Singh", "Mohit Joshi", "Deepak Tiwari")
SECTIONS = ("International", "National", "Health", "States", "Business")
CATEGORIES = ("कूटनीति", "स्वास्थ्य", "राष्ट्रीय", "कोरोना वायरस", "राजनीति", "अंतरराष्ट्रीय", "दिल्ली")
SEO_TAILS = ("जानें इस महत्वपूर्ण खबर के बारे में और अधिक जानकारी।", "पढ़ें पूरी खबर।", "जानें पूरा मामला।", "")
_SENTENCE = re.compile(r"[^।?!]+[।?!]?")


@dataclass(slots=True)
class Article:
    """A story as an outlet prints it: the dateline is glued to the first paragraph."""

    title: str
    dateline: str
    paras: list[str]
    day: date


def dateline(template: str, place: str, day: date) -> str:
    when = f"{day.day} {HI_MONTHS[day.month - 1]}"
    return {
        "portal": f"{place}, {when}: ",
        "hs": f"{place}, {when} (हि.स.)। ",
        "own": f"{place}। ",
        "agency": f"{place}, {when} (एजेंसी) : ",
        "ians": f"{place}, {when} (आईएएनएस)। ",
    }[template]


def render(template: str, a: Article, rng: Random, titles: Sequence[str]) -> str:
    """One dump: the article in the page around it, with this dump's spacing and line ends."""
    text = _TEMPLATES[template](a, rng, titles)
    text += "\n" if rng.random() < 0.5 else ""
    return text.replace("\n", "\r\n") if rng.random() < 0.1 else text


def _body(a: Article, gap: str) -> str:
    return gap.join([a.dateline + a.paras[0], *a.paras[1:]])


def _gap(rng: Random, *choices: str) -> str:
    return rng.choice(choices)


def _summary(a: Article, sentences: int) -> str:
    return "".join(_SENTENCE.findall(a.paras[0])[:sentences]).strip()


def _portal(a: Article, rng: Random, titles: Sequence[str]) -> str:
    summary = f"{_summary(a, 2)} {rng.choice(SEO_TAILS)}".strip()
    sub = re.split(r"[,:|-]", a.title, maxsplit=1)[0].strip()
    sub = sub if sub != a.title else " ".join(a.title.split()[:5])
    head = f"{a.title}\n\n{summary}\n\xa0|\xa0\n{a.title}\n\n{sub}\n\n\n"
    return head + _body(a, _gap(rng, "\n\n\n", "\n\n", "\n"))


def _hs(a: Article, rng: Random, titles: Sequence[str]) -> str:
    teaser = (a.dateline + a.paras[0])[: rng.randint(180, 260)]  # cut mid-word, as the feed does
    credit = f"\n\n---------------\n\nहिन्दुस्थान समाचार / {rng.choice(HS_NAMES)}"
    return f"{a.title}\n{teaser}\n{a.title}\n\n\n" + _body(a, _gap(rng, "\n\n", "\n")) + credit


def _own(a: Article, rng: Random, titles: Sequence[str]) -> str:
    stamp = f"{EN_MONTHS[a.day.month - 1][:3]} {a.day.day}, {a.day.year}{rng.randint(1, 11)} hours ago"
    head = f"{_summary(a, rng.randint(1, 2))}\nBy: {rng.choice(BYLINES)}\n{stamp}\n"
    return head + _body(a, _gap(rng, "\n", "\n", "\n\n"))


def _agency(a: Article, rng: Random, titles: Sequence[str]) -> str:
    stamp = f"{EN_MONTHS[a.day.month - 1]} {a.day.day}, {a.day.year}"
    head = f"{rng.choice(SECTIONS)}\n\n{a.title}\n\n{stamp}\n\n"
    more = "\n\n".join(t for t in rng.sample(titles, k=10) for _ in (0, 1))
    tail = f"\n\n\xa0\n\nHave something to say? Post your opinion\n\n\xa0\n\nMore News\n\n{more}\n\n\xa0 --%>"
    return head + _body(a, _gap(rng, "\n\n", "\n\n\n")) + tail


def _ians(a: Article, rng: Random, titles: Sequence[str]) -> str:
    hour, minute = rng.randint(1, 12), rng.randint(0, 59)
    created = f"{a.day.day} {EN_MONTHS[a.day.month - 1]} {a.day.year} {hour}:{minute:02d} {rng.choice(('AM', 'PM'))}"
    head = f"{rng.choice(CATEGORIES)}:\xa0{a.title}\n\n{a.title}\n{a.paras[0]}\n\n"
    tail = f"\n\n{disclaimer()}\n\nCreated On : \xa0 {created} IST\n\nTags\n\nऔर पढ़ेंकम पढ़ें\nNext Story"
    return head + _body(a, _gap(rng, "\n\n", "\n")) + tail


@cache
def disclaimer() -> str:
    """BhaskarHindi's disclaimer, as seed 004 prints it."""
    seed = next(SAMPLES.glob("004_*.txt")).read_text(encoding="utf-8")
    return next(line for line in seed.splitlines() if line.startswith("अस्वीकरण"))


_TEMPLATES: dict[str, Callable[[Article, Random, Sequence[str]], str]] = {
    "portal": _portal,
    "hs": _hs,
    "own": _own,
    "agency": _agency,
    "ians": _ians,
}
