"""Cleaning never raises and never invents text: every kept paragraph is a line of the input."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.text.clean import clean
from khabar.text.lexicon import LINE_PATTERNS, line_kind
from khabar.text.normalize import match_key, storage_text
from tests.conftest import FIXTURES, SAMPLES

SEED_LINES = sorted({line for path in SAMPLES.glob("*.txt") for line in path.read_text().split("\n")})
NOISE = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs", "Cc")), max_size=120)
LINES = st.lists(st.one_of(st.sampled_from(SEED_LINES), NOISE), max_size=40)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_clean_keeps_only_input_lines(lines: list[str]) -> None:
    text = storage_text("\n".join(lines))
    result = clean(text, fetched_at=datetime(2025, 7, 14, tzinfo=UTC))
    lines_in = [line for line in text.split("\n") if line.strip()]
    assert all(paragraph in lines_in for paragraph in result.paragraphs)
    # Every line is kept or removed, once; a title split from its "label:" prefix counts as one line.
    accounted = set(result.paragraphs) | {block.text for block in result.removed}
    titles = [block.text for block in result.removed if block.kind == "title"]
    assert all(line in accounted or any(line.endswith(title) for title in titles) for line in lines_in)
    assert len(result.paragraphs) + len(result.removed) - len(lines_in) in (0, 1)


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
