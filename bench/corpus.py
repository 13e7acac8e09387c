"""The story pool: real Hindi news from the shared 2020 corpus, split into headline + paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"  # ../shared beside the checkout
CORPUS = SHARED / "corpora" / "hindi-news-2020"
# Days held back for an independent check: never read, labelled or tuned on.
HELD_BACK = frozenset({(3, 8), (3, 9), (3, 10), (3, 19), (3, 25), (3, 26), (4, 14), (4, 22), (4, 23), (5, 2)})
MIN_PARAS, MIN_WORDS, MAX_PARAS, MAX_TITLE_WORDS = 3, 80, 12, 25
_PLACE_NAMES = (
    "नई दिल्ली|नयी दिल्ली|लखनऊ|पटना|रांची|मुंबई|कोलकाता|जयपुर|भोपाल|इंदौर|देहरादून|चंडीगढ़|आगरा|कानपुर|मेरठ|"
    "वाराणसी|प्रयागराज|गोरखपुर|सहारनपुर|अलीगढ़|बरेली|नोएडा|गुवाहाटी|बेंगलुरु|हैदराबाद|चेन्नई|तिरुवनंतपुरम|जम्मू|"
    "श्रीनगर|शिमला|धनबाद|जमशेदपुर|भागलपुर|मुजफ्फरपुर|गया|मुंगेर|पानीपत|रोहतक|फरीदाबाद|उदयपुर|मथुरा|वाशिंगटन|"
    "वॉशिंगटन|बीजिंग|पेइचिंग|इस्लामाबाद|काठमांडू|लंदन|जिनेवा|रोम|बर्लिन|तेहरान|बैंकॉक|वुहान|सियोल|प्योंगयांग"
)
PLACES = tuple(_PLACE_NAMES.split("|"))
_KNOWN = frozenset(PLACES)
_MONTHS = {"MAR": 3, "APR": 4, "ARP": 4, "MAY": 5}  # the corpus spells April "ARP" in some names
_FILE_DATE = re.compile(r"-(MAR|APR|ARP|MAY)-(\d{1,2})\.TXT$")
_SENTENCE_END = ("।", ".", "?", "!", '"', "'", "”", "’", "॥")
# The source's own dateline: "पटना : ", "सहारनपुर, जेएनएन । ", "मुंबई, चार अप्रैल (भाषा) ".
_DATELINE = re.compile(
    r"^(?P<place>[^\s,।:()]+(?: [^\s,।:()]+)?)\s*(?:,\s*[^।:()]{1,30}?)?\s*(?:\([^()]{1,20}\)\s*[।:]?|[।:])\s*"
)


@dataclass(slots=True)
class Story:
    title: str
    paras: list[str]
    place: str | None = None
    day: date = date(2020, 4, 1)

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paras)


def corpus_files(root: Path = CORPUS) -> list[Path]:
    """The corpus's files in a stable order, without the days held back for an independent check."""
    return [path for path in sorted(root.glob("*/*/*.txt")) if _month_day(path.name) not in HELD_BACK]


def _month_day(name: str) -> tuple[int, int] | None:
    match = _FILE_DATE.search(name.upper())
    return (_MONTHS[match[1]], int(match[2])) if match else None


def load_pool(root: Path = CORPUS) -> list[Story]:
    """Every story of the corpus with enough text, one per headline, in a stable order."""
    files = corpus_files(root)
    if not files:
        raise FileNotFoundError(f"no corpus files under {root}")
    seen: set[str] = set()
    pool: list[Story] = []
    for path in files:
        for story in _split(path.read_text(encoding="utf-8"), _file_date(path.name)):
            story.paras = story.paras[:MAX_PARAS]  # merged sub-sections can make a live blog of a story
            if story.title not in seen and _enough(story):
                seen.add(story.title)
                pool.append(_strip_dateline(story))
    return pool


def _enough(story: Story) -> bool:
    """At least three paragraphs of prose (not list items) and enough words."""
    return sum(len(p.split()) >= 10 for p in story.paras) >= MIN_PARAS and story.words >= MIN_WORDS


def _file_date(name: str) -> date:
    match = _FILE_DATE.search(name.upper())
    return date(2020, _MONTHS[match[1]], int(match[2])) if match else date(2020, 4, 1)


def _split(text: str, day: date) -> list[Story]:
    """Headline-led sections, then sections that look like sub-headings merged into the story before."""
    sections: list[Story] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        words = len(line.split())
        if words <= 3 and not line.endswith(_SENTENCE_END):
            if sections and sections[-1].place is None and _known(line):
                sections[-1].place = line  # Navbharat Times puts the place on a line of its own
        elif words <= MAX_TITLE_WORDS and not line.endswith(_SENTENCE_END):
            sections.append(Story(line, [], day=day))
        elif sections:
            sections[-1].paras.append(line)
    stories: list[Story] = []
    for section in filter(lambda s: s.paras, sections):  # a headline with nothing under it is a list item
        if stories and not _starts_story(section):
            stories[-1].paras += [section.title, *section.paras]
        else:
            stories.append(section)
    return stories


def _starts_story(section: Story) -> bool:
    return len(section.paras) >= MIN_PARAS or bool(section.paras and _dateline(section.paras[0]))


def _dateline(paragraph: str) -> re.Match[str] | None:
    match = _DATELINE.match(paragraph)
    return match if match and len(match[0]) <= 48 and _known(match["place"]) else None


def _known(place: str) -> bool:
    return place.replace("\u200d", "").replace("\u200c", "") in _KNOWN


def _strip_dateline(story: Story) -> Story:
    """Take the source's own dateline off the first paragraph; its place becomes the story's."""
    match = _dateline(story.paras[0])
    if match:
        story.paras[0] = story.paras[0][match.end() :]
        story.place = match["place"]
    return story
