"""Cleaning never raises and never invents text: every kept paragraph is a line of the input."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from khabar.records import CleanText
from khabar.text.clean import clean
from khabar.text.lexicon import LINE_PATTERNS, line_kind
from khabar.text.normalize import match_key, storage_text
from tests.conftest import FIXTURES, SAMPLES

SEED_LINES = sorted({line for path in SAMPLES.glob("*.txt") for line in path.read_text().split("\n")})
NOISE = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs", "Cc")), max_size=120)
LINES = st.lists(st.one_of(st.sampled_from(SEED_LINES), NOISE), max_size=40)


def pieces_of(text: str, parts: Counter[str]) -> list[str] | None:
    """The parts that, one after another (spaces between them aside), make `text`; None if none do."""
    text = text.strip()
    if not text:
        return []
    for part in [part for part, count in parts.items() if count and part and text.startswith(part)]:
        parts[part] -= 1
        rest = pieces_of(text[len(part) :], parts)
        parts[part] += 1
        if rest is not None:
            return [part, *rest]
    return None


def title_split(line: str, title_parts: set[str], gone: Counter[str]) -> bool:
    """Whether `line` is a title split from its label and site name (and the rest removed): if so, takes its
    pieces out of `gone`."""
    left, rest = gone.copy(), line
    for part in [part for part in title_parts if left[part] and part in line]:
        left[part] -= 1
        rest = rest.replace(part, " ", 1)
    made = pieces_of(rest.strip(" -–—|:"), left) or []
    if "".join(made).replace(" ", "") != rest.strip(" -–—|:").replace(" ", ""):
        return False
    left.subtract(made)
    gone.clear()
    gone.update(left)
    return True


def check_nothing_invented_nothing_lost(text: str, result: CleanText) -> None:
    """Every line of the input is kept whole, removed whole, or cut where a credit, sign-off, disclaimer or byline
    was glued to it: at most one kept paragraph with removed pieces around it. Every kept paragraph and removed
    block comes from exactly one line. A title split from its "label:" prefix and site name counts as one line."""
    kept = Counter(result.paragraphs)
    gone = Counter(block.text for block in result.removed)
    titles = [block.text for block in result.removed if block.kind == "title"]
    title_parts = {block.text for block in result.removed if block.kind in ("title", "category_label", "site_name")}
    for line in (line for line in text.split("\n") if line.strip()):
        if kept[line]:
            kept[line] -= 1
        elif gone[line]:
            gone[line] -= 1
        elif any(title in line and gone[title] for title in titles) and title_split(line, title_parts, gone):
            pass
        else:  # a line holding a removed title's text may also be a paragraph with a sign-off cut from it
            cuts = [
                (paragraph, before, after)
                for paragraph in kept
                if kept[paragraph] and paragraph in line
                for before, _, after in [line.partition(paragraph)]
            ]
            for paragraph, before, after in [*cuts, ("", line, "")]:
                made = pieces_of(before, gone)
                made = None if made is None else made + (pieces_of(after, gone - Counter(made)) or [])
                if made is not None and "".join(made).replace(" ", "") == (before + after).replace(" ", ""):
                    kept[paragraph] -= bool(paragraph)
                    gone.subtract(made)
                    break
            else:
                raise AssertionError(f"line neither kept nor removed: {line!r}")
    assert +kept == Counter(), f"kept but not in the input: {+kept}"
    assert +gone == Counter(), f"removed but not in the input: {+gone}"


# Credits, sign-offs and disclaimers that flattened pages glue to the last sentence of an article.
TAIL_FRAGMENTS = [
    "भाषा राजकुमार राजकुमार",
    "--आईएएनएस एसकेपी/एबीएम",
    "(इस खबर को NDTV टीम ने संपादित नहीं किया है. यह सिंडीकेट फीड से सीधे प्रकाशित की गई है.)",
    "डिस्क्लेमरः यह आईएएनएस न्यूज फीड से सीधे पब्लिश हुई खबर है। इसके साथ टीम ने कोई बदलाव नहीं किया है।",
    "(एजेंसी इनपुट के साथ)",
    "हिन्दुस्थान समाचार / रवि / मुकेश",
    "(अनुराग शर्मा) पेरिस, तीन जून (भाषा)",
    "वार्ता",
]
GLUED = st.lists(
    st.one_of(st.sampled_from(SEED_LINES), NOISE, st.sampled_from(TAIL_FRAGMENTS)), min_size=1, max_size=4
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SEED_LINES), GLUED), max_size=30))
@example(  # a sign-off line taken as the title, and the same sign-off glued to a paragraph below (found by CI)
    lines=[
        "भाषा राजकुमार राजकुमार",
        "---------------",
        '"डीपीआरके सरकार का रणनीतिक विकल्प और इच्छा है कि वह रूस की राज्य संप्रभुता और क्षेत्रीय अखंडता की रक्षा के लिए '
        'निस्वार्थ और लगातार समर्थन करे," चो ने कहा। भाषा राजकुमार राजकुमार',
    ]
)
def test_clean_cuts_only_whole_pieces(lines: list[str]) -> None:
    text = storage_text("\n".join(lines))
    check_nothing_invented_nothing_lost(text, clean(text, fetched_at=datetime(2025, 7, 14, tzinfo=UTC)))


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_clean_keeps_only_input_lines(lines: list[str]) -> None:
    text = storage_text("\n".join(lines))
    check_nothing_invented_nothing_lost(text, clean(text, fetched_at=datetime(2025, 7, 14, tzinfo=UTC)))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_parsing_arbitrary_bytes_never_raises(data: bytes) -> None:
    from khabar.records import InputRef, RawDoc
    from khabar.text.parse import parse_document

    for fmt in ("text", "html", "jsonl"):
        raw = RawDoc("0" * 64, InputRef("x", "x", fmt), len(data), datetime(2025, 1, 1, tzinfo=UTC), data)
        outcome = parse_document(raw)
        assert outcome.status in ("parsed", "rejected")
        assert outcome.rejection is None or outcome.rejection.reason != "parse_error", outcome.rejection


def line_kind_by_every_pattern(line: str) -> str | None:
    """line_kind without its shortcuts (first-character candidates, required words, cache)."""
    for kind, pattern, longest, *_ in LINE_PATTERNS:
        if (longest is None or len(line) <= longest) and pattern.search(line):
            return kind
    return None


GOLDEN_LINES = sorted({line for path in (FIXTURES / "golden").glob("*.txt") for line in path.read_text().split("\n")})
# Words the patterns look for, the characters their shortcuts test, and case and folding oddities.
FRAGMENTS = [
    *"›»/|:-–()<>{}%&=।.!?,©",
    *("ago", "AGO", "पहले", "hindi", "News", "app", "डाउनलोड", "संवाददाता", "By", "TAGS", "Tags:", "function"),
    *(
        "ﬁrst published",
        "İnput",
        "HINDI News App",
        "FUNCTION(",
        "३ घंटे",
        "12:30",
        "var x =",
        "&nbsp;",
        "यह भी पढ़ें",
        "शेयर करें",
        "Web Title",
    ),
]
LEXICON_LINE = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(SEED_LINES + GOLDEN_LINES), NOISE), min_size=1, max_size=6
).map(" ".join)


def test_line_kind_agrees_with_every_pattern_on_real_lines() -> None:
    for line in SEED_LINES + GOLDEN_LINES:
        assert line_kind(line) == line_kind(line, match_key(line)) == line_kind_by_every_pattern(line), line


@settings(max_examples=3000, deadline=None)
@given(LEXICON_LINE)
def test_line_kind_agrees_with_every_pattern(line: str) -> None:
    assert line_kind(line) == line_kind(line, match_key(line)) == line_kind_by_every_pattern(line)
